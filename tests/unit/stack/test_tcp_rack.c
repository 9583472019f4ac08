/* test_tcp_rack.c: RFC 8985 RACK-TLP under the virtual clock. RACK marks a segment lost once a
 * segment sent after it was SACKed and its reordering window (min_RTT / 4) has passed, not
 * before; a reordering inside the window resends nothing; the tail loss probe goes 2 SRTT (+ 2 ms,
 * as Linux) after the tail and repairs it with no RTO; its D-SACK leaves the window alone, a
 * repaired loss halves it once; new data sent after the oldest segment outlived its RTO waits a
 * whole PTO (Linux), and a lone FIN is probed after its PTO; both switched off, the RTO alone
 * recovers, as before. */
#include "stack_fixture.h"
#include "test_support.h"

#define SEG 1460u

static struct fx F;
static char big[70000];

static void setup(void)
{
	fx_init(&F);
	memset(big, 'r', sizeof(big));
}

static void teardown(void)
{
	fx_free(&F);
}

/* Active open with SACK over a 10 ms handshake (SRTT and min_RTT 10 ms), then three full
 * segments (the initial window) sent at once at t0; returns SND.UNA. */
static uint32_t three_segments_in_flight(uint64_t *t0)
{
	fx_start(&F);
	F.popt.opts = TCP_OPTF_SACK_PERM;
	fx_active_established(&F);
	ck_assert(fx_conn(&F)->sack_ok);
	ck_assert_uint_eq(fx_conn(&F)->srtt, 10 * MS);
	tcp_set_nodelay(F.s, F.now, F.sock, true);
	*t0 = F.now;
	ck_assert_int_eq(tcp_send(F.s, F.now, F.sock, big, 3 * SEG), 3 * SEG);
	ck_assert_uint_eq(fx_pending(&F), 3);
	F.head = F.tail;
	return F.peer_ack;
}

/* The peer's duplicate ACK of una SACKing [una + first * SEG, una + end * SEG). */
static void peer_sacks(uint32_t una, unsigned first, unsigned end)
{
	F.popt.n_sack = 1;
	F.popt.sack[0].start = una + first * SEG;
	F.popt.sack[0].end = una + end * SEG;
	fx_send_raw(&F, TCPF_ACK, F.peer_seq, una, NULL, 0);
	F.popt.n_sack = 0;
}

static void peer_acks(uint32_t ack)
{
	F.peer_ack = ack;
	fx_send(&F, TCPF_ACK, NULL, 0);
}

START_TEST(test_rack_marks_a_segment_lost_after_its_reordering_window_not_before)
{
	uint64_t t0;
	uint32_t una = three_segments_in_flight(&t0);
	fx_run_until(&F, t0 + 10 * MS);
	/* the second segment arrives, the first not: RACK.rtt 10 ms, reo_wnd 10 / 4 ms */
	peer_sacks(una, 1, 2);
	fx_recv_nothing(&F);
	fx_run_until(&F, t0 + 12500 - 1);
	fx_recv_nothing(&F);
	ck_assert_uint_eq(stack_get_stats(F.s)->tcp_retransmits, 0);
	fx_run_until(&F, t0 + 12500);
	struct segment *r = fx_recv(&F);
	ck_assert_uint_eq(r->seq, una);
	ck_assert_uint_eq(r->payload_len, SEG);
	ck_assert_uint_eq(fx_last_at(&F), t0 + 12500);
	fx_recv_nothing(&F);
	ck_assert_uint_eq(stack_get_stats(F.s)->tcp_fast_retransmits, 1);
	ck_assert(fx_conn(&F)->sack_recovery);
	/* the third segment was sent with the second: not lost, not resent */
	ck_assert(!tcp_rack_is_lost(fx_conn(&F), una + 2 * SEG));
}
END_TEST

/* RFC 8985 6.2 step 2: reordering is a segment delivered below RACK.fack, the highest one
 * delivered before it; segments delivered in order show none, whatever the ISS (RACK.fack is
 * nothing before the first delivery). Seen, it would widen the window of every recovery. */
START_TEST(test_segments_delivered_in_order_show_no_reordering)
{
	uint64_t t0;
	uint32_t una = three_segments_in_flight(&t0);
	fx_run_until(&F, t0 + 10 * MS);
	for (uint32_t k = 1; k <= 3; k++)
		peer_acks(una + k * SEG);
	ck_assert(!fx_conn(&F)->rack.reordering_seen);
	/* the fixture's ISS lies in the half of the sequence space below 0 (mod 2^32) */
	ck_assert(seq_lt(una, 0));
}
END_TEST

START_TEST(test_a_reordering_within_the_window_resends_nothing)
{
	uint64_t t0;
	uint32_t una = three_segments_in_flight(&t0);
	fx_run_until(&F, t0 + 10 * MS);
	peer_sacks(una, 1, 2);
	/* the first segment comes 2 ms late, inside the 2.5 ms window */
	fx_run_until(&F, t0 + 12 * MS);
	peer_acks(una + 2 * SEG);
	fx_run_until(&F, t0 + 14 * MS);
	peer_acks(una + 3 * SEG);
	fx_advance(&F, 1 * SEC);
	fx_recv_nothing(&F);
	ck_assert_uint_eq(stack_get_stats(F.s)->tcp_retransmits, 0);
	struct tcp_conn *c = fx_conn(&F);
	ck_assert(c->rack.reordering_seen);
	ck_assert(!c->in_recovery);
	ck_assert_uint_eq(c->cwnd, 5 * SEG); /* slow start went on */
}
END_TEST

/* RFC 8985 7.2: nothing ACKed since the tail went: PTO = 2 SRTT + 2 ms after it. */
static uint32_t tail_probe_at_two_srtt(uint64_t *t0)
{
	uint32_t una = three_segments_in_flight(t0);
	fx_run_until(&F, *t0 + 22 * MS - 1);
	fx_recv_nothing(&F);
	fx_run_until(&F, *t0 + 22 * MS);
	struct segment *p = fx_recv(&F);
	ck_assert_uint_eq(p->seq, una + 2 * SEG); /* the last segment again */
	ck_assert_uint_eq(p->payload_len, SEG);
	ck_assert_uint_eq(fx_last_at(&F), *t0 + 22 * MS);
	fx_recv_nothing(&F);
	ck_assert(fx_conn(&F)->rack.tlp_on);
	return una;
}

START_TEST(test_tlp_fires_two_srtt_after_the_tail_and_repairs_it_without_rto)
{
	uint64_t t0;
	uint32_t una = tail_probe_at_two_srtt(&t0);
	struct tcp_conn *c = fx_conn(&F);
	uint32_t cwnd = c->cwnd;
	/* the probe's ACK covers everything: the lost tail is repaired */
	fx_run_until(&F, t0 + 32 * MS);
	peer_acks(una + 3 * SEG);
	fx_advance(&F, 2 * SEC);
	fx_recv_nothing(&F);
	ck_assert_uint_eq(stack_get_stats(F.s)->tcp_retransmits, 1);
	ck_assert_uint_eq(c->retransmits, 0); /* no timeout */
	ck_assert_uint_ge(c->cwnd, cwnd);
}
END_TEST

START_TEST(test_a_probe_that_was_not_needed_leaves_the_window_alone)
{
	uint64_t t0;
	uint32_t una = tail_probe_at_two_srtt(&t0);
	struct tcp_conn *c = fx_conn(&F);
	fx_run_until(&F, t0 + 30 * MS);
	peer_acks(una + 3 * SEG);
	uint32_t cwnd = c->cwnd;
	/* the original arrived too: the probe draws a D-SACK (RFC 2883) */
	F.popt.n_sack = 1;
	F.popt.sack[0].start = una + 2 * SEG;
	F.popt.sack[0].end = una + 3 * SEG;
	fx_run_until(&F, t0 + 32 * MS);
	fx_send(&F, TCPF_ACK, NULL, 0);
	ck_assert(!c->rack.tlp_on);
	ck_assert_uint_eq(c->cwnd, cwnd);
}
END_TEST

START_TEST(test_a_probe_that_repaired_a_loss_halves_the_window_once)
{
	uint64_t t0;
	uint32_t una = tail_probe_at_two_srtt(&t0);
	struct tcp_conn *c = fx_conn(&F);
	fx_run_until(&F, t0 + 32 * MS);
	peer_acks(una + 3 * SEG);
	uint32_t cwnd = c->cwnd;
	/* no D-SACK, no duplicate ACK: an ACK past the probe's end says it plugged the hole */
	tcp_send(F.s, F.now, F.sock, big, SEG);
	F.head = F.tail;
	fx_run_until(&F, t0 + 42 * MS);
	peer_acks(una + 4 * SEG);
	ck_assert(!c->rack.tlp_on);
	/* half of what the window was, with this ACK's slow-start step or without */
	ck_assert_uint_ge(c->cwnd, cwnd / 2);
	ck_assert_uint_le(c->cwnd, (cwnd + SEG) / 2);
	ck_assert_uint_gt(c->cwnd, c->snd_mss); /* not the RTO's one segment */
	ck_assert(!c->in_recovery);
}
END_TEST

/* RFC 8985 7.2 with Linux's bound: the PTO is cut to the time the RTO has left, counted from
 * the oldest segment's transmission. ACKs that advance re-arm the RTO, so that segment may be
 * older than the RTO; new data sent then waits a whole PTO for its probe, not none. */
START_TEST(test_new_data_after_the_head_outlived_its_rto_waits_a_whole_pto)
{
	F.tun.rto_min = 1 * MS; /* RTO = SRTT + 4 RTTVAR, under the probe's 2 SRTT + 2 ms */
	uint64_t t0;
	uint32_t una = three_segments_in_flight(&t0);
	struct tcp_conn *c = fx_conn(&F);
	ck_assert_uint_eq(c->rto, 30 * MS);
	/* the first segment's ACK, just before the probe: RTT 21 ms, the RTO re-armed from now */
	fx_run_until(&F, t0 + 21 * MS);
	peer_acks(una + SEG);
	fx_recv_nothing(&F);
	ck_assert_uint_eq(c->srtt, 11375);
	ck_assert_uint_eq(c->rto, 37375);
	/* the second segment went at t0: at t0 + 40 ms its RTO time has passed; new data goes */
	fx_run_until(&F, t0 + 40 * MS);
	ck_assert_int_eq(tcp_send(F.s, F.now, F.sock, big, SEG), SEG);
	struct segment *n = fx_recv(&F);
	ck_assert_uint_eq(n->seq, una + 3 * SEG);
	fx_recv_nothing(&F);
	uint64_t pto = 2 * 11375 + 2 * MS;
	fx_run_until(&F, t0 + 40 * MS + pto - 1);
	fx_recv_nothing(&F);
	fx_run_until(&F, t0 + 40 * MS + pto);
	struct segment *p = fx_recv(&F);
	ck_assert_uint_eq(p->seq, una + 3 * SEG); /* the last segment again */
	ck_assert_uint_eq(fx_last_at(&F), t0 + 40 * MS + pto);
	ck_assert(c->rack.tlp_on);
	ck_assert_uint_eq(c->retransmits, 0);
}
END_TEST

/* A FIN alone in flight (a half-close's) is probed like a segment, after the one-segment PTO
 * (2 SRTT + rto_min, cut to the RTO's time as Linux does), never at once. */
START_TEST(test_a_lone_fin_is_probed_after_the_pto_not_at_once)
{
	fx_start(&F);
	F.popt.opts = TCP_OPTF_SACK_PERM;
	fx_active_established(&F);
	struct tcp_conn *c = fx_conn(&F);
	ck_assert_uint_eq(c->rto, 200 * MS); /* 2 SRTT + rto_min = 220 ms: the RTO's time */
	uint64_t t0 = F.now;
	ck_assert_int_eq(tcp_shutdown_write(F.s, F.now, F.sock), 0);
	struct segment *fin = fx_recv_one(&F, TCPF_FIN | TCPF_ACK);
	uint32_t fin_seq = fin->seq;
	fx_run_until(&F, t0 + 200 * MS - 1);
	fx_recv_nothing(&F);
	fx_run_until(&F, t0 + 200 * MS);
	struct segment *p = fx_recv_one(&F, TCPF_FIN | TCPF_ACK);
	ck_assert_uint_eq(p->seq, fin_seq);
	ck_assert_uint_eq(fx_last_at(&F), t0 + 200 * MS);
	ck_assert(c->rack.tlp_on);
	ck_assert_uint_eq(c->retransmits, 0); /* the probe, not the RTO */
}
END_TEST

START_TEST(test_switched_off_the_rto_alone_recovers_as_before)
{
	F.tun.recovery = 0;
	F.tun.early_retrans = 0;
	uint64_t t0;
	uint32_t una = three_segments_in_flight(&t0);
	fx_run_until(&F, t0 + 10 * MS);
	peer_sacks(una, 1, 2);
	/* no reordering timer, no probe: one SACKed segment is no loss for RFC 6675 */
	fx_run_until(&F, t0 + 200 * MS - 1);
	fx_recv_nothing(&F);
	ck_assert_uint_eq(fx_conn(&F)->rack.len, 0);
	fx_run_until(&F, t0 + 200 * MS);
	struct segment *r = fx_recv(&F);
	ck_assert_uint_eq(r->seq, una);
	ck_assert_uint_eq(fx_conn(&F)->retransmits, 1);
	ck_assert_uint_eq(stack_get_stats(F.s)->tcp_fast_retransmits, 0);
}
END_TEST

START_TEST(test_without_sack_there_is_no_probe)
{
	fx_start(&F);
	fx_active_established(&F);
	uint64_t t0 = F.now;
	tcp_set_nodelay(F.s, F.now, F.sock, true);
	tcp_send(F.s, F.now, F.sock, big, 3 * SEG);
	F.head = F.tail;
	fx_run_until(&F, t0 + 200 * MS - 1);
	fx_recv_nothing(&F);
	fx_run_until(&F, t0 + 200 * MS);
	fx_recv(&F);
	ck_assert_uint_eq(fx_conn(&F)->retransmits, 1);
}
END_TEST

static Suite *tcp_rack_suite(void)
{
	Suite *s = suite_create("tcp_rack");
	TCase *rack = tcase_create("rack");
	tcase_add_checked_fixture(rack, setup, teardown);
	tcase_add_test(rack, test_rack_marks_a_segment_lost_after_its_reordering_window_not_before);
	tcase_add_test(rack, test_segments_delivered_in_order_show_no_reordering);
	tcase_add_test(rack, test_a_reordering_within_the_window_resends_nothing);
	suite_add_tcase(s, rack);

	TCase *tlp = tcase_create("tlp");
	tcase_add_checked_fixture(tlp, setup, teardown);
	tcase_add_test(tlp, test_tlp_fires_two_srtt_after_the_tail_and_repairs_it_without_rto);
	tcase_add_test(tlp, test_a_probe_that_was_not_needed_leaves_the_window_alone);
	tcase_add_test(tlp, test_a_probe_that_repaired_a_loss_halves_the_window_once);
	tcase_add_test(tlp, test_new_data_after_the_head_outlived_its_rto_waits_a_whole_pto);
	tcase_add_test(tlp, test_a_lone_fin_is_probed_after_the_pto_not_at_once);
	suite_add_tcase(s, tlp);

	TCase *off = tcase_create("off");
	tcase_add_checked_fixture(off, setup, teardown);
	tcase_add_test(off, test_switched_off_the_rto_alone_recovers_as_before);
	tcase_add_test(off, test_without_sack_there_is_no_probe);
	suite_add_tcase(s, off);
	return s;
}

int main(void)
{
	return synfin_run_suite(tcp_rack_suite());
}
