/* segment.h: a read-only view of one IPv4/TCP or IPv6/TCP packet, as the rule engine and the
 * trace writers see it.
 *
 * Parsing never allocates and never trusts the packet: every length is checked against the
 * buffer, and a packet that is not well-formed IP+TCP is reported with the reason, never guessed
 * at.
 */
#ifndef SYNFIN_SEGMENT_H
#define SYNFIN_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* An address of either family, 16 bytes in network byte order: an IPv6 address as it is, an
 * IPv4 one mapped into IPv6 (::ffff:a.b.c.d, RFC 4291 2.5.5.2). Connections of both families are
 * keyed, compared and hashed alike, and memcmp orders IPv4 addresses as their numbers. */
struct ip_addr {
	uint8_t b[16];
};

struct segment {
	/* IPv6 (RFC 8200): the addresses are saddr6 and daddr6, and saddr, daddr are 0. A view
	 * built by hand with this false is IPv4. */
	bool ipv6;
	/* IPv4 */
	uint32_t saddr; /* host byte order */
	uint32_t daddr; /* host byte order */
	uint8_t saddr6[16], daddr6[16];
	uint8_t ttl;      /* IPv4's TTL, IPv6's hop limit */
	uint8_t ip_proto; /* IPv4's protocol, or IPv6's upper-layer header after the extensions */
	uint16_t ip_id;   /* IPv4 only */
	uint16_t ip_len;  /* IPv4's total length; for IPv6, 40 + the payload length */
	/* Why segment_parse refused the packet, a constant sentence ("IPv6 payload length past
	 * the packet"); NULL when it parsed. */
	const char *error;
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

/* Parse an IPv4 or IPv6 packet (no link-layer header; the version field says which). IPv6's
 * extension headers are walked to the upper-layer header (RFC 8200 4: hop-by-hop options first
 * only, routing, fragment, destination options, authentication). Returns 0 for TCP;
 * -EPROTONOSUPPORT for a valid packet that is not TCP (addresses and ip_proto filled in);
 * -ENODATA for a fragment other than the first, which carries no TCP header (the harness does
 * not reassemble); -EINVAL for a malformed one. seg->error says why for each refusal. */
int segment_parse(struct segment *seg, const uint8_t *pkt, size_t len);

/* What the harness makes of a packet it is handed, such as one from NFQUEUE. */
enum segment_class {
	SEGMENT_TCP,         /* IPv4 or IPv6 TCP: *seg is filled in */
	SEGMENT_NOT_IPV4,    /* another protocol by its ethertype (ARP...): not for the harness */
	SEGMENT_NOT_TCP,     /* valid IPv4 or IPv6 carrying another protocol */
	SEGMENT_BAD_VERSION, /* a version field neither 4 nor 6, or not the one the queue said */
	SEGMENT_MALFORMED,   /* says IPv4 or IPv6 but does not parse (seg->error says why) */
	SEGMENT_FRAGMENT,    /* a fragment other than the first: no TCP header to judge */
};

/* Classify pkt (no link-layer header). ethertype: what the link layer or the queue says the
 * packet is (ETH_P_IP, ETH_P_IPV6, ...), 0 when unknown; the IP version field decides then. */
enum segment_class segment_classify(struct segment *seg, uint16_t ethertype, const uint8_t *pkt,
                                    size_t len);

/* An IPv4 address (host byte order) mapped into IPv6. Inline, with the three below: the
 * matcher keys every segment by them. */
static inline struct ip_addr ip_addr_from_ipv4(uint32_t addr)
{
	struct ip_addr a = {{[10] = 0xff,
	                     [11] = 0xff,
	                     [12] = (uint8_t)(addr >> 24),
	                     [13] = (uint8_t)(addr >> 16),
	                     [14] = (uint8_t)(addr >> 8),
	                     [15] = (uint8_t)addr}};
	return a;
}

/* The source and destination of either family (IPv4 mapped). */
static inline struct ip_addr segment_src(const struct segment *seg)
{
	struct ip_addr a;
	if (!seg->ipv6)
		return ip_addr_from_ipv4(seg->saddr);
	memcpy(a.b, seg->saddr6, 16);
	return a;
}

static inline struct ip_addr segment_dst(const struct segment *seg)
{
	struct ip_addr a;
	if (!seg->ipv6)
		return ip_addr_from_ipv4(seg->daddr);
	memcpy(a.b, seg->daddr6, 16);
	return a;
}

/* memcmp's order, which keeps IPv4 addresses in the order of their numbers. */
static inline int ip_addr_cmp(const struct ip_addr *a, const struct ip_addr *b)
{
	return memcmp(a->b, b->b, sizeof(a->b));
}

/* Whether a is an IPv4 address mapped into IPv6; *addr (may be NULL) gets it in host order. */
bool ip_addr_is_ipv4(const struct ip_addr *a, uint32_t *addr);

/* Sequence space a segment occupies: payload plus one each for SYN and FIN (RFC 9293 3.4). */
static inline uint32_t segment_seq_len(const struct segment *seg)
{
	return (uint32_t)seg->payload_len + !!(seg->flags & TCPF_SYN) + !!(seg->flags & TCPF_FIN);
}

#endif
