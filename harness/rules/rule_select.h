/* rule_select.h: inside the rule engine, not part of its interface (rule.h): what the matcher
 * follows of each connection so that a rule can select a segment by what it is there (its
 * attempt, its connection's ordinal, phase and age, the labelled rules already applied), and
 * the test of a rule's selection words against it. Pure: time is passed in. */
#ifndef SYNFIN_RULE_SELECT_H
#define SYNFIN_RULE_SELECT_H

#include <stdbool.h>
#include <stdint.h>

#include "rule.h"

/* Ranges retransmitted and not yet acknowledged, per direction, whose attempts are counted.
 * Past this many at once the lowest is forgotten (the next retransmission of it counts as a
 * second attempt again). */
#define SELECT_RETX_RANGES 16

struct select_retx {
	uint32_t seq, end; /* [seq, end) */
	uint32_t attempts;
};

/* The flags first, then the numbers: no padding between them. */
struct select_side {
	bool sent;        /* snd_max is known */
	bool syn_seen;    /* isn is known */
	bool base_known;  /* base is known */
	bool last_known;  /* last is known */
	bool ack_sent;    /* ack_max is known */
	uint8_t n_retx;   /* ranges in retx */
	uint32_t snd_max; /* one past the highest sequence number this side has sent */
	uint32_t isn;     /* of its SYN */
	uint32_t base;    /* what its relative sequence numbers count from (its ISN, or the first
	                     number seen of a connection picked up mid-stream) */
	uint32_t ack_max; /* the highest acknowledgment this side has sent */
	struct packet_id last; /* its previous segment, to number repeats (packet_id.copy) */
	/* SELECT_RETX_RANGES of them, allocated at this side's first retransmission: most
	 * connections have none, and a table of a million connections would otherwise carry
	 * 384 bytes of ranges for each */
	struct select_retx *retx;
};

struct select_state {
	uint32_t conn_no;
	uint8_t phase;      /* RULE_PHASE_* of the connection now */
	int8_t client_side; /* the side whose bare SYN opened it; -1 when not seen */
	uint64_t first_us;
	uint64_t fired; /* label bits of the rules applied on this connection */
	struct select_side side[2];
};

/* What one segment is in its connection. */
struct select_facts {
	uint32_t conn_no;
	uint8_t phase;
	uint32_t attempt; /* 1 original, 2.. retransmissions; 0 occupies no sequence space */
	uint64_t age_us;  /* since the connection's first segment */
	uint64_t fired;   /* labels applied before this segment */
	uint32_t rel_seq; /* seq and ack relative to the two sides' bases */
	uint32_t rel_ack; /* 0 without ACK */
	uint32_t copy;    /* repeats in a row of the same segment from the same side */
};

/* A connection first seen with seg (a bare SYN, or a segment picked up mid-stream), in st
 * zeroed or of a connection before it. */
void select_start(struct select_state *st, uint32_t conn_no, const struct segment *seg,
                  uint64_t now_us);

/* What st holds beyond itself, freed (before st's memory goes). */
void select_release(struct select_state *st);

/* Follow seg, sent by side (0 or 1) at now_us, and say what it is. */
void select_observe(struct select_state *st, const struct segment *seg, unsigned side,
                    uint64_t now_us, struct select_facts *f);

/* The sequence number the receiver of seg (sent by side, its attempt as select_observe said)
 * expects next, as far as the wire can tell: seg's own (its end with after_seg, when seg is to
 * arrive first), unless the receiver already acknowledged more, or seg is a retransmission and
 * the receiver's acknowledgment says where it stands. */
uint32_t select_receiver_next(const struct select_state *st, const struct segment *seg,
                              unsigned side, uint32_t attempt, bool after_seg);

/* Whether r's selection words admit a segment with these facts. */
bool select_admits(const struct rule *r, const struct select_facts *f);

#endif
