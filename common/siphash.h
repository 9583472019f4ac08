/* siphash.h: SipHash-2-4 (Aumasson and Bernstein), the keyed hash behind the stack's initial
 * sequence numbers (RFC 9293 3.4.1, formerly RFC 6528) and the rule engine's seeded draws
 * (harness/rules/rule_draw.c). */
#ifndef SYNFIN_COMMON_SIPHASH_H
#define SYNFIN_COMMON_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t siphash24(const uint8_t key[16], const void *data, size_t len);

#endif
