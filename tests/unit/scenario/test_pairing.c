/* Pairings derived from the implementation declarations: the project's three files give the
 * pairings in the order reports and case lists have always had them, a user's file adds its
 * own pairings without a line of C, and declarations that cannot be paired are refused with
 * their file, line, column and fix. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "impl_load.h"
#include "pairings_fixture.h"
#include "scenario.h"
#include "test_support.h"

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_msg(f != NULL, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

static void make_dir(char *dir, size_t size)
{
	snprintf(dir, size, "/tmp/synfin-test-impl-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(const char *dir)
{
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* The project's folder, then user, as synfin-scenario --impl-dir user reads them. Returns
 * what scn_pairings_set returns (or the loader's error), with why filled. */
static int load_with_user_dir(const char *user, char *why, size_t size)
{
	char dir[512];
	synfin_src_path(dir, sizeof(dir), "impl");
	struct impl v[SCN_MAX_IMPLS];
	size_t n;
	const char *dirs[] = {user};
	int r = impl_load_all(v, &n, SCN_MAX_IMPLS, dir, NULL, dirs, 1, why, size);
	return r ? r : scn_pairings_set(v, n, why, size);
}

START_TEST(test_project_pairings_keep_their_order_and_defaults)
{
	use_project_pairings();
	static const char *const order[] = {"stack-stack", "stack-linux", "linux-stack",
	                                    "linux-linux", "lwip-linux",  "linux-lwip",
	                                    "lwip-stack",  "stack-lwip",  "lwip-lwip"};
	ck_assert_uint_eq(scn_pair_count(), 9);
	for (unsigned p = 0; p < 9; p++)
		ck_assert_str_eq(scn_pair_name(p), order[p]);
	/* check runs lwIP against Linux both ways; against the stack and itself on request */
	ck_assert_uint_eq(scn_default_pairs(), 0x3fu);
	ck_assert_uint_eq(scn_all_pairs(), 0x1ffu);
	/* the table's columns for linux and stack are always there */
	ck_assert_uint_eq(scn_core_pairs(), 0xfu);
	ck_assert_int_eq(scn_pair_settings(pair_of("linux-stack"), SCN_CLIENT),
	                 IMPL_SETTINGS_SYSCTL);
	ck_assert_int_eq(scn_pair_settings(pair_of("linux-stack"), SCN_SERVER),
	                 IMPL_SETTINGS_OPTION);
	ck_assert(scn_pair_lingers(pair_of("lwip-linux"), SCN_CLIENT));
	ck_assert(!scn_pair_lingers(pair_of("lwip-linux"), SCN_SERVER));
	char list[200];
	scn_pairs_list(list, sizeof(list), true);
	ck_assert_str_eq(list, "stack, linux, lwip");
	ck_assert_int_eq(scn_pair_find("linux-bsd"), -1);
}
END_TEST

START_TEST(test_a_users_file_adds_its_pairings_on_request)
{
	char dir[64], why[800];
	make_dir(dir, sizeof(dir));
	write_file(dir, "mine.impl",
	           "name mine\nprogram bin/mine-peer\ndevice tap\nscript argument\n"
	           "settings none\n");
	ck_assert_msg(load_with_user_dir(dir, why, sizeof(why)) == 0, "%s", why);
	ck_assert_uint_eq(scn_pair_count(), 16);
	/* after every implementation that declares an order: the project's pairings keep
	 * their places, the new one's follow, the newest first as client */
	ck_assert_str_eq(scn_pair_name(8), "lwip-lwip");
	ck_assert_str_eq(scn_pair_name(9), "mine-lwip");
	ck_assert_str_eq(scn_pair_name(10), "lwip-mine");
	ck_assert_str_eq(scn_pair_name(15), "mine-mine");
	ck_assert_uint_eq(scn_default_pairs(), 0x3fu);
	ck_assert_uint_eq(scn_impl_pairs_parse("mine"), 0xfe00u);
	ck_assert_uint_eq(scn_pairs_parse("mine-linux"), 1u << pair_of("mine-linux"));
	remove_dir(dir);
}
END_TEST

START_TEST(test_a_users_relative_program_is_found_beside_its_file)
{
	char dir[64], why[800];
	make_dir(dir, sizeof(dir));
	write_file(dir, "mine.impl",
	           "name mine\nprogram bin/mine-peer\ndevice tap\nscript argument\n"
	           "settings none\n");
	struct impl v[1];
	size_t n = 0;
	ck_assert_msg(impl_load_dir(v, &n, 1, dir, true, why, sizeof(why)) == 0, "%s", why);
	char want[128], path[600];
	snprintf(want, sizeof(want), "%s/bin/mine-peer", dir);
	impl_program_path(&v[0], "/build", path, sizeof(path));
	ck_assert_str_eq(path, want);
	ck_assert_str_eq(impl_program_name(&v[0]), "mine-peer");
	remove_dir(dir);
}
END_TEST

START_TEST(test_pairings_that_cannot_be_made_name_the_file_and_the_fix)
{
	char dir[64], why[800], want[800];
	make_dir(dir, sizeof(dir));
	static const char *const base =
	    "name mine\nprogram /opt/mine\ndevice tun\nscript argument\nsettings none\n";
	char text[400];
	snprintf(text, sizeof(text), "%sorder 4\ncheck mine-linux  mine-bsd\n", base);
	write_file(dir, "mine.impl", text);
	ck_assert_int_eq(load_with_user_dir(dir, why, sizeof(why)), -EINVAL);
	snprintf(want, sizeof(want),
	         "%s/mine.impl:7:19: no implementation 'bsd' is declared (declared: stack, "
	         "linux, lwip, mine): add its NAME.impl or drop mine-bsd",
	         dir);
	ck_assert_str_eq(why, want);

	/* a pairing belongs to the later of its two ends */
	snprintf(text, sizeof(text), "%sorder 0\ncheck mine-linux\n", base);
	write_file(dir, "mine.impl", text);
	ck_assert_int_eq(load_with_user_dir(dir, why, sizeof(why)), -EINVAL);
	snprintf(want, sizeof(want),
	         "%s/mine.impl:7:7: mine-linux comes with linux's pairings (its order is later): "
	         "list it in linux's check line",
	         dir);
	ck_assert_str_eq(why, want);

	write_file(dir, "mine.impl",
	           "name lwip\nprogram /opt/mine\ndevice tun\nscript argument\nsettings none\n");
	ck_assert_int_eq(load_with_user_dir(dir, why, sizeof(why)), -EINVAL);
	snprintf(want, sizeof(want),
	         "%s/mine.impl: implementation 'lwip' is declared twice: rename one", dir);
	ck_assert_str_eq(why, want);

	/* a folder that is not there is said, not skipped */
	ck_assert_int_eq(load_with_user_dir("/nonexistent/impl", why, sizeof(why)), -ENOENT);
	ck_assert_str_eq(why, "/nonexistent/impl: No such file or directory: name a folder of "
	                      "NAME.impl files");
	remove_dir(dir);
}
END_TEST

START_TEST(test_declaration_mistakes_in_names_order_and_check)
{
	struct impl im;
	struct impl_error e;
	static const char *const base = "program p\ndevice tun\nscript argument\nsettings none\n";
	char text[400];
	snprintf(text, sizeof(text), "name my-stack\n%s", base);
	ck_assert_int_eq(impl_parse(text, &im, &e), -EINVAL);
	ck_assert_uint_eq(e.line, 1);
	ck_assert_uint_eq(e.col, 6);
	ck_assert_str_eq(e.msg, "name 'my-stack' is not a name: use letters, digits and _ "
	                        "(pairings join two names with -, e.g. lwip-linux; 'all' means "
	                        "every one)");
	snprintf(text, sizeof(text), "name x\n%sorder soon\n", base);
	ck_assert_int_eq(impl_parse(text, &im, &e), -EINVAL);
	ck_assert_uint_eq(e.line, 6);
	ck_assert_uint_eq(e.col, 7);
	ck_assert_str_eq(e.msg, "order needs a number below 1000000, e.g. order 4 (lower comes "
	                        "first in lists, runs and tables)");
	snprintf(text, sizeof(text), "name x\n%scheck x-linux linux\n", base);
	ck_assert_int_eq(impl_parse(text, &im, &e), -EINVAL);
	ck_assert_uint_eq(e.col, 15);
	ck_assert_str_eq(e.msg, "'linux' is not a pairing: write client-server, e.g. lwip-linux");
	snprintf(text, sizeof(text), "check stack-linux\nname x\n%s", base);
	ck_assert_int_eq(impl_parse(text, &im, &e), -EINVAL);
	ck_assert_uint_eq(e.line, 1);
	ck_assert_uint_eq(e.col, 7);
	ck_assert_str_eq(e.msg, "check lists pairings of this implementation: 'stack-linux' has "
	                        "no end 'x' (e.g. x-linux; the other's file lists its own)");
	/* an absolute program is taken as it is: a user's stack is not in synfin's build */
	snprintf(text, sizeof(text),
	         "name x\nprogram /opt/x/peer\ndevice tun\nscript argument\n"
	         "settings none\norder 7\ncheck x-x\n");
	ck_assert_int_eq(impl_parse(text, &im, &e), 0);
	ck_assert_int_eq(im.order, 7);
	ck_assert_uint_eq(im.n_check, 1);
	ck_assert_str_eq(im.check[0].name, "x-x");
	char path[300];
	impl_program_path(&im, "/build", path, sizeof(path));
	ck_assert_str_eq(path, "/opt/x/peer");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pairing");
	TCase *tc = tcase_create("pairing");
	tcase_add_test(tc, test_project_pairings_keep_their_order_and_defaults);
	tcase_add_test(tc, test_a_users_file_adds_its_pairings_on_request);
	tcase_add_test(tc, test_a_users_relative_program_is_found_beside_its_file);
	tcase_add_test(tc, test_pairings_that_cannot_be_made_name_the_file_and_the_fix);
	tcase_add_test(tc, test_declaration_mistakes_in_names_order_and_check);
	suite_add_tcase(s, tc);
	return synfin_run_suite(s);
}
