/* tcp_hystart.c: RFC 9406 HyStart++, the first slow start of a connection. Slow start doubles
 * the window every round trip until a loss; by then the window can be twice what the path
 * holds, and the losses of one round overflow any recovery. HyStart++ watches each round's
 * minimum RTT: when it has grown by RttThresh over the last round's (a queue is building), the
 * window grows a quarter as fast (Conservative Slow Start) for up to 5 rounds, then congestion
 * avoidance takes over with ssthresh at the window; a round whose RTT falls back below where CSS
 * began was jitter, and slow start resumes. Only the first slow start uses it (4.3): later ones
 * have the ssthresh a loss set. The stack does not pace, so an ACK grows the window by at most
 * L = 8 segments (4.2).
 * RTT samples come per newly delivered segment (RACK's, tcp_rack.c), not per ACK: a cumulative
 * ACK of two segments counts two toward N_RTT_SAMPLE, and its minimum is the round's either way.
 * Pure: no clock is read; the samples carry the time. */
#include "stack_internal.h"

/* RFC 9406 4.3's constants. */
#define MIN_RTT_THRESH_US 4000u
#define MAX_RTT_THRESH_US 16000u
#define MIN_RTT_DIVISOR 8u
#define N_RTT_SAMPLE 8u
#define CSS_GROWTH_DIVISOR 4u
#define CSS_ROUNDS 5u
#define NON_PACED_L 8u

static bool hystart_on(const struct tcp_conn *c)
{
	return c->stack->tun.hystart && !c->hystart.done;
}

void tcp_hystart_rtt(struct tcp_conn *c, uint64_t rtt)
{
	struct tcp_hystart *h = &c->hystart;

	/* rounds begin with the first ACK of data: the handshake's sample belongs to none */
	if (!hystart_on(c) || c->cwnd >= c->ssthresh || !h->round_started)
		return;
	if (rtt == 0)
		rtt = 1; /* 0 is "none yet" */
	if (!h->round_min || rtt < h->round_min)
		h->round_min = rtt;
	h->samples++;
}

void tcp_hystart_loss(struct tcp_conn *c)
{
	c->hystart.done = true;
	c->hystart.in_css = false;
}

/* 4.2: a round ends when its last segment (SND.NXT when it began) is acknowledged, and a new
 * one begins with this ACK. */
static void next_round(struct tcp_conn *c, uint32_t ack)
{
	struct tcp_hystart *h = &c->hystart;

	if (h->round_started && seq_lt(ack, h->window_end))
		return;
	h->round_started = true;
	h->window_end = c->snd_nxt;
	h->last_round_min = h->round_min;
	h->round_min = 0;
	h->samples = 0;
	if (h->in_css && ++h->css_rounds >= CSS_ROUNDS) {
		/* CSS_ROUNDS rounds in CSS: congestion avoidance, from this window */
		c->ssthresh = c->cwnd;
		h->in_css = false;
		h->done = true;
	}
}

/* 4.2: a delay increase ends slow start for CSS; in CSS, a round with an RTT below where CSS
 * began was jitter, and slow start resumes. Each needs N_RTT_SAMPLE samples of the round. */
static void check_delay(struct tcp_hystart *h)
{
	if (h->samples < N_RTT_SAMPLE || !h->round_min)
		return;
	if (h->in_css) {
		if (h->round_min < h->css_baseline_min) {
			h->in_css = false;
			h->css_baseline_min = 0;
		}
		return;
	}
	if (!h->last_round_min)
		return;
	uint64_t thresh = h->last_round_min / MIN_RTT_DIVISOR;
	if (thresh < MIN_RTT_THRESH_US)
		thresh = MIN_RTT_THRESH_US;
	if (thresh > MAX_RTT_THRESH_US)
		thresh = MAX_RTT_THRESH_US;
	if (h->round_min >= h->last_round_min + thresh) {
		h->in_css = true;
		h->css_baseline_min = h->round_min;
		h->css_rounds = 1; /* the round CSS begins in counts (4.2) */
	}
}

uint32_t tcp_hystart_increase(struct tcp_conn *c, uint32_t ack, uint32_t acked)
{
	if (!hystart_on(c))
		return acked < c->snd_mss ? acked : c->snd_mss; /* RFC 5681 (2) */
	struct tcp_hystart *h = &c->hystart;
	uint32_t limit = NON_PACED_L * c->snd_mss;
	uint32_t inc = acked < limit ? acked : limit;

	check_delay(h);
	if (h->in_css)
		inc /= CSS_GROWTH_DIVISOR;
	next_round(c, ack);
	return inc;
}
