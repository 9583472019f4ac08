/* delay_queue.h: the delay scheduler of synfin-faultd: held packets ordered by release time.
 *
 * A 4-ary min-heap keyed on (deadline, insertion number), so entries with the same deadline
 * come out in the order they went in: two segments held by the same rule within one clock tick
 * must not overtake each other. Pure data structure: no clock, no I/O; the caller passes
 * deadlines in whatever unit it likes (the daemon uses CLOCK_MONOTONIC nanoseconds) and owns
 * what data points to.
 */
#ifndef SYNFIN_DELAY_QUEUE_H
#define SYNFIN_DELAY_QUEUE_H

#include <stddef.h>
#include <stdint.h>

struct delay_entry {
	uint64_t deadline;
	uint64_t order; /* insertion number: breaks deadline ties first-in first-out */
	uint32_t id;    /* the NFQUEUE packet id */
	void *data;     /* the caller's (the daemon: a copy of the packet for the trace) */
};

/* One push, by insertion number: which ids are still queued in the order they came. */
struct delay_arrival {
	uint32_t id;
	uint32_t queued; /* 1 until popped */
};

struct delay_queue {
	struct delay_entry *heap; /* the root; the allocation starts a few slots before */
	size_t len;
	size_t cap;
	uint64_t next_order;
	/* a ring indexed by insertion number (a power of two long), from the oldest entry still
	 * queued to the newest: popped entries are only marked, and skipped when they reach the
	 * front, so both push and pop stay O(1) here */
	struct delay_arrival *arrivals;
	size_t arrivals_cap;
	uint64_t oldest_order;
};

void delay_queue_init(struct delay_queue *q);
/* Frees the heap only; entries' data stay the caller's (pop them first to free them). */
void delay_queue_free(struct delay_queue *q);

static inline size_t delay_queue_len(const struct delay_queue *q)
{
	return q->len;
}

/* The memory the queue itself takes (not its entries' data), in bytes. */
size_t delay_queue_bytes(const struct delay_queue *q);

/* Returns 0, or -ENOMEM (the queue is unchanged). */
int delay_queue_push(struct delay_queue *q, uint64_t deadline, uint32_t id, void *data);

/* The entry that comes out next, or NULL when the queue is empty. Valid until the next push/pop. */
const struct delay_entry *delay_queue_peek(const struct delay_queue *q);

/* The earliest deadline: 0 and *deadline set, or -ENOENT when empty. */
int delay_queue_next_deadline(const struct delay_queue *q, uint64_t *deadline);

/* Remove the next entry into *out: 0, or -ENOENT when empty. */
int delay_queue_pop(struct delay_queue *q, struct delay_entry *out);

/* Like delay_queue_push, for an entry delay_queue_oldest_id does not report (the daemon: a
 * copy of a packet whose original already has its verdict). */
int delay_queue_push_untracked(struct delay_queue *q, uint64_t deadline, uint32_t id, void *data);

/* The id of the entry pushed first among those still queued (untracked ones aside): 0 and *id set,
 * or -ENOENT when empty. The daemon pushes packets in the order the kernel numbered them, so this
 * is the lowest id it still holds: a batch verdict up to any lower id cannot release a held one. */
int delay_queue_oldest_id(const struct delay_queue *q, uint32_t *id);

/* Like delay_queue_pop, but only when the next deadline is <= now: 0, or -EAGAIN when nothing is
 * due yet, or -ENOENT when empty. */
int delay_queue_pop_due(struct delay_queue *q, uint64_t now, struct delay_entry *out);

#endif
