/* delay_queue.c: binary min-heap on (deadline, insertion order). */
#include "delay_queue.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

void delay_queue_init(struct delay_queue *q)
{
	q->heap = NULL;
	q->len = 0;
	q->cap = 0;
	q->next_order = 0;
}

void delay_queue_free(struct delay_queue *q)
{
	free(q->heap);
	delay_queue_init(q);
}

static bool entry_before(const struct delay_entry *a, const struct delay_entry *b)
{
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline;
	return a->order < b->order;
}

static void sift_up(struct delay_entry *h, size_t i)
{
	struct delay_entry e = h[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!entry_before(&e, &h[parent]))
			break;
		h[i] = h[parent];
		i = parent;
	}
	h[i] = e;
}

static void sift_down(struct delay_entry *h, size_t len, size_t i)
{
	struct delay_entry e = h[i];
	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= len)
			break;
		if (child + 1 < len && entry_before(&h[child + 1], &h[child]))
			child++;
		if (!entry_before(&h[child], &e))
			break;
		h[i] = h[child];
		i = child;
	}
	h[i] = e;
}

int delay_queue_push(struct delay_queue *q, uint64_t deadline, uint32_t id, void *data)
{
	if (q->len == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 64;
		if (cap > SIZE_MAX / sizeof(*q->heap))
			return -ENOMEM;
		struct delay_entry *h = realloc(q->heap, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		q->heap = h;
		q->cap = cap;
	}
	struct delay_entry *e = &q->heap[q->len];
	e->deadline = deadline;
	e->order = q->next_order++;
	e->id = id;
	e->data = data;
	sift_up(q->heap, q->len);
	q->len++;
	return 0;
}

const struct delay_entry *delay_queue_peek(const struct delay_queue *q)
{
	return q->len ? &q->heap[0] : NULL;
}

int delay_queue_next_deadline(const struct delay_queue *q, uint64_t *deadline)
{
	if (!q->len)
		return -ENOENT;
	*deadline = q->heap[0].deadline;
	return 0;
}

int delay_queue_pop(struct delay_queue *q, struct delay_entry *out)
{
	if (!q->len)
		return -ENOENT;
	*out = q->heap[0];
	q->len--;
	if (q->len) {
		q->heap[0] = q->heap[q->len];
		sift_down(q->heap, q->len, 0);
	}
	return 0;
}

int delay_queue_pop_due(struct delay_queue *q, uint64_t now, struct delay_entry *out)
{
	if (!q->len)
		return -ENOENT;
	if (q->heap[0].deadline > now)
		return -EAGAIN;
	return delay_queue_pop(q, out);
}
