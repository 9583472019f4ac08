/* synfin-scenario: run the verification suite (tests/scenarios/NAME.scn files) for every pairing of
 * endpoints, each case in a topology of its own, several at once. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "report.h"
#include "runner.h"
#include "scenario.h"

#define PROG "synfin-scenario"
#define EXIT_USAGE 64
/* Measured on the 2-core reference machine (tests/scenarios/README.md): this many cases at
 * once keep every timing within tolerance. */
#define DEFAULT_JOBS 8
/* Cases expected to last this long mostly wait on timers; up to DEFAULT_IDLE_JOBS of them run
 * on top of the others. */
#define IDLE_CASE_US 20000000
#define DEFAULT_IDLE_JOBS 16

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
	runner_stop = 1;
}

static void usage(FILE *out)
{
	fputs(
	    "usage: " PROG " check [options] [DIR|FILE.scn]...\n"
	    "       " PROG " run SCENARIO [--pair P] [options]\n"
	    "       " PROG " parse [DIR|FILE.scn]...\n"
	    "\n"
	    "Runs verification scenarios: each .scn file names the faults, what the two\n"
	    "applications do, the settings of each endpoint and the conversation the wire must\n"
	    "carry (tests/scenarios/README.md). Every case runs for every pairing of endpoints,\n"
	    "client-server: stack-stack, stack-linux, linux-stack, linux-linux, each in a\n"
	    "topology of its own (netns/synfin-netns) with synfin-faultd in the wire.\n"
	    "\n"
	    "  check   run every scenario (default: " SYNFIN_SOURCE_DIR "/tests/scenarios),\n"
	    "          print a line per finished case, then a table of scenario x pairing.\n"
	    "          Exit 0 only when nothing failed (skipped cases do not fail).\n"
	    "  run     run one scenario (a file, or a name from the default folder) and print its\n"
	    "          report: the conversation side by side with the expectation, each\n"
	    "          application's outcome, the trace and the ladder. Default pairing "
	    "linux-linux.\n"
	    "  parse   only check that scenario files parse (no privileges needed).\n"
	    "\n"
	    "options:\n"
	    "  -j, --jobs N        cases at once (default "
	    "8"
	    "); each has its own namespaces\n"
	    "      --idle-jobs N   cases expected to last 20 s or more (mostly waiting on timers)\n"
	    "                      run on top of --jobs, up to N at once (default 16)\n"
	    "      --pair P        only these pairings: stack-stack, stack-linux, linux-stack,\n"
	    "                      linux-linux, client=linux, *-stack, all (comma separated)\n"
	    "      --filter GLOB   only scenarios whose name matches GLOB (e.g. 'syn-*')\n"
	    "      --junit FILE    also write a JUnit XML report\n"
	    "      --runs DIR      where run folders go (default " SYNFIN_BUILD_DIR
	    "/scenario-runs/TIME)\n"
	    "      --scaled-only   of a stack case with a time-scaled variant, run only that one\n"
	    "      --build DIR     where synfin-faultd, synfin-kpeer, synfin-peer were built\n"
	    "                      (default " SYNFIN_BUILD_DIR ")\n"
	    "      --no-rt         run endpoints and synfin-faultd at normal priority (default:\n"
	    "                      real-time, chrt -f 1, so parallel cases keep their timing)\n"
	    "  -v, --verbose       print each failed case's report as it finishes\n"
	    "  -h, --help          this text\n"
	    "\n"
	    "A case is skipped, with the reason, when not root, when namespaces are unusable, "
	    "when\n"
	    "an endpoint program is not built, or when the scenario says it does not apply (skip,\n"
	    "only). Ctrl-C stops every case and removes every namespace this program made.\n"
	    "Each case leaves a folder (report.txt, trace.txt, trace.jsonl, trace.pcap, "
	    "ladder.txt,\n"
	    "endpoint logs) under the runs folder named in the output.\n",
	    out);
}

struct files {
	char **v;
	size_t n;
};

static void files_free(struct files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i]);
	free(f->v);
	memset(f, 0, sizeof(*f));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_file(struct files *f, const char *path)
{
	char **nv = realloc(f->v, (f->n + 1) * sizeof(*nv));
	if (!nv)
		exit(1);
	f->v = nv;
	f->v[f->n++] = strdup(path);
}

/* A folder gives its *.scn files in name order; a file is taken as it is; a bare name is
 * looked up in the default folder. */
static int collect(struct files *f, const char *arg, const char *default_dir)
{
	struct stat st;
	if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
		DIR *d = opendir(arg);
		if (!d)
			return -errno;
		struct dirent *e;
		size_t first = f->n;
		while ((e = readdir(d))) {
			size_t l = strlen(e->d_name);
			if (l > 4 && !strcmp(e->d_name + l - 4, ".scn")) {
				char p[1024];
				snprintf(p, sizeof(p), "%s/%s", arg, e->d_name);
				add_file(f, p);
			}
		}
		closedir(d);
		qsort(f->v + first, f->n - first, sizeof(char *), cmp_str);
		return 0;
	}
	if (stat(arg, &st) == 0) {
		add_file(f, arg);
		return 0;
	}
	char p[1024];
	snprintf(p, sizeof(p), "%s/%s%s", default_dir, arg, strstr(arg, ".scn") ? "" : ".scn");
	if (stat(p, &st) == 0) {
		add_file(f, p);
		return 0;
	}
	return -ENOENT;
}

static void env_init(struct run_env *env, const char *build)
{
	memset(env, 0, sizeof(*env));
	snprintf(env->src_dir, sizeof(env->src_dir), "%s", SYNFIN_SOURCE_DIR);
	snprintf(env->netns, sizeof(env->netns), "%s/netns/synfin-netns", SYNFIN_SOURCE_DIR);
	snprintf(env->faultd, sizeof(env->faultd), "%s/harness/faultd/synfin-faultd", build);
	snprintf(env->kpeer, sizeof(env->kpeer), "%s/harness/endpoint/synfin-kpeer", build);
	snprintf(env->peer, sizeof(env->peer), "%s/stack/host/synfin-peer", build);
	snprintf(env->ladder, sizeof(env->ladder), "%s/harness/tools/synfin-ladder", build);
	/* real-time priority where this process may use it (root with CAP_SYS_NICE; not in
	 * every container) */
	env->rt = access("/usr/bin/chrt", X_OK) == 0 &&
	          system("/usr/bin/chrt -f 1 /bin/true >/dev/null 2>&1") == 0;
}

/* Namespaces usable at all? (root, ip, iptables, br_netfilter) */
static const char *netns_unusable(void)
{
	if (geteuid() != 0)
		return "not root: namespaces need CAP_NET_ADMIN (run with sudo)";
	if (system("command -v ip >/dev/null 2>&1 && command -v iptables >/dev/null 2>&1"))
		return "iproute2 or iptables is missing (apt-get install iproute2 iptables)";
	if (access("/proc/sys/net/bridge", F_OK) != 0 &&
	    system("modprobe br_netfilter >/dev/null 2>&1"))
		return "the kernel has no br_netfilter (modprobe br_netfilter)";
	if (system("ip netns add synfin-probe$$ >/dev/null 2>&1 && ip netns del synfin-probe$$"))
		return "cannot create network namespaces here (ip netns add failed)";
	return NULL;
}

struct opts {
	int jobs;
	unsigned pairs;
	const char *filter;
	const char *junit;
	const char *runs;
	const char *build;
	bool scaled_only;
	bool verbose;
	bool pair_given;
	bool no_rt;
	int idle_jobs;
};

static size_t make_jobs(struct job **out, struct files *files, const struct opts *o,
                        const struct run_env *env, const char *unusable)
{
	struct job *jobs = NULL;
	size_t n = 0;
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
		if (r) {
			jobs = realloc(jobs, (n + 1) * sizeof(*jobs));
			struct job *j = &jobs[n++];
			memset(j, 0, sizeof(*j));
			snprintf(j->name, sizeof(j->name), "%s", name);
			snprintf(j->variant, sizeof(j->variant), "parse");
			snprintf(j->path, sizeof(j->path), "%s", files->v[i]);
			j->pair = SCN_LINUX_LINUX;
			j->res.status = RUN_ERROR;
			snprintf(j->res.reason, sizeof(j->res.reason), "%s:%u: %s", err.file,
			         err.line, err.msg);
			continue;
		}
		for (int p = 0; p < SCN_N_PAIRS; p++) {
			if (!(o->pairs & (1u << p)))
				continue;
			bool stack = p != SCN_LINUX_LINUX;
			for (int scaled = 0; scaled < 2; scaled++) {
				if (scaled && (!stack || s.stack_scale >= 1.0 ||
				               !(s.scale_pairs & (1u << p))))
					continue;
				if (!scaled && stack && s.stack_scale < 1.0 &&
				    (s.scale_pairs & (1u << p)) && o->scaled_only)
					continue;
				struct scn_case c;
				if (scenario_resolve(&s, (enum scn_pair)p, scaled, &c))
					exit(1);
				jobs = realloc(jobs, (n + 1) * sizeof(*jobs));
				struct job *j = &jobs[n++];
				memset(j, 0, sizeof(*j));
				snprintf(j->name, sizeof(j->name), "%s", s.name);
				j->pair = (enum scn_pair)p;
				j->scaled = scaled;
				snprintf(j->variant, sizeof(j->variant), "%s%s",
				         scn_pair_name(j->pair), scaled ? " scaled" : "");
				snprintf(j->path, sizeof(j->path), "%s", files->v[i]);
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
			}
		}
		scenario_free(&s);
	}
	*out = jobs;
	return n;
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
	if (scenario_resolve(&s, j->pair, j->scaled, &c))
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

/* Run the runnable jobs, `parallel` at a time, longest first. */
static void run_jobs(const struct run_env *env, struct job *jobs, size_t n, int parallel,
                     int idle_slots, bool announce, const char *runs_dir, bool verbose)
{
	struct job **order = calloc(n ? n : 1, sizeof(*order));
	size_t nr = 0;
	for (size_t i = 0; i < n; i++)
		if (jobs[i].runnable)
			order[nr++] = &jobs[i];
	qsort(order, nr, sizeof(*order), by_limit_desc);
	size_t next = 0, running = 0, running_idle = 0, done = 0;
	size_t total = n;
	for (size_t i = 0; i < n; i++)
		if (!jobs[i].runnable) {
			jobs[i].finished = true;
			print_progress(&jobs[i], ++done, total);
		}
	bool stopping = false;
	time_t stop_at = 0;
	while (next < nr || running > 0) {
		for (size_t k = 0; !interrupted && k < nr; k++) {
			struct job *j = order[k];
			if (j->started || j->finished)
				continue;
			/* a case that mostly waits (a 63 s SYN timeout) takes an idle slot when
			 * one is free: waiting cases overlap without taking CPU from the rest */
			bool idle =
			    j->limit_us >= IDLE_CASE_US && running_idle < (size_t)idle_slots;
			if (!idle && running - running_idle >= (size_t)parallel)
				continue;
			j->idle = idle;
			running_idle += idle;
			next++;
			snprintf(j->run_id, sizeof(j->run_id), "s%x%03zx",
			         (unsigned)getpid() & 0xfffff, (size_t)(j - jobs) & 0xfff);
			snprintf(j->run_dir, sizeof(j->run_dir), "%s/%s.%s%s", runs_dir, j->name,
			         scn_pair_name(j->pair), j->scaled ? ".scaled" : "");
			pid_t pid = fork();
			if (pid == 0)
				job_child(env, j);
			if (pid < 0) {
				j->res.status = RUN_ERROR;
				snprintf(j->res.reason, sizeof(j->res.reason), "fork: %s",
				         strerror(errno));
				j->finished = true;
				print_progress(j, ++done, total);
				continue;
			}
			j->pid = pid;
			j->started = true;
			if (announce)
				printf("running %s %s (about %.0f s)...\n", j->name, j->variant,
				       (double)j->limit_us / 1e6);
			fflush(stdout);
			running++;
		}
		if (interrupted && !stopping) {
			stopping = true;
			stop_at = time(NULL) + 20;
			fprintf(stderr,
			        "\n" PROG ": interrupted: stopping %zu running case(s) and "
			        "removing their namespaces\n",
			        running);
			for (size_t i = 0; i < nr; i++)
				if (order[i]->started && !order[i]->finished)
					kill(order[i]->pid, SIGTERM);
		}
		if (running == 0)
			break;
		int st;
		pid_t pid = waitpid(-1, &st, stopping ? WNOHANG : 0);
		if (pid <= 0) {
			if (stopping && time(NULL) > stop_at) {
				for (size_t i = 0; i < nr; i++)
					if (order[i]->started && !order[i]->finished)
						kill(order[i]->pid, SIGKILL);
			}
			if (stopping)
				usleep(50000);
			continue;
		}
		for (size_t i = 0; i < nr; i++) {
			struct job *j = order[i];
			if (j->pid != pid || j->finished)
				continue;
			j->finished = true;
			running--;
			running_idle -= j->idle;
			if (run_result_read(j->run_dir, &j->res) != 0) {
				j->res.status = RUN_ERROR;
				snprintf(j->res.reason, sizeof(j->res.reason),
				         "the case's process ended without a result (status %d)",
				         st);
			}
			print_progress(j, ++done, total);
			if (verbose && (j->res.status == RUN_FAIL || j->res.status == RUN_ERROR)) {
				char rep[800];
				snprintf(rep, sizeof(rep), "%s/report.txt", j->run_dir);
				print_file(rep);
			}
		}
	}
	/* whatever a killed case left behind */
	for (size_t i = 0; i < nr; i++) {
		struct job *j = order[i];
		if (!j->started) {
			/* never run: neither passed nor failed */
			j->res.status = RUN_SKIP;
			snprintf(j->res.reason, sizeof(j->res.reason), "not run: interrupted");
			continue;
		}
		if (interrupted || j->res.status == RUN_ERROR) {
			char cmd[900];
			snprintf(cmd, sizeof(cmd), "'%s' down %s >/dev/null 2>&1", env->netns,
			         j->run_id);
			if (system(cmd) != 0)
				fprintf(stderr, PROG ": could not remove topology %s\n", j->run_id);
		}
		if (!j->finished) {
			j->res.status = RUN_ERROR;
			snprintf(j->res.reason, sizeof(j->res.reason), "interrupted");
		}
	}
	free(order);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
	    {"jobs", required_argument, NULL, 'j'},   {"pair", required_argument, NULL, 'p'},
	    {"filter", required_argument, NULL, 'f'}, {"junit", required_argument, NULL, 'J'},
	    {"runs", required_argument, NULL, 'r'},   {"build", required_argument, NULL, 'b'},
	    {"scaled-only", no_argument, NULL, 's'},  {"verbose", no_argument, NULL, 'v'},
	    {"no-rt", no_argument, NULL, 'R'},        {"idle-jobs", required_argument, NULL, 'I'},
	    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "j:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 64) {
				fprintf(stderr, PROG ": --jobs takes 1 to 64\n");
				return EXIT_USAGE;
			}
			o->jobs = (int)v;
			break;
		}
		case 'p':
			o->pairs = scn_pairs_parse(optarg);
			o->pair_given = true;
			if (!o->pairs) {
				fprintf(stderr,
				        PROG
				        ": --pair '%s': use stack-stack, stack-linux, linux-stack, "
				        "linux-linux, client=linux, *-stack or all\n",
				        optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f':
			o->filter = optarg;
			break;
		case 'J':
			o->junit = optarg;
			break;
		case 'r':
			o->runs = optarg;
			break;
		case 'b':
			/* the programs are started from each case's own folder: make it absolute */
			o->build = realpath(optarg, NULL);
			if (!o->build) {
				fprintf(stderr, PROG ": --build %s: %s\n", optarg, strerror(errno));
				return EXIT_USAGE;
			}
			break;
		case 's':
			o->scaled_only = true;
			break;
		case 'R':
			o->no_rt = true;
			break;
		case 'I': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 0 || v > 64) {
				fprintf(stderr, PROG ": --idle-jobs takes 0 to 64\n");
				return EXIT_USAGE;
			}
			o->idle_jobs = (int)v;
			break;
		}
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	return 0;
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
	if (strcmp(cmd, "check") && strcmp(cmd, "run") && strcmp(cmd, "parse")) {
		fprintf(stderr, PROG ": unknown command '%s'\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	struct opts o = {.jobs = DEFAULT_JOBS,
	                 .idle_jobs = DEFAULT_IDLE_JOBS,
	                 .pairs = SCN_ALL_PAIRS,
	                 .build = SYNFIN_BUILD_DIR};
	int r = parse_opts(argc - 1, argv + 1, &o);
	if (r)
		return r;
	int first = optind + 1;
	const char *default_dir = SYNFIN_SOURCE_DIR "/tests/scenarios";
	struct files files = {0};
	if (first >= argc && strcmp(cmd, "run"))
		r = collect(&files, default_dir, default_dir);
	for (int i = first; i < argc && !r; i++) {
		r = collect(&files, argv[i], default_dir);
		if (r)
			fprintf(stderr, PROG ": %s: no such scenario file or folder\n", argv[i]);
	}
	if (r) {
		files_free(&files);
		return EXIT_USAGE;
	}

	if (!strcmp(cmd, "parse")) {
		int bad = 0;
		for (size_t i = 0; i < files.n; i++) {
			struct scenario s;
			struct scn_error err;
			if (scenario_parse_file(&s, files.v[i], &err)) {
				fprintf(stderr, "%s:%u: %s\n", err.file, err.line, err.msg);
				bad = 1;
			} else {
				printf("%s: %zu expected segments\n", files.v[i], s.n_segs);
				scenario_free(&s);
			}
		}
		files_free(&files);
		return bad;
	}
	if (!strcmp(cmd, "run")) {
		if (files.n != 1) {
			fprintf(stderr, PROG " run: name exactly one scenario\n");
			return EXIT_USAGE;
		}
		if (!o.pair_given)
			o.pairs = 1u << SCN_LINUX_LINUX;
		o.jobs = 4;
	}

	struct run_env env;
	env_init(&env, o.build);
	if (o.no_rt)
		env.rt = false;
	char runs_dir[600];
	if (o.runs) {
		snprintf(runs_dir, sizeof(runs_dir), "%s", o.runs);
	} else {
		char stamp[32];
		time_t t = time(NULL);
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime(&t));
		snprintf(runs_dir, sizeof(runs_dir), "%s/scenario-runs", SYNFIN_BUILD_DIR);
		mkdir(runs_dir, 0755);
		snprintf(runs_dir, sizeof(runs_dir), "%s/scenario-runs/%s-%d", SYNFIN_BUILD_DIR,
		         stamp, (int)getpid());
	}
	const char *unusable = netns_unusable();
	struct job *jobs;
	size_t n = make_jobs(&jobs, &files, &o, &env, unusable);
	size_t runnable = 0;
	for (size_t i = 0; i < n; i++)
		runnable += jobs[i].runnable;
	if (runnable && mkdir(runs_dir, 0755) && errno != EEXIST) {
		fprintf(stderr, PROG ": cannot create %s: %s\n", runs_dir, strerror(errno));
		return 1;
	}
	printf(PROG ": %zu case(s) from %zu file(s), %zu to run, %d at once (+%d waiting ones)%s; "
	            "run folders in %s\n",
	       n, files.n, runnable, o.jobs, o.idle_jobs, env.rt ? ", real-time priority" : "",
	       runs_dir);
	if (unusable)
		printf(PROG ": every case is skipped: %s\n", unusable);
	fflush(stdout);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: waitpid returns on Ctrl-C */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_jobs(&env, jobs, n, o.jobs, o.idle_jobs, !strcmp(cmd, "run"), runs_dir,
	         o.verbose && strcmp(cmd, "run"));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	if (!strcmp(cmd, "run")) {
		for (size_t i = 0; i < n; i++) {
			char rep[800];
			if (!jobs[i].run_dir[0])
				continue;
			snprintf(rep, sizeof(rep), "%s/report.txt", jobs[i].run_dir);
			printf("\n");
			print_file(rep);
		}
	}
	if (strcmp(cmd, "run") && !o.verbose)
		for (size_t i = 0; i < n; i++)
			if (jobs[i].res.status == RUN_FAIL && jobs[i].run_dir[0])
				print_failure(&jobs[i]);
	report_table(stdout, jobs, n);
	size_t fail = 0, pass = 0, skip = 0;
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		fail += jobs[i].res.status == RUN_FAIL || jobs[i].res.status == RUN_ERROR;
		pass += jobs[i].res.status == RUN_PASS;
		skip += jobs[i].res.status == RUN_SKIP;
		sum += jobs[i].res.seconds;
	}
	printf("\n%zu passed, %zu failed, %zu skipped; wall time %.1f s for %.1f s of cases "
	       "(%d at once)%s%s\n",
	       pass, fail, skip, wall, sum, o.jobs, runnable ? "; runs in " : "",
	       runnable ? runs_dir : "");
	if (o.junit) {
		int jr = report_junit(o.junit, jobs, n, wall);
		if (jr)
			fprintf(stderr, PROG ": cannot write %s: %s\n", o.junit, strerror(-jr));
		else
			printf("JUnit report: %s\n", o.junit);
	}
	free(jobs);
	files_free(&files);
	if (interrupted) {
		fprintf(stderr, PROG ": interrupted\n");
		return 130;
	}
	return fail ? 1 : 0;
}
