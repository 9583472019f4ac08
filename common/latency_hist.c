/* latency_hist.c: log-linear buckets (latency_hist.h). */
#include "latency_hist.h"

#include <math.h>

/* A value's bucket: below LATENCY_HIST_EXACT the value itself; above, its power of two (the
 * position of its top bit, 6 or more) and the next 5 bits below that top bit. */
static unsigned bucket_of(uint64_t us)
{
	if (us < LATENCY_HIST_EXACT)
		return (unsigned)us;
	unsigned top = 63u - (unsigned)__builtin_clzll(us);
	unsigned shift = top - 5u;
	unsigned sub = (unsigned)(us >> shift) & (LATENCY_HIST_SUB - 1u);
	return LATENCY_HIST_EXACT + (top - 6u) * LATENCY_HIST_SUB + sub;
}

/* The largest value that falls in bucket b. */
static uint64_t bucket_last(unsigned b)
{
	if (b < LATENCY_HIST_EXACT)
		return b;
	unsigned top = (b - LATENCY_HIST_EXACT) / LATENCY_HIST_SUB + 6u;
	unsigned sub = (b - LATENCY_HIST_EXACT) % LATENCY_HIST_SUB;
	unsigned shift = top - 5u;
	uint64_t first = ((uint64_t)(LATENCY_HIST_SUB + sub)) << shift;
	return first + ((uint64_t)1 << shift) - 1u;
}

void latency_hist_add(struct latency_hist *h, uint64_t us)
{
	h->count[bucket_of(us)]++;
	h->n++;
	if (us > h->max_us)
		h->max_us = us;
}

uint64_t latency_hist_percentile(const struct latency_hist *h, double p)
{
	if (!h->n)
		return 0;
	/* nearest rank: the sample at position ceil(p% of n), counted from 1 */
	uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)h->n);
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned b = 0; b < LATENCY_HIST_BUCKETS; b++) {
		seen += h->count[b];
		if (seen >= rank) {
			uint64_t v = bucket_last(b);
			return v < h->max_us ? v : h->max_us;
		}
	}
	return h->max_us;
}
