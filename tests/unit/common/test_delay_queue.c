/* test_delay_queue.c: the delay scheduler's ordering guarantees. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/delay_queue.h"
#include "test_support.h"

static struct delay_queue q;

static void setup(void)
{
	delay_queue_init(&q);
}

static void teardown(void)
{
	delay_queue_free(&q);
}

START_TEST(test_empty_queue_has_nothing_to_peek_or_pop)
{
	struct delay_entry e;
	uint64_t d;
	ck_assert_uint_eq(delay_queue_len(&q), 0);
	ck_assert_ptr_null(delay_queue_peek(&q));
	ck_assert_int_eq(delay_queue_next_deadline(&q, &d), -ENOENT);
	ck_assert_int_eq(delay_queue_pop(&q, &e), -ENOENT);
	ck_assert_int_eq(delay_queue_pop_due(&q, UINT64_MAX, &e), -ENOENT);
}
END_TEST

START_TEST(test_entries_come_out_by_deadline_not_by_insertion)
{
	const uint64_t deadlines[] = {300, 100, 500, 200, 400};
	for (unsigned i = 0; i < 5; i++)
		ck_assert_int_eq(delay_queue_push(&q, deadlines[i], 10 + i, NULL), 0);
	ck_assert_uint_eq(delay_queue_len(&q), 5);

	const uint32_t want_ids[] = {11, 13, 10, 14, 12};
	for (unsigned i = 0; i < 5; i++) {
		struct delay_entry e;
		ck_assert_int_eq(delay_queue_pop(&q, &e), 0);
		ck_assert_uint_eq(e.deadline, (i + 1) * 100);
		ck_assert_uint_eq(e.id, want_ids[i]);
	}
	ck_assert_uint_eq(delay_queue_len(&q), 0);
}
END_TEST

START_TEST(test_equal_deadlines_come_out_first_in_first_out)
{
	/* interleave two deadlines so the heap has to move the ties around */
	for (uint32_t id = 0; id < 100; id++)
		ck_assert_int_eq(delay_queue_push(&q, id % 2 ? 7 : 3, id, NULL), 0);
	struct delay_entry e;
	for (uint32_t id = 0; id < 100; id += 2) {
		ck_assert_int_eq(delay_queue_pop(&q, &e), 0);
		ck_assert_uint_eq(e.deadline, 3);
		ck_assert_uint_eq(e.id, id);
	}
	for (uint32_t id = 1; id < 100; id += 2) {
		ck_assert_int_eq(delay_queue_pop(&q, &e), 0);
		ck_assert_uint_eq(e.deadline, 7);
		ck_assert_uint_eq(e.id, id);
	}
}
END_TEST

START_TEST(test_ten_thousand_random_deadlines_pop_sorted_and_stable)
{
	enum { N = 10000 };
	srand(12345);
	/* few distinct deadlines, so there are many ties to keep in order */
	for (uint32_t id = 0; id < N; id++)
		ck_assert_int_eq(delay_queue_push(&q, (uint64_t)(rand() % 500), id, NULL), 0);
	ck_assert_uint_eq(delay_queue_len(&q), N);

	struct delay_entry prev, e;
	ck_assert_int_eq(delay_queue_pop(&q, &prev), 0);
	for (unsigned i = 1; i < N; i++) {
		ck_assert_int_eq(delay_queue_pop(&q, &e), 0);
		ck_assert_uint_ge(e.deadline, prev.deadline);
		if (e.deadline == prev.deadline)
			ck_assert_uint_gt(e.id, prev.id);
		prev = e;
	}
	ck_assert_int_eq(delay_queue_pop(&q, &e), -ENOENT);
}
END_TEST

START_TEST(test_peek_and_next_deadline_follow_the_earliest_entry)
{
	uint64_t d;
	delay_queue_push(&q, 1000, 1, NULL);
	ck_assert_int_eq(delay_queue_next_deadline(&q, &d), 0);
	ck_assert_uint_eq(d, 1000);
	delay_queue_push(&q, 400, 2, NULL);
	ck_assert_int_eq(delay_queue_next_deadline(&q, &d), 0);
	ck_assert_uint_eq(d, 400);
	ck_assert_uint_eq(delay_queue_peek(&q)->id, 2);
	delay_queue_push(&q, 900, 3, NULL);
	ck_assert_uint_eq(delay_queue_peek(&q)->id, 2);
	/* peeking does not remove */
	ck_assert_uint_eq(delay_queue_len(&q), 3);

	struct delay_entry e;
	delay_queue_pop(&q, &e);
	ck_assert_int_eq(delay_queue_next_deadline(&q, &d), 0);
	ck_assert_uint_eq(d, 900);
	ck_assert_uint_eq(delay_queue_peek(&q)->id, 3);
}
END_TEST

START_TEST(test_pop_due_releases_only_what_is_due)
{
	struct delay_entry e;
	delay_queue_push(&q, 300, 1, NULL);
	delay_queue_push(&q, 100, 2, NULL);
	delay_queue_push(&q, 300, 3, NULL);

	ck_assert_int_eq(delay_queue_pop_due(&q, 99, &e), -EAGAIN);
	ck_assert_uint_eq(delay_queue_len(&q), 3);
	ck_assert_int_eq(delay_queue_pop_due(&q, 100, &e), 0);
	ck_assert_uint_eq(e.id, 2);
	ck_assert_int_eq(delay_queue_pop_due(&q, 299, &e), -EAGAIN);
	ck_assert_int_eq(delay_queue_pop_due(&q, 1000, &e), 0);
	ck_assert_uint_eq(e.id, 1);
	ck_assert_int_eq(delay_queue_pop_due(&q, 1000, &e), 0);
	ck_assert_uint_eq(e.id, 3);
	ck_assert_int_eq(delay_queue_pop_due(&q, 1000, &e), -ENOENT);
}
END_TEST

START_TEST(test_popping_everything_at_shutdown_keeps_release_order)
{
	/* the daemon's exit path: pop all, none due yet, in the order they would have left */
	const uint64_t deadlines[] = {5000, 2000, 2000, 9000, 1000, 5000};
	for (unsigned i = 0; i < 6; i++)
		delay_queue_push(&q, deadlines[i], i, NULL);
	const uint32_t want[] = {4, 1, 2, 0, 5, 3};
	struct delay_entry e;
	for (unsigned i = 0; i < 6; i++) {
		ck_assert_int_eq(delay_queue_pop(&q, &e), 0);
		ck_assert_uint_eq(e.id, want[i]);
	}
	ck_assert_uint_eq(delay_queue_len(&q), 0);
}
END_TEST

START_TEST(test_queue_grows_and_keeps_every_entry_and_its_data)
{
	enum { N = 5000 };
	static int payload[N];
	/* descending deadlines: every push sifts to the root while the heap is reallocated */
	for (uint32_t i = 0; i < N; i++) {
		payload[i] = (int)i;
		ck_assert_int_eq(delay_queue_push(&q, (uint64_t)(N - i), i, &payload[i]), 0);
	}
	ck_assert_uint_ge(q.cap, N);
	struct delay_entry e;
	for (uint32_t i = 0; i < N; i++) {
		ck_assert_int_eq(delay_queue_pop(&q, &e), 0);
		uint32_t want = N - 1 - i;
		ck_assert_uint_eq(e.id, want);
		ck_assert_ptr_eq(e.data, &payload[want]);
		ck_assert_int_eq(*(int *)e.data, (int)want);
	}
}
END_TEST

START_TEST(test_interleaved_push_and_pop_stay_ordered)
{
	/* the daemon pushes while releasing; later pushes can still be due earlier */
	struct delay_entry e;
	delay_queue_push(&q, 50, 1, NULL);
	delay_queue_push(&q, 10, 2, NULL);
	ck_assert_int_eq(delay_queue_pop(&q, &e), 0);
	ck_assert_uint_eq(e.id, 2);
	delay_queue_push(&q, 20, 3, NULL);
	delay_queue_push(&q, 50, 4, NULL);
	ck_assert_int_eq(delay_queue_pop(&q, &e), 0);
	ck_assert_uint_eq(e.id, 3);
	ck_assert_int_eq(delay_queue_pop(&q, &e), 0);
	ck_assert_uint_eq(e.id, 1);
	ck_assert_int_eq(delay_queue_pop(&q, &e), 0);
	ck_assert_uint_eq(e.id, 4);
}
END_TEST

START_TEST(test_oldest_id_is_the_first_pushed_still_queued)
{
	/* the daemon batches verdicts up to ids below the oldest packet it still holds */
	uint32_t id;
	ck_assert_int_eq(delay_queue_oldest_id(&q, &id), -ENOENT);
	delay_queue_push(&q, 300, 7, NULL); /* long delay: stays */
	delay_queue_push(&q, 100, 8, NULL);
	delay_queue_push(&q, 200, 9, NULL);
	ck_assert_int_eq(delay_queue_oldest_id(&q, &id), 0);
	ck_assert_uint_eq(id, 7);
	struct delay_entry e;
	ck_assert_int_eq(delay_queue_pop(&q, &e), 0); /* 8 */
	ck_assert_int_eq(delay_queue_oldest_id(&q, &id), 0);
	ck_assert_uint_eq(id, 7);
	ck_assert_int_eq(delay_queue_pop(&q, &e), 0); /* 9 */
	ck_assert_int_eq(delay_queue_pop(&q, &e), 0); /* 7 */
	ck_assert_uint_eq(e.id, 7);
	ck_assert_int_eq(delay_queue_oldest_id(&q, &id), -ENOENT);
	delay_queue_push(&q, 50, 10, NULL);
	ck_assert_int_eq(delay_queue_oldest_id(&q, &id), 0);
	ck_assert_uint_eq(id, 10);
}
END_TEST

START_TEST(test_oldest_id_survives_growth_behind_a_long_hold)
{
	/* one packet held long while 100,000 others come and go: the ring of arrivals grows
	 * behind it and still names it, then the next one still queued */
	uint32_t id;
	struct delay_entry e;
	delay_queue_push(&q, 1000000, 0, NULL);
	for (uint32_t i = 1; i <= 100000; i++) {
		delay_queue_push(&q, i, i, NULL);
		if (i % 3 == 0) {
			ck_assert_int_eq(delay_queue_pop(&q, &e), 0);
			ck_assert_int_eq(delay_queue_oldest_id(&q, &id), 0);
			ck_assert_uint_eq(id, 0);
		}
	}
	ck_assert_uint_eq(delay_queue_len(&q), 1 + 100000 - 100000 / 3);
	ck_assert_uint_gt(delay_queue_bytes(&q), 0);
	/* everything below 66,667 is out: deadlines 1..33,333 went first */
	for (uint32_t i = 0; i < 100000 / 3; i++)
		ck_assert_int_eq(delay_queue_pop(&q, &e), 0);
	ck_assert_int_eq(delay_queue_oldest_id(&q, &id), 0);
	ck_assert_uint_eq(id, 0);
	while (delay_queue_len(&q) > 1)
		ck_assert_int_eq(delay_queue_pop(&q, &e), 0);
	ck_assert_int_eq(delay_queue_oldest_id(&q, &id), 0);
	ck_assert_uint_eq(id, 0);
	ck_assert_int_eq(delay_queue_pop(&q, &e), 0);
	ck_assert_uint_eq(e.id, 0);
	ck_assert_int_eq(delay_queue_oldest_id(&q, &id), -ENOENT);
}
END_TEST

START_TEST(test_untracked_entries_keep_their_order_but_are_never_the_oldest_id)
{
	/* copies whose originals already have their verdict: released in order, but a batch
	 * verdict need not stop below them */
	uint32_t id;
	ck_assert_int_eq(delay_queue_push_untracked(&q, 10, 1, NULL), 0);
	ck_assert_int_eq(delay_queue_oldest_id(&q, &id), -ENOENT);
	ck_assert_int_eq(delay_queue_push(&q, 10, 2, NULL), 0);
	ck_assert_int_eq(delay_queue_push_untracked(&q, 10, 3, NULL), 0);
	ck_assert_int_eq(delay_queue_oldest_id(&q, &id), 0);
	ck_assert_uint_eq(id, 2);
	struct delay_entry e;
	for (uint32_t want = 1; want <= 3; want++) {
		ck_assert_int_eq(delay_queue_pop(&q, &e), 0);
		ck_assert_uint_eq(e.id, want);
	}
	ck_assert_int_eq(delay_queue_oldest_id(&q, &id), -ENOENT);
}
END_TEST

START_TEST(test_one_hundred_thousand_equal_deadlines_leave_in_arrival_order)
{
	/* a burst held by one rule within one clock tick leaves as it came */
	for (uint32_t i = 0; i < 100000; i++)
		ck_assert_int_eq(delay_queue_push(&q, 42, i, NULL), 0);
	struct delay_entry e;
	uint32_t id;
	for (uint32_t i = 0; i < 100000; i++) {
		ck_assert_int_eq(delay_queue_oldest_id(&q, &id), 0);
		ck_assert_uint_eq(id, i);
		ck_assert_int_eq(delay_queue_pop_due(&q, 42, &e), 0);
		ck_assert_uint_eq(e.id, i);
	}
	ck_assert_int_eq(delay_queue_pop(&q, &e), -ENOENT);
}
END_TEST

static Suite *delay_queue_suite(void)
{
	Suite *s = suite_create("delay_queue");
	TCase *tc = tcase_create("order");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_empty_queue_has_nothing_to_peek_or_pop);
	tcase_add_test(tc, test_entries_come_out_by_deadline_not_by_insertion);
	tcase_add_test(tc, test_equal_deadlines_come_out_first_in_first_out);
	tcase_add_test(tc, test_ten_thousand_random_deadlines_pop_sorted_and_stable);
	tcase_add_test(tc, test_peek_and_next_deadline_follow_the_earliest_entry);
	tcase_add_test(tc, test_pop_due_releases_only_what_is_due);
	tcase_add_test(tc, test_popping_everything_at_shutdown_keeps_release_order);
	tcase_add_test(tc, test_queue_grows_and_keeps_every_entry_and_its_data);
	tcase_add_test(tc, test_interleaved_push_and_pop_stay_ordered);
	tcase_add_test(tc, test_oldest_id_is_the_first_pushed_still_queued);
	tcase_add_test(tc, test_oldest_id_survives_growth_behind_a_long_hold);
	tcase_add_test(tc, test_one_hundred_thousand_equal_deadlines_leave_in_arrival_order);
	tcase_add_test(tc, test_untracked_entries_keep_their_order_but_are_never_the_oldest_id);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(delay_queue_suite());
}
