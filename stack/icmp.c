/* icmp.c: ICMP and ICMPv6 echo replies (RFC 792; RFC 1122 3.2.2.6 and RFC 4443 4.2: the reply
 * carries the request's identifier, sequence number and data unchanged). */
#include "icmp.h"

#include <stdlib.h>
#include <string.h>

#include "checksum.h"
#include "ip_wire.h"
#include "ipv4_wire.h"
#include "ipv6_wire.h"
#include "stack_internal.h"

#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8
#define ICMPV6_ECHO_REQUEST 128 /* RFC 4443 4.1 */
#define ICMPV6_ECHO_REPLY 129
#define ICMP_HDR_LEN 8

/* ICMP sums the message alone, ICMPv6 its pseudo-header too (RFC 4443 2.3) */
static uint32_t icmp_sum0(const struct stack_addr *src, const struct stack_addr *dst, size_t len)
{
	return stack_addr_is_v4(src)
	           ? 0
	           : csum_pseudo_addr(src, dst, IPPROTO_NUM_ICMPV6, (uint32_t)len);
}

void icmp_input(struct stack *s, uint64_t now, const struct stack_addr *saddr,
                const struct stack_addr *daddr, const uint8_t *msg, size_t len)
{
	bool v4 = stack_addr_is_v4(saddr);

	if (len < ICMP_HDR_LEN) {
		stack_drop(s, STACK_DROP_ICMP_TRUNCATED);
		return;
	}
	if (csum_fold(csum_add(icmp_sum0(saddr, daddr, len), msg, len)) != 0) {
		stack_drop(s, STACK_DROP_ICMP_BAD_CHECKSUM);
		return;
	}
	if (msg[0] != (v4 ? ICMP_ECHO_REQUEST : ICMPV6_ECHO_REQUEST) || msg[1] != 0) {
		stack_drop(s, STACK_DROP_ICMP_TYPE);
		return;
	}
	size_t hl = ip_hdr_len(saddr);
	/* IPv4's total length counts its header, IPv6's payload length does not */
	if (len > 65535 - (v4 ? hl : 0))
		return;
	uint8_t *pkt = malloc(hl + len);
	if (!pkt)
		return;
	uint8_t *icmp = pkt + hl;
	memcpy(icmp, msg, len);
	icmp[0] = v4 ? ICMP_ECHO_REPLY : ICMPV6_ECHO_REPLY;
	icmp[2] = icmp[3] = 0;
	wire_put16(icmp + 2, csum_fold(csum_add(icmp_sum0(daddr, saddr, len), icmp, len)));
	ip_emit(s, pkt, daddr, saddr, v4 ? IPPROTO_NUM_ICMP : IPPROTO_NUM_ICMPV6, (uint16_t)len);
	stack_queue_packet(s, now, pkt, hl + len);
	s->stats.icmp_echo_replies++;
	free(pkt);
}
