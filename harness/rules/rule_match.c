/* rule_match.c: deciding a segment's fate, with per-connection occurrence counters.
 *
 * Every rule whose matches hold counts the segment for its connection, whether or not an
 * earlier rule already took it: "nth 3" means the third such segment of the connection, as a
 * reader of the trace would count it. The first rule whose matches hold and whose count admits
 * this occurrence decides; a rule with "chance P%" then decides only when its draw says so,
 * and otherwise lets the rules below have the segment, as if it had not matched (its count has
 * still counted the segment).
 *
 * Counters live in a fixed-size table keyed by the unordered 4-tuple, so both directions of a
 * connection share them. Only rules with a count (first, nth, after) need counters, and only
 * connections that such a rule matched, or that opened with a SYN while such rules are loaded,
 * take a table entry. A rule that selects by what a segment is in its connection (attempt,
 * conn, phase, between, a label or a chain: rule_select.c) makes every segment of every
 * connection followed, since a phase or an attempt depends on the segments before it; the
 * selection words then hold like any match, before the count. When the table is full the
 * connection seen least recently is forgotten: memory stays bounded however many connections
 * a long run sees.
 *
 * A rule that draws (chance, jitter) draws from a stream of its own (rule_draw.c), keyed by the
 * segment's identity in its connection: so it too makes every connection followed.
 */
#include "rule.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/wire_bytes.h"
#include "rule_draw.h"
#include "rule_rate.h"
#include "rule_select.h"

#define NO_SLOT UINT32_MAX
#define NIL UINT32_MAX

struct conn {
	/* canonical 4-tuple: (lo_addr, lo_port) <= (hi_addr, hi_port); IPv4 mapped, so the two
	 * families never share a key */
	struct ip_addr lo_addr, hi_addr;
	uint16_t lo_port, hi_port;
	/* initial sequence number of each side's last SYN, to tell a new connection on a reused
	 * 4-tuple (new ISN, RFC 9293 3.4.1) from a retransmitted SYN (same ISN) */
	uint32_t syn_iss[2];
	bool syn_seen[2];
	uint32_t lru_prev, lru_next; /* toward most / least recently seen */
};

struct matcher {
	struct ruleset *rs;
	uint32_t client_addr;
	uint8_t client_addr6[16]; /* matcher_set_client_ipv6; :: (no client) until then */
	uint64_t seed;            /* of every draw */
	uint64_t *rule_ids;       /* per rule: its identity, for its draws (rule_draw.c) */
	bool identities;          /* matcher_follow_identities: follow even when no rule asks to */

	unsigned n_counted; /* rules that need counters */
	uint32_t *slot;     /* per rule: its column in counts, or NO_SLOT */
	/* some rule selects by connection state: every segment is followed (sel) */
	bool follow;
	struct select_state *sel; /* max_conns of them when follow */
	uint32_t conns_seen;      /* connections numbered so far, for "conn N" */

	unsigned max_conns;
	unsigned n_conns;
	struct conn *conns;
	uint32_t *counts;    /* max_conns rows of n_counted */
	uint32_t *index;     /* open addressing, linear probing; conn index + 1, 0 = empty */
	uint32_t index_mask; /* size - 1, size a power of two >= 2 * max_conns */
	uint32_t lru_head, lru_tail;

	/* rate rules' bottlenecks: two per rule (from the client; the other way), NULL without
	 * a rate rule */
	struct rate_link *rates;
	unsigned n_rates;
};

/* Every bottleneck starts empty with the rules (a reload starts them over). */
static void rates_free(struct matcher *m)
{
	for (unsigned i = 0; i < m->n_rates; i++)
		rate_link_free(&m->rates[i]);
	free(m->rates);
	m->rates = NULL;
	m->n_rates = 0;
}

static void rates_init(struct matcher *m, const struct ruleset *rs)
{
	rates_free(m);
	bool any = false;
	for (unsigned i = 0; rs && i < rs->n_rules; i++)
		any |= rs->rules[i].action == RULE_RATE;
	if (any && (m->rates = calloc((size_t)rs->n_rules * 2, sizeof(*m->rates))))
		m->n_rates = rs->n_rules * 2;
}

static void table_free(struct matcher *m)
{
	free(m->slot);
	free(m->conns);
	free(m->counts);
	free(m->index);
	for (unsigned c = 0; m->sel && c < m->n_conns; c++)
		select_release(&m->sel[c]);
	free(m->sel);
	free(m->rule_ids);
	m->rule_ids = NULL;
	m->sel = NULL;
	m->follow = false;
	m->slot = NULL;
	m->conns = NULL;
	m->counts = NULL;
	m->index = NULL;
	m->n_conns = 0;
	m->n_counted = 0;
}

/* What a ruleset needs of the table: each rule's column of counts (or NO_SLOT) and identity
 * for its draws, how many columns, and whether every connection is followed. */
struct rules_plan {
	uint32_t *slot;
	uint64_t *rule_ids;
	unsigned n_counted;
	bool follow;
};

static int plan_rules(const struct matcher *m, struct ruleset *rs, struct rules_plan *p)
{
	unsigned n_rules = rs ? rs->n_rules : 0;
	p->slot = calloc(n_rules ? n_rules : 1, sizeof(*p->slot));
	p->rule_ids = calloc(n_rules ? n_rules : 1, sizeof(*p->rule_ids));
	if (!p->slot || !p->rule_ids) {
		free(p->slot);
		free(p->rule_ids);
		return -ENOMEM;
	}
	p->n_counted = 0;
	p->follow = m->identities;
	for (unsigned i = 0; i < n_rules; i++) {
		p->slot[i] = rs->rules[i].count == RULE_COUNT_ALL ? NO_SLOT : p->n_counted++;
		p->follow =
		    p->follow || rule_selects_by_state(&rs->rules[i]) || rule_draws(&rs->rules[i]);
	}
	if (n_rules)
		rule_draw_identities(rs, p->rule_ids);
	return 0;
}

/* (Re)build the counter table for m->rs and max: everything starts over. */
static int table_init(struct matcher *m, struct ruleset *rs, unsigned max)
{
	struct rules_plan p;
	if (plan_rules(m, rs, &p) != 0)
		return -ENOMEM;
	struct conn *conns = NULL;
	uint32_t *counts = NULL, *index = NULL;
	struct select_state *sel = NULL;
	uint32_t size = 2;
	if (p.n_counted || p.follow) {
		while (size < 2 * max)
			size *= 2;
		conns = calloc(max, sizeof(*conns));
		counts = p.n_counted ? calloc((size_t)max * p.n_counted, sizeof(*counts)) : NULL;
		sel = p.follow ? calloc(max, sizeof(*sel)) : NULL;
		index = calloc(size, sizeof(*index));
		if (!conns || (p.n_counted && !counts) || (p.follow && !sel) || !index) {
			free(p.slot);
			free(p.rule_ids);
			free(conns);
			free(counts);
			free(sel);
			free(index);
			return -ENOMEM;
		}
	}
	table_free(m);
	m->rs = rs;
	m->slot = p.slot;
	m->rule_ids = p.rule_ids;
	m->n_counted = p.n_counted;
	m->follow = p.follow;
	m->sel = sel;
	m->conns_seen = 0;
	m->max_conns = max;
	m->conns = conns;
	m->counts = counts;
	m->index = index;
	m->index_mask = size - 1;
	m->n_conns = 0;
	m->lru_head = m->lru_tail = NIL;
	return 0;
}

/* Swap in rs and keep the connections followed, when both the old rules and rs follow them:
 * their numbers, ISNs and attempts belong to the wire, not to the rules (a journal's "conn N"
 * is for the whole run). The counts and the labels applied belonged to the old rules: they
 * start over. -EAGAIN when the connections cannot be kept, -ENOMEM. */
static int swap_rules_keep_conns(struct matcher *m, struct ruleset *rs)
{
	if (!m->follow)
		return -EAGAIN;
	struct rules_plan p;
	if (plan_rules(m, rs, &p) != 0)
		return -ENOMEM;
	uint32_t *counts = NULL;
	if (!p.follow || (p.n_counted && !(counts = calloc((size_t)m->max_conns * p.n_counted,
	                                                   sizeof(*counts))))) {
		free(p.slot);
		free(p.rule_ids);
		return p.follow ? -ENOMEM : -EAGAIN;
	}
	free(m->slot);
	free(m->rule_ids);
	free(m->counts);
	m->rs = rs;
	m->slot = p.slot;
	m->rule_ids = p.rule_ids;
	m->n_counted = p.n_counted;
	m->counts = counts;
	for (unsigned c = 0; c < m->n_conns; c++)
		m->sel[c].fired = 0;
	return 0;
}

struct matcher *matcher_new(struct ruleset *rs, uint32_t client_addr, uint64_t seed)
{
	struct matcher *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->client_addr = client_addr;
	m->seed = seed;
	if (table_init(m, rs, MATCHER_DEFAULT_MAX_CONNECTIONS)) {
		free(m);
		return NULL;
	}
	rates_init(m, rs);
	return m;
}

void matcher_free(struct matcher *m)
{
	if (!m)
		return;
	table_free(m);
	rates_free(m);
	free(m);
}

void matcher_set_rules(struct matcher *m, struct ruleset *rs)
{
	rates_init(m, rs);
	if (swap_rules_keep_conns(m, rs) == 0)
		return;
	/* On allocation failure keep matching with no counters rather than with stale ones:
	 * the rules are still applied, only count-limited rules never match. */
	if (table_init(m, rs, m->max_conns)) {
		table_free(m);
		m->rs = NULL;
	}
}

int matcher_set_max_connections(struct matcher *m, unsigned max)
{
	if (max == 0 || max > (1u << 24))
		return -EINVAL;
	return table_init(m, m->rs, max);
}

unsigned matcher_connections(const struct matcher *m)
{
	return m->n_conns;
}

void matcher_set_client_ipv6(struct matcher *m, const uint8_t addr[16])
{
	memcpy(m->client_addr6, addr, 16);
}

static void key_of(const struct segment *seg, struct conn *k, unsigned *side)
{
	memset(k, 0, sizeof(*k));
	struct ip_addr src = segment_src(seg), dst = segment_dst(seg);
	/* IPv4's numbers order as their mapped bytes do, and compare faster */
	int order = seg->ipv6 ? ip_addr_cmp(&src, &dst)
	                      : (seg->saddr > seg->daddr) - (seg->saddr < seg->daddr);
	bool src_low = order < 0 || (order == 0 && seg->sport <= seg->dport);
	k->lo_addr = src_low ? src : dst;
	k->lo_port = src_low ? seg->sport : seg->dport;
	k->hi_addr = src_low ? dst : src;
	k->hi_port = src_low ? seg->dport : seg->sport;
	*side = src_low ? 0 : 1;
}

/* Which end of its connection sent seg, as key_of numbers them. */
static unsigned seg_side(const struct segment *seg)
{
	struct conn k;
	unsigned side;
	key_of(seg, &k, &side);
	return side;
}

static uint32_t key_hash(const struct conn *k)
{
	/* an IPv4 key's addresses are in the last 4 bytes of each: folded as before */
	uint64_t h = (uint64_t)wire_get32(k->lo_addr.b + 12) << 32 | wire_get32(k->hi_addr.b + 12);
	h ^= (wire_get64(k->lo_addr.b) ^ wire_get64(k->hi_addr.b) * 0xc4ceb9fe1a85ec53ull ^
	      (uint64_t)wire_get32(k->lo_addr.b + 8) << 32 ^ wire_get32(k->hi_addr.b + 8)) *
	     0xff51afd7ed558ccdull;
	h ^= ((uint64_t)k->lo_port << 16 | k->hi_port) * 0x9e3779b97f4a7c15ull;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)(h ^ (h >> 31));
}

static bool key_eq(const struct conn *a, const struct conn *b)
{
	/* the ports first: they tell most keys apart at once */
	return a->lo_port == b->lo_port && a->hi_port == b->hi_port &&
	       ip_addr_cmp(&a->lo_addr, &b->lo_addr) == 0 &&
	       ip_addr_cmp(&a->hi_addr, &b->hi_addr) == 0;
}

static void lru_unlink(struct matcher *m, uint32_t c)
{
	struct conn *e = &m->conns[c];
	if (e->lru_prev != NIL)
		m->conns[e->lru_prev].lru_next = e->lru_next;
	else
		m->lru_head = e->lru_next;
	if (e->lru_next != NIL)
		m->conns[e->lru_next].lru_prev = e->lru_prev;
	else
		m->lru_tail = e->lru_prev;
}

static void lru_push_front(struct matcher *m, uint32_t c)
{
	struct conn *e = &m->conns[c];
	e->lru_prev = NIL;
	e->lru_next = m->lru_head;
	if (m->lru_head != NIL)
		m->conns[m->lru_head].lru_prev = c;
	m->lru_head = c;
	if (m->lru_tail == NIL)
		m->lru_tail = c;
}

/* Remove index position pos and shift the following run back (Knuth 6.4, algorithm R), so
 * lookups never need tombstones. */
static void index_delete(struct matcher *m, uint32_t pos)
{
	uint32_t i = pos;
	for (;;) {
		m->index[i] = 0;
		uint32_t j = i;
		for (;;) {
			j = (j + 1) & m->index_mask;
			if (m->index[j] == 0)
				return;
			uint32_t home = key_hash(&m->conns[m->index[j] - 1]) & m->index_mask;
			/* move j back to i unless its home lies cyclically in (i, j] */
			bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
			if (!stays)
				break;
		}
		m->index[i] = m->index[j];
		i = j;
	}
}

static uint32_t index_find(const struct matcher *m, const struct conn *k, bool *found)
{
	uint32_t pos = key_hash(k) & m->index_mask;
	while (m->index[pos]) {
		if (key_eq(&m->conns[m->index[pos] - 1], k)) {
			*found = true;
			return pos;
		}
		pos = (pos + 1) & m->index_mask;
	}
	*found = false;
	return pos;
}

/* A connection starts over: no counts, a new number. */
static void conn_restart(struct matcher *m, uint32_t c, const struct segment *seg, uint64_t now_us)
{
	if (m->n_counted)
		memset(&m->counts[(size_t)c * m->n_counted], 0, m->n_counted * sizeof(uint32_t));
	if (m->follow)
		select_start(&m->sel[c], ++m->conns_seen, seg, now_us);
}

/* seg's connection, created (or recycled from the least recently seen connection) on first
 * sight, and started over when a bare SYN brings a new ISN; *side: which end sent seg. */
static uint32_t conn_find(struct matcher *m, const struct segment *seg, uint64_t now_us,
                          unsigned *side)
{
	struct conn k;
	key_of(seg, &k, side);
	bool found;
	uint32_t pos = index_find(m, &k, &found);
	uint32_t c;
	if (found) {
		c = m->index[pos] - 1;
		lru_unlink(m, c);
	} else {
		if (m->n_conns < m->max_conns) {
			c = m->n_conns++;
		} else {
			c = m->lru_tail;
			lru_unlink(m, c);
			bool old_found;
			uint32_t old_pos = index_find(m, &m->conns[c], &old_found);
			if (old_found)
				index_delete(m, old_pos);
			pos = index_find(m, &k, &found);
		}
		m->conns[c] = k;
		m->index[pos] = c + 1;
		conn_restart(m, c, seg, now_us);
	}
	lru_push_front(m, c);

	struct conn *e = &m->conns[c];
	if ((seg->flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN) {
		if (e->syn_seen[*side] && e->syn_iss[*side] != seg->seq)
			conn_restart(m, c, seg, now_us);
		e->syn_seen[*side] = true;
		e->syn_iss[*side] = seg->seq;
	}
	return c;
}

static bool rule_matches(const struct rule *r, const struct segment *seg, enum rule_dir dir)
{
	if (r->dir != RULE_DIR_ANY && r->dir != dir)
		return false;
	if (r->family && (r->family == 6) != seg->ipv6)
		return false;
	if (r->flags_exact) {
		if (seg->flags != r->flags_set)
			return false;
	} else if ((seg->flags & r->flags_set) != r->flags_set || (seg->flags & r->flags_clear)) {
		return false;
	}
	if (seg->payload_len < r->len_min || seg->payload_len > r->len_max)
		return false;
	if (r->sport && seg->sport != r->sport)
		return false;
	if (r->dport && seg->dport != r->dport)
		return false;
	if (r->port && seg->sport != r->port && seg->dport != r->port)
		return false;
	return true;
}

static bool count_admits(const struct rule *r, uint32_t n)
{
	switch (r->count) {
	case RULE_COUNT_ALL:
		return true;
	case RULE_COUNT_FIRST:
		return n <= r->count_n;
	case RULE_COUNT_NTH:
		return n == r->count_n;
	case RULE_COUNT_AFTER:
		return n > r->count_n;
	}
	return false;
}

/* The draw of "chance P%", made only for a segment the rule would otherwise decide. 0% and
 * 100% are certain and draw nothing. The modulo bias over 2^64 is below 10^-13. */
static bool chance_admits(const struct matcher *m, unsigned i, const struct packet_id *id)
{
	const struct rule *r = &m->rs->rules[i];
	if (!r->has_chance || r->chance_ppm >= RULE_CHANCE_SCALE)
		return true;
	if (r->chance_ppm == 0)
		return false;
	uint64_t draw = rule_draw(m->seed, m->rule_ids[i], id, RULE_DRAW_CHANCE);
	return draw % RULE_CHANCE_SCALE < r->chance_ppm;
}

static void identity_of(const struct segment *seg, enum rule_dir dir, const struct select_facts *f,
                        struct packet_id *id)
{
	*id = (struct packet_id){
	    .conn = f->conn_no,
	    .dir = (uint8_t)dir,
	    .flags = seg->flags,
	    .seq = f->rel_seq,
	    .ack = f->rel_ack,
	    .len = seg->payload_len,
	    .attempt = f->attempt,
	    .copy = f->copy,
	};
}

static enum rule_dir dir_of(const struct matcher *m, const struct segment *seg)
{
	if (seg->ipv6) {
		if (memcmp(seg->saddr6, m->client_addr6, 16) == 0)
			return RULE_DIR_FROM_CLIENT;
		if (memcmp(seg->daddr6, m->client_addr6, 16) == 0)
			return RULE_DIR_FROM_SERVER;
		return RULE_DIR_ANY;
	}
	if (seg->saddr == m->client_addr)
		return RULE_DIR_FROM_CLIENT;
	if (seg->daddr == m->client_addr)
		return RULE_DIR_FROM_SERVER;
	return RULE_DIR_ANY; /* neither end is the client: no "from" rule matches */
}

/* The facts of seg in its connection, or NULL when no rule selects by them. */
static const struct select_facts *follow(struct matcher *m, const struct segment *seg,
                                         uint64_t now_us, uint32_t **row, struct select_facts *f,
                                         uint32_t *c_out)
{
	if (!m->follow)
		return NULL;
	unsigned side;
	uint32_t c = conn_find(m, seg, now_us, &side);
	*c_out = c;
	if (m->n_counted)
		*row = &m->counts[(size_t)c * m->n_counted];
	select_observe(&m->sel[c], seg, side, now_us, f);
	return f;
}

/* A rate rule's verdict: the segment waits its turn on the rule's link for its direction
 * (RULE_DELAY), or the queue is full and it is lost (RULE_DROP, queue_full). Without memory for
 * the links it passes. */
static void rate_decide(struct matcher *m, const struct rule *r, const struct segment *seg,
                        enum rule_dir dir, uint64_t now_us, struct verdict *v)
{
	unsigned i = (unsigned)(r - m->rs->rules) * 2 + (dir != RULE_DIR_FROM_CLIENT);
	uint32_t wait_us = 0;
	int rc = i < m->n_rates ? rate_link_admit(&m->rates[i], r, seg->ip_len, now_us, &wait_us)
	                        : -ENOMEM;
	if (rc == 0) {
		v->action = RULE_DELAY;
		v->delay_us = wait_us;
	} else if (rc == -ENOBUFS) {
		v->action = RULE_DROP;
		v->queue_full = true;
	} else {
		v->action = RULE_PASS;
	}
}

/* What r's verdict on seg carries beyond its action, from seg's connection c as followed (v->id
 * its identity there): the label it fires, the RCV.NXT a reset uses, the bit corrupt flips. A
 * decision and its replay both give it, so a replay forges and flips the same. */
static void verdict_effects(struct matcher *m, const struct rule *r, const struct segment *seg,
                            uint32_t c, struct verdict *v)
{
	if (r->label)
		m->sel[c].fired |= 1ull << r->label_bit;
	if (r->action == RULE_RESET)
		v->receiver_next = select_receiver_next(&m->sel[c], seg, seg_side(seg),
		                                        v->id.attempt, r->reset_keep);
	/* the bit that "corrupt" flips is the rule's own draw for this segment: a seed repeats it
	 */
	if (r->action == RULE_CORRUPT)
		v->draw =
		    rule_draw(m->seed, m->rule_ids[r - m->rs->rules], &v->id, RULE_DRAW_CORRUPT);
}

void matcher_decide(struct matcher *m, const struct segment *seg, uint64_t now_us,
                    struct verdict *v)
{
	v->action = RULE_PASS;
	v->delay_us = 0;
	v->rule = NULL;
	v->has_id = false;
	v->draw = 0;
	v->queue_full = false;
	v->receiver_next = seg->seq;
	struct ruleset *rs = m->rs;
	if (!rs)
		return;

	enum rule_dir dir = dir_of(m, seg);

	struct rule *winner = NULL;
	uint32_t *row = NULL;
	struct select_facts facts;
	uint32_t c = 0;
	const struct select_facts *f = follow(m, seg, now_us, &row, &facts, &c);
	if (f)
		identity_of(seg, dir, f, &v->id);
	v->has_id = f != NULL;
	/* Every connection opening is recorded while counts are in use, so a new connection
	 * on a reused 4-tuple is recognised by its ISN even when no counting rule matches
	 * its SYN (a rule counting FINs must start over too). */
	unsigned side;
	if (!row && m->n_counted && (seg->flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN)
		row = &m->counts[(size_t)conn_find(m, seg, now_us, &side) * m->n_counted];
	for (unsigned i = 0; i < rs->n_rules; i++) {
		struct rule *r = &rs->rules[i];
		if (!rule_matches(r, seg, dir) || (f && !select_admits(r, f)))
			continue;
		if (m->slot[i] == NO_SLOT) {
			if (!winner && chance_admits(m, i, &v->id))
				winner = r;
			if (winner && m->n_counted == 0 && !f)
				break; /* decided, and nothing left to count */
			continue;
		}
		if (!row)
			row = &m->counts[(size_t)conn_find(m, seg, now_us, &side) * m->n_counted];
		uint32_t *n = &row[m->slot[i]];
		if (*n < UINT32_MAX)
			++*n;
		if (!winner && count_admits(r, *n) && chance_admits(m, i, &v->id))
			winner = r;
	}
	if (!winner)
		return;
	if (f)
		verdict_effects(m, winner, seg, c, v);

	winner->hits++;
	v->rule = winner;
	v->action = winner->action;
	if (winner->action == RULE_RATE)
		rate_decide(m, winner, seg, dir, now_us, v);
	if (winner->action == RULE_DELAY) {
		v->delay_us = winner->delay_us;
		if (winner->jitter_us) {
			/* uniform in [delay - jitter, delay + jitter]; the parser keeps
			 * jitter <= delay, and the modulo bias over 2^64 is negligible */
			uint64_t span = 2 * (uint64_t)winner->jitter_us + 1;
			uint64_t draw = rule_draw(m->seed, m->rule_ids[winner - rs->rules], &v->id,
			                          RULE_DRAW_JITTER);
			v->delay_us =
			    winner->delay_us - winner->jitter_us + (uint32_t)(draw % span);
		}
	}
}

int matcher_follow_identities(struct matcher *m)
{
	m->identities = true;
	int err = table_init(m, m->rs, m->max_conns);
	if (err)
		m->identities = m->follow;
	return err;
}

void matcher_identify(struct matcher *m, const struct segment *seg, uint64_t now_us,
                      struct packet_id *id)
{
	struct select_facts facts;
	memset(id, 0, sizeof(*id));
	if (!m->follow)
		return;
	unsigned side;
	uint32_t c = conn_find(m, seg, now_us, &side);
	select_observe(&m->sel[c], seg, side, now_us, &facts);
	identity_of(seg, dir_of(m, seg), &facts, id);
}

void matcher_replay_effects(struct matcher *m, const struct segment *seg, const struct rule *r,
                            struct verdict *v)
{
	v->draw = 0;
	v->receiver_next = seg->seq;
	/* only a rule of the matcher's own rules has a draw identity here */
	if (!m->follow || !m->rs || r->index < 1 || r->index > m->rs->n_rules ||
	    &m->rs->rules[r->index - 1] != r)
		return;
	struct conn k;
	unsigned side;
	key_of(seg, &k, &side);
	bool found;
	uint32_t pos = index_find(m, &k, &found);
	if (found)
		verdict_effects(m, r, seg, m->index[pos] - 1, v);
}

void matcher_set_seed(struct matcher *m, uint64_t seed)
{
	m->seed = seed;
}
