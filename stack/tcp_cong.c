/* tcp_cong.c: the congestion window in congestion avoidance, and its answer to a loss, by
 * algorithm (the tunable congestion_control): Reno (RFC 5681 3.1) or CUBIC (RFC 9438), Linux's
 * default. Slow start and fast recovery are RFC 5681's and RFC 6675's for both, as RFC 9438 4.10
 * and 4.6 allow, with RFC 9406 HyStart++ (tcp_hystart.c) in the first slow start, where Linux
 * has its own HyStart.
 * Pure: time is passed in. CUBIC counts its window in segments, as the RFC writes it, in
 * doubles: user space has no reason to approximate the cube root in fixed point as Linux must. */
#include "stack_internal.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* RFC 9438 5.1 and 4.6: C = 0.4, beta_cubic = 0.7. */
#define CUBIC_C 0.4
#define CUBIC_BETA 0.7
/* RFC 9438 4.3: alpha_cubic = 3 (1 - beta_cubic) / (1 + beta_cubic), Reno's AIMD friendly. */
#define CUBIC_ALPHA (3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA))

const char *tcp_cc_name(enum tcp_cc cc)
{
	return cc == TCP_CC_CUBIC ? "cubic" : "reno";
}

int tcp_cc_parse(const char *name, enum tcp_cc *cc)
{
	if (!strcmp(name, "reno"))
		*cc = TCP_CC_RENO;
	else if (!strcmp(name, "cubic"))
		*cc = TCP_CC_CUBIC;
	else
		return -EINVAL;
	return 0;
}

static double in_segments(const struct tcp_conn *c, uint32_t bytes)
{
	return (double)bytes / c->snd_mss;
}

static uint32_t in_bytes(const struct tcp_conn *c, double segments)
{
	double b = segments * c->snd_mss;
	return b >= (double)UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)b;
}

/* RFC 9438 4.2, equation 1: W_cubic(t) = C (t - K)^3 + W_max, t in seconds. */
static double w_cubic(const struct tcp_cubic *k, double t)
{
	double d = t - k->k;
	return CUBIC_C * d * d * d + k->w_max;
}

/* RFC 9438 4.2: a congestion avoidance epoch starts with the first ACK in congestion avoidance
 * after slow start or after a loss; K from equation 2 with cwnd_epoch the window now. With no
 * W_max above the window (the first epoch, or after an RTO), the window itself is the plateau
 * and K is 0, as Linux's bictcp_update does. */
static void cubic_epoch_start(struct tcp_conn *c, uint64_t now, double cwnd)
{
	struct tcp_cubic *k = &c->cubic;

	k->in_epoch = true;
	k->epoch_start = now;
	if (k->w_max > cwnd) {
		k->k = cbrt((k->w_max - cwnd) / CUBIC_C);
	} else {
		k->k = 0;
		k->w_max = cwnd;
	}
	k->w_est = cwnd;
}

/* RFC 9438 4.3 to 4.5, per ACK of new data in congestion avoidance. */
static void cubic_avoid(struct tcp_conn *c, uint64_t now, uint32_t acked)
{
	struct tcp_cubic *k = &c->cubic;
	double cwnd = in_segments(c, c->cwnd);
	double segs_acked = in_segments(c, acked);

	if (!k->in_epoch)
		cubic_epoch_start(c, now, cwnd);
	double t = (double)(now - k->epoch_start) / 1e6;
	double rtt = c->rtt_valid ? (double)c->srtt / 1e6 : 0;

	/* 4.3: W_est grows as Reno's would, by alpha_cubic per window, and by 1 once it has
	 * reached the window before the last reduction */
	double alpha = k->w_est >= k->cwnd_prior ? 1.0 : CUBIC_ALPHA;
	k->w_est += alpha * segs_acked / cwnd;
	if (w_cubic(k, t) < k->w_est) {
		if (k->w_est > cwnd)
			c->cwnd = in_bytes(c, k->w_est); /* the Reno-friendly region */
		return;
	}
	/* 4.4, 4.5: toward W_cubic one RTT ahead, at most 1.5 times the window per RTT */
	double target = w_cubic(k, t + rtt);
	if (target < cwnd)
		target = cwnd;
	if (target > 1.5 * cwnd)
		target = 1.5 * cwnd;
	double grown = cwnd + (target - cwnd) / cwnd * segs_acked;
	uint32_t next = in_bytes(c, grown);
	c->cwnd = next > c->cwnd ? next : c->cwnd;
}

/* RFC 5681 (3): about one segment per RTT, by SMSS * SMSS / cwnd per ACK. */
static void reno_avoid(struct tcp_conn *c)
{
	uint32_t inc = (uint32_t)((uint64_t)c->snd_mss * c->snd_mss / c->cwnd);
	c->cwnd += inc ? inc : 1;
}

void tcp_cong_avoid(struct tcp_conn *c, uint64_t now, uint32_t acked)
{
	if (c->stack->tun.congestion_control == TCP_CC_CUBIC)
		cubic_avoid(c, now, acked);
	else
		reno_avoid(c);
}

/* A loss: fast retransmit, SACK loss recovery, the RTO (flight is FlightSize), or a tail loss
 * probe that repaired one (flight is cwnd, as Linux's tcp_process_tlp_ack: the ACK that shows it
 * has emptied the flight). Reno: RFC 5681 (4), max(flight / 2, 2 SMSS). CUBIC: RFC 9438 4.6,
 * flight * beta_cubic and at least 2 SMSS; W_max with 4.7's fast convergence (a window that
 * stopped short of the last W_max gives way to other flows), and the next epoch starts afresh. */
uint32_t tcp_cong_loss(struct tcp_conn *c, uint32_t flight)
{
	uint32_t floor = 2u * c->snd_mss;

	tcp_hystart_loss(c); /* RFC 9406 4.2: a loss ends slow start and CSS alike */
	if (c->stack->tun.congestion_control != TCP_CC_CUBIC) {
		uint32_t half = flight / 2;
		return half > floor ? half : floor;
	}
	struct tcp_cubic *k = &c->cubic;
	double cwnd = in_segments(c, c->cwnd);

	k->cwnd_prior = cwnd;
	k->w_max = cwnd < k->w_max ? cwnd * (1.0 + CUBIC_BETA) / 2.0 : cwnd;
	k->in_epoch = false;
	uint32_t reduced = (uint32_t)((uint64_t)flight * 7 / 10); /* beta_cubic, exactly */
	return reduced > floor ? reduced : floor;
}

/* RFC 5681 4.1 restarts the window after idle; a CUBIC epoch measured across the idle time would
 * jump the window, so the next ACK in congestion avoidance starts a new one. */
void tcp_cong_restart(struct tcp_conn *c)
{
	c->cubic.in_epoch = false;
}
