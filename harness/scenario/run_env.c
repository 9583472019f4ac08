/* run_env.c: the environment cases run in (run_env.h). */
#include "run_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "impl_load.h"
#include "layout.h"
#include "scenario_options.h"

/* The declared implementations (run_env_load_impls), which every command's pairings come from */
static struct impl impls[SCN_MAX_IMPLS];
static size_t n_impls;

int run_env_load_impls(const char *const *dirs, size_t n_dirs)
{
	struct layout l;
	layout_find(&l);
	char why[800];
	if (impl_load_all(impls, &n_impls, SCN_MAX_IMPLS, l.impl, getenv("SYNFIN_IMPL_PATH"), dirs,
	                  n_dirs, why, sizeof(why)) ||
	    scn_pairings_set(impls, n_impls, why, sizeof(why))) {
		fprintf(stderr, PROG ": %s\n", why);
		return -1;
	}
	return 0;
}

int run_env_init(struct run_env *env, const char *build)
{
	struct layout l;
	layout_find(&l);
	memset(env, 0, sizeof(*env));
	snprintf(env->src_dir, sizeof(env->src_dir), "%s", SYNFIN_SOURCE_DIR);
	if (build)
		layout_use_build(&l, build);
	snprintf(env->netns, sizeof(env->netns), "%s", l.netns);
	snprintf(env->faultd, sizeof(env->faultd), "%s", l.faultd);
	snprintf(env->ladder, sizeof(env->ladder), "%s", l.ladder);
	snprintf(env->build, sizeof(env->build), "%s", l.programs);
	memcpy(env->impls, impls, n_impls * sizeof(impls[0]));
	env->n_impls = n_impls;
	/* installed, every program of synfin's own sits in libexec/synfin under its own name */
	for (size_t i = 0; l.flat_programs && i < env->n_impls; i++)
		if (env->impls[i].program[0] != '/')
			memmove(env->impls[i].program, impl_program_name(&env->impls[i]),
			        strlen(impl_program_name(&env->impls[i])) + 1);
	/* real-time priority where this process may use it (root with CAP_SYS_NICE; not in
	 * every container) */
	env->rt = access("/usr/bin/chrt", X_OK) == 0 &&
	          system("/usr/bin/chrt -f 1 /bin/true >/dev/null 2>&1") == 0;
	return 0;
}

/* Namespaces usable at all? (root or a user namespace, ip, iptables, br_netfilter); each
 * reason names the line of ./synfin doctor that says more. */
const char *run_env_unusable(void)
{
	if (geteuid() != 0)
		return "not root, and no user namespace could be made (see ./synfin doctor: "
		       "userns)";
	if (system("command -v ip >/dev/null 2>&1 && command -v iptables >/dev/null 2>&1"))
		return "iproute2 or iptables is missing (see ./synfin doctor: packages)";
	if (access("/proc/sys/net/bridge", F_OK) != 0 &&
	    system("modprobe br_netfilter >/dev/null 2>&1"))
		return "the kernel has no br_netfilter (see ./synfin doctor: br_netfilter)";
	if (system("ip netns add synfin-probe$$ >/dev/null 2>&1 && ip netns del synfin-probe$$"))
		return "cannot create network namespaces here (see ./synfin doctor: netns)";
	return NULL;
}
