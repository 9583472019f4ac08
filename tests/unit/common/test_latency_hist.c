/* test_latency_hist.c: percentiles from the log-linear histogram against the exact order
 * statistic of the same samples: equal below 64 us, within one bucket (1/32) above, never
 * below the true value and never above the largest sample. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/latency_hist.h"
#include "test_support.h"

static struct latency_hist h;

static void setup(void)
{
	memset(&h, 0, sizeof(h));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The exact nearest-rank percentile of sorted v. */
static uint64_t exact(const uint64_t *v, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);
	return v[rank ? rank - 1 : 0];
}

START_TEST(test_empty_is_zero)
{
	ck_assert_uint_eq(latency_hist_percentile(&h, 50), 0);
	ck_assert_uint_eq(latency_hist_percentile(&h, 100), 0);
}
END_TEST

START_TEST(test_small_values_are_exact)
{
	for (uint64_t v = 0; v < 64; v++)
		latency_hist_add(&h, v); /* 64 samples, 0..63 */
	ck_assert_uint_eq(latency_hist_percentile(&h, 50), 31);
	ck_assert_uint_eq(latency_hist_percentile(&h, 99), 63);
	ck_assert_uint_eq(latency_hist_percentile(&h, 1), 0);
	ck_assert_uint_eq(latency_hist_percentile(&h, 100), 63);
}
END_TEST

START_TEST(test_large_values_within_one_bucket_and_max_exact)
{
	enum { N = 100000 };
	uint64_t *v = malloc(N * sizeof(*v));
	ck_assert_ptr_nonnull(v);
	uint64_t x = 88172645463325252u; /* xorshift: a spread over 0 .. 2^24 us */
	for (size_t i = 0; i < N; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		v[i] = (x >> 40) >> (x & 15);
		latency_hist_add(&h, v[i]);
	}
	qsort(v, N, sizeof(*v), cmp_u64);
	const double ps[] = {1, 10, 50, 90, 99, 99.9, 99.99};
	for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
		uint64_t want = exact(v, N, ps[k]);
		uint64_t got = latency_hist_percentile(&h, ps[k]);
		ck_assert_msg(got >= want, "p%g: %lu below the true %lu", ps[k], got, want);
		ck_assert_msg(got - want <= want / 32 + (want >= 64), "p%g: %lu vs true %lu", ps[k],
		              got, want);
	}
	ck_assert_uint_eq(latency_hist_percentile(&h, 100), v[N - 1]);
	ck_assert_uint_eq(h.n, N);
	free(v);
}
END_TEST

START_TEST(test_the_largest_values_have_buckets)
{
	latency_hist_add(&h, UINT64_MAX);
	latency_hist_add(&h, (uint64_t)1 << 63);
	latency_hist_add(&h, 64);
	ck_assert_uint_eq(latency_hist_percentile(&h, 100), UINT64_MAX);
	ck_assert_uint_eq(latency_hist_percentile(&h, 33), 65); /* 64's bucket: 64 and 65 */
	ck_assert_uint_ge(latency_hist_percentile(&h, 66), (uint64_t)1 << 63);
}
END_TEST

static Suite *latency_hist_suite(void)
{
	Suite *s = suite_create("latency_hist");
	TCase *tc = tcase_create("percentiles");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_empty_is_zero);
	tcase_add_test(tc, test_small_values_are_exact);
	tcase_add_test(tc, test_large_values_within_one_bucket_and_max_exact);
	tcase_add_test(tc, test_the_largest_values_have_buckets);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(latency_hist_suite());
}
