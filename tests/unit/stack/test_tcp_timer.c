/* test_tcp_timer.c: retransmission timing (RFC 6298, SYN and SYN-ACK schedules), the RTO
 * estimator, delayed ACKs (RFC 1122 4.2.3.2) and the retry limits. Exact virtual times. */
#include "stack_fixture.h"
#include "test_support.h"

static struct fx F;

static void setup(void)
{
	fx_init(&F);
}

static void teardown(void)
{
	fx_free(&F);
}

/* Expect nothing until 1 us before `at`, then exactly one segment with flags at `at`. */
static struct segment *expect_at(uint64_t at, uint8_t flags)
{
	fx_run_until(&F, at - 1);
	fx_recv_nothing(&F);
	fx_run_until(&F, at);
	struct segment *seg = fx_recv_one(&F, flags);
	ck_assert_uint_eq(fx_last_at(&F), at);
	return seg;
}

START_TEST(test_syn_sent_all_syns_lost_times_out_at_63s)
{
	fx_start(&F);
	uint64_t t0 = F.now;
	F.sock = tcp_connect(F.s, F.now, F.lport, FX_PEER, F.pport);
	uint32_t iss = fx_recv_one(&F, TCPF_SYN)->seq;
	const uint64_t at[] = {1, 3, 7, 15, 31};
	for (unsigned i = 0; i < 5; i++) {
		/* nothing 1 ms early, one SYN with the same ISN on time */
		fx_run_until(&F, t0 + at[i] * SEC - 1 * MS);
		fx_recv_nothing(&F);
		struct segment *syn = expect_at(t0 + at[i] * SEC, TCPF_SYN);
		ck_assert_uint_eq(syn->seq, iss);
	}
	fx_run_until(&F, t0 + 63 * SEC - 1);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_SYN_SENT);
	fx_run_until(&F, t0 + 63 * SEC);
	fx_recv_nothing(&F);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_CLOSED);
	ck_assert_int_eq(tcp_get_error(F.s, F.sock), -ETIMEDOUT);
	ck_assert_int_eq(fx_last_error_event(&F, F.sock), -ETIMEDOUT);
	ck_assert_uint_eq(stack_get_stats(F.s)->tcp_retransmits, 5);
	ck_assert_uint_eq(stack_next_deadline(F.s), STACK_TIME_NEVER);
}
END_TEST

START_TEST(test_syn_sent_linear_timeouts_4_sends_ten_syns_and_fails_at_67s)
{
	F.tun.syn_linear_timeouts = 4;
	fx_start(&F);
	uint64_t t0 = F.now;
	F.sock = tcp_connect(F.s, F.now, F.lport, FX_PEER, F.pport);
	fx_recv_one(&F, TCPF_SYN);
	const uint64_t at[] = {1, 2, 3, 4, 5, 7, 11, 19, 35};
	for (unsigned i = 0; i < 9; i++)
		expect_at(t0 + at[i] * SEC, TCPF_SYN);
	fx_run_until(&F, t0 + 67 * SEC - 1);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_SYN_SENT);
	fx_run_until(&F, t0 + 67 * SEC);
	ck_assert_int_eq(tcp_get_error(F.s, F.sock), -ETIMEDOUT);
	fx_recv_nothing(&F);
}
END_TEST

START_TEST(test_syn_retries_2_fails_at_7s)
{
	F.tun.syn_retries = 2;
	fx_start(&F);
	uint64_t t0 = F.now;
	F.sock = tcp_connect(F.s, F.now, F.lport, FX_PEER, F.pport);
	fx_recv_one(&F, TCPF_SYN);
	expect_at(t0 + 1 * SEC, TCPF_SYN);
	expect_at(t0 + 3 * SEC, TCPF_SYN);
	fx_run_until(&F, t0 + 7 * SEC);
	ck_assert_int_eq(tcp_get_error(F.s, F.sock), -ETIMEDOUT);
	fx_recv_nothing(&F);
}
END_TEST

START_TEST(test_syn_backoff_stops_at_rto_max)
{
	F.tun.syn_retries = 4;
	F.tun.rto_max = 3 * SEC;
	fx_start(&F);
	uint64_t t0 = F.now;
	F.sock = tcp_connect(F.s, F.now, F.lport, FX_PEER, F.pport);
	fx_recv_one(&F, TCPF_SYN);
	expect_at(t0 + 1 * SEC, TCPF_SYN);
	expect_at(t0 + 3 * SEC, TCPF_SYN);
	expect_at(t0 + 6 * SEC, TCPF_SYN);
	expect_at(t0 + 9 * SEC, TCPF_SYN);
	fx_run_until(&F, t0 + 12 * SEC);
	ck_assert_int_eq(tcp_get_error(F.s, F.sock), -ETIMEDOUT);
}
END_TEST

START_TEST(test_syn_received_syn_ack_retransmitted_then_dropped_at_63s)
{
	fx_start(&F);
	F.listener = tcp_listen(F.s, F.lport, 4);
	uint64_t t0 = F.now;
	fx_send_raw(&F, TCPF_SYN, 1000, 0, NULL, 0);
	uint32_t iss = fx_recv_one(&F, TCPF_SYN | TCPF_ACK)->seq;
	const uint64_t at[] = {1, 3, 7, 15, 31};
	for (unsigned i = 0; i < 5; i++)
		ck_assert_uint_eq(expect_at(t0 + at[i] * SEC, TCPF_SYN | TCPF_ACK)->seq, iss);
	fx_run_until(&F, t0 + 63 * SEC);
	fx_recv_nothing(&F);
	ck_assert_uint_eq(stack_next_deadline(F.s), STACK_TIME_NEVER);
	ck_assert_int_eq(tcp_accept(F.s, F.listener), -EAGAIN);
	ck_assert_int_eq(tcp_get_state(F.s, F.listener), TCPS_LISTEN);
}
END_TEST

START_TEST(test_synack_retries_tunable)
{
	F.tun.synack_retries = 1;
	fx_start(&F);
	F.listener = tcp_listen(F.s, F.lport, 4);
	uint64_t t0 = F.now;
	fx_send_raw(&F, TCPF_SYN, 1000, 0, NULL, 0);
	fx_recv_one(&F, TCPF_SYN | TCPF_ACK);
	expect_at(t0 + 1 * SEC, TCPF_SYN | TCPF_ACK);
	fx_run_until(&F, t0 + 3 * SEC);
	fx_recv_nothing(&F);
	ck_assert_uint_eq(stack_next_deadline(F.s), STACK_TIME_NEVER);
}
END_TEST

START_TEST(test_rto_first_sample_then_second_per_rfc6298)
{
	fx_start(&F);
	fx_active_established(&F);
	struct tcp_conn *c = fx_conn(&F);
	/* start over from "no sample" to check 2.2 and 2.3 with round numbers */
	c->rtt_valid = false;
	tcp_rtt_sample(c, 100 * MS);
	ck_assert_uint_eq(c->srtt, 100 * MS);
	ck_assert_uint_eq(c->rttvar, 50 * MS);
	ck_assert_uint_eq(c->rto, 300 * MS); /* SRTT + 4 * RTTVAR */
	tcp_rtt_sample(c, 200 * MS);
	ck_assert_uint_eq(c->rttvar, 62500); /* 3/4 * 50 + 1/4 * |100 - 200| */
	ck_assert_uint_eq(c->srtt, 112500);  /* 7/8 * 100 + 1/8 * 200 */
	ck_assert_uint_eq(c->rto, 362500);
}
END_TEST

START_TEST(test_rto_is_clamped_to_rto_min_and_rto_max)
{
	fx_start(&F);
	fx_active_established(&F);
	struct tcp_conn *c = fx_conn(&F);
	c->rtt_valid = false;
	tcp_rtt_sample(c, 1 * MS);
	ck_assert_uint_eq(c->rto, 200 * MS);
	c->rtt_valid = false;
	tcp_rtt_sample(c, 100 * SEC);
	ck_assert_uint_eq(c->rto, 120 * SEC);
}
END_TEST

START_TEST(test_rtt_sample_only_from_an_ack_beyond_the_timed_segment)
{
	fx_start(&F);
	fx_active_established(&F);
	struct tcp_conn *c = fx_conn(&F);
	c->rtt_valid = false;
	tcp_rtt_start(c, 1 * SEC, 5000);
	tcp_rtt_acked(c, 1 * SEC + 50 * MS, 5000); /* does not cover seq 5000 */
	ck_assert(c->rtt_timing);
	ck_assert(!c->rtt_valid);
	tcp_rtt_acked(c, 1 * SEC + 100 * MS, 5001);
	ck_assert(!c->rtt_timing);
	ck_assert_uint_eq(c->srtt, 100 * MS);
	/* no second sample until another segment is timed */
	tcp_rtt_acked(c, 2 * SEC, 9000);
	ck_assert_uint_eq(c->srtt, 100 * MS);
}
END_TEST

START_TEST(test_ssthresh_after_loss_is_half_the_flight_but_at_least_two_segments)
{
	fx_start(&F);
	fx_active_established(&F);
	struct tcp_conn *c = fx_conn(&F);
	c->snd_mss = 1000;
	c->snd_una = 10000;
	c->snd_max = 10000 + 9000;
	ck_assert_uint_eq(tcp_cong_loss(c, tcp_flight_size(c)), 4500);
	c->snd_max = 10000 + 3000;
	ck_assert_uint_eq(tcp_cong_loss(c, tcp_flight_size(c)), 2000);
}
END_TEST

START_TEST(test_data_retransmission_doubles_and_gives_up_after_retries2)
{
	F.tun.retries2 = 3;
	fx_start(&F);
	fx_active_established(&F);
	/* RTT 10 ms: RTO = max(10 + 4 * 5, rto_min) = 200 ms */
	uint64_t t0 = F.now;
	ck_assert_int_eq(tcp_send(F.s, F.now, F.sock, "abcd", 4), 4);
	struct segment *d = fx_recv_one(&F, TCPF_PSH | TCPF_ACK);
	uint32_t seq = d->seq;
	ck_assert_uint_eq(expect_at(t0 + 200 * MS, TCPF_PSH | TCPF_ACK)->seq, seq);
	ck_assert_uint_eq(expect_at(t0 + 600 * MS, TCPF_PSH | TCPF_ACK)->seq, seq);
	ck_assert_uint_eq(expect_at(t0 + 1400 * MS, TCPF_PSH | TCPF_ACK)->seq, seq);
	fx_run_until(&F, t0 + 3000 * MS - 1);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_ESTABLISHED);
	fx_run_until(&F, t0 + 3000 * MS);
	fx_recv_nothing(&F);
	ck_assert_int_eq(tcp_get_error(F.s, F.sock), -ETIMEDOUT);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_CLOSED);
}
END_TEST

START_TEST(test_fin_is_retransmitted_on_rto)
{
	fx_start(&F);
	fx_active_established(&F);
	uint64_t t0 = F.now;
	fx_to_fin_wait_1(&F);
	struct segment *fin = expect_at(t0 + 200 * MS, TCPF_FIN | TCPF_ACK);
	ck_assert_uint_eq(fin->seq, F.peer_ack);
	expect_at(t0 + 600 * MS, TCPF_FIN | TCPF_ACK);
}
END_TEST

START_TEST(test_karn_no_rtt_sample_from_retransmitted_segment)
{
	fx_start(&F);
	fx_active_established(&F);
	struct tcp_conn *c = fx_conn(&F);
	uint64_t srtt = c->srtt;
	tcp_send(F.s, F.now, F.sock, "abcd", 4);
	fx_recv_one(&F, TCPF_PSH | TCPF_ACK);
	fx_advance(&F, 200 * MS);
	fx_recv_one(&F, TCPF_PSH | TCPF_ACK);
	fx_advance(&F, 50 * MS);
	F.peer_ack += 4;
	fx_send(&F, TCPF_ACK, NULL, 0);
	ck_assert_uint_eq(c->srtt, srtt);
	ck_assert_uint_eq(c->rto, 400 * MS); /* the backed-off RTO stays until a new sample */
	/* the next new segment is timed again */
	tcp_send(F.s, F.now, F.sock, "efgh", 4);
	fx_recv_one(&F, TCPF_PSH | TCPF_ACK);
	fx_advance(&F, 30 * MS);
	F.peer_ack += 4;
	fx_send(&F, TCPF_ACK, NULL, 0);
	ck_assert_uint_ne(c->srtt, srtt);
}
END_TEST

START_TEST(test_rto_after_retransmitted_syn_without_sample_is_3s)
{
	fx_start(&F);
	F.sock = tcp_connect(F.s, F.now, F.lport, FX_PEER, F.pport);
	struct segment *syn = fx_recv_one(&F, TCPF_SYN);
	F.peer_ack = syn->seq + 1;
	F.peer_seq = FX_PEER_ISS;
	fx_advance(&F, 1 * SEC);
	fx_recv_one(&F, TCPF_SYN);
	fx_send(&F, TCPF_SYN | TCPF_ACK, NULL, 0);
	fx_recv_one(&F, TCPF_ACK);
	struct tcp_info_view info;
	tcp_get_info(F.s, F.sock, &info);
	ck_assert_uint_eq(info.srtt, 0);
	ck_assert_uint_eq(info.rto, 3 * SEC);
}
END_TEST

START_TEST(test_delayed_ack_nothing_before_40ms_one_ack_at_40ms)
{
	fx_start(&F);
	fx_passive_established(&F);
	uint64_t t0 = F.now;
	fx_send(&F, TCPF_ACK | TCPF_PSH, "ping", 4);
	struct segment *ack = expect_at(t0 + 40 * MS, TCPF_ACK);
	ck_assert_uint_eq(ack->ack, F.peer_seq);
	fx_advance(&F, 1 * SEC);
	fx_recv_nothing(&F);
	ck_assert_uint_eq(stack_get_stats(F.s)->tcp_delayed_acks, 1);
}
END_TEST

START_TEST(test_delayed_ack_timer_is_delack_min)
{
	F.tun.delack_min = 25 * MS;
	fx_start(&F);
	fx_passive_established(&F);
	uint64_t t0 = F.now;
	fx_send(&F, TCPF_ACK | TCPF_PSH, "ping", 4);
	expect_at(t0 + 25 * MS, TCPF_ACK);
}
END_TEST

START_TEST(test_every_second_full_sized_segment_is_acked_at_once)
{
	static char buf[1460];
	F.tun.stretch_ack_segs = 2;
	fx_start(&F);
	fx_passive_established(&F);
	fx_send(&F, TCPF_ACK, buf, sizeof(buf));
	fx_recv_nothing(&F);
	fx_advance(&F, 1 * MS);
	fx_send(&F, TCPF_ACK, buf, sizeof(buf));
	struct segment *ack = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(ack->ack, F.peer_seq);
	/* the third waits again */
	fx_send(&F, TCPF_ACK, buf, sizeof(buf));
	fx_recv_nothing(&F);
	fx_advance(&F, 40 * MS);
	fx_recv_one(&F, TCPF_ACK);
}
END_TEST

/* As Linux: while what came is unread the window would shrink, so the ACK of the second
 * segment waits for the application's read, which sends one ACK for all that came. */
START_TEST(test_unread_segments_are_acked_when_the_application_reads)
{
	static char buf[1460];
	char out[8 * 1460];
	fx_start(&F);
	fx_passive_established(&F);
	for (int i = 0; i < 6; i++)
		fx_send(&F, TCPF_ACK, buf, sizeof(buf));
	fx_recv_nothing(&F);
	fx_advance(&F, 1 * MS);
	fx_recv_nothing(&F);
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, out, 1000), 1000);
	struct segment *ack = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(ack->ack, F.peer_seq);
	/* the rest of the read has no ACK to send */
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, out, sizeof(out)), 6 * 1460 - 1000);
	fx_recv_nothing(&F);
	/* read as it comes, the second segment is ACKed at its read */
	fx_send(&F, TCPF_ACK, buf, sizeof(buf));
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, out, sizeof(out)), 1460);
	fx_recv_nothing(&F);
	fx_send(&F, TCPF_ACK, buf, sizeof(buf));
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, out, sizeof(out)), 1460);
	fx_recv_one(&F, TCPF_ACK);
	/* unread, one segment still waits for the delayed-ACK timer */
	fx_send(&F, TCPF_ACK, buf, sizeof(buf));
	fx_recv_nothing(&F);
	fx_advance(&F, 40 * MS);
	fx_recv_one(&F, TCPF_ACK);
}
END_TEST

START_TEST(test_two_small_segments_do_not_force_an_ack)
{
	fx_start(&F);
	fx_passive_established(&F);
	uint64_t t0 = F.now;
	fx_send(&F, TCPF_ACK | TCPF_PSH, "a", 1);
	fx_advance(&F, 5 * MS);
	fx_send(&F, TCPF_ACK | TCPF_PSH, "b", 1);
	fx_recv_nothing(&F);
	/* one timer from the first segment */
	struct segment *ack = expect_at(t0 + 40 * MS, TCPF_ACK);
	ck_assert_uint_eq(ack->ack, F.peer_seq);
}
END_TEST

START_TEST(test_delayed_ack_rides_on_response_data)
{
	fx_start(&F);
	fx_passive_established(&F);
	fx_send(&F, TCPF_ACK | TCPF_PSH, "GET /", 5);
	fx_advance(&F, 10 * MS);
	fx_recv_nothing(&F);
	tcp_send(F.s, F.now, F.sock, "200 OK", 6);
	struct segment *d = fx_recv_one(&F, TCPF_PSH | TCPF_ACK);
	ck_assert_uint_eq(d->ack, F.peer_seq);
	fx_advance(&F, 100 * MS);
	/* no stray ACK; the data is retransmitted later only if unacknowledged */
	ck_assert_uint_eq(stack_get_stats(F.s)->tcp_delayed_acks, 0);
}
END_TEST

START_TEST(test_quickack_acks_first_segments_at_once)
{
	F.tun.quickack = 2;
	fx_start(&F);
	fx_passive_established(&F);
	fx_send(&F, TCPF_ACK | TCPF_PSH, "a", 1);
	fx_recv_one(&F, TCPF_ACK);
	fx_send(&F, TCPF_ACK | TCPF_PSH, "b", 1);
	fx_recv_one(&F, TCPF_ACK);
	fx_send(&F, TCPF_ACK | TCPF_PSH, "c", 1);
	fx_recv_nothing(&F);
}
END_TEST

START_TEST(test_fin_ack_is_delayed_even_in_quickack_mode)
{
	F.tun.quickack = 16;
	fx_start(&F);
	fx_passive_established(&F);
	uint64_t t0 = F.now;
	fx_to_close_wait(&F);
	expect_at(t0 + 40 * MS, TCPF_ACK);
}
END_TEST

static Suite *tcp_timer_suite(void)
{
	Suite *s = suite_create("tcp_timer");
	TCase *h = tcase_create("handshake");
	tcase_add_checked_fixture(h, setup, teardown);
	tcase_add_test(h, test_syn_sent_all_syns_lost_times_out_at_63s);
	tcase_add_test(h, test_syn_sent_linear_timeouts_4_sends_ten_syns_and_fails_at_67s);
	tcase_add_test(h, test_syn_retries_2_fails_at_7s);
	tcase_add_test(h, test_syn_backoff_stops_at_rto_max);
	tcase_add_test(h, test_syn_received_syn_ack_retransmitted_then_dropped_at_63s);
	tcase_add_test(h, test_synack_retries_tunable);
	suite_add_tcase(s, h);

	TCase *r = tcase_create("rto");
	tcase_add_checked_fixture(r, setup, teardown);
	tcase_add_test(r, test_rto_first_sample_then_second_per_rfc6298);
	tcase_add_test(r, test_rto_is_clamped_to_rto_min_and_rto_max);
	tcase_add_test(r, test_rtt_sample_only_from_an_ack_beyond_the_timed_segment);
	tcase_add_test(r, test_ssthresh_after_loss_is_half_the_flight_but_at_least_two_segments);
	tcase_add_test(r, test_data_retransmission_doubles_and_gives_up_after_retries2);
	tcase_add_test(r, test_fin_is_retransmitted_on_rto);
	tcase_add_test(r, test_karn_no_rtt_sample_from_retransmitted_segment);
	tcase_add_test(r, test_rto_after_retransmitted_syn_without_sample_is_3s);
	suite_add_tcase(s, r);

	TCase *d = tcase_create("delayed ack");
	tcase_add_checked_fixture(d, setup, teardown);
	tcase_add_test(d, test_delayed_ack_nothing_before_40ms_one_ack_at_40ms);
	tcase_add_test(d, test_delayed_ack_timer_is_delack_min);
	tcase_add_test(d, test_every_second_full_sized_segment_is_acked_at_once);
	tcase_add_test(d, test_unread_segments_are_acked_when_the_application_reads);
	tcase_add_test(d, test_two_small_segments_do_not_force_an_ack);
	tcase_add_test(d, test_delayed_ack_rides_on_response_data);
	tcase_add_test(d, test_quickack_acks_first_segments_at_once);
	tcase_add_test(d, test_fin_ack_is_delayed_even_in_quickack_mode);
	suite_add_tcase(s, d);
	return s;
}

int main(void)
{
	return synfin_run_suite(tcp_timer_suite());
}
