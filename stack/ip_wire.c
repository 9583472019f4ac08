/* ip_wire.c: the IP layer by family for TCP and the stack (RFC 791, RFC 8200). */
#include "ip_wire.h"

#include "ipv4_wire.h"
#include "ipv6_wire.h"
#include "stack_internal.h"

size_t ip_hdr_len(const struct stack_addr *dst)
{
	return stack_addr_is_v4(dst) ? IPV4_HDR_LEN : IPV6_HDR_LEN;
}

void ip_emit(struct stack *s, uint8_t *buf, const struct stack_addr *src,
             const struct stack_addr *dst, uint8_t proto, uint16_t payload_len)
{
	if (stack_addr_is_v4(dst))
		ipv4_emit(buf, stack_addr_v4_get(src), stack_addr_v4_get(dst), proto, s->ip_id++,
		          s->tun.ttl, payload_len);
	else
		ipv6_emit(buf, src, dst, proto, s->tun.ttl, payload_len);
}

const struct stack_addr *ip_local_addr(const struct stack *s, const struct stack_addr *dst)
{
	const struct stack_addr *a = stack_addr_is_v4(dst) ? &s->addr4 : &s->cfg.addr6;
	return stack_addr_is_none(a) ? NULL : a;
}

uint16_t ip_mss_cap(const struct stack *s, const struct stack_addr *peer)
{
	uint16_t mss = s->tun.mss;
	return stack_addr_is_v4(peer) ? mss : (uint16_t)(mss - (IPV6_HDR_LEN - IPV4_HDR_LEN));
}

bool ip_bad_source(const struct stack_addr *saddr, const struct stack_addr *daddr)
{
	if (stack_addr_eq(saddr, daddr))
		return true;
	if (stack_addr_is_v4(saddr)) {
		uint32_t a = stack_addr_v4_get(saddr);
		return a == 0 || a == 0xffffffffu || (a >> 28) == 0xe;
	}
	return stack_addr_is_none(saddr) || saddr->b[0] == 0xff;
}
