/* test_faultd_inject.c: segments synfin-faultd makes itself (duplicate, reset) leave through the
 * bridge port toward their receiver, and every trace says so.
 *
 * Each test builds its own topology (netns/synfin-netns up RUN), starts the daemon in the wire
 * namespace and a Linux client and server, each a forked child that entered its namespace with
 * setns(). A third child in the wire namespace watches both bridge ports with packet sockets,
 * as tcpdump would (a packet socket works as root of a user namespace, where tcpdump cannot drop
 * its privileges, so the test runs rootless too): c0 toward the client, s0 toward the server.
 * A segment the client sent shows on c0 on its way in; a segment the daemon made as if from the
 * client shows on s0 only, on its way out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/tcp_flags.h"
#include "faultd_fixture.h"
#include "test_support.h"
#include "trace/trace.h"
#include "trace/trace_read.h"
#include "wire/segment.h"

#define CLIENT_ADDR "192.168.1.108"
#define SERVER_ADDR "192.168.1.109"
#define SERVER_PORT 5001

/* ---- the daemon ---- */

/* the daemon with its text and JSON Lines traces only */
static void start_faultd_text(void)
{
	const char *args[] = {"-r",       topo.rules, "--quiet",  "--text", topo.text, "--jsonl",
	                      topo.jsonl, "--ready",  topo.ready, "--seed", "1",       NULL};
	fx_start_faultd(true, args);
}

/* ---- children: a forked process in a namespace, its result back through a pipe ---- */

struct child {
	pid_t pid;
	int result; /* read end of the child's result pipe */
	int ctl;    /* write end of a pipe the child may wait on; -1 when none */
};

static struct child spawn(const char *role, void (*fn)(int ctl, int out))
{
	int out[2], ctl[2];
	ck_assert_int_eq(pipe(out), 0);
	ck_assert_int_eq(pipe(ctl), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(out[0]);
		close(ctl[1]);
		if (enter_ns(topo.run, role) != 0)
			_exit(126);
		synfin_realtime();
		fn(ctl[0], out[1]);
		_exit(0);
	}
	close(out[1]);
	close(ctl[0]);
	track_child(pid);
	return (struct child){.pid = pid, .result = out[0], .ctl = ctl[1]};
}

static void put(int fd, const void *buf, size_t len)
{
	if (write(fd, buf, len) != (ssize_t)len)
		_exit(3);
}

/* ---- the capture on both bridge ports ---- */

enum port { PORT_C0, PORT_S0 };

struct frame {
	uint8_t port;     /* enum port */
	uint8_t outgoing; /* leaving the wire through that port (PACKET_OUTGOING) */
	uint8_t flags;    /* TCPF_* */
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq, ack, len;
};

#define MAX_FRAMES 1024

struct capture {
	unsigned n;
	struct frame f[MAX_FRAMES];
};

static void keep_frame(struct capture *c, enum port port, const uint8_t *buf, ssize_t n,
                       const struct sockaddr_ll *from)
{
	struct segment seg;
	if (n < 14 || buf[12] != 0x08 || buf[13] != 0x00 || c->n >= MAX_FRAMES ||
	    segment_parse(&seg, buf + 14, (size_t)n - 14) != 0)
		return;
	c->f[c->n++] = (struct frame){.port = (uint8_t)port,
	                              .outgoing = from->sll_pkttype == PACKET_OUTGOING,
	                              .flags = seg.flags,
	                              .saddr = seg.saddr,
	                              .daddr = seg.daddr,
	                              .sport = seg.sport,
	                              .dport = seg.dport,
	                              .seq = seg.seq,
	                              .ack = seg.ack,
	                              .len = seg.payload_len};
}

/* In the wire namespace: every TCP frame on c0 and s0, both ways, until the test writes to ctl;
 * then the frames, counted, on out. */
static void capture_ports(int ctl, int out)
{
	static struct capture c;
	struct pollfd pfd[3] = {[2] = {.fd = ctl, .events = POLLIN}};
	const char *names[2] = {"c0", "s0"};
	for (int i = 0; i < 2; i++) {
		int s = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
		struct sockaddr_ll at = {.sll_family = AF_PACKET,
		                         .sll_protocol = htons(ETH_P_ALL),
		                         .sll_ifindex = (int)if_nametoindex(names[i])};
		if (s < 0 || at.sll_ifindex == 0 ||
		    bind(s, (struct sockaddr *)&at, sizeof(at)) != 0)
			_exit(2);
		pfd[i] = (struct pollfd){.fd = s, .events = POLLIN};
	}
	put(out, "R", 1);
	for (bool stop = false; !stop;) {
		if (poll(pfd, 3, -1) < 0 && errno != EINTR)
			_exit(4);
		/* the last frames are read before stopping: the sockets are drained each round */
		stop = pfd[2].revents != 0;
		for (int i = 0; i < 2; i++) {
			uint8_t buf[2048];
			struct sockaddr_ll from;
			socklen_t fl = sizeof(from);
			ssize_t n;
			while ((n = recvfrom(pfd[i].fd, buf, sizeof(buf), 0,
			                     (struct sockaddr *)&from, &fl)) >= 0) {
				keep_frame(&c, (enum port)i, buf, n, &from);
				fl = sizeof(from);
			}
		}
	}
	put(out, &c.n, sizeof(c.n));
	put(out, c.f, c.n * sizeof(c.f[0]));
}

static struct child start_capture(void)
{
	struct child cap = spawn("wire", capture_ports);
	char ready;
	ck_assert_msg(fx_read_full(cap.result, &ready, 1, 5000), "the capture did not start");
	return cap;
}

static const struct capture *stop_capture(struct child cap)
{
	static struct capture c;
	put(cap.ctl, "S", 1);
	ck_assert_msg(fx_read_full(cap.result, &c.n, sizeof(c.n), 5000),
	              "the capture gave no count");
	ck_assert_uint_le(c.n, MAX_FRAMES);
	ck_assert_msg(fx_read_full(cap.result, c.f, c.n * sizeof(c.f[0]), 5000),
	              "the capture gave fewer frames than it counted");
	ck_assert_int_ne(wait_child(cap.pid, 5000), -1);
	return &c;
}

/* ---- the endpoints ---- */

struct outcome {
	int err; /* 0, or the errno of the call that failed */
	long bytes;
	bool eof;
};

/* accept, read to EOF or an error, close */
static void serve(int ctl, int out)
{
	(void)ctl;
	struct outcome o = {0};
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(SERVER_PORT)};
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 8) < 0)
		_exit(2);
	put(out, "R", 1);
	int c = accept(ls, NULL, NULL);
	struct timeval tv = {.tv_sec = 10};
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char buf[4096];
	ssize_t n = -1;
	while (c >= 0 && (n = read(c, buf, sizeof(buf))) > 0)
		o.bytes += n;
	o.err = c < 0 || n < 0 ? errno : 0;
	o.eof = c >= 0 && n == 0;
	close(c);
	put(out, &o, sizeof(o));
}

/* connect, wait 100 ms (the daemon has heard from both hosts by then), send "hello", wait
 * 300 ms (a reset connection learns of it from the server's answer to a retransmission), close */
static void request(int ctl, int out)
{
	(void)ctl;
	struct outcome o = {0};
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(SERVER_PORT)};
	inet_pton(AF_INET, SERVER_ADDR, &a.sin_addr);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		o.err = errno;
	synfin_sleep_ms(100);
	if (!o.err && write(s, "hello", 5) != 5)
		o.err = errno;
	synfin_sleep_ms(300);
	close(s);
	put(out, &o, sizeof(o));
}

static struct outcome outcome_of(struct child ep, const char *who)
{
	struct outcome o;
	ck_assert_msg(fx_read_full(ep.result, &o, sizeof(o), 15000), "the %s gave no outcome", who);
	ck_assert_int_ne(wait_child(ep.pid, 5000), -1);
	return o;
}

/* One conversation through the daemon with rules, in the topology of tag, the ports watched: the
 * client's and the server's outcomes; *cap the frames seen. */
static void converse(char tag, const char *rules, struct outcome *client, struct outcome *server,
                     const struct capture **cap)
{
	topo_up(tag, rules);
	struct child watch = start_capture();
	start_faultd_text();
	struct child srv = spawn("server", serve);
	char ready;
	ck_assert_msg(fx_read_full(srv.result, &ready, 1, 5000), "the server did not listen");
	*client = outcome_of(spawn("client", request), "client");
	*server = outcome_of(srv, "server");
	synfin_sleep_ms(300); /* the last ACKs */
	*cap = stop_capture(watch);
	ck_assert_int_eq(fx_stop_faultd(10000), 0);
}

/* ---- what the traces and the capture say ---- */

static bool from_client(const struct frame *f)
{
	return f->saddr == ntohl(inet_addr(CLIENT_ADDR)) &&
	       f->daddr == ntohl(inet_addr(SERVER_ADDR));
}

/* Frames from the client with all of flags set: arriving on c0 (sent by the client) or leaving
 * through s0 (delivered to the server). The last one counted in *last. */
static unsigned count_from_client(const struct capture *c, enum port port, uint8_t flags,
                                  struct frame *last)
{
	unsigned n = 0;
	for (unsigned i = 0; i < c->n; i++) {
		const struct frame *f = &c->f[i];
		if (f->port == port && f->outgoing == (port == PORT_S0) && from_client(f) &&
		    (f->flags & flags) == flags) {
			*last = *f;
			n++;
		}
	}
	return n;
}

/* The text trace's lines that contain what (and the rule file's name, as given, with line 1):
 * how many, the last one copied into line. */
static unsigned text_lines_with(const char *what, char *line, size_t size)
{
	char needle[256];
	snprintf(needle, sizeof(needle), "%s rule 1 (%s:1)", what, topo.rules);
	unsigned n = 0;
	for (char *l = read_file(topo.text), *end; l && *l; l = end ? end + 1 : NULL) {
		end = strchr(l, '\n');
		if (end)
			*end = '\0';
		if (strstr(l, needle)) {
			snprintf(line, size, "%s", l);
			n++;
		}
	}
	return n;
}

/* The JSON Lines trace has exactly one injected record, rule 1 at line 1, and it is the frame
 * f as the daemon made it. */
static void assert_one_injected_record_is(const struct frame *f)
{
	struct trace_record *r;
	size_t n;
	int rc = trace_read_jsonl(topo.jsonl, &r, &n);
	ck_assert_msg(rc == 0, "cannot read %s: %s", topo.jsonl, strerror(-rc));
	unsigned injected = 0;
	for (size_t i = 0; i < n; i++) {
		if (r[i].kind != TRACE_INJECTED)
			continue;
		injected++;
		ck_assert_uint_eq(r[i].rule, 1);
		ck_assert_uint_eq(r[i].rule_line, 1);
		ck_assert_msg(r[i].saddr == f->saddr && r[i].sport == f->sport &&
		                  r[i].daddr == f->daddr && r[i].dport == f->dport &&
		                  r[i].seq == f->seq && r[i].ack == f->ack &&
		                  r[i].tcp_flags == f->flags && r[i].len == f->len,
		              "the injected record differs from the frame on s0: %s", r[i].text);
	}
	trace_records_free(r, n);
	ck_assert_uint_eq(injected, 1);
}

static void assert_summary_counts_one_injected(void)
{
	ck_assert_msg(
	    strstr(read_file(topo.err), "injected: 1 segments (duplicate, reset), 0 not sent"),
	    "the exit summary does not count one injected segment:\n%s", read_file(topo.err));
}

START_TEST(test_duplicated_fin_leaves_twice_through_the_server_port)
{
	struct outcome client, server;
	const struct capture *cap;
	converse('a', "duplicate fin from client\n", &client, &server, &cap);
	ck_assert_msg(client.err == 0, "client failed: %s", strerror(client.err));
	ck_assert_msg(server.err == 0 && server.eof, "the server saw no EOF: %s",
	              strerror(server.err));
	ck_assert_int_eq(server.bytes, 5);

	struct frame sent, delivered;
	ck_assert_uint_eq(count_from_client(cap, PORT_C0, TCPF_FIN, &sent), 1);
	ck_assert_uint_eq(count_from_client(cap, PORT_S0, TCPF_FIN, &delivered), 2);
	ck_assert_uint_eq(delivered.seq, sent.seq);
	ck_assert_uint_eq(delivered.ack, sent.ack);
	ck_assert_uint_eq(delivered.flags, sent.flags);

	char line[512];
	ck_assert_uint_eq(text_lines_with("INJECTED", line, sizeof(line)), 1);
	ck_assert_msg(strstr(line, "Flags [F.]"), "the injected line is not the FIN: %s", line);
	ck_assert_uint_eq(text_lines_with("DUPLICATE 1", line, sizeof(line)), 1);
	ck_assert_msg(strstr(line, "Flags [F.]"), "the duplicated line is not the FIN: %s", line);
	assert_one_injected_record_is(&delivered);
	assert_summary_counts_one_injected();
}
END_TEST

START_TEST(test_forged_rst_leaves_through_the_server_port_and_resets_the_server)
{
	struct outcome client, server;
	const struct capture *cap;
	converse('b', "reset from client len >0 once\n", &client, &server, &cap);
	ck_assert_msg(client.err == 0, "client failed: %s", strerror(client.err));
	ck_assert_msg(server.err == ECONNRESET, "the server's read ended with %s, not ECONNRESET",
	              server.err ? strerror(server.err) : "EOF");
	ck_assert_int_eq(server.bytes, 0);

	/* the client sent its data and no RST; the server was given an RST as if from it, with
	 * the sequence number of that data (exact: the one the server expects) */
	struct frame data, rst, none;
	ck_assert_uint_ge(count_from_client(cap, PORT_C0, TCPF_PSH, &data), 1);
	ck_assert_uint_eq(count_from_client(cap, PORT_C0, TCPF_RST, &none), 0);
	ck_assert_uint_eq(count_from_client(cap, PORT_S0, TCPF_RST, &rst), 1);
	ck_assert_uint_eq(rst.sport, data.sport);
	ck_assert_uint_eq(rst.seq, data.seq);
	ck_assert_uint_eq(rst.len, 0);

	char line[512];
	ck_assert_uint_eq(text_lines_with("INJECTED", line, sizeof(line)), 1);
	ck_assert_msg(strstr(line, "Flags [R"), "the injected line is not the RST: %s", line);
	ck_assert_uint_eq(text_lines_with("RESET", line, sizeof(line)), 1);
	ck_assert_msg(strstr(line, "length 5"), "the reset line is not the data: %s", line);
	assert_one_injected_record_is(&rst);
	assert_summary_counts_one_injected();
}
END_TEST

static Suite *inject_suite(void)
{
	Suite *s = suite_create("faultd_inject");
	TCase *tc = tcase_create("injected");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_unchecked_fixture(tc, NULL, teardown_all_topologies);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_duplicated_fin_leaves_twice_through_the_server_port);
	tcase_add_test(tc, test_forged_rst_leaves_through_the_server_port_and_resets_the_server);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	synfin_require_netns();
	fx_init("fi", "faultd-inject", "ab");
	return synfin_run_suite(inject_suite());
}
