/* shrink.c: synfin-scenario shrink (shrink.h): the options, the original run, the plan's
 * trials (shrink_plan.h), and what is left in the output folder: shrunk.rules, the case rewritten
 * to take its faults from it alone, report.txt, and every run's folder. */
#include "shrink.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "layout.h"
#include "proc.h"
#include "progress.h"
#include "run_env.h"
#include "scenario_files.h"
#include "scenario_options.h"
#include "shrink_plan.h"
#include "shrink_rules.h"
#include "shrink_trial.h"

#define SHRINK_MAX_JOBS 8

struct shrink_opts {
	unsigned pair; /* an index of the declared pairings (scenario.h) */
	bool ipv6;     /* --family ipv6 */
	uint64_t seed;
	const char *journal; /* --journal, made absolute; NULL: run the case under the seed */
	int jobs;
	int max_trials;
	const char *out;
	const char *build;
	bool no_rt;
	bool family_given; /* --family: else the file's family decides */
};

struct shrink {
	struct shrink_opts o;
	struct run_env env;
	char scenario[600];
	char name[128];
	char out[600];
	struct journal j; /* the failed run's */
	size_t *idx;      /* its drops and delays, by index into j.entries */
	size_t n;
	char key[400];         /* how it failed */
	double run_s;          /* how long a run took */
	char best_dir[700];    /* the run folder of the smallest set that failed the same way */
	unsigned runs_started; /* every run, for the topologies' names */
	int trials;            /* trials started */
	struct ddmin d;
	struct shrink_run runs[SHRINK_MAX_JOBS];
	struct ddmin_trial trial[SHRINK_MAX_JOBS];
	bool cancelled[SHRINK_MAX_JOBS];
	bool *keep[SHRINK_MAX_JOBS];
	struct progress *live;
};

static volatile sig_atomic_t interrupted;

/* A run of the case in the shrink's pairing and family. */
static struct shrink_run new_run(const struct shrink *sh)
{
	return (struct shrink_run){.pair = sh->o.pair, .ipv6 = sh->o.ipv6};
}

/* The pairing as a case id names it: "linux-linux", "linux-linux/ipv6". */
static const char *pairing(const struct shrink *sh)
{
	static char buf[64];
	snprintf(buf, sizeof(buf), "%s%s", scn_pair_name(sh->o.pair), sh->o.ipv6 ? "/ipv6" : "");
	return buf;
}

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

void shrink_usage(FILE *out)
{
	fputs("usage: " PROG
	      " shrink SCENARIO [--pair P] [--family F] [--seed N | --journal JOURNAL]\n"
	      "       [options]\n"
	      "\n"
	      "Reduces a case that fails under random faults (chance, jitter) to the few drops\n"
	      "and delays that make it fail: runs it under the seed (or takes the journal of a\n"
	      "failed run), then by delta debugging over the journal's drops and delays replays\n"
	      "subsets of them (the others let through), each trial a real run in a topology of\n"
	      "its own: it finds the decisions needed one by one, each by a search over the\n"
	      "journal's order that tries --jobs prefixes at once (one: bisection), then\n"
	      "leaves each out in turn (those trials at once) until removing any one stops the\n"
	      "case failing the same way (at the same expectation line). With J at once, k\n"
	      "needed of n take at most J*k*(L+1) + k-1 trials in k*(L+1) + ceil((k-1)/J)\n"
	      "rounds, L = ceil(log_{J+1} n): 2 of 117, J = 1: 17 in 17; J = 2: 25 in 13.\n"
	      "Writes into the output folder shrunk.rules (one exact rule per decision kept:\n"
	      "drop [P.] from client len 1000 attempt 1 conn 1 nth 18), SCENARIO's file with\n"
	      "its rules replaced by shrunk.rules, report.txt and every run's folder; then runs\n"
	      "that file once more to prove the rules alone fail the case the same way.\n"
	      "\n"
	      "options:\n"
	      "      --pair P          the pairing (one; default linux-linux)\n"
	      "      --family F        ipv4 or ipv6 (default ipv4, or ipv6 for a file of\n"
	      "                        'family ipv6' only)\n"
	      "      --seed N          the seed of the run to shrink (default 1)\n"
	      "      --journal JOURNAL shrink the decisions of a failed run's journal.jsonl\n"
	      "                        instead of running the case under a seed\n"
	      "  -j, --jobs N          trials at once (default 2, at most 8)\n"
	      "      --max-trials N    stop after N trials (default 64) with the smallest set\n"
	      "                        found so far\n"
	      "      --out DIR         the output folder (default: a new folder of runs)\n"
	      "      --build DIR       where the programs were built\n"
	      "      --no-rt           run at normal priority\n"
	      "  -h, --help            this text\n"
	      "\n"
	      "Exit 0 when shrunk and the rules alone fail the case the same way; 3 when there is\n"
	      "nothing to shrink (the case passed, or failed with no drop or delay); 4 when the\n"
	      "rules alone did not fail it that way (the trials' journals still do); 1 when a run\n"
	      "could not be made, or the journal does not read or holds another action than\n"
	      "drop and delay (set, strip, corrupt, duplicate, reset, reorder: exact rules\n"
	      "cannot make those again); 130 on Ctrl-C, which stops every run and removes its\n"
	      "namespaces.\n",
	      out);
}

/* A count from min to max for option. */
static int count_opt(const char *arg, long min, long max, const char *option, int *out)
{
	char *end;
	long v = strtol(arg, &end, 10);
	if (*end || !*arg || v < min || v > max) {
		fprintf(stderr, PROG " shrink: %s takes %ld to %ld\n", option, min, max);
		return -EINVAL;
	}
	*out = (int)v;
	return 0;
}

/* One option of shrink's; 0, or the exit status. */
static int take_opt(int ch, const char *arg, struct shrink_opts *o)
{
	unsigned m;
	char *end;
	switch (ch) {
	case 'p':
		m = scn_pairs_parse(arg);
		if (!m || (m & (m - 1))) {
			fprintf(stderr,
			        PROG " shrink: --pair '%s': name one pairing, e.g. linux-linux\n",
			        arg);
			return EXIT_USAGE;
		}
		o->pair = (unsigned)__builtin_ctz(m);
		return 0;
	case 'F':
		m = scn_family_parse(arg, strlen(arg));
		if (m != SCN_FAMILY_IPV4 && m != SCN_FAMILY_IPV6) {
			fprintf(stderr, PROG " shrink: --family '%s': ipv4 or ipv6 (one)\n", arg);
			return EXIT_USAGE;
		}
		o->ipv6 = m == SCN_FAMILY_IPV6;
		o->family_given = true;
		return 0;
	case 'E':
		errno = 0;
		o->seed = strtoull(arg, &end, 10);
		if (errno || *end || !*arg || *arg == '-') {
			fprintf(stderr,
			        PROG " shrink: --seed '%s': a number 0-18446744073709551615\n",
			        arg);
			return EXIT_USAGE;
		}
		return 0;
	case 'J':
		o->journal = realpath(arg, NULL);
		if (!o->journal) {
			fprintf(stderr, PROG " shrink: --journal %s: %s\n", arg, strerror(errno));
			return 1;
		}
		return 0;
	case 'j':
		return count_opt(arg, 1, SHRINK_MAX_JOBS, "--jobs", &o->jobs) ? EXIT_USAGE : 0;
	case 'm':
		return count_opt(arg, 1, 100000, "--max-trials", &o->max_trials) ? EXIT_USAGE : 0;
	case 'o':
		o->out = arg;
		return 0;
	case 'b':
		o->build = realpath(arg, NULL);
		if (!o->build) {
			fprintf(stderr, PROG " shrink: --build %s: %s\n", arg, strerror(errno));
			return EXIT_USAGE;
		}
		return 0;
	case 'R':
		o->no_rt = true;
		return 0;
	case 'h':
		shrink_usage(stdout);
		exit(0);
	default:
		shrink_usage(stderr);
		return EXIT_USAGE;
	}
}

static int parse_shrink_opts(int argc, char **argv, struct shrink_opts *o)
{
	/* every option but the two flags takes a value */
#define VALUE(name, ch)                                                                            \
	{                                                                                          \
		name, required_argument, NULL, ch                                                  \
	}
	static const struct option longopts[] = {
	    VALUE("pair", 'p'),
	    VALUE("family", 'F'),
	    VALUE("seed", 'E'),
	    VALUE("journal", 'J'),
	    VALUE("jobs", 'j'),
	    VALUE("max-trials", 'm'),
	    VALUE("out", 'o'),
	    VALUE("build", 'b'),
	    {"no-rt", no_argument, NULL, 'R'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
#undef VALUE
	bool seed_given = false;
	int ch;
	while ((ch = getopt_long(argc, argv, "j:h", longopts, NULL)) != -1) {
		seed_given |= ch == 'E';
		int r = take_opt(ch, optarg, o);
		if (r)
			return r;
	}
	if (seed_given && o->journal) {
		fprintf(stderr,
		        PROG " shrink: --seed or --journal, not both: a journal has its seed\n");
		return EXIT_USAGE;
	}
	return 0;
}

/* Run r alone (the original, the whole journal, the proof), the status line kept up meanwhile.
 * 0, or 130 when interrupted (the run stopped, its namespaces removed). */
static int run_alone(struct shrink *sh, struct shrink_run *r, const char *what)
{
	int e = shrink_run_start(&sh->env, r, sh->runs_started++);
	if (e) {
		fprintf(stderr, PROG " shrink: fork: %s\n", strerror(-e));
		return 1;
	}
	progress_started(sh->live, what, (int64_t)(sh->run_s * 1e6));
	while (shrink_run_wait(r, 1, !sh->live) < 0) {
		if (interrupted) {
			shrink_runs_stop(&sh->env, r, 1);
			return 130;
		}
		progress_tick(sh->live);
		proc_sleep_us(100000);
	}
	progress_finished(sh->live, what, 0);
	return 0;
}

static int read_journal(const char *path, struct journal *j)
{
	char why[600];
	if (journal_read(path, j, why, sizeof(why)) == 0)
		return 0;
	fprintf(stderr, PROG " shrink: the journal does not read: %s\n", why);
	return 1;
}

/* A journal with another action than drop and delay cannot be shrunk (shrink_other_action): 0,
 * or 1 after saying which decision and what to do. */
static int refuse_other_actions(const struct journal *j, const char *path)
{
	const struct journal_entry *e = shrink_other_action(j);
	if (!e)
		return 0;
	char was[500];
	shrink_decision_text(e, was, sizeof(was));
	const char *name = rule_action_name(e->action);
	fprintf(stderr,
	        PROG " shrink: %s:%u: %s: shrink leaves out drops and delays and writes those "
	             "it keeps as exact rules, which cannot make a %s again; shrink the case "
	             "without its %s rule\n",
	        path, e->journal_line, was, name, name);
	return 1;
}

/* The failed run to shrink: the case under the seed, or the journal replayed whole (which
 * says how it fails). Its journal, decisions and failure into sh. 0, or the exit status. */
static int failed_run(struct shrink *sh)
{
	struct shrink_run r = new_run(sh);
	snprintf(r.scenario, sizeof(r.scenario), "%s", sh->scenario);
	if (sh->o.journal) {
		if (read_journal(sh->o.journal, &sh->j) ||
		    refuse_other_actions(&sh->j, sh->o.journal))
			return 1;
		snprintf(r.replay, sizeof(r.replay), "%s", sh->o.journal);
		snprintf(r.dir, sizeof(r.dir), "%s/all", sh->out);
		printf("replaying every decision of %s (%zu) to see how it fails: %s\n",
		       sh->o.journal, sh->j.n, r.dir);
	} else {
		snprintf(r.dir, sizeof(r.dir), "%s/original", sh->out);
		printf("running %s (%s) under seed %" PRIu64 ": %s\n", sh->name, pairing(sh),
		       sh->o.seed, r.dir);
	}
	fflush(stdout);
	int e = run_alone(sh, &r, "original");
	if (e)
		return e;
	sh->run_s = r.res.seconds;
	if (r.res.status == RUN_PASS) {
		if (sh->o.journal)
			printf("the case passes with the decisions of %s: nothing to shrink\n",
			       sh->o.journal);
		else
			printf("the case passes with seed %" PRIu64 ": nothing to shrink (another "
			       "--seed, or the --journal of a failed run)\n",
			       sh->o.seed);
		return SHRINK_EXIT_NOTHING;
	}
	if (r.res.status != RUN_FAIL) {
		fprintf(stderr, PROG " shrink: the run did not fail but %s: %s (see %s)\n",
		        run_status_name(r.res.status), r.res.reason, r.dir);
		return 1;
	}
	snprintf(sh->key, sizeof(sh->key), "%s", r.key);
	snprintf(sh->best_dir, sizeof(sh->best_dir), "%s", r.dir);
	char path[760];
	snprintf(path, sizeof(path), "%s/journal.jsonl", r.dir);
	if (!sh->o.journal && (read_journal(path, &sh->j) || refuse_other_actions(&sh->j, path)))
		return 1;
	sh->idx = calloc(sh->j.n ? sh->j.n : 1, sizeof(*sh->idx));
	if (!sh->idx)
		return 1;
	sh->n = shrink_decisions(&sh->j, sh->idx);
	printf("it fails at %s, with %zu drops and delays among %zu decisions\n", sh->key, sh->n,
	       sh->j.n);
	if (sh->n)
		return 0;
	printf("no drop or delay made it fail: nothing to shrink\n");
	return SHRINK_EXIT_NOTHING;
}

/* Start the next trial the plan offers in slot k. 1 when one started, 0 when none is offered,
 * -1 when the trial could not start. */
static int start_trial(struct shrink *sh, size_t k)
{
	struct shrink_run *r = &sh->runs[k];
	int got = ddmin_next(&sh->d, &sh->trial[k], sh->keep[k]);
	if (got != 1)
		return 0;
	int no = ++sh->trials;
	*r = new_run(sh);
	snprintf(r->scenario, sizeof(r->scenario), "%s", sh->scenario);
	snprintf(r->dir, sizeof(r->dir), "%s/trials/%02d", sh->out, no);
	snprintf(r->replay, sizeof(r->replay), "%s/trials/%02d.jsonl", sh->out, no);
	FILE *f = fopen(r->replay, "w");
	if (!f) {
		fprintf(stderr, PROG " shrink: cannot write %s: %s\n", r->replay, strerror(errno));
		return -1;
	}
	shrink_write_journal(f, &sh->j, sh->idx, sh->keep[k], sh->n);
	fclose(f);
	sh->cancelled[k] = false;
	if (shrink_run_start(&sh->env, r, sh->runs_started++))
		return -1;
	char id[32];
	snprintf(id, sizeof(id), "trial %d", no);
	progress_started(sh->live, id, (int64_t)(sh->run_s * 1e6));
	return 1;
}

/* Trial k has ended: its outcome to the plan, a line saying it. A trial that made the set
 * smaller can leave others of its round nothing to say (in a removal round all of them, in a
 * search the longer prefixes): those are stopped. */
static void trial_ended(struct shrink *sh, size_t k)
{
	struct shrink_run *r = &sh->runs[k];
	bool same = shrink_run_fails_as(r, sh->key);
	int smaller = ddmin_result(&sh->d, &sh->trial[k], same);
	char id[32], what[500];
	int no = atoi(strrchr(r->dir, '/') + 1);
	snprintf(id, sizeof(id), "trial %d", no);
	progress_finished(sh->live, id, (size_t)no);
	if (sh->cancelled[k])
		snprintf(what, sizeof(what), "stopped: a trial of its round had failed already");
	else if (same)
		snprintf(what, sizeof(what), "fails the same way%s", smaller ? "" : " (too late)");
	else if (r->res.status == RUN_PASS)
		snprintf(what, sizeof(what), "passes");
	else if (r->res.status == RUN_FAIL)
		snprintf(what, sizeof(what), "fails elsewhere: %s", r->key);
	else
		snprintf(what, sizeof(what), "%s: %s", run_status_name(r->res.status),
		         r->res.reason);
	printf("trial %2d: %3zu of %zu decision(s): %s; %zu left\n", no, sh->trial[k].n_keep, sh->n,
	       what, sh->d.n_keep);
	fflush(stdout);
	if (smaller)
		snprintf(sh->best_dir, sizeof(sh->best_dir), "%s", r->dir);
	for (size_t i = 0; i < (size_t)sh->o.jobs; i++)
		if (sh->runs[i].pid > 0 && !sh->cancelled[i] &&
		    !ddmin_wanted(&sh->d, &sh->trial[i])) {
			sh->cancelled[i] = true;
			kill(sh->runs[i].pid, SIGTERM);
		}
}

/* The plan's trials, up to o.jobs at once, until it is done or o.max_trials have run. 0, 1 or 130.
 */
static int shrink_loop(struct shrink *sh)
{
	if (ddmin_init(&sh->d, sh->n, (size_t)sh->o.jobs))
		return 1;
	for (int k = 0; k < sh->o.jobs; k++)
		if (!(sh->keep[k] = malloc(sh->n)))
			return 1;
	size_t running = 0;
	for (;;) {
		for (size_t k = 0; !interrupted && k < (size_t)sh->o.jobs; k++) {
			if (sh->runs[k].pid > 0 || sh->trials >= sh->o.max_trials)
				continue;
			int s = start_trial(sh, k);
			if (s < 0)
				return 1;
			running += (size_t)s;
		}
		if (interrupted) {
			shrink_runs_stop(&sh->env, sh->runs, (size_t)sh->o.jobs);
			return 130;
		}
		if (!running)
			return 0;
		int k = shrink_run_wait(sh->runs, (size_t)sh->o.jobs, !sh->live);
		if (k < 0) {
			progress_tick(sh->live);
			if (sh->live)
				proc_sleep_us(100000);
			continue;
		}
		running--;
		trial_ended(sh, (size_t)k);
	}
}

/* What a set of decisions counts: "1 drop", "2 drops and 1 delay". */
static void count_text(char *buf, size_t size, size_t drops, size_t delays)
{
	int n = snprintf(buf, size, "%zu drop%s", drops, drops == 1 ? "" : "s");
	if (delays && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " and %zu delay%s", delays,
		         delays == 1 ? "" : "s");
}

/* shrunk.rules: an exact rule for each drop and delay of the smallest failing run's journal
 * (b), the decision it makes again beside it. Counts them into drops and delays. */
static int write_rules(const struct shrink *sh, const struct journal *b, size_t *drops,
                       size_t *delays)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/shrunk.rules", sh->out);
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, PROG " shrink: cannot write %s: %s\n", path, strerror(errno));
		return 1;
	}
	fprintf(f,
	        "# %s (%s): the decisions of the run %s\n"
	        "# that fail it at %s, each made again exactly (no chance):\n"
	        "# synfin-scenario run %s/%s.scn --pair %s%s\n",
	        sh->name, pairing(sh), sh->best_dir, sh->key, sh->out, sh->name,
	        scn_pair_name(sh->o.pair), sh->o.ipv6 ? " --family ipv6" : "");
	*drops = *delays = 0;
	for (size_t i = 0; i < b->n; i++) {
		if (b->entries[i].action == RULE_PASS)
			continue;
		*drops += b->entries[i].action == RULE_DROP;
		*delays += b->entries[i].action == RULE_DELAY;
		char rule[200], was[500];
		shrink_rule_text(b, i, rule, sizeof(rule));
		shrink_decision_text(&b->entries[i], was, sizeof(was));
		fprintf(f, "%s\n# ^ %s\n", rule, was);
	}
	fclose(f);
	return 0;
}

/* SCENARIO's file again in the output folder, its rules replaced by shrunk.rules. */
static int write_case(const struct shrink *sh, char *path, size_t size)
{
	FILE *in = fopen(sh->scenario, "r");
	char *text = NULL, *out = NULL;
	size_t cap = 0;
	ssize_t n = in ? getdelim(&text, &cap, '\0', in) : -1;
	if (in)
		fclose(in);
	if (n >= 0)
		out = shrink_scenario_text(text, "shrunk.rules");
	free(text);
	snprintf(path, size, "%s/%s.scn", sh->out, sh->name);
	FILE *f = out ? fopen(path, "w") : NULL;
	if (!f) {
		fprintf(stderr, PROG " shrink: cannot write %s: %s\n", path, strerror(errno));
		free(out);
		return 1;
	}
	fputs(out, f);
	fclose(f);
	free(out);
	return 0;
}

static void print_report(FILE *f, const struct shrink *sh, const char *counts, const char *proof)
{
	char path[760], from[700];
	snprintf(path, sizeof(path), "%s/shrunk.rules", sh->out);
	if (sh->o.journal)
		snprintf(from, sizeof(from), "the journal %s", sh->o.journal);
	else
		snprintf(from, sizeof(from), "seed %" PRIu64, sh->o.seed);
	fprintf(f, "\n%s (%s), %s: fails with %s of %zu decisions (of its %zu drops and delays):\n",
	        sh->name, pairing(sh), from, counts, sh->j.n, sh->n);
	FILE *r = fopen(path, "r");
	char line[800];
	while (r && fgets(line, sizeof(line), r))
		if (line[0] != '#' || (line[1] == ' ' && line[2] == '^'))
			fprintf(f, "  %s", line);
	if (r)
		fclose(r);
	fprintf(f, "expectation: %s\n", sh->key);
	fprintf(f, "%d trial(s), %d at once; %s\n", sh->trials, sh->o.jobs,
	        sh->d.phase == DDMIN_DONE
	            ? "1-minimal: without any one of them it does not fail this way"
	            : "stopped at --max-trials: a smaller set may still fail this way");
	fprintf(f, "rules: %s\ncase with them alone: %s/%s.scn\n%s\n", path, sh->out, sh->name,
	        proof);
}

/* The rules, the case with them alone, one run of it to prove them, and the report. 0, 1, 130
 * or SHRINK_EXIT_NOT_PROVED. */
static int finish(struct shrink *sh)
{
	char path[760];
	struct journal b;
	size_t drops, delays;
	snprintf(path, sizeof(path), "%s/journal.jsonl", sh->best_dir);
	if (read_journal(path, &b))
		return 1;
	int e = write_rules(sh, &b, &drops, &delays);
	journal_free(&b);
	struct shrink_run r = new_run(sh);
	if (e || write_case(sh, r.scenario, sizeof(r.scenario)))
		return 1;
	snprintf(r.dir, sizeof(r.dir), "%s/proof", sh->out);
	printf("proving the rules alone: %s\n", r.dir);
	fflush(stdout);
	if ((e = run_alone(sh, &r, "proof")) != 0)
		return e;
	char counts[64], proof[1000];
	count_text(counts, sizeof(counts), drops, delays);
	bool proved = shrink_run_fails_as(&r, sh->key);
	if (proved)
		snprintf(proof, sizeof(proof),
		         "proof: the rules alone (no chance) fail it the same way: %s", r.dir);
	else
		snprintf(proof, sizeof(proof),
		         "NOT PROVED: with the rules alone it %s %s (%s); the trials' journals "
		         "still fail it: %s/journal.jsonl",
		         run_status_name(r.res.status), r.res.status == RUN_FAIL ? r.key : "",
		         r.dir, sh->best_dir);
	snprintf(path, sizeof(path), "%s/report.txt", sh->out);
	FILE *f = fopen(path, "w");
	if (f) {
		print_report(f, sh, counts, proof);
		fclose(f);
	}
	print_report(stdout, sh, counts, proof);
	return proved ? 0 : SHRINK_EXIT_NOT_PROVED;
}

static int prepare(struct shrink *sh, int argc, char **argv)
{
	struct files files = {0};
	if (optind + 1 != argc) {
		fprintf(stderr, PROG " shrink: name exactly one scenario\n");
		return EXIT_USAGE;
	}
	if (collect_args(&files, argc, argv, optind, true) || files.n != 1) {
		files_free(&files);
		return EXIT_USAGE;
	}
	char *abs = realpath(files.v[0], NULL);
	snprintf(sh->scenario, sizeof(sh->scenario), "%s", abs ? abs : files.v[0]);
	free(abs);
	files_free(&files);
	const char *base = strrchr(sh->scenario, '/');
	snprintf(sh->name, sizeof(sh->name), "%s", base ? base + 1 : sh->scenario);
	char *dot = strstr(sh->name, ".scn");
	if (dot)
		*dot = '\0';
	struct scenario s;
	struct scn_error err;
	if (!sh->o.family_given && scenario_parse_file(&s, sh->scenario, &err) == 0) {
		sh->o.ipv6 = s.families == SCN_FAMILY_IPV6; /* a case of IPv6 only */
		scenario_free(&s);
	}
	if (run_env_init(&sh->env, sh->o.build))
		return 1;
	const char *why = run_env_unusable();
	if (why) {
		fprintf(stderr, PROG " shrink: cannot run cases here: %s\n", why);
		return 1;
	}
	sh->env.rt = sh->env.rt && !sh->o.no_rt;
	sh->env.seed = sh->o.seed;
	if (sh->o.out) {
		snprintf(sh->out, sizeof(sh->out), "%s", sh->o.out);
	} else {
		struct layout l;
		layout_find(&l);
		layout_runs_dir(&l, sh->out, sizeof(sh->out));
	}
	char trials[700];
	snprintf(trials, sizeof(trials), "%s/trials", sh->out);
	if ((mkdir(sh->out, 0755) && errno != EEXIST) || (mkdir(trials, 0755) && errno != EEXIST)) {
		fprintf(stderr, PROG " shrink: cannot create %s: %s\n", trials, strerror(errno));
		return 1;
	}
	return 0;
}

int shrink_main(int argc, char **argv, char **full_argv)
{
	static struct shrink sh;
	/* the pairings --pair names come from the implementations' declarations */
	if (run_env_load_impls(NULL, 0))
		return 1;
	int linux_linux = scn_pair_find("linux-linux");
	sh.o = (struct shrink_opts){
	    .pair = linux_linux >= 0 ? (unsigned)linux_linux : 0,
	    .seed = 1,
	    .jobs = 2,
	    .max_trials = 64,
	};
	int r = parse_shrink_opts(argc, argv, &sh.o);
	if (r)
		return r;
	struct layout l;
	layout_find(&l);
	proc_reexec_in_userns(l.netns, full_argv);
	if ((r = prepare(&sh, argc, argv)) != 0)
		return r;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: waitpid returns on Ctrl-C */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	printf(PROG " shrink: %s (%s), %d trial(s) at once, at most %d; output in %s\n", sh.name,
	       pairing(&sh), sh.o.jobs, sh.o.max_trials, sh.out);
	sh.live = progress_open(stdout, (size_t)sh.o.max_trials);
	r = failed_run(&sh);
	if (!r)
		r = shrink_loop(&sh);
	if (!r)
		r = finish(&sh);
	progress_close(sh.live);
	if (r == 130)
		fprintf(stderr,
		        PROG " shrink: interrupted: every run stopped, its namespaces removed\n");
	for (int k = 0; k < SHRINK_MAX_JOBS; k++)
		free(sh.keep[k]);
	ddmin_free(&sh.d);
	free(sh.idx);
	journal_free(&sh.j);
	return r;
}
