/* sim_wire.h: two stack instances joined in memory under one virtual clock, with the harness's
 * rule engine on the path: faults are written exactly as in a rule file for synfin-faultd.
 * Header-only, for the stack's Check programs. */
#ifndef SYNFIN_SIM_WIRE_H
#define SYNFIN_SIM_WIRE_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rule.h"
#include "rules/rule_reorder.h"
#include "stack.h"
#include "wire/segment.h"
#include "wire/segment_forge.h"

#define SIM_CLIENT 0xc0a8016cu /* 192.168.1.108 */
#define SIM_SERVER 0xc0a8016du /* 192.168.1.109 */
/* fd00::108 and fd00::109: both ends speak IPv6 too */
#define SIM_CLIENT6                                                                                \
	{                                                                                          \
		{                                                                                  \
			0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x08                    \
		}                                                                                  \
	}
#define SIM_SERVER6                                                                                \
	{                                                                                          \
		{                                                                                  \
			0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x09                    \
		}                                                                                  \
	}
#define SIM_MAX_LOG 4096
#define SIM_MAX_EVENTS 1024

enum sim_side { SIM_C, SIM_S };

struct sim_flight {
	struct sim_flight *next;
	uint64_t at;
	uint64_t order;
	enum sim_side to;
	size_t len;
	uint8_t data[];
};

/* One segment as the wire saw it. */
struct sim_log {
	uint64_t at;
	enum sim_side from;
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t len;
	uint16_t ip_len;
	enum rule_action action;
	uint32_t delay_us; /* RULE_DELAY: how long it was held */
};

struct sim_event {
	enum sim_side side;
	struct stack_event ev;
};

struct sim_end {
	struct sim_wire *w;
	enum sim_side side;
};

struct sim_wire {
	struct stack *st[2];
	struct sim_end ends[2];
	uint64_t now;
	uint64_t latency; /* one way */
	struct ruleset rs;
	struct matcher *m;
	struct sim_flight *flights;
	uint64_t order;
	struct sim_log *log;
	unsigned n_log;
	uint64_t dropped, delayed, rewritten, injected;
	/* reorder holds: the held packets are sim_flights not yet on their way */
	struct reorder_book reorder;
	uint64_t reordered, released_after, released_quiet;
	struct sim_event *events;
	unsigned n_events;
	/* optional hook run after each event (the applications) */
	void (*on_event)(struct sim_wire *w, enum sim_side side, const struct stack_event *ev);
	void *app;
};

static inline void sim_deliver_later(struct sim_wire *w, enum sim_side to, uint64_t at,
                                     const uint8_t *pkt, size_t len)
{
	struct sim_flight *f = malloc(sizeof(*f) + len);
	ck_assert_ptr_nonnull(f);
	f->at = at;
	f->order = w->order++;
	f->to = to;
	f->len = len;
	memcpy(f->data, pkt, len);
	struct sim_flight **pp = &w->flights;
	while (*pp && ((*pp)->at < at || ((*pp)->at == at && (*pp)->order < f->order)))
		pp = &(*pp)->next;
	f->next = *pp;
	*pp = f;
}

/* The RSTs a reset rule forges, each on its way to its end; after the segment itself when it is
 * kept, as synfin-faultd sends them after its verdict. */
static inline void sim_inject_resets(struct sim_wire *w, enum sim_side from, uint64_t now,
                                     const struct verdict *v, const struct segment *seg)
{
	struct rule_reset_segment rst[2];
	unsigned n = verdict_resets(v, seg, rst);
	for (unsigned k = 0; k < n; k++) {
		uint8_t buf[SEGMENT_FORGED_MAX];
		size_t len = rule_reset_packet(&rst[k], buf);
		enum sim_side to = rst[k].to_sender ? from : (from == SIM_C ? SIM_S : SIM_C);
		sim_deliver_later(w, to, now + w->latency + (v->rule->reset_keep ? 1 : 0), buf,
		                  len);
		w->injected++;
	}
}

/* Held copies whose turn came go on their way now, after what passed before them. */
static inline void sim_release_reordered(struct sim_wire *w, uint64_t now)
{
	struct reorder_release rel;
	while (reorder_take_due(&w->reorder, now, &rel) == 0) {
		struct sim_flight *f = rel.handle;
		w->released_after += rel.why == REORDER_AFTER_SEGMENTS;
		w->released_quiet += rel.why == REORDER_QUIET;
		sim_deliver_later(w, f->to, now + w->latency, f->data, f->len);
		free(f);
	}
}

/* A reorder verdict: the packet waits in the book, not in flight. */
static inline void sim_hold_reordered(struct sim_wire *w, enum sim_side to, uint64_t now,
                                      const struct verdict *v, const struct segment *seg,
                                      const uint8_t *pkt, size_t len)
{
	struct sim_flight *f = malloc(sizeof(*f) + len);
	ck_assert_ptr_nonnull(f);
	f->to = to;
	f->len = len;
	memcpy(f->data, pkt, len);
	ck_assert_int_eq(reorder_hold(&w->reorder, seg, v, now, f), 0);
	w->reordered++;
}

static inline void sim_emit(void *ctx, uint64_t now, const uint8_t *pkt, size_t len)
{
	struct sim_end *e = ctx;
	struct sim_wire *w = e->w;
	enum sim_side to = e->side == SIM_C ? SIM_S : SIM_C;
	struct segment seg;
	struct verdict v = {.action = RULE_PASS};

	if (segment_parse(&seg, pkt, len) == 0) {
		if (w->m)
			matcher_decide(w->m, &seg, now, &v);
		if (w->n_log < SIM_MAX_LOG) {
			struct sim_log *l = &w->log[w->n_log++];
			l->at = now;
			l->from = e->side;
			l->flags = seg.flags;
			l->seq = seg.seq;
			l->ack = seg.ack;
			l->len = seg.payload_len;
			l->ip_len = seg.ip_len;
			l->action = v.action;
			l->delay_us = v.delay_us;
		}
	}
	if (v.action == RULE_RESET) {
		sim_inject_resets(w, e->side, now, &v, &seg);
		if (!v.rule->reset_keep) {
			w->dropped++;
			return;
		}
	}
	if (v.action == RULE_DROP) {
		w->dropped++;
		return;
	}
	if (v.action == RULE_REORDER) {
		sim_hold_reordered(w, to, now, &v, &seg, pkt, len);
		return;
	}
	reorder_passed(&w->reorder, &seg, now);
	if (v.action == RULE_DUPLICATE)
		for (uint32_t k = 1; k <= v.rule->dup_copies; k++, w->injected++)
			sim_deliver_later(
			    w, to, now + w->latency + k * (uint64_t)v.rule->dup_gap_us, pkt, len);
	uint64_t at = now + w->latency;
	if (v.action == RULE_DELAY) {
		w->delayed++;
		at += v.delay_us;
	}
	if (v.action == RULE_SET || v.action == RULE_STRIP || v.action == RULE_CORRUPT) {
		/* the bytes the daemon would hand back to the kernel in its verdict */
		uint8_t *copy = malloc(len);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, pkt, len);
		int rc = verdict_rewrite(&v, copy, len);
		ck_assert_int_ge(rc, 0);
		w->rewritten += rc > 0;
		sim_deliver_later(w, to, at, copy, len);
		free(copy);
	} else {
		sim_deliver_later(w, to, at, pkt, len);
	}
	sim_release_reordered(w, now);
}

static inline void sim_event_cb(void *ctx, const struct stack_event *ev)
{
	struct sim_end *e = ctx;
	struct sim_wire *w = e->w;

	if (w->n_events < SIM_MAX_EVENTS) {
		w->events[w->n_events].side = e->side;
		w->events[w->n_events].ev = *ev;
		w->n_events++;
	}
	if (w->on_event)
		w->on_event(w, e->side, ev);
}

/* rules: rule-file text, or NULL for a clean wire. tun: both ends' tunables (NULL: defaults). */
static inline void sim_init(struct sim_wire *w, const char *rules, const struct stack_tunables *tun)
{
	memset(w, 0, sizeof(*w));
	reorder_book_init(&w->reorder);
	w->now = 5 * 1000000ull;
	w->latency = 500;
	w->log = calloc(SIM_MAX_LOG, sizeof(*w->log));
	w->events = calloc(SIM_MAX_EVENTS, sizeof(*w->events));
	if (rules) {
		struct rule_error err;
		int rc = ruleset_parse_string(&w->rs, "sim", rules, &err);
		if (rc)
			rule_error_print(stderr, &err);
		ck_assert_int_eq(rc, 0);
		w->m = matcher_new(&w->rs, SIM_CLIENT, 7);
		ck_assert_ptr_nonnull(w->m);
	}
	for (int i = 0; i < 2; i++) {
		w->ends[i].w = w;
		w->ends[i].side = (enum sim_side)i;
		struct stack_config cfg = {
		    .addr = i == SIM_C ? SIM_CLIENT : SIM_SERVER,
		    .addr6 = i == SIM_C ? (struct stack_addr)SIM_CLIENT6
		                        : (struct stack_addr)SIM_SERVER6,
		    .seed = 100 + (uint64_t)i,
		    .on_event = sim_event_cb,
		    .event_ctx = &w->ends[i],
		    .emit = sim_emit,
		    .emit_ctx = &w->ends[i],
		};
		if (tun)
			cfg.tun = *tun;
		else
			stack_tunables_default(&cfg.tun);
		w->st[i] = stack_new(&cfg);
		ck_assert_ptr_nonnull(w->st[i]);
	}
}

static inline void sim_free(struct sim_wire *w)
{
	stack_free(w->st[0]);
	stack_free(w->st[1]);
	while (w->flights) {
		struct sim_flight *f = w->flights;
		w->flights = f->next;
		free(f);
	}
	struct reorder_release rel;
	while (reorder_take_any(&w->reorder, &rel) == 0)
		free(rel.handle);
	reorder_book_free(&w->reorder);
	if (w->m) {
		matcher_free(w->m);
		ruleset_free(&w->rs);
	}
	free(w->log);
	free(w->events);
}

/* Advance the clock to t: deliver packets and fire timers in time order. */
static inline void sim_run_until(struct sim_wire *w, uint64_t t)
{
	for (;;) {
		uint64_t next = w->flights ? w->flights->at : UINT64_MAX;
		if (reorder_next_deadline(&w->reorder) < next)
			next = reorder_next_deadline(&w->reorder);
		for (int i = 0; i < 2; i++) {
			uint64_t d = stack_next_deadline(w->st[i]);
			if (d < next)
				next = d;
		}
		if (next > t || next == UINT64_MAX)
			break;
		if (next > w->now)
			w->now = next;
		if (reorder_next_deadline(&w->reorder) <= w->now) {
			sim_release_reordered(w, w->now);
			continue;
		}
		if (w->flights && w->flights->at <= w->now) {
			struct sim_flight *f = w->flights;
			w->flights = f->next;
			stack_input(w->st[f->to], w->now, f->data, f->len);
			free(f);
			continue;
		}
		for (int i = 0; i < 2; i++) {
			if (stack_next_deadline(w->st[i]) <= w->now)
				stack_timer(w->st[i], w->now);
		}
	}
	if (t > w->now && t != UINT64_MAX)
		w->now = t;
}

static inline unsigned sim_count(const struct sim_wire *w, enum sim_side from, uint8_t flags,
                                 enum rule_action action)
{
	unsigned n = 0;
	for (unsigned i = 0; i < w->n_log; i++)
		n += w->log[i].from == from && w->log[i].flags == flags &&
		     w->log[i].action == action;
	return n;
}

static inline const struct stack_event *sim_find_event(const struct sim_wire *w, enum sim_side side,
                                                       enum stack_event_type type)
{
	for (unsigned i = 0; i < w->n_events; i++) {
		if (w->events[i].side == side && w->events[i].ev.type == type)
			return &w->events[i].ev;
	}
	return NULL;
}

#endif
