/* ladder_fixture.c: trace records from captures for the ladder diagrams' suites
 * (ladder_fixture.h). */
#include "ladder_fixture.h"

#include "test_support.h"
#include "trace/ladder.h"
#include "trace/ladder_svg.h"
#include "trace/trace.h"
#include "trace/trace_read.h"
#include "wire/segment.h"
#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const struct ip_addr *host4(uint32_t addr, struct ip_addr *buf)
{
	*buf = ip_addr_from_ipv4(addr);
	return addr ? buf : NULL;
}

struct trace_record *push(struct loader *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->recs = realloc(l->recs, l->cap * sizeof(*l->recs));
		ck_assert_ptr_nonnull(l->recs);
	}
	return &l->recs[l->n++];
}

static int load_packet(void *ctx, uint64_t time_us, const uint8_t *pkt, size_t len)
{
	struct loader *l = ctx;
	if (l->limit && l->index >= l->limit)
		return 0;
	struct segment seg;
	ck_assert_int_eq(segment_parse(&seg, pkt, len), 0);
	struct trace_event ev = {.kind = TRACE_SEEN,
	                         .time_us = time_us,
	                         .pkt = pkt,
	                         .len = len,
	                         .seg = &seg,
	                         .dir = seg.saddr == CLIENT ? "c2s" : "s2c"};
	const struct fault *f = NULL;
	for (size_t i = 0; i < l->nfaults; i++)
		if (l->faults[i].index == l->index)
			f = &l->faults[i];
	if (f) {
		ev.verdict =
		    (struct verdict){.action = f->action, .delay_us = f->delay_us, .rule = f->rule};
		ev.rule_file = f->rule_file;
	}
	ck_assert_int_eq(trace_record_from_event(push(l), l->seqs, &ev), 0);
	if (f && f->action == RULE_DELAY && f->held_us) {
		ev.kind = l->dropped_at_exit ? TRACE_DROPPED_AT_EXIT : TRACE_RELEASED;
		ev.time_us += f->held_us;
		ev.held_us = f->held_us;
		ck_assert_int_eq(trace_record_from_event(push(l), l->seqs, &ev), 0);
	}
	l->index++;
	return 0;
}

void load(struct loader *l, const char *capture, int limit, const struct fault *faults,
          size_t nfaults)
{
	char rel[256], path[512];
	snprintf(rel, sizeof(rel), "captures/%s.pcap", capture);
	synfin_data_path(path, sizeof(path), rel);
	l->seqs = trace_seqs_new();
	l->index = 0;
	l->limit = limit;
	l->faults = faults;
	l->nfaults = nfaults;
	ck_assert_int_eq(pcap_read_file(path, load_packet, l), 0);
	trace_seqs_free(l->seqs);
}

void write_jsonl(const struct loader *l, char *path)
{
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < l->n; i++)
		trace_record_write_json(f, &l->recs[i]);
	fclose(f);
}

char *draw(const struct loader *l, uint32_t server, int want_rc)
{
	static char buf[16384];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	ck_assert_ptr_nonnull(f);
	struct ip_addr c, sv;
	ck_assert_int_eq(ladder_write(f, l->recs, l->n, host4(CLIENT, &c), host4(server, &sv)),
	                 want_rc);
	fclose(f);
	return buf;
}

void release(struct loader *l)
{
	trace_records_free(l->recs, l->n);
	memset(l, 0, sizeof(*l));
}
