/* test_stack_close.c: synfin-peer's connections on a real topology end in every way - either
 * end first, both at once, half-closed, aborted, closed with unread data, ended by SIGTERM - and
 * its SYN timeout when the wire drops every SYN, at three clock rates (stack_fixture.h).
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "stack_fixture.h"
#include "test_support.h"
#include "wire/segment.h"

/* ---- every way to close ---- */

START_TEST(test_close_client_first)
{
	topo_up("stack", "stack", "");
	struct peer srv, cli;
	peer_start(&srv, "stack-server", "server", PEER, "server", "accept; read-eof; close", NULL);
	peer_start(&cli, "stack-client", "client", PEER, "client", "connect; sleep 100ms; close",
	           NULL);
	ck_assert_exit(&cli, 10000, 0);
	ck_assert_exit(&srv, 5000, 0);
	const char *cpath[] = {"SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT",
	                       "SYN-SENT ESTABLISHED FIN-WAIT-1 TIME-WAIT", NULL};
	assert_path(&cli, cpath);
	const char *spath[] = {"SYN-RECEIVED ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED", NULL};
	assert_path(&srv, spath);
	struct trace t;
	trace_load(&t);
	long cfin = trace_first_flag(&t, "c2s", TCPF_FIN);
	long sfin = trace_first_flag(&t, "s2c", TCPF_FIN);
	ck_assert_msg(cfin >= 0 && sfin > cfin, "the client's FIN must come first");
	ck_assert_uint_eq(
	    trace_count_flag(&t, "c2s", TCPF_RST) + trace_count_flag(&t, "s2c", TCPF_RST), 0);
	trace_records_free(t.r, t.n);
}
END_TEST

START_TEST(test_close_server_first)
{
	topo_up("stack", "stack", "");
	struct peer srv, cli;
	peer_start(&srv, "stack-server", "server", PEER, "server", "accept; sleep 100ms; close",
	           NULL);
	peer_start(&cli, "stack-client", "client", PEER, "client", "connect; read-eof; close",
	           NULL);
	ck_assert_exit(&cli, 10000, 0);
	ck_assert_exit(&srv, 5000, 0);
	const char *cpath[] = {"SYN-SENT ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED", NULL};
	assert_path(&cli, cpath);
	const char *spath[] = {"SYN-RECEIVED ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT",
	                       "SYN-RECEIVED ESTABLISHED FIN-WAIT-1 TIME-WAIT", NULL};
	assert_path(&srv, spath);
	struct trace t;
	trace_load(&t);
	long cfin = trace_first_flag(&t, "c2s", TCPF_FIN);
	long sfin = trace_first_flag(&t, "s2c", TCPF_FIN);
	ck_assert_msg(sfin >= 0 && cfin > sfin, "the server's FIN must come first");
	trace_records_free(t.r, t.n);
}
END_TEST

/* Both ends close within a few ms of each other while the wire holds every FIN for 300 ms, so
 * both FINs are in flight at once (RFC 9293 figure 13). An end goes through CLOSING only when
 * the other's FIN reaches it before the ACK of its own FIN; with the FINs alone held, the end
 * that closed first by more than a round trip would get that ACK first (FIN-WAIT-2). So the
 * pure ACKs after the handshake's are held 200 ms too: both ends see CLOSING whenever their
 * closes are less than 200 ms apart. */
START_TEST(test_close_both_at_once_goes_through_closing)
{
	topo_up("stack", "stack", "delay 300ms fin\ndelay 200ms pure-ack after 1\n");
	struct peer srv, cli;
	peer_start(&srv, "stack-server", "server", PEER, "server", "accept; sleep 200ms; close",
	           NULL);
	peer_start(&cli, "stack-client", "client", PEER, "client", "connect; sleep 200ms; close",
	           NULL);
	ck_assert_exit(&cli, 10000, 0);
	ck_assert_exit(&srv, 10000, 0);
	const char *cpath[] = {"SYN-SENT ESTABLISHED FIN-WAIT-1 CLOSING TIME-WAIT", NULL};
	assert_path(&cli, cpath);
	const char *spath[] = {"SYN-RECEIVED ESTABLISHED FIN-WAIT-1 CLOSING TIME-WAIT", NULL};
	assert_path(&srv, spath);
}
END_TEST

/* The client shuts its sending side; the server, in CLOSE-WAIT, still sends 20K, which the
 * client reads to the server's FIN (RFC 9293 3.6; the seed's 3.3.2). */
START_TEST(test_half_close_peer_still_sends)
{
	topo_up("stack", "stack", "");
	struct peer srv, cli;
	peer_start(&srv, "stack-server", "server", PEER, "server",
	           "accept; read-eof; sleep 100ms; send 20K; close", NULL);
	peer_start(&cli, "stack-client", "client", PEER, "client",
	           "connect; send 10K; shutdown-write; read-eof; close", NULL);
	ck_assert_exit(&cli, 10000, 0);
	ck_assert_exit(&srv, 5000, 0);
	assert_received_pattern(&srv, 10 * 1024);
	assert_received_pattern(&cli, 20 * 1024);
	const char *cpath[] = {"SYN-SENT ESTABLISHED FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT", NULL};
	assert_path(&cli, cpath);
	const char *spath[] = {"SYN-RECEIVED ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED", NULL};
	assert_path(&srv, spath);
	/* the server sent its 20K after the client's FIN arrived */
	char eof[1024], sent[1024];
	ck_assert(jsonl_line(srv.jsonl, 0, eof, sizeof(eof), "\"what\":\"eof\"", NULL));
	ck_assert(jsonl_line(srv.jsonl, 0, sent, sizeof(sent), "\"what\":\"sent\"", NULL));
	ck_assert(json_num(sent, "rel") > json_num(eof, "rel"));
}
END_TEST

START_TEST(test_abort_resets_linux_peer)
{
	topo_up("stack", "kernel", "");
	struct peer srv, cli;
	peer_start(&srv, "kpeer-server", "server", KPEER, "server", "accept; read-eof; close",
	           NULL);
	peer_start(&cli, "stack-client", "client", PEER, "client", "connect; sleep 200ms; abort",
	           NULL);
	ck_assert_exit(&cli, 10000, 0);
	ck_assert_exit(&srv, 5000, EXIT_RESET);
	assert_error(&srv, "ECONNRESET");
	struct trace t;
	trace_load(&t);
	ck_assert_uint_ge(trace_count_flag(&t, "c2s", TCPF_RST), 1);
	ck_assert_uint_eq(trace_count_flag(&t, "c2s", TCPF_FIN), 0);
	trace_records_free(t.r, t.n);
}
END_TEST

START_TEST(test_abort_resets_stack_peer)
{
	topo_up("stack", "stack", "");
	struct peer srv, cli;
	peer_start(&srv, "stack-server", "server", PEER, "server", "accept; read-eof; close", NULL);
	peer_start(&cli, "stack-client", "client", PEER, "client", "connect; sleep 200ms; abort",
	           NULL);
	ck_assert_exit(&cli, 10000, 0);
	ck_assert_exit(&srv, 5000, EXIT_RESET);
	assert_error(&srv, "ECONNRESET");
}
END_TEST

/* Closing with unread data sends RST, not FIN (RFC 2525 2.17): Linux's client, blocked in a
 * read, gets ECONNRESET. */
START_TEST(test_close_with_unread_data_resets)
{
	topo_up("kernel", "stack", "");
	struct peer srv, cli;
	peer_start(&srv, "stack-server", "server", PEER, "server", "accept; sleep 300ms; close",
	           NULL);
	peer_start(&cli, "kpeer-client", "client", KPEER, "client",
	           "connect; send 1000; read-eof; close", NULL);
	ck_assert_exit(&srv, 10000, 0);
	ck_assert_exit(&cli, 5000, EXIT_RESET);
	assert_error(&cli, "ECONNRESET");
	char line[1024];
	ck_assert(jsonl_line(srv.jsonl, 0, line, sizeof(line), "\"what\":\"closed\"", NULL));
	ck_assert_int_eq((int)json_num(line, "unread"), 1000);
	struct trace t;
	trace_load(&t);
	ck_assert_uint_ge(trace_count_flag(&t, "s2c", TCPF_RST), 1);
	ck_assert_uint_eq(trace_count_flag(&t, "s2c", TCPF_FIN), 0);
	trace_records_free(t.r, t.n);
}
END_TEST

/* SIGTERM while connected: the open connection is aborted (RST), exit status 6. */
START_TEST(test_sigterm_aborts_open_connections)
{
	topo_up("stack", "kernel", "");
	struct peer srv, cli;
	peer_start(&srv, "kpeer-server", "server", KPEER, "server", "accept; read-eof; close",
	           NULL);
	peer_start(&cli, "stack-client", "client", PEER, "client", "connect; sleep 30s; close",
	           NULL);
	ck_assert_msg(wait_for_text(cli.jsonl, "\"what\":\"connected\"", 5000),
	              "no connection (see %s)", cli.log);
	kill(cli.pid, SIGTERM);
	ck_assert_exit(&cli, 5000, EXIT_INTERRUPTED);
	ck_assert_exit(&srv, 5000, EXIT_RESET);
	struct trace t;
	trace_load(&t);
	ck_assert_uint_ge(trace_count_flag(&t, "c2s", TCPF_RST), 1);
	trace_records_free(t.r, t.n);
}
END_TEST

/* ---- the SYN timeout: every SYN dropped ---- */

/* Six SYNs at rto * 0, 1, 3, 7, 15, 31 and ETIMEDOUT at rto * 63 after the first (syn_retries
 * 5, RFC 6298 5.5 doubling), measured on the wire and in the client's log. */
static void check_syn_timeout(double rto_s, const char *const extra[4], unsigned timeout_ms)
{
	topo_up("stack", "kernel", "drop [S] from client\n");
	struct peer cli;
	peer_start(&cli, "stack-client", "client", PEER, "client", "connect; close", extra[0],
	           extra[1], extra[2], extra[3], NULL);
	ck_assert_exit(&cli, timeout_ms, EXIT_TIMEDOUT);
	assert_error(&cli, "ETIMEDOUT");
	char line[1024];
	ck_assert(jsonl_line(cli.jsonl, 0, line, sizeof(line), "\"what\":\"error\"", NULL));
	double err_t = json_num(line, "t");

	struct trace t;
	trace_load(&t);
	uint64_t syn_us[8];
	unsigned n = 0;
	for (size_t i = 0; i < t.n; i++) {
		if (t.r[i].kind != TRACE_SEEN || strcmp(t.r[i].flags, "S"))
			continue;
		ck_assert_int_eq(t.r[i].action, RULE_DROP);
		if (n < 8)
			syn_us[n] = t.r[i].time_us;
		if (n > 0)
			ck_assert_uint_eq(t.r[i].seq, t.r[0].seq); /* the same ISN */
		n++;
	}
	ck_assert_uint_eq(n, 6);
	const int mult[] = {0, 1, 3, 7, 15, 31};
	for (unsigned i = 1; i < 6; i++) {
		char what[32];
		snprintf(what, sizeof(what), "SYN %u", i + 1);
		int64_t want = (int64_t)(mult[i] * rto_s * 1e6);
		int64_t gap = (int64_t)((mult[i] - mult[i - 1]) * rto_s * 1e6);
		ck_assert_on_time(syn_us[i] - syn_us[0], want, gap, what);
	}
	int64_t got = (int64_t)(err_t * 1e6) - (int64_t)syn_us[0];
	ck_assert_on_time(got, (int64_t)(63 * rto_s * 1e6), (int64_t)(32 * rto_s * 1e6),
	                  "ETIMEDOUT");
	trace_records_free(t.r, t.n);
}

START_TEST(test_syn_sent_all_syns_lost_times_out_at_6300ms_with_rto_100ms)
{
	const char *const extra[4] = {"--set", "rto_initial=100ms", "--set", "syn_retries=5"};
	check_syn_timeout(0.1, extra, 15000);
}
END_TEST

START_TEST(test_syn_sent_all_syns_lost_times_out_at_6300ms_with_time_scale_10)
{
	const char *const extra[4] = {"--time-scale", "10", "--set", "syn_retries=5"};
	check_syn_timeout(0.1, extra, 15000);
}
END_TEST

START_TEST(test_syn_sent_all_syns_lost_times_out_at_63s)
{
	const char *const extra[4] = {"--set", "rto_initial=1s", "--set", "syn_retries=5"};
	check_syn_timeout(1.0, extra, 80000);
}
END_TEST

static Suite *stack_close_suite(void)
{
	Suite *s = suite_create("stack_close");
	TCase *close = tcase_create("close");
	tcase_add_checked_fixture(close, NULL, teardown);
	tcase_add_unchecked_fixture(close, NULL, teardown_leftovers);
	tcase_set_timeout(close, 60);
	tcase_add_test(close, test_close_client_first);
	tcase_add_test(close, test_close_server_first);
	tcase_add_test(close, test_close_both_at_once_goes_through_closing);
	tcase_add_test(close, test_half_close_peer_still_sends);
	tcase_add_test(close, test_abort_resets_linux_peer);
	tcase_add_test(close, test_abort_resets_stack_peer);
	tcase_add_test(close, test_close_with_unread_data_resets);
	tcase_add_test(close, test_sigterm_aborts_open_connections);
	suite_add_tcase(s, close);

	TCase *syn = tcase_create("syn_timeout");
	tcase_add_checked_fixture(syn, NULL, teardown);
	tcase_add_unchecked_fixture(syn, NULL, teardown_leftovers);
	tcase_set_timeout(syn, 120);
	tcase_add_test(syn, test_syn_sent_all_syns_lost_times_out_at_6300ms_with_rto_100ms);
	tcase_add_test(syn, test_syn_sent_all_syns_lost_times_out_at_6300ms_with_time_scale_10);
	tcase_add_test(syn, test_syn_sent_all_syns_lost_times_out_at_63s);
	suite_add_tcase(s, syn);
	return s;
}

int main(void)
{
	synfin_require_netns();
	synfin_require_tun(); /* every test has at least one stack endpoint */
	runner_pid = getpid();
	Suite *suite = stack_close_suite();
	return synfin_run_suite(suite);
}
