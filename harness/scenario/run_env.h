/* run_env.h: what every command that runs cases needs first: the programs, the implementations
 * and the priority (struct run_env), and whether namespaces can be made here at all. */
#ifndef SYNFIN_SCENARIO_RUN_ENV_H
#define SYNFIN_SCENARIO_RUN_ENV_H

#include "runner.h"

/* Reads the declared implementations (synfin's impl/NAME.impl, then $SYNFIN_IMPL_PATH's, then
 * each of dirs') and makes their pairings the ones pairing specs name. Every command calls it
 * before it reads a pairing. Returns 0, or -1 after saying why. */
int run_env_load_impls(const char *const *dirs, size_t n_dirs);

/* The programs, the implementations run_env_load_impls read and the priority, from the layout
 * (a build folder given with --build is a build tree's). Returns 0, or -1 after saying why. */
int run_env_init(struct run_env *env, const char *build);

/* NULL when namespaces are usable (root or a user namespace, ip, iptables, br_netfilter);
 * else why not, naming the line of ./synfin doctor that says more. */
const char *run_env_unusable(void);

#endif
