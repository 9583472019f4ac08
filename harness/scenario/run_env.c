/* run_env.c: the environment cases run in (run_env.h). */
#include "run_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "layout.h"
#include "scenario_options.h"

/* The programs, the implementations (impl/NAME.impl) and the priority, from the layout (a
 * build folder given with --build is a build tree's). Returns 0, or -1 after saying why. */
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
	char why[800];
	if (runner_load_impls(env, l.impl, why, sizeof(why))) {
		fprintf(stderr, PROG ": %s\n", why);
		return -1;
	}
	/* installed, every program sits in libexec/synfin under its own name */
	for (size_t i = 0; l.flat_programs && i < env->n_impls; i++)
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
