/* checksum.h: the Internet checksum (RFC 1071), shared by IPv4, TCP, ICMP and ICMPv6. */
#ifndef SYNFIN_STACK_CHECKSUM_H
#define SYNFIN_STACK_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

#include "stack.h"

/* Add len bytes (big-endian 16-bit words, an odd last byte padded with zero) to a running sum. */
uint32_t csum_add(uint32_t sum, const void *data, size_t len);
/* Fold the carries and complement: the value to put in a checksum field. A packet whose checksum
 * field is included in the sum is valid when this returns 0. */
uint16_t csum_fold(uint32_t sum);
/* The TCP/UDP pseudo-header (RFC 9293 3.1): addresses in host byte order. */
uint32_t csum_pseudo(uint32_t saddr, uint32_t daddr, uint8_t proto, uint16_t len);
/* The pseudo-header of either family: RFC 9293 3.1's for IPv4-mapped addresses, RFC 8200 8.1's
 * (both addresses, a 32-bit upper-layer length, the next header) for IPv6 ones. */
uint32_t csum_pseudo_addr(const struct stack_addr *saddr, const struct stack_addr *daddr,
                          uint8_t proto, uint32_t len);

#endif
