/* ipv6_wire.h: IPv6 header parse and emit (RFC 8200). Pure: no state, no allocation. */
#ifndef SYNFIN_STACK_IPV6_WIRE_H
#define SYNFIN_STACK_IPV6_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "common/wire_bytes.h"
#include "stack.h"

#define IPV6_HDR_LEN 40
#define IPPROTO_NUM_ICMPV6 58

struct ipv6_hdr {
	uint8_t tclass;
	uint32_t flow; /* flow label, 20 bits */
	uint8_t hop_limit;
	uint8_t proto; /* the upper-layer protocol, after the extension headers */
	struct stack_addr saddr, daddr;
	const uint8_t *payload; /* the upper-layer message, after the extension headers */
	size_t payload_len;     /* from the payload length: link-layer padding is not payload */
};

/* Validate and view one packet, walking Hop-by-Hop, Routing, Destination Options, Fragment and
 * AH headers (RFC 8200 4) to the upper layer. Returns 0, or -EINVAL with *why set: a fragment
 * that is not an atomic one (RFC 6946) is STACK_DROP_IP_FRAGMENT, an extension header past the
 * end or out of its place, or a Routing header still to be forwarded through, is
 * STACK_DROP_IP6_BAD_EXT_HEADER. */
int ipv6_parse(struct ipv6_hdr *ip, const uint8_t *pkt, size_t len, enum stack_drop_reason *why);

/* Write a 40-byte header (traffic class and flow label 0) for payload_len bytes of payload.
 * buf must hold IPV6_HDR_LEN bytes. */
void ipv6_emit(uint8_t *buf, const struct stack_addr *saddr, const struct stack_addr *daddr,
               uint8_t proto, uint8_t hop_limit, uint16_t payload_len);

#endif
