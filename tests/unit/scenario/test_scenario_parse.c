/* The .scn language: what a scenario file says, per pairing, and how mistakes are reported. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pairings_fixture.h"
#include "scenario.h"
#include "test_support.h"
#include "wire/segment.h"

static const char *const seed_connect_close =
    "# the seed's 3.3.1\n"
    "about telnet to port 80, then quit\n"
    "client run connect; sleep 500ms; close\n"
    "server run accept; read-eof; close\n"
    "client exit ok\n"
    "server sees accepted eof closed\n"
    "c>s [S]  seq 0\n"
    "s>c [S.] seq 0 ack 1\n"
    "c>s [.]  ack 1\n"
    "fin1: c>s [F.] seq 1 ack 1 +500ms\n"
    "maybe s>c [.] ack 2     # delayed ACK may merge it into the FIN\n"
    "s>c [F.] seq 1 ack 2 +0..40ms after fin1\n"
    "c>s [.]  ack 2\n";

static struct scenario parse_ok(const char *text)
{
	struct scenario s;
	struct scn_error err;
	int r = scenario_parse_string(&s, "tests/scenarios/x.scn", text, &err);
	ck_assert_msg(r == 0, "%s:%u: %s", err.file, err.line, err.msg);
	return s;
}

static struct scn_error parse_fails(const char *text)
{
	struct scenario s;
	struct scn_error err;
	int r = scenario_parse_string(&s, "tests/scenarios/bad.scn", text, &err);
	ck_assert_int_eq(r, -EINVAL);
	return err;
}

START_TEST(test_seed_connect_close_reads_as_seven_segments_one_maybe)
{
	struct scenario s = parse_ok(seed_connect_close);
	ck_assert_str_eq(s.name, "x");
	ck_assert_str_eq(s.about, "telnet to port 80, then quit");
	ck_assert_uint_eq(s.n_segs, 7);
	ck_assert_uint_eq(s.segs[0].flags, TCPF_SYN);
	ck_assert(s.segs[0].has_seq && s.segs[0].seq == 0 && !s.segs[0].has_ack);
	ck_assert_uint_eq(s.segs[1].flags, TCPF_SYN | TCPF_ACK);
	ck_assert_int_eq(s.segs[1].dir, 1);
	ck_assert_str_eq(s.segs[3].label, "fin1");
	ck_assert_int_eq(s.segs[3].time.kind, SCN_T_AFTER);
	ck_assert_int_eq(s.segs[3].time.nominal_us, 500000);
	ck_assert(s.segs[4].maybe);
	ck_assert_uint_eq(s.segs[4].line, 11);
	ck_assert(s.segs[5].time.range);
	ck_assert_str_eq(s.segs[5].time.anchor, "fin1");
	ck_assert_int_eq(s.segs[5].time.max_us, 40000);
	ck_assert_uint_eq(s.pairs, scn_all_pairs());
	scenario_free(&s);
}
END_TEST

START_TEST(test_default_tolerance_is_packetdrills_max_4ms_or_an_eighth)
{
	struct scn_time t = {.kind = SCN_T_AFTER,
	                     .nominal_us = 1000000,
	                     .max_us = 1000000,
	                     .tol_us = -1,
	                     .tol_pct = -1};
	int64_t lo, hi;
	scn_time_window(&t, 1.0, &lo, &hi);
	ck_assert_int_eq(lo, 875000);
	ck_assert_int_eq(hi, 1125000);
	t.nominal_us = t.max_us = 10000;
	scn_time_window(&t, 1.0, &lo, &hi);
	ck_assert_int_eq(lo, 6000);
	ck_assert_int_eq(hi, 14000);
	t.tol_pct = 20;
	t.nominal_us = t.max_us = 1000000;
	scn_time_window(&t, 0.1, &lo, &hi);
	ck_assert_int_eq(lo, 80000);
	ck_assert_int_eq(hi, 120000);
}
END_TEST

START_TEST(test_times_tolerances_and_ranges_parse)
{
	struct scenario s = parse_ok("c>s [S] +1s~50ms\n"
	                             "c>s [S] +2s~20%\n"
	                             "c>s [S] at 63s\n"
	                             "s>c [.] +0..200ms\n");
	ck_assert_int_eq(s.segs[0].time.tol_us, 50000);
	ck_assert_int_eq(s.segs[1].time.tol_pct, 20);
	ck_assert_int_eq(s.segs[2].time.kind, SCN_T_AT);
	ck_assert_int_eq(s.segs[2].time.nominal_us, 63000000);
	ck_assert(s.segs[3].time.range);
	scenario_free(&s);
}
END_TEST

START_TEST(test_pairing_specs)
{
	ck_assert_uint_eq(scn_pairs_parse("linux-linux"), PAIR_BIT("linux-linux"));
	ck_assert_uint_eq(scn_pairs_parse("client=linux"), PAIR_BIT("linux-linux") |
	                                                       PAIR_BIT("linux-stack") |
	                                                       PAIR_BIT("linux-lwip"));
	ck_assert_uint_eq(scn_pairs_parse("*-stack"), PAIR_BIT("linux-stack") |
	                                                  PAIR_BIT("stack-stack") |
	                                                  PAIR_BIT("lwip-stack"));
	ck_assert_uint_eq(scn_pairs_parse("lwip-linux"), PAIR_BIT("lwip-linux"));
	ck_assert_uint_eq(scn_pairs_parse("server=lwip"),
	                  PAIR_BIT("linux-lwip") | PAIR_BIT("stack-lwip") | PAIR_BIT("lwip-lwip"));
	ck_assert_uint_eq(scn_pairs_parse("*-*"), scn_all_pairs());
	ck_assert_uint_eq(scn_pairs_parse("stack-linux,linux-stack"),
	                  PAIR_BIT("stack-linux") | PAIR_BIT("linux-stack"));
	ck_assert_uint_eq(scn_pairs_parse("all"), scn_all_pairs());
	ck_assert_uint_eq(scn_pairs_parse("linux"), 0);
	ck_assert_uint_eq(scn_pairs_parse("linux-linux,bogus"), 0);
	ck_assert_uint_eq(scn_pairs_parse("linux-"), 0);
}
END_TEST

START_TEST(test_impl_specs_name_every_pairing_with_that_end)
{
	ck_assert_uint_eq(scn_impl_pairs_parse("lwip"),
	                  PAIR_BIT("lwip-linux") | PAIR_BIT("linux-lwip") | PAIR_BIT("lwip-stack") |
	                      PAIR_BIT("stack-lwip") | PAIR_BIT("lwip-lwip"));
	ck_assert_uint_eq(scn_impl_pairs_parse("all"), scn_all_pairs());
	ck_assert_uint_eq(scn_impl_pairs_parse("stack,linux"),
	                  scn_all_pairs() & ~(PAIR_BIT("lwip-lwip")));
	ck_assert_uint_eq(scn_impl_pairs_parse("bsd"), 0);
	ck_assert_uint_eq(scn_impl_pairs_parse("*"), 0);
	ck_assert_str_eq(scn_pair_impl_name(pair_of("lwip-stack"), SCN_CLIENT), "lwip");
	ck_assert_str_eq(scn_pair_impl_name(pair_of("lwip-stack"), SCN_SERVER), "stack");
	ck_assert(!scn_pair_scales(pair_of("lwip-stack"), SCN_CLIENT));
	ck_assert(scn_pair_scales(pair_of("lwip-stack"), SCN_SERVER));
}
END_TEST

START_TEST(test_when_blocks_give_each_pairing_its_own_expectations)
{
	struct scenario s =
	    parse_ok("client sysctl tcp_syn_retries=5 tcp_syn_linear_timeouts=0\n"
	             "client set syn_retries=5\n"
	             "rule drop [S] from client\n"
	             "c>s [S] seq 0 dropped\n"
	             "when client=linux because Linux gives up later than stated\n"
	             "client exit ETIMEDOUT at 63s\n"
	             "end\n"
	             "when client=stack\n"
	             "client exit ETIMEDOUT +32s\n"
	             "c>s [S] seq 0 dropped +1s\n"
	             "end\n"
	             "skip stack-stack because the stack cannot be both ends yet\n");
	struct scn_case c;
	ck_assert_int_eq(scenario_resolve(&s, pair_of("linux-linux"), false, &c), 0);
	ck_assert(!c.skip);
	ck_assert_uint_eq(c.n_segs, 1);
	ck_assert_uint_eq(c.n_sysctls[SCN_CLIENT], 2);
	ck_assert_str_eq(c.sysctls[SCN_CLIENT][0], "net.ipv4.tcp_syn_retries=5");
	ck_assert_uint_eq(c.n_tunables[SCN_CLIENT], 0);
	ck_assert_int_eq(c.exit[SCN_CLIENT], SCN_OUT_ETIMEDOUT);
	ck_assert_int_eq(c.exit_time[SCN_CLIENT].kind, SCN_T_AT);
	ck_assert_int_eq(c.exit_time[SCN_CLIENT].nominal_us, 63000000);
	ck_assert_int_eq(c.exit[SCN_SERVER], SCN_OUT_UNSET);
	ck_assert_str_eq(c.script[SCN_CLIENT], "connect; close");
	scn_case_free(&c);

	ck_assert_int_eq(scenario_resolve(&s, pair_of("stack-linux"), false, &c), 0);
	ck_assert_uint_eq(c.n_segs, 2);
	ck_assert_uint_eq(c.n_sysctls[SCN_CLIENT], 0);
	ck_assert_uint_eq(c.n_tunables[SCN_CLIENT], 1);
	ck_assert_str_eq(c.tunables[SCN_CLIENT][0], "syn_retries=5");
	ck_assert_int_eq(c.exit_time[SCN_CLIENT].kind, SCN_T_AFTER);
	scn_case_free(&c);

	ck_assert_int_eq(scenario_resolve(&s, pair_of("stack-stack"), false, &c), 0);
	ck_assert(c.skip);
	ck_assert_str_eq(c.skip_reason, "the stack cannot be both ends yet");
	scn_case_free(&c);
	scenario_free(&s);
}
END_TEST

START_TEST(test_only_skips_the_other_pairings_with_its_reason)
{
	struct scenario s = parse_ok("only linux-linux \"Linux's own linear SYN timeouts\"\n");
	struct scn_case c;
	scenario_resolve(&s, pair_of("linux-stack"), false, &c);
	ck_assert(c.skip);
	ck_assert_str_eq(c.skip_reason, "Linux's own linear SYN timeouts");
	scn_case_free(&c);
	scenario_resolve(&s, pair_of("linux-linux"), false, &c);
	ck_assert(!c.skip);
	scn_case_free(&c);
	scenario_free(&s);
}
END_TEST

START_TEST(test_inline_rules_keep_their_scenario_line_numbers)
{
	struct scenario s = parse_ok("about x\n"
	                             "rule drop [S] from client first 2\n"
	                             "\n"
	                             "when linux-linux\n"
	                             "rule delay 300ms fin from server\n"
	                             "end\n");
	char *text = scenario_rules_text(&s, pair_of("linux-linux"));
	ck_assert_str_eq(text, "\ndrop [S] from client first 2\n\n\ndelay 300ms fin from server\n");
	free(text);
	text = scenario_rules_text(&s, pair_of("stack-linux"));
	ck_assert_str_eq(text, "\ndrop [S] from client first 2\n");
	free(text);
	scenario_free(&s);
}
END_TEST

START_TEST(test_flags_with_optional_letters_and_any)
{
	struct scenario s = parse_ok("c>s [P?.] seq 1:1449\ns>c [*]\n...\n");
	ck_assert_uint_eq(s.segs[0].flags, TCPF_ACK);
	ck_assert_uint_eq(s.segs[0].flags_may, TCPF_PSH);
	ck_assert(s.segs[0].has_len && s.segs[0].len == 1448);
	ck_assert(s.segs[1].flags_any);
	ck_assert_int_eq(s.segs[2].kind, SCN_ANYTHING);
	scenario_free(&s);
}
END_TEST

START_TEST(test_expected_duration_follows_times_labels_and_exits)
{
	struct scenario s = parse_ok("settle 1s\n"
	                             "client exit ETIMEDOUT at 63s\n"
	                             "c>s [S]\nc>s [S] +1s\nc>s [S] +2s\n");
	struct scn_case c;
	scenario_resolve(&s, pair_of("linux-linux"), false, &c);
	ck_assert_int_eq(scn_case_expected_us(&c), 64000000);
	scn_case_free(&c);
	scenario_free(&s);
	s = parse_ok("a: c>s [S]\nc>s [S] +1s\nc>s [S] +2s\ns>c [S.] +10s after a\nc>s [.]\n");
	scenario_resolve(&s, pair_of("linux-linux"), false, &c);
	ck_assert_int_eq(scn_case_expected_us(&c), 10500000); /* + the default settle */
	scn_case_free(&c);
	scenario_free(&s);
}
END_TEST

START_TEST(test_durations_and_sizes_out_of_range_are_refused)
{
	int64_t us;
	uint64_t b;
	ck_assert_int_eq(scn_duration_parse("1.5s", &us), 0);
	ck_assert_int_eq(us, 1500000);
	ck_assert_int_eq(scn_duration_parse("24h", &us), -EINVAL);
	ck_assert_int_eq(scn_duration_parse("1440m", &us), 0);
	ck_assert_int_eq(scn_duration_parse("1441m", &us), -ERANGE);
	ck_assert_int_eq(scn_duration_parse("1e41s", &us), -ERANGE);
	ck_assert_int_eq(scn_duration_parse("nans", &us), -EINVAL);
	ck_assert_int_eq(scn_duration_parse("infs", &us), -EINVAL);
	ck_assert_int_eq(scn_duration_parse("0x10s", &us), -EINVAL);
	ck_assert_int_eq(scn_duration_parse("-1s", &us), -EINVAL);
	ck_assert_int_eq(scn_size_parse("1M", &b), 0);
	ck_assert_uint_eq(b, 1048576);
	ck_assert_int_eq(scn_size_parse("18014398509481984K", &b), -ERANGE);
	/* the fuzzer's findings (tests/fuzz/crashes/scenario-*) are parse errors now */
	parse_fails("limit 1e41s\n");
	parse_fails("limit nans\n");
	parse_fails("client start 1e300ms\n");
	parse_fails("c>s [S] seq 0 +9e12s~1000%\n");
	parse_fails("c>s [S] seq 0 +9e12s\n");
	/* the longest allowed time with the widest tolerance stays in range */
	struct scenario s = parse_ok("c>s [S] seq 0 +1440m~1000%\n");
	int64_t lo, hi;
	scn_time_window(&s.segs[0].time, 1.0, &lo, &hi);
	ck_assert_int_eq(hi, 11 * 86400LL * 1000000);
	scenario_free(&s);
}
END_TEST

START_TEST(test_errors_name_the_line_and_the_fix)
{
	struct scn_error e = parse_fails("about x\nc>s [SX]\n");
	ck_assert_uint_eq(e.line, 2);
	ck_assert_str_eq(e.file, "tests/scenarios/bad.scn");
	ck_assert_ptr_nonnull(strstr(e.msg, "unknown flag letter 'X'"));

	e = parse_fails("skip linux-stack\n");
	ck_assert_ptr_nonnull(strstr(e.msg, "needs a reason"));

	e = parse_fails("\n\nclient run connect; fly; close\n");
	ck_assert_uint_eq(e.line, 3);
	ck_assert_ptr_nonnull(strstr(e.msg, "behaviour script"));

	e = parse_fails("c>s [S] +1s after nowhere\n");
	ck_assert_ptr_nonnull(strstr(e.msg, "labelled 'nowhere'"));

	e = parse_fails("when linux-linux\nc>s [S]\n");
	ck_assert_ptr_nonnull(strstr(e.msg, "not closed"));

	e = parse_fails("client exit EWHATEVER\n");
	ck_assert_ptr_nonnull(strstr(e.msg, "unknown outcome"));

	e = parse_fails("x>y [S]\n");
	ck_assert_ptr_nonnull(strstr(e.msg, "direction"));

	e = parse_fails("c>s [S] +1 s\n");
	ck_assert_ptr_nonnull(strstr(e.msg, "bad duration"));
}
END_TEST

START_TEST(test_values_are_typed_once_and_resolved_per_end)
{
	struct scenario s = parse_ok("client linger 3s\nserver linger 1s\nclient start 100ms\n"
	                             "server sees connected eof\nserver receives 64K\n"
	                             "server ack-every 2\nclient exit ECONNRESET +1s~10%\n");
	struct scn_case c;
	ck_assert_int_eq(scenario_resolve(&s, pair_of("stack-linux"), false, &c), 0);
	ck_assert_int_eq(c.linger_us[SCN_CLIENT], 3000000);
	ck_assert_int_eq(c.linger_us[SCN_SERVER], -1); /* a Linux end does not linger */
	ck_assert_int_eq(c.start_us[SCN_CLIENT], 100000);
	ck_assert_uint_eq(c.n_sees[SCN_SERVER], 2);
	ck_assert_str_eq(c.sees[SCN_SERVER][1], "eof");
	ck_assert_int_eq(c.receives[SCN_SERVER], 65536);
	ck_assert_int_eq(c.receives[SCN_CLIENT], -1);
	ck_assert_uint_eq(c.ack_every[SCN_SERVER], 2);
	ck_assert_int_eq(c.exit[SCN_CLIENT], SCN_OUT_ECONNRESET);
	ck_assert_int_eq(c.exit_time[SCN_CLIENT].kind, SCN_T_AFTER);
	ck_assert_int_eq(c.exit_time[SCN_CLIENT].nominal_us, 1000000);
	ck_assert_int_eq(c.exit_time[SCN_CLIENT].tol_pct, 10);
	scn_case_free(&c);
	ck_assert_int_eq(scenario_resolve(&s, pair_of("lwip-linux"), false, &c), 0);
	ck_assert_int_eq(c.linger_us[SCN_CLIENT], 3000000); /* lwIP's TIME-WAIT is its program's */
	ck_assert_int_eq(c.linger_us[SCN_SERVER], -1);
	scn_case_free(&c);
	scenario_free(&s);
}
END_TEST

START_TEST(test_rules_file_is_recorded_for_the_caller_to_read)
{
	struct scenario s = parse_ok("rule drop [S] from client first 1\n"
	                             "rules faults.rules\n"
	                             "when linux-linux\n"
	                             "rules /abs/more.rules\n"
	                             "end\n");
	ck_assert_uint_eq(s.n_includes, 2);
	ck_assert_str_eq(s.includes[0].path, "tests/scenarios/faults.rules");
	ck_assert_uint_eq(s.includes[0].line, 2);
	ck_assert_str_eq(s.includes[1].path, "/abs/more.rules");
	ck_assert_uint_eq(s.includes[1].pairs, PAIR_BIT("linux-linux"));
	ck_assert_uint_eq(s.n_rules, 1);
	ck_assert_int_eq(scenario_add_rules_text(&s, &s.includes[1], "drop [S]\r\n\ndelay 1s fin"),
	                 0);
	char *text = scenario_rules_text(&s, pair_of("linux-linux"));
	ck_assert_str_eq(text, "drop [S] from client first 1\ndrop [S]\n\ndelay 1s fin\n");
	free(text);
	text = scenario_rules_text(&s, pair_of("stack-linux"));
	ck_assert_str_eq(text, "drop [S] from client first 1\n");
	free(text);
	scenario_free(&s);
}
END_TEST

START_TEST(test_every_scenario_file_of_the_suite_parses)
{
	char dir[512];
	synfin_src_path(dir, sizeof(dir), "tests/scenarios");
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "ls %s/*.scn 2>/dev/null", dir);
	FILE *ls = popen(cmd, "r");
	ck_assert_ptr_nonnull(ls);
	char path[512];
	int n = 0;
	while (fgets(path, sizeof(path), ls)) {
		path[strcspn(path, "\n")] = '\0';
		struct scenario s;
		struct scn_error err;
		int r = scenario_parse_file(&s, path, &err);
		ck_assert_msg(r == 0, "%s:%u: %s", err.file, err.line, err.msg);
		ck_assert_msg(s.n_segs > 0, "%s expects no conversation", path);
		scenario_free(&s);
		n++;
	}
	pclose(ls);
	ck_assert_msg(n >= 3, "only %d scenario files in %s", n, dir);
}
END_TEST

int main(void)
{
	use_project_pairings();
	Suite *s = suite_create("scenario_parse");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_seed_connect_close_reads_as_seven_segments_one_maybe);
	tcase_add_test(tc, test_default_tolerance_is_packetdrills_max_4ms_or_an_eighth);
	tcase_add_test(tc, test_times_tolerances_and_ranges_parse);
	tcase_add_test(tc, test_pairing_specs);
	tcase_add_test(tc, test_impl_specs_name_every_pairing_with_that_end);
	tcase_add_test(tc, test_when_blocks_give_each_pairing_its_own_expectations);
	tcase_add_test(tc, test_only_skips_the_other_pairings_with_its_reason);
	tcase_add_test(tc, test_inline_rules_keep_their_scenario_line_numbers);
	tcase_add_test(tc, test_flags_with_optional_letters_and_any);
	tcase_add_test(tc, test_expected_duration_follows_times_labels_and_exits);
	tcase_add_test(tc, test_durations_and_sizes_out_of_range_are_refused);
	tcase_add_test(tc, test_errors_name_the_line_and_the_fix);
	tcase_add_test(tc, test_values_are_typed_once_and_resolved_per_end);
	tcase_add_test(tc, test_rules_file_is_recorded_for_the_caller_to_read);
	tcase_add_test(tc, test_every_scenario_file_of_the_suite_parses);
	suite_add_tcase(s, tc);
	return synfin_run_suite(s);
}
