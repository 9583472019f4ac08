/* test_tcp_input.c: segment arrival under abuse: random but plausible segments (flags, numbers
 * near the connection's own, payloads, windows) interleaved with random application calls and
 * clock jumps, in every state. Nothing may crash (run under ASan/UBSan) and the sequence
 * variables must stay ordered. */
#include "stack_fixture.h"
#include "test_support.h"

static uint64_t rng = 0x1234567;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

static void check_invariants(struct fx *f)
{
	for (struct tcp_conn *c = f->s->conns; c; c = c->next) {
		if (c->state == TCPS_LISTEN || c->state == TCPS_CLOSED)
			continue;
		ck_assert(seq_le(c->snd_una, c->snd_nxt));
		ck_assert(seq_le(c->snd_nxt, c->snd_max));
		ck_assert(seq_le(c->snd_buf_seq, c->snd_una + 1));
		ck_assert_uint_le(c->sndbuf.len, c->sndbuf.cap);
		ck_assert_uint_le(c->rcvbuf.len, c->rcvbuf.cap);
		ck_assert_uint_le(c->ooo_bytes, c->rcvbuf.cap);
		ck_assert_uint_ge(c->cwnd, c->state >= TCPS_ESTABLISHED ? 1u : 0u);
	}
}

static void chaos_round(unsigned seed, bool passive)
{
	static char data[3000];
	struct fx f;
	rng = 0x9e3779b97f4a7c15ULL ^ seed;
	fx_init(&f);
	f.tun.quickack = rnd(3);
	f.tun.rcvbuf = 1000 + rnd(64000);
	f.tun.sndbuf = 1000 + rnd(64000);
	f.tun.retries2 = 100; /* keep it alive through the clock jumps */
	fx_start(&f);
	if (passive)
		fx_passive_established(&f);
	else
		fx_active_established(&f);
	uint32_t base_seq = f.peer_seq, base_ack = f.peer_ack;
	for (int i = 0; i < 3000; i++) {
		unsigned what = rnd(20);
		if (what < 12) {
			static const uint8_t choices[] = {TCPF_ACK,
			                                  TCPF_ACK | TCPF_PSH,
			                                  TCPF_ACK | TCPF_FIN,
			                                  TCPF_RST,
			                                  TCPF_RST | TCPF_ACK,
			                                  TCPF_SYN,
			                                  TCPF_SYN | TCPF_ACK,
			                                  TCPF_ACK,
			                                  0,
			                                  TCPF_FIN,
			                                  TCPF_ACK | TCPF_URG,
			                                  TCPF_ACK};
			uint8_t flags = choices[rnd(sizeof(choices))];
			struct tcp_conn *c = fx_conn(&f);
			uint32_t seq, ack;
			if (c && rnd(3)) {
				/* near what the connection expects, so most are accepted */
				seq = c->rcv_nxt + rnd(4000) - rnd(1000);
				ack = c->snd_una + rnd(c->snd_max - c->snd_una + 2);
			} else {
				seq = base_seq + rnd(20000) - (rnd(4) == 0 ? rnd(70000) : 0);
				ack = base_ack + rnd(70000) - rnd(2000);
			}
			size_t len = rnd(3) ? rnd(1460) : 0;
			f.peer_wnd = (uint16_t)(rnd(4) ? 65535 : rnd(3000));
			/* rare RSTs: the connection should mostly survive */
			if ((flags & TCPF_RST) && rnd(8))
				flags = TCPF_ACK;
			fx_send_raw(&f, flags, seq, ack, data, len);
			if (rnd(2))
				base_seq += (uint32_t)len;
		} else if (what < 14) {
			fx_advance(&f, rnd(10) ? rnd(300) * MS : rnd(20) * SEC);
		} else if (what < 16) {
			tcp_send(f.s, f.now, f.sock, data, rnd(sizeof(data)));
		} else if (what < 18) {
			char buf[4096];
			tcp_recv(f.s, f.now, f.sock, buf, rnd(sizeof(buf)));
		} else if (what == 18 && rnd(200) == 0) {
			tcp_shutdown_write(f.s, f.now, f.sock);
		}
		/* let the peer acknowledge what we sent now and then */
		if (rnd(3) == 0) {
			struct tcp_conn *c = fx_conn(&f);
			if (c)
				base_ack = c->snd_nxt;
		}
		f.head = f.tail;
		check_invariants(&f);
	}
	tcp_close(f.s, f.now, f.sock);
	fx_run_until(&f, f.now + 2000 * SEC);
	f.head = f.tail;
	check_invariants(&f);
	fx_free(&f);
}

START_TEST(test_random_segments_against_active_connection_never_crash)
{
	chaos_round((unsigned)_i, false);
}
END_TEST

START_TEST(test_random_segments_against_passive_connection_never_crash)
{
	chaos_round(1000u + (unsigned)_i, true);
}
END_TEST

/* Random segments to a listener: SYN floods fill the backlog, nothing else is accepted. */
START_TEST(test_random_segments_against_listener_never_crash)
{
	struct fx f;
	rng = 77;
	fx_init(&f);
	fx_start(&f);
	f.listener = tcp_listen(f.s, f.lport, 8);
	for (int i = 0; i < 5000; i++) {
		f.pport = (uint16_t)(1024 + rnd(200));
		uint8_t flags = (uint8_t)rnd(64);
		fx_send_raw(&f, flags, rnd(UINT32_MAX), rnd(UINT32_MAX), NULL, 0);
		if (rnd(10) == 0)
			fx_advance(&f, rnd(5) * SEC);
		while (tcp_accept(f.s, f.listener) > 0)
			;
		f.head = f.tail;
		check_invariants(&f);
	}
	int children = 0;
	for (struct tcp_conn *c = f.s->conns; c; c = c->next)
		children += c->listener != NULL;
	ck_assert_int_le(children, 8);
	fx_free(&f);
}
END_TEST

static Suite *tcp_input_suite(void)
{
	Suite *s = suite_create("tcp_input");
	TCase *tc = tcase_create("abuse");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_random_segments_against_active_connection_never_crash, 0, 20);
	tcase_add_loop_test(tc, test_random_segments_against_passive_connection_never_crash, 0, 20);
	tcase_add_test(tc, test_random_segments_against_listener_never_crash);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(tcp_input_suite());
}
