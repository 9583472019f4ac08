/* test_tcp_conn.c: opening connections - every RFC 9293 state and transition from CLOSED and
 * LISTEN to ESTABLISHED -, RST and SYN handling with the RFC 5961 checks, and a connection's
 * identity (ISN, ports). Closing is test_tcp_close.c's. */
#include "stack_fixture.h"
#include "tcp_conn_fixture.h"
#include "test_support.h"

START_TEST(test_closed_connect_sends_syn_with_mss_and_enters_syn_sent)
{
	F.sock = tcp_connect(F.s, F.now, 0, FX_PEER, 80);
	ck_assert_int_gt(F.sock, 0);
	struct segment *syn = fx_recv_one(&F, TCPF_SYN);
	/* as a Linux SYN: mss 1460,sackOK,TS val V ecr 0,nop,wscale 7 (6 MB rcvbuf_max) */
	const uint8_t head[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10};
	const uint8_t tail[] = {0, 0, 0, 0, 1, 3, 3, 7};
	ck_assert_uint_eq(syn->options_len, 20);
	ck_assert_mem_eq(syn->options, head, sizeof(head));
	ck_assert_mem_eq(syn->options + 12, tail, sizeof(tail));
	ck_assert_uint_ge(syn->sport, 32768);
	ck_assert_uint_le(syn->sport, 60999);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_SYN_SENT);
	ck_assert_str_eq(trans(F.sock), "CLOSED -> SYN-SENT");
}
END_TEST

START_TEST(test_syn_sent_syn_ack_establishes_and_acks)
{
	fx_active_established(&F);
	ck_assert_uint_eq(F.last.ack, F.peer_seq);
	ck_assert_uint_eq(F.last.seq, F.peer_ack);
	ck_assert_str_eq(trans(F.sock), "CLOSED -> SYN-SENT, SYN-SENT -> ESTABLISHED");
	ck_assert_uint_eq(fx_count_events(&F, STACK_EV_CONNECTED, F.sock), 1);
	struct tcp_info_view info;
	ck_assert_int_eq(tcp_get_info(F.s, F.sock, &info), 0);
	ck_assert_uint_eq(info.srtt, 10 * MS); /* the SYN's round trip (RFC 6298 2.2) */
	ck_assert_uint_eq(info.rto, 30 * MS > 200 * MS ? 30 * MS : 200 * MS);
}
END_TEST

START_TEST(test_syn_sent_rst_with_acceptable_ack_is_connection_refused)
{
	F.sock = tcp_connect(F.s, F.now, F.lport, FX_PEER, F.pport);
	struct segment *syn = fx_recv_one(&F, TCPF_SYN);
	fx_send_raw(&F, TCPF_RST | TCPF_ACK, 0, syn->seq + 1, NULL, 0);
	fx_recv_nothing(&F);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_CLOSED);
	ck_assert_int_eq(tcp_get_error(F.s, F.sock), -ECONNREFUSED);
	ck_assert_int_eq(fx_last_error_event(&F, F.sock), -ECONNREFUSED);
	ck_assert_str_eq(trans(F.sock), "CLOSED -> SYN-SENT, SYN-SENT -> CLOSED");
}
END_TEST

START_TEST(test_syn_sent_rst_without_ack_is_ignored)
{
	F.sock = tcp_connect(F.s, F.now, F.lport, FX_PEER, F.pport);
	struct segment *syn = fx_recv_one(&F, TCPF_SYN);
	fx_send_raw(&F, TCPF_RST, syn->seq + 1, 0, NULL, 0);
	fx_recv_nothing(&F);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_SYN_SENT);
	ck_assert_uint_eq(stack_get_stats(F.s)->drops[STACK_DROP_TCP_SYN_SENT], 1);
}
END_TEST

START_TEST(test_syn_sent_unacceptable_ack_draws_rst)
{
	F.sock = tcp_connect(F.s, F.now, F.lport, FX_PEER, F.pport);
	struct segment *syn = fx_recv_one(&F, TCPF_SYN);
	uint32_t bad = syn->seq + 100;
	fx_send_raw(&F, TCPF_SYN | TCPF_ACK, 5, bad, NULL, 0);
	struct segment *rst = fx_recv_one(&F, TCPF_RST);
	ck_assert_uint_eq(rst->seq, bad);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_SYN_SENT);
}
END_TEST

START_TEST(test_syn_sent_simultaneous_open_goes_through_syn_received)
{
	F.sock = tcp_connect(F.s, F.now, F.lport, FX_PEER, F.pport);
	struct segment *syn = fx_recv_one(&F, TCPF_SYN);
	uint32_t iss = syn->seq;
	F.peer_seq = FX_PEER_ISS;
	F.peer_ack = iss + 1;
	/* the peer's own SYN crosses ours */
	fx_send_raw(&F, TCPF_SYN, F.peer_seq, 0, NULL, 0);
	F.peer_seq++;
	struct segment *sa = fx_recv_one(&F, TCPF_SYN | TCPF_ACK);
	ck_assert_uint_eq(sa->seq, iss); /* the same ISS again (RFC 9293 figure 7) */
	ck_assert_uint_eq(sa->ack, F.peer_seq);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_SYN_RECEIVED);
	/* the peer's SYN-ACK acknowledges our SYN */
	fx_send_raw(&F, TCPF_SYN | TCPF_ACK, FX_PEER_ISS, iss + 1, NULL, 0);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_ESTABLISHED);
	ck_assert_str_eq(trans(F.sock), "CLOSED -> SYN-SENT, SYN-SENT -> SYN-RECEIVED, "
	                                "SYN-RECEIVED -> ESTABLISHED");
	ck_assert_uint_eq(fx_count_events(&F, STACK_EV_CONNECTED, F.sock), 1);
}
END_TEST

START_TEST(test_listen_syn_answers_syn_ack_and_ack_completes_accept)
{
	fx_passive_established(&F);
	ck_assert_str_eq(trans(F.sock), "CLOSED -> SYN-RECEIVED, SYN-RECEIVED -> ESTABLISHED");
	ck_assert_uint_eq(fx_count_events(&F, STACK_EV_ACCEPT, F.listener), 1);
	ck_assert_int_eq(tcp_accept(F.s, F.listener), -EAGAIN);
	ck_assert_int_eq(tcp_get_state(F.s, F.listener), TCPS_LISTEN);
}
END_TEST

START_TEST(test_listen_ack_draws_rst_and_listener_stays)
{
	F.listener = tcp_listen(F.s, F.lport, 4);
	fx_send_raw(&F, TCPF_ACK, 1000, 777, NULL, 0);
	struct segment *rst = fx_recv_one(&F, TCPF_RST);
	ck_assert_uint_eq(rst->seq, 777);
	ck_assert_int_eq(tcp_get_state(F.s, F.listener), TCPS_LISTEN);
}
END_TEST

START_TEST(test_closed_port_syn_draws_rst_ack)
{
	fx_send_raw(&F, TCPF_SYN, 1000, 0, NULL, 0);
	struct segment *rst = fx_recv_one(&F, TCPF_RST | TCPF_ACK);
	ck_assert_uint_eq(rst->seq, 0);
	ck_assert_uint_eq(rst->ack, 1001);
	ck_assert_uint_eq(stack_get_stats(F.s)->drops[STACK_DROP_TCP_NO_SOCKET], 1);
	/* and a RST is never answered */
	fx_send_raw(&F, TCPF_RST, 1000, 0, NULL, 0);
	fx_recv_nothing(&F);
}
END_TEST

START_TEST(test_listen_full_backlog_drops_syn)
{
	F.listener = tcp_listen(F.s, F.lport, 1);
	F.pport = 1111;
	fx_send_raw(&F, TCPF_SYN, 1000, 0, NULL, 0);
	fx_recv_one(&F, TCPF_SYN | TCPF_ACK);
	F.pport = 2222;
	fx_send_raw(&F, TCPF_SYN, 5000, 0, NULL, 0);
	fx_recv_nothing(&F);
	ck_assert_uint_eq(stack_get_stats(F.s)->drops[STACK_DROP_TCP_BACKLOG_FULL], 1);
}
END_TEST

START_TEST(test_syn_received_retransmitted_syn_resends_syn_ack)
{
	F.listener = tcp_listen(F.s, F.lport, 4);
	fx_send_raw(&F, TCPF_SYN, 1000, 0, NULL, 0);
	struct segment *sa = fx_recv_one(&F, TCPF_SYN | TCPF_ACK);
	uint32_t iss = sa->seq;
	fx_advance(&F, 500 * MS);
	fx_send_raw(&F, TCPF_SYN, 1000, 0, NULL, 0);
	sa = fx_recv_one(&F, TCPF_SYN | TCPF_ACK);
	ck_assert_uint_eq(sa->seq, iss);
	ck_assert_uint_eq(sa->ack, 1001);
}
END_TEST

START_TEST(test_syn_received_rst_returns_to_listen)
{
	F.listener = tcp_listen(F.s, F.lport, 4);
	fx_send_raw(&F, TCPF_SYN, 1000, 0, NULL, 0);
	fx_recv_one(&F, TCPF_SYN | TCPF_ACK);
	fx_send_raw(&F, TCPF_RST, 1001, 0, NULL, 0);
	fx_recv_nothing(&F);
	ck_assert_int_eq(tcp_accept(F.s, F.listener), -EAGAIN);
	ck_assert_uint_eq(stack_next_deadline(F.s), STACK_TIME_NEVER);
	/* a new SYN from the same port is a new connection */
	fx_send_raw(&F, TCPF_SYN, 9000, 0, NULL, 0);
	struct segment *sa = fx_recv_one(&F, TCPF_SYN | TCPF_ACK);
	ck_assert_uint_eq(sa->ack, 9001);
}
END_TEST

START_TEST(test_syn_received_bad_ack_draws_rst)
{
	F.listener = tcp_listen(F.s, F.lport, 4);
	fx_send_raw(&F, TCPF_SYN, 1000, 0, NULL, 0);
	struct segment *sa = fx_recv_one(&F, TCPF_SYN | TCPF_ACK);
	uint32_t bad = sa->seq + 50;
	fx_send_raw(&F, TCPF_ACK, 1001, bad, NULL, 0);
	struct segment *rst = fx_recv_one(&F, TCPF_RST);
	ck_assert_uint_eq(rst->seq, bad);
}
END_TEST

START_TEST(test_established_rst_at_rcv_nxt_resets_connection)
{
	char buf[4];
	fx_active_established(&F);
	fx_send_raw(&F, TCPF_RST, F.peer_seq, 0, NULL, 0);
	fx_recv_nothing(&F);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_CLOSED);
	ck_assert_int_eq(tcp_get_error(F.s, F.sock), -ECONNRESET);
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, buf, sizeof(buf)), -ECONNRESET);
	ck_assert_int_eq(tcp_send(F.s, F.now, F.sock, "x", 1), -ECONNRESET);
}
END_TEST

START_TEST(test_established_rst_in_window_draws_challenge_ack)
{
	fx_active_established(&F);
	fx_send_raw(&F, TCPF_RST, F.peer_seq + 1000, 0, NULL, 0);
	struct segment *ack = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(ack->seq, F.peer_ack);
	ck_assert_uint_eq(ack->ack, F.peer_seq);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_ESTABLISHED);
	ck_assert_uint_eq(stack_get_stats(F.s)->tcp_challenge_acks, 1);
	ck_assert_uint_eq(stack_get_stats(F.s)->drops[STACK_DROP_TCP_RST_CHALLENGED], 1);
}
END_TEST

START_TEST(test_established_rst_out_of_window_is_dropped_silently)
{
	fx_active_established(&F);
	fx_send_raw(&F, TCPF_RST, F.peer_seq + 100000, 0, NULL, 0);
	fx_recv_nothing(&F);
	fx_send_raw(&F, TCPF_RST, F.peer_seq - 1, 0, NULL, 0);
	fx_recv_nothing(&F);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_ESTABLISHED);
	ck_assert_uint_eq(stack_get_stats(F.s)->drops[STACK_DROP_TCP_OUT_OF_WINDOW], 2);
}
END_TEST

START_TEST(test_established_syn_draws_challenge_ack)
{
	fx_active_established(&F);
	fx_send_raw(&F, TCPF_SYN, F.peer_seq + 10, 0, NULL, 0);
	struct segment *ack = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(ack->ack, F.peer_seq);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_ESTABLISHED);
	ck_assert_uint_eq(stack_get_stats(F.s)->drops[STACK_DROP_TCP_SYN_CHALLENGED], 1);
}
END_TEST

START_TEST(test_established_ack_of_unsent_data_draws_ack_and_is_dropped)
{
	char buf[8];
	fx_active_established(&F);
	fx_send_raw(&F, TCPF_ACK | TCPF_PSH, F.peer_seq, F.peer_ack + 500, "abc", 3);
	struct segment *ack = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(ack->ack, F.peer_seq); /* the data was not taken */
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, buf, sizeof(buf)), -EAGAIN);
	ck_assert_uint_eq(stack_get_stats(F.s)->drops[STACK_DROP_TCP_BAD_ACK], 1);
}
END_TEST

START_TEST(test_established_segment_without_ack_is_dropped)
{
	char buf[8];
	fx_active_established(&F);
	fx_send_raw(&F, TCPF_PSH, F.peer_seq, 0, "abc", 3);
	fx_recv_nothing(&F);
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, buf, sizeof(buf)), -EAGAIN);
	ck_assert_uint_eq(stack_get_stats(F.s)->drops[STACK_DROP_TCP_NO_ACK], 1);
}
END_TEST

START_TEST(test_challenge_ack_limit_caps_acks_per_second)
{
	fx_free(&F);
	fx_init(&F);
	F.tun.challenge_ack_limit = 2;
	fx_start(&F);
	fx_active_established(&F);
	for (int i = 0; i < 5; i++)
		fx_send_raw(&F, TCPF_RST, F.peer_seq + 10, 0, NULL, 0);
	ck_assert_uint_eq(fx_pending(&F), 2);
	F.head = F.tail;
	fx_advance(&F, 1 * SEC);
	fx_send_raw(&F, TCPF_RST, F.peer_seq + 10, 0, NULL, 0);
	fx_recv_one(&F, TCPF_ACK);
}
END_TEST

START_TEST(test_isn_depends_on_tuple_and_clock)
{
	int a = tcp_connect(F.s, F.now, 1001, FX_PEER, 80);
	int b = tcp_connect(F.s, F.now, 1002, FX_PEER, 80);
	struct tcp_info_view ia, ib;
	tcp_get_info(F.s, a, &ia);
	tcp_get_info(F.s, b, &ib);
	ck_assert_uint_ne(ia.iss, ib.iss);
	/* the same tuple later: the 4 us clock moved the ISN on by exactly the elapsed time */
	tcp_abort(F.s, F.now, a);
	fx_advance(&F, 400);
	int c = tcp_connect(F.s, F.now, 1001, FX_PEER, 80);
	struct tcp_info_view ic;
	tcp_get_info(F.s, c, &ic);
	ck_assert_uint_eq(ic.iss - ia.iss, 100);
}
END_TEST

START_TEST(test_connect_same_tuple_twice_is_address_in_use)
{
	ck_assert_int_gt(tcp_connect(F.s, F.now, 1001, FX_PEER, 80), 0);
	ck_assert_int_eq(tcp_connect(F.s, F.now, 1001, FX_PEER, 80), -EADDRINUSE);
	ck_assert_int_gt(tcp_listen(F.s, 80, 1), 0);
	ck_assert_int_eq(tcp_listen(F.s, 80, 1), -EADDRINUSE);
}
END_TEST

START_TEST(test_ephemeral_ports_come_from_the_seeded_prng)
{
	uint16_t first[4];
	for (int i = 0; i < 4; i++) {
		int h = tcp_connect(F.s, F.now, 0, FX_PEER, 80);
		struct tcp_info_view info;
		tcp_get_info(F.s, h, &info);
		first[i] = info.lport;
	}
	ck_assert(first[0] != first[1] || first[1] != first[2]);
	/* the same seed gives the same ports */
	fx_free(&F);
	fx_init(&F);
	fx_start(&F);
	for (int i = 0; i < 4; i++) {
		int h = tcp_connect(F.s, F.now, 0, FX_PEER, 80);
		struct tcp_info_view info;
		tcp_get_info(F.s, h, &info);
		ck_assert_uint_eq(info.lport, first[i]);
	}
}
END_TEST

START_TEST(test_two_connections_on_one_listener_are_kept_apart)
{
	char buf[8];
	F.listener = tcp_listen(F.s, F.lport, 4);
	uint32_t iss[2];
	for (int i = 0; i < 2; i++) {
		F.pport = (uint16_t)(5000 + i);
		fx_send_raw(&F, TCPF_SYN, 100u * (unsigned)i, 0, NULL, 0);
		iss[i] = fx_recv_one(&F, TCPF_SYN | TCPF_ACK)->seq;
		fx_send_raw(&F, TCPF_ACK, 100u * (unsigned)i + 1, iss[i] + 1, NULL, 0);
	}
	int a = tcp_accept(F.s, F.listener);
	int b = tcp_accept(F.s, F.listener);
	ck_assert_int_gt(a, 0);
	ck_assert_int_gt(b, 0);
	ck_assert_int_ne(a, b);
	F.pport = 5001;
	fx_send_raw(&F, TCPF_ACK | TCPF_PSH, 101, iss[1] + 1, "to-b", 4);
	ck_assert_int_eq(tcp_recv(F.s, F.now, a, buf, sizeof(buf)), -EAGAIN);
	ck_assert_int_eq(tcp_recv(F.s, F.now, b, buf, sizeof(buf)), 4);
	struct tcp_info_view ib;
	tcp_get_info(F.s, b, &ib);
	ck_assert_uint_eq(ib.rport, 5001);
}
END_TEST

static Suite *tcp_conn_suite(void)
{
	Suite *s = suite_create("tcp_conn");
	TCase *tc = tcase_create("states");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_closed_connect_sends_syn_with_mss_and_enters_syn_sent);
	tcase_add_test(tc, test_syn_sent_syn_ack_establishes_and_acks);
	tcase_add_test(tc, test_syn_sent_rst_with_acceptable_ack_is_connection_refused);
	tcase_add_test(tc, test_syn_sent_rst_without_ack_is_ignored);
	tcase_add_test(tc, test_syn_sent_unacceptable_ack_draws_rst);
	tcase_add_test(tc, test_syn_sent_simultaneous_open_goes_through_syn_received);
	tcase_add_test(tc, test_listen_syn_answers_syn_ack_and_ack_completes_accept);
	tcase_add_test(tc, test_listen_ack_draws_rst_and_listener_stays);
	tcase_add_test(tc, test_closed_port_syn_draws_rst_ack);
	tcase_add_test(tc, test_listen_full_backlog_drops_syn);
	tcase_add_test(tc, test_syn_received_retransmitted_syn_resends_syn_ack);
	tcase_add_test(tc, test_syn_received_rst_returns_to_listen);
	tcase_add_test(tc, test_syn_received_bad_ack_draws_rst);
	tcase_add_test(tc, test_two_connections_on_one_listener_are_kept_apart);
	suite_add_tcase(s, tc);

	TCase *r = tcase_create("rfc5961");
	tcase_add_checked_fixture(r, setup, teardown);
	tcase_add_test(r, test_established_rst_at_rcv_nxt_resets_connection);
	tcase_add_test(r, test_established_rst_in_window_draws_challenge_ack);
	tcase_add_test(r, test_established_rst_out_of_window_is_dropped_silently);
	tcase_add_test(r, test_established_syn_draws_challenge_ack);
	tcase_add_test(r, test_established_ack_of_unsent_data_draws_ack_and_is_dropped);
	tcase_add_test(r, test_established_segment_without_ack_is_dropped);
	tcase_add_test(r, test_challenge_ack_limit_caps_acks_per_second);
	suite_add_tcase(s, r);

	TCase *i = tcase_create("identity");
	tcase_add_checked_fixture(i, setup, teardown);
	tcase_add_test(i, test_isn_depends_on_tuple_and_clock);
	tcase_add_test(i, test_connect_same_tuple_twice_is_address_in_use);
	tcase_add_test(i, test_ephemeral_ports_come_from_the_seeded_prng);
	suite_add_tcase(s, i);
	return s;
}

int main(void)
{
	return synfin_run_suite(tcp_conn_suite());
}
