/* test_host_peer_options.c: synfin-peer's command line: the defaults of each mode, every option
 * onto its field, and each refusal with its message and the usage exit status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/topology.h"
#include "endpoint/peer_script.h"
#include "peer_options.h"
#include "test_support.h"

#define MAX_ARGS 32

/* Redirect fd to a fresh temporary file; returns the saved descriptor. */
static int capture_begin(int fd, FILE **cap)
{
	fflush(NULL);
	*cap = tmpfile();
	ck_assert_ptr_nonnull(*cap);
	int saved = dup(fd);
	dup2(fileno(*cap), fd);
	return saved;
}

/* Put fd back and read what was written to it into buf. */
static void capture_end(int fd, int saved, FILE *cap, char *buf, size_t size)
{
	fflush(NULL);
	dup2(saved, fd);
	close(saved);
	rewind(cap);
	size_t n = fread(buf, 1, size - 1, cap);
	buf[n] = '\0';
	fclose(cap);
}

/* Parse a command line of space-separated words (after the program name) and catch what is
 * printed on stdout (out, may be NULL) and stderr (err). Returns peer_parse_options' result. */
static int parse_out(const char *line, struct peer_options *o, char *out, size_t out_size,
                     char *err, size_t err_size)
{
	static char words[1024];
	char *argv[MAX_ARGS] = {"synfin-peer"};
	int argc = 1;
	char discard[256];
	FILE *ocap, *ecap;

	snprintf(words, sizeof(words), "%s", line);
	for (char *w = strtok(words, " "); w && argc < MAX_ARGS - 1; w = strtok(NULL, " "))
		argv[argc++] = w;
	argv[argc] = NULL;
	int osaved = capture_begin(STDOUT_FILENO, &ocap);
	int esaved = capture_begin(STDERR_FILENO, &ecap);
	int rc = peer_parse_options(argc, argv, o);
	capture_end(STDERR_FILENO, esaved, ecap, err, err_size);
	if (out)
		capture_end(STDOUT_FILENO, osaved, ocap, out, out_size);
	else
		capture_end(STDOUT_FILENO, osaved, ocap, discard, sizeof(discard));
	return rc;
}

static int parse(const char *line, struct peer_options *o, char *err, size_t err_size)
{
	return parse_out(line, o, NULL, 0, err, err_size);
}

static void expect_refused(const char *line, const char *message)
{
	struct peer_options o;
	char err[512];
	char want[512];

	ck_assert_msg(parse(line, &o, err, sizeof(err)) == PEER_EXIT_USAGE, "%s: not refused",
	              line);
	snprintf(want, sizeof(want), "synfin-peer: %s\n(synfin-peer --help for usage)\n", message);
	ck_assert_str_eq(err, want);
}

START_TEST(test_client_defaults_connect_to_the_topology_server)
{
	struct peer_options o;
	char err[256];

	ck_assert_int_eq(parse("client", &o, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "");
	ck_assert(!o.server);
	ck_assert_str_eq(o.mode, "client");
	ck_assert_str_eq(o.local, TOPOLOGY_CLIENT_ADDR);
	ck_assert_uint_eq(o.local_addr, TOPOLOGY_CLIENT_ADDR_U32);
	ck_assert_uint_eq(stack_addr_v4_get(&o.remote_addr), TOPOLOGY_SERVER_ADDR_U32);
	ck_assert(stack_addr_is_v4(&o.remote_addr));
	ck_assert(stack_addr_is_none(&o.local_addr6));
	ck_assert_uint_eq(o.remote_port, 80);
	ck_assert_uint_eq(o.sport, 0);
	ck_assert_str_eq(o.dev_name, "tun0");
	ck_assert_ptr_null(o.script_text);
	ck_assert_ptr_null(o.script_file);
	ck_assert_ptr_null(o.jsonl_path);
	ck_assert(o.time_scale == 1.0);
	ck_assert_uint_eq(o.linger_us, 0);
	ck_assert(!o.seed_given && !o.quiet && !o.nodelay && !o.no_tun_gso);
}
END_TEST

START_TEST(test_server_defaults_listen_on_port_80_of_the_topology_server)
{
	struct peer_options o;
	char err[256];

	ck_assert_int_eq(parse("server", &o, err, sizeof(err)), -1);
	ck_assert(o.server);
	ck_assert_str_eq(o.local, TOPOLOGY_SERVER_ADDR);
	ck_assert_uint_eq(o.local_addr, TOPOLOGY_SERVER_ADDR_U32);
	ck_assert_uint_eq(o.listen_port, 80);
	ck_assert_uint_eq(o.max_conns, 1);
	ck_assert_int_eq(o.backlog, 16);
}
END_TEST

START_TEST(test_every_option_fills_its_field)
{
	struct peer_options o;
	char err[256];

	ck_assert_int_eq(parse("--local 10.0.0.1 --connect 10.0.0.2:8080 --sport 4000 --dev tun7 "
	                       "--no-tun-gso --set syn_retries=2 --nodelay --time-scale 2.5 "
	                       "--linger 1500ms "
	                       "--seed 0x10 --jsonl out.jsonl -q client connect;close",
	                       &o, err, sizeof(err)),
	                 -1);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(o.local_addr, 0x0a000001u);
	ck_assert_uint_eq(stack_addr_v4_get(&o.remote_addr), 0x0a000002u);
	ck_assert_uint_eq(o.remote_port, 8080);
	ck_assert_uint_eq(o.sport, 4000);
	ck_assert_str_eq(o.dev_name, "tun7");
	ck_assert_uint_eq(o.tun.syn_retries, 2);
	ck_assert(o.nodelay && o.quiet && o.seed_given && o.no_tun_gso);
	ck_assert(o.time_scale == 2.5);
	ck_assert_uint_eq(o.linger_us, 1500000);
	ck_assert_uint_eq(o.seed, 16);
	ck_assert_str_eq(o.jsonl_path, "out.jsonl");
	ck_assert_str_eq(o.script_text, "connect;close");

	ck_assert_int_eq(
	    parse("server --listen 8080 --max-conns 0 --backlog 3 -f s.txt", &o, err, sizeof(err)),
	    -1);
	ck_assert_uint_eq(o.listen_port, 8080);
	ck_assert_uint_eq(o.max_conns, 0);
	ck_assert_int_eq(o.backlog, 3);
	ck_assert_str_eq(o.script_file, "s.txt");
}
END_TEST

START_TEST(test_ipv6_addresses_fill_the_stack_address_and_the_server)
{
	static const uint8_t client6[16] = TOPOLOGY_CLIENT_ADDR6_BYTES;
	static const uint8_t server6[16] = TOPOLOGY_SERVER_ADDR6_BYTES;
	struct peer_options o;
	char err[256];

	/* an IPv6 --local keeps the mode's IPv4 address beside it */
	ck_assert_int_eq(
	    parse("--local fd00::108 --connect [fd00::109]:8080 client", &o, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(o.local_addr, TOPOLOGY_CLIENT_ADDR_U32);
	ck_assert_mem_eq(o.local_addr6.b, client6, 16);
	ck_assert(!stack_addr_is_v4(&o.remote_addr));
	ck_assert_mem_eq(o.remote_addr.b, server6, 16);
	ck_assert_uint_eq(o.remote_port, 8080);
	ck_assert_int_eq(parse("--local 10.0.0.1 --local6 fd00::109 server", &o, err, sizeof(err)),
	                 -1);
	ck_assert_uint_eq(o.local_addr, 0x0a000001u);
	ck_assert_mem_eq(o.local_addr6.b, server6, 16);
}
END_TEST

START_TEST(test_help_prints_the_usage_and_exits_0)
{
	struct peer_options o;
	char err[256];
	char out[8192];

	ck_assert_int_eq(parse_out("--help", &o, out, sizeof(out), err, sizeof(err)), PEER_EXIT_OK);
	ck_assert_str_eq(err, "");
	ck_assert_ptr_nonnull(strstr(out, "usage: synfin-peer client"));
	ck_assert_ptr_nonnull(strstr(out, "  --set NAME=VALUE"));
	ck_assert_ptr_nonnull(strstr(out, " syn_retries ")); /* the tunables' names */
	ck_assert_ptr_nonnull(strstr(out, "  64  usage error\n"));
}
END_TEST

START_TEST(test_bad_values_are_refused_with_what_was_expected)
{
	expect_refused("client --sport x", "--sport 'x': not a port");
	expect_refused("server --listen 0", "--listen '0': not a port (1-65535)");
	expect_refused("server --max-conns 1000001", "--max-conns '1000001': not a count");
	expect_refused("server --backlog 0", "--backlog '0': not a count (1-65535)");
	expect_refused("client --time-scale 0", "--time-scale '0': not a positive number");
	expect_refused("client --linger 5", "--linger '5': not a duration (e.g. 2s)");
	expect_refused("client --seed 1x", "--seed '1x': not a number");
	expect_refused("client --local 1.2.3", "--local '1.2.3': not an IPv4 or IPv6 address");
	expect_refused("client --local6 10.0.0.1", "--local6 '10.0.0.1': not an IPv6 address");
	expect_refused("client --local fd00::1 --local6 fd00::2",
	               "--local 'fd00::1': IPv6 beside --local6 (give --local the IPv4 address)");
	expect_refused("client --connect 1.2.3.4",
	               "--connect '1.2.3.4': expected ADDR:PORT or [ADDR6]:PORT");
	expect_refused("client --connect 1.2.3.4:0",
	               "--connect '1.2.3.4:0': expected ADDR:PORT or [ADDR6]:PORT");
	expect_refused("client --local fd00::1 --connect fd00::2:80",
	               "--connect 'fd00::2:80': expected ADDR:PORT or [ADDR6]:PORT");
	expect_refused("client --connect [10.0.0.1]:80",
	               "--connect '[10.0.0.1]:80': expected ADDR:PORT or [ADDR6]:PORT");
	expect_refused("client --connect [fd00::109]:80",
	               "--connect '[fd00::109]:80' is IPv6 but the stack has no IPv6 address: give "
	               "one with --local or --local6");
}
END_TEST

START_TEST(test_mode_and_script_arguments_are_checked)
{
	expect_refused("", "missing mode: client or server");
	expect_refused("peer", "unknown mode 'peer': use client or server");
	expect_refused("client connect close",
	               "unexpected argument 'close' (quote the script as one argument)");
	expect_refused("client connect -f s.txt",
	               "give the script inline or with --script-file, not both");
}
END_TEST

START_TEST(test_options_are_refused_in_command_line_order)
{
	/* the first bad option wins, and options come before the mode's checks */
	expect_refused("--sport x --listen 0 peer", "--sport 'x': not a port");
	expect_refused("--local bad peer", "unknown mode 'peer': use client or server");
}
END_TEST

static Suite *peer_options_suite(void)
{
	Suite *s = suite_create("host_peer_options");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_client_defaults_connect_to_the_topology_server);
	tcase_add_test(tc, test_server_defaults_listen_on_port_80_of_the_topology_server);
	tcase_add_test(tc, test_every_option_fills_its_field);
	tcase_add_test(tc, test_ipv6_addresses_fill_the_stack_address_and_the_server);
	tcase_add_test(tc, test_help_prints_the_usage_and_exits_0);
	tcase_add_test(tc, test_bad_values_are_refused_with_what_was_expected);
	tcase_add_test(tc, test_mode_and_script_arguments_are_checked);
	tcase_add_test(tc, test_options_are_refused_in_command_line_order);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(peer_options_suite());
}
