/* endpoint_run.h: starting one end of a case as its implementation declares it (impl.h): the
 * program's command line, and when a server is ready for its client. */
#ifndef SYNFIN_SCENARIO_ENDPOINT_RUN_H
#define SYNFIN_SCENARIO_ENDPOINT_RUN_H

#include "impl.h"
#include "runner.h"
#include "scenario.h"

/* The implementation at the role's end of the case's pairing, or NULL when none is declared. */
const struct impl *endpoint_impl(const struct run_env *env, unsigned p, int role);

/* An endpoint's command line; argv points into the struct. */
struct endpoint_cmd {
	char *argv[96];
	char program[900], jsonl[700], local[32], port[8], peer[40], scale[32], linger[32];
};

/* The command that runs the role's end in the topology run_id, logging to dir. */
void endpoint_cmd_build(struct endpoint_cmd *cmd, const struct run_env *env, const struct impl *im,
                        const struct scn_case *c, int role, const char *run_id, const char *dir);

/* Wait until the server answers: a kernel server once its socket listens, a stack on a tun
 * device once its log says it listens (at most 3 s either way). */
void endpoint_wait_ready(const struct run_env *env, const struct impl *im, const struct scn_case *c,
                         const char *run_id, const char *dir);

#endif
