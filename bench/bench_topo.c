/* bench_topo.c: the topology of bench_faultd and bench_stack_wire and the process plumbing
 * around it. */
#include "bench_topo.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

char netns_script[4096];
char run_id[16];
char tmpdir[256];
char log_path[300];
static volatile sig_atomic_t topology_up;
static bool keep_logs;

/* Async-signal-safe: fork, execv and waitpid only. */
void topology_down(void)
{
	if (!topology_up)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		char *argv[] = {netns_script, "down", run_id, NULL};
		execv(netns_script, argv);
		_exit(127);
	}
	if (pid > 0) {
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	topology_up = 0;
}

/* Async-signal-safe removal of the scratch directory. */
static void remove_tmpdir(void)
{
	if (!tmpdir[0])
		return;
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = {"/bin/rm", "-rf", tmpdir, NULL};
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid > 0) {
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
}

static void on_signal(int sig)
{
	topology_down();
	remove_tmpdir();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void cleanup(void)
{
	topology_down();
	if (keep_logs)
		fprintf(stderr, "%s: logs kept in %s\n", program_invocation_short_name, tmpdir);
	else
		remove_tmpdir();
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", program_invocation_short_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	keep_logs = true;
	exit(1); /* cleanup() runs */
}

void topology_start(void)
{
	/* unique per process: "bf" and the pid in base 36 */
	unsigned long p = (unsigned long)getpid();
	char digits[16];
	int nd = 0;
	do {
		digits[nd++] = "0123456789abcdefghijklmnopqrstuvwxyz"[p % 36];
		p /= 36;
	} while (p);
	int o = snprintf(run_id, sizeof(run_id), "bf");
	while (nd)
		run_id[o++] = digits[--nd];
	run_id[o] = 0;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/synfin-bench-%s", run_id);
	if (mkdir(tmpdir, 0700))
		die("mkdir %s: %s", tmpdir, strerror(errno));
	atexit(cleanup);
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	snprintf(log_path, sizeof(log_path), "%s/netns.log", tmpdir);
	topology_kinds("kernel", "kernel");
}

void topology_kinds(const char *client, const char *server)
{
	topology_down();
	topology_up = 1; /* from here on, a partial topology is taken down too */
	char *up[] = {netns_script,   "up",       run_id,         "--client",
	              (char *)client, "--server", (char *)server, NULL};
	if (run(up, log_path))
		die("synfin-netns up %s --client %s --server %s failed (see %s)", run_id, client,
		    server, log_path);
}

double machine_busy_s(void)
{
	FILE *f = fopen("/proc/stat", "r");
	unsigned long long v[8] = {0};
	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
	                 &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		die("cannot read /proc/stat");
	fclose(f);
	long hz = sysconf(_SC_CLK_TCK);
	/* user nice system idle iowait irq softirq steal: all but idle and iowait */
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)hz;
}

void exchange(const struct exchange *x, char *srv_log, char *cli_log, size_t size)
{
	static unsigned serial;
	serial++;
	snprintf(srv_log, size, "%s/server-%u.jsonl", tmpdir, serial);
	snprintf(cli_log, size, "%s/client-%u.jsonl", tmpdir, serial);
	char out_log[300];
	snprintf(out_log, sizeof(out_log), "%s/endpoints.log", tmpdir);
	char *sargv[] = {
	    (char *)x->server_prog,   "server", "--listen", "80", "--quiet", "--jsonl", srv_log,
	    (char *)x->server_script, NULL};
	pid_t server = spawn_in("server", sargv, out_log);
	wait_for(srv_log, "\"what\":\"listening\"", "the server's listen");
	char *cargv[] = {(char *)x->client_prog,
	                 "client",
	                 "--connect",
	                 SERVER_ADDR ":80",
	                 "--quiet",
	                 "--jsonl",
	                 cli_log,
	                 (char *)x->client_script,
	                 NULL};
	double busy0 = machine_busy_s();
	int rc = run_in("client", cargv, out_log);
	if (x->client_busy_s)
		*x->client_busy_s = machine_busy_s() - busy0;
	if (rc)
		die("client exited %d (logs in %s)", rc, tmpdir);
	rc = wait_exit(server);
	if (rc)
		die("server exited %d (logs in %s)", rc, tmpdir);
}

double event_time(const char *path, const char *what, unsigned long long *bytes)
{
	FILE *f = fopen(path, "r");
	if (!f)
		die("no event log %s", path);
	char line[4096], key[64];
	snprintf(key, sizeof(key), "\"what\":\"%s\"", what);
	double t = -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, key))
			continue;
		if (sscanf(line, "{\"t\":%lf", &t) != 1)
			die("bad event line in %s: %s", path, line);
		const char *b = strstr(line, "\"bytes\":");
		if (bytes && b)
			*bytes = strtoull(b + 8, NULL, 10);
	}
	fclose(f);
	if (t < 0)
		die("no '%s' event in %s (logs in %s)", what, path, tmpdir);
	return t;
}

pid_t spawn(char *const argv[], const char *log)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	const char *to = log ? log : "/dev/null";
	posix_spawn_file_actions_addopen(&fa, 1, to, O_WRONLY | O_CREAT | O_APPEND, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	pid_t pid;
	int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		die("cannot start %s: %s", argv[0], strerror(rc));
	return pid;
}

int wait_exit(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int wait_exit_within(pid_t pid, double timeout_s)
{
	for (double waited = 0; waited < timeout_s; waited += 0.01) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (r < 0 && errno != EINTR)
			return -1;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	wait_exit(pid);
	return -2;
}

int run(char *const argv[], const char *log)
{
	return wait_exit(spawn(argv, log));
}

pid_t spawn_in(const char *role, char *const argv[], const char *log)
{
	char *full[64] = {netns_script, "exec", run_id, (char *)role};
	int n = 4;
	for (int i = 0; argv[i] && n < 63; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	return spawn(full, log);
}

int run_in(const char *role, char *const argv[], const char *log)
{
	return wait_exit(spawn_in(role, argv, log));
}

bool file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	char line[4096];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

void wait_for(const char *path, const char *needle, const char *what)
{
	for (int i = 0; i < 500; i++) {
		if (needle ? file_has(path, needle) : access(path, F_OK) == 0)
			return;
		usleep(10000);
	}
	die("%s did not happen within 5 s (logs in %s)", what, tmpdir);
}

int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
