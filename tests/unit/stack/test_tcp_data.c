/* test_tcp_data.c: data transfer: reassembly, flow control and zero windows, Nagle, congestion
 * control with fast retransmit and recovery (RFC 5681, RFC 6582). */
#include "stack_fixture.h"
#include "test_support.h"

static struct fx F;
static char big[70000];

static void setup(void)
{
	fx_init(&F);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
}

static void teardown(void)
{
	fx_free(&F);
}

static uint16_t last_window(void)
{
	return F.last.win;
}

START_TEST(test_in_order_data_is_readable_with_an_event)
{
	char buf[16];
	fx_start(&F);
	fx_passive_established(&F);
	fx_send(&F, TCPF_ACK | TCPF_PSH, "hello", 5);
	ck_assert_uint_eq(fx_count_events(&F, STACK_EV_READABLE, F.sock), 1);
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, buf, sizeof(buf)), 5);
	ck_assert_int_eq(memcmp(buf, "hello", 5), 0);
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, buf, sizeof(buf)), -EAGAIN);
}
END_TEST

START_TEST(test_out_of_order_segment_draws_dup_ack_and_is_reassembled)
{
	char buf[16];
	fx_start(&F);
	fx_passive_established(&F);
	uint32_t base = F.peer_seq;
	fx_send_raw(&F, TCPF_ACK, base + 5, F.peer_ack, "world", 5);
	struct segment *ack = fx_recv_one(&F, TCPF_ACK); /* at once (RFC 5681 4.2) */
	ck_assert_uint_eq(ack->ack, base);
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, buf, sizeof(buf)), -EAGAIN);
	fx_send_raw(&F, TCPF_ACK, base, F.peer_ack, "hello", 5);
	ack = fx_recv_one(&F, TCPF_ACK); /* the hole is filled: at once too */
	ck_assert_uint_eq(ack->ack, base + 10);
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, buf, sizeof(buf)), 10);
	ck_assert_int_eq(memcmp(buf, "helloworld", 10), 0);
}
END_TEST

START_TEST(test_overlapping_and_duplicate_segments_are_trimmed)
{
	char buf[32];
	fx_start(&F);
	fx_passive_established(&F);
	uint32_t base = F.peer_seq;
	fx_send_raw(&F, TCPF_ACK, base, F.peer_ack, "abcdef", 6);
	fx_send_raw(&F, TCPF_ACK, base + 3, F.peer_ack, "defghi", 6); /* half old */
	fx_send_raw(&F, TCPF_ACK, base, F.peer_ack, "abc", 3);        /* all old: dup ACK */
	fx_recv_one(&F, TCPF_ACK);
	fx_send_raw(&F, TCPF_ACK, base + 12, F.peer_ack, "mno", 3);
	fx_send_raw(&F, TCPF_ACK, base + 10, F.peer_ack, "klmn", 4);
	fx_send_raw(&F, TCPF_ACK, base + 9, F.peer_ack, "j", 1);
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, buf, sizeof(buf)), 15);
	ck_assert_int_eq(memcmp(buf, "abcdefghijklmno", 15), 0);
}
END_TEST

START_TEST(test_out_of_order_fin_is_processed_when_the_hole_fills)
{
	char buf[16];
	fx_start(&F);
	fx_passive_established(&F);
	uint32_t base = F.peer_seq;
	fx_send_raw(&F, TCPF_ACK | TCPF_FIN, base + 3, F.peer_ack, "def", 3);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_ESTABLISHED);
	fx_send_raw(&F, TCPF_ACK, base, F.peer_ack, "abc", 3);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_CLOSE_WAIT);
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, buf, sizeof(buf)), 6);
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(test_segment_beyond_the_window_is_trimmed)
{
	char buf[8];
	F.tun.rcvbuf = 4;
	fx_start(&F);
	fx_passive_established(&F);
	uint32_t base = F.peer_seq;
	fx_send_raw(&F, TCPF_ACK, base, F.peer_ack, "abcdefgh", 8);
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, buf, sizeof(buf)), 4);
	ck_assert_int_eq(memcmp(buf, "abcd", 4), 0);
}
END_TEST

START_TEST(test_window_closes_as_buffer_fills_and_reopens_after_read)
{
	char buf[4000];
	F.tun.rcvbuf = 4000;
	/* each second segment ACKed, so that each window shows (by default the shrinking
	 * window's ACK waits for the read: test_tcp_timer.c) */
	F.tun.stretch_ack_segs = 2;
	fx_start(&F);
	fx_passive_established(&F);
	fx_send(&F, TCPF_ACK, big, 1460);
	fx_send(&F, TCPF_ACK, big, 1460);
	fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(last_window(), 4000 - 2920);
	fx_send(&F, TCPF_ACK, big, 1080);
	fx_advance(&F, 40 * MS);
	fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(last_window(), 0);
	/* a window probe is answered with the zero window and not taken */
	fx_send_raw(&F, TCPF_ACK, F.peer_seq, F.peer_ack, "z", 1);
	struct segment *ack = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(ack->ack, F.peer_seq);
	ck_assert_uint_eq(ack->win, 0);
	/* reading 1 byte is not enough to reopen (receiver SWS avoidance) */
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, buf, 1), 1);
	fx_recv_nothing(&F);
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, buf, sizeof(buf)), 3999);
	ack = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(ack->win, 4000);
}
END_TEST

/* An established connection whose peer has shut its window, with 6 bytes to send: when the
 * window closed. */
static uint64_t data_behind_zero_window(void)
{
	fx_start(&F);
	fx_active_established(&F);
	F.peer_wnd = 0;
	fx_send(&F, TCPF_ACK, NULL, 0);
	uint64_t t0 = F.now;
	ck_assert_int_eq(tcp_send(F.s, F.now, F.sock, "abcdef", 6), 6);
	return t0;
}

START_TEST(test_zero_window_is_probed_with_backoff_until_it_opens)
{
	uint64_t t0 = data_behind_zero_window();
	fx_recv_nothing(&F);
	fx_run_until(&F, t0 + 200 * MS - 1);
	fx_recv_nothing(&F);
	fx_run_until(&F, t0 + 200 * MS);
	struct segment *p = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(p->payload_len, 1);
	ck_assert_uint_eq(p->seq, F.peer_ack);
	fx_send(&F, TCPF_ACK, NULL, 0); /* still zero */
	fx_run_until(&F, t0 + 600 * MS - 1);
	fx_recv_nothing(&F);
	fx_run_until(&F, t0 + 600 * MS);
	p = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(p->payload_len, 1);
	ck_assert_uint_eq(stack_get_stats(F.s)->tcp_zero_window_probes, 2);
	/* the window opens: everything goes */
	F.peer_wnd = 1000;
	fx_send(&F, TCPF_ACK, NULL, 0);
	p = fx_recv_one(&F, TCPF_ACK | TCPF_PSH);
	ck_assert_uint_eq(p->payload_len, 6);
	ck_assert_uint_eq(p->seq, F.peer_ack);
}
END_TEST

/* Each probe's byte is taken and acknowledged, the window still zero: the interval doubles all
 * the same (RFC 9293 3.8.6.1), 200, 400, 800 ms, as Linux's tcp_probe_timer does. */
START_TEST(test_zero_window_probes_back_off_when_each_byte_is_taken)
{
	uint64_t t0 = data_behind_zero_window();
	const uint64_t due[] = {200 * MS, 600 * MS, 1400 * MS};
	for (size_t i = 0; i < sizeof(due) / sizeof(due[0]); i++) {
		fx_run_until(&F, t0 + due[i] - 1);
		fx_recv_nothing(&F);
		fx_run_until(&F, t0 + due[i]);
		struct segment *p = fx_recv_one(&F, TCPF_ACK);
		ck_assert_uint_eq(p->payload_len, 1);
		ck_assert_uint_eq(p->seq, F.peer_ack);
		F.peer_ack += 1;
		fx_send(&F, TCPF_ACK, NULL, 0); /* the byte taken, the window zero again */
	}
	ck_assert_uint_eq(stack_get_stats(F.s)->tcp_zero_window_probes, 3);
}
END_TEST

START_TEST(test_nagle_holds_small_segment_while_data_is_in_flight)
{
	fx_start(&F);
	fx_active_established(&F);
	tcp_send(F.s, F.now, F.sock, "a", 1);
	fx_recv_one(&F, TCPF_ACK | TCPF_PSH);
	tcp_send(F.s, F.now, F.sock, "b", 1);
	tcp_send(F.s, F.now, F.sock, "c", 1);
	fx_recv_nothing(&F);
	F.peer_ack += 1;
	fx_send(&F, TCPF_ACK, NULL, 0);
	struct segment *d = fx_recv_one(&F, TCPF_ACK | TCPF_PSH);
	ck_assert_uint_eq(d->payload_len, 2);
	ck_assert_int_eq(memcmp(d->payload, "bc", 2), 0);
}
END_TEST

START_TEST(test_nodelay_sends_small_segments_at_once)
{
	fx_start(&F);
	fx_active_established(&F);
	ck_assert_int_eq(tcp_set_nodelay(F.s, F.now, F.sock, true), 0);
	tcp_send(F.s, F.now, F.sock, "a", 1);
	fx_recv_one(&F, TCPF_ACK | TCPF_PSH);
	tcp_send(F.s, F.now, F.sock, "b", 1);
	fx_recv_one(&F, TCPF_ACK | TCPF_PSH);
}
END_TEST

START_TEST(test_nagle_released_by_nodelay_switch)
{
	fx_start(&F);
	fx_active_established(&F);
	tcp_send(F.s, F.now, F.sock, "a", 1);
	fx_recv_one(&F, TCPF_ACK | TCPF_PSH);
	tcp_send(F.s, F.now, F.sock, "b", 1);
	fx_recv_nothing(&F);
	tcp_set_nodelay(F.s, F.now, F.sock, true);
	fx_recv_one(&F, TCPF_ACK | TCPF_PSH);
}
END_TEST

START_TEST(test_peer_mss_limits_segment_size_and_initial_window)
{
	fx_start(&F);
	F.sock = tcp_connect(F.s, F.now, F.lport, FX_PEER, F.pport);
	struct segment *syn = fx_recv_one(&F, TCPF_SYN);
	F.peer_ack = syn->seq + 1;
	F.peer_seq = FX_PEER_ISS;
	uint8_t pkt[100];
	size_t n = fx_build(pkt, FX_PEER, FX_LOCAL, F.pport, F.lport, TCPF_SYN | TCPF_ACK,
	                    F.peer_seq, F.peer_ack, 65535, 536, NULL, 0);
	stack_input(F.s, F.now, pkt, n);
	F.peer_seq++;
	fx_recv_one(&F, TCPF_ACK);
	ck_assert_int_eq(tcp_send(F.s, F.now, F.sock, big, 5000), 5000);
	/* RFC 5681 3.1: IW = 4 * SMSS for SMSS <= 1095 */
	ck_assert_uint_eq(fx_pending(&F), 4);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(fx_recv(&F)->payload_len, 536);
}
END_TEST

START_TEST(test_slow_start_grows_cwnd_by_one_mss_per_ack)
{
	fx_start(&F);
	fx_active_established(&F);
	ck_assert_int_eq(tcp_send(F.s, F.now, F.sock, big, 20000), 20000);
	ck_assert_uint_eq(fx_pending(&F), 3); /* IW = 3 * 1460 */
	F.head = F.tail;
	F.peer_ack += 1460;
	fx_send(&F, TCPF_ACK, NULL, 0);
	ck_assert_uint_eq(fx_pending(&F), 2); /* cwnd 4 segments, 2 in flight */
	struct tcp_info_view info;
	tcp_get_info(F.s, F.sock, &info);
	ck_assert_uint_eq(info.cwnd, 4 * 1460);
}
END_TEST

START_TEST(test_third_dup_ack_triggers_fast_retransmit_before_rto)
{
	fx_start(&F);
	fx_active_established(&F);
	uint32_t una = F.peer_ack;
	tcp_send(F.s, F.now, F.sock, big, 3 * 1460);
	ck_assert_uint_eq(fx_pending(&F), 3);
	F.head = F.tail;
	fx_advance(&F, 5 * MS);
	/* segment 1 lost: segments 2 and 3 and one more... each draws a duplicate ACK */
	fx_send(&F, TCPF_ACK, NULL, 0);
	fx_send(&F, TCPF_ACK, NULL, 0);
	fx_recv_nothing(&F);
	fx_send(&F, TCPF_ACK, NULL, 0);
	struct segment *r = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(r->seq, una);
	ck_assert_uint_eq(r->payload_len, 1460);
	struct tcp_info_view info;
	tcp_get_info(F.s, F.sock, &info);
	ck_assert_uint_eq(info.ssthresh, 2 * 1460); /* max(FlightSize / 2, 2 * SMSS) */
	ck_assert_uint_eq(info.cwnd, info.ssthresh + 3 * 1460);
	ck_assert_uint_eq(stack_get_stats(F.s)->tcp_fast_retransmits, 1);
	/* the full ACK ends recovery: RFC 6582 3.2 step 3 option 1, min(ssthresh,
	 * max(FlightSize, SMSS) + SMSS); nothing in flight, so two segments, not one */
	F.peer_ack = una + 3 * 1460;
	fx_send(&F, TCPF_ACK, NULL, 0);
	tcp_get_info(F.s, F.sock, &info);
	ck_assert_uint_eq(info.cwnd, 2 * 1460);
	ck_assert_uint_eq(stack_next_deadline(F.s), STACK_TIME_NEVER);
}
END_TEST

START_TEST(test_partial_ack_in_recovery_retransmits_next_hole)
{
	fx_start(&F);
	fx_active_established(&F);
	uint32_t una = F.peer_ack;
	tcp_send(F.s, F.now, F.sock, big, 3 * 1460);
	F.head = F.tail;
	for (int i = 0; i < 3; i++)
		fx_send(&F, TCPF_ACK, NULL, 0);
	fx_recv_one(&F, TCPF_ACK);
	/* segments 1 and 2 were lost: the retransmission of 1 draws an ACK for 1 only */
	F.peer_ack = una + 1460;
	fx_send(&F, TCPF_ACK, NULL, 0);
	struct segment *r = fx_recv(&F);
	ck_assert_uint_eq(r->seq, una + 1460);
	ck_assert_uint_eq(r->payload_len, 1460);
}
END_TEST

START_TEST(test_rto_resets_cwnd_to_one_segment_and_goes_back_n)
{
	fx_start(&F);
	fx_active_established(&F);
	uint32_t una = F.peer_ack;
	tcp_send(F.s, F.now, F.sock, big, 3 * 1460);
	F.head = F.tail;
	fx_advance(&F, 200 * MS);
	struct segment *r = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(r->seq, una);
	struct tcp_info_view info;
	tcp_get_info(F.s, F.sock, &info);
	ck_assert_uint_eq(info.cwnd, 1460);
	ck_assert_uint_eq(info.ssthresh, 2 * 1460);
	/* the ACK of the first opens cwnd to 2 segments: segments 2 and 3 again */
	F.peer_ack = una + 1460;
	fx_send(&F, TCPF_ACK, NULL, 0);
	ck_assert_uint_eq(fx_pending(&F), 2);
	ck_assert_uint_eq(fx_recv(&F)->seq, una + 1460);
	ck_assert_uint_eq(fx_recv(&F)->seq, una + 2920);
}
END_TEST

START_TEST(test_send_buffer_full_returns_eagain_then_writable_event)
{
	F.tun.sndbuf = 3000;
	F.tun.sndbuf_max = 3000; /* no autotuning */
	fx_start(&F);
	fx_active_established(&F);
	ck_assert_int_eq(tcp_send(F.s, F.now, F.sock, big, 5000), 3000);
	ck_assert_int_eq(tcp_send(F.s, F.now, F.sock, big, 10), -EAGAIN);
	F.head = F.tail;
	F.peer_ack += 1460;
	fx_send(&F, TCPF_ACK, NULL, 0);
	ck_assert_uint_eq(fx_count_events(&F, STACK_EV_WRITABLE, F.sock), 1);
	ck_assert_int_eq(tcp_send(F.s, F.now, F.sock, big, 5000), 1460);
}
END_TEST

START_TEST(test_data_queued_in_syn_sent_leaves_after_the_handshake)
{
	fx_start(&F);
	F.sock = tcp_connect(F.s, F.now, F.lport, FX_PEER, F.pport);
	struct segment *syn = fx_recv_one(&F, TCPF_SYN);
	ck_assert_int_eq(tcp_send(F.s, F.now, F.sock, "early", 5), 5);
	fx_recv_nothing(&F);
	F.peer_ack = syn->seq + 1;
	F.peer_seq = FX_PEER_ISS;
	fx_send(&F, TCPF_SYN | TCPF_ACK, NULL, 0);
	struct segment *d = fx_recv_one(&F, TCPF_ACK | TCPF_PSH);
	ck_assert_uint_eq(d->payload_len, 5);
	ck_assert_uint_eq(d->ack, F.peer_seq);
}
END_TEST

START_TEST(test_bare_fin_is_taken_with_a_zero_window)
{
	char buf[100];
	F.tun.rcvbuf = 100;
	fx_start(&F);
	fx_passive_established(&F);
	fx_send(&F, TCPF_ACK, big, 100);
	fx_advance(&F, 40 * MS);
	ck_assert_uint_eq(fx_recv_one(&F, TCPF_ACK)->win, 0);
	fx_send(&F, TCPF_ACK | TCPF_FIN, NULL, 0);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_CLOSE_WAIT);
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, buf, sizeof(buf)), 100);
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(test_cwnd_restarts_from_initial_window_after_idle)
{
	fx_start(&F);
	fx_active_established(&F);
	tcp_send(F.s, F.now, F.sock, big, 3 * 1460);
	F.head = F.tail;
	F.peer_ack += 3 * 1460;
	fx_send(&F, TCPF_ACK, NULL, 0);
	struct tcp_info_view info;
	tcp_get_info(F.s, F.sock, &info);
	ck_assert_uint_eq(info.cwnd, 4 * 1460); /* one ACK: + min(acked, SMSS) */
	/* idle for less than the RTO: the window is kept */
	fx_advance(&F, 100 * MS);
	tcp_send(F.s, F.now, F.sock, big, 6 * 1460);
	ck_assert_uint_eq(fx_pending(&F), 4);
	F.head = F.tail;
	F.peer_ack += 4 * 1460;
	fx_send(&F, TCPF_ACK, NULL, 0);
	ck_assert_uint_eq(fx_pending(&F), 2); /* the rest of the 6 */
	F.head = F.tail;
	F.peer_ack += 2 * 1460;
	fx_send(&F, TCPF_ACK, NULL, 0);
	tcp_get_info(F.s, F.sock, &info);
	ck_assert_uint_eq(info.cwnd, 6 * 1460);
	/* idle for longer: back to IW (3 segments) */
	fx_advance(&F, 1 * SEC);
	tcp_send(F.s, F.now, F.sock, big, 6 * 1460);
	ck_assert_uint_eq(fx_pending(&F), 3);
}
END_TEST

static Suite *tcp_data_suite(void)
{
	Suite *s = suite_create("tcp_data");
	TCase *r = tcase_create("receive");
	tcase_add_checked_fixture(r, setup, teardown);
	tcase_add_test(r, test_in_order_data_is_readable_with_an_event);
	tcase_add_test(r, test_out_of_order_segment_draws_dup_ack_and_is_reassembled);
	tcase_add_test(r, test_overlapping_and_duplicate_segments_are_trimmed);
	tcase_add_test(r, test_out_of_order_fin_is_processed_when_the_hole_fills);
	tcase_add_test(r, test_segment_beyond_the_window_is_trimmed);
	tcase_add_test(r, test_window_closes_as_buffer_fills_and_reopens_after_read);
	tcase_add_test(r, test_bare_fin_is_taken_with_a_zero_window);
	suite_add_tcase(s, r);

	TCase *snd = tcase_create("send");
	tcase_add_checked_fixture(snd, setup, teardown);
	tcase_add_test(snd, test_zero_window_is_probed_with_backoff_until_it_opens);
	tcase_add_test(snd, test_zero_window_probes_back_off_when_each_byte_is_taken);
	tcase_add_test(snd, test_nagle_holds_small_segment_while_data_is_in_flight);
	tcase_add_test(snd, test_nodelay_sends_small_segments_at_once);
	tcase_add_test(snd, test_nagle_released_by_nodelay_switch);
	tcase_add_test(snd, test_peer_mss_limits_segment_size_and_initial_window);
	tcase_add_test(snd, test_send_buffer_full_returns_eagain_then_writable_event);
	tcase_add_test(snd, test_data_queued_in_syn_sent_leaves_after_the_handshake);
	suite_add_tcase(s, snd);

	TCase *cc = tcase_create("congestion");
	tcase_add_checked_fixture(cc, setup, teardown);
	tcase_add_test(cc, test_slow_start_grows_cwnd_by_one_mss_per_ack);
	tcase_add_test(cc, test_third_dup_ack_triggers_fast_retransmit_before_rto);
	tcase_add_test(cc, test_partial_ack_in_recovery_retransmits_next_hole);
	tcase_add_test(cc, test_rto_resets_cwnd_to_one_segment_and_goes_back_n);
	tcase_add_test(cc, test_cwnd_restarts_from_initial_window_after_idle);
	suite_add_tcase(s, cc);
	return s;
}

int main(void)
{
	return synfin_run_suite(tcp_data_suite());
}
