/* test_byte_count.c: the one count grammar every language shares (common/byte_count.h), and
 * the restrictions the old call shape still applies for scenario_parse.c. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "common/byte_count.h"
#include "test_support.h"

#define ACCEPTS(text, want)                                                                        \
	do {                                                                                       \
		uint64_t v_ = 42;                                                                  \
		ck_assert_msg(count_parse(text, strlen(text), &v_) == 0, "%s refused", text);      \
		ck_assert_msg(v_ == (want), "%s: %llu, not %llu", text, (unsigned long long)v_,    \
		              (unsigned long long)(want));                                         \
	} while (0)

#define REFUSES(text, err)                                                                         \
	do {                                                                                       \
		uint64_t v_ = 42;                                                                  \
		ck_assert_msg(count_parse(text, strlen(text), &v_) == (err),                       \
		              "%s not refused with " #err, text);                                  \
		ck_assert_msg(v_ == 42, "%s: refused, yet the result was written", text);          \
	} while (0)

START_TEST(test_counts_are_decimal_or_hex)
{
	ACCEPTS("0", 0);
	ACCEPTS("1460", 1460);
	ACCEPTS("0x10", 16);
	ACCEPTS("0XfF", 255);
	/* a leading zero is still decimal, not octal */
	ACCEPTS("010", 10);
	ACCEPTS("08", 8);
	REFUSES("0x", -EINVAL);
	REFUSES("0xg", -EINVAL);
	REFUSES("1.5", -EINVAL);
	REFUSES("1e3", -EINVAL);
}
END_TEST

START_TEST(test_suffixes_are_binary_k_and_m_either_case_and_a_trailing_b)
{
	ACCEPTS("64K", 65536);
	ACCEPTS("64k", 65536);
	ACCEPTS("10M", 10485760);
	ACCEPTS("10m", 10485760);
	ACCEPTS("64KB", 65536);
	ACCEPTS("10mB", 10485760);
	ACCEPTS("12B", 12);
	ACCEPTS("0x10K", 16384);
	/* in hex, B is a digit */
	ACCEPTS("0x1B", 27);
	ACCEPTS("0x1KB", 1024);
	REFUSES("1G", -EINVAL);
	REFUSES("1KK", -EINVAL);
	REFUSES("1Kb", -EINVAL);
	REFUSES("1BK", -EINVAL);
	REFUSES("K", -EINVAL);
}
END_TEST

START_TEST(test_signs_blanks_and_words_are_refused)
{
	REFUSES("", -EINVAL);
	REFUSES("-1", -EINVAL);
	REFUSES(" -1", -EINVAL);
	REFUSES("+5", -EINVAL);
	REFUSES(" 5", -EINVAL);
	REFUSES("5 ", -EINVAL);
	REFUSES("five", -EINVAL);
	REFUSES("nan", -EINVAL);
	REFUSES("inf", -EINVAL);
}
END_TEST

START_TEST(test_counts_must_fit_64_bits_once_scaled)
{
	ACCEPTS("18446744073709551615", UINT64_MAX);
	ACCEPTS("0xffffffffffffffff", UINT64_MAX);
	REFUSES("18446744073709551616", -ERANGE);
	REFUSES("99999999999999999999", -ERANGE);
	REFUSES("0x10000000000000000", -ERANGE);
	ACCEPTS("18014398509481983K", 18014398509481983ull << 10);
	REFUSES("18014398509481984K", -ERANGE);
	REFUSES("18446744073709551615K", -ERANGE);
	ACCEPTS("17592186044415M", 17592186044415ull << 20);
	REFUSES("17592186044416M", -ERANGE);
	/* garbage is garbage before it is too large */
	REFUSES("99999999999999999999G", -EINVAL);
}
END_TEST

START_TEST(test_only_the_given_bytes_are_read)
{
	uint64_t v = 42;
	ck_assert_int_eq(count_parse("100-200", 3, &v), 0);
	ck_assert_uint_eq(v, 100);
	ck_assert_int_eq(count_parse("64K", 2, &v), 0);
	ck_assert_uint_eq(v, 64);
}
END_TEST


static Suite *byte_count_suite(void)
{
	Suite *s = suite_create("byte_count");
	TCase *tc = tcase_create("grammar");
	tcase_add_test(tc, test_counts_are_decimal_or_hex);
	tcase_add_test(tc, test_suffixes_are_binary_k_and_m_either_case_and_a_trailing_b);
	tcase_add_test(tc, test_signs_blanks_and_words_are_refused);
	tcase_add_test(tc, test_counts_must_fit_64_bits_once_scaled);
	tcase_add_test(tc, test_only_the_given_bytes_are_read);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(byte_count_suite());
}
