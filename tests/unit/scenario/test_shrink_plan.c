/* ddmin's plan over a failed run's decisions: which subsets it offers, in which order, and the
 * set it ends with when an oracle says which subsets still fail, trials run one or several at
 * once. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "shrink_plan.h"
#include "test_support.h"

/* The failure needs every item of need (a -1 ended list). */
static bool fails_with(const bool *keep, const int *need)
{
	for (; *need >= 0; need++)
		if (!keep[*need])
			return false;
	return true;
}

/* Run the plan to its end, `parallel` trials at a time, their results reported last first;
 * returns how many trials it took. */
static size_t shrink_all(struct ddmin *d, const int *need, size_t parallel)
{
	struct ddmin_trial t[8];
	bool *keep[8];
	size_t trials = 0;
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
		trials += n;
		for (size_t i = n; i-- > 0;)
			ddmin_result(d, &t[i], fails_with(keep[i], need));
		ck_assert_uint_lt(trials, 1000);
	}
	for (size_t i = 0; i < parallel; i++)
		free(keep[i]);
	return trials;
}

static void assert_kept(const struct ddmin *d, const int *need)
{
	size_t n = 0;
	for (; need[n] >= 0; n++)
		ck_assert_msg(d->keep[need[n]], "item %d was left out", need[n]);
	ck_assert_uint_eq(d->n_keep, n);
}

START_TEST(test_two_drops_of_twelve_are_found_one_trial_at_a_time)
{
	static const int need[] = {3, 9, -1};
	struct ddmin d;
	ck_assert_int_eq(ddmin_init(&d, 12), 0);
	size_t trials = shrink_all(&d, need, 1);
	assert_kept(&d, need);
	ck_assert(d.done);
	ck_assert_uint_eq(trials, 28);
	ddmin_free(&d);
}
END_TEST

START_TEST(test_two_of_117_take_ddmin_more_than_64_trials)
{
	/* why --max-trials exists: a quadratic worst case when the two lie far apart */
	static const int need[] = {31, 88, -1};
	struct ddmin d;
	ck_assert_int_eq(ddmin_init(&d, 117), 0);
	ck_assert_uint_eq(shrink_all(&d, need, 1), 81);
	assert_kept(&d, need);
	ddmin_free(&d);
}
END_TEST

START_TEST(test_two_at_once_and_late_results_of_an_old_round_find_the_same_set)
{
	static const int need[] = {3, 4, 17, -1};
	struct ddmin d;
	ck_assert_int_eq(ddmin_init(&d, 40), 0);
	shrink_all(&d, need, 2);
	assert_kept(&d, need);
	ddmin_free(&d);
}
END_TEST

START_TEST(test_the_first_round_offers_the_two_halves)
{
	struct ddmin d;
	struct ddmin_trial t;
	bool keep[5];
	ck_assert_int_eq(ddmin_init(&d, 5), 0);
	ck_assert_int_eq(ddmin_next(&d, &t, keep), 1);
	ck_assert_uint_eq(t.n_keep, 2);
	ck_assert(keep[0] && keep[1] && !keep[2] && !keep[3] && !keep[4]);
	ck_assert_int_eq(ddmin_next(&d, &t, keep), 1);
	ck_assert(!keep[0] && !keep[1] && keep[2] && keep[3] && keep[4]);
	/* with two chunks the complements are the chunks: the round has no more to offer */
	ck_assert_int_eq(ddmin_next(&d, &t, keep), 0);
	ddmin_free(&d);
}
END_TEST

START_TEST(test_a_failing_complement_keeps_the_granularity_less_one)
{
	struct ddmin d;
	struct ddmin_trial t[8];
	bool keep[8][8];
	ck_assert_int_eq(ddmin_init(&d, 8), 0);
	/* round 1 (2 halves) passes: 4 chunks and then 4 complements */
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(ddmin_next(&d, &t[i], keep[i]), 1);
		ck_assert_int_eq(ddmin_result(&d, &t[i], false), 0);
	}
	ck_assert_uint_eq(d.granularity, 4);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(ddmin_next(&d, &t[i], keep[i]), 1);
	ck_assert_uint_eq(t[4].n_keep, 6); /* the first complement: all but items 0 and 1 */
	ck_assert(!keep[4][0] && !keep[4][1] && keep[4][2]);
	ck_assert_int_eq(ddmin_result(&d, &t[4], true), 1);
	ck_assert_uint_eq(d.n_keep, 6);
	ck_assert_uint_eq(d.granularity, 3);
	/* a result of the old round changes nothing */
	ck_assert_int_eq(ddmin_result(&d, &t[0], true), 0);
	ck_assert_uint_eq(d.n_keep, 6);
	ddmin_free(&d);
}
END_TEST

START_TEST(test_one_decision_is_already_minimal)
{
	struct ddmin d;
	struct ddmin_trial t;
	bool keep[1];
	ck_assert_int_eq(ddmin_init(&d, 1), 0);
	ck_assert_int_eq(ddmin_next(&d, &t, keep), -1);
	ddmin_free(&d);
	ck_assert_int_eq(ddmin_init(&d, 0), 0);
	ck_assert_int_eq(ddmin_next(&d, &t, keep), -1);
	ddmin_free(&d);
}
END_TEST

START_TEST(test_every_single_decision_needed_ends_with_all_of_them)
{
	static const int need[] = {0, 1, 2, 3, 4, 5, -1};
	struct ddmin d;
	ck_assert_int_eq(ddmin_init(&d, 6), 0);
	shrink_all(&d, need, 2);
	assert_kept(&d, need);
	ck_assert(d.done);
	ddmin_free(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shrink_plan");
	TCase *tc = tcase_create("ddmin");
	tcase_add_test(tc, test_two_drops_of_twelve_are_found_one_trial_at_a_time);
	tcase_add_test(tc, test_two_of_117_take_ddmin_more_than_64_trials);
	tcase_add_test(tc, test_two_at_once_and_late_results_of_an_old_round_find_the_same_set);
	tcase_add_test(tc, test_the_first_round_offers_the_two_halves);
	tcase_add_test(tc, test_a_failing_complement_keeps_the_granularity_less_one);
	tcase_add_test(tc, test_one_decision_is_already_minimal);
	tcase_add_test(tc, test_every_single_decision_needed_ends_with_all_of_them);
	suite_add_tcase(s, tc);
	return synfin_run_suite(s);
}
