/* segment_forge.c: a bare TCP segment over IPv4 or IPv6 with its checksums. */
#include "segment_forge.h"

#include <string.h>

#include "common/wire_bytes.h"

/* The ones' complement sum of len bytes (len even) added to sum, not yet folded. */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += wire_get16(p + i);
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The IPv4 header, and the pseudo-header's sum (RFC 9293 3.1): addresses, protocol, length. */
static uint32_t forge_ipv4(uint8_t *ip, const struct forged_segment *f)
{
	ip[0] = 0x45;
	wire_put16(ip + 2, SEGMENT_FORGED_LEN);
	wire_put16(ip + 4, f->ip_id);
	wire_put16(ip + 6, 0x4000); /* don't fragment, as Linux sends TCP */
	ip[8] = f->ttl ? f->ttl : 64;
	ip[9] = 6;
	wire_put32(ip + 12, f->saddr);
	wire_put32(ip + 16, f->daddr);
	wire_put16(ip + 10, fold(sum16(0, ip, 20)));
	return sum16(0, ip + 12, 8) + 6 + 20;
}

/* The IPv6 header, and the pseudo-header's sum (RFC 8200 8.1): addresses, upper-layer length,
 * next header. */
static uint32_t forge_ipv6(uint8_t *ip, const struct forged_segment *f)
{
	ip[0] = 0x60;
	wire_put16(ip + 4, 20);
	ip[6] = 6;
	ip[7] = f->ttl ? f->ttl : 64;
	memcpy(ip + 8, f->saddr6, 16);
	memcpy(ip + 24, f->daddr6, 16);
	return sum16(0, ip + 8, 32) + 20 + 6;
}

size_t segment_forge(uint8_t *buf, const struct forged_segment *f)
{
	size_t ip_len = f->ipv6 ? SEGMENT_FORGED_LEN6 - 20 : SEGMENT_FORGED_LEN - 20;
	memset(buf, 0, ip_len + 20);
	uint8_t *tcp = buf + ip_len;
	uint32_t sum = f->ipv6 ? forge_ipv6(buf, f) : forge_ipv4(buf, f);

	wire_put16(tcp, f->sport);
	wire_put16(tcp + 2, f->dport);
	wire_put32(tcp + 4, f->seq);
	wire_put32(tcp + 8, f->ack);
	tcp[12] = 5 << 4;
	tcp[13] = f->flags;
	wire_put16(tcp + 14, f->win);
	wire_put16(tcp + 16, fold(sum16(sum, tcp, 20)));
	return ip_len + 20;
}
