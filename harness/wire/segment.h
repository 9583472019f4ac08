/* segment.h: a read-only view of one IPv4/TCP packet, as the rule engine and the trace writers see
 * it.
 *
 * Parsing never allocates and never trusts the packet: every length is checked against the
 * buffer, and a packet that is not well-formed IPv4+TCP is reported, never guessed at.
 */
#ifndef SYNFIN_SEGMENT_H
#define SYNFIN_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "common/tcp_flags.h"

/* tcpdump's letter for each flag bit, in the order it prints them (print-tcp.c
 * tcp_flag_values): F S R P . U E W, '.' being ACK. Rule files and traces use the same letters. */
struct segment_flag_letter {
	uint8_t bit;
	char letter;
};
extern const struct segment_flag_letter segment_flag_letters[8];

/* The TCPF_* bit tcpdump prints as letter, or -1 for a letter it never prints. */
int segment_flag_bit(char letter);

struct segment {
	/* IPv4 */
	uint32_t saddr; /* host byte order */
	uint32_t daddr; /* host byte order */
	uint8_t ttl;
	uint8_t ip_proto;
	uint16_t ip_id;
	uint16_t ip_len; /* total length from the header */
	/* TCP (valid when ip_proto == 6) */
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags; /* TCPF_* */
	uint16_t win;
	uint16_t urg;
	const uint8_t *options; /* points into the packet */
	uint8_t options_len;
	const uint8_t *payload; /* points into the packet */
	uint16_t payload_len;
};

/* Parse an IPv4 packet (no link-layer header). Returns 0 for TCP, -EPROTONOSUPPORT for a valid
 * IPv4 packet that is not TCP (addresses and ip_proto filled in), -EINVAL for a malformed one. */
int segment_parse(struct segment *seg, const uint8_t *pkt, size_t len);

/* What the harness makes of a packet it is handed, such as one from NFQUEUE. */
enum segment_class {
	SEGMENT_TCP,         /* IPv4 TCP: *seg is filled in */
	SEGMENT_NOT_IPV4,    /* IPv6, or another protocol by its ethertype: not for the harness */
	SEGMENT_NOT_TCP,     /* valid IPv4 carrying another protocol */
	SEGMENT_BAD_VERSION, /* a version field neither 4 nor 6, or 6 where the queue said IPv4 */
	SEGMENT_MALFORMED,   /* says IPv4 but does not parse */
};

/* Classify pkt (no link-layer header). ethertype: what the link layer or the queue says the
 * packet is (ETH_P_IP, ETH_P_IPV6, ...), 0 when unknown; the IP version field decides then. */
enum segment_class segment_classify(struct segment *seg, uint16_t ethertype, const uint8_t *pkt,
                                    size_t len);

/* Sequence space a segment occupies: payload plus one each for SYN and FIN (RFC 9293 3.4). */
static inline uint32_t segment_seq_len(const struct segment *seg)
{
	return (uint32_t)seg->payload_len + !!(seg->flags & TCPF_SYN) + !!(seg->flags & TCPF_FIN);
}

#endif
