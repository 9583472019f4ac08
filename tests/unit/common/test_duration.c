/* test_duration.c: durations as the languages write them, and what each language's syntax
 * adds to or takes from the common form. */
#include <errno.h>
#include <math.h>
#include <stdint.h>

#include "common/duration.h"
#include "test_support.h"

static const struct duration_syntax plain = {.max_us = INFINITY};
static const struct duration_syntax strict = {
    .digits_only = true, .bare_zero = true, .minutes = true, .max_us = 86400e6};

START_TEST(test_unit_table_is_us_ms_s_and_minutes_only_where_asked)
{
	ck_assert_uint_eq(duration_unit_us("us", 2, false), 1);
	ck_assert_uint_eq(duration_unit_us("ms", 2, false), 1000);
	ck_assert_uint_eq(duration_unit_us("s", 1, false), 1000000);
	ck_assert_uint_eq(duration_unit_us("m", 1, false), 0);
	ck_assert_uint_eq(duration_unit_us("min", 3, false), 0);
	ck_assert_uint_eq(duration_unit_us("m", 1, true), 60000000);
	ck_assert_uint_eq(duration_unit_us("min", 3, true), 60000000);
	/* the length decides, not a terminator: "msx" cut to 2 is "ms" */
	ck_assert_uint_eq(duration_unit_us("msx", 2, false), 1000);
	ck_assert_uint_eq(duration_unit_us("", 0, true), 0);
	ck_assert_uint_eq(duration_unit_us("h", 1, true), 0);
}
END_TEST

START_TEST(test_duration_rounds_to_the_nearest_microsecond)
{
	uint64_t us;
	ck_assert_int_eq(duration_parse("1.5s", &plain, &us), 0);
	ck_assert_uint_eq(us, 1500000);
	ck_assert_int_eq(duration_parse("250us", &plain, &us), 0);
	ck_assert_uint_eq(us, 250);
	ck_assert_int_eq(duration_parse("0.0006ms", &plain, &us), 0);
	ck_assert_uint_eq(us, 1);
	ck_assert_int_eq(duration_parse("0.0004ms", &plain, &us), 0);
	ck_assert_uint_eq(us, 0);
}
END_TEST

START_TEST(test_digits_only_syntax_refuses_what_strtod_would_take)
{
	uint64_t us = 7;
	ck_assert_int_eq(duration_parse("1e3ms", &plain, &us), 0);
	ck_assert_uint_eq(us, 1000000);
	ck_assert_int_eq(duration_parse("1e3ms", &strict, &us), -EINVAL);
	ck_assert_int_eq(duration_parse("0x10s", &strict, &us), -EINVAL);
	ck_assert_int_eq(duration_parse("+1s", &strict, &us), -EINVAL);
	ck_assert_int_eq(duration_parse("nans", &plain, &us), -EINVAL);
	ck_assert_int_eq(duration_parse("-1s", &plain, &us), -EINVAL);
	ck_assert_int_eq(duration_parse("5", &plain, &us), -EINVAL);
	ck_assert_int_eq(duration_parse("0", &plain, &us), -EINVAL);
	ck_assert_int_eq(duration_parse("0", &strict, &us), 0);
	ck_assert_uint_eq(us, 0);
	ck_assert_int_eq(duration_parse("2m", &plain, &us), -EINVAL);
	ck_assert_int_eq(duration_parse("2m", &strict, &us), 0);
	ck_assert_uint_eq(us, 120000000);
}
END_TEST

START_TEST(test_duration_past_the_limit_or_64_bits_is_out_of_range)
{
	uint64_t us = 7;
	ck_assert_int_eq(duration_parse("1440m", &strict, &us), 0);
	ck_assert_uint_eq(us, 86400000000ull);
	ck_assert_int_eq(duration_parse("86400.000001s", &strict, &us), -ERANGE);
	ck_assert_int_eq(duration_parse("infs", &plain, &us), -ERANGE);
	ck_assert_int_eq(duration_parse("18446744073709551616us", &plain, &us), -ERANGE);
	ck_assert_int_eq(duration_parse("1e12s", &plain, &us), 0);
	ck_assert_uint_eq(us, 1000000000000000000ull);
}
END_TEST

static Suite *duration_suite(void)
{
	Suite *s = suite_create("duration");
	TCase *tc = tcase_create("duration");
	tcase_add_test(tc, test_unit_table_is_us_ms_s_and_minutes_only_where_asked);
	tcase_add_test(tc, test_duration_rounds_to_the_nearest_microsecond);
	tcase_add_test(tc, test_digits_only_syntax_refuses_what_strtod_would_take);
	tcase_add_test(tc, test_duration_past_the_limit_or_64_bits_is_out_of_range);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(duration_suite());
}
