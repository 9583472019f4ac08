/* tcp_timer.c: timers as deadlines, the RTO estimator (RFC 6298) and what each timer does when
 * it fires: retransmission with backoff (or a tail loss probe in its place), zero-window
 * probes, delayed ACKs, TIME-WAIT, the FIN-WAIT-2 limit and RACK's reordering timer. */
#include <errno.h>

#include "stack_internal.h"

/* c->deadline is always the earliest of c->timer[] (STACK_TIME_NEVER once dead): the heap is
 * told only when that moves, not on every re-arm of a later timer. */
void tcp_timer_set(struct tcp_conn *c, enum tcp_timer t, uint64_t when)
{
	uint64_t old = c->timer[t];

	c->timer[t] = when;
	if (when < c->deadline || (old == c->deadline && when != old))
		conn_heap_update(c);
}

void tcp_timer_stop(struct tcp_conn *c, enum tcp_timer t)
{
	uint64_t old = c->timer[t];

	if (old == STACK_TIME_NEVER)
		return;
	c->timer[t] = STACK_TIME_NEVER;
	if (old == c->deadline)
		conn_heap_update(c);
}

uint64_t tcp_conn_deadline(const struct tcp_conn *c)
{
	uint64_t d = STACK_TIME_NEVER;

	if (c->dead)
		return d;
	for (int t = 0; t < TCP_T__COUNT; t++) {
		if (c->timer[t] < d)
			d = c->timer[t];
	}
	return d;
}

static uint64_t clamp_rto(const struct tcp_conn *c, uint64_t rto)
{
	const struct stack_tunables *tun = &c->stack->tun;

	if (rto < tun->rto_min)
		rto = tun->rto_min;
	if (rto > tun->rto_max)
		rto = tun->rto_max;
	return rto;
}

/* RFC 6298 2.2 and 2.3, with alpha = 1/8 and beta = 1/4. The clock has 1 us granularity, so G
 * is 1 us; rto_min (Linux 200 ms instead of the RFC's 1 s, 2.4) and rto_max bound the result. */
void tcp_rtt_sample(struct tcp_conn *c, uint64_t r)
{
	if (!c->rtt_valid) {
		c->srtt = r;
		c->rttvar = r / 2;
		c->rtt_valid = true;
	} else {
		uint64_t err = c->srtt > r ? c->srtt - r : r - c->srtt;
		c->rttvar = (3 * c->rttvar + err) / 4;
		c->srtt = (7 * c->srtt + r) / 8;
	}
	uint64_t var = 4 * c->rttvar;
	c->rto = clamp_rto(c, c->srtt + (var > 1 ? var : 1));
}

/* RFC 6298 3: one segment at a time is timed, from its first transmission; Karn's rule (never
 * time a retransmitted segment) is the callers': they start timing only new sequence numbers
 * and stop it (rtt_timing = false) whenever they retransmit. */
void tcp_rtt_start(struct tcp_conn *c, uint64_t now, uint32_t seq)
{
	c->rtt_timing = true;
	c->rtt_seq = seq;
	c->rtt_start = now;
}

/* An ACK beyond the timed sequence number ends the measurement with a sample (RFC 6298 2.2,
 * 2.3); the next new segment sent starts another. */
bool tcp_rtt_acked(struct tcp_conn *c, uint64_t now, uint32_t ack)
{
	if (c->rtt_timing && seq_gt(ack, c->rtt_seq)) {
		tcp_rtt_sample(c, now - c->rtt_start);
		tcp_rack_rtt_sample(c, now - c->rtt_start);
		c->rtt_timing = false;
		return true;
	}
	return false;
}

void tcp_arm_rexmit(struct tcp_conn *c, uint64_t now)
{
	c->rack.tlp_armed = false;
	tcp_timer_set(c, TCP_T_REXMIT, now + c->rto);
}

/* RFC 1122 4.2.3.2: an ACK may wait, for less than 0.5 s; we wait delack_min (Linux's 40 ms
 * TCP_DELACK_MIN), bounded by delack_max. */
void tcp_delack_schedule(struct tcp_conn *c, uint64_t now)
{
	const struct stack_tunables *tun = &c->stack->tun;
	uint64_t delay = tun->delack_min < tun->delack_max ? tun->delack_min : tun->delack_max;

	c->ack_pending = true;
	if (c->timer[TCP_T_DELACK] == STACK_TIME_NEVER)
		tcp_timer_set(c, TCP_T_DELACK, now + delay);
}

/* RFC 5681 4.2 asks for a duplicate ACK at once for every out-of-order segment. With SACK, Linux
 * (__tcp_ack_snd_check) sends the first three for one RCV.NXT at once, which is all the sender's
 * fast retransmit needs, and holds later ones back for comp_sack_delay, or 1/20 of the RTT if
 * less, comp_sack_nr at most: one ACK then carries the SACK blocks of the segments that came
 * meanwhile. Without SACK each duplicate ACK is what the sender counts, so each goes at once. */
void tcp_ooo_ack(struct tcp_conn *c, uint64_t now)
{
	const struct stack_tunables *tun = &c->stack->tun;

	if (!c->sack_ok || c->comp_acks >= tun->comp_sack_nr) {
		c->ack_now = true;
		return;
	}
	if (c->comp_rcv_nxt != c->rcv_nxt) {
		c->comp_rcv_nxt = c->rcv_nxt;
		c->dupacks_out = 0;
	}
	if (c->dupacks_out < DUP_THRESH) {
		c->dupacks_out++;
		c->ack_now = true;
		return;
	}
	c->comp_acks++;
	if (c->timer[TCP_T_COMP_SACK] != STACK_TIME_NEVER)
		return;
	/* a receiver's RTT is the handshake's, or none: then the delay alone bounds it */
	uint64_t delay = tun->comp_sack_delay;
	if (c->rtt_valid && c->srtt / 20 < delay)
		delay = c->srtt / 20;
	tcp_timer_set(c, TCP_T_COMP_SACK, now + delay);
}

static void tcp_comp_sack_timer(struct tcp_conn *c, uint64_t now)
{
	if (!c->comp_acks)
		return;
	/* this ACK is one of those held back: the others are the compressed ones */
	c->comp_acks--;
	tcp_send_ack(c, now);
}

static void tcp_backoff(struct tcp_conn *c)
{
	uint64_t rto = c->rto * 2;

	c->rto = rto > c->stack->tun.rto_max ? c->stack->tun.rto_max : rto;
}

/* SYN and SYN-ACK (RFC 9293 3.8.1, RFC 6298 5.5): the same ISN again, the RTO doubled, except for
 * the first syn_linear_timeouts retries in SYN-SENT (Linux tcp_syn_linear_timeouts). The count
 * runs out after syn_retries (+ the linear ones) or synack_retries: ETIMEDOUT. */
static void tcp_handshake_timeout(struct tcp_conn *c, uint64_t now)
{
	const struct stack_tunables *tun = &c->stack->tun;
	bool syn_sent = c->state == TCPS_SYN_SENT;
	unsigned linear = syn_sent ? tun->syn_linear_timeouts : 0;
	unsigned limit = syn_sent     ? tun->syn_retries + linear
	                 : c->passive ? tun->synack_retries
	                              : tun->syn_retries;

	if (c->retransmits >= limit) {
		/* a listener's child was never seen by the application: it just goes */
		tcp_conn_done(c, now, c->passive ? 0 : -ETIMEDOUT);
		return;
	}
	c->retransmits++;
	c->handshake_retransmitted = true;
	c->rtt_timing = false;
	c->stack->stats.tcp_retransmits++;
	tcp_send_syn(c, now);
	if (c->retransmits > linear)
		tcp_backoff(c);
	tcp_arm_rexmit(c, now);
}

/* RFC 6298 5.4-5.7 and RFC 5681 3.1: resend from snd_una with the loss window, back off. */
static void tcp_retransmit_timer(struct tcp_conn *c, uint64_t now)
{
	if (c->state == TCPS_SYN_SENT || c->state == TCPS_SYN_RECEIVED) {
		tcp_handshake_timeout(c, now);
		return;
	}
	if (c->snd_una == c->snd_max)
		return; /* everything acknowledged meanwhile */
	if (c->rack.tlp_armed) {
		tcp_tlp_fire(c, now); /* the PTO held the timer's place (RFC 8985 7.3) */
		return;
	}
	if (c->retransmits >= c->stack->tun.retries2) {
		/* RFC 9293 3.8.3 R2: give up; like Linux, without a RST */
		tcp_conn_done(c, now, -ETIMEDOUT);
		return;
	}
	c->retransmits++;
	c->ssthresh = tcp_cong_loss(c, tcp_flight_size(c));
	c->cwnd = c->snd_mss;
	c->in_recovery = false;
	tcp_sack_clear(c);
	tcp_rack_on_rto(c);
	c->dupacks = 0;
	c->rtt_timing = false;
	tcp_backoff(c);
	c->snd_nxt = c->snd_una;
	tcp_output(c, now);
	if (c->timer[TCP_T_REXMIT] == STACK_TIME_NEVER &&
	    c->timer[TCP_T_PERSIST] == STACK_TIME_NEVER)
		tcp_arm_rexmit(c, now);
}

static void tcp_persist_timer(struct tcp_conn *c, uint64_t now)
{
	if (c->state < TCPS_ESTABLISHED || c->state == TCPS_TIME_WAIT)
		return;
	tcp_send_probe(c, now);
	if (c->timer[TCP_T_REXMIT] != STACK_TIME_NEVER)
		return; /* data went into a small window: the RTO watches it now */
	if (c->persist_backoff < 16)
		c->persist_backoff++;
	uint64_t when = c->rto << c->persist_backoff;
	if (when > c->stack->tun.rto_max)
		when = c->stack->tun.rto_max;
	tcp_timer_set(c, TCP_T_PERSIST, now + when);
}

static void tcp_delack_timer(struct tcp_conn *c, uint64_t now)
{
	if (!c->ack_pending)
		return;
	c->stack->stats.tcp_delayed_acks++;
	tcp_send_ack(c, now);
}

/* An orphaned FIN-WAIT-2 past fin_timeout goes away silently: Linux keeps it as a FIN-WAIT-2
 * timewait socket for tcp_fin_timeout (<= 60 s, tcp_rcv_state_process, tcp_time_wait) and
 * drops it when that expires; a FIN arriving later finds no socket and draws a RST. */
static void tcp_fin_wait2_timer(struct tcp_conn *c, uint64_t now)
{
	if (c->state != TCPS_FIN_WAIT_2)
		return;
	tcp_conn_done(c, now, 0);
}

void tcp_keepalive_arm(struct tcp_conn *c, uint64_t now)
{
	bool on = c->keepalive && (c->state == TCPS_ESTABLISHED || c->state == TCPS_CLOSE_WAIT);

	if (!on) {
		tcp_timer_stop(c, TCP_T_KEEPALIVE);
		return;
	}
	if (!c->last_rcv)
		c->last_rcv = now;
	if (c->timer[TCP_T_KEEPALIVE] == STACK_TIME_NEVER)
		tcp_timer_set(c, TCP_T_KEEPALIVE, c->last_rcv + c->keepalive_time);
}

/* RFC 1122 4.2.3.6 and Linux tcp_keepalive_timer: the timer is not moved by every segment; when
 * it fires it looks at the time since the peer's last one. A probe is an ACK one below SND.UNA,
 * which the peer must answer (Linux tcp_xmit_probe_skb); none goes while data is outstanding
 * (the retransmission timer watches the peer then). keepalive_probes unanswered: a RST and
 * ETIMEDOUT, as Linux. */
static void tcp_keepalive_timer(struct tcp_conn *c, uint64_t now)
{
	uint64_t idle = now - c->last_rcv;

	if (!c->keepalive || (c->state != TCPS_ESTABLISHED && c->state != TCPS_CLOSE_WAIT))
		return;
	if (c->snd_una != c->snd_max || c->sndbuf.len) {
		tcp_timer_set(c, TCP_T_KEEPALIVE, now + c->keepalive_time);
		return;
	}
	if (idle < c->keepalive_time) {
		tcp_timer_set(c, TCP_T_KEEPALIVE, c->last_rcv + c->keepalive_time);
		return;
	}
	if (c->ka_probes >= c->keepalive_probes) {
		tcp_send_rst(c, now);
		tcp_conn_done(c, now, -ETIMEDOUT);
		return;
	}
	c->ka_probes++;
	tcp_send_keepalive_probe(c, now);
	tcp_timer_set(c, TCP_T_KEEPALIVE, now + c->keepalive_intvl);
}

void tcp_conn_timers(struct tcp_conn *c, uint64_t now)
{
	for (int t = 0; t < TCP_T__COUNT; t++) {
		if (c->dead || c->timer[t] > now)
			continue;
		tcp_timer_stop(c, t);
		switch (t) {
		case TCP_T_REXMIT:
			tcp_retransmit_timer(c, now);
			break;
		case TCP_T_PERSIST:
			tcp_persist_timer(c, now);
			break;
		case TCP_T_DELACK:
			tcp_delack_timer(c, now);
			break;
		case TCP_T_TIME_WAIT:
			tcp_set_state(c, now, TCPS_CLOSED);
			break;
		case TCP_T_FIN_WAIT2:
			tcp_fin_wait2_timer(c, now);
			break;
		case TCP_T_KEEPALIVE:
			tcp_keepalive_timer(c, now);
			break;
		case TCP_T_RACK:
			tcp_rack_timer(c, now);
			break;
		case TCP_T_COMP_SACK:
			tcp_comp_sack_timer(c, now);
			break;
		}
	}
}
