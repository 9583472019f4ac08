/* tcp_input.c: segment arrival (RFC 9293 3.10.7): demultiplexing, LISTEN, SYN-SENT, and the
 * eight steps for every other state, in the RFC's order. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stack_internal.h"

/* What is left of a segment after trimming to the window (RFC 9293 3.10.7.4, first step). */
struct seg_view {
	uint32_t seq; /* of the first payload byte (or of the FIN when there is none) */
	const uint8_t *data;
	uint32_t len;
	bool fin;
};

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* RFC 9293 3.7.1: send no more than the peer's MSS (536 when it sent none), nor ours. */
static void tcp_take_mss(struct tcp_conn *c, const struct tcp_hdr *th)
{
	uint32_t peer = th->mss ? th->mss : 536;

	c->snd_mss = (uint16_t)min_u32(peer, ip_mss_cap(c->stack, &c->raddr));
}

static void tcp_update_window(struct tcp_conn *c, const struct tcp_hdr *th)
{
	c->snd_wnd = tcp_seg_wnd(c, th);
	c->snd_wl1 = th->seq;
	c->snd_wl2 = th->ack;
	if (c->snd_wnd > c->max_snd_wnd)
		c->max_snd_wnd = c->snd_wnd;
	/* RFC 9293 3.8.6.1: the probes back off for as long as the window stays shut, even when
	 * each takes its byte (a receiver that frees one byte at a time): only an open window
	 * starts the next closing's schedule afresh */
	if (c->snd_wnd) {
		tcp_timer_stop(c, TCP_T_PERSIST);
		c->persist_backoff = 0;
	}
}

/* A SYN arrived in LISTEN or SYN-SENT (RFC 9293 3.10.7.2, 3.10.7.3): RCV.NXT = SEG.SEQ + 1,
 * IRS = SEG.SEQ; the peer's MSS, options and window too. */
static void tcp_take_syn(struct tcp_conn *c, uint64_t now, const struct tcp_hdr *th)
{
	tcp_options_take_syn(c, now, th);
	c->irs = th->seq;
	c->rcv_nxt = th->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	c->rcv_acked = c->rcv_nxt;
	tcp_take_mss(c, th);
	/* RFC 7323 3.2 and RFC 9293 3.7.1: the MSS counts no options; the 12 bytes of a
	 * timestamp on every segment come out of the data, so a full segment fits the MTU */
	if (c->ts_ok)
		c->snd_mss -= TCP_TS_SPACE;
	c->snd_wnd = th->wnd;
	c->max_snd_wnd = th->wnd;
	c->snd_wl1 = th->seq;
}

/* The handshake is complete: SYN-SENT or SYN-RECEIVED -> ESTABLISHED. */
static void tcp_established(struct tcp_conn *c, uint64_t now)
{
	struct stack *s = c->stack;

	c->retransmits = 0;
	tcp_timer_stop(c, TCP_T_REXMIT);
	c->cwnd = tcp_initial_window(c);
	/* RFC 6298 5.7: a retransmitted SYN without an RTT sample leaves RTO at 3 s (three
	 * initial RTOs here, so scaled-down tests scale it too). */
	if (c->handshake_retransmitted && !c->rtt_valid)
		c->rto = 3 * s->tun.rto_initial;
	tcp_set_state(c, now, TCPS_ESTABLISHED);
	tcp_keepalive_arm(c, now);
	stack_post_event(s, now, STACK_EV_CONNECTED, c->handle, 0);
	if (c->listener) {
		c->accept_ready = true;
		c->accept_order = s->accept_seq++;
		stack_post_event(s, now, STACK_EV_ACCEPT, c->listener->handle, 0);
	}
	/* a shutdown or close asked for during the handshake (RFC 9293 3.10.4) */
	if (c->fin_queued)
		tcp_set_state(c, now, TCPS_FIN_WAIT_1);
}

/* RFC 9293 3.10.7.2: LISTEN. */
static void tcp_listen_input(struct tcp_conn *l, uint64_t now, const struct stack_addr *saddr,
                             const struct stack_addr *daddr, const struct tcp_hdr *th)
{
	struct stack *s = l->stack;

	if (th->flags & TCPF_RST) {
		stack_drop(s, STACK_DROP_TCP_LISTEN);
		return;
	}
	if (th->flags & TCPF_ACK) {
		stack_drop(s, STACK_DROP_TCP_LISTEN);
		tcp_send_rst_for(s, now, saddr, daddr, th);
		return;
	}
	if (!(th->flags & TCPF_SYN)) {
		stack_drop(s, STACK_DROP_TCP_LISTEN);
		return;
	}
	if (l->n_children >= l->backlog) {
		stack_drop(s, STACK_DROP_TCP_BACKLOG_FULL);
		return;
	}
	struct tcp_conn *c = tcp_conn_new(s);
	if (!c)
		return;
	tcp_conn_adopt(l, c);
	c->passive = true;
	c->laddr = *daddr;
	c->lport = th->dport;
	c->raddr = *saddr;
	c->rport = th->sport;
	tcp_conn_bind_tuple(c);
	c->nodelay = l->nodelay;
	c->keepalive = l->keepalive;
	c->keepalive_time = l->keepalive_time;
	c->keepalive_intvl = l->keepalive_intvl;
	c->keepalive_probes = l->keepalive_probes;
	tcp_take_syn(c, now, th);
	/* Text in a SYN is not kept (no TCP Fast Open): the peer sends it again once our
	 * SYN-ACK acknowledges only the SYN. */
	tcp_handshake_start(c, now, TCPS_SYN_RECEIVED);
}

/* RFC 9293 3.10.7.3: SYN-SENT. */
static void tcp_syn_sent_input(struct tcp_conn *c, uint64_t now, const struct stack_addr *saddr,
                               const struct stack_addr *daddr, const struct tcp_hdr *th)
{
	struct stack *s = c->stack;
	bool ack = th->flags & TCPF_ACK;

	/* first, the ACK bit */
	if (ack && (seq_le(th->ack, c->iss) || seq_gt(th->ack, c->snd_max))) {
		stack_drop(s, STACK_DROP_TCP_BAD_ACK);
		tcp_send_rst_for(s, now, saddr, daddr, th);
		return;
	}
	/* second, the RST bit: acceptable only when it acknowledges our SYN (RFC 5961 3.2) */
	if (th->flags & TCPF_RST) {
		if (ack)
			tcp_conn_done(c, now, -ECONNREFUSED);
		else
			stack_drop(s, STACK_DROP_TCP_SYN_SENT);
		return;
	}
	/* fourth, the SYN bit */
	if (!(th->flags & TCPF_SYN)) {
		stack_drop(s, STACK_DROP_TCP_SYN_SENT);
		return;
	}
	tcp_take_syn(c, now, th);
	if (ack) {
		c->snd_una = th->ack;
		tcp_update_window(c, th);
		tcp_rtt_acked(c, now, th->ack);
		tcp_established(c, now);
		tcp_output(c, now);
		if (c->rcv_acked != c->rcv_nxt || c->snd_nxt == c->snd_una)
			tcp_send_ack(c, now);
		return;
	}
	/* Simultaneous open (RFC 9293 figure 7): SYN-RECEIVED, SYN-ACK with the same ISS. The
	 * window update (SND.WL2) waits for the ACK of our SYN. */
	tcp_set_state(c, now, TCPS_SYN_RECEIVED);
	tcp_send_syn(c, now);
	tcp_arm_rexmit(c, now);
}

/* RFC 9293 3.3.2 / 3.10.7.4 first step: is any of the segment inside the receive window? */
static bool tcp_seq_acceptable(uint32_t seq, uint32_t seg_len, uint32_t rcv_nxt, uint32_t wnd)
{
	if (seg_len == 0) {
		if (wnd == 0)
			return seq == rcv_nxt;
		return seq_le(rcv_nxt, seq) && seq_lt(seq, rcv_nxt + wnd);
	}
	if (wnd == 0)
		return false;
	uint32_t last = seq + seg_len - 1;
	return (seq_le(rcv_nxt, seq) && seq_lt(seq, rcv_nxt + wnd)) ||
	       (seq_le(rcv_nxt, last) && seq_lt(last, rcv_nxt + wnd));
}

static void tcp_process_fin(struct tcp_conn *c, uint64_t now)
{
	struct stack *s = c->stack;

	c->rcv_nxt++;
	c->fin_received = true;
	stack_post_event(s, now, STACK_EV_EOF, c->handle, 0);
	switch (c->state) {
	case TCPS_SYN_RECEIVED:
	case TCPS_ESTABLISHED:
		/* Linux tcp_fin: the FIN's ACK is delayed (pingpong), so an application that
		 * closes at once sends FIN+ACK: the three-segment close. */
		tcp_set_state(c, now, TCPS_CLOSE_WAIT);
		tcp_delack_schedule(c, now);
		break;
	case TCPS_FIN_WAIT_1:
		c->ack_now = true;
		tcp_set_state(c, now, tcp_fin_acked(c) ? TCPS_TIME_WAIT : TCPS_CLOSING);
		break;
	case TCPS_FIN_WAIT_2:
		c->ack_now = true;
		tcp_set_state(c, now, TCPS_TIME_WAIT);
		break;
	default:
		c->ack_now = true;
		break;
	}
}

/* Move in-order out-of-order segments into the receive buffer (RFC 9293 3.10.7.4 seventh). The
 * queue is in ascending order, so what RCV.NXT reached is a prefix of it. */
static bool tcp_drain_ooo(struct tcp_conn *c, uint64_t now)
{
	bool any = false;

	while (c->ooo && seq_le(c->ooo->seq, c->rcv_nxt)) {
		struct ooo_seg *o = c->ooo;
		uint32_t end = o->seq + o->len;
		if (seq_gt(end, c->rcv_nxt)) {
			uint32_t off = c->rcv_nxt - o->seq;
			c->rcv_nxt += (uint32_t)ring_write(&c->rcvbuf, o->data + off, o->len - off);
		}
		if (o->fin && c->rcv_nxt == end && !c->fin_received)
			tcp_process_fin(c, now);
		c->ooo = o->next;
		c->ooo_bytes -= o->len;
		free(o);
		any = true;
	}
	if (!c->ooo)
		c->ooo_tail = NULL;
	return any;
}

/* The queue is kept in ascending order of sequence numbers, so the SACK block around a segment
 * is found in one pass (tcp_sack_note_ooo). A duplicate is reported by a D-SACK (RFC 2883). */
static void tcp_store_ooo(struct tcp_conn *c, const struct seg_view *v)
{
	struct ooo_seg **pp = &c->ooo;
	struct ooo_seg *t = c->ooo_tail;

	/* segments past a hole mostly come in order: they go after the last one */
	if (t && seq_gt(v->seq, t->seq))
		pp = &t->next;
	for (struct ooo_seg *o = t && pp == &t->next ? t : *pp; o; o = o->next) {
		if (seq_gt(o->seq, v->seq))
			break;
		if (seq_le(v->seq + v->len, o->seq + o->len) && (o->fin || !v->fin)) {
			tcp_dsack_note(c, v->seq, v->seq + v->len);
			return; /* a duplicate */
		}
		pp = &o->next;
	}
	if (c->ooo_bytes + v->len > c->rcvbuf.cap)
		return;
	struct ooo_seg *o = malloc(sizeof(*o) + v->len);
	if (!o)
		return;
	o->seq = v->seq;
	o->len = v->len;
	o->fin = v->fin;
	memcpy(o->data, v->data, v->len);
	o->next = *pp;
	*pp = o;
	if (!o->next)
		c->ooo_tail = o;
	c->ooo_bytes += v->len;
	if (c->sack_ok && v->len)
		tcp_sack_note_ooo(c, v->seq, v->seq + v->len, o->next == NULL);
}

/* The congestion window's answer to an ACK of new data (acked bytes, up to ack): slow start
 * (RFC 5681 (2)) below ssthresh, congestion avoidance (RFC 5681 (3)) above; in fast recovery,
 * RFC 6582 3.2 step 3: a full acknowledgment ends it, a partial one resends the next hole.
 * RFC 6675 recovery never inflated cwnd, so its end leaves it at ssthresh (Linux's
 * tcp_end_cwnd_reduction): deflated to the flight, often empty by then, a window of one
 * segment would wait for the receiver's delayed ACK after every loss. */
static void tcp_cong_new_ack(struct tcp_conn *c, uint64_t now, uint32_t ack, uint32_t acked)
{
	if (c->in_recovery) {
		if (seq_ge(ack, c->recover)) {
			/* full acknowledgment: RFC 6582 3.2 step 3 option 1, so an empty flight
			 * leaves two segments, not one that waits for a delayed ACK */
			uint32_t flight = tcp_flight_size(c);
			uint32_t f = (flight > c->snd_mss ? flight : c->snd_mss) + c->snd_mss;
			c->cwnd = c->sack_recovery ? c->ssthresh : min_u32(c->ssthresh, f);
			c->in_recovery = false;
			c->sack_recovery = false;
		} else if (c->sack_recovery) {
			/* RFC 6675 5: a partial ACK changes pipe; the caller sends */
		} else {
			/* partial acknowledgment: resend the next hole, deflate */
			tcp_retransmit_head(c, now);
			c->cwnd = c->cwnd > acked ? c->cwnd - acked : c->snd_mss;
			if (acked >= c->snd_mss)
				c->cwnd += c->snd_mss;
		}
	} else if (c->cwnd < c->ssthresh) {
		c->cwnd += tcp_hystart_increase(c, ack, acked); /* RFC 5681 (2), RFC 9406 */
	} else {
		tcp_cong_avoid(c, now, acked);
	}
	c->dupacks = 0;
}

/* RFC 5681 2: a duplicate ACK. The third starts fast retransmit and fast recovery (RFC 5681
 * 3.2, with RFC 6582 3.2 step 2's recover); each later one inflates the window by one segment.
 * With SACK, RFC 6675 5: the third, or SACKs that show the first segment lost, start loss
 * recovery, where pipe, not an inflated window, says what may be sent. */
static void tcp_cong_dup_ack(struct tcp_conn *c, uint64_t now)
{
	c->dupacks++;
	if (c->sack_ok) {
		if (!c->in_recovery && (c->dupacks >= 3 || tcp_sack_is_lost(c, c->snd_una)))
			tcp_sack_enter_recovery(c, now);
		return;
	}
	if (c->dupacks == 3 && !c->in_recovery) {
		c->ssthresh = tcp_cong_loss(c, tcp_flight_size(c));
		c->recover = c->snd_max;
		c->in_recovery = true;
		c->stack->stats.tcp_fast_retransmits++;
		tcp_retransmit_head(c, now);
		c->cwnd = c->ssthresh + 3u * c->snd_mss;
	} else if (c->dupacks > 3 && c->in_recovery) {
		c->cwnd += c->snd_mss;
	}
}

/* The fifth step in the synchronized states: RFC 9293 3.10.7.4, RFC 5961 5.2, RFC 5681,
 * RFC 6582. Returns false when the ACK is unacceptable (answered with a challenge ACK). */
static bool tcp_ack_input(struct tcp_conn *c, uint64_t now, const struct tcp_hdr *th,
                          uint32_t seg_len)
{
	struct stack *s = c->stack;
	uint32_t ack = th->ack;

	if (seq_gt(ack, c->snd_max) || seq_lt(ack, c->snd_una - c->max_snd_wnd)) {
		stack_drop(s, STACK_DROP_TCP_BAD_ACK);
		tcp_send_challenge_ack(c, now);
		return false;
	}
	uint32_t sacked = c->sack_ok ? tcp_sack_update(c, th) : 0;
	uint32_t una = c->snd_una;
	if (seq_gt(ack, c->snd_una)) {
		uint32_t acked = ack - c->snd_una;
		if (!tcp_rtt_acked(c, now, ack) && !c->rtt_timing)
			tcp_ts_rtt(c, now, th);
		if (seq_gt(ack, c->snd_buf_seq)) {
			uint32_t n = min_u32(ack - c->snd_buf_seq, (uint32_t)c->sndbuf.len);
			ring_discard(&c->sndbuf, n);
			c->snd_buf_seq += n;
		}
		c->snd_una = ack;
		if (seq_lt(c->snd_nxt, c->snd_una))
			c->snd_nxt = c->snd_una;
		c->retransmits = 0;
		tcp_sack_trim_snd(c);
		tcp_cong_new_ack(c, now, ack, acked);
		tcp_sndbuf_expand(c);
		/* RFC 6298 5.2 and 5.3 */
		if (c->snd_una == c->snd_max)
			tcp_timer_stop(c, TCP_T_REXMIT);
		else
			tcp_arm_rexmit(c, now);
		if (c->want_writable && ring_space(&c->sndbuf) && !c->fin_queued) {
			c->want_writable = false;
			stack_post_event(s, now, STACK_EV_WRITABLE, c->handle, 0);
		}
	} else if (ack == c->snd_una && seq_gt(c->snd_nxt, c->snd_una) &&
	           (sacked || (seg_len == 0 && tcp_seg_wnd(c, th) == c->snd_wnd))) {
		/* RFC 5681 2's duplicate ACK, or RFC 6675 2's: one that SACKs new data */
		tcp_cong_dup_ack(c, now);
	}
	tcp_rack_on_ack(c, now, th, seq_gt(ack, una));
	/* window update, unless the segment is older than the last one that set it */
	if (seq_lt(c->snd_wl1, th->seq) || (c->snd_wl1 == th->seq && seq_le(c->snd_wl2, ack)))
		tcp_update_window(c, th);
	if (c->sack_recovery)
		tcp_sack_recovery_output(c, now);
	return true;
}

/* SYN-RECEIVED, before the first step: the peer repeats its SYN. Returns true when the segment
 * was that and has been answered. */
static bool tcp_syn_received_repeat(struct tcp_conn *c, uint64_t now, const struct tcp_hdr *th)
{
	/* A retransmitted SYN means our SYN-ACK was lost: send it again (Linux tcp_check_req) */
	if ((th->flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) == TCPF_SYN && th->seq == c->irs) {
		tcp_send_syn(c, now);
		return true;
	}
	/* Simultaneous open (RFC 9293 figure 7, line 6): the peer's SYN-ACK repeats its SYN, one
	 * below RCV.NXT, and acknowledges ours. As Linux (tcp_validate_incoming) it completes
	 * the handshake instead of failing the sequence check. */
	if (!c->passive &&
	    (th->flags & (TCPF_SYN | TCPF_ACK | TCPF_RST | TCPF_FIN)) == (TCPF_SYN | TCPF_ACK) &&
	    th->payload_len == 0 && th->seq + 1 == c->rcv_nxt && th->ack == c->snd_max) {
		c->snd_una = th->ack;
		tcp_update_window(c, th);
		tcp_established(c, now);
		return true;
	}
	return false;
}

/* Keep of an acceptable segment what lies inside the window: not the front we already have,
 * nor the tail beyond the right edge (RFC 9293 3.10.7.4 first step). */
static void tcp_trim_to_window(const struct tcp_conn *c, struct seg_view *v, bool syn, uint32_t wnd)
{
	if (seq_lt(v->seq, c->rcv_nxt) && !syn) {
		uint32_t skip = c->rcv_nxt - v->seq;
		if (skip >= v->len) {
			if (skip > v->len)
				v->fin = false; /* the FIN too is old */
			v->data += v->len;
			v->len = 0;
		} else {
			v->data += skip;
			v->len -= skip;
		}
		v->seq = c->rcv_nxt;
	}
	if (v->len > 0 && seq_gt(v->seq + v->len, c->rcv_nxt + wnd)) {
		uint32_t room = seq_gt(c->rcv_nxt + wnd, v->seq) ? c->rcv_nxt + wnd - v->seq : 0;
		v->len = room;
		v->fin = false;
	}
}

/* first, check the sequence number: a segment with nothing inside the receive window is
 * answered with an ACK (unless it is a RST) and dropped; an acceptable one is trimmed to the
 * window. Returns true to go on. */
static bool tcp_check_seq(struct tcp_conn *c, uint64_t now, const struct tcp_hdr *th,
                          struct seg_view *v)
{
	struct stack *s = c->stack;
	uint32_t seg_len = tcp_seg_len(th);
	uint32_t wnd = tcp_rcv_wnd(c);
	bool acceptable = tcp_seq_acceptable(th->seq, seg_len, c->rcv_nxt, wnd);

	if (!acceptable && wnd == 0 && th->seq == c->rcv_nxt) {
		/* RFC 9293 3.10.7.4: with a zero window, still take ACKs and RSTs; the text
		 * (a window probe) is dropped and answered with an ACK. A bare FIN needs no
		 * buffer and is taken (as Linux tcp_data_queue). */
		acceptable = true;
		if (v->len) {
			v->len = 0;
			v->fin = false;
			c->ack_now = true;
		}
	}
	if (!acceptable) {
		if (c->state == TCPS_TIME_WAIT && (th->flags & TCPF_FIN) &&
		    th->seq + seg_len == c->rcv_nxt && !(th->flags & TCPF_RST)) {
			/* RFC 9293 3.10.7.4 eighth step, TIME-WAIT: a retransmitted FIN is
			 * acknowledged and restarts the 2*MSL timer */
			tcp_send_ack(c, now);
			tcp_timer_set(c, TCP_T_TIME_WAIT, now + s->tun.time_wait);
			return false;
		}
		stack_drop(s, STACK_DROP_TCP_OUT_OF_WINDOW);
		/* RFC 2883 4: old data is reported in a D-SACK block */
		if (v->len && seq_lt(th->seq, c->rcv_nxt))
			tcp_dsack_note(c, v->seq,
			               seq_lt(v->seq + v->len, c->rcv_nxt) ? v->seq + v->len
			                                                   : c->rcv_nxt);
		if (!(th->flags & TCPF_RST))
			tcp_send_ack(c, now);
		return false;
	}
	if (v->len && seq_lt(v->seq, c->rcv_nxt) && !(th->flags & TCPF_SYN))
		tcp_dsack_note(c, v->seq, c->rcv_nxt);
	tcp_trim_to_window(c, v, th->flags & TCPF_SYN, wnd);
	return true;
}

/* second, check the RST bit (RFC 5961 3.2): a RST exactly at RCV.NXT ends the connection, one
 * elsewhere in the window draws a challenge ACK. Returns true (go on) when the bit is clear. */
static bool tcp_check_rst(struct tcp_conn *c, uint64_t now, const struct tcp_hdr *th)
{
	struct stack *s = c->stack;

	if (!(th->flags & TCPF_RST))
		return true;
	if (th->seq != c->rcv_nxt) {
		stack_drop(s, STACK_DROP_TCP_RST_CHALLENGED);
		tcp_send_challenge_ack(c, now);
		return false;
	}
	switch (c->state) {
	case TCPS_SYN_RECEIVED:
		/* passive: back to LISTEN, which for a child means gone */
		tcp_conn_done(c, now, c->passive ? 0 : -ECONNREFUSED);
		break;
	case TCPS_ESTABLISHED:
	case TCPS_FIN_WAIT_1:
	case TCPS_FIN_WAIT_2:
	case TCPS_CLOSE_WAIT:
		tcp_conn_done(c, now, -ECONNRESET);
		break;
	default: /* CLOSING, LAST-ACK, TIME-WAIT */
		tcp_conn_done(c, now, 0);
		break;
	}
	return false;
}

/* fourth, check the SYN bit: a passive SYN-RECEIVED goes back to LISTEN (for a listener's
 * child: goes away); elsewhere, RFC 5961 4.2: any SYN in a synchronized state draws a
 * challenge ACK. Returns true (go on) when the bit is clear. */
static bool tcp_check_syn(struct tcp_conn *c, uint64_t now, const struct tcp_hdr *th)
{
	if (!(th->flags & TCPF_SYN))
		return true;
	if (c->state == TCPS_SYN_RECEIVED && c->passive) {
		tcp_conn_done(c, now, 0);
		return false;
	}
	stack_drop(c->stack, STACK_DROP_TCP_SYN_CHALLENGED);
	tcp_send_challenge_ack(c, now);
	return false;
}

/* The fifth step in SYN-RECEIVED: an ACK of our SYN completes the handshake; any other ACK
 * draws a RST. Returns true when the handshake completed. */
static bool tcp_syn_received_ack(struct tcp_conn *c, uint64_t now, const struct tcp_hdr *th)
{
	if (!(seq_lt(c->snd_una, th->ack) && seq_le(th->ack, c->snd_max))) {
		stack_drop(c->stack, STACK_DROP_TCP_BAD_ACK);
		/* the connection was found by the segment's addresses: raddr is its source */
		tcp_send_rst_for(c->stack, now, &c->raddr, &c->laddr, th);
		return false;
	}
	c->snd_una = th->ack;
	c->snd_nxt = seq_max(c->snd_nxt, c->snd_una);
	tcp_update_window(c, th);
	tcp_rtt_acked(c, now, th->ack);
	tcp_established(c, now);
	return true;
}

/* fifth, check the ACK field: without the ACK bit the segment is dropped. Then the ACK is
 * processed for the state, and FIN-WAIT-1, CLOSING and LAST-ACK move on once our FIN is
 * acknowledged. Returns true to go on. */
static bool tcp_check_ack(struct tcp_conn *c, uint64_t now, const struct tcp_hdr *th,
                          const struct seg_view *v)
{
	if (!(th->flags & TCPF_ACK)) {
		stack_drop(c->stack, STACK_DROP_TCP_NO_ACK);
		return false;
	}
	if (c->state == TCPS_SYN_RECEIVED) {
		if (!tcp_syn_received_ack(c, now, th))
			return false;
	} else if (!tcp_ack_input(c, now, th, tcp_seg_len(th))) {
		return false;
	}
	switch (c->state) {
	case TCPS_FIN_WAIT_1:
		/* A FIN that comes with the ACK of ours and will be taken in this segment moves
		 * FIN-WAIT-1 straight to TIME-WAIT (eighth step: "our FIN has been ACKed (perhaps
		 * in this segment)") */
		if (tcp_fin_acked(c) &&
		    !(v->fin && v->seq == c->rcv_nxt && !(v->len && c->app_closed)))
			tcp_set_state(c, now, TCPS_FIN_WAIT_2);
		break;
	case TCPS_CLOSING:
		if (tcp_fin_acked(c))
			tcp_set_state(c, now, TCPS_TIME_WAIT);
		break;
	case TCPS_LAST_ACK:
		if (tcp_fin_acked(c)) {
			tcp_conn_done(c, now, 0);
			return false;
		}
		break;
	default:
		break;
	}
	return true;
}

/* RFC 1122 4.2.3.2 and RFC 9293 3.8.6.3: ACK at least every second full-sized segment. As Linux
 * (__tcp_ack_snd_check), that ACK waits while the window it would offer is smaller than the last
 * one: it would say only that the data came, and the application's read (tcp_window_update)
 * sends it with the window opened, one ACK for what came meanwhile. It waits for
 * stretch_ack_segs segments at most, as Linux's stretch is bounded by what GRO merged: a sender
 * in slow start grows by what each ACK acknowledges, up to a limit (RFC 9406's L, 8 segments),
 * so longer ACKs would slow its start. */
static bool tcp_segments_ack_now(const struct tcp_conn *c)
{
	uint32_t unacked = c->rcv_nxt - c->rcv_acked;
	uint32_t last_wnd = c->rcv_adv - c->rcv_acked;

	if (unacked < 2u * c->snd_mss)
		return false;
	return unacked >= c->stack->tun.stretch_ack_segs * c->snd_mss ||
	       ring_space(&c->rcvbuf) >= last_wnd;
}

/* Text at RCV.NXT goes into the receive buffer, with whatever it joins up from the
 * out-of-order queue. */
static void tcp_deliver_text(struct tcp_conn *c, uint64_t now, const struct seg_view *v)
{
	bool hole_filled = c->ooo != NULL;

	c->rcv_nxt += (uint32_t)ring_write(&c->rcvbuf, v->data, v->len);
	tcp_drain_ooo(c, now);
	tcp_sack_trim_rcv(c);
	stack_post_event(c->stack, now, STACK_EV_READABLE, c->handle, 0);
	/* a segment that fills a hole is ACKed at once (RFC 5681 4.2); quick ACKs at the start
	 * (Linux quickack mode); then every second segment, or more (tcp_segments_ack_now) */
	if (hole_filled) {
		c->ack_now = true;
	} else if (c->quick) {
		c->quick--;
		c->ack_now = true;
	} else if (tcp_segments_ack_now(c)) {
		c->ack_now = true;
	} else {
		tcp_delack_schedule(c, now);
	}
}

/* seventh, process the segment text: ESTABLISHED, FIN-WAIT-1 and FIN-WAIT-2 take it; after
 * the peer's FIN (CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT) text can only be a duplicate and is
 * ignored. Returns false when the segment ends here: out of order (held, FIN and all, for
 * reassembly) or reset. */
static bool tcp_process_text(struct tcp_conn *c, uint64_t now, const struct seg_view *v)
{
	if (c->state != TCPS_ESTABLISHED && c->state != TCPS_FIN_WAIT_1 &&
	    c->state != TCPS_FIN_WAIT_2)
		return true;
	if (!v->len && !v->fin)
		return false;
	if (v->len && c->app_closed) {
		/* RFC 9293 3.10.4 and RFC 2525 2.17: nobody will read new data after close(); say
		 * so with a RST, as Linux does in FIN-WAIT-1/2 (tcp_rcv_state_process) */
		tcp_send_rst(c, now);
		tcp_conn_done(c, now, 0);
		return false;
	}
	if (v->seq != c->rcv_nxt) {
		/* RFC 5681 4.2: out of order, so a duplicate ACK */
		tcp_store_ooo(c, v);
		tcp_ooo_ack(c, now);
		return false;
	}
	if (v->len)
		tcp_deliver_text(c, now, v);
	return true;
}

/* eighth, check the FIN bit: a FIN right after the text is taken in ESTABLISHED, FIN-WAIT-1 and
 * FIN-WAIT-2 (tcp_process_fin); CLOSE-WAIT, CLOSING and LAST-ACK remain; TIME-WAIT acknowledges
 * it and restarts the 2*MSL timer. st is the state the segment found: the seventh step may have
 * taken a FIN already, from the out-of-order queue. */
static void tcp_check_fin(struct tcp_conn *c, uint64_t now, const struct seg_view *v,
                          enum tcp_state st)
{
	switch (st) {
	case TCPS_ESTABLISHED:
	case TCPS_FIN_WAIT_1:
	case TCPS_FIN_WAIT_2:
		if (v->fin && c->rcv_nxt == v->seq + v->len && !c->fin_received)
			tcp_process_fin(c, now);
		break;
	case TCPS_TIME_WAIT:
		if (v->fin) {
			c->ack_now = true;
			tcp_timer_set(c, TCP_T_TIME_WAIT, now + c->stack->tun.time_wait);
		}
		break;
	default:
		break;
	}
}

/* RFC 9293 3.10.7.4 "Other States": SYN-RECEIVED and the synchronized states, in the RFC's
 * eight steps. A step that returns false has finished with the segment. */
static void tcp_other_states_input(struct tcp_conn *c, uint64_t now, const struct tcp_hdr *th)
{
	struct seg_view v = {
	    .seq = th->seq,
	    .data = th->payload,
	    .len = (uint32_t)th->payload_len,
	    .fin = th->flags & TCPF_FIN,
	};

	if (c->state == TCPS_SYN_RECEIVED && tcp_syn_received_repeat(c, now, th))
		return;
	if (tcp_paws_reject(c, now, th)) {
		/* RFC 7323 5.3 R1: an old duplicate is acknowledged and dropped */
		stack_drop(c->stack, STACK_DROP_TCP_PAWS);
		tcp_send_ack(c, now);
		return;
	}
	if (!tcp_check_seq(c, now, th, &v))
		return;
	tcp_ts_recent_update(c, now, th);
	if (!tcp_check_rst(c, now, th))
		return;
	/* third, check security: no IP security options are used (RFC 9293 3.10.7.4) */
	if (!tcp_check_syn(c, now, th))
		return;
	if (!tcp_check_ack(c, now, th, &v))
		return;
	/* sixth, check the URG bit: urgent data is not supported (RFC 6093 discourages it); the
	 * data is delivered in line */
	enum tcp_state st = c->state;
	if (tcp_process_text(c, now, &v))
		tcp_check_fin(c, now, &v, st);
}

void tcp_input(struct stack *s, uint64_t now, const struct stack_addr *saddr,
               const struct stack_addr *daddr, const uint8_t *seg, size_t len)
{
	struct tcp_hdr th;
	enum stack_drop_reason why;

	if (tcp_parse(&th, seg, len, saddr, daddr, &why)) {
		stack_drop(s, why);
		return;
	}
	/* RFC 9293 3.10.7.2 and RFC 1122 4.2.3.10: never answer a broadcast, multicast or
	 * unspecified source, nor a packet claiming to come from ourselves */
	if (ip_bad_source(saddr, daddr)) {
		stack_drop(s, STACK_DROP_TCP_BAD_ADDR);
		return;
	}
	s->stats.tcp_in++;
	struct tcp_conn *c = tcp_conn_lookup(s, daddr, th.dport, saddr, th.sport);
	if (!c) {
		/* RFC 9293 3.10.7.1: CLOSED, so answer with a RST (never to a RST) */
		stack_drop(s, STACK_DROP_TCP_NO_SOCKET);
		tcp_send_rst_for(s, now, saddr, daddr, &th);
		return;
	}
	if (c->state == TCPS_LISTEN) {
		tcp_listen_input(c, now, saddr, daddr, &th);
		return;
	}
	if (c->state == TCPS_SYN_SENT) {
		tcp_syn_sent_input(c, now, saddr, daddr, &th);
		return;
	}
	if (c->state == TCPS_TIME_WAIT &&
	    (th.flags & (TCPF_SYN | TCPF_ACK | TCPF_RST | TCPF_FIN)) == TCPF_SYN &&
	    seq_gt(th.seq, c->rcv_nxt)) {
		/* RFC 9293 3.10.7.4 and RFC 6191, as Linux (tcp_timewait_state_process): a SYN
		 * beyond the old incarnation's sequence space may open a new one at once */
		struct tcp_conn *l = tcp_listener_for(s, daddr, th.dport);
		if (l) {
			tcp_set_state(c, now, TCPS_CLOSED);
			tcp_listen_input(l, now, saddr, daddr, &th);
			return;
		}
	}
	c->ack_now = false;
	/* anything from the peer answers a keep-alive; the timer reads this when it fires */
	c->last_rcv = now;
	c->ka_probes = 0;
	tcp_other_states_input(c, now, &th);
	if (c->dead || c->state == TCPS_CLOSED)
		return;
	tcp_output(c, now);
	if (c->ack_now)
		tcp_send_ack(c, now);
}
