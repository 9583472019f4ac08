/* test_tcp_hystart.c: RFC 9406 HyStart++ in the first slow start, driven round by round: each
 * round the window goes out and comes back as ACKs of two segments, each segment with an RTT
 * sample. With a steady RTT slow start doubles the window per round; a round whose minimum RTT
 * has grown by RttThresh (clamp(last / 8, 4 ms, 16 ms)) enters Conservative Slow Start, a
 * quarter of the growth, and after CSS_ROUNDS (5, the partial first one counted) congestion
 * avoidance takes over with ssthresh at the window; a round back below CSS's baseline was
 * jitter. A loss, fewer than 8 samples, or the tunable off: plain RFC 5681 slow start. */
#include "stack_fixture.h"
#include "test_support.h"

#define SMSS 1000u

static struct fx F;

static void setup(void)
{
	fx_init(&F);
	F.tun.hystart = true;
}

static void teardown(void)
{
	fx_free(&F);
}

/* An established connection in its first slow start, SMSS 1000, a window of 10 segments. */
static struct tcp_conn *in_slow_start(void)
{
	fx_start(&F);
	fx_active_established(&F);
	struct tcp_conn *c = fx_conn(&F);
	c->snd_mss = SMSS;
	c->cwnd = 10 * SMSS;
	ck_assert_uint_eq(c->ssthresh, UINT32_MAX / 2);
	return c;
}

/* One round trip, ACK-clocked: the flight out (SND.UNA to SND.NXT) comes back as ACKs of two
 * segments, each segment with an RTT sample of rtt_us; each ACK grows the window as the stack
 * grows it and sends as much new data as it acknowledged plus the growth, so the next round's
 * flight is the window. Returns the samples the round had. */
static unsigned round_trip(struct tcp_conn *c, uint64_t rtt_us)
{
	if (c->snd_nxt == c->snd_una)
		c->snd_nxt += c->cwnd; /* the first flight */
	uint32_t segs = (c->snd_nxt - c->snd_una) / SMSS;
	unsigned samples = 0;
	for (uint32_t k = 0; k < segs; k += 2) {
		uint32_t n = segs - k < 2 ? segs - k : 2, inc = 0;
		for (uint32_t i = 0; i < n; i++, samples++)
			tcp_hystart_rtt(c, rtt_us);
		c->snd_una += n * SMSS;
		if (c->cwnd < c->ssthresh)
			inc = tcp_hystart_increase(c, c->snd_una, n * SMSS);
		c->cwnd += inc;
		c->snd_nxt += n * SMSS + inc;
	}
	return samples;
}

START_TEST(test_a_steady_rtt_doubles_the_window_every_round)
{
	struct tcp_conn *c = in_slow_start();
	for (int r = 0; r < 6; r++)
		round_trip(c, 50 * MS);
	ck_assert_uint_eq(c->cwnd, 640 * SMSS); /* 10 * 2^6 */
	ck_assert(!c->hystart.in_css);
	ck_assert_uint_eq(c->ssthresh, UINT32_MAX / 2);
}
END_TEST

/* Round trips of rtt_us until CSS begins, at most max of them: how many it took, or 0. A round
 * of HyStart++ ends when the segment that was last sent at its start is acknowledged, so it
 * runs a little behind the round trips driven here: a new RTT is judged within two of them. */
static int rounds_until_css(struct tcp_conn *c, uint64_t rtt_us, int max)
{
	for (int r = 1; r <= max; r++) {
		round_trip(c, rtt_us);
		if (c->hystart.in_css)
			return r;
	}
	return 0;
}

/* Two rounds at 50 ms, then 57 ms until CSS begins (within two round trips). */
static struct tcp_conn *in_css_after_50_then_57_ms(void)
{
	struct tcp_conn *c = in_slow_start();
	round_trip(c, 50 * MS);
	round_trip(c, 50 * MS);
	ck_assert_uint_eq(c->cwnd, 40 * SMSS);
	ck_assert_int_gt(rounds_until_css(c, 57 * MS, 2), 0);
	return c;
}

/* 50 ms rounds, then 57 ms: 7 ms over, past the threshold of 50 / 8 = 6.25 ms. CSS grows the
 * window by a quarter of slow start's (1.25 times per round, not 2), and 5 rounds after it
 * began congestion avoidance takes over at the window of that moment. */
START_TEST(test_a_delay_increase_enters_css_and_five_rounds_later_congestion_avoidance)
{
	struct tcp_conn *c = in_css_after_50_then_57_ms();
	ck_assert_uint_eq(c->hystart.css_baseline_min, 57 * MS);
	int in_css = 0;
	while (c->hystart.in_css && in_css < 10) {
		uint32_t before = c->cwnd;
		round_trip(c, 57 * MS);
		in_css++;
		if (c->hystart.in_css)
			ck_assert_uint_le(c->cwnd, before + before / 4 + SMSS);
	}
	ck_assert_int_ge(in_css, 4); /* 5 of HyStart's rounds, the partial first counted */
	ck_assert_int_le(in_css, 5);
	ck_assert(c->hystart.done);
	ck_assert_uint_lt(c->ssthresh, UINT32_MAX / 2);
	ck_assert_uint_le(c->cwnd, c->ssthresh + 2 * SMSS); /* congestion avoidance from there */
	/* and slow start is over: the rounds after grow it no more */
	uint32_t after = c->cwnd;
	round_trip(c, 57 * MS);
	ck_assert_uint_eq(c->cwnd, after);
}
END_TEST

START_TEST(test_a_round_back_below_the_css_baseline_resumes_slow_start)
{
	struct tcp_conn *c = in_css_after_50_then_57_ms();
	for (int r = 0; r < 2 && c->hystart.in_css; r++)
		round_trip(c, 52 * MS); /* below 57: the rise was jitter */
	ck_assert(!c->hystart.in_css);
	ck_assert(!c->hystart.done);
	round_trip(c, 52 * MS);
	uint32_t before = c->cwnd;
	round_trip(c, 52 * MS);
	ck_assert_uint_eq(c->cwnd, before + before / SMSS * SMSS); /* every full segment again */
}
END_TEST

/* The threshold's bounds: 4 ms at a short RTT (a 3 ms rise of a 10 ms RTT is not enough),
 * 16 ms at a long one (a 20 ms rise of 200 ms is not enough either, though over 200 / 8). */
START_TEST(test_the_threshold_is_clamped_to_4_and_16_ms)
{
	struct tcp_conn *c = in_slow_start();
	round_trip(c, 10 * MS);
	round_trip(c, 10 * MS);
	ck_assert_int_eq(rounds_until_css(c, 13 * MS, 3), 0);
	ck_assert_int_gt(rounds_until_css(c, 17 * MS, 2), 0);

	teardown();
	setup();
	c = in_slow_start();
	round_trip(c, 200 * MS);
	round_trip(c, 200 * MS);
	ck_assert_int_eq(rounds_until_css(c, 215 * MS, 3), 0);
	ck_assert_int_gt(rounds_until_css(c, 231 * MS, 2), 0);
}
END_TEST

/* A window of 3 segments, then of 6: the 6 samples of a slower second round are under
 * N_RTT_SAMPLE, and decide nothing. */
START_TEST(test_fewer_than_8_samples_decide_nothing)
{
	struct tcp_conn *c = in_slow_start();
	c->cwnd = 3 * SMSS;
	round_trip(c, 50 * MS);
	ck_assert_uint_eq(c->cwnd, 6 * SMSS);
	ck_assert_uint_eq(round_trip(c, 80 * MS), 6);
	ck_assert(!c->hystart.in_css);
	ck_assert_uint_eq(c->cwnd, 12 * SMSS);
}
END_TEST

/* An ACK of 20 segments grows the window by L = 8 at most (the stack does not pace). */
START_TEST(test_one_ack_grows_the_window_by_8_segments_at_most)
{
	struct tcp_conn *c = in_slow_start();
	c->snd_una += 20 * SMSS;
	c->snd_nxt = c->snd_una;
	ck_assert_uint_eq(tcp_hystart_increase(c, c->snd_nxt, 20 * SMSS), 8 * SMSS);
	ck_assert_uint_eq(tcp_hystart_increase(c, c->snd_nxt, 3 * SMSS), 3 * SMSS);
}
END_TEST

/* After a loss, and with the tunable off, slow start is RFC 5681's: one SMSS per ACK at most. */
START_TEST(test_a_loss_or_the_tunable_off_leaves_rfc_5681_slow_start)
{
	struct tcp_conn *c = in_slow_start();
	round_trip(c, 50 * MS);
	tcp_cong_loss(c, c->cwnd);
	ck_assert(c->hystart.done);
	ck_assert_uint_eq(tcp_hystart_increase(c, c->snd_nxt, 2 * SMSS), SMSS);

	teardown();
	setup();
	F.tun.hystart = false;
	c = in_slow_start();
	ck_assert_uint_eq(tcp_hystart_increase(c, c->snd_nxt, 2 * SMSS), SMSS);
	round_trip(c, 50 * MS);
	ck_assert_uint_eq(c->cwnd, 15 * SMSS); /* 5 ACKs of 2 segments, one SMSS each */
}
END_TEST

static Suite *hystart_suite(void)
{
	Suite *s = suite_create("tcp_hystart");
	TCase *tc = tcase_create("rounds");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_a_steady_rtt_doubles_the_window_every_round);
	tcase_add_test(tc,
	               test_a_delay_increase_enters_css_and_five_rounds_later_congestion_avoidance);
	tcase_add_test(tc, test_a_round_back_below_the_css_baseline_resumes_slow_start);
	tcase_add_test(tc, test_the_threshold_is_clamped_to_4_and_16_ms);
	tcase_add_test(tc, test_fewer_than_8_samples_decide_nothing);
	tcase_add_test(tc, test_one_ack_grows_the_window_by_8_segments_at_most);
	tcase_add_test(tc, test_a_loss_or_the_tunable_off_leaves_rfc_5681_slow_start);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(hystart_suite());
}
