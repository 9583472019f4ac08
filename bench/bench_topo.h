/* bench_topo.h: the topology of bench_faultd and bench_stack_wire (netns/synfin-netns, run id
 * synfin-bfNNNN) and the process plumbing around it: start programs inside its namespaces, wait
 * for them, take it all down at exit, on an error and on SIGINT/SIGTERM/SIGHUP.
 */
#ifndef SYNFIN_BENCH_TOPO_H
#define SYNFIN_BENCH_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SERVER_ADDR "192.168.1.109"

extern char netns_script[4096];
extern char run_id[16];
extern char tmpdir[256];
extern char log_path[300]; /* synfin-netns and iptables output */

/* Exits 1 with the message (the logs are kept); the topology is taken down by the atexit
 * handler. */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A run id of its own (bf + the pid in base 36), the scratch directory, the cleanup handlers,
 * then synfin-netns up. */
void topology_start(void);
/* The topology again, with these endpoint kinds (kernel, stack, tap): down, then up. */
void topology_kinds(const char *client, const char *server);
/* Idempotent and async-signal-safe. */
void topology_down(void);

/* One server + client exchange: server_prog (synfin-kpeer or synfin-peer, whose options are the
 * same) listening on port 80 of the server namespace with server_script, then client_prog
 * connecting to it with client_script; die() unless both exit 0. Their event logs are named in
 * srv_log and cli_log; the machine's busy CPU seconds over the client's run go to
 * *client_busy_s when it is not NULL. */
struct exchange {
	const char *server_prog, *server_script;
	const char *client_prog, *client_script;
	double *client_busy_s;
};
void exchange(const struct exchange *x, char *srv_log, char *cli_log, size_t size);
/* Busy CPU time of the whole machine so far, in seconds (/proc/stat). */
double machine_busy_s(void);

/* The time ("t") of the last JSON event with "what":what in an endpoint's event log
 * (synfin-kpeer and synfin-peer write the same), and its "bytes" when asked; die() without. */
double event_time(const char *path, const char *what, unsigned long long *bytes);

/* Start argv with stdout and stderr appended to log (NULL: /dev/null). */
pid_t spawn(char *const argv[], const char *log);
/* Exit status (128 + signal when killed); -1 when there is no such child. */
int wait_exit(pid_t pid);
/* wait_exit() with a limit: SIGKILL after timeout_s seconds, then -2 is returned. */
int wait_exit_within(pid_t pid, double timeout_s);
int run(char *const argv[], const char *log);
/* Run argv inside one namespace of the topology (role: client, server, wire). */
pid_t spawn_in(const char *role, char *const argv[], const char *log);
int run_in(const char *role, char *const argv[], const char *log);

bool file_has(const char *path, const char *needle);
/* Wait up to 5 s for needle in path (NULL: for path to exist); die() otherwise. */
void wait_for(const char *path, const char *needle, const char *what);

int cmp_double(const void *a, const void *b);
double median(double *v, int n);

#endif
