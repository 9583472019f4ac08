/* test_rule_select.c: selecting a segment by what it is in its connection: attempt, original,
 * retransmission, conn, the phases, between, labels and chains (rules/README.md, "Selection"). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rules/rule.h"
#include "test_support.h"

#define CLIENT 0xc0a8016cu /* 192.168.1.108 */
#define SERVER 0xc0a8016du /* 192.168.1.109 */
#define SPORT 80
#define C_ISN 1000u
#define S_ISN 5000u

static struct ruleset rs;
static struct matcher *m;
static uint64_t now_us;

static void teardown(void)
{
	matcher_free(m);
	m = NULL;
	ruleset_free(&rs);
}

static void load(const char *text)
{
	struct rule_error err;
	int rc = ruleset_parse_string(&rs, "t.rules", text, &err);
	ck_assert_msg(rc == 0, "%s:%u:%u: %s", err.file, err.line, err.col, err.msg);
	m = matcher_new(&rs, CLIENT, 1);
	ck_assert_ptr_nonnull(m);
	now_us = 0;
}

static struct segment tcp(bool from_client, uint16_t cport, uint8_t flags, uint32_t seq,
                          uint32_t ack, uint16_t len)
{
	struct segment s;
	memset(&s, 0, sizeof(s));
	s.saddr = from_client ? CLIENT : SERVER;
	s.daddr = from_client ? SERVER : CLIENT;
	s.sport = from_client ? cport : SPORT;
	s.dport = from_client ? SPORT : cport;
	s.ip_proto = 6;
	s.flags = flags;
	s.seq = seq;
	s.ack = ack;
	s.win = 64240;
	s.payload_len = len;
	s.ip_len = (uint16_t)(40 + len);
	return s;
}

/* The rule that decides s (its 1-based index), 0 when none. */
static unsigned rule_for(struct segment s)
{
	struct verdict v;
	matcher_decide(m, &s, now_us, &v);
	return v.rule ? v.rule->index : 0;
}

/* A handshake on client port p with the ISNs above: each segment's deciding rule into got. */
static void handshake(uint16_t p, unsigned got[3])
{
	got[0] = rule_for(tcp(true, p, TCPF_SYN, C_ISN, 0, 0));
	got[1] = rule_for(tcp(false, p, TCPF_SYN | TCPF_ACK, S_ISN, C_ISN + 1, 0));
	got[2] = rule_for(tcp(true, p, TCPF_ACK, C_ISN + 1, S_ISN + 1, 0));
}

START_TEST(test_attempt_counts_transmissions_of_a_syn)
{
	load("drop syn !ack attempt 2-3\n");
	unsigned want[] = {0, 1, 1, 0, 0};
	for (int k = 0; k < 5; k++)
		ck_assert_uint_eq(rule_for(tcp(true, 40000, TCPF_SYN, C_ISN, 0, 0)), want[k]);
}
END_TEST

START_TEST(test_attempt_ignores_a_changed_ack_or_window)
{
	load("drop from client attempt 2\n");
	unsigned hs[3];
	handshake(40000, hs);
	ck_assert_uint_eq(
	    rule_for(tcp(true, 40000, TCPF_ACK | TCPF_PSH, C_ISN + 1, S_ISN + 1, 100)), 0);
	/* the server sends data meanwhile: the client's resend acknowledges more */
	ck_assert_uint_eq(rule_for(tcp(false, 40000, TCPF_ACK, S_ISN + 1, C_ISN + 1, 10)), 0);
	struct segment again = tcp(true, 40000, TCPF_ACK | TCPF_PSH, C_ISN + 1, S_ISN + 11, 100);
	again.win = 1000;
	ck_assert_uint_eq(rule_for(again), 1);
	ck_assert_uint_eq(rule_for(again), 0); /* the third transmission */
}
END_TEST

START_TEST(test_the_second_and_third_fin_of_the_client_dropped)
{
	load("drop fin from client attempt 2-3\n");
	unsigned hs[3];
	handshake(40000, hs);
	struct segment fin = tcp(true, 40000, TCPF_FIN | TCPF_ACK, C_ISN + 1, S_ISN + 1, 0);
	unsigned want[] = {0, 1, 1, 0};
	for (int k = 0; k < 4; k++)
		ck_assert_uint_eq(rule_for(fin), want[k]);
	/* the server's FIN is an original of its own direction */
	ck_assert_uint_eq(rule_for(tcp(false, 40000, TCPF_FIN | TCPF_ACK, S_ISN + 1, C_ISN + 2, 0)),
	                  0);
}
END_TEST

START_TEST(test_original_and_retransmission)
{
	load("pass original\ndrop retransmission\n");
	unsigned hs[3];
	handshake(40000, hs);
	ck_assert_uint_eq(hs[0], 1);
	ck_assert_uint_eq(hs[1], 1);
	/* a pure ACK occupies no sequence space: neither original nor retransmission */
	ck_assert_uint_eq(hs[2], 0);
	struct segment d = tcp(true, 40000, TCPF_ACK, C_ISN + 1, S_ISN + 1, 1000);
	ck_assert_uint_eq(rule_for(d), 1);
	ck_assert_uint_eq(rule_for(d), 2);
	/* partly new: it reaches past everything sent, so it is an original */
	struct segment more = tcp(true, 40000, TCPF_ACK, C_ISN + 501, S_ISN + 1, 1000);
	ck_assert_uint_eq(rule_for(more), 1);
}
END_TEST

START_TEST(test_an_acknowledged_range_is_forgotten)
{
	load("drop attempt 3\n");
	unsigned hs[3];
	handshake(40000, hs);
	struct segment d = tcp(true, 40000, TCPF_ACK, C_ISN + 1, S_ISN + 1, 100);
	ck_assert_uint_eq(rule_for(d), 0); /* 1 */
	ck_assert_uint_eq(rule_for(d), 0); /* 2 */
	ck_assert_uint_eq(rule_for(tcp(false, 40000, TCPF_ACK, S_ISN + 1, C_ISN + 101, 0)), 0);
	/* acknowledged: a spurious resend starts again at 2, so attempt 3 does not match */
	ck_assert_uint_eq(rule_for(d), 0);
	ck_assert_uint_eq(rule_for(d), 1);
}
END_TEST

START_TEST(test_conn_numbers_connections_as_first_seen)
{
	load("drop conn 2\n");
	unsigned a[3], b[3], c[3];
	handshake(40001, a);
	handshake(40002, b);
	ck_assert_uint_eq(a[0] + a[1] + a[2], 0);
	ck_assert_uint_eq(b[0] && b[1] && b[2], 1);
	/* the first connection again */
	ck_assert_uint_eq(rule_for(tcp(true, 40001, TCPF_ACK, C_ISN + 1, S_ISN + 1, 10)), 0);
	/* a new ISN on port 40002 opens connection 3 */
	ck_assert_uint_eq(rule_for(tcp(true, 40002, TCPF_SYN, C_ISN + 99999, 0, 0)), 0);
	handshake(40003, c);
	ck_assert_uint_eq(c[0], 0);
}
END_TEST

START_TEST(test_phases_as_the_wire_sees_them)
{
	load("pass handshake\ndrop established\ndelay 1ms closing\n");
	unsigned hs[3];
	handshake(40000, hs);
	ck_assert_uint_eq(hs[0], 1);
	ck_assert_uint_eq(hs[1], 1);
	ck_assert_uint_eq(hs[2], 1); /* the ACK that completes it */
	ck_assert_uint_eq(rule_for(tcp(true, 40000, TCPF_ACK, C_ISN + 1, S_ISN + 1, 0)), 2);
	ck_assert_uint_eq(rule_for(tcp(false, 40000, TCPF_ACK, S_ISN + 1, C_ISN + 1, 50)), 2);
	ck_assert_uint_eq(
	    rule_for(tcp(false, 40000, TCPF_FIN | TCPF_ACK, S_ISN + 51, C_ISN + 1, 0)), 3);
	/* after either FIN, everything is closing, also the other side's data */
	ck_assert_uint_eq(rule_for(tcp(true, 40000, TCPF_ACK, C_ISN + 1, S_ISN + 52, 20)), 3);
	/* picked up mid-stream: established */
	ck_assert_uint_eq(rule_for(tcp(true, 41000, TCPF_ACK, 7, 9, 10)), 2);
}
END_TEST

START_TEST(test_between_counts_from_the_first_segment)
{
	load("drop between 2s 5s\n");
	ck_assert_uint_eq(rule_for(tcp(true, 40000, TCPF_SYN, C_ISN, 0, 0)), 0);
	now_us = 1999999;
	ck_assert_uint_eq(rule_for(tcp(true, 40000, TCPF_SYN, C_ISN, 0, 0)), 0);
	now_us = 2000000;
	ck_assert_uint_eq(rule_for(tcp(true, 40000, TCPF_SYN, C_ISN, 0, 0)), 1);
	/* another connection's clock starts at its own first segment */
	ck_assert_uint_eq(rule_for(tcp(true, 40001, TCPF_SYN, C_ISN, 0, 0)), 0);
	now_us = 4999999;
	ck_assert_uint_eq(rule_for(tcp(true, 40000, TCPF_SYN, C_ISN, 0, 0)), 1);
	now_us = 5000000;
	ck_assert_uint_eq(rule_for(tcp(true, 40000, TCPF_SYN, C_ISN, 0, 0)), 0);
	ck_assert_uint_eq(rule_for(tcp(true, 40001, TCPF_SYN, C_ISN, 0, 0)), 1);
}
END_TEST

START_TEST(test_chains_follow_a_labelled_rule_per_connection)
{
	load("@lostfin drop fin from client once\n"
	     "delay 5ms [.] from server after @lostfin\n"
	     "pass [.] from server until @lostfin\n");
	unsigned a[3], b[3];
	handshake(40001, a);
	handshake(40002, b);
	struct segment ack1 = tcp(false, 40001, TCPF_ACK, S_ISN + 1, C_ISN + 1, 0);
	ck_assert_uint_eq(rule_for(ack1), 3);
	ck_assert_uint_eq(rule_for(tcp(true, 40001, TCPF_FIN | TCPF_ACK, C_ISN + 1, S_ISN + 1, 0)),
	                  1);
	ck_assert_uint_eq(rule_for(ack1), 2);
	/* the other connection's FIN was not dropped */
	ck_assert_uint_eq(rule_for(tcp(false, 40002, TCPF_ACK, S_ISN + 1, C_ISN + 1, 0)), 3);
}
END_TEST

/* "text" must be refused at line:col with a message containing msg. */
static void refused(const char *text, unsigned line, unsigned col, const char *msg)
{
	struct rule_error err;
	ck_assert_int_eq(ruleset_parse_string(&rs, "t.rules", text, &err), -EINVAL);
	ck_assert_msg(err.line == line && err.col == col && strstr(err.msg, msg),
	              "'%s': got %u:%u %s", text, err.line, err.col, err.msg);
}

START_TEST(test_selection_errors_say_where_and_how)
{
	refused("drop attempt\n", 1, 13, "'attempt' needs a number or a range");
	refused("drop attempt 0\n", 1, 14, "write a transmission number from 1");
	refused("drop attempt 3-2\n", 1, 14, "runs backwards");
	refused("drop attempt 2 retransmission\n", 1, 16, "duplicate attempt");
	refused("drop conn 0\n", 1, 11, "number from 1");
	refused("drop closing closing\n", 1, 14, "duplicate phase");
	refused("drop between 5s 2s\n", 1, 17, "end must come after its start");
	refused("drop between 2s\n", 1, 16, "two durations");
	refused("drop fin @x\n", 1, 10, "a label goes first on the line");
	refused("@X drop fin\n", 1, 1, "after @ write 1 to 32 of a-z 0-9 - _");
	refused("@x\n", 1, 3, "a label needs its rule after it");
	refused("drop until @nope\n", 1, 12, "unknown label @nope");
	refused("drop until x\n", 1, 12, "'until' needs a label");
	refused("@a drop fin\n@a drop syn\n", 2, 1, "@a already names the rule on line 1");
	refused("@a drop fin\ndrop after @a until @a\n", 2, 15, "duplicate chain");
}
END_TEST

START_TEST(test_at_most_64_labels)
{
	char text[4096] = "";
	for (int k = 0; k <= RULE_MAX_LABELS; k++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "@l%d drop len %d\n", k,
		         k);
	refused(text, RULE_MAX_LABELS + 1, 1, "too many labels");
}
END_TEST

START_TEST(test_after_n_is_still_a_count)
{
	load("@x drop syn once\ndrop fin after 1\n");
	ck_assert_uint_eq(rs.rules[1].count, RULE_COUNT_AFTER);
	ck_assert_uint_eq(rs.rules[1].chain, RULE_CHAIN_NONE);
	ck_assert_str_eq(rs.rules[0].label, "x");
	ck_assert_str_eq(rs.rules[0].text, "@x drop syn once");
	ck_assert_uint_eq(rs.n_labels, 1);
}
END_TEST

static Suite *rule_select_suite(void)
{
	Suite *s = suite_create("rule_select");
	TCase *a = tcase_create("attempt");
	tcase_add_checked_fixture(a, NULL, teardown);
	tcase_add_test(a, test_attempt_counts_transmissions_of_a_syn);
	tcase_add_test(a, test_attempt_ignores_a_changed_ack_or_window);
	tcase_add_test(a, test_the_second_and_third_fin_of_the_client_dropped);
	tcase_add_test(a, test_original_and_retransmission);
	tcase_add_test(a, test_an_acknowledged_range_is_forgotten);
	suite_add_tcase(s, a);
	TCase *c = tcase_create("connection");
	tcase_add_checked_fixture(c, NULL, teardown);
	tcase_add_test(c, test_conn_numbers_connections_as_first_seen);
	tcase_add_test(c, test_phases_as_the_wire_sees_them);
	tcase_add_test(c, test_between_counts_from_the_first_segment);
	tcase_add_test(c, test_chains_follow_a_labelled_rule_per_connection);
	suite_add_tcase(s, c);
	TCase *e = tcase_create("parse");
	tcase_add_checked_fixture(e, NULL, teardown);
	tcase_add_test(e, test_selection_errors_say_where_and_how);
	tcase_add_test(e, test_at_most_64_labels);
	tcase_add_test(e, test_after_n_is_still_a_count);
	suite_add_tcase(s, e);
	return s;
}

int main(void)
{
	return synfin_run_suite(rule_select_suite());
}
