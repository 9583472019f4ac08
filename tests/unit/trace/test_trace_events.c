/* test_trace_events.c: the daemon's events in its traces: the text trace's line for a verdict, a
 * rule, a reorder's release, a rewrite; the JSON Lines writer, and its reader taking back what it
 * wrote and refusing what is not a record. */
#include "common/wire_bytes.h"
#include "test_support.h"
#include "trace/trace.h"
#include "trace/trace_read.h"
#include "trace_fixture.h"
#include "wire/segment.h"
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct rule make_rule(unsigned index, unsigned line)
{
	struct rule r;
	memset(&r, 0, sizeof(r));
	r.index = index;
	r.line = line;
	return r;
}

static char *text_line(const struct trace_event *ev)
{
	static char buf[4096];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	ck_assert_ptr_nonnull(f);
	struct trace_seqs *seqs = trace_seqs_new();
	trace_write_text(f, seqs, ev);
	trace_seqs_free(seqs);
	fclose(f);
	return buf;
}

START_TEST(test_text_line_says_how_a_rewriting_rule_changed_the_segment)
{
	use_utc();
	struct pkt p;
	build(&p, CLIENT, SERVER, 59340, 80, 1908103801, 0, TCPF_SYN, 64240, NULL, 0, NULL, 0);
	const char *tcpdump = "22:13:20.000000 IP 192.168.1.108.59340 > 192.168.1.109.80: Flags "
	                      "[S], seq 1908103801, win 64240, length 0";
	struct rule r = make_rule(3, 9);
	struct trace_event ev = {.kind = TRACE_SEEN,
	                         .time_us = T0,
	                         .pkt = p.b,
	                         .len = p.len,
	                         .seg = &p.seg,
	                         .verdict = {.action = RULE_SET, .rule = &r},
	                         .rule_file = "faults.rules",
	                         .dir = "c2s"};
	char want[512];
	r.action = RULE_SET;
	r.set_field = RULE_SET_WIN;
	r.set_value = 0;
	snprintf(want, sizeof(want), "%s  SET win 0 rule 3 (faults.rules:9)\n", tcpdump);
	ck_assert_str_eq(text_line(&ev), want);
	r.set_field = RULE_SET_MSS;
	r.set_value = 536;
	snprintf(want, sizeof(want), "%s  SET mss 536 rule 3 (faults.rules:9)\n", tcpdump);
	ck_assert_str_eq(text_line(&ev), want);
	ev.verdict.action = r.action = RULE_STRIP;
	r.strip = RULE_STRIP_WSCALE;
	snprintf(want, sizeof(want), "%s  STRIP wscale rule 3 (faults.rules:9)\n", tcpdump);
	ck_assert_str_eq(text_line(&ev), want);
	ev.verdict.action = r.action = RULE_CORRUPT;
	r.corrupt = RULE_CORRUPT_ANY;
	snprintf(want, sizeof(want), "%s  CORRUPT checksum bad rule 3 (faults.rules:9)\n", tcpdump);
	ck_assert_str_eq(text_line(&ev), want);
	r.corrupt = RULE_CORRUPT_HEADER;
	r.corrupt_fixed = true;
	snprintf(want, sizeof(want), "%s  CORRUPT header checksum fixed rule 3 (faults.rules:9)\n",
	         tcpdump);
	ck_assert_str_eq(text_line(&ev), want);
}
END_TEST

START_TEST(test_text_line_appends_the_verdict_and_rule)
{
	use_utc();
	struct pkt p;
	build(&p, CLIENT, SERVER, 59340, 80, 1908103801, 0, TCPF_SYN, 64240, NULL, 0, NULL, 0);
	const char *tcpdump = "22:13:20.000000 IP 192.168.1.108.59340 > 192.168.1.109.80: Flags "
	                      "[S], seq 1908103801, win 64240, length 0";
	struct rule r1 = make_rule(1, 7), r2 = make_rule(2, 4);
	struct trace_event ev = {.kind = TRACE_SEEN,
	                         .time_us = T0,
	                         .pkt = p.b,
	                         .len = p.len,
	                         .seg = &p.seg,
	                         .dir = "c2s"};
	char want[512];

	snprintf(want, sizeof(want), "%s  pass\n", tcpdump);
	ck_assert_str_eq(text_line(&ev), want);

	ev.verdict = (struct verdict){.action = RULE_DROP, .rule = &r1};
	ev.rule_file = "syn-timeout.rules";
	snprintf(want, sizeof(want), "%s  DROP rule 1 (syn-timeout.rules:7)\n", tcpdump);
	ck_assert_str_eq(text_line(&ev), want);
	ev.verdict.queue_full = true; /* a rate rule's congestion loss */
	snprintf(want, sizeof(want), "%s  DROP queue full rule 1 (syn-timeout.rules:7)\n", tcpdump);
	ck_assert_str_eq(text_line(&ev), want);

	ev.verdict = (struct verdict){.action = RULE_DELAY, .delay_us = 300000, .rule = &r2};
	ev.rule_file = "delay-server-fin-300ms.rules";
	snprintf(want, sizeof(want), "%s  HOLD 300 ms rule 2 (delay-server-fin-300ms.rules:4)\n",
	         tcpdump);
	ck_assert_str_eq(text_line(&ev), want);

	ev.verdict.delay_us = 41250;
	snprintf(want, sizeof(want), "%s  HOLD 41.25 ms rule 2 (delay-server-fin-300ms.rules:4)\n",
	         tcpdump);
	ck_assert_str_eq(text_line(&ev), want);

	ev.kind = TRACE_RELEASED;
	ev.held_us = 300200;
	snprintf(want, sizeof(want),
	         "%s  RELEASED after 300.2 ms, held by rule 2 (delay-server-fin-300ms.rules:4)\n",
	         tcpdump);
	ck_assert_str_eq(text_line(&ev), want);

	ev.kind = TRACE_SEEN;
	ev.verdict = (struct verdict){.action = RULE_PASS, .rule = &r2};
	ev.rule_file = NULL;
	snprintf(want, sizeof(want), "%s  pass rule 2 (line 4)\n", tcpdump);
	ck_assert_str_eq(text_line(&ev), want);
}
END_TEST

/* A reorder hold says how many segments it waits for, and its end why it went. */
START_TEST(test_text_line_says_why_a_reorder_hold_ended)
{
	use_utc();
	struct pkt p;
	build(&p, CLIENT, SERVER, 59340, 80, 1908103801, 0, TCPF_SYN, 64240, NULL, 0, NULL, 0);
	const char *tcpdump = "22:13:20.000000 IP 192.168.1.108.59340 > 192.168.1.109.80: Flags "
	                      "[S], seq 1908103801, win 64240, length 0";
	struct rule r = make_rule(3, 5);
	r.action = RULE_REORDER;
	r.reorder_after = 3;
	struct trace_event ev = {.kind = TRACE_SEEN,
	                         .time_us = T0,
	                         .pkt = p.b,
	                         .len = p.len,
	                         .seg = &p.seg,
	                         .dir = "c2s",
	                         .verdict = {.action = RULE_REORDER, .rule = &r},
	                         .rule_file = "reorder.rules"};
	char want[512];
	snprintf(want, sizeof(want), "%s  HOLD reorder 3 rule 3 (reorder.rules:5)\n", tcpdump);
	ck_assert_str_eq(text_line(&ev), want);
	ev.kind = TRACE_RELEASED;
	ev.held_us = 2125;
	ev.released_after = 3;
	snprintf(want, sizeof(want),
	         "%s  RELEASED after 3 segments (2.125 ms), held by rule 3 (reorder.rules:5)\n",
	         tcpdump);
	ck_assert_str_eq(text_line(&ev), want);
	ev.released_after = 1;
	snprintf(want, sizeof(want),
	         "%s  RELEASED after 1 segment (2.125 ms), held by rule 3 (reorder.rules:5)\n",
	         tcpdump);
	ck_assert_str_eq(text_line(&ev), want);
	ev.released_after = 0;
	ev.released_quiet_us = 200000;
	ev.held_us = 200400;
	snprintf(want, sizeof(want),
	         "%s  RELEASED after quiet 200 ms (200.4 ms), held by rule 3 (reorder.rules:5)\n",
	         tcpdump);
	ck_assert_str_eq(text_line(&ev), want);
	ev.released_quiet_us = 0; /* at exit: as a delay's */
	snprintf(want, sizeof(want),
	         "%s  RELEASED after 200.4 ms, held by rule 3 (reorder.rules:5)\n", tcpdump);
	ck_assert_str_eq(text_line(&ev), want);
}
END_TEST

/* The daemon writes both traces with one formatting of tcpdump's text: the bytes must be
 * those of trace_write_text and trace_write_json, each with a table of its own. */
START_TEST(test_text_and_json_together_write_the_bytes_of_each_alone)
{
	use_utc();
	static char payload[1500];
	memcpy(payload, "GET /", 5);
	memset(payload + 5, 'c', sizeof(payload) - 6);
	payload[sizeof(payload) - 1] = '\n';
	struct pkt p[7];
	build(&p[0], CLIENT, SERVER, 59340, 80, 1000, 0, TCPF_SYN, 64240, NULL, 0, NULL, 0);
	build(&p[1], SERVER, CLIENT, 80, 59340, 5000, 1001, TCPF_SYN | TCPF_ACK, 65160, NULL, 0,
	      NULL, 0);
	build(&p[2], CLIENT, SERVER, 59340, 80, 1001, 5001, TCPF_ACK, 502, NULL, 0, NULL, 0);
	build(&p[3], CLIENT, SERVER, 59340, 80, 1001, 5001, TCPF_ACK | TCPF_PSH, 502, NULL, 0,
	      "GET / HTTP/1.1\r\n\"q\\", 18);
	build(&p[4], CLIENT, SERVER, 59340, 80, 1019, 5001, TCPF_ACK | TCPF_PSH, 502, NULL, 0,
	      payload, sizeof(payload));
	build(&p[5], SERVER, CLIENT, 80, 59340, 5001, 2519, TCPF_FIN | TCPF_ACK, 509, NULL, 0, NULL,
	      0);
	build(&p[6], CLIENT, SERVER, 59340, 80, 2519, 5002, TCPF_RST, 0, NULL, 0, NULL, 0);
	struct rule r1 = make_rule(1, 3);
	char *one_text, *one_json, *both_text, *both_json;
	size_t n1, n2, n3, n4;
	FILE *t1 = open_memstream(&one_text, &n1), *j1 = open_memstream(&one_json, &n2);
	FILE *t2 = open_memstream(&both_text, &n3), *j2 = open_memstream(&both_json, &n4);
	struct trace_seqs *ts = trace_seqs_new(), *js = trace_seqs_new(), *bs = trace_seqs_new();
	for (unsigned i = 0; i < 9; i++) {
		struct trace_event ev = {.kind = TRACE_SEEN,
		                         .time_us = T0 + i * 1000,
		                         .pkt = p[i % 7].b,
		                         .len = p[i % 7].len,
		                         .seg = &p[i % 7].seg,
		                         .dir = i % 7 == 1 || i % 7 == 5 ? "s2c" : "c2s",
		                         .rule_file = "t.rules"};
		if (i == 5)
			ev.verdict =
			    (struct verdict){.action = RULE_DELAY, .delay_us = 300000, .rule = &r1};
		if (i == 7) {
			ev.kind = TRACE_RELEASED;
			ev.held_us = 300123;
			ev.verdict =
			    (struct verdict){.action = RULE_DELAY, .delay_us = 300000, .rule = &r1};
		}
		if (i == 8) {
			ev.kind = TRACE_DROPPED_AT_EXIT;
			ev.verdict =
			    (struct verdict){.action = RULE_DELAY, .delay_us = 300000, .rule = &r1};
		}
		trace_write_text(t1, ts, &ev);
		trace_write_json(j1, js, &ev);
		trace_write_text_and_json(t2, j2, bs, &ev);
	}
	fclose(t1);
	fclose(j1);
	fclose(t2);
	fclose(j2);
	ck_assert_str_eq(both_text, one_text);
	ck_assert_str_eq(both_json, one_json);
	ck_assert_ptr_nonnull(strstr(one_json, "\"event\":\"released\""));
	ck_assert_ptr_nonnull(strstr(one_json, "\"event\":\"dropped_at_exit\""));
	ck_assert_ptr_nonnull(strstr(one_text, "GET /cccc"));
	free(one_text);
	free(one_json);
	free(both_text);
	free(both_json);
	trace_seqs_free(ts);
	trace_seqs_free(js);
	trace_seqs_free(bs);
}
END_TEST

START_TEST(test_text_line_longer_than_its_stack_buffer_is_written_whole)
{
	use_utc();
	struct pkt p;
	char payload[1400];
	memcpy(payload, "GET /", 5);
	memset(payload + 5, 'c', sizeof(payload) - 6);
	payload[sizeof(payload) - 1] = '\n';
	build(&p, CLIENT, SERVER, 40000, 80, 1, 1, TCPF_ACK | TCPF_PSH, 502, NULL, 0, payload,
	      sizeof(payload));
	struct rule r1 = make_rule(1, 9);
	struct trace_event ev = {.kind = TRACE_SEEN,
	                         .time_us = T0,
	                         .pkt = p.b,
	                         .len = p.len,
	                         .seg = &p.seg,
	                         .verdict = {.action = RULE_DROP, .rule = &r1},
	                         .rule_file = "long.rules",
	                         .dir = "c2s"};
	struct trace_seqs *seqs = trace_seqs_new();
	char *tcpdump = trace_format_tcpdump_alloc(seqs, 1, T0, &p.seg, NULL, NULL);
	ck_assert_ptr_nonnull(tcpdump);
	ck_assert_uint_gt(strlen(tcpdump), 1024);
	char want[2048];
	snprintf(want, sizeof(want), "%s  DROP rule 1 (long.rules:9)\n", tcpdump);
	ck_assert_str_eq(text_line(&ev), want);
	free(tcpdump);
	trace_seqs_free(seqs);
}
END_TEST

static char *json_line(struct trace_seqs *seqs, const struct trace_event *ev)
{
	static char buf[8192];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	ck_assert_ptr_nonnull(f);
	trace_write_json(f, seqs, ev);
	fclose(f);
	return buf;
}

START_TEST(test_json_line_has_every_key_in_order)
{
	use_utc();
	struct pkt p;
	build(&p, SERVER, CLIENT, 80, 59712, 3403866834u, 4231775029u, TCPF_FIN | TCPF_ACK, 64,
	      NULL, 0, NULL, 0);
	struct rule r2 = make_rule(2, 4);
	struct trace_event ev = {.kind = TRACE_RELEASED,
	                         .time_us = 1763939346422464ull,
	                         .pkt = p.b,
	                         .len = p.len,
	                         .seg = &p.seg,
	                         .verdict = {.action = RULE_DELAY, .delay_us = 300000, .rule = &r2},
	                         .held_us = 300211,
	                         .rule_file = "delay \"fin\".rules",
	                         .dir = "s2c"};
	ck_assert_str_eq(
	    json_line(NULL, &ev),
	    "{\"t\":1763939346.422464,\"event\":\"released\",\"verdict\":\"delay\",\"delay_us\":"
	    "300000,\"held_us\":300211,\"rule\":2,\"rule_file\":\"delay \\\"fin\\\".rules\","
	    "\"rule_line\":4,\"dir\":\"s2c\",\"src\":\"192.168.1.109\",\"sport\":80,\"dst\":"
	    "\"192.168.1.108\",\"dport\":59712,\"flags\":\"F.\",\"seq\":3403866834,\"ack\":"
	    "4231775029,\"rseq\":3403866834,\"rack\":4231775029,\"win\":64,\"len\":0,\"text\":"
	    "\"23:09:06.422464 IP 192.168.1.109.80 > 192.168.1.108.59712: Flags [F.], seq "
	    "3403866834, ack 4231775029, win 64, length 0\"}\n");
}
END_TEST

/* Packets the kernel dropped before the daemon saw them: an event with no segment in both
 * traces, which readers of segments skip. */
START_TEST(test_kernel_drop_is_in_the_text_and_json_traces_and_readers_skip_it)
{
	use_utc();
	const char *note = "kernel dropped 12 packets: the queue was full (--queue-maxlen 8192)";
	static char text[512], json[1024];
	FILE *f = fmemopen(text, sizeof(text), "w");
	ck_assert_ptr_nonnull(f);
	trace_write_kernel_drop_text(f, 1763939346242506ull, note);
	fclose(f);
	ck_assert_str_eq(text, "23:09:06.242506 kernel dropped 12 packets: the queue was full "
	                       "(--queue-maxlen 8192)\n");
	f = fmemopen(json, sizeof(json), "w");
	ck_assert_ptr_nonnull(f);
	trace_write_kernel_drop_json(f, 1763939346242506ull, note);
	fclose(f);
	ck_assert_str_eq(
	    json, "{\"t\":1763939346.242506,\"event\":\"kernel_drop\",\"verdict\":\"drop\","
	          "\"delay_us\":0,\"held_us\":0,\"rule\":0,\"rule_file\":\"\",\"rule_line\":0,"
	          "\"dir\":\"other\",\"src\":\"0.0.0.0\",\"sport\":0,\"dst\":\"0.0.0.0\","
	          "\"dport\":0,\"flags\":\"none\",\"seq\":0,\"ack\":0,\"rseq\":0,\"rack\":0,"
	          "\"win\":0,\"len\":0,\"text\":\"kernel dropped 12 packets: the queue was full "
	          "(--queue-maxlen 8192)\"}\n");

	struct trace_record r;
	ck_assert_int_eq(trace_record_parse(json, &r), 0);
	ck_assert_int_eq(r.kind, TRACE_KERNEL_DROP);
	trace_record_clear(&r);
	char path[] = "/tmp/synfin-kernel-drop-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs(json, f);
	fclose(f);
	struct trace_record *recs;
	size_t n;
	ck_assert_int_eq(trace_read_jsonl(path, &recs, &n), 0);
	ck_assert_uint_eq(n, 0);
	trace_records_free(recs, n);
	unlink(path);
}
END_TEST

/* synfin-faultd --drop-held-on-exit: the end of a hold that never left, in both traces. */
START_TEST(test_held_segment_dropped_at_exit_is_in_the_text_and_json_traces)
{
	use_utc();
	struct pkt p;
	build(&p, SERVER, CLIENT, 80, 59712, 3403866834u, 4231775029u, TCPF_FIN | TCPF_ACK, 64,
	      NULL, 0, NULL, 0);
	struct rule r2 = make_rule(2, 4);
	struct trace_event ev = {
	    .kind = TRACE_DROPPED_AT_EXIT,
	    .time_us = 1763939346242506ull,
	    .pkt = p.b,
	    .len = p.len,
	    .seg = &p.seg,
	    .verdict = {.action = RULE_DELAY, .delay_us = 5000000, .rule = &r2},
	    .held_us = 120042,
	    .rule_file = "delay-fin.rules",
	    .dir = "s2c"};
	ck_assert_str_eq(text_line(&ev),
	                 "23:09:06.242506 IP 192.168.1.109.80 > 192.168.1.108.59712: Flags [F.], "
	                 "seq 3403866834, ack 4231775029, win 64, length 0  DROPPED at exit after "
	                 "120.042 ms, held by rule 2 (delay-fin.rules:4)\n");
	const char *line = json_line(NULL, &ev);
	ck_assert_str_eq(
	    line,
	    "{\"t\":1763939346.242506,\"event\":\"dropped_at_exit\",\"verdict\":\"delay\","
	    "\"delay_us\":5000000,\"held_us\":120042,\"rule\":2,\"rule_file\":\"delay-fin."
	    "rules\",\"rule_line\":4,\"dir\":\"s2c\",\"src\":\"192.168.1.109\",\"sport\":80,"
	    "\"dst\":\"192.168.1.108\",\"dport\":59712,\"flags\":\"F.\",\"seq\":3403866834,"
	    "\"ack\":4231775029,\"rseq\":3403866834,\"rack\":4231775029,\"win\":64,\"len\":0,"
	    "\"text\":\"23:09:06.242506 IP 192.168.1.109.80 > 192.168.1.108.59712: Flags [F.], "
	    "seq 3403866834, ack 4231775029, win 64, length 0\"}\n");

	struct trace_record r;
	ck_assert_int_eq(trace_record_parse(line, &r), 0);
	ck_assert_int_eq(r.kind, TRACE_DROPPED_AT_EXIT);
	ck_assert_int_eq(r.action, RULE_DELAY);
	ck_assert_uint_eq(r.delay_us, 5000000);
	ck_assert_uint_eq(r.held_us, 120042);
	ck_assert_uint_eq(r.rule, 2);
	ck_assert_uint_eq(r.rule_line, 4);
	ck_assert_str_eq(r.rule_file, "delay-fin.rules");
	ck_assert_uint_eq(r.tcp_flags, TCPF_FIN | TCPF_ACK);
	/* and written again from the record, the same line */
	static char again[8192];
	FILE *f = fmemopen(again, sizeof(again), "w");
	ck_assert_ptr_nonnull(f);
	trace_record_write_json(f, &r);
	fclose(f);
	ck_assert_str_eq(again, line);
	trace_record_clear(&r);
}
END_TEST

/* A rate rule's drop says so in JSON Lines too, and a reorder hold is its own verdict; both
 * read back as written. */
START_TEST(test_json_says_queue_full_and_reorder_and_reads_them_back)
{
	use_utc();
	struct pkt p;
	build(&p, CLIENT, SERVER, 59340, 80, 1000, 5001, TCPF_ACK, 502, NULL, 0, NULL, 0);
	struct rule r1 = make_rule(1, 3);
	struct trace_event ev = {.kind = TRACE_SEEN,
	                         .time_us = T0,
	                         .pkt = p.b,
	                         .len = p.len,
	                         .seg = &p.seg,
	                         .verdict = {.action = RULE_DROP, .rule = &r1, .queue_full = true},
	                         .rule_file = "rate.rules",
	                         .dir = "c2s"};
	const char *line = json_line(NULL, &ev);
	ck_assert_msg(strstr(line, "\"verdict\":\"drop\",\"queue_full\":1,\"delay_us\":0,"), "%s",
	              line);
	struct trace_record r;
	ck_assert_int_eq(trace_record_parse(line, &r), 0);
	ck_assert_int_eq(r.action, RULE_DROP);
	ck_assert(r.queue_full);
	trace_record_clear(&r);
	ev.verdict.queue_full = false;
	line = json_line(NULL, &ev);
	ck_assert_ptr_null(strstr(line, "queue_full"));
	ev.verdict = (struct verdict){.action = RULE_REORDER, .rule = &r1};
	line = json_line(NULL, &ev);
	ck_assert_msg(strstr(line, "\"verdict\":\"reorder\",\"delay_us\":0,"), "%s", line);
	ck_assert_int_eq(trace_record_parse(line, &r), 0);
	ck_assert_int_eq(r.action, RULE_REORDER);
	trace_record_clear(&r);
}
END_TEST

START_TEST(test_json_round_trips_through_the_reader)
{
	use_utc();
	char path[] = "/tmp/synfin-trace-json-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "w");
	struct trace_seqs *seqs = trace_seqs_new();
	struct pkt p[4];
	build(&p[0], CLIENT, SERVER, 40000, 80, 1000, 0, TCPF_SYN, 64240, NULL, 0, NULL, 0);
	build(&p[1], SERVER, CLIENT, 80, 40000, 5000, 1001, TCPF_SYN | TCPF_ACK, 65160, NULL, 0,
	      NULL, 0);
	build(&p[2], CLIENT, SERVER, 40000, 80, 1001, 5001, TCPF_ACK | TCPF_PSH, 502, NULL, 0,
	      "GET /\"q\"\\b\t HTTP/1.0\r\n", 23);
	char big[1400];
	memset(big, 'z', sizeof(big));
	memcpy(big, "GET /", 5);
	memcpy(big + sizeof(big) - 1, "\n", 1);
	build(&p[3], CLIENT, SERVER, 40000, 80, 1024, 5001, TCPF_ACK, 502, NULL, 0, big,
	      sizeof(big));
	struct rule r = make_rule(3, 9);
	for (int i = 0; i < 4; i++) {
		struct trace_event ev = {.kind = TRACE_SEEN,
		                         .time_us = T0 + (uint64_t)i * 1000001,
		                         .pkt = p[i].b,
		                         .len = p[i].len,
		                         .seg = &p[i].seg,
		                         .dir = i == 1 ? "s2c" : "c2s"};
		if (i == 2) {
			ev.verdict = (struct verdict){.action = RULE_DROP, .rule = &r};
			ev.rule_file = "odd\\name.rules";
		}
		trace_write_json(f, seqs, &ev);
		if (i == 1)
			fputs("\n  \n", f); /* blank lines are skipped */
	}
	fclose(f);
	trace_seqs_free(seqs);

	struct trace_record *recs;
	size_t n;
	ck_assert_int_eq(trace_read_jsonl(path, &recs, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(recs[0].time_us, T0);
	ck_assert_uint_eq(recs[3].time_us, T0 + 3000003);
	ck_assert_int_eq(recs[0].kind, TRACE_SEEN);
	ck_assert_str_eq(recs[0].flags, "S");
	ck_assert_uint_eq(recs[1].tcp_flags, TCPF_SYN | TCPF_ACK);
	ck_assert_str_eq(recs[1].dir, "s2c");
	ck_assert_str_eq(recs[1].src, "192.168.1.109");
	ck_assert_uint_eq(recs[1].saddr, SERVER);
	ck_assert_uint_eq(recs[1].daddr, CLIENT);
	ck_assert_uint_eq(recs[1].sport, 80);
	ck_assert_uint_eq(recs[1].seq, 5000);
	ck_assert_uint_eq(recs[1].ack, 1001);
	ck_assert_uint_eq(recs[1].win, 65160);
	ck_assert_int_eq(recs[2].action, RULE_DROP);
	ck_assert_uint_eq(recs[2].rule, 3);
	ck_assert_uint_eq(recs[2].rule_line, 9);
	ck_assert_str_eq(recs[2].rule_file, "odd\\name.rules");
	ck_assert_uint_eq(recs[2].rseq, 1);
	ck_assert_uint_eq(recs[2].rack, 1);
	ck_assert_uint_eq(recs[2].len, 23);
	ck_assert_str_eq(recs[2].text,
	                 "22:13:22.000002 IP 192.168.1.108.40000 > 192.168.1.109.80: Flags [P.], "
	                 "seq 1:24, ack 1, win 502, length 23: HTTP: GET /\"q\"\\b\t HTTP/1.0");
	ck_assert_str_eq(recs[0].rule_file, "");
	ck_assert_uint_eq(recs[3].rseq, 24);
	ck_assert_ptr_nonnull(strstr(recs[3].text, "length 1400: HTTP: GET /zzz"));

	/* writing a record read back gives the same line again */
	char again[8192], first[8192];
	FILE *g = fmemopen(again, sizeof(again), "w");
	trace_record_write_json(g, &recs[2]);
	fclose(g);
	f = fopen(path, "r");
	for (int i = 0; i < 5; i++) /* line 5: two records and two blank lines before it */
		ck_assert_ptr_nonnull(fgets(first, sizeof(first), f));
	fclose(f);
	ck_assert_str_eq(again, first);
	trace_records_free(recs, n);
	unlink(path);
}
END_TEST

static const char *const good_record =
    "{\"t\":1.000001,\"event\":\"seen\",\"verdict\":\"pass\",\"delay_us\":0,\"held_us\":0,"
    "\"rule\":0,\"rule_file\":\"\",\"rule_line\":0,\"dir\":\"c2s\",\"src\":\"10.0.0.1\","
    "\"sport\":1,\"dst\":\"10.0.0.2\",\"dport\":2,\"flags\":\"S\",\"seq\":5,\"ack\":0,"
    "\"rseq\":5,\"rack\":0,\"win\":9,\"len\":0,\"text\":\"x\\u00e9\\u20ac\\ud83d\\ude00\"}";

START_TEST(test_reader_decodes_unicode_escapes_and_ignores_unknown_keys)
{
	struct trace_record r;
	ck_assert_int_eq(trace_record_parse(good_record, &r), 0);
	ck_assert_uint_eq(r.time_us, 1000001);
	ck_assert_str_eq(r.text, "x\xe9\xe2\x82\xac\xf0\x9f\x98\x80");
	trace_record_clear(&r);
	char more[2048];
	snprintf(more, sizeof(more), "%.*s,\"future\":\"x\",\"n\":-1.5e3,\"b\":true}",
	         (int)strlen(good_record) - 1, good_record);
	ck_assert_int_eq(trace_record_parse(more, &r), 0);
	ck_assert_uint_eq(r.seq, 5);
	trace_record_clear(&r);
}
END_TEST

START_TEST(test_reader_rejects_what_is_not_a_trace_record)
{
	struct trace_record r;
	char buf[2048];
	static const char *const bad[] = {
	    "", "{", "[]", "{\"t\":1}", "{\"event\":\"seen\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(trace_record_parse(bad[i], &r), -EINVAL);
	/* every proper prefix of a good record is cut short */
	for (size_t len = 0; len < strlen(good_record); len++) {
		snprintf(buf, sizeof(buf), "%.*s", (int)len, good_record);
		ck_assert_msg(trace_record_parse(buf, &r) == -EINVAL, "prefix %zu parsed", len);
	}
	static const struct {
		const char *from, *to;
	} swaps[] = {
	    {"\"seen\"", "\"looked\""},
	    {"\"pass\"", "\"maybe\""},
	    {"\"10.0.0.1\"", "\"10.0.0\""},
	    {"\"S\"", "\"SX\""},
	    {"\"sport\":1", "\"sport\":70000"},
	    {"\"seq\":5", "\"seq\":-5"},
	    {"\"t\":1.000001", "\"t\":\"1\""},
	    {"\\u00e9", "\\u00g9"},
	    {"\\ude00", "\\u0041"},
	    {"\"len\":0", "\"len\":{}"},
	    {"\"x", "\"\\q"},
	    {"\"win\":9", "\"win\":9 9"},
	};
	for (size_t i = 0; i < sizeof(swaps) / sizeof(swaps[0]); i++) {
		const char *at = strstr(good_record, swaps[i].from);
		ck_assert_ptr_nonnull(at);
		snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - good_record), good_record,
		         swaps[i].to, at + strlen(swaps[i].from));
		ck_assert_msg(trace_record_parse(buf, &r) == -EINVAL, "accepted %s", buf);
	}
}
END_TEST

START_TEST(test_read_jsonl_reports_missing_file_and_bad_line)
{
	struct trace_record *recs = (void *)1;
	size_t n = 99;
	ck_assert_int_eq(trace_read_jsonl("/nonexistent/trace.jsonl", &recs, &n), -ENOENT);
	ck_assert_ptr_null(recs);
	ck_assert_uint_eq(n, 0);
	char path[] = "/tmp/synfin-trace-bad-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "w");
	fprintf(f, "%s\n%s\nnot json\n", good_record, good_record);
	fclose(f);
	ck_assert_int_eq(trace_read_jsonl(path, &recs, &n), -EINVAL);
	ck_assert_ptr_null(recs);
	f = fopen(path, "w");
	fclose(f);
	ck_assert_int_eq(trace_read_jsonl(path, &recs, &n), 0);
	ck_assert_uint_eq(n, 0);
	unlink(path);
}
END_TEST

static Suite *trace_events_suite(void)
{
	Suite *s = suite_create("trace_events");
	TCase *tt = tcase_create("text_trace");
	tcase_add_test(tt, test_text_line_appends_the_verdict_and_rule);
	tcase_add_test(tt, test_text_line_says_why_a_reorder_hold_ended);
	tcase_add_test(tt, test_text_line_says_how_a_rewriting_rule_changed_the_segment);
	tcase_add_test(tt, test_text_line_longer_than_its_stack_buffer_is_written_whole);
	tcase_add_test(tt, test_text_and_json_together_write_the_bytes_of_each_alone);
	suite_add_tcase(s, tt);

	TCase *tj = tcase_create("jsonl");
	tcase_add_test(tj, test_json_line_has_every_key_in_order);
	tcase_add_test(tj, test_held_segment_dropped_at_exit_is_in_the_text_and_json_traces);
	tcase_add_test(tj, test_kernel_drop_is_in_the_text_and_json_traces_and_readers_skip_it);
	tcase_add_test(tj, test_json_round_trips_through_the_reader);
	tcase_add_test(tj, test_reader_decodes_unicode_escapes_and_ignores_unknown_keys);
	tcase_add_test(tj, test_json_says_queue_full_and_reorder_and_reads_them_back);
	tcase_add_test(tj, test_reader_rejects_what_is_not_a_trace_record);
	tcase_add_test(tj, test_read_jsonl_reports_missing_file_and_bad_line);
	suite_add_tcase(s, tj);
	return s;
}

int main(void)
{
	return synfin_run_suite(trace_events_suite());
}
