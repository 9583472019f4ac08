/* scenario_files.h: the scenario files a command line names (folders give their *.scn files in
 * name order), and the `parse` command over them. */
#ifndef SYNFIN_SCENARIO_FILES_H
#define SYNFIN_SCENARIO_FILES_H

#include <stdbool.h>
#include <stddef.h>

struct files {
	char **v;
	size_t n;
};

void files_free(struct files *f);

/* The files named in argv[first..argc), or the default folder when none is named (not for
 * `run`). Returns 0, -ENOENT or -ENOMEM after saying which on stderr. */
int collect_args(struct files *files, int argc, char **argv, int first, bool run);

/* The `parse` command: each file parsed, its errors on stderr. Returns 1 when one failed. */
int cmd_parse(const struct files *files);

#endif
