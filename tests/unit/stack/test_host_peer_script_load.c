/* test_host_peer_script_load.c: synfin-peer's scripts on top of the shared parser: newlines,
 * '#' comments, send-file, and the implied connect/accept of peer_script_fit_role(). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peer_script_load.h"
#include "test_support.h"

static void load_ok(struct peer_script *s, const char *text)
{
	char why[512] = "";
	int rc = peer_script_load(s, text, why, sizeof(why));
	ck_assert_msg(rc == 0, "'%s': %d (%s)", text, rc, why);
}

static void check_ops(const struct peer_script *s, const enum peer_op *ops, size_t n)
{
	ck_assert_uint_eq(s->n_steps, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(s->steps[i].op == ops[i], "step %zu is %s, not %s", i,
		              peer_step_name(s->steps[i].op), peer_step_name(ops[i]));
}

START_TEST(test_newlines_separate_steps_like_semicolons)
{
	struct peer_script s;
	load_ok(&s, "connect\nsend 10K\r\n  shutdown-write ; read-eof\n\n\tclose\n");
	enum peer_op ops[] = {PEER_CONNECT, PEER_SEND, PEER_SHUTDOWN_WRITE, PEER_READ_EOF,
	                      PEER_CLOSE};
	check_ops(&s, ops, 5);
	ck_assert_uint_eq(s.steps[1].count, 10240);
	peer_script_free(&s);
}
END_TEST

START_TEST(test_hash_starts_a_comment_to_the_end_of_the_line)
{
	struct peer_script s;
	load_ok(&s, "# a client that sends and leaves\n"
	            "connect   # active open\n"
	            "send 5 # ; close ; abort  (all of this is comment)\n"
	            "#sleep 1s\n"
	            "close");
	enum peer_op ops[] = {PEER_CONNECT, PEER_SEND, PEER_CLOSE};
	check_ops(&s, ops, 3);
	ck_assert_uint_eq(s.steps[1].count, 5);
	peer_script_free(&s);
}
END_TEST

START_TEST(test_hash_and_semicolon_inside_quotes_are_text)
{
	struct peer_script s;
	load_ok(&s, "send-text \"a # b; c\" # the comment\nclose");
	enum peer_op ops[] = {PEER_SEND_TEXT, PEER_CLOSE};
	check_ops(&s, ops, 2);
	ck_assert_str_eq(s.steps[0].text, "a # b; c");
	peer_script_free(&s);
}
END_TEST

START_TEST(test_comment_only_or_blank_script_is_refused_as_empty)
{
	struct peer_script s;
	char why[256] = "";
	ck_assert_int_eq(peer_script_load(&s, "# nothing\n\n   \n;;", why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "the script is empty"));
	ck_assert_uint_eq(s.n_steps, 0);
	ck_assert_ptr_null(s.steps);
	ck_assert_int_eq(peer_script_load(&s, "", why, sizeof(why)), -EINVAL);
}
END_TEST

START_TEST(test_bad_step_on_a_later_line_is_refused_and_nothing_kept)
{
	struct peer_script s;
	char why[256] = "";
	ck_assert_int_eq(
	    peer_script_load(&s, "connect\nsend 10\nfly away\nclose", why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "fly"));
	ck_assert_uint_eq(s.n_steps, 0);
	ck_assert_ptr_null(s.steps);
}
END_TEST

/* A temporary file with the given bytes; the path goes into buf. */
static void temp_file(char *buf, size_t size, const void *data, size_t len)
{
	snprintf(buf, size, "/tmp/synfin-test-script-XXXXXX");
	int fd = mkstemp(buf);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

START_TEST(test_send_file_loads_the_whole_file_nuls_included)
{
	static const char data[] = "line one\n\0binary\xff tail";
	char path[64];
	temp_file(path, sizeof(path), data, sizeof(data) - 1);
	char text[160];
	snprintf(text, sizeof(text), "connect; send-file %s\nclose", path);
	struct peer_script s;
	load_ok(&s, text);
	enum peer_op ops[] = {PEER_CONNECT, PEER_SEND_TEXT, PEER_CLOSE};
	check_ops(&s, ops, 3);
	/* the count is the file's length, so the NUL inside is sent too */
	ck_assert_uint_eq(s.steps[1].count, sizeof(data) - 1);
	ck_assert_mem_eq(s.steps[1].text, data, sizeof(data) - 1);
	peer_script_free(&s);

	/* quoted paths, with the quotes taken off */
	snprintf(text, sizeof(text), "send-file \"%s\"", path);
	load_ok(&s, text);
	ck_assert_uint_eq(s.steps[0].count, sizeof(data) - 1);
	peer_script_free(&s);
	unlink(path);
}
END_TEST

START_TEST(test_send_file_of_an_empty_file_sends_nothing)
{
	char path[64];
	temp_file(path, sizeof(path), "", 0);
	char text[128];
	snprintf(text, sizeof(text), "send-file %s", path);
	struct peer_script s;
	load_ok(&s, text);
	ck_assert_uint_eq(s.n_steps, 1);
	ck_assert_int_eq(s.steps[0].op, PEER_SEND_TEXT);
	ck_assert_uint_eq(s.steps[0].count, 0);
	ck_assert_str_eq(s.steps[0].text, "");
	peer_script_free(&s);
	unlink(path);
}
END_TEST

START_TEST(test_send_file_without_a_readable_file_is_refused)
{
	struct peer_script s;
	char why[512] = "";
	ck_assert_int_eq(
	    peer_script_load(&s, "connect; send-file /nonexistent/synfin-file", why, sizeof(why)),
	    -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "send-file /nonexistent/synfin-file: No such file"));
	ck_assert_uint_eq(s.n_steps, 0);
	ck_assert_int_eq(peer_script_load(&s, "send-file   ", why, sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "'send-file' needs a file path");
	/* a word that only starts like send-file is the shared parser's business */
	ck_assert_int_eq(peer_script_load(&s, "send-filex /etc/hostname", why, sizeof(why)),
	                 -EINVAL);
}
END_TEST

START_TEST(test_read_file_returns_length_and_a_terminating_nul)
{
	/* past the first 64 KiB buffer, so it has to grow */
	size_t n = 200000;
	char *data = malloc(n);
	ck_assert_ptr_nonnull(data);
	for (size_t i = 0; i < n; i++)
		data[i] = (char)('a' + i % 26);
	char path[64];
	temp_file(path, sizeof(path), data, n);
	size_t len = 0;
	char why[256];
	char *got = peer_read_file(path, &len, why, sizeof(why));
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(len, n);
	ck_assert_mem_eq(got, data, n);
	ck_assert_int_eq(got[n], '\0');
	free(got);
	free(data);
	unlink(path);
	ck_assert_ptr_null(peer_read_file(path, &len, why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, path));
}
END_TEST

static void fit(struct peer_script *s, const char *text, bool server)
{
	load_ok(s, text);
	char why[256] = "";
	int rc = peer_script_fit_role(s, server, why, sizeof(why));
	ck_assert_msg(rc == 0, "'%s' as %s: %s", text, server ? "server" : "client", why);
}

START_TEST(test_client_without_connect_gets_one_first)
{
	struct peer_script s;
	fit(&s, "send 1K; close", false);
	enum peer_op ops[] = {PEER_CONNECT, PEER_SEND, PEER_CLOSE};
	check_ops(&s, ops, 3);
	ck_assert_uint_eq(s.steps[1].count, 1024);
	peer_script_free(&s);
	/* one already there is left alone */
	fit(&s, "connect; close", false);
	enum peer_op ops2[] = {PEER_CONNECT, PEER_CLOSE};
	check_ops(&s, ops2, 2);
	peer_script_free(&s);
}
END_TEST

START_TEST(test_server_without_accept_gets_one_first)
{
	struct peer_script s;
	fit(&s, "read-eof\nclose", true);
	enum peer_op ops[] = {PEER_ACCEPT, PEER_READ_EOF, PEER_CLOSE};
	check_ops(&s, ops, 3);
	peer_script_free(&s);
	fit(&s, "accept; echo", true);
	enum peer_op ops2[] = {PEER_ACCEPT, PEER_ECHO};
	check_ops(&s, ops2, 2);
	peer_script_free(&s);
}
END_TEST

static void check_misfit(const char *text, bool server, const char *says)
{
	struct peer_script s;
	load_ok(&s, text);
	char why[256] = "";
	ck_assert_int_eq(peer_script_fit_role(&s, server, why, sizeof(why)), -EINVAL);
	ck_assert_msg(strstr(why, says) != NULL, "'%s': message '%s' lacks '%s'", text, why, says);
	peer_script_free(&s);
}

START_TEST(test_scripts_that_do_not_fit_their_role_are_refused)
{
	check_misfit("accept; close", false, "a client script cannot accept");
	check_misfit("connect; connect", false, "a client script connects once");
	check_misfit("connect; close", true, "a server script cannot connect");
	check_misfit("read-eof; accept", true, "a server script has one accept, first");
	check_misfit("accept; accept", true, "one accept, first");
	check_misfit("connect; close; send 1", false, "'send' follows 'close'");
	check_misfit("abort\nread-eof", true, "'read-eof' follows 'abort'");
}
END_TEST

static Suite *peer_script_load_suite(void)
{
	Suite *s = suite_create("host_peer_script_load");
	TCase *tc = tcase_create("text");
	tcase_add_test(tc, test_newlines_separate_steps_like_semicolons);
	tcase_add_test(tc, test_hash_starts_a_comment_to_the_end_of_the_line);
	tcase_add_test(tc, test_hash_and_semicolon_inside_quotes_are_text);
	tcase_add_test(tc, test_comment_only_or_blank_script_is_refused_as_empty);
	tcase_add_test(tc, test_bad_step_on_a_later_line_is_refused_and_nothing_kept);
	suite_add_tcase(s, tc);
	tc = tcase_create("send-file");
	tcase_add_test(tc, test_send_file_loads_the_whole_file_nuls_included);
	tcase_add_test(tc, test_send_file_of_an_empty_file_sends_nothing);
	tcase_add_test(tc, test_send_file_without_a_readable_file_is_refused);
	tcase_add_test(tc, test_read_file_returns_length_and_a_terminating_nul);
	suite_add_tcase(s, tc);
	tc = tcase_create("roles");
	tcase_add_test(tc, test_client_without_connect_gets_one_first);
	tcase_add_test(tc, test_server_without_accept_gets_one_first);
	tcase_add_test(tc, test_scripts_that_do_not_fit_their_role_are_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(peer_script_load_suite());
}
