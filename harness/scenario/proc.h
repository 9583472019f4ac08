/* proc.h: the runner's processes: started by fork/exec with their output to a log, waited
 * for, ended by pid (SIGTERM, then SIGKILL), and the clock the run is timed with. */
#ifndef SYNFIN_SCENARIO_PROC_H
#define SYNFIN_SCENARIO_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* CLOCK_REALTIME in microseconds: the clock the daemon's trace uses. */
uint64_t proc_now_us(void);
void proc_sleep_us(uint64_t us);
bool proc_executable(const char *path);
/* Does the program's --help mention the option? */
bool proc_has_option(const char *prog, const char *option);
/* Start argv with stdout and stderr appended to log, in cwd when not NULL. -1 on failure. */
pid_t proc_spawn_in(char *const argv[], const char *log, const char *cwd);
pid_t proc_spawn(char *const argv[], const char *log);
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

#endif
