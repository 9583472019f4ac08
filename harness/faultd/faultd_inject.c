/* faultd_inject.c: segments synfin-faultd makes and sends itself, for duplicate and reset rules
 * (rules/README.md, "Injection"). They leave through a packet socket on the bridge port toward
 * their receiver, as held copies do (faultd_hold.c), so the bridge's own hooks never queue them
 * again; the Ethernet header names the host behind that port, learned from the packets and the
 * ARP and neighbour discovery frames that came in on it. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "faultd_hold.h"
#include "faultd_options.h"

#define PROG FAULTD_PROG

/* A socket of the ARP and IPv6 neighbour discovery frames crossing the wire. A bridge port hands
 * its frames to the bridge before any handler of one protocol sees them, so a socket for ETH_P_ARP
 * alone would hear none on the ports (only the bridge's own copy of a broadcast, without its
 * port): the socket takes every protocol, and a filter in the kernel keeps ARP and ICMPv6 from
 * type 133 on (router and neighbour solicitations and advertisements, RFC 4861 4), so the port of
 * the server's reply to the client's first ARP request or neighbour solicitation is known before
 * the first SYN is, on either family. Offsets are the network header's (SOCK_DGRAM). */
static int neighbour_socket(void)
{
	struct sock_filter neighbour_frames[] = {
	    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_PROTOCOL)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_ARP, 5, 0),  /* ARP: keep */
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 0, 5), /* neither: drop */
	    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 6),                 /* IPv6 next header */
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMPV6, 0, 3),
	    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 40), /* ICMPv6 type */
	    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 133, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, 64),
	    BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = {.len = sizeof(neighbour_frames) / sizeof(neighbour_frames[0]),
	                          .filter = neighbour_frames};
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* attached before the socket listens to any protocol: no other frame gets queued */
	int proto = htons(ETH_P_ALL);
	struct sockaddr_ll all = {.sll_family = AF_PACKET, .sll_protocol = (uint16_t)proto};
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) != 0 ||
	    bind(fd, (struct sockaddr *)&all, sizeof(all)) != 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int inject_open(struct faultd_hold *h)
{
	if (h->packet_fd < 0) {
		int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		h->packet_fd = fd;
	}
	if (h->arp_fd < 0) {
		int fd = neighbour_socket();
		if (fd < 0)
			return fd;
		h->arp_fd = fd;
	}
	return 0;
}

static void learn_port(struct faultd_hold *h, uint32_t ifindex, const uint8_t mac[6])
{
	struct nfq_packet p = {.physindev = ifindex, .hwaddr_len = 6};
	memcpy(p.hwaddr, mac, 6);
	hold_learn_neighbour(h, &p);
}

void inject_learn_pending(struct faultd_hold *h)
{
	if (h->arp_fd < 0)
		return;
	uint8_t buf[64];
	for (int i = 0; i < 64; i++) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(h->arp_fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		/* a frame leaving a port carries the other host's address: only arrivals count */
		if (from.sll_pkttype != PACKET_OUTGOING && from.sll_halen == 6)
			learn_port(h, (uint32_t)from.sll_ifindex, from.sll_addr);
	}
}

/* The port and Ethernet header toward p's receiver, or back toward its sender. */
static bool frame_toward(const struct faultd_hold *h, const struct nfq_packet *p, bool to_sender,
                         uint32_t *ifindex, uint8_t eth[14])
{
	if (!p->physindev || !p->physoutdev || p->hwaddr_len != 6)
		return false;
	const uint8_t *receiver = hold_port_mac(h, p->physoutdev);
	if (!receiver)
		return false;
	*ifindex = to_sender ? p->physindev : p->physoutdev;
	memcpy(eth, to_sender ? p->hwaddr : receiver, 6);
	memcpy(eth + 6, to_sender ? receiver : p->hwaddr, 6);
	eth[12] = (uint8_t)(p->hw_protocol >> 8);
	eth[13] = (uint8_t)p->hw_protocol;
	return true;
}

static struct held_packet *copy_of(const uint8_t *pkt, size_t len)
{
	struct held_packet *hp = calloc(1, sizeof(*hp) + len);
	if (hp) {
		hp->len = len;
		memcpy(hp->data, pkt, len);
		hp->injected = true;
	}
	return hp;
}

int inject_send(struct faultd_hold *h, const struct nfq_packet *p, bool to_sender,
                const uint8_t *pkt, size_t len)
{
	inject_learn_pending(h);
	struct held_packet *hp = copy_of(pkt, len);
	if (!hp) {
		h->c.inject_failed++;
		return -ENOMEM;
	}
	int err = 0;
	if (h->packet_fd < 0 || !frame_toward(h, p, to_sender, &hp->out_ifindex, hp->eth)) {
		err = -EHOSTUNREACH;
		if (h->c.inject_failed++ < 10)
			fprintf(stderr, PROG
			        ": cannot inject a segment yet: the host behind the bridge port "
			        "toward it has not been heard from\n");
	} else {
		/* the verdicts queued so far go first: a kept segment arrives before its RST, the
		 * original before its copies */
		h->verdicts_pending = true;
		uint64_t failed = h->c.inject_failed;
		hold_send_copy(h, hp);
		if (h->c.inject_failed == failed)
			h->c.injected++;
		else
			err = -EIO;
	}
	free(hp);
	return err;
}

struct held_packet *inject_copy(struct faultd_hold *h, const struct nfq_packet *p)
{
	inject_learn_pending(h);
	struct held_packet *hp = copy_of(p->data, p->len);
	if (!hp || h->packet_fd < 0 || !frame_toward(h, p, false, &hp->out_ifindex, hp->eth)) {
		free(hp);
		return NULL;
	}
	return hp;
}

void inject_later(struct faultd_hold *h, const struct nfq_packet *p, uint64_t delay_us,
                  const struct verdict *v, const char *rule_file)
{
	struct held_packet *hp = inject_copy(h, p);
	if (!hp) {
		h->c.inject_failed++;
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	hp->seen_mono_ns = now;
	hp->verdict = *v;
	hp->rule_file = rule_file;
	if (hold_push_copy(h, hp, now + delay_us * 1000u, p->id) != 0) {
		free(hp);
		h->c.inject_failed++;
		return;
	}
	h->c.injected++;
}
