/* test_rule_rate.c: a rate rule's bottleneck, through the matcher as synfin-faultd and the
 * simulated wire use it, under a clock the test moves by hand: each segment waits its
 * serialisation time behind the others, and those that find the queue full are dropped. */
#include <check.h>
#include <stdint.h>

#include "rules/rule.h"
#include "test_support.h"

#define MS 1000ull
#define CLIENT 0xc0a8016cu
#define SERVER 0xc0a8016du

static struct ruleset RS;
static struct matcher *M;

static void use(const char *rules)
{
	struct rule_error err;
	int rc = ruleset_parse_string(&RS, "rate.rules", rules, &err);
	if (rc)
		rule_error_print(stderr, &err);
	ck_assert_int_eq(rc, 0);
	M = matcher_new(&RS, CLIENT, 1);
	ck_assert_ptr_nonnull(M);
}

static void teardown(void)
{
	matcher_free(M);
	M = NULL;
	ruleset_free(&RS);
}

/* A data segment of ip_len bytes on the wire (IP header included). */
static struct verdict send_at(uint32_t from, uint16_t ip_len, uint64_t at)
{
	struct segment s = {.saddr = from,
	                    .daddr = from == CLIENT ? SERVER : CLIENT,
	                    .sport = from == CLIENT ? 40000 : 80,
	                    .dport = from == CLIENT ? 80 : 40000,
	                    .flags = TCPF_ACK,
	                    .ip_len = ip_len,
	                    .payload_len = (uint16_t)(ip_len - 52)};
	struct verdict v;
	matcher_decide(M, &s, at, &v);
	return v;
}

static void expect_wait(struct verdict v, uint32_t wait_us)
{
	ck_assert_int_eq(v.action, RULE_DELAY);
	ck_assert_uint_eq(v.delay_us, wait_us);
	ck_assert(!v.queue_full);
	ck_assert_ptr_eq(v.rule, &RS.rules[0]);
}

static void expect_queue_full(struct verdict v)
{
	ck_assert_int_eq(v.action, RULE_DROP);
	ck_assert(v.queue_full);
	ck_assert_ptr_eq(v.rule, &RS.rules[0]);
}

START_TEST(test_rate_1mbit_spaces_1500_byte_packets_12ms_apart)
{
	use("rate 1mbit\n");
	/* 1500 bytes are 12000 bits: 12 ms at 1 Mbit/s, each behind the one before */
	for (uint32_t k = 1; k <= 5; k++)
		expect_wait(send_at(CLIENT, 1500, 0), k * 12000);
	/* a packet that comes while the fifth is sent waits for the rest of it */
	expect_wait(send_at(CLIENT, 1500, 55 * MS), 60 * MS - 55 * MS + 12000);
	/* an idle link: its own serialisation only; 52 bytes, 416 us */
	expect_wait(send_at(CLIENT, 52, 200 * MS), 416);
	ck_assert_uint_eq(RS.rules[0].hits, 7);
}
END_TEST

START_TEST(test_rate_rounds_a_serialisation_up_to_the_microsecond)
{
	use("rate 3mbit\n");
	expect_wait(send_at(CLIENT, 100, 0), 267); /* 800 bits / 3 Mbit/s = 266.7 us */
}
END_TEST

START_TEST(test_rate_queue_3_keeps_3_of_a_burst_of_10_and_drops_7)
{
	use("rate 1mbit queue 3\n");
	unsigned kept = 0, dropped = 0;
	for (unsigned k = 0; k < 10; k++) {
		struct verdict v = send_at(CLIENT, 1500, 0);
		if (v.action == RULE_DELAY) {
			expect_wait(v, ++kept * 12000);
		} else {
			expect_queue_full(v);
			dropped++;
		}
	}
	ck_assert_uint_eq(kept, 3);
	ck_assert_uint_eq(dropped, 7);
	/* one microsecond before the first has left, the queue is still full; at 12 ms it has
	 * room for one, which waits for the two ahead of it */
	expect_queue_full(send_at(CLIENT, 1500, 12 * MS - 1));
	expect_wait(send_at(CLIENT, 1500, 12 * MS), 36 * MS);
	expect_queue_full(send_at(CLIENT, 1500, 12 * MS));
	ck_assert_uint_eq(RS.rules[0].hits, 13);
}
END_TEST

START_TEST(test_rate_queue_of_30ms_takes_what_starts_within_30ms)
{
	use("rate 1mbit queue 30ms\n");
	expect_wait(send_at(CLIENT, 1500, 0), 12 * MS);      /* starts at once */
	expect_wait(send_at(CLIENT, 1500, 0), 24 * MS);      /* starts after 12 ms */
	expect_wait(send_at(CLIENT, 1500, 0), 36 * MS);      /* after 24 ms */
	expect_queue_full(send_at(CLIENT, 1500, 0));         /* it would start after 36 ms */
	expect_wait(send_at(CLIENT, 1500, 6 * MS), 42 * MS); /* 30 ms ahead of it now */
}
END_TEST

START_TEST(test_rate_each_direction_has_its_own_link)
{
	use("rate 1mbit queue 1\n");
	expect_wait(send_at(CLIENT, 1500, 0), 12 * MS);
	expect_wait(send_at(SERVER, 1500, 0), 12 * MS);
	expect_queue_full(send_at(CLIENT, 1500, 0));
	expect_queue_full(send_at(SERVER, 1500, 0));
}
END_TEST

START_TEST(test_rate_rules_have_links_of_their_own_and_a_reload_empties_them)
{
	use("rate 1mbit queue 1 len >1000\nrate 1mbit queue 1\n");
	expect_wait(send_at(CLIENT, 1500, 0), 12 * MS);
	struct verdict v = send_at(CLIENT, 100, 0); /* the second rule's link is empty */
	ck_assert_int_eq(v.action, RULE_DELAY);
	ck_assert_uint_eq(v.delay_us, 800);
	ck_assert_ptr_eq(v.rule, &RS.rules[1]);
	expect_queue_full(send_at(CLIENT, 1500, 0));
	matcher_set_rules(M, &RS);
	expect_wait(send_at(CLIENT, 1500, 0), 12 * MS);
}
END_TEST

static Suite *rate_suite(void)
{
	Suite *s = suite_create("rule_rate");
	TCase *tc = tcase_create("bottleneck");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_rate_1mbit_spaces_1500_byte_packets_12ms_apart);
	tcase_add_test(tc, test_rate_rounds_a_serialisation_up_to_the_microsecond);
	tcase_add_test(tc, test_rate_queue_3_keeps_3_of_a_burst_of_10_and_drops_7);
	tcase_add_test(tc, test_rate_queue_of_30ms_takes_what_starts_within_30ms);
	tcase_add_test(tc, test_rate_each_direction_has_its_own_link);
	tcase_add_test(tc, test_rate_rules_have_links_of_their_own_and_a_reload_empties_them);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(rate_suite());
}
