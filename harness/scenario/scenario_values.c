/* scenario_values.c: the words and values of the .scn language (scenario_lex.h): durations and byte
 * counts (the one place the common grammars are called from), time windows, outcomes, flags,
 * numbers. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/byte_count.h"
#include "common/duration.h"
#include "scenario.h"
#include "scenario_lex.h"
#include "wire/segment.h"

int scn_duration_parse(const char *text, int64_t *us)
{
	/* a day at most: no case waits longer, and time windows (nominal * 1000% and sums)
	 * stay far inside int64_t */
	uint64_t v;
	int rc = duration_parse_us(text, strlen(text), SCN_MAX_DURATION_US, &v);
	if (rc == 0)
		*us = (int64_t)v;
	return rc;
}

int scn_size_parse(const char *text, uint64_t *bytes)
{
	return count_parse(text, strlen(text), bytes);
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
    {"ECONNABORTED", SCN_OUT_ECONNABORTED},
    {"killed", SCN_OUT_KILLED},
    {"any", SCN_OUT_ANY},
};

const char *scn_role_name(enum scn_role role)
{
	return role == SCN_CLIENT ? "client" : "server";
}

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

/* indexed by enum scn_verdict */
static const char *const verdict_names[] = {
    "passed",     "dropped", "delayed",  "rewritten", "corrupted",
    "duplicated", "reset",   "injected", "reordered",
};

const char *scn_verdict_name(int verdict)
{
	if (verdict < 0 || (size_t)verdict >= sizeof(verdict_names) / sizeof(verdict_names[0]))
		return NULL;
	return verdict_names[verdict];
}

int scn_verdict_parse(const char *word, size_t n)
{
	for (size_t i = 0; i < sizeof(verdict_names) / sizeof(verdict_names[0]); i++)
		if (lex_word_is(word, n, verdict_names[i]))
			return (int)i;
	return SCN_V_ANY;
}

int lex_fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	snprintf(p->err->file, sizeof(p->err->file), "%s", p->s->path ? p->s->path : "-");
	p->err->line = p->line;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

struct scn_item *lex_item_add(struct parser *p, struct scn_item **v, size_t *n, const char *text)
{
	struct scn_item *nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return NULL;
	*v = nv;
	struct scn_item *it = &nv[*n];
	memset(it, 0, sizeof(*it));
	it->pairs = p->when_pairs;
	it->families = p->when_families;
	it->line = p->line;
	if (text && !(it->text = strdup(text)))
		return NULL;
	(*n)++;
	return it;
}

void lex_items_free(struct scn_item *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].text);
	free(v);
}

size_t lex_word(const char *s, const char **start, const char **rest)
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

bool lex_word_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && !memcmp(w, lit, n);
}

void lex_reason(char *dst, size_t size, const char *src)
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

int lex_flags(struct parser *p, const char *w, size_t n, struct scn_seg *g)
{
	if (n < 2 || w[0] != '[' || w[n - 1] != ']')
		return lex_fail(
		    p, "flags must be written as tcpdump prints them, e.g. [S], [S.], [F.], "
		       "[P.], [R] ([*] for any; a letter followed by ? may be set or not)");
	if (n == 3 && w[1] == '*') {
		g->flags_any = true;
		return 0;
	}
	for (size_t i = 1; i < n - 1; i++) {
		int bit = segment_flag_bit(w[i]);
		if (bit < 0)
			return lex_fail(p, "unknown flag letter '%c' in %.*s: use F S R P . U E W",
			                w[i], (int)n, w);
		uint8_t f = (uint8_t)bit;
		if (i + 1 < n - 1 && w[i + 1] == '?') {
			g->flags_may |= f;
			i++;
		} else {
			g->flags |= f;
		}
	}
	return 0;
}

int lex_u32(const char *w, size_t n, uint32_t *v)
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
int lex_time(struct parser *p, const char *w, size_t n, struct scn_time *t)
{
	char buf[64];
	if (n >= sizeof(buf))
		return lex_fail(p, "time '%.*s' is too long", (int)n, w);
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
			return lex_fail(p, "bad time range '%.*s': write e.g. +0..200ms", (int)n,
			                w);
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
				return lex_fail(p, "bad tolerance '%s%%': write e.g. ~20%%", tol);
			t->tol_pct = (int)pct;
		} else if (scn_duration_parse(tol, &t->tol_us)) {
			return lex_fail(p, "bad tolerance '~%s': write e.g. ~50ms or ~20%%", tol);
		}
	}
	if (scn_duration_parse(buf, &t->nominal_us))
		return lex_fail(p, "bad duration '%s': write e.g. 500ms, 1s, 1.5s, 200us", buf);
	t->max_us = t->nominal_us;
	return 0;
}
