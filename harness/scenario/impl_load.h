/* impl_load.h: reading the implementation declarations (impl.h) from their folders: the ones
 * synfin ships, then a user's (SYNFIN_IMPL_PATH, --impl-dir), so that a user adds a TCP by
 * writing a NAME.impl file. */
#ifndef SYNFIN_IMPL_LOAD_H
#define SYNFIN_IMPL_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "impl.h"

/* Every NAME.impl of dir, in name order, appended to v[*n] (at most max in all). A relative
 * program of a user's folder (user true) is made relative to that folder; one of synfin's own
 * stays relative to the build folder. A missing folder is an error only for a user's.
 * Returns 0, or a negative errno with why filled ("FILE:LINE:COL: problem"). */
int impl_load_dir(struct impl *v, size_t *n, size_t max, const char *dir, bool user, char *why,
                  size_t size);

/* synfin's folder, then each folder of path (colon separated, as $SYNFIN_IMPL_PATH; NULL or
 * empty: none), then dirs (--impl-dir). Returns as impl_load_dir. */
int impl_load_all(struct impl *v, size_t *n, size_t max, const char *shipped, const char *path,
                  const char *const *dirs, size_t n_dirs, char *why, size_t size);

#endif
