/* event_loop.c: epoll + timerfd + signalfd. */
#include "event_loop.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

struct fd_watch {
	bool used;
	unsigned events;
	event_fd_fn fn;
	void *arg;
};

struct timer {
	long id;
	uint64_t when_ns;
	event_timer_fn fn;
	void *arg;
};

struct event_loop {
	int epfd;
	int timerfd;
	int sigfd;
	bool stop;
	uint64_t now_ns;
	uint64_t origin_ns;      /* monotonic time when the loop was made */
	uint64_t wall_origin_ns; /* CLOCK_REALTIME at that moment */
	uint64_t armed_ns;       /* what the timerfd is set to; 0 when disarmed */

	struct fd_watch *watches; /* indexed by fd */
	int n_watches;

	struct timer *timers; /* unordered: a handful at most, so scans beat a heap */
	size_t n_timers, cap_timers;
	long next_timer_id;

	event_signal_fn sig_fn;
	void *sig_arg;
	sigset_t caught;
	sigset_t old_mask;
	bool mask_changed;

	event_hook_fn before_wait;
	void *before_wait_arg;
};

static uint64_t clock_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int epoll_ctl_fd(struct event_loop *loop, int op, int fd, unsigned events)
{
	struct epoll_event ev;
	memset(&ev, 0, sizeof(ev));
	if (events & EVENT_READ)
		ev.events |= EPOLLIN;
	if (events & EVENT_WRITE)
		ev.events |= EPOLLOUT;
	ev.data.fd = fd;
	return epoll_ctl(loop->epfd, op, fd, &ev) == 0 ? 0 : -errno;
}

int event_loop_new(struct event_loop **out)
{
	struct event_loop *loop = calloc(1, sizeof(*loop));
	if (loop == NULL)
		return -ENOMEM;
	loop->sigfd = -1;
	sigemptyset(&loop->caught);
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	loop->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (loop->epfd < 0 || loop->timerfd < 0) {
		int err = -errno;
		event_loop_free(loop);
		return err;
	}
	int err = epoll_ctl_fd(loop, EPOLL_CTL_ADD, loop->timerfd, EVENT_READ);
	if (err < 0) {
		event_loop_free(loop);
		return err;
	}
	loop->next_timer_id = 1;
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	loop->now_ns = loop->origin_ns = clock_now_ns();
	loop->wall_origin_ns = (uint64_t)wall.tv_sec * 1000000000u + (uint64_t)wall.tv_nsec;
	*out = loop;
	return 0;
}

void event_loop_free(struct event_loop *loop)
{
	if (loop == NULL)
		return;
	if (loop->epfd >= 0)
		close(loop->epfd);
	if (loop->timerfd >= 0)
		close(loop->timerfd);
	if (loop->sigfd >= 0)
		close(loop->sigfd);
	if (loop->mask_changed)
		sigprocmask(SIG_SETMASK, &loop->old_mask, NULL);
	free(loop->watches);
	free(loop->timers);
	free(loop);
}

int event_loop_watch_fd(struct event_loop *loop, int fd, unsigned events, event_fd_fn fn, void *arg)
{
	if (fd < 0)
		return -EBADF;
	if (fd >= loop->n_watches) {
		int n = fd + 16;
		struct fd_watch *w = realloc(loop->watches, (size_t)n * sizeof(*w));
		if (w == NULL)
			return -ENOMEM;
		memset(w + loop->n_watches, 0, (size_t)(n - loop->n_watches) * sizeof(*w));
		loop->watches = w;
		loop->n_watches = n;
	}
	struct fd_watch *w = &loop->watches[fd];
	int err = epoll_ctl_fd(loop, w->used ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, events);
	if (err < 0)
		return err;
	w->used = true;
	w->events = events;
	w->fn = fn;
	w->arg = arg;
	return 0;
}

int event_loop_unwatch_fd(struct event_loop *loop, int fd)
{
	if (fd < 0 || fd >= loop->n_watches || !loop->watches[fd].used)
		return -ENOENT;
	loop->watches[fd].used = false;
	return epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL) == 0 ? 0 : -errno;
}

long event_loop_timer_at(struct event_loop *loop, uint64_t when_ns, event_timer_fn fn, void *arg)
{
	if (loop->n_timers == loop->cap_timers) {
		size_t cap = loop->cap_timers ? loop->cap_timers * 2 : 8;
		struct timer *t = realloc(loop->timers, cap * sizeof(*t));
		if (t == NULL)
			return -ENOMEM;
		loop->timers = t;
		loop->cap_timers = cap;
	}
	struct timer *t = &loop->timers[loop->n_timers++];
	t->id = loop->next_timer_id++;
	t->when_ns = when_ns;
	t->fn = fn;
	t->arg = arg;
	return t->id;
}

void event_loop_timer_cancel(struct event_loop *loop, long id)
{
	for (size_t i = 0; i < loop->n_timers; i++) {
		if (loop->timers[i].id == id) {
			loop->timers[i] = loop->timers[--loop->n_timers];
			return;
		}
	}
}

int event_loop_catch_signal(struct event_loop *loop, int signo)
{
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, signo);
	if (sigprocmask(SIG_BLOCK, &one, loop->mask_changed ? NULL : &loop->old_mask) != 0)
		return -errno;
	loop->mask_changed = true;
	sigaddset(&loop->caught, signo);
	/* given its own descriptor, signalfd() replaces that descriptor's mask */
	int fd = signalfd(loop->sigfd, &loop->caught, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (loop->sigfd < 0) {
		loop->sigfd = fd;
		return epoll_ctl_fd(loop, EPOLL_CTL_ADD, fd, EVENT_READ);
	}
	return 0;
}

int event_loop_catch_signals(struct event_loop *loop, event_signal_fn fn, void *arg)
{
	int err = event_loop_catch_signal(loop, SIGINT);
	if (err == 0)
		err = event_loop_catch_signal(loop, SIGTERM);
	if (err < 0)
		return err;
	loop->sig_fn = fn;
	loop->sig_arg = arg;
	return 0;
}

void event_loop_set_before_wait(struct event_loop *loop, event_hook_fn fn, void *arg)
{
	loop->before_wait = fn;
	loop->before_wait_arg = arg;
}

uint64_t event_loop_now(const struct event_loop *loop)
{
	return loop->now_ns;
}

uint64_t event_loop_update_now(struct event_loop *loop)
{
	loop->now_ns = clock_now_ns();
	return loop->now_ns;
}

uint64_t event_loop_wall_time(const struct event_loop *loop, uint64_t loop_ns)
{
	return loop->wall_origin_ns + (loop_ns - loop->origin_ns);
}

void event_loop_stop(struct event_loop *loop)
{
	loop->stop = true;
}

/* Fire every timer due by now, earliest first. A callback may add or cancel timers, so pick
 * one at a time from the live array instead of iterating over it. */
static void run_due_timers(struct event_loop *loop)
{
	while (!loop->stop) {
		size_t best = loop->n_timers;
		for (size_t i = 0; i < loop->n_timers; i++) {
			if (loop->timers[i].when_ns > loop->now_ns)
				continue;
			if (best == loop->n_timers ||
			    loop->timers[i].when_ns < loop->timers[best].when_ns ||
			    (loop->timers[i].when_ns == loop->timers[best].when_ns &&
			     loop->timers[i].id < loop->timers[best].id))
				best = i;
		}
		if (best == loop->n_timers)
			return;
		struct timer t = loop->timers[best];
		loop->timers[best] = loop->timers[--loop->n_timers];
		t.fn(loop, loop->now_ns, t.arg);
	}
}

static int arm_timerfd(struct event_loop *loop)
{
	uint64_t earliest = 0; /* 0: no timer */
	for (size_t i = 0; i < loop->n_timers; i++) {
		/* An all-zero it_value disarms, so a deadline at time 0 (long past) becomes 1 ns.
		 */
		uint64_t when = loop->timers[i].when_ns ? loop->timers[i].when_ns : 1;
		if (earliest == 0 || when < earliest)
			earliest = when;
	}
	if (earliest == loop->armed_ns)
		return 0;
	struct itimerspec its;
	memset(&its, 0, sizeof(its));
	if (earliest != 0) {
		its.it_value.tv_sec = (time_t)(earliest / 1000000000u);
		its.it_value.tv_nsec = (long)(earliest % 1000000000u);
	}
	if (timerfd_settime(loop->timerfd, TFD_TIMER_ABSTIME, &its, NULL) != 0)
		return -errno;
	loop->armed_ns = earliest;
	return 0;
}

static void drain(int fd)
{
	uint64_t buf[8];
	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static void handle_signals(struct event_loop *loop)
{
	struct signalfd_siginfo si;
	while (read(loop->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (loop->sig_fn)
			loop->sig_fn(loop, (int)si.ssi_signo, loop->sig_arg);
	}
}

int event_loop_run(struct event_loop *loop)
{
	struct epoll_event evs[16];
	loop->stop = false;
	while (!loop->stop) {
		if (loop->before_wait)
			loop->before_wait(loop, loop->before_wait_arg);
		if (loop->stop)
			break;
		int err = arm_timerfd(loop);
		if (err < 0)
			return err;
		int n = epoll_wait(loop->epfd, evs, (int)(sizeof(evs) / sizeof(evs[0])), -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		event_loop_update_now(loop);
		for (int i = 0; i < n && !loop->stop; i++) {
			int fd = evs[i].data.fd;
			if (fd == loop->timerfd) {
				drain(fd);
				/* fired: the next arm_timerfd() must set it again */
				loop->armed_ns = 0;
				continue;
			}
			if (fd == loop->sigfd) {
				handle_signals(loop);
				continue;
			}
			if (fd >= loop->n_watches || !loop->watches[fd].used)
				continue; /* unwatched by an earlier callback of this turn */
			struct fd_watch *w = &loop->watches[fd];
			unsigned events = 0;
			if (evs[i].events & EPOLLIN)
				events |= EVENT_READ;
			if (evs[i].events & EPOLLOUT)
				events |= EVENT_WRITE;
			if (evs[i].events & (EPOLLERR | EPOLLHUP))
				events |= EVENT_ERROR;
			w->fn(loop, fd, events, w->arg);
		}
		run_due_timers(loop);
	}
	return 0;
}
