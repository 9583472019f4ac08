/* icmp.h: ICMP echo (RFC 792, RFC 1122 3.2.2.6): the stack answers ping. */
#ifndef SYNFIN_STACK_ICMP_H
#define SYNFIN_STACK_ICMP_H

#include <stddef.h>
#include <stdint.h>

struct stack;

/* One ICMP message (the IPv4 payload) from saddr. Echo requests are answered; everything else is
 * counted and ignored. */
void icmp_input(struct stack *s, uint64_t now, uint32_t saddr, const uint8_t *msg, size_t len);

#endif
