/* scenario_options.c: synfin-scenario's usage text and options. */
#include "scenario_options.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

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

int parse_opts(int argc, char **argv, struct opts *o)
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
		case 'j':
			if (parse_count(optarg, 1, "--jobs", &o->jobs))
				return EXIT_USAGE;
			break;
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
		case 'I':
			if (parse_count(optarg, 0, "--idle-jobs", &o->idle_jobs))
				return EXIT_USAGE;
			break;
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
