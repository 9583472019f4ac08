/* latency_hist.h: a histogram of durations in microseconds, in a fixed few kilobytes however
 * many samples it takes, for the percentiles of a long run (the daemon's release lateness:
 * millions of held packets). Log-linear buckets, as HdrHistogram's: exact below 64 us, then 32
 * per power of two, so a percentile is within 1/32 (3.1%) of the true value. Pure. */
#ifndef SYNFIN_LATENCY_HIST_H
#define SYNFIN_LATENCY_HIST_H

#include <stdint.h>

#define LATENCY_HIST_EXACT 64 /* values below this have a bucket each */
#define LATENCY_HIST_SUB 32   /* buckets per power of two above it */
#define LATENCY_HIST_BUCKETS (LATENCY_HIST_EXACT + LATENCY_HIST_SUB * (64 - 6))

struct latency_hist {
	uint64_t n;
	uint64_t max_us;
	uint64_t count[LATENCY_HIST_BUCKETS];
};

void latency_hist_add(struct latency_hist *h, uint64_t us);

/* The smallest value v such that at least p percent (0 < p <= 100) of the samples are <= v,
 * rounded up to its bucket's last value and never above the largest sample (so p = 100 is the
 * exact maximum); 0 when there are none. */
uint64_t latency_hist_percentile(const struct latency_hist *h, double p);

#endif
