/* test_tcp_sack.c: SACK under the virtual clock: the blocks a receiver sends after a hole and
 * their order (RFC 2018 4), D-SACK (RFC 2883), and the sender's RFC 6675 loss recovery: a
 * segment lost mid-window is resent at once and recovery sends by pipe, without an RTO. Buffer
 * autotuning too. */
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

/* Passive open with a peer that offers SACK (and timestamps when ts). Every duplicate ACK goes
 * at once (comp_sack_nr 0): these tests read the blocks of each; test_tcp_comp_sack.c tests
 * the ACKs held back. */
static void passive_with_sack(bool ts)
{
	F.tun.comp_sack_nr = 0;
	fx_start(&F);
	F.popt.opts = TCP_OPTF_SACK_PERM | (ts ? TCP_OPTF_TS : 0);
	F.popt.tsval = 100;
	fx_passive_established(&F);
	ck_assert(fx_conn(&F)->sack_ok);
}

/* The peer sends 100 bytes at offset off from its next sequence number; the ACK is returned. */
static struct tcp_hdr peer_sends_at(uint32_t off)
{
	fx_send_raw(&F, TCPF_ACK, F.peer_seq + off, F.peer_ack, big, 100);
	fx_recv_one(&F, TCPF_ACK);
	return fx_last_opts(&F);
}

static void assert_block(const struct tcp_hdr *h, unsigned i, uint32_t start, uint32_t end)
{
	ck_assert_uint_gt(h->n_sack, i);
	ck_assert_uint_eq(h->sack[i].start - F.peer_seq, start);
	ck_assert_uint_eq(h->sack[i].end - F.peer_seq, end);
}

START_TEST(test_blocks_after_a_hole_come_most_recent_first)
{
	passive_with_sack(false);
	struct tcp_hdr h = peer_sends_at(100);
	ck_assert_uint_eq(h.ack, F.peer_seq);
	ck_assert_uint_eq(h.n_sack, 1);
	assert_block(&h, 0, 100, 200);
	h = peer_sends_at(300);
	ck_assert_uint_eq(h.n_sack, 2);
	assert_block(&h, 0, 300, 400);
	assert_block(&h, 1, 100, 200);
	h = peer_sends_at(500);
	h = peer_sends_at(700);
	h = peer_sends_at(900);
	/* four blocks fit without timestamps; the oldest reported goes */
	ck_assert_uint_eq(h.n_sack, 4);
	assert_block(&h, 0, 900, 1000);
	assert_block(&h, 1, 700, 800);
	assert_block(&h, 2, 500, 600);
	assert_block(&h, 3, 300, 400);
	/* a segment joining two ranges: its block covers both and comes first */
	h = peer_sends_at(200);
	assert_block(&h, 0, 100, 400);
	assert_block(&h, 1, 900, 1000);
	assert_block(&h, 2, 700, 800);
	assert_block(&h, 3, 500, 600);
	/* the hole filled: RCV.NXT moves past the first range, which is no longer reported */
	fx_send(&F, TCPF_ACK, big, 100);
	fx_recv_one(&F, TCPF_ACK);
	h = fx_last_opts(&F);
	ck_assert_uint_eq(h.ack, F.peer_seq + 300);
	ck_assert_uint_eq(h.n_sack, 3);
	assert_block(&h, 0, 900 - 100, 1000 - 100);
}
END_TEST

START_TEST(test_three_blocks_fit_beside_a_timestamp)
{
	passive_with_sack(true);
	struct tcp_hdr h;
	for (uint32_t off = 100; off <= 900; off += 200)
		h = peer_sends_at(off);
	ck_assert_uint_eq(h.n_sack, 3);
	ck_assert(h.opts & TCP_OPTF_TS);
	assert_block(&h, 0, 900, 1000);
	assert_block(&h, 2, 500, 600);
	ck_assert_uint_eq(F.last.options_len, 40);
}
END_TEST

START_TEST(test_duplicate_data_is_reported_in_a_dsack_block_once)
{
	passive_with_sack(false);
	fx_send(&F, TCPF_ACK, big, 100);
	fx_advance(&F, 40 * MS);
	fx_recv_one(&F, TCPF_ACK);
	/* the same 100 bytes again: the ACK's first block lies below the ACK (RFC 2883 4) */
	fx_send_raw(&F, TCPF_ACK, F.peer_seq - 100, F.peer_ack, big, 100);
	fx_recv_one(&F, TCPF_ACK);
	struct tcp_hdr h = fx_last_opts(&F);
	ck_assert_uint_eq(h.n_sack, 1);
	ck_assert_uint_eq(h.sack[0].start, F.peer_seq - 100);
	ck_assert_uint_eq(h.sack[0].end, F.peer_seq);
	ck_assert_uint_eq(h.ack, F.peer_seq);
	/* the next ACK has none */
	fx_send(&F, TCPF_ACK, big, 1);
	fx_advance(&F, 40 * MS);
	fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(fx_last_opts(&F).n_sack, 0);
}
END_TEST

START_TEST(test_dsack_switched_off_sends_no_duplicate_block)
{
	F.tun.dsack = false;
	passive_with_sack(false);
	fx_send(&F, TCPF_ACK, big, 100);
	fx_advance(&F, 40 * MS);
	fx_recv_one(&F, TCPF_ACK);
	fx_send_raw(&F, TCPF_ACK, F.peer_seq - 100, F.peer_ack, big, 100);
	fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(fx_last_opts(&F).n_sack, 0);
}
END_TEST

/* Active open with SACK, then the peer ACKs rounds of data until cwnd is 12 segments. */
static void sender_with_sack_and_cwnd(void)
{
	fx_start(&F);
	F.popt.opts = TCP_OPTF_SACK_PERM;
	fx_active_established(&F);
	ck_assert(fx_conn(&F)->sack_ok);
	tcp_set_nodelay(F.s, F.now, F.sock, true);
	for (int round = 0; round < 2; round++) {
		uint32_t cwnd = fx_conn(&F)->cwnd;
		tcp_send(F.s, F.now, F.sock, big, cwnd);
		F.head = F.tail;
		fx_advance(&F, 10 * MS);
		for (uint32_t k = 0; k < cwnd / 1460; k++) {
			F.peer_ack += 1460;
			fx_send(&F, TCPF_ACK, NULL, 0);
		}
	}
	ck_assert_uint_eq(fx_conn(&F)->cwnd, 12 * 1460);
	F.head = F.tail;
}

/* The peer's ACK of snd_una that SACKs segments [first, last] of those sent from una. */
static void sack_segments(uint32_t una, unsigned first, unsigned last)
{
	F.popt.n_sack = 1;
	F.popt.sack[0].start = una + first * 1460;
	F.popt.sack[0].end = una + (last + 1) * 1460;
	fx_send(&F, TCPF_ACK, NULL, 0);
}

START_TEST(test_one_segment_lost_mid_window_is_resent_at_once_without_rto)
{
	sender_with_sack_and_cwnd();
	uint32_t una = F.peer_ack;
	tcp_send(F.s, F.now, F.sock, big, 20 * 1460);
	ck_assert_uint_eq(fx_pending(&F), 12);
	F.head = F.tail;
	fx_advance(&F, 5 * MS);
	/* segment 0 lost; 1 and 2 SACKed: not yet lost (RFC 6675 IsLost) */
	sack_segments(una, 1, 1);
	sack_segments(una, 1, 2);
	fx_recv_nothing(&F);
	/* 1 to 3 SACKed: three duplicate ACKs, and more than 2 SMSS above the hole */
	sack_segments(una, 1, 3);
	struct segment *r = fx_recv(&F);
	ck_assert_uint_eq(r->seq, una);
	ck_assert_uint_eq(r->payload_len, 1460);
	ck_assert_uint_eq(stack_get_stats(F.s)->tcp_fast_retransmits, 1);
	struct tcp_conn *c = fx_conn(&F);
	ck_assert(c->sack_recovery);
	ck_assert_uint_eq(c->ssthresh, 6 * 1460);
	ck_assert_uint_eq(c->cwnd, 6 * 1460);
	/* pipe: the resent hole, and segments 4 to 11 in flight: 9 segments, cwnd 6: nothing */
	ck_assert_uint_eq(tcp_sack_pipe(c), 9 * 1460);
	fx_recv_nothing(&F);
	/* as SACKs drain the pipe below cwnd, new data goes (NextSeg rule 2) */
	sack_segments(una, 1, 5);
	sack_segments(una, 1, 6);
	ck_assert_uint_eq(tcp_sack_pipe(c), 6 * 1460);
	sack_segments(una, 1, 7);
	r = fx_recv(&F);
	ck_assert_uint_eq(r->seq, una + 12 * 1460);
	fx_recv_nothing(&F);
	/* the hole's ACK (a partial one: below the recovery point) keeps recovery going */
	F.popt.n_sack = 0;
	F.peer_ack = una + 8 * 1460;
	fx_send(&F, TCPF_ACK, NULL, 0);
	ck_assert(c->in_recovery);
	/* the full ACK ends it: cwnd is ssthresh (FlightSize + SMSS bounds it) */
	F.head = F.tail;
	F.peer_ack = una + 13 * 1460;
	fx_send(&F, TCPF_ACK, NULL, 0);
	ck_assert(!c->in_recovery && !c->sack_recovery);
	ck_assert_uint_le(c->cwnd, 6 * 1460);
	ck_assert_uint_eq(stack_get_stats(F.s)->tcp_retransmits, 1);
}
END_TEST

/* RFC 6675 5 leaves cwnd at ssthresh through recovery and its end (as Linux's
 * tcp_end_cwnd_reduction): a full ACK that empties the flight must not shrink it to one
 * segment, which a delayed-ACK receiver would answer only after its timer, each loss. */
START_TEST(test_recovery_ending_with_nothing_in_flight_keeps_cwnd_at_ssthresh)
{
	sender_with_sack_and_cwnd();
	uint32_t una = F.peer_ack;
	tcp_send(F.s, F.now, F.sock, big, 30 * 1460);
	ck_assert_uint_eq(fx_pending(&F), 12);
	F.head = F.tail;
	fx_advance(&F, 5 * MS);
	sack_segments(una, 1, 3);
	struct tcp_conn *c = fx_conn(&F);
	ck_assert(c->sack_recovery);
	ck_assert_uint_eq(c->ssthresh, 6 * 1460);
	F.head = F.tail;
	/* the resent hole and everything else arrive: one ACK of the whole flight */
	F.popt.n_sack = 0;
	F.peer_ack = una + 12 * 1460;
	fx_send(&F, TCPF_ACK, NULL, 0);
	ck_assert(!c->in_recovery);
	ck_assert_uint_eq(c->cwnd, 6 * 1460);
	ck_assert_uint_eq(fx_pending(&F), 6); /* ssthresh's worth of new data at once */
	ck_assert_uint_eq(tcp_flight_size(c), 6 * 1460);
}
END_TEST

/* RFC 8985 6.2: a retransmission is a transmission like any other. Once a segment sent after
 * it is delivered and it has had RACK.rtt to arrive, it is lost too, and recovery sends it
 * again at once: below HighRxt, where RFC 6675's NextSeg alone would leave it to the RTO. */
START_TEST(test_lost_retransmission_is_sent_again_without_rto)
{
	sender_with_sack_and_cwnd();
	uint32_t una = F.peer_ack;
	tcp_send(F.s, F.now, F.sock, big, 30 * 1460);
	F.head = F.tail;
	fx_advance(&F, 5 * MS);
	sack_segments(una, 1, 3);
	struct segment *r = fx_recv(&F);
	ck_assert_uint_eq(r->seq, una); /* resent 5 ms after it was first sent */
	fx_recv_nothing(&F);
	fx_advance(&F, 3 * MS);
	sack_segments(una, 1, 7); /* pipe 5 segments: new segment 12 goes */
	r = fx_recv(&F);
	ck_assert_uint_eq(r->seq, una + 12 * 1460);
	fx_recv_nothing(&F);
	/* 5 ms on, segment 12 is SACKed (RACK.rtt 5 ms); the resent segment 0, sent 3 ms before
	 * it, is lost again (8 ms > RACK.rtt + reo_wnd), as 8 to 11 are: all go, 0 first */
	fx_advance(&F, 5 * MS);
	F.popt.n_sack = 2;
	F.popt.sack[0] = (struct tcp_sack_block){una + 12 * 1460, una + 13 * 1460};
	F.popt.sack[1] = (struct tcp_sack_block){una + 1460, una + 8 * 1460};
	fx_send(&F, TCPF_ACK, NULL, 0);
	uint32_t expect[] = {0, 8, 9, 10, 11, 13};
	for (unsigned i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		r = fx_recv(&F);
		ck_assert_uint_eq(r->seq - una, expect[i] * 1460);
	}
	fx_recv_nothing(&F);
	ck_assert_uint_eq(stack_get_stats(F.s)->tcp_retransmits, 6);
	ck_assert_uint_eq(fx_conn(&F)->retransmits, 0); /* no RTO */
}
END_TEST

START_TEST(test_two_holes_are_both_resent_before_the_rto)
{
	sender_with_sack_and_cwnd();
	uint32_t una = F.peer_ack;
	tcp_send(F.s, F.now, F.sock, big, 12 * 1460);
	F.head = F.tail;
	fx_advance(&F, 5 * MS);
	/* segments 0 and 5 lost */
	F.popt.n_sack = 2;
	F.popt.sack[0] = (struct tcp_sack_block){una + 6 * 1460, una + 12 * 1460};
	F.popt.sack[1] = (struct tcp_sack_block){una + 1460, una + 5 * 1460};
	fx_send(&F, TCPF_ACK, NULL, 0);
	struct segment *r = fx_recv(&F);
	ck_assert_uint_eq(r->seq, una);
	r = fx_recv(&F);
	ck_assert_uint_eq(r->seq, una + 5 * 1460);
	ck_assert_uint_eq(stack_get_stats(F.s)->tcp_retransmits, 2);
	ck_assert_uint_eq(fx_conn(&F)->n_score, 2);
}
END_TEST

START_TEST(test_rto_forgets_the_scoreboard)
{
	sender_with_sack_and_cwnd();
	uint32_t una = F.peer_ack;
	tcp_send(F.s, F.now, F.sock, big, 4 * 1460);
	F.head = F.tail;
	sack_segments(una, 2, 3);
	ck_assert_uint_eq(fx_conn(&F)->n_score, 1);
	fx_advance(&F, 300 * MS);
	ck_assert_uint_eq(fx_conn(&F)->n_score, 0); /* RFC 2018 8: the receiver may renege */
}
END_TEST

START_TEST(test_initial_window_of_ten_segments)
{
	F.tun.initcwnd = 10;
	fx_start(&F);
	fx_active_established(&F);
	tcp_send(F.s, F.now, F.sock, big, 20 * 1460);
	ck_assert_uint_eq(fx_pending(&F), 10); /* RFC 6928: 10 segments at once */
	ck_assert_uint_eq(fx_conn(&F)->cwnd, 10 * 1460);
}
END_TEST

START_TEST(test_send_buffer_grows_with_the_congestion_window)
{
	sender_with_sack_and_cwnd();
	struct tcp_conn *c = fx_conn(&F);
	ck_assert_uint_ge(c->sndbuf.cap, 2 * c->cwnd);
}
END_TEST

START_TEST(test_receive_buffer_grows_when_the_reader_keeps_up)
{
	char buf[70000];
	fx_start(&F);
	F.popt.opts = TCP_OPTF_WSCALE;
	F.popt.wscale = 7;
	fx_passive_established(&F); /* srtt 10 ms from the SYN-ACK */
	struct tcp_conn *c = fx_conn(&F);
	size_t cap0 = c->rcvbuf.cap;
	for (int i = 0; i < 20; i++) {
		for (int k = 0; k < 40; k++)
			fx_send(&F, TCPF_ACK, big, 1460);
		ck_assert_int_gt(tcp_recv(F.s, F.now, F.sock, buf, sizeof(buf)), 0);
		fx_advance(&F, 11 * MS);
		F.head = F.tail;
	}
	ck_assert_uint_gt(c->rcvbuf.cap, cap0);
	ck_assert_uint_le(c->rcvbuf.cap, 6291456);
}
END_TEST

static Suite *tcp_sack_suite(void)
{
	Suite *s = suite_create("tcp_sack");
	TCase *r = tcase_create("receiver");
	tcase_add_checked_fixture(r, setup, teardown);
	tcase_add_test(r, test_blocks_after_a_hole_come_most_recent_first);
	tcase_add_test(r, test_three_blocks_fit_beside_a_timestamp);
	tcase_add_test(r, test_duplicate_data_is_reported_in_a_dsack_block_once);
	tcase_add_test(r, test_dsack_switched_off_sends_no_duplicate_block);
	suite_add_tcase(s, r);

	TCase *snd = tcase_create("sender");
	tcase_add_checked_fixture(snd, setup, teardown);
	tcase_add_test(snd, test_one_segment_lost_mid_window_is_resent_at_once_without_rto);
	tcase_add_test(snd, test_recovery_ending_with_nothing_in_flight_keeps_cwnd_at_ssthresh);
	tcase_add_test(snd, test_lost_retransmission_is_sent_again_without_rto);
	tcase_add_test(snd, test_two_holes_are_both_resent_before_the_rto);
	tcase_add_test(snd, test_rto_forgets_the_scoreboard);
	suite_add_tcase(s, snd);

	TCase *buf = tcase_create("buffers");
	tcase_add_checked_fixture(buf, setup, teardown);
	tcase_add_test(buf, test_initial_window_of_ten_segments);
	tcase_add_test(buf, test_send_buffer_grows_with_the_congestion_window);
	tcase_add_test(buf, test_receive_buffer_grows_when_the_reader_keeps_up);
	suite_add_tcase(s, buf);
	return s;
}

int main(void)
{
	return synfin_run_suite(tcp_sack_suite());
}
