/* What a shrink writes: the trial journal (the decisions left out become passes), the exact
 * rules of the decisions kept, which the rule parser must take as written, and the case
 * rewritten to take its faults from those rules with every other line where it was. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/tcp_flags.h"
#include "rules/rule.h"
#include "shrink_rules.h"
#include "test_support.h"

#define C RULE_DIR_FROM_CLIENT
#define S RULE_DIR_FROM_SERVER
#define PA (TCPF_PSH | TCPF_ACK)

/* Three requests of 1000 bytes, the second lost once and resent, the server's ACKs, and the
 * server's FIN held 300 ms. */
static struct journal_entry conversation[] = {
    {{1, C, TCPF_SYN, 0, 0, 0, 1, 0}, RULE_PASS, 0, 0, 0, "", "", 0},
    {{1, C, PA, 1, 1, 1000, 1, 0}, RULE_PASS, 0, 0, 0, "", "", 0},
    {{1, S, TCPF_ACK, 1, 1001, 0, 0, 0}, RULE_PASS, 0, 0, 0, "", "", 0},
    {{1, C, PA, 1001, 1, 1000, 1, 0}, RULE_DROP, 0, 1, 6, "lossy.rules", "loss", 0},
    {{1, C, PA, 2001, 1, 1000, 1, 0}, RULE_DROP, 0, 1, 6, "lossy.rules", "loss", 0},
    {{1, C, PA, 1001, 1, 1000, 2, 0}, RULE_PASS, 0, 0, 0, "", "", 0},
    {{1, S, TCPF_FIN | TCPF_ACK, 1, 3001, 0, 1, 0}, RULE_DELAY, 300000, 2, 7, "lossy.rules", "", 0},
};

static struct journal journal_of(struct journal_entry *e, size_t n)
{
	struct journal j;
	memset(&j, 0, sizeof(j));
	j.seed = 3;
	snprintf(j.rules, sizeof(j.rules), "lossy.rules");
	j.entries = e;
	j.n = n;
	return j;
}

START_TEST(test_the_decisions_are_the_drops_and_delays_in_order)
{
	struct journal j = journal_of(conversation, 7);
	size_t idx[7];
	ck_assert_uint_eq(shrink_decisions(&j, idx), 3);
	ck_assert_uint_eq(idx[0], 3);
	ck_assert_uint_eq(idx[1], 4);
	ck_assert_uint_eq(idx[2], 6);
}
END_TEST

/* A journal with another action is refused, whichever decision it is. */
START_TEST(test_a_journal_with_another_action_is_named_by_its_first_such_decision)
{
	static struct journal_entry e[7];
	memcpy(e, conversation, sizeof(e));
	struct journal j = journal_of(e, 7);
	ck_assert_ptr_null(shrink_other_action(&j));
	e[5].action = RULE_REORDER;
	e[2].action = RULE_DUPLICATE;
	ck_assert_ptr_eq(shrink_other_action(&j), &e[2]);
	size_t idx[7];
	ck_assert_uint_eq(shrink_decisions(&j, idx), 3);
}
END_TEST

START_TEST(test_a_decision_left_out_is_replayed_as_a_pass_by_no_rule)
{
	struct journal j = journal_of(conversation, 7);
	size_t idx[7];
	size_t n = shrink_decisions(&j, idx);
	bool keep[] = {false, true, false};
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	shrink_write_journal(f, &j, idx, keep, n);
	fclose(f);
	/* the head, then the 7 decisions; read back, only the second drop is left */
	struct journal_entry e;
	uint64_t seed = 0;
	char rules[64], why[200];
	const char *line = text;
	int verdicts[7], i = -1;
	while (*line) {
		char buf[600];
		size_t len = strcspn(line, "\n");
		memcpy(buf, line, len);
		buf[len] = '\0';
		int r = journal_parse_line(buf, &e, &seed, rules, sizeof(rules), why, sizeof(why));
		ck_assert_msg(r >= 0, "%s: %s", buf, why);
		if (i >= 0)
			verdicts[i] = (int)e.action;
		if (i >= 0 && i != 4)
			ck_assert_uint_eq(e.rule, 0);
		i++;
		line += len + (line[len] == '\n');
	}
	ck_assert_int_eq(i, 7);
	ck_assert_uint_eq(seed, 3);
	int want[] = {RULE_PASS, RULE_PASS, RULE_PASS, RULE_PASS, RULE_DROP, RULE_PASS, RULE_PASS};
	for (int k = 0; k < 7; k++)
		ck_assert_int_eq(verdicts[k], want[k]);
	free(text);
}
END_TEST

static const char *rule_of(size_t k)
{
	static char buf[200];
	struct journal j = journal_of(conversation, 7);
	ck_assert_uint_eq(shrink_rule_text(&j, k, buf, sizeof(buf)), strlen(buf));
	return buf;
}

START_TEST(test_an_exact_rule_counts_its_segment_among_those_it_selects)
{
	/* the second original request of 1000 bytes; the third is the third */
	ck_assert_str_eq(rule_of(3), "drop [P.] from client len 1000 attempt 1 conn 1 nth 2");
	ck_assert_str_eq(rule_of(4), "drop [P.] from client len 1000 attempt 1 conn 1 nth 3");
	ck_assert_str_eq(rule_of(6), "delay 300ms [F.] from server len 0 attempt 1 conn 1 nth 1");
}
END_TEST

START_TEST(test_a_segment_without_sequence_space_is_counted_whatever_its_attempt)
{
	ck_assert_str_eq(rule_of(2), "pass [.] from server len 0 conn 1 nth 1");
}
END_TEST

START_TEST(test_the_rule_parser_takes_every_exact_rule_as_written)
{
	char text[1024] = "";
	for (size_t k = 0; k < 7; k++) {
		strcat(text, rule_of(k));
		strcat(text, "\n");
	}
	struct ruleset rs;
	struct rule_error err;
	ck_assert_msg(ruleset_parse_string(&rs, "shrunk.rules", text, &err) == 0, "%s: %s",
	              err.text, err.msg);
	ck_assert_uint_eq(rs.n_rules, 7);
	const struct rule *r = &rs.rules[4];
	ck_assert_int_eq(r->action, RULE_DROP);
	ck_assert_int_eq(r->dir, RULE_DIR_FROM_CLIENT);
	ck_assert(r->flags_exact);
	ck_assert_uint_eq(r->flags_set, PA);
	ck_assert_uint_eq(r->len_min, 1000);
	ck_assert_uint_eq(r->attempt_min, 1);
	ck_assert_uint_eq(r->attempt_max, 1);
	ck_assert_uint_eq(r->conn_no, 1);
	ck_assert_uint_eq(r->count_n, 3);
	ck_assert_int_eq(rs.rules[6].action, RULE_DELAY);
	ck_assert_uint_eq(rs.rules[6].delay_us, 300000);
	ruleset_free(&rs);
}
END_TEST

START_TEST(test_a_decision_is_said_with_the_rule_that_made_it)
{
	char buf[300];
	shrink_decision_text(&conversation[4], buf, sizeof(buf));
	ck_assert_str_eq(buf, "conn 1 c2s [P.] seq 2001 ack 1 len 1000 attempt 1: drop "
	                      "(rule lossy.rules:6 @loss)");
	shrink_decision_text(&conversation[6], buf, sizeof(buf));
	ck_assert_str_eq(buf, "conn 1 s2c [F.] seq 1 ack 3001 len 0 attempt 1: delay 300000 us "
	                      "(rule lossy.rules:7)");
}
END_TEST

START_TEST(test_the_case_takes_its_faults_from_the_rule_file_line_for_line)
{
	const char *scn = "# lossy\n"
	                  "rule @loss drop len >0 from client chance 30%\n"
	                  "when linux-linux\n"
	                  "  rule delay 5ms [S]\n"
	                  "end\n"
	                  "rules more.rules\n"
	                  "\n"
	                  "c>s [S] seq 0\n";
	char *out = shrink_scenario_text(scn, "shrunk.rules");
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, "# lossy\n"
	                      "rules shrunk.rules\n"
	                      "when linux-linux\n"
	                      "\n"
	                      "end\n"
	                      "\n"
	                      "\n"
	                      "c>s [S] seq 0\n");
	free(out);
}
END_TEST

START_TEST(test_rules_only_in_a_when_block_put_the_file_on_a_comment_line)
{
	const char *scn = "when linux-linux\n rule drop [S]\nend\n# the conversation\nc>s [S]\n";
	char *out = shrink_scenario_text(scn, "x.rules");
	ck_assert_str_eq(out, "when linux-linux\n\nend\nrules x.rules\nc>s [S]\n");
	free(out);
	errno = 0;
	ck_assert_ptr_null(shrink_scenario_text("c>s [S]\n", "x.rules"));
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(test_a_failure_is_known_by_its_expectation_line_not_its_segment)
{
	char key[200];
	shrink_failure_key("line 52 (c>s [P?.] seq 18001:19001 ack 1 passed) against segment 40 "
	                   "(c>s [P.] seq 18001:19001 ack 1 +0.100s dropped): it was dropped, "
	                   "expected passed",
	                   key, sizeof(key));
	ck_assert_str_eq(key, "line 52 (c>s [P?.] seq 18001:19001 ack 1 passed)");
	shrink_failure_key("line 9 (s>c [F.] seq 1 ack 2): the trace ended without it", key,
	                   sizeof(key));
	ck_assert_str_eq(key, "line 9 (s>c [F.] seq 1 ack 2)");
	shrink_failure_key("client: exit ETIMEDOUT at 3.1 s, expected ok", key, sizeof(key));
	ck_assert_str_eq(key, "client: exit ETIMEDOUT at");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shrink_rules");
	TCase *tc = tcase_create("shrink_rules");
	tcase_add_test(tc, test_the_decisions_are_the_drops_and_delays_in_order);
	tcase_add_test(tc, test_a_journal_with_another_action_is_named_by_its_first_such_decision);
	tcase_add_test(tc, test_a_decision_left_out_is_replayed_as_a_pass_by_no_rule);
	tcase_add_test(tc, test_an_exact_rule_counts_its_segment_among_those_it_selects);
	tcase_add_test(tc, test_a_segment_without_sequence_space_is_counted_whatever_its_attempt);
	tcase_add_test(tc, test_the_rule_parser_takes_every_exact_rule_as_written);
	tcase_add_test(tc, test_a_decision_is_said_with_the_rule_that_made_it);
	tcase_add_test(tc, test_the_case_takes_its_faults_from_the_rule_file_line_for_line);
	tcase_add_test(tc, test_rules_only_in_a_when_block_put_the_file_on_a_comment_line);
	tcase_add_test(tc, test_a_failure_is_known_by_its_expectation_line_not_its_segment);
	suite_add_tcase(s, tc);
	return synfin_run_suite(s);
}
