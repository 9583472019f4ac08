/* shrink_trial.c: a shrink's runs, each in a process and a topology of its own
 * (shrink_trial.h). */
#include "shrink_trial.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "shrink_rules.h"

static volatile sig_atomic_t stop_run;

static void on_stop(int sig)
{
	(void)sig;
	stop_run = 1;
}

/* In the run's own process: the case for its pairing, run, its result written; never returns. */
static void run_child(const struct run_env *env, const struct shrink_run *r)
{
	setpgid(0, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct run_env e = *env;
	e.replay = r->replay[0] ? r->replay : NULL;
	e.stop = &stop_run;
	struct scenario s;
	struct scn_error err;
	struct run_result res;
	memset(&res, 0, sizeof(res));
	struct scn_case c;
	if (scenario_parse_file(&s, r->scenario, &err)) {
		res.status = RUN_ERROR;
		snprintf(res.reason, sizeof(res.reason), "%s:%u: %s", err.file, err.line, err.msg);
	} else if (scenario_resolve_family(&s, r->pair, false, r->ipv6, &c)) {
		res.status = RUN_ERROR;
		snprintf(res.reason, sizeof(res.reason), "out of memory");
	} else {
		runner_run_case(&e, &c, r->run_id, r->dir, &res);
		scn_case_free(&c);
		scenario_free(&s);
		_exit(0);
	}
	mkdir(r->dir, 0755);
	run_result_write(r->dir, &res);
	_exit(0);
}

int shrink_run_start(const struct run_env *env, struct shrink_run *r, unsigned no)
{
	snprintf(r->run_id, sizeof(r->run_id), "k%x%03x", (unsigned)getpid() & 0xfffff, no & 0xfff);
	memset(&r->res, 0, sizeof(r->res));
	r->key[0] = '\0';
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		run_child(env, r);
	r->pid = pid;
	return 0;
}

int shrink_run_wait(struct shrink_run *runs, size_t n, bool block)
{
	int st;
	pid_t pid = waitpid(-1, &st, block ? 0 : WNOHANG);
	if (pid <= 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct shrink_run *r = &runs[i];
		if (r->pid != pid)
			continue;
		r->pid = 0;
		if (run_result_read(r->dir, &r->res) != 0) {
			r->res.status = RUN_ERROR;
			snprintf(r->res.reason, sizeof(r->res.reason),
			         "the run's process ended without a result (status %d)", st);
		}
		if (r->res.status == RUN_FAIL)
			shrink_failure_key(r->res.reason, r->key, sizeof(r->key));
		return (int)i;
	}
	return -1;
}

void shrink_runs_stop(const struct run_env *env, struct shrink_run *runs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (runs[i].pid > 0)
			kill(runs[i].pid, SIGTERM);
	time_t give_up = time(NULL) + 20;
	for (size_t i = 0; i < n; i++) {
		struct shrink_run *r = &runs[i];
		if (r->pid <= 0)
			continue;
		while (waitpid(r->pid, NULL, WNOHANG) == 0 && time(NULL) < give_up)
			proc_sleep_us(50000);
		if (waitpid(r->pid, NULL, WNOHANG) == 0) {
			kill(r->pid, SIGKILL);
			waitpid(r->pid, NULL, 0);
		}
		r->pid = 0;
		/* a run killed before its own tear-down leaves its namespaces: take them down */
		char *argv[] = {(char *)env->netns, "down", r->run_id, NULL};
		proc_run_wait(argv, "/dev/null");
	}
}

bool shrink_run_fails_as(const struct shrink_run *r, const char *key)
{
	return r->res.status == RUN_FAIL && !strcmp(r->key, key);
}
