/* shrink_plan.h: delta debugging over the fault decisions of a failed run: which subsets to
 * try next, and what the failing set becomes as the trials report. Pure: it plans, the caller
 * runs the trials (several at once when they are independent) and reports each outcome, in
 * whatever order they end.
 *
 * Plain ddmin (Zeller and Hildebrandt, "Simplifying and Isolating Failure-Inducing Input",
 * 2002) cuts the set into ever finer chunks, each tried alone and without the rest, and when
 * the needed items lie apart it needs many: 81 trials for 2 of 117 (items 31 and 88), past the
 * 64 the shrink allows by default. The failures worth shrinking hang on one to a few
 * decisions, so the plan finds them one at a time by a search over prefixes instead (as binary
 * reduction does, Kalhauge and Palsberg, 2019), then checks the result is 1-minimal:
 *
 *  1. Search. The items keep their order (the journal's); F is the items found needed so far
 *     (none at first) and C the candidates, always a prefix of the items, every one before
 *     each item of F. F with all of C fails. A search finds the shortest prefix C[0..m) that
 *     still fails beside F: F with C[0..m-1) does not fail, so C[m-1] is needed; it joins F,
 *     everything after it is dropped, and C becomes C[0..m-1). A search beside a non-empty F
 *     first tries F alone, the prefix m = 0: it fails once F holds every needed item, which
 *     ends the searches. The empty set is taken to pass (the case does not fail without
 *     faults), as ddmin takes it.
 *     The search is J-ary, J the width the caller gives (its trials at once): the lengths m
 *     may lie in [lo, hi], F with C[0..hi) seen failing, and a round tries J lengths at once
 *     that cut [lo, hi] into J + 1 parts of at most ceil((hi - lo + 1) / (J + 1)) lengths
 *     (fewer when fewer are left: each length once). The shortest that fails becomes hi, the
 *     longest shorter one, which passed, lo - 1; once hi is known the longer ones of its round
 *     are of no more use (ddmin_wanted), while the round waits for the shorter ones. A round
 *     beside a non-empty F tries F alone (m = 0) and J - 1 lengths cutting [1, hi] into J
 *     parts. With J = 1 this is bisection: F alone, then halves.
 *  2. Removal. Each item of F left out in turn, those trials at once: the first to fail
 *     becomes F and the round starts again; when all of a round pass, F is 1-minimal (without
 *     any one item it does not fail), by trials, not by inference. Leaving out the item found
 *     last gives the F its search tried alone and saw pass, so that trial is not repeated.
 *
 * Every set the plan adopts is one a trial saw fail, so a run stopped early (--max-trials)
 * still holds a failing set. The rounds of a search are sequential, each splits on the one
 * before; a round is the trials the plan offers together before it needs their outcomes, and
 * with J at once the wall time goes by rounds, the caller's limit by trials.
 *
 * The bound: when the case fails exactly when its k needed items are all kept, with L the
 * least number with (J + 1)^L >= n (ceil(log_{J+1} n), n >= 2): a round of q = min(J, A - 1)
 * lengths leaves at most ceil(A / (q + 1)) of A, so the first search (lengths 1 to n) takes at
 * most L rounds; each of the k - 1 after it one round with F alone, which leaves at most
 * ceil(n / J) <= n lengths, and L more; the last one round (F alone fails); and the removal k -
 * 1 trials, J at once. At most k(L + 1) + ceil((k - 1) / J) rounds and J k (L + 1) + k - 1
 * trials, each round at most J of them. J = 1: L = ceil(log2 n), both k ceil(log2 n) + 2k - 1,
 * 2 of 117 at most 17, 4 of 500 at most 43. 2 of 117 with J = 2 (L = 5): at most 13 rounds and
 * 25 trials; with J = 4 (L = 3): 9 rounds and 33 trials. */
#ifndef SYNFIN_SCENARIO_SHRINK_PLAN_H
#define SYNFIN_SCENARIO_SHRINK_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DDMIN_NONE SIZE_MAX

enum ddmin_phase {
	DDMIN_SEARCH, /* finding the needed items one by one, by searches over prefixes */
	DDMIN_REMOVE, /* leaving each out in turn */
	DDMIN_DONE,   /* 1-minimal */
};

struct ddmin {
	size_t n_items;
	size_t width;  /* J: the prefix lengths a search round tries at once */
	bool *keep;    /* the current failing set: keep[i] for item i */
	size_t n_keep; /* how many it holds */
	enum ddmin_phase phase;
	unsigned round; /* bumped whenever the plan moves on: older results are ignored */
	/* search: the candidates are items [0, n_cand), F the kept items from n_cand on; the
	 * search's shortest failing prefix has a length in [lo, hi], F with C[0..hi) seen failing
	 */
	size_t n_cand, lo, hi;
	/* the round's prefix lengths, ascending: the first `handed` offered, reported[i] when
	 * probe[i]'s outcome is in */
	size_t *probe;
	bool *reported;
	size_t n_probes, handed;
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
	size_t index; /* search: the prefix length m; removal: the item left out */
	size_t n_keep;
};

/* The plan over n items, every one kept, its searches `width` lengths at a time (0 is taken
 * as 1). 0 or -ENOMEM. */
int ddmin_init(struct ddmin *d, size_t n_items, size_t width);
void ddmin_free(struct ddmin *d);

/* The next subset to try into t and keep (n_items flags). 1 when one was written, 0 when
 * there is none until the trials handed out report, -1 when the plan is done. */
int ddmin_next(struct ddmin *d, struct ddmin_trial *t, bool *keep);

/* Whether trial t's outcome can still change the plan: false once the plan has moved on
 * past it (a trial of its round made the set smaller such that t no longer matters), when
 * the caller may stop it. Once false, false for good. */
bool ddmin_wanted(const struct ddmin *d, const struct ddmin_trial *t);

/* Trial t's outcome: fails (the same way as the original) or not. Returns 1 when it made the
 * current set smaller, 0 otherwise (a pass, or the result of a trial no longer wanted). */
int ddmin_result(struct ddmin *d, const struct ddmin_trial *t, bool fails);

#endif
