/* shrink_plan.h: delta debugging (ddmin, Zeller and Hildebrandt, "Simplifying and Isolating
 * Failure-Inducing Input", 2002) over the fault decisions of a failed run: which subsets to try
 * next, and what the set becomes once a trial fails the same way. Pure: it plans, the caller
 * runs the trials (several at once) and reports each outcome.
 *
 * The current set starts as every item. A round cuts it into `granularity` chunks and offers
 * each chunk, then (granularity above 2) each chunk's complement. The first trial reported to
 * fail makes its subset the current set (a chunk: granularity 2; a complement: granularity - 1,
 * at least 2) and starts a new round; results of the old round that come later are ignored.
 * When every trial of a round passes, the granularity doubles, up to the set's size; past that
 * the set is 1-minimal (removing any one item stops the failure) and the plan is done. */
#ifndef SYNFIN_SCENARIO_SHRINK_PLAN_H
#define SYNFIN_SCENARIO_SHRINK_PLAN_H

#include <stdbool.h>
#include <stddef.h>

struct ddmin {
	size_t n_items;
	bool *keep;         /* the current failing set: keep[i] for item i */
	size_t n_keep;      /* how many it holds */
	size_t granularity; /* chunks the current set is cut into this round */
	unsigned round;     /* bumped whenever the set or the granularity changes */
	size_t next;        /* the round's next trial to hand out */
	size_t passed;      /* the round's trials reported passing */
	bool done;          /* 1-minimal */
};

/* One subset to try: keep[i] for each item it keeps (n_items of them, the caller's array). */
struct ddmin_trial {
	unsigned round;
	size_t index; /* in the round: chunks first, then complements */
	size_t n_keep;
};

/* The plan over n items, every one kept. 0 or -ENOMEM. */
int ddmin_init(struct ddmin *d, size_t n_items);
void ddmin_free(struct ddmin *d);

/* The next subset of the round into t and keep (n_items flags). 1 when one was written, 0
 * when the round has none left (wait for the results of those handed out), -1 when the plan
 * is done. */
int ddmin_next(struct ddmin *d, struct ddmin_trial *t, bool *keep);

/* Trial t's outcome: fails (the same way as the original) or not. Returns 1 when it made the
 * current set smaller, 0 otherwise (a pass, or a result of an earlier round). */
int ddmin_result(struct ddmin *d, const struct ddmin_trial *t, bool fails);

#endif
