/* report.h: what synfin-scenario check prints and writes when its jobs are done: the table of
 * scenario x pairing, and a JUnit XML report for CI. */
#ifndef SYNFIN_SCENARIO_REPORT_H
#define SYNFIN_SCENARIO_REPORT_H

#include <stdio.h>

#include "case_select.h"
#include "judge.h"
#include "runner.h"
#include "scenario.h"

struct job {
	char
	    id[CASE_ID_MAX]; /* NAME.PAIRING[.scaled][.ipv6]; empty for a file that did not parse */
	char name[128];      /* scenario name */
	char variant[32];    /* pairing, "/ipv6" over IPv6, " scaled" for a time-scaled variant */
	unsigned pair;
	char path[512];    /* the .scn */
	char run_dir[700]; /* empty when it did not run */
	char run_id[16];
	struct run_result res;
	int64_t limit_us; /* expected duration, for scheduling: the longest first */
	bool idle;        /* ran in an idle slot */
	bool scaled;
	bool ipv6;
	bool runnable;
	bool started, finished;
	pid_t pid;
};

/* The inconclusive jobs to run once more, at most max of them, copied into *again (malloc'd,
 * reset to run). Returns how many, or -ENOMEM. */
long jobs_pick_inconclusive(const struct job *jobs, size_t n, size_t max, struct job **again);
/* Their second results in place of the first. */
void jobs_take_again(struct job *jobs, size_t n, const struct job *again, size_t n_again);

/* A case's verdict in its report.txt: the limit, the conversation side by side with the
 * expected one, each application's outcome with what was wrong with it. */
void report_verdict(FILE *out, const struct scn_case *c, const struct run_record *r,
                    const struct judge_verdict *v);

/* "timer lateness p50 0.1 ms, p99 0.4 ms, max 2.0 ms over 1200 wake-ups every 2 ms at
 * real-time priority", and the daemon's when it held segments; "not measured" without. */
void report_lateness(char *buf, size_t size, const struct lateness *l);

/* Scenario rows, pairing columns, then the skip reasons and the failures' folders. */
void report_table(FILE *out, const struct job *jobs, size_t n);

/* JUnit XML: one testsuite, a testcase per job (classname scenario, name pairing), with the
 * lateness measured during it as properties; an inconclusive case is a failure of type
 * "inconclusive". */
int report_junit(const char *path, const struct job *jobs, size_t n, double wall_s);

#endif
