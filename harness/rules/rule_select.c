/* rule_select.c: a connection as the wire sees it, for the selection words (rules/README.md,
 * "Selection").
 *
 * An attempt is the Nth transmission of the same sequence range in the same direction (RFC 9293
 * 3.4: SYN and FIN occupy one number each), whatever its ACK or window says. A segment that
 * reaches past everything its side has sent is an original; one wholly inside it is a
 * retransmission, and its range is remembered until the other side acknowledges it, so the
 * third, fourth ... transmission is told apart. A retransmission cut differently from the
 * original (coalesced, split) is a new range: its first resending counts as attempt 2.
 */
#include "rule_select.h"

#include <stdlib.h>
#include <string.h>

/* RFC 9293 3.4: sequence numbers compare modulo 2^32. */
static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static bool seq_leq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

void select_release(struct select_state *st)
{
	for (unsigned k = 0; k < 2; k++) {
		free(st->side[k].retx);
		st->side[k].retx = NULL;
		st->side[k].n_retx = 0;
	}
}

void select_start(struct select_state *st, uint32_t conn_no, const struct segment *seg,
                  uint64_t now_us)
{
	select_release(st);
	memset(st, 0, sizeof(*st));
	st->conn_no = conn_no;
	st->first_us = now_us;
	st->client_side = -1;
	/* picked up mid-stream (the matcher's table forgot it, or it began before the daemon) */
	st->phase = (seg->flags & TCPF_SYN) ? RULE_PHASE_HANDSHAKE : RULE_PHASE_ESTABLISHED;
}

/* The other side acknowledged up to ack: its retransmitted ranges below are done. */
static void forget_acked(struct select_side *s, uint32_t ack)
{
	unsigned kept = 0;
	for (unsigned i = 0; i < s->n_retx; i++)
		if (!seq_leq(s->retx[i].end, ack))
			s->retx[kept++] = s->retx[i];
	s->n_retx = (uint8_t)kept;
}

static uint32_t retransmission_attempt(struct select_side *s, uint32_t seq, uint32_t end)
{
	for (unsigned i = 0; i < s->n_retx; i++) {
		if (s->retx[i].seq == seq && s->retx[i].end == end) {
			if (s->retx[i].attempts < UINT32_MAX)
				s->retx[i].attempts++;
			return s->retx[i].attempts;
		}
	}
	if (!s->retx && !(s->retx = malloc(SELECT_RETX_RANGES * sizeof(*s->retx))))
		return 2; /* out of memory: counted as a first resending, as a forgotten range is */
	unsigned slot = s->n_retx;
	if (slot == SELECT_RETX_RANGES) {
		/* full: forget the lowest range, the likeliest to be acknowledged next */
		slot = 0;
		for (unsigned i = 1; i < s->n_retx; i++)
			if (seq_after(s->retx[slot].seq, s->retx[i].seq))
				slot = i;
	} else {
		s->n_retx++;
	}
	s->retx[slot].seq = seq;
	s->retx[slot].end = end;
	s->retx[slot].attempts = 2;
	return 2;
}

static uint32_t attempt_of(struct select_side *s, const struct segment *seg)
{
	uint32_t len = segment_seq_len(seg);
	if (len == 0)
		return 0;
	uint32_t end = seg->seq + len;
	if (!s->sent || seq_after(end, s->snd_max)) {
		s->sent = true;
		s->snd_max = end;
		return 1;
	}
	return retransmission_attempt(s, seg->seq, end);
}

/* The phase seg falls in, moving the connection's on. */
static uint8_t phase_of(struct select_state *st, const struct segment *seg, unsigned side)
{
	if (st->phase == RULE_PHASE_CLOSING || (seg->flags & TCPF_FIN)) {
		st->phase = RULE_PHASE_CLOSING;
		return RULE_PHASE_CLOSING;
	}
	if (seg->flags & TCPF_SYN)
		return RULE_PHASE_HANDSHAKE;
	if (st->phase == RULE_PHASE_HANDSHAKE) {
		/* the opener's ACK of the other side's SYN completes the handshake */
		const struct select_side *peer = &st->side[side ^ 1];
		bool completes = (int)side == st->client_side && (seg->flags & TCPF_ACK) &&
		                 peer->syn_seen && seg->ack == peer->isn + 1;
		st->phase = RULE_PHASE_ESTABLISHED;
		if (completes)
			return RULE_PHASE_HANDSHAKE;
	}
	return st->phase;
}

static uint32_t relative(struct select_side *s, uint32_t n)
{
	if (!s->base_known) {
		s->base_known = true;
		s->base = n;
	}
	return n - s->base;
}

/* The identity's numbers: relative seq and ack, and how many times in a row the same segment
 * came (a duplicate ACK repeats the last one exactly). */
static void identify(struct select_state *st, const struct segment *seg, unsigned side,
                     struct select_facts *f)
{
	struct select_side *s = &st->side[side], *peer = &st->side[side ^ 1];
	if (seg->flags & TCPF_SYN) {
		s->base_known = true;
		s->base = seg->seq;
	}
	f->rel_seq = relative(s, seg->seq);
	f->rel_ack = (seg->flags & TCPF_ACK) ? relative(peer, seg->ack) : 0;
	struct packet_id *l = &s->last;
	bool repeat = s->last_known && l->flags == seg->flags && l->seq == f->rel_seq &&
	              l->ack == f->rel_ack && l->len == seg->payload_len &&
	              l->attempt == f->attempt;
	f->copy = !repeat ? 0 : l->copy < UINT32_MAX ? l->copy + 1 : l->copy;
	*l = (struct packet_id){.flags = seg->flags,
	                        .seq = f->rel_seq,
	                        .ack = f->rel_ack,
	                        .len = seg->payload_len,
	                        .attempt = f->attempt,
	                        .copy = f->copy};
	s->last_known = true;
}

void select_observe(struct select_state *st, const struct segment *seg, unsigned side,
                    uint64_t now_us, struct select_facts *f)
{
	struct select_side *s = &st->side[side & 1];
	if (seg->flags & TCPF_SYN) {
		if (!(seg->flags & TCPF_ACK) && st->client_side < 0)
			st->client_side = (int8_t)(side & 1);
		s->syn_seen = true;
		s->isn = seg->seq;
	}
	f->conn_no = st->conn_no;
	f->age_us = now_us >= st->first_us ? now_us - st->first_us : 0;
	f->fired = st->fired;
	f->phase = phase_of(st, seg, side & 1);
	f->attempt = attempt_of(s, seg);
	identify(st, seg, side & 1, f);
	if (seg->flags & TCPF_ACK) {
		forget_acked(&st->side[(side & 1) ^ 1], seg->ack);
		if (!s->ack_sent || (int32_t)(seg->ack - s->ack_max) > 0)
			s->ack_max = seg->ack;
		s->ack_sent = true;
	}
}

uint32_t select_receiver_next(const struct select_state *st, const struct segment *seg,
                              unsigned side, uint32_t attempt, bool after_seg)
{
	const struct select_side *rcv = &st->side[(side & 1) ^ 1];
	if (rcv->ack_sent && attempt > 1)
		return rcv->ack_max;
	uint32_t next = seg->seq + (after_seg ? segment_seq_len(seg) : 0);
	if (rcv->ack_sent && (int32_t)(rcv->ack_max - next) > 0)
		return rcv->ack_max;
	return next;
}

bool select_admits(const struct rule *r, const struct select_facts *f)
{
	if (r->attempt_max &&
	    (f->attempt == 0 || f->attempt < r->attempt_min || f->attempt > r->attempt_max))
		return false;
	if (r->conn_no && f->conn_no != r->conn_no)
		return false;
	if (r->phases && !(r->phases & f->phase))
		return false;
	if (r->has_between && (f->age_us < r->between_from_us || f->age_us >= r->between_to_us))
		return false;
	bool fired = (f->fired >> r->chain_bit) & 1;
	if (r->chain == RULE_CHAIN_AFTER && !fired)
		return false;
	if (r->chain == RULE_CHAIN_UNTIL && fired)
		return false;
	return true;
}

bool rule_selects_by_state(const struct rule *r)
{
	/* a reset needs what the receiver acknowledged: every segment, as for a selection */
	return r->label || r->chain != RULE_CHAIN_NONE || r->attempt_max || r->conn_no ||
	       r->phases || r->has_between || r->action == RULE_RESET;
}
