/* lateness.c: a case's timer lateness, summarized (lateness.h). */
#include "lateness.h"

#include <errno.h>
#include <stdlib.h>

int lateness_samples_add(struct lateness_samples *s, uint32_t late_us)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		uint32_t *nv = realloc(s->us, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		s->us = nv;
		s->cap = cap;
	}
	s->us[s->n++] = late_us;
	return 0;
}

void lateness_samples_free(struct lateness_samples *s)
{
	free(s->us);
	s->us = NULL;
	s->n = s->cap = 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* The nearest-rank percentile: the smallest sample at least pct% of the samples do not exceed */
static uint32_t percentile(const uint32_t *sorted, size_t n, unsigned pct)
{
	size_t rank = (n * pct + 99) / 100;
	return sorted[rank ? rank - 1 : 0];
}

void lateness_summarize(struct lateness_samples *s, struct lateness *l)
{
	l->n = s->n;
	l->p50_us = l->p99_us = l->max_us = 0;
	if (!s->n)
		return;
	qsort(s->us, s->n, sizeof(*s->us), cmp_u32);
	l->p50_us = percentile(s->us, s->n, 50);
	l->p99_us = percentile(s->us, s->n, 99);
	l->max_us = s->us[s->n - 1];
}
