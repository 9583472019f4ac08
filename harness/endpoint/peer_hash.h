/* peer_hash.h: the hash every endpoint prints over the bytes it moved (synfin-kpeer,
 * synfin-peer, synfin-lwip), and the scenario judge computes over the pattern it expects, so a
 * transfer is checked end to end without storing it.
 *
 * It takes the stream 8 bytes at a time, as little-endian words: h = rotl((h ^ w) * K, 29).
 * Each step is a bijection of h for a given word, so two streams that differ in one word
 * always end in different states; a byte-at-a-time hash (FNV-1a, used before) costs a
 * multiply per byte, about 1.5 ns, which at the stack's rates was a third of an endpoint's
 * CPU. The bytes of a word may arrive in different reads: the state keeps up to 7 of them, so
 * the value depends on the bytes alone, not on how they were cut. */
#ifndef SYNFIN_PEER_HASH_H
#define SYNFIN_PEER_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/mix64.h"

struct peer_hash {
	uint64_t h;
	uint64_t tail;     /* the bytes of an unfinished word, the first in the low byte */
	unsigned tail_len; /* 0 to 7 */
};

#define PEER_HASH_K 0x9e3779b97f4a7c15ull

static inline void peer_hash_init(struct peer_hash *s)
{
	s->h = 0xcbf29ce484222325ull;
	s->tail = 0;
	s->tail_len = 0;
}

static inline uint64_t peer_hash_step(uint64_t h, uint64_t w)
{
	h = (h ^ w) * PEER_HASH_K;
	return h << 29 | h >> 35;
}

static inline uint64_t peer_hash_load(const uint8_t *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

static inline void peer_hash_update(struct peer_hash *s, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (s->tail_len && len) { /* finish the word a previous read began */
		s->tail |= (uint64_t)*p++ << (8 * s->tail_len);
		len--;
		if (++s->tail_len == 8) {
			s->h = peer_hash_step(s->h, s->tail);
			s->tail = 0;
			s->tail_len = 0;
		}
	}
	uint64_t h = s->h;
	for (; len >= 8; p += 8, len -= 8)
		h = peer_hash_step(h, peer_hash_load(p));
	s->h = h;
	for (; len; len--)
		s->tail |= (uint64_t)*p++ << (8 * s->tail_len++);
}

/* The value printed: the unfinished word (with its length, so "a" and "a\0" differ) folded in
 * and the bits mixed (the 64-bit finaliser of MurmurHash3). The state is not changed. */
static inline uint64_t peer_hash_value(const struct peer_hash *s)
{
	uint64_t h = s->h;
	if (s->tail_len)
		h = peer_hash_step(h, s->tail | (uint64_t)s->tail_len << 56);
	return mix64(h);
}

#endif
