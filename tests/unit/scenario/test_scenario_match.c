/* The conversation matcher, against synthetic traces and against real Linux captures
 * (tests/data/captures/, read from tcpdump's -S text). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conversation.h"
#include "pairings_fixture.h"
#include "scenario.h"
#include "test_support.h"
#include "wire/segment.h"

/* A line of `tcpdump -n -S -r` into an observed segment; the client is 192.168.1.108. */
static int parse_tcpdump_line(const char *line, struct obs_seg *s)
{
	unsigned hh, mm, ss, us;
	char src[32], flags[16];
	memset(s, 0, sizeof(*s));
	if (sscanf(line, "%u:%u:%u.%u IP %31s > %*s Flags [%15[^]]]", &hh, &mm, &ss, &us, src,
	           flags) != 6)
		return -1;
	s->t_us = ((uint64_t)hh * 3600 + mm * 60 + ss) * 1000000 + us;
	s->dir = strncmp(src, "192.168.1.108.", 14) ? 1 : 0;
	for (const char *f = flags; *f; f++)
		s->flags |= *f == 'F'   ? TCPF_FIN
		            : *f == 'S' ? TCPF_SYN
		            : *f == 'R' ? TCPF_RST
		            : *f == 'P' ? TCPF_PSH
		            : *f == '.' ? TCPF_ACK
		                        : 0;
	const char *p = strstr(line, ", seq ");
	if (p)
		s->seq = (uint32_t)strtoul(p + 6, NULL, 10);
	p = strstr(line, ", ack ");
	if (p)
		s->ack = (uint32_t)strtoul(p + 6, NULL, 10);
	p = strstr(line, ", length ");
	if (p)
		s->len = (uint32_t)strtoul(p + 9, NULL, 10);
	/* a segment without seq (a pure ACK) is at the sender's next sequence number; tcpdump
	 * does not print it, so it is left 0 and never compared (pure ACK lines say no seq) */
	s->verdict = SCN_V_PASS;
	return 0;
}

static struct observed capture(const char *name)
{
	char rel[256], path[512];
	snprintf(rel, sizeof(rel), "captures/%s.abs.txt", name);
	synfin_data_path(path, sizeof(path), rel);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot read %s", path);
	struct observed o = {0};
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		struct obs_seg s;
		if (parse_tcpdump_line(line, &s) == 0)
			ck_assert_int_eq(observed_add(&o, &s), 0);
	}
	fclose(f);
	observed_relativize(&o);
	return o;
}

struct checked {
	struct scenario s;
	struct scn_case c;
	struct match_result m;
};

static void match(struct checked *k, const char *scn, const struct observed *o)
{
	struct scn_error err;
	int r = scenario_parse_string(&k->s, "t.scn", scn, &err);
	ck_assert_msg(r == 0, "%s:%u: %s", err.file, err.line, err.msg);
	ck_assert_int_eq(scenario_resolve(&k->s, pair_of("linux-linux"), false, &k->c), 0);
	ck_assert_int_eq(conversation_match(&k->c, o, &k->m), 0);
}

static void done(struct checked *k)
{
	match_result_free(&k->m);
	scn_case_free(&k->c);
	scenario_free(&k->s);
}

/* The seed's 3.3.1 with segment 5 a `maybe` line: both captures are that conversation. */
static const char *const connect_close = "c>s [S]  seq 0\n"
                                         "s>c [S.] seq 0 ack 1\n"
                                         "c>s [.]  ack 1\n"
                                         "fin1: c>s [F.] seq 1 ack 1 +500ms\n"
                                         "maybe s>c [.] ack 2\n"
                                         "s>c [F.] seq 1 ack 2\n"
                                         "c>s [.]  ack 2\n";

START_TEST(test_three_segment_close_matches_with_the_ack_merged)
{
	struct observed o = capture("linux-connect-close-3seg");
	ck_assert_uint_eq(o.n, 6);
	struct checked k;
	match(&k, connect_close, &o);
	ck_assert_msg(k.m.ok, "%s", k.m.why);
	ck_assert_int_eq(k.m.exp_to_obs[4], -1); /* the maybe line */
	ck_assert_int_eq(k.m.exp_to_obs[5], 4);
	done(&k);
	observed_free(&o);
}
END_TEST

START_TEST(test_four_segment_close_matches_with_the_ack_alone)
{
	struct observed o = capture("linux-connect-close-4seg");
	struct checked k;
	match(&k, connect_close, &o);
	ck_assert_msg(k.m.ok, "%s", k.m.why);
	ck_assert_int_eq(k.m.exp_to_obs[4], 4);
	done(&k);
	observed_free(&o);
}
END_TEST

START_TEST(test_four_segment_close_fails_a_three_segment_expectation)
{
	struct observed o = capture("linux-connect-close-4seg");
	struct checked k;
	match(&k,
	      "c>s [S] seq 0\ns>c [S.] seq 0 ack 1\nc>s [.] ack 1\nc>s [F.] seq 1 ack 1\n"
	      "s>c [F.] seq 1 ack 2 +0..10ms\nc>s [.] ack 2\n",
	      &o);
	ck_assert(!k.m.ok);
	ck_assert_uint_eq(k.m.fail_obs, 4);
	ck_assert_msg(strstr(k.m.why, "line 5") && strstr(k.m.why, "flags differ"), "%s", k.m.why);
	done(&k);
	observed_free(&o);
}
END_TEST

START_TEST(test_late_server_fin_is_outside_its_window)
{
	struct observed o = capture("linux-connect-close-4seg");
	struct checked k;
	/* the server's FIN left 300 ms after the client's: a 100 ms expectation is wrong */
	match(&k,
	      "c>s [S]\ns>c [S.]\nc>s [.]\nfin1: c>s [F.]\ns>c [.] ack 2 +0..10ms\n"
	      "s>c [F.] seq 1 ack 2 +100ms after fin1\nc>s [.] ack 2\n",
	      &o);
	ck_assert(!k.m.ok);
	ck_assert_msg(strstr(k.m.why, "after 0.300 s, expected 0.087..0.113 s"), "%s", k.m.why);
	done(&k);
	match(&k,
	      "c>s [S]\ns>c [S.]\nc>s [.]\nfin1: c>s [F.]\ns>c [.] ack 2 +0..10ms\n"
	      "s>c [F.] seq 1 ack 2 +300ms after fin1\nc>s [.] ack 2\n",
	      &o);
	ck_assert_msg(k.m.ok, "%s", k.m.why);
	done(&k);
	observed_free(&o);
}
END_TEST

START_TEST(test_request_response_seq_and_ack_are_relative_to_each_isn)
{
	struct observed o = capture("linux-request-response");
	struct checked k;
	match(&k,
	      "c>s [S] seq 0\ns>c [S.] seq 0 ack 1\nc>s [.] ack 1\n"
	      "c>s [P.] seq 1:19 ack 1\ns>c [.] ack 19 +0..10ms\n"
	      "s>c [P.] seq 1:26 ack 19\nc>s [.] ack 26\n"
	      "c>s [F.] seq 19 ack 26 +300ms\ns>c [F.] seq 26 ack 20\nc>s [.] ack 27\n",
	      &o);
	ck_assert_msg(k.m.ok, "%s", k.m.why);
	done(&k);
	match(&k, "c>s [S]\ns>c [S.]\nc>s [.]\nc>s [P.] seq 1:20\n...\n", &o);
	ck_assert(!k.m.ok);
	ck_assert_msg(strstr(k.m.why, "length 18, expected 19"), "%s", k.m.why);
	done(&k);
	observed_free(&o);
}
END_TEST

START_TEST(test_seed_syn_timeout_capture_doubles_each_gap)
{
	struct observed o = capture("linux-syn-timeout-classic");
	ck_assert_uint_eq(o.n, 6);
	struct checked k;
	match(&k,
	      "c>s [S] seq 0\nc>s [S] seq 0 +1s\nc>s [S] seq 0 +2s\nc>s [S] seq 0 +4s\n"
	      "c>s [S] seq 0 +8s\nc>s [S] seq 0 +16s\n",
	      &o);
	ck_assert_msg(k.m.ok, "%s", k.m.why);
	done(&k);
	/* Linux 6.5+'s linear timeouts would send the third SYN 1 s after the second */
	match(&k, "c>s [S]\nc>s [S] +1s\nc>s [S] +1s\nc>s [S] +1s\nc>s [S] +1s\nc>s [S] +1s\n", &o);
	ck_assert(!k.m.ok);
	ck_assert_uint_eq(k.m.fail_obs, 2);
	done(&k);
	/* absolute times from the first SYN: 31.609 s is within 12.5% of 31 s */
	match(&k,
	      "c>s [S]\nc>s [S] at 1s\nc>s [S] at 3s\nc>s [S] at 7s\nc>s [S] at 15s\n"
	      "c>s [S] at 31s\n",
	      &o);
	ck_assert_msg(k.m.ok, "%s", k.m.why);
	done(&k);
	observed_free(&o);
}
END_TEST

static struct obs_seg seg(uint64_t t_ms, int dir, uint8_t flags, uint32_t seq, uint32_t ack,
                          int verdict)
{
	struct obs_seg s = {.t_us = 1000000000ULL + t_ms * 1000,
	                    .dir = dir,
	                    .flags = flags,
	                    .seq = seq,
	                    .ack = ack,
	                    .verdict = verdict};
	return s;
}

START_TEST(test_unordered_group_accepts_crossing_fins_either_way)
{
	struct observed o = {0};
	/* simultaneous close: both FINs cross, then both ACKs */
	struct obs_seg v[] = {
	    seg(0, 0, TCPF_SYN, 100, 0, SCN_V_PASS),
	    seg(1, 1, TCPF_SYN | TCPF_ACK, 500, 101, SCN_V_PASS),
	    seg(2, 0, TCPF_ACK, 101, 501, SCN_V_PASS),
	    seg(500, 1, TCPF_FIN | TCPF_ACK, 501, 101, SCN_V_DELAY),
	    seg(501, 0, TCPF_FIN | TCPF_ACK, 101, 501, SCN_V_DELAY),
	    seg(601, 0, TCPF_ACK, 102, 502, SCN_V_PASS),
	    seg(602, 1, TCPF_ACK, 502, 102, SCN_V_PASS),
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		observed_add(&o, &v[i]);
	observed_relativize(&o);
	struct checked k;
	match(&k,
	      "c>s [S]\ns>c [S.]\nc>s [.]\n"
	      "{\nc>s [F.] seq 1 ack 1 delayed at 500ms\ns>c [F.] seq 1 ack 1 delayed at 500ms\n}\n"
	      "{\nc>s [.] ack 2 +100ms\ns>c [.] ack 2\n}\n",
	      &o);
	ck_assert_msg(k.m.ok, "%s", k.m.why);
	ck_assert_int_eq(k.m.exp_to_obs[3], 4);
	ck_assert_int_eq(k.m.exp_to_obs[4], 3);
	done(&k);
	/* the same without the group insists on the order */
	match(&k,
	      "c>s [S]\ns>c [S.]\nc>s [.]\n"
	      "c>s [F.] seq 1 ack 1\ns>c [F.] seq 1 ack 1\n...\n",
	      &o);
	ck_assert(!k.m.ok);
	done(&k);
	observed_free(&o);
}
END_TEST

START_TEST(test_verdicts_and_wildcards)
{
	struct observed o = {0};
	struct obs_seg v[] = {
	    seg(0, 0, TCPF_SYN, 7, 0, SCN_V_DROP),
	    seg(1000, 0, TCPF_SYN, 7, 0, SCN_V_PASS),
	    seg(1001, 1, TCPF_SYN | TCPF_ACK, 900, 8, SCN_V_PASS),
	    seg(1002, 0, TCPF_ACK, 8, 901, SCN_V_PASS),
	    seg(1003, 0, TCPF_ACK | TCPF_PSH, 8, 901, SCN_V_PASS),
	    seg(1004, 1, TCPF_ACK, 901, 20, SCN_V_PASS),
	};
	v[4].len = 12;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		observed_add(&o, &v[i]);
	observed_relativize(&o);
	struct checked k;
	match(&k, "c>s [S] seq 0 dropped\nc>s [S] seq 0 passed +1s\n...\n", &o);
	ck_assert_msg(k.m.ok, "%s", k.m.why);
	done(&k);
	match(&k, "c>s [S] seq 0 passed\n...\n", &o);
	ck_assert(!k.m.ok);
	ck_assert_msg(strstr(k.m.why, "it was dropped, expected passed"), "%s", k.m.why);
	done(&k);
	match(&k,
	      "c>s [S] dropped\nc>s [S] +1s\ns>c [S.] ack 1\nc>s [.] ack 1\n"
	      "c>s [P?.] seq 1:13 ack 1\ns>c [.] ack 13\nc>s [.]\n",
	      &o);
	ck_assert(!k.m.ok);
	ck_assert_msg(strstr(k.m.why, "trace ended"), "%s", k.m.why);
	done(&k);
	/* every verdict has its word, both ways (a table of three once read past its end) */
	o.segs[0].verdict = SCN_V_REORDERED;
	match(&k, "c>s [S] seq 0 duplicated\n...\n", &o);
	ck_assert(!k.m.ok);
	ck_assert_msg(strstr(k.m.why, "it was reordered, expected duplicated"), "%s", k.m.why);
	done(&k);
	observed_free(&o);
}
END_TEST

START_TEST(test_ack_every_second_full_segment)
{
	struct observed o = {0};
	struct obs_seg v[] = {
	    seg(0, 0, TCPF_SYN, 100, 0, SCN_V_PASS),
	    seg(1, 1, TCPF_SYN | TCPF_ACK, 500, 101, SCN_V_PASS),
	    seg(2, 0, TCPF_ACK, 101, 501, SCN_V_PASS),
	    seg(3, 0, TCPF_ACK, 101, 501, SCN_V_PASS),
	    seg(3, 0, TCPF_ACK, 1101, 501, SCN_V_PASS),
	    seg(3, 0, TCPF_ACK, 2101, 501, SCN_V_PASS),
	    seg(3, 0, TCPF_ACK, 3101, 501, SCN_V_PASS),
	    seg(4, 1, TCPF_ACK, 501, 2101, SCN_V_PASS),
	    seg(5, 1, TCPF_ACK, 501, 4101, SCN_V_PASS),
	};
	for (int i = 3; i <= 6; i++)
		v[i].len = 1000;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		observed_add(&o, &v[i]);
	observed_relativize(&o);
	char why[200] = "";
	ck_assert_int_eq(conversation_check_ack_every(&o, 1, 2, why, sizeof(why)), 0);
	/* one ACK for all four segments is a stretch ACK */
	o.segs[7].rack = o.segs[8].rack;
	o.segs[7].ack = o.segs[8].ack;
	o.n = 8;
	ck_assert_int_eq(conversation_check_ack_every(&o, 1, 2, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "acknowledges 4000 bytes at once"), "%s", why);
	/* no data from the peer: nothing to check */
	ck_assert_int_eq(conversation_check_ack_every(&o, 0, 2, why, sizeof(why)), 0);
	observed_free(&o);
}
END_TEST

/* A lost segment's retransmission fills the hole: the ACK after it covers everything that had
 * arrived beyond the hole, as it must. Without the retransmission the same jump is a stretch. */
START_TEST(test_ack_that_fills_a_hole_may_cover_many_segments)
{
	struct observed o = {0};
	struct obs_seg v[] = {
	    seg(0, 0, TCPF_SYN, 100, 0, SCN_V_PASS),
	    seg(1, 1, TCPF_SYN | TCPF_ACK, 500, 101, SCN_V_PASS),
	    seg(2, 0, TCPF_ACK, 101, 501, SCN_V_PASS),
	    seg(3, 0, TCPF_ACK, 101, 501, SCN_V_DROP), /* lost */
	    seg(3, 0, TCPF_ACK, 1101, 501, SCN_V_PASS),
	    seg(4, 1, TCPF_ACK, 501, 101, SCN_V_PASS), /* duplicate ACKs */
	    seg(3, 0, TCPF_ACK, 2101, 501, SCN_V_PASS),
	    seg(4, 1, TCPF_ACK, 501, 101, SCN_V_PASS),
	    seg(3, 0, TCPF_ACK, 3101, 501, SCN_V_PASS),
	    seg(4, 1, TCPF_ACK, 501, 101, SCN_V_PASS),
	    seg(5, 0, TCPF_ACK, 101, 501, SCN_V_PASS), /* the retransmission */
	    seg(5, 1, TCPF_ACK, 501, 4101, SCN_V_PASS),
	};
	unsigned data[] = {3, 4, 6, 8, 10};
	for (size_t i = 0; i < sizeof(data) / sizeof(data[0]); i++)
		v[data[i]].len = 1000;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		observed_add(&o, &v[i]);
	observed_relativize(&o);
	char why[200] = "";
	ck_assert_int_eq(conversation_check_ack_every(&o, 1, 2, why, sizeof(why)), 0);
	/* the same jump with no retransmission before it */
	o.segs[10].len = 0;
	ck_assert_int_eq(conversation_check_ack_every(&o, 1, 2, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "acknowledges 4000 bytes at once"), "%s", why);
	observed_free(&o);
}
END_TEST

START_TEST(test_side_by_side_marks_the_failure)
{
	struct observed o = capture("linux-connect-close-4seg");
	struct checked k;
	match(&k, "c>s [S]\ns>c [S.]\nc>s [.]\nc>s [F.]\ns>c [F.] seq 1 ack 2\nc>s [.] ack 2\n",
	      &o);
	ck_assert(!k.m.ok);
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	conversation_print_side_by_side(f, &k.c, &o, &k.m);
	fclose(f);
	ck_assert_msg(strstr(buf, ">>   5 s>c [F.] seq 1 ack 2") != NULL, "%s", buf);
	ck_assert_msg(strstr(buf, "s>c [.] ack 2 +0.004s") != NULL, "%s", buf);
	free(buf);
	done(&k);
	observed_free(&o);
}
END_TEST

/* n pure ACKs from the client, 10 ms apart, after a handshake the trace does not show */
static struct observed acks(size_t n)
{
	struct observed o = {0};
	for (size_t i = 0; i < n; i++) {
		struct obs_seg s = seg(10 * i, 0, TCPF_ACK, 101, 501, SCN_V_PASS);
		ck_assert_int_eq(observed_add(&o, &s), 0);
	}
	observed_relativize(&o);
	return o;
}

START_TEST(test_many_anything_lines_before_a_missing_segment_name_it_in_few_steps)
{
	/* Eight `...` lines can share 200 segments in C(208, 8) ways; trying each of them ran
	 * into the step bound ("gave up") instead of naming the missing SYN. A state (line,
	 * segment) that failed once fails again, so the search visits each about twice. */
	for (size_t n = 64; n <= 200; n += 136) {
		struct observed o = acks(n);
		struct checked k;
		match(&k, "...\n...\n...\n...\n...\n...\n...\n...\nc>s [S] seq 0\n", &o);
		ck_assert(!k.m.ok);
		ck_assert_msg(strstr(k.m.why, "line 9 (c>s [S] seq 0): the trace ended without it"),
		              "%s", k.m.why);
		ck_assert_uint_eq(k.m.fail_exp, 8);
		ck_assert_uint_eq(k.m.fail_obs, n);
		ck_assert_msg(k.m.steps <= 4 * 10 * ((long)n + 1), "%ld steps for %zu segments",
		              k.m.steps, n);
		done(&k);
		observed_free(&o);
	}
}
END_TEST

START_TEST(test_anything_takes_the_segments_of_a_long_transfer)
{
	/* one recursion per segment taken overflowed the stack near 35,000 segments */
	struct observed o = acks(300000);
	struct checked k;
	match(&k, "...\nc>s [.]\n", &o);
	ck_assert_msg(k.m.ok, "%s", k.m.why);
	done(&k);
	match(&k, "...\nc>s [S] seq 0\n", &o);
	ck_assert(!k.m.ok);
	ck_assert_msg(strstr(k.m.why, "line 2 (c>s [S] seq 0): the trace ended without it"), "%s",
	              k.m.why);
	done(&k);
	observed_free(&o);
}
END_TEST

START_TEST(test_many_maybe_lines_before_a_missing_segment_name_it_in_few_steps)
{
	struct observed o = acks(64);
	struct checked k;
	/* each maybe ACK may take one segment or none; then `...` the rest */
	match(&k,
	      "maybe c>s [.]\nmaybe c>s [.]\nmaybe c>s [.]\nmaybe c>s [.]\nmaybe c>s [.]\n"
	      "maybe c>s [.]\nmaybe c>s [.]\nmaybe c>s [.]\n...\nmaybe c>s [.]\n"
	      "maybe c>s [.]\nmaybe c>s [.]\nmaybe c>s [.]\n...\nc>s [S] seq 0\n",
	      &o);
	ck_assert(!k.m.ok);
	ck_assert_msg(strstr(k.m.why, "line 15 (c>s [S] seq 0): the trace ended without it"), "%s",
	              k.m.why);
	ck_assert_msg(k.m.steps <= 4 * 16 * 65, "%ld steps", k.m.steps);
	done(&k);
	observed_free(&o);
}
END_TEST

START_TEST(test_a_time_after_a_label_is_tried_for_each_place_the_label_can_match)
{
	/* Two SYNs, then the ACK 900 ms after the second. With `a` on the first SYN the ACK is
	 * 1000 ms after it, out of its window, so the state (second `...`, segment 3) fails;
	 * with `a` on the second SYN the same state succeeds: remembering failures must tell
	 * the two apart. */
	struct observed o = {0};
	struct obs_seg v[] = {
	    seg(0, 0, TCPF_SYN, 100, 0, SCN_V_PASS),
	    seg(100, 0, TCPF_SYN, 100, 0, SCN_V_PASS),
	    seg(1000, 0, TCPF_ACK, 101, 0, SCN_V_PASS),
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ck_assert_int_eq(observed_add(&o, &v[i]), 0);
	observed_relativize(&o);
	struct checked k;
	match(&k, "...\na: c>s [S]\n...\nc>s [.] +890..910ms after a\n", &o);
	ck_assert_msg(k.m.ok, "%s", k.m.why);
	ck_assert_int_eq(k.m.exp_to_obs[1], 1);
	ck_assert_int_eq(k.m.exp_to_obs[3], 2);
	done(&k);
	match(&k, "...\na: c>s [S]\n...\nc>s [.] +990..1010ms after a\n", &o);
	ck_assert_msg(k.m.ok, "%s", k.m.why);
	ck_assert_int_eq(k.m.exp_to_obs[1], 0);
	done(&k);
	match(&k, "...\na: c>s [S]\n...\nc>s [.] +500..600ms after a\n", &o);
	ck_assert(!k.m.ok);
	ck_assert_msg(strstr(k.m.why, "line 4 (c>s [.] +500..600ms after a)"), "%s", k.m.why);
	done(&k);
	observed_free(&o);
}
END_TEST

int main(void)
{
	use_project_pairings();
	Suite *s = suite_create("scenario_match");
	TCase *tc = tcase_create("match");
	tcase_add_test(tc, test_three_segment_close_matches_with_the_ack_merged);
	tcase_add_test(tc, test_four_segment_close_matches_with_the_ack_alone);
	tcase_add_test(tc, test_four_segment_close_fails_a_three_segment_expectation);
	tcase_add_test(tc, test_late_server_fin_is_outside_its_window);
	tcase_add_test(tc, test_request_response_seq_and_ack_are_relative_to_each_isn);
	tcase_add_test(tc, test_seed_syn_timeout_capture_doubles_each_gap);
	tcase_add_test(tc, test_unordered_group_accepts_crossing_fins_either_way);
	tcase_add_test(tc, test_verdicts_and_wildcards);
	tcase_add_test(tc, test_ack_every_second_full_segment);
	tcase_add_test(tc, test_ack_that_fills_a_hole_may_cover_many_segments);
	tcase_add_test(tc, test_side_by_side_marks_the_failure);
	tcase_add_test(tc, test_many_anything_lines_before_a_missing_segment_name_it_in_few_steps);
	tcase_add_test(tc, test_anything_takes_the_segments_of_a_long_transfer);
	tcase_add_test(tc, test_many_maybe_lines_before_a_missing_segment_name_it_in_few_steps);
	tcase_add_test(tc, test_a_time_after_a_label_is_tried_for_each_place_the_label_can_match);
	suite_add_tcase(s, tc);
	return synfin_run_suite(s);
}
