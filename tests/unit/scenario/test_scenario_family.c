/* IPv4 and IPv6 in the scenario language: a file's `family`, `when ipv6` blocks for what
 * depends on the segment size, the cases a check takes per family and their ids, and the impl
 * files' `families`. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "case_select.h"
#include "impl.h"
#include "pairings_fixture.h"
#include "scenario.h"
#include "test_support.h"

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
	ck_assert_int_eq(scenario_parse_string(&s, "tests/scenarios/bad.scn", text, &err), -EINVAL);
	return err;
}

START_TEST(test_family_defaults_to_ipv4_and_takes_ipv6_or_both)
{
	struct scenario s = parse_ok("c>s [S]\n");
	ck_assert_uint_eq(s.families, SCN_FAMILY_IPV4);
	ck_assert_str_eq(s.family_reason, "");
	scenario_free(&s);
	s = parse_ok("family both\nc>s [S]\n");
	ck_assert_uint_eq(s.families, SCN_FAMILY_BOTH);
	scenario_free(&s);
	s = parse_ok("family ipv6\n");
	ck_assert_uint_eq(s.families, SCN_FAMILY_IPV6);
	scenario_free(&s);
	s = parse_ok("family ipv4 because it counts IPv4 header bytes   # why\n");
	ck_assert_uint_eq(s.families, SCN_FAMILY_IPV4);
	ck_assert_str_eq(s.family_reason, "it counts IPv4 header bytes");
	scenario_free(&s);
}
END_TEST

START_TEST(test_family_mistakes_name_the_line_and_the_fix)
{
	struct scn_error e = parse_fails("about x\nfamily ipv5\n");
	ck_assert_uint_eq(e.line, 2);
	ck_assert_str_eq(e.msg, "family is ipv4, ipv6 or both (e.g. family both), then optionally "
	                        "'because REASON'");
	e = parse_fails("family both\nfamily ipv4\n");
	ck_assert_uint_eq(e.line, 2);
	ck_assert_str_eq(e.msg, "family is given twice (first on line 1): keep one");
	e = parse_fails("family ipv4 since IPv4\n");
	ck_assert_str_eq(e.msg, "after the family comes only 'because REASON', e.g. family ipv4 "
	                        "because the case counts IPv4 header bytes");
	e = parse_fails("family ipv4 because\n");
	ck_assert_ptr_nonnull(strstr(e.msg, "only 'because REASON'"));
	e = parse_fails("family both because why not\n");
	ck_assert_str_eq(e.msg, "'because' says why the other family cannot run, and 'both' "
	                        "leaves none out: drop the reason");
	e = parse_fails("when linux-linux\nfamily ipv6\nend\n");
	ck_assert_uint_eq(e.line, 2);
	ck_assert_ptr_nonnull(strstr(e.msg, "move it out of the 'when' block"));
	e = parse_fails("when linux-linux/ipv7\nend\n");
	ck_assert_str_eq(e.msg, "'linux-linux/ipv7': a 'when' names one family, ipv4 or ipv6 (when "
	                        "ipv6, when linux-linux/ipv6)");
	e = parse_fails("when both\nend\n");
	ck_assert_ptr_nonnull(strstr(e.msg, "names one family"));
	e = parse_fails("when nobody/ipv6\nend\n");
	ck_assert_str_eq(e.msg, "'nobody' is not a pairing spec");
	e = parse_fails("when ipv6\nrule drop [S]\nend\n");
	ck_assert_uint_eq(e.line, 2);
	ck_assert_str_eq(e.msg, "rules hold for both families: move the line out of the 'when "
	                        "ipv4|ipv6' block");
	e = parse_fails("when ipv6\nrules x.rules\nend\n");
	ck_assert_ptr_nonnull(strstr(e.msg, "rules hold for both families"));
}
END_TEST

/* What depends on the segment size is written per family, labels included; every pairing
 * sees the lines of its family and the unmarked ones. */
static const char *const per_family = "family both\n"
                                      "client run connect; send 2896; close\n"
                                      "when ipv6 because MSS 1440\n"
                                      "client run connect; send 2856; close\n"
                                      "end\n"
                                      "c>s [S] seq 0\n"
                                      "when linux-linux/ipv4\n"
                                      "lost: c>s [P.] seq 1449:2897 dropped\n"
                                      "end\n"
                                      "when ipv6\n"
                                      "lost: c>s [P.] seq 1429:2857 dropped\n"
                                      "end\n"
                                      "c>s [P.] +200ms after lost\n";

START_TEST(test_when_ipv6_lines_hold_over_ipv6_alone)
{
	struct scenario s = parse_ok(per_family);
	struct scn_case c;
	ck_assert_int_eq(scenario_resolve_family(&s, pair_of("linux-linux"), false, false, &c), 0);
	ck_assert(!c.ipv6 && !c.skip);
	ck_assert_str_eq(c.script[SCN_CLIENT], "connect; send 2896; close");
	ck_assert_uint_eq(c.n_segs, 3);
	ck_assert_uint_eq(c.segs[1]->seq, 1449);
	scn_case_free(&c);
	ck_assert_int_eq(scenario_resolve_family(&s, pair_of("linux-linux"), false, true, &c), 0);
	ck_assert(c.ipv6 && !c.skip);
	ck_assert_str_eq(c.script[SCN_CLIENT], "connect; send 2856; close");
	ck_assert_uint_eq(c.n_segs, 3);
	ck_assert_uint_eq(c.segs[1]->seq, 1429);
	ck_assert_str_eq(c.segs[2]->time.anchor, "lost");
	scn_case_free(&c);
	/* linux-linux/ipv4 leaves the other pairings' IPv4 without the line */
	ck_assert_int_eq(scenario_resolve_family(&s, pair_of("stack-linux"), false, false, &c), 0);
	ck_assert_uint_eq(c.n_segs, 2);
	scn_case_free(&c);
	/* scenario_resolve is the IPv4 case */
	ck_assert_int_eq(scenario_resolve(&s, pair_of("linux-linux"), false, &c), 0);
	ck_assert(!c.ipv6);
	ck_assert_str_eq(c.script[SCN_CLIENT], "connect; send 2896; close");
	scn_case_free(&c);
	scenario_free(&s);
	/* one label in two blocks of one family is still a mistake */
	struct scn_error e = parse_fails("when ipv6\nx: c>s [S]\nend\nwhen linux-linux/ipv6\n"
	                                 "x: c>s [S]\nend\n");
	ck_assert_uint_eq(e.line, 5);
	ck_assert_str_eq(e.msg, "label 'x' is used twice");
}
END_TEST

START_TEST(test_a_family_ruled_out_with_a_reason_is_a_skip_saying_it)
{
	struct scenario s = parse_ok("family ipv4 because the case counts IPv4 header bytes\n");
	struct scn_case c;
	ck_assert_int_eq(scenario_resolve_family(&s, pair_of("linux-linux"), false, true, &c), 0);
	ck_assert(c.skip);
	ck_assert_str_eq(c.skip_reason, "IPv4 only: the case counts IPv4 header bytes");
	scn_case_free(&c);
	ck_assert_int_eq(scenario_resolve_family(&s, pair_of("linux-linux"), false, false, &c), 0);
	ck_assert(!c.skip);
	scn_case_free(&c);
	scenario_free(&s);
	/* without a reason, --family ipv6 runs it over IPv6 all the same */
	s = parse_ok("family ipv4\n");
	ck_assert_int_eq(scenario_resolve_family(&s, pair_of("linux-linux"), false, true, &c), 0);
	ck_assert(!c.skip);
	scn_case_free(&c);
	scenario_free(&s);
}
END_TEST

/* IPv4 ids stay as they were (CI histories); IPv6 ones end in .ipv6, after .scaled. */
START_TEST(test_ipv6_case_ids_end_in_ipv6_and_ipv4_ids_are_unchanged)
{
	struct scenario s = parse_ok("family both\nstack-scale 0.1 client=stack\n");
	free(s.name);
	s.name = strdup("seed-syn-timeout");
	unsigned pairs = 1u << pair_of("stack-linux") | 1u << pair_of("linux-linux");
	struct case_variant v[CASE_MAX_VARIANTS];
	static const char *const file_says[] = {
	    "seed-syn-timeout.stack-linux",      "seed-syn-timeout.stack-linux.scaled",
	    "seed-syn-timeout.stack-linux.ipv6", "seed-syn-timeout.stack-linux.scaled.ipv6",
	    "seed-syn-timeout.linux-linux",      "seed-syn-timeout.linux-linux.ipv6"};
	size_t n = case_variants(&s, pairs, false, v);
	ck_assert_uint_eq(n, 6);
	char id[CASE_ID_MAX];
	for (size_t i = 0; i < n; i++) {
		case_id(id, sizeof(id), s.name, v[i]);
		ck_assert_str_eq(id, file_says[i]);
	}
	/* --family overrides the file's, either way */
	n = case_variants_families(&s, pairs, SCN_FAMILY_IPV6, true, v);
	ck_assert_uint_eq(n, 2);
	case_id(id, sizeof(id), s.name, v[0]);
	ck_assert_str_eq(id, "seed-syn-timeout.stack-linux.scaled.ipv6");
	case_id(id, sizeof(id), s.name, v[1]);
	ck_assert_str_eq(id, "seed-syn-timeout.linux-linux.ipv6");
	n = case_variants_families(&s, pairs, SCN_FAMILY_IPV4, false, v);
	ck_assert_uint_eq(n, 3);
	ck_assert(!v[0].ipv6 && !v[1].ipv6 && !v[2].ipv6);
	scenario_free(&s);
}
END_TEST

/* With no family line a case runs over IPv4 in every pairing and over IPv6 too where both ends
 * speak it (Linux's and the stack's), with no skip for the others; `family ipv4` keeps it to
 * IPv4. */
START_TEST(test_no_family_line_adds_ipv6_where_both_ends_speak_it)
{
	struct scenario s = parse_ok("c>s [S]\n");
	free(s.name);
	s.name = strdup("lone");
	ck_assert(!s.family_given);
	unsigned pairs = 1u << pair_of("stack-linux") | 1u << pair_of("linux-linux") |
	                 1u << pair_of("linux-lwip");
	struct case_variant v[CASE_MAX_VARIANTS];
	static const char *const ids[] = {"lone.stack-linux", "lone.stack-linux.ipv6",
	                                  "lone.linux-linux", "lone.linux-linux.ipv6",
	                                  "lone.linux-lwip"};
	size_t n = case_variants(&s, pairs, false, v);
	ck_assert_uint_eq(n, 5);
	char id[CASE_ID_MAX];
	for (size_t i = 0; i < n; i++) {
		case_id(id, sizeof(id), s.name, v[i]);
		ck_assert_str_eq(id, ids[i]);
	}
	scenario_free(&s);
	s = parse_ok("family ipv4\nc>s [S]\n");
	ck_assert(s.family_given);
	n = case_variants(&s, pairs, false, v);
	ck_assert_uint_eq(n, 3);
	ck_assert(!v[0].ipv6 && !v[1].ipv6 && !v[2].ipv6);
	scenario_free(&s);
}
END_TEST

static struct impl impl_ok(const char *text)
{
	struct impl im;
	struct impl_error err;
	ck_assert_msg(impl_parse(text, &im, &err) == 0, "%u:%u: %s", err.line, err.col, err.msg);
	return im;
}

#define IMPL_MINIMAL "name x\nprogram bin/x\ndevice kernel\nscript argument\nsettings none\n"

START_TEST(test_impl_families_default_to_ipv4_and_carry_their_reason)
{
	struct impl im = impl_ok(IMPL_MINIMAL);
	ck_assert_uint_eq(im.families, IMPL_FAMILY_IPV4);
	im = impl_ok(IMPL_MINIMAL "families ipv4 ipv6\n");
	ck_assert_uint_eq(im.families, IMPL_FAMILY_IPV4 | IMPL_FAMILY_IPV6);
	ck_assert_str_eq(im.families_reason, "");
	im = impl_ok(IMPL_MINIMAL "families ipv4 because its IPv6 is not done   # later\n");
	ck_assert_uint_eq(im.families, IMPL_FAMILY_IPV4);
	ck_assert_str_eq(im.families_reason, "its IPv6 is not done");
	struct impl_error err;
	ck_assert_int_eq(impl_parse(IMPL_MINIMAL "families ipv4 ipx\n", &im, &err), -EINVAL);
	ck_assert_uint_eq(err.line, 6);
	ck_assert_uint_eq(err.col, 15);
	ck_assert_str_eq(err.msg, "families are 'ipv4' and 'ipv6', then optionally 'because "
	                          "REASON', e.g. families ipv4 because its IPv6 is not done");
	ck_assert_int_eq(impl_parse(IMPL_MINIMAL "families because\n", &im, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "families needs 'ipv4', 'ipv6' or both");
	ck_assert_int_eq(impl_parse(IMPL_MINIMAL "families ipv4 because\n", &im, &err), -EINVAL);
	ck_assert_uint_eq(err.col, 22);
	ck_assert_str_eq(err.msg, "because needs a reason of 1 to 159 characters");
	ck_assert_int_eq(impl_parse(IMPL_MINIMAL "families ipv4\nfamilies ipv6\n", &im, &err),
	                 -EINVAL);
	ck_assert_str_eq(err.msg, "'families' is declared twice");
}
END_TEST

/* Linux and synfin's stack speak both; synfin-lwip says why not IPv6. */
START_TEST(test_project_impls_declare_their_families)
{
	char dir[512], why[800];
	synfin_src_path(dir, sizeof(dir), "impl");
	struct impl v[SCN_MAX_IMPLS];
	size_t n;
	ck_assert_int_eq(impl_load_all(v, &n, SCN_MAX_IMPLS, dir, NULL, NULL, 0, why, sizeof(why)),
	                 0);
	const struct impl *linux_ = impl_find(v, n, "linux"), *stack = impl_find(v, n, "stack"),
	                  *lwip = impl_find(v, n, "lwip");
	ck_assert(linux_ && stack && lwip);
	ck_assert_uint_eq(linux_->families, IMPL_FAMILY_IPV4 | IMPL_FAMILY_IPV6);
	ck_assert_uint_eq(stack->families, IMPL_FAMILY_IPV4 | IMPL_FAMILY_IPV6);
	ck_assert_str_eq(stack->families_reason, "");
	ck_assert_uint_eq(lwip->families, IMPL_FAMILY_IPV4);
	ck_assert_ptr_nonnull(strstr(lwip->families_reason, "IPv4 netif only"));
}
END_TEST

int main(void)
{
	use_project_pairings();
	Suite *s = suite_create("scenario_family");
	TCase *tc = tcase_create("family");
	tcase_add_test(tc, test_family_defaults_to_ipv4_and_takes_ipv6_or_both);
	tcase_add_test(tc, test_family_mistakes_name_the_line_and_the_fix);
	tcase_add_test(tc, test_when_ipv6_lines_hold_over_ipv6_alone);
	tcase_add_test(tc, test_a_family_ruled_out_with_a_reason_is_a_skip_saying_it);
	tcase_add_test(tc, test_ipv6_case_ids_end_in_ipv6_and_ipv4_ids_are_unchanged);
	tcase_add_test(tc, test_no_family_line_adds_ipv6_where_both_ends_speak_it);
	tcase_add_test(tc, test_impl_families_default_to_ipv4_and_carry_their_reason);
	tcase_add_test(tc, test_project_impls_declare_their_families);
	suite_add_tcase(s, tc);
	return synfin_run_suite(s);
}
