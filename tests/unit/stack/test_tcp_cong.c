/* test_tcp_cong.c: the congestion avoidance algorithms under the virtual clock. CUBIC (RFC 9438)
 * is the default, as in Linux; it keeps 0.7 of the flight at a loss, lowers W_max when a window
 * stops short of the last one (fast convergence), grows along W_cubic(t) = C (t - K)^3 + W_max,
 * concave up to W_max and convex past it, and follows Reno's estimate where that is larger. */
#include "stack_fixture.h"
#include "test_support.h"

#include <math.h>

#define SMSS 1000u

static struct fx F;
static char big[8000];

static void setup(void)
{
	fx_init(&F);
	memset(big, 'c', sizeof(big));
}

static void teardown(void)
{
	fx_free(&F);
}

/* An established connection under algorithm cc, SMSS 1000, the given SRTT. */
static struct tcp_conn *established(enum tcp_cc cc, uint64_t srtt)
{
	F.tun.congestion_control = cc;
	fx_start(&F);
	fx_active_established(&F);
	struct tcp_conn *c = fx_conn(&F);
	c->snd_mss = SMSS;
	c->srtt = srtt;
	c->rtt_valid = true;
	return c;
}

/* A loss with segs segments in flight and as the window, as the stack's callers make it. */
static void loss_at(struct tcp_conn *c, unsigned segs)
{
	c->cwnd = segs * SMSS;
	c->snd_max = c->snd_una + segs * SMSS;
	c->ssthresh = tcp_cong_loss(c, tcp_flight_size(c));
	c->cwnd = c->ssthresh;
	c->snd_max = c->snd_una;
}

/* Every segment of the window acknowledged, one ACK each, spread over one RTT, until t_end;
 * returns the window in segments then. */
static double acked_until(struct tcp_conn *c, uint64_t *now, uint64_t rtt, uint64_t t_end)
{
	while (*now < t_end) {
		uint64_t round = *now;
		unsigned n = c->cwnd / SMSS;
		for (unsigned i = 0; i < n && *now < t_end; i++) {
			*now = round + rtt * i / n;
			tcp_cong_avoid(c, *now, SMSS);
		}
		*now = round + rtt;
	}
	return (double)c->cwnd / SMSS;
}

static double w_cubic(double t, double k, double w_max)
{
	return 0.4 * (t - k) * (t - k) * (t - k) + w_max;
}

/* RFC 9438 4.3's W_est after t seconds of ACKs from cwnd_epoch: alpha_cubic per RTT up to
 * cwnd_prior, then 1 per RTT. */
static double w_est(double t, double rtt, double epoch, double prior)
{
	double alpha = 3 * (1 - 0.7) / (1 + 0.7);
	double rtts_to_prior = (prior - epoch) / alpha;
	double rtts = t / rtt;
	return rtts <= rtts_to_prior ? epoch + alpha * rtts : prior + (rtts - rtts_to_prior);
}

START_TEST(test_cubic_and_ten_segments_are_the_defaults_as_in_linux)
{
	struct stack_tunables t;
	stack_tunables_default(&t);
	ck_assert_int_eq(t.congestion_control, TCP_CC_CUBIC);
	ck_assert_uint_eq(t.initcwnd, 10);
	enum tcp_cc cc = TCP_CC_RENO;
	ck_assert_int_eq(tcp_cc_parse("cubic", &cc), 0);
	ck_assert_int_eq(cc, TCP_CC_CUBIC);
	ck_assert_str_eq(tcp_cc_name(cc), "cubic");
	ck_assert_int_eq(tcp_cc_parse("reno", &cc), 0);
	ck_assert_int_eq(cc, TCP_CC_RENO);
	ck_assert_int_eq(tcp_cc_parse("vegas", &cc), -EINVAL);
	ck_assert_int_eq(tcp_cc_parse("", &cc), -EINVAL);
}
END_TEST

START_TEST(test_cubic_loss_keeps_seven_tenths_where_reno_keeps_half)
{
	struct tcp_conn *c = established(TCP_CC_CUBIC, 100 * MS);
	loss_at(c, 100);
	ck_assert_uint_eq(c->ssthresh, 70 * SMSS); /* RFC 9438 4.6: beta_cubic 0.7 */
	ck_assert_double_eq_tol(c->cubic.w_max, 100.0, 1e-9);
	ck_assert_double_eq_tol(c->cubic.cwnd_prior, 100.0, 1e-9);
	loss_at(c, 2); /* never below 2 SMSS */
	ck_assert_uint_eq(c->ssthresh, 2 * SMSS);
	fx_free(&F);

	fx_init(&F);
	c = established(TCP_CC_RENO, 100 * MS);
	loss_at(c, 100);
	ck_assert_uint_eq(c->ssthresh, 50 * SMSS); /* RFC 5681 (4) */
}
END_TEST

START_TEST(test_cubic_fast_convergence_lowers_w_max_of_a_window_that_stopped_short)
{
	struct tcp_conn *c = established(TCP_CC_CUBIC, 100 * MS);
	loss_at(c, 100);
	loss_at(c, 80); /* below W_max 100: (1 + beta) / 2 of it (RFC 9438 4.7) */
	ck_assert_double_eq_tol(c->cubic.w_max, 80 * 0.85, 1e-9);
	ck_assert_uint_eq(c->ssthresh, 56 * SMSS);
	loss_at(c, 90); /* above the lowered W_max: that window becomes W_max */
	ck_assert_double_eq_tol(c->cubic.w_max, 90.0, 1e-9);
}
END_TEST

START_TEST(test_cubic_window_is_concave_to_w_max_then_convex)
{
	const uint64_t rtt = 100 * MS;
	struct tcp_conn *c = established(TCP_CC_CUBIC, rtt);
	loss_at(c, 100);
	uint64_t t0 = F.now, now = F.now;
	double k = cbrt(30 / 0.4); /* RFC 9438 eq. 2: (W_max - cwnd_epoch) / C, 4.22 s */
	double before = 70;
	const double at[] = {0.5, 1, 2, 3, 4.2, 5};
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		double w = acked_until(c, &now, rtt, t0 + (uint64_t)(at[i] * SEC));
		/* within 3% of the curve (the window chases W_cubic one RTT ahead), which lies
		 * above Reno's estimate this far */
		double cubic = w_cubic(at[i], k, 100);
		ck_assert_double_gt(cubic, w_est(at[i], 0.1, 70, 100));
		ck_assert_double_eq_tol(w, cubic, 0.03 * cubic);
		ck_assert_double_ge(w, before);
		before = w;
	}
	/* the plateau: near W_max it grows least (4.4 then 4.5), under one segment in 1.2 s */
	ck_assert_double_lt(w_cubic(4.2, k, 100) - w_cubic(3, k, 100), 1.0);
}
END_TEST

START_TEST(test_cubic_follows_reno_estimate_where_it_is_larger)
{
	/* RTT 100 ms: from about 5.8 s on Reno's estimate (1 per RTT once it passed cwnd_prior
	 * at 5.7 s) outgrows the convex curve for a while; the window follows the larger */
	const uint64_t rtt = 100 * MS;
	struct tcp_conn *c = established(TCP_CC_CUBIC, rtt);
	loss_at(c, 100);
	uint64_t t0 = F.now, now = F.now;
	double k = cbrt(30 / 0.4);
	double w = acked_until(c, &now, rtt, t0 + 7 * SEC);
	double reno = w_est(7, 0.1, 70, 100);
	ck_assert_double_gt(reno, w_cubic(7, k, 100) + 3);
	ck_assert_double_eq_tol(w, reno, 0.03 * reno);

	/* RTT 1 ms: W_est outgrows W_cubic at once (86.7 after 1 s) and reaches 1043 segments */
	fx_free(&F);
	fx_init(&F);
	c = established(TCP_CC_CUBIC, 1 * MS);
	loss_at(c, 100);
	now = F.now;
	w = acked_until(c, &now, 1 * MS, F.now + 1 * SEC);
	reno = w_est(1, 0.001, 70, 100);
	ck_assert_double_eq_tol(w, reno, 0.03 * reno);
	ck_assert_double_gt(w, w_cubic(1, k, 100) * 5);
}
END_TEST

START_TEST(test_cubic_fast_retransmit_and_rto_through_the_stack)
{
	F.tun.congestion_control = TCP_CC_CUBIC;
	F.tun.initcwnd = 4;
	fx_start(&F);
	fx_active_established(&F);
	uint32_t una = F.peer_ack;
	tcp_send(F.s, F.now, F.sock, big, 4 * 1460);
	ck_assert_uint_eq(fx_pending(&F), 4);
	F.head = F.tail;
	fx_advance(&F, 5 * MS);
	for (int i = 0; i < 3; i++)
		fx_send(&F, TCPF_ACK, NULL, 0);
	struct segment *r = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(r->seq, una);
	struct tcp_info_view info;
	tcp_get_info(F.s, F.sock, &info);
	ck_assert_uint_eq(info.ssthresh, 4 * 1460 * 7 / 10); /* 0.7 of FlightSize, 4088 */
	/* nothing more: the RTO resends the head, window one segment, ssthresh 0.7 of the flight */
	fx_advance(&F, 1 * SEC);
	tcp_get_info(F.s, F.sock, &info);
	ck_assert_uint_eq(info.cwnd, 1460);
	ck_assert_uint_eq(info.ssthresh, 4 * 1460 * 7 / 10);
}
END_TEST

Suite *tcp_cong_suite(void)
{
	Suite *s = suite_create("tcp_cong");
	TCase *tc = tcase_create("cong");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cubic_and_ten_segments_are_the_defaults_as_in_linux);
	tcase_add_test(tc, test_cubic_loss_keeps_seven_tenths_where_reno_keeps_half);
	tcase_add_test(tc, test_cubic_fast_convergence_lowers_w_max_of_a_window_that_stopped_short);
	tcase_add_test(tc, test_cubic_window_is_concave_to_w_max_then_convex);
	tcase_add_test(tc, test_cubic_follows_reno_estimate_where_it_is_larger);
	tcase_add_test(tc, test_cubic_fast_retransmit_and_rto_through_the_stack);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(tcp_cong_suite());
}
