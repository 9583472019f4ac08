/* gso_fixture.h: what the kernel does to a GSO packet written to a tun device with a virtio-net
 * header (virtio_net_hdr_to_skb, then tcp_gso_segment with inet_gso_segment or ipv6_gso_segment,
 * the checksums as gso_make_checksum computes them), written again from the kernel's code, so
 * that the suites that join segments (test_host_tun_gso.c, test_host_stack_driver.c) can compare
 * what the stack's GSO packets become on the wire with the segments the stack built. */
#ifndef SYNFIN_GSO_FIXTURE_H
#define SYNFIN_GSO_FIXTURE_H

#include <linux/virtio_net.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_SEGS 128
#define SEG_MAX 1600

/* After editing an IPv4 header by hand: its checksum again. */
void ip4_recheck(uint8_t *pkt);

/* The kernel's segmentation of the packet pkt written with header vh: the segments as the wire
 * gets them, in out[] with their lengths in out_len[]; returns how many. A packet without GSO
 * comes back as it is. Fails the test on a header the kernel would refuse. */
unsigned kernel_segment(const struct virtio_net_hdr *vh, const uint8_t *pkt, size_t len,
                        uint8_t out[][SEG_MAX], size_t *out_len);

#endif
