/* scenario_parse.c: the .scn language's lines (tests/scenarios/README.md). One directive per
 * line; `when SPEC ... end` limits the lines inside to some pairings; `{ ... }` makes the
 * segments inside an unordered group. Every value is parsed here once, into its typed field.
 * Pure: a `rules FILE` line is recorded for the caller to read. */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint/peer_script.h"
#include "scenario_lex.h"

/* seq N, seq N:M, ack N, len N */
static int parse_number_field(struct parser *p, const char *w, size_t n, const char **rest,
                              struct scn_seg *g)
{
	const char *v;
	size_t vn = lex_word(*rest, &v, rest);
	if (lex_word_is(w, n, "ack")) {
		if (lex_u32(v, vn, &g->ack))
			return lex_fail(p,
			                "bad ack '%.*s': a number relative to the receiver's ISN",
			                (int)vn, v);
		g->has_ack = true;
		return 0;
	}
	if (lex_word_is(w, n, "len")) {
		if (lex_u32(v, vn, &g->len))
			return lex_fail(p, "bad len '%.*s'", (int)vn, v);
		g->has_len = true;
		return 0;
	}
	const char *colon = memchr(v, ':', vn);
	uint32_t end;
	if (colon) {
		if (lex_u32(v, (size_t)(colon - v), &g->seq) ||
		    lex_u32(colon + 1, vn - (size_t)(colon + 1 - v), &end) || end < g->seq)
			return lex_fail(p,
			                "bad seq range '%.*s': write seq 1:19 (first:last+1, as "
			                "tcpdump prints)",
			                (int)vn, v);
		g->has_len = true;
		g->len = end - g->seq;
	} else if (lex_u32(v, vn, &g->seq)) {
		return lex_fail(p, "bad seq '%.*s': a number relative to the sender's ISN", (int)vn,
		                v);
	}
	g->has_seq = true;
	return 0;
}

/* +TIME, at TIME, after LABEL */
static int parse_time_field(struct parser *p, const char *w, size_t n, const char **rest,
                            struct scn_seg *g)
{
	if (lex_word_is(w, n, "after")) {
		const char *v;
		size_t vn = lex_word(*rest, &v, rest);
		if (vn == 0 || vn >= sizeof(g->time.anchor))
			return lex_fail(p, "'after' needs a label of an earlier line");
		memcpy(g->time.anchor, v, vn);
		g->time.anchor[vn] = '\0';
		for (size_t i = 0; i < p->s->n_segs; i++)
			if (!strcmp(p->s->segs[i].label, g->time.anchor))
				return 0;
		return lex_fail(p,
		                "no earlier line is labelled '%s' (write 'NAME:' at the start of "
		                "that line)",
		                g->time.anchor);
	}
	if (g->time.kind != SCN_T_NONE)
		return lex_fail(p, "two times on one line");
	if (w[0] == '+') {
		if (lex_time(p, w + 1, n - 1, &g->time))
			return -EINVAL;
		g->time.kind = SCN_T_AFTER;
		return 0;
	}
	const char *v;
	size_t vn = lex_word(*rest, &v, rest);
	if (lex_time(p, v, vn, &g->time))
		return -EINVAL;
	g->time.kind = SCN_T_AT;
	return 0;
}

/* What follows the flags: numbers, the verdict, the time. */
static int parse_segment_fields(struct parser *p, const char *rest, struct scn_seg *g)
{
	while (*rest) {
		const char *w;
		size_t n = lex_word(rest, &w, &rest);
		int r = 0;
		if (lex_word_is(w, n, "seq") || lex_word_is(w, n, "ack") ||
		    lex_word_is(w, n, "len"))
			r = parse_number_field(p, w, n, &rest, g);
		else if (lex_word_is(w, n, "dropped"))
			g->verdict = SCN_V_DROP;
		else if (lex_word_is(w, n, "delayed"))
			g->verdict = SCN_V_DELAY;
		else if (lex_word_is(w, n, "passed"))
			g->verdict = SCN_V_PASS;
		else if (lex_word_is(w, n, "rewritten"))
			g->verdict = SCN_V_REWRITTEN;
		else if (lex_word_is(w, n, "corrupted"))
			g->verdict = SCN_V_CORRUPTED;
		else if (lex_word_is(w, n, "duplicated"))
			g->verdict = SCN_V_DUPLICATED;
		else if (lex_word_is(w, n, "reset"))
			g->verdict = SCN_V_RESET;
		else if (lex_word_is(w, n, "injected"))
			g->verdict = SCN_V_INJECTED;
		else if (lex_word_is(w, n, "reordered"))
			g->verdict = SCN_V_REORDERED;
		else if ((n > 1 && w[0] == '+') || lex_word_is(w, n, "at") ||
		         lex_word_is(w, n, "after"))
			r = parse_time_field(p, w, n, &rest, g);
		else
			r = lex_fail(
			    p,
			    "unknown word '%.*s' in a segment line (known: seq, ack, len, "
			    "dropped, delayed, passed, rewritten, corrupted, +TIME, at TIME, "
			    "after LABEL)",
			    (int)n, w);
		if (r)
			return r;
	}
	if (g->time.anchor[0] && g->time.kind != SCN_T_AFTER)
		return lex_fail(p, "'after %s' needs a +TIME", g->time.anchor);
	return 0;
}

static int parse_label(struct parser *p, const char *w, size_t n, struct scn_seg *g)
{
	if (n - 1 >= sizeof(g->label))
		return lex_fail(p, "label '%.*s' is too long", (int)(n - 1), w);
	memcpy(g->label, w, n - 1);
	for (size_t i = 0; i < p->s->n_segs; i++)
		if (!strcmp(p->s->segs[i].label, g->label) && (p->s->segs[i].pairs & g->pairs) &&
		    (!p->s->segs[i].families || !g->families ||
		     (p->s->segs[i].families & g->families)))
			return lex_fail(p, "label '%s' is used twice", g->label);
	return 0;
}

static int add_segment(struct parser *p, const struct scn_seg *g)
{
	struct scn_seg *ns = realloc(p->s->segs, (p->s->n_segs + 1) * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	p->s->segs = ns;
	ns[p->s->n_segs++] = *g;
	return 0;
}

/* A conversation line: [LABEL:] [maybe] DIR FLAGS [seq N[:M]] [ack N] [len N]
 * [dropped|delayed|passed] [+TIME | at TIME] [after LABEL] */
static int parse_segment(struct parser *p, const char *line, const char *text)
{
	struct scn_seg g;
	memset(&g, 0, sizeof(g));
	g.kind = SCN_SEG;
	g.line = p->line;
	g.pairs = p->when_pairs;
	g.families = p->when_families;
	g.group = p->group;
	g.verdict = SCN_V_ANY;
	snprintf(g.text, sizeof(g.text), "%s", text);

	const char *w, *rest = line;
	size_t n = lex_word(rest, &w, &rest);
	if (lex_word_is(w, n, "...")) {
		if (*rest)
			return lex_fail(p, "'...' stands alone on its line");
		if (p->group)
			return lex_fail(p, "'...' cannot be inside a { } group");
		g.kind = SCN_ANYTHING;
		return add_segment(p, &g);
	}
	if (n > 1 && w[n - 1] == ':') {
		if (parse_label(p, w, n, &g))
			return -EINVAL;
		n = lex_word(rest, &w, &rest);
	}
	if (lex_word_is(w, n, "maybe")) {
		g.maybe = true;
		n = lex_word(rest, &w, &rest);
	}
	if (lex_word_is(w, n, "c>s") || lex_word_is(w, n, ">"))
		g.dir = 0;
	else if (lex_word_is(w, n, "s>c") || lex_word_is(w, n, "<"))
		g.dir = 1;
	else
		return lex_fail(p, "expected a direction (c>s or s>c) and got '%.*s'", (int)n, w);
	n = lex_word(rest, &w, &rest);
	if (lex_flags(p, w, n, &g) || parse_segment_fields(p, rest, &g))
		return -EINVAL;
	return add_segment(p, &g);
}

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

static int parse_endpoint(struct parser *p, enum scn_role role, const char *rest)
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
	return lex_fail(p,
	                "unknown endpoint directive '%.*s' (run, sysctl, set, start, exit, sees, "
	                "receives, linger)",
	                (int)n, w);
}

/* `rules FILE`: recorded with its pairings, read by the caller (scenario_file.c). */
static int record_include(struct parser *p, const char *file)
{
	struct scenario *s = p->s;
	if (p->when_families)
		return lex_fail(p, "rules hold for both families: move the line out of the 'when "
		                   "ipv4|ipv6' block");
	struct scn_include *ni = realloc(s->includes, (s->n_includes + 1) * sizeof(*ni));
	if (!ni)
		return -ENOMEM;
	s->includes = ni;
	char path[512];
	if (file[0] == '/')
		snprintf(path, sizeof(path), "%s", file);
	else
		snprintf(path, sizeof(path), "%s%s", p->dir, file);
	struct scn_include *inc = &ni[s->n_includes];
	inc->pairs = p->when_pairs;
	inc->line = p->line;
	inc->path = strdup(path);
	if (!inc->path)
		return -ENOMEM;
	s->n_includes++;
	return 0;
}

int scenario_add_rules_text(struct scenario *s, const struct scn_include *inc, const char *text)
{
	struct parser p = {.s = s, .when_pairs = inc->pairs};
	while (*text) {
		/* a line longer than 511 bytes is taken in pieces of that size */
		char buf[512];
		size_t n = strcspn(text, "\n");
		n += text[n] == '\n';
		if (n > sizeof(buf) - 1)
			n = sizeof(buf) - 1;
		memcpy(buf, text, n);
		buf[n] = '\0';
		text += n;
		buf[strcspn(buf, "\r\n")] = '\0';
		/* line 0: placed after the scenario's own lines (see scenario_rules_text) */
		if (!lex_item_add(&p, &s->rules, &s->n_rules, buf))
			return -ENOMEM;
	}
	return 0;
}

/* Cut a comment: '#' at the start or after whitespace, outside double quotes. */
static void strip_comment(char *s)
{
	bool quoted = false;
	for (char *c = s; *c; c++) {
		if (*c == '"')
			quoted = !quoted;
		else if (*c == '#' && !quoted && (c == s || isspace((unsigned char)c[-1]))) {
			*c = '\0';
			break;
		}
	}
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

static int parse_about(struct parser *p, const char *rest)
{
	struct scenario *s = p->s;
	size_t old = s->about ? strlen(s->about) : 0;
	char *na = realloc(s->about, old + strlen(rest) + 2);
	if (!na)
		return -ENOMEM;
	if (old)
		na[old++] = ' ';
	strcpy(na + old, rest);
	s->about = na;
	return 0;
}

/* pairs SPEC, skip SPEC REASON, only SPEC REASON */
static int parse_pairs_line(struct parser *p, const char *w, size_t n, const char *rest)
{
	struct scenario *s = p->s;
	const char *spec;
	size_t sn = lex_word(rest, &spec, &rest);
	char buf[128];
	snprintf(buf, sizeof(buf), "%.*s", (int)sn, spec);
	unsigned m = scn_pairs_parse(buf);
	if (!m)
		return lex_fail(p,
		                "'%s' is not a pairing (stack-stack, stack-linux, linux-stack, "
		                "linux-linux, client=linux, *-stack, all; comma separated)",
		                buf);
	if (lex_word_is(w, n, "pairs")) {
		s->pairs = m;
		return 0;
	}
	if (!*rest)
		return lex_fail(p, "%.*s needs a reason: say why the pairing differs", (int)n, w);
	struct scn_skip *ns = realloc(s->skips, (s->n_skips + 1) * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	s->skips = ns;
	ns[s->n_skips].pairs = lex_word_is(w, n, "skip") ? m : (scn_all_pairs() & ~m);
	lex_reason(ns[s->n_skips].reason, sizeof(ns[0].reason), rest);
	s->n_skips++;
	return 0;
}

/* limit DUR, settle DUR: inside a `when` block for those pairings only */
static int parse_limit_line(struct parser *p, const char *w, size_t n, const char *rest)
{
	struct scenario *s = p->s;
	bool limit = lex_word_is(w, n, "limit");
	int64_t us;
	if (scn_duration_parse(rest, &us) || us == 0)
		return lex_fail(p, "%.*s needs a duration, e.g. 90s", (int)n, w);
	if (!p->in_when) {
		*(limit ? &s->limit_us : &s->settle_us) = us;
		return 0;
	}
	struct scn_item *it = limit ? lex_item_add(p, &s->limits, &s->n_limits, NULL)
	                            : lex_item_add(p, &s->settles, &s->n_settles, NULL);
	if (!it)
		return -ENOMEM;
	it->us = us;
	return 0;
}

static int parse_simultaneous_open(struct parser *p, const char *rest)
{
	unsigned a, b;
	char extra;
	if (sscanf(rest, "%u %u %c", &a, &b, &extra) != 2 || !a || !b || a > 65535 || b > 65535 ||
	    a == b)
		return lex_fail(p,
		                "simultaneous-open needs the client's and the server's port, e.g. "
		                "simultaneous-open 5000 6000");
	p->s->simopen_cport = (uint16_t)a;
	p->s->simopen_sport = (uint16_t)b;
	return 0;
}

static int parse_port(struct parser *p, const char *rest)
{
	uint32_t v;
	if (lex_u32(rest, strlen(rest), &v) || v == 0 || v > 65535)
		return lex_fail(p, "port needs a number 1-65535");
	p->s->port = (uint16_t)v;
	return 0;
}

unsigned scn_family_parse(const char *word, size_t n)
{
	return lex_word_is(word, n, "ipv4")   ? SCN_FAMILY_IPV4
	       : lex_word_is(word, n, "ipv6") ? SCN_FAMILY_IPV6
	       : lex_word_is(word, n, "both") ? SCN_FAMILY_BOTH
	                                      : 0;
}

/* family ipv4|ipv6|both [because REASON]: once, for every pairing */
static int parse_family(struct parser *p, const char *rest)
{
	const char *w;
	size_t n = lex_word(rest, &w, &rest);
	unsigned families = scn_family_parse(w, n);
	if (!families)
		return lex_fail(p, "family is ipv4, ipv6 or both (e.g. family both), then "
		                   "optionally 'because REASON'");
	if (p->in_when)
		return lex_fail(p, "family holds for every pairing: move it out of the 'when' "
		                   "block (a pairing that cannot speak IPv6 is skipped by its "
		                   "impl file's 'families')");
	if (p->family_line)
		return lex_fail(p, "family is given twice (first on line %u): keep one",
		                p->family_line);
	const char *b;
	size_t bn = lex_word(rest, &b, &rest);
	if (bn && (!lex_word_is(b, bn, "because") || !*rest))
		return lex_fail(p, "after the family comes only 'because REASON', e.g. family ipv4 "
		                   "because the case counts IPv4 header bytes");
	if (bn && families == SCN_FAMILY_BOTH)
		return lex_fail(p, "'because' says why the other family cannot run, and 'both' "
		                   "leaves none out: drop the reason");
	p->family_line = p->line;
	p->s->families = families;
	p->s->family_given = true;
	lex_reason(p->s->family_reason, sizeof(p->s->family_reason), rest);
	return 0;
}

/* stack-scale FACTOR [PAIRS]: a time-scaled variant of the case for these pairings (default:
 * every one with a stack end); stack ends run their clock 1/FACTOR times faster and expected
 * times are multiplied by FACTOR */
static int parse_stack_scale(struct parser *p, const char *rest)
{
	struct scenario *s = p->s;
	const char *f;
	size_t fn = lex_word(rest, &f, &rest);
	char buf[64];
	snprintf(buf, sizeof(buf), "%.*s", (int)fn, f);
	char *end;
	double v = strtod(buf, &end);
	if (*end || v <= 0 || v >= 1)
		return lex_fail(p, "stack-scale needs a factor between 0 and 1 (0.1: ten times "
		                   "faster), then optionally the pairings");
	s->stack_scale = v;
	/* only an end that declares stack-scale (synfin's stack) runs its clock faster */
	unsigned with_stack = 0;
	for (unsigned k = 0; k < scn_pair_count(); k++)
		if (scn_pair_scales(k, SCN_CLIENT) || scn_pair_scales(k, SCN_SERVER))
			with_stack |= 1u << k;
	s->scale_pairs = with_stack;
	if (*rest) {
		unsigned m = scn_pairs_parse(rest);
		if (!m || (m & ~with_stack))
			return lex_fail(p, "'%s': stack-scale applies to pairings with a stack end",
			                rest);
		s->scale_pairs = m;
	}
	return 0;
}

/* when SPEC, end, {, } */
static int parse_block_line(struct parser *p, const char *w, size_t n, const char *rest)
{
	if (lex_word_is(w, n, "when")) {
		if (p->in_when)
			return lex_fail(p, "'when' blocks do not nest; close the first with 'end'");
		const char *spec;
		size_t sn = lex_word(rest, &spec, &rest);
		char buf[128];
		snprintf(buf, sizeof(buf), "%.*s", (int)sn, spec);
		/* SPEC/ipv6 (linux-linux/ipv6, all/ipv4), or a family alone: over that family */
		char *slash = strrchr(buf, '/');
		unsigned fam =
		    scn_family_parse(slash ? slash + 1 : buf, strlen(slash ? slash + 1 : buf));
		if (fam == SCN_FAMILY_BOTH || (slash && !fam))
			return lex_fail(p,
			                "'%s': a 'when' names one family, ipv4 or ipv6 (when "
			                "ipv6, when linux-linux/ipv6)",
			                buf);
		if (slash)
			*slash = '\0';
		unsigned m = fam && !slash ? scn_all_pairs() : scn_pairs_parse(buf);
		if (!m)
			return lex_fail(p, "'%s' is not a pairing spec", buf);
		p->in_when = true;
		p->when_pairs = m;
		p->when_families = fam;
		return 0;
	}
	if (lex_word_is(w, n, "end")) {
		if (!p->in_when)
			return lex_fail(p, "'end' without 'when'");
		if (p->group)
			return lex_fail(p, "a { group is still open");
		p->in_when = false;
		p->when_pairs = scn_all_pairs();
		p->when_families = 0;
		return 0;
	}
	if (lex_word_is(w, n, "{")) {
		if (p->group || *rest)
			return lex_fail(p, "'{' stands alone and groups do not nest");
		p->group = ++p->next_group;
		return 0;
	}
	if (p->group == 0 || *rest)
		return lex_fail(p, "'}' without '{'");
	p->group = 0;
	return 0;
}

static bool word_in(const char *w, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (lex_word_is(w, n, *list))
			return true;
	return false;
}

static int parse_line(struct parser *p, char *raw)
{
	static const char *const pairs_words[] = {"pairs", "skip", "only", NULL};
	static const char *const limit_words[] = {"limit", "settle", NULL};
	static const char *const block_words[] = {"when", "end", "{", "}", NULL};
	strip_comment(raw);
	const char *w, *rest;
	size_t n = lex_word(raw, &w, &rest);
	if (n == 0)
		return 0;
	if (lex_word_is(w, n, "about"))
		return parse_about(p, rest);
	if (word_in(w, n, pairs_words))
		return parse_pairs_line(p, w, n, rest);
	if (word_in(w, n, limit_words))
		return parse_limit_line(p, w, n, rest);
	if (lex_word_is(w, n, "simultaneous-open"))
		return parse_simultaneous_open(p, rest);
	if (lex_word_is(w, n, "port"))
		return parse_port(p, rest);
	if (lex_word_is(w, n, "family"))
		return parse_family(p, rest);
	if (lex_word_is(w, n, "rule")) {
		if (p->when_families)
			return lex_fail(p, "rules hold for both families: move the line out of the "
			                   "'when ipv4|ipv6' block");
		if (!*rest)
			return lex_fail(
			    p, "rule needs a rule, e.g. rule drop [S] from client first 2");
		return lex_item_add(p, &p->s->rules, &p->s->n_rules, rest) ? 0 : -ENOMEM;
	}
	if (lex_word_is(w, n, "rules"))
		return record_include(p, rest);
	if (lex_word_is(w, n, "stack-scale"))
		return parse_stack_scale(p, rest);
	if (lex_word_is(w, n, "client") || lex_word_is(w, n, "server"))
		return parse_endpoint(p, lex_word_is(w, n, "client") ? SCN_CLIENT : SCN_SERVER,
		                      rest);
	if (word_in(w, n, block_words))
		return parse_block_line(p, w, n, rest);
	return parse_segment(p, raw, w);
}

int scenario_parse_string(struct scenario *s, const char *path, const char *text,
                          struct scn_error *err)
{
	memset(s, 0, sizeof(*s));
	memset(err, 0, sizeof(*err));
	s->path = strdup(path ? path : "-");
	const char *base = s->path ? strrchr(s->path, '/') : NULL;
	base = base ? base + 1 : s->path;
	s->name = base ? strdup(base) : NULL;
	if (!s->path || !s->name)
		return -ENOMEM;
	char *dot = strrchr(s->name, '.');
	if (dot && !strcmp(dot, ".scn"))
		*dot = '\0';
	s->pairs = scn_all_pairs();
	s->limit_us = 30000000;
	s->settle_us = 500000;
	s->port = 80;
	s->families = SCN_FAMILY_IPV4;
	s->stack_scale = 1.0;

	struct parser p = {.s = s, .err = err, .when_pairs = scn_all_pairs()};
	snprintf(p.dir, sizeof(p.dir), "%.*s", (int)(base - s->path), s->path);

	int r = 0;
	const char *c = text;
	char line[1024];
	while (*c && !r) {
		size_t n = strcspn(c, "\n");
		p.line++;
		if (n >= sizeof(line)) {
			r = lex_fail(&p, "line longer than %zu characters", sizeof(line) - 1);
			break;
		}
		memcpy(line, c, n);
		line[n] = '\0';
		if (n && line[n - 1] == '\r')
			line[n - 1] = '\0';
		r = parse_line(&p, line);
		c += n;
		if (*c == '\n')
			c++;
	}
	if (!r && p.in_when)
		r = lex_fail(&p, "a 'when' block is not closed with 'end'");
	if (!r && p.group)
		r = lex_fail(&p, "a '{' group is not closed with '}'");
	if (r == -ENOMEM)
		lex_fail(&p, "out of memory");
	if (r) {
		char keep[sizeof(err->file)];
		memcpy(keep, err->file, sizeof(keep));
		scenario_free(s);
		memcpy(err->file, keep, sizeof(keep));
		return -EINVAL;
	}
	return 0;
}

void scenario_free(struct scenario *s)
{
	free(s->path);
	free(s->name);
	free(s->about);
	free(s->skips);
	lex_items_free(s->limits, s->n_limits);
	lex_items_free(s->settles, s->n_settles);
	lex_items_free(s->rules, s->n_rules);
	for (size_t i = 0; i < s->n_includes; i++)
		free(s->includes[i].path);
	free(s->includes);
	for (int i = 0; i < 2; i++) {
		struct scn_endpoint *ep = &s->ep[i];
		lex_items_free(ep->scripts, ep->n_scripts);
		lex_items_free(ep->sysctls, ep->n_sysctls);
		lex_items_free(ep->tunables, ep->n_tunables);
		lex_items_free(ep->starts, ep->n_starts);
		lex_items_free(ep->exits, ep->n_exits);
		lex_items_free(ep->sees, ep->n_sees);
		lex_items_free(ep->receives, ep->n_receives);
		lex_items_free(ep->lingers, ep->n_lingers);
		lex_items_free(ep->ack_everys, ep->n_ack_everys);
	}
	free(s->segs);
	memset(s, 0, sizeof(*s));
}
