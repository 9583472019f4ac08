/* synfin-scenario: run the verification suite (tests/scenarios/NAME.scn files) for every pairing of
 * endpoints, each case in a topology of its own, several at once. */
#include <errno.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "case_select.h"
#include "junit_merge_cmd.h"
#include "layout.h"
#include "proc.h"
#include "progress.h"
#include "report.h"
#include "run_env.h"
#include "runner.h"
#include "scenario.h"
#include "scenario_files.h"
#include "scenario_options.h"
#include "shrink.h"

static volatile sig_atomic_t interrupted;
/* The status line of the cases in flight, when stdout is a terminal (else NULL: no change) */
static struct progress *live;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* The implementations (synfin's impl/NAME.impl, then $SYNFIN_IMPL_PATH's and --impl-dir's) and
 * their pairings, for every command: pairing specs, case ids and tables all name them. run
 * defaults to linux-linux. Returns 0, or the exit status after saying why. */
static int load_impls(struct opts *o, bool run)
{
	if (run_env_load_impls(o->impl_dirs, o->n_impl_dirs))
		return 1;
	int linux_linux = scn_pair_find("linux-linux");
	return opts_resolve_pairs(o, run && linux_linux >= 0 ? 1u << linux_linux
	                                                     : scn_default_pairs());
}

struct job_list {
	struct job *v;
	size_t n;
};

static struct job *job_add(struct job_list *jl, const char *name, const char *path)
{
	struct job *nv = realloc(jl->v, (jl->n + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	jl->v = nv;
	struct job *j = &nv[jl->n++];
	memset(j, 0, sizeof(*j));
	snprintf(j->name, sizeof(j->name), "%s", name);
	snprintf(j->path, sizeof(j->path), "%s", path);
	return j;
}

/* Whether the case can run here, else why it is skipped (the scenario says so, no namespaces,
 * a program missing), and how long it should take. Returns 0 or -ENOMEM. */
static int job_resolve(struct job *j, const struct scenario *s, const struct run_env *env,
                       const char *unusable)
{
	struct scn_case c;
	if (scenario_resolve_family(s, j->pair, j->scaled, j->ipv6, &c))
		return -ENOMEM;
	j->limit_us = scn_case_expected_us(&c);
	char buf[300];
	const char *why = c.skip ? c.skip_reason : unusable;
	if (!why)
		why = runner_cannot_run(env, &c, buf, sizeof(buf));
	if (why) {
		j->res.status = RUN_SKIP;
		snprintf(j->res.reason, sizeof(j->res.reason), "%s", why);
	} else {
		j->runnable = true;
	}
	scn_case_free(&c);
	return 0;
}

/* A job per variant of s. Without env (list), only the cases' names. */
static int add_case_jobs(struct job_list *jl, const struct scenario *s, const char *path,
                         const struct opts *o, const struct run_env *env, const char *unusable)
{
	struct case_variant v[CASE_MAX_VARIANTS];
	unsigned families = o->families;
	if (!families && o->one_family && !s->family_given)
		families = SCN_FAMILY_IPV4;
	size_t n = case_variants_families(s, o->pairs, families, o->scaled_only, v);
	for (size_t i = 0; i < n; i++) {
		struct job *j = job_add(jl, s->name, path);
		if (!j)
			return -ENOMEM;
		j->pair = v[i].pair;
		j->scaled = v[i].scaled;
		j->ipv6 = v[i].ipv6;
		case_id(j->id, sizeof(j->id), s->name, v[i]);
		/* an IPv4 case's name stays as it was before IPv6 came (CI histories) */
		snprintf(j->variant, sizeof(j->variant), "%s%s%s", scn_pair_name(j->pair),
		         j->ipv6 ? "/ipv6" : "", j->scaled ? " scaled" : "");
		if (env && job_resolve(j, s, env, unusable))
			return -ENOMEM;
	}
	return 0;
}

/* Two files of one name give two cases of one id, which shards could not tell apart. */
static int check_unique_name(const struct job_list *jl, const char *name, const char *path)
{
	for (size_t i = 0; i < jl->n; i++) {
		if (strcmp(jl->v[i].name, name))
			continue;
		fprintf(stderr,
		        PROG ": two scenarios named %s (%s, %s): case ids (NAME.PAIRING) must be "
		             "unique\n",
		        name, jl->v[i].path, path);
		return -EEXIST;
	}
	return 0;
}

/* Keep the jobs of shard sh. A file that does not parse (a job without id) has no cases to
 * share out: its error stays in every shard, so that no shard passes without its cases.
 * Returns 0 or -ENOMEM. */
static int keep_shard(struct job_list *jl, const struct shard *sh)
{
	const char **ids = calloc(jl->n ? jl->n : 1, sizeof(*ids));
	bool *taken = calloc(jl->n ? jl->n : 1, sizeof(*taken));
	if (!ids || !taken) {
		free(ids);
		free(taken);
		return -ENOMEM;
	}
	for (size_t i = 0; i < jl->n; i++)
		ids[i] = jl->v[i].id;
	shard_select(sh, ids, jl->n, taken);
	size_t kept = 0;
	for (size_t i = 0; i < jl->n; i++)
		if (taken[i] || !jl->v[i].id[0])
			jl->v[kept++] = jl->v[i];
	jl->n = kept;
	free(ids);
	free(taken);
	return 0;
}

/* A job per case of every file (a file that does not parse is one job in error). Without env
 * (list), only the cases' names. Returns 0, -ENOMEM, or -EEXIST when two scenarios of a
 * sharded run or a list have one name (said on stderr). */
static int make_jobs(struct job_list *jl, const struct files *files, const struct opts *o,
                     const struct run_env *env, const char *unusable)
{
	for (size_t i = 0; i < files->n; i++) {
		struct scenario s;
		struct scn_error err;
		int r = scenario_parse_file(&s, files->v[i], &err);
		const char *base = strrchr(files->v[i], '/');
		base = base ? base + 1 : files->v[i];
		char name[128];
		snprintf(name, sizeof(name), "%s", base);
		char *dot = strstr(name, ".scn");
		if (dot)
			*dot = '\0';
		if (o->filter && fnmatch(o->filter, name, 0) != 0) {
			if (!r)
				scenario_free(&s);
			continue;
		}
		if ((o->shard_from || !env) && check_unique_name(jl, name, files->v[i])) {
			if (!r)
				scenario_free(&s);
			return -EEXIST;
		}
		if (r) {
			struct job *j = job_add(jl, name, files->v[i]);
			if (!j)
				return -ENOMEM;
			snprintf(j->variant, sizeof(j->variant), "parse");
			int linux_linux = scn_pair_find("linux-linux");
			j->pair = linux_linux >= 0 ? (unsigned)linux_linux : 0;
			j->res.status = RUN_ERROR;
			snprintf(j->res.reason, sizeof(j->res.reason), "%s:%u: %s", err.file,
			         err.line, err.msg);
			continue;
		}
		r = add_case_jobs(jl, &s, files->v[i], o, env, unusable);
		scenario_free(&s);
		if (r)
			return r;
	}
	return 0;
}

/* The jobs of the cases o selects: make_jobs, then o's shard; all: how many before the shard
 * took its share. Returns 0, or the exit status after saying why. */
static int select_jobs(struct job_list *jl, size_t *all, const struct files *files,
                       const struct opts *o, const struct run_env *env, const char *unusable)
{
	int r = make_jobs(jl, files, o, env, unusable);
	*all = jl->n;
	if (!r && o->shard_from)
		r = keep_shard(jl, &o->shard);
	if (r == -ENOMEM)
		fprintf(stderr, PROG ": out of memory\n");
	if (r) {
		free(jl->v);
		memset(jl, 0, sizeof(*jl));
	}
	return r == -EEXIST ? EXIT_USAGE : r ? 1 : 0;
}

/* The `list` command: the id of every case check would run, one per line. A file that does
 * not parse is said on stderr and makes the exit status 1. */
static int cmd_list(const struct files *files, const struct opts *o)
{
	struct job_list jl = {0};
	size_t all;
	int r = select_jobs(&jl, &all, files, o, NULL, NULL);
	for (size_t i = 0; !r && i < jl.n; i++) {
		if (jl.v[i].id[0])
			printf("%s\n", jl.v[i].id);
		else
			fprintf(stderr, "%s\n", jl.v[i].res.reason);
	}
	for (size_t i = 0; !r && i < jl.n; i++)
		if (!jl.v[i].id[0])
			r = 1;
	free(jl.v);
	return r;
}

/* In the job's own process: run the case, write its result, exit. */
static void job_child(const struct run_env *env, struct job *j)
{
	setpgid(0, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct scenario s;
	struct scn_error err;
	struct run_result res;
	memset(&res, 0, sizeof(res));
	if (scenario_parse_file(&s, j->path, &err)) {
		res.status = RUN_ERROR;
		snprintf(res.reason, sizeof(res.reason), "%s:%u: %s", err.file, err.line, err.msg);
		mkdir(j->run_dir, 0755);
		run_result_write(j->run_dir, &res);
		_exit(0);
	}
	struct scn_case c;
	if (scenario_resolve_family(&s, j->pair, j->scaled, j->ipv6, &c))
		_exit(1);
	runner_run_case(env, &c, j->run_id, j->run_dir, &res);
	scn_case_free(&c);
	scenario_free(&s);
	_exit(0);
}

static int by_limit_desc(const void *a, const void *b)
{
	const struct job *x = *(struct job *const *)a, *y = *(struct job *const *)b;
	return (x->limit_us < y->limit_us) - (x->limit_us > y->limit_us);
}

static void print_progress(const struct job *j, size_t done, size_t total)
{
	progress_finished(live, j->id, done);
	printf("[%3zu/%zu] %-5s %-30s %-19s %6.1f s%s%s\n", done, total,
	       run_status_name(j->res.status), j->name, j->variant, j->res.seconds,
	       j->res.status == RUN_PASS ? "" : "  ",
	       j->res.status == RUN_PASS ? "" : j->res.reason);
	fflush(stdout);
}

static void print_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char line[2048];
	while (fgets(line, sizeof(line), f))
		fputs(line, stdout);
	fclose(f);
}

/* A failed case: the conversation side by side and the applications, from its report. */
static void print_failure(const struct job *j)
{
	char rep[800];
	snprintf(rep, sizeof(rep), "%s/report.txt", j->run_dir);
	FILE *f = fopen(rep, "r");
	if (!f)
		return;
	printf("\n=== %s %s: FAIL (%s)\n", j->name, j->variant, j->run_dir);
	char line[2048];
	bool on = false;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "conversation", 12) || !strncmp(line, "applications", 12))
			on = true;
		if (!strncmp(line, "verdict", 7))
			break;
		if (on)
			fputs(line, stdout);
	}
	fclose(f);
}

/* The jobs of a check in flight: which run, how many of each kind, how many reported. */
struct sched {
	const struct run_env *env;
	struct job *jobs;
	size_t n;
	struct job **order; /* the runnable ones, longest first */
	size_t nr;
	size_t next, running, running_idle, done;
	int parallel, idle_slots;
	bool announce, verbose;
	const char *runs_dir;
	bool stopping;
	time_t stop_at;
};

static void start_job(struct sched *sc, struct job *j, bool idle)
{
	j->idle = idle;
	sc->running_idle += idle;
	sc->next++;
	snprintf(j->run_id, sizeof(j->run_id), "s%x%03zx", (unsigned)getpid() & 0xfffff,
	         (size_t)(j - sc->jobs) & 0xfff);
	snprintf(j->run_dir, sizeof(j->run_dir), "%s/%s", sc->runs_dir, j->id);
	pid_t pid = fork();
	if (pid == 0)
		job_child(sc->env, j);
	if (pid < 0) {
		j->res.status = RUN_ERROR;
		snprintf(j->res.reason, sizeof(j->res.reason), "fork: %s", strerror(errno));
		j->finished = true;
		print_progress(j, ++sc->done, sc->n);
		return;
	}
	j->pid = pid;
	j->started = true;
	progress_started(live, j->id, j->limit_us);
	if (sc->announce)
		printf("running %s %s (about %.0f s)...\n", j->name, j->variant,
		       (double)j->limit_us / 1e6);
	fflush(stdout);
	sc->running++;
}

/* Start what the free slots allow. A case that mostly waits (a 63 s SYN timeout) takes an
 * idle slot when one is free: waiting cases overlap without taking CPU from the rest. */
static void start_jobs(struct sched *sc)
{
	for (size_t k = 0; !interrupted && k < sc->nr; k++) {
		struct job *j = sc->order[k];
		if (j->started || j->finished)
			continue;
		bool idle =
		    j->limit_us >= IDLE_CASE_US && sc->running_idle < (size_t)sc->idle_slots;
		if (!idle && sc->running - sc->running_idle >= (size_t)sc->parallel)
			continue;
		start_job(sc, j, idle);
	}
}

static void signal_running(const struct sched *sc, int sig)
{
	for (size_t i = 0; i < sc->nr; i++)
		if (sc->order[i]->started && !sc->order[i]->finished)
			kill(sc->order[i]->pid, sig);
}

/* Ctrl-C: every running case is asked to stop and tear down; killed after 20 s. */
static void stop_on_interrupt(struct sched *sc)
{
	if (!interrupted || sc->stopping)
		return;
	sc->stopping = true;
	sc->stop_at = time(NULL) + 20;
	fprintf(stderr,
	        "\n" PROG ": interrupted: stopping %zu running case(s) and removing their "
	        "namespaces\n",
	        sc->running);
	signal_running(sc, SIGTERM);
}

static void job_finished(struct sched *sc, pid_t pid, int st)
{
	for (size_t i = 0; i < sc->nr; i++) {
		struct job *j = sc->order[i];
		if (j->pid != pid || j->finished)
			continue;
		j->finished = true;
		sc->running--;
		sc->running_idle -= j->idle;
		if (run_result_read(j->run_dir, &j->res) != 0) {
			j->res.status = RUN_ERROR;
			snprintf(j->res.reason, sizeof(j->res.reason),
			         "the case's process ended without a result (status %d)", st);
		}
		print_progress(j, ++sc->done, sc->n);
		if (sc->verbose && (j->res.status == RUN_FAIL || j->res.status == RUN_ERROR)) {
			char rep[800];
			snprintf(rep, sizeof(rep), "%s/report.txt", j->run_dir);
			print_file(rep);
		}
	}
}

/* Whatever a killed case left behind: its topology, and a result saying it did not run. */
static void clean_up_jobs(const struct sched *sc)
{
	for (size_t i = 0; i < sc->nr; i++) {
		struct job *j = sc->order[i];
		if (!j->started) {
			/* never run: neither passed nor failed */
			j->res.status = RUN_SKIP;
			snprintf(j->res.reason, sizeof(j->res.reason), "not run: interrupted");
			continue;
		}
		if (interrupted || j->res.status == RUN_ERROR) {
			char cmd[900];
			snprintf(cmd, sizeof(cmd), "'%s' down %s >/dev/null 2>&1", sc->env->netns,
			         j->run_id);
			if (system(cmd) != 0)
				fprintf(stderr, PROG ": could not remove topology %s\n", j->run_id);
		}
		if (!j->finished) {
			j->res.status = RUN_ERROR;
			snprintf(j->res.reason, sizeof(j->res.reason), "interrupted");
		}
	}
}

/* Run the runnable jobs, sc->parallel at a time, longest first. */
static int run_jobs(struct sched *sc)
{
	sc->order = calloc(sc->n ? sc->n : 1, sizeof(*sc->order));
	if (!sc->order)
		return -ENOMEM;
	for (size_t i = 0; i < sc->n; i++)
		if (sc->jobs[i].runnable)
			sc->order[sc->nr++] = &sc->jobs[i];
	qsort(sc->order, sc->nr, sizeof(*sc->order), by_limit_desc);
	for (size_t i = 0; i < sc->n; i++)
		if (!sc->jobs[i].runnable) {
			sc->jobs[i].finished = true;
			print_progress(&sc->jobs[i], ++sc->done, sc->n);
		}
	while (sc->next < sc->nr || sc->running > 0) {
		start_jobs(sc);
		stop_on_interrupt(sc);
		if (sc->running == 0)
			break;
		int st;
		/* with a status line to keep up, look every 100 ms rather than block */
		pid_t pid = waitpid(-1, &st, sc->stopping || live ? WNOHANG : 0);
		if (pid > 0) {
			job_finished(sc, pid, st);
			continue;
		}
		if (sc->stopping && time(NULL) > sc->stop_at)
			signal_running(sc, SIGKILL);
		progress_tick(live);
		if (sc->stopping || live)
			usleep(sc->stopping ? 50000 : 100000);
	}
	progress_close(live);
	live = NULL;
	clean_up_jobs(sc);
	free(sc->order);
	return 0;
}

/* Inconclusive cases once more when the suite is done, all at once, at most a tenth of the
 * cases (the rest stay inconclusive); their second result stands. Returns 0 or -ENOMEM. */
static int run_inconclusive_again(const struct sched *sc, size_t runnable)
{
	struct job *again = NULL;
	long n = jobs_pick_inconclusive(sc->jobs, sc->n, runnable / 10, &again);
	char dir[700];
	snprintf(dir, sizeof(dir), "%s/again", sc->runs_dir);
	struct sched s2 = {.env = sc->env, .jobs = again, .n = n > 0 ? (size_t)n : 0};
	s2.parallel = (int)s2.n;
	s2.runs_dir = dir;
	if (s2.n && !interrupted && (mkdir(dir, 0755) == 0 || errno == EEXIST)) {
		printf(PROG ": %zu inconclusive case(s) once more, at once: %s\n", s2.n, dir);
		if (run_jobs(&s2) == 0)
			jobs_take_again(sc->jobs, sc->n, again, s2.n);
	}
	free(again);
	return n < 0 ? (int)n : 0;
}

static void runs_dir_name(char *buf, size_t size, const struct opts *o)
{
	if (o->runs) {
		snprintf(buf, size, "%s", o->runs);
		return;
	}
	struct layout l;
	layout_find(&l);
	layout_runs_dir(&l, buf, size);
}

static void catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: waitpid returns on Ctrl-C */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* After the jobs: `run` prints the case's reports, `check` the failures, then the table, the
 * counts and the JUnit report. Returns the exit status. */
static int report_results(const struct sched *sc, const struct opts *o, bool run, size_t runnable,
                          double wall)
{
	const struct job *jobs = sc->jobs;
	size_t n = sc->n;
	for (size_t i = 0; run && i < n; i++) {
		char rep[800];
		if (!jobs[i].run_dir[0])
			continue;
		snprintf(rep, sizeof(rep), "%s/report.txt", jobs[i].run_dir);
		printf("\n");
		print_file(rep);
	}
	for (size_t i = 0; !run && !o->verbose && i < n; i++)
		if (jobs[i].res.status == RUN_FAIL && jobs[i].run_dir[0])
			print_failure(&jobs[i]);
	report_table(stdout, jobs, n);
	size_t fail = 0, pass = 0, skip = 0, incon = 0;
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		fail += jobs[i].res.status == RUN_FAIL || jobs[i].res.status == RUN_ERROR;
		pass += jobs[i].res.status == RUN_PASS;
		skip += jobs[i].res.status == RUN_SKIP;
		incon += jobs[i].res.status == RUN_INCONCLUSIVE;
		sum += jobs[i].res.seconds;
	}
	printf("\n%zu passed, %zu failed", pass, fail);
	if (incon)
		printf(", %zu inconclusive", incon);
	printf(", %zu skipped; wall time %.1f s for %.1f s of cases (%d at once)%s%s\n", skip, wall,
	       sum, o->jobs, runnable ? "; runs in " : "", runnable ? sc->runs_dir : "");
	if (o->junit) {
		int jr = report_junit(o->junit, jobs, n, wall);
		if (jr)
			fprintf(stderr, PROG ": cannot write %s: %s\n", o->junit, strerror(-jr));
		else
			printf("JUnit report: %s\n", o->junit);
	}
	if (interrupted) {
		fprintf(stderr, PROG ": interrupted\n");
		return 130;
	}
	return fail ? 1 : incon ? EXIT_INCONCLUSIVE : 0;
}

/* `check` and `run`: a job per case, run in parallel, then the results. */
static int cmd_check(const struct files *files, struct opts *o, bool run)
{
	struct run_env env;
	if (run_env_init(&env, o->build))
		return 1;
	if (o->no_rt)
		env.rt = false;
	if (!o->jobs) /* not given: fewer cases at once without real-time priority */
		o->jobs = env.rt ? DEFAULT_JOBS : DEFAULT_JOBS_NO_RT;
	env.stop = &interrupted;
	env.seed = o->seed;
	env.replay = o->replay;
	char runs_dir[600];
	runs_dir_name(runs_dir, sizeof(runs_dir), o);
	const char *unusable = run_env_unusable();
	struct job_list jl = {0};
	size_t all;
	int r = select_jobs(&jl, &all, files, o, &env, unusable);
	if (r)
		return r;
	if (o->shard_from)
		printf(PROG ": shard %u/%u (%s): %zu of %zu case(s)\n", o->shard.index,
		       o->shard.count, o->shard_from, jl.n, all);
	size_t runnable = 0;
	for (size_t i = 0; i < jl.n; i++)
		runnable += jl.v[i].runnable;
	if (runnable && mkdir(runs_dir, 0755) && errno != EEXIST) {
		fprintf(stderr, PROG ": cannot create %s: %s\n", runs_dir, strerror(errno));
		free(jl.v);
		return 1;
	}
	printf(PROG ": %zu case(s) from %zu file(s), %zu to run, %d at once (+%d waiting ones)%s; "
	            "run folders in %s\n",
	       jl.n, files->n, runnable, o->jobs, o->idle_jobs,
	       env.rt ? ", real-time priority" : "", runs_dir);
	pid_t load[64];
	size_t n_load = runnable ? proc_load_start(load, (size_t)o->load) : 0;
	if (n_load)
		printf(PROG ": --load: %zu busy process(es) beside the cases\n", n_load);
	if (unusable)
		printf(PROG ": every case is skipped: %s\n", unusable);
	fflush(stdout);
	catch_signals();
	struct sched sc = {.env = &env,
	                   .jobs = jl.v,
	                   .n = jl.n,
	                   .parallel = o->jobs,
	                   .idle_slots = o->idle_jobs,
	                   .announce = run,
	                   .verbose = o->verbose && !run,
	                   .runs_dir = runs_dir};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	live = progress_open(stdout, jl.n);
	r = run_jobs(&sc);
	if (!r)
		r = run_inconclusive_again(&sc, runnable);
	proc_load_stop(load, n_load);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (r) {
		fprintf(stderr, PROG ": out of memory\n");
		free(jl.v);
		return 1;
	}
	r = report_results(&sc, o, run, runnable, wall);
	free(jl.v);
	return r;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "junit-merge"))
		return junit_merge_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "shrink"))
		return shrink_main(argc - 1, argv + 1, argv);
	if (strcmp(cmd, "check") && strcmp(cmd, "run") && strcmp(cmd, "parse") &&
	    strcmp(cmd, "list")) {
		fprintf(stderr, PROG ": unknown command '%s'\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	struct opts o = {.jobs = 0, /* until the priority is known (cmd_check) */
	                 .idle_jobs = DEFAULT_IDLE_JOBS,
	                 .build = NULL,
	                 .seed = 1};
	bool run = !strcmp(cmd, "run");
	int r = parse_opts(argc - 1, argv + 1, &o);
	if (!r)
		r = load_impls(&o, run);
	if (r)
		return r;
	struct files files = {0};
	if (collect_args(&files, argc, argv, optind + 1, run)) {
		files_free(&files);
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "parse") || !strcmp(cmd, "list")) {
		r = !strcmp(cmd, "parse") ? cmd_parse(&files) : cmd_list(&files, &o);
		files_free(&files);
		return r;
	}
	if (run && files.n != 1) {
		fprintf(stderr, PROG " run: name exactly one scenario\n");
		files_free(&files);
		return EXIT_USAGE;
	}
	if (run) {
		o.jobs = 4;
		o.one_family = true; /* one case, as it always ran: --family ipv6 asks for IPv6 */
	}
	/* returns only when no user namespace can be made: the cases say so as they skip */
	struct layout l;
	layout_find(&l);
	proc_reexec_in_userns(l.netns, argv);
	r = cmd_check(&files, &o, run);
	files_free(&files);
	return r;
}
