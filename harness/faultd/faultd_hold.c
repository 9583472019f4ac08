/* faultd_hold.c: held packets, their release timer and their verdicts. */
#include "faultd_hold.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/event_loop.h"
#include "faultd_options.h"

#define PROG FAULTD_PROG
#define HOLD_TIMER_SLACK_NS 50000u

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void hold_init(struct faultd_hold *h, struct event_loop *loop, struct nfq_queue *const *nfq,
               hold_release_fn on_release, void *ctx)
{
	memset(h, 0, sizeof(*h));
	delay_queue_init(&h->held);
	h->loop = loop;
	h->nfq = nfq;
	h->on_release = on_release;
	h->ctx = ctx;
}

void hold_free(struct faultd_hold *h)
{
	struct delay_entry e;
	while (delay_queue_pop(&h->held, &e) == 0)
		free(e.data);
	delay_queue_free(&h->held);
}

bool hold_accept_batchable(const struct faultd_hold *h, uint32_t id)
{
	/* A batch verdict covers every queued id up to the one it names: it may name id only
	 * when no packet still held has a lower id. The kernel numbers packets in the order it
	 * queues them and they are held in that order, so the oldest held one has the lowest. */
	uint32_t oldest;
	if (delay_queue_oldest_id(&h->held, &oldest) != 0)
		return true;
	return oldest - id - 1 < 0x80000000u; /* oldest after id, modulo 2^32 */
}

static void on_release_timer(struct event_loop *loop, uint64_t now_ns, void *arg);

/* One timer for the earliest held packet, moved only when a packet is due before it: one
 * armed earlier than needed fires, releases nothing or little and is armed again. Each move is a
 * timerfd_settime(), tens of microseconds on a VM when the deadline is near. */
static void arm_timer(struct faultd_hold *h)
{
	uint64_t deadline;
	if (delay_queue_next_deadline(&h->held, &deadline) != 0)
		return; /* an armed timer left alone fires for nothing: cheaper than disarming */
	if (h->timer_id > 0 && h->timer_at_ns <= deadline)
		return;
	if (h->timer_id == 0) {
		/* After a release, a stream's next packet is due within microseconds: waiting
		 * HOLD_TIMER_SLACK_NS (Linux's default timer slack) lets one wake-up release
		 * several. Under load the loop's turns release them on time anyway (see
		 * hold_release_due); the timer is for a quiet wire. */
		uint64_t soonest = h->last_release_ns + HOLD_TIMER_SLACK_NS;
		if (deadline < soonest)
			deadline = soonest;
	}
	if (h->timer_id > 0)
		event_loop_timer_cancel(h->loop, h->timer_id);
	h->timer_id = 0;
	long id = event_loop_timer_at(h->loop, deadline, on_release_timer, h);
	if (id < 0) {
		fprintf(stderr, PROG ": arming the release timer: %s\n", strerror((int)-id));
		return;
	}
	h->timer_id = id;
	h->timer_at_ns = deadline;
}

void hold_packet(struct faultd_hold *h, const struct nfq_packet *p, const struct verdict *v,
                 const char *rule_file)
{
	uint64_t now = monotonic_ns();
	struct held_packet *hp = malloc(sizeof(*hp) + p->len);
	if (hp) {
		hp->seen_mono_ns = now;
		hp->verdict = *v;
		hp->rule_file = rule_file;
		hp->len = p->len;
		memcpy(hp->data, p->data, p->len);
	}
	if (!hp ||
	    delay_queue_push(&h->held, now + (uint64_t)v->delay_us * 1000u, p->id, hp) != 0) {
		/* cannot hold it: let it through rather than lose it */
		free(hp);
		h->c.hold_failed++;
		fprintf(stderr, PROG ": out of memory holding packet %u: accepted at once\n",
		        p->id);
		nfq_queue_accept(*h->nfq, p->id, false);
		return;
	}
	h->c.delayed++;
	size_t n = delay_queue_len(&h->held);
	if (n > h->c.peak_held)
		h->c.peak_held = n;
	h->copy_bytes += sizeof(*hp) + p->len;
	if (h->copy_bytes > h->c.peak_copy_bytes)
		h->c.peak_copy_bytes = h->copy_bytes;
	size_t qb = delay_queue_bytes(&h->held);
	if (qb > h->c.peak_queue_bytes)
		h->c.peak_queue_bytes = qb;
	arm_timer(h);
}

/* Give one held packet its verdict and say so in the trace. */
/* Give one held packet (already out of the delay queue) its verdict and say so in the trace.
 * Packets released in the order they came, as a uniform delay releases them, are accepted by
 * one batch verdict per turn. */
static void release(struct faultd_hold *h, const struct delay_entry *e, bool drop)
{
	struct held_packet *hp = e->data;
	uint64_t held_us = (monotonic_ns() - hp->seen_mono_ns) / 1000u;
	if (drop)
		nfq_queue_drop(*h->nfq, e->id);
	else
		nfq_queue_accept(*h->nfq, e->id, hold_accept_batchable(h, e->id));
	h->on_release(h->ctx, hp, held_us, drop);
	h->copy_bytes -= sizeof(*hp) + hp->len;
	free(hp);
}

void hold_release_due(struct faultd_hold *h)
{
	if (!delay_queue_len(&h->held))
		return;
	uint64_t now = monotonic_ns();
	struct delay_entry e;
	while (delay_queue_pop_due(&h->held, now, &e) == 0) {
		h->c.released++;
		h->last_release_ns = now;
		release(h, &e, false);
	}
	arm_timer(h);
}

static void on_release_timer(struct event_loop *loop, uint64_t now_ns, void *arg)
{
	(void)loop, (void)now_ns;
	struct faultd_hold *h = arg;
	h->timer_id = 0; /* fired: arm_timer must not cancel it, nor take it for armed */
	hold_release_due(h);
}

void hold_release_all(struct faultd_hold *h, bool drop)
{
	struct delay_entry e;
	while (delay_queue_pop(&h->held, &e) == 0) {
		if (drop)
			h->c.dropped_at_exit++;
		else
			h->c.released_at_exit++;
		release(h, &e, drop);
	}
}

void hold_print_memory(const struct faultd_hold *h, FILE *out)
{
	const struct hold_stats *c = &h->c;
	if (!c->peak_held)
		return;
	/* the kernel keeps its own copy of each held packet in the queue besides ours */
	fprintf(out,
	        "held at once: at most %zu packets; daemon memory per held packet about %zu bytes "
	        "(copy %zu, queue %zu)\n",
	        c->peak_held, (c->peak_copy_bytes + c->peak_queue_bytes) / c->peak_held,
	        c->peak_copy_bytes / c->peak_held, c->peak_queue_bytes / c->peak_held);
}
