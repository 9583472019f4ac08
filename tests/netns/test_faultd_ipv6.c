/* test_faultd_ipv6.c: synfin-faultd judging IPv6 on a dual-stack topology (synfin-netns up RUN
 * --ipv6): an IPv6 connection no longer bypasses the daemon. A dropped SYN is in the trace as
 * tcpdump prints IPv6, and Linux retransmits it after its 1 s initial RTO (RFC 6298 2.1); the
 * family words pick one family on the same wire, and --queue-only-matching narrows both. As root,
 * and rootless through guard.sh where ip6tables can queue in the user namespace (otherwise each
 * test says why it is skipped). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/topology.h"
#include "faultd_fixture.h"
#include "test_support.h"
#include "trace/trace.h"
#include "trace/trace_read.h"
#include "wire/segment.h"

#define SERVER_PORT 5001

/* Up with --ipv6, or false (the test skipped, saying why) where ip6tables cannot queue here. */
static bool dual_stack_up(char tag, const char *rules, const char *test)
{
	if (topo_up_with(tag, rules, "--ipv6") == 0)
		return true;
	char path[256];
	snprintf(path, sizeof(path), "%s/netns.err", topo.dir);
	const char *err = read_file(path);
	ck_assert_msg(err && strstr(err, "ip6tables"), "synfin-netns up %s --ipv6 failed: %s",
	              topo.run, err ? err : "");
	synfin_skip_test("test_faultd_ipv6", test,
	                 "ip6tables cannot queue IPv6 here (see ./synfin doctor: nfqueue)");
	return false;
}

/* A listener on the server's port of family, in the server namespace: accepts one connection
 * and closes it. Returns once it listens. */
static pid_t start_server(int family)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		if (enter_ns(topo.run, "server") != 0)
			_exit(126);
		int ls = socket(family, SOCK_STREAM, 0);
		int one = 1;
		setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(SERVER_PORT)};
		struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(SERVER_PORT)};
		int rc = family == AF_INET6 ? bind(ls, (struct sockaddr *)&a6, sizeof(a6))
		                            : bind(ls, (struct sockaddr *)&a4, sizeof(a4));
		if (rc < 0 || listen(ls, 8) < 0)
			_exit(2);
		if (write(p[1], "R", 1) != 1)
			_exit(3);
		int c = accept(ls, NULL, NULL);
		close(c);
		_exit(c < 0 ? 4 : 0);
	}
	close(p[1]);
	track_child(pid);
	char ready;
	ck_assert_msg(fx_read_full(p[0], &ready, 1, 5000), "the server did not listen");
	close(p[0]);
	return pid;
}

/* A server that accepted its connection and exited, so that the next can listen on its port:
 * connect() returns at the SYN-ACK, before the server's accept() does. */
static void server_done(pid_t pid)
{
	int st = wait_child(pid, 5000);
	ck_assert_msg(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	              "the server did not accept its connection (wait status %d)", st);
}

/* connect() from the client namespace to the server over family: how long it took, in
 * microseconds, or fails the test. */
static uint64_t connect_from_client(int family)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		if (enter_ns(topo.run, "client") != 0)
			_exit(126);
		int s = socket(family, SOCK_STREAM, 0);
		struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(SERVER_PORT)};
		struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(SERVER_PORT)};
		inet_pton(AF_INET6, TOPOLOGY_SERVER_ADDR6, &a6.sin6_addr);
		inet_pton(AF_INET, TOPOLOGY_SERVER_ADDR, &a4.sin_addr);
		uint64_t start = fx_now_us();
		int rc = family == AF_INET6 ? connect(s, (struct sockaddr *)&a6, sizeof(a6))
		                            : connect(s, (struct sockaddr *)&a4, sizeof(a4));
		uint64_t took = rc == 0 ? fx_now_us() - start : 0;
		close(s);
		_exit(write(p[1], &took, sizeof(took)) == (ssize_t)sizeof(took) ? 0 : 3);
	}
	close(p[1]);
	track_child(pid);
	uint64_t took = 0;
	ck_assert_msg(fx_read_full(p[0], &took, sizeof(took), 10000), "the client did not report");
	close(p[0]);
	ck_assert_msg(took > 0, "connect() over %s failed", family == AF_INET6 ? "IPv6" : "IPv4");
	return took;
}

static bool is_syn_from_client(const struct trace_record *r, bool ipv6)
{
	return r->kind == TRACE_SEEN && strcmp(r->dir, "c2s") == 0 && r->tcp_flags == TCPF_SYN &&
	       ipv6 == !ip_addr_is_ipv4(&r->src_ip, NULL);
}

/* The client's SYNs of one family in the JSON Lines trace, up to 4. */
static unsigned client_syns(const struct trace_record *r, size_t n, bool ipv6,
                            const struct trace_record *syn[4])
{
	unsigned k = 0;
	for (size_t i = 0; i < n && k < 4; i++)
		if (is_syn_from_client(&r[i], ipv6))
			syn[k++] = &r[i];
	return k;
}

/* One IPv4 SYN from the client, passed; two IPv6 ones, the first dropped. */
static void ipv4_passed_ipv6_dropped_once(const struct trace_record *r, size_t n)
{
	const struct trace_record *syn[4];
	ck_assert_uint_eq(client_syns(r, n, false, syn), 1);
	ck_assert_int_eq(syn[0]->action, RULE_PASS);
	ck_assert_uint_eq(client_syns(r, n, true, syn), 2);
	ck_assert_int_eq(syn[0]->action, RULE_DROP);
	ck_assert_int_eq(syn[1]->action, RULE_PASS);
}

START_TEST(test_ipv6_syn_dropped_once_is_traced_and_retransmitted_after_1s)
{
	if (!dual_stack_up('a', "drop [S] once\n",
	                   "test_ipv6_syn_dropped_once_is_traced_and_retransmitted_after_1s"))
		return;
	start_faultd();
	start_server(AF_INET6);
	ck_assert_near_us(connect_from_client(AF_INET6), 1000000, "connect() over IPv6 took");
	ck_assert_int_eq(fx_stop_faultd(5000), 0);

	struct trace_record *r;
	size_t n;
	ck_assert_int_eq(trace_read_jsonl(topo.jsonl, &r, &n), 0);
	const struct trace_record *syn[4];
	ck_assert_uint_eq(client_syns(r, n, true, syn), 2);
	ck_assert_str_eq(syn[0]->src, TOPOLOGY_CLIENT_ADDR6);
	ck_assert_str_eq(syn[0]->dst, TOPOLOGY_SERVER_ADDR6);
	ck_assert_int_eq(syn[0]->action, RULE_DROP);
	ck_assert_uint_eq(syn[0]->rule, 1);
	ck_assert_int_eq(syn[1]->action, RULE_PASS);
	ck_assert_uint_eq(syn[1]->seq, syn[0]->seq);
	ck_assert_near_us(syn[1]->time_us - syn[0]->time_us, 1000000, "the second SYN after");
	trace_records_free(r, n);
	/* the text trace as tcpdump prints IPv6 */
	ck_assert(wait_for_file(topo.text, " IP6 " TOPOLOGY_CLIENT_ADDR6 ".", 0));
	ck_assert(wait_for_file(topo.text, "> " TOPOLOGY_SERVER_ADDR6 ".5001: Flags [S], seq ", 0));
	ck_assert(wait_for_file(topo.text, "  DROP rule 1 (", 0));
	ck_assert(wait_for_file(topo.err, "totals: seen ", 0));
	ck_assert(wait_for_file(topo.err, ", dropped 1, delayed 0, malformed 0\n", 0));
}
END_TEST

START_TEST(test_family_words_pick_one_family_on_a_dual_stack_wire)
{
	if (!dual_stack_up('b', "drop [S] ip6 once\n",
	                   "test_family_words_pick_one_family_on_a_dual_stack_wire"))
		return;
	start_faultd();
	pid_t first = start_server(AF_INET6); /* a dual-stack listener: IPv4 reaches it mapped */
	/* IPv4 untouched: at once; then IPv6, its first SYN dropped */
	ck_assert_uint_lt(connect_from_client(AF_INET), 200000);
	server_done(first);
	start_server(AF_INET6);
	ck_assert_near_us(connect_from_client(AF_INET6), 1000000, "connect() over IPv6 took");
	ck_assert_int_eq(fx_stop_faultd(5000), 0);

	struct trace_record *r;
	size_t n;
	ck_assert_int_eq(trace_read_jsonl(topo.jsonl, &r, &n), 0);
	ipv4_passed_ipv6_dropped_once(r, n);
	trace_records_free(r, n);
}
END_TEST

/* --queue-only-matching narrows IPv6 in ip6tables as IPv4 in iptables: with a rule on the
 * client's first SYN, only connection openings reach the daemon, of either family (the FINs and
 * ACKs cross unjudged); the IPv6 SYN is still dropped exactly once, every output says what it
 * lacks, and both firewalls are as the topology made them after SIGTERM. */
START_TEST(test_queue_only_matching_narrows_ipv6_too)
{
	if (!dual_stack_up('c', "drop [S] from client ip6 once\n",
	                   "test_queue_only_matching_narrows_ipv6_too"))
		return;
	start_faultd_with("--queue-only-matching");
	pid_t first = start_server(AF_INET6);
	ck_assert_uint_lt(connect_from_client(AF_INET), 200000);
	server_done(first);
	start_server(AF_INET6);
	ck_assert_near_us(connect_from_client(AF_INET6), 1000000, "connect() over IPv6 took");
	synfin_sleep_ms(100); /* the FINs and their ACKs cross */
	ck_assert_int_eq(fx_stop_faultd(5000), 0);

	struct trace_record *r;
	size_t n;
	ck_assert_int_eq(trace_read_jsonl(topo.jsonl, &r, &n), 0);
	unsigned seen = 0;
	for (size_t i = 0; i < n; i++) {
		if (r[i].kind != TRACE_SEEN)
			continue;
		seen++;
		ck_assert_msg(r[i].tcp_flags == TCPF_SYN, "not an opening reached the daemon: %s",
		              r[i].text);
	}
	ipv4_passed_ipv6_dropped_once(r, n);
	ck_assert_uint_eq(seen, 3);
	trace_records_free(r, n);
	ck_assert(wait_for_file(topo.text, "#   queued: (IPv6) -p tcp --tcp-flags SYN,ACK SYN", 0));
	ck_assert(wait_for_file(topo.err, "every other TCP segment crossed unjudged", 0));

	for (int v = 4; v <= 6; v += 2) {
		char rules[256];
		snprintf(rules, sizeof(rules), "%s/ip%dtables.txt", topo.dir, v);
		ck_assert_int_eq(sh("%s exec %s wire %s -S FORWARD > %s", netns_script(), topo.run,
		                    v == 6 ? "ip6tables" : "iptables", rules),
		                 0);
		ck_assert(wait_for_file(rules, "-A FORWARD -p tcp -j NFQUEUE --queue-num 0", 0));
		ck_assert(!wait_for_file(rules, "SYNFIN-Q", 0));
	}
}
END_TEST

static Suite *faultd_ipv6_suite(void)
{
	Suite *s = suite_create("faultd_ipv6");
	TCase *tc = tcase_create("dual_stack");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_unchecked_fixture(tc, NULL, teardown_all_topologies);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ipv6_syn_dropped_once_is_traced_and_retransmitted_after_1s);
	tcase_add_test(tc, test_family_words_pick_one_family_on_a_dual_stack_wire);
	tcase_add_test(tc, test_queue_only_matching_narrows_ipv6_too);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	synfin_require_netns();
	fx_init("fv", "faultd-ipv6", "abc");
	return synfin_run_suite(faultd_ipv6_suite());
}
