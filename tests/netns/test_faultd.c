/* test_faultd.c: synfin-faultd on a real NFQUEUE between two Linux endpoints.
 *
 * Each test builds its own topology (netns/synfin-netns up RUN, RUN unique per test and per
 * run of this program), starts the daemon in the wire namespace with a rule file, and drives a
 * Linux client and server, each a forked child that entered its namespace with setns(). Times
 * that cross processes are CLOCK_REALTIME microseconds, the clock of the daemon's trace.
 * Timing follows the packetdrill model (REFERENCE.md 6): an event may be late or early by
 * max(4 ms, 12.5% of the gap since the previous event).
 */
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

#include "common/topology.h"
#include "faultd_fixture.h"
#include "test_support.h"
#include "trace/trace.h"
#include "trace/trace_read.h"
#include "wire/segment.h"

#define CLIENT_ADDR "192.168.1.108"
#define SERVER_ADDR "192.168.1.109"
#define SERVER_PORT 5001

/* ---- small utilities ---- */

/* ---- topology: one per test ---- */

static void topo_sysctl(const char *role, const char *settings)
{
	ck_assert_msg(
	    sh("%s sysctl %s %s %s >/dev/null", netns_script(), topo.run, role, settings) == 0,
	    "sysctl %s failed", settings);
}

/* extra: one more option for the daemon, or NULL; --realtime asks for real-time priority itself */
static void start_faultd_with(const char *extra)
{
	const char *args[] = {"-r",       topo.rules, "--quiet", "--text",   topo.text,   "--jsonl",
	                      topo.jsonl, "--pcap",   topo.pcap, "--pcapng", topo.pcapng, "--ready",
	                      topo.ready, "--seed",   "1",       extra,      NULL};
	fx_start_faultd(!extra || strcmp(extra, "--realtime") != 0, args);
}

static void start_faultd(void)
{
	start_faultd_with(NULL);
}

/* ---- endpoints: forked children in the client and server namespaces ---- */

struct endpoint_result {
	int err;           /* 0 or the errno of the failing call */
	uint64_t start_us; /* connect() called / close() called */
	uint64_t done_us;  /* connect() returned / data received */
	uint64_t eof_us;   /* read() returned 0 */
	long bytes;
	char data[64];
};

enum server_mode {
	SERVER_CLOSE_AT_ONCE, /* accept, close: start_us is the close */
	SERVER_READ,          /* accept, wait for data: done_us, bytes, data */
	SERVER_RESPOND,       /* accept, read a request, answer, close */
	SERVER_HALF_CLOSE,    /* accept, shutdown(SHUT_WR) (start_us), read to EOF, close */
};

enum client_mode {
	CLIENT_CONNECT,       /* connect and close */
	CLIENT_READ_TO_EOF,   /* connect, read until the server's FIN */
	CLIENT_SEND_AND_WAIT, /* connect, send "hello", stay connected */
	CLIENT_REQUEST,       /* connect, send a request, read the answer to EOF, close */
	CLIENT_BURST_TO_EOF,  /* connect, wait 100 ms, send 100 small segments, read to EOF */
	CLIENT_STREAM,        /* connect, send 64 KiB writes until killed or refused */
};

struct endpoint {
	pid_t pid;
	int fd; /* read end of the result pipe */
};

static void send_result(int fd, const struct endpoint_result *r)
{
	if (write(fd, r, sizeof(*r)) != (ssize_t)sizeof(*r))
		_exit(3);
}

static void run_server(int out, enum server_mode mode)
{
	struct endpoint_result r = {0};
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(SERVER_PORT)};
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 8) < 0)
		_exit(2);
	char ready = 'R';
	if (write(out, &ready, 1) != 1)
		_exit(3);
	int c = accept(ls, NULL, NULL);
	if (c < 0) {
		r.err = errno;
		send_result(out, &r);
		return;
	}
	struct timeval tv = {.tv_sec = 30};
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char buf[4096];
	ssize_t n;
	switch (mode) {
	case SERVER_CLOSE_AT_ONCE:
		r.start_us = fx_now_us();
		close(c);
		break;
	case SERVER_READ:
		r.bytes = read(c, r.data, sizeof(r.data) - 1);
		r.done_us = fx_now_us();
		if (r.bytes < 0)
			r.err = errno;
		break;
	case SERVER_HALF_CLOSE:
		r.start_us = fx_now_us();
		shutdown(c, SHUT_WR);
		while ((n = read(c, buf, sizeof(buf))) > 0)
			r.bytes += n;
		r.done_us = fx_now_us();
		close(c);
		break;
	case SERVER_RESPOND:
		r.bytes = read(c, r.data, sizeof(r.data) - 1);
		r.done_us = fx_now_us();
		if (r.bytes > 0 && write(c, "response\n", 9) != 9)
			r.err = errno;
		r.start_us = fx_now_us();
		close(c);
		break;
	}
	send_result(out, &r);
}

static void run_client(int out, enum client_mode mode)
{
	struct endpoint_result r = {0};
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(SERVER_PORT)};
	inet_pton(AF_INET, SERVER_ADDR, &a.sin_addr);
	r.start_us = fx_now_us();
	int rc = connect(s, (struct sockaddr *)&a, sizeof(a));
	r.done_us = fx_now_us();
	if (rc < 0) {
		r.err = errno;
		send_result(out, &r);
		return;
	}
	char buf[256];
	ssize_t n;
	switch (mode) {
	case CLIENT_CONNECT:
		break;
	case CLIENT_READ_TO_EOF:
	case CLIENT_REQUEST:
		if (mode == CLIENT_REQUEST && write(s, "request\n", 8) != 8) {
			r.err = errno;
			break;
		}
		while ((n = read(s, buf, sizeof(buf))) > 0)
			r.bytes += n;
		r.eof_us = fx_now_us();
		if (n < 0)
			r.err = errno;
		break;
	case CLIENT_BURST_TO_EOF: {
		int one = 1;
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		synfin_sleep_ms(100); /* the server's FIN is on its way by now */
		for (int i = 0; i < 100; i++)
			if (write(s, "0123456789", 10) != 10)
				r.err = errno;
		while ((n = read(s, buf, sizeof(buf))) > 0)
			r.bytes += n;
		r.eof_us = fx_now_us();
		if (n < 0)
			r.err = errno;
		break;
	}
	case CLIENT_STREAM: {
		static char chunk[65536];
		send_result(out, &r); /* connected */
		while (write(s, chunk, sizeof(chunk)) > 0)
			;
		_exit(0);
	}
	case CLIENT_SEND_AND_WAIT:
		if (write(s, "hello", 5) != 5)
			r.err = errno;
		send_result(out, &r);
		sleep(60); /* killed by the test's teardown */
		return;
	}
	close(s);
	send_result(out, &r);
}

static struct endpoint spawn_endpoint(const char *role, int mode)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		if (enter_ns(topo.run, role) != 0)
			_exit(126);
		synfin_realtime();
		if (strcmp(role, "server") == 0)
			run_server(p[1], (enum server_mode)mode);
		else
			run_client(p[1], (enum client_mode)mode);
		_exit(0);
	}
	close(p[1]);
	track_child(pid);
	struct endpoint ep = {.pid = pid, .fd = p[0]};
	return ep;
}

static struct endpoint start_server(enum server_mode mode)
{
	struct endpoint ep = spawn_endpoint("server", mode);
	char ready;
	ck_assert_msg(fx_read_full(ep.fd, &ready, 1, 5000), "the server did not start listening");
	return ep;
}

static struct endpoint start_client(enum client_mode mode)
{
	return spawn_endpoint("client", mode);
}

static struct endpoint_result endpoint_result(struct endpoint ep, unsigned timeout_ms)
{
	struct endpoint_result r;
	ck_assert_msg(fx_read_full(ep.fd, &r, sizeof(r), timeout_ms),
	              "an endpoint gave no result within %u ms", timeout_ms);
	return r;
}

/* ---- the trace ---- */

struct trace {
	struct trace_record *r;
	size_t n;
};

static struct trace trace_load(void)
{
	struct trace t;
	int rc = trace_read_jsonl(topo.jsonl, &t.r, &t.n);
	ck_assert_msg(rc == 0, "cannot read %s: %s", topo.jsonl, strerror(-rc));
	return t;
}

static bool is_syn_from_client(const struct trace_record *r)
{
	return r->kind == TRACE_SEEN && strcmp(r->dir, "c2s") == 0 && r->tcp_flags == TCPF_SYN;
}

static bool is_fin_from_server(const struct trace_record *r)
{
	return strcmp(r->dir, "s2c") == 0 && (r->tcp_flags & TCPF_FIN);
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

/* ---- tests ---- */

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

/* ---- the trace against tcpdump ---- */

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

static bool summary_count(const char *fmt, unsigned long *a, unsigned long *b)
{
	FILE *f = fopen(topo.err, "r");
	if (!f)
		return false;
	char line[512];
	bool found = false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, fmt, a, b) == 2)
			found = true;
	fclose(f);
	return found;
}

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

/* ---- the command line (no namespace needed, but the program is built for root) ---- */

#define FAULTD SYNFIN_BUILD_DIR "/harness/faultd/synfin-faultd"

static char cli_dir[64];
static char cli_out[128], cli_err[128];

static void cli_setup(void)
{
	snprintf(cli_dir, sizeof(cli_dir), "/tmp/synfin-test-faultd-cli-%d", (int)getpid());
	mkdir(cli_dir, 0755);
	snprintf(cli_out, sizeof(cli_out), "%s/out", cli_dir);
	snprintf(cli_err, sizeof(cli_err), "%s/err", cli_dir);
}

static void cli_teardown(void)
{
	if (cli_dir[0])
		sh("rm -rf %s", cli_dir);
}

/* Run the daemon with args (shell words) in the root namespace, where it must not get far
 * enough to bind anything; returns its exit status. */
static int faultd_cli(const char *args)
{
	return sh("%s %s >%s 2>%s </dev/null", FAULTD, args, cli_out, cli_err);
}

START_TEST(test_check_prints_the_rule_count_and_exits_0)
{
	char rules[128];
	snprintf(rules, sizeof(rules), "%s/ok.rules", cli_dir);
	write_file(rules,
	           "# two rules\ndrop [S] from client first 2\ndelay 300ms fin from server\n");
	char args[256];
	snprintf(args, sizeof(args), "--check %s", rules);
	ck_assert_int_eq(faultd_cli(args), 0);
	char want[192];
	snprintf(want, sizeof(want), "%s: 2 rules OK\n", rules);
	ck_assert(wait_for_file(cli_out, want, 0));
}
END_TEST

START_TEST(test_check_of_a_bad_rule_file_exits_2_with_the_place_and_a_caret)
{
	char rules[128];
	snprintf(rules, sizeof(rules), "%s/bad.rules", cli_dir);
	write_file(rules, "drop [S] from client\nexplode now\n");
	char args[256], where[160];
	snprintf(args, sizeof(args), "--check %s", rules);
	snprintf(where, sizeof(where), "%s:2:1: ", rules);
	ck_assert_int_eq(faultd_cli(args), 2);
	ck_assert_msg(wait_for_file(cli_err, where, 0), "no '%s' on stderr", where);
	ck_assert(wait_for_file(cli_err, "\n^", 0));
}
END_TEST

START_TEST(test_bad_rule_file_at_startup_exits_2_and_starts_nothing)
{
	char rules[128], jsonl[128], ready[128], args[512];
	snprintf(rules, sizeof(rules), "%s/bad.rules", cli_dir);
	snprintf(jsonl, sizeof(jsonl), "%s/trace.jsonl", cli_dir);
	snprintf(ready, sizeof(ready), "%s/ready", cli_dir);
	write_file(rules, "delay fin\n");
	snprintf(args, sizeof(args), "-q 65000 -r %s --jsonl %s --ready %s", rules, jsonl, ready);
	ck_assert_int_eq(faultd_cli(args), 2);
	struct stat st;
	ck_assert_int_ne(stat(jsonl, &st), 0);
	ck_assert_int_ne(stat(ready, &st), 0);
}
END_TEST

START_TEST(test_bad_command_line_exits_64_with_usage_on_stderr)
{
	ck_assert_int_eq(faultd_cli("--no-such-option"), 64);
	ck_assert(wait_for_file(cli_err, "usage: synfin-faultd", 0));
	ck_assert_int_eq(faultd_cli("-q 65536"), 64);
	ck_assert_int_eq(faultd_cli("--client 192.168.1"), 64);
	ck_assert_int_eq(faultd_cli("extra-argument"), 64);
	struct stat st;
	ck_assert_int_eq(stat(cli_out, &st), 0);
	ck_assert_int_eq(st.st_size, 0); /* nothing but the trace ever goes to stdout */
}
END_TEST

START_TEST(test_help_explains_every_option)
{
	ck_assert_int_eq(faultd_cli("--help"), 0);
	static const char *const options[] = {
	    "--queue",  "--rules", "--client", "--text",  "--jsonl",
	    "--pcap",   "--quiet", "--seed",   "--ready", "--drop-held-on-exit",
	    "--check",  "--help",  "SIGHUP",   "SIGTERM", "--queue-only-matching",
	    "--pcapng",
	};
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		ck_assert_msg(wait_for_file(cli_out, options[i], 0), "--help does not mention %s",
		              options[i]);
}
END_TEST

static Suite *faultd_suite(void)
{
	Suite *s = suite_create("faultd");

	TCase *cli = tcase_create("command_line");
	tcase_add_checked_fixture(cli, cli_setup, cli_teardown);
	tcase_add_test(cli, test_check_prints_the_rule_count_and_exits_0);
	tcase_add_test(cli, test_check_of_a_bad_rule_file_exits_2_with_the_place_and_a_caret);
	tcase_add_test(cli, test_bad_rule_file_at_startup_exits_2_and_starts_nothing);
	tcase_add_test(cli, test_bad_command_line_exits_64_with_usage_on_stderr);
	tcase_add_test(cli, test_help_explains_every_option);
	suite_add_tcase(s, cli);

	TCase *tc = tcase_create("verdicts");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_unchecked_fixture(tc, NULL, teardown_all_topologies);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_first_syn_dropped_client_connects_after_1s);
	tcase_add_test(tc, test_server_fin_held_300ms_client_sees_eof_300ms_after_close);
	/* tcpdump run as root drops to a user of its own, which a user namespace does not map */
	if (!synfin_in_user_namespace())
		tcase_add_test(tc, test_trace_agrees_with_tcpdump_capture_on_the_client_port);
	else
		synfin_skip_test("test_faultd",
		                 "test_trace_agrees_with_tcpdump_capture_on_the_client_port",
		                 "tcpdump cannot drop privileges as root of a user namespace (see "
		                 "./synfin doctor: root)");
	tcase_add_test(tc, test_sigterm_delivers_a_held_segment);
	tcase_add_test(tc, test_sigterm_sends_a_segment_held_by_reorder);
	tcase_add_test(tc, test_segment_time_is_its_arrival_not_when_the_daemon_read_it);
	tcase_add_test(tc, test_sighup_with_bad_file_keeps_old_rules);
	tcase_add_test(tc, test_sighup_during_replay_keeps_the_journals_connection_numbers);
	tcase_add_test(tc, test_drop_held_on_exit_discards_a_held_segment);
	tcase_add_test(tc, test_sigterm_mid_transfer_loses_no_trace_output);
	tcase_add_test(tc,
	               test_queue_only_matching_keeps_syn_and_fin_rules_exact_and_queues_no_data);
	tcase_add_test(tc, test_burst_passed_while_a_fin_is_held_does_not_release_it_early);
	tcase_add_test(tc, test_truncated_tcp_header_passes_as_malformed_and_the_daemon_goes_on);
	tcase_add_test(tc, test_ipv6_udp_reaching_the_queue_passes_as_not_tcp);
	tcase_add_test(tc, test_realtime_raises_the_judging_thread_not_the_writer);
	suite_add_tcase(s, tc);

	tc = tcase_create("syn_timeout");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_unchecked_fixture(tc, NULL, teardown_all_topologies);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_all_syns_dropped_two_retries_time_out_at_7s);
	suite_add_tcase(s, tc);

	/* the seed's experiment takes 63 s of real time */
	tc = tcase_create("seed_experiment");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_unchecked_fixture(tc, NULL, teardown_all_topologies);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_seed_experiment_all_syns_lost_times_out_at_63s);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	synfin_require_netns();
	fx_init("fd", "faultd", "abcdefghijklmnopq");
	return synfin_run_suite(faultd_suite());
}
