/* test_journal.c: the verdict journal, written and read back, its errors, and replay lookup. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_support.h"
#include "trace/journal.h"

static char path[64];

static void write_text(const char *text)
{
	snprintf(path, sizeof(path), "/tmp/test_journal.XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void teardown(void)
{
	if (path[0])
		unlink(path);
	path[0] = '\0';
}

static struct journal_entry entry(uint32_t conn, uint32_t seq, enum rule_action action)
{
	struct journal_entry e;
	memset(&e, 0, sizeof(e));
	e.id = (struct packet_id){.conn = conn,
	                          .dir = RULE_DIR_FROM_CLIENT,
	                          .flags = 0x18,
	                          .seq = seq,
	                          .ack = 1,
	                          .len = 1000,
	                          .attempt = 1};
	e.action = action;
	return e;
}

START_TEST(test_written_journal_reads_back_the_same)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&buf, &size);
	journal_write_head(mem, 42, "loss \"x\".rules");
	struct journal_entry a = entry(1, 1, RULE_DROP), b = entry(2, 1001, RULE_DELAY);
	a.rule = 2;
	a.rule_line = 7;
	strcpy(a.rule_file, "loss.rules");
	strcpy(a.label, "loss");
	b.delay_us = 300000;
	b.id.dir = RULE_DIR_FROM_SERVER;
	b.id.copy = 3;
	b.id.flags = 0x11;
	journal_write_entry(mem, &a);
	journal_write_entry(mem, &b);
	fclose(mem);
	write_text(buf);
	free(buf);
	struct journal j;
	char why[512];
	ck_assert_int_eq(journal_read(path, &j, why, sizeof(why)), 0);
	ck_assert_uint_eq(j.seed, 42);
	ck_assert_str_eq(j.rules, "loss \"x\".rules");
	ck_assert_uint_eq(j.n, 2);
	ck_assert_mem_eq(&j.entries[0].id, &a.id, sizeof(a.id));
	ck_assert_mem_eq(&j.entries[1].id, &b.id, sizeof(b.id));
	ck_assert_int_eq(j.entries[0].action, RULE_DROP);
	ck_assert_uint_eq(j.entries[0].rule, 2);
	ck_assert_uint_eq(j.entries[0].rule_line, 7);
	ck_assert_str_eq(j.entries[0].rule_file, "loss.rules");
	ck_assert_str_eq(j.entries[0].label, "loss");
	ck_assert_int_eq(j.entries[1].action, RULE_DELAY);
	ck_assert_uint_eq(j.entries[1].delay_us, 300000);
	journal_free(&j);
}
END_TEST

START_TEST(test_take_replays_the_nth_decision_of_an_identity_once)
{
	write_text("{\"journal\":1,\"seed\":1,\"rules\":\"r\"}\n"
	           "{\"conn\":1,\"dir\":\"c2s\",\"flags\":\"P.\",\"seq\":1,\"ack\":1,\"len\":9,"
	           "\"attempt\":1,\"copy\":0,\"verdict\":\"drop\"}\n"
	           "{\"conn\":2,\"dir\":\"c2s\",\"flags\":\"P.\",\"seq\":1,\"ack\":1,\"len\":9,"
	           "\"attempt\":1,\"copy\":0,\"verdict\":\"pass\"}\n"
	           "\n"
	           "{\"conn\":1,\"dir\":\"c2s\",\"flags\":\"P.\",\"seq\":1,\"ack\":1,\"len\":9,"
	           "\"attempt\":1,\"copy\":0,\"verdict\":\"delay\",\"delay_us\":5}\n");
	struct journal j;
	char why[512];
	ck_assert_int_eq(journal_read(path, &j, why, sizeof(why)), 0);
	struct packet_id id = {.conn = 1,
	                       .dir = RULE_DIR_FROM_CLIENT,
	                       .flags = 0x18,
	                       .seq = 1,
	                       .ack = 1,
	                       .len = 9,
	                       .attempt = 1};
	const struct journal_entry *e = journal_take(&j, &id);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->action, RULE_DROP);
	e = journal_take(&j, &id);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->action, RULE_DELAY);
	ck_assert_ptr_null(journal_take(&j, &id));
	id.conn = 2;
	ck_assert_int_eq(journal_take(&j, &id)->action, RULE_PASS);
	id.conn = 3;
	ck_assert_ptr_null(journal_take(&j, &id));
	journal_free(&j);
}
END_TEST

static const struct {
	const char *text;
	const char *why; /* after the file name */
} malformed[] = {
    {"{\"conn\":1}\n", ":1: not a synfin journal: its first line must be the head"},
    {"", ": empty"},
    {"{\"journal\":2,\"seed\":1}\n", ":1: journal version 2 is not known here"},
    {"{\"journal\":1}\n[1]\n", ":2: not a JSON object"},
    {"{\"journal\":1}\n{\"conn\":1,\"dir\":\"up\"}\n", ":2: 'dir' is 'up': use c2s, s2c or other"},
    {"{\"journal\":1}\n{\"conn\":1,\"dir\":\"c2s\",\"flags\":\"S\",\"seq\":0,\"ack\":0,"
     "\"len\":0,\"attempt\":1,\"copy\":0,\"verdict\":\"dorp\"}\n",
     ":2: 'verdict' is 'dorp': use pass, drop or delay"},
    {"{\"journal\":1}\n\n{\"conn\":1,\"dir\":\"c2s\",\"flags\":\"S\"}\n", ":3: no \"seq\""},
    {"{\"journal\":1}\n{\"conn\":-1}\n", ":2: 'conn' must be a number"},
    {"{\"journal\":1}\n{\"seq\":4294967296}\n", ":2: 'seq' is '4294967296'"},
    {"{\"journal\":1}\n{\"flags\":\"SQ\"}\n", ":2: 'flags' is 'SQ': use tcpdump's letters"},
    {"{\"journal\":1}\n{\"journal\":1}\n", ":2: a second journal head"},
};

START_TEST(test_malformed_journal_says_file_line_and_fix)
{
	write_text(malformed[_i].text);
	struct journal j;
	char why[512], want[300];
	ck_assert_int_lt(journal_read(path, &j, why, sizeof(why)), 0);
	snprintf(want, sizeof(want), "%s%s", path, malformed[_i].why);
	ck_assert_msg(!strncmp(why, want, strlen(want)), "got '%s', want '%s...'", why, want);
	ck_assert_ptr_null(j.entries);
}
END_TEST

START_TEST(test_missing_file_names_it)
{
	struct journal j;
	char why[512];
	ck_assert_int_lt(journal_read("/nonexistent/j.jsonl", &j, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "/nonexistent/j.jsonl: No such file or directory");
}
END_TEST

static Suite *journal_suite(void)
{
	Suite *s = suite_create("journal");
	TCase *t = tcase_create("journal");
	tcase_add_checked_fixture(t, NULL, teardown);
	tcase_add_test(t, test_written_journal_reads_back_the_same);
	tcase_add_test(t, test_take_replays_the_nth_decision_of_an_identity_once);
	tcase_add_loop_test(t, test_malformed_journal_says_file_line_and_fix, 0,
	                    sizeof(malformed) / sizeof(malformed[0]));
	tcase_add_test(t, test_missing_file_names_it);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return synfin_run_suite(journal_suite());
}
