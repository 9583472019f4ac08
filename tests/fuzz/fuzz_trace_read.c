/* fuzz_trace_read.c: the JSON Lines trace reader on arbitrary text.
 *
 * Input: the text of a trace file. Every line goes through trace_record_parse, and the whole
 * text through trace_read_jsonl (as a file). Properties: a record that parses writes back
 * (trace_record_write_json) as a line that parses to the same record; the file reader agrees
 * with the line parser on how many records there are.
 */
#include "fuzz_common.h"

#include <errno.h>

#include "trace/trace_read.h"

static void check_same(const struct trace_record *a, const struct trace_record *b)
{
	FUZZ_CHECK(a->time_us == b->time_us && a->kind == b->kind && a->action == b->action);
	FUZZ_CHECK(a->delay_us == b->delay_us && a->held_us == b->held_us);
	FUZZ_CHECK(a->rule == b->rule && a->rule_line == b->rule_line);
	FUZZ_CHECK(strcmp(a->rule_file, b->rule_file) == 0);
	FUZZ_CHECK(strcmp(a->dir, b->dir) == 0);
	FUZZ_CHECK(a->saddr == b->saddr && a->daddr == b->daddr);
	FUZZ_CHECK(a->sport == b->sport && a->dport == b->dport);
	FUZZ_CHECK(a->tcp_flags == b->tcp_flags);
	FUZZ_CHECK(a->seq == b->seq && a->ack == b->ack && a->rseq == b->rseq &&
	           a->rack == b->rack);
	FUZZ_CHECK(a->win == b->win && a->len == b->len);
	FUZZ_CHECK(strcmp(a->text, b->text) == 0);
}

static void check_round_trip(const struct trace_record *r)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&buf, &size);
	if (!mem)
		abort();
	trace_record_write_json(mem, r);
	fclose(mem);
	struct trace_record again;
	int err = trace_record_parse(buf, &again);
	if (err) {
		fprintf(stderr, "written record does not read back (%d): %s", err, buf);
		abort();
	}
	check_same(r, &again);
	trace_record_clear(&again);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Line by line, as trace_read_jsonl splits them (a NUL ends a line's text for it too). */
	size_t good = 0, bad = 0;
	const uint8_t *p = data, *end = data + size;
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = fuzz_strndup(p, n);
		struct trace_record r;
		int err = trace_record_parse(line, &r);
		FUZZ_CHECK(err == 0 || err == -EINVAL);
		if (err == 0) {
			good++;
			check_round_trip(&r);
			trace_record_clear(&r);
		} else {
			bad++;
		}
		free(line);
		p += n + (nl != NULL);
	}

	char path[64];
	int fd = fuzz_memfile(data, size, path, sizeof(path));
	struct trace_record *recs = NULL;
	size_t n = 0;
	int err = trace_read_jsonl(path, &recs, &n);
	close(fd);
	FUZZ_CHECK(err == 0 || err == -EINVAL);
	if (err == 0) {
		FUZZ_CHECK(n == good);
		trace_records_free(recs, n);
	} else {
		FUZZ_CHECK(recs == NULL && n == 0);
	}
	(void)bad;
	return 0;
}
