/* test_tcp_close.c: closing connections - every RFC 9293 state and transition from ESTABLISHED
 * (and the opening states) to CLOSED: active, passive, simultaneous and half closes, aborts, RST
 * in each closing state -, and the TIME-WAIT and FIN-WAIT-2 timers. */
#include "stack_fixture.h"
#include "tcp_conn_fixture.h"
#include "test_support.h"

START_TEST(test_established_active_close_fin_wait_2_time_wait_closed)
{
	fx_active_established(&F);
	fx_to_fin_wait_1(&F);
	fx_to_fin_wait_2(&F);
	fx_to_time_wait(&F);
	fx_advance(&F, 60 * SEC - 1);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_TIME_WAIT);
	fx_advance(&F, 1);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_CLOSED);
	fx_recv_nothing(&F);
	ck_assert_str_eq(trans(F.sock), "CLOSED -> SYN-SENT, SYN-SENT -> ESTABLISHED, "
	                                "ESTABLISHED -> FIN-WAIT-1, FIN-WAIT-1 -> FIN-WAIT-2, "
	                                "FIN-WAIT-2 -> TIME-WAIT, TIME-WAIT -> CLOSED");
}
END_TEST

START_TEST(test_fin_wait_1_fin_with_ack_of_our_fin_goes_to_time_wait)
{
	fx_active_established(&F);
	fx_to_fin_wait_1(&F);
	F.peer_ack++;
	fx_send(&F, TCPF_FIN | TCPF_ACK, NULL, 0);
	struct segment *ack = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(ack->ack, F.peer_seq);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_TIME_WAIT);
	ck_assert_str_eq(trans(F.sock), "CLOSED -> SYN-SENT, SYN-SENT -> ESTABLISHED, "
	                                "ESTABLISHED -> FIN-WAIT-1, FIN-WAIT-1 -> TIME-WAIT");
}
END_TEST

START_TEST(test_fin_wait_1_ack_of_our_fin_with_out_of_order_fin_goes_to_fin_wait_2)
{
	fx_active_established(&F);
	fx_to_fin_wait_1(&F);
	F.peer_ack++;
	/* the FIN lies beyond a hole: only the ACK counts now */
	fx_send_raw(&F, TCPF_FIN | TCPF_ACK, F.peer_seq + 10, F.peer_ack, NULL, 0);
	fx_recv_one(&F, TCPF_ACK);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_FIN_WAIT_2);
}
END_TEST

START_TEST(test_simultaneous_close_goes_through_closing)
{
	fx_active_established(&F);
	fx_to_fin_wait_1(&F);
	/* the peer's FIN crossed ours: it does not acknowledge our FIN yet */
	fx_send(&F, TCPF_FIN | TCPF_ACK, NULL, 0);
	struct segment *ack = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(ack->ack, F.peer_seq);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_CLOSING);
	/* then the ACK of our FIN */
	F.peer_ack++;
	fx_send(&F, TCPF_ACK, NULL, 0);
	fx_recv_nothing(&F);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_TIME_WAIT);
	ck_assert_str_eq(trans(F.sock), "CLOSED -> SYN-SENT, SYN-SENT -> ESTABLISHED, "
	                                "ESTABLISHED -> FIN-WAIT-1, FIN-WAIT-1 -> CLOSING, "
	                                "CLOSING -> TIME-WAIT");
}
END_TEST

START_TEST(test_close_wait_app_closes_at_once_fin_carries_ack_three_segment_close)
{
	fx_passive_established(&F);
	fx_to_close_wait(&F);
	fx_recv_nothing(&F); /* the FIN's ACK waits */
	ck_assert_uint_eq(fx_count_events(&F, STACK_EV_EOF, F.sock), 1);
	fx_advance(&F, 1 * MS);
	ck_assert_int_eq(tcp_close(F.s, F.now, F.sock), 0);
	struct segment *fin = fx_recv_one(&F, TCPF_FIN | TCPF_ACK);
	ck_assert_uint_eq(fin->ack, F.peer_seq);
	fx_advance(&F, 100 * MS); /* no stray delayed ACK after the FIN */
	fx_recv_nothing(&F);
	F.peer_ack++;
	fx_send(&F, TCPF_ACK, NULL, 0);
	char buf[512];
	ck_assert_str_eq(fx_transitions(&F, F.sock, buf, sizeof(buf)),
	                 "CLOSED -> SYN-RECEIVED, SYN-RECEIVED -> ESTABLISHED, "
	                 "ESTABLISHED -> CLOSE-WAIT, CLOSE-WAIT -> LAST-ACK, LAST-ACK -> CLOSED");
	ck_assert_uint_eq(stack_next_deadline(F.s), STACK_TIME_NEVER);
}
END_TEST

START_TEST(test_close_wait_app_closes_late_ack_then_fin_four_segment_close)
{
	fx_passive_established(&F);
	fx_to_close_wait(&F);
	uint64_t fin_at = F.now;
	fx_advance(&F, 40 * MS - 1);
	fx_recv_nothing(&F);
	fx_advance(&F, 1);
	struct segment *ack = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(ack->ack, F.peer_seq);
	ck_assert_uint_eq(fx_last_at(&F) - fin_at, 40 * MS);
	fx_advance(&F, 300 * MS);
	tcp_close(F.s, F.now, F.sock);
	fx_recv_one(&F, TCPF_FIN | TCPF_ACK);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), -EBADF); /* handle given back */
}
END_TEST

START_TEST(test_close_wait_shutdown_enters_last_ack_and_ack_closes)
{
	fx_active_established(&F);
	fx_to_close_wait(&F);
	ck_assert_int_eq(tcp_shutdown_write(F.s, F.now, F.sock), 0);
	fx_recv_one(&F, TCPF_FIN | TCPF_ACK);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_LAST_ACK);
	F.peer_ack++;
	fx_send(&F, TCPF_ACK, NULL, 0);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_CLOSED);
	ck_assert_int_eq(tcp_get_error(F.s, F.sock), 0);
	ck_assert_uint_eq(fx_count_events(&F, STACK_EV_CLOSED, F.sock), 1);
}
END_TEST

START_TEST(test_half_close_shutdown_write_still_reads_and_acks)
{
	char buf[64];
	fx_active_established(&F);
	fx_to_fin_wait_1(&F);
	fx_to_fin_wait_2(&F);
	ck_assert_int_eq(tcp_send(F.s, F.now, F.sock, "x", 1), -EPIPE);
	fx_send(&F, TCPF_ACK | TCPF_PSH, "hello", 5);
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, buf, sizeof(buf)), 5);
	ck_assert_int_eq(memcmp(buf, "hello", 5), 0);
	fx_advance(&F, 40 * MS);
	struct segment *ack = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(ack->ack, F.peer_seq);
	fx_to_time_wait(&F);
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, buf, sizeof(buf)), 0); /* EOF */
}
END_TEST

START_TEST(test_peer_half_close_we_still_send)
{
	char buf[8];
	fx_passive_established(&F);
	fx_to_close_wait(&F);
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, buf, sizeof(buf)), 0);
	ck_assert_int_eq(tcp_send(F.s, F.now, F.sock, "data", 4), 4);
	struct segment *d = fx_recv_one(&F, TCPF_PSH | TCPF_ACK);
	ck_assert_uint_eq(d->payload_len, 4);
	ck_assert_uint_eq(d->ack, F.peer_seq); /* the data carries the FIN's ACK */
}
END_TEST

START_TEST(test_close_with_unread_data_sends_rst)
{
	fx_active_established(&F);
	fx_send(&F, TCPF_ACK | TCPF_PSH, "unread", 6);
	ck_assert_int_eq(tcp_close(F.s, F.now, F.sock), 0);
	struct segment *rst = fx_recv_one(&F, TCPF_RST | TCPF_ACK);
	ck_assert_uint_eq(rst->seq, F.peer_ack);
	ck_assert_uint_eq(stack_next_deadline(F.s), STACK_TIME_NEVER);
}
END_TEST

START_TEST(test_abort_sends_rst_and_frees_handle)
{
	fx_active_established(&F);
	ck_assert_int_eq(tcp_abort(F.s, F.now, F.sock), 0);
	struct segment *rst = fx_recv_one(&F, TCPF_RST | TCPF_ACK);
	ck_assert_uint_eq(rst->seq, F.peer_ack);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), -EBADF);
}
END_TEST

START_TEST(test_time_wait_retransmitted_fin_is_reacked_and_restarts_timer)
{
	fx_active_established(&F);
	fx_to_fin_wait_1(&F);
	fx_to_fin_wait_2(&F);
	fx_to_time_wait(&F);
	fx_advance(&F, 30 * SEC);
	/* our ACK was lost: the peer sends its FIN again */
	fx_send_raw(&F, TCPF_FIN | TCPF_ACK, F.peer_seq - 1, F.peer_ack, NULL, 0);
	struct segment *ack = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(ack->ack, F.peer_seq);
	uint64_t restarted = F.now;
	fx_advance(&F, 60 * SEC - 1);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_TIME_WAIT);
	fx_advance(&F, 1);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_CLOSED);
	ck_assert_uint_eq(F.now - restarted, 60 * SEC);
}
END_TEST

START_TEST(test_time_wait_length_is_tunable)
{
	fx_free(&F);
	fx_init(&F);
	F.tun.time_wait = 2 * SEC;
	fx_start(&F);
	fx_active_established(&F);
	fx_to_fin_wait_1(&F);
	fx_to_fin_wait_2(&F);
	fx_to_time_wait(&F);
	ck_assert_uint_eq(stack_next_deadline(F.s), F.now + 2 * SEC);
}
END_TEST

START_TEST(test_fin_wait_2_of_closed_socket_times_out_after_fin_timeout)
{
	fx_active_established(&F);
	int h = F.sock;
	ck_assert_int_eq(tcp_close(F.s, F.now, h), 0);
	fx_recv_one(&F, TCPF_FIN | TCPF_ACK);
	F.peer_ack++;
	fx_send(&F, TCPF_ACK, NULL, 0);
	uint64_t entered = F.now;
	ck_assert_uint_eq(stack_next_deadline(F.s), entered + 60 * SEC);
	fx_advance(&F, 60 * SEC - 1);
	char buf[512];
	ck_assert_str_eq(fx_transitions(&F, h, buf, sizeof(buf)),
	                 "CLOSED -> SYN-SENT, SYN-SENT -> ESTABLISHED, "
	                 "ESTABLISHED -> FIN-WAIT-1, FIN-WAIT-1 -> FIN-WAIT-2");
	fx_advance(&F, 1);
	/* gone without a word (as Linux), */
	fx_recv_nothing(&F);
	ck_assert_str_eq(fx_transitions(&F, h, buf, sizeof(buf)),
	                 "CLOSED -> SYN-SENT, SYN-SENT -> ESTABLISHED, "
	                 "ESTABLISHED -> FIN-WAIT-1, FIN-WAIT-1 -> FIN-WAIT-2, "
	                 "FIN-WAIT-2 -> CLOSED");
	ck_assert_uint_eq(stack_next_deadline(F.s), STACK_TIME_NEVER);
	/* so the peer's late FIN finds no socket: RST <SEQ=SEG.ACK> (RFC 9293 3.10.7.1) */
	fx_send(&F, TCPF_FIN | TCPF_ACK, NULL, 0);
	struct segment *rst = fx_recv_one(&F, TCPF_RST);
	ck_assert_uint_eq(rst->seq, F.peer_ack);
}
END_TEST

START_TEST(test_fin_wait_2_closed_socket_still_takes_the_fin_before_the_timeout)
{
	fx_active_established(&F);
	tcp_close(F.s, F.now, F.sock);
	fx_recv_one(&F, TCPF_FIN | TCPF_ACK);
	F.peer_ack++;
	fx_send(&F, TCPF_ACK, NULL, 0);
	fx_advance(&F, 30 * SEC);
	fx_send(&F, TCPF_FIN | TCPF_ACK, NULL, 0);
	struct segment *ack = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(ack->ack, F.peer_seq);
	/* TIME-WAIT now: 60 s from here, not the FIN-WAIT-2 limit */
	ck_assert_uint_eq(stack_next_deadline(F.s), F.now + 60 * SEC);
}
END_TEST

START_TEST(test_fin_wait_2_with_open_handle_waits_forever)
{
	fx_active_established(&F);
	fx_to_fin_wait_1(&F);
	fx_to_fin_wait_2(&F);
	ck_assert_uint_eq(stack_next_deadline(F.s), STACK_TIME_NEVER);
}
END_TEST

START_TEST(test_listener_close_resets_unaccepted_children)
{
	F.listener = tcp_listen(F.s, F.lport, 4);
	fx_send_raw(&F, TCPF_SYN, 1000, 0, NULL, 0);
	struct segment *sa = fx_recv_one(&F, TCPF_SYN | TCPF_ACK);
	fx_send_raw(&F, TCPF_ACK, 1001, sa->seq + 1, NULL, 0);
	ck_assert_int_eq(tcp_close(F.s, F.now, F.listener), 0);
	fx_recv_one(&F, TCPF_RST | TCPF_ACK);
	ck_assert_uint_eq(stack_next_deadline(F.s), STACK_TIME_NEVER);
	ck_assert_ptr_null(F.s->conns);
}
END_TEST

START_TEST(test_syn_sent_close_goes_to_closed_without_rst)
{
	F.sock = tcp_connect(F.s, F.now, F.lport, FX_PEER, F.pport);
	fx_recv_one(&F, TCPF_SYN);
	int h = F.sock;
	ck_assert_int_eq(tcp_close(F.s, F.now, h), 0);
	fx_recv_nothing(&F);
	ck_assert_str_eq(trans(h), "CLOSED -> SYN-SENT, SYN-SENT -> CLOSED");
	ck_assert_uint_eq(stack_next_deadline(F.s), STACK_TIME_NEVER);
	ck_assert_ptr_null(F.s->conns);
}
END_TEST

START_TEST(test_syn_received_shutdown_sends_fin_once_established)
{
	F.sock = tcp_connect(F.s, F.now, F.lport, FX_PEER, F.pport);
	struct segment *syn = fx_recv_one(&F, TCPF_SYN);
	uint32_t iss = syn->seq;
	fx_send_raw(&F, TCPF_SYN, FX_PEER_ISS, 0, NULL, 0);
	fx_recv_one(&F, TCPF_SYN | TCPF_ACK);
	ck_assert_int_eq(tcp_shutdown_write(F.s, F.now, F.sock), 0);
	fx_recv_nothing(&F);
	fx_send_raw(&F, TCPF_ACK, FX_PEER_ISS + 1, iss + 1, NULL, 0);
	struct segment *fin = fx_recv_one(&F, TCPF_FIN | TCPF_ACK);
	ck_assert_uint_eq(fin->seq, iss + 1);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_FIN_WAIT_1);
}
END_TEST

START_TEST(test_close_wait_rst_is_connection_reset)
{
	fx_active_established(&F);
	fx_to_close_wait(&F);
	fx_send_raw(&F, TCPF_RST, F.peer_seq, 0, NULL, 0);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_CLOSED);
	ck_assert_int_eq(tcp_get_error(F.s, F.sock), -ECONNRESET);
}
END_TEST

START_TEST(test_fin_wait_2_rst_is_connection_reset)
{
	fx_active_established(&F);
	fx_to_fin_wait_1(&F);
	fx_to_fin_wait_2(&F);
	fx_send_raw(&F, TCPF_RST, F.peer_seq, 0, NULL, 0);
	ck_assert_int_eq(tcp_get_error(F.s, F.sock), -ECONNRESET);
}
END_TEST

START_TEST(test_last_ack_rst_closes_without_error)
{
	fx_active_established(&F);
	fx_to_close_wait(&F);
	tcp_shutdown_write(F.s, F.now, F.sock);
	fx_recv_one(&F, TCPF_FIN | TCPF_ACK);
	fx_send_raw(&F, TCPF_RST, F.peer_seq, 0, NULL, 0);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_CLOSED);
	ck_assert_int_eq(tcp_get_error(F.s, F.sock), 0);
}
END_TEST

START_TEST(test_time_wait_rst_closes)
{
	fx_active_established(&F);
	fx_to_fin_wait_1(&F);
	fx_to_fin_wait_2(&F);
	fx_to_time_wait(&F);
	fx_send_raw(&F, TCPF_RST, F.peer_seq, 0, NULL, 0);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_CLOSED);
	ck_assert_uint_eq(stack_next_deadline(F.s), STACK_TIME_NEVER);
}
END_TEST

START_TEST(test_closing_rst_closes)
{
	fx_active_established(&F);
	fx_to_fin_wait_1(&F);
	fx_send(&F, TCPF_FIN | TCPF_ACK, NULL, 0);
	fx_recv_one(&F, TCPF_ACK);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_CLOSING);
	fx_send_raw(&F, TCPF_RST, F.peer_seq, 0, NULL, 0);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_CLOSED);
}
END_TEST

START_TEST(test_data_after_close_in_fin_wait_2_draws_rst)
{
	fx_active_established(&F);
	int h = F.sock;
	tcp_close(F.s, F.now, h);
	fx_recv_one(&F, TCPF_FIN | TCPF_ACK);
	F.peer_ack++;
	fx_send(&F, TCPF_ACK, NULL, 0);
	fx_send(&F, TCPF_ACK | TCPF_PSH, "late", 4);
	struct segment *rst = fx_recv_one(&F, TCPF_RST | TCPF_ACK);
	ck_assert_uint_eq(rst->seq, F.peer_ack);
	ck_assert_uint_eq(stack_next_deadline(F.s), STACK_TIME_NEVER);
	ck_assert_ptr_null(F.s->conns);
}
END_TEST

START_TEST(test_time_wait_new_syn_above_rcv_nxt_opens_new_connection)
{
	fx_passive_established(&F);
	fx_to_fin_wait_1(&F);
	fx_to_fin_wait_2(&F);
	fx_to_time_wait(&F);
	int old = F.sock;
	fx_advance(&F, 1 * SEC);
	fx_send_raw(&F, TCPF_SYN, F.peer_seq + 100000, 0, NULL, 0);
	struct segment *sa = fx_recv_one(&F, TCPF_SYN | TCPF_ACK);
	ck_assert_uint_eq(sa->ack, F.peer_seq + 100001);
	ck_assert_int_eq(tcp_get_state(F.s, old), TCPS_CLOSED);
}
END_TEST

START_TEST(test_time_wait_old_syn_draws_ack_only)
{
	fx_passive_established(&F);
	fx_to_fin_wait_1(&F);
	fx_to_fin_wait_2(&F);
	fx_to_time_wait(&F);
	fx_send_raw(&F, TCPF_SYN, F.peer_seq - 10, 0, NULL, 0);
	struct segment *ack = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(ack->ack, F.peer_seq);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_TIME_WAIT);
}
END_TEST

static Suite *tcp_close_suite(void)
{
	Suite *s = suite_create("tcp_close");
	TCase *tc = tcase_create("states");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_established_active_close_fin_wait_2_time_wait_closed);
	tcase_add_test(tc, test_fin_wait_1_fin_with_ack_of_our_fin_goes_to_time_wait);
	tcase_add_test(tc, test_fin_wait_1_ack_of_our_fin_with_out_of_order_fin_goes_to_fin_wait_2);
	tcase_add_test(tc, test_simultaneous_close_goes_through_closing);
	tcase_add_test(tc, test_close_wait_app_closes_at_once_fin_carries_ack_three_segment_close);
	tcase_add_test(tc, test_close_wait_app_closes_late_ack_then_fin_four_segment_close);
	tcase_add_test(tc, test_close_wait_shutdown_enters_last_ack_and_ack_closes);
	tcase_add_test(tc, test_half_close_shutdown_write_still_reads_and_acks);
	tcase_add_test(tc, test_peer_half_close_we_still_send);
	tcase_add_test(tc, test_close_with_unread_data_sends_rst);
	tcase_add_test(tc, test_abort_sends_rst_and_frees_handle);
	tcase_add_test(tc, test_listener_close_resets_unaccepted_children);
	tcase_add_test(tc, test_syn_sent_close_goes_to_closed_without_rst);
	tcase_add_test(tc, test_syn_received_shutdown_sends_fin_once_established);
	tcase_add_test(tc, test_close_wait_rst_is_connection_reset);
	tcase_add_test(tc, test_fin_wait_2_rst_is_connection_reset);
	tcase_add_test(tc, test_last_ack_rst_closes_without_error);
	tcase_add_test(tc, test_time_wait_rst_closes);
	tcase_add_test(tc, test_closing_rst_closes);
	tcase_add_test(tc, test_data_after_close_in_fin_wait_2_draws_rst);
	suite_add_tcase(s, tc);

	TCase *t = tcase_create("teardown timers");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_time_wait_retransmitted_fin_is_reacked_and_restarts_timer);
	tcase_add_test(t, test_time_wait_length_is_tunable);
	tcase_add_test(t, test_time_wait_new_syn_above_rcv_nxt_opens_new_connection);
	tcase_add_test(t, test_time_wait_old_syn_draws_ack_only);
	tcase_add_test(t, test_fin_wait_2_of_closed_socket_times_out_after_fin_timeout);
	tcase_add_test(t, test_fin_wait_2_closed_socket_still_takes_the_fin_before_the_timeout);
	tcase_add_test(t, test_fin_wait_2_with_open_handle_waits_forever);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return synfin_run_suite(tcp_close_suite());
}
