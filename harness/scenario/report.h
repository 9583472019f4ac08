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
	char id[CASE_ID_MAX]; /* NAME.PAIRING[.scaled]; empty for a file that did not parse */
	char name[128];       /* scenario name */
	char variant[32];     /* pairing, with " x0.1" for a time-scaled stack variant */
	enum scn_pair pair;
	char path[512];    /* the .scn */
	char run_dir[700]; /* empty when it did not run */
	char run_id[16];
	struct run_result res;
	int64_t limit_us; /* expected duration, for scheduling: the longest first */
	bool idle;        /* ran in an idle slot */
	bool scaled;
	bool runnable;
	bool started, finished;
	pid_t pid;
};

/* A case's verdict in its report.txt: the limit, the conversation side by side with the
 * expected one, each application's outcome with what was wrong with it. */
void report_verdict(FILE *out, const struct scn_case *c, const struct run_record *r,
                    const struct judge_verdict *v);

/* Scenario rows, pairing columns, then the skip reasons and the failures' folders. */
void report_table(FILE *out, const struct job *jobs, size_t n);

/* JUnit XML: one testsuite, a testcase per job (classname scenario, name pairing). */
int report_junit(const char *path, const struct job *jobs, size_t n, double wall_s);

#endif
