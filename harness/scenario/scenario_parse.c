/* scenario_parse.c: the .scn language (tests/scenarios/README.md). One directive per line;
 * `when SPEC ... end` limits the lines inside to some pairings; `{ ... }` makes the segments
 * inside an unordered group. Errors name the file and line and say what would be right. */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/byte_count.h"
#include "common/duration.h"
#include "endpoint/peer_script.h"
#include "wire/segment.h"

static const char *const pair_names[SCN_N_PAIRS] = {"stack-stack", "stack-linux", "linux-stack",
                                                    "linux-linux"};

const char *scn_pair_name(enum scn_pair p)
{
	return (unsigned)p < SCN_N_PAIRS ? pair_names[p] : "?";
}

bool scn_pair_client_is_stack(enum scn_pair p)
{
	return p == SCN_STACK_STACK || p == SCN_STACK_LINUX;
}

bool scn_pair_server_is_stack(enum scn_pair p)
{
	return p == SCN_STACK_STACK || p == SCN_LINUX_STACK;
}

static unsigned pair_one(const char *s, size_t n)
{
	char w[32];
	if (n == 0 || n >= sizeof(w))
		return 0;
	memcpy(w, s, n);
	w[n] = '\0';
	if (!strcmp(w, "all") || !strcmp(w, "*") || !strcmp(w, "*-*"))
		return SCN_ALL_PAIRS;
	if (!strcmp(w, "client=stack") || !strcmp(w, "stack-*"))
		return 1u << SCN_STACK_STACK | 1u << SCN_STACK_LINUX;
	if (!strcmp(w, "client=linux") || !strcmp(w, "linux-*"))
		return 1u << SCN_LINUX_STACK | 1u << SCN_LINUX_LINUX;
	if (!strcmp(w, "server=stack") || !strcmp(w, "*-stack"))
		return 1u << SCN_STACK_STACK | 1u << SCN_LINUX_STACK;
	if (!strcmp(w, "server=linux") || !strcmp(w, "*-linux"))
		return 1u << SCN_STACK_LINUX | 1u << SCN_LINUX_LINUX;
	for (unsigned i = 0; i < SCN_N_PAIRS; i++)
		if (!strcmp(w, pair_names[i]))
			return 1u << i;
	return 0;
}

unsigned scn_pairs_parse(const char *spec)
{
	unsigned mask = 0;
	const char *p = spec;
	while (*p) {
		size_t n = strcspn(p, ",");
		unsigned m = pair_one(p, n);
		if (!m)
			return 0;
		mask |= m;
		p += n;
		if (*p == ',')
			p++;
	}
	return mask;
}

int scn_duration_parse(const char *text, int64_t *us)
{
	/* a day at most: no case waits longer, and time windows (nominal * 1000% and sums)
	 * stay far inside int64_t */
	static const struct duration_syntax syn = {
	    .digits_only = true, .bare_zero = true, .minutes = true, .max_us = SCN_MAX_DURATION_US};
	uint64_t v;
	int rc = duration_parse(text, &syn, &v);
	if (rc == 0)
		*us = (int64_t)v;
	return rc;
}

int scn_size_parse(const char *text, uint64_t *bytes)
{
	static const struct byte_count_syntax syn = {.script_suffixes = false};
	return byte_count_parse(text, &syn, bytes);
}

void scn_time_window(const struct scn_time *t, double scale, int64_t *lo, int64_t *hi)
{
	int64_t nom = (int64_t)((double)t->nominal_us * scale);
	if (t->range) {
		*lo = nom;
		*hi = (int64_t)((double)t->max_us * scale);
		return;
	}
	int64_t tol;
	if (t->tol_us >= 0)
		tol = t->tol_us;
	else if (t->tol_pct >= 0)
		tol = nom * t->tol_pct / 100;
	else {
		/* packetdrill: max(4 ms, 12.5% of the gap) (REFERENCE.md section 6) */
		tol = nom / 8;
		if (tol < 4000)
			tol = 4000;
	}
	*lo = nom - tol;
	*hi = nom + tol;
}

static const struct {
	const char *name;
	int value;
} outcome_names[] = {
    {"ok", SCN_OUT_OK},
    {"error", SCN_OUT_ERROR},
    {"ETIMEDOUT", SCN_OUT_ETIMEDOUT},
    {"ECONNREFUSED", SCN_OUT_ECONNREFUSED},
    {"ECONNRESET", SCN_OUT_ECONNRESET},
    {"killed", SCN_OUT_KILLED},
    {"any", SCN_OUT_ANY},
};

const char *scn_outcome_name(int outcome)
{
	for (size_t i = 0; i < sizeof(outcome_names) / sizeof(outcome_names[0]); i++)
		if (outcome_names[i].value == outcome)
			return outcome_names[i].name;
	return "unset";
}

int scn_outcome_parse(const char *word)
{
	for (size_t i = 0; i < sizeof(outcome_names) / sizeof(outcome_names[0]); i++)
		if (!strcasecmp(outcome_names[i].name, word))
			return outcome_names[i].value;
	return -1;
}

/* ---- parser state ---- */

struct parser {
	struct scenario *s;
	struct scn_error *err;
	unsigned line;
	unsigned when_pairs; /* SCN_ALL_PAIRS outside a `when` block */
	bool in_when;
	unsigned group; /* current { } group id, 0 outside */
	unsigned next_group;
	char dir[256]; /* folder of the scenario, for `rules FILE` */
};

static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	snprintf(p->err->file, sizeof(p->err->file), "%s", p->s->path ? p->s->path : "-");
	p->err->line = p->line;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int item_add(struct scn_item **v, size_t *n, unsigned pairs, unsigned line, const char *text)
{
	struct scn_item *nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n].pairs = pairs;
	nv[*n].line = line;
	nv[*n].text = strdup(text);
	if (!nv[*n].text)
		return -ENOMEM;
	(*n)++;
	return 0;
}

static void items_free(struct scn_item *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].text);
	free(v);
}

/* Split off the next whitespace-separated word; returns its length, *rest after it. */
static size_t word(const char *s, const char **start, const char **rest)
{
	while (isspace((unsigned char)*s))
		s++;
	*start = s;
	while (*s && !isspace((unsigned char)*s))
		s++;
	size_t n = (size_t)(s - *start);
	while (isspace((unsigned char)*s))
		s++;
	*rest = s;
	return n;
}

static bool word_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && !memcmp(w, lit, n);
}

/* Copy a reason (rest of a line), dropping one pair of surrounding quotes and "because". */
static void copy_reason(char *dst, size_t size, const char *src)
{
	if (!strncmp(src, "because ", 8))
		src += 8;
	size_t n = strlen(src);
	if (n >= 2 && src[0] == '"' && src[n - 1] == '"') {
		src++;
		n -= 2;
	}
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int parse_flags(struct parser *p, const char *w, size_t n, struct scn_seg *g)
{
	if (n < 2 || w[0] != '[' || w[n - 1] != ']')
		return fail(p,
		            "flags must be written as tcpdump prints them, e.g. [S], [S.], [F.], "
		            "[P.], [R] ([*] for any; a letter followed by ? may be set or not)");
	if (n == 3 && w[1] == '*') {
		g->flags_any = true;
		return 0;
	}
	for (size_t i = 1; i < n - 1; i++) {
		uint8_t f;
		switch (w[i]) {
		case 'F':
			f = TCPF_FIN;
			break;
		case 'S':
			f = TCPF_SYN;
			break;
		case 'R':
			f = TCPF_RST;
			break;
		case 'P':
			f = TCPF_PSH;
			break;
		case '.':
			f = TCPF_ACK;
			break;
		case 'U':
			f = TCPF_URG;
			break;
		case 'E':
			f = TCPF_ECE;
			break;
		case 'W':
			f = TCPF_CWR;
			break;
		default:
			return fail(p, "unknown flag letter '%c' in %.*s: use F S R P . U E W",
			            w[i], (int)n, w);
		}
		if (i + 1 < n - 1 && w[i + 1] == '?') {
			g->flags_may |= f;
			i++;
		} else {
			g->flags |= f;
		}
	}
	return 0;
}

static int parse_u32(const char *w, size_t n, uint32_t *v)
{
	char buf[24];
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, w, n);
	buf[n] = '\0';
	char *end;
	errno = 0;
	unsigned long long x = strtoull(buf, &end, 10);
	if (*end || errno || x > UINT32_MAX || buf[0] == '-')
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

/* DUR, A..B, DUR~TOL, DUR~N% */
static int parse_time(struct parser *p, const char *w, size_t n, struct scn_time *t)
{
	char buf[64];
	if (n >= sizeof(buf))
		return fail(p, "time '%.*s' is too long", (int)n, w);
	memcpy(buf, w, n);
	buf[n] = '\0';
	t->tol_us = -1;
	t->tol_pct = -1;
	char *dots = strstr(buf, "..");
	char *tilde = strchr(buf, '~');
	if (dots) {
		*dots = '\0';
		/* "0..200ms": a bare number takes the unit of the upper bound */
		char low[80];
		const char *unit = dots + 2;
		while (*unit && (isdigit((unsigned char)*unit) || *unit == '.'))
			unit++;
		snprintf(low, sizeof(low), "%s%s", buf,
		         strspn(buf, "0123456789.") == strlen(buf) ? unit : "");
		if (scn_duration_parse(low, &t->nominal_us) ||
		    scn_duration_parse(dots + 2, &t->max_us) || t->max_us < t->nominal_us)
			return fail(p, "bad time range '%.*s': write e.g. +0..200ms", (int)n, w);
		t->range = true;
		return 0;
	}
	if (tilde) {
		*tilde = '\0';
		char *tol = tilde + 1;
		size_t tl = strlen(tol);
		if (tl > 1 && tol[tl - 1] == '%') {
			tol[tl - 1] = '\0';
			char *end;
			long pct = strtol(tol, &end, 10);
			if (*end || pct < 0 || pct > 1000)
				return fail(p, "bad tolerance '%s%%': write e.g. ~20%%", tol);
			t->tol_pct = (int)pct;
		} else if (scn_duration_parse(tol, &t->tol_us)) {
			return fail(p, "bad tolerance '~%s': write e.g. ~50ms or ~20%%", tol);
		}
	}
	if (scn_duration_parse(buf, &t->nominal_us))
		return fail(p, "bad duration '%s': write e.g. 500ms, 1s, 1.5s, 200us", buf);
	t->max_us = t->nominal_us;
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
	g.group = p->group;
	g.verdict = SCN_V_ANY;
	snprintf(g.text, sizeof(g.text), "%s", text);

	const char *w, *rest = line;
	size_t n = word(rest, &w, &rest);
	if (word_is(w, n, "...")) {
		if (*rest)
			return fail(p, "'...' stands alone on its line");
		if (p->group)
			return fail(p, "'...' cannot be inside a { } group");
		g.kind = SCN_ANYTHING;
		goto add;
	}
	if (n > 1 && w[n - 1] == ':') {
		if (n - 1 >= sizeof(g.label))
			return fail(p, "label '%.*s' is too long", (int)(n - 1), w);
		memcpy(g.label, w, n - 1);
		for (size_t i = 0; i < p->s->n_segs; i++)
			if (!strcmp(p->s->segs[i].label, g.label) &&
			    (p->s->segs[i].pairs & g.pairs))
				return fail(p, "label '%s' is used twice", g.label);
		n = word(rest, &w, &rest);
	}
	if (word_is(w, n, "maybe")) {
		g.optional = true;
		n = word(rest, &w, &rest);
	}
	if (word_is(w, n, "c>s") || word_is(w, n, ">"))
		g.dir = 0;
	else if (word_is(w, n, "s>c") || word_is(w, n, "<"))
		g.dir = 1;
	else
		return fail(p, "expected a direction (c>s or s>c) and got '%.*s'", (int)n, w);
	n = word(rest, &w, &rest);
	if (parse_flags(p, w, n, &g))
		return -EINVAL;
	while (*rest) {
		n = word(rest, &w, &rest);
		if (word_is(w, n, "seq") || word_is(w, n, "ack") || word_is(w, n, "len")) {
			const char *v;
			size_t vn = word(rest, &v, &rest);
			if (word_is(w, n, "seq")) {
				const char *colon = memchr(v, ':', vn);
				uint32_t end;
				if (colon) {
					if (parse_u32(v, (size_t)(colon - v), &g.seq) ||
					    parse_u32(colon + 1, vn - (size_t)(colon + 1 - v),
					              &end) ||
					    end < g.seq)
						return fail(p,
						            "bad seq range '%.*s': write seq 1:19 "
						            "(first:last+1, as tcpdump prints)",
						            (int)vn, v);
					g.has_len = true;
					g.len = end - g.seq;
				} else if (parse_u32(v, vn, &g.seq)) {
					return fail(p,
					            "bad seq '%.*s': a number relative to the "
					            "sender's ISN",
					            (int)vn, v);
				}
				g.has_seq = true;
			} else if (word_is(w, n, "ack")) {
				if (parse_u32(v, vn, &g.ack))
					return fail(p,
					            "bad ack '%.*s': a number relative to the "
					            "receiver's ISN",
					            (int)vn, v);
				g.has_ack = true;
			} else {
				if (parse_u32(v, vn, &g.len))
					return fail(p, "bad len '%.*s'", (int)vn, v);
				g.has_len = true;
			}
		} else if (word_is(w, n, "dropped")) {
			g.verdict = SCN_V_DROP;
		} else if (word_is(w, n, "delayed")) {
			g.verdict = SCN_V_DELAY;
		} else if (word_is(w, n, "passed")) {
			g.verdict = SCN_V_PASS;
		} else if (n > 1 && w[0] == '+') {
			if (g.time.kind != SCN_T_NONE)
				return fail(p, "two times on one line");
			if (parse_time(p, w + 1, n - 1, &g.time))
				return -EINVAL;
			g.time.kind = SCN_T_AFTER;
		} else if (word_is(w, n, "at")) {
			if (g.time.kind != SCN_T_NONE)
				return fail(p, "two times on one line");
			const char *v;
			size_t vn = word(rest, &v, &rest);
			if (parse_time(p, v, vn, &g.time))
				return -EINVAL;
			g.time.kind = SCN_T_AT;
		} else if (word_is(w, n, "after")) {
			const char *v;
			size_t vn = word(rest, &v, &rest);
			if (vn == 0 || vn >= sizeof(g.time.anchor))
				return fail(p, "'after' needs a label of an earlier line");
			memcpy(g.time.anchor, v, vn);
			g.time.anchor[vn] = '\0';
			bool found = false;
			for (size_t i = 0; i < p->s->n_segs; i++)
				if (!strcmp(p->s->segs[i].label, g.time.anchor))
					found = true;
			if (!found)
				return fail(p,
				            "no earlier line is labelled '%s' (write 'NAME:' at "
				            "the start of that line)",
				            g.time.anchor);
		} else {
			return fail(p,
			            "unknown word '%.*s' in a segment line (known: seq, ack, len, "
			            "dropped, delayed, passed, +TIME, at TIME, after LABEL)",
			            (int)n, w);
		}
	}
	if (g.time.anchor[0] && g.time.kind != SCN_T_AFTER)
		return fail(p, "'after %s' needs a +TIME", g.time.anchor);
add:;
	struct scn_seg *ns = realloc(p->s->segs, (p->s->n_segs + 1) * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	p->s->segs = ns;
	ns[p->s->n_segs++] = g;
	return 0;
}

static int parse_endpoint(struct parser *p, enum scn_role role, const char *rest)
{
	struct scn_endpoint *ep = &p->s->ep[role];
	const char *w;
	size_t n = word(rest, &w, &rest);
	unsigned pairs = p->when_pairs;
	if (word_is(w, n, "run")) {
		struct peer_script ps;
		char e[256];
		if (peer_script_parse(&ps, rest, e, sizeof(e)))
			return fail(p, "behaviour script: %s", e);
		peer_script_free(&ps);
		return item_add(&ep->scripts, &ep->n_scripts, pairs, p->line, rest);
	}
	if (word_is(w, n, "sysctl") || word_is(w, n, "set")) {
		bool sysctl = word_is(w, n, "sysctl");
		if (!*rest)
			return fail(p, "%s needs KEY=VALUE", sysctl ? "sysctl" : "set");
		while (*rest) {
			char kv[200];
			n = word(rest, &w, &rest);
			if (n >= sizeof(kv) - 16 || !memchr(w, '=', n) || w[0] == '=')
				return fail(p, "'%.*s' is not KEY=VALUE", (int)n, w);
			/* short names are net.ipv4's: tcp_syn_retries=5 */
			bool short_key =
			    sysctl && !memchr(w, '.', (size_t)((char *)memchr(w, '=', n) - w));
			snprintf(kv, sizeof(kv), "%s%.*s", short_key ? "net.ipv4." : "", (int)n, w);
			int r = sysctl
			            ? item_add(&ep->sysctls, &ep->n_sysctls, pairs, p->line, kv)
			            : item_add(&ep->tunables, &ep->n_tunables, pairs, p->line, kv);
			if (r)
				return r;
		}
		return 0;
	}
	if (word_is(w, n, "start")) {
		int64_t us;
		if (scn_duration_parse(rest, &us))
			return fail(p,
			            "start needs a duration after the server is ready, e.g. 100ms");
		return item_add(&ep->starts, &ep->n_starts, pairs, p->line, rest);
	}
	if (word_is(w, n, "exit")) {
		const char *o, *r2;
		size_t on = word(rest, &o, &r2);
		char ow[32];
		snprintf(ow, sizeof(ow), "%.*s", (int)on, o);
		if (scn_outcome_parse(ow) < 0)
			return fail(
			    p,
			    "unknown outcome '%s' (ok, ETIMEDOUT, ECONNREFUSED, ECONNRESET, "
			    "error, killed, any)",
			    ow);
		if (*r2) {
			struct scn_time t;
			memset(&t, 0, sizeof(t));
			const char *tw;
			size_t tn = word(r2, &tw, &r2);
			if (word_is(tw, tn, "at"))
				tn = word(r2, &tw, &r2);
			else if (tn > 1 && tw[0] == '+')
				tw++, tn--;
			else
				return fail(
				    p, "the exit time is 'at DUR' (after the first segment) or "
				       "'+DUR' (after the last)");
			if (parse_time(p, tw, tn, &t) || *r2)
				return fail(p, "bad exit time");
		}
		return item_add(&ep->exits, &ep->n_exits, pairs, p->line, rest);
	}
	if (word_is(w, n, "sees")) {
		static const char *const known[] = {"connected", "accepted", "eof",
		                                    "read",      "sent",     "shutdown-write",
		                                    "closed",    "aborted",  "error"};
		const char *r2 = rest;
		size_t count = 0;
		while (*r2) {
			n = word(r2, &w, &r2);
			bool ok = false;
			for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
				ok |= word_is(w, n, known[i]);
			if (!ok)
				return fail(
				    p,
				    "unknown application event '%.*s' (connected, accepted, "
				    "eof, read, sent, shutdown-write, closed, aborted, error)",
				    (int)n, w);
			count++;
		}
		if (count == 0 || count > SCN_MAX_SEES)
			return fail(p, "sees takes 1 to %d events", SCN_MAX_SEES);
		return item_add(&ep->sees, &ep->n_sees, pairs, p->line, rest);
	}
	if (word_is(w, n, "receives")) {
		uint64_t b;
		if (scn_size_parse(rest, &b))
			return fail(p, "receives needs a byte count (1000, 64K, 1M)");
		return item_add(&ep->receives, &ep->n_receives, pairs, p->line, rest);
	}
	if (word_is(w, n, "ack-every")) {
		uint32_t v;
		if (parse_u32(rest, strlen(rest), &v) || v == 0)
			return fail(p,
			            "ack-every needs a segment count, e.g. ack-every 2 (RFC 1122 "
			            "4.2.3.2: at least every second full-sized segment)");
		return item_add(&ep->ack_everys, &ep->n_ack_everys, pairs, p->line, rest);
	}
	if (word_is(w, n, "linger")) {
		int64_t us;
		if (scn_duration_parse(rest, &us))
			return fail(p, "linger needs a duration, e.g. 3s");
		return item_add(&ep->lingers, &ep->n_lingers, pairs, p->line, rest);
	}
	return fail(p,
	            "unknown endpoint directive '%.*s' (run, sysctl, set, start, exit, sees, "
	            "receives, linger)",
	            (int)n, w);
}

static int include_rules(struct parser *p, const char *file)
{
	char path[512];
	if (file[0] == '/')
		snprintf(path, sizeof(path), "%s", file);
	else
		snprintf(path, sizeof(path), "%s%s", p->dir, file);
	FILE *f = fopen(path, "r");
	if (!f)
		return fail(p, "cannot read rule file %s: %s", path, strerror(errno));
	char buf[512];
	int r = 0;
	while (!r && fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\r\n")] = '\0';
		/* line 0: placed after the scenario's own lines (see scenario_rules_text) */
		r = item_add(&p->s->rules, &p->s->n_rules, p->when_pairs, 0, buf);
	}
	fclose(f);
	return r;
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

static int parse_line(struct parser *p, char *raw)
{
	strip_comment(raw);
	const char *w, *rest;
	size_t n = word(raw, &w, &rest);
	if (n == 0)
		return 0;
	struct scenario *s = p->s;
	const char *trimmed = w;

	if (word_is(w, n, "about")) {
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
	if (word_is(w, n, "pairs") || word_is(w, n, "skip") || word_is(w, n, "only")) {
		const char *spec;
		size_t sn = word(rest, &spec, &rest);
		char buf[128];
		snprintf(buf, sizeof(buf), "%.*s", (int)sn, spec);
		unsigned m = scn_pairs_parse(buf);
		if (!m)
			return fail(p,
			            "'%s' is not a pairing (stack-stack, stack-linux, linux-stack, "
			            "linux-linux, client=linux, *-stack, all; comma separated)",
			            buf);
		if (word_is(w, n, "pairs")) {
			s->pairs = m;
			return 0;
		}
		if (!*rest)
			return fail(p, "%.*s needs a reason: say why the pairing differs", (int)n,
			            w);
		struct scn_skip *ns = realloc(s->skips, (s->n_skips + 1) * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		s->skips = ns;
		ns[s->n_skips].pairs = word_is(w, n, "skip") ? m : (SCN_ALL_PAIRS & ~m);
		copy_reason(ns[s->n_skips].reason, sizeof(ns[0].reason), rest);
		s->n_skips++;
		return 0;
	}
	if (word_is(w, n, "limit") || word_is(w, n, "settle")) {
		int64_t us;
		if (scn_duration_parse(rest, &us) || us == 0)
			return fail(p, "%.*s needs a duration, e.g. 90s", (int)n, w);
		/* inside a `when` block: for those pairings only */
		if (p->in_when)
			return item_add(word_is(w, n, "limit") ? &s->limits : &s->settles,
			                word_is(w, n, "limit") ? &s->n_limits : &s->n_settles,
			                p->when_pairs, p->line, rest);
		if (word_is(w, n, "limit"))
			s->limit_us = us;
		else
			s->settle_us = us;
		return 0;
	}
	if (word_is(w, n, "simultaneous-open")) {
		unsigned a, b;
		char extra;
		if (sscanf(rest, "%u %u %c", &a, &b, &extra) != 2 || !a || !b || a > 65535 ||
		    b > 65535 || a == b)
			return fail(p,
			            "simultaneous-open needs the client's and the server's port, "
			            "e.g. simultaneous-open 5000 6000");
		s->simopen_cport = (uint16_t)a;
		s->simopen_sport = (uint16_t)b;
		return 0;
	}
	if (word_is(w, n, "port")) {
		uint32_t v;
		if (parse_u32(rest, strlen(rest), &v) || v == 0 || v > 65535)
			return fail(p, "port needs a number 1-65535");
		s->port = (uint16_t)v;
		return 0;
	}
	if (word_is(w, n, "rule")) {
		if (!*rest)
			return fail(p, "rule needs a rule, e.g. rule drop [S] from client first 2");
		return item_add(&s->rules, &s->n_rules, p->when_pairs, p->line, rest);
	}
	if (word_is(w, n, "rules"))
		return include_rules(p, rest);
	if (word_is(w, n, "stack-scale")) {
		/* stack-scale FACTOR [PAIRS]: a time-scaled variant of the case for these
		 * pairings (default: every one with a stack end); stack ends run their clock
		 * 1/FACTOR times faster and expected times are multiplied by FACTOR */
		const char *f;
		size_t fn = word(rest, &f, &rest);
		char buf[64];
		snprintf(buf, sizeof(buf), "%.*s", (int)fn, f);
		char *end;
		double v = strtod(buf, &end);
		if (*end || v <= 0 || v >= 1)
			return fail(p, "stack-scale needs a factor between 0 and 1 (0.1: ten times "
			               "faster), then optionally the pairings");
		s->stack_scale = v;
		s->scale_pairs = SCN_ALL_PAIRS & ~(1u << SCN_LINUX_LINUX);
		if (*rest) {
			unsigned m = scn_pairs_parse(rest);
			if (!m || (m & (1u << SCN_LINUX_LINUX)))
				return fail(p,
				            "'%s': stack-scale applies to pairings with a stack "
				            "end",
				            rest);
			s->scale_pairs = m;
		}
		return 0;
	}
	if (word_is(w, n, "client"))
		return parse_endpoint(p, SCN_CLIENT, rest);
	if (word_is(w, n, "server"))
		return parse_endpoint(p, SCN_SERVER, rest);
	if (word_is(w, n, "when")) {
		if (p->in_when)
			return fail(p, "'when' blocks do not nest; close the first with 'end'");
		const char *spec;
		size_t sn = word(rest, &spec, &rest);
		char buf[128];
		snprintf(buf, sizeof(buf), "%.*s", (int)sn, spec);
		unsigned m = scn_pairs_parse(buf);
		if (!m)
			return fail(p, "'%s' is not a pairing spec", buf);
		p->in_when = true;
		p->when_pairs = m;
		return 0;
	}
	if (word_is(w, n, "end")) {
		if (!p->in_when)
			return fail(p, "'end' without 'when'");
		if (p->group)
			return fail(p, "a { group is still open");
		p->in_when = false;
		p->when_pairs = SCN_ALL_PAIRS;
		return 0;
	}
	if (word_is(w, n, "{")) {
		if (p->group || *rest)
			return fail(p, "'{' stands alone and groups do not nest");
		p->group = ++p->next_group;
		return 0;
	}
	if (word_is(w, n, "}")) {
		if (!p->group || *rest)
			return fail(p, "'}' without '{'");
		p->group = 0;
		return 0;
	}
	return parse_segment(p, raw, trimmed);
}

int scenario_parse_string(struct scenario *s, const char *path, const char *text,
                          struct scn_error *err)
{
	memset(s, 0, sizeof(*s));
	memset(err, 0, sizeof(*err));
	s->path = strdup(path ? path : "-");
	const char *base = strrchr(s->path, '/');
	base = base ? base + 1 : s->path;
	s->name = strdup(base);
	if (!s->path || !s->name)
		return -ENOMEM;
	char *dot = strrchr(s->name, '.');
	if (dot && !strcmp(dot, ".scn"))
		*dot = '\0';
	s->pairs = SCN_ALL_PAIRS;
	s->limit_us = 30000000;
	s->settle_us = 500000;
	s->port = 80;
	s->stack_scale = 1.0;

	struct parser p = {.s = s, .err = err, .when_pairs = SCN_ALL_PAIRS};
	snprintf(p.dir, sizeof(p.dir), "%.*s", (int)(base - s->path), s->path);

	int r = 0;
	const char *c = text;
	char line[1024];
	while (*c && !r) {
		size_t n = strcspn(c, "\n");
		p.line++;
		if (n >= sizeof(line)) {
			r = fail(&p, "line longer than %zu characters", sizeof(line) - 1);
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
		r = fail(&p, "a 'when' block is not closed with 'end'");
	if (!r && p.group)
		r = fail(&p, "a '{' group is not closed with '}'");
	if (r == -ENOMEM)
		fail(&p, "out of memory");
	if (r) {
		char keep[sizeof(err->file)];
		memcpy(keep, err->file, sizeof(keep));
		scenario_free(s);
		memset(s, 0, sizeof(*s));
		memcpy(err->file, keep, sizeof(keep));
		return -EINVAL;
	}
	return 0;
}

int scenario_parse_file(struct scenario *s, const char *path, struct scn_error *err)
{
	memset(s, 0, sizeof(*s));
	memset(err, 0, sizeof(*err));
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err->file, sizeof(err->file), "%s", path);
		snprintf(err->msg, sizeof(err->msg), "cannot read: %s", strerror(errno));
		return -errno;
	}
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += got;
		if (len + 1 == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	fclose(f);
	if (!buf)
		return -ENOMEM;
	buf[len] = '\0';
	int r = scenario_parse_string(s, path, buf, err);
	free(buf);
	return r;
}

void scenario_free(struct scenario *s)
{
	free(s->path);
	free(s->name);
	free(s->about);
	free(s->skips);
	items_free(s->limits, s->n_limits);
	items_free(s->settles, s->n_settles);
	items_free(s->rules, s->n_rules);
	for (int i = 0; i < 2; i++) {
		struct scn_endpoint *ep = &s->ep[i];
		items_free(ep->scripts, ep->n_scripts);
		items_free(ep->sysctls, ep->n_sysctls);
		items_free(ep->tunables, ep->n_tunables);
		items_free(ep->starts, ep->n_starts);
		items_free(ep->exits, ep->n_exits);
		items_free(ep->sees, ep->n_sees);
		items_free(ep->receives, ep->n_receives);
		items_free(ep->lingers, ep->n_lingers);
		items_free(ep->ack_everys, ep->n_ack_everys);
	}
	free(s->segs);
	memset(s, 0, sizeof(*s));
}

/* ---- per pairing ---- */

static const struct scn_item *last_for(const struct scn_item *v, size_t n, unsigned bit)
{
	const struct scn_item *found = NULL;
	for (size_t i = 0; i < n; i++)
		if (v[i].pairs & bit)
			found = &v[i];
	return found;
}

int scenario_resolve(const struct scenario *s, enum scn_pair pair, bool scaled, struct scn_case *c)
{
	unsigned bit = 1u << pair;
	memset(c, 0, sizeof(*c));
	c->scn = s;
	c->pair = pair;
	c->scale = 1.0;
	if (scaled && s->stack_scale < 1.0 && (s->scale_pairs & bit))
		c->scale = s->stack_scale;
	if (!(s->pairs & bit)) {
		c->skip = true;
		snprintf(c->skip_reason, sizeof(c->skip_reason),
		         "the scenario's 'pairs' line leaves %s out", scn_pair_name(pair));
	}
	for (size_t i = 0; i < s->n_skips && !c->skip; i++)
		if (s->skips[i].pairs & bit) {
			c->skip = true;
			snprintf(c->skip_reason, sizeof(c->skip_reason), "%s", s->skips[i].reason);
		}
	c->limit_us = s->limit_us;
	c->settle_us = s->settle_us;
	const struct scn_item *lim = last_for(s->limits, s->n_limits, bit);
	const struct scn_item *set = last_for(s->settles, s->n_settles, bit);
	if (lim)
		scn_duration_parse(lim->text, &c->limit_us);
	if (set)
		scn_duration_parse(set->text, &c->settle_us);
	bool stack[2] = {scn_pair_client_is_stack(pair), scn_pair_server_is_stack(pair)};
	for (int r = 0; r < 2; r++) {
		const struct scn_endpoint *ep = &s->ep[r];
		const struct scn_item *it = last_for(ep->scripts, ep->n_scripts, bit);
		c->script[r] =
		    it ? it->text
		       : (r == SCN_CLIENT ? "connect; close" : "accept; read-eof; close");
		for (size_t i = 0; i < ep->n_sysctls && !stack[r]; i++)
			if ((ep->sysctls[i].pairs & bit) && c->n_sysctls[r] < 32)
				c->sysctls[r][c->n_sysctls[r]++] = ep->sysctls[i].text;
		for (size_t i = 0; i < ep->n_tunables && stack[r]; i++)
			if ((ep->tunables[i].pairs & bit) && c->n_tunables[r] < 32)
				c->tunables[r][c->n_tunables[r]++] = ep->tunables[i].text;
		it = last_for(ep->starts, ep->n_starts, bit);
		if (it)
			scn_duration_parse(it->text, &c->start_us[r]);
		c->exit[r] = SCN_OUT_UNSET;
		it = last_for(ep->exits, ep->n_exits, bit);
		if (it) {
			char buf[128];
			snprintf(buf, sizeof(buf), "%s", it->text);
			char *sp = strchr(buf, ' ');
			if (sp)
				*sp = '\0';
			c->exit[r] = scn_outcome_parse(buf);
			if (sp) {
				const char *tw, *rest;
				size_t tn = word(sp + 1, &tw, &rest);
				struct parser dummy_p;
				struct scn_error dummy_e;
				struct scenario dummy_s = {0};
				memset(&dummy_p, 0, sizeof(dummy_p));
				dummy_p.s = &dummy_s;
				dummy_p.err = &dummy_e;
				struct scn_time *t = &c->exit_time[r];
				if (word_is(tw, tn, "at")) {
					tn = word(rest, &tw, &rest);
					t->kind = SCN_T_AT;
				} else {
					tw++, tn--;
					t->kind = SCN_T_AFTER;
				}
				parse_time(&dummy_p, tw, tn, t);
			}
		}
		c->receives[r] = -1;
		it = last_for(ep->receives, ep->n_receives, bit);
		uint64_t bytes;
		if (it && scn_size_parse(it->text, &bytes) == 0)
			c->receives[r] = (int64_t)bytes;
		it = last_for(ep->lingers, ep->n_lingers, bit);
		c->linger[r] = it && stack[r] ? it->text : NULL;
		it = last_for(ep->ack_everys, ep->n_ack_everys, bit);
		c->ack_every[r] = it ? (unsigned)strtoul(it->text, NULL, 10) : 0;
		it = last_for(ep->sees, ep->n_sees, bit);
		if (it) {
			const char *w, *rest = it->text;
			size_t n;
			/* pointers into the item text would not end at the word: keep whole
			 * words by storing them in the case's own copy below */
			while (*rest && c->n_sees[r] < SCN_MAX_SEES) {
				n = word(rest, &w, &rest);
				char *dup = strndup(w, n);
				if (!dup)
					return -ENOMEM;
				c->sees[r][c->n_sees[r]++] = dup;
			}
		}
	}
	c->segs = calloc(s->n_segs ? s->n_segs : 1, sizeof(*c->segs));
	if (!c->segs)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_segs; i++)
		if (s->segs[i].pairs & bit)
			c->segs[c->n_segs++] = &s->segs[i];
	return 0;
}

int64_t scn_case_expected_us(const struct scn_case *c)
{
	int64_t *tt = calloc(c->n_segs + 1, sizeof(*tt));
	int64_t end = 0;
	if (!tt)
		return c->limit_us;
	for (size_t i = 0; i < c->n_segs; i++) {
		const struct scn_time *tm = &c->segs[i]->time;
		int64_t prev = i ? tt[i - 1] : 0, base = prev;
		for (size_t k = 0; tm->anchor[0] && k < i; k++)
			if (!strcmp(c->segs[k]->label, tm->anchor))
				base = tt[k];
		if (tm->kind == SCN_T_AT)
			tt[i] = tm->nominal_us;
		else if (tm->kind == SCN_T_AFTER)
			tt[i] = base + tm->nominal_us;
		else
			tt[i] = prev;
		if (tt[i] > end)
			end = tt[i];
	}
	free(tt);
	for (int r = 0; r < 2; r++) {
		int64_t x = 0;
		if (c->exit_time[r].kind == SCN_T_AT)
			x = c->exit_time[r].nominal_us;
		else if (c->exit_time[r].kind == SCN_T_AFTER)
			x = end + c->exit_time[r].nominal_us;
		if (x > end)
			end = x;
	}
	return (int64_t)((double)end * c->scale) + c->settle_us;
}

void scn_case_free(struct scn_case *c)
{
	for (int r = 0; r < 2; r++)
		for (size_t i = 0; i < c->n_sees[r]; i++)
			free((char *)c->sees[r][i]);
	free(c->segs);
	memset(c, 0, sizeof(*c));
}

char *scenario_rules_text(const struct scenario *s, enum scn_pair pair)
{
	unsigned bit = 1u << pair;
	size_t cap = 256;
	for (size_t i = 0; i < s->n_rules; i++)
		cap += strlen(s->rules[i].text) + 2;
	unsigned last = 0;
	for (size_t i = 0; i < s->n_rules; i++)
		if (s->rules[i].line > last)
			last = s->rules[i].line;
	cap += last + 1;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	size_t len = 0;
	unsigned line = 1;
	out[0] = '\0';
	/* inline rules keep their scenario line numbers, so faultd's "file:line" is the .scn's */
	for (size_t i = 0; i < s->n_rules; i++) {
		const struct scn_item *r = &s->rules[i];
		if (!r->line || !(r->pairs & bit))
			continue;
		while (line < r->line) {
			out[len++] = '\n';
			line++;
		}
		len += (size_t)snprintf(out + len, cap - len, "%s\n", r->text);
		line++;
	}
	for (size_t i = 0; i < s->n_rules; i++) {
		const struct scn_item *r = &s->rules[i];
		if (r->line || !(r->pairs & bit))
			continue;
		len += (size_t)snprintf(out + len, cap - len, "%s\n", r->text);
	}
	out[len] = '\0';
	return out;
}
