/* The judge: recorded runs (tests/unit/scenario/data/, taken from real run folders) and
 * records built here, passing and failing; every failure message is pinned as the report
 * prints it. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint/peer_script.h"
#include "judge.h"
#include "pairings_fixture.h"
#include "scenario.h"
#include "test_support.h"
#include "wire/segment.h"

#define T0 1700000000000000ull

struct judged {
	struct scenario s;
	struct scn_case c;
	struct run_record r;
	struct judge_verdict v;
};

static void parse_case(struct judged *j, const char *text, unsigned pair)
{
	struct scn_error err;
	memset(j, 0, sizeof(*j));
	int rc = scenario_parse_string(&j->s, "t.scn", text, &err);
	ck_assert_msg(rc == 0, "%s:%u: %s", err.file, err.line, err.msg);
	ck_assert_int_eq(scenario_resolve(&j->s, pair, false, &j->c), 0);
}

static void data_path(char *buf, size_t size, const char *rel)
{
	char sub[256];
	ck_assert_int_lt(snprintf(sub, sizeof(sub), "tests/unit/scenario/data/%s", rel),
	                 (int)sizeof(sub));
	synfin_src_path(buf, size, sub);
}

/* The application's exit as its own log has it: the "exit" event's time and status. */
static void app_exit_from_log(struct app_record *a, const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot read %s", path);
	char line[2048];
	while (fgets(line, sizeof(line), f)) {
		unsigned long sec, usec;
		const char *st = strstr(line, "\"what\":\"exit\",\"status\":");
		if (st && sscanf(line, "{\"t\":%lu.%lu", &sec, &usec) == 2) {
			a->exit = atoi(st + strlen("\"what\":\"exit\",\"status\":"));
			a->end_us = (uint64_t)sec * 1000000u + usec;
		}
	}
	fclose(f);
}

/* A run folder's trace and logs, judged as the case of scn for pair. */
static void judge_recorded(struct judged *j, const char *scn, const char *run, unsigned pair)
{
	struct scn_error err;
	char path[700];
	memset(j, 0, sizeof(*j));
	data_path(path, sizeof(path), scn);
	int rc = scenario_parse_file(&j->s, path, &err);
	ck_assert_msg(rc == 0, "%s:%u: %s", err.file, err.line, err.msg);
	ck_assert_int_eq(scenario_resolve(&j->s, pair, false, &j->c), 0);
	static const char *const role[2] = {"client", "server"};
	for (int k = 0; k < 2; k++) {
		char rel[200];
		snprintf(rel, sizeof(rel), "%s/%s.jsonl", run, role[k]);
		data_path(path, sizeof(path), rel);
		ck_assert_int_eq(app_events_read_jsonl(&j->r.app[k], path), 0);
		app_exit_from_log(&j->r.app[k], path);
	}
	snprintf(path, sizeof(path), "%s/trace.jsonl", run);
	data_path(j->r.trace_path, sizeof(j->r.trace_path), path);
	ck_assert_int_eq(observed_read_jsonl(&j->r.trace, j->r.trace_path), 0);
	judge_run(&j->c, &j->r, &j->v);
}

static void done(struct judged *j)
{
	judge_verdict_free(&j->v);
	run_record_free(&j->r);
	scn_case_free(&j->c);
	scenario_free(&j->s);
}

static struct obs_seg seg(unsigned ms, int dir, uint8_t flags, uint32_t seq, uint32_t ack,
                          uint32_t len)
{
	struct obs_seg s = {.t_us = T0 + ms * 1000ull,
	                    .dir = dir,
	                    .flags = flags,
	                    .seq = seq,
	                    .ack = ack,
	                    .len = len,
	                    .verdict = SCN_V_PASS};
	return s;
}

/* A handshake, the client's 12 bytes and the server's ACK, a three-segment close. */
static const char *const request_close = "c>s [S]  seq 0\n"
                                         "s>c [S.] seq 0 ack 1\n"
                                         "c>s [.]  ack 1\n"
                                         "c>s [P.] seq 1:13 ack 1\n"
                                         "s>c [.]  ack 13\n"
                                         "c>s [F.] seq 13 ack 1\n"
                                         "s>c [F.] seq 1 ack 14\n"
                                         "c>s [.]  ack 2\n";

static void record_request_close(struct run_record *r)
{
	struct obs_seg v[] = {
	    seg(0, 0, TCPF_SYN, 100, 0, 0),
	    seg(1, 1, TCPF_SYN | TCPF_ACK, 500, 101, 0),
	    seg(2, 0, TCPF_ACK, 101, 501, 0),
	    seg(3, 0, TCPF_ACK | TCPF_PSH, 101, 501, 12),
	    seg(4, 1, TCPF_ACK, 501, 113, 0),
	    seg(100, 0, TCPF_FIN | TCPF_ACK, 113, 501, 0),
	    seg(101, 1, TCPF_FIN | TCPF_ACK, 501, 114, 0),
	    seg(102, 0, TCPF_ACK, 114, 502, 0),
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ck_assert_int_eq(observed_add(&r->trace, &v[i]), 0);
	observed_relativize(&r->trace);
	r->client_start_us = T0 - 5000;
	for (int k = 0; k < 2; k++) {
		r->app[k].exit = SCN_OUT_OK;
		r->app[k].end_us = T0 + 105000;
	}
	struct app_event eof = {.what = "eof", .has_bytes = true, .bytes = 12};
	/* the pattern's first 12 bytes (peer_script.h) */
	snprintf(eof.hash, sizeof(eof.hash), "%016llx",
	         (unsigned long long)peer_script_pattern_hash(12));
	struct app_event accepted = {.what = "accepted"}, closed = {.what = "closed"};
	ck_assert_int_eq(app_record_add_event(&r->app[1], &accepted), 0);
	ck_assert_int_eq(app_record_add_event(&r->app[1], &eof), 0);
	ck_assert_int_eq(app_record_add_event(&r->app[1], &closed), 0);
}

/* The request/close conversation with extra expectations, judged on its record. */
static void judge_request_close(struct judged *j, const char *extra)
{
	char text[2048];
	snprintf(text, sizeof(text), "%s%s", extra, request_close);
	parse_case(j, text, pair_of("linux-linux"));
	record_request_close(&j->r);
}

static void assert_fails(struct judged *j, enum run_status status, const char *reason)
{
	judge_run(&j->c, &j->r, &j->v);
	ck_assert_str_eq(run_status_name(j->v.status), run_status_name(status));
	ck_assert_str_eq(j->v.reason, reason);
}

START_TEST(test_recorded_abort_passes_with_each_outcome_and_time)
{
	struct judged j;
	judge_recorded(&j, "abort.scn", "abort.linux-stack", pair_of("linux-stack"));
	ck_assert_msg(j.v.status == RUN_PASS, "%s", j.v.reason);
	ck_assert_str_eq(j.v.reason, "");
	ck_assert(j.v.judged && j.v.match.ok);
	ck_assert_uint_eq(j.r.trace.n, 4);
	ck_assert_str_eq(j.v.app[SCN_CLIENT].outcome, "ok");
	ck_assert_str_eq(j.v.app[SCN_SERVER].outcome, "ECONNRESET");
	ck_assert_str_eq(j.v.app[SCN_SERVER].why, "");
	/* the server's exit event, 202.690 ms after the client's SYN reached the wire */
	ck_assert_double_eq_tol(j.v.app[SCN_SERVER].at_s, 0.202690, 1e-9);
	done(&j);
}
END_TEST

START_TEST(test_recorded_simultaneous_open_fails_on_the_fins_time)
{
	struct judged j;
	judge_recorded(&j, "simultaneous-open.scn", "simultaneous-open.stack-linux",
	               pair_of("stack-linux"));
	ck_assert_int_eq(j.v.status, RUN_FAIL);
	ck_assert_str_eq(j.v.reason,
	                 "line 28 (fin1: c>s [F.] seq 1 ack 1 +400ms after ssa) against "
	                 "segment 7 (c>s [F.] seq 1 ack 1 +0.202s): after 0.303 s, "
	                 "expected 0.350..0.450 s");
	ck_assert(j.v.judged && !j.v.match.ok);
	/* the applications did what the case says: only the conversation fails */
	ck_assert_str_eq(j.v.app[SCN_CLIENT].why, "");
	ck_assert_str_eq(j.v.app[SCN_SERVER].why, "");
	done(&j);
}
END_TEST

START_TEST(test_built_record_passes_every_check)
{
	struct judged j;
	judge_request_close(&j, "client exit ok +0..10ms\nserver exit any\n"
	                        "server sees accepted eof closed\nserver receives 12\n"
	                        "server ack-every 2\n");
	judge_run(&j.c, &j.r, &j.v);
	ck_assert_msg(j.v.status == RUN_PASS, "%s", j.v.reason);
	ck_assert_double_eq_tol(j.v.app[SCN_CLIENT].at_s, 0.105, 1e-9);
	done(&j);
}
END_TEST

START_TEST(test_an_unexpected_outcome_names_both)
{
	struct judged j;
	judge_request_close(&j, "server exit ECONNRESET\n");
	assert_fails(&j, RUN_FAIL, "server ended with ok, expected ECONNRESET");
	done(&j);
	judge_request_close(&j, "client exit ok\n");
	j.r.app[SCN_CLIENT].exit = 8;
	assert_fails(&j, RUN_FAIL, "client ended with exit 8, expected ok");
	ck_assert_str_eq(j.v.app[SCN_CLIENT].outcome, "exit 8");
	done(&j);
	/* lwIP's status for a connection its retransmissions gave up on */
	judge_request_close(&j, "client exit ok\n");
	j.r.app[SCN_CLIENT].exit = 7;
	assert_fails(&j, RUN_FAIL, "client ended with ECONNABORTED, expected ok");
	done(&j);
	judge_request_close(&j, "client exit ECONNABORTED\n");
	j.r.app[SCN_CLIENT].exit = 7;
	judge_run(&j.c, &j.r, &j.v);
	ck_assert_str_eq(run_status_name(j.v.status), run_status_name(RUN_PASS));
	done(&j);
}
END_TEST

START_TEST(test_an_exit_outside_its_window_says_where_it_was)
{
	struct judged j;
	judge_request_close(&j, "client exit ok at 50ms\n");
	assert_fails(&j, RUN_FAIL,
	             "client ended 0.105 s after the first segment, expected 0.044..0.056 s");
	done(&j);
	judge_request_close(&j, "server exit ok +1s\n");
	assert_fails(&j, RUN_FAIL,
	             "server ended 0.003 s after the last one, expected 0.875..1.125 s");
	done(&j);
	/* no segment at all: no anchor to measure from */
	judge_request_close(&j, "client exit ok at 0..1s\n");
	j.r.trace.n = 0;
	judge_run(&j.c, &j.r, &j.v);
	ck_assert_str_eq(j.v.app[SCN_CLIENT].why, "client ended 1700000000.105 s after the first "
	                                          "segment, expected 0.000..1.000 s");
	done(&j);
}
END_TEST

/* The application's own "exit" event, as synfin-kpeer and synfin-peer write it. */
static void add_exit_event(struct app_record *a, int status, uint64_t t_us)
{
	struct app_event ev = {.what = "exit", .t_us = t_us, .has_status = true, .status = status};
	ck_assert_int_eq(app_record_add_event(a, &ev), 0);
}

START_TEST(test_the_end_is_the_endpoints_record_not_when_the_runner_noticed)
{
	struct judged j;
	/* exit 3 at 6.30 s by its own record; the busy runner noticed at 15.6 s */
	judge_request_close(&j, "client exit ETIMEDOUT at 6.3s\n");
	j.r.app[SCN_CLIENT].exit = SCN_OUT_ETIMEDOUT;
	j.r.app[SCN_CLIENT].end_us = T0 + 15600000;
	add_exit_event(&j.r.app[SCN_CLIENT], PEER_EXIT_TIMEDOUT, T0 + 6300000);
	judge_run(&j.c, &j.r, &j.v);
	ck_assert_msg(j.v.status == RUN_PASS, "%s", j.v.reason);
	ck_assert_str_eq(j.v.app[SCN_CLIENT].outcome, "ETIMEDOUT");
	ck_assert_double_eq_tol(j.v.app[SCN_CLIENT].at_s, 6.3, 1e-9);
	ck_assert(!j.v.app[SCN_CLIENT].from_runner);
	done(&j);
	/* without the record, the runner's time, and the report says where it came from */
	judge_request_close(&j, "client exit ETIMEDOUT at 6.3s\n");
	j.r.app[SCN_CLIENT].exit = SCN_OUT_ETIMEDOUT;
	j.r.app[SCN_CLIENT].end_us = T0 + 15600000;
	assert_fails(&j, RUN_FAIL,
	             "client ended 15.600 s after the first segment, expected 5.513..7.088 s");
	ck_assert(j.v.app[SCN_CLIENT].from_runner);
	done(&j);
}
END_TEST

START_TEST(test_a_process_that_exited_is_not_killed)
{
	struct judged j;
	/* the runner found the server still there at the end and stopped it; it had exited
	 * with status 0 at 1.674 s by its own record */
	judge_request_close(&j, "server exit ok\n");
	j.r.app[SCN_SERVER].exit = SCN_OUT_KILLED;
	j.r.app[SCN_SERVER].end_us = T0 + 14300000;
	add_exit_event(&j.r.app[SCN_SERVER], PEER_EXIT_OK, T0 + 1674000);
	judge_run(&j.c, &j.r, &j.v);
	ck_assert_msg(j.v.status == RUN_PASS, "%s", j.v.reason);
	ck_assert_str_eq(j.v.app[SCN_SERVER].outcome, "ok");
	ck_assert_double_eq_tol(j.v.app[SCN_SERVER].at_s, 1.674, 1e-9);
	done(&j);
	/* nor is a client still running at the limit by the runner's count, but not by its own */
	judge_request_close(&j, "limit 20s\nclient exit ok\n");
	j.r.limit_hit = true;
	j.r.app[SCN_CLIENT].exit = SCN_OUT_KILLED;
	j.r.app[SCN_CLIENT].end_us = j.r.client_start_us + 20000000;
	add_exit_event(&j.r.app[SCN_CLIENT], PEER_EXIT_OK, T0 + 105000);
	judge_run(&j.c, &j.r, &j.v);
	ck_assert_msg(j.v.status == RUN_PASS, "%s", j.v.reason);
	ck_assert(!j.v.limit_hit);
	done(&j);
	/* a server that ended only once the runner asked it to stop was stopped, whatever
	 * status it chose (synfin-peer says 0 when it had nothing left to do) */
	judge_request_close(&j, "server exit killed\n");
	j.r.app[SCN_SERVER].exit = SCN_OUT_KILLED;
	j.r.app[SCN_SERVER].stop_us = T0 + 2000000;
	add_exit_event(&j.r.app[SCN_SERVER], PEER_EXIT_OK, T0 + 2001000);
	judge_run(&j.c, &j.r, &j.v);
	ck_assert_msg(j.v.status == RUN_PASS, "%s", j.v.reason);
	ck_assert_str_eq(j.v.app[SCN_SERVER].outcome, "killed");
	done(&j);
	/* a program the runner interrupted records so: killed */
	judge_request_close(&j, "server exit ok\n");
	add_exit_event(&j.r.app[SCN_SERVER], PEER_EXIT_INTERRUPTED, T0 + 9000000);
	assert_fails(&j, RUN_FAIL, "server ended with killed, expected ok");
	done(&j);
}
END_TEST

static struct lateness late_max(uint32_t max_us)
{
	struct lateness l = {.n = 1000, .p50_us = 50, .p99_us = 1200, .max_us = max_us};
	return l;
}

START_TEST(test_a_late_end_on_a_late_machine_is_inconclusive)
{
	struct judged j;
	/* at 50 ms: tolerance 6.25 ms; the client ended at 105 ms, 48.75 ms past the window */
	judge_request_close(&j, "client exit ok at 50ms\n");
	judge_run(&j.c, &j.r, &j.v);
	ck_assert(j.v.timing_only);
	ck_assert_int_eq(j.v.timing_tol_us, 6250);
	ck_assert_int_eq(j.v.timing_miss_us, 48750);
	/* a stall shorter than the miss cannot explain it */
	struct lateness l = late_max(48749);
	judge_overload(&j.v, &l);
	ck_assert_str_eq(run_status_name(j.v.status), "FAIL");
	l = late_max(48750);
	judge_overload(&j.v, &l);
	ck_assert_str_eq(run_status_name(j.v.status), "inconclusive");
	ck_assert_str_eq(j.v.reason, "machine overloaded (timer lateness p99 1.2 ms, max 48.8 ms): "
	                             "client ended 0.105 s after the first segment, expected "
	                             "0.044..0.056 s");
	done(&j);
	/* 3 ms past a 1 ms tolerance: a 2 ms stall is past the tolerance but short of the miss */
	judge_request_close(&j, "client exit ok at 101ms~1ms\n");
	judge_run(&j.c, &j.r, &j.v);
	ck_assert_int_eq(j.v.timing_tol_us, 1000);
	ck_assert_int_eq(j.v.timing_miss_us, 3000);
	l = late_max(2000);
	judge_overload(&j.v, &l);
	ck_assert_str_eq(run_status_name(j.v.status), "FAIL");
	done(&j);
}
END_TEST

START_TEST(test_a_wrong_outcome_or_segment_fails_however_late_the_machine)
{
	struct judged j;
	struct lateness l = late_max(900000);
	judge_request_close(&j, "client exit ECONNRESET at 50ms\n");
	judge_run(&j.c, &j.r, &j.v);
	ck_assert(!j.v.timing_only);
	judge_overload(&j.v, &l);
	ck_assert_str_eq(j.v.reason, "client ended with ok, expected ECONNRESET");
	done(&j);
	/* a late end, but also bytes missing: not about time alone */
	judge_request_close(&j, "server exit ok +1s\nserver receives 13\n");
	judge_run(&j.c, &j.r, &j.v);
	ck_assert(!j.v.timing_only);
	judge_overload(&j.v, &l);
	ck_assert_str_eq(run_status_name(j.v.status), "FAIL");
	ck_assert_str_eq(j.v.reason, "server ended 0.003 s after the last one, expected "
	                             "0.875..1.125 s");
	done(&j);
	judge_request_close(&j, "");
	j.r.trace.n = 7; /* the last ACK is missing */
	judge_run(&j.c, &j.r, &j.v);
	ck_assert(!j.v.timing_only);
	judge_overload(&j.v, &l);
	ck_assert_str_eq(run_status_name(j.v.status), "FAIL");
	done(&j);
}
END_TEST

START_TEST(test_a_gap_outside_its_window_is_a_timing_failure_of_that_lines_tolerance)
{
	struct judged j;
	judge_recorded(&j, "simultaneous-open.scn", "simultaneous-open.stack-linux",
	               pair_of("stack-linux"));
	/* line 28, +400ms after ssa: tolerance 50 ms, 0.303 s against 0.350..0.450 s */
	ck_assert(j.v.timing_only);
	ck_assert_int_eq(j.v.timing_tol_us, 50000);
	ck_assert_int_ge(j.v.timing_miss_us, 46500);
	ck_assert_int_le(j.v.timing_miss_us, 47500);
	struct lateness l = late_max(50001);
	judge_overload(&j.v, &l);
	ck_assert_str_eq(run_status_name(j.v.status), "inconclusive");
	done(&j);
}
END_TEST

START_TEST(test_lateness_percentiles_by_nearest_rank)
{
	struct lateness_samples s = {0};
	for (uint32_t i = 200; i >= 1; i--)
		ck_assert_int_eq(lateness_samples_add(&s, i * 10), 0);
	struct lateness l;
	lateness_summarize(&s, &l);
	ck_assert_uint_eq(l.n, 200);
	ck_assert_uint_eq(l.p50_us, 1000);
	ck_assert_uint_eq(l.p99_us, 1980);
	ck_assert_uint_eq(l.max_us, 2000);
	lateness_samples_free(&s);
	lateness_summarize(&s, &l);
	ck_assert_uint_eq(l.n, 0);
}
END_TEST

START_TEST(test_receives_checks_the_count_then_the_pattern)
{
	struct judged j;
	judge_request_close(&j, "server receives 13\n");
	assert_fails(&j, RUN_FAIL, "the server application read 12 bytes, expected 13");
	done(&j);
	judge_request_close(&j, "server receives 12\n");
	j.r.app[SCN_SERVER].events[1].hash[3] ^= 1;
	assert_fails(
	    &j, RUN_FAIL,
	    "the server application read 12 bytes but not the pattern sent (hash differs)");
	done(&j);
	judge_request_close(&j, "client receives 12\n");
	assert_fails(&j, RUN_FAIL, "the client application never read to EOF");
	done(&j);
}
END_TEST

/* "receives N damaged": the count must hold and the pattern must not (corrupt, checksum fixed) */
START_TEST(test_receives_damaged_wants_the_count_and_another_pattern)
{
	struct judged j;
	judge_request_close(&j, "server receives 12 damaged\n");
	assert_fails(&j, RUN_FAIL,
	             "the server application read the pattern sent, expected it damaged (hash the "
	             "same)");
	done(&j);
	judge_request_close(&j, "server receives 12 damaged\n");
	j.r.app[SCN_SERVER].events[1].hash[3] ^= 1;
	judge_run(&j.c, &j.r, &j.v);
	ck_assert_msg(j.v.status == RUN_PASS, "%s", j.v.reason);
	done(&j);
	judge_request_close(&j, "server receives 13 damaged\n");
	assert_fails(&j, RUN_FAIL, "the server application read 12 bytes, expected 13");
	done(&j);
}
END_TEST

START_TEST(test_sees_names_the_first_missing_event)
{
	struct judged j;
	judge_request_close(&j, "server sees accepted shutdown-write closed\n");
	assert_fails(&j, RUN_FAIL, "the server application never saw 'shutdown-write'");
	done(&j);
}
END_TEST

START_TEST(test_ack_every_names_the_stretch_ack_and_its_endpoint)
{
	struct judged j;
	parse_case(&j, "server ack-every 2\nc>s [S]\n...\n", pair_of("linux-linux"));
	/* four full segments of 12 bytes, ACKed at once */
	struct obs_seg v[] = {
	    seg(0, 0, TCPF_SYN, 100, 0, 0),    seg(1, 1, TCPF_SYN | TCPF_ACK, 500, 101, 0),
	    seg(2, 0, TCPF_ACK, 101, 501, 0),  seg(3, 0, TCPF_ACK, 101, 501, 12),
	    seg(3, 0, TCPF_ACK, 113, 501, 12), seg(3, 0, TCPF_ACK, 125, 501, 12),
	    seg(3, 0, TCPF_ACK, 137, 501, 12), seg(4, 1, TCPF_ACK, 501, 149, 0),
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ck_assert_int_eq(observed_add(&j.r.trace, &v[i]), 0);
	observed_relativize(&j.r.trace);
	assert_fails(&j, RUN_FAIL,
	             "server: segment 8 (s>c ack 49) acknowledges 48 bytes at once, more than 2 "
	             "full segments of 12");
	ck_assert_str_eq(j.v.app[SCN_CLIENT].why, "");
	done(&j);
}
END_TEST

START_TEST(test_the_conversation_is_the_first_reason_then_the_client)
{
	struct judged j;
	judge_request_close(&j, "client exit ECONNRESET\nserver exit ECONNREFUSED\n");
	j.r.trace.n = 7; /* the last ACK is missing */
	assert_fails(&j, RUN_FAIL, "line 10 (c>s [.]  ack 2): the trace ended without it");
	ck_assert_str_eq(j.v.app[SCN_CLIENT].why, "client ended with ok, expected ECONNRESET");
	ck_assert_str_eq(j.v.app[SCN_SERVER].why, "server ended with ok, expected ECONNREFUSED");
	done(&j);
	judge_request_close(&j, "client exit ECONNRESET\nserver exit ECONNREFUSED\n");
	assert_fails(&j, RUN_FAIL, "client ended with ok, expected ECONNRESET");
	done(&j);
}
END_TEST

START_TEST(test_a_client_at_the_limit_fails_when_nothing_else_did)
{
	struct judged j;
	judge_request_close(&j, "limit 20s\n");
	j.r.limit_hit = true;
	j.r.app[SCN_CLIENT].exit = SCN_OUT_KILLED;
	assert_fails(&j, RUN_FAIL, "the client was still running at the limit (20.0 s)");
	ck_assert_str_eq(j.v.app[SCN_CLIENT].outcome, "killed");
	done(&j);
}
END_TEST

START_TEST(test_a_dead_daemon_is_the_first_reason)
{
	struct judged j;
	judge_request_close(&j, "");
	j.r.trace.n = 5;
	j.r.faultd_died = true;
	j.r.faultd_signal = SIGKILL;
	j.r.faultd_end_us = j.r.client_start_us + 3200000;
	assert_fails(&j, RUN_ERROR, "synfin-faultd exited on signal 9 at 3.2 s");
	/* the conversation is still shown for what it was */
	ck_assert(j.v.judged && !j.v.match.ok);
	done(&j);
	judge_request_close(&j, "");
	j.r.faultd_died = true;
	j.r.faultd_exit = 2;
	j.r.faultd_end_us = j.r.client_start_us + 250000;
	assert_fails(&j, RUN_ERROR, "synfin-faultd exited with status 2 at 0.2 s");
	done(&j);
}
END_TEST

START_TEST(test_a_daemon_killed_at_the_end_explains_a_short_trace)
{
	/* The trace has the handshake only: without the kill, "the trace ended without" would
	 * blame the TCP under test. */
	struct judged j;
	judge_request_close(&j, "");
	j.r.trace.n = 3;
	j.r.faultd_killed = true;
	assert_fails(&j, RUN_ERROR,
	             "synfin-faultd did not exit within 10 s of SIGTERM and was killed: its trace "
	             "may lack the last segments (see faultd.log)");
	done(&j);
}
END_TEST

START_TEST(test_a_silent_topology_or_an_unreadable_trace_is_not_judged)
{
	struct judged j;
	judge_request_close(&j, "");
	j.r.silent = true;
	assert_fails(&j, RUN_FAIL,
	             "no segment reached the wire within 5 s of the client's start: the topology "
	             "passes no traffic (see client.log, server.log)");
	ck_assert(!j.v.judged);
	done(&j);
	judge_request_close(&j, "");
	j.r.trace_error = -EINVAL;
	snprintf(j.r.trace_path, sizeof(j.r.trace_path), "run/trace.jsonl");
	assert_fails(&j, RUN_ERROR, "cannot read the trace run/trace.jsonl: Invalid argument");
	ck_assert(!j.v.judged);
	done(&j);
}
END_TEST

START_TEST(test_app_events_are_read_from_json_lines)
{
	struct app_record a;
	memset(&a, 0, sizeof(a));
	char path[700];
	data_path(path, sizeof(path), "abort.linux-stack/server.jsonl");
	ck_assert_int_eq(app_events_read_jsonl(&a, path), 0);
	/* start, listening, accepted, listen-closed, error, done, exit; not the stats line */
	ck_assert_uint_eq(a.n_events, 7);
	ck_assert_str_eq(a.events[1].what, "listening");
	/* the exit, with its status and its time to the microsecond */
	const struct app_event *ex = app_record_exit(&a);
	ck_assert_ptr_nonnull(ex);
	ck_assert_int_eq(ex->status, PEER_EXIT_RESET);
	ck_assert_uint_eq(ex->t_us, 1795783241458520ull);
	ck_assert(app_record_saw(&a, "error"));
	ck_assert(!app_record_saw(&a, "eof"));
	free(a.events);
	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(app_events_read_jsonl(&a, "/nonexistent/server.jsonl"), -ENOENT);
}
END_TEST

int main(void)
{
	use_project_pairings();
	Suite *s = suite_create("judge");
	TCase *tc = tcase_create("judge");
	tcase_add_test(tc, test_recorded_abort_passes_with_each_outcome_and_time);
	tcase_add_test(tc, test_recorded_simultaneous_open_fails_on_the_fins_time);
	tcase_add_test(tc, test_built_record_passes_every_check);
	tcase_add_test(tc, test_an_unexpected_outcome_names_both);
	tcase_add_test(tc, test_an_exit_outside_its_window_says_where_it_was);
	tcase_add_test(tc, test_the_end_is_the_endpoints_record_not_when_the_runner_noticed);
	tcase_add_test(tc, test_a_process_that_exited_is_not_killed);
	tcase_add_test(tc, test_a_late_end_on_a_late_machine_is_inconclusive);
	tcase_add_test(tc, test_a_wrong_outcome_or_segment_fails_however_late_the_machine);
	tcase_add_test(tc,
	               test_a_gap_outside_its_window_is_a_timing_failure_of_that_lines_tolerance);
	tcase_add_test(tc, test_lateness_percentiles_by_nearest_rank);
	tcase_add_test(tc, test_receives_checks_the_count_then_the_pattern);
	tcase_add_test(tc, test_receives_damaged_wants_the_count_and_another_pattern);
	tcase_add_test(tc, test_sees_names_the_first_missing_event);
	tcase_add_test(tc, test_ack_every_names_the_stretch_ack_and_its_endpoint);
	tcase_add_test(tc, test_the_conversation_is_the_first_reason_then_the_client);
	tcase_add_test(tc, test_a_client_at_the_limit_fails_when_nothing_else_did);
	tcase_add_test(tc, test_a_dead_daemon_is_the_first_reason);
	tcase_add_test(tc, test_a_daemon_killed_at_the_end_explains_a_short_trace);
	tcase_add_test(tc, test_a_silent_topology_or_an_unreadable_trace_is_not_judged);
	tcase_add_test(tc, test_app_events_are_read_from_json_lines);
	suite_add_tcase(s, tc);
	return synfin_run_suite(s);
}
