/* test_sim_wire.c: two stacks on a simulated wire, faults from rule text parsed and applied by
 * the harness's rule engine, exactly as synfin-faultd applies a rule file. */
#include <errno.h>
#include <time.h>

#include "endpoint/peer_script.h"
#include "sim_wire.h"
#include "test_support.h"

#define MS 1000ull
#define SEC 1000000ull
#define PORT 80

/* The applications on both ends. */
struct app {
	int listener;
	int csock, ssock;
	/* server: close when EOF is read, after this delay (0: at once) */
	bool server_closes_on_eof;
	/* client: bytes to send, then close */
	uint64_t to_send, sent;
	struct peer_hash send_hash, recv_hash;
	uint64_t received;
	bool client_eof;
	uint64_t done_at; /* when the last byte was read */
};

static uint8_t stream_byte(uint64_t i)
{
	uint64_t x = i * 0x9e3779b97f4a7c15ULL;
	return (uint8_t)(x >> 56 ^ x >> 17);
}

static void client_push(struct sim_wire *w, struct app *a, uint64_t now)
{
	uint8_t buf[16384];
	while (a->sent < a->to_send) {
		size_t n = sizeof(buf);
		if (n > a->to_send - a->sent)
			n = (size_t)(a->to_send - a->sent);
		for (size_t i = 0; i < n; i++)
			buf[i] = stream_byte(a->sent + i);
		ssize_t r = tcp_send(w->st[SIM_C], now, a->csock, buf, n);
		if (r <= 0)
			return;
		peer_hash_update(&a->send_hash, buf, (size_t)r);
		a->sent += (uint64_t)r;
	}
	if (a->to_send)
		tcp_close(w->st[SIM_C], now, a->csock);
	a->to_send = 0;
}

static void server_pull(struct sim_wire *w, struct app *a, uint64_t now)
{
	uint8_t buf[16384];
	for (;;) {
		ssize_t r = tcp_recv(w->st[SIM_S], now, a->ssock, buf, sizeof(buf));
		if (r > 0) {
			peer_hash_update(&a->recv_hash, buf, (size_t)r);
			a->received += (uint64_t)r;
			a->done_at = now;
			continue;
		}
		if (r == 0 && a->server_closes_on_eof) {
			tcp_close(w->st[SIM_S], now, a->ssock);
			a->ssock = -1;
		}
		return;
	}
}

static void app_event(struct sim_wire *w, enum sim_side side, const struct stack_event *ev)
{
	struct app *a = w->app;

	if (side == SIM_S && ev->type == STACK_EV_ACCEPT)
		a->ssock = tcp_accept(w->st[SIM_S], a->listener);
	if (side == SIM_S && (ev->type == STACK_EV_READABLE || ev->type == STACK_EV_EOF) &&
	    ev->sock == a->ssock && a->ssock > 0)
		server_pull(w, a, ev->now);
	if (side == SIM_C && (ev->type == STACK_EV_CONNECTED || ev->type == STACK_EV_WRITABLE) &&
	    ev->sock == a->csock)
		client_push(w, a, ev->now);
}

static struct sim_wire W;
static struct app A;

/* tun NULL: the defaults with RFC 5681's Reno and initial window (3 segments), whose exact
 * flights the counts below were measured with (a forged RST's number, the drops of a queue). */
static void start(const char *rules, const struct stack_tunables *tun)
{
	struct stack_tunables rfc5681;
	if (!tun) {
		stack_tunables_default(&rfc5681);
		rfc5681.congestion_control = TCP_CC_RENO;
		rfc5681.initcwnd = 0;
		rfc5681.hystart = false;
		tun = &rfc5681;
	}
	sim_init(&W, rules, tun);
	memset(&A, 0, sizeof(A));
	A.ssock = -1;
	peer_hash_init(&A.send_hash);
	peer_hash_init(&A.recv_hash);
	W.app = &A;
	W.on_event = app_event;
	A.listener = tcp_listen(W.st[SIM_S], PORT, 16);
	ck_assert_int_gt(A.listener, 0);
}

static void stop(void)
{
	sim_free(&W);
}

static void connect_at_now(void)
{
	A.csock = tcp_connect(W.st[SIM_C], W.now, 0, SIM_SERVER, PORT);
	ck_assert_int_gt(A.csock, 0);
}

static const char *flags_str(uint8_t f, char *buf)
{
	char *p = buf;
	*p++ = '[';
	if (f & TCPF_FIN)
		*p++ = 'F';
	if (f & TCPF_SYN)
		*p++ = 'S';
	if (f & TCPF_RST)
		*p++ = 'R';
	if (f & TCPF_PSH)
		*p++ = 'P';
	if (f & TCPF_ACK)
		*p++ = '.';
	*p++ = ']';
	*p = 0;
	return buf;
}

/* The wire's view as "C[S] S[S.] C[.] ..." */
static const char *ladder(char *out, size_t size)
{
	size_t off = 0;
	char f[16];
	out[0] = 0;
	for (unsigned i = 0; i < W.n_log && off < size; i++)
		off += (size_t)snprintf(out + off, size - off, "%s%c%s%s", i ? " " : "",
		                        W.log[i].from == SIM_C ? 'C' : 'S',
		                        flags_str(W.log[i].flags, f),
		                        W.log[i].action == RULE_DROP      ? "x"
		                        : W.log[i].action == RULE_REORDER ? "~"
		                                                          : "");
	return out;
}

START_TEST(test_sim_connect_then_client_close_is_three_segment_close)
{
	char buf[256];
	start(NULL, NULL);
	A.server_closes_on_eof = true;
	connect_at_now();
	sim_run_until(&W, W.now + 100 * MS);
	ck_assert_int_eq(tcp_get_state(W.st[SIM_C], A.csock), TCPS_ESTABLISHED);
	tcp_close(W.st[SIM_C], W.now, A.csock);
	sim_run_until(&W, W.now + 200 * SEC);
	ck_assert_str_eq(ladder(buf, sizeof(buf)), "C[S] S[S.] C[.] C[F.] S[F.] C[.]");
	ck_assert_uint_eq(stack_next_deadline(W.st[SIM_C]), STACK_TIME_NEVER);
	ck_assert_uint_eq(stack_next_deadline(W.st[SIM_S]), STACK_TIME_NEVER);
	stop();
}
END_TEST

/* RFC 8200 on the same wire: handshake, 100 kB and close between two stacks over IPv6, every
 * segment 40 bytes of IPv6 header and at most the 1440-byte MSS of a 1500-byte MTU. */
START_TEST(test_sim_ipv6_handshake_transfer_and_close)
{
	const struct stack_addr server6 = SIM_SERVER6, client6 = SIM_CLIENT6;
	start(NULL, NULL);
	A.server_closes_on_eof = true;
	A.to_send = 100000;
	A.csock = tcp_connect_addr(W.st[SIM_C], W.now, 0, &server6, PORT);
	ck_assert_int_gt(A.csock, 0);
	sim_run_until(&W, W.now + 2 * MS);
	struct tcp_info_view info;
	ck_assert_int_eq(tcp_get_info(W.st[SIM_C], A.csock, &info), 0);
	ck_assert_int_eq(info.state, TCPS_ESTABLISHED);
	ck_assert(stack_addr_eq(&info.laddr, &client6) && stack_addr_eq(&info.raddr, &server6));
	ck_assert_uint_eq(info.snd_mss, 1440 - 12); /* less the timestamps, as Linux's mss_cache */
	sim_run_until(&W, W.now + 200 * SEC);
	ck_assert_uint_eq(A.received, 100000);
	ck_assert_uint_eq(peer_hash_value(&A.recv_hash), peer_hash_value(&A.send_hash));
	ck_assert_uint_eq(W.log[0].flags, TCPF_SYN);
	/* 40 + a 40-byte TCP header: MSS, SACK-permitted, timestamps, window scale */
	ck_assert_uint_eq(W.log[0].ip_len, 80);
	uint16_t most = 0;
	unsigned fins = 0;
	for (unsigned i = 0; i < W.n_log; i++) {
		/* every segment after the handshake carries timestamps (12 bytes) */
		if (i >= 2)
			ck_assert_uint_eq(W.log[i].ip_len, 40 + 20 + 12 + W.log[i].len);
		most = W.log[i].len > most ? W.log[i].len : most;
		fins += !!(W.log[i].flags & TCPF_FIN);
	}
	ck_assert_uint_eq(most, 1440 - 12);
	ck_assert_uint_eq(fins, 2);
	ck_assert_uint_eq(stack_next_deadline(W.st[SIM_C]), STACK_TIME_NEVER);
	ck_assert_uint_eq(stack_next_deadline(W.st[SIM_S]), STACK_TIME_NEVER);
	ck_assert_uint_eq(stack_get_stats(W.st[SIM_S])->tcp_retransmits, 0);
	stop();
}
END_TEST

START_TEST(test_sim_server_closing_late_gives_four_segment_close)
{
	char buf[256];
	start(NULL, NULL);
	connect_at_now();
	sim_run_until(&W, W.now + 100 * MS);
	tcp_close(W.st[SIM_C], W.now, A.csock);
	sim_run_until(&W, W.now + 300 * MS);
	tcp_close(W.st[SIM_S], W.now, A.ssock);
	sim_run_until(&W, W.now + 200 * SEC);
	ck_assert_str_eq(ladder(buf, sizeof(buf)), "C[S] S[S.] C[.] C[F.] S[.] S[F.] C[.]");
	/* the lone ACK left the delayed-ACK timer after the FIN arrived */
	ck_assert_uint_eq(W.log[4].at - W.log[3].at, 500 + 40 * MS);
	stop();
}
END_TEST

START_TEST(test_sim_drop_every_client_syn_times_out_at_63s)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	start("drop [S] from client\n", NULL);
	uint64_t start_at = W.now;
	connect_at_now();
	sim_run_until(&W, start_at + 200 * SEC);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	const uint64_t at[] = {0, 1, 3, 7, 15, 31};
	ck_assert_uint_eq(W.n_log, 6);
	for (unsigned i = 0; i < 6; i++) {
		ck_assert_uint_eq(W.log[i].flags, TCPF_SYN);
		ck_assert_int_eq(W.log[i].action, RULE_DROP);
		ck_assert_uint_eq(W.log[i].at - start_at, at[i] * SEC);
		ck_assert_uint_eq(W.log[i].seq, W.log[0].seq);
	}
	const struct stack_event *err = sim_find_event(&W, SIM_C, STACK_EV_ERROR);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->error, -ETIMEDOUT);
	ck_assert_uint_eq(err->now - start_at, 63 * SEC);
	ck_assert_uint_eq(W.rs.rules[0].hits, 6);
	double real = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_msg(real < 2.0, "63 s of virtual time took %.3f s", real);
	stop();
}
END_TEST

START_TEST(test_sim_drop_first_two_syns_connects_after_3s)
{
	start("drop  [S] from client  first 2\n", NULL);
	uint64_t start_at = W.now;
	connect_at_now();
	sim_run_until(&W, start_at + 10 * SEC);
	const struct stack_event *ev = sim_find_event(&W, SIM_C, STACK_EV_CONNECTED);
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(ev->now - start_at, 3 * SEC + 1000); /* one round trip after 3 s */
	ck_assert_uint_eq(sim_count(&W, SIM_C, TCPF_SYN, RULE_DROP), 2);
	ck_assert_uint_eq(sim_count(&W, SIM_C, TCPF_SYN, RULE_PASS), 1);
	stop();
}
END_TEST

START_TEST(test_sim_lost_syn_ack_is_retransmitted_by_the_server)
{
	start("drop [S.] from server once\n", NULL);
	uint64_t start_at = W.now;
	connect_at_now();
	sim_run_until(&W, start_at + 10 * SEC);
	/* both ends' timers run 1 s: the client's SYN and the server's SYN-ACK cross */
	ck_assert_int_eq(tcp_get_state(W.st[SIM_C], A.csock), TCPS_ESTABLISHED);
	ck_assert_int_gt(A.ssock, 0);
	ck_assert_int_eq(tcp_get_state(W.st[SIM_S], A.ssock), TCPS_ESTABLISHED);
	ck_assert_uint_eq(sim_count(&W, SIM_S, TCPF_SYN | TCPF_ACK, RULE_DROP), 1);
	stop();
}
END_TEST

START_TEST(test_sim_server_fin_held_300ms)
{
	char buf[256];
	start("delay 300ms  fin from server\n", NULL);
	A.server_closes_on_eof = true;
	connect_at_now();
	sim_run_until(&W, W.now + 100 * MS);
	uint64_t close_at = W.now;
	tcp_close(W.st[SIM_C], W.now, A.csock);
	sim_run_until(&W, W.now + 200 * SEC);
	/* The server's FIN carries the ACK of the client's FIN and is held, so the client
	 * retransmits its FIN after 200 ms (rto_min); the server, in LAST-ACK, ACKs the copy and
	 * retransmits its own FIN (also held). The first held FIN reaches the client at 301 ms,
	 * the second at 501 ms (TIME-WAIT ACKs it again); the server is CLOSED by then and
	 * answers that ACK with a RST. */
	ck_assert_str_eq(ladder(buf, sizeof(buf)),
	                 "C[S] S[S.] C[.] C[F.] S[F.] C[F.] S[.] S[F.] C[.] C[.] S[R]");
	ck_assert_uint_eq(W.delayed, 2);
	ck_assert_uint_eq(W.log[4].at - close_at, 500);
	ck_assert_uint_eq(W.log[5].at - close_at, 200 * MS);
	ck_assert_uint_eq(W.log[7].at - close_at, 200 * MS + 500);
	ck_assert_uint_eq(W.log[8].at - close_at, 300 * MS + 1000);
	ck_assert_uint_eq(W.log[9].at - close_at, 500 * MS + 1000);
	stop();
}
END_TEST

START_TEST(test_sim_first_client_fin_dropped_is_retransmitted)
{
	char buf[256];
	start("drop fin from client nth 1\n", NULL);
	A.server_closes_on_eof = true;
	connect_at_now();
	sim_run_until(&W, W.now + 100 * MS);
	tcp_close(W.st[SIM_C], W.now, A.csock);
	sim_run_until(&W, W.now + 200 * SEC);
	ck_assert_str_eq(ladder(buf, sizeof(buf)), "C[S] S[S.] C[.] C[F.]x C[F.] S[F.] C[.]");
	/* RTO after a 1 ms RTT sample: rto_min */
	ck_assert_uint_eq(W.log[4].at - W.log[3].at, 200 * MS);
	stop();
}
END_TEST

static const char *states_of(enum sim_side side, int sock, char *out, size_t size)
{
	size_t off = 0;
	out[0] = 0;
	for (unsigned i = 0; i < W.n_events && off < size; i++) {
		const struct stack_event *e = &W.events[i].ev;
		if (W.events[i].side != side || e->type != STACK_EV_STATE || e->sock != sock)
			continue;
		off += (size_t)snprintf(out + off, size - off, "%s%s", off ? " " : "",
		                        stack_state_name(e->new_state));
	}
	return out;
}

START_TEST(test_sim_simultaneous_open_and_simultaneous_close)
{
	char buf[256];
	start(NULL, NULL);
	int c = tcp_connect(W.st[SIM_C], W.now, 5555, SIM_SERVER, 6666);
	int s = tcp_connect(W.st[SIM_S], W.now, 6666, SIM_CLIENT, 5555);
	sim_run_until(&W, W.now + 100 * MS);
	ck_assert_int_eq(tcp_get_state(W.st[SIM_C], c), TCPS_ESTABLISHED);
	ck_assert_int_eq(tcp_get_state(W.st[SIM_S], s), TCPS_ESTABLISHED);
	ck_assert_str_eq(ladder(buf, sizeof(buf)), "C[S] S[S] S[S.] C[S.]");
	tcp_shutdown_write(W.st[SIM_C], W.now, c);
	tcp_shutdown_write(W.st[SIM_S], W.now, s);
	sim_run_until(&W, W.now + 1 * SEC);
	ck_assert_int_eq(tcp_get_state(W.st[SIM_C], c), TCPS_TIME_WAIT);
	ck_assert_int_eq(tcp_get_state(W.st[SIM_S], s), TCPS_TIME_WAIT);
	const char *want = "SYN-SENT SYN-RECEIVED ESTABLISHED FIN-WAIT-1 CLOSING TIME-WAIT";
	ck_assert_str_eq(states_of(SIM_C, c, buf, sizeof(buf)), want);
	ck_assert_str_eq(states_of(SIM_S, s, buf, sizeof(buf)), want);
	sim_run_until(&W, W.now + 61 * SEC);
	ck_assert_int_eq(tcp_get_state(W.st[SIM_C], c), TCPS_CLOSED);
	ck_assert_int_eq(tcp_get_state(W.st[SIM_S], s), TCPS_CLOSED);
	stop();
}
END_TEST

START_TEST(test_sim_request_response_delayed_ack_rides_on_data)
{
	char buf[256];
	struct stack_tunables tun;
	stack_tunables_default(&tun);
	tun.quickack = 0;
	start(NULL, &tun);
	connect_at_now();
	sim_run_until(&W, W.now + 100 * MS);
	tcp_send(W.st[SIM_C], W.now, A.csock, "GET / HTTP/1.0\r\n\r\n", 18);
	sim_run_until(&W, W.now + 10 * MS);
	ck_assert_uint_eq(A.received, 18); /* read by the server application on arrival */
	tcp_send(W.st[SIM_S], W.now, A.ssock, "HTTP/1.0 200 OK\r\n\r\n", 19);
	sim_run_until(&W, W.now + 30 * MS);
	/* the server's response carried the ACK of the request; the client's ACK of the
	 * response waits for its delayed-ACK timer */
	ck_assert_str_eq(ladder(buf, sizeof(buf)), "C[S] S[S.] C[.] C[P.] S[P.]");
	sim_run_until(&W, W.now + 100 * MS);
	ck_assert_str_eq(ladder(buf, sizeof(buf)), "C[S] S[S.] C[.] C[P.] S[P.] C[.]");
	ck_assert_uint_eq(W.log[5].at - W.log[4].at, 500 + 40 * MS);
	stop();
}
END_TEST

/* Send bytes from client to server; both close; the data must arrive intact, within
 * max_virtual of virtual time (a stack that crawls on RTOs fails this). */
static void transfer_any_bytes(const char *rules, uint64_t bytes)
{
	start(rules, NULL);
	A.server_closes_on_eof = true;
	A.to_send = bytes;
	connect_at_now();
	sim_run_until(&W, W.now + 3600 * SEC);
	ck_assert_uint_eq(A.received, bytes);
}

static void transfer(const char *rules, uint64_t bytes, uint64_t max_virtual)
{
	start(rules, NULL);
	A.server_closes_on_eof = true;
	A.to_send = bytes;
	uint64_t t0 = W.now;
	connect_at_now();
	sim_run_until(&W, W.now + 3600 * SEC);
	ck_assert_uint_eq(A.received, bytes);
	ck_assert_msg(A.done_at - t0 <= max_virtual, "took %llu us",
	              (unsigned long long)(A.done_at - t0));
	ck_assert_uint_eq(peer_hash_value(&A.recv_hash), peer_hash_value(&A.send_hash));
	ck_assert_uint_eq(stack_next_deadline(W.st[SIM_C]), STACK_TIME_NEVER);
	ck_assert_uint_eq(stack_next_deadline(W.st[SIM_S]), STACK_TIME_NEVER);
}

START_TEST(test_sim_10mb_transfer_with_losses_arrives_intact)
{
	transfer("drop [.] from client nth 7\n"
	         "drop [.] from client nth 300\n"
	         "drop [.] from client nth 301\n"
	         "drop [.] from client nth 2000\n"
	         "drop [FP.] from client once\n"
	         "drop [.] from server nth 100\n"
	         "drop [.] from server nth 101\n"
	         "drop [.] from server nth 102\n"
	         "drop [.] from client nth 5000\n"
	         "drop [.] from client nth 5003\n"
	         "drop [.] from client nth 5006\n",
	         10u << 20, 2 * SEC);
	for (unsigned i = 0; i < W.rs.n_rules; i++)
		ck_assert_msg(W.rs.rules[i].hits == 1, "rule %u hit %llu times", i + 1,
		              (unsigned long long)W.rs.rules[i].hits);
	const struct stack_stats *st = stack_get_stats(W.st[SIM_C]);
	ck_assert_uint_gt(st->tcp_retransmits, 0);
	ck_assert_uint_gt(st->tcp_fast_retransmits, 0);
	stop();
}
END_TEST

START_TEST(test_sim_1mb_transfer_with_reordering_jitter_arrives_intact)
{
	transfer("delay 1ms jitter 1ms from client\n"
	         "drop [.] from client nth 40\n",
	         1u << 20, 2 * SEC);
	stop();
}
END_TEST

START_TEST(test_sim_corrupt_bad_checksum_is_discarded_and_retransmitted_at_rto)
{
	transfer("corrupt payload checksum bad from client nth 3\n", 64u << 10, 2 * SEC);
	ck_assert_uint_eq(W.rewritten, 1);
	const struct stack_stats *srv = stack_get_stats(W.st[SIM_S]);
	ck_assert_uint_eq(srv->drops[STACK_DROP_TCP_BAD_CHECKSUM], 1);
	ck_assert_uint_gt(stack_get_stats(W.st[SIM_C])->tcp_retransmits, 0);
	stop();
}
END_TEST

START_TEST(test_sim_corrupt_fixed_checksum_reaches_the_application)
{
	transfer_any_bytes("corrupt payload checksum fixed from client nth 3\n", 64u << 10);
	ck_assert_uint_eq(W.rewritten, 1);
	ck_assert_uint_eq(stack_get_stats(W.st[SIM_S])->drops[STACK_DROP_TCP_BAD_CHECKSUM], 0);
	ck_assert_uint_ne(peer_hash_value(&A.recv_hash), peer_hash_value(&A.send_hash));
	stop();
}
END_TEST

START_TEST(test_sim_corrupt_flips_the_same_bit_for_the_same_seed)
{
	uint64_t hash[2];
	for (int i = 0; i < 2; i++) {
		transfer_any_bytes("corrupt payload checksum fixed from client nth 2\n", 16u << 10);
		hash[i] = peer_hash_value(&A.recv_hash);
		stop();
	}
	ck_assert_uint_eq(hash[0], hash[1]);
}
END_TEST

START_TEST(test_sim_set_mss_in_the_syn_ack_caps_the_client_segments)
{
	transfer("set mss 536 [S.] from server\n", 64u << 10, 2 * SEC);
	unsigned data = 0;
	for (unsigned i = 0; i < W.n_log; i++) {
		if (W.log[i].from != SIM_C || !W.log[i].len)
			continue;
		ck_assert_uint_le(W.log[i].len, 536);
		data++;
	}
	ck_assert_uint_ge(data, (64u << 10) / 536);
	ck_assert_int_eq(W.log[1].action, RULE_SET);
	stop();
}
END_TEST

/* Without an MSS option the sender falls back to 536 bytes (RFC 9293 3.7.1). */
START_TEST(test_sim_strip_mss_from_the_syn_ack_leaves_the_default_mss)
{
	transfer("strip sack [S.]\nstrip mss [S.]\n", 16u << 10, 2 * SEC);
	ck_assert_int_eq(W.log[1].action, RULE_STRIP);
	ck_assert_uint_eq(W.rs.rules[0].hits, 1);
	/* the first rule wins: it strips the SACK-permitted option of the stack's SYN-ACK, and the
	 * MSS option stays, so full-sized segments follow */
	ck_assert_uint_eq(W.rewritten, 1);
	unsigned long longest = 0;
	for (unsigned i = 0; i < W.n_log; i++)
		if (W.log[i].len > longest)
			longest = W.log[i].len;
	ck_assert_uint_gt(longest, 536);
	stop();
	transfer("strip mss [S.]\n", 16u << 10, 2 * SEC);
	ck_assert_uint_eq(W.rewritten, 1);
	for (unsigned i = 0; i < W.n_log; i++)
		ck_assert_uint_le(W.log[i].len, 536);
	stop();
}
END_TEST

START_TEST(test_sim_exact_reset_mid_transfer_kills_the_server_connection)
{
	struct stack_tunables tun;
	stack_tunables_default(&tun);
	start("reset from client len >0 nth 3\n", &tun);
	A.server_closes_on_eof = true;
	A.to_send = 64u << 10;
	connect_at_now();
	sim_run_until(&W, W.now + 60 * SEC);
	ck_assert_uint_eq(W.injected, 1);
	const struct stack_event *err = sim_find_event(&W, SIM_S, STACK_EV_ERROR);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->error, -ECONNRESET);
	ck_assert_uint_lt(A.received, 64u << 10);
	stop();
}
END_TEST

START_TEST(test_sim_in_window_reset_draws_a_challenge_ack_and_the_transfer_goes_on)
{
	transfer("reset in-window keep from client len >0 nth 3\n", 64u << 10, 2 * SEC);
	ck_assert_uint_eq(W.injected, 1);
	ck_assert_uint_eq(stack_get_stats(W.st[SIM_S])->drops[STACK_DROP_TCP_RST_CHALLENGED], 1);
	ck_assert_ptr_null(sim_find_event(&W, SIM_S, STACK_EV_ERROR));
	stop();
}
END_TEST

START_TEST(test_sim_reset_to_sender_of_a_syn_refuses_the_connection)
{
	start("reset to sender [S]\n", NULL);
	connect_at_now();
	sim_run_until(&W, W.now + 10 * SEC);
	const struct stack_event *err = sim_find_event(&W, SIM_C, STACK_EV_ERROR);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->error, -ECONNREFUSED);
	stop();
}
END_TEST

START_TEST(test_sim_duplicated_syn_and_fin_leave_one_clean_connection)
{
	transfer("duplicate 2 [S]\nduplicate gap 5ms fin from client\n", 16u << 10, 2 * SEC);
	ck_assert_uint_eq(W.injected, 3);
	ck_assert_uint_eq(W.rs.rules[0].hits, 1);
	ck_assert_uint_eq(W.rs.rules[1].hits, 1);
	stop();
}
END_TEST

/* The client writes 1000 bytes and closes 100 ms later; the data segment is held until one
 * more segment of the client's has passed: its FIN reaches the server first, out of order, and
 * waits there (RFC 9293 3.10.7.4: a segment beyond RCV.NXT is kept for later processing) until
 * the data, released right behind it, arrives; the application reads every byte, then EOF. */
START_TEST(test_sim_fin_reordered_ahead_of_the_last_data_segment)
{
	char buf[512];
	uint8_t data[1000];
	start("reorder 1 from client len >0\n", NULL);
	A.server_closes_on_eof = true;
	connect_at_now();
	sim_run_until(&W, W.now + 100 * MS);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = stream_byte(i);
	ck_assert_int_eq(tcp_send(W.st[SIM_C], W.now, A.csock, data, sizeof(data)), 1000);
	peer_hash_update(&A.send_hash, data, sizeof(data));
	uint64_t sent_at = W.now;
	sim_run_until(&W, W.now + 100 * MS);
	tcp_close(W.st[SIM_C], W.now, A.csock);
	sim_run_until(&W, W.now + 200 * SEC);
	/* the server's first ACK is the duplicate for the FIN that came too early, its second
	 * takes the data and the FIN at once */
	ck_assert_str_eq(ladder(buf, sizeof(buf)),
	                 "C[S] S[S.] C[.] C[P.]~ C[F.] S[.] S[.] S[F.] C[.]");
	uint32_t iss = W.log[0].seq;
	ck_assert_uint_eq(W.log[5].ack - iss, 1);
	ck_assert_uint_eq(W.log[6].ack - iss, 1002);
	ck_assert_uint_eq(W.log[4].at - W.log[3].at, 100 * MS);
	ck_assert_uint_eq(W.log[3].at, sent_at);
	ck_assert_uint_eq(W.reordered, 1);
	ck_assert_uint_eq(W.released_after, 1);
	ck_assert_uint_eq(W.released_quiet, 0);
	ck_assert_uint_eq(A.received, 1000);
	ck_assert_uint_eq(peer_hash_value(&A.recv_hash), peer_hash_value(&A.send_hash));
	ck_assert_ptr_nonnull(sim_find_event(&W, SIM_S, STACK_EV_EOF));
	ck_assert_uint_eq(stack_get_stats(W.st[SIM_C])->tcp_retransmits, 0);
	stop();
}
END_TEST

/* Nothing else comes from the client: the held segment goes once its direction has been quiet
 * for the rule's 50 ms, before the sender's RTO (200 ms) would resend it. */
START_TEST(test_sim_reorder_releases_after_quiet_time)
{
	uint8_t data[100] = {0};
	start("reorder 3 quiet 50ms from client len >0\n", NULL);
	connect_at_now();
	sim_run_until(&W, W.now + 100 * MS);
	uint64_t sent_at = W.now;
	ck_assert_int_eq(tcp_send(W.st[SIM_C], W.now, A.csock, data, sizeof(data)), 100);
	sim_run_until(&W, sent_at + 50 * MS - 1);
	ck_assert_uint_eq(W.released_quiet, 0);
	sim_run_until(&W, sent_at + 50 * MS);
	ck_assert_uint_eq(W.released_quiet, 1);
	sim_run_until(&W, sent_at + 50 * MS + W.latency - 1);
	ck_assert_ptr_null(sim_find_event(&W, SIM_S, STACK_EV_READABLE));
	sim_run_until(&W, sent_at + 50 * MS + W.latency);
	ck_assert_ptr_nonnull(sim_find_event(&W, SIM_S, STACK_EV_READABLE));
	sim_run_until(&W, W.now + 1 * SEC);
	ck_assert_uint_eq(stack_get_stats(W.st[SIM_C])->tcp_retransmits, 0);
	stop();
}
END_TEST

/* A segment lost and its fast retransmission lost too: RACK (RFC 8985 6.2) finds the second
 * loss once a segment sent after the retransmission is delivered, one round trip (1 ms here)
 * later, and recovery sends it a third time at once, where it used to wait out the 200 ms
 * minimum RTO. */
START_TEST(test_sim_lost_fast_retransmission_is_repaired_without_rto)
{
	transfer("drop len >0 from client nth 300\n"
	         "drop len >0 from client retransmission once\n",
	         1u << 20, 20 * MS);
	ck_assert_uint_eq(W.dropped, 2);
	const struct stack_stats *st = stack_get_stats(W.st[SIM_C]);
	ck_assert_uint_eq(st->tcp_fast_retransmits, 1);
	ck_assert_uint_eq(st->tcp_retransmits, 2);
	/* the lost segment's transmissions: the original, the fast retransmission one round trip
	 * later (the duplicate ACKs), RACK's one round trip after that */
	const struct sim_log *lost = NULL;
	uint64_t at[4];
	unsigned n = 0;
	for (unsigned i = 0; i < W.n_log; i++) {
		const struct sim_log *l = &W.log[i];
		if (l->from != SIM_C || !l->len)
			continue;
		if (!lost && l->action == RULE_DROP)
			lost = l;
		if (lost && l->seq == lost->seq && n < 4)
			at[n++] = l->at;
	}
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(at[1] - at[0], 1 * MS);
	ck_assert_uint_eq(at[2] - at[1], 1 * MS);
	stop();
}
END_TEST

/* A 1 Mbit/s bottleneck with a 20-packet queue: the client's full segments (1500 bytes on the
 * wire) leave it 12 ms apart, the slow start overflows the queue, and the losses are repaired:
 * every byte arrives. */
START_TEST(test_sim_rate_1mbit_queue_20_spaces_segments_and_drops_the_overflow)
{
	transfer_any_bytes("rate 1mbit queue 20 from client\n", 256u << 10);
	ck_assert_uint_eq(peer_hash_value(&A.recv_hash), peer_hash_value(&A.send_hash));
	/* 181 segments of 1448 bytes take 2.17 s at 1 Mbit/s; the losses cost little more */
	ck_assert_uint_le(A.done_at - W.log[0].at, 2300 * MS);
	ck_assert_uint_eq(W.dropped, 11);
	ck_assert_uint_eq(W.rs.rules[0].hits, W.dropped + W.delayed);
	/* each segment leaves the link when the one before it has gone and it is sent whole:
	 * at its arrival plus its own serialisation, or right behind the one before */
	uint64_t busy_until = 0;
	unsigned queued = 0;
	for (unsigned i = 0; i < W.n_log; i++) {
		const struct sim_log *l = &W.log[i];
		if (l->from != SIM_C || l->action != RULE_DELAY)
			continue;
		uint64_t start = l->at > busy_until ? l->at : busy_until;
		uint64_t ser = (uint64_t)l->ip_len * 8; /* microseconds, at 1 Mbit/s */
		ck_assert_uint_eq(l->at + l->delay_us, start + ser);
		busy_until = l->at + l->delay_us;
		queued += l->at < start;
	}
	ck_assert_uint_gt(queued, 100);
	stop();
}
END_TEST

static Suite *sim_wire_suite(void)
{
	Suite *s = suite_create("sim_wire");
	TCase *tc = tcase_create("rules");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_sim_connect_then_client_close_is_three_segment_close);
	tcase_add_test(tc, test_sim_server_closing_late_gives_four_segment_close);
	tcase_add_test(tc, test_sim_ipv6_handshake_transfer_and_close);
	tcase_add_test(tc, test_sim_drop_every_client_syn_times_out_at_63s);
	tcase_add_test(tc, test_sim_drop_first_two_syns_connects_after_3s);
	tcase_add_test(tc, test_sim_lost_syn_ack_is_retransmitted_by_the_server);
	tcase_add_test(tc, test_sim_server_fin_held_300ms);
	tcase_add_test(tc, test_sim_first_client_fin_dropped_is_retransmitted);
	tcase_add_test(tc, test_sim_simultaneous_open_and_simultaneous_close);
	tcase_add_test(tc, test_sim_request_response_delayed_ack_rides_on_data);
	tcase_add_test(tc, test_sim_10mb_transfer_with_losses_arrives_intact);
	tcase_add_test(tc, test_sim_1mb_transfer_with_reordering_jitter_arrives_intact);
	tcase_add_test(tc, test_sim_lost_fast_retransmission_is_repaired_without_rto);
	tcase_add_test(tc, test_sim_corrupt_bad_checksum_is_discarded_and_retransmitted_at_rto);
	tcase_add_test(tc, test_sim_exact_reset_mid_transfer_kills_the_server_connection);
	tcase_add_test(tc, test_sim_in_window_reset_draws_a_challenge_ack_and_the_transfer_goes_on);
	tcase_add_test(tc, test_sim_reset_to_sender_of_a_syn_refuses_the_connection);
	tcase_add_test(tc, test_sim_duplicated_syn_and_fin_leave_one_clean_connection);
	tcase_add_test(tc, test_sim_fin_reordered_ahead_of_the_last_data_segment);
	tcase_add_test(tc, test_sim_reorder_releases_after_quiet_time);
	tcase_add_test(tc, test_sim_rate_1mbit_queue_20_spaces_segments_and_drops_the_overflow);
	tcase_add_test(tc, test_sim_corrupt_fixed_checksum_reaches_the_application);
	tcase_add_test(tc, test_sim_corrupt_flips_the_same_bit_for_the_same_seed);
	tcase_add_test(tc, test_sim_set_mss_in_the_syn_ack_caps_the_client_segments);
	tcase_add_test(tc, test_sim_strip_mss_from_the_syn_ack_leaves_the_default_mss);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(sim_wire_suite());
}
