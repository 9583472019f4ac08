/* shrink_plan.c: ddmin's rounds (shrink_plan.h). */
#include "shrink_plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int ddmin_init(struct ddmin *d, size_t n_items)
{
	memset(d, 0, sizeof(*d));
	d->keep = malloc(n_items ? n_items : 1);
	if (!d->keep)
		return -ENOMEM;
	memset(d->keep, 1, n_items);
	d->n_items = n_items;
	d->n_keep = n_items;
	d->granularity = 2;
	/* one item (or none) cannot be made smaller */
	d->done = n_items < 2;
	return 0;
}

void ddmin_free(struct ddmin *d)
{
	free(d->keep);
	memset(d, 0, sizeof(*d));
}

/* Trials in this round: the chunks, and their complements when they differ from the chunks
 * (with two chunks, each one's complement is the other). */
static size_t round_trials(const struct ddmin *d)
{
	return d->granularity + (d->granularity > 2 ? d->granularity : 0);
}

/* The subset of trial index of the current round into keep (which may be d->keep itself);
 * returns its size. */
static size_t subset_of(const struct ddmin *d, size_t index, bool *keep)
{
	size_t g = d->granularity, m = d->n_keep;
	bool complement = index >= g;
	size_t chunk = complement ? index - g : index;
	size_t lo = chunk * m / g, hi = (chunk + 1) * m / g, pos = 0, n = 0;
	for (size_t i = 0; i < d->n_items; i++) {
		bool in = false;
		if (d->keep[i]) {
			bool in_chunk = pos >= lo && pos < hi;
			in = complement ? !in_chunk : in_chunk;
			pos++;
		}
		keep[i] = in;
		n += in;
	}
	return n;
}

static void new_round(struct ddmin *d, size_t granularity)
{
	d->granularity = granularity;
	d->round++;
	d->next = 0;
	d->passed = 0;
	d->done = d->n_keep < 2;
}

int ddmin_next(struct ddmin *d, struct ddmin_trial *t, bool *keep)
{
	if (d->done)
		return -1;
	if (d->next >= round_trials(d))
		return 0;
	t->round = d->round;
	t->index = d->next++;
	t->n_keep = subset_of(d, t->index, keep);
	return 1;
}

int ddmin_result(struct ddmin *d, const struct ddmin_trial *t, bool fails)
{
	if (d->done || t->round != d->round)
		return 0;
	if (!fails) {
		if (++d->passed < round_trials(d))
			return 0;
		/* no chunk and no complement fails alone: cut finer, or stop at single items */
		if (d->granularity >= d->n_keep) {
			d->done = true;
			return 0;
		}
		new_round(d, d->granularity * 2 < d->n_keep ? d->granularity * 2 : d->n_keep);
		return 0;
	}
	/* in place: subset_of reads each item's flag before it writes it */
	d->n_keep = subset_of(d, t->index, d->keep);
	size_t g = t->index < d->granularity ? 2 : d->granularity - 1;
	new_round(d, g < 2 ? 2 : g);
	return 1;
}
