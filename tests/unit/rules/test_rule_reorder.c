/* test_rule_reorder.c: when a segment held by "reorder N" goes (rules/rule_reorder.h), under a
 * clock the test moves by hand. */
#include <check.h>
#include <errno.h>
#include <stdint.h>

#include "rules/rule_reorder.h"
#include "test_support.h"

#define MS 1000ull
#define CLIENT 0xc0a8016cu
#define SERVER 0xc0a8016du

static struct reorder_book B;
static struct ruleset RS;

static void setup(void)
{
	reorder_book_init(&B);
}

static void teardown(void)
{
	reorder_book_free(&B);
	ruleset_free(&RS);
}

static struct segment seg(uint32_t from, uint16_t sport, uint32_t seq)
{
	return (struct segment){.saddr = from,
	                        .daddr = from == CLIENT ? SERVER : CLIENT,
	                        .sport = sport,
	                        .dport = from == CLIENT ? 80 : 40000,
	                        .seq = seq,
	                        .flags = TCPF_ACK,
	                        .payload_len = 100};
}

static struct verdict verdict_of(const char *rule)
{
	struct rule_error err;
	ruleset_free(&RS);
	ck_assert_int_eq(ruleset_parse_string(&RS, "t.rules", rule, &err), 0);
	return (struct verdict){.action = RULE_REORDER, .rule = &RS.rules[0]};
}

static void hold(const struct verdict *v, struct segment s, uint64_t at, void *handle)
{
	ck_assert_int_eq(reorder_hold(&B, &s, v, at, handle), 0);
}

static void nothing_due(uint64_t at)
{
	struct reorder_release rel;
	ck_assert_int_eq(reorder_take_due(&B, at, &rel), -EAGAIN);
}

static void due(uint64_t at, void *handle, enum reorder_why why)
{
	struct reorder_release rel;
	ck_assert_int_eq(reorder_take_due(&B, at, &rel), 0);
	ck_assert_ptr_eq(rel.handle, handle);
	ck_assert_int_eq(rel.why, why);
}

START_TEST(test_reorder_3_goes_right_after_the_third_segment_and_not_before)
{
	struct verdict v = verdict_of("reorder 3 from client");
	int h;
	hold(&v, seg(CLIENT, 40000, 1), 1000 * MS, &h);
	for (uint32_t k = 1; k <= 2; k++) {
		struct segment s = seg(CLIENT, 40000, 1 + 100 * k);
		reorder_passed(&B, &s, 1000 * MS + k);
		nothing_due(1000 * MS + k);
	}
	struct segment third = seg(CLIENT, 40000, 301);
	reorder_passed(&B, &third, 1000 * MS + 3);
	struct reorder_release rel;
	ck_assert_int_eq(reorder_take_due(&B, 1000 * MS + 3, &rel), 0);
	ck_assert_ptr_eq(rel.handle, &h);
	ck_assert_int_eq(rel.why, REORDER_AFTER_SEGMENTS);
	ck_assert_uint_eq(rel.after, 3);
	ck_assert_uint_eq(rel.held_at_us, 1000 * MS);
	ck_assert_uint_eq(reorder_book_len(&B), 0);
	ck_assert_uint_eq(reorder_next_deadline(&B), UINT64_MAX);
}
END_TEST

START_TEST(test_reorder_counts_only_its_own_direction_of_its_own_connection)
{
	struct verdict v = verdict_of("reorder 1");
	int h;
	hold(&v, seg(CLIENT, 40000, 1), 0, &h);
	struct segment back = seg(SERVER, 80, 1), other = seg(CLIENT, 40001, 1);
	back.dport = 40000;
	reorder_passed(&B, &back, 1 * MS);
	reorder_passed(&B, &other, 2 * MS);
	nothing_due(2 * MS);
	struct segment mine = seg(CLIENT, 40000, 101);
	reorder_passed(&B, &mine, 3 * MS);
	due(3 * MS, &h, REORDER_AFTER_SEGMENTS);
}
END_TEST

START_TEST(test_reorder_segments_let_go_together_go_in_the_order_they_were_held)
{
	struct verdict v1 = verdict_of("reorder 2");
	struct rule two = RS.rules[0];
	struct verdict v2 = {.action = RULE_REORDER, .rule = &two};
	two.reorder_after = 1;
	int first, second;
	hold(&v1, seg(CLIENT, 40000, 1), 0, &first);
	struct segment s = seg(CLIENT, 40000, 101);
	reorder_passed(&B, &s, 1);
	hold(&v2, seg(CLIENT, 40000, 201), 2, &second);
	s.seq = 301;
	reorder_passed(&B, &s, 3);
	due(3, &first, REORDER_AFTER_SEGMENTS);
	due(3, &second, REORDER_AFTER_SEGMENTS);
	nothing_due(3);
}
END_TEST

START_TEST(test_reorder_goes_after_200ms_quiet_and_a_passing_segment_restarts_it)
{
	struct verdict v = verdict_of("reorder 3");
	ck_assert_uint_eq(RS.rules[0].reorder_quiet_us, 200 * MS);
	int h;
	hold(&v, seg(CLIENT, 40000, 1), 1000 * MS, &h);
	ck_assert_uint_eq(reorder_next_deadline(&B), 1200 * MS);
	struct segment s = seg(CLIENT, 40000, 101);
	reorder_passed(&B, &s, 1150 * MS);
	ck_assert_uint_eq(reorder_next_deadline(&B), 1350 * MS);
	nothing_due(1350 * MS - 1);
	struct reorder_release rel;
	ck_assert_int_eq(reorder_take_due(&B, 1350 * MS, &rel), 0);
	ck_assert_ptr_eq(rel.handle, &h);
	ck_assert_int_eq(rel.why, REORDER_QUIET);
	ck_assert_uint_eq(rel.quiet_us, 200 * MS);
}
END_TEST

START_TEST(test_reorder_quiet_time_is_the_rules_and_equal_quiet_ends_keep_hold_order)
{
	struct verdict v = verdict_of("reorder 5 quiet 50ms");
	int a, b;
	hold(&v, seg(CLIENT, 40000, 1), 0, &a);
	hold(&v, seg(CLIENT, 40000, 101), 0, &b);
	nothing_due(50 * MS - 1);
	due(50 * MS, &a, REORDER_QUIET);
	due(50 * MS, &b, REORDER_QUIET);
}
END_TEST

START_TEST(test_reorder_take_any_gives_everything_held_at_exit_oldest_first)
{
	struct verdict v = verdict_of("reorder 1000");
	int a, b;
	hold(&v, seg(CLIENT, 40000, 1), 0, &a);
	hold(&v, seg(SERVER, 80, 1), 1, &b);
	struct reorder_release rel;
	ck_assert_int_eq(reorder_take_any(&B, &rel), 0);
	ck_assert_ptr_eq(rel.handle, &a);
	ck_assert_int_eq(rel.why, REORDER_AT_EXIT);
	ck_assert_int_eq(reorder_take_any(&B, &rel), 0);
	ck_assert_ptr_eq(rel.handle, &b);
	ck_assert_int_eq(reorder_take_any(&B, &rel), -ENOENT);
}
END_TEST

static Suite *reorder_suite(void)
{
	Suite *s = suite_create("rule_reorder");
	TCase *tc = tcase_create("book");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_reorder_3_goes_right_after_the_third_segment_and_not_before);
	tcase_add_test(tc, test_reorder_counts_only_its_own_direction_of_its_own_connection);
	tcase_add_test(tc, test_reorder_segments_let_go_together_go_in_the_order_they_were_held);
	tcase_add_test(tc, test_reorder_goes_after_200ms_quiet_and_a_passing_segment_restarts_it);
	tcase_add_test(tc,
	               test_reorder_quiet_time_is_the_rules_and_equal_quiet_ends_keep_hold_order);
	tcase_add_test(tc, test_reorder_take_any_gives_everything_held_at_exit_oldest_first);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(reorder_suite());
}
