/* shrink_plan.h: delta debugging over the fault decisions of a failed run: which subsets to
 * try next, and what the failing set becomes as the trials report. Pure: it plans, the caller
 * runs the trials (several at once when they are independent) and reports each outcome.
 *
 * Plain ddmin (Zeller and Hildebrandt, "Simplifying and Isolating Failure-Inducing Input",
 * 2002) cuts the set into ever finer chunks, each tried alone and without the rest, and when
 * the needed items lie apart it needs many: 81 trials for 2 of 117 (items 31 and 88), past the
 * 64 the shrink allows by default. The failures worth shrinking hang on one to a few
 * decisions, so the plan finds them one at a time by bisection instead (as binary reduction
 * does, Kalhauge and Palsberg, 2019), then checks the result is 1-minimal:
 *
 *  1. Bisection. The items keep their order (the journal's); F is the items found needed so
 *     far (none at first) and C the candidates, always a prefix of the items, every one before
 *     each item of F. F with all of C fails. A search finds by bisection the shortest prefix
 *     C[0..m) that still fails beside F: F with C[0..m-1) does not fail, so C[m-1] is needed;
 *     it joins F, everything after it is dropped, and C becomes C[0..m-1). A search beside a
 *     non-empty F first tries F alone, the prefix m = 0: it fails once F holds every needed
 *     item, which ends the bisection. The empty set is taken to pass (the case does not fail
 *     without faults), as ddmin takes it.
 *  2. Removal. Each item of F left out in turn, those trials at once: the first to fail
 *     becomes F and the round starts again; when all of a round pass, F is 1-minimal (without
 *     any one item it does not fail), by trials, not by inference. Leaving out the item found
 *     last gives the F its search tried alone and saw pass, so that trial is not repeated.
 *
 * Every set the plan adopts is one a trial saw fail, so a run stopped early (--max-trials)
 * still holds a failing set. Bisection is sequential, one trial at a time: each splits on the
 * one before, and the trial count, not time, is what the caller limits.
 *
 * The bound: when the case fails exactly when its k needed items are all kept, the plan takes
 * at most k * ceil(log2 n) + 2k - 1 trials (n >= 2): the first search ceil(log2 n) (the empty
 * prefix passes, so n lengths are left), each of the k - 1 after it 1 + ceil(log2 n), the
 * last search 1 (F alone fails), and the removal k - 1. 2 of 117: at most 17; 4 of 500: 43. */
#ifndef SYNFIN_SCENARIO_SHRINK_PLAN_H
#define SYNFIN_SCENARIO_SHRINK_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DDMIN_NONE SIZE_MAX

enum ddmin_phase {
	DDMIN_BISECT, /* finding the needed items one by one */
	DDMIN_REMOVE, /* leaving each out in turn */
	DDMIN_DONE,   /* 1-minimal */
};

struct ddmin {
	size_t n_items;
	bool *keep;    /* the current failing set: keep[i] for item i */
	size_t n_keep; /* how many it holds */
	enum ddmin_phase phase;
	unsigned round; /* bumped whenever the plan moves on: older results are ignored */
	/* bisection: the candidates are items [0, n_cand), F the kept items from n_cand on; the
	 * search's shortest failing prefix has a length in [lo, hi], F with C[0..hi) seen failing
	 */
	size_t n_cand, lo, hi;
	bool probing; /* the search's trial is out */
	/* the item found last, while F without it is known to pass (its search saw F pass
	 * before the item joined, or F was empty); DDMIN_NONE once removal has changed F */
	size_t last_found;
	/* removal: the round's next item to leave out, and its trials reported passing */
	size_t next;
	size_t passed;
};

/* One subset to try: keep[i] for each item it keeps (n_items of them, the caller's array). */
struct ddmin_trial {
	unsigned round;
	size_t index; /* bisection: the prefix length m; removal: the item left out */
	size_t n_keep;
};

/* The plan over n items, every one kept. 0 or -ENOMEM. */
int ddmin_init(struct ddmin *d, size_t n_items);
void ddmin_free(struct ddmin *d);

/* The next subset to try into t and keep (n_items flags). 1 when one was written, 0 when
 * there is none until the trials handed out report, -1 when the plan is done. */
int ddmin_next(struct ddmin *d, struct ddmin_trial *t, bool *keep);

/* Trial t's outcome: fails (the same way as the original) or not. Returns 1 when it made the
 * current set smaller, 0 otherwise (a pass, or a result of an earlier round). */
int ddmin_result(struct ddmin *d, const struct ddmin_trial *t, bool fails);

#endif
