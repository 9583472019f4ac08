/* scenario_options.c: synfin-scenario's usage text and options. */
#include "scenario_options.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "case_select.h"
#include "layout.h"
#include "scenario.h"

/* The defaults are the layout's: the build and source trees, or the installed prefix. */
void usage(FILE *out)
{
	struct layout l;
	layout_find(&l);
	fprintf(
	    out,
	    "usage: " PROG " check [options] [DIR|FILE.scn]...\n"
	    "       " PROG " run SCENARIO [--pair P] [--replay JOURNAL] [options]\n"
	    "       " PROG " shrink SCENARIO [--pair P] [--seed N | --journal JOURNAL] [options]\n"
	    "       " PROG " list [--shard I/N] [--pair P] [--filter GLOB] [DIR|FILE.scn]...\n"
	    "       " PROG " parse [DIR|FILE.scn]...\n"
	    "       " PROG " junit-merge OUT IN.xml...\n"
	    "\n"
	    "Runs verification scenarios: each .scn file names the faults, what the two\n"
	    "applications do, the settings of each endpoint and the conversation the wire must\n"
	    "carry (tests/scenarios/README.md). Every case runs for every pairing of endpoints,\n"
	    "client-server: stack-stack, stack-linux, linux-stack, linux-linux, lwip-linux,\n"
	    "linux-lwip (on request lwip-stack, stack-lwip, lwip-lwip), each in a\n"
	    "topology of its own (netns/synfin-netns) with synfin-faultd in the wire. The\n"
	    "implementations are declared in impl/NAME.impl (impl/README.md).\n"
	    "\n"
	    "  check   run every scenario (default: %s),\n"
	    "          print a line per finished case, then a table of scenario x pairing.\n"
	    "          On a terminal a status line under them shows the cases in flight,\n"
	    "          the longest first, with their seconds so far against their expected\n"
	    "          duration, and how many are done.\n"
	    "          Exit 0 when every case passed or was skipped, 1 when one failed (or\n"
	    "          could not run), 2 when none failed but some stayed inconclusive.\n"
	    "  run     run one scenario (a file, or a name from the default folder) and print its\n"
	    "          report: the conversation side by side with the expectation, each\n"
	    "          application's outcome, the trace and the ladder. Default pairing "
	    "linux-linux.\n"
	    "  shrink  reduce a case that fails under random faults to the few drops and\n"
	    "          delays that fail it the same way, as a file of exact rules (delta\n"
	    "          debugging, each trial a real run); " PROG " shrink --help for its options\n"
	    "  list    print the id of every case check would run, one per line:\n"
	    "          NAME.PAIRING, or NAME.PAIRING.scaled for a time-scaled variant,\n"
	    "          then .ipv6 over IPv6\n"
	    "          (no privileges needed).\n"
	    "  parse   only check that scenario files parse (no privileges needed).\n"
	    "  junit-merge  merge JUnit reports (the shards' build/junit/*.xml) into OUT\n"
	    "          ('-': stdout): suites of one name become one; a case found in several\n"
	    "          reports (a suite every shard runs whole) is kept once, with its worst\n"
	    "          outcome. Malformed XML is refused with its line and column (exit 65).\n"
	    "\n"
	    "options:\n"
	    "  -j, --jobs N        cases at once (default 8, or 2 without real-time priority);\n"
	    "                      each has its own namespaces\n"
	    "      --idle-jobs N   cases expected to last 20 s or more (mostly waiting on timers)\n"
	    "                      run on top of --jobs, up to N at once (default 16)\n"
	    "      --pair P        only these pairings: stack-stack, stack-linux, linux-stack,\n"
	    "                      linux-linux, lwip-linux, linux-lwip, lwip-stack,\n"
	    "                      stack-lwip, lwip-lwip, client=linux, *-stack, all (comma\n"
	    "                      separated; with --impl or more --pair, every one named)\n"
	    "      --impl NAME     every pairing with NAME (linux, stack, lwip) at either end;\n"
	    "                      all: every pairing of every implementation\n"
	    "      --impl-dir DIR  also the implementations declared in DIR/NAME.impl (after\n"
	    "                      synfin's own and those of $SYNFIN_IMPL_PATH, a colon\n"
	    "                      separated list of folders); see impl/README.md\n"
	    "      --filter GLOB   only scenarios whose name matches GLOB (e.g. 'syn-*')\n"
	    "      --family F      over ipv4, ipv6 or both, whatever each file's 'family' line\n"
	    "                      says (default: the file's; without one, ipv4, and for\n"
	    "                      check ipv6 too where both ends speak it). An IPv6 case's id\n"
	    "                      ends in .ipv6 and its pairing reads linux-linux/ipv6; a\n"
	    "                      pairing whose impl file lacks 'families ... ipv6', or a\n"
	    "                      file's 'family ipv4 because ...', makes it a skip\n"
	    "      --shard I/N     (check, list) only shard I of N, counted from 1: the N shards\n"
	    "                      together run every case once. A case's shard follows from\n"
	    "                      its id alone, so it stays put on every machine and when\n"
	    "                      cases are added or skipped; a file that does not parse\n"
	    "                      fails every shard. Default: $SYNFIN_SHARD, else all.\n"
	    "      --shard auto    I/N from the CI's environment: GitLab CI's CI_NODE_INDEX and\n"
	    "                      CI_NODE_TOTAL (parallel: N); a Kubernetes Indexed Job's\n"
	    "                      JOB_COMPLETION_INDEX (from 0) with the count as auto/N\n"
	    "      --junit FILE    also write a JUnit XML report\n"
	    "      --runs DIR      where run folders go (default %s/TIME)\n"
	    "      --scaled-only   of a stack case with a time-scaled variant, run only that one\n"
	    "      --build DIR     where synfin-faultd, synfin-kpeer, synfin-peer were built\n"
	    "                      (default %s)\n"
	    "      --no-rt         run endpoints and synfin-faultd at normal priority (default:\n"
	    "                      real-time, chrt -f 1, so parallel cases keep their timing)\n"
	    "      --load N        N busy processes (endless loops at normal priority) beside\n"
	    "                      the cases, as on a shared CI runner; ended with the suite\n"
	    "      --seed N        the seed of synfin-faultd's draws (chance, jitter) in every\n"
	    "                      case (default 1); each run folder's journal.jsonl records\n"
	    "                      every decision with the segment's identity\n"
	    "      --replay JOURNAL  (run) make exactly the decisions of JOURNAL (a run\n"
	    "                      folder's journal.jsonl) again, matched by the segments'\n"
	    "                      identity, not their ports or ISNs: a failure under chance\n"
	    "                      repeats segment for segment\n"
	    "  -v, --verbose       print each failed case's report as it finishes\n"
	    "  -h, --help          this text\n"
	    "\n"
	    "Not root, check and run build every topology in a user namespace of their own\n"
	    "(rootless: no sudo). A case is skipped, with the reason and the line of ./synfin\n"
	    "doctor that says more, when namespaces are unusable (no root, no user namespaces),\n"
	    "when /dev/net/tun is not openable (stack endpoints), when an endpoint program is\n"
	    "not built, or when the scenario says it does not apply (skip, only). Ctrl-C stops\n"
	    "every case and removes every namespace this program made.\n"
	    "Each case leaves a folder (report.txt, trace.txt, trace.jsonl, trace.pcap,\n"
	    "trace.pcapng, journal.jsonl, ladder.txt, trace.svg, endpoint logs) under the runs\n"
	    "folder named in the output.\n"
	    "\n"
	    "Times are judged with packetdrill's tolerance, max(4 ms, 12.5%% of the gap), on the\n"
	    "daemon's clock; an application's outcome and end come from its own exit record.\n"
	    "While a case runs, a timer at the endpoints' priority measures how late the machine\n"
	    "is (p50, p99, max in report.txt and the JUnit properties). A case that failed on\n"
	    "times alone while the machine stalled (the timer's worst lateness) longer than the\n"
	    "tolerance of the windows it missed and at least as long as the miss is\n"
	    "inconclusive, not failed: such cases run once more at the end, all at once (at\n"
	    "most a tenth of the cases); the second verdict stands. Exit status 2 when they\n"
	    "are all that did not pass.\n",
	    l.scenarios, l.runs, l.programs);
}

/* A number of cases at once: min to 64. */
static int parse_count(const char *arg, long min, const char *option, int *out)
{
	char *end;
	long v = strtol(arg, &end, 10);
	if (*end || v < min || v > 64) {
		fprintf(stderr, PROG ": %s takes %ld to 64\n", option, min);
		return -EINVAL;
	}
	*out = (int)v;
	return 0;
}

/* A variable's value, NULL when unset or empty (a CI may define it empty). */
static const char *env_value(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* The shard of check and list, from --shard's spec or $SYNFIN_SHARD (which lets `make check`
 * and CI jobs pass it through). */
static int parse_shard(const char *cmd, const char *spec, struct opts *o)
{
	o->shard = (struct shard){.index = 1, .count = 1};
	if (strcmp(cmd, "check") && strcmp(cmd, "list")) {
		if (!spec)
			return 0;
		fprintf(stderr, PROG ": --shard is for check and list\n");
		return EXIT_USAGE;
	}
	o->shard_from = "--shard";
	if (!spec && (spec = env_value("SYNFIN_SHARD")) != NULL)
		o->shard_from = "SYNFIN_SHARD";
	if (!spec) {
		o->shard_from = NULL;
		return 0;
	}
	const struct shard_env env = {.ci_node_index = env_value("CI_NODE_INDEX"),
	                              .ci_node_total = env_value("CI_NODE_TOTAL"),
	                              .job_completion_index = env_value("JOB_COMPLETION_INDEX")};
	char why[300];
	if (shard_parse(spec, &env, &o->shard, why, sizeof(why)) == 0)
		return 0;
	if (!strcmp(o->shard_from, "--shard"))
		fprintf(stderr, PROG ": --shard '%s': %s\n", spec, why);
	else
		fprintf(stderr, PROG ": SYNFIN_SHARD='%s': %s\n", spec, why);
	return EXIT_USAGE;
}

/* --seed and --replay: 0, or -EINVAL after saying what is wrong. */
static int journal_opt(int ch, const char *arg, const char *cmd, struct opts *o)
{
	if (ch == 'E') {
		char *end;
		errno = 0;
		o->seed = strtoull(arg, &end, 10);
		if (errno || *end || !*arg || *arg == '-') {
			fprintf(stderr, PROG ": --seed '%s': a number 0-18446744073709551615\n",
			        arg);
			return -EINVAL;
		}
		return 0;
	}
	if (strcmp(cmd, "run")) {
		fprintf(stderr, PROG ": --replay is for run: one case, replayed\n");
		return -EINVAL;
	}
	/* synfin-faultd starts in the case's own folder: make it absolute */
	o->replay = realpath(arg, NULL);
	if (!o->replay) {
		fprintf(stderr, PROG ": --replay %s: %s\n", arg, strerror(errno));
		return -EINVAL;
	}
	return 0;
}

/* --pair SPEC or --impl NAMES, kept until the implementations are known. */
static int take_pairs(struct opts *o, bool pair, const char *spec)
{
	size_t max = sizeof(o->pair_specs) / sizeof(o->pair_specs[0]);
	if (o->n_pair_specs == max) {
		fprintf(stderr, PROG ": at most %zu --pair and --impl options\n", max);
		return -EINVAL;
	}
	o->pair_specs[o->n_pair_specs].spec = spec;
	o->pair_specs[o->n_pair_specs++].pair = pair;
	o->pair_given = true;
	return 0;
}

/* The first --pair or --impl replaces the default pairings, the next add theirs. */
int opts_resolve_pairs(struct opts *o, unsigned fallback)
{
	o->pairs = o->n_pair_specs ? 0 : fallback;
	for (size_t i = 0; i < o->n_pair_specs; i++) {
		const char *spec = o->pair_specs[i].spec;
		bool pair = o->pair_specs[i].pair;
		unsigned m = pair ? scn_pairs_parse(spec) : scn_impl_pairs_parse(spec);
		char names[600];
		scn_pairs_list(names, sizeof(names), !pair);
		if (!m && pair)
			fprintf(stderr,
			        PROG ": --pair '%s': use %s, client=linux, *-stack or all\n", spec,
			        names);
		if (!m && !pair)
			fprintf(stderr, PROG ": --impl '%s': use %s or all\n", spec, names);
		if (!m)
			return EXIT_USAGE;
		o->pairs |= m;
	}
	return 0;
}

int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
	    {"jobs", required_argument, NULL, 'j'},
	    {"pair", required_argument, NULL, 'p'},
	    {"filter", required_argument, NULL, 'f'},
	    {"junit", required_argument, NULL, 'J'},
	    {"runs", required_argument, NULL, 'r'},
	    {"build", required_argument, NULL, 'b'},
	    {"scaled-only", no_argument, NULL, 's'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"no-rt", no_argument, NULL, 'R'},
	    {"idle-jobs", required_argument, NULL, 'I'},
	    {"load", required_argument, NULL, 'L'},
	    {"shard", required_argument, NULL, 'S'},
	    {"seed", required_argument, NULL, 'E'},
	    {"replay", required_argument, NULL, 'P'},
	    {"impl", required_argument, NULL, 'i'},
	    {"impl-dir", required_argument, NULL, 'D'},
	    {"family", required_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *shard = NULL;
	int ch;
	while ((ch = getopt_long(argc, argv, "j:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			if (parse_count(optarg, 1, "--jobs", &o->jobs))
				return EXIT_USAGE;
			break;
		case 'p':
		case 'i':
			if (take_pairs(o, ch == 'p', optarg))
				return EXIT_USAGE;
			break;
		case 'D':
			if (o->n_impl_dirs == sizeof(o->impl_dirs) / sizeof(o->impl_dirs[0])) {
				fprintf(stderr, PROG ": at most %zu --impl-dir options\n",
				        o->n_impl_dirs);
				return EXIT_USAGE;
			}
			o->impl_dirs[o->n_impl_dirs++] = optarg;
			break;
		case 'f':
			o->filter = optarg;
			break;
		case 'F':
			o->families = scn_family_parse(optarg, strlen(optarg));
			if (!o->families) {
				fprintf(stderr, PROG ": --family '%s': ipv4, ipv6 or both\n",
				        optarg);
				return EXIT_USAGE;
			}
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
		case 'I':
			if (parse_count(optarg, 0, "--idle-jobs", &o->idle_jobs))
				return EXIT_USAGE;
			break;
		case 'L':
			if (parse_count(optarg, 0, "--load", &o->load))
				return EXIT_USAGE;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'S':
			shard = optarg;
			break;
		case 'E':
		case 'P':
			if (journal_opt(ch, optarg, argv[0], o))
				return EXIT_USAGE;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	return parse_shard(argv[0], shard, o);
}
