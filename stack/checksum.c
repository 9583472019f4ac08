/* checksum.c: the Internet checksum (RFC 1071). */
#include "checksum.h"

uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	/* fold now and then so long buffers cannot overflow 32 bits */
	sum = (sum & 0xffff) + (sum >> 16);
	return sum;
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
