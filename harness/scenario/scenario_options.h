/* scenario_options.h: synfin-scenario's command line, parsed apart from main. */
#ifndef SYNFIN_SCENARIO_OPTIONS_H
#define SYNFIN_SCENARIO_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "case_select.h"

#define PROG "synfin-scenario"
#define EXIT_USAGE 64
/* check: nothing failed, but some cases stayed inconclusive (the machine was too late to
 * judge their times) */
#define EXIT_INCONCLUSIVE 2
/* Measured on the 2-core reference machine (tests/scenarios/README.md): this many cases at
 * once keep every timing within tolerance. */
#define DEFAULT_JOBS 8
/* Without real-time priority (a normal user's rootless run, or --no-rt) an endpoint waits for
 * the CPU behind the others: measured rootless on the same machine (README "Rootless"), 8, 4
 * and 3 at once made 100-200 ms timers 20-50 ms late, 2 at once 1-5 ms at worst, at no cost
 * in wall time (the 63-75 s cases, on top, bound it). */
#define DEFAULT_JOBS_NO_RT 2
/* Cases expected to last this long mostly wait on timers; up to DEFAULT_IDLE_JOBS of them run
 * on top of the others. */
#define IDLE_CASE_US 20000000
#define DEFAULT_IDLE_JOBS 16

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
	/* --pair and --impl as given, read once the implementations are known
	 * (opts_resolve_pairs) */
	struct {
		const char *spec;
		bool pair; /* --pair; else --impl */
	} pair_specs[16];
	size_t n_pair_specs;
	const char *impl_dirs[8]; /* --impl-dir: users' folders of NAME.impl */
	size_t n_impl_dirs;
	bool no_rt;
	int idle_jobs;
	int load; /* --load: busy processes beside the suite */
	/* check and list: shard.index of shard.count ({1, 1}: every case); shard_from names
	 * where it came from ("--shard", "SYNFIN_SHARD"), NULL when from nowhere */
	struct shard shard;
	const char *shard_from;
	unsigned families;  /* --family: SCN_FAMILY_* bits for every file; 0: each file's */
	bool one_family;    /* run: a file with no family line runs over IPv4 alone */
	uint64_t seed;      /* --seed: synfin-faultd's seed in every case (default 1) */
	const char *replay; /* run --replay JOURNAL, made absolute; NULL without */
};

/* The usage text. */
void usage(FILE *out);
/* Options after the command (argv[0] is the command): 0, or the exit status for a bad one.
 * --help prints the usage and exits. check and list take their shard from --shard, else from
 * $SYNFIN_SHARD; --shard auto reads the CI's variables. */
int parse_opts(int argc, char **argv, struct opts *o);
/* o->pairs from the --pair and --impl options, once the implementations' pairings are set
 * (scn_pairings_set); without any, fallback. Returns 0, or EXIT_USAGE after saying why. */
int opts_resolve_pairs(struct opts *o, unsigned fallback);

#endif
