/* test_host_peer_log.c: synfin-peer's event log, as text on stderr and as JSON Lines, with its
 * times taken from the event loop. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/event_loop.h"
#include "peer_log.h"
#include "test_support.h"

/* A file name under /tmp, removed by the caller. */
static void temp_path(char *buf, size_t size)
{
	snprintf(buf, size, "/tmp/synfin-test-log-XXXXXX");
	int fd = mkstemp(buf);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	static char buf[8192];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Redirect stderr to a file for the duration of a test body. */
static int stderr_to(const char *path)
{
	fflush(stderr);
	int saved = dup(2);
	ck_assert(freopen(path, "w", stderr) != NULL);
	return saved;
}

static void stderr_back(int saved)
{
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
}

START_TEST(test_jsonl_lines_carry_wall_time_relative_time_and_members)
{
	char path[64];
	temp_path(path, sizeof(path));
	struct event_loop *loop;
	ck_assert_int_eq(event_loop_new(&loop), 0);
	struct peer_log log;
	ck_assert_int_eq(peer_log_open(&log, false, path), 0);
	peer_log_start(&log, loop);
	struct timespec ms10 = {0, 10 * 1000000};
	nanosleep(&ms10, NULL);
	event_loop_update_now(loop);
	peer_log_state(&log, 3, "SYN-SENT", "ESTABLISHED");
	peer_log_app(&log, 3, "eof", "10 bytes", ",\"bytes\":10");
	peer_log_app(&log, 0, "exit", NULL, NULL);
	peer_log_json(&log, "stats", ",\"ip_in\":4");
	/* line-buffered: the lines are in the file before it is closed */
	char *text = slurp(path);
	peer_log_close(&log);

	char *lines[4];
	int n = 0;
	for (char *save, *l = strtok_r(text, "\n", &save); l && n < 4;
	     l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	ck_assert_int_eq(n, 4);
	double t, rel;
	char rest[200];
	ck_assert_int_eq(sscanf(lines[0], "{\"t\":%lf,\"rel\":%lf,%199[^\n]", &t, &rel, rest), 3);
	ck_assert_str_eq(rest, "\"event\":\"state\",\"sock\":3,\"from\":\"SYN-SENT\",\"to\":"
	                       "\"ESTABLISHED\"}");
	ck_assert_double_ge(rel, 0.010);
	ck_assert_double_lt(rel, 1.0);
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	ck_assert_double_lt(fabs((double)wall.tv_sec + wall.tv_nsec / 1e9 - t), 1.0);
	ck_assert_int_eq(sscanf(lines[1], "{\"t\":%lf,\"rel\":%lf,%199[^\n]", &t, &rel, rest), 3);
	ck_assert_str_eq(rest, "\"event\":\"app\",\"sock\":3,\"what\":\"eof\",\"bytes\":10}");
	ck_assert_int_eq(sscanf(lines[2], "{\"t\":%lf,\"rel\":%lf,%199[^\n]", &t, &rel, rest), 3);
	/* sock 0: about no connection, so no sock member */
	ck_assert_str_eq(rest, "\"event\":\"app\",\"what\":\"exit\"}");
	ck_assert_int_eq(sscanf(lines[3], "{\"t\":%lf,\"rel\":%lf,%199[^\n]", &t, &rel, rest), 3);
	ck_assert_str_eq(rest, "\"event\":\"stats\",\"ip_in\":4}");
	event_loop_free(loop);
	unlink(path);
}
END_TEST

START_TEST(test_text_log_goes_to_stderr_with_seconds_and_handle)
{
	char path[64];
	temp_path(path, sizeof(path));
	struct event_loop *loop;
	ck_assert_int_eq(event_loop_new(&loop), 0);
	struct peer_log log;
	int saved = stderr_to(path);
	ck_assert_int_eq(peer_log_open(&log, true, NULL), 0);
	peer_log_start(&log, loop);
	peer_log_state(&log, 1, "CLOSED", "SYN-SENT");
	peer_log_app(&log, 1, "connected", "a -> b", ",\"x\":1");
	peer_log_app(&log, 0, "start", NULL, NULL);
	peer_log_json(&log, "stats", ",\"y\":2"); /* JSON only */
	peer_log_close(&log);
	stderr_back(saved);
	ck_assert_str_eq(slurp(path), "0.000000 [1] CLOSED -> SYN-SENT\n"
	                              "0.000000 [1] connected a -> b\n"
	                              "0.000000 start\n");
	event_loop_free(loop);
	unlink(path);
}
END_TEST

START_TEST(test_quiet_log_without_jsonl_writes_nothing)
{
	char path[64];
	temp_path(path, sizeof(path));
	struct peer_log log;
	int saved = stderr_to(path);
	ck_assert_int_eq(peer_log_open(&log, false, NULL), 0);
	peer_log_state(&log, 1, "CLOSED", "LISTEN");
	peer_log_app(&log, 1, "listening", "port 80", NULL);
	peer_log_json(&log, "stats", "");
	/* before peer_log_start there is no clock: times read 0 */
	ck_assert_double_eq(peer_log_elapsed(&log), 0);
	peer_log_close(&log);
	stderr_back(saved);
	ck_assert_str_eq(slurp(path), "");
	unlink(path);
}
END_TEST

START_TEST(test_unwritable_jsonl_path_is_an_errno)
{
	struct peer_log log;
	ck_assert_int_eq(peer_log_open(&log, false, "/nonexistent/dir/log.jsonl"), -ENOENT);
}
END_TEST

START_TEST(test_elapsed_counts_from_start_in_loop_time)
{
	struct event_loop *loop;
	ck_assert_int_eq(event_loop_new(&loop), 0);
	struct peer_log log;
	ck_assert_int_eq(peer_log_open(&log, false, NULL), 0);
	peer_log_start(&log, loop);
	ck_assert_double_eq(peer_log_elapsed(&log), 0);
	struct timespec ms20 = {0, 20 * 1000000};
	nanosleep(&ms20, NULL);
	/* loop time moves only when the loop reads the clock */
	ck_assert_double_eq(peer_log_elapsed(&log), 0);
	event_loop_update_now(loop);
	ck_assert_double_ge(peer_log_elapsed(&log), 0.020);
	ck_assert_double_lt(peer_log_elapsed(&log), 1.0);
	peer_log_close(&log);
	event_loop_free(loop);
}
END_TEST

static Suite *peer_log_suite(void)
{
	Suite *s = suite_create("host_peer_log");
	TCase *tc = tcase_create("log");
	tcase_add_test(tc, test_jsonl_lines_carry_wall_time_relative_time_and_members);
	tcase_add_test(tc, test_text_log_goes_to_stderr_with_seconds_and_handle);
	tcase_add_test(tc, test_quiet_log_without_jsonl_writes_nothing);
	tcase_add_test(tc, test_unwritable_jsonl_path_is_an_errno);
	tcase_add_test(tc, test_elapsed_counts_from_start_in_loop_time);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(peer_log_suite());
}
