/* tcp_sack.c: selective acknowledgments: the blocks a receiver reports (RFC 2018 4, RFC 2883
 * D-SACK), and the sender's scoreboard and loss recovery (RFC 6675: IsLost, SetPipe, NextSeg). */
#include <string.h>

#include "stack_internal.h"

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static bool blocks_touch(uint32_t s1, uint32_t e1, uint32_t s2, uint32_t e2)
{
	return seq_le(s1, e2) && seq_le(s2, e1);
}

/* RFC 2018 4: the first block holds the segment that arrived last, merged with the data queued
 * next to it; the others follow as they were reported, less what the new one joins. The queue
 * (in ascending order) is walked unless the segment went last and extends a block reported: most
 * segments past one hole do, and cost no walk of a long queue. */
void tcp_sack_note_ooo(struct tcp_conn *c, uint32_t start, uint32_t end, bool last)
{
	struct tcp_sack_block nb = {start, end};
	bool known = false;

	for (unsigned i = 0; i < c->n_sack_out && last; i++)
		known |= blocks_touch(c->sack_out[i].start, c->sack_out[i].end, start, end);
	for (const struct ooo_seg *o = known ? NULL : c->ooo; o; o = o->next) {
		uint32_t oe = o->seq + o->len;
		if (seq_gt(o->seq, nb.end))
			break;
		if (blocks_touch(o->seq, oe, nb.start, nb.end)) {
			if (seq_lt(o->seq, nb.start))
				nb.start = o->seq;
			if (seq_gt(oe, nb.end))
				nb.end = oe;
		}
	}
	struct tcp_sack_block out[TCP_MAX_SACK];
	unsigned n = 0;
	out[n++] = nb;
	for (unsigned i = 0; i < c->n_sack_out; i++) {
		const struct tcp_sack_block *b = &c->sack_out[i];
		if (blocks_touch(b->start, b->end, start, end)) {
			if (seq_lt(b->start, out[0].start))
				out[0].start = b->start;
			if (seq_gt(b->end, out[0].end))
				out[0].end = b->end;
		} else if (n < TCP_MAX_SACK) {
			out[n++] = *b;
		}
	}
	memcpy(c->sack_out, out, n * sizeof(out[0]));
	c->n_sack_out = n;
}

/* Drop the blocks below left, cut the one across it: what remains is above it. */
static unsigned blocks_trim(struct tcp_sack_block *b, unsigned n, uint32_t left)
{
	unsigned kept = 0;

	for (unsigned i = 0; i < n; i++) {
		struct tcp_sack_block x = b[i];
		if (seq_le(x.end, left))
			continue;
		if (seq_lt(x.start, left))
			x.start = left;
		b[kept++] = x;
	}
	return kept;
}

void tcp_sack_trim_rcv(struct tcp_conn *c)
{
	c->n_sack_out = blocks_trim(c->sack_out, c->n_sack_out, c->rcv_nxt);
}

void tcp_dsack_note(struct tcp_conn *c, uint32_t start, uint32_t end)
{
	if (!c->sack_ok || !c->stack->tun.dsack || !seq_lt(start, end))
		return;
	c->dsack.start = start;
	c->dsack.end = end;
	c->dsack_pending = true;
}

/* Add [start, end) to the ascending, disjoint scoreboard; returns the bytes it adds. When full,
 * the highest range goes: the low ones decide what is lost. */
static uint32_t score_add(struct tcp_conn *c, uint32_t start, uint32_t end)
{
	uint32_t added = end - start;
	unsigned i = 0;

	while (i < c->n_score && seq_lt(c->score[i].end, start))
		i++;
	/* merge every range touching [start, end) into it */
	unsigned j = i;
	while (j < c->n_score && seq_le(c->score[j].start, end)) {
		struct tcp_sack_block *b = &c->score[j];
		uint32_t lo = seq_gt(b->start, start) ? b->start : start;
		uint32_t hi = seq_lt(b->end, end) ? b->end : end;
		if (seq_lt(lo, hi))
			added -= hi - lo;
		if (seq_lt(b->start, start))
			start = b->start;
		if (seq_gt(b->end, end))
			end = b->end;
		j++;
	}
	unsigned n_after = c->n_score - j;
	if (j == i && c->n_score == TCP_SCOREBOARD) {
		if (i == TCP_SCOREBOARD)
			return 0;
		n_after--; /* full: the highest range goes */
	}
	memmove(&c->score[i + 1], &c->score[j], n_after * sizeof(c->score[0]));
	c->score[i].start = start;
	c->score[i].end = end;
	c->n_score = i + 1 + n_after;
	return added;
}

/* RFC 2018 and RFC 6675 2: blocks between the cumulative ACK and what we sent count; a D-SACK
 * (RFC 2883 4: below the ACK) reports a duplicate and says nothing of losses. */
uint32_t tcp_sack_update(struct tcp_conn *c, const struct tcp_hdr *th)
{
	uint32_t added = 0;

	for (unsigned i = 0; i < th->n_sack; i++) {
		uint32_t s = th->sack[i].start, e = th->sack[i].end;
		if (!seq_lt(s, e) || seq_lt(s, th->ack) || seq_lt(s, c->snd_una) ||
		    seq_gt(e, c->snd_max))
			continue;
		added += score_add(c, s, e);
	}
	return added;
}

void tcp_sack_trim_snd(struct tcp_conn *c)
{
	c->n_score = blocks_trim(c->score, c->n_score, c->snd_una);
}

/* RFC 2018 8: after a retransmission timeout the receiver may have reneged: forget the blocks. */
void tcp_sack_clear(struct tcp_conn *c)
{
	c->n_score = 0;
	c->sack_recovery = false;
}

/* RFC 6675 4 IsLost: DupThresh discontiguous SACKed ranges, or more than (DupThresh - 1) * SMSS
 * SACKed bytes, above seq. */
static bool sack_dupthresh_lost(const struct tcp_conn *c, uint32_t seq)
{
	uint32_t bytes = 0;
	unsigned ranges = 0;

	for (unsigned i = c->n_score; i-- > 0;) {
		const struct tcp_sack_block *b = &c->score[i];
		if (seq_le(b->end, seq))
			break;
		ranges++;
		bytes += b->end - (seq_gt(b->start, seq) ? b->start : seq + 1);
	}
	return ranges >= DUP_THRESH || bytes > (DUP_THRESH - 1) * (uint32_t)c->snd_mss;
}

/* Lost by RFC 6675's rule or by RACK's (RFC 8985 6.2 step 5), as Linux uses both. */
bool tcp_sack_is_lost(const struct tcp_conn *c, uint32_t seq)
{
	return sack_dupthresh_lost(c, seq) || tcp_rack_is_lost(c, seq);
}

/* The holes: the unSACKed ranges of [snd_una, snd_max) that some SACKed range lies above
 * (hole_end < snd_max), and the tail after the last SACKed range. */
struct hole {
	uint32_t start, end;
};

static unsigned sack_holes(const struct tcp_conn *c, struct hole *h)
{
	unsigned n = 0;
	uint32_t at = c->snd_una;

	for (unsigned i = 0; i < c->n_score; i++) {
		if (seq_lt(at, c->score[i].start))
			h[n++] = (struct hole){at, c->score[i].start};
		at = c->score[i].end;
	}
	if (seq_lt(at, c->snd_max))
		h[n++] = (struct hole){at, c->snd_max};
	return n;
}

/* RFC 6675 4 SetPipe: every unSACKed octet not lost counts once, and once more when it was
 * retransmitted, unless RACK found that retransmission lost too. The DupThresh rule is the
 * same for every octet of a hole; RACK marks some. */
uint32_t tcp_sack_pipe(const struct tcp_conn *c)
{
	struct hole h[TCP_SCOREBOARD + 1];
	unsigned n = sack_holes(c, h);
	uint32_t pipe = 0;

	for (unsigned i = 0; i < n; i++) {
		if (!sack_dupthresh_lost(c, h[i].start))
			pipe +=
			    h[i].end - h[i].start - tcp_rack_lost_bytes(c, h[i].start, h[i].end);
		if (c->sack_recovery && seq_lt(h[i].start, c->high_rxt)) {
			uint32_t end = seq_lt(h[i].end, c->high_rxt) ? h[i].end : c->high_rxt;
			pipe += end - h[i].start - tcp_rack_resend_bytes(c, h[i].start, end);
		}
	}
	return pipe;
}

/* RFC 6675 4 NextSeg, rules (1) to (3): a lost hole above HighRxt, else new data the window
 * allows, else a hole above HighRxt below a SACKed range. Before them, what RACK found lost
 * below HighRxt (RFC 8985 6.2: a lost retransmission, or a hole passed over while it was not
 * yet lost), which RFC 6675 alone leaves to the RTO. Returns the length, 0 for none. */
static uint32_t sack_next_seg(const struct tcp_conn *c, uint32_t *seq)
{
	struct hole h[TCP_SCOREBOARD + 1];
	uint32_t mss = c->snd_mss;
	uint32_t len;

	if (tcp_rack_next_resend(c, c->high_rxt, seq, &len))
		return len;
	unsigned n = sack_holes(c, h);
	for (int rule = 1; rule <= 3; rule += 2) {
		for (unsigned i = 0; i < n; i++) {
			uint32_t s = seq_gt(c->high_rxt, h[i].start) ? c->high_rxt : h[i].start;
			if (!seq_lt(s, h[i].end) || h[i].end == c->snd_max)
				continue;
			if (rule == 1 && !tcp_sack_is_lost(c, s))
				continue;
			*seq = s;
			return min_u32(h[i].end - s, mss);
		}
		if (rule == 1) {
			uint32_t end = tcp_snd_end(c);
			uint32_t wnd_end = c->snd_una + c->snd_wnd;
			if (seq_lt(c->snd_max, end) && seq_lt(c->snd_max, wnd_end)) {
				*seq = c->snd_max;
				return min_u32(min_u32(end - c->snd_max, wnd_end - c->snd_max),
				               mss);
			}
		}
	}
	return 0;
}

/* RFC 6675 5 step (C): while cwnd - pipe >= SMSS, send NextSeg. */
void tcp_sack_recovery_output(struct tcp_conn *c, uint64_t now)
{
	for (;;) {
		uint32_t pipe = tcp_sack_pipe(c);
		uint32_t seq;
		if (pipe >= c->cwnd || c->cwnd - pipe < c->snd_mss)
			return;
		uint32_t len = sack_next_seg(c, &seq);
		if (!len)
			return;
		bool rexmit = seq_lt(seq, c->snd_max);
		tcp_send_range(c, now, seq, len);
		if (rexmit && seq_gt(seq + len, c->high_rxt))
			c->high_rxt = seq + len;
	}
}

/* RFC 6675 5 steps (1) to (4): RecoveryPoint = HighData, ssthresh and cwnd as RFC 5681 says, the
 * first segment resent, then what pipe allows. */
void tcp_sack_enter_recovery(struct tcp_conn *c, uint64_t now)
{
	c->ssthresh = tcp_cong_loss(c, tcp_flight_size(c));
	c->cwnd = c->ssthresh;
	c->recover = c->snd_max;
	c->in_recovery = true;
	c->sack_recovery = true;
	c->high_rxt = c->snd_una;
	c->stack->stats.tcp_fast_retransmits++;
	if (c->rack.tlp_armed)
		tcp_arm_rexmit(c, now); /* no probe in recovery (RFC 8985 7.2): the RTO again */
	uint32_t seq = c->snd_una;
	uint32_t len = c->n_score ? min_u32(c->score[0].start - seq, c->snd_mss) : c->snd_mss;
	tcp_send_range(c, now, seq, len);
	c->high_rxt = seq + len;
	tcp_sack_recovery_output(c, now);
}
