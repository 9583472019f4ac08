/* ipv4_wire.h: IPv4 header parse and emit (RFC 791). Pure: no state, no allocation. */
#ifndef SYNFIN_STACK_IPV4_WIRE_H
#define SYNFIN_STACK_IPV4_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "common/wire_bytes.h"
#include "stack.h"

#define IPV4_HDR_LEN 20
#define IPPROTO_NUM_ICMP 1
#define IPPROTO_NUM_TCP 6

struct ipv4_hdr {
	uint8_t ihl; /* header length in bytes */
	uint8_t tos;
	uint16_t tot_len;
	uint16_t id;
	uint16_t frag; /* flags and fragment offset, as on the wire */
	uint8_t ttl;
	uint8_t proto;
	uint32_t saddr; /* host byte order */
	uint32_t daddr;
	const uint8_t *payload; /* points into the packet, after any options */
	size_t payload_len;     /* from tot_len: link-layer padding is not payload */
};

/* Validate and view one packet. Returns 0, or -EINVAL with *why set. Fragments are reported as
 * STACK_DROP_IP_FRAGMENT (the stack does not reassemble them). */
int ipv4_parse(struct ipv4_hdr *ip, const uint8_t *pkt, size_t len, enum stack_drop_reason *why);

/* Write a 20-byte header (DF set, no options) with its checksum for payload_len bytes of
 * payload. buf must hold IPV4_HDR_LEN bytes. */
void ipv4_emit(uint8_t *buf, uint32_t saddr, uint32_t daddr, uint8_t proto, uint16_t id,
               uint8_t ttl, uint16_t payload_len);

#endif
