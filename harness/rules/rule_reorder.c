/* rule_reorder.c: the segments a reorder rule holds back (rule_reorder.h). A few are held at
 * once at most (each waits for segments that pass), so a list in the order of holding is
 * enough, and gives that order for free. */
#include "rule_reorder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct reorder_held {
	/* its direction of its connection */
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t left;         /* segments still to pass before it goes */
	uint64_t last_pass_us; /* the latest of its holding and the last segment that passed */
	struct reorder_release rel;
};

void reorder_book_init(struct reorder_book *b)
{
	memset(b, 0, sizeof(*b));
}

void reorder_book_free(struct reorder_book *b)
{
	free(b->held);
	memset(b, 0, sizeof(*b));
}

int reorder_hold(struct reorder_book *b, const struct segment *seg, const struct verdict *v,
                 uint64_t now_us, void *handle)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 8;
		struct reorder_held *h = realloc(b->held, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		b->held = h;
		b->cap = cap;
	}
	const struct rule *r = v->rule;
	b->held[b->n++] = (struct reorder_held){
	    .saddr = seg->saddr,
	    .daddr = seg->daddr,
	    .sport = seg->sport,
	    .dport = seg->dport,
	    .left = r->reorder_after,
	    .last_pass_us = now_us,
	    .rel = {.handle = handle,
	            .after = r->reorder_after,
	            .quiet_us = r->reorder_quiet_us,
	            .held_at_us = now_us},
	};
	return 0;
}

void reorder_passed(struct reorder_book *b, const struct segment *seg, uint64_t now_us)
{
	for (size_t i = 0; i < b->n; i++) {
		struct reorder_held *h = &b->held[i];
		if (h->saddr != seg->saddr || h->daddr != seg->daddr || h->sport != seg->sport ||
		    h->dport != seg->dport)
			continue;
		if (h->left)
			h->left--;
		h->last_pass_us = now_us;
	}
}

static uint64_t quiet_end(const struct reorder_held *h)
{
	return h->last_pass_us + h->rel.quiet_us;
}

static void take(struct reorder_book *b, size_t i, enum reorder_why why,
                 struct reorder_release *out)
{
	*out = b->held[i].rel;
	out->why = why;
	memmove(&b->held[i], &b->held[i + 1], (b->n - i - 1) * sizeof(b->held[0]));
	b->n--;
}

int reorder_take_due(struct reorder_book *b, uint64_t now_us, struct reorder_release *out)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct reorder_held *h = &b->held[i];
		if (h->left == 0) {
			take(b, i, REORDER_AFTER_SEGMENTS, out);
			return 0;
		}
		if (quiet_end(h) <= now_us) {
			take(b, i, REORDER_QUIET, out);
			return 0;
		}
	}
	return -EAGAIN;
}

int reorder_take_any(struct reorder_book *b, struct reorder_release *out)
{
	if (!b->n)
		return -ENOENT;
	take(b, 0, REORDER_AT_EXIT, out);
	return 0;
}

uint64_t reorder_next_deadline(const struct reorder_book *b)
{
	uint64_t next = UINT64_MAX;
	for (size_t i = 0; i < b->n; i++)
		if (quiet_end(&b->held[i]) < next)
			next = quiet_end(&b->held[i]);
	return next;
}
