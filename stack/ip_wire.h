/* ip_wire.h: what TCP and the stack need of the IP layer whichever the family: header length,
 * header emission, the pseudo-header sum, the MSS and source checks an address's family sets. */
#ifndef SYNFIN_STACK_IP_WIRE_H
#define SYNFIN_STACK_IP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stack.h"

struct stack;

/* The header length ip_emit() writes toward dst: 20 (IPv4) or 40 (IPv6). */
size_t ip_hdr_len(const struct stack_addr *dst);

/* Write the IPv4 or IPv6 header at buf, by dst's family, for payload_len bytes of proto, with the
 * stack's TTL (hop limit) and, for IPv4, its next identification. */
void ip_emit(struct stack *s, uint8_t *buf, const struct stack_addr *src,
             const struct stack_addr *dst, uint8_t proto, uint16_t payload_len);

/* The stack's own address of dst's family, or NULL when it has none. */
const struct stack_addr *ip_local_addr(const struct stack *s, const struct stack_addr *dst);

/* The MSS we advertise and cap at toward peer: the tunable for IPv4, 20 less over IPv6 for its
 * longer header (RFC 8200 8.3: MTU - 60, as Linux's tcp_mss_clamp of the IPv6 path MTU). */
uint16_t ip_mss_cap(const struct stack *s, const struct stack_addr *peer);

/* RFC 9293 3.10.7.2, RFC 1122 4.2.3.10 and RFC 4291 2.7: a source to never answer: unspecified,
 * broadcast, multicast, or our own address. */
bool ip_bad_source(const struct stack_addr *saddr, const struct stack_addr *daddr);

#endif
