/* ipv6_wire.c: IPv6 header parse and emit (RFC 8200 3 and 4). */
#include "ipv6_wire.h"

#include <errno.h>
#include <string.h>

/* Next Header values of the extension headers (RFC 8200 4, RFC 4302 for AH) */
#define NH_HOP_BY_HOP 0
#define NH_ROUTING 43
#define NH_FRAGMENT 44
#define NH_AH 51
#define NH_DEST_OPTS 60

static int fail(enum stack_drop_reason *why, enum stack_drop_reason r)
{
	*why = r;
	return -EINVAL;
}

/* The length of the extension header nh at p (avail bytes left), or a negative drop: every one
 * of them starts with Next Header and a length, so unknown options inside are skipped whole. */
static int ext_len(uint8_t nh, const uint8_t *p, size_t avail, enum stack_drop_reason *why)
{
	if (avail < 8)
		return fail(why, STACK_DROP_IP6_BAD_EXT_HEADER);
	size_t n;
	if (nh == NH_FRAGMENT) {
		/* RFC 6946: offset 0 and M clear is an atomic fragment, processed as a whole
		 * packet; anything else needs the reassembly the stack does not do */
		if (wire_get16(p + 2) & 0xfff9)
			return fail(why, STACK_DROP_IP_FRAGMENT);
		n = 8;
	} else if (nh == NH_AH) {
		n = ((size_t)p[1] + 2) * 4; /* RFC 4302 2.2: in 4-octet units, minus 2 */
	} else {
		n = ((size_t)p[1] + 1) * 8; /* RFC 8200 4.3-4.6: in 8-octet units, minus 1 */
	}
	/* RFC 8200 4.4: Segments Left not 0 asks us to route the packet on, which a host does not
	 * do (Linux drops it too when forwarding is off) */
	if (n > avail || (nh == NH_ROUTING && p[3] != 0))
		return fail(why, STACK_DROP_IP6_BAD_EXT_HEADER);
	return (int)n;
}

static bool is_ext_header(uint8_t nh)
{
	return nh == NH_HOP_BY_HOP || nh == NH_ROUTING || nh == NH_FRAGMENT || nh == NH_AH ||
	       nh == NH_DEST_OPTS;
}

int ipv6_parse(struct ipv6_hdr *ip, const uint8_t *pkt, size_t len, enum stack_drop_reason *why)
{
	if (len < IPV6_HDR_LEN)
		return fail(why, STACK_DROP_IP_TRUNCATED);
	if (pkt[0] >> 4 != 6)
		return fail(why, STACK_DROP_IP_NOT_V4);
	ip->tclass = (uint8_t)(wire_get16(pkt) >> 4);
	ip->flow = wire_get32(pkt) & 0xfffff;
	size_t plen = wire_get16(pkt + 4);
	uint8_t nh = pkt[6];
	ip->hop_limit = pkt[7];
	ip->saddr = stack_addr_v6(pkt + 8);
	ip->daddr = stack_addr_v6(pkt + 24);
	if (IPV6_HDR_LEN + plen > len)
		return fail(why, STACK_DROP_IP_TRUNCATED);
	const uint8_t *p = pkt + IPV6_HDR_LEN;
	size_t left = plen;
	bool first = true;
	while (is_ext_header(nh)) {
		/* RFC 8200 4.3: Hop-by-Hop Options only right after the IPv6 header */
		if (nh == NH_HOP_BY_HOP && !first)
			return fail(why, STACK_DROP_IP6_BAD_EXT_HEADER);
		int n = ext_len(nh, p, left, why);
		if (n < 0)
			return -EINVAL;
		nh = p[0];
		p += n;
		left -= (size_t)n;
		first = false;
	}
	ip->proto = nh;
	ip->payload = p;
	ip->payload_len = left;
	return 0;
}

void ipv6_emit(uint8_t *buf, const struct stack_addr *saddr, const struct stack_addr *daddr,
               uint8_t proto, uint8_t hop_limit, uint16_t payload_len)
{
	wire_put32(buf, 6u << 28);
	wire_put16(buf + 4, payload_len);
	buf[6] = proto;
	buf[7] = hop_limit;
	memcpy(buf + 8, saddr->b, 16);
	memcpy(buf + 24, daddr->b, 16);
}
