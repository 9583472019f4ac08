/* segment_forge.h: IPv4/TCP segments made from nothing, such as the resets synfin-faultd injects:
 * a 20-byte IPv4 header and a 20-byte TCP header without options or payload, both checksums
 * computed (RFC 791 3.1, RFC 9293 3.1). Pure. */
#ifndef SYNFIN_SEGMENT_FORGE_H
#define SYNFIN_SEGMENT_FORGE_H

#include <stddef.h>
#include <stdint.h>

#define SEGMENT_FORGED_LEN 40

struct forged_segment {
	uint32_t saddr, daddr; /* host byte order */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags; /* TCPF_* */
	uint16_t win;
	uint8_t ttl;
	uint16_t ip_id;
};

/* Write the segment into buf (SEGMENT_FORGED_LEN bytes); returns its length. */
size_t segment_forge(uint8_t *buf, const struct forged_segment *f);

#endif
