/* rule_reorder.h: the segments a reorder rule holds back (rules/README.md, "Reordering").
 *
 * Pure bookkeeping, shared by synfin-faultd and the stack's simulated wire: the caller keeps
 * each held packet and hands the book an opaque handle to it; the book says when each goes.
 * A segment held by "reorder N" goes right after the Nth segment of the same direction of the
 * same connection (the same address and port pair) that passed after it, or once that
 * direction has been quiet (no segment passed) for the rule's quiet time. Segments that go at
 * the same moment go in the order they were held. Time comes in as an argument.
 */
#ifndef SYNFIN_RULE_REORDER_H
#define SYNFIN_RULE_REORDER_H

#include <stddef.h>
#include <stdint.h>

#include "rule.h"
#include "wire/segment.h"

/* Why a held segment goes. */
enum reorder_why {
	REORDER_AFTER_SEGMENTS, /* its N segments passed */
	REORDER_QUIET,          /* its direction was quiet for the rule's quiet time */
	REORDER_AT_EXIT,        /* the wire is closing: nothing held is lost */
};

struct reorder_release {
	void *handle; /* the caller's, as given to reorder_hold */
	enum reorder_why why;
	uint32_t after;      /* the rule's N */
	uint32_t quiet_us;   /* the rule's quiet time */
	uint64_t held_at_us; /* when it was held */
};

struct reorder_held;

struct reorder_book {
	struct reorder_held *held; /* in the order they were held */
	size_t n, cap;
};

void reorder_book_init(struct reorder_book *b);
/* Forgets what is held (release it first: the handles stay the caller's). */
void reorder_book_free(struct reorder_book *b);

static inline size_t reorder_book_len(const struct reorder_book *b)
{
	return b->n;
}

/* Hold seg under v (a RULE_REORDER verdict) at now_us. 0 or -ENOMEM (then let it pass). */
int reorder_hold(struct reorder_book *b, const struct segment *seg, const struct verdict *v,
                 uint64_t now_us, void *handle);
/* seg passed the wire at now_us (judged, not dropped, not held by reorder): it counts toward
 * the segments held in its direction and restarts their quiet time. */
void reorder_passed(struct reorder_book *b, const struct segment *seg, uint64_t now_us);
/* The next held segment due at now_us (its N passed, or its quiet time is over), in the order
 * they were held: 0 with *out filled and the segment forgotten, or -EAGAIN. */
int reorder_take_due(struct reorder_book *b, uint64_t now_us, struct reorder_release *out);
/* The oldest held segment whatever its state (at exit): 0 or -ENOENT when none. */
int reorder_take_any(struct reorder_book *b, struct reorder_release *out);
/* When the first quiet time ends (UINT64_MAX when nothing is held). */
uint64_t reorder_next_deadline(const struct reorder_book *b);

#endif
