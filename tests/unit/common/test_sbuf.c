/* test_sbuf.c: the string builder's number formatting against printf's. */
#include <check.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/sbuf.h"
#include "test_support.h"

static void assert_formats_as_printf(uint64_t v)
{
	char want[32], tmp[20];
	snprintf(want, sizeof(want), "%" PRIu64, v);
	char *p = fmt_u64(tmp + sizeof(tmp), v);
	size_t n = (size_t)(tmp + sizeof(tmp) - p);
	ck_assert_msg(n == strlen(want) && memcmp(p, want, n) == 0, "%s formatted as %.*s", want,
	              (int)n, p);
	ck_assert_uint_eq(u64_digits(v), strlen(want));
	/* sb_uint writes in place when there is room, through a copy when there is not */
	char roomy[32], tight[8];
	struct sbuf b;
	sb_init_fixed(&b, roomy, sizeof(roomy));
	sb_uint(&b, v);
	ck_assert_str_eq(roomy, want);
	sb_init_fixed(&b, tight, sizeof(tight));
	sb_uint(&b, v);
	ck_assert_int_eq(strncmp(tight, want, sizeof(tight) - 1), 0);
	ck_assert_uint_eq(strlen(tight),
	                  strlen(want) < sizeof(tight) ? strlen(want) : sizeof(tight) - 1);
	ck_assert_int_eq(sb_len(&b), (int)strlen(want));
}

START_TEST(test_every_number_below_ten_thousand_and_each_digit_count_edge)
{
	for (uint64_t v = 0; v < 10000; v++)
		assert_formats_as_printf(v);
	for (uint64_t ten = 10; ten <= UINT64_MAX / 10; ten *= 10) {
		assert_formats_as_printf(ten - 1);
		assert_formats_as_printf(ten);
		assert_formats_as_printf(ten + 1);
	}
	assert_formats_as_printf(UINT32_MAX);
	assert_formats_as_printf(UINT64_MAX);
	assert_formats_as_printf(UINT64_MAX - 1);
}
END_TEST

START_TEST(test_random_numbers_of_every_width)
{
	uint64_t x = 0x9e3779b97f4a7c15u;
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
		assert_formats_as_printf(x >> (i % 64));
	}
}
END_TEST

START_TEST(test_sb_uint_cuts_as_snprintf_does_and_counts_what_it_would_write)
{
	char buf[8], want[8];
	volatile unsigned v = 1234567890u; /* not a constant: the truncation is the point */
	struct sbuf b;
	sb_init_fixed(&b, buf, sizeof(buf));
	sb_puts(&b, "ab");
	sb_uint(&b, v);
	int n = snprintf(want, sizeof(want), "ab%u", v);
	ck_assert_str_eq(buf, want);
	ck_assert_int_eq(sb_len(&b), n);
}
END_TEST

static Suite *sbuf_suite(void)
{
	Suite *s = suite_create("sbuf");
	TCase *tc = tcase_create("numbers");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_every_number_below_ten_thousand_and_each_digit_count_edge);
	tcase_add_test(tc, test_random_numbers_of_every_width);
	tcase_add_test(tc, test_sb_uint_cuts_as_snprintf_does_and_counts_what_it_would_write);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(sbuf_suite());
}
