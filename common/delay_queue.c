/* delay_queue.c: 4-ary min-heap on (deadline, insertion order).
 *
 * Why 4-ary: with a million packets held the heap is 32 MB, far beyond the caches, and a pop
 * costs one cache miss per level it sifts down. Four children per node halve the levels (10
 * instead of 20 at 1M) for two more comparisons per level, and the four children sit side by
 * side: the array is laid out so that every group of siblings fills one 128-byte aligned
 * block (two cache lines, which the adjacent-line prefetcher fetches together). The order of
 * equal deadlines stays first-in first-out because the key includes the insertion number.
 */
#include "delay_queue.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define ARITY 4
/* Slots before the root so that the children of node i, 4i+1..4i+4, start on a multiple of
 * four slots from the (aligned) start of the allocation. */
#define PAD (ARITY - 1)
#define ALIGN (ARITY * sizeof(struct delay_entry))
/* 8192 entries are 256 KiB, a typical L2 cache */
#define PREFETCH_MIN_LEN 8192

void delay_queue_init(struct delay_queue *q)
{
	q->heap = NULL;
	q->len = 0;
	q->cap = 0;
	q->next_order = 0;
	q->arrivals = NULL;
	q->arrivals_cap = 0;
	q->oldest_order = 0;
}

void delay_queue_free(struct delay_queue *q)
{
	if (q->heap)
		free(q->heap - PAD);
	free(q->arrivals);
	delay_queue_init(q);
}

static inline bool entry_before(const struct delay_entry *a, const struct delay_entry *b)
{
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline;
	return a->order < b->order;
}

static void sift_up(struct delay_entry *h, size_t i)
{
	struct delay_entry e = h[i];
	while (i > 0) {
		size_t parent = (i - 1) / ARITY;
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
		size_t first = ARITY * i + 1;
		if (first >= len)
			break;
		/* The children of all four children are one contiguous run of 16 entries (8
		 * cache lines): asking for them now lets the next level's misses overlap this
		 * level's instead of following them. A heap that fits in the caches only pays
		 * for the extra instructions, so small ones skip it. */
		size_t grand = ARITY * first + 1;
		if (len >= PREFETCH_MIN_LEN && grand < len) {
			const char *g = (const char *)&h[grand];
			for (size_t k = 0; k < ARITY * ARITY * sizeof(*h); k += 64)
				__builtin_prefetch(g + k);
		}
		size_t end = first + ARITY < len ? first + ARITY : len;
		size_t child = first;
		for (size_t c = first + 1; c < end; c++)
			if (entry_before(&h[c], &h[child]))
				child = c;
		if (!entry_before(&h[child], &e))
			break;
		h[i] = h[child];
		i = child;
	}
	h[i] = e;
}

static int grow(struct delay_queue *q)
{
	size_t cap = q->cap ? q->cap * 2 : 64;
	if (cap > SIZE_MAX / sizeof(*q->heap) - ARITY)
		return -ENOMEM;
	/* cap is a power of two >= 64, so the size is a multiple of ALIGN as C11 asks */
	struct delay_entry *base = aligned_alloc(ALIGN, (cap + ARITY) * sizeof(*base));
	if (!base)
		return -ENOMEM;
	if (q->heap) {
		memcpy(base + PAD, q->heap, q->len * sizeof(*base));
		free(q->heap - PAD);
	}
	q->heap = base + PAD;
	q->cap = cap;
	return 0;
}

/* Room for one more arrival; entries keep their slot, insertion number modulo the length. */
static int grow_arrivals(struct delay_queue *q)
{
	if (q->next_order - q->oldest_order < q->arrivals_cap)
		return 0;
	size_t cap = q->arrivals_cap ? q->arrivals_cap * 2 : 64;
	if (cap > SIZE_MAX / sizeof(*q->arrivals))
		return -ENOMEM;
	struct delay_arrival *a = malloc(cap * sizeof(*a));
	if (!a)
		return -ENOMEM;
	for (uint64_t o = q->oldest_order; o < q->next_order; o++)
		a[o & (cap - 1)] = q->arrivals[o & (q->arrivals_cap - 1)];
	free(q->arrivals);
	q->arrivals = a;
	q->arrivals_cap = cap;
	return 0;
}

static void arrival_gone(struct delay_queue *q, uint64_t order)
{
	size_t mask = q->arrivals_cap - 1;
	q->arrivals[order & mask].queued = 0;
	while (q->oldest_order < q->next_order && !q->arrivals[q->oldest_order & mask].queued)
		q->oldest_order++;
}

size_t delay_queue_bytes(const struct delay_queue *q)
{
	return (q->cap ? (q->cap + ARITY) * sizeof(*q->heap) : 0) +
	       q->arrivals_cap * sizeof(*q->arrivals);
}

int delay_queue_oldest_id(const struct delay_queue *q, uint32_t *id)
{
	if (q->oldest_order == q->next_order)
		return -ENOENT;
	*id = q->arrivals[q->oldest_order & (q->arrivals_cap - 1)].id;
	return 0;
}

static int push(struct delay_queue *q, uint64_t deadline, uint32_t id, void *data, bool tracked)
{
	if (q->len == q->cap && grow(q) != 0)
		return -ENOMEM;
	if (grow_arrivals(q) != 0)
		return -ENOMEM;
	q->arrivals[q->next_order & (q->arrivals_cap - 1)] =
	    (struct delay_arrival){.id = id, .queued = tracked};
	uint64_t order = q->next_order++;
	struct delay_entry *e = &q->heap[q->len];
	e->deadline = deadline;
	e->order = order;
	e->id = id;
	e->data = data;
	sift_up(q->heap, q->len);
	q->len++;
	if (!tracked)
		arrival_gone(q, order);
	return 0;
}

int delay_queue_push(struct delay_queue *q, uint64_t deadline, uint32_t id, void *data)
{
	return push(q, deadline, id, data, true);
}

int delay_queue_push_untracked(struct delay_queue *q, uint64_t deadline, uint32_t id, void *data)
{
	return push(q, deadline, id, data, false);
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
	arrival_gone(q, out->order);
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
