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
		int verdict = scn_verdict_parse(w, n);
		if (lex_word_is(w, n, "seq") || lex_word_is(w, n, "ack") ||
		    lex_word_is(w, n, "len"))
			r = parse_number_field(p, w, n, &rest, g);
		else if (verdict != SCN_V_ANY)
			g->verdict = verdict;
		else if ((n > 1 && w[0] == '+') || lex_word_is(w, n, "at") ||
		         lex_word_is(w, n, "after"))
			r = parse_time_field(p, w, n, &rest, g);
		else
			r = lex_fail(p,
			             "unknown word '%.*s' in a segment line (known: seq, ack, len, "
			             "dropped, delayed, passed, rewritten, corrupted, duplicated, "
			             "reset, injected, reordered, +TIME, at TIME, after LABEL)",
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
		return lex_endpoint_line(p, lex_word_is(w, n, "client") ? SCN_CLIENT : SCN_SERVER,
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
		lex_items_free(ep->counts, ep->n_counts);
	}
	free(s->segs);
	memset(s, 0, sizeof(*s));
}
