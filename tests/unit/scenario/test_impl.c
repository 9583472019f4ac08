/* Implementation declarations (impl/NAME.impl): the project's three files, and mistakes reported
 * with their line, column and fix. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "impl.h"
#include "test_support.h"

static void parse_project_file(const char *name, struct impl *im)
{
	char rel[64], path[512], text[4096];
	snprintf(rel, sizeof(rel), "impl/%s", name);
	synfin_src_path(path, sizeof(path), rel);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot read %s", path);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	struct impl_error err;
	int r = impl_parse(text, im, &err);
	ck_assert_msg(r == 0, "%s:%u:%u: %s", path, err.line, err.col, err.msg);
}

static struct impl_error parse_fails(const char *text)
{
	struct impl im;
	struct impl_error err;
	ck_assert_int_eq(impl_parse(text, &im, &err), -EINVAL);
	return err;
}

static const char *const minimal = "name x\nprogram bin/x\ndevice kernel\nscript argument\n";

START_TEST(test_linux_is_the_kernel_driven_by_synfin_kpeer_with_sysctls)
{
	struct impl im;
	parse_project_file("linux.impl", &im);
	ck_assert_str_eq(im.name, "linux");
	ck_assert_str_eq(im.program, "harness/endpoint/synfin-kpeer");
	ck_assert_str_eq(impl_program_name(&im), "synfin-kpeer");
	ck_assert_int_eq(im.device, IMPL_DEVICE_KERNEL);
	ck_assert_int_eq(im.script, IMPL_SCRIPT_ARGUMENT);
	ck_assert_int_eq(im.settings, IMPL_SETTINGS_SYSCTL);
	ck_assert_str_eq(im.time_scale_option, "");
	ck_assert_str_eq(im.linger_option, "");
}
END_TEST

START_TEST(test_stack_is_a_tun_device_driven_by_synfin_peer_with_set_options)
{
	struct impl im;
	parse_project_file("stack.impl", &im);
	ck_assert_str_eq(im.name, "stack");
	ck_assert_str_eq(im.program, "stack/host/synfin-peer");
	ck_assert_int_eq(im.device, IMPL_DEVICE_TUN);
	ck_assert_int_eq(im.settings, IMPL_SETTINGS_OPTION);
	ck_assert_str_eq(im.settings_option, "--set");
	ck_assert_str_eq(im.time_scale_option, "--time-scale");
	ck_assert_str_eq(im.linger_option, "--linger");
}
END_TEST

START_TEST(test_lwip_is_a_tap_device_driven_by_synfin_lwip_that_lingers_without_settings)
{
	struct impl im;
	parse_project_file("lwip.impl", &im);
	ck_assert_str_eq(im.name, "lwip");
	ck_assert_str_eq(im.program, "harness/endpoint/synfin-lwip");
	ck_assert_int_eq(im.device, IMPL_DEVICE_TAP);
	ck_assert_int_eq(im.script, IMPL_SCRIPT_ARGUMENT);
	ck_assert_int_eq(im.settings, IMPL_SETTINGS_NONE);
	ck_assert_str_eq(im.time_scale_option, "");
	ck_assert_str_eq(im.linger_option, "--linger");
}
END_TEST

START_TEST(test_comments_blank_lines_and_find)
{
	struct impl v[2];
	struct impl_error err;
	ck_assert_int_eq(impl_parse("# a comment\n\n  name a   # trailing\nprogram p\ndevice tun\n"
	                            "script argument\nsettings none\n",
	                            &v[0], &err),
	                 0);
	ck_assert_str_eq(v[0].name, "a");
	ck_assert_int_eq(v[0].settings, IMPL_SETTINGS_NONE);
	char text[256];
	snprintf(text, sizeof(text), "%ssettings sysctl\n", minimal);
	ck_assert_int_eq(impl_parse(text, &v[1], &err), 0);
	ck_assert_ptr_eq(impl_find(v, 2, "x"), &v[1]);
	ck_assert_ptr_null(impl_find(v, 2, "lwip"));
}
END_TEST

START_TEST(test_mistakes_name_line_column_and_fix)
{
	struct impl_error e = parse_fails("name x\nprogram bin/x\ndevice  veth\n");
	ck_assert_uint_eq(e.line, 3);
	ck_assert_uint_eq(e.col, 9);
	ck_assert_str_eq(e.msg, "device is 'kernel', 'tun' or 'tap'");

	e = parse_fails("name x\nname y\n");
	ck_assert_uint_eq(e.line, 2);
	ck_assert_uint_eq(e.col, 1);
	ck_assert_str_eq(e.msg, "'name' is declared twice");

	e = parse_fails("name x\nprogam bin/x\n");
	ck_assert_uint_eq(e.line, 2);
	ck_assert_str_eq(e.msg, "unknown declaration 'progam' (name, program, device, script, "
	                        "settings, supports, order, check, families, counter)");

	e = parse_fails("settings set set\n");
	ck_assert_uint_eq(e.col, 14);
	ck_assert_str_eq(e.msg, "settings set needs the program's option, e.g. settings set --set");

	e = parse_fails("supports time-travel --now\n");
	ck_assert_uint_eq(e.col, 10);
	ck_assert_str_eq(e.msg,
	                 "unknown feature 'time-travel' (stack-scale OPTION, linger OPTION)");

	/* a '#' starts a comment, so "stack/host/#x" names the folder stack/host/ */
	e = parse_fails("program stack/host/#synfin-peer\n");
	ck_assert_uint_eq(e.line, 1);
	ck_assert_uint_eq(e.col, 19);
	ck_assert_str_eq(e.msg, "program names a folder: add the program's file name, e.g. "
	                        "program stack/host/synfin-peer");

	e = parse_fails("device tun kernel\n");
	ck_assert_uint_eq(e.col, 12);
	ck_assert_str_eq(e.msg, "unexpected 'kernel' after the device declaration");

	e = parse_fails(minimal);
	ck_assert_uint_eq(e.line, 0);
	ck_assert_str_eq(e.msg, "no 'settings' declaration");
}
END_TEST

START_TEST(test_counters_map_the_scenarios_names_to_the_programs_records)
{
	struct impl im;
	parse_project_file("stack.impl", &im);
	ck_assert_str_eq(impl_counter_key(im.counters, im.n_counters, "paws-rejected"), "tcp-paws");
	parse_project_file("linux.impl", &im);
	ck_assert_str_eq(impl_counter_key(im.counters, im.n_counters, "paws-rejected"),
	                 "TcpExtPAWSEstab");
	/* lwIP reports none: a case that counts one skips its pairings */
	parse_project_file("lwip.impl", &im);
	ck_assert_uint_eq(im.n_counters, 0);
	ck_assert_ptr_null(impl_counter_key(im.counters, im.n_counters, "paws-rejected"));

	struct impl_error e = parse_fails("counter paws-missed x\n");
	ck_assert_uint_eq(e.col, 9);
	ck_assert_str_eq(e.msg, "counter needs a counter's name (paws-rejected), then the member "
	                        "of the program's counters record, e.g. counter paws-rejected "
	                        "tcp-paws");
	e = parse_fails("counter paws-rejected\n");
	ck_assert_uint_eq(e.col, 22);
	ck_assert_str_eq(e.msg, "counter needs, after the name, the member of the program's "
	                        "counters record, e.g. counter paws-rejected tcp-paws");
	e = parse_fails("counter paws-rejected a\ncounter paws-rejected b\n");
	ck_assert_uint_eq(e.line, 2);
	ck_assert_str_eq(e.msg, "counter 'paws-rejected' is declared twice");
	e = parse_fails("counter paws-rejected a b\n");
	ck_assert_str_eq(e.msg, "unexpected 'b' after the counter declaration");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("impl");
	TCase *tc = tcase_create("impl");
	tcase_add_test(tc, test_linux_is_the_kernel_driven_by_synfin_kpeer_with_sysctls);
	tcase_add_test(tc, test_stack_is_a_tun_device_driven_by_synfin_peer_with_set_options);
	tcase_add_test(
	    tc, test_lwip_is_a_tap_device_driven_by_synfin_lwip_that_lingers_without_settings);
	tcase_add_test(tc, test_comments_blank_lines_and_find);
	tcase_add_test(tc, test_mistakes_name_line_column_and_fix);
	tcase_add_test(tc, test_counters_map_the_scenarios_names_to_the_programs_records);
	suite_add_tcase(s, tc);
	return synfin_run_suite(s);
}
