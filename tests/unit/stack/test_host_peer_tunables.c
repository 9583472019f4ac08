/* test_host_peer_tunables.c: synfin-peer's --set NAME=VALUE onto struct stack_tunables, and the
 * duration parser of its command line (the grammars themselves: tests/unit/common). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "peer_tunables.h"
#include "stack.h"
#include "test_support.h"

static struct stack_tunables defaults(void)
{
	struct stack_tunables t;
	stack_tunables_default(&t);
	return t;
}

/* Field by field: padding bytes are not part of the value. */
static bool tunables_equal(const struct stack_tunables *a, const struct stack_tunables *b)
{
	return a->syn_retries == b->syn_retries && a->synack_retries == b->synack_retries &&
	       a->syn_linear_timeouts == b->syn_linear_timeouts && a->retries2 == b->retries2 &&
	       a->rto_initial == b->rto_initial && a->rto_min == b->rto_min &&
	       a->rto_max == b->rto_max && a->delack_min == b->delack_min &&
	       a->delack_max == b->delack_max && a->quickack == b->quickack &&
	       a->time_wait == b->time_wait && a->fin_timeout == b->fin_timeout &&
	       a->nodelay == b->nodelay && a->mss == b->mss && a->rcvbuf == b->rcvbuf &&
	       a->sndbuf == b->sndbuf && a->challenge_ack_limit == b->challenge_ack_limit &&
	       a->ttl == b->ttl && a->rcvbuf_max == b->rcvbuf_max &&
	       a->sndbuf_max == b->sndbuf_max && a->window_scaling == b->window_scaling &&
	       a->timestamps == b->timestamps && a->sack == b->sack && a->dsack == b->dsack &&
	       a->recovery == b->recovery && a->early_retrans == b->early_retrans &&
	       a->initcwnd == b->initcwnd && a->congestion_control == b->congestion_control &&
	       a->keepalive == b->keepalive && a->keepalive_time == b->keepalive_time &&
	       a->keepalive_intvl == b->keepalive_intvl &&
	       a->keepalive_probes == b->keepalive_probes;
}

/* Set one tunable and check that nothing else in the struct changed. */
static struct stack_tunables set_one(const char *assign)
{
	struct stack_tunables t = defaults();
	char why[256] = "";
	int rc = peer_set_tunable(&t, assign, why, sizeof(why));
	ck_assert_msg(rc == 0, "%s: %d (%s)", assign, rc, why);
	return t;
}

#define CHECK_ONLY_FIELD(assign, field, value)                                                     \
	do {                                                                                       \
		struct stack_tunables got = set_one(assign);                                       \
		struct stack_tunables want = defaults();                                           \
		want.field = (value);                                                              \
		ck_assert_msg(got.field == want.field, "%s: " #field " is %llu, not %llu", assign, \
		              (unsigned long long)got.field, (unsigned long long)want.field);      \
		ck_assert_msg(tunables_equal(&got, &want), "%s changed more than " #field,         \
		              assign);                                                             \
	} while (0)

START_TEST(test_every_name_sets_its_own_field)
{
	CHECK_ONLY_FIELD("syn_retries=7", syn_retries, 7u);
	CHECK_ONLY_FIELD("synack_retries=2", synack_retries, 2u);
	CHECK_ONLY_FIELD("syn_linear_timeouts=4", syn_linear_timeouts, 4u);
	CHECK_ONLY_FIELD("retries2=3", retries2, 3u);
	CHECK_ONLY_FIELD("rto_initial=100ms", rto_initial, 100000u);
	CHECK_ONLY_FIELD("rto_min=5ms", rto_min, 5000u);
	CHECK_ONLY_FIELD("rto_max=10s", rto_max, 10000000u);
	CHECK_ONLY_FIELD("delack_min=10ms", delack_min, 10000u);
	CHECK_ONLY_FIELD("delack_max=500ms", delack_max, 500000u);
	CHECK_ONLY_FIELD("quickack=0", quickack, 0u);
	CHECK_ONLY_FIELD("time_wait=2s", time_wait, 2000000u);
	CHECK_ONLY_FIELD("fin_timeout=1m", fin_timeout, 60000000u);
	CHECK_ONLY_FIELD("nodelay=1", nodelay, true);
	CHECK_ONLY_FIELD("mss=536", mss, 536u);
	CHECK_ONLY_FIELD("rcvbuf=32K", rcvbuf, 32768u);
	CHECK_ONLY_FIELD("sndbuf=1M", sndbuf, 1048576u);
	CHECK_ONLY_FIELD("challenge_ack_limit=0x64", challenge_ack_limit, 100u);
	CHECK_ONLY_FIELD("ttl=3", ttl, 3u);
	CHECK_ONLY_FIELD("rcvbuf_max=64K", rcvbuf_max, 65536u);
	CHECK_ONLY_FIELD("sndbuf_max=8M", sndbuf_max, 8388608u);
	CHECK_ONLY_FIELD("window_scaling=0", window_scaling, false);
	CHECK_ONLY_FIELD("timestamps=off", timestamps, false);
	CHECK_ONLY_FIELD("sack=0", sack, false);
	CHECK_ONLY_FIELD("dsack=false", dsack, false);
	CHECK_ONLY_FIELD("recovery=0", recovery, 0u);
	CHECK_ONLY_FIELD("early_retrans=0", early_retrans, 0u);
	CHECK_ONLY_FIELD("initcwnd=10", initcwnd, 10u);
	CHECK_ONLY_FIELD("congestion_control=cubic", congestion_control, TCP_CC_CUBIC);
	CHECK_ONLY_FIELD("keepalive=1", keepalive, true);
	CHECK_ONLY_FIELD("keepalive_time=10s", keepalive_time, 10000000u);
	CHECK_ONLY_FIELD("keepalive_intvl=1s", keepalive_intvl, 1000000u);
	CHECK_ONLY_FIELD("keepalive_probes=3", keepalive_probes, 3u);
}
END_TEST

START_TEST(test_help_lists_every_name)
{
	char help[2048];
	peer_tunables_help(help, sizeof(help));
	const char *names[] = {"syn_retries",
	                       "synack_retries",
	                       "syn_linear_timeouts",
	                       "retries2",
	                       "rto_initial",
	                       "rto_min",
	                       "rto_max",
	                       "delack_min",
	                       "delack_max",
	                       "quickack",
	                       "time_wait",
	                       "fin_timeout",
	                       "nodelay",
	                       "mss",
	                       "rcvbuf",
	                       "sndbuf",
	                       "challenge_ack_limit",
	                       "ttl",
	                       "rcvbuf_max",
	                       "sndbuf_max",
	                       "window_scaling",
	                       "timestamps",
	                       "sack",
	                       "dsack",
	                       "recovery",
	                       "early_retrans",
	                       "initcwnd",
	                       "congestion_control",
	                       "keepalive",
	                       "keepalive_time",
	                       "keepalive_intvl",
	                       "keepalive_probes",
	                       "comp_sack_nr",
	                       "stretch_ack_segs",
	                       "comp_sack_delay"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		/* as a word, not inside another name ("sack" in "comp_sack_nr") */
		size_t len = strlen(names[i]);
		const char *at = help;
		while ((at = strstr(at, names[i])) != NULL) {
			bool starts = at == help || at[-1] == ' ' || at[-1] == '\n';
			bool ends =
			    at[len] == ' ' || at[len] == '\n' || at[len] == '\0' || at[len] == ',';
			if (starts && ends)
				break;
			at += len;
		}
		ck_assert_msg(at != NULL, "--help does not list %s", names[i]);
	}
	/* wrapped: no line wider than the help text's 92 columns */
	for (const char *line = help; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		ck_assert_uint_le(len, 92);
		line = nl ? nl + 1 : line + len;
	}
}
END_TEST

START_TEST(test_booleans_take_words_and_digits)
{
	ck_assert(set_one("nodelay=true").nodelay);
	ck_assert(set_one("nodelay=on").nodelay);
	struct stack_tunables t = defaults();
	char why[256];
	t.nodelay = true;
	ck_assert_int_eq(peer_set_tunable(&t, "nodelay=off", why, sizeof(why)), 0);
	ck_assert(!t.nodelay);
	t.nodelay = true;
	ck_assert_int_eq(peer_set_tunable(&t, "nodelay=false", why, sizeof(why)), 0);
	ck_assert(!t.nodelay);
	t.nodelay = true;
	ck_assert_int_eq(peer_set_tunable(&t, "nodelay=0", why, sizeof(why)), 0);
	ck_assert(!t.nodelay);
}
END_TEST

START_TEST(test_congestion_control_takes_a_name)
{
	struct stack_tunables t = defaults();
	char why[256];
	ck_assert_int_eq(peer_set_tunable(&t, "congestion_control=cubic", why, sizeof(why)), 0);
	ck_assert_int_eq(peer_set_tunable(&t, "congestion_control=reno", why, sizeof(why)), 0);
	ck_assert_int_eq(t.congestion_control, TCP_CC_RENO);
	ck_assert_int_eq(peer_set_tunable(&t, "congestion_control=bbr", why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "--set congestion_control: 'bbr' is not reno or cubic");
	ck_assert_int_eq(t.congestion_control, TCP_CC_RENO);
}
END_TEST

START_TEST(test_durations_take_every_unit)
{
	uint64_t us;
	ck_assert_int_eq(peer_parse_duration("250us", &us), 0);
	ck_assert_uint_eq(us, 250);
	ck_assert_int_eq(peer_parse_duration("300ms", &us), 0);
	ck_assert_uint_eq(us, 300000);
	ck_assert_int_eq(peer_parse_duration("1s", &us), 0);
	ck_assert_uint_eq(us, 1000000);
	ck_assert_int_eq(peer_parse_duration("1.5s", &us), 0);
	ck_assert_uint_eq(us, 1500000);
	ck_assert_int_eq(peer_parse_duration("0.0015ms", &us), 0);
	ck_assert_uint_eq(us, 2); /* rounded to the nearest microsecond */
	ck_assert_int_eq(peer_parse_duration("2m", &us), 0);
	ck_assert_uint_eq(us, 120000000);
	ck_assert_int_eq(peer_parse_duration("2min", &us), 0);
	ck_assert_uint_eq(us, 120000000);
	ck_assert_int_eq(peer_parse_duration("0", &us), 0);
	ck_assert_uint_eq(us, 0);
	ck_assert_int_eq(peer_parse_duration("0ms", &us), 0);
	ck_assert_uint_eq(us, 0);
}
END_TEST

START_TEST(test_durations_without_a_unit_or_out_of_range_are_refused)
{
	uint64_t us = 42;
	/* a bare number other than 0 could be seconds or milliseconds */
	ck_assert_int_eq(peer_parse_duration("200", &us), -EINVAL);
	ck_assert_int_eq(peer_parse_duration("", &us), -EINVAL);
	ck_assert_int_eq(peer_parse_duration("ms", &us), -EINVAL);
	ck_assert_int_eq(peer_parse_duration("5 ms", &us), -EINVAL);
	ck_assert_int_eq(peer_parse_duration("5h", &us), -EINVAL);
	ck_assert_int_eq(peer_parse_duration("5msx", &us), -EINVAL);
	ck_assert_int_eq(peer_parse_duration("-1ms", &us), -EINVAL);
	ck_assert_int_eq(peer_parse_duration("1e20s", &us), -ERANGE);
	ck_assert_int_eq(peer_parse_duration("infs", &us), -EINVAL);
	ck_assert_int_eq(peer_parse_duration("nanms", &us), -EINVAL);
	ck_assert_int_eq(peer_parse_duration("-nans", &us), -EINVAL);
	ck_assert_uint_eq(us, 42); /* untouched on error */
}
END_TEST

/* The one duration grammar (common/duration.h): zero in any spelling needs no unit, and the
 * only cap is what 64 bits hold (the command line used to refuse a number past 1e9 before its
 * unit, as in "1e10us"). */
START_TEST(test_durations_take_zero_in_any_spelling_and_whatever_fits_64_bits)
{
	uint64_t us = 42;
	ck_assert_int_eq(peer_parse_duration("0.0", &us), 0);
	ck_assert_uint_eq(us, 0);
	us = 42;
	ck_assert_int_eq(peer_parse_duration("00", &us), 0);
	ck_assert_uint_eq(us, 0);
	ck_assert_int_eq(peer_parse_duration("1e9us", &us), 0);
	ck_assert_uint_eq(us, 1000000000u);
	ck_assert_int_eq(peer_parse_duration("1e9min", &us), 0);
	ck_assert_uint_eq(us, 60000000000000000u);
	ck_assert_int_eq(peer_parse_duration("1000000001us", &us), 0);
	ck_assert_uint_eq(us, 1000000001u);
	ck_assert_int_eq(peer_parse_duration("1e10us", &us), 0);
	ck_assert_uint_eq(us, 10000000000u);
	ck_assert_int_eq(peer_parse_duration("18446744073709551616us", &us), -ERANGE);
	ck_assert_uint_eq(us, 10000000000u);
}
END_TEST

static void check_refused(const char *assign, const char *says)
{
	struct stack_tunables t = defaults(), before = defaults();
	char why[256] = "";
	ck_assert_int_eq(peer_set_tunable(&t, assign, why, sizeof(why)), -EINVAL);
	ck_assert_msg(strstr(why, says) != NULL, "%s: message '%s' lacks '%s'", assign, why, says);
	ck_assert_msg(tunables_equal(&t, &before), "%s changed the tunables", assign);
}

START_TEST(test_unknown_names_and_missing_values_are_refused_clearly)
{
	check_refused("syn_retry=5", "--set: unknown tunable 'syn_retry' (see --help)");
	check_refused("SYN_RETRIES=5", "unknown tunable 'SYN_RETRIES'");
	/* a prefix of a name is not the name */
	check_refused("rto=1s", "unknown tunable 'rto'");
	check_refused("syn_retries", "--set syn_retries: expected NAME=VALUE");
	check_refused("=5", "unknown tunable ''");
}
END_TEST

START_TEST(test_bad_values_are_refused_with_the_expected_form)
{
	check_refused("rto_initial=100", "--set rto_initial: '100' is not a duration (e.g. 200ms");
	check_refused("rto_min=", "--set rto_min: '' is not a duration");
	check_refused("nodelay=yes", "--set nodelay: 'yes' is not 0/1/true/false");
	check_refused("syn_retries=-1", "--set syn_retries: '-1' is not a number in 0..4294967295");
	check_refused("syn_retries=five", "'five' is not a number");
	check_refused("ttl=256", "--set ttl: '256' is not a number in 0..255");
	check_refused("mss=65536", "--set mss: '65536' is not a number in 0..65535");
	check_refused("rcvbuf=4294967296", "--set rcvbuf: '4294967296' is not a number in "
	                                   "0..4294967295");
	check_refused("quickack=4294967296", "0..4294967295");
}
END_TEST

START_TEST(test_largest_values_of_each_width_are_accepted)
{
	CHECK_ONLY_FIELD("ttl=255", ttl, 255u);
	CHECK_ONLY_FIELD("mss=65535", mss, 65535u);
	CHECK_ONLY_FIELD("sndbuf=4294967295", sndbuf, 4294967295u);
	CHECK_ONLY_FIELD("syn_retries=4294967295", syn_retries, 4294967295u);
}
END_TEST

START_TEST(test_later_settings_override_earlier_ones)
{
	struct stack_tunables t = defaults();
	char why[256];
	ck_assert_int_eq(peer_set_tunable(&t, "rto_initial=1s", why, sizeof(why)), 0);
	ck_assert_int_eq(peer_set_tunable(&t, "rto_initial=250ms", why, sizeof(why)), 0);
	ck_assert_int_eq(peer_set_tunable(&t, "syn_retries=1", why, sizeof(why)), 0);
	ck_assert_uint_eq(t.rto_initial, 250000);
	ck_assert_uint_eq(t.syn_retries, 1);
}
END_TEST

static Suite *peer_tunables_suite(void)
{
	Suite *s = suite_create("host_peer_tunables");
	TCase *tc = tcase_create("set");
	tcase_add_test(tc, test_every_name_sets_its_own_field);
	tcase_add_test(tc, test_help_lists_every_name);
	tcase_add_test(tc, test_booleans_take_words_and_digits);
	tcase_add_test(tc, test_largest_values_of_each_width_are_accepted);
	tcase_add_test(tc, test_later_settings_override_earlier_ones);
	tcase_add_test(tc, test_unknown_names_and_missing_values_are_refused_clearly);
	tcase_add_test(tc, test_bad_values_are_refused_with_the_expected_form);
	suite_add_tcase(s, tc);
	tc = tcase_create("numbers");
	tcase_add_test(tc, test_congestion_control_takes_a_name);
	tcase_add_test(tc, test_durations_take_every_unit);
	tcase_add_test(tc, test_durations_without_a_unit_or_out_of_range_are_refused);
	tcase_add_test(tc, test_durations_take_zero_in_any_spelling_and_whatever_fits_64_bits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(peer_tunables_suite());
}
