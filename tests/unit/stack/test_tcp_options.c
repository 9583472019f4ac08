/* test_tcp_options.c: RFC 7323 under the virtual clock: the window-scale shift (chosen as Linux
 * chooses it, applied to every window after the SYN and never to a SYN's), timestamps (TSval
 * clock, TSecr echo, TS.Recent only from in-sequence segments, RTT from the echo), PAWS with its
 * 24-day rule, the option layout of a Linux SYN, and every option switched off. */
#include "stack_fixture.h"
#include "test_support.h"

static struct fx F;
static char big[70000];

static void setup(void)
{
	fx_init(&F);
}

static void teardown(void)
{
	fx_free(&F);
}

static struct tcp_info_view info(void)
{
	struct tcp_info_view v;
	ck_assert_int_eq(tcp_get_info(F.s, F.sock, &v), 0);
	return v;
}

/* A peer like Linux: window scale 7, SACK-permitted, timestamps from 5000. */
static void peer_offers_everything(void)
{
	F.popt.opts = TCP_OPTF_WSCALE | TCP_OPTF_TS | TCP_OPTF_SACK_PERM;
	F.popt.wscale = 7;
	F.popt.tsval = 5000;
}

START_TEST(test_shift_is_the_smallest_that_fits_the_buffer_in_16_bits)
{
	ck_assert_uint_eq(tcp_select_wscale(65535), 0);
	ck_assert_uint_eq(tcp_select_wscale(65536), 1);
	ck_assert_uint_eq(tcp_select_wscale(131070), 1);
	ck_assert_uint_eq(tcp_select_wscale(131072), 2);
	ck_assert_uint_eq(tcp_select_wscale(6291456), 7); /* Linux's tcp_rmem[2]: wscale 7 */
	ck_assert_uint_eq(tcp_select_wscale(UINT32_MAX), 14);
}
END_TEST

START_TEST(test_syn_options_read_like_a_linux_syn)
{
	fx_start(&F);
	F.sock = tcp_connect(F.s, F.now, F.lport, FX_PEER, F.pport);
	fx_recv_one(&F, TCPF_SYN);
	struct tcp_hdr o = fx_last_opts(&F);
	ck_assert_uint_eq(o.mss, 1460);
	ck_assert_uint_eq(o.opts, TCP_OPTF_WSCALE | TCP_OPTF_TS | TCP_OPTF_SACK_PERM);
	ck_assert_uint_eq(o.wscale, 7);
	ck_assert_uint_eq(o.tsecr, 0);
	ck_assert_uint_eq(o.tsval - (uint32_t)(F.now / 1000), fx_conn(&F)->ts_offset);
	ck_assert_uint_eq(o.wnd, 65535); /* the buffer, unscaled in a SYN */
}
END_TEST

START_TEST(test_every_option_switched_off_leaves_the_mss_alone)
{
	F.tun.window_scaling = false;
	F.tun.timestamps = false;
	F.tun.sack = false;
	fx_start(&F);
	F.sock = tcp_connect(F.s, F.now, F.lport, FX_PEER, F.pport);
	struct segment *syn = fx_recv_one(&F, TCPF_SYN);
	ck_assert_uint_eq(syn->options_len, 4);
	/* timestamps alone off: NOP NOP SACK-permitted, NOP window scale, as Linux writes them */
	fx_free(&F);
	fx_init(&F);
	F.tun.timestamps = false;
	fx_start(&F);
	F.sock = tcp_connect(F.s, F.now, F.lport, FX_PEER, F.pport);
	syn = fx_recv_one(&F, TCPF_SYN);
	const uint8_t want[] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7};
	ck_assert_uint_eq(syn->options_len, sizeof(want));
	ck_assert_mem_eq(syn->options, want, sizeof(want));
}
END_TEST

START_TEST(test_options_the_peer_did_not_offer_are_not_answered)
{
	F.tun.rcvbuf = 200000;
	fx_start(&F);
	fx_passive_established(&F); /* the peer's SYN has only an MSS */
	struct tcp_conn *c = fx_conn(&F);
	ck_assert(!c->ws_ok && !c->ts_ok && !c->sack_ok);
	ck_assert_uint_eq(c->rcv_wscale, 0);
	fx_send(&F, TCPF_ACK | TCPF_PSH, "x", 1);
	fx_advance(&F, 40 * MS);
	struct segment *ack = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(ack->options_len, 0);
	ck_assert_uint_eq(ack->win, 65535); /* the 200000-byte buffer, capped without scaling */
}
END_TEST

START_TEST(test_window_scale_applies_after_the_syn_only)
{
	F.tun.rcvbuf = 200000;
	F.tun.rcvbuf_max = 200000; /* shift 2 */
	fx_start(&F);
	peer_offers_everything();
	F.peer_wnd = 1000;
	F.listener = tcp_listen(F.s, F.lport, 8);
	F.peer_seq = FX_PEER_ISS;
	fx_send(&F, TCPF_SYN, NULL, 0);
	fx_recv_one(&F, TCPF_SYN | TCPF_ACK);
	struct tcp_hdr sa = fx_last_opts(&F);
	ck_assert(sa.opts & TCP_OPTF_WSCALE);
	ck_assert_uint_eq(sa.wscale, 2);
	ck_assert_uint_eq(sa.wnd, 65535); /* a SYN's window is never scaled */
	F.peer_ack = F.last.seq + 1;
	F.popt.tsecr = sa.tsval;
	/* the peer's SYN said 1000, unscaled; its ACK's 1000 means 1000 << 7 */
	fx_send(&F, TCPF_ACK, NULL, 0);
	F.sock = tcp_accept(F.s, F.listener);
	ck_assert_int_gt(F.sock, 0);
	ck_assert_uint_eq(info().snd_wnd, 1000u << 7);
	/* our windows: the free buffer, shifted by 2 */
	fx_send(&F, TCPF_ACK | TCPF_PSH, "0123456789", 10);
	fx_advance(&F, 40 * MS);
	struct segment *ack = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(ack->win, (200000 - 10) >> 2);
	ck_assert_uint_eq(info().rcv_wnd, ((200000 - 10) >> 2) << 2);
}
END_TEST

START_TEST(test_active_open_takes_the_syn_ack_window_unscaled)
{
	fx_start(&F);
	peer_offers_everything();
	F.peer_wnd = 1000;
	F.sock = tcp_connect(F.s, F.now, F.lport, FX_PEER, F.pport);
	struct segment *syn = fx_recv_one(&F, TCPF_SYN);
	F.peer_ack = syn->seq + 1;
	F.peer_seq = FX_PEER_ISS;
	F.popt.tsecr = fx_last_opts(&F).tsval;
	fx_send(&F, TCPF_SYN | TCPF_ACK, NULL, 0);
	fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(info().snd_wnd, 1000);
	fx_send(&F, TCPF_ACK, NULL, 0);
	ck_assert_uint_eq(info().snd_wnd, 1000u << 7);
	/* and our ACK scales our own window by 7 (the 6 MB rcvbuf_max) */
	struct tcp_hdr a = fx_last_opts(&F);
	ck_assert_uint_eq(a.wnd, 65535 >> 7);
}
END_TEST

/* Active open with a peer that offers everything; the peer's TSval is 5000 + ms elapsed. */
static void established_with_timestamps(void)
{
	fx_start(&F);
	peer_offers_everything();
	F.sock = tcp_connect(F.s, F.now, F.lport, FX_PEER, F.pport);
	struct segment *syn = fx_recv_one(&F, TCPF_SYN);
	F.peer_ack = syn->seq + 1;
	F.peer_seq = FX_PEER_ISS;
	F.popt.tsecr = fx_last_opts(&F).tsval;
	fx_advance(&F, 10 * MS);
	fx_send(&F, TCPF_SYN | TCPF_ACK, NULL, 0);
	fx_recv_one(&F, TCPF_ACK);
}

START_TEST(test_data_segments_carry_nop_nop_timestamps_echoing_ts_recent)
{
	established_with_timestamps();
	struct tcp_conn *c = fx_conn(&F);
	ck_assert(c->ts_ok && c->ws_ok && c->sack_ok);
	ck_assert_uint_eq(c->snd_mss, 1460 - 12); /* a full segment with its timestamp fits */
	const uint8_t layout[] = {1, 1, 8, 10};
	ck_assert_uint_eq(F.last.options_len, 12);
	ck_assert_mem_eq(F.last.options, layout, sizeof(layout));
	ck_assert_uint_eq(fx_last_opts(&F).tsecr, 5000);
	ck_assert_uint_eq(fx_last_opts(&F).tsval, (uint32_t)(F.now / 1000) + c->ts_offset);
	tcp_send(F.s, F.now, F.sock, "hello", 5);
	fx_recv_one(&F, TCPF_ACK | TCPF_PSH);
	ck_assert_uint_eq(F.last.options_len, 12);
	ck_assert_uint_eq(fx_last_opts(&F).tsecr, 5000);
}
END_TEST

START_TEST(test_ts_recent_is_taken_from_in_sequence_segments_only)
{
	established_with_timestamps();
	/* out of order (a hole before it): its TSval is not echoed */
	F.popt.tsval = 6000;
	fx_send_raw(&F, TCPF_ACK, F.peer_seq + 100, F.peer_ack, "late", 4);
	fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(fx_last_opts(&F).tsecr, 5000);
	/* in sequence, at Last.ACK.sent: taken */
	F.popt.tsval = 5500;
	fx_send(&F, TCPF_ACK | TCPF_PSH, "in", 2);
	fx_advance(&F, 40 * MS);
	fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(fx_last_opts(&F).tsecr, 5500);
	ck_assert_uint_eq(fx_conn(&F)->ts_recent, 5500);
}
END_TEST

START_TEST(test_paws_drops_a_segment_with_an_old_tsval_and_acks_it)
{
	established_with_timestamps();
	F.popt.tsval = 5100;
	fx_send(&F, TCPF_ACK | TCPF_PSH, "new", 3);
	fx_advance(&F, 40 * MS);
	fx_recv_one(&F, TCPF_ACK);
	/* an old duplicate in the window, stamped before TS.Recent */
	F.popt.tsval = 5099;
	fx_send(&F, TCPF_ACK | TCPF_PSH, "old", 3);
	struct segment *ack = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(ack->ack, F.peer_seq - 3); /* the data was not taken */
	ck_assert_uint_eq(stack_get_stats(F.s)->drops[STACK_DROP_TCP_PAWS], 1);
	ck_assert_uint_eq(fx_conn(&F)->ts_recent, 5100);
	char buf[8];
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, buf, sizeof(buf)), 3);
	ck_assert_int_eq(tcp_recv(F.s, F.now, F.sock, buf, sizeof(buf)), -EAGAIN);
	/* a RST is never held back by PAWS */
	F.peer_seq -= 3;
	fx_send(&F, TCPF_RST, NULL, 0);
	ck_assert_int_eq(fx_last_error_event(&F, F.sock), -ECONNRESET);
}
END_TEST

START_TEST(test_paws_forgets_a_ts_recent_older_than_24_days)
{
	established_with_timestamps();
	F.popt.tsval = 0x80000000u; /* far ahead: the clock of an idle peer that wrapped */
	fx_send(&F, TCPF_ACK | TCPF_PSH, "a", 1);
	fx_advance(&F, 40 * MS);
	fx_recv_one(&F, TCPF_ACK);
	F.popt.tsval = 7000; /* "older" in sequence space */
	fx_advance(&F, 23ull * 24 * 3600 * SEC);
	fx_send(&F, TCPF_ACK | TCPF_PSH, "b", 1);
	fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(stack_get_stats(F.s)->drops[STACK_DROP_TCP_PAWS], 1);
	/* past 24 days of idleness TS.Recent is invalid: the segment is taken and its TSval kept */
	fx_advance(&F, 2ull * 24 * 3600 * SEC);
	F.peer_seq--;
	fx_send(&F, TCPF_ACK | TCPF_PSH, "b", 1);
	fx_advance(&F, 40 * MS);
	fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(stack_get_stats(F.s)->drops[STACK_DROP_TCP_PAWS], 1);
	ck_assert_uint_eq(fx_conn(&F)->ts_recent, 7000);
	ck_assert_uint_eq(fx_conn(&F)->rcv_nxt, F.peer_seq);
}
END_TEST

/* RFC 6298 times one segment per round trip to the microsecond; the echo of a 1 ms TSval
 * clock is taken only when nothing is timed (Karn's rule stopped it), as Linux takes it only
 * when every segment ACKed was retransmitted. At a round trip under 1 ms the echo reads 0: an
 * ACK of a segment sent beside the timed one must not drag SRTT toward it. */
START_TEST(test_no_timestamp_sample_while_a_segment_is_timed)
{
	established_with_timestamps();
	tcp_set_nodelay(F.s, F.now, F.sock, true);
	ck_assert_uint_eq(info().srtt, 10 * MS);
	uint32_t una = F.peer_ack;
	tcp_send(F.s, F.now, F.sock, "ab", 2);
	fx_recv_one(&F, TCPF_ACK | TCPF_PSH);
	uint32_t ts_a = fx_last_opts(&F).tsval;
	tcp_send(F.s, F.now, F.sock, "cd", 2);
	fx_recv_one(&F, TCPF_ACK | TCPF_PSH);
	uint32_t ts_b = fx_last_opts(&F).tsval;
	fx_advance(&F, 400); /* the same 1 ms tick */
	F.popt.tsecr = ts_a;
	F.peer_ack = una + 2;
	fx_send(&F, TCPF_ACK, NULL, 0); /* the timed "ab": a 400 us sample */
	ck_assert_uint_eq(info().srtt, (7 * 10 * MS + 400) / 8);
	tcp_send(F.s, F.now, F.sock, "ef", 2); /* timed next */
	fx_recv_one(&F, TCPF_ACK | TCPF_PSH);
	F.popt.tsecr = ts_b;
	F.peer_ack = una + 4;
	fx_send(&F, TCPF_ACK, NULL, 0);
	ck_assert_uint_eq(info().srtt, (7 * 10 * MS + 400) / 8);
}
END_TEST

/* The echo of a TSval from the current tick is a sample of one tick (Linux), not of 0. */
START_TEST(test_an_echo_from_the_same_tick_is_one_tick)
{
	established_with_timestamps();
	tcp_send(F.s, F.now, F.sock, "data", 4);
	fx_recv_one(&F, TCPF_ACK | TCPF_PSH);
	fx_advance(&F, 200 * MS); /* the RTO: Karn's rule forbids timing what follows */
	fx_recv_one(&F, TCPF_ACK | TCPF_PSH);
	fx_advance(&F, 300);
	F.popt.tsecr = fx_last_opts(&F).tsval;
	ck_assert_uint_eq(F.popt.tsecr, tcp_tsval(fx_conn(&F), F.now));
	F.peer_ack += 4;
	fx_send(&F, TCPF_ACK, NULL, 0);
	ck_assert_uint_eq(info().srtt, (7 * 10 * MS + 1 * MS) / 8);
}
END_TEST

START_TEST(test_rtt_is_measured_from_the_echo_of_a_retransmission)
{
	established_with_timestamps();
	ck_assert_uint_eq(info().srtt, 10 * MS);
	tcp_send(F.s, F.now, F.sock, "data", 4);
	fx_recv_one(&F, TCPF_ACK | TCPF_PSH);
	fx_advance(&F, 200 * MS); /* the RTO: Karn's rule forbids timing what follows */
	fx_recv_one(&F, TCPF_ACK | TCPF_PSH);
	uint32_t echoed = fx_last_opts(&F).tsval;
	fx_advance(&F, 30 * MS);
	F.popt.tsecr = echoed;
	F.peer_ack += 4;
	fx_send(&F, TCPF_ACK, NULL, 0);
	ck_assert_uint_eq(info().srtt, (7 * 10 * MS + 30 * MS) / 8);
}
END_TEST

static Suite *tcp_options_suite(void)
{
	Suite *s = suite_create("tcp_options");
	TCase *ws = tcase_create("window_scale");
	tcase_add_checked_fixture(ws, setup, teardown);
	tcase_add_test(ws, test_shift_is_the_smallest_that_fits_the_buffer_in_16_bits);
	tcase_add_test(ws, test_syn_options_read_like_a_linux_syn);
	tcase_add_test(ws, test_every_option_switched_off_leaves_the_mss_alone);
	tcase_add_test(ws, test_options_the_peer_did_not_offer_are_not_answered);
	tcase_add_test(ws, test_window_scale_applies_after_the_syn_only);
	tcase_add_test(ws, test_active_open_takes_the_syn_ack_window_unscaled);
	suite_add_tcase(s, ws);

	TCase *ts = tcase_create("timestamps");
	tcase_add_checked_fixture(ts, setup, teardown);
	tcase_add_test(ts, test_data_segments_carry_nop_nop_timestamps_echoing_ts_recent);
	tcase_add_test(ts, test_ts_recent_is_taken_from_in_sequence_segments_only);
	tcase_add_test(ts, test_paws_drops_a_segment_with_an_old_tsval_and_acks_it);
	tcase_add_test(ts, test_paws_forgets_a_ts_recent_older_than_24_days);
	tcase_add_test(ts, test_no_timestamp_sample_while_a_segment_is_timed);
	tcase_add_test(ts, test_an_echo_from_the_same_tick_is_one_tick);
	tcase_add_test(ts, test_rtt_is_measured_from_the_echo_of_a_retransmission);
	suite_add_tcase(s, ts);
	(void)big;
	return s;
}

int main(void)
{
	return synfin_run_suite(tcp_options_suite());
}
