/* icmp.h: ICMP and ICMPv6 echo (RFC 792, RFC 1122 3.2.2.6, RFC 4443 4): the stack answers ping
 * over either family. */
#ifndef SYNFIN_STACK_ICMP_H
#define SYNFIN_STACK_ICMP_H

#include <stddef.h>
#include <stdint.h>

#include "stack.h"

/* One ICMP message (the IPv4 payload) or ICMPv6 message (the IPv6 upper-layer payload), by the
 * addresses' family, from saddr to our daddr. Echo requests are answered; everything else is
 * counted and ignored. */
void icmp_input(struct stack *s, uint64_t now, const struct stack_addr *saddr,
                const struct stack_addr *daddr, const uint8_t *msg, size_t len);

#endif
