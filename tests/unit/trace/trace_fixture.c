/* trace_fixture.c: segments and a clock for the trace printers' suites (trace_fixture.h). */
#include "trace_fixture.h"

#include "common/wire_bytes.h"
#include "trace/trace.h"
#include "trace/trace_read.h"
#include "wire/segment.h"
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void use_utc(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
}

void build(struct pkt *p, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint32_t seq,
           uint32_t ack, uint8_t flags, uint16_t win, const char *opts, size_t optlen,
           const char *payload, size_t plen)
{
	ck_assert_uint_eq(optlen % 4, 0);
	memset(p, 0, sizeof(*p));
	uint8_t *ip = p->b, *tcp = p->b + 20;
	size_t total = 20 + 20 + optlen + plen;
	ck_assert_uint_le(total, sizeof(p->b));
	ip[0] = 0x45;
	wire_put16(ip + 2, (unsigned)total);
	wire_put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 6;
	wire_put32(ip + 12, src);
	wire_put32(ip + 16, dst);
	wire_put16(tcp, sport);
	wire_put16(tcp + 2, dport);
	wire_put32(tcp + 4, seq);
	wire_put32(tcp + 8, ack);
	tcp[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	tcp[13] = flags;
	wire_put16(tcp + 14, win);
	if (optlen)
		memcpy(tcp + 20, opts, optlen);
	if (plen)
		memcpy(tcp + 20 + optlen, payload, plen);
	p->len = total;
	ck_assert_int_eq(segment_parse(&p->seg, p->b, p->len), 0);
}
