/* faultd_reorder.h: the segments synfin-faultd holds for a reorder rule (rules/README.md,
 * "Reordering").
 *
 * The original gets its drop verdict at once and a copy waits in the daemon, as held copies do
 * (faultd_hold.h), until the rule engine's book (rules/rule_reorder.h) says it goes: then it
 * leaves out of the bridge port toward its receiver right after the segment that let it go
 * (whose verdict is sent first), or when its direction went quiet (one loop timer at the
 * earliest such time), or at exit. A segment toward a host the daemon has not heard from yet
 * cannot be copied out: it passes at once, counted and said.
 */
#ifndef SYNFIN_FAULTD_REORDER_H
#define SYNFIN_FAULTD_REORDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "faultd_hold.h"
#include "rules/rule_reorder.h"

struct faultd_reorder {
	struct reorder_book book;
	struct faultd_hold *hold; /* its packet socket, release callback and verdict batch */
	struct event_loop *loop;
	long timer_id; /* at the earliest quiet time; 0: none */
	uint64_t timer_at_ns;
	uint64_t held, after_segments, after_quiet, at_exit, not_held;
};

void faultd_reorder_init(struct faultd_reorder *r, struct faultd_hold *h, struct event_loop *loop);
/* Frees the copies still held, without sending them (after faultd_reorder_release_all, none). */
void faultd_reorder_free(struct faultd_reorder *r);

/* Hold p (its segment seg) under v, a RULE_REORDER verdict: true when held (the original's drop
 * verdict is queued), false when it could not be, and the caller lets it pass. */
bool faultd_reorder_hold(struct faultd_reorder *r, const struct nfq_packet *p,
                         const struct segment *seg, const struct verdict *v, const char *rule_file);
/* seg passed (its verdict queued): it counts for the copies held in its direction, and those
 * whose turn it was go right after it. */
void faultd_reorder_passed(struct faultd_reorder *r, const struct segment *seg);
/* At exit: every copy still held goes now (sent, or dropped when drop is true). */
void faultd_reorder_release_all(struct faultd_reorder *r, bool drop);
/* For the exit summary, when a reorder rule held anything. */
void faultd_reorder_print_summary(const struct faultd_reorder *r, FILE *out);

#endif
