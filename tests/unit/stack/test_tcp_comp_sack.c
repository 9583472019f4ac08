/* test_tcp_comp_sack.c: SACK compression under the virtual clock, as Linux's tcp_comp_sack: of
 * the duplicate ACKs that out-of-order segments draw, the first three for one RCV.NXT go at once
 * (the sender's fast retransmit needs them), later ones wait for the 1/20 of the RTT or
 * comp_sack_delay and go as one, carrying every block, or at once when comp_sack_nr are
 * waiting. Without SACK every duplicate ACK goes at once (RFC 5681 4.2). */
#include "stack_fixture.h"
#include "test_support.h"

static struct fx F;
static const char payload[100]; /* what the segments carry does not matter here */

static void setup(void)
{
	fx_init(&F);
}

static void teardown(void)
{
	fx_free(&F);
}

/* Passive open with a peer that offers SACK when sack; the handshake's RTT is 10 ms. */
static void passive(bool sack)
{
	fx_start(&F);
	F.popt.opts = sack ? TCP_OPTF_SACK_PERM : 0;
	fx_passive_established(&F);
	ck_assert(fx_conn(&F)->sack_ok == sack);
	ck_assert(fx_conn(&F)->rtt_valid);
}

/* The peer sends 100 bytes at offset off from its next sequence number (above a hole at 0). */
static void peer_sends_at(uint32_t off)
{
	fx_send_raw(&F, TCPF_ACK, F.peer_seq + off, F.peer_ack, payload, sizeof(payload));
}

/* The duplicate ACK that must go at once. */
static struct tcp_hdr dupack_now(void)
{
	fx_recv_one(&F, TCPF_ACK);
	struct tcp_hdr h = fx_last_opts(&F);
	ck_assert_uint_eq(h.ack, F.peer_seq);
	return h;
}

static uint64_t compressed(void)
{
	return stack_get_stats(F.s)->tcp_acks_compressed;
}

/* Segments at off, off + 200 and off + 400: the three duplicate ACKs that go at once. */
static void three_dupacks_at(uint32_t off)
{
	for (uint32_t at = off; at <= off + 400; at += 200) {
		peer_sends_at(at);
		dupack_now();
	}
}

START_TEST(test_the_fourth_duplicate_ack_waits_a_twentieth_of_the_rtt)
{
	passive(true);
	uint64_t wait = fx_conn(&F)->srtt / 20;
	ck_assert_uint_eq(wait, 500); /* 10 ms / 20, below comp_sack_delay's 1 ms */
	three_dupacks_at(100);
	peer_sends_at(700);
	uint64_t held_at = F.now;
	fx_recv_nothing(&F);
	fx_advance(&F, 100);
	peer_sends_at(900);
	fx_recv_nothing(&F);
	fx_advance(&F, wait - 101);
	fx_recv_nothing(&F);
	fx_advance(&F, 1);
	/* one ACK for both, timed from the first held back, with every block */
	struct tcp_hdr h = dupack_now();
	ck_assert_uint_eq(fx_last_at(&F), held_at + wait);
	ck_assert_uint_eq(h.n_sack, 4);
	ck_assert_uint_eq(h.sack[0].start - F.peer_seq, 900);
	ck_assert_uint_eq(h.sack[1].start - F.peer_seq, 700);
	ck_assert_uint_eq(compressed(), 1);
	fx_advance(&F, 10 * MS);
	fx_recv_nothing(&F);
}
END_TEST

START_TEST(test_the_wait_is_at_most_comp_sack_delay)
{
	F.tun.comp_sack_delay = 200;
	passive(true);
	three_dupacks_at(100);
	peer_sends_at(700);
	fx_recv_nothing(&F);
	uint64_t held_at = F.now;
	fx_advance(&F, 1 * MS);
	dupack_now();
	ck_assert_uint_eq(fx_last_at(&F), held_at + 200);
}
END_TEST

START_TEST(test_comp_sack_nr_waiting_send_the_next_at_once)
{
	F.tun.comp_sack_nr = 2;
	passive(true);
	three_dupacks_at(100);
	peer_sends_at(700);
	peer_sends_at(900);
	fx_recv_nothing(&F);
	peer_sends_at(1100);
	struct tcp_hdr h = dupack_now();
	ck_assert_uint_eq(h.sack[0].start - F.peer_seq, 1100);
	ck_assert_uint_eq(compressed(), 2);
	/* the ACK that went stopped the timer */
	fx_advance(&F, 10 * MS);
	fx_recv_nothing(&F);
}
END_TEST

START_TEST(test_comp_sack_nr_zero_sends_each_at_once)
{
	F.tun.comp_sack_nr = 0;
	passive(true);
	for (uint32_t off = 100; off <= 1100; off += 200) {
		peer_sends_at(off);
		dupack_now();
	}
	ck_assert_uint_eq(compressed(), 0);
}
END_TEST

START_TEST(test_without_sack_each_duplicate_ack_goes_at_once)
{
	passive(false);
	for (uint32_t off = 100; off <= 1100; off += 200) {
		peer_sends_at(off);
		struct tcp_hdr h = dupack_now();
		ck_assert_uint_eq(h.n_sack, 0);
	}
	ck_assert_uint_eq(compressed(), 0);
}
END_TEST

START_TEST(test_a_new_rcv_nxt_earns_three_more_at_once)
{
	passive(true);
	three_dupacks_at(200);
	peer_sends_at(800);
	fx_recv_nothing(&F);
	/* 0..100 arrives: RCV.NXT moves, the hole at 100 stays; this ACK takes the held one's place
	 */
	fx_send(&F, TCPF_ACK, payload, sizeof(payload));
	fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(fx_last_opts(&F).ack, F.peer_seq);
	ck_assert_uint_eq(compressed(), 1);
	three_dupacks_at(900);
	peer_sends_at(1500);
	fx_recv_nothing(&F);
}
END_TEST

static Suite *tcp_comp_sack_suite(void)
{
	Suite *s = suite_create("tcp_comp_sack");
	TCase *t = tcase_create("receiver");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_the_fourth_duplicate_ack_waits_a_twentieth_of_the_rtt);
	tcase_add_test(t, test_the_wait_is_at_most_comp_sack_delay);
	tcase_add_test(t, test_comp_sack_nr_waiting_send_the_next_at_once);
	tcase_add_test(t, test_comp_sack_nr_zero_sends_each_at_once);
	tcase_add_test(t, test_without_sack_each_duplicate_ack_goes_at_once);
	tcase_add_test(t, test_a_new_rcv_nxt_earns_three_more_at_once);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return synfin_run_suite(tcp_comp_sack_suite());
}
