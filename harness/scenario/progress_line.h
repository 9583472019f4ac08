/* progress_line.h: the status line synfin-scenario keeps at the bottom of a terminal while cases
 * run: how many are done, then the cases in flight, the longest expected first, each with its
 * time so far against the time it is expected to take. Pure: times come in as arguments. */
#ifndef SYNFIN_SCENARIO_PROGRESS_LINE_H
#define SYNFIN_SCENARIO_PROGRESS_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A case in flight. */
struct progress_case {
	const char *id;      /* NAME.PAIRING[.scaled] */
	int64_t elapsed_us;  /* since it started */
	int64_t expected_us; /* how long it should take; 0 or less: not known */
};

/* "[ 37/120] 12 running: syn-timeout-linear.linux-linux 45/112 s, time-wait-ends.stack-stack
 * 30/107 s, +10 more" in buf, cut to width columns (a full last column would make some
 * terminals wrap). Sorts running in place, longest expected first (ties: longest elapsed, then
 * id), so that the cases worth waiting for stay in view. Returns the length written. */
size_t progress_line_format(char *buf, size_t size, size_t done, size_t total,
                            struct progress_case *running, size_t n, unsigned width);

#endif
