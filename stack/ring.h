/* ring.h: a fixed-size byte ring, the send and receive buffers of a connection. */
#ifndef SYNFIN_STACK_RING_H
#define SYNFIN_STACK_RING_H

#include <stddef.h>
#include <stdint.h>

struct ring {
	uint8_t *buf;
	size_t cap;
	size_t head; /* offset of the oldest byte */
	size_t len;
};

int ring_init(struct ring *r, size_t cap); /* 0 or -ENOMEM */
void ring_free(struct ring *r);
/* Free the memory of an empty ring, keeping its capacity; ring_write allocates it again. */
void ring_trim(struct ring *r);
static inline size_t ring_space(const struct ring *r)
{
	return r->cap - r->len;
}
/* Raise the capacity to cap (never lowers it), keeping the bytes: 0 or -ENOMEM (unchanged). */
int ring_grow(struct ring *r, size_t cap);
/* Append up to len bytes; returns how many fit. */
size_t ring_write(struct ring *r, const void *data, size_t len);
/* Copy up to len bytes starting off bytes after the head, without consuming; returns the count. */
size_t ring_peek(const struct ring *r, size_t off, void *out, size_t len);
/* Drop up to n bytes from the head; returns the count. */
size_t ring_discard(struct ring *r, size_t n);
/* Copy out and consume. */
size_t ring_read(struct ring *r, void *out, size_t len);

#endif
