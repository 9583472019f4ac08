/* synfin-kpeer's addresses of either family, as the scenario runner passes them: an IPv6 server
 * in brackets ([fd00::109]:80, RFC 3986 3.2.2), an IPv6 --local, and what it refuses. Runs the
 * built program: mistakes exit 64 before any socket is made. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "test_support.h"

/* Runs synfin-kpeer with args, stderr into out; returns its exit status. */
static int kpeer(const char *args, char *out, size_t size)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s/harness/endpoint/synfin-kpeer %s 2>&1", SYNFIN_BUILD_DIR,
	         args);
	int st = synfin_command_output(cmd, out, size);
	return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_an_ipv6_server_is_written_in_brackets)
{
	char out[1024];
	ck_assert_int_eq(kpeer("client --connect fd00::109:80", out, sizeof(out)), 64);
	ck_assert_ptr_nonnull(strstr(out, "--connect 'fd00::109:80': expected ADDR:PORT, e.g. "
	                                  "192.168.1.109:80 or [fd00::109]:80"));
	ck_assert_int_eq(kpeer("client --connect '[fd00::109:80'", out, sizeof(out)), 64);
	ck_assert_int_eq(kpeer("client --connect '[fd00::109]'", out, sizeof(out)), 64);
	ck_assert_int_eq(kpeer("client --connect '[192.168.1.109]:80x'", out, sizeof(out)), 64);
}
END_TEST

START_TEST(test_local_and_server_must_be_of_one_family)
{
	char out[1024];
	ck_assert_int_eq(
	    kpeer("client --local 192.168.1.108 --connect '[fd00::109]:80'", out, sizeof(out)), 64);
	ck_assert_ptr_nonnull(strstr(out, "--local and --connect name different families"));
	ck_assert_int_eq(kpeer("server --local fd00::1::2 --listen 80", out, sizeof(out)), 64);
	ck_assert_ptr_nonnull(strstr(out, "--local 'fd00::1::2': not an IPv4 or IPv6 address"));
}
END_TEST

/* Accepted: the run gets as far as the script (an unknown step, exit 64 after parsing). */
START_TEST(test_ipv6_addresses_are_taken)
{
	char out[1024];
	ck_assert_int_eq(
	    kpeer("client --local fd00::108 --connect '[fd00::109]:80' fly", out, sizeof(out)), 64);
	ck_assert_ptr_nonnull(strstr(out, "synfin-kpeer: script:"));
	ck_assert_int_eq(kpeer("server --local fd00::109 --listen 80 fly", out, sizeof(out)), 64);
	ck_assert_ptr_nonnull(strstr(out, "synfin-kpeer: script:"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kpeer_address");
	TCase *tc = tcase_create("address");
	tcase_add_test(tc, test_an_ipv6_server_is_written_in_brackets);
	tcase_add_test(tc, test_local_and_server_must_be_of_one_family);
	tcase_add_test(tc, test_ipv6_addresses_are_taken);
	suite_add_tcase(s, tc);
	return synfin_run_suite(s);
}
