/* test_rule_chance.c: a rule's drawn numbers: delay with jitter, and chance, each from the
 * seeded generator, the same for a seed and applied to their share (rule_match_fixture.h). */
#include "rule_match_fixture.h"
#include "rules/rule.h"
#include "test_support.h"
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_delay_without_jitter_is_exact)
{
	load("delay 300ms fin from server");
	for (int i = 0; i < 100; i++) {
		struct verdict v = decide(s2c(CPORT, FINACK, 0));
		ck_assert_int_eq(v.action, RULE_DELAY);
		ck_assert_uint_eq(v.delay_us, 300000);
	}
}
END_TEST

START_TEST(test_jitter_stays_within_delay_plus_minus_jitter)
{
	load("delay 50ms jitter 10ms");
	uint32_t lo = UINT32_MAX, hi = 0;
	uint64_t sum = 0;
	const int n = 20000;
	for (int i = 0; i < n; i++) {
		uint32_t d = decide(c2s(CPORT, ACK, 0)).delay_us;
		ck_assert_uint_ge(d, 40000);
		ck_assert_uint_le(d, 60000);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
		sum += d;
	}
	/* uniform: both ends are reached closely and the mean sits in the middle */
	ck_assert_uint_lt(lo, 40100);
	ck_assert_uint_gt(hi, 59900);
	ck_assert_uint_ge(sum / n, 49800);
	ck_assert_uint_le(sum / n, 50200);
}
END_TEST

START_TEST(test_jitter_equal_to_delay_never_goes_below_zero)
{
	load("delay 3us jitter 3us");
	bool saw_zero = false, saw_six = false;
	for (int i = 0; i < 1000; i++) {
		uint32_t d = decide(c2s(CPORT, ACK, 0)).delay_us;
		ck_assert_uint_le(d, 6);
		saw_zero |= d == 0;
		saw_six |= d == 6;
	}
	ck_assert(saw_zero && saw_six);
}
END_TEST

static void delays(uint64_t seed, uint32_t *out, int n)
{
	load_seeded("delay 50ms jitter 10ms", seed);
	for (int i = 0; i < n; i++)
		out[i] = decide(c2s(CPORT, ACK, 0)).delay_us;
	teardown();
}

START_TEST(test_jitter_repeats_for_a_seed_and_differs_between_seeds)
{
	uint32_t a[64], b[64], c[64];
	delays(42, a, 64);
	delays(42, b, 64);
	delays(43, c, 64);
	ck_assert_mem_eq(a, b, sizeof(a));
	int same = 0;
	for (int i = 0; i < 64; i++)
		same += a[i] == c[i];
	ck_assert_int_lt(same, 8);
}
END_TEST

/* Rules decide n data segments of one connection; how many did rule 1 take? */
static unsigned taken_by_first_rule(const char *text, uint64_t seed, unsigned n)
{
	load_seeded(text, seed);
	unsigned taken = 0;
	for (unsigned i = 0; i < n; i++)
		taken += decide(c2s(CPORT, PSHACK, 1448)).rule == &rs.rules[0];
	ck_assert_uint_eq(rs.rules[0].hits, taken);
	teardown();
	return taken;
}

START_TEST(test_chance_applies_to_its_share_of_100000_segments)
{
	/* bounds are P +- 0.2% (1%), +- 0.1% (0.5%), +- 1% (50%) and +- 0.1% (99.9%): 4.5 to 10
	 * standard deviations of a binomial count over 100000, but a tenfold scaling error or a
	 * percent read as a fraction falls far out */
	static const struct {
		const char *text;
		uint64_t seed;
		unsigned lo, hi;
	} cases[] = {
	    {"drop len >0 chance 1%", 1, 800, 1200},
	    {"drop len >0 chance 1%", 2, 800, 1200},
	    {"drop len >0 chance 1%", 0xdeadbeef, 800, 1200},
	    {"drop chance 0.5%", 7, 400, 600},
	    {"delay 1ms chance 50%", 7, 49000, 51000},
	    {"pass chance 99.9%", 7, 99800, 100000},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned taken = taken_by_first_rule(cases[i].text, cases[i].seed, 100000);
		ck_assert_msg(taken >= cases[i].lo && taken <= cases[i].hi,
		              "'%s' seed %llu: %u of 100000", cases[i].text,
		              (unsigned long long)cases[i].seed, taken);
	}
	/* 99.9% still spares one now and then */
	ck_assert_uint_lt(taken_by_first_rule("drop chance 99.9%", 3, 100000), 100000);
}
END_TEST

START_TEST(test_chance_zero_never_applies_and_hundred_always_does)
{
	ck_assert_uint_eq(taken_by_first_rule("drop chance 0%", 5, 100000), 0);
	ck_assert_uint_eq(taken_by_first_rule("drop chance 100%", 5, 100000), 100000);
	/* one in a million: expected 0.1 of 100000 */
	ck_assert_uint_lt(taken_by_first_rule("drop chance 0.0001%\ndrop", 5, 100000), 5);
}
END_TEST

static void chance_pattern(uint64_t seed, bool *dropped, int n)
{
	load_seeded("drop len >0 chance 10%", seed);
	for (int i = 0; i < n; i++)
		dropped[i] = act(c2s(CPORT, PSHACK, 100)) == RULE_DROP;
	teardown();
}

START_TEST(test_chance_repeats_for_a_seed_and_differs_between_seeds)
{
	enum { N = 2000 };
	static bool a[N], b[N], c[N];
	chance_pattern(42, a, N);
	chance_pattern(42, b, N);
	chance_pattern(43, c, N);
	ck_assert_mem_eq(a, b, sizeof(a));
	int differ = 0, drops = 0;
	for (int i = 0; i < N; i++) {
		differ += a[i] != c[i];
		drops += a[i];
	}
	/* two independent 10% patterns differ in about 18% of places */
	ck_assert_int_gt(differ, N / 10);
	ck_assert_int_gt(drops, 0);
}
END_TEST

START_TEST(test_segment_spared_by_chance_falls_through_to_later_rules)
{
	load("drop chance 50%\ndelay 5ms");
	unsigned drops = 0, delays = 0;
	for (int i = 0; i < 10000; i++) {
		struct verdict v = decide(c2s(CPORT, ACK, 0));
		if (v.action == RULE_DROP) {
			ck_assert_ptr_eq(v.rule, &rs.rules[0]);
			drops++;
		} else {
			ck_assert_int_eq(v.action, RULE_DELAY);
			ck_assert_ptr_eq(v.rule, &rs.rules[1]);
			ck_assert_uint_eq(v.delay_us, 5000);
			delays++;
		}
	}
	ck_assert_uint_ge(drops, 4500);
	ck_assert_uint_ge(delays, 4500);
	ck_assert_uint_eq(rs.rules[0].hits, drops);
	ck_assert_uint_eq(rs.rules[1].hits, delays);
	teardown();
	/* with no rule below, a spared segment passes as one that no rule matched */
	load("drop chance 50%");
	bool spared = false;
	for (int i = 0; i < 100 && !spared; i++) {
		struct verdict v = decide(c2s(CPORT, ACK, 0));
		if (v.action == RULE_PASS) {
			ck_assert_ptr_null(v.rule);
			spared = true;
		}
	}
	ck_assert(spared);
}
END_TEST

START_TEST(test_chance_count_counts_matched_segments_whatever_the_draw)
{
	/* "first 2 chance 50%": occurrences 1 and 2 are each dropped with probability 1/2, the
	 * rest never, even on a connection whose first two were spared */
	load("drop [P.] first 2 chance 50%");
	unsigned dropped_early = 0, both_spared = 0;
	for (uint16_t p = 1000; p < 3000; p++) {
		bool d1 = act(c2s(p, PSHACK, 10)) == RULE_DROP;
		bool d2 = act(c2s(p, PSHACK, 10)) == RULE_DROP;
		ck_assert_int_eq(act(c2s(p, ACK, 0)), RULE_PASS); /* not counted */
		ck_assert_int_eq(act(s2c(p, PSHACK, 10)), RULE_PASS);
		ck_assert_int_eq(act(c2s(p, PSHACK, 10)), RULE_PASS);
		dropped_early += d1 + d2;
		both_spared += !d1 && !d2;
	}
	ck_assert_uint_ge(dropped_early, 1900);
	ck_assert_uint_le(dropped_early, 2100);
	ck_assert_uint_ge(both_spared, 400); /* about 500 of 2000 */
	ck_assert_uint_eq(rs.rules[0].hits, dropped_early);
	teardown();
	/* "nth 2 chance 100%" is exactly "nth 2" */
	load("drop [S] nth 2 chance 100%");
	for (int i = 1; i <= 5; i++)
		ck_assert_int_eq(act(c2s(CPORT, SYN, 0)), i == 2 ? RULE_DROP : RULE_PASS);
}
END_TEST

START_TEST(test_rule_below_a_chance_rule_counts_every_segment)
{
	/* rule 2's count sees each SYN, whether rule 1's draw took it or not: the third SYN of
	 * a connection is delayed whenever rule 1 spares it, never the first or second */
	load("drop [S] chance 50%\ndelay 1ms [S] nth 3");
	unsigned third_delayed = 0;
	for (uint16_t p = 1000; p < 2000; p++) {
		ck_assert_int_ne(act(c2s(p, SYN, 0)), RULE_DELAY);
		ck_assert_int_ne(act(c2s(p, SYN, 0)), RULE_DELAY);
		third_delayed += act(c2s(p, SYN, 0)) == RULE_DELAY;
		ck_assert_int_ne(act(c2s(p, SYN, 0)), RULE_DELAY);
	}
	ck_assert_uint_ge(third_delayed, 400);
	ck_assert_uint_le(third_delayed, 600);
	ck_assert_uint_eq(rs.rules[1].hits, third_delayed);
}
END_TEST

START_TEST(test_chance_draws_only_for_segments_the_rule_would_decide)
{
	/* Segments another rule takes, that do not match, or that the count excludes draw no
	 * number, so the data segments' fate is the same with or without them in between. */
	const char *text = "pass [S]\ndrop len >0 after 1 chance 30%";
	enum { N = 3000 };
	static bool alone[N], mixed[N];
	load_seeded(text, 9);
	act(c2s(CPORT, PSHACK, 100)); /* occurrence 1: excluded by "after 1" */
	for (int i = 0; i < N; i++)
		alone[i] = act(c2s(CPORT, PSHACK, 100)) == RULE_DROP;
	teardown();
	load_seeded(text, 9);
	for (int i = 0; i < 5; i++)
		act(c2s(CPORT, SYN, 0));
	act(c2s(CPORT, PSHACK, 100));
	for (int i = 0; i < N; i++) {
		act(c2s(CPORT, SYN, 0)); /* taken by the pass rule */
		act(s2c(CPORT, ACK, 0)); /* matches nothing */
		mixed[i] = act(c2s(CPORT, PSHACK, 100)) == RULE_DROP;
	}
	ck_assert_mem_eq(alone, mixed, sizeof(alone));
}
END_TEST

START_TEST(test_certain_chances_draw_no_number)
{
	/* jitter shares the generator; 0% and 100% leave its sequence untouched (the SYNs a
	 * 0% rule spares match nothing below it) */
	static const char *const texts[] = {
	    "drop [S]\ndelay 50ms jitter 10ms [.]",
	    "drop [S] chance 100%\ndelay 50ms jitter 10ms [.]",
	    "drop [S] chance 0%\ndelay 50ms jitter 10ms [.]",
	};
	uint32_t want[100];
	for (size_t t = 0; t < 3; t++) {
		load_seeded(texts[t], 77);
		for (int i = 0; i < 100; i++) {
			act(c2s(CPORT, SYN, 0));
			uint32_t d = decide(c2s(CPORT, ACK, 0)).delay_us;
			if (t == 0)
				want[i] = d;
			else
				ck_assert_msg(d == want[i], "'%s': delay %d is %u, not %u",
				              texts[t], i, d, want[i]);
		}
		teardown();
	}
}
END_TEST

START_TEST(test_chance_and_jitter_on_one_rule_both_hold)
{
	load("delay 50ms jitter 10ms chance 20%");
	unsigned delayed = 0;
	for (int i = 0; i < 10000; i++) {
		struct verdict v = decide(c2s(CPORT, ACK, 0));
		if (v.action == RULE_PASS)
			continue;
		ck_assert_uint_ge(v.delay_us, 40000);
		ck_assert_uint_le(v.delay_us, 60000);
		delayed++;
	}
	ck_assert_uint_ge(delayed, 1800);
	ck_assert_uint_le(delayed, 2200);
}
END_TEST

static Suite *rule_chance_suite(void)
{
	Suite *s = suite_create("rule_chance");
	TCase *tc = tcase_create("delay");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_delay_without_jitter_is_exact);
	tcase_add_test(tc, test_jitter_stays_within_delay_plus_minus_jitter);
	tcase_add_test(tc, test_jitter_equal_to_delay_never_goes_below_zero);
	tcase_add_test(tc, test_jitter_repeats_for_a_seed_and_differs_between_seeds);
	suite_add_tcase(s, tc);

	TCase *tc1 = tcase_create("chance");
	tcase_add_checked_fixture(tc1, NULL, teardown);
	tcase_add_test(tc1, test_chance_applies_to_its_share_of_100000_segments);
	tcase_add_test(tc1, test_chance_zero_never_applies_and_hundred_always_does);
	tcase_add_test(tc1, test_chance_repeats_for_a_seed_and_differs_between_seeds);
	tcase_add_test(tc1, test_segment_spared_by_chance_falls_through_to_later_rules);
	tcase_add_test(tc1, test_chance_count_counts_matched_segments_whatever_the_draw);
	tcase_add_test(tc1, test_rule_below_a_chance_rule_counts_every_segment);
	tcase_add_test(tc1, test_chance_draws_only_for_segments_the_rule_would_decide);
	tcase_add_test(tc1, test_certain_chances_draw_no_number);
	tcase_add_test(tc1, test_chance_and_jitter_on_one_rule_both_hold);
	suite_add_tcase(s, tc1);
	return s;
}

int main(void)
{
	return synfin_run_suite(rule_chance_suite());
}
