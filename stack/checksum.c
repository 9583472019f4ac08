/* checksum.c: the Internet checksum (RFC 1071). */
#include "checksum.h"

#include <string.h>

/* RFC 1071 2(B): the sum does not depend on byte order, so 32-bit words are added in the host's
 * order into 64 bits (their carries wait in the upper half) and the folded sum is swapped once.
 * A 16-bit loop of big-endian words took a fifth of the stack's CPU in bulk transfer. */
uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t a = 0, b = 0;
	uint32_t w[4];

	for (; len >= sizeof(w); len -= sizeof(w), p += sizeof(w)) {
		memcpy(w, p, sizeof(w));
		a += (uint64_t)w[0] + w[1];
		b += (uint64_t)w[2] + w[3];
	}
	for (; len >= 4; len -= 4, p += 4) {
		memcpy(w, p, 4);
		a += w[0];
	}
	uint8_t tail[4] = {0}; /* an odd last byte is padded with zero after it */
	memcpy(tail, p, len);
	memcpy(w, tail, 4);
	a += w[0];
	a = (a & 0xffffffffu) + (a >> 32) + (b & 0xffffffffu) + (b >> 32);
	while (a >> 16)
		a = (a & 0xffff) + (a >> 16);
	uint16_t host = (uint16_t)a;
	uint8_t be[2];
	memcpy(be, &host, 2);
	sum += (uint32_t)be[0] << 8 | be[1];
	return (sum & 0xffff) + (sum >> 16);
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t csum_pseudo(uint32_t saddr, uint32_t daddr, uint8_t proto, uint16_t len)
{
	uint32_t sum = 0;

	sum += saddr >> 16;
	sum += saddr & 0xffff;
	sum += daddr >> 16;
	sum += daddr & 0xffff;
	sum += proto;
	sum += len;
	return sum;
}

uint32_t csum_pseudo_addr(const struct stack_addr *saddr, const struct stack_addr *daddr,
                          uint8_t proto, uint32_t len)
{
	if (stack_addr_is_v4(saddr))
		return csum_pseudo(stack_addr_v4_get(saddr), stack_addr_v4_get(daddr), proto,
		                   (uint16_t)len);
	uint32_t sum = csum_add(csum_add(0, saddr->b, 16), daddr->b, 16);
	sum += len >> 16;
	sum += len & 0xffff;
	sum += proto;
	return sum;
}
