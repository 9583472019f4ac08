/* run_record.h: what one run of a case left behind, as the judge reads it: each application's
 * exit status, end time and events, the conversation the wire carried, and how the run ended
 * (the client still running at the limit, a silent topology, the daemon gone). The runner
 * fills it; the judge (judge.h) turns it into a verdict without looking at anything else. */
#ifndef SYNFIN_RUN_RECORD_H
#define SYNFIN_RUN_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conversation.h"
#include "lateness.h"

/* How long synfin-faultd has, after SIGTERM at a case's end, to judge what is still queued and
 * write its traces out before it is killed. */
#define FAULTD_GRACE_MS 10000u

/* RUN_INCONCLUSIVE: failed on times alone while the machine ran later than their tolerance */
enum run_status { RUN_PASS, RUN_FAIL, RUN_SKIP, RUN_ERROR, RUN_INCONCLUSIVE };
const char *run_status_name(enum run_status s);

/* One line of an endpoint program's JSON Lines log with "event":"app". */
struct app_event {
	char what[32];  /* "connected", "eof", "exit", ... */
	uint64_t t_us;  /* "t": when, on the trace's clock (CLOCK_REALTIME); 0 when absent */
	bool has_bytes; /* "bytes": what an "eof" says was read */
	uint64_t bytes;
	char hash[24];   /* "hash": of the bytes read (peer_hash.h), "" when absent */
	bool has_status; /* "status": the exit status an "exit" says the program returns */
	int status;
};

/* One member of an endpoint program's "counters" record, written at its exit: a TCP event
 * counter of its implementation over its run, under the implementation's own name. */
struct app_counter {
	char key[64];
	uint64_t value;
};

/* An application as the runner saw it end, and as it recorded itself. Its own "exit" event,
 * when there is one, is the truth: the runner notices an end late on a busy machine. */
struct app_record {
	int exit;         /* as the runner saw it: enum scn_outcome, SCN_OUT_KILLED when the
	                     runner stopped it, or the program's own exit status when it is none
	                     of those */
	uint64_t end_us;  /* when the runner noticed the end, on the trace's clock */
	uint64_t stop_us; /* when the runner asked it to stop (SIGTERM), 0 when it did not */
	struct app_event *events;
	size_t n_events;
	bool has_counters; /* it wrote a "counters" record */
	struct app_counter *counters;
	size_t n_counters;
};

struct run_record {
	struct observed trace; /* the daemon's trace, relative sequence numbers filled */
	int trace_error;       /* 0, or why trace_path could not be read (negative errno) */
	char trace_path[700];
	struct app_record app[2]; /* SCN_CLIENT, SCN_SERVER */
	uint64_t client_start_us; /* when the client was started */
	bool limit_hit;           /* the client was still running at the case's limit */
	bool silent;              /* stopped early: no segment within 5 s of the client's start */
	bool faultd_died;         /* synfin-faultd ended before the runner stopped it */
	int faultd_signal;        /* the signal that ended it, or 0 when it exited */
	int faultd_exit;          /* its exit status, when it exited */
	uint64_t faultd_end_us;
	bool faultd_killed; /* it outlived FAULTD_GRACE_MS after SIGTERM: the trace may be cut */
	struct lateness lateness; /* how late the machine ran while the endpoints did */
};

/* Read an endpoint program's JSON Lines log (synfin-kpeer, synfin-peer) into a's events, and
 * its "counters" record's numbers (each member but "t" and "rel") into a's counters. Lines
 * that are not flat objects (synfin-peer's stats, with its drop counts) are neither and are
 * passed over. Returns 0 or a negative errno. */
int app_events_read_jsonl(struct app_record *a, const char *path);
int app_record_add_event(struct app_record *a, const struct app_event *ev);
bool app_record_saw(const struct app_record *a, const char *what);
int app_record_add_counter(struct app_record *a, const char *key, uint64_t value);
/* The member key of its "counters" record, NULL when it has none. */
const struct app_counter *app_record_counter(const struct app_record *a, const char *key);
/* The program's own "exit" event (with its status), NULL when it wrote none. */
const struct app_event *app_record_exit(const struct app_record *a);

/* The daemon's own lateness from its trace: how much longer than their rules it held the
 * delayed segments it released (into l's daemon_n, daemon_max_us). Returns 0 or a negative
 * errno. */
int run_record_daemon_lateness(struct lateness *l, const char *trace_path);

void run_record_free(struct run_record *r);

#endif
