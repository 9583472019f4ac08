/* layout.c: the source tree and build tree, or an installed prefix (layout.h). */
#include "layout.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void layout_fill(struct layout *l, bool installed, const char *prefix, const char *src,
                 const char *build, const char *runs_parent)
{
	memset(l, 0, sizeof(*l));
	l->installed = installed;
	if (!installed) {
		snprintf(l->scenarios, sizeof(l->scenarios), "%s/tests/scenarios", src);
		snprintf(l->impl, sizeof(l->impl), "%s/impl", src);
		snprintf(l->netns, sizeof(l->netns), "%s/netns/synfin-netns", src);
		snprintf(l->runs, sizeof(l->runs), "%s/scenario-runs", build);
		layout_use_build(l, build);
		return;
	}
	l->flat_programs = true;
	snprintf(l->scenarios, sizeof(l->scenarios), "%s/" LAYOUT_DATADIR "/scenarios", prefix);
	snprintf(l->impl, sizeof(l->impl), "%s/" LAYOUT_DATADIR "/impl", prefix);
	snprintf(l->programs, sizeof(l->programs), "%s/" LAYOUT_LIBEXECDIR, prefix);
	snprintf(l->faultd, sizeof(l->faultd), "%s/" LAYOUT_SBINDIR "/synfin-faultd", prefix);
	snprintf(l->netns, sizeof(l->netns), "%s/" LAYOUT_SBINDIR "/synfin-netns", prefix);
	snprintf(l->ladder, sizeof(l->ladder), "%s/" LAYOUT_BINDIR "/synfin-ladder", prefix);
	snprintf(l->runs, sizeof(l->runs), "%s/scenario-runs", runs_parent);
}

void layout_use_build(struct layout *l, const char *build)
{
	l->flat_programs = false;
	snprintf(l->programs, sizeof(l->programs), "%s", build);
	snprintf(l->faultd, sizeof(l->faultd), "%s/harness/faultd/synfin-faultd", build);
	snprintf(l->ladder, sizeof(l->ladder), "%s/harness/tools/synfin-ladder", build);
}

/* PREFIX of PREFIX/bin/synfin-scenario, when this program is installed there; else NULL. */
static char *installed_prefix(void)
{
	char *exe = realpath("/proc/self/exe", NULL);
	if (!exe)
		return NULL;
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	slash = strrchr(exe, '/');
	char impl[PATH_MAX + 32];
	if (slash && !strcmp(slash + 1, LAYOUT_BINDIR)) {
		*slash = '\0';
		snprintf(impl, sizeof(impl), "%s/" LAYOUT_DATADIR "/impl", exe);
		if (access(impl, R_OK) == 0)
			return exe;
	}
	free(exe);
	return NULL;
}

void layout_find(struct layout *l)
{
	char *prefix = installed_prefix();
	const char *runs = getenv("SYNFIN_RUNS");
	if (!runs || !*runs)
		runs = "runs";
	/* the endpoint programs are started from each case's own folder: make it absolute */
	char cwd[PATH_MAX], parent[PATH_MAX + 8];
	if (runs[0] != '/' && getcwd(cwd, sizeof(cwd)))
		snprintf(parent, sizeof(parent), "%s/%s", cwd, runs);
	else
		snprintf(parent, sizeof(parent), "%s", runs);
	layout_fill(l, prefix != NULL, prefix ? prefix : "", SYNFIN_SOURCE_DIR, SYNFIN_BUILD_DIR,
	            parent);
	free(prefix);
}

void layout_runs_dir(const struct layout *l, char *buf, size_t size)
{
	char stamp[32];
	time_t t = time(NULL);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime(&t));
	char parent[sizeof(l->runs)];
	snprintf(parent, sizeof(parent), "%s", l->runs);
	char *slash = strrchr(parent, '/');
	if (slash) { /* an installed run's runs/ may be new */
		*slash = '\0';
		mkdir(parent, 0755);
	}
	mkdir(l->runs, 0755);
	snprintf(buf, size, "%s/%s-%d", l->runs, stamp, (int)getpid());
}
