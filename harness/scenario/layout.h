/* layout.h: where synfin-scenario finds what it runs. Run from the build tree it was built in,
 * it uses that tree and the source tree beside it (SYNFIN_BUILD_DIR, SYNFIN_SOURCE_DIR, as make
 * check always has). Installed (cmake --install, the Debian package), it finds its prefix from
 * its own place, PREFIX/bin/synfin-scenario, and everything else below that prefix as the
 * install rules of CMakeLists.txt lay it out, wherever the prefix was moved to. */
#ifndef SYNFIN_SCENARIO_LAYOUT_H
#define SYNFIN_SCENARIO_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

/* The installed layout, relative to the prefix (CMakeLists.txt installs to the same places). */
#define LAYOUT_BINDIR "bin"
#define LAYOUT_SBINDIR "sbin"
#define LAYOUT_LIBEXECDIR "libexec/synfin"
#define LAYOUT_DATADIR "share/synfin"

struct layout {
	bool installed;
	char scenarios[600]; /* the scenario folder check runs by default */
	char impl[600];      /* the folder of NAME.impl */
	char programs[600];  /* where the endpoint programs are: a build folder or libexec/synfin */
	bool
	    flat_programs; /* all in programs/ by name, not at their build paths (impl/README.md) */
	char faultd[600];  /* synfin-faultd */
	char netns[600];   /* synfin-netns */
	char ladder[600];  /* synfin-ladder */
	char runs[600];    /* run folders go in runs/TIME-PID */
};

/* Fill l for this process: installed when it runs as PREFIX/bin/synfin-scenario and
 * PREFIX/share/synfin/impl exists, else the build and source trees it was built from. Installed
 * runs write nothing into the prefix: their run folders go below $SYNFIN_RUNS, else below
 * runs/ of the current folder. */
void layout_find(struct layout *l);

/* Take the programs from the build folder build (--build), at their places in a build tree. */
void layout_use_build(struct layout *l, const char *build);

/* A new folder for this run's case folders in buf: l->runs/TIME-PID (l->runs and its parent
 * are created when missing; the folder itself is not). */
void layout_runs_dir(const struct layout *l, char *buf, size_t size);

/* The layout of an installed prefix (installed true) or of the trees build and src (false),
 * with runs_parent the folder for run folders of an installed run. Pure. */
void layout_fill(struct layout *l, bool installed, const char *prefix, const char *src,
                 const char *build, const char *runs_parent);

#endif
