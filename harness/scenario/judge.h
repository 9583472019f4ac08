/* judge.h: the verdict on one run of a case, from its record (run_record.h) alone: the
 * conversation against the expected one, each application's outcome and exit time, the bytes
 * it read (`receives`), the events it saw (`sees`), how often it acknowledged (`ack-every`),
 * its TCP's event counters (`counts`), and how the run ended. Pure: no I/O, no clock; the reasons
 * are the report's words. */
#ifndef SYNFIN_JUDGE_H
#define SYNFIN_JUDGE_H

#include <stdbool.h>

#include "conversation.h"
#include "run_record.h"
#include "scenario.h"

struct app_verdict {
	char outcome[32]; /* "ok", "ETIMEDOUT", or "exit N" for a status with no name */
	double at_s;      /* its end after the first segment; 0 when the wire saw nothing */
	bool from_runner; /* no exit record: outcome and time are when the runner noticed */
	char why[200];    /* "" when it did what the case expects */
	bool timing;      /* why is its end time alone: the window a late machine misses */
	int64_t tol_us;   /* then: that window's tolerance */
	int64_t miss_us;  /* and how far outside it the end was */
};

struct judge_verdict {
	enum run_status status; /* RUN_PASS, RUN_FAIL or RUN_ERROR */
	char reason[400];       /* the first reason the case did not pass, "" when it did */
	bool judged;            /* match and app hold the conversation's and applications' */
	struct match_result match;
	struct app_verdict app[2];
	bool limit_hit; /* the client had not ended at the limit by its own record either */
	/* It failed on times alone (an end or a gap outside its window; a wrong, missing or
	 * extra segment, a wrong outcome are not): what a late machine can cause. Then
	 * timing_tol_us is the smallest tolerance of the windows missed, timing_miss_us the
	 * farthest a time was outside its window. */
	bool timing_only;
	int64_t timing_tol_us;
	int64_t timing_miss_us;
};

/* Judge record r of case c into v (free it with judge_verdict_free). */
void judge_run(const struct scn_case *c, const struct run_record *r, struct judge_verdict *v);
void judge_verdict_free(struct judge_verdict *v);

/* The overload rule: a case that failed on times alone while the machine stalled longer than
 * the smallest tolerance of the windows it missed, and at least as long as the farthest miss
 * (the timer's worst wake-up lateness during the case), proves nothing about the TCP: its
 * verdict becomes inconclusive, the reason "machine overloaded (timer lateness p99 X ms, max
 * Y ms): " and the failure. Anything else stays as it was. */
void judge_overload(struct judge_verdict *v, const struct lateness *l);

#endif
