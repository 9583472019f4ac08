/* lwip_host.c: lwIP's tcpip thread and its tap netif (see lwip_host.h). */
#include "lwip_host.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lwip/init.h>
#include <lwip/netif.h>
#include <lwip/opt.h>
#include <lwip/priv/tcp_priv.h>
#include <lwip/tcpip.h>
#include <netif/tapif.h>

static struct netif tap_netif;
static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;
static int tcpip_ready;

static void on_tcpip_ready(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&ready_lock);
	tcpip_ready = 1;
	pthread_cond_signal(&ready_cond);
	pthread_mutex_unlock(&ready_lock);
}

/* Until the kernel has processed the tap's carrier (linkwatch, up to a second later) the bridge
 * drops what lwIP sends: the first ARP request would be lost and the SYN leave a second late.
 * Waits for the bridge port to forward (state 3), or for a tap outside a bridge to be up. */
static void wait_device_forwards(const char *dev)
{
	char brport[128], operstate[128], state[16];
	snprintf(brport, sizeof(brport), "/sys/class/net/%s/brport/state", dev);
	snprintf(operstate, sizeof(operstate), "/sys/class/net/%s/operstate", dev);
	const struct timespec tick = {0, 5 * 1000 * 1000};
	for (int waited_ms = 0; waited_ms < 3000; waited_ms += 5) {
		FILE *f = fopen(brport, "r");
		const char *ready = "3";
		if (!f) {
			f = fopen(operstate, "r");
			ready = "up";
		}
		int ok = f && fscanf(f, "%15s", state) == 1 && !strcmp(state, ready);
		if (f)
			fclose(f);
		if (ok)
			return;
		nanosleep(&tick, NULL);
	}
	fprintf(stderr, "synfin-lwip: tap device %s not forwarding after 3 s; going on\n", dev);
}

int lwip_host_start(const char *dev, uint32_t addr)
{
	/* Without it, tapif_init creates tap0 itself and configures it with /sbin/ifconfig;
	 * synfin-netns made the device already, in the bridge of this namespace. */
	if (setenv("PRECONFIGURED_TAPIF", dev, 1) < 0)
		return -errno;
	tcpip_init(on_tcpip_ready, NULL);
	pthread_mutex_lock(&ready_lock);
	while (!tcpip_ready)
		pthread_cond_wait(&ready_cond, &ready_lock);
	pthread_mutex_unlock(&ready_lock);

	ip4_addr_t ip, mask, gw;
	ip.addr = addr;
	mask.addr = PP_HTONL(0xffffff00UL);
	ip4_addr_set_zero(&gw);
	LOCK_TCPIP_CORE();
	struct netif *n = netif_add(&tap_netif, &ip, &mask, &gw, NULL, tapif_init, tcpip_input);
	if (n) {
		/* tapif gives every instance the same MAC (02:12:34:56:78:ab); two lwIP ends on one
		 * wire need their own, so it is made from the address: 02:00 and the four bytes. */
		const uint8_t *a = (const uint8_t *)&addr;
		uint8_t mac[6] = {0x02, 0x00, a[0], a[1], a[2], a[3]};
		for (int i = 0; i < 6; i++)
			tap_netif.hwaddr[i] = mac[i];
		/* Debian's liblwip 2.1.3 sizes a PBUF_POOL element for frames of 590 bytes (616
		 * with its header: memp_PBUF_POOL, from opt.h's default TCP_MSS of 536) while
		 * pbuf_alloc fills it to 1514: tapif's input overflows the heap on every full-sized
		 * frame. An MTU of 576 makes lwIP advertise MSS 536 (TCP_CALCULATE_EFF_SEND_MSS),
		 * so no peer sends a frame that does not fit. */
		n->mtu = LWIP_HOST_MTU;
		netif_set_default(n);
	}
	UNLOCK_TCPIP_CORE();
	if (!n) {
		fprintf(stderr, "synfin-lwip: cannot attach lwIP to tap device %s\n", dev);
		return -ENODEV;
	}
	wait_device_forwards(dev);
	LOCK_TCPIP_CORE();
	netif_set_up(n);
	UNLOCK_TCPIP_CORE();
	return 0;
}

static int busy_connections(void)
{
	LOCK_TCPIP_CORE();
	int busy = tcp_active_pcbs != NULL;
	UNLOCK_TCPIP_CORE();
	return busy;
}

int lwip_host_drain(unsigned max_ms)
{
	const struct timespec tick = {0, 10 * 1000 * 1000};
	for (unsigned waited = 0; busy_connections(); waited += 10) {
		if (waited >= max_ms)
			return -ETIMEDOUT;
		nanosleep(&tick, NULL);
	}
	return 0;
}

void lwip_host_print_settings(FILE *out)
{
	fprintf(out,
	        "synfin-lwip: lwIP %s (Debian liblwip, NO_SYS=%d, socket API, core locking %d), "
	        "build-time settings: TCP_MSS=%d TCP_WND=%ld TCP_SND_BUF=%ld LWIP_WND_SCALE=%d "
	        "TCP_RCV_SCALE=%d TCP_MAXRTX=%d TCP_SYNMAXRTX=%d TCP_TMR_INTERVAL=%dms "
	        "TCP_FAST_INTERVAL=%dms TCP_SLOW_INTERVAL=%dms TCP_MSL=%ldms "
	        "TCP_FIN_WAIT_TIMEOUT=%ldms TCP_SYN_RCVD_TIMEOUT=%ldms TCP_QUEUE_OOSEQ=%d "
	        "LWIP_TCP_SACK_OUT=%d LWIP_TCP_TIMESTAMPS=%d TCP_SND_QUEUELEN=%d "
	        "LWIP_TCP_KEEPALIVE=%d TCP_KEEPIDLE_DEFAULT=%ldms TCP_TTL=%d; netif MTU %d "
	        "(advertised MSS %d: the library's receive buffers hold no larger frame)\n",
	        LWIP_VERSION_STRING, NO_SYS, LWIP_TCPIP_CORE_LOCKING, TCP_MSS, (long)TCP_WND,
	        (long)TCP_SND_BUF, LWIP_WND_SCALE, TCP_RCV_SCALE, TCP_MAXRTX, TCP_SYNMAXRTX,
	        TCP_TMR_INTERVAL, TCP_FAST_INTERVAL, TCP_SLOW_INTERVAL, (long)TCP_MSL,
	        (long)TCP_FIN_WAIT_TIMEOUT, (long)TCP_SYN_RCVD_TIMEOUT, TCP_QUEUE_OOSEQ,
	        LWIP_TCP_SACK_OUT, LWIP_TCP_TIMESTAMPS, (int)TCP_SND_QUEUELEN, LWIP_TCP_KEEPALIVE,
	        (long)TCP_KEEPIDLE_DEFAULT, TCP_TTL, LWIP_HOST_MTU, LWIP_HOST_MTU - 40);
}
