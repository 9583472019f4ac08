/* chain_hash.c: the intrusive chained hash table. */
#include "chain_hash.h"

#include <errno.h>
#include <stdlib.h>

#define MIN_BUCKETS 16

int chain_hash_init(struct chain_hash *h)
{
	h->bucket = calloc(MIN_BUCKETS, sizeof(*h->bucket));
	h->mask = MIN_BUCKETS - 1;
	h->count = 0;
	return h->bucket ? 0 : -ENOMEM;
}

void chain_hash_free(struct chain_hash *h)
{
	free(h->bucket);
	h->bucket = NULL;
	h->count = 0;
}

/* A failed allocation keeps the old buckets: chains grow longer, nothing is lost. */
static void chain_hash_resize(struct chain_hash *h, size_t buckets)
{
	struct chain_link **nb = calloc(buckets, sizeof(*nb));
	if (!nb)
		return;
	for (size_t i = 0; i <= h->mask; i++) {
		struct chain_link *e = h->bucket[i];
		while (e) {
			struct chain_link *next = e->next;
			size_t b = e->key & (buckets - 1);
			e->next = nb[b];
			nb[b] = e;
			e = next;
		}
	}
	free(h->bucket);
	h->bucket = nb;
	h->mask = buckets - 1;
}

void chain_hash_insert(struct chain_hash *h, struct chain_link *e, uint32_t key)
{
	size_t b = key & h->mask;

	e->key = key;
	e->next = h->bucket[b];
	e->linked = true;
	h->bucket[b] = e;
	if (++h->count > h->mask + 1)
		chain_hash_resize(h, 2 * (h->mask + 1));
}

void chain_hash_remove(struct chain_hash *h, struct chain_link *e)
{
	if (!e->linked)
		return;
	for (struct chain_link **pp = &h->bucket[e->key & h->mask]; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	}
	e->linked = false;
	e->next = NULL;
	h->count--;
	if (h->mask + 1 > MIN_BUCKETS && h->count < (h->mask + 1) / 8)
		chain_hash_resize(h, (h->mask + 1) / 2);
}

struct chain_link *chain_hash_first(const struct chain_hash *h, uint32_t key)
{
	return h->bucket[key & h->mask];
}

size_t chain_hash_buckets(const struct chain_hash *h)
{
	return h->mask + 1;
}
