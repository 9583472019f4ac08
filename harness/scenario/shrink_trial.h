/* shrink_trial.h: the runs of a shrink (synfin-scenario shrink), each a real run of the case in
 * a topology of its own (runner.h), in a process of its own so that several run at once: the
 * original under a seed, each trial replaying a journal, the last one under its exact rules. */
#ifndef SYNFIN_SCENARIO_SHRINK_TRIAL_H
#define SYNFIN_SCENARIO_SHRINK_TRIAL_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "runner.h"
#include "scenario.h"

struct shrink_run {
	char scenario[600]; /* the case's file */
	unsigned pair;      /* an index of the declared pairings (scenario.h) */
	bool ipv6;          /* over IPv6 (--family ipv6) */
	char replay[700];   /* the journal it replays; "" for the rules' own decisions */
	char dir[700];      /* its run folder */
	char run_id[16];    /* its topology */
	pid_t pid;          /* while it runs; 0 once reaped */
	struct run_result res;
	char key[400]; /* how it failed (shrink_failure_key), "" when it did not fail */
};

/* Start run r (its scenario, pair, replay and dir filled) in a process of its own; no is its
 * number among the shrink's runs, for its topology's name. 0, or -errno when fork failed. */
int shrink_run_start(const struct run_env *env, struct shrink_run *r, unsigned no);

/* One of the n runs in flight (pid set) that has ended, its result read: its index, or -1 when
 * none has (block: wait for one, unless a signal comes first). */
int shrink_run_wait(struct shrink_run *runs, size_t n, bool block);

/* Ctrl-C: ask every run in flight to stop and remove its topology (SIGTERM; killed after 20 s,
 * then its topology taken down here). */
void shrink_runs_stop(const struct run_env *env, struct shrink_run *runs, size_t n);

/* Did r fail as key says? (its status FAIL and its key the same) */
bool shrink_run_fails_as(const struct shrink_run *r, const char *key);

#endif
