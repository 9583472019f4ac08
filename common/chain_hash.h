/* chain_hash.h: an intrusive hash table with chained buckets, keyed by a 32-bit hash the caller
 * computes. Entries embed a struct chain_link; a lookup walks the chain of a key and compares
 * what it needs (several keys share a chain). The bucket array doubles when the entries
 * outnumber it and halves when they fall below an eighth, so its memory follows the entries.
 * Pure: no I/O. */
#ifndef SYNFIN_COMMON_CHAIN_HASH_H
#define SYNFIN_COMMON_CHAIN_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct chain_link {
	struct chain_link *next;
	uint32_t key;
	bool linked;
};

struct chain_hash {
	struct chain_link **bucket;
	size_t mask; /* buckets - 1 */
	size_t count;
};

/* The entry holding link ptr, as member of type. */
#define chain_entry(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

int chain_hash_init(struct chain_hash *h); /* 0 or -ENOMEM */
void chain_hash_free(struct chain_hash *h);
/* Never fails: when the table cannot grow, chains get longer. */
void chain_hash_insert(struct chain_hash *h, struct chain_link *e, uint32_t key);
/* Harmless for an entry not in the table. */
void chain_hash_remove(struct chain_hash *h, struct chain_link *e);
/* The first entry of key's chain; follow ->next and skip entries whose ->key differs. */
struct chain_link *chain_hash_first(const struct chain_hash *h, uint32_t key);
size_t chain_hash_buckets(const struct chain_hash *h);

#endif
