/* test_faultd_load.c: synfin-faultd under load: 100,000 held packets, and rule counts at full
 * rate.
 *
 * Each test builds its own topology (netns/synfin-netns up RUN), starts the daemon in the wire
 * namespace and drives forked children that entered the client or server namespace with
 * setns(). Nothing here is timed: speed is bench/'s business. What is asserted is that no
 * packet is lost or duplicated and that every verdict is the one the rules asked for.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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
#include <unistd.h>

#include "common/wire_bytes.h"
#include "faultd_fixture.h"
#include "test_support.h"
#include "trace/trace.h"
#include "trace/trace_read.h"

#define CLIENT_ADDR "192.168.1.108"
#define SERVER_ADDR "192.168.1.109"
#define SERVER_PORT 5001
#define BURST_PORT 5009
#define BURST 100000u

/* ---- the daemon ---- */

/* The daemon with a queue of maxlen and its JSON Lines; extra: one more option, or NULL */
static void start_faultd_queue(const char *maxlen, const char *extra)
{
	const char *args[] = {"-r",      topo.rules, "--quiet", "--jsonl", topo.jsonl,
	                      "--ready", topo.ready, "--seed",  "1",       "--queue-maxlen",
	                      maxlen,    extra,      NULL};
	fx_start_faultd(false, args);
}

/* Fork a child in namespace role running fn; its result comes back through the pipe. */
static int spawn(const char *role, void (*fn)(int out))
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		if (enter_ns(topo.run, role) != 0)
			_exit(126);
		fn(p[1]);
		_exit(0);
	}
	close(p[1]);
	track_child(pid);
	return p[0];
}

/* ---- 100,000 small segments, each with its number in the sequence field ---- */

struct burst_count {
	uint32_t distinct;
	uint32_t duplicates;
	uint32_t strangers;    /* numbers outside 0 .. BURST-1 */
	uint32_t socket_drops; /* the counter's own socket overflowed (SO_RXQ_OVFL) */
};

/* The TCP checksum of seg (its checksum field 0) over the IPv4 pseudo-header. */
static void fill_checksum(uint8_t *seg, size_t len, uint32_t src, uint32_t dst)
{
	uint32_t sum = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + IPPROTO_TCP +
	               (uint32_t)len;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += wire_get16(seg + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	wire_put16(seg + 16, (uint16_t)~sum);
}

/* A run beside the scenario suite (real-time endpoints, load 16 seen) can starve the daemon
 * for seconds between two releases: the counter's patience is no timing assertion. */
#define COUNTER_IDLE_MS 30000

/* The server's namespace sees every TCP segment to it on a raw socket; a listener is not
 * needed. Stops with the whole burst, or COUNTER_IDLE_MS after the last segment. */
static void count_burst(int out)
{
	int s = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);
	/* SO_RCVBUFFORCE needs CAP_NET_ADMIN in the first user namespace: as a normal user the
	 * buffer stays at rmem_max, and a counter slower than the release can overflow it. The
	 * kernel counts those drops (SO_RXQ_OVFL): they happened past the wire, and are told
	 * apart from segments the wire lost. */
	int size = 256 << 20, one = 1;
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(s, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	static uint8_t seen[BURST];
	struct burst_count c = {0};
	/* one segment to the client first: the wire learns the server's MAC address from it,
	 * which holding copies needs (the client's answer, a RST, is held like the burst) */
	struct sockaddr_in to = {.sin_family = AF_INET};
	inet_pton(AF_INET, CLIENT_ADDR, &to.sin_addr);
	uint8_t hello[20] = {0};
	wire_put16(hello, BURST_PORT + 1); /* the RST it earns is not one of the burst */
	wire_put16(hello + 2, 40001);
	hello[12] = 5 << 4;
	hello[13] = 0x10;
	fill_checksum(hello, sizeof(hello), ntohl(inet_addr(SERVER_ADDR)),
	              ntohl(inet_addr(CLIENT_ADDR)));
	char ready = 'R';
	if (s < 0 || sendto(s, hello, sizeof(hello), 0, (struct sockaddr *)&to, sizeof(to)) < 0 ||
	    write(out, &ready, 1) != 1)
		_exit(2);
	struct pollfd pfd = {.fd = s, .events = POLLIN};
	uint8_t pkt[2048];
	/* the first one comes after the delay (or at the daemon's exit): wait long for it */
	while (c.distinct < BURST &&
	       poll(&pfd, 1, c.distinct + c.strangers ? COUNTER_IDLE_MS : 90000) > 0) {
		char control[CMSG_SPACE(sizeof(uint32_t))];
		struct iovec iov = {.iov_base = pkt, .iov_len = sizeof(pkt)};
		struct msghdr msg = {.msg_iov = &iov,
		                     .msg_iovlen = 1,
		                     .msg_control = control,
		                     .msg_controllen = sizeof(control)};
		ssize_t n = recvmsg(s, &msg, 0);
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); n >= 0 && cm;
		     cm = CMSG_NXTHDR(&msg, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL)
				memcpy(&c.socket_drops, CMSG_DATA(cm), sizeof(c.socket_drops));
		if (n < 40)
			continue;
		size_t ihl = (pkt[0] & 15u) * 4u;
		if ((size_t)n < ihl + 20 || wire_get16(pkt + ihl + 2) != BURST_PORT)
			continue;
		uint32_t k = wire_get32(pkt + ihl + 4);
		if (k >= BURST)
			c.strangers++;
		else if (seen[k]++)
			c.duplicates++;
		else
			c.distinct++;
	}
	if (write(out, &c, sizeof(c)) != (ssize_t)sizeof(c))
		_exit(3);
}

/* A raw socket in the client's namespace: BURST ACK segments, 8 payload bytes each, paced a
 * little so the daemon's socket never overruns (not a timing assertion: a faster sender only
 * makes a kernel drop possible, which the test reports). */
static void send_burst(int out)
{
	int s = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);
	if (s < 0)
		_exit(2);
	struct sockaddr_in dst = {.sin_family = AF_INET};
	inet_pton(AF_INET, SERVER_ADDR, &dst.sin_addr);
	uint32_t src = ntohl(inet_addr(CLIENT_ADDR)), daddr = ntohl(dst.sin_addr.s_addr);
	for (uint32_t k = 0; k < BURST; k++) {
		uint8_t seg[28] = {0};
		wire_put16(seg, 40000);
		wire_put16(seg + 2, BURST_PORT);
		wire_put32(seg + 4, k);
		wire_put32(seg + 8, 1);
		seg[12] = 5 << 4;
		seg[13] = 0x10; /* ACK */
		wire_put16(seg + 14, 65535);
		memcpy(seg + 20, "burst!!!", 8);
		fill_checksum(seg, sizeof(seg), src, daddr);
		while (sendto(s, seg, sizeof(seg), 0, (struct sockaddr *)&dst, sizeof(dst)) < 0)
			if (errno != ENOBUFS && errno != EINTR)
				_exit(3);
		if (k % 500 == 499)
			synfin_sleep_ms(2);
	}
	char done = 'D';
	if (write(out, &done, 1) != 1)
		_exit(3);
}

/* Whether the daemon has traced the counter's first segment (the server's MAC address). */
static bool server_heard(void)
{
	char cmd[512], out[64];
	snprintf(cmd, sizeof(cmd), "grep -c '\"event\":\"seen\".*\"sport\":%d,' %s", BURST_PORT + 1,
	         topo.jsonl);
	return synfin_command_output(cmd, out, sizeof(out)) == 0 && strtoul(out, NULL, 10) > 0;
}

/* How many segments of the burst the daemon has traced as seen so far. */
static unsigned burst_seen(void)
{
	char cmd[512], out[64];
	snprintf(cmd, sizeof(cmd), "grep -c '\"event\":\"seen\".*\"dport\":%d,' %s", BURST_PORT,
	         topo.jsonl);
	if (synfin_command_output(cmd, out, sizeof(out)) != 0)
		return 0;
	return (unsigned)strtoul(out, NULL, 10);
}

static void assert_burst_counted(int counter, const char *what)
{
	/* a kernel drop is the likelier story of a short count: say it first */
	const char *err = read_file(topo.err);
	ck_assert_msg(!strstr(err, "kernel dropped"), "%s: the kernel dropped packets:\n%s", what,
	              err);
	struct burst_count c;
	ck_assert_msg(fx_read_full(counter, &c, sizeof(c), 150000), "the counter gave no result");
	ck_assert_msg(c.distinct + c.socket_drops == BURST && c.duplicates == 0 && c.strangers == 0,
	              "%s: the server got %u of %u segments (its own socket dropped %u), %u "
	              "duplicates, %u strangers, then nothing for %u s (see %s)",
	              what, c.distinct, BURST, c.socket_drops, c.duplicates, c.strangers,
	              COUNTER_IDLE_MS / 1000, topo.err);
	if (c.socket_drops)
		fprintf(stderr, "%s: the counter's socket dropped %u segments past the wire\n",
		        what, c.socket_drops);
}

static void assert_no_kernel_drop(void)
{
	const char *err = read_file(topo.err);
	ck_assert_msg(!strstr(err, "kernel dropped") && !strstr(err, "kernel: dropped"),
	              "the kernel dropped packets:\n%s", err);
}

/* Only where the whole burst is surely in before the first release (the SIGTERM case): a busy
 * machine can stretch the sender past a delay of seconds, releasing the first before the last
 * came. */
static void assert_all_held_at_once(void)
{
	const char *err = read_file(topo.err);
	/* the burst and the client's RST to the server's first segment */
	ck_assert_msg(strstr(err, "held at once: at most 100001 packets"),
	              "not all 100,000 were held at once:\n%s", err);
}

/* Every one of the burst is seen, held and released once, in the order it came. */
static void assert_trace_holds_burst(enum trace_kind end)
{
	struct trace_record *r;
	size_t n;
	ck_assert_int_eq(trace_read_jsonl(topo.jsonl, &r, &n), 0);
	uint32_t held = 0, ended = 0;
	for (size_t i = 0; i < n; i++) {
		if (r[i].dport != BURST_PORT)
			continue;
		if (r[i].kind == TRACE_SEEN) {
			ck_assert_int_eq(r[i].action, RULE_DELAY);
			ck_assert_uint_eq(r[i].seq, held);
			held++;
		} else if (r[i].kind == end) {
			ck_assert_uint_eq(r[i].seq, ended);
			ended++;
		}
	}
	trace_records_free(r, n);
	ck_assert_uint_eq(held, BURST);
	ck_assert_uint_eq(ended, BURST);
}

/* Returns the counter's pipe. maxlen, extra: the daemon's --queue-maxlen and one more option
 * (or NULL). */
static int burst_through_delay(char tag, const char *rules, const char *maxlen, const char *extra)
{
	topo_up(tag, rules);
	/* the server's RSTs would pass the wire one verdict at a time behind 100,000 held
	 * packets, each verdict a walk of the kernel's queue: the test is about the burst */
	ck_assert_int_eq(sh("%s exec %s server iptables -A OUTPUT -p tcp --tcp-flags RST RST -j "
	                    "DROP",
	                    netns_script(), topo.run),
	                 0);
	/* room for the burst in the kernel's queue too: a copy needs the receiver's MAC address,
	 * so until the daemon has read the counter's first segment it holds in the kernel */
	start_faultd_queue(maxlen, extra);
	int counter = spawn("server", count_burst);
	char ready;
	ck_assert_msg(fx_read_full(counter, &ready, 1, 5000), "the counter did not start");
	for (unsigned waited = 0; !server_heard(); waited += 100) {
		ck_assert_msg(waited < 30000, "the daemon did not see the server's first segment");
		synfin_sleep_ms(100);
	}
	int sender = spawn("client", send_burst);
	ck_assert_msg(fx_read_full(sender, &ready, 1, 60000), "the sender did not finish");
	return counter;
}

/* Once the daemon has seen the whole burst: stop it, and every one is delivered, once, in
 * order, none dropped by the kernel, all held at once. */
static void assert_burst_delivered_at_exit(int counter)
{
	for (unsigned waited = 0; burst_seen() < BURST; waited += 200) {
		ck_assert_msg(waited < 30000, "the daemon saw %u of %u segments", burst_seen(),
		              BURST);
		synfin_sleep_ms(200);
	}
	ck_assert_int_eq(fx_stop_faultd(30000), 0);
	assert_burst_counted(counter, "delivered at exit");
	assert_no_kernel_drop();
	assert_all_held_at_once();
	const char *err = read_file(topo.err);
	ck_assert_msg(strstr(err, "100001 delivered at exit"), "not all delivered at exit:\n%s",
	              err);
	assert_trace_holds_burst(TRACE_RELEASED);
}

/* Held past any test's length: on a machine loaded enough to stretch the burst and the waits
 * over a minute, a shorter delay would release the first segments on time before SIGTERM. */
#define HOLD_UNTIL_EXIT "delay 600s from client\n"

START_TEST(test_100000_held_segments_are_all_released_once_in_order)
{
	int counter = burst_through_delay('a', "delay 5s from client\n", "65536", "--hold-copies");
	assert_burst_counted(counter, "released on time");
	ck_assert_int_eq(fx_stop_faultd(30000), 0);
	assert_no_kernel_drop();
	assert_trace_holds_burst(TRACE_RELEASED);
}
END_TEST

START_TEST(test_sigterm_delivers_100000_held_segments)
{
	int counter = burst_through_delay('b', HOLD_UNTIL_EXIT, "65536", "--hold-copies");
	assert_burst_delivered_at_exit(counter);
}
END_TEST

/* --queue-maxlen past what the kernel keeps (65536): the daemon holds in the kernel until near
 * that cap, then copies, as --hold-copies does, and says so once, on standard error and in the
 * trace. */
START_TEST(test_queue_maxlen_past_the_kernel_cap_holds_copies_and_says_so)
{
	int counter = burst_through_delay('e', HOLD_UNTIL_EXIT, "200000", NULL);
	assert_burst_delivered_at_exit(counter);
	const char *err = read_file(topo.err);
	const char *said = "--queue-maxlen 200000 asks more than the kernel keeps (65536 packets)";
	const char *first = strstr(err, said);
	ck_assert_msg(first != NULL, "no word of holding copies:\n%s", err);
	ck_assert_msg(!strstr(first + 1, said), "said more than once:\n%s", err);
	char cmd[512], out[64];
	snprintf(cmd, sizeof(cmd),
	         "grep -c '\"event\":\"note\".*asks more than the kernel keeps' %s", topo.jsonl);
	ck_assert_int_eq(synfin_command_output(cmd, out, sizeof(out)), 0);
	ck_assert_uint_eq(strtoul(out, NULL, 10), 1);
}
END_TEST

/* A queue too short for the burst: the kernel drops the rest, and the daemon says so while it
 * runs, on standard error and in the trace, not only in its exit summary. */
START_TEST(test_kernel_drops_with_the_queue_full_are_said_as_they_happen)
{
	topo_up('d', "delay 2s from client\n");
	ck_assert_int_eq(sh("%s exec %s server iptables -A OUTPUT -p tcp --tcp-flags RST RST -j "
	                    "DROP",
	                    netns_script(), topo.run),
	                 0);
	start_faultd_queue("1000", NULL);
	int sender = spawn("client", send_burst);
	char done;
	ck_assert_msg(fx_read_full(sender, &done, 1, 60000), "the sender did not finish");
	bool said = false;
	for (unsigned waited = 0; !said && waited < 10000; waited += 100) {
		said = strstr(read_file(topo.err),
		              "packets with the queue full (--queue-maxlen 1000)");
		synfin_sleep_ms(100);
	}
	ck_assert_msg(said, "no kernel drop said while the daemon ran:\n%s", read_file(topo.err));
	char cmd[512], out[64];
	snprintf(cmd, sizeof(cmd), "grep -c '\"event\":\"kernel_drop\"' %s", topo.jsonl);
	ck_assert_int_eq(synfin_command_output(cmd, out, sizeof(out)), 0);
	ck_assert_uint_gt(strtoul(out, NULL, 10), 0);
	ck_assert_int_eq(fx_stop_faultd(30000), 0);
	ck_assert_ptr_nonnull(strstr(read_file(topo.err), "kernel: dropped"));
}
END_TEST

/* ---- a bulk transfer: rule counts at full rate ---- */

#define BULK_BYTES (32l << 20)

static void bulk_server(int out)
{
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
	long bytes = 0;
	static char buf[1 << 16];
	ssize_t n;
	while (c >= 0 && (n = read(c, buf, sizeof(buf))) > 0)
		bytes += n;
	if (write(out, &bytes, sizeof(bytes)) != (ssize_t)sizeof(bytes))
		_exit(3);
}

static void bulk_client(int out)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(SERVER_PORT)};
	inet_pton(AF_INET, SERVER_ADDR, &a.sin_addr);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		_exit(2);
	static char buf[1 << 16];
	memset(buf, 'x', sizeof(buf));
	for (long sent = 0; sent < BULK_BYTES;) {
		ssize_t n = write(s, buf, sizeof(buf));
		if (n <= 0)
			_exit(3);
		sent += n;
	}
	close(s);
	char done = 'D';
	if (write(out, &done, 1) != 1)
		_exit(3);
}

/* The k-th data segment from the client (counting from 1) and the rule that should decide it:
 * rule 1 the 1000th, rule 2 the 5000th, rule 3 (delay) every one after the 10,000th. */
static unsigned expected_rule(unsigned k)
{
	if (k == 1000)
		return 1;
	if (k == 5000)
		return 2;
	return k > 10000 ? 3 : 0;
}

START_TEST(test_nth_and_after_counts_stay_exact_on_a_bulk_transfer)
{
	topo_up('c', "drop len >0 from client nth 1000\n"
	             "drop len >0 from client nth 5000\n"
	             "delay 1ms len >0 from client after 10000\n");
	start_faultd_queue("8192", NULL);
	int server = spawn("server", bulk_server);
	char ready;
	ck_assert_msg(fx_read_full(server, &ready, 1, 5000), "the server did not start");
	int client = spawn("client", bulk_client);
	ck_assert_msg(fx_read_full(client, &ready, 1, 60000), "the client did not finish");
	long bytes = 0;
	ck_assert_msg(fx_read_full(server, &bytes, sizeof(bytes), 60000),
	              "the server gave no count");
	ck_assert_int_eq(bytes, BULK_BYTES);
	ck_assert_int_eq(fx_stop_faultd(30000), 0);

	struct trace_record *r;
	size_t n;
	ck_assert_int_eq(trace_read_jsonl(topo.jsonl, &r, &n), 0);
	unsigned k = 0, delayed = 0, released = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(r[i].dir, "c2s") != 0 || r[i].len == 0)
			continue;
		if (r[i].kind == TRACE_RELEASED) {
			ck_assert_uint_eq(r[i].rule, 3);
			released++;
			continue;
		}
		k++;
		unsigned want = expected_rule(k);
		ck_assert_msg(r[i].rule == want, "data segment %u from the client: rule %u, not %u",
		              k, r[i].rule, want);
		ck_assert_int_eq(r[i].action, want == 0   ? RULE_PASS
		                              : want == 3 ? RULE_DELAY
		                                          : RULE_DROP);
		delayed += want == 3;
	}
	trace_records_free(r, n);
	ck_assert_uint_gt(k, 20000); /* 32 MiB in segments of at most 1448 bytes */
	ck_assert_uint_eq(released, delayed);
	const char *err = read_file(topo.err);
	ck_assert_ptr_nonnull(strstr(err, "fired 1 times: drop len >0 from client nth 1000"));
	ck_assert_ptr_nonnull(strstr(err, "fired 1 times: drop len >0 from client nth 5000"));
}
END_TEST

static Suite *faultd_load_suite(void)
{
	Suite *s = suite_create("faultd_load");
	TCase *tc = tcase_create("held_100k");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_unchecked_fixture(tc, NULL, teardown_all_topologies);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_100000_held_segments_are_all_released_once_in_order);
	tcase_add_test(tc, test_sigterm_delivers_100000_held_segments);
	tcase_add_test(tc, test_kernel_drops_with_the_queue_full_are_said_as_they_happen);
	tcase_add_test(tc, test_queue_maxlen_past_the_kernel_cap_holds_copies_and_says_so);
	suite_add_tcase(s, tc);

	tc = tcase_create("counts_at_full_rate");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_unchecked_fixture(tc, NULL, teardown_all_topologies);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_nth_and_after_counts_stay_exact_on_a_bulk_transfer);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	synfin_require_netns();
	fx_init("fl", "faultd-load", "abcde");
	return synfin_run_suite(faultd_load_suite());
}
