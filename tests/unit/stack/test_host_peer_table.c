/* test_host_peer_table.c: synfin-peer's connection table: found by handle, freed once the
 * script is over, the handle given back and the stack has reported CLOSED (TIME-WAIT is still
 * live), its memory following the live connections, and the exit status still taken from the
 * first failed connection by creation order when that one is already freed. The connections
 * here have finished their scripts, so running them touches no stack. */
#include <errno.h>
#include <stdlib.h>

#include "peer_conn.h"
#include "peer_table.h"
#include "test_support.h"

static struct peer_table T;
static struct peer_env env;

static void setup(void)
{
	ck_assert_int_eq(peer_table_init(&T), 0);
	env = (struct peer_env){.kicks = &T.kicks};
}

static void teardown(void)
{
	peer_table_free(&T);
}

/* A server connection whose script ended and whose handle went back to the stack, now in state
 * st as the stack last said. */
static struct peer_conn *add_done(int sock, enum tcp_state st, int error)
{
	struct peer_conn *c = peer_conn_new(&env, 0);
	ck_assert_ptr_nonnull(c);
	c->sock = sock;
	c->script_over = true;
	c->finished = true;
	c->state = st;
	c->error = error;
	peer_table_add(&T, c);
	return c;
}

static void stack_says(struct peer_conn *c, enum stack_event_type type, enum tcp_state st)
{
	struct stack_event ev = {.type = type, .sock = c->sock, .new_state = st};
	peer_conn_on_event(c, &ev);
}

START_TEST(test_time_wait_connection_stays_until_closed_then_is_freed)
{
	struct peer_conn *c = add_done(5, TCPS_TIME_WAIT, 0);
	ck_assert(peer_table_run_kicked(&T));
	ck_assert_ptr_eq(peer_table_find(&T, 5), c);
	ck_assert_uint_eq(T.live, 1);
	ck_assert_ptr_null(c->buf); /* the script's buffer went with the script */
	ck_assert(!peer_table_run_kicked(&T));

	stack_says(c, STACK_EV_STATE, TCPS_CLOSED);
	stack_says(c, STACK_EV_CLOSED, TCPS_CLOSED);
	ck_assert(peer_table_run_kicked(&T));
	ck_assert_ptr_null(peer_table_find(&T, 5));
	ck_assert_uint_eq(T.live, 0);
	ck_assert_uint_eq(T.made, 1);
	ck_assert_uint_eq(T.unfinished, 0);
}
END_TEST

START_TEST(test_connection_with_its_handle_is_kept)
{
	struct peer_conn *c = add_done(7, TCPS_CLOSED, 0);
	c->has_handle = true;
	peer_table_run_kicked(&T);
	ck_assert_ptr_eq(peer_table_find(&T, 7), c);
	ck_assert_uint_eq(T.live, 1);
}
END_TEST

START_TEST(test_many_served_connections_leave_nothing_behind)
{
	enum { N = 20000 };
	for (int i = 1; i <= N; i++)
		add_done(i, TCPS_LAST_ACK, 0);
	ck_assert_uint_ge(chain_hash_buckets(&T.by_sock), N);
	peer_table_run_kicked(&T);
	ck_assert_uint_eq(T.live, N);
	for (int i = 1; i <= N; i++) {
		struct peer_conn *c = peer_table_find(&T, i);
		ck_assert_ptr_nonnull(c);
		ck_assert_int_eq(c->sock, i);
		stack_says(c, STACK_EV_CLOSED, TCPS_CLOSED);
		if (i % 1000 == 0)
			peer_table_run_kicked(&T);
	}
	peer_table_run_kicked(&T);
	ck_assert_uint_eq(T.live, 0);
	ck_assert_ptr_null(T.oldest);
	ck_assert_uint_eq(chain_hash_buckets(&T.by_sock), 16);
	ck_assert_uint_eq(T.made, N);
}
END_TEST

START_TEST(test_exit_error_is_the_first_failed_connection_even_when_freed)
{
	struct peer_conn *a = add_done(1, TCPS_CLOSED, 0);
	struct peer_conn *b = add_done(2, TCPS_CLOSED, -ECONNRESET);
	struct peer_conn *c = add_done(3, TCPS_CLOSED, -ETIMEDOUT);
	c->has_handle = true; /* stays */
	(void)a;
	(void)b;
	peer_table_run_kicked(&T);
	ck_assert_ptr_null(peer_table_find(&T, 2));
	ck_assert_uint_eq(T.live, 1);
	ck_assert_int_eq(peer_table_exit_error(&T), -ECONNRESET);
}
END_TEST

START_TEST(test_exit_error_of_an_older_live_connection_wins_over_a_freed_one)
{
	struct peer_conn *a = add_done(1, TCPS_TIME_WAIT, -ETIMEDOUT); /* stays */
	add_done(2, TCPS_CLOSED, -ECONNRESET);
	add_done(3, TCPS_CLOSED, -EINTR);
	peer_table_run_kicked(&T);
	ck_assert_ptr_eq(peer_table_find(&T, 1), a);
	ck_assert_uint_eq(T.live, 1);
	ck_assert_int_eq(peer_table_exit_error(&T), -ETIMEDOUT);
}
END_TEST

START_TEST(test_interrupted_or_clean_connections_leave_no_exit_error)
{
	add_done(1, TCPS_CLOSED, -EINTR);
	add_done(2, TCPS_CLOSED, 0);
	peer_table_run_kicked(&T);
	ck_assert_uint_eq(T.live, 0);
	ck_assert_int_eq(peer_table_exit_error(&T), 0);
}
END_TEST

static Suite *peer_table_suite(void)
{
	Suite *s = suite_create("peer_table");
	TCase *tc = tcase_create("table");
	tcase_set_timeout(tc, 60); /* thousands of connections, under a sanitizer too */
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_time_wait_connection_stays_until_closed_then_is_freed);
	tcase_add_test(tc, test_connection_with_its_handle_is_kept);
	tcase_add_test(tc, test_many_served_connections_leave_nothing_behind);
	tcase_add_test(tc, test_exit_error_is_the_first_failed_connection_even_when_freed);
	tcase_add_test(tc, test_exit_error_of_an_older_live_connection_wins_over_a_freed_one);
	tcase_add_test(tc, test_interrupted_or_clean_connections_leave_no_exit_error);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(peer_table_suite());
}
