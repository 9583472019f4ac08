/* test_duration.c: the one duration grammar every language shares (common/duration.h), and
 * the restrictions the old call shape still applies for scenario_parse.c. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "common/duration.h"
#include "test_support.h"

static int parse(const char *text, uint64_t *us)
{
	return duration_parse_us(text, strlen(text), UINT64_MAX, us);
}

#define ACCEPTS(text, want)                                                                        \
	do {                                                                                       \
		uint64_t us_ = 7;                                                                  \
		ck_assert_msg(parse(text, &us_) == 0, "%s refused", text);                         \
		ck_assert_msg(us_ == (want), "%s: %llu us, not %llu", text,                        \
		              (unsigned long long)us_, (unsigned long long)(want));                \
	} while (0)

#define REFUSES(text, err)                                                                         \
	do {                                                                                       \
		uint64_t us_ = 7;                                                                  \
		ck_assert_msg(parse(text, &us_) == (err), "%s not refused with " #err, text);      \
		ck_assert_msg(us_ == 7, "%s: refused, yet the result was written", text);          \
	} while (0)

START_TEST(test_units_are_us_ms_s_m_and_min)
{
	ck_assert_uint_eq(duration_unit_us("us", 2), 1);
	ck_assert_uint_eq(duration_unit_us("ms", 2), 1000);
	ck_assert_uint_eq(duration_unit_us("s", 1), 1000000);
	ck_assert_uint_eq(duration_unit_us("m", 1), 60000000);
	ck_assert_uint_eq(duration_unit_us("min", 3), 60000000);
	/* the length decides, not a terminator: "msx" cut to 2 is "ms" */
	ck_assert_uint_eq(duration_unit_us("msx", 2), 1000);
	ck_assert_uint_eq(duration_unit_us("", 0), 0);
	ck_assert_uint_eq(duration_unit_us("h", 1), 0);
	ck_assert_uint_eq(duration_unit_us("S", 1), 0);
	ACCEPTS("250us", 250);
	ACCEPTS("300ms", 300000);
	ACCEPTS("1s", 1000000);
	ACCEPTS("2m", 120000000);
	ACCEPTS("2min", 120000000);
	REFUSES("5h", -EINVAL);
	REFUSES("5msx", -EINVAL);
	REFUSES("5 ms", -EINVAL);
	REFUSES("ms", -EINVAL);
	REFUSES("", -EINVAL);
}
END_TEST

START_TEST(test_numbers_take_fractions_and_exponents)
{
	ACCEPTS("1.5s", 1500000);
	ACCEPTS(".5s", 500000);
	ACCEPTS("1.s", 1000000);
	ACCEPTS("0.25ms", 250);
	ACCEPTS("2.000001s", 2000001);
	ACCEPTS("1e3ms", 1000000);
	ACCEPTS("1E3ms", 1000000);
	ACCEPTS("1e+3ms", 1000000);
	ACCEPTS("2500e-3s", 2500000);
	ACCEPTS("1e9us", 1000000000);
	ACCEPTS("1e9min", 60000000000000000u);
	ACCEPTS("1e12s", 1000000000000000000u);
	ACCEPTS("0.000000000000000000000000000001e30s", 1000000);
	/* an 'e' without digits is no exponent: "1es" is 1 in the unit "es" */
	REFUSES("1es", -EINVAL);
	REFUSES("1e+s", -EINVAL);
	REFUSES(".s", -EINVAL);
	REFUSES(".", -EINVAL);
	REFUSES("1..5s", -EINVAL);
}
END_TEST

START_TEST(test_values_round_to_the_nearest_microsecond_halves_up)
{
	ACCEPTS("0.0006ms", 1);
	ACCEPTS("0.0004ms", 0);
	ACCEPTS("0.0015ms", 2);
	ACCEPTS("0.5us", 1);
	ACCEPTS("0.49999999us", 0);
	ACCEPTS("1.0000005s", 1000001);
	ACCEPTS("0.00000001m", 1);
	ACCEPTS("0.000000001m", 0);
	/* exact decimals, not binary doubles: 0.3 s is 300000 us, not 299999.99... */
	ACCEPTS("0.3s", 300000);
	ACCEPTS("4.35ms", 4350);
}
END_TEST

START_TEST(test_zero_alone_needs_no_unit_any_other_number_does)
{
	ACCEPTS("0", 0);
	ACCEPTS("00", 0);
	ACCEPTS("0.0", 0);
	ACCEPTS("0e5", 0);
	ACCEPTS("0ms", 0);
	/* a bare number other than 0 could be seconds or milliseconds */
	REFUSES("5", -EINVAL);
	REFUSES("200", -EINVAL);
	REFUSES("0.1", -EINVAL);
}
END_TEST

START_TEST(test_signs_hex_nan_inf_and_blanks_are_refused)
{
	REFUSES("-1s", -EINVAL);
	REFUSES("+1s", -EINVAL);
	REFUSES("-0", -EINVAL);
	REFUSES("0x10s", -EINVAL);
	REFUSES("nans", -EINVAL);
	REFUSES("nanms", -EINVAL);
	REFUSES("-nans", -EINVAL);
	REFUSES("infs", -EINVAL);
	REFUSES("inf", -EINVAL);
	REFUSES(" 1s", -EINVAL);
	REFUSES("1s ", -EINVAL);
}
END_TEST

START_TEST(test_past_the_limit_or_64_bits_is_out_of_range)
{
	uint64_t us = 7;
	ck_assert_int_eq(duration_parse_us("1000s", 5, 1000000000, &us), 0);
	ck_assert_uint_eq(us, 1000000000);
	ck_assert_int_eq(duration_parse_us("1000.000001s", 12, 1000000000, &us), -ERANGE);
	ck_assert_uint_eq(us, 1000000000);
	ACCEPTS("18446744073709551615us", UINT64_MAX);
	REFUSES("18446744073709551616us", -ERANGE);
	REFUSES("18446744073709551615.5us", -ERANGE);
	REFUSES("1e20s", -ERANGE);
	REFUSES("1e30s", -ERANGE);
	REFUSES("1e99999999999999999999s", -ERANGE);
	ACCEPTS("1e-99999999999999999999s", 0);
	/* garbage is garbage before it is too long */
	REFUSES("1e30h", -EINVAL);
}
END_TEST

START_TEST(test_only_the_given_bytes_are_read)
{
	uint64_t us = 7;
	ck_assert_int_eq(duration_parse_us("300ms jitter", 5, UINT64_MAX, &us), 0);
	ck_assert_uint_eq(us, 300000);
	ck_assert_int_eq(duration_parse_us("15s", 1, UINT64_MAX, &us), -EINVAL);
	ck_assert_uint_eq(duration_number_len("1.5e3ms", 7), 5);
	ck_assert_uint_eq(duration_number_len("1.5e3ms", 2), 2);
	ck_assert_uint_eq(duration_number_len("12x", 3), 2);
	ck_assert_uint_eq(duration_number_len("x12", 3), 0);
	ck_assert_uint_eq(duration_number_len(".x", 2), 0);
}
END_TEST


static Suite *duration_suite(void)
{
	Suite *s = suite_create("duration");
	TCase *tc = tcase_create("grammar");
	tcase_add_test(tc, test_units_are_us_ms_s_m_and_min);
	tcase_add_test(tc, test_numbers_take_fractions_and_exponents);
	tcase_add_test(tc, test_values_round_to_the_nearest_microsecond_halves_up);
	tcase_add_test(tc, test_zero_alone_needs_no_unit_any_other_number_does);
	tcase_add_test(tc, test_signs_hex_nan_inf_and_blanks_are_refused);
	tcase_add_test(tc, test_past_the_limit_or_64_bits_is_out_of_range);
	tcase_add_test(tc, test_only_the_given_bytes_are_read);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(duration_suite());
}
