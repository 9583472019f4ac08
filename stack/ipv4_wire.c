/* ipv4_wire.c: IPv4 header parse and emit (RFC 791, RFC 1122 3.2.1). */
#include "ipv4_wire.h"

#include <errno.h>

#include "checksum.h"

int ipv4_parse(struct ipv4_hdr *ip, const uint8_t *pkt, size_t len, enum stack_drop_reason *why)
{
	if (len < IPV4_HDR_LEN) {
		*why = STACK_DROP_IP_TRUNCATED;
		return -EINVAL;
	}
	if (pkt[0] >> 4 != 4) {
		*why = STACK_DROP_IP_NOT_V4;
		return -EINVAL;
	}
	ip->ihl = (uint8_t)((pkt[0] & 0x0f) * 4);
	ip->tos = pkt[1];
	ip->tot_len = wire_get16(pkt + 2);
	ip->id = wire_get16(pkt + 4);
	ip->frag = wire_get16(pkt + 6);
	ip->ttl = pkt[8];
	ip->proto = pkt[9];
	ip->saddr = wire_get32(pkt + 12);
	ip->daddr = wire_get32(pkt + 16);
	if (ip->ihl < IPV4_HDR_LEN || ip->tot_len < ip->ihl) {
		*why = STACK_DROP_IP_BAD_HEADER;
		return -EINVAL;
	}
	if (ip->tot_len > len || ip->ihl > len) {
		*why = STACK_DROP_IP_TRUNCATED;
		return -EINVAL;
	}
	if (csum_fold(csum_add(0, pkt, ip->ihl)) != 0) {
		*why = STACK_DROP_IP_BAD_CHECKSUM;
		return -EINVAL;
	}
	/* MF set or a non-zero offset: a fragment (RFC 791 3.2) */
	if (ip->frag & 0x3fff) {
		*why = STACK_DROP_IP_FRAGMENT;
		return -EINVAL;
	}
	ip->payload = pkt + ip->ihl;
	ip->payload_len = (size_t)ip->tot_len - ip->ihl;
	return 0;
}

void ipv4_emit(uint8_t *buf, uint32_t saddr, uint32_t daddr, uint8_t proto, uint16_t id,
               uint8_t ttl, uint16_t payload_len)
{
	buf[0] = 0x45;
	buf[1] = 0;
	wire_put16(buf + 2, (uint16_t)(IPV4_HDR_LEN + payload_len));
	wire_put16(buf + 4, id);
	wire_put16(buf + 6, 0x4000); /* DF: the stack sends no more than the MSS allows */
	buf[8] = ttl;
	buf[9] = proto;
	wire_put16(buf + 10, 0);
	wire_put32(buf + 12, saddr);
	wire_put32(buf + 16, daddr);
	wire_put16(buf + 10, csum_fold(csum_add(0, buf, IPV4_HDR_LEN)));
}
