/* test_faultd_signals.c: synfin-faultd's signals and exit on a real NFQUEUE between two Linux
 * endpoints: SIGTERM delivers what it holds (or drops it, --drop-held-on-exit), SIGHUP reloads
 * the rules or keeps the old ones, and --realtime raises the judging thread alone
 * (faultd_endpoint_fixture.h).
 */
#include "common/topology.h"
#include "faultd_endpoint_fixture.h"
#include "faultd_fixture.h"
#include "test_support.h"
#include "trace/trace.h"
#include "trace/trace_read.h"
#include "wire/segment.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

START_TEST(test_sigterm_delivers_a_held_segment)
{
	topo_up('f', "delay 10s [P.] from client\n");
	start_faultd();
	struct endpoint server = start_server(SERVER_READ);
	struct endpoint_result c = endpoint_result(start_client(CLIENT_SEND_AND_WAIT), 5000);
	ck_assert_msg(c.err == 0, "client failed: %s", strerror(c.err));
	ck_assert_msg(wait_for_file(topo.text, "HOLD 10000 ms", 3000), "the data was not held");
	uint64_t term_us = fx_now_us();
	ck_assert_int_eq(fx_stop_faultd(5000), 0);

	struct endpoint_result s = endpoint_result(server, 5000);
	ck_assert_msg(s.err == 0, "server read failed: %s", strerror(s.err));
	ck_assert_int_eq(s.bytes, 5);
	ck_assert_str_eq(s.data, "hello");
	ck_assert_msg(s.done_us - term_us < 1000000,
	              "the held data arrived %.3f s after SIGTERM (held for 10 s)",
	              (s.done_us - term_us) / 1e6);

	struct trace t = trace_load();
	unsigned released = 0;
	for (size_t i = 0; i < t.n; i++)
		if (t.r[i].kind == TRACE_RELEASED && t.r[i].len == 5) {
			ck_assert_uint_lt(t.r[i].held_us, 10000000);
			released++;
		}
	ck_assert_uint_ge(released, 1);
	ck_assert_msg(wait_for_file(topo.err, "delivered at exit", 0), "no exit summary");
	unsigned long on_time, at_exit;
	FILE *f = fopen(topo.err, "r");
	char line[512];
	bool found = false;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "held: released %lu on time, %lu delivered at exit", &on_time,
		           &at_exit) == 2)
			found = true;
	if (f)
		fclose(f);
	ck_assert(found);
	ck_assert_uint_eq(on_time, 0);
	ck_assert_uint_eq(at_exit, released);
	trace_records_free(t.r, t.n);
}
END_TEST

/* A segment held by reorder for segments that never come (and a quiet time longer than the
 * run) is not lost at SIGTERM: its copy goes out through the bridge port, traced RELEASED. The
 * client's retransmission passes (the rule takes one segment) and delivers the data first. */
START_TEST(test_sigterm_sends_a_segment_held_by_reorder)
{
	topo_up('r', "reorder 1000 quiet 100s [P.] from client once\n");
	start_faultd();
	struct endpoint server = start_server(SERVER_READ);
	struct endpoint_result c = endpoint_result(start_client(CLIENT_SEND_AND_WAIT), 5000);
	ck_assert_msg(c.err == 0, "client failed: %s", strerror(c.err));
	ck_assert_msg(wait_for_file(topo.text, "HOLD reorder 1000", 3000), "the data was not held");
	struct endpoint_result s = endpoint_result(server, 5000);
	ck_assert_msg(s.err == 0, "server read failed: %s", strerror(s.err));
	ck_assert_str_eq(s.data, "hello");
	ck_assert_int_eq(fx_stop_faultd(5000), 0);

	struct trace t = trace_load();
	unsigned held = 0, released = 0;
	for (size_t i = 0; i < t.n; i++) {
		held += t.r[i].kind == TRACE_SEEN && t.r[i].action == RULE_REORDER;
		released += t.r[i].kind == TRACE_RELEASED && t.r[i].len == 5;
	}
	ck_assert_uint_eq(held, 1);
	ck_assert_uint_eq(released, 1);
	ck_assert_msg(wait_for_file(topo.err,
	                            "reordered: 1 held, released 0 after their segments, 0 after "
	                            "quiet, 1 at exit; 0 passed at once (host not known)",
	                            0),
	              "no reorder line in the exit summary");
	trace_records_free(t.r, t.n);
}
END_TEST

/* The scheduling policy of each thread of pid: the judging thread first (its tid is the pid). */
static size_t thread_policies(pid_t pid, int *policy, size_t max)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "ls /proc/%d/task", (int)pid);
	FILE *p = popen(cmd, "r");
	size_t n = 1;
	int tid;
	policy[0] = sched_getscheduler(pid);
	while (p && n < max && fscanf(p, "%d", &tid) == 1)
		if (tid != pid)
			policy[n++] = sched_getscheduler(tid);
	if (p)
		pclose(p);
	return n;
}

/* --realtime raises the judging thread only; where it may not (a user namespace lacks
 * CAP_SYS_NICE over the machine) the daemon says why and exits 1, binding nothing. */
START_TEST(test_realtime_raises_the_judging_thread_not_the_writer)
{
	topo_up('q', "delay 1ms [S]\n");
	if (synfin_in_user_namespace()) {
		const char *args[] = {"--quiet", "--realtime", "--ready", topo.ready, NULL};
		pid_t pid = fx_spawn_faultd(false, args);
		int status = wait_child(pid, 5000);
		ck_assert_msg(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 1,
		              "--realtime without CAP_SYS_NICE: status %d, not exit 1", status);
		ck_assert_msg(wait_for_file(topo.err, "leave out --realtime", 0),
		              "no reason on standard error (see %s)", topo.err);
		ck_assert_msg(access(topo.ready, F_OK) != 0, "it bound its queue anyway");
		return;
	}
	start_faultd_with("--realtime");
	int policy[8];
	size_t n = thread_policies(topo.faultd, policy, 8);
	ck_assert_int_eq(policy[0], SCHED_FIFO);
	ck_assert_msg(n >= 2, "no writer thread for the trace files");
	for (size_t i = 1; i < n; i++)
		ck_assert_int_eq(policy[i], SCHED_OTHER);
	ck_assert_int_eq(fx_stop_faultd(5000), 0);
}
END_TEST

START_TEST(test_sighup_with_bad_file_keeps_old_rules)
{
	topo_up('g', "drop [S] from client first 1\n");
	start_faultd();

	write_file(topo.rules, "explode [S] from client\n");
	kill(topo.faultd, SIGHUP);
	ck_assert_msg(wait_for_file(topo.err, "keeping the previous 1 rules", 3000),
	              "no 'keeping the previous 1 rules' after a bad reload");
	struct endpoint first = start_server(SERVER_CLOSE_AT_ONCE);
	struct endpoint_result c = endpoint_result(start_client(CLIENT_CONNECT), 10000);
	ck_assert_msg(c.err == 0, "connect failed: %s", strerror(c.err));
	/* the old rule still drops the first SYN */
	ck_assert_near_us(c.done_us - c.start_us, 1000000, "connect() with the old rules took");
	endpoint_result(first, 5000); /* gone from the port before the next server listens */

	write_file(topo.rules, "# no faults\n");
	kill(topo.faultd, SIGHUP);
	ck_assert_msg(wait_for_file(topo.err, "reloaded 0 rules", 3000), "no good reload");
	start_server(SERVER_CLOSE_AT_ONCE);
	c = endpoint_result(start_client(CLIENT_CONNECT), 10000);
	ck_assert_msg(c.err == 0, "connect failed: %s", strerror(c.err));
	ck_assert_msg(c.done_us - c.start_us < 100000, "connect() after the reload took %.3f s",
	              (c.done_us - c.start_us) / 1e6);
	ck_assert_int_eq(fx_stop_faultd(5000), 0);

	struct trace t = trace_load();
	unsigned dropped = 0, passed = 0;
	for (size_t i = 0; i < t.n; i++)
		if (is_syn_from_client(&t.r[i])) {
			dropped += t.r[i].action == RULE_DROP;
			passed += t.r[i].action == RULE_PASS;
		}
	ck_assert_uint_eq(dropped, 1);
	ck_assert_uint_eq(passed, 2);
	trace_records_free(t.r, t.n);
	/* the pcapng: the SYNs the old rules judged in its first section, the one after the good
	 * reload in a second, whose header has the new file; the bad reload began none */
	char cmd[512], out[256];
	snprintf(cmd, sizeof(cmd),
	         "tshark -r %s -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields "
	         "-e frame.section_number -e frame.comment 2>/dev/null",
	         topo.pcapng);
	ck_assert_int_eq(synfin_command_output(cmd, out, sizeof(out)), 0);
	char want[256];
	snprintf(want, sizeof(want), "1\tDROP rule 1 (%s:1)\n1\tpass\n2\tpass\n", topo.rules);
	ck_assert_str_eq(out, want);
	snprintf(cmd, sizeof(cmd), "grep -c -a -e 'rules reloaded at' -e '# no faults' %s",
	         topo.pcapng);
	ck_assert_int_eq(synfin_command_output(cmd, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "2\n");
}
END_TEST

/* Two connections, each losing its first SYN; with the daemon's standard error apart per run. */
static void connect_twice_reloading_between(bool reload)
{
	for (int k = 0; k < 2; k++) {
		if (k == 1 && reload) {
			write_file(topo.rules, "drop [S] from client first 1\n# reloaded\n");
			kill(topo.faultd, SIGHUP);
			ck_assert_msg(wait_for_file(topo.err, "reloaded 1 rules", 3000),
			              "no reload");
		}
		start_server(SERVER_CLOSE_AT_ONCE);
		struct endpoint_result c = endpoint_result(start_client(CLIENT_CONNECT), 10000);
		ck_assert_msg(c.err == 0, "connect failed: %s", strerror(c.err));
		ck_assert_near_us(c.done_us - c.start_us, 1000000, "connect() took");
	}
}

/* A journal numbers connections for the whole run: a reload in the middle of its replay must
 * not number the next connection 1 again, or its segments are not found. */
START_TEST(test_sighup_during_replay_keeps_the_journals_connection_numbers)
{
	topo_up('p', "drop [S] from client first 1\n");
	char journal[256], opt[300];
	snprintf(journal, sizeof(journal), "%s/journal.jsonl", topo.dir);
	snprintf(opt, sizeof(opt), "--journal=%s", journal);
	start_faultd_with(opt);
	connect_twice_reloading_between(false);
	ck_assert_int_eq(fx_stop_faultd(5000), 0);
	ck_assert_msg(wait_for_file(journal, "\"conn\":2", 0), "the journal has no conn 2");

	snprintf(opt, sizeof(opt), "--replay=%s", journal);
	start_faultd_with(opt);
	connect_twice_reloading_between(true);
	ck_assert_int_eq(fx_stop_faultd(5000), 0);
	unsigned long replayed, unknown;
	ck_assert_msg(
	    summary_count("replay: %lu decisions replayed, %lu segments not in the journal",
	                  &replayed, &unknown),
	    "no replay summary in %s", topo.err);
	ck_assert_uint_ge(replayed, 4);
	/* the teardown's segments may differ from run to run; the SYNs never do */
	ck_assert_msg(!wait_for_file(topo.text, "c2s [S] seq", 0),
	              "a client SYN was not in the journal:\n%s", read_file(topo.text));
}
END_TEST

START_TEST(test_drop_held_on_exit_discards_a_held_segment)
{
	topo_up('h', "delay 10s [P.] from client\n");
	start_faultd_with("--drop-held-on-exit");
	struct endpoint server = start_server(SERVER_READ);
	struct endpoint_result c = endpoint_result(start_client(CLIENT_SEND_AND_WAIT), 5000);
	ck_assert_msg(c.err == 0, "client failed: %s", strerror(c.err));
	ck_assert_msg(wait_for_file(topo.text, "HOLD 10000 ms", 3000), "the data was not held");
	ck_assert_int_eq(fx_stop_faultd(5000), 0);

	struct endpoint_result s;
	ck_assert_msg(!fx_read_full(server.fd, &s, sizeof(s), 1500),
	              "the server received %ld bytes of a segment that was to be dropped", s.bytes);
	ck_assert_msg(wait_for_file(topo.text, "DROPPED at exit", 0),
	              "no DROPPED line in the trace");
	unsigned long released, at_exit;
	ck_assert(summary_count("held: released %lu on time, %*u delivered at exit, %lu dropped",
	                        &released, &at_exit));
	ck_assert_uint_eq(released, 0);
	ck_assert_uint_ge(at_exit, 1);

	/* the JSON Lines carry the same end of the hold as the text trace */
	struct trace t = trace_load();
	unsigned dropped = 0;
	for (size_t i = 0; i < t.n; i++) {
		const struct trace_record *r = &t.r[i];
		ck_assert_int_ne(r->kind, TRACE_RELEASED);
		if (r->kind != TRACE_DROPPED_AT_EXIT)
			continue;
		ck_assert_str_eq(r->dir, "c2s");
		ck_assert_uint_gt(r->len, 0);
		ck_assert_int_eq(r->action, RULE_DELAY);
		ck_assert_uint_eq(r->delay_us, 10000000);
		ck_assert_uint_lt(r->held_us, 10000000);
		ck_assert_uint_eq(r->rule, 1);
		dropped++;
	}
	ck_assert_uint_eq(dropped, at_exit);
	trace_records_free(t.r, t.n);
}
END_TEST

static Suite *faultd_signals_suite(void)
{
	Suite *s = suite_create("faultd_signals");
	TCase *tc = tcase_create("signals");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_unchecked_fixture(tc, NULL, teardown_all_topologies);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_sigterm_delivers_a_held_segment);
	tcase_add_test(tc, test_sigterm_sends_a_segment_held_by_reorder);
	tcase_add_test(tc, test_sighup_with_bad_file_keeps_old_rules);
	tcase_add_test(tc, test_sighup_during_replay_keeps_the_journals_connection_numbers);
	tcase_add_test(tc, test_drop_held_on_exit_discards_a_held_segment);
	tcase_add_test(tc, test_realtime_raises_the_judging_thread_not_the_writer);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	synfin_require_netns();
	fx_init("fs", "faultd-signals", "abcdefghijklmnopq");
	return synfin_run_suite(faultd_signals_suite());
}
