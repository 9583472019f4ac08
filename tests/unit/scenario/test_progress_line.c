/* The status line a terminal shows while cases run: done of total, the cases in flight (longest
 * expected first) with their time so far against the expected time, cut to the terminal. */
#include <check.h>
#include <string.h>

#include "progress_line.h"
#include "test_support.h"

#define S(x) ((int64_t)(x)*1000000)

static const char *line(size_t done, size_t total, struct progress_case *c, size_t n,
                        unsigned width)
{
	static char buf[1024];
	size_t len = progress_line_format(buf, sizeof(buf), done, total, c, n, width);
	ck_assert_uint_eq(len, strlen(buf));
	return buf;
}

START_TEST(test_the_longest_expected_cases_come_first_with_elapsed_against_expected)
{
	struct progress_case c[] = {
	    {"abort.linux-linux", S(3), S(10)},
	    {"syn-timeout-linear.stack-stack", S(45) + 999999, S(112)},
	    {"time-wait-ends.linux-stack", S(30), S(107)},
	};
	ck_assert_str_eq(line(37, 120, c, 3, 200),
	                 "[ 37/120] 3 running: syn-timeout-linear.stack-stack 45/112 s, "
	                 "time-wait-ends.linux-stack 30/107 s, abort.linux-linux 3/10 s");
}
END_TEST

START_TEST(test_an_expected_time_is_rounded_up_and_left_out_when_unknown)
{
	struct progress_case c[] = {{"a.linux-linux", S(2), S(7) + 1}, {"b.stack-stack", S(5), 0}};
	ck_assert_str_eq(line(0, 2, c, 2, 80),
	                 "[  0/2] 2 running: a.linux-linux 2/8 s, b.stack-stack 5 s");
}
END_TEST

START_TEST(test_a_case_past_its_expected_time_shows_it)
{
	struct progress_case c[] = {{"slow.linux-linux", S(70), S(63)}};
	ck_assert_str_eq(line(9, 10, c, 1, 80), "[  9/10] 1 running: slow.linux-linux 70/63 s");
}
END_TEST

START_TEST(test_cases_that_do_not_fit_the_width_are_counted_as_more)
{
	struct progress_case c[] = {
	    {"syn-drop-first-5.linux-linux", S(40), S(75)},
	    {"syn-drop-first-4.linux-linux", S(20), S(60)},
	    {"abort.linux-linux", S(1), S(10)},
	};
	const char *l = line(5, 120, c, 3, 80);
	ck_assert_str_eq(l, "[  5/120] 3 running: syn-drop-first-5.linux-linux 40/75 s, +2 more");
	ck_assert_uint_lt(strlen(l), 80);
	/* narrower still: only the count of those in flight */
	ck_assert_str_eq(line(5, 120, c, 3, 40), "[  5/120] 3 running: +3 more");
}
END_TEST

START_TEST(test_the_line_never_reaches_the_last_column)
{
	struct progress_case c[] = {{"x.linux-linux", S(1), S(2)}};
	for (unsigned width = 0; width < 60; width++) {
		const char *l = line(1, 120, c, 1, width);
		ck_assert_uint_le(strlen(l), width > 1 ? width - 1 : 1);
	}
	char small[8];
	ck_assert_uint_eq(progress_line_format(small, sizeof(small), 1, 120, c, 1, 80), 7);
	ck_assert_str_eq(small, "[  1/12");
}
END_TEST

START_TEST(test_nothing_in_flight_gives_the_count_alone)
{
	ck_assert_str_eq(line(120, 120, NULL, 0, 80), "[120/120] 0 running");
}
END_TEST

START_TEST(test_ties_go_to_the_case_running_longest_then_by_id)
{
	struct progress_case c[] = {
	    {"b.linux-linux", S(5), S(20)},
	    {"a.linux-linux", S(5), S(20)},
	    {"c.linux-linux", S(9), S(20)},
	};
	ck_assert_str_eq(line(0, 3, c, 3, 200), "[  0/3] 3 running: c.linux-linux 9/20 s, "
	                                        "a.linux-linux 5/20 s, b.linux-linux 5/20 s");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("progress_line");
	TCase *tc = tcase_create("progress_line");
	tcase_add_test(tc,
	               test_the_longest_expected_cases_come_first_with_elapsed_against_expected);
	tcase_add_test(tc, test_an_expected_time_is_rounded_up_and_left_out_when_unknown);
	tcase_add_test(tc, test_a_case_past_its_expected_time_shows_it);
	tcase_add_test(tc, test_cases_that_do_not_fit_the_width_are_counted_as_more);
	tcase_add_test(tc, test_the_line_never_reaches_the_last_column);
	tcase_add_test(tc, test_nothing_in_flight_gives_the_count_alone);
	tcase_add_test(tc, test_ties_go_to_the_case_running_longest_then_by_id);
	suite_add_tcase(s, tc);
	return synfin_run_suite(s);
}
