/* conversation_match.c: an observed conversation against the expected one, by backtracking
 * (lines are few; `maybe`, `...` and { } groups are the only choices), keeping the deepest
 * failed attempt for the report. Failed states are remembered, so that each one fails once:
 * without that, every way k `...` lines can share the segments is tried, exponential in k. */
#include "conversation.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace_read.h"
#include "wire/segment.h"

int observed_add(struct observed *o, const struct obs_seg *s)
{
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64;
		struct obs_seg *ns = realloc(o->segs, cap * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		o->segs = ns;
		o->cap = cap;
	}
	o->segs[o->n++] = *s;
	return 0;
}

void observed_free(struct observed *o)
{
	free(o->segs);
	memset(o, 0, sizeof(*o));
}

void observed_relativize(struct observed *o)
{
	uint32_t isn[2] = {0, 0};
	bool known[2] = {false, false};
	bool syn[2] = {false, false};
	for (size_t i = 0; i < o->n; i++) {
		const struct obs_seg *s = &o->segs[i];
		if ((s->flags & TCPF_SYN) && !syn[s->dir]) {
			isn[s->dir] = s->seq;
			known[s->dir] = syn[s->dir] = true;
		} else if (!known[s->dir]) {
			isn[s->dir] = s->seq;
			known[s->dir] = true;
		}
	}
	for (size_t i = 0; i < o->n; i++) {
		struct obs_seg *s = &o->segs[i];
		s->rseq = s->seq - isn[s->dir];
		s->rack_known = syn[!s->dir] || known[!s->dir];
		s->rack = s->ack - isn[!s->dir];
	}
}

void obs_seg_format(char *buf, size_t size, const struct obs_seg *s, uint64_t prev_us)
{
	char flags[12];
	size_t n = 0;
	static const struct {
		uint8_t f;
		char c;
	} order[] = {{TCPF_FIN, 'F'}, {TCPF_SYN, 'S'}, {TCPF_RST, 'R'}, {TCPF_PSH, 'P'},
	             {TCPF_ACK, '.'}, {TCPF_URG, 'U'}, {TCPF_ECE, 'E'}, {TCPF_CWR, 'W'}};
	flags[n++] = '[';
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (s->flags & order[i].f)
			flags[n++] = order[i].c;
	flags[n++] = ']';
	flags[n] = '\0';
	int len = snprintf(buf, size, "%s %s", s->dir ? "s>c" : "c>s", flags);
	if (len < 0 || (size_t)len >= size)
		return;
	if (s->len)
		len += snprintf(buf + len, size - (size_t)len, " seq %" PRIu32 ":%" PRIu32, s->rseq,
		                s->rseq + s->len);
	else if (s->flags & (TCPF_SYN | TCPF_FIN | TCPF_RST))
		len += snprintf(buf + len, size - (size_t)len, " seq %" PRIu32, s->rseq);
	if ((size_t)len < size && (s->flags & TCPF_ACK))
		len += snprintf(buf + len, size - (size_t)len, " ack %" PRIu32, s->rack);
	if ((size_t)len < size)
		len += snprintf(buf + len, size - (size_t)len, " +%.3fs",
		                (double)(int64_t)(s->t_us - prev_us) / 1e6);
	/* a passed segment is shown without its verdict */
	const char *verdict = s->verdict != SCN_V_PASS ? scn_verdict_name(s->verdict) : NULL;
	if ((size_t)len < size && verdict)
		snprintf(buf + len, size - (size_t)len, " %s", verdict);
}

/* ---- reading traces ---- */

static enum scn_verdict scn_verdict_of(enum rule_action action)
{
	switch (action) {
	case RULE_DROP:
		return SCN_V_DROP;
	case RULE_DELAY:
		return SCN_V_DELAY;
	case RULE_SET:
	case RULE_STRIP:
		return SCN_V_REWRITTEN;
	case RULE_CORRUPT:
		return SCN_V_CORRUPTED;
	case RULE_DUPLICATE:
		return SCN_V_DUPLICATED;
	case RULE_RESET:
		return SCN_V_RESET;
	case RULE_REORDER:
		return SCN_V_REORDERED;
	default:
		return SCN_V_PASS;
	}
}

int observed_read_jsonl(struct observed *o, const char *path)
{
	struct trace_record *recs;
	size_t n;
	int r = trace_read_jsonl(path, &recs, &n);
	if (r)
		return r;
	for (size_t i = 0; i < n && !r; i++) {
		const struct trace_record *t = &recs[i];
		/* a held segment appears twice (seen, released): the wire saw it when it came */
		if (t->kind != TRACE_SEEN && t->kind != TRACE_INJECTED)
			continue;
		struct obs_seg s;
		memset(&s, 0, sizeof(s));
		if (!strcmp(t->dir, "c2s"))
			s.dir = 0;
		else if (!strcmp(t->dir, "s2c"))
			s.dir = 1;
		else
			continue;
		s.t_us = t->time_us;
		s.flags = t->tcp_flags;
		s.seq = t->seq;
		s.ack = t->ack;
		s.len = t->len;
		s.rule_line = t->rule_line;
		s.verdict = t->kind == TRACE_INJECTED ? SCN_V_INJECTED : scn_verdict_of(t->action);
		r = observed_add(o, &s);
	}
	trace_records_free(recs, n);
	if (!r)
		observed_relativize(o);
	return r;
}

/* ---- matching ---- */

#define MATCH_STEP_LIMIT 2000000L
/* Per line, at most this many earlier lines whose match a later time refers to ("+1s after
 * fin1"); a line with more is searched without remembering its failures. */
#define MEMO_REFS 4
/* Failed states remembered at most (24 bytes each, twice that in the table). */
#define MEMO_MAX (1u << 20)

/* A failed state: solve(i, j, gmask) with the observed segments the lines in refs[i] matched.
 * solve() reads nothing else of the path that led there (the time of a line without a label
 * is after segment j - 1; anchor_time() reads e2o only for labelled lines), so the same state
 * fails again, and with the same notes: note() keeps only a strictly deeper failure, and
 * every failure under the state was noted the first time. */
struct memo_key {
	uint32_t i, j, gmask, used;
	uint64_t ctx; /* the refs' e2o + 1, 16 bits each */
};

struct mctx {
	const struct scn_case *c;
	const struct observed *o;
	int *o2e, *e2o;
	int *best_o2e, *best_e2o;
	/* best_o2e[m] == o2e[m] for every m below this: note() copies only the rest */
	size_t best_same_below;
	bool have_best;
	size_t best_i, best_j;
	char why[320];
	long steps;
	/* refs[i * MEMO_REFS ...]: lines before the end of line i's group that a line from the
	 * start of its group on anchors its time to; nrefs[i] > MEMO_REFS: do not remember */
	int *refs;
	unsigned *nrefs;
	struct memo_key *memo; /* open addressing; used == 0: empty slot */
	size_t memo_cap, memo_n;
};

static void note(struct mctx *x, size_t i, size_t j, const char *fmt, ...)
{
	if (x->have_best && (j < x->best_j || (j == x->best_j && i <= x->best_i)))
		return;
	x->have_best = true;
	x->best_i = i;
	x->best_j = j;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->why, sizeof(x->why), fmt, ap);
	va_end(ap);
	/* The search gives observed segments their lines in order: at (i, j) none from j on has
	 * one, and the best note before had a j no larger, so from j on both arrays hold -1.
	 * Copying only what changed below j keeps a long trace's notes from costing its square. */
	if (x->best_same_below < j)
		memcpy(x->best_o2e + x->best_same_below, x->o2e + x->best_same_below,
		       (j - x->best_same_below) * sizeof(int));
	x->best_same_below = x->o->n;
	memcpy(x->best_e2o, x->e2o, (x->c->n_segs ? x->c->n_segs : 1) * sizeof(int));
}

static void set_o2e(struct mctx *x, size_t j, int line)
{
	x->o2e[j] = line;
	if (j < x->best_same_below)
		x->best_same_below = j;
}

/* Why segment s does not fit expected line g; NULL when it does (time not included). */
static const char *seg_differs(const struct scn_seg *g, const struct obs_seg *s, char *buf,
                               size_t size)
{
	if (s->dir != g->dir)
		return "direction differs";
	if (!g->flags_any && (s->flags & ~g->flags_may) != (g->flags & ~g->flags_may))
		return "flags differ";
	if (g->has_seq && s->rseq != g->seq) {
		snprintf(buf, size, "seq %" PRIu32 ", expected %" PRIu32, s->rseq, g->seq);
		return buf;
	}
	if (g->has_ack) {
		if (!(s->flags & TCPF_ACK))
			return "no ACK flag";
		if (!s->rack_known || s->rack != g->ack) {
			snprintf(buf, size, "ack %" PRIu32 ", expected %" PRIu32, s->rack, g->ack);
			return buf;
		}
	}
	if (g->has_len && s->len != g->len) {
		snprintf(buf, size, "length %" PRIu32 ", expected %" PRIu32, s->len, g->len);
		return buf;
	}
	if (g->verdict != SCN_V_ANY && s->verdict != g->verdict) {
		const char *was = scn_verdict_name(s->verdict),
		           *want = scn_verdict_name(g->verdict);
		snprintf(buf, size, "it was %s, expected %s", was ? was : "?", want ? want : "?");
		return buf;
	}
	return NULL;
}

/* The time the anchor of line k's time stands for, or -1 when it has none yet. */
static int64_t anchor_time(struct mctx *x, const struct scn_time *t, size_t j)
{
	const struct observed *o = x->o;
	if (t->kind == SCN_T_AT)
		return (int64_t)o->segs[0].t_us;
	if (t->anchor[0]) {
		for (size_t k = 0; k < x->c->n_segs; k++)
			if (!strcmp(x->c->segs[k]->label, t->anchor))
				return x->e2o[k] >= 0 ? (int64_t)o->segs[x->e2o[k]].t_us : -1;
		return -1;
	}
	return (int64_t)o->segs[j ? j - 1 : 0].t_us;
}

static const char *time_differs(struct mctx *x, const struct scn_seg *g, size_t j, char *buf,
                                size_t size)
{
	if (g->time.kind == SCN_T_NONE)
		return NULL;
	int64_t a = anchor_time(x, &g->time, j);
	if (a < 0) {
		snprintf(buf, size, "its time is after '%s', which did not appear", g->time.anchor);
		return buf;
	}
	int64_t lo, hi, dt = (int64_t)x->o->segs[j].t_us - a;
	scn_time_window(&g->time, x->c->scale, &lo, &hi);
	if (dt < lo || dt > hi) {
		snprintf(buf, size, "%s %.3f s, expected %.3f..%.3f s",
		         g->time.kind == SCN_T_AT ? "at" : "after", (double)dt / 1e6,
		         (double)lo / 1e6, (double)hi / 1e6);
		return buf;
	}
	return NULL;
}

static bool fits(struct mctx *x, size_t i, size_t j)
{
	char b1[128], b2[128], os[128];
	const struct scn_seg *g = x->c->segs[i];
	const struct obs_seg *s = &x->o->segs[j];
	const char *why = seg_differs(g, s, b1, sizeof(b1));
	if (!why)
		why = time_differs(x, g, j, b2, sizeof(b2));
	if (!why)
		return true;
	obs_seg_format(os, sizeof(os), s, x->o->segs[j ? j - 1 : 0].t_us);
	note(x, i, j, "line %u (%s) against segment %zu (%s): %s", g->line, g->text, j + 1, os,
	     why);
	return false;
}

/* The line whose match line m's time counts from, or -1 (the segment before, or none). */
static int anchor_line(const struct scn_case *c, size_t m)
{
	const struct scn_time *t = &c->segs[m]->time;
	if (t->kind == SCN_T_NONE || t->kind == SCN_T_AT || !t->anchor[0])
		return -1;
	for (size_t k = 0; k < c->n_segs; k++)
		if (!strcmp(c->segs[k]->label, t->anchor))
			return (int)k;
	return -1;
}

/* Which earlier matches each state depends on (see struct memo_key); 0 or -ENOMEM. */
static int memo_init(struct mctx *x)
{
	const struct scn_case *c = x->c;
	size_t n = c->n_segs;
	x->refs = malloc((n ? n : 1) * MEMO_REFS * sizeof(int));
	x->nrefs = calloc(n ? n : 1, sizeof(unsigned));
	/* last_ref[k]: the last line whose time counts from line k's match, or -1 */
	long *last_ref = malloc((n ? n : 1) * sizeof(long));
	if (!x->refs || !x->nrefs || !last_ref) {
		free(last_ref);
		return -ENOMEM;
	}
	for (size_t k = 0; k < n; k++)
		last_ref[k] = -1;
	for (size_t m = 0; m < n; m++) {
		int a = anchor_line(c, m);
		if (a >= 0)
			last_ref[a] = (long)m;
	}
	for (size_t i = 0; i < n; i++) {
		/* inside a { } group the members already matched are part of the state */
		size_t start = i, end = i + 1;
		unsigned grp = c->segs[i]->group;
		while (grp && start > 0 && c->segs[start - 1]->group == grp)
			start--;
		while (grp && end < n && c->segs[end]->group == grp)
			end++;
		for (size_t k = 0; k < end; k++) {
			if (last_ref[k] < (long)start)
				continue;
			if (x->nrefs[i] < MEMO_REFS)
				x->refs[i * MEMO_REFS + x->nrefs[i]] = (int)k;
			x->nrefs[i]++;
		}
	}
	free(last_ref);
	/* more than 65534 observed segments do not fit the key's 16 bits per ref */
	if (x->o->n >= UINT16_MAX)
		for (size_t i = 0; i < n; i++)
			if (x->nrefs[i])
				x->nrefs[i] = MEMO_REFS + 1;
	return 0;
}

static bool memo_key_of(const struct mctx *x, size_t i, size_t j, uint32_t gmask,
                        struct memo_key *key)
{
	if (x->nrefs[i] > MEMO_REFS)
		return false;
	memset(key, 0, sizeof(*key));
	key->i = (uint32_t)i;
	key->j = (uint32_t)j;
	key->gmask = gmask;
	key->used = 1;
	for (unsigned r = 0; r < x->nrefs[i]; r++)
		key->ctx |= (uint64_t)(uint16_t)(x->e2o[x->refs[i * MEMO_REFS + r]] + 1)
		            << (16 * r);
	return true;
}

static size_t memo_slot(const struct mctx *x, const struct memo_key *key)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const uint64_t parts[] = {key->i, key->j, key->gmask, key->ctx};
	for (size_t p = 0; p < sizeof(parts) / sizeof(parts[0]); p++)
		h = (h ^ parts[p]) * 0x100000001b3ull;
	size_t slot = (size_t)(h ^ (h >> 29)) & (x->memo_cap - 1);
	while (x->memo[slot].used &&
	       (x->memo[slot].i != key->i || x->memo[slot].j != key->j ||
	        x->memo[slot].gmask != key->gmask || x->memo[slot].ctx != key->ctx))
		slot = (slot + 1) & (x->memo_cap - 1);
	return slot;
}

static bool memo_failed(const struct mctx *x, const struct memo_key *key)
{
	return x->memo_cap && x->memo[memo_slot(x, key)].used;
}

/* Out of memory or past MEMO_MAX, the state is simply not remembered. */
static void memo_add(struct mctx *x, const struct memo_key *key)
{
	if (x->memo_n >= MEMO_MAX)
		return;
	if (2 * (x->memo_n + 1) > x->memo_cap) {
		size_t cap = x->memo_cap ? 2 * x->memo_cap : 256;
		struct memo_key *old = x->memo, *nm = calloc(cap, sizeof(*nm));
		if (!nm)
			return;
		size_t old_cap = x->memo_cap;
		x->memo = nm;
		x->memo_cap = cap;
		for (size_t s = 0; s < old_cap; s++)
			if (old[s].used)
				x->memo[memo_slot(x, &old[s])] = old[s];
		free(old);
	}
	x->memo[memo_slot(x, key)] = *key;
	x->memo_n++;
}

static bool solve(struct mctx *x, size_t i, size_t j, uint32_t gmask);

/* `...` at line i takes observed segments from j on, none or any number, until the lines after
 * it match the rest. It takes them in a loop: one recursion per segment taken overflowed the
 * stack on the trace of a long transfer (about 35,000 segments). Each state (i, k) the loop
 * passes counts as a step and, once all failed, is remembered as failed, as solve() does. */
static bool solve_anything(struct mctx *x, size_t i, size_t j)
{
	size_t k = j;
	for (;;) {
		if (solve(x, i + 1, k, 0))
			return true;
		if (k == x->o->n)
			break;
		set_o2e(x, k++, (int)i);
		struct memo_key key;
		if (++x->steps > MATCH_STEP_LIMIT ||
		    (memo_key_of(x, i, k, 0, &key) && memo_failed(x, &key)))
			break;
	}
	for (size_t m = j + 1; m <= k && x->steps <= MATCH_STEP_LIMIT; m++) {
		struct memo_key key;
		if (memo_key_of(x, i, m, 0, &key) && !memo_failed(x, &key))
			memo_add(x, &key);
	}
	for (size_t m = j; m < k; m++)
		set_o2e(x, m, -1);
	return false;
}

static bool solve_state(struct mctx *x, size_t i, size_t j, uint32_t gmask)
{
	const struct scn_case *c = x->c;
	const struct observed *o = x->o;
	if (i == c->n_segs) {
		if (j == o->n)
			return true;
		char os[128];
		obs_seg_format(os, sizeof(os), &o->segs[j], o->segs[j ? j - 1 : 0].t_us);
		note(x, i, j, "segment %zu (%s) is not in the expected conversation", j + 1, os);
		return false;
	}
	const struct scn_seg *g = c->segs[i];
	if (g->kind == SCN_ANYTHING)
		return solve_anything(x, i, j);
	if (g->group) {
		size_t k = i;
		while (k < c->n_segs && c->segs[k]->group == g->group)
			k++;
		uint32_t full = (k - i >= 32) ? UINT32_MAX : ((1u << (k - i)) - 1);
		if (gmask == full)
			return solve(x, k, j, 0);
		for (size_t m = i; m < k; m++) {
			if (gmask & (1u << (m - i)))
				continue;
			if (j < o->n && fits(x, m, j)) {
				x->e2o[m] = (int)j;
				set_o2e(x, j, (int)m);
				if (solve(x, i, j + 1, gmask | (1u << (m - i))))
					return true;
				x->e2o[m] = -1;
				set_o2e(x, j, -1);
			}
		}
		for (size_t m = i; m < k; m++)
			if (!(gmask & (1u << (m - i))) && c->segs[m]->maybe &&
			    solve(x, i, j, gmask | (1u << (m - i))))
				return true;
		if (j == o->n)
			for (size_t m = i; m < k; m++)
				if (!(gmask & (1u << (m - i))) && !c->segs[m]->maybe)
					note(x, m, j, "line %u (%s): the trace ended without it",
					     c->segs[m]->line, c->segs[m]->text);
		return false;
	}
	if (j < o->n && fits(x, i, j)) {
		x->e2o[i] = (int)j;
		set_o2e(x, j, (int)i);
		if (solve(x, i + 1, j + 1, 0))
			return true;
		x->e2o[i] = -1;
		set_o2e(x, j, -1);
	}
	if (g->maybe && solve(x, i + 1, j, 0))
		return true;
	if (j == o->n && !g->maybe)
		note(x, i, j, "line %u (%s): the trace ended without it", g->line, g->text);
	return false;
}

static bool solve(struct mctx *x, size_t i, size_t j, uint32_t gmask)
{
	if (++x->steps > MATCH_STEP_LIMIT)
		return false;
	struct memo_key key;
	bool keyed = i < x->c->n_segs && memo_key_of(x, i, j, gmask, &key);
	if (keyed && memo_failed(x, &key))
		return false;
	if (solve_state(x, i, j, gmask))
		return true;
	/* a search cut short by the step limit did not fail: do not remember it */
	if (keyed && x->steps <= MATCH_STEP_LIMIT)
		memo_add(x, &key);
	return false;
}

int conversation_match(const struct scn_case *c, const struct observed *o, struct match_result *m)
{
	memset(m, 0, sizeof(*m));
	size_t no = o->n ? o->n : 1, ne = c->n_segs ? c->n_segs : 1;
	struct mctx x = {.c = c, .o = o};
	x.o2e = malloc(no * sizeof(int));
	x.e2o = malloc(ne * sizeof(int));
	x.best_o2e = malloc(no * sizeof(int));
	x.best_e2o = malloc(ne * sizeof(int));
	if (!x.o2e || !x.e2o || !x.best_o2e || !x.best_e2o || memo_init(&x)) {
		free(x.o2e);
		free(x.e2o);
		free(x.best_o2e);
		free(x.best_e2o);
		free(x.refs);
		free(x.nrefs);
		return -ENOMEM;
	}
	for (size_t i = 0; i < no; i++)
		x.o2e[i] = x.best_o2e[i] = -1;
	x.best_same_below = o->n;
	for (size_t i = 0; i < ne; i++)
		x.e2o[i] = x.best_e2o[i] = -1;
	m->ok = solve(&x, 0, 0, 0);
	m->steps = x.steps;
	free(x.refs);
	free(x.nrefs);
	free(x.memo);
	if (m->ok) {
		m->obs_to_exp = x.o2e;
		m->exp_to_obs = x.e2o;
		free(x.best_o2e);
		free(x.best_e2o);
	} else {
		m->obs_to_exp = x.best_o2e;
		m->exp_to_obs = x.best_e2o;
		free(x.o2e);
		free(x.e2o);
		m->fail_exp = x.best_i;
		m->fail_obs = x.best_j;
		if (x.steps > MATCH_STEP_LIMIT)
			snprintf(
			    m->why, sizeof(m->why),
			    "gave up after 2000000 steps (too many maybe/... lines?); best: %.200s",
			    x.why);
		else
			snprintf(m->why, sizeof(m->why), "%s", x.have_best ? x.why : "no match");
	}
	return 0;
}

int conversation_check_ack_every(const struct observed *o, int dir, unsigned n, char *why,
                                 size_t size)
{
	uint32_t mss = 0;
	for (size_t i = 0; i < o->n; i++)
		if (o->segs[i].dir != dir && o->segs[i].len > mss)
			mss = o->segs[i].len;
	if (mss == 0)
		return 0;
	bool have = false, refilled = false, sent_any = false;
	uint32_t prev = 0, sent_max = 0;
	for (size_t i = 0; i < o->n; i++) {
		const struct obs_seg *s = &o->segs[i];
		if (s->dir != dir && s->len) {
			/* a retransmission that fills a hole lets the next ACK cover everything
			 * that had arrived beyond it, as it must (RFC 9293 3.10.7.4): not a stretch
			 * ACK */
			uint32_t end = s->rseq + s->len;
			if (sent_any && (int32_t)(end - sent_max) <= 0)
				refilled = true;
			else
				sent_max = end;
			sent_any = true;
		}
		if (s->dir != dir || !(s->flags & TCPF_ACK))
			continue;
		if (s->flags & TCPF_SYN) {
			/* the SYN-ACK's ack is where counting starts */
			prev = s->rack;
			have = true;
			continue;
		}
		/* n full segments and a partial one are fine; n + 1 full ones are not */
		if (have && !refilled && s->rack - prev >= (n + 1) * mss + 1) {
			snprintf(
			    why, size,
			    "segment %zu (%s ack %u) acknowledges %u bytes at once, more than %u "
			    "full segments of %u",
			    i + 1, dir ? "s>c" : "c>s", s->rack, s->rack - prev, n, mss);
			return -1;
		}
		if (!have || (int32_t)(s->rack - prev) > 0) {
			prev = s->rack;
			refilled = false;
		}
		have = true;
	}
	return 0;
}

void match_result_free(struct match_result *m)
{
	free(m->obs_to_exp);
	free(m->exp_to_obs);
	memset(m, 0, sizeof(*m));
}

static void row(FILE *out, const char *mark, const struct scn_seg *g, const char *obs)
{
	if (g)
		fprintf(out, "  %-2s %3u %-54.54s | %s\n", mark, g->line, g->text, obs ? obs : "");
	else
		fprintf(out, "  %-2s %-58s | %s\n", mark, "", obs ? obs : "");
}

void conversation_print_side_by_side(FILE *out, const struct scn_case *c, const struct observed *o,
                                     const struct match_result *m)
{
	fprintf(out, "  %-2s %-58s | %s\n", "", "expected (line, as written)",
	        "observed (relative seq/ack, time after the segment before)");
	bool *printed = calloc(c->n_segs + 1, sizeof(bool));
	if (!printed)
		return;
	char os[160];
	for (size_t j = 0; j < o->n; j++) {
		int e = m->obs_to_exp ? m->obs_to_exp[j] : -1;
		/* expected lines before this one that matched nothing (skipped or missing) */
		for (size_t i = 0; e >= 0 && i < (size_t)e; i++)
			if (!printed[i] && m->exp_to_obs[i] < 0 && c->segs[i]->kind == SCN_SEG) {
				bool is_fail = !m->ok && i == m->fail_exp && m->fail_obs == j;
				row(out, is_fail ? ">>" : (c->segs[i]->maybe ? "-" : "!"),
				    c->segs[i],
				    c->segs[i]->maybe ? "(absent: allowed)" : "(absent)");
				printed[i] = true;
			}
		obs_seg_format(os, sizeof(os), &o->segs[j], o->segs[j ? j - 1 : 0].t_us);
		bool is_fail = !m->ok && m->fail_obs == j;
		if (e >= 0 && !printed[e]) {
			row(out, is_fail ? ">>" : "", c->segs[e], os);
			printed[e] = true; /* a `...` shows once, then blank rows */
		} else if (e >= 0) {
			row(out, is_fail ? ">>" : "", NULL, os);
		} else {
			if (is_fail && m->fail_exp < c->n_segs && !printed[m->fail_exp]) {
				row(out, ">>", c->segs[m->fail_exp], os);
				printed[m->fail_exp] = true;
			} else {
				row(out, is_fail ? ">>" : "?", NULL, os);
			}
		}
	}
	for (size_t i = 0; i < c->n_segs; i++)
		if (!printed[i] && (m->exp_to_obs[i] < 0) && c->segs[i]->kind == SCN_SEG) {
			bool is_fail = !m->ok && i == m->fail_exp;
			row(out, is_fail ? ">>" : (c->segs[i]->maybe ? "-" : "!"), c->segs[i],
			    c->segs[i]->maybe ? "(absent: allowed)" : "(absent)");
		}
	free(printed);
	if (!m->ok)
		fprintf(out, "  >> %s\n", m->why);
}
