/* shrink_plan.c: the searches over prefixes and the removal rounds of the shrink's plan
 * (shrink_plan.h). */
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

/* Up to `slots` lengths of [from, hi] into the round, cutting it into parts of at most
 * ceil(a / (q + 1)) lengths each, a = hi - from + 1 and q the lengths tried: the i-th at
 * from + ceil(i a / (q + 1)) - 1, which with one slot is from + (hi - from) / 2, the halving. */
static void cut_lengths(struct ddmin *d, size_t from, size_t slots)
{
	size_t a = d->hi - from + 1;
	size_t q = slots < a - 1 ? slots : a - 1;
	for (size_t i = 1; i <= q; i++)
		d->probe[d->n_probes++] = from + (i * a + q) / (q + 1) - 1;
}

/* A round of the search over [lo, hi], lo < hi: F alone first when it has not been tried. */
static void start_round(struct ddmin *d)
{
	d->round++;
	d->n_probes = 0;
	d->handed = 0;
	if (d->lo == 0) {
		d->probe[d->n_probes++] = 0;
		cut_lengths(d, 1, d->width - 1);
	} else {
		cut_lengths(d, d->lo, d->width);
	}
	memset(d->reported, 0, d->n_probes * sizeof(*d->reported));
}

/* A search beside a non-empty F, over the prefixes of items [0, n_cand). */
static void start_search(struct ddmin *d)
{
	d->lo = 0;
	d->hi = d->n_cand;
	if (d->n_cand == 0)
		start_removal(d);
	else
		start_round(d);
}

int ddmin_init(struct ddmin *d, size_t n_items, size_t width)
{
	memset(d, 0, sizeof(*d));
	d->width = width ? width : 1;
	d->keep = malloc(n_items ? n_items : 1);
	d->probe = calloc(d->width, sizeof(*d->probe));
	d->reported = calloc(d->width, sizeof(*d->reported));
	if (!d->keep || !d->probe || !d->reported) {
		ddmin_free(d);
		return -ENOMEM;
	}
	memset(d->keep, 1, n_items);
	d->n_items = n_items;
	d->n_keep = n_items;
	d->last_found = DDMIN_NONE;
	d->phase = DDMIN_SEARCH;
	/* F is empty: the empty prefix passes, so the shortest failing one is 1 to n long */
	d->n_cand = n_items;
	d->lo = 1;
	d->hi = n_items;
	/* one item (or none) cannot be made smaller */
	if (n_items < 2)
		d->phase = DDMIN_DONE;
	else
		start_round(d);
	return 0;
}

void ddmin_free(struct ddmin *d)
{
	free(d->keep);
	free(d->probe);
	free(d->reported);
	memset(d, 0, sizeof(*d));
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

static int search_next(struct ddmin *d, struct ddmin_trial *t, bool *keep)
{
	/* the lengths are ascending: once one is past the shortest seen failing, all are */
	if (d->handed == d->n_probes || d->probe[d->handed] >= d->hi)
		return 0;
	t->round = d->round;
	t->index = d->probe[d->handed++];
	t->n_keep = prefix_subset(d, t->index, keep);
	return 1;
}

/* The round is over once every length shorter than the shortest seen failing has reported:
 * they all passed, the longest of them is the new lo - 1. */
static void round_reported(struct ddmin *d)
{
	size_t lo = d->lo;
	for (size_t i = 0; i < d->n_probes && d->probe[i] < d->hi; i++) {
		if (!d->reported[i])
			return;
		lo = d->probe[i] + 1;
	}
	d->lo = lo;
	if (d->lo == d->hi)
		search_settled(d);
	else
		start_round(d);
}

static int search_result(struct ddmin *d, const struct ddmin_trial *t, bool fails)
{
	size_t i = 0;
	while (i < d->n_probes && d->probe[i] != t->index)
		i++;
	if (i == d->n_probes || d->reported[i])
		return 0;
	d->reported[i] = true;
	if (fails) {
		d->hi = t->index;
		d->n_keep = prefix_subset(d, t->index, d->keep);
	}
	round_reported(d);
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
	case DDMIN_SEARCH:
		return search_next(d, t, keep);
	case DDMIN_REMOVE:
		return removal_next(d, t, keep);
	default:
		return -1;
	}
}

bool ddmin_wanted(const struct ddmin *d, const struct ddmin_trial *t)
{
	if (t->round != d->round)
		return false;
	switch (d->phase) {
	case DDMIN_SEARCH:
		/* a length at or past the shortest seen failing cannot be the shortest */
		return t->index < d->hi;
	case DDMIN_REMOVE:
		return true;
	default:
		return false;
	}
}

int ddmin_result(struct ddmin *d, const struct ddmin_trial *t, bool fails)
{
	if (!ddmin_wanted(d, t))
		return 0;
	if (d->phase == DDMIN_SEARCH)
		return search_result(d, t, fails);
	return removal_result(d, t, fails);
}
