/* `counts`: a TCP event counter of an endpoint's implementation over its run, as the scenario
 * line says it, per pairing (the impl file's member, or a skip), and as the judge reads it from
 * the endpoint's "counters" record. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "counter.h"
#include "judge.h"
#include "pairings_fixture.h"
#include "scenario.h"
#include "test_support.h"
#include "wire/segment.h"

static struct scn_error parse_fails(const char *text)
{
	struct scenario s;
	struct scn_error err;
	int r = scenario_parse_string(&s, "tests/scenarios/bad.scn", text, &err);
	ck_assert_int_eq(r, -EINVAL);
	return err;
}

static void assert_refused(const char *text, unsigned line, const char *msg)
{
	struct scn_error e = parse_fails(text);
	ck_assert_str_eq(e.file, "tests/scenarios/bad.scn");
	ck_assert_uint_eq(e.line, line);
	ck_assert_str_eq(e.msg, msg);
}

START_TEST(test_a_counts_line_names_the_counter_the_comparison_and_the_number)
{
	struct scenario s;
	struct scn_error err;
	int r = scenario_parse_string(&s, "x.scn",
	                              "server counts paws-rejected >= 1\n"
	                              "client counts paws-rejected == 0\n"
	                              "when linux-linux\nserver counts paws-rejected > 2\nend\n",
	                              &err);
	ck_assert_msg(r == 0, "%u: %s", err.line, err.msg);
	ck_assert_uint_eq(s.ep[SCN_SERVER].n_counts, 2);
	const struct scn_item *it = &s.ep[SCN_SERVER].counts[0];
	ck_assert_str_eq(it->counter, "paws-rejected");
	ck_assert_int_eq(it->compare, COUNTER_GE);
	ck_assert_uint_eq(it->count, 1);
	ck_assert_uint_eq(it->line, 1);
	ck_assert_int_eq(s.ep[SCN_CLIENT].counts[0].compare, COUNTER_EQ);
	ck_assert_int_eq(s.ep[SCN_SERVER].counts[1].compare, COUNTER_GT);
	ck_assert_uint_eq(s.ep[SCN_SERVER].counts[1].pairs, PAIR_BIT("linux-linux"));
	scenario_free(&s);
}
END_TEST

START_TEST(test_a_malformed_counts_line_says_its_line_and_the_fix)
{
	assert_refused("about x\nserver counts\n", 2,
	               "counts needs a counter, a comparison and a number, e.g. counts "
	               "paws-rejected >= 1");
	assert_refused("server counts paws-missed >= 1\n", 1,
	               "unknown counter 'paws-missed' (paws-rejected)");
	assert_refused("server counts paws-rejected => 1\n", 1,
	               "'=>' is not a comparison: write >=, <=, == or >, e.g. counts "
	               "paws-rejected >= 1");
	assert_refused("server counts paws-rejected\n", 1,
	               "'' is not a comparison: write >=, <=, == or >, e.g. counts paws-rejected "
	               ">= 1");
	assert_refused("server counts paws-rejected <= 1M\n", 1,
	               "'1M' is not a count: write a whole number, e.g. counts paws-rejected <= 1");
	assert_refused("server counts paws-rejected == -1\n", 1,
	               "'-1' is not a count: write a whole number, e.g. counts paws-rejected == 1");
	assert_refused("server counts paws-rejected >\n", 1,
	               "'' is not a count: write a whole number, e.g. counts paws-rejected > 1");
	assert_refused("server counts paws-rejected >= 1 2\n", 1,
	               "unexpected '2' after the count: counts takes one comparison");
	char many[1024] = "";
	for (int i = 0; i <= SCN_MAX_COUNTS; i++)
		strcat(many, "client counts paws-rejected >= 0\n");
	assert_refused(many, SCN_MAX_COUNTS + 1, "at most 8 counts lines per endpoint");
}
END_TEST

START_TEST(test_each_end_reads_its_own_member_and_lwip_skips_with_the_reason)
{
	struct scenario s;
	struct scn_error err;
	ck_assert_int_eq(scenario_parse_string(&s, "x.scn",
	                                       "server counts paws-rejected >= 1\n"
	                                       "client counts paws-rejected == 0\n",
	                                       &err),
	                 0);
	struct scn_case c;
	ck_assert_int_eq(scenario_resolve(&s, pair_of("stack-linux"), false, &c), 0);
	ck_assert(!c.skip);
	ck_assert_uint_eq(c.n_counts[SCN_SERVER], 1);
	ck_assert_str_eq(c.counts[SCN_SERVER][0].key, "TcpExtPAWSEstab");
	ck_assert_str_eq(c.counts[SCN_CLIENT][0].key, "tcp-paws");
	ck_assert_int_eq(c.counts[SCN_CLIENT][0].compare, COUNTER_EQ);
	ck_assert_uint_eq(c.counts[SCN_SERVER][0].value, 1);
	scn_case_free(&c);
	ck_assert_int_eq(scenario_resolve(&s, pair_of("linux-lwip"), false, &c), 0);
	ck_assert(c.skip);
	ck_assert_str_eq(c.skip_reason, "server counts paws-rejected: lwip cannot report it (its "
	                                "impl file declares no 'counter paws-rejected')");
	scn_case_free(&c);
	ck_assert_int_eq(scenario_resolve(&s, pair_of("lwip-linux"), false, &c), 0);
	ck_assert(c.skip);
	ck_assert_ptr_nonnull(strstr(c.skip_reason, "client counts paws-rejected: lwip"));
	scn_case_free(&c);
	scenario_free(&s);
}
END_TEST

struct judged {
	struct scenario s;
	struct scn_case c;
	struct run_record r;
	struct judge_verdict v;
};

/* A SYN on the wire and the server's counters record holding `tcp-paws` = paws (or no record
 * when paws < 0), judged over stack-stack. */
static void judge_counts(struct judged *j, const char *line, long paws)
{
	char text[256];
	struct scn_error err;
	memset(j, 0, sizeof(*j));
	snprintf(text, sizeof(text), "%sc>s [S]\n...\n", line);
	ck_assert_int_eq(scenario_parse_string(&j->s, "t.scn", text, &err), 0);
	ck_assert_int_eq(scenario_resolve(&j->s, pair_of("stack-stack"), false, &j->c), 0);
	struct obs_seg syn = {.t_us = 1000, .flags = TCPF_SYN, .seq = 7, .verdict = SCN_V_PASS};
	ck_assert_int_eq(observed_add(&j->r.trace, &syn), 0);
	observed_relativize(&j->r.trace);
	for (int k = 0; k < 2; k++)
		j->r.app[k].exit = SCN_OUT_OK;
	if (paws >= 0) {
		j->r.app[SCN_SERVER].has_counters = true;
		ck_assert_int_eq(app_record_add_counter(&j->r.app[SCN_SERVER], "tcp-bad-ack", 4),
		                 0);
		ck_assert_int_eq(
		    app_record_add_counter(&j->r.app[SCN_SERVER], "tcp-paws", (uint64_t)paws), 0);
	}
	judge_run(&j->c, &j->r, &j->v);
}

static void done(struct judged *j)
{
	judge_verdict_free(&j->v);
	run_record_free(&j->r);
	scn_case_free(&j->c);
	scenario_free(&j->s);
}

START_TEST(test_the_judge_passes_a_count_that_holds_and_names_one_that_does_not)
{
	struct judged j;
	judge_counts(&j, "server counts paws-rejected >= 1\n", 2);
	ck_assert_msg(j.v.status == RUN_PASS, "%s", j.v.reason);
	done(&j);
	judge_counts(&j, "server counts paws-rejected == 2\n", 2);
	ck_assert_msg(j.v.status == RUN_PASS, "%s", j.v.reason);
	done(&j);
	judge_counts(&j, "server counts paws-rejected >= 1\n", 0);
	ck_assert_int_eq(j.v.status, RUN_FAIL);
	ck_assert_str_eq(j.v.reason, "server counts paws-rejected 0, expected >= 1");
	ck_assert_str_eq(j.v.app[SCN_SERVER].why, j.v.reason);
	ck_assert(!j.v.timing_only);
	done(&j);
	judge_counts(&j, "server counts paws-rejected <= 1\n", 3);
	ck_assert_str_eq(j.v.reason, "server counts paws-rejected 3, expected <= 1");
	done(&j);
	judge_counts(&j, "server counts paws-rejected > 3\n", 3);
	ck_assert_str_eq(j.v.reason, "server counts paws-rejected 3, expected > 3");
	done(&j);
}
END_TEST

START_TEST(test_a_missing_counters_record_or_member_fails_with_what_is_missing)
{
	struct judged j;
	judge_counts(&j, "server counts paws-rejected >= 1\n", -1);
	ck_assert_int_eq(j.v.status, RUN_FAIL);
	ck_assert_str_eq(j.v.reason, "server counts paws-rejected: the server program wrote no "
	                             "counters record (did it exit?)");
	done(&j);
	/* a record without the member the impl file names: never taken as 0 */
	judge_counts(&j, "server counts paws-rejected >= 0\n", 0);
	j.r.app[SCN_SERVER].n_counters = 1;
	judge_verdict_free(&j.v);
	judge_run(&j.c, &j.r, &j.v);
	ck_assert_str_eq(j.v.reason, "server counts paws-rejected: its counters record has no "
	                             "tcp-paws");
	done(&j);
}
END_TEST

START_TEST(test_the_counters_record_is_read_from_json_lines)
{
	char dir[] = "/tmp/synfin-counts-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[300];
	snprintf(path, sizeof(path), "%s/server.jsonl", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"t\":1.5,\"event\":\"app\",\"role\":\"server\",\"what\":\"eof\",\"bytes\":10,"
	      "\"hash\":\"00\"}\n"
	      "{\"t\":2.5,\"rel\":1.0,\"event\":\"stats\",\"drops\":{\"tcp-paws\":1}}\n"
	      "{\"t\":3.5,\"event\":\"counters\",\"role\":\"server\",\"TcpExtPAWSEstab\":1,"
	      "\"TcpExtTW\":0}\n"
	      "{\"t\":4.5,\"event\":\"app\",\"role\":\"server\",\"what\":\"exit\",\"status\":0}\n",
	      f);
	fclose(f);
	struct app_record a;
	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(app_events_read_jsonl(&a, path), 0);
	ck_assert_uint_eq(a.n_events, 2);
	ck_assert(a.has_counters);
	ck_assert_uint_eq(a.n_counters, 2);
	ck_assert_uint_eq(app_record_counter(&a, "TcpExtPAWSEstab")->value, 1);
	ck_assert_uint_eq(app_record_counter(&a, "TcpExtTW")->value, 0);
	ck_assert_ptr_null(app_record_counter(&a, "t"));
	ck_assert_ptr_null(app_record_counter(&a, "bytes"));
	free(a.events);
	free(a.counters);
	unlink(path);
	rmdir(dir);
}
END_TEST

int main(void)
{
	use_project_pairings();
	Suite *s = suite_create("scenario_counts");
	TCase *tc = tcase_create("counts");
	tcase_add_test(tc, test_a_counts_line_names_the_counter_the_comparison_and_the_number);
	tcase_add_test(tc, test_a_malformed_counts_line_says_its_line_and_the_fix);
	tcase_add_test(tc, test_each_end_reads_its_own_member_and_lwip_skips_with_the_reason);
	tcase_add_test(tc, test_the_judge_passes_a_count_that_holds_and_names_one_that_does_not);
	tcase_add_test(tc, test_a_missing_counters_record_or_member_fails_with_what_is_missing);
	tcase_add_test(tc, test_the_counters_record_is_read_from_json_lines);
	suite_add_tcase(s, tc);
	return synfin_run_suite(s);
}
