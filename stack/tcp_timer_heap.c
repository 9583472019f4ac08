/* tcp_conn_table.c: the timer heap, a binary min-heap of the connections' earliest deadlines, so
 * that neither stack_next_deadline nor stack_timer walks every connection. It grows and shrinks
 * with the connections. (The hash tables by handle, 4-tuple and listening port are
 * common/chain_hash's, kept by tcp_conn.c.) */
#include <stdlib.h>

#include "stack_internal.h"

#define HEAP_MIN_CAP 16
#define NOT_IN_HEAP SIZE_MAX

static void heap_place(struct stack *s, size_t i, struct tcp_conn *c)
{
	s->heap[i] = c;
	c->heap_pos = i;
}

static void heap_sift_up(struct stack *s, size_t i)
{
	struct tcp_conn *c = s->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (s->heap[parent]->deadline <= c->deadline)
			break;
		heap_place(s, i, s->heap[parent]);
		i = parent;
	}
	heap_place(s, i, c);
}

static void heap_sift_down(struct stack *s, size_t i)
{
	struct tcp_conn *c = s->heap[i];

	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= s->heap_len)
			break;
		if (child + 1 < s->heap_len &&
		    s->heap[child + 1]->deadline < s->heap[child]->deadline)
			child++;
		if (c->deadline <= s->heap[child]->deadline)
			break;
		heap_place(s, i, s->heap[child]);
		i = child;
	}
	heap_place(s, i, c);
}

static void heap_remove(struct stack *s, struct tcp_conn *c)
{
	size_t i = c->heap_pos;
	struct tcp_conn *last = s->heap[--s->heap_len];

	c->heap_pos = NOT_IN_HEAP;
	if (last == c)
		return;
	heap_place(s, i, last);
	heap_sift_up(s, i);
	heap_sift_down(s, last->heap_pos);
}

void conn_heap_init_entry(struct tcp_conn *c)
{
	c->heap_pos = NOT_IN_HEAP;
	c->deadline = STACK_TIME_NEVER;
}

/* Room for one more connection in the heap (and stack_timer's scratch list), taken when the
 * connection is made, so arming a timer later never needs memory. */
int conn_heap_reserve(struct stack *s)
{
	if (s->n_conns < s->heap_cap)
		return 0;
	size_t cap = s->heap_cap ? 2 * s->heap_cap : HEAP_MIN_CAP;
	struct tcp_conn **heap = realloc(s->heap, cap * sizeof(*heap));
	if (!heap)
		return -1;
	s->heap = heap;
	struct tcp_conn **due = realloc(s->due, cap * sizeof(*due));
	if (!due)
		return -1; /* the heap keeps its larger size; the next reservation retries */
	s->due = due;
	s->heap_cap = cap;
	return 0;
}

/* After connections went away: give back what the heap no longer needs, keeping it at most
 * four times the connections. A failed realloc keeps the larger block, so both arrays hold at
 * least cap entries either way. */
void conn_heap_shrink(struct stack *s)
{
	size_t cap = s->heap_cap;

	while (cap / 2 >= HEAP_MIN_CAP && s->n_conns <= cap / 4)
		cap /= 2;
	if (cap == s->heap_cap)
		return;
	struct tcp_conn **heap = realloc(s->heap, cap * sizeof(*heap));
	struct tcp_conn **due = realloc(s->due, cap * sizeof(*due));
	if (heap)
		s->heap = heap;
	if (due)
		s->due = due;
	s->heap_cap = cap;
}

/* After any change to c's timers: its place in the heap follows its earliest deadline. */
void conn_heap_update(struct tcp_conn *c)
{
	struct stack *s = c->stack;
	uint64_t d = tcp_conn_deadline(c);

	if (d == STACK_TIME_NEVER) {
		if (c->heap_pos != NOT_IN_HEAP)
			heap_remove(s, c);
		c->deadline = d;
		return;
	}
	uint64_t old = c->deadline;
	c->deadline = d;
	if (c->heap_pos == NOT_IN_HEAP) {
		heap_place(s, s->heap_len++, c);
		heap_sift_up(s, c->heap_pos);
	} else if (d < old) {
		heap_sift_up(s, c->heap_pos);
	} else if (d > old) {
		heap_sift_down(s, c->heap_pos);
	}
}

uint64_t conn_heap_earliest(const struct stack *s)
{
	return s->heap_len ? s->heap[0]->deadline : STACK_TIME_NEVER;
}

/* The due entries form a subtree at the root: walk only that. */
static size_t heap_collect(const struct stack *s, size_t i, uint64_t now, size_t n)
{
	if (i >= s->heap_len || s->heap[i]->deadline > now)
		return n;
	s->due[n++] = s->heap[i];
	n = heap_collect(s, 2 * i + 1, now, n);
	return heap_collect(s, 2 * i + 2, now, n);
}

static int newest_first(const void *a, const void *b)
{
	const struct tcp_conn *x = *(struct tcp_conn *const *)a, *y = *(struct tcp_conn *const *)b;

	return x->handle < y->handle ? 1 : x->handle > y->handle ? -1 : 0;
}

/* The connections with a deadline at or before now, newest first (the order in which timers of
 * equal deadlines have always fired), into s->due; returns how many. */
size_t conn_heap_due(struct stack *s, uint64_t now)
{
	size_t n = heap_collect(s, 0, now, 0);

	qsort(s->due, n, sizeof(*s->due), newest_first);
	return n;
}
