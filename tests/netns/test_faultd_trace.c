/* test_faultd_trace.c: synfin-faultd's trace on a real NFQUEUE between two Linux endpoints says
 * what the wire carried: the same segments as tcpdump's capture on the client's port, each at
 * the time it arrived, and every line of a transfer the daemon is stopped in the middle of
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

struct packet {
	uint64_t time_us;
	struct segment seg; /* pointers inside are not used after reading */
};

struct capture {
	struct packet p[256];
	unsigned n;
};

static int collect_packet(void *ctx, uint64_t time_us, const uint8_t *pkt, size_t len)
{
	struct capture *c = ctx;
	struct segment seg;
	if (segment_parse(&seg, pkt, len) != 0 || c->n >= 256)
		return 0;
	c->p[c->n].time_us = time_us;
	c->p[c->n].seg = seg;
	c->n++;
	return 0;
}

static void assert_same_segment(const struct packet *p, const struct trace_record *r,
                                const char *what, unsigned i)
{
	ck_assert_msg(p->seg.saddr == r->saddr && p->seg.sport == r->sport &&
	                  p->seg.daddr == r->daddr && p->seg.dport == r->dport &&
	                  p->seg.seq == r->seq && p->seg.ack == r->ack &&
	                  p->seg.flags == r->tcp_flags && p->seg.payload_len == r->len,
	              "%s segment %u differs: capture flags 0x%02x seq %u ack %u len %u, trace %s",
	              what, i, p->seg.flags, p->seg.seq, p->seg.ack, p->seg.payload_len, r->text);
}

START_TEST(test_trace_agrees_with_tcpdump_capture_on_the_client_port)
{
	topo_up('e', "drop [S] from client first 1\ndelay 100ms fin from server\n");
	/* c0 is the wire's port toward the client: client segments as they arrive (before
	 * the queue), server segments as they leave toward the client (after the verdict) */
	char cap[256], cap_err[256];
	snprintf(cap, sizeof(cap), "%s/c0.pcap", topo.dir);
	snprintf(cap_err, sizeof(cap_err), "%s/tcpdump.err", topo.dir);
	pid_t tcpdump = fork();
	ck_assert_int_ge(tcpdump, 0);
	if (tcpdump == 0) {
		if (enter_ns(topo.run, "wire") != 0)
			_exit(126);
		int err = open(cap_err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (err >= 0)
			dup2(err, 2);
		/* immediate mode: packets must not wait in the ring for a block timeout, or a
		 * SIGINT would leave them uncaptured */
		execlp("tcpdump", "tcpdump", "-i", "c0", "-n", "--immediate-mode", "-U", "-w", cap,
		       "tcp", (char *)NULL);
		_exit(127);
	}
	track_child(tcpdump);
	ck_assert_msg(wait_for_file(cap_err, "listening on", 5000), "tcpdump did not start");

	start_faultd();
	start_server(SERVER_RESPOND);
	struct endpoint_result c = endpoint_result(start_client(CLIENT_REQUEST), 10000);
	ck_assert_msg(c.err == 0, "client failed: %s", strerror(c.err));
	ck_assert_int_eq(c.bytes, 9);
	synfin_sleep_ms(500); /* the last ACKs, and any retransmitted FIN */
	kill(tcpdump, SIGINT);
	ck_assert_int_ne(wait_child(tcpdump, 5000), -1);
	ck_assert_int_eq(fx_stop_faultd(5000), 0);

	static struct capture wire, own;
	wire.n = own.n = 0;
	ck_assert_int_eq(pcap_read_file(cap, collect_packet, &wire), 0);
	ck_assert_int_eq(pcap_read_file(topo.pcap, collect_packet, &own), 0);
	struct trace t = trace_load();

	uint32_t client = ntohl(inet_addr(CLIENT_ADDR));
	unsigned ic = 0, is = 0, drops = 0, releases = 0, seen = 0;
	for (size_t i = 0; i < t.n; i++) {
		const struct trace_record *r = &t.r[i];
		if (r->kind == TRACE_SEEN) {
			/* the daemon's own pcap: every segment it saw, in the same order */
			ck_assert_uint_lt(seen, own.n);
			assert_same_segment(&own.p[seen], r, "own pcap", seen);
			ck_assert_uint_eq(own.p[seen].time_us, r->time_us);
			seen++;
		}
		if (r->saddr == client && r->kind == TRACE_SEEN) {
			/* every client segment reaches c0 before the queue */
			while (ic < wire.n && wire.p[ic].seg.saddr != client)
				ic++;
			ck_assert_msg(ic < wire.n, "client segment missing from the capture: %s",
			              r->text);
			assert_same_segment(&wire.p[ic], r, "client", ic);
			int64_t lag = (int64_t)(r->time_us - wire.p[ic].time_us);
			ck_assert_msg(lag >= 0 && lag < 10000,
			              "the daemon saw a segment %lld us after tcpdump",
			              (long long)lag);
			ic++;
			drops += r->action == RULE_DROP;
		}
		bool delivered =
		    r->kind == TRACE_RELEASED || (r->kind == TRACE_SEEN && r->action == RULE_PASS);
		if (r->daddr == client && delivered) {
			/* server segments reach c0 only once let through */
			while (is < wire.n && wire.p[is].seg.daddr != client)
				is++;
			ck_assert_msg(is < wire.n, "server segment missing from the capture: %s",
			              r->text);
			assert_same_segment(&wire.p[is], r, "server", is);
			/* it leaves toward the client when let through, not before: a held segment
			 * released early (say by a batch verdict) would show here */
			int64_t lag = (int64_t)(wire.p[is].time_us - r->time_us);
			ck_assert_msg(
			    lag >= 0 && lag < 10000,
			    "a server segment left %lld us after the daemon let it through: %s",
			    (long long)lag, r->text);
			is++;
			releases += r->kind == TRACE_RELEASED;
		}
	}
	ck_assert_uint_eq(seen, own.n);
	/* nothing in the capture the trace does not account for */
	while (ic < wire.n && wire.p[ic].seg.saddr != client)
		ic++;
	while (is < wire.n && wire.p[is].seg.daddr != client)
		is++;
	ck_assert_uint_eq(ic, wire.n);
	ck_assert_uint_eq(is, wire.n);
	ck_assert_uint_eq(drops, 1);
	ck_assert_uint_ge(releases, 1);
	fprintf(stderr, "capture on c0: %u segments, trace: %zu events, own pcap: %u packets\n",
	        wire.n, t.n, own.n);
	trace_records_free(t.r, t.n);
}
END_TEST

static int first_packet_time(void *ctx, uint64_t time_us, const uint8_t *pkt, size_t len)
{
	(void)pkt, (void)len;
	*(uint64_t *)ctx = time_us;
	return 1; /* the first is enough */
}

/* A segment's time in every output is when the kernel received it, not when the daemon read
 * it: with the daemon stopped for 300 ms, the client's SYN waits in the queue's socket, and
 * the traces still put it when the client sent it, every line after the one before. */
START_TEST(test_segment_time_is_its_arrival_not_when_the_daemon_read_it)
{
	topo_up('o', "# no faults\n");
	start_faultd();
	start_server(SERVER_CLOSE_AT_ONCE);
	ck_assert_int_eq(kill(topo.faultd, SIGSTOP), 0);
	struct endpoint client = start_client(CLIENT_CONNECT);
	synfin_sleep_ms(300);
	ck_assert_int_eq(kill(topo.faultd, SIGCONT), 0);
	struct endpoint_result c = endpoint_result(client, 10000);
	ck_assert_msg(c.err == 0, "connect failed: %s", strerror(c.err));
	ck_assert_msg(c.done_us - c.start_us >= 200000,
	              "connect() took %.3f s: its SYN did not wait for the stopped daemon",
	              (c.done_us - c.start_us) / 1e6);
	ck_assert_int_eq(fx_stop_faultd(5000), 0);

	struct trace t = trace_load();
	const struct trace_record *syn = NULL;
	for (size_t i = 0; i < t.n; i++) {
		if (!syn && is_syn_from_client(&t.r[i]))
			syn = &t.r[i];
		if (i > 0)
			ck_assert_msg(t.r[i].time_us >= t.r[i - 1].time_us,
			              "line %zu of the trace is %lld us before the one above it",
			              i + 1, (long long)(t.r[i - 1].time_us - t.r[i].time_us));
	}
	ck_assert_ptr_nonnull(syn);
	ck_assert_near_us(syn->time_us - c.start_us, 0, "the SYN's time after connect()");
	uint64_t pcap_us = 0;
	ck_assert_int_eq(pcap_read_file(topo.pcap, first_packet_time, &pcap_us), 1);
	ck_assert_uint_eq(pcap_us, syn->time_us);
	char cmd[512], out[64];
	snprintf(cmd, sizeof(cmd), "tshark -r %s -c 1 -T fields -e frame.time_epoch 2>/dev/null",
	         topo.pcapng);
	ck_assert_int_eq(synfin_command_output(cmd, out, sizeof(out)), 0);
	char want[32];
	snprintf(want, sizeof(want), "%llu.%06llu", (unsigned long long)(syn->time_us / 1000000u),
	         (unsigned long long)(syn->time_us % 1000000u));
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0,
	              "the pcapng's SYN at %s, the trace's at %s", out, want);
	trace_records_free(t.r, t.n);
}
END_TEST

static int count_packet(void *ctx, uint64_t time_us, const uint8_t *pkt, size_t len)
{
	(void)time_us, (void)pkt, (void)len;
	++*(unsigned long *)ctx;
	return 0;
}

/* Lines of segments in a text trace: its "# " notes (the seed at its head) are not counted,
 * as trace_load skips the JSON Lines' notes. */
static unsigned long count_segment_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned long n = 0;
	int c, prev = '\n';
	while (f && (c = getc(f)) != EOF) {
		n += prev == '\n' && c != '#';
		prev = c;
	}
	if (f)
		fclose(f);
	return n;
}

/* The outputs to files are block-buffered and flushed every 100 ms: a SIGTERM in the middle of
 * a bulk transfer must still leave every segment the daemon saw in all three of them. */
START_TEST(test_sigterm_mid_transfer_loses_no_trace_output)
{
	topo_up('l', "# no faults\n");
	start_faultd();
	start_server(SERVER_HALF_CLOSE);
	struct endpoint_result c = endpoint_result(start_client(CLIENT_STREAM), 5000);
	ck_assert_msg(c.err == 0, "connect failed: %s", strerror(c.err));
	synfin_sleep_ms(700);
	ck_assert_int_eq(fx_stop_faultd(5000), 0);

	unsigned long seen, passed;
	ck_assert(summary_count("totals: seen %lu, passed %lu", &seen, &passed));
	ck_assert_uint_gt(seen, 1000);
	struct trace t = trace_load();
	ck_assert_uint_eq(t.n, seen);
	trace_records_free(t.r, t.n);
	unsigned long records = 0;
	ck_assert_int_eq(pcap_read_file(topo.pcap, count_packet, &records), 0);
	ck_assert_uint_eq(records, seen);
	ck_assert_uint_eq(count_segment_lines(topo.text), seen);
	ck_assert(wait_for_file(topo.text, "# seed ", 0)); /* the head says the seed */
}
END_TEST

static Suite *faultd_trace_suite(void)
{
	Suite *s = suite_create("faultd_trace");
	TCase *tc = tcase_create("trace");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_unchecked_fixture(tc, NULL, teardown_all_topologies);
	tcase_set_timeout(tc, 60);
	/* tcpdump run as root drops to a user of its own, which a user namespace does not map */
	if (!synfin_in_user_namespace())
		tcase_add_test(tc, test_trace_agrees_with_tcpdump_capture_on_the_client_port);
	else
		synfin_skip_test("test_faultd_trace",
		                 "test_trace_agrees_with_tcpdump_capture_on_the_client_port",
		                 "tcpdump cannot drop privileges as root of a user namespace (see "
		                 "./synfin doctor: root)");
	tcase_add_test(tc, test_segment_time_is_its_arrival_not_when_the_daemon_read_it);
	tcase_add_test(tc, test_sigterm_mid_transfer_loses_no_trace_output);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	synfin_require_netns();
	fx_init("ft", "faultd-trace", "abcdefghijklmnopq");
	return synfin_run_suite(faultd_trace_suite());
}
