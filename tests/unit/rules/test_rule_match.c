/* test_rule_match.c: which rule decides a segment - direction, flags, lengths, ports - and how
 * occurrences are counted (rule_match_fixture.h). Delays and chances are test_rule_chance.c's, the
 * connection table and what follows a connection test_rule_connections.c's. */
#include "rule_match_fixture.h"
#include "rules/rule.h"
#include "test_support.h"
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_segment_no_rule_matches_passes_without_rule)
{
	load("drop [S]");
	struct verdict v = decide(c2s(CPORT, ACK, 0));
	ck_assert_int_eq(v.action, RULE_PASS);
	ck_assert_uint_eq(v.delay_us, 0);
	ck_assert_ptr_null(v.rule);
	ck_assert_uint_eq(rs.rules[0].hits, 0);
}
END_TEST

START_TEST(test_empty_ruleset_passes_everything)
{
	load("# nothing\n");
	for (uint8_t f = 0; f < 0xff; f++)
		ck_assert_int_eq(act(c2s(CPORT, f, f)), RULE_PASS);
	matcher_free(m);
	m = matcher_new(NULL, CLIENT, 1);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_PASS);
}
END_TEST

START_TEST(test_verdict_points_at_the_deciding_rule)
{
	load("pass [.]\n# between\ndrop [S]\n");
	struct verdict v = decide(c2s(CPORT, SYN, 0));
	ck_assert_int_eq(v.action, RULE_DROP);
	ck_assert_ptr_eq(v.rule, &rs.rules[1]);
	ck_assert_uint_eq(v.rule->index, 2);
	ck_assert_uint_eq(v.rule->line, 3);
	ck_assert_str_eq(v.rule->text, "drop [S]");
	ck_assert_uint_eq(v.rule->hits, 1);
}
END_TEST

START_TEST(test_from_client_matches_only_segments_sent_by_the_client)
{
	load("drop from client");
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_DROP);
	ck_assert_int_eq(act(s2c(CPORT, SYNACK, 0)), RULE_PASS);
}
END_TEST

START_TEST(test_from_server_matches_only_segments_sent_to_the_client)
{
	load("drop from server");
	ck_assert_int_eq(act(s2c(CPORT, SYNACK, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_PASS);
}
END_TEST

START_TEST(test_segment_between_other_hosts_matches_no_direction)
{
	load("drop from client\ndelay 1ms from server\ndelay 2ms");
	struct verdict v = decide(seg(SERVER, 1, OTHER, 2, SYN, 0));
	ck_assert_int_eq(v.action, RULE_DELAY);
	ck_assert_uint_eq(v.delay_us, 2000);
}
END_TEST

START_TEST(test_client_address_comes_from_matcher_new)
{
	struct rule_error err;
	ck_assert_int_eq(ruleset_parse_string(&rs, "t", "drop from client", &err), 0);
	m = matcher_new(&rs, SERVER, 1); /* the other end plays the client */
	ck_assert_int_eq(act(s2c(CPORT, SYNACK, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_PASS);
}
END_TEST

START_TEST(test_exact_flag_set_compares_the_whole_flag_byte)
{
	load("drop [S]\ndelay 1ms [S.]\ndelay 2ms [F.]");
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, SYN | TCPF_ECE | TCPF_CWR, 0)), RULE_PASS);
	ck_assert_uint_eq(decide(s2c(CPORT, SYNACK, 0)).delay_us, 1000);
	ck_assert_uint_eq(decide(s2c(CPORT, FINACK, 0)).delay_us, 2000);
	ck_assert_int_eq(act(s2c(CPORT, FINACK | TCPF_PSH, 5)), RULE_PASS);
	ck_assert_int_eq(act(s2c(CPORT, TCPF_FIN, 0)), RULE_PASS);
}
END_TEST

START_TEST(test_none_flag_set_matches_only_a_segment_without_flags)
{
	load("drop [none]");
	ck_assert_int_eq(act(c2s(CPORT, 0, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, ACK, 0)), RULE_PASS);
}
END_TEST

START_TEST(test_flag_word_matches_any_segment_carrying_that_flag)
{
	load("drop fin");
	ck_assert_int_eq(act(s2c(CPORT, FINACK, 0)), RULE_DROP);
	ck_assert_int_eq(act(s2c(CPORT, FINACK | TCPF_PSH, 10)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, TCPF_FIN, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, ACK, 0)), RULE_PASS);
}
END_TEST

START_TEST(test_negated_flag_word_requires_the_flag_clear)
{
	load("drop syn !ack");
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_DROP);
	ck_assert_int_eq(act(s2c(CPORT, SYNACK, 0)), RULE_PASS);
	ck_assert_int_eq(act(c2s(CPORT, ACK, 0)), RULE_PASS);
}
END_TEST

START_TEST(test_pure_ack_matches_bare_acknowledgments_only)
{
	load("drop pure-ack");
	ck_assert_int_eq(act(c2s(CPORT, ACK, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, PSHACK, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, ACK | TCPF_ECE, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, ACK, 1)), RULE_PASS);
	ck_assert_int_eq(act(c2s(CPORT, SYNACK, 0)), RULE_PASS);
	ck_assert_int_eq(act(c2s(CPORT, FINACK, 0)), RULE_PASS);
	ck_assert_int_eq(act(c2s(CPORT, TCPF_RST | ACK, 0)), RULE_PASS);
	ck_assert_int_eq(act(c2s(CPORT, TCPF_RST, 0)), RULE_PASS);
}
END_TEST

START_TEST(test_len_ranges_are_inclusive)
{
	load("drop len 1-1460");
	ck_assert_int_eq(act(c2s(CPORT, PSHACK, 0)), RULE_PASS);
	ck_assert_int_eq(act(c2s(CPORT, PSHACK, 1)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, PSHACK, 1460)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, PSHACK, 1461)), RULE_PASS);
	teardown();
	load("drop len >0");
	ck_assert_int_eq(act(c2s(CPORT, ACK, 0)), RULE_PASS);
	ck_assert_int_eq(act(c2s(CPORT, ACK, 1)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, ACK, 65535)), RULE_DROP);
	teardown();
	load("drop len 0");
	ck_assert_int_eq(act(c2s(CPORT, ACK, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, ACK, 1)), RULE_PASS);
	teardown();
	load("drop len >=100\ndelay 1ms len <=40");
	ck_assert_int_eq(act(c2s(CPORT, ACK, 99)), RULE_PASS);
	ck_assert_int_eq(act(c2s(CPORT, ACK, 100)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, ACK, 40)), RULE_DELAY);
	ck_assert_int_eq(act(c2s(CPORT, ACK, 41)), RULE_PASS);
}
END_TEST

START_TEST(test_ports_match_source_destination_or_either_end)
{
	load("drop sport 80\ndelay 1ms dport 80\ndelay 2ms port 5000");
	ck_assert_int_eq(act(s2c(CPORT, ACK, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, ACK, 0)), RULE_DELAY);
	ck_assert_uint_eq(decide(seg(CLIENT, 5000, SERVER, 22, ACK, 0)).delay_us, 2000);
	ck_assert_uint_eq(decide(seg(SERVER, 22, CLIENT, 5000, ACK, 0)).delay_us, 2000);
	ck_assert_int_eq(act(seg(SERVER, 22, CLIENT, 5001, ACK, 0)), RULE_PASS);
}
END_TEST

START_TEST(test_all_matches_must_hold)
{
	load("drop [S] from client len 0 dport 80");
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, SYN, 1)), RULE_PASS);
	ck_assert_int_eq(act(seg(CLIENT, CPORT, SERVER, 81, SYN, 0)), RULE_PASS);
	ck_assert_int_eq(act(seg(SERVER, CPORT, CLIENT, 80, SYN, 0)), RULE_PASS);
}
END_TEST

START_TEST(test_first_n_acts_on_the_first_n_of_a_connection)
{
	load("drop [S] from client first 2");
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_PASS);
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_PASS);
	ck_assert_uint_eq(rs.rules[0].hits, 2);
}
END_TEST

START_TEST(test_nth_acts_only_on_the_nth)
{
	load("drop [S] nth 3");
	for (int i = 1; i <= 6; i++)
		ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), i == 3 ? RULE_DROP : RULE_PASS);
	ck_assert_uint_eq(rs.rules[0].hits, 1);
}
END_TEST

START_TEST(test_after_n_acts_on_every_one_after_the_first_n)
{
	load("drop [.] after 2");
	for (int i = 1; i <= 6; i++)
		ck_assert_int_eq(act(c2s(CPORT, ACK, 0)), i > 2 ? RULE_DROP : RULE_PASS);
	ck_assert_uint_eq(rs.rules[0].hits, 4);
}
END_TEST

START_TEST(test_count_only_counts_segments_the_matches_select)
{
	load("drop [S] nth 2");
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_PASS);
	/* other segments of the same connection do not advance the count */
	ck_assert_int_eq(act(s2c(CPORT, SYNACK, 0)), RULE_PASS);
	ck_assert_int_eq(act(c2s(CPORT, ACK, 0)), RULE_PASS);
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_DROP);
}
END_TEST

START_TEST(test_connections_are_counted_separately)
{
	load("drop [S] first 1");
	ck_assert_int_eq(act(c2s(40000, SYN, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(40001, SYN, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(40000, SYN, 0)), RULE_PASS);
	ck_assert_int_eq(act(c2s(40001, SYN, 0)), RULE_PASS);
	/* same ports, other peer: another connection */
	ck_assert_int_eq(act(seg(CLIENT, 40000, OTHER, SPORT, SYN, 0)), RULE_DROP);
	ck_assert_uint_eq(matcher_connections(m), 3);
}
END_TEST

START_TEST(test_both_directions_share_one_count)
{
	load("drop fin first 1");
	/* the client closes first: its FIN is dropped, the server's passes */
	ck_assert_int_eq(act(c2s(40000, FINACK, 0)), RULE_DROP);
	ck_assert_int_eq(act(s2c(40000, FINACK, 0)), RULE_PASS);
	ck_assert_int_eq(act(c2s(40000, FINACK, 0)), RULE_PASS);
	/* another connection where the server closes first */
	ck_assert_int_eq(act(s2c(40001, FINACK, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(40001, FINACK, 0)), RULE_PASS);
	ck_assert_uint_eq(matcher_connections(m), 2);
}
END_TEST

START_TEST(test_first_match_wins)
{
	load("delay 10ms syn\ndrop syn\ndrop");
	struct verdict v = decide(c2s(CPORT, SYN, 0));
	ck_assert_int_eq(v.action, RULE_DELAY);
	ck_assert_uint_eq(v.delay_us, 10000);
	ck_assert_uint_eq(rs.rules[0].hits, 1);
	ck_assert_uint_eq(rs.rules[1].hits, 0);
	ck_assert_int_eq(act(c2s(CPORT, ACK, 0)), RULE_DROP);
	ck_assert_uint_eq(rs.rules[2].hits, 1);
}
END_TEST

START_TEST(test_next_rule_decides_once_a_count_is_used_up)
{
	load("drop [S] first 2\ndelay 5ms [S]");
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_DELAY);
	ck_assert_uint_eq(rs.rules[0].hits, 2);
	ck_assert_uint_eq(rs.rules[1].hits, 1);
}
END_TEST

START_TEST(test_rule_counts_segments_an_earlier_rule_took)
{
	/* "nth 2" is the second SYN of the connection, even though rule 1 decided the first */
	load("pass [S] nth 1\ndrop [S] nth 2");
	ck_assert_ptr_eq(decide(c2s(CPORT, SYN, 0)).rule, &rs.rules[0]);
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_DROP);
	struct verdict v = decide(c2s(CPORT, SYN, 0));
	ck_assert_int_eq(v.action, RULE_PASS);
	ck_assert_ptr_null(v.rule);
}
END_TEST

START_TEST(test_pass_rule_shields_segments_from_later_rules)
{
	load("pass from server\ndrop");
	ck_assert_int_eq(act(s2c(CPORT, SYNACK, 0)), RULE_PASS);
	ck_assert_uint_eq(rs.rules[0].hits, 1);
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_DROP);
}
END_TEST

START_TEST(test_hits_count_applied_actions_only)
{
	load("drop [S] first 1\ndelay 1ms fin");
	act(c2s(CPORT, SYN, 0));
	act(c2s(CPORT, SYN, 0));
	act(c2s(CPORT, SYN, 0));
	act(c2s(CPORT, FINACK, 0));
	act(s2c(CPORT, FINACK, 0));
	ck_assert_uint_eq(rs.rules[0].hits, 1);
	ck_assert_uint_eq(rs.rules[1].hits, 2);
}
END_TEST

START_TEST(test_set_rules_starts_counting_over)
{
	load("drop [S] first 1");
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_PASS);
	matcher_set_rules(m, &rs);
	ck_assert_uint_eq(matcher_connections(m), 0);
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_PASS);
}
END_TEST

START_TEST(test_set_rules_swaps_in_the_new_rules)
{
	load("drop [S] first 1");
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_DROP);
	struct ruleset next;
	struct rule_error err;
	ck_assert_int_eq(ruleset_parse_string(&next, "next", "delay 1ms [S] nth 2\ndrop fin", &err),
	                 0);
	matcher_set_rules(m, &next);
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_PASS);
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_DELAY);
	ck_assert_int_eq(act(c2s(CPORT, FINACK, 0)), RULE_DROP);
	ck_assert_uint_eq(rs.rules[0].hits, 1); /* the old rules are left alone */
	matcher_set_rules(m, &rs);
	ruleset_free(&next);
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_DROP);
}
END_TEST

START_TEST(test_new_connection_on_a_reused_tuple_is_counted_afresh)
{
	load("drop [S] first 1");
	struct segment syn = c2s(CPORT, SYN, 0);
	syn.seq = 100;
	ck_assert_int_eq(act(syn), RULE_DROP);
	ck_assert_int_eq(act(syn), RULE_PASS); /* a retransmission: same ISN */
	syn.seq = 900000;                      /* a new connect() from the same port */
	ck_assert_int_eq(act(syn), RULE_DROP);
	ck_assert_int_eq(act(syn), RULE_PASS);
}
END_TEST

START_TEST(test_new_connection_on_a_reused_tuple_restarts_every_count)
{
	/* the count is of FINs, but the new connection shows itself by its SYN */
	load("drop fin first 1");
	struct segment syn = c2s(CPORT, SYN, 0);
	syn.seq = 100;
	ck_assert_int_eq(act(syn), RULE_PASS);
	ck_assert_int_eq(act(c2s(CPORT, FINACK, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(CPORT, FINACK, 0)), RULE_PASS);
	ck_assert_int_eq(act(syn), RULE_PASS); /* a late retransmission changes nothing */
	ck_assert_int_eq(act(c2s(CPORT, FINACK, 0)), RULE_PASS);
	syn.seq = 900000;
	ck_assert_int_eq(act(syn), RULE_PASS);
	ck_assert_int_eq(act(s2c(CPORT, FINACK, 0)), RULE_DROP);
}
END_TEST

static Suite *rule_match_suite(void)
{
	Suite *s = suite_create("rule_match");
	TCase *tc = tcase_create("matches");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_segment_no_rule_matches_passes_without_rule);
	tcase_add_test(tc, test_empty_ruleset_passes_everything);
	tcase_add_test(tc, test_verdict_points_at_the_deciding_rule);
	tcase_add_test(tc, test_from_client_matches_only_segments_sent_by_the_client);
	tcase_add_test(tc, test_from_server_matches_only_segments_sent_to_the_client);
	tcase_add_test(tc, test_segment_between_other_hosts_matches_no_direction);
	tcase_add_test(tc, test_client_address_comes_from_matcher_new);
	tcase_add_test(tc, test_exact_flag_set_compares_the_whole_flag_byte);
	tcase_add_test(tc, test_none_flag_set_matches_only_a_segment_without_flags);
	tcase_add_test(tc, test_flag_word_matches_any_segment_carrying_that_flag);
	tcase_add_test(tc, test_negated_flag_word_requires_the_flag_clear);
	tcase_add_test(tc, test_pure_ack_matches_bare_acknowledgments_only);
	tcase_add_test(tc, test_len_ranges_are_inclusive);
	tcase_add_test(tc, test_ports_match_source_destination_or_either_end);
	tcase_add_test(tc, test_all_matches_must_hold);
	suite_add_tcase(s, tc);

	TCase *tc1 = tcase_create("order_and_counts");
	tcase_add_checked_fixture(tc1, NULL, teardown);
	tcase_add_test(tc1, test_first_n_acts_on_the_first_n_of_a_connection);
	tcase_add_test(tc1, test_nth_acts_only_on_the_nth);
	tcase_add_test(tc1, test_after_n_acts_on_every_one_after_the_first_n);
	tcase_add_test(tc1, test_count_only_counts_segments_the_matches_select);
	tcase_add_test(tc1, test_connections_are_counted_separately);
	tcase_add_test(tc1, test_both_directions_share_one_count);
	tcase_add_test(tc1, test_first_match_wins);
	tcase_add_test(tc1, test_next_rule_decides_once_a_count_is_used_up);
	tcase_add_test(tc1, test_rule_counts_segments_an_earlier_rule_took);
	tcase_add_test(tc1, test_pass_rule_shields_segments_from_later_rules);
	tcase_add_test(tc1, test_hits_count_applied_actions_only);
	tcase_add_test(tc1, test_set_rules_starts_counting_over);
	tcase_add_test(tc1, test_set_rules_swaps_in_the_new_rules);
	tcase_add_test(tc1, test_new_connection_on_a_reused_tuple_is_counted_afresh);
	tcase_add_test(tc1, test_new_connection_on_a_reused_tuple_restarts_every_count);
	suite_add_tcase(s, tc1);
	return s;
}

int main(void)
{
	return synfin_run_suite(rule_match_suite());
}
