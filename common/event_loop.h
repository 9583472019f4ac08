/* event_loop.h: one thread, one epoll set, one timerfd for every timer, one signalfd for
 * SIGINT/SIGTERM and any other signal asked for. Small on purpose, in the manner of redis'
 * ae.c: file events, time events and a hook that runs before each wait. The event loop of the
 * stack's host (synfin-peer) and of synfin-faultd; with tun_device.c, the only code of the
 * stack that makes syscalls, and the only place that reads the clock: everything else gets
 * the time passed in.
 *
 * Times are CLOCK_MONOTONIC nanoseconds. */
#ifndef SYNFIN_EVENT_LOOP_H
#define SYNFIN_EVENT_LOOP_H

#include <stdint.h>

#define EVENT_READ 0x1u
#define EVENT_WRITE 0x2u
#define EVENT_ERROR 0x4u /* reported only: hang-up or error on the descriptor */

struct event_loop;

typedef void (*event_fd_fn)(struct event_loop *loop, int fd, unsigned events, void *arg);
typedef void (*event_timer_fn)(struct event_loop *loop, uint64_t now_ns, void *arg);
typedef void (*event_signal_fn)(struct event_loop *loop, int signo, void *arg);
typedef void (*event_hook_fn)(struct event_loop *loop, void *arg);

int event_loop_new(struct event_loop **out);
/* Closes the loop's own descriptors (not the watched ones) and restores the signal mask. */
void event_loop_free(struct event_loop *loop);

/* Watch fd for events (EVENT_READ and/or EVENT_WRITE); a second call for the same fd replaces
 * the events and the callback. */
int event_loop_watch_fd(struct event_loop *loop, int fd, unsigned events, event_fd_fn fn,
                        void *arg);
int event_loop_unwatch_fd(struct event_loop *loop, int fd);

/* A one-shot timer at an absolute monotonic time (a time already past fires on the next turn).
 * Returns its id (> 0) or a negative errno. Cancelling an id that already fired is harmless. */
long event_loop_timer_at(struct event_loop *loop, uint64_t when_ns, event_timer_fn fn, void *arg);
void event_loop_timer_cancel(struct event_loop *loop, long id);

/* Deliver SIGINT and SIGTERM through the loop instead of killing the process: both are blocked
 * and read from a signalfd. */
int event_loop_catch_signals(struct event_loop *loop, event_signal_fn fn, void *arg);
/* Deliver signo through the same callback too (after event_loop_catch_signals), like SIGHUP
 * for a daemon's reload. */
int event_loop_catch_signal(struct event_loop *loop, int signo);

/* Runs before every wait, after the callbacks of the previous turn: the place to flush output
 * and re-arm deadlines once per turn rather than after every event. */
void event_loop_set_before_wait(struct event_loop *loop, event_hook_fn fn, void *arg);

/* The time at which the current turn woke up (cheap: no clock read). */
uint64_t event_loop_now(const struct event_loop *loop);
/* Read the monotonic clock now and make it the turn's time. */
uint64_t event_loop_update_now(struct event_loop *loop);
/* The wall-clock time (CLOCK_REALTIME ns since the epoch) of a loop time: the wall clock is read
 * once, when the loop is made, so logs can be lined up with other programs' traces while every
 * interval still comes from the monotonic clock. */
uint64_t event_loop_wall_time(const struct event_loop *loop, uint64_t loop_ns);

/* Run until event_loop_stop() is called; 0, or a negative errno if waiting failed. */
int event_loop_run(struct event_loop *loop);
void event_loop_stop(struct event_loop *loop);

#endif
