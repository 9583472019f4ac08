/* trace_fixture.h: what the trace printers' suites share (test_trace_text.c, test_trace_events.c):
 * an IPv4 TCP segment built from its fields, at a fixed time, printed in UTC. */
#ifndef SYNFIN_TRACE_FIXTURE_H
#define SYNFIN_TRACE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "wire/segment.h"

#define CLIENT 0xc0a8016cu /* 192.168.1.108 */
#define SERVER 0xc0a8016du /* 192.168.1.109 */

/* The printers give local time: the expected lines are UTC. */
void use_utc(void);

struct pkt {
	uint8_t b[2048];
	size_t len;
	struct segment seg;
};

/* optlen must be a multiple of 4 */
void build(struct pkt *p, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint32_t seq,
           uint32_t ack, uint8_t flags, uint16_t win, const char *opts, size_t optlen,
           const char *payload, size_t plen);

/* 2023-11-14 22:13:20 UTC */
#define T0 1700000000000000ull

#endif
