/* The shrink's plan over a failed run's decisions (shrink_plan.h), with no run: an oracle here
 * says which subsets fail. The set it ends with is the needed one and 1-minimal, in a number of
 * trials and of rounds (trials offered together) under the bounds the header derives, its
 * searches one, two or four lengths wide and the results of a round in any order. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shrink_plan.h"
#include "test_support.h"

#define END (-1)

/* Which subsets fail. */
enum oracle_kind {
	NEEDS_ALL,     /* every item of need: each alone, or any part of them, passes */
	NEEDS_ANY,     /* any one item of need */
	NEEDS_TWO_OF,  /* any two items of need */
	NOT_MONOTONIC, /* need[0] without need[1], or need[2] with need[3] */
};

struct oracle {
	enum oracle_kind kind;
	const int *need; /* END ended */
};

static size_t kept_of(const bool *keep, const int *items)
{
	size_t n = 0;
	for (; *items != END; items++)
		n += keep[*items];
	return n;
}

static size_t count_of(const int *items)
{
	size_t n = 0;
	while (items[n] != END)
		n++;
	return n;
}

static bool fails(const struct oracle *o, const bool *keep)
{
	const int *need = o->need;
	switch (o->kind) {
	case NEEDS_ALL:
		return kept_of(keep, need) == count_of(need);
	case NEEDS_ANY:
		return kept_of(keep, need) > 0;
	case NEEDS_TWO_OF:
		return kept_of(keep, need) >= 2;
	case NOT_MONOTONIC:
		return (keep[need[0]] && !keep[need[1]]) || (keep[need[2]] && keep[need[3]]);
	}
	return false;
}

/* The order a batch's results come back in. */
enum order {
	LAST_FIRST,
	FIRST_FIRST,
	MIDDLE_OUT, /* the middle one first, then alternately after and before it */
};

/* The i-th result of a batch of n to report. */
static size_t reported_at(enum order order, size_t n, size_t i)
{
	switch (order) {
	case LAST_FIRST:
		return n - 1 - i;
	case FIRST_FIRST:
		return i;
	default: {
		size_t mid = (n - 1) / 2, step = (i + 1) / 2;
		return i % 2 ? mid + step : mid - step;
	}
	}
}

struct tally {
	size_t trials;
	size_t rounds; /* batches: the trials offered together, all reported before the next */
};

/* Run the plan to its end, `parallel` trials at a time (its searches as wide), their results
 * reported in `order`. */
static struct tally shrink_in_order(struct ddmin *d, const struct oracle *o, size_t parallel,
                                    enum order order)
{
	struct ddmin_trial t[8];
	bool *keep[8];
	struct tally n_run = {0, 0};
	for (size_t i = 0; i < parallel; i++)
		keep[i] = malloc(d->n_items + 1);
	for (;;) {
		size_t n = 0;
		int r = 0;
		while (n < parallel && (r = ddmin_next(d, &t[n], keep[n])) == 1)
			n++;
		if (n == 0 && r == -1)
			break;
		ck_assert_uint_gt(n, 0);
		n_run.trials += n;
		n_run.rounds++;
		for (size_t i = 0; i < n; i++) {
			size_t at = reported_at(order, n, i);
			ddmin_result(d, &t[at], fails(o, keep[at]));
		}
		ck_assert_uint_lt(n_run.trials, 1000);
	}
	for (size_t i = 0; i < parallel; i++)
		free(keep[i]);
	return n_run;
}

/* The plan over n items, `parallel` wide, run to its end with results reported last first;
 * returns how many trials it took. */
static size_t shrink_all(struct ddmin *d, size_t n, const struct oracle *o, size_t parallel)
{
	ck_assert_int_eq(ddmin_init(d, n, parallel), 0);
	return shrink_in_order(d, o, parallel, LAST_FIRST).trials;
}

/* The plan's set fails, and without any one of its items it does not. */
static void assert_one_minimal(const struct ddmin *d, const struct oracle *o)
{
	bool *without = malloc(d->n_items + 1);
	size_t n = 0;
	ck_assert(d->phase == DDMIN_DONE);
	ck_assert(fails(o, d->keep));
	for (size_t i = 0; i < d->n_items; i++) {
		if (!d->keep[i])
			continue;
		n++;
		memcpy(without, d->keep, d->n_items);
		without[i] = false;
		ck_assert_msg(!fails(o, without), "it still fails without item %zu", i);
	}
	ck_assert_uint_eq(n, d->n_keep);
	free(without);
}

static void assert_kept_exactly(const struct ddmin *d, const int *need)
{
	for (const int *p = need; *p != END; p++)
		ck_assert_msg(d->keep[*p], "item %d was left out", *p);
	ck_assert_uint_eq(d->n_keep, count_of(need));
}

/* L of shrink_plan.h: the least number with (J + 1)^L >= n. */
static size_t rounds_per_search(size_t n, size_t width)
{
	size_t rounds = 0;
	for (size_t reach = 1; reach < n; reach *= width + 1)
		rounds++;
	return rounds;
}

/* shrink_plan.h's bounds for k needed items of n, all of them needed together, searched J
 * (width) lengths at a time. */
static size_t trial_bound(size_t n, size_t k, size_t width)
{
	return n < 2 ? 0 : width * k * (rounds_per_search(n, width) + 1) + k - 1;
}

static size_t round_bound(size_t n, size_t k, size_t width)
{
	return n < 2 ? 0 : k * (rounds_per_search(n, width) + 1) + (k - 1 + width - 1) / width;
}

/* Needed sets for n items: k of them spread out, side by side at the start, in the middle and
 * at the end, and split between both ends. END ended; 0 when they do not fit in n. */
static int needed_set(size_t n, size_t k, int where, int *need)
{
	if (k > n)
		return 0;
	for (size_t i = 0; i < k; i++) {
		size_t at = 0;
		switch (where) {
		case 0: /* spread */
			at = (2 * i + 1) * n / (2 * k);
			break;
		case 1: /* side by side at the start */
			at = i;
			break;
		case 2: /* side by side in the middle */
			at = n / 2 - k / 2 + i;
			break;
		case 3: /* side by side at the end */
			at = n - k + i;
			break;
		default: /* both ends: the first half of them at the start, the rest at the end */
			at = i < (k + 1) / 2 ? i : n - (k - i);
			break;
		}
		need[i] = (int)at;
	}
	need[k] = END;
	return 1;
}

static const char *const wheres[] = {"spread", "start", "middle", "end", "both ends"};

/* k needed of n, laid out as `where` says, searched J (width) lengths at a time, the results
 * of each batch in every order: exactly the needed set, 1-minimal, trials and rounds under
 * the bounds. */
static void shrink_layout(size_t n, size_t k, int where, size_t width)
{
	static const enum order orders[] = {LAST_FIRST, FIRST_FIRST, MIDDLE_OUT};
	int need[5];
	if (!needed_set(n, k, where, need))
		return;
	struct oracle o = {NEEDS_ALL, need};
	for (size_t i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
		struct ddmin d;
		ck_assert_int_eq(ddmin_init(&d, n, width), 0);
		struct tally got = shrink_in_order(&d, &o, width, orders[i]);
		if (orders[i] == LAST_FIRST)
			printf(
			    "J %zu, n %3zu, %zu needed (%s): %2zu trials (bound %2zu), %2zu rounds "
			    "(bound %2zu)\n",
			    width, n, k, wheres[where], got.trials, trial_bound(n, k, width),
			    got.rounds, round_bound(n, k, width));
		assert_kept_exactly(&d, need);
		assert_one_minimal(&d, &o);
		ck_assert_uint_le(got.trials, trial_bound(n, k, width));
		ck_assert_uint_le(got.rounds, round_bound(n, k, width));
		ddmin_free(&d);
	}
}

START_TEST(test_the_needed_set_is_found_under_the_bounds_one_two_and_four_wide)
{
	static const size_t sizes[] = {1, 2, 10, 117, 500};
	for (size_t width = 1; width <= 4; width *= 2)
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			for (size_t k = 1; k <= 4; k++)
				for (int where = 0; where < 5; where++)
					shrink_layout(sizes[s], k, where, width);
	fflush(stdout);
}
END_TEST

START_TEST(test_two_of_117_far_apart_take_16_trials_where_ddmin_took_81)
{
	/* each alone passes: the failure needs the two together */
	static const int need[] = {31, 88, END};
	struct oracle o = {NEEDS_ALL, need};
	struct ddmin d;
	ck_assert_uint_eq(shrink_all(&d, 117, &o, 1), 16);
	assert_kept_exactly(&d, need);
	assert_one_minimal(&d, &o);
	ddmin_free(&d);
}
END_TEST

START_TEST(test_two_of_117_far_apart_take_12_rounds_two_wide_and_8_four_wide)
{
	/* the same two: fewer rounds, each of more trials; 16 one at a time */
	static const int need[] = {31, 88, END};
	static const size_t rounds[] = {0, 16, 12, 0, 8}, trials[] = {0, 16, 21, 0, 29};
	struct oracle o = {NEEDS_ALL, need};
	for (size_t width = 1; width <= 4; width *= 2) {
		struct ddmin d;
		ck_assert_int_eq(ddmin_init(&d, 117, width), 0);
		struct tally got = shrink_in_order(&d, &o, width, LAST_FIRST);
		ck_assert_uint_eq(got.rounds, rounds[width]);
		ck_assert_uint_eq(got.trials, trials[width]);
		assert_kept_exactly(&d, need);
		ddmin_free(&d);
	}
}
END_TEST

START_TEST(test_several_at_once_with_late_results_find_the_same_set)
{
	static const int need[] = {3, 4, 17, END};
	struct oracle o = {NEEDS_ALL, need};
	for (size_t parallel = 1; parallel <= 8; parallel *= 2) {
		struct ddmin d;
		shrink_all(&d, 40, &o, parallel);
		assert_kept_exactly(&d, need);
		assert_one_minimal(&d, &o);
		ddmin_free(&d);
	}
}
END_TEST

START_TEST(test_either_of_two_alone_fails_leaves_the_first)
{
	static const int need[] = {20, 90, END};
	static const int first[] = {20, END};
	struct oracle o = {NEEDS_ANY, need};
	struct ddmin d;
	ck_assert_uint_le(shrink_all(&d, 117, &o, 2), trial_bound(117, 1, 2));
	assert_kept_exactly(&d, first);
	assert_one_minimal(&d, &o);
	ddmin_free(&d);
}
END_TEST

START_TEST(test_any_two_of_three_leaves_two)
{
	static const int need[] = {5, 40, 41, END};
	struct oracle o = {NEEDS_TWO_OF, need};
	struct ddmin d;
	shrink_all(&d, 60, &o, 2);
	ck_assert_uint_eq(d.n_keep, 2);
	ck_assert_uint_eq(kept_of(d.keep, need), 2);
	assert_one_minimal(&d, &o);
	ddmin_free(&d);
}
END_TEST

START_TEST(test_a_failure_that_is_not_monotonic_still_ends_one_minimal)
{
	/* 70 fails only without 30; bisection drops 30 with everything after the prefix, and the
	 * removal round is what checks each item left out */
	static const int need[] = {70, 30, 10, 90, END};
	struct oracle o = {NOT_MONOTONIC, need};
	struct ddmin d;
	shrink_all(&d, 100, &o, 2);
	assert_one_minimal(&d, &o);
	ddmin_free(&d);
}
END_TEST

START_TEST(test_every_item_needed_ends_with_all_of_them)
{
	static const int need[] = {0, 1, 2, 3, 4, 5, END};
	struct oracle o = {NEEDS_ALL, need};
	struct ddmin d;
	shrink_all(&d, 6, &o, 2);
	assert_kept_exactly(&d, need);
	assert_one_minimal(&d, &o);
	ddmin_free(&d);
}
END_TEST

START_TEST(test_the_first_search_offers_the_shortest_half_and_one_trial_at_a_time)
{
	struct ddmin d;
	struct ddmin_trial t;
	bool keep[5];
	ck_assert_int_eq(ddmin_init(&d, 5, 1), 0);
	ck_assert_int_eq(ddmin_next(&d, &t, keep), 1);
	/* the prefix lengths left are 1 to 5: 3 splits them */
	ck_assert_uint_eq(t.index, 3);
	ck_assert_uint_eq(t.n_keep, 3);
	ck_assert(keep[0] && keep[1] && keep[2] && !keep[3] && !keep[4]);
	/* the next split depends on this one */
	ck_assert_int_eq(ddmin_next(&d, &t, keep), 0);
	ddmin_free(&d);
}
END_TEST

START_TEST(test_a_search_after_a_found_item_tries_it_alone_first)
{
	struct ddmin d;
	struct ddmin_trial t;
	bool keep[4];
	ck_assert_int_eq(ddmin_init(&d, 4, 1), 0);
	/* lengths 1 to 4: 2 passes, 3 passes, so item 3 is needed */
	ck_assert_int_eq(ddmin_next(&d, &t, keep), 1);
	ck_assert_uint_eq(t.index, 2);
	ck_assert_int_eq(ddmin_result(&d, &t, false), 0);
	ck_assert_int_eq(ddmin_next(&d, &t, keep), 1);
	ck_assert_uint_eq(t.index, 3);
	ck_assert_int_eq(ddmin_result(&d, &t, false), 0);
	ck_assert_uint_eq(d.n_keep, 4);
	ck_assert_int_eq(ddmin_next(&d, &t, keep), 1);
	ck_assert(!keep[0] && !keep[1] && !keep[2] && keep[3]);
	/* it fails alone: the current set is item 3, which is 1-minimal without a trial */
	ck_assert_int_eq(ddmin_result(&d, &t, true), 1);
	ck_assert_uint_eq(d.n_keep, 1);
	ck_assert(d.phase == DDMIN_DONE);
	ck_assert_int_eq(ddmin_next(&d, &t, keep), -1);
	ddmin_free(&d);
}
END_TEST

START_TEST(test_a_round_two_wide_cuts_117_lengths_into_three_and_waits_for_the_shorter)
{
	struct ddmin d;
	struct ddmin_trial t[3];
	bool keep[3][117];
	ck_assert_int_eq(ddmin_init(&d, 117, 2), 0);
	/* lengths 1 to 117: 39 and 78 leave parts of 39 each */
	ck_assert_int_eq(ddmin_next(&d, &t[0], keep[0]), 1);
	ck_assert_int_eq(ddmin_next(&d, &t[1], keep[1]), 1);
	ck_assert_int_eq(ddmin_next(&d, &t[2], keep[2]), 0);
	ck_assert_uint_eq(t[0].index, 39);
	ck_assert_uint_eq(t[1].index, 78);
	ck_assert_uint_eq(t[1].n_keep, 78);
	/* the longer one reports first, failing: the set shrinks to it at once, but the round
	 * waits for the shorter, which may fail too */
	ck_assert_int_eq(ddmin_result(&d, &t[1], true), 1);
	ck_assert_uint_eq(d.n_keep, 78);
	ck_assert(ddmin_wanted(&d, &t[0]));
	ck_assert_int_eq(ddmin_next(&d, &t[2], keep[2]), 0);
	ck_assert_int_eq(ddmin_result(&d, &t[0], false), 0);
	ck_assert(!ddmin_wanted(&d, &t[0]));
	/* lengths 40 to 78 are left: 52 and 65 cut them into parts of 13 */
	ck_assert_int_eq(ddmin_next(&d, &t[0], keep[0]), 1);
	ck_assert_int_eq(ddmin_next(&d, &t[1], keep[1]), 1);
	ck_assert_uint_eq(t[0].index, 52);
	ck_assert_uint_eq(t[1].index, 65);
	ddmin_free(&d);
}
END_TEST

START_TEST(test_once_a_shorter_prefix_fails_the_longer_ones_are_not_wanted)
{
	struct ddmin d;
	struct ddmin_trial t[5];
	bool keep[5][117];
	ck_assert_int_eq(ddmin_init(&d, 117, 4), 0);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(ddmin_next(&d, &t[i], keep[i]), 1);
	ck_assert_int_eq(ddmin_next(&d, &t[4], keep[4]), 0);
	/* four lengths cut 1 to 117 into five parts of at most 24 */
	ck_assert_uint_eq(t[0].index, 24);
	ck_assert_uint_eq(t[1].index, 47);
	ck_assert_uint_eq(t[2].index, 71);
	ck_assert_uint_eq(t[3].index, 94);
	ck_assert_int_eq(ddmin_result(&d, &t[1], true), 1);
	ck_assert(ddmin_wanted(&d, &t[0]));
	ck_assert(!ddmin_wanted(&d, &t[2]));
	ck_assert(!ddmin_wanted(&d, &t[3]));
	/* a longer prefix failing late changes nothing */
	ck_assert_int_eq(ddmin_result(&d, &t[3], true), 0);
	ck_assert_uint_eq(d.n_keep, 47);
	/* the shorter one failing as well makes the set smaller again, and ends the round */
	ck_assert_int_eq(ddmin_result(&d, &t[0], true), 1);
	ck_assert_uint_eq(d.n_keep, 24);
	ck_assert(!ddmin_wanted(&d, &t[0]));
	ck_assert(!ddmin_wanted(&d, &t[2]));
	ck_assert_int_eq(ddmin_next(&d, &t[0], keep[0]), 1);
	ck_assert_uint_lt(t[0].index, 24);
	ddmin_free(&d);
}
END_TEST

START_TEST(test_a_search_after_a_found_item_tries_it_alone_beside_the_cuts)
{
	struct ddmin d;
	struct ddmin_trial t[3];
	bool keep[3][10];
	ck_assert_int_eq(ddmin_init(&d, 10, 2), 0);
	/* lengths 1 to 10: 4 and 7 pass, then 8 and 9 pass: item 9 is needed */
	for (int round = 0; round < 2; round++) {
		ck_assert_int_eq(ddmin_next(&d, &t[0], keep[0]), 1);
		ck_assert_int_eq(ddmin_next(&d, &t[1], keep[1]), 1);
		ck_assert_uint_eq(t[0].index, round ? 8 : 4);
		ck_assert_uint_eq(t[1].index, round ? 9 : 7);
		ck_assert_int_eq(ddmin_result(&d, &t[1], false), 0);
		ck_assert_int_eq(ddmin_result(&d, &t[0], false), 0);
	}
	/* item 9 alone, and lengths 1 to 9 cut in two beside it */
	ck_assert_int_eq(ddmin_next(&d, &t[0], keep[0]), 1);
	ck_assert_int_eq(ddmin_next(&d, &t[1], keep[1]), 1);
	ck_assert_int_eq(ddmin_next(&d, &t[2], keep[2]), 0);
	ck_assert_uint_eq(t[0].index, 0);
	ck_assert_uint_eq(t[0].n_keep, 1);
	ck_assert(keep[0][9]);
	ck_assert_uint_eq(t[1].index, 5);
	ck_assert_uint_eq(t[1].n_keep, 6);
	/* it fails alone: the search is over, and the other trial is of no more use */
	ck_assert_int_eq(ddmin_result(&d, &t[0], true), 1);
	ck_assert_uint_eq(d.n_keep, 1);
	ck_assert(d.phase == DDMIN_DONE);
	ck_assert(!ddmin_wanted(&d, &t[1]));
	ck_assert_int_eq(ddmin_result(&d, &t[1], true), 0);
	ck_assert_int_eq(ddmin_next(&d, &t[0], keep[0]), -1);
	ddmin_free(&d);
}
END_TEST

START_TEST(test_removal_offers_its_trials_at_once_and_ignores_a_late_result)
{
	static const int need[] = {0, 1, 2, 3, END};
	struct oracle o = {NEEDS_ALL, need};
	struct ddmin d;
	struct ddmin_trial t[4];
	bool keep[4][4];
	ck_assert_int_eq(ddmin_init(&d, 4, 1), 0);
	/* bisection finds 3, 2, 1 and 0, one trial at a time */
	while (d.phase == DDMIN_SEARCH) {
		ck_assert_int_eq(ddmin_next(&d, &t[0], keep[0]), 1);
		ck_assert_int_eq(ddmin_next(&d, &t[1], keep[1]), 0);
		ddmin_result(&d, &t[0], fails(&o, keep[0]));
	}
	ck_assert(d.phase == DDMIN_REMOVE);
	ck_assert_uint_eq(d.n_keep, 4);
	/* without 0 it was seen passing ({1, 2, 3} alone, before 0 was found): 1, 2, 3 are left
	 * out, all at once */
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(ddmin_next(&d, &t[i], keep[i]), 1);
		ck_assert_uint_eq(t[i].index, (size_t)i + 1);
		ck_assert_uint_eq(t[i].n_keep, 3);
		ck_assert(!keep[i][i + 1] && keep[i][0]);
	}
	ck_assert_int_eq(ddmin_next(&d, &t[3], keep[3]), 0);
	/* a run that says otherwise: without 2 it fails after all */
	ck_assert_int_eq(ddmin_result(&d, &t[1], true), 1);
	ck_assert_uint_eq(d.n_keep, 3);
	ck_assert(!d.keep[2]);
	/* a result of the old round changes nothing */
	ck_assert_int_eq(ddmin_result(&d, &t[0], true), 0);
	ck_assert_uint_eq(d.n_keep, 3);
	/* the new round leaves out each of the three left, 0 too */
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(ddmin_next(&d, &t[i], keep[i]), 1);
	ck_assert_uint_eq(t[0].index, 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(ddmin_result(&d, &t[i], false), 0);
	ck_assert(d.phase == DDMIN_DONE);
	ck_assert_int_eq(ddmin_next(&d, &t[0], keep[0]), -1);
	ddmin_free(&d);
}
END_TEST

START_TEST(test_one_decision_is_already_minimal)
{
	struct ddmin d;
	struct ddmin_trial t;
	bool keep[1];
	ck_assert_int_eq(ddmin_init(&d, 1, 1), 0);
	ck_assert_int_eq(ddmin_next(&d, &t, keep), -1);
	ddmin_free(&d);
	ck_assert_int_eq(ddmin_init(&d, 0, 1), 0);
	ck_assert_int_eq(ddmin_next(&d, &t, keep), -1);
	ddmin_free(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shrink_plan");
	TCase *tc = tcase_create("plan");
	tcase_add_test(tc, test_the_needed_set_is_found_under_the_bounds_one_two_and_four_wide);
	tcase_add_test(tc, test_two_of_117_far_apart_take_16_trials_where_ddmin_took_81);
	tcase_add_test(tc, test_two_of_117_far_apart_take_12_rounds_two_wide_and_8_four_wide);
	tcase_add_test(tc, test_several_at_once_with_late_results_find_the_same_set);
	tcase_add_test(tc, test_either_of_two_alone_fails_leaves_the_first);
	tcase_add_test(tc, test_any_two_of_three_leaves_two);
	tcase_add_test(tc, test_a_failure_that_is_not_monotonic_still_ends_one_minimal);
	tcase_add_test(tc, test_every_item_needed_ends_with_all_of_them);
	tcase_add_test(tc, test_the_first_search_offers_the_shortest_half_and_one_trial_at_a_time);
	tcase_add_test(tc, test_a_search_after_a_found_item_tries_it_alone_first);
	tcase_add_test(tc,
	               test_a_round_two_wide_cuts_117_lengths_into_three_and_waits_for_the_shorter);
	tcase_add_test(tc, test_once_a_shorter_prefix_fails_the_longer_ones_are_not_wanted);
	tcase_add_test(tc, test_a_search_after_a_found_item_tries_it_alone_beside_the_cuts);
	tcase_add_test(tc, test_removal_offers_its_trials_at_once_and_ignores_a_late_result);
	tcase_add_test(tc, test_one_decision_is_already_minimal);
	suite_add_tcase(s, tc);
	return synfin_run_suite(s);
}
