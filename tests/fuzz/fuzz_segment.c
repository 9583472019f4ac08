/* fuzz_segment.c: segment_parse on arbitrary bytes, then every trace writer on what it accepts.
 *
 * Input: one flag byte, then records (fuzz_common.h), each one IPv4 or IPv6 packet. All packets share
 * one trace_seqs table per output, as in synfin-faultd, so the relative-number paths are reached.
 * Properties checked: the parsed view stays inside the packet; a JSON line written for a
 * segment reads back (trace_record_parse) with the same numbers; the flag letters read back;
 * trace_format_tcpdump_buf writes what trace_format_tcpdump_alloc writes, into any buffer size.
 */
#include "fuzz_common.h"

#include <errno.h>

#include "trace/trace.h"
#include "trace/trace_read.h"
#include "wire/segment.h"

static void check_view(const struct segment *seg, const uint8_t *pkt, size_t len)
{
	const uint8_t *end = pkt + len;
	FUZZ_CHECK(seg->ip_len <= len);
	FUZZ_CHECK(seg->options >= pkt && seg->options + seg->options_len <= end);
	FUZZ_CHECK(seg->payload >= seg->options + seg->options_len);
	FUZZ_CHECK(seg->payload + seg->payload_len <= pkt + seg->ip_len);
}

static void check_json_reads_back(struct trace_seqs *seqs, const struct trace_event *ev)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&buf, &size);
	if (!mem)
		abort();
	trace_write_json(mem, seqs, ev);
	fclose(mem);
	FUZZ_CHECK(size > 0 && buf[size - 1] == '\n');
	struct trace_record r;
	int err = trace_record_parse(buf, &r);
	if (err) {
		fprintf(stderr, "unreadable JSON line (%d): %s", err, buf);
		abort();
	}
	const struct segment *seg = ev->seg;
	FUZZ_CHECK(r.saddr == seg->saddr && r.daddr == seg->daddr);
	FUZZ_CHECK(r.sport == seg->sport && r.dport == seg->dport);
	FUZZ_CHECK(r.seq == seg->seq && r.ack == seg->ack);
	FUZZ_CHECK(r.tcp_flags == seg->flags);
	FUZZ_CHECK(r.win == seg->win && r.len == seg->payload_len);
	/* a released segment was held, whatever the event says (trace_json.c) */
	FUZZ_CHECK(r.action == (ev->kind == TRACE_RELEASED ? RULE_DELAY : ev->verdict.action));
	FUZZ_CHECK(r.time_us == ev->time_us);
	trace_record_clear(&r);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	struct fuzz_reader rd = {data + 1, size - 1};
	struct trace_seqs *seqs_text = trace_seqs_new();
	struct trace_seqs *seqs_json = trace_seqs_new();
	struct trace_seqs *seqs_fmt = trace_seqs_new();
	struct trace_seqs *seqs_rt = trace_seqs_new();
	struct trace_seqs *seqs_alloc = trace_seqs_new();
	struct trace_seqs *seqs_buf = trace_seqs_new();
	if (!seqs_text || !seqs_json || !seqs_fmt || !seqs_rt || !seqs_alloc || !seqs_buf)
		abort();
	struct rule rule = {.index = 3, .line = 7, .text = "drop [S]", .action = RULE_DROP};
	uint8_t *pkt;
	size_t len;
	uint64_t t = 1700000000000000ull;
	for (unsigned i = 0; fuzz_next_record(&rd, &pkt, &len); i++) {
		struct segment seg;
		int err = segment_parse(&seg, pkt, len);
		FUZZ_CHECK(err == 0 || err == -EINVAL || err == -EPROTONOSUPPORT ||
		           err == -ENODATA);
		/* every refusal says why, and only a refusal does */
		FUZZ_CHECK((err != 0) == (seg.error != NULL));
		if (err) {
			free(pkt);
			continue;
		}
		check_view(&seg, pkt, len);

		/* Every buffer size, from none up to plenty: snprintf semantics must hold. */
		char line[512];
		int n = trace_format_tcpdump(line, sizeof(line), seqs_fmt, mode & 1, t, &seg);
		FUZZ_CHECK(n >= 0);
		FUZZ_CHECK((size_t)n >= sizeof(line) || strlen(line) == (size_t)n);
		size_t small = (size_t)(mode >> 3) + (i % 7);
		char *tiny = malloc(small ? small : 1);
		if (!tiny)
			abort();
		int m = trace_format_tcpdump(tiny, small, NULL, 0, t, &seg);
		FUZZ_CHECK(m >= 0);
		if (small)
			FUZZ_CHECK(strlen(tiny) < small);
		free(tiny);

		/* the caller's-buffer variant writes what the allocating one writes, with any
		 * buffer size, and advances its table the same way */
		uint32_t shown_seq, shown_ack, buf_seq, buf_ack;
		char *alloc = trace_format_tcpdump_alloc(seqs_alloc, mode & 1, t, &seg, &shown_seq,
		                                         &shown_ack);
		FUZZ_CHECK(alloc != NULL);
		size_t bsize = 1 + (size_t)((mode >> 1) * 7 + i * 13) % 160;
		char *bbuf = malloc(bsize);
		if (!bbuf)
			abort();
		char *got = trace_format_tcpdump_buf(bbuf, bsize, seqs_buf, mode & 1, t, &seg,
		                                     &buf_seq, &buf_ack);
		FUZZ_CHECK(got != NULL);
		FUZZ_CHECK(strcmp(got, alloc) == 0);
		FUZZ_CHECK(got != bbuf || strlen(got) < bsize);
		FUZZ_CHECK(buf_seq == shown_seq && buf_ack == shown_ack);
		if (got != bbuf)
			free(got);
		free(bbuf);
		free(alloc);

		char flags[16];
		trace_flags_str(flags, sizeof(flags), seg.flags);
		FUZZ_CHECK(trace_flags_parse(flags) == seg.flags);

		struct trace_event ev = {
		    .kind = (mode & 2) ? TRACE_RELEASED : TRACE_SEEN,
		    .time_us = t,
		    .pkt = pkt,
		    .len = len,
		    .seg = &seg,
		    .verdict = {.action = (enum rule_action)((mode >> 2) % 3),
		                .delay_us = seg.win * 1000u,
		                .rule = (mode & 4) ? &rule : NULL},
		    .held_us = seg.urg,
		    .rule_file = "fuzz.rules",
		    .dir = (i & 1) ? "s2c" : "c2s",
		};
		if (ev.verdict.action == RULE_PASS)
			ev.verdict.rule = NULL;
		trace_write_text(fuzz_null_file(), seqs_text, &ev);
		trace_write_json(fuzz_null_file(), seqs_json, &ev);
		check_json_reads_back(seqs_rt, &ev);
		free(pkt);
		t += (uint64_t)seg.ip_id * 997;
	}
	trace_seqs_free(seqs_text);
	trace_seqs_free(seqs_json);
	trace_seqs_free(seqs_fmt);
	trace_seqs_free(seqs_rt);
	trace_seqs_free(seqs_alloc);
	trace_seqs_free(seqs_buf);
	return 0;
}
