/* proc.c: the runner's processes (proc.h). */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

uint64_t proc_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void proc_sleep_us(uint64_t us)
{
	struct timespec ts = {.tv_sec = (time_t)(us / 1000000u),
	                      .tv_nsec = (long)(us % 1000000u) * 1000};
	nanosleep(&ts, NULL);
}

bool proc_executable(const char *path)
{
	return access(path, X_OK) == 0;
}

bool proc_has_option(const char *prog, const char *option)
{
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "'%s' --help 2>&1", prog);
	FILE *f = popen(cmd, "r");
	if (!f)
		return false;
	char line[512];
	bool found = false;
	while (fgets(line, sizeof(line), f))
		found |= strstr(line, option) != NULL;
	pclose(f);
	return found;
}

/* Start argv with stdout and stderr to log (appended); its own process group is not needed:
 * the job process is a group of its own and ends its children by pid. */
static pid_t spawn(char *const argv[], const char *log, const char *cwd, bool rt, uint64_t start_us)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (cwd && chdir(cwd) != 0)
			_exit(127);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0) {
			dup2(nul, 0);
			close(nul);
		}
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		struct sched_param sp = {.sched_priority = 1};
		if (rt)
			sched_setscheduler(0, SCHED_FIFO, &sp);
		struct timespec at = {.tv_sec = (time_t)(start_us / 1000000u),
		                      .tv_nsec = (long)(start_us % 1000000u) * 1000};
		while (start_us &&
		       clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &at, NULL) == EINTR)
			;
		execv(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

pid_t proc_spawn_in(char *const argv[], const char *log, const char *cwd)
{
	return spawn(argv, log, cwd, false, 0);
}

pid_t proc_spawn_at(char *const argv[], const char *log, bool rt, uint64_t start_us)
{
	return spawn(argv, log, NULL, rt, start_us);
}

pid_t proc_spawn(char *const argv[], const char *log)
{
	return proc_spawn_in(argv, log, NULL);
}

int proc_wait_exit(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int proc_run_wait(char *const argv[], const char *log)
{
	pid_t pid = proc_spawn(argv, log);
	return pid < 0 ? -1 : proc_wait_exit(pid);
}

int proc_stop_child(pid_t pid, unsigned grace_ms)
{
	int st;
	if (pid <= 0)
		return -1;
	kill(pid, SIGTERM);
	for (unsigned i = 0; i < grace_ms / 10; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		proc_sleep_us(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return st;
}

int proc_reexec_in_userns(const char *netns, char **argv)
{
	if (geteuid() == 0)
		return 0;
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "'%s' userns true >/dev/null 2>&1", netns);
	if (system(cmd) != 0)
		return -EPERM;
	/* the program by its absolute name: synfin-netns runs it from elsewhere */
	char self[512];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -errno;
	self[n] = '\0';
	size_t argc = 0;
	while (argv[argc])
		argc++;
	char **nv = calloc(argc + 3, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	nv[0] = (char *)netns;
	nv[1] = "userns";
	nv[2] = self;
	for (size_t i = 1; i < argc; i++)
		nv[i + 2] = argv[i];
	fflush(stdout);
	execv(netns, nv);
	int r = -errno;
	free(nv);
	return r;
}

bool proc_tun_openable(void)
{
	static int openable = -1;
	if (openable < 0) {
		int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
		openable = fd >= 0;
		if (fd >= 0)
			close(fd);
	}
	return openable;
}

size_t proc_load_start(pid_t *pids, size_t n)
{
	size_t started = 0;
	for (size_t i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			break;
		if (pid == 0) {
			/* the runner's end is theirs, however it ends */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			signal(SIGINT, SIG_IGN);
			struct sched_param sp = {.sched_priority = 0};
			sched_setscheduler(0, SCHED_OTHER, &sp);
			setpriority(PRIO_PROCESS, 0, 0);
			for (volatile unsigned long spin = 0;; spin++)
				;
		}
		pids[started++] = pid;
	}
	return started;
}

void proc_load_stop(pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (pids[i] <= 0)
			continue;
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
		pids[i] = -1;
	}
}

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void *probe_main(void *arg)
{
	struct lateness_probe *p = arg;
	uint64_t due = mono_us();
	while (!atomic_load(&p->stop)) {
		due += LATENESS_PERIOD_US;
		struct timespec ts = {.tv_sec = (time_t)(due / 1000000u),
		                      .tv_nsec = (long)(due % 1000000u) * 1000};
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		uint64_t now = mono_us();
		uint64_t late = now > due ? now - due : 0;
		if (lateness_samples_add(&p->samples,
		                         late > UINT32_MAX ? UINT32_MAX : (uint32_t)late))
			break;
		/* a wake-up missed by more than a period is one late wake-up, not several */
		if (late > LATENESS_PERIOD_US)
			due = now;
	}
	return NULL;
}

int lateness_probe_start(struct lateness_probe *p, bool rt)
{
	memset(p, 0, sizeof(*p));
	atomic_init(&p->stop, false);
	pthread_attr_t attr;
	int e = pthread_attr_init(&attr);
	if (e)
		return -e;
	if (rt) {
		struct sched_param sp = {.sched_priority = 1};
		pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
		pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
		pthread_attr_setschedparam(&attr, &sp);
		e = pthread_create(&p->thread, &attr, probe_main, p);
		p->rt = e == 0;
	}
	if (!p->rt) {
		/* no real-time priority here: the runner's own, which says less but still says */
		pthread_attr_destroy(&attr);
		pthread_attr_init(&attr);
		e = pthread_create(&p->thread, &attr, probe_main, p);
	}
	pthread_attr_destroy(&attr);
	p->running = e == 0;
	return -e;
}

void lateness_probe_stop(struct lateness_probe *p, struct lateness *l)
{
	memset(l, 0, sizeof(*l));
	if (!p->running)
		return;
	atomic_store(&p->stop, true);
	pthread_join(p->thread, NULL);
	p->running = false;
	lateness_summarize(&p->samples, l);
	l->period_us = LATENESS_PERIOD_US;
	l->rt = p->rt;
	lateness_samples_free(&p->samples);
}
