/* tun_device.c: attach to a persistent tun device and move IPv4 and IPv6 packets through it. */
#include "tun_device.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

struct tun_device {
	int fd;
	unsigned mtu;
	bool vnet_hdr; /* every packet read or written starts with a struct virtio_net_hdr */
	char name[IFNAMSIZ];
};

#define HINT_TOPOLOGY                                                                              \
	"run it inside a stack endpoint: netns/synfin-netns up RUN --client stack, then "          \
	"netns/synfin-netns exec RUN client synfin-peer ..."

static unsigned read_mtu(const char *name)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return 1500;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	unsigned mtu = 1500;
	if (ioctl(s, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu >= 68)
		mtu = (unsigned)ifr.ifr_mtu;
	close(s);
	return mtu;
}

/* TUNSETIFF on fd; with want_vnet, first with IFF_VNET_HDR and, when the kernel refuses that,
 * again without it. *vnet says which one took. */
static int attach(int fd, const char *name, bool want_vnet, bool *vnet, struct ifreq *ifr)
{
	for (*vnet = want_vnet;; *vnet = false) {
		memset(ifr, 0, sizeof(*ifr));
		ifr->ifr_flags = (short)(IFF_TUN | IFF_NO_PI | (*vnet ? IFF_VNET_HDR : 0));
		snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
		if (ioctl(fd, TUNSETIFF, ifr) == 0)
			return 0;
		if (!*vnet)
			return -errno;
	}
}

int tun_device_open(const char *name, unsigned flags, struct tun_device **out, char *why,
                    size_t why_size)
{
	*out = NULL;
	if (name == NULL || name[0] == '\0' || strlen(name) >= IFNAMSIZ) {
		snprintf(why, why_size, "bad tun device name '%s' (1 to %d characters)",
		         name ? name : "", IFNAMSIZ - 1);
		return -EINVAL;
	}
	/* TUNSETIFF on a name that does not exist would create a fresh device with no address or
	 * routes, and packets would go nowhere: insist on the one the topology made. */
	if (if_nametoindex(name) == 0) {
		int err = errno;
		snprintf(why, why_size, "no network device '%s' in this namespace (%s); %s", name,
		         strerror(err), HINT_TOPOLOGY);
		return -ENODEV;
	}

	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		if (err == ENOENT || err == ENXIO || err == ENODEV)
			snprintf(why, why_size,
			         "cannot open /dev/net/tun (%s): load the tun module with "
			         "`modprobe tun`",
			         strerror(err));
		else if (err == EACCES || err == EPERM)
			snprintf(why, why_size,
			         "cannot open /dev/net/tun (%s): run as root or with CAP_NET_ADMIN",
			         strerror(err));
		else
			snprintf(why, why_size, "cannot open /dev/net/tun: %s", strerror(err));
		return -err;
	}

	struct ifreq ifr;
	bool vnet;
	int err = attach(fd, name, flags & TUN_DEVICE_VNET_HDR, &vnet, &ifr);
	if (err < 0) {
		err = -err;
		if (err == EPERM || err == EACCES)
			snprintf(why, why_size,
			         "cannot attach to %s (%s): need CAP_NET_ADMIN (run as root) or "
			         "ownership of the persistent device",
			         name, strerror(err));
		else if (err == EBUSY)
			snprintf(why, why_size,
			         "cannot attach to %s: another process is attached to it (%s)",
			         name, strerror(err));
		else if (err == EINVAL)
			snprintf(
			    why, why_size,
			    "cannot attach to %s: it is not a single-queue tun device (%s); %s",
			    name, strerror(err), HINT_TOPOLOGY);
		else
			snprintf(why, why_size, "cannot attach to %s: %s", name, strerror(err));
		close(fd);
		return -err;
	}

	struct tun_device *dev = calloc(1, sizeof(*dev));
	if (dev == NULL) {
		close(fd);
		snprintf(why, why_size, "out of memory");
		return -ENOMEM;
	}
	dev->fd = fd;
	dev->vnet_hdr = vnet;
	snprintf(dev->name, sizeof(dev->name), "%s", ifr.ifr_name);
	dev->mtu = read_mtu(dev->name);
	*out = dev;
	return 0;
}

int tun_device_wait_running(struct tun_device *dev, unsigned timeout_ms, char *why, size_t why_size)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		int err = errno;
		snprintf(why, why_size, "socket: %s", strerror(err));
		return -err;
	}
	int rc = -ETIMEDOUT;
	for (unsigned waited = 0; waited <= timeout_ms; waited++) {
		struct ifreq ifr;
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev->name);
		if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
			rc = -errno;
			snprintf(why, why_size, "%s: %s", dev->name, strerror(errno));
			break;
		}
		if (!(ifr.ifr_flags & IFF_UP)) {
			rc = -ENETDOWN;
			snprintf(why, why_size, "%s is down: ip link set %s up", dev->name,
			         dev->name);
			break;
		}
		if (ifr.ifr_flags & IFF_RUNNING) {
			rc = (int)waited;
			break;
		}
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
	if (rc == -ETIMEDOUT)
		snprintf(why, why_size, "%s did not start running within %u ms", dev->name,
		         timeout_ms);
	close(s);
	return rc;
}

int tun_device_adopt(int fd, const char *name, unsigned mtu, struct tun_device **out)
{
	*out = NULL;
	if (fd < 0 || name == NULL || strlen(name) >= IFNAMSIZ || mtu < 68)
		return -EINVAL;
	struct tun_device *dev = calloc(1, sizeof(*dev));
	if (dev == NULL)
		return -ENOMEM;
	dev->fd = fd;
	dev->mtu = mtu;
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	*out = dev;
	return 0;
}

void tun_device_close(struct tun_device *dev)
{
	if (dev == NULL)
		return;
	close(dev->fd);
	free(dev);
}

int tun_device_fd(const struct tun_device *dev)
{
	return dev->fd;
}

int tun_device_kernel_drops(const struct tun_device *dev, uint64_t *dropped)
{
	FILE *f = fopen("/proc/net/dev", "re");
	if (f == NULL)
		return -errno;
	/* "  tun0: rx_bytes rx_packets errs drop fifo frame compressed multicast tx_bytes
	 * tx_packets errs drop ...": the kernel sends toward the stack, so its drops are tx's */
	char line[512];
	int err = -ENODEV;
	size_t n = strlen(dev->name);
	while (err && fgets(line, sizeof(line), f)) {
		const char *p = line + strspn(line, " ");
		if (strncmp(p, dev->name, n) != 0 || p[n] != ':')
			continue;
		unsigned long long v[12];
		if (sscanf(p + n + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		           &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9],
		           &v[10], &v[11]) != 12) {
			err = -EPROTO;
			break;
		}
		*dropped = v[11];
		err = 0;
	}
	fclose(f);
	return err;
}

const char *tun_device_name(const struct tun_device *dev)
{
	return dev->name;
}

unsigned tun_device_mtu(const struct tun_device *dev)
{
	return dev->mtu;
}

void tun_device_set_vnet_hdr(struct tun_device *dev, bool on)
{
	dev->vnet_hdr = on;
}

bool tun_device_vnet_hdr(const struct tun_device *dev)
{
	return dev->vnet_hdr;
}

ssize_t tun_device_read(struct tun_device *dev, void *buf, size_t size)
{
	/* Without TUNSETOFFLOAD the kernel segments and checksums what it sends here, so the
	 * header says nothing the packet does not: drop it. */
	struct virtio_net_hdr vh;
	struct iovec iov[2] = {{&vh, sizeof(vh)}, {buf, size}};
	int skip = dev->vnet_hdr ? 0 : 1;
	for (;;) {
		ssize_t n = readv(dev->fd, iov + skip, 2 - skip);
		if (n >= 0) {
			if (skip)
				return n;
			return n >= (ssize_t)sizeof(vh) ? n - (ssize_t)sizeof(vh) : -EPROTO;
		}
		if (errno == EINTR)
			continue;
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

int tun_device_write_gso(struct tun_device *dev, const struct virtio_net_hdr *vh, const void *pkt,
                         size_t len)
{
	struct iovec iov[2] = {{(void *)vh, sizeof(*vh)}, {(void *)pkt, len}};
	int skip = dev->vnet_hdr ? 0 : 1;
	if (skip && vh->gso_type != VIRTIO_NET_HDR_GSO_NONE)
		return -EINVAL;
	for (;;) {
		ssize_t n = writev(dev->fd, iov + skip, 2 - skip);
		if (n >= 0)
			return 0;
		if (errno == EINTR)
			continue;
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

int tun_device_write(struct tun_device *dev, const void *pkt, size_t len)
{
	static const struct virtio_net_hdr none;
	return tun_device_write_gso(dev, &none, pkt, len);
}
