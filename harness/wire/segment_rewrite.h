/* segment_rewrite.h: changing an IPv4/TCP or IPv6/TCP packet in place, as a middlebox would, with
 * the TCP checksum kept right by incremental updates (RFC 1624, equation 3) rather than recomputed:
 * what was right stays right, and a checksum that was already wrong stays exactly as wrong.
 *
 * No rewrite changes a length, so the IP header (and IPv4's checksum) is never touched, and the
 * updates hold for either family's pseudo-header. Each function takes the whole packet (no
 * link-layer header), parses it with segment_parse (IPv6 extension headers walked), and returns
 * 0, -EINVAL for a packet that does not parse as IP/TCP, or the errno it names.
 */
#ifndef SYNFIN_SEGMENT_REWRITE_H
#define SYNFIN_SEGMENT_REWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* TCP option kinds (RFC 9293 3.1, RFC 7323, RFC 2018). */
enum tcp_option_kind {
	TCPOPT_EOL = 0,
	TCPOPT_NOP = 1,
	TCPOPT_MSS = 2,
	TCPOPT_WSCALE = 3,
	TCPOPT_SACK_PERMITTED = 4,
	TCPOPT_SACK = 5,
	TCPOPT_TIMESTAMP = 8,
};

/* RFC 1624 equation 3: the checksum hc once the 16-bit word m of the summed data becomes m2,
 * HC' = ~(~HC + ~m + m'). */
uint16_t csum_update16(uint16_t hc, uint16_t m, uint16_t m2);

/* The window field, as tcpdump prints it (before any window scaling). */
int segment_set_window(uint8_t *pkt, size_t len, uint16_t win);

/* The value of every MSS option: -ENOENT when the segment carries none (only SYNs do). */
int segment_set_mss(uint8_t *pkt, size_t len, uint16_t mss);

/* Every option whose kind is kind_a or kind_b becomes NOPs, its length byte included, so the
 * header keeps its length and the options after it stay where they were. Returns how many
 * options were stripped (0: none carried), or -EINVAL. */
int segment_strip_options(uint8_t *pkt, size_t len, uint8_t kind_a, uint8_t kind_b);

enum segment_region {
	SEGMENT_REGION_PAYLOAD,
	SEGMENT_REGION_HEADER, /* the TCP header, its checksum field aside */
};

/* Flip one bit of region, the one draw picks (any 64-bit number: a seeded generator's, so a
 * seed repeats the damage). fix_checksum: update the checksum for the change, so the receiver
 * takes the damage for data; otherwise leave it, and the receiver must discard the segment
 * (one flipped bit always changes the ones' complement sum). *offset: where the flipped byte is,
 * from the start of pkt. -ENODATA for the payload of a segment that carries none. */
int segment_corrupt(uint8_t *pkt, size_t len, enum segment_region region, bool fix_checksum,
                    uint64_t draw, size_t *offset);

#endif
