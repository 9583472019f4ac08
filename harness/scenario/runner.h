/* runner.h: one scenario case (a scenario for one pairing) run for real: a topology of its
 * own, synfin-faultd in the wire, the endpoint programs, then the verdict. The only part of
 * synfin-scenario that starts processes and namespaces. */
#ifndef SYNFIN_SCENARIO_RUNNER_H
#define SYNFIN_SCENARIO_RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "impl.h"
#include "run_record.h"
#include "scenario.h"

struct run_env {
	char src_dir[512];
	char netns[600];  /* netns/synfin-netns */
	char faultd[600]; /* synfin-faultd */
	char build[600];  /* where the programs were built; impl programs are relative to it */
	struct impl impls[SCN_MAX_IMPLS]; /* impl/NAME.impl: the implementations pairings name */
	size_t n_impls;
	char ladder[600]; /* synfin-ladder, optional */
	bool verbose;
	bool rt;            /* run endpoints and the daemon at real-time priority (chrt -f 1) */
	uint64_t seed;      /* synfin-faultd --seed of every case (--seed; default 1) */
	const char *replay; /* a verdict journal every case replays (run --replay); NULL: none */
	/* Set by a signal handler: the run stops, tears its topology down and reports an error */
	const volatile sig_atomic_t *stop;
};

struct run_result {
	enum run_status status;
	char reason[400];
	double seconds;           /* wall time of the run */
	struct lateness lateness; /* how late the machine ran meanwhile (n 0: not measured) */
};

/* Why the case cannot run here (a missing program, no root); NULL when it can. */
const char *runner_cannot_run(const struct run_env *env, const struct scn_case *c, char *buf,
                              size_t size);

/* Run one case in topology run_id, leaving everything in run_dir (created): rules, traces
 * (.txt, .jsonl, .pcap), endpoint logs, ladder.txt, report.txt, result. */
void runner_run_case(const struct run_env *env, const struct scn_case *c, const char *run_id,
                     const char *run_dir, struct run_result *res);

/* result file: "STATUS seconds reason", then "lateness N P50 P99 MAX PERIOD RT DAEMON_N
 * DAEMON_MAX" (microseconds) */
int run_result_write(const char *run_dir, const struct run_result *res);
int run_result_read(const char *run_dir, struct run_result *res);

#endif
