/* tun_device.h: an existing persistent tun device (IFF_TUN | IFF_NO_PI), one IP packet per
 * read or write, non-blocking. With the event loop, the only code of the stack that makes
 * syscalls. */
#ifndef SYNFIN_TUN_DEVICE_H
#define SYNFIN_TUN_DEVICE_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct tun_device;

/* tun_device_open's flags. */
enum {
	/* Ask for IFF_VNET_HDR, so that writes can hand the kernel GSO packets
	 * (tun_device_write_gso). A kernel that refuses it gets a plain device: see
	 * tun_device_vnet_hdr(). */
	TUN_DEVICE_VNET_HDR = 1,
};

/* Attach to the tun device called name (e.g. "tun0"), which must already exist: attaching never
 * creates one, so a missing device is an error rather than a silent new, unconfigured one.
 * Returns 0 and sets *out, or a negative errno with a sentence in why (what went wrong and how
 * to fix it: `modprobe tun`, CAP_NET_ADMIN, `netns/synfin-netns up RUN --client stack`...). */
int tun_device_open(const char *name, unsigned flags, struct tun_device **out, char *why,
                    size_t why_size);
void tun_device_close(struct tun_device *dev);

/* Take over an open descriptor that already carries one IP packet per read and write (a
 * datagram socket of a socketpair, say) as a device called name with the given MTU, so the
 * driver can run a stack without a tun device and without privileges (unit tests). The
 * descriptor should be non-blocking; tun_device_close() closes it. 0, -EINVAL or -ENOMEM. */
int tun_device_adopt(int fd, const char *name, unsigned mtu, struct tun_device **out);

/* Wait (polling, at most timeout_ms) until the kernel runs the device: attaching turns its
 * carrier on, but the kernel activates the transmit queue later, from its link-watch work, and
 * drops what it forwards to the device until then (so the answer to a first SYN could be lost).
 * The device counts as running when it is up with IFF_RUNNING set. Returns the milliseconds
 * waited, -ENETDOWN with a sentence in why when the device is administratively down, or
 * -ETIMEDOUT. */
int tun_device_wait_running(struct tun_device *dev, unsigned timeout_ms, char *why,
                            size_t why_size);

/* Whether every packet crosses the descriptor behind a struct virtio_net_hdr (IFF_VNET_HDR). Reads
 * strip it and plain writes add a zero one, so only tun_device_write_gso() sees it. */
bool tun_device_vnet_hdr(const struct tun_device *dev);
/* For an adopted descriptor whose far end reads and writes those headers (tests). */
void tun_device_set_vnet_hdr(struct tun_device *dev, bool on);

/* For the event loop: readable when a packet is waiting. */
int tun_device_fd(const struct tun_device *dev);
const char *tun_device_name(const struct tun_device *dev);
/* The device's MTU (read when attaching; 1500 when the kernel did not say). */
unsigned tun_device_mtu(const struct tun_device *dev);

/* One packet into buf: its length, -EAGAIN when none is waiting, another negative errno on
 * failure. A packet longer than size is truncated by the kernel; the caller's parser sees it. */
ssize_t tun_device_read(struct tun_device *dev, void *buf, size_t size);

/* The packets the kernel dropped on their way to the stack (the device's transmit count of
 * drops in /proc/net/dev, per network namespace): its queue was full because the stack did not
 * read fast enough. 0 and *dropped, or a negative errno (no such device: an adopted descriptor). */
int tun_device_kernel_drops(const struct tun_device *dev, uint64_t *dropped);

/* One packet out: 0, -EAGAIN when the device queue is full (the packet is not sent: TCP
 * recovers as from a loss on the wire), or another negative errno. */
int tun_device_write(struct tun_device *dev, const void *pkt, size_t len);
/* The same with a virtio-net header: a GSO packet the kernel cuts into segments (tun_gso.h).
 * -EINVAL for a GSO header on a device without IFF_VNET_HDR. */
int tun_device_write_gso(struct tun_device *dev, const struct virtio_net_hdr *vh, const void *pkt,
                         size_t len);

#endif
