/* test_faultd_cli.c: synfin-faultd's command line, run in the root namespace where it must not
 * get far enough to bind a queue: --check, bad rule files, bad options, --help.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "faultd_fixture.h"
#include "test_support.h"

#define FAULTD SYNFIN_BUILD_DIR "/harness/faultd/synfin-faultd"

static char cli_dir[64];
static char cli_out[128], cli_err[128];

static void cli_setup(void)
{
	snprintf(cli_dir, sizeof(cli_dir), "/tmp/synfin-test-faultd-cli-%d", (int)getpid());
	mkdir(cli_dir, 0755);
	snprintf(cli_out, sizeof(cli_out), "%s/out", cli_dir);
	snprintf(cli_err, sizeof(cli_err), "%s/err", cli_dir);
}

static void cli_teardown(void)
{
	if (cli_dir[0])
		sh("rm -rf %s", cli_dir);
}

/* Run the daemon with args (shell words) in the root namespace, where it must not get far
 * enough to bind anything; returns its exit status. */
static int faultd_cli(const char *args)
{
	return sh("%s %s >%s 2>%s </dev/null", FAULTD, args, cli_out, cli_err);
}

START_TEST(test_check_prints_the_rule_count_and_exits_0)
{
	char rules[128];
	snprintf(rules, sizeof(rules), "%s/ok.rules", cli_dir);
	write_file(rules,
	           "# two rules\ndrop [S] from client first 2\ndelay 300ms fin from server\n");
	char args[256];
	snprintf(args, sizeof(args), "--check %s", rules);
	ck_assert_int_eq(faultd_cli(args), 0);
	char want[192];
	snprintf(want, sizeof(want), "%s: 2 rules OK\n", rules);
	ck_assert(wait_for_file(cli_out, want, 0));
}
END_TEST

START_TEST(test_check_of_a_bad_rule_file_exits_2_with_the_place_and_a_caret)
{
	char rules[128];
	snprintf(rules, sizeof(rules), "%s/bad.rules", cli_dir);
	write_file(rules, "drop [S] from client\nexplode now\n");
	char args[256], where[160];
	snprintf(args, sizeof(args), "--check %s", rules);
	snprintf(where, sizeof(where), "%s:2:1: ", rules);
	ck_assert_int_eq(faultd_cli(args), 2);
	ck_assert_msg(wait_for_file(cli_err, where, 0), "no '%s' on stderr", where);
	ck_assert(wait_for_file(cli_err, "\n^", 0));
}
END_TEST

START_TEST(test_bad_rule_file_at_startup_exits_2_and_starts_nothing)
{
	char rules[128], jsonl[128], ready[128], args[512];
	snprintf(rules, sizeof(rules), "%s/bad.rules", cli_dir);
	snprintf(jsonl, sizeof(jsonl), "%s/trace.jsonl", cli_dir);
	snprintf(ready, sizeof(ready), "%s/ready", cli_dir);
	write_file(rules, "delay fin\n");
	snprintf(args, sizeof(args), "-q 65000 -r %s --jsonl %s --ready %s", rules, jsonl, ready);
	ck_assert_int_eq(faultd_cli(args), 2);
	struct stat st;
	ck_assert_int_ne(stat(jsonl, &st), 0);
	ck_assert_int_ne(stat(ready, &st), 0);
}
END_TEST

START_TEST(test_bad_command_line_exits_64_with_usage_on_stderr)
{
	ck_assert_int_eq(faultd_cli("--no-such-option"), 64);
	ck_assert(wait_for_file(cli_err, "usage: synfin-faultd", 0));
	ck_assert_int_eq(faultd_cli("-q 65536"), 64);
	ck_assert_int_eq(faultd_cli("--client 192.168.1"), 64);
	ck_assert_int_eq(faultd_cli("extra-argument"), 64);
	struct stat st;
	ck_assert_int_eq(stat(cli_out, &st), 0);
	ck_assert_int_eq(st.st_size, 0); /* nothing but the trace ever goes to stdout */
}
END_TEST

START_TEST(test_help_explains_every_option)
{
	ck_assert_int_eq(faultd_cli("--help"), 0);
	static const char *const options[] = {
	    "--queue",  "--rules", "--client", "--text",  "--jsonl",
	    "--pcap",   "--quiet", "--seed",   "--ready", "--drop-held-on-exit",
	    "--check",  "--help",  "SIGHUP",   "SIGTERM", "--queue-only-matching",
	    "--pcapng",
	};
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		ck_assert_msg(wait_for_file(cli_out, options[i], 0), "--help does not mention %s",
		              options[i]);
}
END_TEST

static Suite *faultd_cli_suite(void)
{
	Suite *s = suite_create("faultd_cli");

	TCase *cli = tcase_create("command_line");
	tcase_add_checked_fixture(cli, cli_setup, cli_teardown);
	tcase_add_test(cli, test_check_prints_the_rule_count_and_exits_0);
	tcase_add_test(cli, test_check_of_a_bad_rule_file_exits_2_with_the_place_and_a_caret);
	tcase_add_test(cli, test_bad_rule_file_at_startup_exits_2_and_starts_nothing);
	tcase_add_test(cli, test_bad_command_line_exits_64_with_usage_on_stderr);
	tcase_add_test(cli, test_help_explains_every_option);
	suite_add_tcase(s, cli);

	return s;
}

int main(void)
{
	synfin_require_netns();
	return synfin_run_suite(faultd_cli_suite());
}
