/* test_rule_match.c: which rule decides a segment, and how occurrences are counted. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rule.h"
#include "test_support.h"

#define CLIENT 0xc0a8016cu /* 192.168.1.108 */
#define SERVER 0xc0a8016du /* 192.168.1.109 */
#define OTHER 0xc0a8016eu  /* 192.168.1.110 */
#define CPORT 40000
#define SPORT 80

static struct ruleset rs;
static struct matcher *m;

static void teardown(void)
{
	matcher_free(m);
	m = NULL;
	ruleset_free(&rs);
}

static void load_seeded(const char *text, uint64_t seed)
{
	struct rule_error err;
	int rc = ruleset_parse_string(&rs, "t.rules", text, &err);
	ck_assert_msg(rc == 0, "%s:%u:%u: %s", err.file, err.line, err.col, err.msg);
	m = matcher_new(&rs, CLIENT, seed);
	ck_assert_ptr_nonnull(m);
}

static void load(const char *text)
{
	load_seeded(text, 1);
}

static struct segment seg(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport,
                          uint8_t flags, uint16_t len)
{
	struct segment s;
	memset(&s, 0, sizeof(s));
	s.saddr = saddr;
	s.daddr = daddr;
	s.ip_proto = 6;
	s.sport = sport;
	s.dport = dport;
	s.seq = 1000;
	s.flags = flags;
	s.payload_len = len;
	s.ip_len = (uint16_t)(40 + len);
	return s;
}

/* client port p to the server, and back */
static struct segment c2s(uint16_t p, uint8_t flags, uint16_t len)
{
	return seg(CLIENT, p, SERVER, SPORT, flags, len);
}

static struct segment s2c(uint16_t p, uint8_t flags, uint16_t len)
{
	return seg(SERVER, SPORT, CLIENT, p, flags, len);
}

static struct verdict decide(struct segment s)
{
	struct verdict v;
	memset(&v, 0xa5, sizeof(v)); /* every field must be written */
	matcher_decide(m, &s, 0, &v);
	return v;
}

static enum rule_action act(struct segment s)
{
	return decide(s).action;
}

#define SYN TCPF_SYN
#define SYNACK (TCPF_SYN | TCPF_ACK)
#define ACK TCPF_ACK
#define FINACK (TCPF_FIN | TCPF_ACK)
#define PSHACK (TCPF_PSH | TCPF_ACK)

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

START_TEST(test_delay_without_jitter_is_exact)
{
	load("delay 300ms fin from server");
	for (int i = 0; i < 100; i++) {
		struct verdict v = decide(s2c(CPORT, FINACK, 0));
		ck_assert_int_eq(v.action, RULE_DELAY);
		ck_assert_uint_eq(v.delay_us, 300000);
	}
}
END_TEST

START_TEST(test_jitter_stays_within_delay_plus_minus_jitter)
{
	load("delay 50ms jitter 10ms");
	uint32_t lo = UINT32_MAX, hi = 0;
	uint64_t sum = 0;
	const int n = 20000;
	for (int i = 0; i < n; i++) {
		uint32_t d = decide(c2s(CPORT, ACK, 0)).delay_us;
		ck_assert_uint_ge(d, 40000);
		ck_assert_uint_le(d, 60000);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
		sum += d;
	}
	/* uniform: both ends are reached closely and the mean sits in the middle */
	ck_assert_uint_lt(lo, 40100);
	ck_assert_uint_gt(hi, 59900);
	ck_assert_uint_ge(sum / n, 49800);
	ck_assert_uint_le(sum / n, 50200);
}
END_TEST

START_TEST(test_jitter_equal_to_delay_never_goes_below_zero)
{
	load("delay 3us jitter 3us");
	bool saw_zero = false, saw_six = false;
	for (int i = 0; i < 1000; i++) {
		uint32_t d = decide(c2s(CPORT, ACK, 0)).delay_us;
		ck_assert_uint_le(d, 6);
		saw_zero |= d == 0;
		saw_six |= d == 6;
	}
	ck_assert(saw_zero && saw_six);
}
END_TEST

static void delays(uint64_t seed, uint32_t *out, int n)
{
	load_seeded("delay 50ms jitter 10ms", seed);
	for (int i = 0; i < n; i++)
		out[i] = decide(c2s(CPORT, ACK, 0)).delay_us;
	teardown();
}

START_TEST(test_jitter_repeats_for_a_seed_and_differs_between_seeds)
{
	uint32_t a[64], b[64], c[64];
	delays(42, a, 64);
	delays(42, b, 64);
	delays(43, c, 64);
	ck_assert_mem_eq(a, b, sizeof(a));
	int same = 0;
	for (int i = 0; i < 64; i++)
		same += a[i] == c[i];
	ck_assert_int_lt(same, 8);
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

START_TEST(test_rules_without_counts_keep_no_connection_state)
{
	load("drop syn\ndelay 1ms");
	for (uint16_t p = 1; p < 100; p++)
		act(c2s(p, SYN, 0));
	ck_assert_uint_eq(matcher_connections(m), 0);
}
END_TEST

START_TEST(test_full_table_forgets_the_least_recently_seen_connection)
{
	load("drop [S] first 1");
	ck_assert_int_eq(matcher_set_max_connections(m, 2), 0);
	ck_assert_int_eq(act(c2s(1, SYN, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(2, SYN, 0)), RULE_DROP);
	ck_assert_int_eq(act(c2s(1, SYN, 0)), RULE_PASS); /* 1 is now the most recent */
	ck_assert_int_eq(act(c2s(3, SYN, 0)), RULE_DROP); /* forgets 2 */
	ck_assert_uint_eq(matcher_connections(m), 2);
	ck_assert_int_eq(act(c2s(1, SYN, 0)), RULE_PASS);
	ck_assert_int_eq(act(c2s(2, SYN, 0)), RULE_DROP); /* new again; forgets 3 */
	ck_assert_int_eq(act(c2s(1, SYN, 0)), RULE_PASS);
	ck_assert_int_eq(act(c2s(3, SYN, 0)), RULE_DROP);
	ck_assert_uint_eq(matcher_connections(m), 2);
}
END_TEST

START_TEST(test_thousands_of_connections_keep_their_own_counts)
{
	load("drop [S] first 1");
	ck_assert_int_eq(matcher_set_max_connections(m, 64), 0);
	/* 5000 connections, each seen again 16 connections later: 32 others are seen in
	 * between, so each is still in the table of 64, whatever its evictions moved around */
	for (uint32_t i = 0; i < 5000; i++) {
		ck_assert_int_eq(act(c2s((uint16_t)(1000 + i), SYN, 0)), RULE_DROP);
		if (i >= 16)
			ck_assert_int_eq(act(c2s((uint16_t)(1000 + i - 16), SYN, 0)), RULE_PASS);
		ck_assert_uint_le(matcher_connections(m), 64);
	}
	ck_assert_uint_eq(matcher_connections(m), 64);
	ck_assert_uint_eq(rs.rules[0].hits, 5000);
	/* the first one was forgotten long ago: it counts as new */
	ck_assert_int_eq(act(c2s(1000, SYN, 0)), RULE_DROP);
}
END_TEST

START_TEST(test_table_agrees_with_a_simple_lru_model_under_random_traffic)
{
	/* 30 connections competing for 8 entries, in random order: the table must count
	 * exactly as a list kept in order of last use would */
	enum { CAP = 8, PORTS = 30, STEPS = 20000 };
	load("drop [S] first 2");
	ck_assert_int_eq(matcher_set_max_connections(m, CAP), 0);
	struct {
		int port;
		unsigned count;
	} lru[CAP]; /* lru[0] most recent */
	int n = 0;
	uint32_t x = 12345;
	for (int step = 0; step < STEPS; step++) {
		x = x * 1103515245u + 12345u;
		int port = 2000 + (int)((x >> 16) % PORTS);
		int at = -1;
		for (int i = 0; i < n; i++)
			if (lru[i].port == port)
				at = i;
		unsigned count = at >= 0 ? lru[at].count + 1 : 1;
		if (at < 0)
			at = n < CAP ? n++ : CAP - 1; /* the last one is forgotten */
		memmove(&lru[1], &lru[0], (size_t)at * sizeof(lru[0]));
		lru[0].port = port;
		lru[0].count = count;
		enum rule_action want = count <= 2 ? RULE_DROP : RULE_PASS;
		ck_assert_msg(act(c2s((uint16_t)port, SYN, 0)) == want, "step %d port %d", step,
		              port);
		ck_assert_uint_eq(matcher_connections(m), (unsigned)n);
	}
}
END_TEST

START_TEST(test_default_table_holds_every_connection_up_to_its_bound)
{
	load("drop [S] first 1");
	for (uint32_t i = 0; i < MATCHER_DEFAULT_MAX_CONNECTIONS; i++)
		ck_assert_int_eq(act(c2s((uint16_t)(1024 + i), SYN, 0)), RULE_DROP);
	for (uint32_t i = 0; i < MATCHER_DEFAULT_MAX_CONNECTIONS; i++)
		ck_assert_int_eq(act(c2s((uint16_t)(1024 + i), SYN, 0)), RULE_PASS);
	ck_assert_uint_eq(matcher_connections(m), MATCHER_DEFAULT_MAX_CONNECTIONS);
}
END_TEST

START_TEST(test_max_connections_must_be_positive)
{
	load("drop [S] first 1");
	ck_assert_int_eq(matcher_set_max_connections(m, 0), -EINVAL);
	ck_assert_int_eq(act(c2s(1, SYN, 0)), RULE_DROP);
}
END_TEST

/* Rules decide n data segments of one connection; how many did rule 1 take? */
static unsigned taken_by_first_rule(const char *text, uint64_t seed, unsigned n)
{
	load_seeded(text, seed);
	unsigned taken = 0;
	for (unsigned i = 0; i < n; i++)
		taken += decide(c2s(CPORT, PSHACK, 1448)).rule == &rs.rules[0];
	ck_assert_uint_eq(rs.rules[0].hits, taken);
	teardown();
	return taken;
}

START_TEST(test_chance_applies_to_its_share_of_100000_segments)
{
	/* bounds are P +- 0.2% (1%), +- 0.1% (0.5%), +- 1% (50%) and +- 0.1% (99.9%): 4.5 to 10
	 * standard deviations of a binomial count over 100000, but a tenfold scaling error or a
	 * percent read as a fraction falls far out */
	static const struct {
		const char *text;
		uint64_t seed;
		unsigned lo, hi;
	} cases[] = {
	    {"drop len >0 chance 1%", 1, 800, 1200},
	    {"drop len >0 chance 1%", 2, 800, 1200},
	    {"drop len >0 chance 1%", 0xdeadbeef, 800, 1200},
	    {"drop chance 0.5%", 7, 400, 600},
	    {"delay 1ms chance 50%", 7, 49000, 51000},
	    {"pass chance 99.9%", 7, 99800, 100000},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned taken = taken_by_first_rule(cases[i].text, cases[i].seed, 100000);
		ck_assert_msg(taken >= cases[i].lo && taken <= cases[i].hi,
		              "'%s' seed %llu: %u of 100000", cases[i].text,
		              (unsigned long long)cases[i].seed, taken);
	}
	/* 99.9% still spares one now and then */
	ck_assert_uint_lt(taken_by_first_rule("drop chance 99.9%", 3, 100000), 100000);
}
END_TEST

START_TEST(test_chance_zero_never_applies_and_hundred_always_does)
{
	ck_assert_uint_eq(taken_by_first_rule("drop chance 0%", 5, 100000), 0);
	ck_assert_uint_eq(taken_by_first_rule("drop chance 100%", 5, 100000), 100000);
	/* one in a million: expected 0.1 of 100000 */
	ck_assert_uint_lt(taken_by_first_rule("drop chance 0.0001%\ndrop", 5, 100000), 5);
}
END_TEST

static void chance_pattern(uint64_t seed, bool *dropped, int n)
{
	load_seeded("drop len >0 chance 10%", seed);
	for (int i = 0; i < n; i++)
		dropped[i] = act(c2s(CPORT, PSHACK, 100)) == RULE_DROP;
	teardown();
}

START_TEST(test_chance_repeats_for_a_seed_and_differs_between_seeds)
{
	enum { N = 2000 };
	static bool a[N], b[N], c[N];
	chance_pattern(42, a, N);
	chance_pattern(42, b, N);
	chance_pattern(43, c, N);
	ck_assert_mem_eq(a, b, sizeof(a));
	int differ = 0, drops = 0;
	for (int i = 0; i < N; i++) {
		differ += a[i] != c[i];
		drops += a[i];
	}
	/* two independent 10% patterns differ in about 18% of places */
	ck_assert_int_gt(differ, N / 10);
	ck_assert_int_gt(drops, 0);
}
END_TEST

START_TEST(test_segment_spared_by_chance_falls_through_to_later_rules)
{
	load("drop chance 50%\ndelay 5ms");
	unsigned drops = 0, delays = 0;
	for (int i = 0; i < 10000; i++) {
		struct verdict v = decide(c2s(CPORT, ACK, 0));
		if (v.action == RULE_DROP) {
			ck_assert_ptr_eq(v.rule, &rs.rules[0]);
			drops++;
		} else {
			ck_assert_int_eq(v.action, RULE_DELAY);
			ck_assert_ptr_eq(v.rule, &rs.rules[1]);
			ck_assert_uint_eq(v.delay_us, 5000);
			delays++;
		}
	}
	ck_assert_uint_ge(drops, 4500);
	ck_assert_uint_ge(delays, 4500);
	ck_assert_uint_eq(rs.rules[0].hits, drops);
	ck_assert_uint_eq(rs.rules[1].hits, delays);
	teardown();
	/* with no rule below, a spared segment passes as one that no rule matched */
	load("drop chance 50%");
	bool spared = false;
	for (int i = 0; i < 100 && !spared; i++) {
		struct verdict v = decide(c2s(CPORT, ACK, 0));
		if (v.action == RULE_PASS) {
			ck_assert_ptr_null(v.rule);
			spared = true;
		}
	}
	ck_assert(spared);
}
END_TEST

START_TEST(test_chance_count_counts_matched_segments_whatever_the_draw)
{
	/* "first 2 chance 50%": occurrences 1 and 2 are each dropped with probability 1/2, the
	 * rest never, even on a connection whose first two were spared */
	load("drop [P.] first 2 chance 50%");
	unsigned dropped_early = 0, both_spared = 0;
	for (uint16_t p = 1000; p < 3000; p++) {
		bool d1 = act(c2s(p, PSHACK, 10)) == RULE_DROP;
		bool d2 = act(c2s(p, PSHACK, 10)) == RULE_DROP;
		ck_assert_int_eq(act(c2s(p, ACK, 0)), RULE_PASS); /* not counted */
		ck_assert_int_eq(act(s2c(p, PSHACK, 10)), RULE_PASS);
		ck_assert_int_eq(act(c2s(p, PSHACK, 10)), RULE_PASS);
		dropped_early += d1 + d2;
		both_spared += !d1 && !d2;
	}
	ck_assert_uint_ge(dropped_early, 1900);
	ck_assert_uint_le(dropped_early, 2100);
	ck_assert_uint_ge(both_spared, 400); /* about 500 of 2000 */
	ck_assert_uint_eq(rs.rules[0].hits, dropped_early);
	teardown();
	/* "nth 2 chance 100%" is exactly "nth 2" */
	load("drop [S] nth 2 chance 100%");
	for (int i = 1; i <= 5; i++)
		ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), i == 2 ? RULE_DROP : RULE_PASS);
}
END_TEST

START_TEST(test_rule_below_a_chance_rule_counts_every_segment)
{
	/* rule 2's count sees each SYN, whether rule 1's draw took it or not: the third SYN of
	 * a connection is delayed whenever rule 1 spares it, never the first or second */
	load("drop [S] chance 50%\ndelay 1ms [S] nth 3");
	unsigned third_delayed = 0;
	for (uint16_t p = 1000; p < 2000; p++) {
		ck_assert_int_ne(act(c2s(p, SYN, 0)), RULE_DELAY);
		ck_assert_int_ne(act(c2s(p, SYN, 0)), RULE_DELAY);
		third_delayed += act(c2s(p, SYN, 0)) == RULE_DELAY;
		ck_assert_int_ne(act(c2s(p, SYN, 0)), RULE_DELAY);
	}
	ck_assert_uint_ge(third_delayed, 400);
	ck_assert_uint_le(third_delayed, 600);
	ck_assert_uint_eq(rs.rules[1].hits, third_delayed);
}
END_TEST

START_TEST(test_chance_draws_only_for_segments_the_rule_would_decide)
{
	/* Segments another rule takes, that do not match, or that the count excludes draw no
	 * number, so the data segments' fate is the same with or without them in between. */
	const char *text = "pass [S]\ndrop len >0 after 1 chance 30%";
	enum { N = 3000 };
	static bool alone[N], mixed[N];
	load_seeded(text, 9);
	act(c2s(CPORT, PSHACK, 100)); /* occurrence 1: excluded by "after 1" */
	for (int i = 0; i < N; i++)
		alone[i] = act(c2s(CPORT, PSHACK, 100)) == RULE_DROP;
	teardown();
	load_seeded(text, 9);
	for (int i = 0; i < 5; i++)
		act(c2s(CPORT, SYN, 0));
	act(c2s(CPORT, PSHACK, 100));
	for (int i = 0; i < N; i++) {
		act(c2s(CPORT, SYN, 0)); /* taken by the pass rule */
		act(s2c(CPORT, ACK, 0)); /* matches nothing */
		mixed[i] = act(c2s(CPORT, PSHACK, 100)) == RULE_DROP;
	}
	ck_assert_mem_eq(alone, mixed, sizeof(alone));
}
END_TEST

START_TEST(test_certain_chances_draw_no_number)
{
	/* jitter shares the generator; 0% and 100% leave its sequence untouched (the SYNs a
	 * 0% rule spares match nothing below it) */
	static const char *const texts[] = {
	    "drop [S]\ndelay 50ms jitter 10ms [.]",
	    "drop [S] chance 100%\ndelay 50ms jitter 10ms [.]",
	    "drop [S] chance 0%\ndelay 50ms jitter 10ms [.]",
	};
	uint32_t want[100];
	for (size_t t = 0; t < 3; t++) {
		load_seeded(texts[t], 77);
		for (int i = 0; i < 100; i++) {
			act(c2s(CPORT, SYN, 0));
			uint32_t d = decide(c2s(CPORT, ACK, 0)).delay_us;
			if (t == 0)
				want[i] = d;
			else
				ck_assert_msg(d == want[i], "'%s': delay %d is %u, not %u",
				              texts[t], i, d, want[i]);
		}
		teardown();
	}
}
END_TEST

START_TEST(test_chance_and_jitter_on_one_rule_both_hold)
{
	load("delay 50ms jitter 10ms chance 20%");
	unsigned delayed = 0;
	for (int i = 0; i < 10000; i++) {
		struct verdict v = decide(c2s(CPORT, ACK, 0));
		if (v.action == RULE_PASS)
			continue;
		ck_assert_uint_ge(v.delay_us, 40000);
		ck_assert_uint_le(v.delay_us, 60000);
		delayed++;
	}
	ck_assert_uint_ge(delayed, 1800);
	ck_assert_uint_le(delayed, 2200);
}
END_TEST

/* The bit corrupt flips comes from the seeded generator: a seed repeats it, another moves it. */
START_TEST(test_corrupt_draws_its_bit_from_the_seeded_generator)
{
	uint64_t draws[3][4];
	uint64_t seeds[3] = {5, 5, 6};
	for (int k = 0; k < 3; k++) {
		load_seeded("corrupt payload from client\n", seeds[k]);
		for (int i = 0; i < 4; i++) {
			struct verdict v = decide(c2s(CPORT, PSHACK, 100));
			ck_assert_int_eq(v.action, RULE_CORRUPT);
			draws[k][i] = v.draw;
		}
		ck_assert_int_eq(act(c2s(CPORT, ACK, 0)), RULE_PASS); /* no payload */
		teardown();
	}
	ck_assert_mem_eq(draws[0], draws[1], sizeof(draws[0]));
	ck_assert_uint_ne(draws[0][0], draws[2][0]);
	ck_assert_uint_ne(draws[0][0], draws[0][1]);
}
END_TEST

START_TEST(test_rewriting_verdicts_carry_their_rule_and_count_hits)
{
	load("set win 0 from server first 2\nstrip sack [S]\n");
	struct verdict v = decide(s2c(CPORT, ACK, 0));
	ck_assert_int_eq(v.action, RULE_SET);
	ck_assert_ptr_eq(v.rule, &rs.rules[0]);
	ck_assert_uint_eq(v.draw, 0);
	ck_assert_int_eq(act(s2c(CPORT, ACK, 0)), RULE_SET);
	ck_assert_int_eq(act(s2c(CPORT, ACK, 0)), RULE_PASS);
	ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), RULE_STRIP);
	ck_assert_uint_eq(rs.rules[0].hits, 2);
	ck_assert_uint_eq(rs.rules[1].hits, 1);
}
END_TEST

/* A replay follows the segments with matcher_identify and takes the journal's rule: what that
 * rule's verdict carries is then what deciding gave it, under another matcher whose seed is set
 * to the deciding one's: the reset's RCV.NXT (the segment's own number, its end when kept, the
 * receiver's acknowledgment for a retransmission) and the bit corrupt flips. */
START_TEST(test_replay_effects_are_what_deciding_gave)
{
	load_seeded("reset both keep from client len 10\ncorrupt payload from client len 20\n", 9);
	struct matcher *replay = matcher_new(&rs, CLIENT, 77);
	ck_assert_ptr_nonnull(replay);
	ck_assert_int_eq(matcher_follow_identities(replay), 0);
	matcher_set_seed(replay, 9);
	struct segment syn = c2s(CPORT, SYN, 0), synack = s2c(CPORT, SYNACK, 0);
	syn.seq = 100;
	synack.seq = 500;
	synack.ack = 101;
	struct segment a = c2s(CPORT, PSHACK, 10), b = c2s(CPORT, PSHACK, 20);
	a.seq = 101;
	b.seq = 111;
	struct segment ack = s2c(CPORT, ACK, 0);
	ack.seq = 501;
	ack.ack = 111;
	struct segment retx = a; /* acknowledged past it: a retransmission */
	struct segment conversation[] = {syn, synack, a, b, ack, retx};
	const enum rule_action want[] = {RULE_PASS,    RULE_PASS, RULE_RESET,
	                                 RULE_CORRUPT, RULE_PASS, RULE_RESET};
	const uint32_t want_next[] = {100, 500, 111, 111, 501, 111};
	for (unsigned i = 0; i < sizeof(conversation) / sizeof(conversation[0]); i++) {
		struct verdict d = decide(conversation[i]), r;
		memset(&r, 0, sizeof(r));
		matcher_identify(replay, &conversation[i], 0, &r.id);
		ck_assert(r.id.conn == d.id.conn && r.id.dir == d.id.dir &&
		          r.id.flags == d.id.flags && r.id.seq == d.id.seq &&
		          r.id.ack == d.id.ack && r.id.len == d.id.len &&
		          r.id.attempt == d.id.attempt && r.id.copy == d.id.copy);
		ck_assert_int_eq(d.action, want[i]);
		if (!d.rule)
			continue;
		matcher_replay_effects(replay, &conversation[i], d.rule, &r);
		ck_assert_uint_eq(d.receiver_next, want_next[i]);
		ck_assert_uint_eq(r.receiver_next, d.receiver_next);
		ck_assert_uint_eq(r.draw, d.draw);
	}
	ck_assert_uint_ne(decide(b).draw, 0);
	matcher_free(replay);
}
END_TEST

/* Toward the receiver an exact reset carries what the receiver expects: the segment's own
 * sequence number while the flow is in order, the receiver's acknowledgment for a
 * retransmission; toward the sender, the acknowledgment the segment carries. */
START_TEST(test_reset_sequence_numbers_follow_the_connection)
{
	load("reset both from client len >0\n");
	struct segment syn = c2s(CPORT, SYN, 0), synack = s2c(CPORT, SYNACK, 0);
	syn.seq = 100;
	synack.seq = 500;
	synack.ack = 101;
	ck_assert_int_eq(act(syn), RULE_PASS);
	ck_assert_int_eq(act(synack), RULE_PASS);
	struct segment data = c2s(CPORT, PSHACK, 10);
	data.seq = 101;
	data.ack = 501;
	struct verdict v = decide(data);
	ck_assert_int_eq(v.action, RULE_RESET);
	struct rule_reset_segment rst[2];
	ck_assert_uint_eq(verdict_resets(&v, &data, rst), 2);
	ck_assert(!rst[0].to_sender);
	ck_assert_uint_eq(rst[0].saddr, CLIENT);
	ck_assert_uint_eq(rst[0].seq, 101);
	ck_assert_uint_eq(rst[0].flags, TCPF_RST | TCPF_ACK);
	ck_assert(rst[1].to_sender);
	ck_assert_uint_eq(rst[1].saddr, SERVER);
	ck_assert_uint_eq(rst[1].dport, CPORT);
	ck_assert_uint_eq(rst[1].seq, 501);
	ck_assert_uint_eq(rst[1].ack, 111);
	/* the server acknowledged up to 101 only: the retransmission's reset says 101 */
	struct segment ack = s2c(CPORT, ACK, 0);
	ack.seq = 501;
	ack.ack = 101;
	ck_assert_int_eq(act(ack), RULE_PASS);
	data.seq = 111; /* new data, past what was lost */
	ck_assert_uint_eq(decide(data).receiver_next, 111);
	data.seq = 101; /* the first again: a retransmission */
	ck_assert_uint_eq(decide(data).receiver_next, 101);
}
END_TEST

START_TEST(test_in_window_reset_is_one_past_the_exact_number)
{
	load("reset in-window to sender [S.]\n");
	struct segment synack = s2c(CPORT, SYNACK, 0);
	synack.seq = 500;
	synack.ack = 101;
	struct verdict v = decide(synack);
	struct rule_reset_segment rst[2];
	ck_assert_uint_eq(verdict_resets(&v, &synack, rst), 1);
	ck_assert_uint_eq(rst[0].seq, 102);
	ck_assert_uint_eq(rst[0].ack, 501);
	ck_assert_uint_eq(rst[0].daddr, SERVER);
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

	tc = tcase_create("order_and_counts");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_first_n_acts_on_the_first_n_of_a_connection);
	tcase_add_test(tc, test_nth_acts_only_on_the_nth);
	tcase_add_test(tc, test_after_n_acts_on_every_one_after_the_first_n);
	tcase_add_test(tc, test_count_only_counts_segments_the_matches_select);
	tcase_add_test(tc, test_connections_are_counted_separately);
	tcase_add_test(tc, test_both_directions_share_one_count);
	tcase_add_test(tc, test_first_match_wins);
	tcase_add_test(tc, test_next_rule_decides_once_a_count_is_used_up);
	tcase_add_test(tc, test_rule_counts_segments_an_earlier_rule_took);
	tcase_add_test(tc, test_pass_rule_shields_segments_from_later_rules);
	tcase_add_test(tc, test_hits_count_applied_actions_only);
	tcase_add_test(tc, test_set_rules_starts_counting_over);
	tcase_add_test(tc, test_set_rules_swaps_in_the_new_rules);
	tcase_add_test(tc, test_new_connection_on_a_reused_tuple_is_counted_afresh);
	tcase_add_test(tc, test_new_connection_on_a_reused_tuple_restarts_every_count);
	suite_add_tcase(s, tc);

	tc = tcase_create("delay");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_delay_without_jitter_is_exact);
	tcase_add_test(tc, test_jitter_stays_within_delay_plus_minus_jitter);
	tcase_add_test(tc, test_jitter_equal_to_delay_never_goes_below_zero);
	tcase_add_test(tc, test_jitter_repeats_for_a_seed_and_differs_between_seeds);
	suite_add_tcase(s, tc);

	tc = tcase_create("chance");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_chance_applies_to_its_share_of_100000_segments);
	tcase_add_test(tc, test_chance_zero_never_applies_and_hundred_always_does);
	tcase_add_test(tc, test_chance_repeats_for_a_seed_and_differs_between_seeds);
	tcase_add_test(tc, test_segment_spared_by_chance_falls_through_to_later_rules);
	tcase_add_test(tc, test_chance_count_counts_matched_segments_whatever_the_draw);
	tcase_add_test(tc, test_rule_below_a_chance_rule_counts_every_segment);
	tcase_add_test(tc, test_chance_draws_only_for_segments_the_rule_would_decide);
	tcase_add_test(tc, test_certain_chances_draw_no_number);
	tcase_add_test(tc, test_chance_and_jitter_on_one_rule_both_hold);
	suite_add_tcase(s, tc);

	tc = tcase_create("connection_table");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_rules_without_counts_keep_no_connection_state);
	tcase_add_test(tc, test_full_table_forgets_the_least_recently_seen_connection);
	tcase_add_test(tc, test_thousands_of_connections_keep_their_own_counts);
	tcase_add_test(tc, test_table_agrees_with_a_simple_lru_model_under_random_traffic);
	tcase_add_test(tc, test_default_table_holds_every_connection_up_to_its_bound);
	tcase_add_test(tc, test_max_connections_must_be_positive);
	tcase_add_test(tc, test_corrupt_draws_its_bit_from_the_seeded_generator);
	tcase_add_test(tc, test_rewriting_verdicts_carry_their_rule_and_count_hits);
	tcase_add_test(tc, test_reset_sequence_numbers_follow_the_connection);
	tcase_add_test(tc, test_replay_effects_are_what_deciding_gave);
	tcase_add_test(tc, test_in_window_reset_is_one_past_the_exact_number);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(rule_match_suite());
}
