/* test_byte_count.c: byte counts ("1000", "64K", "10M") as peer scripts and scenarios write
 * them. */
#include <errno.h>
#include <stdint.h>

#include "common/byte_count.h"
#include "test_support.h"

START_TEST(test_byte_count_suffixes_by_syntax)
{
	static const struct byte_count_syntax scn = {.script_suffixes = false};
	static const struct byte_count_syntax script = {.script_suffixes = true};
	uint64_t b = 7;
	ck_assert_int_eq(byte_count_parse("1000", &scn, &b), 0);
	ck_assert_uint_eq(b, 1000);
	ck_assert_int_eq(byte_count_parse("64K", &scn, &b), 0);
	ck_assert_uint_eq(b, 65536);
	ck_assert_int_eq(byte_count_parse("10M", &scn, &b), 0);
	ck_assert_uint_eq(b, 10u << 20);
	ck_assert_int_eq(byte_count_parse("64k", &scn, &b), -EINVAL);
	ck_assert_int_eq(byte_count_parse("64KB", &scn, &b), -EINVAL);
	ck_assert_int_eq(byte_count_parse("64k", &script, &b), 0);
	ck_assert_uint_eq(b, 65536);
	ck_assert_int_eq(byte_count_parse("10mB", &script, &b), 0);
	ck_assert_uint_eq(b, 10u << 20);
	ck_assert_int_eq(byte_count_parse("12B", &script, &b), 0);
	ck_assert_uint_eq(b, 12);
	ck_assert_int_eq(byte_count_parse("1G", &script, &b), -EINVAL);
	ck_assert_int_eq(byte_count_parse("1KK", &script, &b), -EINVAL);
}
END_TEST

START_TEST(test_byte_count_needs_a_digit_first_and_must_fit_64_bits)
{
	static const struct byte_count_syntax scn = {.script_suffixes = false};
	uint64_t b = 7;
	ck_assert_int_eq(byte_count_parse("-1", &scn, &b), -EINVAL);
	ck_assert_int_eq(byte_count_parse("+1", &scn, &b), -EINVAL);
	ck_assert_int_eq(byte_count_parse(" 1", &scn, &b), -EINVAL);
	ck_assert_int_eq(byte_count_parse("", &scn, &b), -EINVAL);
	ck_assert_int_eq(byte_count_parse("18446744073709551615", &scn, &b), 0);
	ck_assert_uint_eq(b, UINT64_MAX);
	ck_assert_int_eq(byte_count_parse("18446744073709551616", &scn, &b), -EINVAL);
	ck_assert_int_eq(byte_count_parse("18014398509481983K", &scn, &b), 0);
	ck_assert_int_eq(byte_count_parse("18014398509481984K", &scn, &b), -ERANGE);
	ck_assert_int_eq(byte_count_parse("17592186044416M", &scn, &b), -ERANGE);
}
END_TEST

static Suite *byte_count_suite(void)
{
	Suite *s = suite_create("byte_count");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_byte_count_suffixes_by_syntax);
	tcase_add_test(tc, test_byte_count_needs_a_digit_first_and_must_fit_64_bits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(byte_count_suite());
}
