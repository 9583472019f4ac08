/* ring.c: a fixed-size byte ring. */
#include "ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int ring_init(struct ring *r, size_t cap)
{
	r->buf = malloc(cap ? cap : 1);
	if (!r->buf)
		return -ENOMEM;
	r->cap = cap;
	r->head = 0;
	r->len = 0;
	return 0;
}

void ring_free(struct ring *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = r->len = r->head = 0;
}

/* An empty ring of a connection that will take no more data (TIME-WAIT) gives its memory back;
 * the capacity stays, so the window it advertises does not change. */
void ring_trim(struct ring *r)
{
	if (r->len != 0)
		return;
	free(r->buf);
	r->buf = NULL;
	r->head = 0;
}

int ring_grow(struct ring *r, size_t cap)
{
	if (cap <= r->cap)
		return 0;
	if (!r->buf) {
		r->cap = cap; /* trimmed: ring_write allocates at the new size */
		return 0;
	}
	uint8_t *nb = malloc(cap);
	if (!nb)
		return -ENOMEM;
	ring_peek(r, 0, nb, r->len);
	free(r->buf);
	r->buf = nb;
	r->cap = cap;
	r->head = 0;
	return 0;
}

size_t ring_write(struct ring *r, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t n = len < ring_space(r) ? len : ring_space(r);

	if (n == 0)
		return 0;
	if (!r->buf) {
		r->buf = malloc(r->cap);
		if (!r->buf)
			return 0; /* as if full: the peer retransmits, tcp_send returns -EAGAIN */
	}
	size_t tail = (r->head + r->len) % (r->cap ? r->cap : 1);
	size_t first = n < r->cap - tail ? n : r->cap - tail;

	memcpy(r->buf + tail, p, first);
	memcpy(r->buf, p + first, n - first);
	r->len += n;
	return n;
}

size_t ring_peek(const struct ring *r, size_t off, void *out, size_t len)
{
	uint8_t *p = out;

	if (off >= r->len)
		return 0;
	size_t n = len < r->len - off ? len : r->len - off;
	size_t start = (r->head + off) % r->cap;
	size_t first = n < r->cap - start ? n : r->cap - start;

	memcpy(p, r->buf + start, first);
	memcpy(p + first, r->buf, n - first);
	return n;
}

size_t ring_discard(struct ring *r, size_t n)
{
	if (n > r->len)
		n = r->len;
	r->head = r->cap ? (r->head + n) % r->cap : 0;
	r->len -= n;
	return n;
}

size_t ring_read(struct ring *r, void *out, size_t len)
{
	size_t n = ring_peek(r, 0, out, len);

	return ring_discard(r, n);
}
