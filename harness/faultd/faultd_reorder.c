/* faultd_reorder.c: copies held by reorder rules, their release and its trace
 * (faultd_reorder.h). */
#include "faultd_reorder.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/event_loop.h"
#include "faultd_options.h"

#define PROG FAULTD_PROG

void faultd_reorder_init(struct faultd_reorder *r, struct faultd_hold *h, struct event_loop *loop)
{
	memset(r, 0, sizeof(*r));
	reorder_book_init(&r->book);
	r->hold = h;
	r->loop = loop;
}

void faultd_reorder_free(struct faultd_reorder *r)
{
	struct reorder_release rel;
	while (reorder_take_any(&r->book, &rel) == 0)
		free(rel.handle);
	reorder_book_free(&r->book);
}

static uint64_t now_us(const struct faultd_reorder *r)
{
	return event_loop_now(r->loop) / 1000u;
}

/* Send (or drop) one copy the book let go, and trace why it went. */
static void release(struct faultd_reorder *r, const struct reorder_release *rel, bool drop)
{
	struct held_packet *hp = rel->handle;
	uint64_t now = now_us(r);
	hp->released_after = rel->why == REORDER_AFTER_SEGMENTS ? rel->after : 0;
	hp->released_quiet_us = rel->why == REORDER_QUIET ? rel->quiet_us : 0;
	if (!drop) {
		/* the verdict of the segment that let it go leaves first */
		r->hold->verdicts_pending = true;
		hold_send_copy(r->hold, hp);
	}
	r->after_segments += rel->why == REORDER_AFTER_SEGMENTS;
	r->after_quiet += rel->why == REORDER_QUIET;
	r->at_exit += rel->why == REORDER_AT_EXIT;
	r->hold->on_release(r->hold->ctx, hp, now > rel->held_at_us ? now - rel->held_at_us : 0,
	                    drop);
	free(hp);
}

static void on_quiet_timer(struct event_loop *loop, uint64_t now_ns, void *arg);

/* One timer at the earliest quiet time; a segment that passes moves that time later, and the
 * timer that fires too early finds nothing due and is armed again. */
static void arm_timer(struct faultd_reorder *r)
{
	uint64_t next = reorder_next_deadline(&r->book);
	if (next == UINT64_MAX)
		return;
	uint64_t at_ns = next * 1000u;
	if (r->timer_id > 0 && r->timer_at_ns <= at_ns)
		return;
	if (r->timer_id > 0)
		event_loop_timer_cancel(r->loop, r->timer_id);
	r->timer_id = event_loop_timer_at(r->loop, at_ns, on_quiet_timer, r);
	if (r->timer_id < 0) {
		fprintf(stderr, PROG ": arming the reorder timer: %s\n",
		        strerror((int)-r->timer_id));
		r->timer_id = 0;
		return;
	}
	r->timer_at_ns = at_ns;
}

static void release_due(struct faultd_reorder *r)
{
	struct reorder_release rel;
	while (reorder_take_due(&r->book, now_us(r), &rel) == 0)
		release(r, &rel, false);
	arm_timer(r);
}

static void on_quiet_timer(struct event_loop *loop, uint64_t now_ns, void *arg)
{
	(void)loop, (void)now_ns;
	struct faultd_reorder *r = arg;
	r->timer_id = 0;
	release_due(r);
}

bool faultd_reorder_hold(struct faultd_reorder *r, const struct nfq_packet *p,
                         const struct segment *seg, const struct verdict *v, const char *rule_file)
{
	struct held_packet *hp = inject_copy(r->hold, p);
	if (hp) {
		hp->injected = false;
		hp->verdict = *v;
		hp->rule_file = rule_file;
	}
	if (!hp || reorder_hold(&r->book, seg, v, now_us(r), hp) != 0) {
		free(hp);
		if (r->not_held++ < 10)
			fprintf(stderr, PROG
			        ": reorder: cannot hold a segment toward a host not heard from "
			        "yet (or no memory): passed at once\n");
		return false;
	}
	r->held++;
	nfq_queue_drop_batchable(*r->hold->nfq, p->id, hold_accept_batchable(r->hold, p->id));
	arm_timer(r);
	return true;
}

void faultd_reorder_passed(struct faultd_reorder *r, const struct segment *seg)
{
	if (!reorder_book_len(&r->book))
		return;
	reorder_passed(&r->book, seg, now_us(r));
	release_due(r);
}

void faultd_reorder_release_all(struct faultd_reorder *r, bool drop)
{
	struct reorder_release rel;
	while (reorder_take_any(&r->book, &rel) == 0)
		release(r, &rel, drop);
}

void faultd_reorder_print_summary(const struct faultd_reorder *r, FILE *out)
{
	if (!r->held && !r->not_held)
		return;
	fprintf(out,
	        "reordered: %" PRIu64 " held, released %" PRIu64 " after their segments, %" PRIu64
	        " after quiet, %" PRIu64 " at exit; %" PRIu64 " passed at once (host not known)\n",
	        r->held, r->after_segments, r->after_quiet, r->at_exit, r->not_held);
}
