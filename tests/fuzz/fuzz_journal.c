/* fuzz_journal.c: the verdict journal's reader on arbitrary text.
 *
 * Input: the text of a journal. Every line goes through journal_parse_line, and the whole text
 * through journal_read (as a file). Properties: a decision that parses writes back
 * (journal_write_entry) as a line that parses to the same decision; an error names a reason;
 * the file reader's decisions are the lines' decisions, and each of them is found again by
 * journal_take, once.
 */
#include "fuzz_common.h"

#include <errno.h>

#include "trace/journal.h"

static void check_same(const struct journal_entry *a, const struct journal_entry *b)
{
	FUZZ_CHECK(a->id.conn == b->id.conn && a->id.dir == b->id.dir &&
	           a->id.flags == b->id.flags);
	FUZZ_CHECK(a->id.seq == b->id.seq && a->id.ack == b->id.ack && a->id.len == b->id.len);
	FUZZ_CHECK(a->id.attempt == b->id.attempt && a->id.copy == b->id.copy);
	FUZZ_CHECK(a->action == b->action && a->delay_us == b->delay_us);
	FUZZ_CHECK(a->rule == b->rule && a->rule_line == b->rule_line);
	FUZZ_CHECK(strcmp(a->rule_file, b->rule_file) == 0 && strcmp(a->label, b->label) == 0);
}

static void check_round_trip(const struct journal_entry *e)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&buf, &size);
	if (!mem)
		abort();
	journal_write_entry(mem, e);
	fclose(mem);
	struct journal_entry again;
	char why[256];
	int kind = journal_parse_line(buf, &again, NULL, NULL, 0, why, sizeof(why));
	if (kind != 0) {
		fprintf(stderr, "written decision does not read back (%d, %s): %s", kind, why, buf);
		abort();
	}
	check_same(e, &again);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t decisions = 0;
	const uint8_t *p = data, *end = data + size;
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = fuzz_strndup(p, n);
		struct journal_entry e;
		uint64_t seed;
		char rules[64], why[256];
		int kind =
		    journal_parse_line(line, &e, &seed, rules, sizeof(rules), why, sizeof(why));
		FUZZ_CHECK(kind == 0 || kind == 1 || kind == -EINVAL);
		if (kind == -EINVAL)
			FUZZ_CHECK(why[0] != '\0');
		if (kind == 0) {
			decisions++;
			check_round_trip(&e);
		}
		free(line);
		p += n + (nl != NULL);
	}

	char path[64], why[512];
	int fd = fuzz_memfile(data, size, path, sizeof(path));
	struct journal j;
	int err = journal_read(path, &j, why, sizeof(why));
	close(fd);
	FUZZ_CHECK(err == 0 || err == -EINVAL);
	if (err == 0) {
		FUZZ_CHECK(j.n <= decisions);
		for (size_t i = 0; i < j.n; i++)
			FUZZ_CHECK(journal_take(&j, &j.entries[i].id) != NULL);
		for (size_t i = 0; i < j.n; i++)
			FUZZ_CHECK(j.taken[i]);
		journal_free(&j);
	} else {
		FUZZ_CHECK(strncmp(why, path, strlen(path)) == 0);
	}
	return 0;
}
