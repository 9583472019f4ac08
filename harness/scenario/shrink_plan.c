/* shrink_plan.c: the bisection and the removal rounds of the shrink's plan (shrink_plan.h). */
#include "shrink_plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void start_removal(struct ddmin *d)
{
	d->phase = DDMIN_REMOVE;
	d->round++;
	d->next = 0;
	d->passed = 0;
	/* one item left out leaves the empty set, which passes */
	if (d->n_keep < 2)
		d->phase = DDMIN_DONE;
}

/* A search beside a non-empty F, over the prefixes of items [0, n_cand). */
static void start_search(struct ddmin *d)
{
	d->lo = 0;
	d->hi = d->n_cand;
	if (d->n_cand == 0)
		start_removal(d);
}

int ddmin_init(struct ddmin *d, size_t n_items)
{
	memset(d, 0, sizeof(*d));
	d->keep = malloc(n_items ? n_items : 1);
	if (!d->keep)
		return -ENOMEM;
	memset(d->keep, 1, n_items);
	d->n_items = n_items;
	d->n_keep = n_items;
	d->last_found = DDMIN_NONE;
	/* F is empty: the empty prefix passes, so the shortest failing one is 1 to n long */
	d->n_cand = n_items;
	d->lo = 1;
	d->hi = n_items;
	/* one item (or none) cannot be made smaller */
	d->phase = n_items < 2 ? DDMIN_DONE : DDMIN_BISECT;
	return 0;
}

void ddmin_free(struct ddmin *d)
{
	free(d->keep);
	memset(d, 0, sizeof(*d));
}

/* The prefix length the search tries next: F alone first, then halves. */
static size_t probe_length(const struct ddmin *d)
{
	return d->lo == 0 ? 0 : d->lo + (d->hi - d->lo) / 2;
}

/* The current set without items [m, n_cand) into keep; returns its size. */
static size_t prefix_subset(const struct ddmin *d, size_t m, bool *keep)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n_items; i++) {
		keep[i] = d->keep[i] && (i < m || i >= d->n_cand);
		n += keep[i];
	}
	return n;
}

/* The search has its answer, m = lo = hi: F with C[0..m) fails and (m > 0) without C[m-1]
 * it does not. */
static void search_settled(struct ddmin *d)
{
	if (d->lo == 0) {
		start_removal(d);
		return;
	}
	/* C[m-1] joins F, already kept; the candidates before it are still in the current set */
	d->last_found = d->lo - 1;
	d->n_cand = d->lo - 1;
	start_search(d);
}

static int bisect_next(struct ddmin *d, struct ddmin_trial *t, bool *keep)
{
	if (d->probing)
		return 0;
	d->probing = true;
	t->round = d->round;
	t->index = probe_length(d);
	t->n_keep = prefix_subset(d, t->index, keep);
	return 1;
}

static int bisect_result(struct ddmin *d, const struct ddmin_trial *t, bool fails)
{
	d->probing = false;
	d->round++;
	if (fails) {
		d->hi = t->index;
		d->n_keep = prefix_subset(d, t->index, d->keep);
	} else {
		d->lo = t->index + 1;
	}
	if (d->lo == d->hi)
		search_settled(d);
	return fails;
}

/* The removal round's next item to leave out, from `from` on; n_items when there is none. */
static size_t removable_from(const struct ddmin *d, size_t from)
{
	while (from < d->n_items && (!d->keep[from] || from == d->last_found))
		from++;
	return from;
}

static int removal_next(struct ddmin *d, struct ddmin_trial *t, bool *keep)
{
	size_t i = removable_from(d, d->next);
	if (i >= d->n_items)
		return 0;
	d->next = i + 1;
	t->round = d->round;
	t->index = i;
	memcpy(keep, d->keep, d->n_items);
	keep[i] = false;
	t->n_keep = d->n_keep - 1;
	return 1;
}

static int removal_result(struct ddmin *d, const struct ddmin_trial *t, bool fails)
{
	if (fails) {
		d->keep[t->index] = false;
		d->n_keep--;
		d->last_found = DDMIN_NONE;
		start_removal(d);
		return 1;
	}
	size_t trials = d->n_keep - (d->last_found != DDMIN_NONE);
	if (++d->passed == trials)
		d->phase = DDMIN_DONE;
	return 0;
}

int ddmin_next(struct ddmin *d, struct ddmin_trial *t, bool *keep)
{
	switch (d->phase) {
	case DDMIN_BISECT:
		return bisect_next(d, t, keep);
	case DDMIN_REMOVE:
		return removal_next(d, t, keep);
	default:
		return -1;
	}
}

int ddmin_result(struct ddmin *d, const struct ddmin_trial *t, bool fails)
{
	if (t->round != d->round)
		return 0;
	switch (d->phase) {
	case DDMIN_BISECT:
		return bisect_result(d, t, fails);
	case DDMIN_REMOVE:
		return removal_result(d, t, fails);
	default:
		return 0;
	}
}
