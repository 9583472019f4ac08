/* test_rule_connections.c: the matcher's connections: its table of counts (bounded, least
 * recently seen forgotten), and the verdicts that follow a connection - corrupted bits, rewrites,
 * forged resets' sequence numbers, replayed effects (rule_match_fixture.h). */
#include "rule_match_fixture.h"
#include "rules/rule.h"
#include "test_support.h"
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static Suite *rule_connections_suite(void)
{
	Suite *s = suite_create("rule_connections");
	TCase *tc = tcase_create("connection_table");
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
	return synfin_run_suite(rule_connections_suite());
}
