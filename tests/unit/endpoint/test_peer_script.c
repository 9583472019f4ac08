/* test_peer_script.c: the endpoint behaviour-script parser, above all on scripts it must refuse
 * (cases found by tests/fuzz/fuzz_peer_script). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "endpoint/peer_script.h"
#include "test_support.h"

START_TEST(test_script_steps_and_arguments_are_read_in_order)
{
	struct peer_script ps;
	char err[256];
	ck_assert_int_eq(peer_script_parse(&ps,
	                                   "connect; send 10M; send-text \"a;b\"; sleep 1.5ms; "
	                                   "read 64KB; close",
	                                   err, sizeof(err)),
	                 0);
	ck_assert_uint_eq(ps.n_steps, 6);
	ck_assert_int_eq(ps.steps[0].op, PEER_CONNECT);
	ck_assert_int_eq(ps.steps[1].op, PEER_SEND);
	ck_assert_uint_eq(ps.steps[1].count, 10u << 20);
	ck_assert_int_eq(ps.steps[2].op, PEER_SEND_TEXT);
	ck_assert_str_eq(ps.steps[2].text, "a;b");
	ck_assert_int_eq(ps.steps[3].op, PEER_SLEEP);
	ck_assert_uint_eq(ps.steps[3].duration_us, 1500);
	ck_assert_int_eq(ps.steps[4].op, PEER_READ);
	ck_assert_uint_eq(ps.steps[4].count, 64u << 10);
	ck_assert_int_eq(ps.steps[5].op, PEER_CLOSE);
	peer_script_free(&ps);
}
END_TEST

/* A duration past 2^64 us used to be converted to uint64_t anyway: undefined behaviour
 * (UBSan: "1e+36 is outside the range of representable values"). */
START_TEST(test_sleep_too_long_for_64_bits_is_refused)
{
	struct peer_script ps;
	char err[256] = "";
	ck_assert_int_eq(peer_script_parse(&ps, "connect; sleep 1e30s", err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "'sleep' needs a duration"));
	ck_assert_uint_eq(ps.n_steps, 0);
	ck_assert_int_eq(peer_script_parse(&ps, "sleep infs", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(peer_script_parse(&ps, "sleep 18446744073709551616us", err, sizeof(err)),
	                 -EINVAL);
	/* the largest durations that fit still parse */
	ck_assert_int_eq(peer_script_parse(&ps, "sleep 1e12s", err, sizeof(err)), 0);
	ck_assert_uint_eq(ps.steps[0].duration_us, 1000000000000000000ull);
	peer_script_free(&ps);
}
END_TEST

START_TEST(test_sleep_nan_is_refused)
{
	struct peer_script ps;
	char err[256] = "";
	ck_assert_int_eq(peer_script_parse(&ps, "sleep nans", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(peer_script_parse(&ps, "sleep nanms", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(peer_script_parse(&ps, "sleep -nans", err, sizeof(err)), -EINVAL);
}
END_TEST

/* "send 99999999999999999M" used to wrap to a small count after the shift. */
START_TEST(test_byte_count_overflowing_with_its_suffix_is_refused)
{
	struct peer_script ps;
	char err[256] = "";
	ck_assert_int_eq(peer_script_parse(&ps, "send 99999999999999999M", err, sizeof(err)),
	                 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "'send' needs a byte count"));
	ck_assert_int_eq(peer_script_parse(&ps, "read 18014398509481984K", err, sizeof(err)),
	                 -EINVAL);
	/* 2^54 - 1 K is the largest K count: it fits */
	ck_assert_int_eq(peer_script_parse(&ps, "read 18014398509481983K", err, sizeof(err)), 0);
	ck_assert_uint_eq(ps.steps[0].count, 18014398509481983ull << 10);
	peer_script_free(&ps);
}
END_TEST

/* strtoull reads "-1" as 2^64 - 1: a negative count is not a count. */
START_TEST(test_negative_byte_count_is_refused)
{
	struct peer_script ps;
	char err[256] = "";
	ck_assert_int_eq(peer_script_parse(&ps, "send -1", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(peer_script_parse(&ps, "read -5K", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(peer_script_parse(&ps, "send +5", err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(test_keepalive_takes_idle_interval_and_count)
{
	struct peer_script ps;
	char err[256];
	ck_assert_int_eq(
	    peer_script_parse(&ps, "connect; keepalive 2s 500ms 3; read-eof", err, sizeof(err)), 0);
	ck_assert_uint_eq(ps.n_steps, 3);
	ck_assert_int_eq(ps.steps[1].op, PEER_KEEPALIVE);
	ck_assert_str_eq(peer_step_name(ps.steps[1].op), "keepalive");
	ck_assert_uint_eq(ps.steps[1].duration_us, 2000000);
	ck_assert_uint_eq(ps.steps[1].interval_us, 500000);
	ck_assert_uint_eq(ps.steps[1].count, 3);
	peer_script_free(&ps);
}
END_TEST

/* Each refusal names the argument by its position and says what would do. */
START_TEST(test_keepalive_bad_argument_is_named_by_position)
{
	static const struct {
		const char *script, *says;
	} cases[] = {
	    {"keepalive", "argument 1, IDLE, is missing"},
	    {"keepalive 1s", "argument 2, INTVL, is missing"},
	    {"keepalive 1s 1s", "argument 3, COUNT, is missing"},
	    {"keepalive 1 1s 3", "argument 1, IDLE, needs a duration"},
	    {"keepalive 0s 1s 3", "argument 1, IDLE, needs a duration"},
	    {"keepalive 1s x 3", "argument 2, INTVL, needs a duration"},
	    {"keepalive 1s 32768s 3", "argument 2, INTVL, needs a duration from 1us to 32767s"},
	    {"keepalive 1s 1s 0", "argument 3, COUNT, needs a number of probes from 1 to 127"},
	    {"keepalive 1s 1s 128", "argument 3, COUNT"},
	    {"keepalive 1s 1s 3s", "argument 3, COUNT"},
	    {"keepalive 1s 1s 3 4", "takes three arguments"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct peer_script ps;
		char err[256] = "";
		ck_assert_int_eq(peer_script_parse(&ps, cases[i].script, err, sizeof(err)),
		                 -EINVAL);
		ck_assert_msg(strstr(err, cases[i].says), "'%s': got '%s'", cases[i].script, err);
		ck_assert_uint_eq(ps.n_steps, 0);
	}
}
END_TEST

START_TEST(test_keepalive_in_parts_of_a_second_is_refused_for_whole_second_endpoints)
{
	struct peer_script ps;
	char err[256] = "";
	ck_assert_int_eq(peer_script_parse(&ps, "connect; keepalive 1s 1s 3", err, sizeof(err)), 0);
	ck_assert_int_eq(peer_script_check_whole_seconds(&ps, "Linux", err, sizeof(err)), 0);
	peer_script_free(&ps);
	ck_assert_int_eq(peer_script_parse(&ps, "connect; keepalive 2s 1500ms 3", err, sizeof(err)),
	                 0);
	ck_assert_int_eq(peer_script_check_whole_seconds(&ps, "Linux", err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "step 2, 'keepalive' INTVL: Linux counts keep-alive times in whole "
	                      "seconds (TCP_KEEPIDLE, TCP_KEEPINTVL): give e.g. 2s, not 1500000us");
	peer_script_free(&ps);
	ck_assert_int_eq(peer_script_parse(&ps, "keepalive 300ms 1s 3", err, sizeof(err)), 0);
	ck_assert_int_eq(peer_script_check_whole_seconds(&ps, "Linux", err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "IDLE"));
	ck_assert_ptr_nonnull(strstr(err, "give e.g. 1s, not 300000us"));
	peer_script_free(&ps);
}
END_TEST

START_TEST(test_error_message_fits_any_buffer)
{
	struct peer_script ps;
	char err[8];
	memset(err, 'x', sizeof(err));
	ck_assert_int_eq(peer_script_parse(&ps, "bogus-step-name", err, sizeof(err)), -EINVAL);
	ck_assert_uint_eq(strlen(err), sizeof(err) - 1);
	ck_assert_int_eq(peer_script_parse(&ps, " ; ;", err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(test_pattern_fill_is_the_pattern_at_every_offset_and_length)
{
	static uint8_t buf[2100];
	const size_t lens[] = {0, 1, 250, 251, 252, 502, 503, 1000, 2100};
	for (uint64_t off = 0; off < 600; off += 37) {
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			memset(buf, 0xee, sizeof(buf));
			peer_script_pattern_fill(buf, lens[l], off);
			for (size_t i = 0; i < lens[l]; i++)
				ck_assert_uint_eq(buf[i], peer_script_pattern_byte(off + i));
			if (lens[l] < sizeof(buf))
				ck_assert_uint_eq(buf[lens[l]], 0xee);
		}
	}
}
END_TEST

static Suite *peer_script_suite(void)
{
	Suite *s = suite_create("peer_script");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_script_steps_and_arguments_are_read_in_order);
	tcase_add_test(tc, test_sleep_too_long_for_64_bits_is_refused);
	tcase_add_test(tc, test_sleep_nan_is_refused);
	tcase_add_test(tc, test_byte_count_overflowing_with_its_suffix_is_refused);
	tcase_add_test(tc, test_negative_byte_count_is_refused);
	tcase_add_test(tc, test_pattern_fill_is_the_pattern_at_every_offset_and_length);
	tcase_add_test(tc, test_error_message_fits_any_buffer);
	tcase_add_test(tc, test_keepalive_takes_idle_interval_and_count);
	tcase_add_test(tc, test_keepalive_bad_argument_is_named_by_position);
	tcase_add_test(tc,
	               test_keepalive_in_parts_of_a_second_is_refused_for_whole_second_endpoints);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(peer_script_suite());
}
