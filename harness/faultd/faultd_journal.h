/* faultd_journal.h: synfin-faultd's verdict journal (--journal FILE: every decision with the
 * segment's identity) and its replay (--replay FILE: the journal's decisions again, matched by
 * identity, no rule drawing anything). The format is trace/journal.h's. */
#ifndef SYNFIN_FAULTD_JOURNAL_H
#define SYNFIN_FAULTD_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "faultd_options.h"
#include "faultd_output.h"
#include "rules/rule.h"
#include "trace/journal.h"

struct faultd_journal {
	FILE *out;         /* --journal; NULL without */
	char *buffer;      /* its block buffer */
	bool replaying;    /* --replay */
	bool drop_unknown; /* --replay-unknown drop */
	struct journal replay;
	uint64_t replayed; /* segments given the journal's decision */
	uint64_t unknown;  /* segments the journal did not know */
};

/* Open the journal to write and read the one to replay, as opt says; make m give every
 * verdict its identity. A replay's decisions that need their rule (journal_check_rules) must
 * find it in rs, and m draws (corrupt) under the replayed journal's seed, which a journal
 * written meanwhile names. 0, or the daemon's exit status after saying what is wrong (a
 * malformed journal, or one of other rules: FILE:LINE: what and how to fix it; exit
 * FAULTD_EXIT_RULES). */
int faultd_journal_open(struct faultd_journal *fj, const struct faultd_options *opt,
                        struct matcher *m, uint64_t seed, struct ruleset *rs);

/* The journal's decision for seg (replay): v filled as matcher_decide would, its rule taken from
 * rs by index when rs has it, and what that rule's verdict carries (matcher_replay_effects: a
 * reset's RCV.NXT, corrupt's bit). A segment the journal does not know is said on standard
 * error and in the traces, and passes (or is dropped, --replay-unknown drop). */
void faultd_journal_replay(struct faultd_journal *fj, struct matcher *m, struct ruleset *rs,
                           struct faultd_output *out, const struct segment *seg, uint64_t now_us,
                           uint64_t time_us, struct verdict *v);

/* Record one decision (nothing without --journal). */
void faultd_journal_record(struct faultd_journal *fj, const struct verdict *v,
                           const char *rule_file);

/* Hand the journal's buffered lines to the kernel (at exit, before the summary). */
void faultd_journal_flush(struct faultd_journal *fj);
/* At exit: under --replay, one line of counts on standard error. */
void faultd_journal_summary(const struct faultd_journal *fj);
void faultd_journal_close(struct faultd_journal *fj);

#endif
