/* progress.h: the live status line of synfin-scenario on a terminal: the cases in flight with
 * their time so far against the time they should take (progress_line.h), redrawn in place.
 * Without a terminal there is none, and the output is one line per finished case alone. */
#ifndef SYNFIN_SCENARIO_PROGRESS_H
#define SYNFIN_SCENARIO_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct progress;

/* A status line under the lines written to out, for a run of total cases; NULL when out is
 * not a terminal (or TERM is dumb). Every other function takes NULL and then does nothing. */
struct progress *progress_open(FILE *out, size_t total);

/* A case started (expected_us: how long it should take, 0 if not known). Erases the line, so
 * that the caller may write a line of its own next. */
void progress_started(struct progress *p, const char *id, int64_t expected_us);

/* A case is done (done: how many are, this one included; id NULL or empty for one that never
 * ran). Erases the line before the caller writes the case's own line. */
void progress_finished(struct progress *p, const char *id, size_t done);

/* Draws the line again when it was erased or a second has passed. */
void progress_tick(struct progress *p);

/* Erases the line and frees p. */
void progress_close(struct progress *p);

#endif
