/* faultd_hold.c: held packets, their release timer and their verdicts. */
#include "faultd_hold.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/event_loop.h"
#include "faultd_options.h"

#define PROG FAULTD_PROG

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

bool hold_accept_batchable(const struct faultd_hold *h)
{
	/* A batch verdict covers every queued id up to the one it names, and held packets have
	 * lower ids than anything arriving after them: batching while one is held would release
	 * it early. So accepts are batched only while nothing is held. */
	return delay_queue_len(&h->held) == 0;
}

static void on_release_timer(struct event_loop *loop, uint64_t now_ns, void *arg);

/* One timer, at the earliest held packet's deadline, moved only when that deadline changes. */
static void arm_timer(struct faultd_hold *h)
{
	uint64_t deadline;
	bool held = delay_queue_next_deadline(&h->held, &deadline) == 0;
	if (held && h->timer_id > 0 && deadline == h->timer_at_ns)
		return;
	if (h->timer_id > 0)
		event_loop_timer_cancel(h->loop, h->timer_id);
	h->timer_id = 0;
	if (!held)
		return;
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
	arm_timer(h);
}

/* Give one held packet its verdict and say so in the trace. */
static void release(struct faultd_hold *h, const struct delay_entry *e, bool drop)
{
	struct held_packet *hp = e->data;
	uint64_t held_us = (monotonic_ns() - hp->seen_mono_ns) / 1000u;
	if (drop)
		nfq_queue_drop(*h->nfq, e->id);
	else
		nfq_queue_accept(*h->nfq, e->id, false);
	h->on_release(h->ctx, hp, held_us, drop);
	free(hp);
}

void hold_release_due(struct faultd_hold *h)
{
	uint64_t now = monotonic_ns();
	struct delay_entry e;
	while (delay_queue_pop_due(&h->held, now, &e) == 0) {
		h->c.released++;
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
