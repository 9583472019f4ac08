/* segment_forge.h: IPv4/TCP or IPv6/TCP segments made from nothing, such as the resets
 * synfin-faultd injects: a 20-byte IPv4 header (or a 40-byte IPv6 one, no extension headers) and
 * a 20-byte TCP header without options or payload, the checksums computed (RFC 791 3.1,
 * RFC 8200 8.1, RFC 9293 3.1). Pure. */
#ifndef SYNFIN_SEGMENT_FORGE_H
#define SYNFIN_SEGMENT_FORGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SEGMENT_FORGED_LEN 40  /* IPv4 */
#define SEGMENT_FORGED_LEN6 60 /* IPv6 */
#define SEGMENT_FORGED_MAX SEGMENT_FORGED_LEN6

struct forged_segment {
	bool ipv6;             /* the addresses are saddr6 and daddr6 */
	uint32_t saddr, daddr; /* IPv4, host byte order */
	uint8_t saddr6[16], daddr6[16];
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags; /* TCPF_* */
	uint16_t win;
	uint8_t ttl; /* or hop limit; 0 for 64 */
	uint16_t ip_id;
};

/* Write the segment into buf (SEGMENT_FORGED_MAX bytes); returns its length,
 * SEGMENT_FORGED_LEN or SEGMENT_FORGED_LEN6. */
size_t segment_forge(uint8_t *buf, const struct forged_segment *f);

#endif
