/* mix64.h: the 64-bit finaliser of MurmurHash3 (fmix64), which spreads every input bit over
 * every output bit; for hashes whose own steps leave the high or low bits weak. */
#ifndef SYNFIN_MIX64_H
#define SYNFIN_MIX64_H

#include <stdint.h>

static inline uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

#endif
