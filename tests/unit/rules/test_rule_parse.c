/* test_rule_parse.c: the rule language: actions with their arguments, matches, counts, chances,
 * comments (rules/README.md). Errors and rule files are test_rule_parse_errors.c's. */
#include "rule_parse_fixture.h"
#include "rules/rule.h"
#include "test_support.h"
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

START_TEST(test_rewriting_actions_parse_with_their_arguments)
{
	const struct rule *r = one_rule("set win 0 from server");
	ck_assert_int_eq(r->action, RULE_SET);
	ck_assert_int_eq(r->set_field, RULE_SET_WIN);
	ck_assert_uint_eq(r->set_value, 0);
	ck_assert_int_eq(r->dir, RULE_DIR_FROM_SERVER);
	ruleset_free(&rs);
	r = one_rule("set mss 0x218 [S]");
	ck_assert_int_eq(r->set_field, RULE_SET_MSS);
	ck_assert_uint_eq(r->set_value, 536);
	ck_assert_uint_eq(r->flags_set, TCPF_SYN);
	ruleset_free(&rs);
	static const char *const strips[] = {"sack", "ts", "wscale", "mss"};
	for (int k = 0; k < 4; k++) {
		char text[64];
		snprintf(text, sizeof(text), "strip %s [S] from client", strips[k]);
		r = one_rule(text);
		ck_assert_int_eq(r->action, RULE_STRIP);
		ck_assert_int_eq(r->strip, (enum rule_strip_option)k);
		ruleset_free(&rs);
	}
	r = one_rule("corrupt");
	ck_assert_int_eq(r->action, RULE_CORRUPT);
	ck_assert_int_eq(r->corrupt, RULE_CORRUPT_ANY);
	ck_assert(!r->corrupt_fixed);
	ck_assert_uint_eq(r->len_min, 0);
	ruleset_free(&rs);
	/* payload: only segments that carry some */
	r = one_rule("corrupt payload checksum fixed from client nth 3");
	ck_assert_int_eq(r->corrupt, RULE_CORRUPT_PAYLOAD);
	ck_assert(r->corrupt_fixed);
	ck_assert_uint_eq(r->len_min, 1);
	ck_assert_uint_eq(r->count_n, 3);
	ruleset_free(&rs);
	r = one_rule("corrupt checksum bad header [S]");
	ck_assert_int_eq(r->corrupt, RULE_CORRUPT_HEADER);
	ck_assert(!r->corrupt_fixed);
}
END_TEST

START_TEST(test_injecting_actions_parse_with_their_arguments)
{
	const struct rule *r = one_rule("duplicate [S]");
	ck_assert_int_eq(r->action, RULE_DUPLICATE);
	ck_assert_uint_eq(r->dup_copies, 1);
	ck_assert_uint_eq(r->dup_gap_us, 0);
	ruleset_free(&rs);
	r = one_rule("duplicate 3 gap 10ms fin from client");
	ck_assert_uint_eq(r->dup_copies, 3);
	ck_assert_uint_eq(r->dup_gap_us, 10000);
	ck_assert_uint_eq(r->flags_set, TCPF_FIN);
	ruleset_free(&rs);
	r = one_rule("duplicate 2nd [S]");
	ck_assert_uint_eq(r->dup_copies, 1);
	ck_assert_int_eq(r->count, RULE_COUNT_NTH);
	ck_assert_uint_eq(r->count_n, 2);
	ruleset_free(&rs);
	r = one_rule("reset");
	ck_assert_int_eq(r->action, RULE_RESET);
	ck_assert_int_eq(r->reset_to, RULE_RESET_TO_RECEIVER);
	ck_assert(!r->reset_in_window && !r->reset_keep);
	ck_assert(rule_selects_by_state(r)); /* it follows what the receiver acknowledged */
	ruleset_free(&rs);
	r = one_rule("reset to sender in-window keep from client len >0 nth 2");
	ck_assert_int_eq(r->reset_to, RULE_RESET_TO_SENDER);
	ck_assert(r->reset_in_window && r->reset_keep);
	ck_assert_uint_eq(r->count_n, 2);
	ruleset_free(&rs);
	r = one_rule("reorder 3");
	ck_assert_int_eq(r->action, RULE_REORDER);
	ck_assert_uint_eq(r->reorder_after, 3);
	ck_assert_uint_eq(r->reorder_quiet_us, RULE_REORDER_QUIET_DEFAULT_US);
	ruleset_free(&rs);
	r = one_rule("reorder 1 quiet 50ms from client len >0 2nd");
	ck_assert_uint_eq(r->reorder_after, 1);
	ck_assert_uint_eq(r->reorder_quiet_us, 50000);
	ck_assert_uint_eq(r->len_min, 1);
	ck_assert_uint_eq(r->count_n, 2);
	ruleset_free(&rs);
	r = one_rule("rate 1mbit");
	ck_assert_int_eq(r->action, RULE_RATE);
	ck_assert_uint_eq(r->rate_bps, 1000000);
	ck_assert_uint_eq(r->rate_queue, RULE_RATE_QUEUE_DEFAULT);
	ck_assert_uint_eq(r->rate_queue_us, 0);
	ruleset_free(&rs);
	r = one_rule("rate 500kbit queue 20 from server");
	ck_assert_uint_eq(r->rate_bps, 500000);
	ck_assert_uint_eq(r->rate_queue, 20);
	ck_assert_int_eq(r->dir, RULE_DIR_FROM_SERVER);
	ruleset_free(&rs);
	r = one_rule("rate 2.5Mbit queue 50ms");
	ck_assert_uint_eq(r->rate_bps, 2500000);
	ck_assert_uint_eq(r->rate_queue_us, 50000);
	ruleset_free(&rs);
	r = one_rule("rate 64000 len >0");
	ck_assert_uint_eq(r->rate_bps, 64000);
	ck_assert_uint_eq(r->len_min, 1);
	ruleset_free(&rs);
	r = one_rule("rate 10gbit");
	ck_assert_uint_eq(r->rate_bps, 10000000000ull);
	ruleset_free(&rs);
	r = one_rule("reset both exact");
	ck_assert_int_eq(r->reset_to, RULE_RESET_BOTH);
	ck_assert(!r->reset_in_window);
}
END_TEST

START_TEST(test_actions_pass_drop_delay_parse)
{
	ck_assert_int_eq(one_rule("pass")->action, RULE_PASS);
	ruleset_free(&rs);
	ck_assert_int_eq(one_rule("drop")->action, RULE_DROP);
	ruleset_free(&rs);
	const struct rule *r = one_rule("delay 300ms");
	ck_assert_int_eq(r->action, RULE_DELAY);
	ck_assert_uint_eq(r->delay_us, 300000);
	ck_assert_uint_eq(r->jitter_us, 0);
}
END_TEST

/* The one duration grammar (common/duration.h): what the other languages took, the rule
 * language takes too: minutes, exponents, a bare 0, rounding to the microsecond. */
START_TEST(test_durations_in_us_ms_and_s_with_fractions)
{
	static const struct {
		const char *text;
		uint32_t us;
	} cases[] = {
	    {"delay 250us", 250},        {"delay 300ms", 300000},      {"delay 1s", 1000000},
	    {"delay 1.5s", 1500000},     {"delay 0.25ms", 250},        {"delay 0ms", 0},
	    {"delay 1000s", 1000000000}, {"delay 2.000001s", 2000001}, {"delay 2m", 120000000},
	    {"delay 1e3ms", 1000000},    {"delay .5s", 500000},        {"delay 0", 0},
	    {"delay 0.5us", 1},          {"delay 1.s", 1000000},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(one_rule(cases[i].text)->delay_us == cases[i].us, "%s",
		              cases[i].text);
		ruleset_free(&rs);
	}
}
END_TEST

START_TEST(test_delay_with_jitter_parses_both_durations)
{
	const struct rule *r = one_rule("delay 50ms jitter 10ms");
	ck_assert_uint_eq(r->delay_us, 50000);
	ck_assert_uint_eq(r->jitter_us, 10000);
	ck_assert_int_eq(r->dir, RULE_DIR_ANY);
	ck_assert(!r->flags_exact);
	ck_assert_uint_eq(r->flags_set | r->flags_clear, 0);
	ruleset_free(&rs);
	/* jitter equal to the delay still never goes below 0 */
	ck_assert_uint_eq(one_rule("delay 5ms jitter 5ms")->jitter_us, 5000);
}
END_TEST

START_TEST(test_design_sketch_examples_parse)
{
	const char *text = "drop  [S] from client  first 2\n"
	                   "delay 300ms  fin from server\n"
	                   "delay 50ms jitter 10ms\n";
	ck_assert_int_eq(ruleset_parse_string(&rs, "design", text, &err), 0);
	ck_assert_uint_eq(rs.n_rules, 3);
	const struct rule *r = &rs.rules[0];
	ck_assert_int_eq(r->action, RULE_DROP);
	ck_assert(r->flags_exact);
	ck_assert_uint_eq(r->flags_set, TCPF_SYN);
	ck_assert_int_eq(r->dir, RULE_DIR_FROM_CLIENT);
	ck_assert_int_eq(r->count, RULE_COUNT_FIRST);
	ck_assert_uint_eq(r->count_n, 2);
	r = &rs.rules[1];
	ck_assert_int_eq(r->action, RULE_DELAY);
	ck_assert_uint_eq(r->delay_us, 300000);
	ck_assert(!r->flags_exact);
	ck_assert_uint_eq(r->flags_set, TCPF_FIN);
	ck_assert_uint_eq(r->flags_clear, 0);
	ck_assert_int_eq(r->dir, RULE_DIR_FROM_SERVER);
	ck_assert_int_eq(r->count, RULE_COUNT_ALL);
	r = &rs.rules[2];
	ck_assert_uint_eq(r->delay_us, 50000);
	ck_assert_uint_eq(r->jitter_us, 10000);
}
END_TEST

START_TEST(test_rule_without_matches_has_match_everything_defaults)
{
	const struct rule *r = one_rule("drop");
	ck_assert_int_eq(r->dir, RULE_DIR_ANY);
	ck_assert(!r->flags_exact);
	ck_assert_uint_eq(r->flags_set, 0);
	ck_assert_uint_eq(r->flags_clear, 0);
	ck_assert_uint_eq(r->len_min, 0);
	ck_assert_uint_eq(r->len_max, UINT32_MAX);
	ck_assert_uint_eq(r->sport, 0);
	ck_assert_uint_eq(r->dport, 0);
	ck_assert_uint_eq(r->port, 0);
	ck_assert_int_eq(r->count, RULE_COUNT_ALL);
	ck_assert(!r->has_chance);
	ck_assert_uint_eq(r->hits, 0);
}
END_TEST

START_TEST(test_direction_from_client_and_from_server)
{
	ck_assert_int_eq(one_rule("drop from client")->dir, RULE_DIR_FROM_CLIENT);
	ruleset_free(&rs);
	ck_assert_int_eq(one_rule("drop from server")->dir, RULE_DIR_FROM_SERVER);
}
END_TEST

START_TEST(test_exact_flag_sets_in_tcpdump_notation)
{
	static const struct {
		const char *text;
		uint8_t flags;
	} cases[] = {
	    {"drop [S]", TCPF_SYN},
	    {"drop [S.]", TCPF_SYN | TCPF_ACK},
	    {"drop [.]", TCPF_ACK},
	    {"drop [F.]", TCPF_FIN | TCPF_ACK},
	    {"drop [P.]", TCPF_PSH | TCPF_ACK},
	    {"drop [R]", TCPF_RST},
	    {"drop [R.]", TCPF_RST | TCPF_ACK},
	    {"drop [FP.]", TCPF_FIN | TCPF_PSH | TCPF_ACK},
	    {"drop [.PF]", TCPF_FIN | TCPF_PSH | TCPF_ACK},
	    {"drop [SEW]", TCPF_SYN | TCPF_ECE | TCPF_CWR},
	    {"drop [U.]", TCPF_URG | TCPF_ACK},
	    {"drop [FSRPUEW.]", 0xff},
	    {"drop [none]", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rule *r = one_rule(cases[i].text);
		ck_assert_msg(r->flags_exact, "%s", cases[i].text);
		ck_assert_msg(r->flags_set == cases[i].flags, "%s: 0x%02x", cases[i].text,
		              r->flags_set);
		ck_assert_uint_eq(r->flags_clear, 0);
		ruleset_free(&rs);
	}
}
END_TEST

START_TEST(test_flag_words_require_their_flag_set)
{
	static const struct {
		const char *word;
		uint8_t bit;
	} cases[] = {
	    {"syn", TCPF_SYN}, {"fin", TCPF_FIN}, {"rst", TCPF_RST}, {"psh", TCPF_PSH},
	    {"ack", TCPF_ACK}, {"urg", TCPF_URG}, {"ece", TCPF_ECE}, {"cwr", TCPF_CWR},
	};
	char text[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "drop %s", cases[i].word);
		const struct rule *r = one_rule(text);
		ck_assert(!r->flags_exact);
		ck_assert_uint_eq(r->flags_set, cases[i].bit);
		ck_assert_uint_eq(r->flags_clear, 0);
		ruleset_free(&rs);
		snprintf(text, sizeof(text), "drop !%s", cases[i].word);
		r = one_rule(text);
		ck_assert_uint_eq(r->flags_set, 0);
		ck_assert_uint_eq(r->flags_clear, cases[i].bit);
		ruleset_free(&rs);
	}
	const struct rule *r = one_rule("drop syn !ack psh");
	ck_assert_uint_eq(r->flags_set, TCPF_SYN | TCPF_PSH);
	ck_assert_uint_eq(r->flags_clear, TCPF_ACK);
}
END_TEST

START_TEST(test_pure_ack_means_ack_without_syn_fin_rst_or_payload)
{
	const struct rule *r = one_rule("delay 200ms pure-ack");
	ck_assert(!r->flags_exact);
	ck_assert_uint_eq(r->flags_set, TCPF_ACK);
	ck_assert_uint_eq(r->flags_clear, TCPF_SYN | TCPF_FIN | TCPF_RST);
	ck_assert_uint_eq(r->len_min, 0);
	ck_assert_uint_eq(r->len_max, 0);
	ruleset_free(&rs);
	/* other flag words add to it */
	r = one_rule("drop pure-ack !psh");
	ck_assert_uint_eq(r->flags_clear, TCPF_SYN | TCPF_FIN | TCPF_RST | TCPF_PSH);
}
END_TEST

START_TEST(test_len_forms_give_inclusive_ranges)
{
	static const struct {
		const char *text;
		uint32_t min, max;
	} cases[] = {
	    {"drop len 0", 0, 0},
	    {"drop len 536", 536, 536},
	    {"drop len >0", 1, UINT32_MAX},
	    {"drop len >=100", 100, UINT32_MAX},
	    {"drop len <10", 0, 9},
	    {"drop len <=40", 0, 40},
	    {"drop len 1-1460", 1, 1460},
	    {"drop len 7-7", 7, 7},
	    {"drop len 0-65535", 0, 65535},
	    {"drop len > 0", 1, UINT32_MAX},
	    {"drop len >= 100", 100, UINT32_MAX},
	    {"drop len <= 40 syn", 0, 40},
	    /* lengths are counts in the one count grammar (common/byte_count.h) */
	    {"drop len 1K", 1024, 1024},
	    {"drop len 0x10-2KB", 16, 2048},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rule *r = one_rule(cases[i].text);
		ck_assert_msg(r->len_min == cases[i].min && r->len_max == cases[i].max, "%s: %u-%u",
		              cases[i].text, r->len_min, r->len_max);
		ruleset_free(&rs);
	}
}
END_TEST

START_TEST(test_ports_sport_dport_and_either_end)
{
	const struct rule *r = one_rule("drop sport 80");
	ck_assert_uint_eq(r->sport, 80);
	ck_assert_uint_eq(r->dport, 0);
	ck_assert_uint_eq(r->port, 0);
	ruleset_free(&rs);
	r = one_rule("drop dport 65535");
	ck_assert_uint_eq(r->dport, 65535);
	ruleset_free(&rs);
	r = one_rule("drop port 1 sport 2 dport 3");
	ck_assert_uint_eq(r->port, 1);
	ck_assert_uint_eq(r->sport, 2);
	ck_assert_uint_eq(r->dport, 3);
}
END_TEST

START_TEST(test_counts_first_nth_after_once_and_ordinals)
{
	static const struct {
		const char *text;
		enum rule_count count;
		uint32_t n;
	} cases[] = {
	    {"drop first 2", RULE_COUNT_FIRST, 2},     {"drop nth 3", RULE_COUNT_NTH, 3},
	    {"drop after 4", RULE_COUNT_AFTER, 4},     {"drop once", RULE_COUNT_FIRST, 1},
	    {"drop 1st", RULE_COUNT_NTH, 1},           {"drop 2nd", RULE_COUNT_NTH, 2},
	    {"drop 3rd", RULE_COUNT_NTH, 3},           {"drop 4th", RULE_COUNT_NTH, 4},
	    {"drop 11th", RULE_COUNT_NTH, 11},         {"drop 12th", RULE_COUNT_NTH, 12},
	    {"drop 13th", RULE_COUNT_NTH, 13},         {"drop 21st", RULE_COUNT_NTH, 21},
	    {"drop 22nd", RULE_COUNT_NTH, 22},         {"drop 113th", RULE_COUNT_NTH, 113},
	    {"drop first 0x10", RULE_COUNT_FIRST, 16}, {"drop after 1K", RULE_COUNT_AFTER, 1024},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rule *r = one_rule(cases[i].text);
		ck_assert_msg(r->count == cases[i].count && r->count_n == cases[i].n, "%s",
		              cases[i].text);
		ruleset_free(&rs);
	}
}
END_TEST

START_TEST(test_chance_percentages_become_parts_per_million)
{
	static const struct {
		const char *text;
		uint32_t ppm;
	} cases[] = {
	    {"drop chance 1%", 10000},
	    {"drop chance 0.5%", 5000},
	    {"drop chance 0%", 0},
	    {"drop chance 100%", RULE_CHANCE_SCALE},
	    {"drop chance 100.0000%", 1000000},
	    {"drop chance 33.3333%", 333333},
	    {"drop chance 0.0001%", 1},
	    {"drop chance 12.25%", 122500},
	    {"drop chance 07%", 70000},
	    {"drop chance 0.50000000%", 5000},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rule *r = one_rule(cases[i].text);
		ck_assert_msg(r->has_chance, "%s", cases[i].text);
		ck_assert_msg(r->chance_ppm == cases[i].ppm, "%s: %u ppm", cases[i].text,
		              r->chance_ppm);
		ruleset_free(&rs);
	}
}
END_TEST

START_TEST(test_chance_combines_with_matches_count_and_jitter_in_any_order)
{
	const struct rule *r = one_rule("drop [.] len >0 from client chance 1%");
	ck_assert_int_eq(r->action, RULE_DROP);
	ck_assert(r->flags_exact);
	ck_assert_uint_eq(r->flags_set, TCPF_ACK);
	ck_assert_uint_eq(r->len_min, 1);
	ck_assert_int_eq(r->dir, RULE_DIR_FROM_CLIENT);
	ck_assert(r->has_chance);
	ck_assert_uint_eq(r->chance_ppm, 10000);
	ruleset_free(&rs);
	r = one_rule("delay 50ms jitter 10ms chance 2.5% first 5 fin");
	ck_assert_uint_eq(r->delay_us, 50000);
	ck_assert_uint_eq(r->jitter_us, 10000);
	ck_assert_uint_eq(r->chance_ppm, 25000);
	ck_assert_int_eq(r->count, RULE_COUNT_FIRST);
	ck_assert_uint_eq(r->count_n, 5);
	ck_assert_uint_eq(r->flags_set, TCPF_FIN);
	ck_assert_str_eq(r->text, "delay 50ms jitter 10ms chance 2.5% first 5 fin");
}
END_TEST

START_TEST(test_matches_and_count_come_in_any_order)
{
	const struct rule *r = one_rule("drop first 2 from client len 0 [S] dport 80");
	ck_assert_int_eq(r->count, RULE_COUNT_FIRST);
	ck_assert_uint_eq(r->count_n, 2);
	ck_assert_int_eq(r->dir, RULE_DIR_FROM_CLIENT);
	ck_assert_uint_eq(r->len_max, 0);
	ck_assert_uint_eq(r->flags_set, TCPF_SYN);
	ck_assert_uint_eq(r->dport, 80);
}
END_TEST

START_TEST(test_comments_blank_lines_and_crlf_are_skipped)
{
	const char *text = "# a comment\n"
	                   "\n"
	                   "   \t  \n"
	                   "drop [S]   # trailing comment\r\n"
	                   "\tdelay 1ms#no space needed\n"
	                   "pass";
	ck_assert_int_eq(ruleset_parse_string(&rs, "c.rules", text, &err), 0);
	ck_assert_uint_eq(rs.n_rules, 3);
	ck_assert_str_eq(rs.name, "c.rules");
	ck_assert_uint_eq(rs.rules[0].index, 1);
	ck_assert_uint_eq(rs.rules[0].line, 4);
	ck_assert_str_eq(rs.rules[0].text, "drop [S]");
	ck_assert_uint_eq(rs.rules[1].index, 2);
	ck_assert_uint_eq(rs.rules[1].line, 5);
	ck_assert_str_eq(rs.rules[1].text, "delay 1ms");
	ck_assert_uint_eq(rs.rules[2].index, 3);
	ck_assert_uint_eq(rs.rules[2].line, 6);
	ck_assert_str_eq(rs.rules[2].text, "pass");
}
END_TEST

START_TEST(test_empty_and_comment_only_texts_are_valid)
{
	ck_assert_int_eq(ruleset_parse_string(&rs, "empty", "", &err), 0);
	ck_assert_uint_eq(rs.n_rules, 0);
	ruleset_free(&rs);
	ck_assert_int_eq(ruleset_parse_string(&rs, "comments", "# nothing\n\n# at all\n", &err), 0);
	ck_assert_uint_eq(rs.n_rules, 0);
}
END_TEST

START_TEST(test_action_names_are_the_rule_file_words)
{
	ck_assert_str_eq(rule_action_name(RULE_PASS), "pass");
	ck_assert_str_eq(rule_action_name(RULE_DROP), "drop");
	ck_assert_str_eq(rule_action_name(RULE_DELAY), "delay");
	ck_assert_str_eq(rule_action_name(RULE_SET), "set");
	ck_assert_str_eq(rule_action_name(RULE_STRIP), "strip");
	ck_assert_str_eq(rule_action_name(RULE_CORRUPT), "corrupt");
	ck_assert_str_eq(rule_action_name(RULE_DUPLICATE), "duplicate");
	ck_assert_str_eq(rule_action_name(RULE_REORDER), "reorder");
	ck_assert_str_eq(rule_action_name(RULE_RATE), "rate");
	ck_assert_str_eq(rule_action_name(RULE_RESET), "reset");
}
END_TEST

static Suite *rule_parse_suite(void)
{
	Suite *s = suite_create("rule_parse");
	TCase *tc = tcase_create("language");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_actions_pass_drop_delay_parse);
	tcase_add_test(tc, test_rewriting_actions_parse_with_their_arguments);
	tcase_add_test(tc, test_injecting_actions_parse_with_their_arguments);
	tcase_add_test(tc, test_durations_in_us_ms_and_s_with_fractions);
	tcase_add_test(tc, test_delay_with_jitter_parses_both_durations);
	tcase_add_test(tc, test_design_sketch_examples_parse);
	tcase_add_test(tc, test_rule_without_matches_has_match_everything_defaults);
	tcase_add_test(tc, test_direction_from_client_and_from_server);
	tcase_add_test(tc, test_exact_flag_sets_in_tcpdump_notation);
	tcase_add_test(tc, test_flag_words_require_their_flag_set);
	tcase_add_test(tc, test_pure_ack_means_ack_without_syn_fin_rst_or_payload);
	tcase_add_test(tc, test_len_forms_give_inclusive_ranges);
	tcase_add_test(tc, test_ports_sport_dport_and_either_end);
	tcase_add_test(tc, test_counts_first_nth_after_once_and_ordinals);
	tcase_add_test(tc, test_chance_percentages_become_parts_per_million);
	tcase_add_test(tc, test_chance_combines_with_matches_count_and_jitter_in_any_order);
	tcase_add_test(tc, test_matches_and_count_come_in_any_order);
	tcase_add_test(tc, test_comments_blank_lines_and_crlf_are_skipped);
	tcase_add_test(tc, test_empty_and_comment_only_texts_are_valid);
	tcase_add_test(tc, test_action_names_are_the_rule_file_words);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(rule_parse_suite());
}
