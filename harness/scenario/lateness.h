/* lateness.h: how late the machine ran during a case. A timer that should wake every few
 * milliseconds records how late each wake-up was; the summary (p50, p99, max) is what the
 * overload rule compares with a case's timing tolerance. Pure: the samples are handed in. */
#ifndef SYNFIN_LATENESS_H
#define SYNFIN_LATENESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lateness_samples {
	uint32_t *us; /* each wake-up's lateness, microseconds */
	size_t n, cap;
};

/* Returns 0 or -ENOMEM. */
int lateness_samples_add(struct lateness_samples *s, uint32_t late_us);
void lateness_samples_free(struct lateness_samples *s);

struct lateness {
	size_t n;        /* wake-ups measured; 0: not measured */
	uint32_t p50_us; /* the median wake-up's lateness */
	uint32_t p99_us; /* exceeded by 1% of wake-ups */
	uint32_t max_us;
	uint32_t period_us; /* how often the timer asked to wake */
	bool rt;            /* the timer ran at the endpoints' real-time priority */
	/* the daemon's own lateness: how much longer than its rule it held a delayed segment */
	size_t daemon_n; /* held segments released on time (0: none held) */
	uint32_t daemon_max_us;
};

/* The percentiles of s (sorted in place) into l's n, p50, p99 and max (nearest rank). */
void lateness_summarize(struct lateness_samples *s, struct lateness *l);

#endif
