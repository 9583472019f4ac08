/* tcp_output.c: building and sending segments: data under the send, congestion and Nagle
 * rules, ACKs, SYNs, RSTs, retransmissions and window probes. */
#include <stdlib.h>
#include <string.h>

#include "ipv4_wire.h"
#include "ipv6_wire.h"
#include "stack_internal.h"

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* The window to offer in the next segment, as the 16-bit field (shifted by rcv_wscale but in a
 * SYN, RFC 7323 2.2). RFC 9293 3.8.6.2.2 (receiver side of SWS avoidance): move the right edge
 * only by at least min(half the buffer, one MSS); never shrink it (RFC 9293 3.8.6, SHLD-14) but
 * by the rounding of the shift (RFC 7323 2.4). */
static uint16_t tcp_rcv_wnd_offer(const struct tcp_conn *c, bool syn)
{
	uint32_t space = (uint32_t)ring_space(&c->rcvbuf);
	uint32_t right = c->rcv_nxt + space;
	uint32_t step = min_u32((uint32_t)c->rcvbuf.cap / 2, c->snd_mss);
	uint32_t wnd = space;
	uint8_t shift = syn ? 0 : c->rcv_wscale;

	if (seq_ge(c->rcv_adv, c->rcv_nxt) && seq_gt(right, c->rcv_adv) &&
	    right - c->rcv_adv < step)
		wnd = c->rcv_adv - c->rcv_nxt;
	wnd >>= shift;
	if (wnd > UINT16_MAX)
		wnd = UINT16_MAX;
	return (uint16_t)wnd;
}

/* RFC 5681 3.1: IW = 2, 3 or 4 segments by SMSS; or RFC 6928's 10 (Linux's), or any other
 * count the tunable initcwnd gives. */
uint32_t tcp_initial_window(const struct tcp_conn *c)
{
	uint32_t smss = c->snd_mss;
	unsigned segs = c->stack->tun.initcwnd;

	if (segs)
		return segs * smss;
	if (smss > 2190)
		return 2 * smss;
	if (smss > 1095)
		return 3 * smss;
	return 4 * smss;
}

uint32_t tcp_flight_size(const struct tcp_conn *c)
{
	return c->snd_max - c->snd_una;
}

/* Emit one segment of this connection. Payload bytes come from sndbuf at sequence number seq. */
static void tcp_emit_segment(struct tcp_conn *c, uint64_t now, uint32_t seq, uint8_t flags,
                             uint32_t len)
{
	struct stack *s = c->stack;
	struct tcp_hdr th = {
	    .sport = c->lport,
	    .dport = c->rport,
	    .seq = seq,
	    .flags = flags,
	    .payload_len = len,
	};

	tcp_options_fill(c, now, &th);
	if (flags & TCPF_ACK) {
		th.ack = c->rcv_nxt;
		c->ack_pending = false;
		c->ack_now = false;
		c->rcv_acked = c->rcv_nxt;
		tcp_timer_stop(c, TCP_T_DELACK);
		/* this ACK carries what the held-back duplicate ACKs would have said */
		s->stats.tcp_acks_compressed += c->comp_acks;
		c->comp_acks = 0;
		tcp_timer_stop(c, TCP_T_COMP_SACK);
	}
	if (!(flags & TCPF_RST) || (flags & TCPF_ACK)) {
		/* advertise: the peer may now send up to RCV.NXT + wnd */
		bool syn = flags & TCPF_SYN;
		th.wnd = tcp_rcv_wnd_offer(c, syn);
		c->rcv_adv = c->rcv_nxt + ((uint32_t)th.wnd << (syn ? 0 : c->rcv_wscale));
	}

	size_t hl = tcp_hdr_len(&th);
	size_t iphl = ip_hdr_len(&c->raddr);
	size_t total = iphl + hl + len;
	uint8_t *pkt = malloc(total);
	if (!pkt)
		return;
	if (len)
		ring_peek(&c->sndbuf, seq - c->snd_buf_seq, pkt + iphl + hl, len);
	tcp_emit(pkt + iphl, &th, &c->laddr, &c->raddr);
	ip_emit(s, pkt, &c->laddr, &c->raddr, IPPROTO_NUM_TCP, (uint16_t)(hl + len));
	stack_queue_packet(s, now, pkt, total);
	s->stats.tcp_out++;
	if (flags & TCPF_RST)
		s->stats.tcp_rst_out++;
	free(pkt);
}

void tcp_send_ack(struct tcp_conn *c, uint64_t now)
{
	tcp_emit_segment(c, now, c->snd_nxt, TCPF_ACK, 0);
}

/* RFC 5961 7: an optional global limit on challenge ACKs per second. */
void tcp_send_challenge_ack(struct tcp_conn *c, uint64_t now)
{
	struct stack *s = c->stack;
	uint32_t limit = s->tun.challenge_ack_limit;

	if (limit) {
		if (now - s->challenge_window_start >= 1000000) {
			s->challenge_window_start = now;
			s->challenge_count = 0;
		}
		if (s->challenge_count >= limit)
			return;
		s->challenge_count++;
	}
	s->stats.tcp_challenge_acks++;
	tcp_send_ack(c, now);
}

void tcp_send_syn(struct tcp_conn *c, uint64_t now)
{
	uint8_t flags = c->state == TCPS_SYN_RECEIVED ? TCPF_SYN | TCPF_ACK : TCPF_SYN;

	tcp_emit_segment(c, now, c->iss, flags, 0);
	c->snd_nxt = c->iss + 1;
	c->snd_max = seq_max(c->snd_max, c->snd_nxt);
}

/* RFC 1122 4.2.3.6: SEG.SEQ = SND.NXT - 1 with no data (Linux: SND.UNA - 1), an old sequence
 * number the peer answers with an ACK. */
void tcp_send_keepalive_probe(struct tcp_conn *c, uint64_t now)
{
	tcp_emit_segment(c, now, c->snd_una - 1, TCPF_ACK, 0);
}

void tcp_send_rst(struct tcp_conn *c, uint64_t now)
{
	tcp_emit_segment(c, now, c->snd_nxt, TCPF_RST | TCPF_ACK, 0);
}

/* RFC 9293 3.10.7.1: the reply to a segment for no connection. Never answer a RST. */
void tcp_send_rst_for(struct stack *s, uint64_t now, const struct stack_addr *saddr,
                      const struct stack_addr *daddr, const struct tcp_hdr *in)
{
	struct tcp_hdr th = {.sport = in->dport, .dport = in->sport, .flags = TCPF_RST};
	uint8_t pkt[IPV6_HDR_LEN + TCP_HDR_LEN];
	size_t iphl = ip_hdr_len(saddr);

	if (in->flags & TCPF_RST)
		return;
	if (in->flags & TCPF_ACK) {
		th.seq = in->ack;
	} else {
		th.seq = 0;
		th.ack = in->seq + tcp_seg_len(in);
		th.flags |= TCPF_ACK;
	}
	tcp_emit(pkt + iphl, &th, daddr, saddr);
	ip_emit(s, pkt, daddr, saddr, IPPROTO_NUM_TCP, TCP_HDR_LEN);
	stack_queue_packet(s, now, pkt, iphl + TCP_HDR_LEN);
	s->stats.tcp_out++;
	s->stats.tcp_rst_out++;
}

static bool tcp_can_send_data(enum tcp_state st)
{
	return st == TCPS_ESTABLISHED || st == TCPS_CLOSE_WAIT || st == TCPS_FIN_WAIT_1 ||
	       st == TCPS_CLOSING || st == TCPS_LAST_ACK;
}

/* Send what the windows allow. RFC 9293 3.8.6.2.1 (sender SWS avoidance) with the Nagle
 * algorithm (RFC 9293 3.7.4, RFC 896): a short segment leaves only when nothing is in flight or
 * the no-delay switch is on; RFC 5681 2: never more in flight than min(cwnd, rwnd). */
void tcp_output(struct tcp_conn *c, uint64_t now)
{
	if (!tcp_can_send_data(c->state))
		return;
	/* RFC 5681 4.1: after an idle period longer than the RTO, restart from the initial
	 * window (Linux tcp_slow_start_after_idle) */
	if (c->snd_una == c->snd_max && c->last_send && now - c->last_send > c->rto) {
		uint32_t iw = tcp_initial_window(c);
		if (c->cwnd > iw)
			c->cwnd = iw;
		tcp_cong_restart(c);
	}
	bool sent_new = false;
	for (;;) {
		uint32_t end = tcp_snd_end(c);
		bool fin_pending = c->fin_queued && seq_le(c->snd_nxt, end);
		uint32_t avail = seq_lt(c->snd_nxt, end) ? end - c->snd_nxt : 0;
		uint32_t wnd = min_u32(c->snd_wnd, c->cwnd);
		uint32_t in_flight = c->snd_nxt - c->snd_una;
		uint32_t usable = wnd > in_flight ? wnd - in_flight : 0;
		uint32_t len = min_u32(min_u32(avail, c->snd_mss), usable);
		bool fin = fin_pending && c->snd_nxt + len == end;

		if (len == 0 && !fin) {
			if (avail && in_flight == 0)
				break; /* window closed: the persist timer probes */
			goto sent;
		}
		if (len < c->snd_mss && !fin) {
			bool idle = in_flight == 0 || c->nodelay;
			bool ok = (len == avail && idle) ||
			          (c->max_snd_wnd && len >= c->max_snd_wnd / 2 && idle);
			if (!ok) {
				if (in_flight == 0)
					break;
				goto sent;
			}
		}
		uint8_t flags = TCPF_ACK;
		if (len && c->snd_nxt + len == end)
			flags |= TCPF_PSH;
		if (fin)
			flags |= TCPF_FIN;
		if (seq_lt(c->snd_nxt, c->snd_max)) {
			c->stack->stats.tcp_retransmits++;
		} else if (!c->rtt_timing) {
			/* Karn: time only segments sent for the first time (RFC 6298 3) */
			tcp_rtt_start(c, now, c->snd_nxt);
		}
		tcp_emit_segment(c, now, c->snd_nxt, flags, len);
		tcp_rack_sent(c, now, c->snd_nxt, c->snd_nxt + len + (fin ? 1 : 0));
		sent_new |= seq_ge(c->snd_nxt, c->snd_max);
		c->last_send = now;
		c->snd_nxt += len + (fin ? 1 : 0);
		c->snd_max = seq_max(c->snd_max, c->snd_nxt);
		tcp_timer_stop(c, TCP_T_PERSIST);
		if (c->timer[TCP_T_REXMIT] == STACK_TIME_NEVER)
			tcp_arm_rexmit(c, now);
	}
	/* Nothing in flight and data that may not go: only the persist timer can move it
	 * (RFC 9293 3.8.6.1 zero window; the SWS override timer of 3.8.6.2.1). */
	if (c->timer[TCP_T_PERSIST] == STACK_TIME_NEVER &&
	    c->timer[TCP_T_REXMIT] == STACK_TIME_NEVER) {
		c->persist_backoff = 0;
		uint64_t rto = c->rto;
		tcp_timer_set(c, TCP_T_PERSIST, now + rto);
	}
	return;
sent:
	/* RFC 8985 7.2: new data moves the tail, and the probe after it */
	if (sent_new)
		tcp_tlp_schedule(c, now, false);
}

/* Send len bytes of the buffer from seq: a retransmission below snd_max (never timed, Karn's
 * rule), new data at snd_max. The FIN goes along when the range ends the buffer and the FIN was
 * sent before (a retransmission) or is asked for (new data). */
void tcp_send_range(struct tcp_conn *c, uint64_t now, uint32_t seq, uint32_t len)
{
	uint32_t end = tcp_snd_end(c);
	bool rexmit = seq_lt(seq, c->snd_max);

	len = seq_lt(seq, end) ? min_u32(len, end - seq) : 0;
	bool fin = c->fin_queued && seq + len == end && (!rexmit || seq_gt(c->snd_max, end));
	uint8_t flags = TCPF_ACK;

	if (len == 0 && !fin)
		return;
	if (fin)
		flags |= TCPF_FIN;
	if (len && seq + len == end)
		flags |= TCPF_PSH;
	if (rexmit) {
		c->rtt_timing = false; /* Karn's rule */
		c->stack->stats.tcp_retransmits++;
	} else if (!c->rtt_timing) {
		tcp_rtt_start(c, now, seq);
	}
	tcp_emit_segment(c, now, seq, flags, len);
	tcp_rack_sent(c, now, seq, seq + len + (fin ? 1 : 0));
	if (!rexmit) {
		c->last_send = now;
		c->snd_nxt = seq + len + (fin ? 1 : 0);
		c->snd_max = c->snd_nxt;
	}
	if (c->timer[TCP_T_REXMIT] == STACK_TIME_NEVER)
		tcp_arm_rexmit(c, now);
}

/* RFC 5681 3.2 step 2 and RFC 6298 5.4: resend the oldest unacknowledged segment. */
void tcp_retransmit_head(struct tcp_conn *c, uint64_t now)
{
	tcp_send_range(c, now, c->snd_una, c->snd_mss);
}

/* Linux tcp_sndbuf_expand: room for twice the congestion window, so the window, not the buffer,
 * bounds what is in flight; up to sndbuf_max. */
void tcp_sndbuf_expand(struct tcp_conn *c)
{
	uint64_t want = 2ull * c->cwnd + 2ull * c->snd_mss;
	uint32_t max = c->stack->tun.sndbuf_max;

	if (want <= c->sndbuf.cap)
		return;
	/* at least doubled, so a buffer growing with cwnd is copied a few times only */
	if (want < 2ull * c->sndbuf.cap)
		want = 2ull * c->sndbuf.cap;
	if (want > max)
		want = max;
	if (want > c->sndbuf.cap)
		ring_grow(&c->sndbuf, (size_t)want);
}

/* RFC 9293 3.8.6.1: probe a zero window with one byte of new data; the receiver answers with
 * an ACK that carries its window. snd_nxt stays: the byte is sent again normally later. */
void tcp_send_probe(struct tcp_conn *c, uint64_t now)
{
	uint32_t end = tcp_snd_end(c);

	if (seq_lt(c->snd_nxt, end)) {
		uint32_t len =
		    c->snd_wnd ? min_u32(min_u32(end - c->snd_nxt, c->snd_wnd), c->snd_mss) : 1;
		if (c->snd_wnd) {
			/* a small window that SWS avoidance held back: send into it now */
			tcp_emit_segment(c, now, c->snd_nxt, TCPF_ACK | TCPF_PSH, len);
			tcp_rack_sent(c, now, c->snd_nxt, c->snd_nxt + len);
			c->snd_nxt += len;
			c->snd_max = seq_max(c->snd_max, c->snd_nxt);
			tcp_arm_rexmit(c, now);
			return;
		}
		tcp_emit_segment(c, now, c->snd_nxt, TCPF_ACK, 1);
		c->snd_max = seq_max(c->snd_max, c->snd_nxt + 1);
		c->stack->stats.tcp_zero_window_probes++;
	}
}
