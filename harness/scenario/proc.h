/* proc.h: the runner's processes: started by fork/exec with their output to a log, waited
 * for, ended by pid (SIGTERM, then SIGKILL), the clock the run is timed with, and the timer
 * that measures how late the machine runs during a case: a thread of the runner that asks to
 * wake every LATENESS_PERIOD_US, at the endpoints' real-time priority when they have it, and
 * records how late each wake-up was. */
#ifndef SYNFIN_SCENARIO_PROC_H
#define SYNFIN_SCENARIO_PROC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lateness.h"

/* CLOCK_REALTIME in microseconds: the clock the daemon's trace uses. */
uint64_t proc_now_us(void);
void proc_sleep_us(uint64_t us);
bool proc_executable(const char *path);
/* Does the program's --help mention the option? */
bool proc_has_option(const char *prog, const char *option);
/* Start argv with stdout and stderr appended to log, in cwd when not NULL. -1 on failure. */
pid_t proc_spawn_in(char *const argv[], const char *log, const char *cwd);
pid_t proc_spawn(char *const argv[], const char *log);
/* proc_spawn, the child at real-time priority (SCHED_FIFO 1) from the fork on when rt, and
 * exec'ing argv only at start_us on the trace's clock (0: at once): two programs given one
 * start time start together however late the runner itself runs. */
pid_t proc_spawn_at(char *const argv[], const char *log, bool rt, uint64_t start_us);
/* Its exit status, 128 + the signal that ended it, or -1. */
int proc_wait_exit(pid_t pid);
/* Start argv and wait for it: its exit status as proc_wait_exit, or -1. */
int proc_run_wait(char *const argv[], const char *log);
/* End a child: SIGTERM, then SIGKILL after grace_ms. Returns its wait status. */
int proc_stop_child(pid_t pid, unsigned grace_ms);
/* Not root: run this program again, with argv, as root of a user namespace of its own
 * (`netns userns`), where its topologies are private and vanish with it. Returns -errno only
 * when no user namespace can be made (or when already root: 0, nothing done). */
int proc_reexec_in_userns(const char *netns, char **argv);
/* Can this process open /dev/net/tun (stack endpoints)? Probed once. */
bool proc_tun_openable(void);

/* --load: n busy processes (an endless loop each, at normal priority) that keep the CPUs as
 * busy as a shared CI runner is, pids into pids[0..n). They end with this process if it dies;
 * proc_load_stop ends them by pid. Returns how many were started. */
size_t proc_load_start(pid_t *pids, size_t n);
void proc_load_stop(pid_t *pids, size_t n);

#define LATENESS_PERIOD_US 2000

struct lateness_probe {
	pthread_t thread;
	bool running;
	bool rt; /* it got SCHED_FIFO 1 */
	atomic_bool stop;
	struct lateness_samples samples;
};

/* Start the timer; rt: at SCHED_FIFO priority 1 (as chrt -f 1 runs the endpoints), else at
 * the runner's. Returns 0 or a negative errno (nothing is measured then). */
int lateness_probe_start(struct lateness_probe *p, bool rt);
/* Stop it and summarize into l (l->n 0 when it never ran). */
void lateness_probe_stop(struct lateness_probe *p, struct lateness *l);

#endif
