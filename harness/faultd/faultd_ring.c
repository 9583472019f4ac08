/* faultd_ring.c: the single-producer, single-consumer record ring (faultd_ring.h).
 *
 * Each record is a 8-byte frame (its length) and the record, rounded up to 8 bytes, so every
 * position is a multiple of 8. A record that does not fit before the end leaves a frame
 * saying "wrap" there and starts at offset 0; the bytes skipped count as used until the
 * consumer passes them. */
#include "faultd_ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define FRAME 8u
#define WRAP UINT32_MAX

static size_t align8(size_t n)
{
	return (n + 7u) & ~(size_t)7u;
}

int faultd_ring_init(struct faultd_ring *r, size_t size)
{
	size_t s = 4096;
	while (s < size)
		s <<= 1;
	memset(r, 0, sizeof(*r));
	r->buf = aligned_alloc(64, s);
	if (!r->buf)
		return -ENOMEM;
	r->size = s;
	atomic_init(&r->published, 0);
	atomic_init(&r->released, 0);
	return 0;
}

void faultd_ring_free(struct faultd_ring *r)
{
	free(r->buf);
	r->buf = NULL;
}

size_t faultd_ring_max_record(const struct faultd_ring *r)
{
	return r->size / 4 - FRAME;
}

static void put_frame(struct faultd_ring *r, size_t pos, uint32_t len)
{
	memcpy(r->buf + (pos & (r->size - 1)), &len, sizeof(len));
}

void *faultd_ring_reserve(struct faultd_ring *r, size_t len)
{
	if (len > faultd_ring_max_record(r))
		return NULL;
	size_t need = FRAME + align8(len);
	size_t pos = r->reserved;
	size_t to_end = r->size - (pos & (r->size - 1));
	size_t skip = need > to_end ? to_end : 0;
	if (pos - r->seen_released + skip + need > r->size) {
		r->seen_released = atomic_load_explicit(&r->released, memory_order_acquire);
		if (pos - r->seen_released + skip + need > r->size)
			return NULL;
	}
	if (skip) {
		put_frame(r, pos, WRAP);
		pos += skip;
	}
	put_frame(r, pos, (uint32_t)len);
	r->reserved = pos + need;
	return r->buf + (pos & (r->size - 1)) + FRAME;
}

void faultd_ring_publish(struct faultd_ring *r)
{
	atomic_store_explicit(&r->published, r->reserved, memory_order_release);
}

size_t faultd_ring_used(struct faultd_ring *r)
{
	return r->reserved - atomic_load_explicit(&r->released, memory_order_acquire);
}

const void *faultd_ring_next(struct faultd_ring *r, size_t *len)
{
	for (;;) {
		if (r->read == r->seen_published) {
			r->seen_published =
			    atomic_load_explicit(&r->published, memory_order_acquire);
			if (r->read == r->seen_published)
				return NULL;
		}
		uint32_t n;
		size_t off = r->read & (r->size - 1);
		memcpy(&n, r->buf + off, sizeof(n));
		if (n == WRAP) {
			r->read += r->size - off;
			continue;
		}
		r->read += FRAME + align8(n);
		*len = n;
		return r->buf + off + FRAME;
	}
}

void faultd_ring_release(struct faultd_ring *r)
{
	atomic_store_explicit(&r->released, r->read, memory_order_release);
}

bool faultd_ring_has_records(struct faultd_ring *r)
{
	r->seen_published = atomic_load(&r->published);
	return r->seen_published != r->read;
}
