/* test_rule_draw.c: every rule that draws has a stream of its own, keyed by the seed, the rule's
 * identity and the segment's identity in its connection. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "rules/rule.h"
#include "test_support.h"

#define CLIENT 0xc0a8016cu /* 192.168.1.108 */
#define SERVER 0xc0a8016du /* 192.168.1.109 */
#define SEGMENTS 400
#define MSS 1000

/* One run's conversation: who the drawing rule under test took, segment by segment. */
struct outcome {
	bool taken[SEGMENTS];
	uint32_t delay[SEGMENTS];
	uint64_t second_hits; /* of the file's second rule */
};

struct conversation {
	uint16_t cport, sport;
	uint32_t c_isn, s_isn;
};

static struct segment make(const struct conversation *cv, bool from_client, uint8_t flags,
                           uint32_t seq, uint32_t ack, uint16_t len)
{
	struct segment s;
	memset(&s, 0, sizeof(s));
	s.saddr = from_client ? CLIENT : SERVER;
	s.daddr = from_client ? SERVER : CLIENT;
	s.sport = from_client ? cv->cport : cv->sport;
	s.dport = from_client ? cv->sport : cv->cport;
	s.ip_proto = 6;
	s.flags = flags;
	s.seq = seq;
	s.ack = ack;
	s.payload_len = len;
	s.ip_len = (uint16_t)(40 + len);
	return s;
}

/* A handshake, then SEGMENTS data segments from the client, each acknowledged, each sent
 * twice when the first copy is taken (a retransmission); the outcome of the rule whose text
 * is `which` (or label) for each first copy. */
static void converse(const char *rules, uint64_t seed, const struct conversation *cv,
                     const char *which, struct outcome *out)
{
	struct ruleset rs;
	struct rule_error err;
	int rc = ruleset_parse_string(&rs, "t.rules", rules, &err);
	ck_assert_msg(rc == 0, "%s:%u:%u: %s", err.file, err.line, err.col, err.msg);
	struct matcher *m = matcher_new(&rs, CLIENT, seed);
	ck_assert_ptr_nonnull(m);
	struct verdict v;
	struct segment s = make(cv, true, TCPF_SYN, cv->c_isn, 0, 0);
	matcher_decide(m, &s, 0, &v);
	s = make(cv, false, TCPF_SYN | TCPF_ACK, cv->s_isn, cv->c_isn + 1, 0);
	matcher_decide(m, &s, 0, &v);
	s = make(cv, true, TCPF_ACK, cv->c_isn + 1, cv->s_isn + 1, 0);
	matcher_decide(m, &s, 0, &v);
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < SEGMENTS; i++) {
		uint32_t seq = cv->c_isn + 1 + i * MSS;
		s = make(cv, true, TCPF_PSH | TCPF_ACK, seq, cv->s_isn + 1, MSS);
		matcher_decide(m, &s, 0, &v);
		out->taken[i] = v.rule && (!strcmp(v.rule->text, which) ||
		                           (v.rule->label && !strcmp(v.rule->label, which)));
		out->delay[i] = v.delay_us;
		if (v.action != RULE_PASS)
			matcher_decide(m, &s, 0, &v);
		s = make(cv, false, TCPF_ACK, cv->s_isn + 1, seq + MSS, 0);
		matcher_decide(m, &s, 0, &v);
	}
	out->second_hits = rs.n_rules > 1 ? rs.rules[1].hits : 0;
	matcher_free(m);
	ruleset_free(&rs);
}

static const struct conversation plain = {40000, 80, 1000, 5000000};

static unsigned count_taken(const struct outcome *o)
{
	unsigned n = 0;
	for (unsigned i = 0; i < SEGMENTS; i++)
		n += o->taken[i];
	return n;
}

#define LOSS "drop len >0 chance 10%"

START_TEST(test_other_rules_added_removed_or_reordered_leave_a_chance_rules_draws)
{
	static const char *const files[] = {
	    LOSS "\n",
	    /* added above: rules that take other segments, one of them drawing too */
	    "drop [S] nth 5\ndelay 100ms jitter 50ms [S.]\ndrop rst chance 50%\n" LOSS "\n",
	    "delay 1ms fin\n" LOSS "\ndrop [S] nth 7\n",
	    /* reordered: below the others, then above */
	    "drop rst chance 50%\ndelay 1ms fin\n" LOSS "\n",
	    LOSS "\ndrop rst chance 50%\ndelay 1ms fin\n",
	};
	static struct outcome want, got;
	converse(files[0], 42, &plain, LOSS, &want);
	ck_assert_uint_gt(count_taken(&want), SEGMENTS / 20);
	ck_assert_uint_lt(count_taken(&want), SEGMENTS / 5);
	for (size_t f = 1; f < sizeof(files) / sizeof(files[0]); f++) {
		converse(files[f], 42, &plain, LOSS, &got);
		ck_assert_msg(!memcmp(want.taken, got.taken, sizeof(want.taken)),
		              "the draws of '%s' changed with the rules:\n%s", LOSS, files[f]);
	}
}
END_TEST

START_TEST(test_same_seed_repeats_and_another_seed_changes_the_draws)
{
	static struct outcome a, b, c;
	converse(LOSS "\n", 7, &plain, LOSS, &a);
	converse(LOSS "\n", 7, &plain, LOSS, &b);
	converse(LOSS "\n", 8, &plain, LOSS, &c);
	ck_assert_mem_eq(a.taken, b.taken, sizeof(a.taken));
	ck_assert(memcmp(a.taken, c.taken, sizeof(a.taken)) != 0);
}
END_TEST

START_TEST(test_draws_ignore_ports_and_isns)
{
	/* the same conversation between other ports, from other initial sequence numbers */
	static const struct conversation other = {51234, 8080, 0xfffff000u, 77};
	static struct outcome a, b;
	converse(LOSS "\n", 3, &plain, LOSS, &a);
	converse(LOSS "\n", 3, &other, LOSS, &b);
	ck_assert_mem_eq(a.taken, b.taken, sizeof(a.taken));
}
END_TEST

START_TEST(test_jitter_draws_are_independent_of_other_rules_too)
{
	static struct outcome a, b;
	const char *rule = "delay 50ms jitter 20ms len >0";
	converse("delay 50ms jitter 20ms len >0\n", 5, &plain, rule, &a);
	converse("drop rst chance 30%\ndelay 3ms jitter 1ms [S]\n"
	         "delay 50ms jitter 20ms len >0\n",
	         5, &plain, rule, &b);
	ck_assert_mem_eq(a.delay, b.delay, sizeof(a.delay));
	unsigned distinct = 0;
	for (unsigned i = 1; i < SEGMENTS; i++)
		distinct += a.delay[i] != a.delay[0];
	ck_assert_uint_gt(distinct, SEGMENTS / 2);
}
END_TEST

START_TEST(test_identical_rules_draw_apart_and_a_label_keeps_its_stream)
{
	static struct outcome both, labelled, relabelled;
	/* the second of two identical lines sees only what the first spared: drawing the first
	 * one's numbers it would take none of them */
	converse(LOSS "\n" LOSS "\n", 11, &plain, LOSS, &both);
	ck_assert_uint_gt(both.second_hits, SEGMENTS / 40);
	converse("@loss " LOSS "\n", 11, &plain, "loss", &labelled);
	converse("drop fin\n@loss drop len >0 from client chance 10%\n", 11, &plain, "loss",
	         &relabelled);
	ck_assert_mem_eq(labelled.taken, relabelled.taken, sizeof(labelled.taken));
}
END_TEST

START_TEST(test_verdicts_carry_the_segments_identity)
{
	struct ruleset rs;
	struct rule_error err;
	ck_assert_int_eq(ruleset_parse_string(&rs, "t.rules", "drop len >0 chance 50%", &err), 0);
	struct matcher *m = matcher_new(&rs, CLIENT, 1);
	const struct conversation *cv = &plain;
	struct verdict v;
	struct segment s = make(cv, true, TCPF_SYN, cv->c_isn, 0, 0);
	matcher_decide(m, &s, 0, &v);
	ck_assert(v.has_id);
	ck_assert_uint_eq(v.id.conn, 1);
	ck_assert_uint_eq(v.id.dir, RULE_DIR_FROM_CLIENT);
	ck_assert_uint_eq(v.id.seq, 0);
	ck_assert_uint_eq(v.id.attempt, 1);
	s = make(cv, false, TCPF_SYN | TCPF_ACK, cv->s_isn, cv->c_isn + 1, 0);
	matcher_decide(m, &s, 0, &v);
	ck_assert_uint_eq(v.id.dir, RULE_DIR_FROM_SERVER);
	ck_assert_uint_eq(v.id.seq, 0);
	ck_assert_uint_eq(v.id.ack, 1);
	s = make(cv, true, TCPF_ACK, cv->c_isn + 1, cv->s_isn + 1, 0);
	matcher_decide(m, &s, 0, &v);
	ck_assert_uint_eq(v.id.seq, 1);
	ck_assert_uint_eq(v.id.attempt, 0);
	ck_assert_uint_eq(v.id.copy, 0);
	/* the same ACK again is a duplicate: a copy, not the same identity */
	matcher_decide(m, &s, 0, &v);
	ck_assert_uint_eq(v.id.copy, 1);
	s = make(cv, true, TCPF_PSH | TCPF_ACK, cv->c_isn + 1, cv->s_isn + 1, 100);
	matcher_decide(m, &s, 0, &v);
	ck_assert_uint_eq(v.id.len, 100);
	ck_assert_uint_eq(v.id.attempt, 1);
	matcher_decide(m, &s, 0, &v);
	ck_assert_uint_eq(v.id.attempt, 2);
	ck_assert_uint_eq(v.id.copy, 0);
	matcher_free(m);
	ruleset_free(&rs);
}
END_TEST

START_TEST(test_identify_follows_without_deciding)
{
	struct ruleset rs;
	struct rule_error err;
	ck_assert_int_eq(ruleset_parse_string(&rs, "t.rules", "drop [S] nth 2", &err), 0);
	struct matcher *m = matcher_new(&rs, CLIENT, 1);
	ck_assert_int_eq(matcher_follow_identities(m), 0);
	struct segment s = make(&plain, true, TCPF_SYN, 9, 0, 0);
	struct packet_id id;
	matcher_identify(m, &s, 0, &id);
	ck_assert_uint_eq(id.conn, 1);
	ck_assert_uint_eq(id.attempt, 1);
	matcher_identify(m, &s, 0, &id);
	ck_assert_uint_eq(id.attempt, 2);
	ck_assert_uint_eq(rs.rules[0].hits, 0);
	/* a rule set with nothing to follow still gives identities once asked */
	struct verdict v;
	s = make(&(struct conversation){1, 2, 3, 4}, true, TCPF_SYN, 3, 0, 0);
	matcher_decide(m, &s, 0, &v);
	ck_assert(v.has_id);
	ck_assert_uint_eq(v.id.conn, 2);
	matcher_free(m);
	ruleset_free(&rs);
}
END_TEST

/* A reload (SIGHUP) during a replay: the journal numbers connections for the whole run, so the
 * matcher's numbers, ISNs and attempts go on under the new rules; only counts start over. */
START_TEST(test_set_rules_keeps_the_connections_numbers_and_relative_numbers)
{
	struct ruleset rs, next;
	struct rule_error err;
	ck_assert_int_eq(ruleset_parse_string(&rs, "t.rules", "drop [S] nth 2", &err), 0);
	ck_assert_int_eq(ruleset_parse_string(&next, "next.rules", "drop fin first 1", &err), 0);
	struct matcher *m = matcher_new(&rs, CLIENT, 1);
	ck_assert_int_eq(matcher_follow_identities(m), 0);
	const struct conversation *cv = &plain;
	struct packet_id id;
	struct segment s = make(cv, true, TCPF_SYN, cv->c_isn, 0, 0);
	matcher_identify(m, &s, 0, &id);
	struct conversation second = {cv->cport + 1, cv->sport, 7000, 9000};
	s = make(&second, true, TCPF_SYN, second.c_isn, 0, 0);
	matcher_identify(m, &s, 0, &id);
	ck_assert_uint_eq(id.conn, 2);
	s = make(cv, true, TCPF_PSH | TCPF_ACK, cv->c_isn + 1, cv->s_isn + 1, 100);
	matcher_identify(m, &s, 0, &id);

	matcher_set_rules(m, &next);
	struct verdict v;
	/* the first connection's data again: still conn 1, seq 1, now its second attempt */
	matcher_decide(m, &s, 0, &v);
	ck_assert(v.has_id);
	ck_assert_uint_eq(v.id.conn, 1);
	ck_assert_uint_eq(v.id.seq, 1);
	ck_assert_uint_eq(v.id.attempt, 2);
	/* a third connection is the third */
	struct conversation third = {cv->cport + 2, cv->sport, 5000, 6000};
	s = make(&third, true, TCPF_SYN, third.c_isn, 0, 0);
	matcher_decide(m, &s, 0, &v);
	ck_assert_uint_eq(v.id.conn, 3);
	ck_assert_uint_eq(v.id.seq, 0);
	/* the new rules count from nothing: the first FIN of the second connection is dropped */
	s = make(&second, true, TCPF_FIN | TCPF_ACK, second.c_isn + 1, 0, 0);
	matcher_decide(m, &s, 0, &v);
	ck_assert_int_eq(v.action, RULE_DROP);
	ck_assert_uint_eq(v.id.conn, 2);
	matcher_free(m);
	ruleset_free(&next);
	ruleset_free(&rs);
}
END_TEST

static Suite *rule_draw_suite(void)
{
	Suite *s = suite_create("rule_draw");
	TCase *t = tcase_create("streams");
	tcase_add_test(t, test_other_rules_added_removed_or_reordered_leave_a_chance_rules_draws);
	tcase_add_test(t, test_same_seed_repeats_and_another_seed_changes_the_draws);
	tcase_add_test(t, test_draws_ignore_ports_and_isns);
	tcase_add_test(t, test_jitter_draws_are_independent_of_other_rules_too);
	tcase_add_test(t, test_identical_rules_draw_apart_and_a_label_keeps_its_stream);
	suite_add_tcase(s, t);
	TCase *i = tcase_create("identity");
	tcase_add_test(i, test_verdicts_carry_the_segments_identity);
	tcase_add_test(i, test_identify_follows_without_deciding);
	tcase_add_test(i, test_set_rules_keeps_the_connections_numbers_and_relative_numbers);
	suite_add_tcase(s, i);
	return s;
}

int main(void)
{
	return synfin_run_suite(rule_draw_suite());
}
