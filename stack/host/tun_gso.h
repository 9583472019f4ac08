/* tun_gso.h: consecutive TCP segments the stack emits, joined into one packet with a virtio-net
 * header (GSO) that the kernel cuts back into exactly the segments the stack sent: one write and
 * one trip through routing, veth and the bridge for up to 64 KB instead of one per segment.
 * Pure: no I/O; the driver owns the batch and writes what tun_gso_finish() returns.
 *
 * What the kernel does with the joined packet (virtio_net_hdr_to_skb, then tcp_gso_segment and
 * inet_gso_segment or ipv6_gso_segment wherever it is segmented): copies the headers to every
 * segment; advances the sequence number by gso_size; clears PSH and FIN on all but the last and
 * CWR on all but the first; gives IPv4 segments the first's ID plus their index and a new header
 * checksum; sets each segment's length; computes each TCP checksum from the pseudo-header sum the
 * joined packet carries. So a segment joins only when that rebuilds it byte for byte. */
#ifndef SYNFIN_TUN_GSO_H
#define SYNFIN_TUN_GSO_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv4 total length (and what the kernel takes as one GSO packet) is at most 64 KB. */
#define TUN_GSO_MAX_LEN 65535
/* Bounds the burst one write puts on the wire behind a single queue decision. */
#define TUN_GSO_MAX_SEGS 64

struct tun_gso_batch {
	size_t len;     /* bytes in pkt: the first segment, then the others' payloads; 0: empty */
	size_t ip_len;  /* IP header length */
	size_t hdr_len; /* IP and TCP headers */
	unsigned segs;  /* segments joined */
	uint16_t gso_size; /* the first segment's payload: every one but the last carries this */
	uint16_t next_id;  /* IPv4 ID the next segment must carry */
	uint32_t next_seq; /* sequence number the next segment must start at */
	uint8_t last_flags;
	bool closed; /* the last segment is short or carries PSH or FIN: nothing may follow it */
	uint8_t pkt[TUN_GSO_MAX_LEN];
};

void tun_gso_reset(struct tun_gso_batch *b);

/* Takes a copy of the packet pkt (one IP packet as the stack emitted it) into the batch when it
 * can be the batch's next segment, or its first when the batch is empty. False: the batch is
 * unchanged; the caller writes the batch out, then offers pkt again to an empty one, and writes
 * pkt alone if even that refuses it. */
bool tun_gso_add(struct tun_gso_batch *b, const uint8_t *pkt, size_t len);

/* True when no further segment can join (full, or closed by its last segment). */
bool tun_gso_full(const struct tun_gso_batch *b);

/* Turns the batch into the packet to write (b->pkt, its length returned) and fills *vh: the
 * GSO header for two segments or more, a zero header (the packet as the stack sent it) for one.
 * The batch must then be reset before reuse. */
size_t tun_gso_finish(struct tun_gso_batch *b, struct virtio_net_hdr *vh);

#endif
