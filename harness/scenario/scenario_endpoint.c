/* scenario_endpoint.c: the .scn lines that say what one endpoint runs and must show
 * (tests/scenarios/README.md, "The language"): `client|server run, sysctl, set, start, exit, sees,
 * receives, ack-every, linger, counts`. Each value is parsed once into its typed item. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "counter.h"
#include "endpoint/peer_script.h"
#include "scenario.h"
#include "scenario_lex.h"

#define ADD_OR_NOMEM(p, v, n, text)                                                                \
	struct scn_item *it = lex_item_add(p, &(v), &(n), text);                                   \
	if (!it)                                                                                   \
	return -ENOMEM

static int ep_run(struct parser *p, struct scn_endpoint *ep, const char *rest)
{
	struct peer_script ps;
	char e[256];
	if (peer_script_parse(&ps, rest, e, sizeof(e)))
		return lex_fail(p, "behaviour script: %s", e);
	peer_script_free(&ps);
	return lex_item_add(p, &ep->scripts, &ep->n_scripts, rest) ? 0 : -ENOMEM;
}

/* sysctl KEY=VALUE... (short keys are net.ipv4's: tcp_syn_retries=5), set KEY=VALUE... */
static int ep_settings(struct parser *p, struct scn_endpoint *ep, const char *rest, bool sysctl)
{
	if (!*rest)
		return lex_fail(p, "%s needs KEY=VALUE", sysctl ? "sysctl" : "set");
	while (*rest) {
		char kv[200];
		const char *w;
		size_t n = lex_word(rest, &w, &rest);
		if (n >= sizeof(kv) - 16 || !memchr(w, '=', n) || w[0] == '=')
			return lex_fail(p, "'%.*s' is not KEY=VALUE", (int)n, w);
		bool short_key = sysctl && !memchr(w, '.', (size_t)((char *)memchr(w, '=', n) - w));
		snprintf(kv, sizeof(kv), "%s%.*s", short_key ? "net.ipv4." : "", (int)n, w);
		struct scn_item *it = sysctl ? lex_item_add(p, &ep->sysctls, &ep->n_sysctls, kv)
		                             : lex_item_add(p, &ep->tunables, &ep->n_tunables, kv);
		if (!it)
			return -ENOMEM;
	}
	return 0;
}

/* start DUR, linger DUR */
static int ep_duration(struct parser *p, struct scn_item **v, size_t *n, const char *rest,
                       const char *problem)
{
	int64_t us;
	if (scn_duration_parse(rest, &us))
		return lex_fail(p, "%s", problem);
	struct scn_item *it = lex_item_add(p, v, n, NULL);
	if (!it)
		return -ENOMEM;
	it->us = us;
	return 0;
}

/* exit OUTCOME [at DUR | +DUR] */
static int ep_exit(struct parser *p, struct scn_endpoint *ep, const char *rest)
{
	const char *o, *r2;
	size_t on = lex_word(rest, &o, &r2);
	char ow[32];
	snprintf(ow, sizeof(ow), "%.*s", (int)on, o);
	int outcome = scn_outcome_parse(ow);
	if (outcome < 0)
		return lex_fail(p,
		                "unknown outcome '%s' (ok, ETIMEDOUT, ECONNREFUSED, ECONNRESET, "
		                "ECONNABORTED, error, killed, any)",
		                ow);
	struct scn_time t;
	memset(&t, 0, sizeof(t));
	if (*r2) {
		const char *tw;
		size_t tn = lex_word(r2, &tw, &r2);
		if (lex_word_is(tw, tn, "at")) {
			tn = lex_word(r2, &tw, &r2);
			t.kind = SCN_T_AT;
		} else if (tn > 1 && tw[0] == '+') {
			tw++, tn--;
			t.kind = SCN_T_AFTER;
		} else {
			return lex_fail(p, "the exit time is 'at DUR' (after the first segment) or "
			                   "'+DUR' (after the last)");
		}
		enum scn_time_kind kind = t.kind;
		if (lex_time(p, tw, tn, &t) || *r2)
			return lex_fail(p, "bad exit time");
		t.kind = kind;
	}
	ADD_OR_NOMEM(p, ep->exits, ep->n_exits, NULL);
	it->outcome = outcome;
	it->time = t;
	return 0;
}

static int ep_sees(struct parser *p, struct scn_endpoint *ep, const char *rest)
{
	static const char *const known[] = {"connected",      "accepted", "eof",     "read", "sent",
	                                    "shutdown-write", "closed",   "aborted", "error"};
	const char *words[SCN_MAX_SEES + 1];
	size_t count = 0;
	while (*rest) {
		const char *w;
		size_t n = lex_word(rest, &w, &rest);
		const char *found = NULL;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (lex_word_is(w, n, known[i]))
				found = known[i];
		if (!found)
			return lex_fail(p,
			                "unknown application event '%.*s' (connected, accepted, "
			                "eof, read, sent, shutdown-write, closed, aborted, error)",
			                (int)n, w);
		if (count <= SCN_MAX_SEES)
			words[count] = found;
		count++;
	}
	if (count == 0 || count > SCN_MAX_SEES)
		return lex_fail(p, "sees takes 1 to %d events", SCN_MAX_SEES);
	ADD_OR_NOMEM(p, ep->sees, ep->n_sees, NULL);
	for (size_t i = 0; i < count; i++)
		snprintf(it->sees[i], sizeof(it->sees[i]), "%s", words[i]);
	it->n_sees = count;
	return 0;
}

/* "receives SIZE [damaged]": damaged, when a fault changed the bytes on their way (corrupt
 * with its checksum fixed), so the count must hold and the pattern must not. */
static int ep_receives(struct parser *p, struct scn_endpoint *ep, const char *rest)
{
	uint64_t b;
	const char *w;
	size_t n = lex_word(rest, &w, &rest);
	char size[32];
	if (n == 0 || n >= sizeof(size))
		return lex_fail(p, "receives needs a byte count (1000, 64K, 1M)");
	memcpy(size, w, n);
	size[n] = '\0';
	if (scn_size_parse(size, &b))
		return lex_fail(p, "receives needs a byte count (1000, 64K, 1M)");
	n = lex_word(rest, &w, &rest);
	bool damaged = n && lex_word_is(w, n, "damaged");
	if ((n && !damaged) || *rest)
		return lex_fail(p, "receives takes a byte count and, after it, only 'damaged' "
		                   "(the count holds, the bytes differ)");
	ADD_OR_NOMEM(p, ep->receives, ep->n_receives, NULL);
	it->count = b;
	it->damaged = damaged;
	return 0;
}

static int ep_ack_every(struct parser *p, struct scn_endpoint *ep, const char *rest)
{
	uint32_t v;
	if (lex_u32(rest, strlen(rest), &v) || v == 0)
		return lex_fail(p, "ack-every needs a segment count, e.g. ack-every 2 (RFC 1122 "
		                   "4.2.3.2: at least every second full-sized segment)");
	ADD_OR_NOMEM(p, ep->ack_everys, ep->n_ack_everys, NULL);
	it->count = v;
	return 0;
}

/* counts COUNTER OP N: the counter of the endpoint's TCP over its run, compared with N */
static int ep_counts(struct parser *p, struct scn_endpoint *ep, const char *rest)
{
	const char *w;
	size_t n = lex_word(rest, &w, &rest);
	char names[200];
	counter_names(names, sizeof(names));
	if (n == 0)
		return lex_fail(p, "counts needs a counter, a comparison and a number, e.g. counts "
		                   "paws-rejected >= 1");
	if (!counter_find(w, n))
		return lex_fail(p, "unknown counter '%.*s' (%s)", (int)n, w, names);
	char name[32];
	snprintf(name, sizeof(name), "%.*s", (int)n, w);
	n = lex_word(rest, &w, &rest);
	enum counter_compare cmp;
	if (counter_compare_parse(w, n, &cmp))
		return lex_fail(p,
		                "'%.*s' is not a comparison: write >=, <=, == or >, e.g. counts "
		                "%s >= 1",
		                (int)n, w, name);
	n = lex_word(rest, &w, &rest);
	uint32_t v;
	if (n == 0 || lex_u32(w, n, &v))
		return lex_fail(p,
		                "'%.*s' is not a count: write a whole number, e.g. counts %s %s 1",
		                (int)n, w, name, counter_compare_name(cmp));
	if (*rest)
		return lex_fail(p, "unexpected '%s' after the count: counts takes one comparison",
		                rest);
	if (ep->n_counts == SCN_MAX_COUNTS)
		return lex_fail(p, "at most %d counts lines per endpoint", SCN_MAX_COUNTS);
	ADD_OR_NOMEM(p, ep->counts, ep->n_counts, NULL);
	memcpy(it->counter, name, sizeof(it->counter));
	it->compare = (int)cmp;
	it->count = v;
	return 0;
}

int lex_endpoint_line(struct parser *p, enum scn_role role, const char *rest)
{
	struct scn_endpoint *ep = &p->s->ep[role];
	const char *w;
	size_t n = lex_word(rest, &w, &rest);
	if (lex_word_is(w, n, "run"))
		return ep_run(p, ep, rest);
	if (lex_word_is(w, n, "sysctl") || lex_word_is(w, n, "set"))
		return ep_settings(p, ep, rest, lex_word_is(w, n, "sysctl"));
	if (lex_word_is(w, n, "start"))
		return ep_duration(p, &ep->starts, &ep->n_starts, rest,
		                   "start needs a duration after the server is ready, e.g. 100ms");
	if (lex_word_is(w, n, "exit"))
		return ep_exit(p, ep, rest);
	if (lex_word_is(w, n, "sees"))
		return ep_sees(p, ep, rest);
	if (lex_word_is(w, n, "receives"))
		return ep_receives(p, ep, rest);
	if (lex_word_is(w, n, "ack-every"))
		return ep_ack_every(p, ep, rest);
	if (lex_word_is(w, n, "linger"))
		return ep_duration(p, &ep->lingers, &ep->n_lingers, rest,
		                   "linger needs a duration, e.g. 3s");
	if (lex_word_is(w, n, "counts"))
		return ep_counts(p, ep, rest);
	return lex_fail(p,
	                "unknown endpoint directive '%.*s' (run, sysctl, set, start, exit, sees, "
	                "receives, ack-every, linger, counts)",
	                (int)n, w);
}
