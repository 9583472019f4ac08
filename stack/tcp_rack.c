/* tcp_rack.c: RFC 8985 RACK-TLP. RACK (section 6) marks a segment lost when one sent after it
 * was delivered and it is older than RACK.rtt + the reordering window; TLP (section 7) sends a
 * probe about two round trips after the tail of a flight, so a lost tail draws an ACK (and
 * RACK or RFC 6675 recovery) instead of the RTO. As Linux, both work only with SACK. */
#include <stdlib.h>
#include <string.h>

#include "stack_internal.h"

#define REO_WND_PERSIST 16     /* RFC 8985 6.2 step 4: recoveries without D-SACK to reset */
#define TLP_SLACK_US 2000      /* Linux TCP_TIMEOUT_MIN_US: added to a PTO of a larger flight */
#define PTO_NO_SRTT_US 1000000 /* RFC 8985 7.2: PTO when no RTT was measured yet */
#define RECOVERY_RACK 0x1u     /* tcp_recovery bits, as Linux's TCP_RACK_* */
#define RECOVERY_STATIC_REO 0x2u

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

bool tcp_rack_enabled(const struct tcp_conn *c)
{
	return c->sack_ok && (c->stack->tun.recovery & RECOVERY_RACK);
}

bool tcp_tlp_enabled(const struct tcp_conn *c)
{
	unsigned er = c->stack->tun.early_retrans;

	return c->sack_ok && (er == 3 || er == 4);
}

/* Records are kept while either part may read them: RACK for loss, TLP for the RTO's time and
 * the last segment. */
static bool rack_tracking(const struct tcp_conn *c)
{
	return tcp_rack_enabled(c) || tcp_tlp_enabled(c);
}

void tcp_rack_free(struct tcp_conn *c)
{
	free(c->rack.seg);
	c->rack.seg = NULL;
	c->rack.head = c->rack.len = c->rack.cap = 0;
}

static size_t rack_count(const struct tcp_rack *r)
{
	return r->len - r->head;
}

/* Room for n more records at the end; the consumed front is reclaimed first. */
static bool rack_reserve(struct tcp_rack *r, size_t n)
{
	if (r->head && r->len + n > r->cap) {
		memmove(r->seg, r->seg + r->head, rack_count(r) * sizeof(r->seg[0]));
		r->len -= r->head;
		r->head = 0;
	}
	if (r->len + n <= r->cap)
		return true;
	size_t cap = r->cap ? r->cap * 2 : 64;
	while (cap < r->len + n)
		cap *= 2;
	struct tcp_xmit_rec *seg = realloc(r->seg, cap * sizeof(*seg));
	if (!seg)
		return false;
	r->seg = seg;
	r->cap = cap;
	return true;
}

/* The index of the first record ending after seq (r->len when none). */
static size_t rack_find(const struct tcp_rack *r, uint32_t seq)
{
	size_t lo = r->head, hi = r->len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (seq_le(r->seg[mid].end, seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Split record i at seq (inside it): [start, seq) stays at i, [seq, end) goes to i + 1. */
static bool rack_split(struct tcp_rack *r, size_t i, uint32_t seq)
{
	size_t off = i - r->head;

	if (!rack_reserve(r, 1))
		return false;
	i = r->head + off;
	memmove(&r->seg[i + 1], &r->seg[i], (r->len - i) * sizeof(r->seg[0]));
	r->len++;
	r->seg[i].end = seq;
	r->seg[i + 1].start = seq;
	return true;
}

void tcp_rack_sent(struct tcp_conn *c, uint64_t now, uint32_t start, uint32_t end)
{
	struct tcp_rack *r = &c->rack;

	if (!rack_tracking(c) || !seq_lt(start, end))
		return;
	size_t i = rack_find(r, start);
	if (i < r->len && seq_lt(r->seg[i].start, start) && !rack_split(r, i++, start))
		return;
	/* a retransmission: the records it covers take its time, cut to its edges */
	for (; i < r->len && seq_lt(r->seg[i].start, end); i++) {
		if (seq_gt(r->seg[i].end, end) && !rack_split(r, i, end))
			return;
		r->seg[i].xmit_ts = now;
		r->seg[i].flags = (r->seg[i].flags | TCP_XR_RETRANS) & ~TCP_XR_RESEND;
		start = r->seg[i].end;
	}
	if (!seq_lt(start, end) || !rack_reserve(r, 1))
		return;
	r->seg[r->len++] = (struct tcp_xmit_rec){start, end, now, 0};
}

void tcp_rack_rtt_sample(struct tcp_conn *c, uint64_t rtt)
{
	tcp_hystart_rtt(c, rtt);
	if (!c->rack.min_rtt || rtt < c->rack.min_rtt)
		c->rack.min_rtt = rtt ? rtt : 1;
}

/* RFC 8985 6.2: RACK_sent_after(t1, seq1, t2, seq2) */
static bool sent_after(uint64_t t1, uint32_t seq1, uint64_t t2, uint32_t seq2)
{
	return t1 > t2 || (t1 == t2 && seq_gt(seq1, seq2));
}

/* RFC 8985 6.2 steps 2 and 3 for one segment newly delivered (cumulatively or by SACK). A
 * retransmitted one may have been delivered by its original: its RTT is taken only when the
 * echoed timestamp or the minimum RTT rules that out. */
static void rack_delivered(struct tcp_conn *c, uint64_t now, const struct tcp_xmit_rec *s,
                           const struct tcp_hdr *th)
{
	struct tcp_rack *r = &c->rack;
	uint64_t rtt = now - s->xmit_ts;

	if (r->fack_on && seq_lt(s->end, r->fack) && !(s->flags & TCP_XR_RETRANS))
		r->reordering_seen = true;
	if (!r->fack_on || seq_gt(s->end, r->fack))
		r->fack = s->end;
	r->fack_on = true;
	if (s->flags & TCP_XR_RETRANS) {
		if (c->ts_ok && (th->opts & TCP_OPTF_TS) &&
		    seq_lt(th->tsecr, tcp_tsval(c, s->xmit_ts)))
			return;
		if (rtt < r->min_rtt)
			return;
	} else {
		tcp_rack_rtt_sample(c, rtt);
	}
	r->rtt = rtt;
	if (!r->valid || sent_after(s->xmit_ts, s->end, r->xmit_ts, r->end_seq)) {
		r->xmit_ts = s->xmit_ts;
		r->end_seq = s->end;
		r->valid = true;
	}
}

/* Records the cumulative ACK passed are delivered and go; one it cuts keeps its rest. */
static void rack_take_cumulative(struct tcp_conn *c, uint64_t now, const struct tcp_hdr *th)
{
	struct tcp_rack *r = &c->rack;

	while (r->head < r->len && seq_le(r->seg[r->head].end, c->snd_una)) {
		const struct tcp_xmit_rec *s = &r->seg[r->head++];
		if (s->flags & TCP_XR_SACKED)
			r->segs_sacked--;
		else
			rack_delivered(c, now, s, th);
	}
	if (r->head < r->len && seq_lt(r->seg[r->head].start, c->snd_una))
		r->seg[r->head].start = c->snd_una;
	if (r->head == r->len)
		r->head = r->len = 0;
}

/* Records inside the ACK's SACK blocks (RFC 2018: whole segments) are delivered. */
static void rack_take_sacks(struct tcp_conn *c, uint64_t now, const struct tcp_hdr *th)
{
	struct tcp_rack *r = &c->rack;

	for (unsigned b = 0; b < th->n_sack; b++) {
		uint32_t s = th->sack[b].start, e = th->sack[b].end;
		if (!seq_lt(s, e) || seq_le(e, c->snd_una))
			continue;
		for (size_t i = rack_find(r, s); i < r->len && seq_le(r->seg[i].end, e); i++) {
			struct tcp_xmit_rec *x = &r->seg[i];
			if ((x->flags & TCP_XR_SACKED) || seq_lt(x->start, s))
				continue;
			x->flags |= TCP_XR_SACKED;
			r->segs_sacked++;
			rack_delivered(c, now, x, th);
		}
	}
}

/* RFC 2883 4: the first block lies below the cumulative ACK or inside the second. */
static bool ack_has_dsack(const struct tcp_hdr *th)
{
	if (!th->n_sack)
		return false;
	const struct tcp_sack_block *d = &th->sack[0];
	return seq_lt(d->start, th->ack) ||
	       (th->n_sack > 1 && seq_ge(d->start, th->sack[1].start) &&
	        seq_le(d->end, th->sack[1].end));
}

/* RFC 8985 6.2 step 4: the reordering window grows by min_RTT / 4 per round trip that saw a
 * D-SACK, and is reset after 16 recoveries without one. */
static void rack_update_reo_wnd(struct tcp_conn *c, const struct tcp_hdr *th)
{
	struct tcp_rack *r = &c->rack;

	if (c->stack->tun.recovery & RECOVERY_STATIC_REO)
		return;
	if (r->dsack_round_on && seq_ge(c->snd_una, r->dsack_round))
		r->dsack_round_on = false;
	if (!r->dsack_round_on && ack_has_dsack(th)) {
		r->dsack_round_on = true;
		r->dsack_round = c->snd_nxt;
		r->reo_wnd_mult++;
		r->reo_wnd_persist = REO_WND_PERSIST;
	}
}

/* Called when a recovery ends: the step 4 count of recoveries without D-SACK. */
static void rack_recovery_ended(struct tcp_rack *r)
{
	if (r->reo_wnd_persist && --r->reo_wnd_persist == 0)
		r->reo_wnd_mult = 1;
}

/* RFC 8985 6.2 step 4, RACK.reo_wnd: none while no reordering was seen and recovery runs or
 * DupThresh segments are SACKed; else min_RTT / 4 per step, at most SRTT. */
static uint64_t rack_reo_wnd(const struct tcp_conn *c)
{
	const struct tcp_rack *r = &c->rack;

	if (!r->reordering_seen && (c->in_recovery || r->segs_sacked >= DUP_THRESH))
		return 0;
	unsigned mult = r->reo_wnd_mult ? r->reo_wnd_mult : 1;
	return min_u64(r->min_rtt / 4 * mult, c->srtt);
}

/* RFC 8985 6.2 step 5: every segment sent before RACK's that is older than RACK.rtt + reo_wnd
 * is lost; for the youngest of the others, the time left. In sequence order the segments never
 * retransmitted were sent in order, so the walk ends at the first of them sent after RACK's.
 * One marked lost and not yet sent again is passed over (the RFC's Segment.xmit_ts =
 * INFINITE_TS); once resent, its retransmission is judged like any transmission.
 * Returns the number newly marked lost; *timeout gets the reordering timer's delay, 0: none. */
static unsigned rack_detect_loss(struct tcp_conn *c, uint64_t now, uint64_t *timeout)
{
	struct tcp_rack *r = &c->rack;
	uint64_t reo_wnd = rack_reo_wnd(c);
	unsigned lost = 0;

	*timeout = 0;
	if (!r->valid)
		return 0;
	for (size_t i = r->head; i < r->len; i++) {
		struct tcp_xmit_rec *s = &r->seg[i];
		if (!sent_after(r->xmit_ts, r->end_seq, s->xmit_ts, s->end)) {
			if (!(s->flags & TCP_XR_RETRANS))
				break;
			continue;
		}
		if (s->flags & (TCP_XR_SACKED | TCP_XR_RESEND))
			continue;
		uint64_t deadline = s->xmit_ts + r->rtt + reo_wnd;
		if (deadline <= now) {
			s->flags |= TCP_XR_LOST | TCP_XR_RESEND;
			lost++;
		} else if (deadline - now > *timeout) {
			*timeout = deadline - now;
		}
	}
	return lost;
}

/* Losses RACK found start RFC 6675 recovery (RFC 8985 6.2 step 6), or feed the one running. */
static void rack_detect_and_arm(struct tcp_conn *c, uint64_t now)
{
	uint64_t timeout;
	unsigned lost = rack_detect_loss(c, now, &timeout);

	if (timeout)
		tcp_timer_set(c, TCP_T_RACK, now + timeout);
	else
		tcp_timer_stop(c, TCP_T_RACK);
	if (!lost)
		return;
	if (!c->in_recovery)
		tcp_sack_enter_recovery(c, now);
	else if (c->sack_recovery)
		tcp_sack_recovery_output(c, now);
}

void tcp_rack_timer(struct tcp_conn *c, uint64_t now)
{
	if (!tcp_rack_enabled(c) || c->snd_una == c->snd_max)
		return;
	rack_detect_and_arm(c, now);
}

/* RFC 8985 7.4.2: a probe that retransmitted is answered by an ACK past it (it repaired a loss:
 * the congestion window is reduced once, as a fast recovery would, not collapsed as by an
 * RTO), or by a D-SACK or a bare duplicate ACK (the original arrived too: no change). */
static void tlp_process_ack(struct tcp_conn *c, const struct tcp_hdr *th, bool advanced, bool dsack)
{
	struct tcp_rack *r = &c->rack;

	if (!r->tlp_on || seq_lt(th->ack, r->tlp_end_seq))
		return;
	if (!r->tlp_is_retrans || dsack) {
		r->tlp_on = false;
	} else if (seq_gt(th->ack, r->tlp_end_seq)) {
		r->tlp_on = false;
		if (!c->in_recovery) {
			c->ssthresh = tcp_cong_loss(c, c->cwnd);
			c->cwnd = c->ssthresh;
		}
	} else if (!advanced && !th->n_sack && !th->payload_len) {
		r->tlp_on = false;
	}
}

void tcp_rack_on_ack(struct tcp_conn *c, uint64_t now, const struct tcp_hdr *th, bool advanced)
{
	if (!rack_tracking(c))
		return;
	bool dsack = ack_has_dsack(th);
	rack_take_cumulative(c, now, th);
	rack_take_sacks(c, now, th);
	if (tcp_rack_enabled(c)) {
		rack_update_reo_wnd(c, th);
		if (c->snd_una != c->snd_max)
			rack_detect_and_arm(c, now);
		else
			tcp_timer_stop(c, TCP_T_RACK);
		if (c->in_recovery) {
			c->rack.recovering = true;
		} else if (c->rack.recovering) {
			c->rack.recovering = false;
			rack_recovery_ended(&c->rack);
		}
	}
	if (tcp_tlp_enabled(c)) {
		tlp_process_ack(c, th, advanced, dsack);
		if (advanced)
			tcp_tlp_schedule(c, now, true);
	}
}

void tcp_rack_on_rto(struct tcp_conn *c)
{
	struct tcp_rack *r = &c->rack;

	for (size_t i = r->head; i < r->len; i++)
		r->seg[i].flags &= TCP_XR_RETRANS;
	r->segs_sacked = 0;
	r->tlp_on = false;
	r->tlp_armed = false;
	r->recovering = false;
	rack_recovery_ended(r);
	tcp_timer_stop(c, TCP_T_RACK);
}

bool tcp_rack_is_lost(const struct tcp_conn *c, uint32_t seq)
{
	const struct tcp_rack *r = &c->rack;
	size_t i = rack_find(r, seq);

	return i < r->len && seq_le(r->seg[i].start, seq) && (r->seg[i].flags & TCP_XR_LOST);
}

static uint32_t rack_bytes_flagged(const struct tcp_conn *c, uint32_t start, uint32_t end,
                                   uint8_t flag)
{
	const struct tcp_rack *r = &c->rack;
	uint32_t n = 0;

	for (size_t i = rack_find(r, start); i < r->len && seq_lt(r->seg[i].start, end); i++) {
		const struct tcp_xmit_rec *s = &r->seg[i];
		if ((s->flags & (flag | TCP_XR_SACKED)) != flag)
			continue;
		uint32_t lo = seq_gt(s->start, start) ? s->start : start;
		uint32_t hi = seq_lt(s->end, end) ? s->end : end;
		n += hi - lo;
	}
	return n;
}

uint32_t tcp_rack_lost_bytes(const struct tcp_conn *c, uint32_t start, uint32_t end)
{
	return rack_bytes_flagged(c, start, end, TCP_XR_LOST);
}

uint32_t tcp_rack_resend_bytes(const struct tcp_conn *c, uint32_t start, uint32_t end)
{
	return rack_bytes_flagged(c, start, end, TCP_XR_RESEND);
}

bool tcp_rack_next_resend(const struct tcp_conn *c, uint32_t limit, uint32_t *seq, uint32_t *len)
{
	const struct tcp_rack *r = &c->rack;

	for (size_t i = r->head; i < r->len && seq_lt(r->seg[i].start, limit); i++) {
		const struct tcp_xmit_rec *s = &r->seg[i];
		if ((s->flags & (TCP_XR_RESEND | TCP_XR_SACKED)) != TCP_XR_RESEND)
			continue;
		uint32_t end = seq_lt(s->end, limit) ? s->end : limit;
		*seq = s->start;
		*len = end - s->start < c->snd_mss ? end - s->start : c->snd_mss;
		return true;
	}
	return false;
}

/* RFC 8985 7.2: PTO = 2 * SRTT, plus the worst-case delayed ACK (Linux: rto_min) when one
 * segment is in flight, else Linux's 2 ms of timer slack; never later than the RTO would
 * fire: advancing, a full RTO from now, else RTO after the oldest segment's transmission. When
 * that time has passed already (ACKs kept the RTO from firing), the PTO stands as it is, as in
 * Linux (tcp_schedule_loss_probe: rto_delta_us > 0), rather than a probe at once. A probe goes
 * only outside recovery, with data in flight and none probing it already. */
bool tcp_tlp_schedule(struct tcp_conn *c, uint64_t now, bool advancing)
{
	struct tcp_rack *r = &c->rack;

	if (!tcp_tlp_enabled(c) || c->snd_una == c->snd_max || c->in_recovery ||
	    c->snd_nxt != c->snd_max || c->retransmits || r->tlp_on)
		return false;
	uint64_t pto = PTO_NO_SRTT_US;
	if (c->rtt_valid) {
		bool one = c->snd_max - c->snd_una <= c->snd_mss;
		pto = 2 * c->srtt + (one ? c->stack->tun.rto_min : TLP_SLACK_US);
	}
	uint64_t rto_left = c->rto;
	if (!advancing && r->head < r->len) {
		uint64_t due = r->seg[r->head].xmit_ts + c->rto;
		rto_left = due > now ? due - now : pto;
	}
	tcp_timer_set(c, TCP_T_REXMIT, now + min_u64(pto, rto_left));
	r->tlp_armed = true;
	return true;
}

/* RFC 8985 7.3: new data when the peer's window takes it, else the last segment again; the
 * RTO is armed after it in any case. */
void tcp_tlp_fire(struct tcp_conn *c, uint64_t now)
{
	struct tcp_rack *r = &c->rack;
	uint32_t end = tcp_snd_end(c);
	uint32_t wnd_end = c->snd_una + c->snd_wnd;

	r->tlp_armed = false;
	if (!r->tlp_on && c->snd_una != c->snd_max) {
		r->tlp_is_retrans = !(seq_lt(c->snd_max, end) && seq_lt(c->snd_max, wnd_end));
		if (!r->tlp_is_retrans) {
			uint32_t len = end - c->snd_max;
			if (len > wnd_end - c->snd_max)
				len = wnd_end - c->snd_max;
			tcp_send_range(c, now, c->snd_max, len < c->snd_mss ? len : c->snd_mss);
		} else {
			uint32_t data_end = seq_lt(end, c->snd_max) ? end : c->snd_max;
			uint32_t seq =
			    data_end - c->snd_una > c->snd_mss ? data_end - c->snd_mss : c->snd_una;
			tcp_send_range(c, now, seq, data_end - seq);
		}
		r->tlp_on = true;
		r->tlp_end_seq = c->snd_max;
	}
	tcp_arm_rexmit(c, now);
}
