/* test_event_loop.c: common/event_loop.c with real descriptors: timers on the timerfd,
 * readiness of pipes and socketpairs, SIGTERM through the signalfd, the before-wait hook, stop. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/event_loop.h"
#include "test_support.h"

#define MS 1000000ull

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* How late a timer fires is the scheduler's business on a shared machine (two busy neighbours
 * made these timers 5-37 ms late), so these tests assert order, "never early" and "before the
 * 2 s watchdog", which load cannot fake; lateness is measured in bench/ (bench_delay_queue,
 * bench_faultd's hold error). */

/* A watchdog, so a loop that never stops fails the test instead of hanging it. */
static void on_watchdog(struct event_loop *loop, uint64_t now_ns, void *arg)
{
	(void)now_ns;
	*(int *)arg = 1;
	event_loop_stop(loop);
}

static long arm_watchdog(struct event_loop *loop, int *fired, uint64_t after_ns)
{
	*fired = 0;
	return event_loop_timer_at(loop, event_loop_update_now(loop) + after_ns, on_watchdog,
	                           fired);
}

struct firing {
	int tag;
	uint64_t arg_now_ns; /* the time the callback was given */
	uint64_t clock_ns;   /* the monotonic clock when it ran */
};

struct timer_log {
	struct firing f[16];
	int n;
	int stop_after;
};

struct timer_tag {
	struct timer_log *log;
	int tag;
};

static void on_logged_timer(struct event_loop *loop, uint64_t now_ns, void *arg)
{
	struct timer_tag *t = arg;
	struct timer_log *log = t->log;
	if (log->n < 16)
		log->f[log->n++] = (struct firing){t->tag, now_ns, mono_ns()};
	if (log->n == log->stop_after)
		event_loop_stop(loop);
}

START_TEST(test_timers_fire_in_deadline_order_at_their_deadlines)
{
	struct event_loop *loop;
	ck_assert_int_eq(event_loop_new(&loop), 0);
	struct timer_log log = {.stop_after = 3};
	struct timer_tag tags[3] = {{&log, 30}, {&log, 10}, {&log, 20}};
	uint64_t start = event_loop_update_now(loop);
	/* added out of order: 30 ms, 10 ms, 20 ms */
	for (int i = 0; i < 3; i++)
		ck_assert_int_gt(event_loop_timer_at(loop, start + (uint64_t)tags[i].tag * MS,
		                                     on_logged_timer, &tags[i]),
		                 0);
	int dog;
	arm_watchdog(loop, &dog, 2000 * MS);
	ck_assert_int_eq(event_loop_run(loop), 0);
	ck_assert_int_eq(dog, 0);
	ck_assert_int_eq(log.n, 3);
	for (int i = 0; i < 3; i++) {
		int want = 10 * (i + 1);
		ck_assert_int_eq(log.f[i].tag, want);
		uint64_t deadline = start + (uint64_t)want * MS;
		/* never early, by the loop's clock and by the callback's own reading */
		ck_assert_uint_ge(log.f[i].arg_now_ns, deadline);
		ck_assert_uint_ge(log.f[i].clock_ns, deadline);
	}
	event_loop_free(loop);
}
END_TEST

START_TEST(test_timers_with_equal_deadlines_fire_in_the_order_they_were_added)
{
	struct event_loop *loop;
	ck_assert_int_eq(event_loop_new(&loop), 0);
	struct timer_log log = {.stop_after = 4};
	struct timer_tag tags[4] = {{&log, 1}, {&log, 2}, {&log, 3}, {&log, 4}};
	uint64_t when = event_loop_update_now(loop) + 5 * MS;
	for (int i = 0; i < 4; i++)
		event_loop_timer_at(loop, when, on_logged_timer, &tags[i]);
	int dog;
	arm_watchdog(loop, &dog, 2000 * MS);
	ck_assert_int_eq(event_loop_run(loop), 0);
	ck_assert_int_eq(log.n, 4);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(log.f[i].tag, i + 1);
	event_loop_free(loop);
}
END_TEST

START_TEST(test_cancelled_timer_never_fires)
{
	struct event_loop *loop;
	ck_assert_int_eq(event_loop_new(&loop), 0);
	struct timer_log log = {.stop_after = 1};
	struct timer_tag early = {&log, 1}, late = {&log, 2};
	uint64_t now = event_loop_update_now(loop);
	long id = event_loop_timer_at(loop, now + 5 * MS, on_logged_timer, &early);
	event_loop_timer_at(loop, now + 20 * MS, on_logged_timer, &late);
	event_loop_timer_cancel(loop, id);
	event_loop_timer_cancel(loop, id); /* twice: harmless */
	event_loop_timer_cancel(loop, 12345);
	ck_assert_int_eq(event_loop_run(loop), 0);
	ck_assert_int_eq(log.n, 1);
	ck_assert_int_eq(log.f[0].tag, 2);
	event_loop_free(loop);
}
END_TEST

START_TEST(test_timer_in_the_past_fires_on_the_next_turn)
{
	struct event_loop *loop;
	ck_assert_int_eq(event_loop_new(&loop), 0);
	struct timer_log log = {.stop_after = 2};
	struct timer_tag zero = {&log, 1}, past = {&log, 2};
	uint64_t t0 = mono_ns();
	/* time 0 is a deadline too (the timerfd would read an all-zero value as "disarm") */
	event_loop_timer_at(loop, 0, on_logged_timer, &zero);
	event_loop_timer_at(loop, event_loop_update_now(loop) - 1 * MS, on_logged_timer, &past);
	int dog;
	arm_watchdog(loop, &dog, 2000 * MS);
	ck_assert_int_eq(event_loop_run(loop), 0);
	ck_assert_int_eq(dog, 0);
	ck_assert_int_eq(log.n, 2);
	ck_assert_int_eq(log.f[0].tag, 1);
	/* both ran long before the watchdog's 2 s: they did not wait for some later event */
	ck_assert_uint_lt(mono_ns() - t0, 2000 * MS);
	event_loop_free(loop);
}
END_TEST

struct chain {
	int fired;
	uint64_t first_ns, second_ns;
};

static void on_chain_second(struct event_loop *loop, uint64_t now_ns, void *arg)
{
	struct chain *c = arg;
	c->second_ns = now_ns;
	c->fired++;
	event_loop_stop(loop);
}

static void on_chain_first(struct event_loop *loop, uint64_t now_ns, void *arg)
{
	struct chain *c = arg;
	c->first_ns = now_ns;
	c->fired++;
	event_loop_timer_at(loop, now_ns + 10 * MS, on_chain_second, c);
}

START_TEST(test_timer_added_by_a_timer_callback_fires_later)
{
	struct event_loop *loop;
	ck_assert_int_eq(event_loop_new(&loop), 0);
	struct chain c = {0};
	event_loop_timer_at(loop, event_loop_update_now(loop) + 5 * MS, on_chain_first, &c);
	int dog;
	arm_watchdog(loop, &dog, 2000 * MS);
	ck_assert_int_eq(event_loop_run(loop), 0);
	ck_assert_int_eq(c.fired, 2);
	ck_assert_int_eq(dog, 0);
	ck_assert_uint_ge(c.second_ns - c.first_ns, 10 * MS);
	event_loop_free(loop);
}
END_TEST

struct fd_seen {
	int calls;
	int fd;
	unsigned events;
	char byte;
	int tag;
};

static void on_fd_read_byte(struct event_loop *loop, int fd, unsigned events, void *arg)
{
	struct fd_seen *s = arg;
	s->calls++;
	s->fd = fd;
	s->events = events;
	if (events & EVENT_READ)
		ck_assert_int_eq(read(fd, &s->byte, 1), 1);
	event_loop_stop(loop);
}

START_TEST(test_readable_pipe_calls_back_with_read_event)
{
	struct event_loop *loop;
	ck_assert_int_eq(event_loop_new(&loop), 0);
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	struct fd_seen seen = {0};
	ck_assert_int_eq(event_loop_watch_fd(loop, p[0], EVENT_READ, on_fd_read_byte, &seen), 0);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	int dog;
	arm_watchdog(loop, &dog, 2000 * MS);
	ck_assert_int_eq(event_loop_run(loop), 0);
	ck_assert_int_eq(dog, 0);
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_int_eq(seen.fd, p[0]);
	ck_assert_uint_eq(seen.events, EVENT_READ);
	ck_assert_int_eq(seen.byte, 'x');
	event_loop_free(loop);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(test_quiet_pipe_is_not_reported_until_written)
{
	struct event_loop *loop;
	ck_assert_int_eq(event_loop_new(&loop), 0);
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	struct fd_seen seen = {0};
	event_loop_watch_fd(loop, p[0], EVENT_READ, on_fd_read_byte, &seen);
	int dog;
	arm_watchdog(loop, &dog, 30 * MS);
	ck_assert_int_eq(event_loop_run(loop), 0);
	ck_assert_int_eq(dog, 1);
	ck_assert_int_eq(seen.calls, 0);
	event_loop_free(loop);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(test_writable_socket_calls_back_with_write_event)
{
	struct event_loop *loop;
	ck_assert_int_eq(event_loop_new(&loop), 0);
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct fd_seen seen = {0};
	ck_assert_int_eq(event_loop_watch_fd(loop, sv[0], EVENT_WRITE, on_fd_read_byte, &seen), 0);
	int dog;
	arm_watchdog(loop, &dog, 2000 * MS);
	ck_assert_int_eq(event_loop_run(loop), 0);
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_uint_eq(seen.events, EVENT_WRITE);
	event_loop_free(loop);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(test_closed_writer_is_reported_as_error_event)
{
	struct event_loop *loop;
	ck_assert_int_eq(event_loop_new(&loop), 0);
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	close(p[1]);
	struct fd_seen seen = {0};
	event_loop_watch_fd(loop, p[0], EVENT_READ, on_fd_read_byte, &seen);
	int dog;
	arm_watchdog(loop, &dog, 2000 * MS);
	ck_assert_int_eq(event_loop_run(loop), 0);
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_uint_eq(seen.events & EVENT_ERROR, EVENT_ERROR);
	event_loop_free(loop);
	close(p[0]);
}
END_TEST

static void on_fd_count(struct event_loop *loop, int fd, unsigned events, void *arg)
{
	struct fd_seen *s = arg;
	(void)loop;
	(void)events;
	char b;
	ck_assert_int_eq(read(fd, &b, 1), 1);
	s->calls++;
}

START_TEST(test_unwatched_fd_is_no_longer_reported)
{
	struct event_loop *loop;
	ck_assert_int_eq(event_loop_new(&loop), 0);
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	struct fd_seen seen = {0};
	ck_assert_int_eq(event_loop_watch_fd(loop, p[0], EVENT_READ, on_fd_count, &seen), 0);
	ck_assert_int_eq(event_loop_unwatch_fd(loop, p[0]), 0);
	ck_assert_int_eq(event_loop_unwatch_fd(loop, p[0]), -ENOENT);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	int dog;
	arm_watchdog(loop, &dog, 30 * MS);
	ck_assert_int_eq(event_loop_run(loop), 0);
	ck_assert_int_eq(dog, 1);
	ck_assert_int_eq(seen.calls, 0);
	event_loop_free(loop);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(test_watching_again_replaces_the_callback)
{
	struct event_loop *loop;
	ck_assert_int_eq(event_loop_new(&loop), 0);
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	struct fd_seen first = {0}, second = {0};
	ck_assert_int_eq(event_loop_watch_fd(loop, p[0], EVENT_READ, on_fd_count, &first), 0);
	ck_assert_int_eq(event_loop_watch_fd(loop, p[0], EVENT_READ, on_fd_read_byte, &second), 0);
	ck_assert_int_eq(write(p[1], "y", 1), 1);
	int dog;
	arm_watchdog(loop, &dog, 2000 * MS);
	ck_assert_int_eq(event_loop_run(loop), 0);
	ck_assert_int_eq(first.calls, 0);
	ck_assert_int_eq(second.calls, 1);
	ck_assert_int_eq(second.byte, 'y');
	event_loop_free(loop);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(test_watching_a_bad_fd_is_refused)
{
	struct event_loop *loop;
	ck_assert_int_eq(event_loop_new(&loop), 0);
	struct fd_seen seen = {0};
	ck_assert_int_eq(event_loop_watch_fd(loop, -1, EVENT_READ, on_fd_count, &seen), -EBADF);
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(event_loop_watch_fd(loop, p[0], EVENT_READ, on_fd_count, &seen), -EBADF);
	ck_assert_int_eq(event_loop_unwatch_fd(loop, 1000), -ENOENT);
	event_loop_free(loop);
}
END_TEST

struct sig_seen {
	int calls;
	int signo;
};

static void on_signal(struct event_loop *loop, int signo, void *arg)
{
	struct sig_seen *s = arg;
	s->calls++;
	s->signo = signo;
	event_loop_stop(loop);
}

static bool sigterm_blocked(void)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, SIGTERM) == 1;
}

START_TEST(test_sigterm_is_delivered_through_the_loop_and_the_mask_restored)
{
	ck_assert(!sigterm_blocked());
	struct event_loop *loop;
	ck_assert_int_eq(event_loop_new(&loop), 0);
	struct sig_seen seen = {0};
	ck_assert_int_eq(event_loop_catch_signals(loop, on_signal, &seen), 0);
	ck_assert(sigterm_blocked());
	/* blocked, so pending until the loop reads it from the signalfd; unblocked, it would
	 * kill this test */
	ck_assert_int_eq(raise(SIGTERM), 0);
	int dog;
	arm_watchdog(loop, &dog, 2000 * MS);
	ck_assert_int_eq(event_loop_run(loop), 0);
	ck_assert_int_eq(dog, 0);
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_int_eq(seen.signo, SIGTERM);
	event_loop_free(loop);
	ck_assert(!sigterm_blocked());
}
END_TEST

START_TEST(test_sigint_is_caught_too)
{
	struct event_loop *loop;
	ck_assert_int_eq(event_loop_new(&loop), 0);
	struct sig_seen seen = {0};
	ck_assert_int_eq(event_loop_catch_signals(loop, on_signal, &seen), 0);
	ck_assert_int_eq(raise(SIGINT), 0);
	int dog;
	arm_watchdog(loop, &dog, 2000 * MS);
	ck_assert_int_eq(event_loop_run(loop), 0);
	ck_assert_int_eq(seen.signo, SIGINT);
	event_loop_free(loop);
}
END_TEST

static bool sighup_blocked(void)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, SIGHUP) == 1;
}

START_TEST(test_sighup_asked_for_comes_through_the_same_callback_and_is_unblocked_after)
{
	ck_assert(!sighup_blocked());
	struct event_loop *loop;
	ck_assert_int_eq(event_loop_new(&loop), 0);
	struct sig_seen seen = {0};
	ck_assert_int_eq(event_loop_catch_signals(loop, on_signal, &seen), 0);
	ck_assert_int_eq(event_loop_catch_signal(loop, SIGHUP), 0);
	ck_assert(sighup_blocked());
	ck_assert(sigterm_blocked());
	ck_assert_int_eq(raise(SIGHUP), 0);
	int dog;
	arm_watchdog(loop, &dog, 2000 * MS);
	ck_assert_int_eq(event_loop_run(loop), 0);
	ck_assert_int_eq(dog, 0);
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_int_eq(seen.signo, SIGHUP);
	/* SIGINT and SIGTERM still come through after the mask grew */
	ck_assert_int_eq(raise(SIGTERM), 0);
	ck_assert_int_eq(event_loop_run(loop), 0);
	ck_assert_int_eq(seen.calls, 2);
	ck_assert_int_eq(seen.signo, SIGTERM);
	event_loop_free(loop);
	ck_assert(!sighup_blocked());
	ck_assert(!sigterm_blocked());
}
END_TEST

struct hook_count {
	int hooks;
	int timers;
	int stop_at;
};

static void on_hook(struct event_loop *loop, void *arg)
{
	struct hook_count *h = arg;
	h->hooks++;
	if (h->hooks == h->stop_at)
		event_loop_stop(loop);
}

static void on_hook_timer(struct event_loop *loop, uint64_t now_ns, void *arg)
{
	struct hook_count *h = arg;
	h->timers++;
	/* one more turn each time, so the hook runs once per turn */
	if (h->timers < 3)
		event_loop_timer_at(loop, now_ns + 1 * MS, on_hook_timer, h);
}

START_TEST(test_before_wait_hook_runs_once_per_turn_and_can_stop_the_loop)
{
	struct event_loop *loop;
	ck_assert_int_eq(event_loop_new(&loop), 0);
	struct hook_count h = {.stop_at = 4};
	event_loop_set_before_wait(loop, on_hook, &h);
	event_loop_timer_at(loop, event_loop_update_now(loop) + 1 * MS, on_hook_timer, &h);
	int dog;
	arm_watchdog(loop, &dog, 2000 * MS);
	ck_assert_int_eq(event_loop_run(loop), 0);
	ck_assert_int_eq(dog, 0);
	/* hook, wait, timer 1, hook, wait, timer 2, hook, wait, timer 3, hook: stop */
	ck_assert_int_eq(h.timers, 3);
	ck_assert_int_eq(h.hooks, 4);
	event_loop_free(loop);
}
END_TEST

static void on_stop_now(struct event_loop *loop, uint64_t now_ns, void *arg)
{
	(void)now_ns;
	(*(int *)arg)++;
	event_loop_stop(loop);
}

START_TEST(test_stop_ends_the_turn_before_the_other_due_timers)
{
	struct event_loop *loop;
	ck_assert_int_eq(event_loop_new(&loop), 0);
	int calls = 0;
	uint64_t when = event_loop_update_now(loop) + 2 * MS;
	event_loop_timer_at(loop, when, on_stop_now, &calls);
	event_loop_timer_at(loop, when, on_stop_now, &calls);
	ck_assert_int_eq(event_loop_run(loop), 0);
	ck_assert_int_eq(calls, 1);
	/* the other one is still armed and runs on the next run */
	ck_assert_int_eq(event_loop_run(loop), 0);
	ck_assert_int_eq(calls, 2);
	event_loop_free(loop);
}
END_TEST

START_TEST(test_loop_time_follows_the_monotonic_clock_and_maps_to_wall_time)
{
	struct event_loop *loop;
	uint64_t before = mono_ns();
	ck_assert_int_eq(event_loop_new(&loop), 0);
	uint64_t t0 = event_loop_now(loop);
	ck_assert_uint_ge(t0, before);
	ck_assert_uint_le(t0, mono_ns());
	struct timespec ms5 = {0, 5 * 1000000};
	nanosleep(&ms5, NULL);
	ck_assert_uint_eq(event_loop_now(loop), t0); /* no clock read until asked */
	uint64_t t1 = event_loop_update_now(loop);
	ck_assert_uint_ge(t1 - t0, 5 * MS);
	ck_assert_uint_eq(event_loop_now(loop), t1);

	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	uint64_t wall_ns = (uint64_t)wall.tv_sec * 1000000000ull + (uint64_t)wall.tv_nsec;
	uint64_t mapped = event_loop_wall_time(loop, event_loop_update_now(loop));
	uint64_t diff = mapped > wall_ns ? mapped - wall_ns : wall_ns - mapped;
	ck_assert_uint_le(diff, 1000 * MS); /* a wrong mapping is off by the boot time */
	/* intervals are the monotonic clock's */
	ck_assert_uint_eq(event_loop_wall_time(loop, t1) - event_loop_wall_time(loop, t0), t1 - t0);
	event_loop_free(loop);
}
END_TEST

static Suite *event_loop_suite(void)
{
	Suite *s = suite_create("event_loop");
	TCase *tc = tcase_create("timers");
	tcase_add_test(tc, test_timers_fire_in_deadline_order_at_their_deadlines);
	tcase_add_test(tc, test_timers_with_equal_deadlines_fire_in_the_order_they_were_added);
	tcase_add_test(tc, test_cancelled_timer_never_fires);
	tcase_add_test(tc, test_timer_in_the_past_fires_on_the_next_turn);
	tcase_add_test(tc, test_timer_added_by_a_timer_callback_fires_later);
	suite_add_tcase(s, tc);
	tc = tcase_create("descriptors");
	tcase_add_test(tc, test_readable_pipe_calls_back_with_read_event);
	tcase_add_test(tc, test_quiet_pipe_is_not_reported_until_written);
	tcase_add_test(tc, test_writable_socket_calls_back_with_write_event);
	tcase_add_test(tc, test_closed_writer_is_reported_as_error_event);
	tcase_add_test(tc, test_unwatched_fd_is_no_longer_reported);
	tcase_add_test(tc, test_watching_again_replaces_the_callback);
	tcase_add_test(tc, test_watching_a_bad_fd_is_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("signals");
	tcase_add_test(tc, test_sigterm_is_delivered_through_the_loop_and_the_mask_restored);
	tcase_add_test(tc, test_sigint_is_caught_too);
	tcase_add_test(
	    tc, test_sighup_asked_for_comes_through_the_same_callback_and_is_unblocked_after);
	suite_add_tcase(s, tc);
	tc = tcase_create("turns");
	tcase_add_test(tc, test_before_wait_hook_runs_once_per_turn_and_can_stop_the_loop);
	tcase_add_test(tc, test_stop_ends_the_turn_before_the_other_due_timers);
	tcase_add_test(tc, test_loop_time_follows_the_monotonic_clock_and_maps_to_wall_time);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(event_loop_suite());
}
