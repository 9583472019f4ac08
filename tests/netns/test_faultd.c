/* test_faultd.c: synfin-faultd's verdicts on a real NFQUEUE between two Linux endpoints: a dropped
 * SYN, a held FIN, every SYN dropped, segments queued only for the rules that could match, and
 * what is not TCP or not whole passing unjudged.
 *
 * Each test builds its own topology (netns/synfin-netns up RUN, RUN unique per test and per
 * run of this program), starts the daemon in the wire namespace with a rule file, and drives a
 * Linux client and server (faultd_endpoint_fixture.h). Timing follows the packetdrill model
 * (REFERENCE.md 6): an event may be late or early by max(4 ms, 12.5% of the gap since the
 * previous event). The daemon's signals are test_faultd_signals.c's, its trace and capture
 * test_faultd_trace.c's, its command line test_faultd_cli.c's.
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

static void topo_sysctl(const char *role, const char *settings)
{
	ck_assert_msg(
	    sh("%s sysctl %s %s %s >/dev/null", netns_script(), topo.run, role, settings) == 0,
	    "sysctl %s failed", settings);
}

/* The pcapng as tshark reads it: each packet's comment is the verdict of the text trace's line
 * for it, in the same order, on the side of the wire that sent it; the header has the seed and
 * the rules. ./synfin installs tshark. */
static void assert_pcapng_agrees_with_text_trace(void)
{
	char cmd[512];
	static char comments[65536], expected[65536];
	/* tshark's standard error says it runs as root: apart, for a failure's message */
	snprintf(cmd, sizeof(cmd),
	         "tshark -r %s -T fields -e frame.interface_id -e frame.comment 2>%s/tshark.err",
	         topo.pcapng, topo.dir);
	int rc = synfin_command_output(cmd, comments, sizeof(comments));
	ck_assert_msg(rc == 0,
	              "tshark -r %s failed (./synfin build installs tshark): see %s/tshark.err",
	              topo.pcapng, topo.dir);
	FILE *f = fopen(topo.text, "r");
	ck_assert_ptr_nonnull(f);
	char line[1024];
	size_t n = 0;
	unsigned lines = 0;
	while (fgets(line, sizeof(line), f)) {
		char *verdict = NULL, src[32];
		for (char *p = strstr(line, "  "); p; p = strstr(p + 1, "  "))
			verdict = p + 2; /* after the last two spaces: tcpdump's text has none */
		if (line[0] == '#' || !verdict || sscanf(line, "%*s IP %31s", src) != 1)
			continue;
		/* "CLIENtopo.PORT": the client sent it */
		int side = strncmp(src, TOPOLOGY_CLIENT_ADDR ".", strlen(TOPOLOGY_CLIENT_ADDR) + 1)
		               ? 1
		               : 0;
		n += (size_t)snprintf(expected + n, sizeof(expected) - n, "%d\t%s", side, verdict);
		lines++;
	}
	fclose(f);
	ck_assert_uint_gt(lines, 0);
	ck_assert_str_eq(comments, expected);
	snprintf(cmd, sizeof(cmd), "capinfos %s 2>/dev/null", topo.pcapng);
	ck_assert_int_eq(synfin_command_output(cmd, comments, sizeof(comments)), 0);
	ck_assert_msg(strstr(comments, "Capture comment:     seed 1\n") &&
	                  strstr(comments, "Capture application: synfin-faultd"),
	              "capinfos %s:\n%s", topo.pcapng, comments);
}

START_TEST(test_first_syn_dropped_client_connects_after_1s)
{
	topo_up('a', "drop [S] from client first 1\n");
	start_faultd();
	start_server(SERVER_CLOSE_AT_ONCE);
	struct endpoint_result c = endpoint_result(start_client(CLIENT_CONNECT), 10000);
	ck_assert_msg(c.err == 0, "connect failed: %s", strerror(c.err));
	ck_assert_near_us(c.done_us - c.start_us, 1000000, "connect() took");
	ck_assert_int_eq(fx_stop_faultd(5000), 0);

	struct trace t = trace_load();
	const struct trace_record *syn[4];
	unsigned n_syn = 0;
	for (size_t i = 0; i < t.n && n_syn < 4; i++)
		if (is_syn_from_client(&t.r[i]))
			syn[n_syn++] = &t.r[i];
	ck_assert_uint_eq(n_syn, 2);
	ck_assert_int_eq(syn[0]->action, RULE_DROP);
	ck_assert_uint_eq(syn[0]->rule, 1);
	ck_assert_int_eq(syn[1]->action, RULE_PASS);
	ck_assert_uint_eq(syn[1]->seq, syn[0]->seq);
	ck_assert_near_us(syn[1]->time_us - syn[0]->time_us, 1000000, "second SYN after");
	trace_records_free(t.r, t.n);
	assert_pcapng_agrees_with_text_trace();
}
END_TEST

START_TEST(test_server_fin_held_300ms_client_sees_eof_300ms_after_close)
{
	topo_up('b', "delay 300ms fin from server\n");
	start_faultd();
	struct endpoint server = start_server(SERVER_CLOSE_AT_ONCE);
	struct endpoint_result c = endpoint_result(start_client(CLIENT_READ_TO_EOF), 10000);
	struct endpoint_result s = endpoint_result(server, 5000);
	ck_assert_msg(c.err == 0, "client failed: %s", strerror(c.err));
	ck_assert_near_us(c.eof_us - s.start_us, 300000, "EOF after the server's close");
	synfin_sleep_ms(100);
	ck_assert_int_eq(fx_stop_faultd(5000), 0);

	struct trace t = trace_load();
	const struct trace_record *seen = NULL, *released = NULL;
	for (size_t i = 0; i < t.n; i++) {
		if (!is_fin_from_server(&t.r[i]))
			continue;
		if (!seen && t.r[i].kind == TRACE_SEEN)
			seen = &t.r[i];
		if (!released && t.r[i].kind == TRACE_RELEASED)
			released = &t.r[i];
	}
	ck_assert_msg(seen && released, "no held and released FIN in the trace");
	ck_assert_int_eq(seen->action, RULE_DELAY);
	ck_assert_uint_eq(seen->delay_us, 300000);
	ck_assert_uint_eq(released->seq, seen->seq);
	/* never early; late by at most the tolerance */
	int64_t held = (int64_t)(released->time_us - seen->time_us);
	ck_assert_msg(held >= 300000 - 1000, "released early: after %lld us", (long long)held);
	ck_assert_near_us(held, 300000, "FIN released after");
	ck_assert_uint_ge(released->held_us, 300000);
	trace_records_free(t.r, t.n);
	assert_pcapng_agrees_with_text_trace();
}
END_TEST

/* Every SYN dropped: the SYNs leave at the expected offsets and connect() fails with
 * ETIMEDOUT at fail_s. Each event is checked against the previous one as measured, as
 * packetdrill does: the kernel arms each retransmission timer when the previous SYN leaves, so
 * lateness carries over and would otherwise add up (REFERENCE.md 2: 31.4 s for 31 s). */
static void check_all_syns_dropped(char tag, unsigned retries, const double *syn_s, unsigned n,
                                   double fail_s, unsigned timeout_ms)
{
	topo_up(tag, "drop [S] from client\n");
	char settings[128];
	snprintf(settings, sizeof(settings),
	         "net.ipv4.tcp_syn_retries=%u net.ipv4.tcp_syn_linear_timeouts=0", retries);
	topo_sysctl("client", settings);
	start_faultd();
	start_server(SERVER_CLOSE_AT_ONCE);
	struct endpoint_result c = endpoint_result(start_client(CLIENT_CONNECT), timeout_ms);
	ck_assert_msg(c.err == ETIMEDOUT, "connect: %s, expected ETIMEDOUT", strerror(c.err));
	ck_assert_int_eq(fx_stop_faultd(5000), 0);

	struct trace t = trace_load();
	uint64_t at[16];
	unsigned n_syn = 0;
	for (size_t i = 0; i < t.n; i++) {
		if (!is_syn_from_client(&t.r[i]))
			continue;
		ck_assert_int_eq(t.r[i].action, RULE_DROP);
		ck_assert_uint_eq(t.r[i].seq, t.r[0].seq);
		if (n_syn < 16)
			at[n_syn] = t.r[i].time_us;
		n_syn++;
	}
	ck_assert_uint_eq(n_syn, n);
	ck_assert_near_us(at[0] - c.start_us, 0, "first SYN after connect()");
	for (unsigned i = 1; i < n; i++) {
		char what[64];
		snprintf(what, sizeof(what), "SYN %u after SYN %u", i + 1, i);
		ck_assert_near_us(at[i] - at[i - 1], (syn_s[i] - syn_s[i - 1]) * 1e6, what);
	}
	ck_assert_near_us(c.done_us - at[n - 1], (fail_s - syn_s[n - 1]) * 1e6,
	                  "ETIMEDOUT after the last SYN");
	fprintf(stderr, "all SYNs dropped, tcp_syn_retries=%u: SYNs at", retries);
	for (unsigned i = 0; i < n; i++)
		fprintf(stderr, " %.3f", (at[i] - at[0]) / 1e6);
	fprintf(stderr, " s, ETIMEDOUT at %.3f s after connect()\n",
	        (c.done_us - c.start_us) / 1e6);
	trace_records_free(t.r, t.n);
}

START_TEST(test_all_syns_dropped_two_retries_time_out_at_7s)
{
	const double syn_s[] = {0, 1, 3};
	check_all_syns_dropped('c', 2, syn_s, 3, 7, 15000);
}
END_TEST

START_TEST(test_seed_experiment_all_syns_lost_times_out_at_63s)
{
	const double syn_s[] = {0, 1, 3, 7, 15, 31};
	check_all_syns_dropped('d', 5, syn_s, 6, 63, 80000);
}
END_TEST

/* Segments let through while another is held must not take it with them: a batch verdict
 * covers every queued id up to the one it names, held ones included (REFERENCE.md 7). The
 * client's burst makes the daemon accept many segments per read while the FIN waits. */
START_TEST(test_burst_passed_while_a_fin_is_held_does_not_release_it_early)
{
	topo_up('j', "delay 500ms fin from server\n");
	start_faultd();
	struct endpoint server = start_server(SERVER_HALF_CLOSE);
	struct endpoint_result c = endpoint_result(start_client(CLIENT_BURST_TO_EOF), 10000);
	struct endpoint_result s = endpoint_result(server, 5000);
	ck_assert_msg(c.err == 0, "client failed: %s", strerror(c.err));
	ck_assert_int_eq(s.bytes, 1000);
	ck_assert_near_us(c.eof_us - s.start_us, 500000, "EOF after the server's shutdown");
	ck_assert_int_eq(fx_stop_faultd(5000), 0);

	struct trace t = trace_load();
	unsigned passed_while_held = 0;
	bool holding = false;
	for (size_t i = 0; i < t.n; i++) {
		const struct trace_record *r = &t.r[i];
		if (is_fin_from_server(r) && r->kind == TRACE_SEEN)
			holding = true;
		else if (is_fin_from_server(r) && r->kind == TRACE_RELEASED)
			break;
		else if (holding && r->kind == TRACE_SEEN && r->action == RULE_PASS)
			passed_while_held++;
	}
	fprintf(stderr, "%u segments passed while the FIN was held\n", passed_while_held);
	ck_assert_uint_ge(passed_while_held, 10);
	trace_records_free(t.r, t.n);
}
END_TEST

/* --queue-only-matching with SYN and FIN rules: the SYN retries keep RFC 6298's 1 s and 2 s,
 * the FIN is held its 300 ms, no data segment reaches the daemon, every output says what it
 * lacks, and the topology's queue-everything rule is back alone after SIGTERM. */
START_TEST(test_queue_only_matching_keeps_syn_and_fin_rules_exact_and_queues_no_data)
{
	topo_up('m', "drop [S] from client first 2\ndelay 300ms fin from server\n");
	topo_sysctl("client", "net.ipv4.tcp_syn_linear_timeouts=0"); /* 1 s, then 2 s */
	start_faultd_with("--queue-only-matching");
	struct endpoint server = start_server(SERVER_RESPOND);
	struct endpoint_result c = endpoint_result(start_client(CLIENT_REQUEST), 15000);
	struct endpoint_result s = endpoint_result(server, 5000);
	ck_assert_msg(c.err == 0, "client failed: %s", strerror(c.err));
	ck_assert_int_eq(c.bytes, 9);
	ck_assert_near_us(c.done_us - c.start_us, 3000000, "connect() after two lost SYNs took");
	ck_assert_near_us(c.eof_us - s.start_us, 300000, "EOF after the server's close");
	synfin_sleep_ms(100);
	ck_assert_int_eq(fx_stop_faultd(5000), 0);

	struct trace t = trace_load();
	unsigned syns = 0, dropped = 0, fins_seen = 0, fins_released = 0;
	for (size_t i = 0; i < t.n; i++) {
		const struct trace_record *r = &t.r[i];
		ck_assert_msg(r->len == 0, "a data segment reached the daemon: %s", r->text);
		if (is_syn_from_client(r)) {
			syns++;
			dropped += r->action == RULE_DROP;
		}
		if (!is_fin_from_server(r))
			continue;
		/* a FIN held longer than the server's RTO is retransmitted, and held too */
		if (r->kind == TRACE_SEEN) {
			ck_assert_int_eq(r->action, RULE_DELAY);
			ck_assert_uint_eq(r->delay_us, 300000);
			fins_seen++;
		}
		fins_released += r->kind == TRACE_RELEASED;
	}
	ck_assert_uint_eq(syns, 3);
	ck_assert_uint_eq(dropped, 2);
	ck_assert_uint_ge(fins_seen, 1);
	ck_assert_uint_eq(fins_released, fins_seen);
	trace_records_free(t.r, t.n);
	ck_assert(wait_for_file(topo.text, "# --queue-only-matching: ", 0));
	ck_assert(
	    wait_for_file(topo.jsonl, "\"event\":\"note\",\"text\":\"--queue-only-matching", 0));
	ck_assert(wait_for_file(topo.err, "every other TCP segment crossed unjudged", 0));

	char rules[256];
	snprintf(rules, sizeof(rules), "%s/iptables.txt", topo.dir);
	ck_assert_int_eq(
	    sh("%s exec %s wire iptables -S FORWARD > %s", netns_script(), topo.run, rules), 0);
	ck_assert(wait_for_file(rules, "-A FORWARD -p tcp -j NFQUEUE --queue-num 0", 0));
	ck_assert(!wait_for_file(rules, "SYNFIN-Q", 0));
}
END_TEST

/* A raw IPv4 packet that says TCP but carries 8 bytes: too short for a TCP header. */
static void send_truncated_tcp(void)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (enter_ns(topo.run, "client") != 0)
			_exit(126);
		int s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
		uint8_t pkt[28] = {0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, IPPROTO_TCP};
		struct sockaddr_in dst = {.sin_family = AF_INET};
		inet_pton(AF_INET, CLIENT_ADDR, pkt + 12);
		inet_pton(AF_INET, SERVER_ADDR, pkt + 16);
		inet_pton(AF_INET, SERVER_ADDR, &dst.sin_addr);
		pkt[20] = 0x9c; /* source port 40000, destination port 5001 */
		pkt[21] = 0x40;
		pkt[22] = SERVER_PORT >> 8;
		pkt[23] = SERVER_PORT & 0xff;
		ssize_t n = sendto(s, pkt, sizeof(pkt), 0, (struct sockaddr *)&dst, sizeof(dst));
		_exit(n == (ssize_t)sizeof(pkt) ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "raw send failed");
}

/* One IPv6 UDP datagram (fe80::1 > ff02::1) put on the client's link as an Ethernet frame: no
 * address or neighbour discovery needed, and the bridge floods it toward the server. */
static void send_ipv6_frame(void)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (enter_ns(topo.run, "client") != 0)
			_exit(126);
		int s = socket(AF_PACKET, SOCK_DGRAM, htons(0x86dd));
		uint8_t pkt[48] = {0x60, 0,    0,    0,        0,    8,    IPPROTO_UDP,
		                   64,   0xfe, 0x80, [23] = 1, 0xff, 0x02, [39] = 1,
		                   0x9c, 0x40, 0x13, 0x89,     0,    8};
		struct sockaddr_ll to = {.sll_family = AF_PACKET,
		                         .sll_protocol = htons(0x86dd),
		                         .sll_ifindex = (int)if_nametoindex("eth0"),
		                         .sll_halen = 6,
		                         .sll_addr = {0x33, 0x33, 0, 0, 0, 1}};
		ssize_t n = sendto(s, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to));
		_exit(n == (ssize_t)sizeof(pkt) ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	              "sending the IPv6 frame failed");
}

START_TEST(test_ipv6_udp_reaching_the_queue_passes_as_not_tcp)
{
	topo_up('k', "drop [S] from client first 1\n");
	/* the topology queues IPv6 TCP only; this queues the rest of IPv6 too */
	if (sh("ip netns exec synfin-%s-wire sysctl -qw net.bridge.bridge-nf-call-ip6tables=1 && "
	       "ip netns exec synfin-%s-wire ip6tables -A FORWARD -j NFQUEUE --queue-num 0 "
	       "2>/dev/null",
	       topo.run, topo.run) != 0) {
		fprintf(stderr,
		        "skipped: ip6tables cannot queue IPv6 in the wire namespace here\n");
		return;
	}
	start_faultd();
	send_ipv6_frame();
	/* IPv6 is parsed now: a datagram that is not TCP, its header printed */
	ck_assert_msg(
	    wait_for_file(topo.text,
	                  " IP6 fe80::1 > ff02::1: next-header 17, 48 bytes  pass (not TCP)", 3000),
	    "the IPv6 datagram is not in the trace as not TCP");
	ck_assert_int_eq(fx_stop_faultd(5000), 0);
	ck_assert_msg(
	    wait_for_file(topo.err,
	                  "malformed (all passed): bad IP version 0, not TCP 1, bad TCP/IP "
	                  "0, no data 0\n",
	                  0),
	    "the IPv6 datagram is not counted as not TCP (see %s)", topo.err);
	ck_assert_msg(!wait_for_file(topo.err, "not IP (", 0),
	              "the IPv6 datagram was counted as another protocol (see %s)", topo.err);
}
END_TEST

START_TEST(test_truncated_tcp_header_passes_as_malformed_and_the_daemon_goes_on)
{
	topo_up('i', "drop [S] from client first 1\n");
	start_faultd();
	send_truncated_tcp();
	ck_assert_msg(wait_for_file(topo.text, "pass (malformed)", 3000),
	              "the truncated segment is not in the trace as malformed");
	start_server(SERVER_CLOSE_AT_ONCE);
	struct endpoint_result c = endpoint_result(start_client(CLIENT_CONNECT), 10000);
	ck_assert_msg(c.err == 0, "connect failed: %s", strerror(c.err));
	ck_assert_near_us(c.done_us - c.start_us, 1000000, "connect() after the bad segment took");
	ck_assert_int_eq(fx_stop_faultd(5000), 0);
	unsigned long seen, passed;
	ck_assert(summary_count("totals: seen %lu, passed %lu", &seen, &passed));
	FILE *f = fopen(topo.err, "r");
	char line[512];
	bool counted = false;
	while (f && fgets(line, sizeof(line), f))
		counted = counted || strstr(line, ", malformed 1\n") != NULL;
	if (f)
		fclose(f);
	ck_assert_msg(counted, "the summary does not count one malformed packet");
}
END_TEST

static Suite *faultd_suite(void)
{
	Suite *s = suite_create("faultd");
	TCase *tc = tcase_create("verdicts");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_unchecked_fixture(tc, NULL, teardown_all_topologies);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_first_syn_dropped_client_connects_after_1s);
	tcase_add_test(tc, test_server_fin_held_300ms_client_sees_eof_300ms_after_close);
	tcase_add_test(tc,
	               test_queue_only_matching_keeps_syn_and_fin_rules_exact_and_queues_no_data);
	tcase_add_test(tc, test_burst_passed_while_a_fin_is_held_does_not_release_it_early);
	tcase_add_test(tc, test_truncated_tcp_header_passes_as_malformed_and_the_daemon_goes_on);
	tcase_add_test(tc, test_ipv6_udp_reaching_the_queue_passes_as_not_tcp);
	suite_add_tcase(s, tc);

	TCase *syn = tcase_create("syn_timeout");
	tcase_add_checked_fixture(syn, NULL, teardown);
	tcase_add_unchecked_fixture(syn, NULL, teardown_all_topologies);
	tcase_set_timeout(syn, 60);
	tcase_add_test(syn, test_all_syns_dropped_two_retries_time_out_at_7s);
	suite_add_tcase(s, syn);

	/* the seed's experiment takes 63 s of real time */
	TCase *seed = tcase_create("seed_experiment");
	tcase_add_checked_fixture(seed, NULL, teardown);
	tcase_add_unchecked_fixture(seed, NULL, teardown_all_topologies);
	tcase_set_timeout(seed, 120);
	tcase_add_test(seed, test_seed_experiment_all_syns_lost_times_out_at_63s);
	suite_add_tcase(s, seed);
	return s;
}

int main(void)
{
	synfin_require_netns();
	fx_init("fd", "faultd", "abcdefghijklmnopq");
	return synfin_run_suite(faultd_suite());
}
