/* rule_parse.c: the rule language's parser (see rules/README.md for the language itself).
 *
 * One rule per line: ACTION [MATCH...] [COUNT]. The parser never guesses: every word is either
 * understood or reported with its line and column and a sentence saying how to write it. A file
 * with one bad line loads nothing, so a typo can never silently turn into "let everything pass".
 * Reading files and printing errors live in rule_file.c.
 */
#include "rule.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/byte_count.h"
#include "common/duration.h"

/* Longer delays make no sense for a TCP test, and the cap keeps delay + jitter inside uint32_t. */
#define RULE_MAX_DURATION_US 1000000000u
#define RULE_MAX_RULES 1024
#define RULE_MAX_WORDS 64
/* An IPv4 packet is at most 65535 bytes, so no segment carries more payload. */
#define RULE_MAX_LEN 65535u

struct word {
	const char *s;
	size_t len;
	unsigned col; /* 1-based */
};

struct parser {
	const char *name;
	unsigned lineno;
	const char *line; /* the raw line, without its newline */
	size_t line_len;
	struct word words[RULE_MAX_WORDS];
	unsigned n_words;
	struct rule_error *err;
};

const char *rule_action_name(enum rule_action action)
{
	switch (action) {
	case RULE_PASS:
		return "pass";
	case RULE_DROP:
		return "drop";
	case RULE_DELAY:
		return "delay";
	}
	return "?";
}

static void error_set_line(struct parser *ps)
{
	size_t n = ps->line_len;
	if (n >= sizeof(ps->err->text))
		n = sizeof(ps->err->text) - 1;
	memcpy(ps->err->text, ps->line, n);
	ps->err->text[n] = '\0';
}

__attribute__((format(printf, 3, 4))) static int fail(struct parser *ps, unsigned col,
                                                      const char *fmt, ...)
{
	struct rule_error *err = ps->err;
	snprintf(err->file, sizeof(err->file), "%s", ps->name);
	err->line = ps->lineno;
	err->col = col;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	error_set_line(ps);
	return -EINVAL;
}

/* Column just past the last word: where a missing argument should have been. */
static unsigned end_col(const struct parser *ps)
{
	const struct word *w = &ps->words[ps->n_words - 1];
	return w->col + (unsigned)w->len;
}

static bool word_is(const struct word *w, const char *s)
{
	return strlen(s) == w->len && memcmp(w->s, s, w->len) == 0;
}

/* Words are quoted in messages; a runaway word must not push the advice out of the buffer. */
#define W(w) (int)((w)->len > 40 ? 40 : (w)->len), (w)->s

/* Decimal digits only, no sign, no leading '+': "1e3" or "0x10" are not numbers here. */
static int parse_uint(const char *s, size_t len, uint32_t *out)
{
	if (len == 0)
		return -EINVAL;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	*out = (uint32_t)v;
	return 0;
}

static bool starts_with_digit(const struct word *w)
{
	return w->len > 0 && isdigit((unsigned char)w->s[0]);
}

/* A count in the one count grammar (common/byte_count.h: 1500, 64K, 0x10), at most 2^32 - 1. */
static int parse_count32(const char *s, size_t len, uint32_t *out)
{
	uint64_t v;
	int rc = count_parse(s, len, &v);
	if (rc == 0 && v > UINT32_MAX)
		rc = -ERANGE;
	if (rc == 0)
		*out = (uint32_t)v;
	return rc;
}

static bool starts_with_number(const struct word *w)
{
	return duration_number_len(w->s, w->len) > 0;
}

/* A duration in the one duration grammar (common/duration.h): 250us, 300ms, 1.5s, 2m. */
static int parse_duration(struct parser *ps, const struct word *w, uint32_t *us)
{
	uint64_t v;
	int rc = duration_parse_us(w->s, w->len, RULE_MAX_DURATION_US, &v);
	if (rc == 0) {
		*us = (uint32_t)v;
		return 0;
	}
	if (rc == -ERANGE)
		return fail(ps, w->col, "duration '%.*s' is too long: at most 1000s", W(w));
	size_t i = duration_number_len(w->s, w->len);
	if (i == w->len)
		return fail(ps, w->col, "'%.*s' needs a unit: us, ms or s, like 300ms", W(w));
	size_t unit_len = w->len - i;
	return fail(ps, w->col + (unsigned)i,
	            "unknown unit '%.*s' in '%.*s': use us, ms or s, like 300ms",
	            (int)(unit_len > 20 ? 20 : unit_len), w->s + i, W(w));
}

static const struct {
	const char *name;
	const char *header_name; /* as RFC 9293 and RFC 3168 write it */
	uint8_t bit;
} flag_words[] = {
    {"fin", "FIN", TCPF_FIN}, {"syn", "SYN", TCPF_SYN}, {"rst", "RST", TCPF_RST},
    {"psh", "PSH", TCPF_PSH}, {"ack", "ACK", TCPF_ACK}, {"urg", "URG", TCPF_URG},
    {"ece", "ECE", TCPF_ECE}, {"cwr", "CWR", TCPF_CWR},
};

static int flag_word_bit(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(flag_words) / sizeof(flag_words[0]); i++)
		if (strlen(flag_words[i].name) == len && memcmp(flag_words[i].name, s, len) == 0)
			return flag_words[i].bit;
	return -1;
}

/* "[S.]": the exact flag byte, as tcpdump prints it; "[none]" as tcpdump prints no flags. */
static int parse_flag_set(struct parser *ps, const struct word *w, uint8_t *flags)
{
	if (w->len < 2 || w->s[w->len - 1] != ']')
		return fail(ps, w->col,
		            "'%.*s' is missing its closing ']': write the flags without spaces, "
		            "like [S.]",
		            W(w));
	const char *in = w->s + 1;
	size_t n = w->len - 2;
	*flags = 0;
	if (n == 0)
		return fail(ps, w->col,
		            "empty flag set []: write [none] for a segment with no flags");
	if (n == 4 && memcmp(in, "none", 4) == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned col = w->col + 1 + (unsigned)i;
		int bit = segment_flag_bit(in[i]);
		if (bit < 0 && segment_flag_bit((char)toupper((unsigned char)in[i])) >= 0)
			return fail(ps, col, "flag letters are upper case: write '%c' in %.*s",
			            toupper((unsigned char)in[i]), W(w));
		if (bit < 0 && in[i] == 'A')
			return fail(ps, col,
			            "unknown flag letter 'A' in %.*s: use F S R P . U E W "
			            "('.' is ACK, as tcpdump prints it)",
			            W(w));
		if (bit < 0)
			return fail(ps, col,
			            "unknown flag letter '%c' in %.*s: use F S R P . U E W", in[i],
			            W(w));
		if (*flags & bit)
			return fail(ps, col, "flag '%c' twice in %.*s", in[i], W(w));
		*flags |= (uint8_t)bit;
	}
	return 0;
}

/* LENSPEC: N | >N | >=N | <N | <=N | N-M, each bound 0..65535; the operator may stand apart. */
static int parse_len(struct parser *ps, unsigned *i, struct rule *r)
{
	static const char usage[] = "len needs a length: len 0, len >0, len >=100, len <=40, "
	                            "len 1-1460";
	if (*i + 1 >= ps->n_words)
		return fail(ps, end_col(ps), "%s", usage);
	const struct word *w = &ps->words[++*i];
	unsigned col = w->col;
	char buf[64];
	size_t n = 0;
	/* join "> 0" into ">0" so both spellings read the same */
	if ((word_is(w, ">") || word_is(w, ">=") || word_is(w, "<") || word_is(w, "<=")) &&
	    *i + 1 < ps->n_words) {
		memcpy(buf, w->s, w->len);
		n = w->len;
		w = &ps->words[++*i];
	}
	if (w->len >= sizeof(buf) - n)
		return fail(ps, w->col, "%s", usage);
	memcpy(buf + n, w->s, w->len);
	n += w->len;
	buf[n] = '\0';

	const char *num = buf;
	enum { EQ, GT, GE, LT, LE, RANGE } op = EQ;
	if (strncmp(buf, ">=", 2) == 0)
		op = GE, num += 2;
	else if (strncmp(buf, "<=", 2) == 0)
		op = LE, num += 2;
	else if (buf[0] == '>')
		op = GT, num += 1;
	else if (buf[0] == '<')
		op = LT, num += 1;
	else if (strchr(buf, '-'))
		op = RANGE;

	uint32_t a = 0, b = 0;
	const char *dash = op == RANGE ? strchr(num, '-') : NULL;
	size_t a_len = dash ? (size_t)(dash - num) : strlen(num);
	int rc = parse_count32(num, a_len, &a);
	if (rc == 0 && dash)
		rc = parse_count32(dash + 1, strlen(dash + 1), &b);
	if (rc == -EINVAL)
		return fail(ps, col, "%s", usage);
	if (rc == -ERANGE || a > RULE_MAX_LEN || b > RULE_MAX_LEN)
		return fail(ps, col, "length '%s' too large: a segment carries at most 65535 bytes",
		            buf);
	switch (op) {
	case EQ:
		r->len_min = r->len_max = a;
		break;
	case GT:
		if (a == RULE_MAX_LEN)
			return fail(ps, col, "len %s matches nothing", buf);
		r->len_min = a + 1;
		r->len_max = UINT32_MAX;
		break;
	case GE:
		r->len_min = a;
		r->len_max = UINT32_MAX;
		break;
	case LT:
		if (a == 0)
			return fail(ps, col, "len %s matches nothing: lengths start at 0", buf);
		r->len_min = 0;
		r->len_max = a - 1;
		break;
	case LE:
		r->len_min = 0;
		r->len_max = a;
		break;
	case RANGE:
		if (a > b)
			return fail(ps, col,
			            "len range %s is empty: write the smaller bound first, like "
			            "len %u-%u",
			            buf, b, a);
		r->len_min = a;
		r->len_max = b;
		break;
	}
	return 0;
}

static int parse_port(struct parser *ps, unsigned *i, uint16_t *port)
{
	const struct word *kw = &ps->words[*i];
	if (*port)
		return fail(ps, kw->col, "duplicate %.*s: a rule names it once", W(kw));
	if (*i + 1 >= ps->n_words)
		return fail(ps, end_col(ps), "'%.*s' needs a port number 1-65535, like %.*s 80",
		            W(kw), W(kw));
	const struct word *w = &ps->words[++*i];
	uint32_t v;
	int rc = parse_uint(w->s, w->len, &v);
	if (rc == -EINVAL)
		return fail(ps, w->col, "'%.*s' needs a port number 1-65535, like %.*s 80", W(kw),
		            W(kw));
	if (rc == -ERANGE || v == 0 || v > 65535)
		return fail(ps, w->col, "port %.*s out of range: use 1-65535", W(w));
	*port = (uint16_t)v;
	return 0;
}

/* "2nd": accepted when the suffix is the English one, so "2th" is pointed out, not guessed. */
static int parse_ordinal(struct parser *ps, const struct word *w, uint32_t *n)
{
	if (w->len < 3)
		return 1;
	size_t dlen = w->len - 2;
	const char *suffix = w->s + dlen;
	if (!(memcmp(suffix, "st", 2) == 0 || memcmp(suffix, "nd", 2) == 0 ||
	      memcmp(suffix, "rd", 2) == 0 || memcmp(suffix, "th", 2) == 0))
		return 1;
	uint32_t v;
	int rc = parse_uint(w->s, dlen, &v);
	if (rc == -EINVAL)
		return 1;
	if (rc == -ERANGE)
		return fail(ps, w->col, "count '%.*s' too large", W(w));
	if (v == 0)
		return fail(ps, w->col, "'%.*s': counts start at 1st", W(w));
	const char *want = "th";
	if (v % 100 < 11 || v % 100 > 13) {
		if (v % 10 == 1)
			want = "st";
		else if (v % 10 == 2)
			want = "nd";
		else if (v % 10 == 3)
			want = "rd";
	}
	if (memcmp(suffix, want, 2) != 0)
		return fail(ps, w->col, "'%.*s' is written %u%s (or nth %u)", W(w), v, want, v);
	*n = v;
	return 0;
}

static const char *const keywords[] = {
    "pass",  "drop",  "delay", "jitter", "from", "client", "server", "pure-ack", "len",
    "sport", "dport", "port",  "first",  "nth",  "after",  "once",   "syn",      "fin",
    "rst",   "psh",   "ack",   "urg",    "ece",  "cwr",    "chance",
};

/* Edit distance with transpositions, capped: only small typos earn a "did you mean". */
static unsigned edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
	if (la > 16 || lb > 16)
		return 99;
	unsigned d[17][17];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = tolower((unsigned char)a[i - 1]) != b[j - 1];
			unsigned v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && tolower((unsigned char)a[i - 1]) == b[j - 2] &&
			    tolower((unsigned char)a[i - 2]) == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

static const char *suggest(const struct word *w)
{
	const char *best = NULL;
	unsigned best_d = w->len >= 4 ? 2 : 1;
	for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++) {
		unsigned d = edit_distance(w->s, w->len, keywords[k], strlen(keywords[k]));
		if (d <= best_d && (!best || d < best_d)) {
			best = keywords[k];
			best_d = d;
		}
	}
	return best;
}

static int unknown_word(struct parser *ps, const struct word *w)
{
	/* other spellings of negation: no-ack, not-ack, -ack, ~ack */
	static const char *const negations[] = {"no-", "not-", "non-", "-", "~", "^"};
	for (size_t k = 0; k < sizeof(negations) / sizeof(negations[0]); k++) {
		size_t pl = strlen(negations[k]);
		if (w->len > pl && memcmp(w->s, negations[k], pl) == 0 &&
		    flag_word_bit(w->s + pl, w->len - pl) >= 0)
			return fail(ps, w->col, "unknown word '%.*s': negation is written !%.*s",
			            W(w), (int)(w->len - pl), w->s + pl);
	}
	if (w->len > 3 && memcmp(w->s, "len", 3) == 0 && !isalpha((unsigned char)w->s[3]))
		return fail(ps, w->col, "unknown word '%.*s': put a space after len, like len >0",
		            W(w));
	if (w->len > 1 && w->s[w->len - 1] == '%')
		return fail(ps, w->col, "'%.*s' needs the word chance before it, like chance 1%%",
		            W(w));
	/* what other tools call a loss rate */
	static const char *const chance_words[] = {"prob",    "probability", "random", "rate",
	                                           "percent", "pct",         "loss"};
	for (size_t k = 0; k < sizeof(chance_words) / sizeof(chance_words[0]); k++)
		if (word_is(w, chance_words[k]))
			return fail(
			    ps, w->col,
			    "unknown word '%.*s': a random share of the segments is written "
			    "chance P%%, like chance 1%%",
			    W(w));
	const char *s = suggest(w);
	if (s)
		return fail(ps, w->col, "unknown word '%.*s': did you mean '%s'?", W(w), s);
	return fail(ps, w->col,
	            "unknown word '%.*s': expected from, [flags], a flag word (syn, !ack...), "
	            "pure-ack, len, sport, dport, port, a count (first, nth, after, once) or "
	            "chance",
	            W(w));
}

static bool is_match_word(const struct word *w)
{
	if (w->len && w->s[0] == '[')
		return true;
	for (size_t k = 3; k < sizeof(keywords) / sizeof(keywords[0]); k++)
		if (word_is(w, keywords[k]))
			return true;
	return w->len > 1 && w->s[0] == '!';
}

static int check_flag_words(struct parser *ps, const struct word *w, const struct rule *r)
{
	if (r->flags_exact)
		return fail(ps, w->col,
		            "'%.*s' cannot be combined with an exact flag set: the brackets "
		            "already fix every flag, so put them all there, like [S.]",
		            W(w));
	uint8_t both = r->flags_set & r->flags_clear;
	if (both) {
		const char *name = "?";
		for (size_t k = 0; k < sizeof(flag_words) / sizeof(flag_words[0]); k++)
			if (both & flag_words[k].bit)
				name = flag_words[k].header_name;
		return fail(ps, w->col,
		            "'%.*s' contradicts an earlier word: %s would have to be both set and "
		            "clear",
		            W(w), name);
	}
	return 0;
}

static int parse_count(struct parser *ps, unsigned *i, struct rule *r, enum rule_count kind)
{
	const struct word *kw = &ps->words[*i];
	if (r->count != RULE_COUNT_ALL)
		return fail(ps, kw->col,
		            "duplicate count: a rule takes one of first, nth, after, once");
	r->count = kind;
	if (word_is(kw, "once")) {
		r->count_n = 1;
		return 0;
	}
	uint32_t n = 0;
	if (*i + 1 >= ps->n_words)
		return fail(ps, end_col(ps), "'%.*s' needs a positive count, like %.*s 2", W(kw),
		            W(kw));
	const struct word *w = &ps->words[++*i];
	int rc = parse_count32(w->s, w->len, &n);
	if (rc == -ERANGE)
		return fail(ps, w->col, "count '%.*s' too large", W(w));
	if (rc < 0 || n == 0)
		return fail(ps, w->col, "'%.*s' needs a positive count, like %.*s 2", W(kw), W(kw));
	r->count_n = n;
	return 0;
}

/* "1.25": a number in units of 1/10000, so percentages come out in parts per million. */
static void format_e4(char *buf, size_t size, uint64_t v)
{
	int n = snprintf(buf, size, "%llu.%04u", (unsigned long long)(v / 10000),
	                 (unsigned)(v % 10000));
	while (n > 0 && (size_t)n < size && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && (size_t)n < size && buf[n - 1] == '.')
		buf[--n] = '\0';
}

/* "chance P%": P from 0 to 100, with at most four decimals (0.0001% is one in a million). A
 * bare number is refused rather than read as a fraction: "chance 1" could mean 1% or 100%. */
static int parse_chance(struct parser *ps, unsigned *i, struct rule *r)
{
	static const char usage[] = "'chance' needs a percentage, like chance 1% or chance 0.5%";
	const struct word *kw = &ps->words[*i];
	if (r->has_chance)
		return fail(ps, kw->col, "duplicate chance: a rule has one chance");
	if (*i + 1 >= ps->n_words)
		return fail(ps, end_col(ps), "%s", usage);
	const struct word *w = &ps->words[++*i];
	size_t k = 0;
	bool negative = w->s[0] == '-';
	if (negative)
		k++;
	uint64_t e4 = 0; /* the number times 10000, saturated well above 100% */
	size_t whole_digits = 0;
	while (k < w->len && isdigit((unsigned char)w->s[k])) {
		if (e4 <= 100000000u)
			e4 = e4 * 10 + (uint64_t)(w->s[k] - '0') * 10000;
		k++;
		whole_digits++;
	}
	bool finer = false, point = false;
	if (k < w->len && w->s[k] == '.') {
		point = true;
		k++;
		uint64_t place = 1000;
		size_t start = k;
		while (k < w->len && isdigit((unsigned char)w->s[k])) {
			if (place)
				e4 += (uint64_t)(w->s[k] - '0') * place;
			else if (w->s[k] != '0')
				finer = true;
			place /= 10;
			k++;
		}
		if (k == start)
			return fail(ps, w->col,
			            "'%.*s' needs digits after the '.', like chance 0.5%%", W(w));
	}
	if (whole_digits == 0 && point)
		return fail(ps, w->col, "'%.*s' needs a digit before the '.', like chance 0.5%%",
		            W(w));
	if (whole_digits == 0)
		return fail(ps, w->col, "%s", usage);
	if (negative)
		return fail(ps, w->col,
		            "chance '%.*s' is negative: use 0%% to 100%%, like chance 1%%", W(w));
	if (k == w->len) {
		/* a number without its '%' */
		if (*i + 1 < ps->n_words && word_is(&ps->words[*i + 1], "%"))
			return fail(ps, ps->words[*i + 1].col,
			            "write the '%%' right after the number, like chance %.*s%%",
			            W(w));
		if (point && e4 <= 10000 && !finer) {
			char pct[32];
			format_e4(pct, sizeof(pct), e4 * 100);
			return fail(
			    ps, w->col,
			    "'%.*s' needs a '%%': chance is a percentage, like chance 1%% (a "
			    "probability of %.*s is chance %s%%)",
			    W(w), W(w), pct);
		}
		return fail(ps, w->col,
		            "'%.*s' needs a '%%': chance is a percentage, like chance 1%%", W(w));
	}
	if (k + 1 != w->len || w->s[k] != '%')
		return fail(ps, w->col, "%s", usage);
	if (e4 > RULE_CHANCE_SCALE || (e4 == RULE_CHANCE_SCALE && finer))
		return fail(ps, w->col,
		            "chance '%.*s' is more than 100%%: use 0%% to 100%%, like chance 1%%",
		            W(w));
	if (finer)
		return fail(ps, w->col,
		            "chance '%.*s' is finer than 0.0001%%: use at most four decimals",
		            W(w));
	r->has_chance = true;
	r->chance_ppm = (uint32_t)e4;
	return 0;
}

static int parse_action(struct parser *ps, unsigned *i, struct rule *r)
{
	const struct word *w = &ps->words[0];
	if (word_is(w, "pass")) {
		r->action = RULE_PASS;
	} else if (word_is(w, "drop")) {
		r->action = RULE_DROP;
	} else if (word_is(w, "delay")) {
		r->action = RULE_DELAY;
	} else if (is_match_word(w)) {
		return fail(ps, w->col,
		            "unknown action '%.*s': expected pass, drop or delay (a rule starts "
		            "with its action, like: drop [S] from client)",
		            W(w));
	} else {
		return fail(ps, w->col, "unknown action '%.*s': expected pass, drop or delay",
		            W(w));
	}
	*i = 1;
	if (r->action != RULE_DELAY)
		return 0;

	if (*i >= ps->n_words)
		return fail(ps, end_col(ps), "delay needs a duration like 300ms");
	const struct word *d = &ps->words[*i];
	if (!starts_with_number(d))
		return fail(ps, d->col, "delay needs a duration like 300ms");
	int rc = parse_duration(ps, d, &r->delay_us);
	if (rc)
		return rc;
	++*i;
	if (*i >= ps->n_words || !word_is(&ps->words[*i], "jitter"))
		return 0;
	const struct word *jw = &ps->words[*i];
	++*i;
	if (*i >= ps->n_words)
		return fail(ps, end_col(ps), "jitter needs a duration like 10ms");
	const struct word *j = &ps->words[*i];
	if (!starts_with_number(j))
		return fail(ps, j->col, "jitter needs a duration like 10ms");
	rc = parse_duration(ps, j, &r->jitter_us);
	if (rc)
		return rc;
	if (r->jitter_us > r->delay_us)
		return fail(ps, jw->col,
		            "jitter larger than delay (%.*s > %.*s): the delay could go below 0",
		            W(j), W(d));
	++*i;
	return 0;
}

static int parse_rule(struct parser *ps, struct rule *r)
{
	memset(r, 0, sizeof(*r));
	r->len_max = UINT32_MAX;
	r->count = RULE_COUNT_ALL;
	bool len_given = false, pure_ack = false;
	unsigned i;
	int rc = parse_action(ps, &i, r);
	if (rc)
		return rc;

	for (; i < ps->n_words; i++) {
		const struct word *w = &ps->words[i];
		int bit;
		if (word_is(w, "from")) {
			if (r->dir != RULE_DIR_ANY)
				return fail(ps, w->col,
				            "duplicate direction: a rule has one 'from'");
			if (i + 1 >= ps->n_words)
				return fail(ps, end_col(ps), "'from' needs client or server");
			const struct word *d = &ps->words[++i];
			if (word_is(d, "client"))
				r->dir = RULE_DIR_FROM_CLIENT;
			else if (word_is(d, "server"))
				r->dir = RULE_DIR_FROM_SERVER;
			else
				return fail(ps, d->col, "'from' needs client or server, not '%.*s'",
				            W(d));
		} else if (w->s[0] == '[') {
			if (r->flags_exact)
				return fail(
				    ps, w->col,
				    "duplicate flag set: a rule has one [..], holding every "
				    "flag");
			if (r->flags_set || r->flags_clear)
				return fail(
				    ps, w->col,
				    "exact flag set %.*s cannot be combined with flag words: "
				    "the brackets already fix every flag",
				    W(w));
			rc = parse_flag_set(ps, w, &r->flags_set);
			if (rc)
				return rc;
			r->flags_exact = true;
		} else if ((bit = flag_word_bit(w->s, w->len)) >= 0) {
			r->flags_set |= (uint8_t)bit;
			if ((rc = check_flag_words(ps, w, r)))
				return rc;
		} else if (w->s[0] == '!') {
			bit = flag_word_bit(w->s + 1, w->len - 1);
			if (bit < 0)
				return fail(
				    ps, w->col,
				    "'%.*s' is not a flag: negate one of syn fin rst psh ack "
				    "urg ece cwr, like !ack",
				    W(w));
			r->flags_clear |= (uint8_t)bit;
			if ((rc = check_flag_words(ps, w, r)))
				return rc;
		} else if (word_is(w, "pure-ack")) {
			if (len_given)
				return fail(ps, w->col,
				            "duplicate len: pure-ack already means len 0");
			/* what a bare acknowledgment looks like: nothing that occupies
			 * sequence space (RFC 9293 3.4) and no reset */
			r->flags_set |= TCPF_ACK;
			r->flags_clear |= TCPF_SYN | TCPF_FIN | TCPF_RST;
			if ((rc = check_flag_words(ps, w, r)))
				return rc;
			r->len_min = r->len_max = 0;
			len_given = pure_ack = true;
		} else if (word_is(w, "len")) {
			if (len_given)
				return fail(ps, w->col, "%s",
				            pure_ack ? "duplicate len: pure-ack already means len 0"
				                     : "duplicate len: a rule has one len");
			if ((rc = parse_len(ps, &i, r)))
				return rc;
			len_given = true;
		} else if (word_is(w, "sport")) {
			if ((rc = parse_port(ps, &i, &r->sport)))
				return rc;
		} else if (word_is(w, "dport")) {
			if ((rc = parse_port(ps, &i, &r->dport)))
				return rc;
		} else if (word_is(w, "port")) {
			if ((rc = parse_port(ps, &i, &r->port)))
				return rc;
		} else if (word_is(w, "first") || word_is(w, "once")) {
			if ((rc = parse_count(ps, &i, r, RULE_COUNT_FIRST)))
				return rc;
		} else if (word_is(w, "nth")) {
			if ((rc = parse_count(ps, &i, r, RULE_COUNT_NTH)))
				return rc;
		} else if (word_is(w, "after")) {
			if ((rc = parse_count(ps, &i, r, RULE_COUNT_AFTER)))
				return rc;
		} else if (word_is(w, "chance")) {
			if ((rc = parse_chance(ps, &i, r)))
				return rc;
		} else if (starts_with_digit(w)) {
			uint32_t n = 0;
			rc = parse_ordinal(ps, w, &n);
			if (rc < 0)
				return rc;
			if (rc > 0)
				return unknown_word(ps, w);
			if (r->count != RULE_COUNT_ALL)
				return fail(
				    ps, w->col,
				    "duplicate count: a rule takes one of first, nth, after, "
				    "once");
			r->count = RULE_COUNT_NTH;
			r->count_n = n;
		} else if (word_is(w, "jitter")) {
			return fail(ps, w->col,
			            "'jitter' goes right after delay's duration, like: delay 50ms "
			            "jitter 10ms");
		} else if (word_is(w, "pass") || word_is(w, "drop") || word_is(w, "delay")) {
			return fail(
			    ps, w->col,
			    "a second action '%.*s': one rule per line, with its action first",
			    W(w));
		} else {
			return unknown_word(ps, w);
		}
	}
	return 0;
}

/* Split a line into words; '#' starts a comment anywhere. */
static int split_words(struct parser *ps)
{
	ps->n_words = 0;
	size_t i = 0;
	while (i < ps->line_len) {
		char c = ps->line[i];
		if (c == '#')
			break;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') {
			i++;
			continue;
		}
		size_t start = i;
		while (i < ps->line_len && !strchr(" \t\r\v\f#", ps->line[i]))
			i++;
		if (ps->n_words == RULE_MAX_WORDS)
			return fail(ps, (unsigned)start + 1,
			            "too many words in one rule (at most %d)", RULE_MAX_WORDS);
		struct word *w = &ps->words[ps->n_words++];
		w->s = ps->line + start;
		w->len = i - start;
		w->col = (unsigned)start + 1;
	}
	return 0;
}

void ruleset_free(struct ruleset *rs)
{
	if (!rs)
		return;
	for (unsigned i = 0; i < rs->n_rules; i++)
		free(rs->rules[i].text);
	free(rs->rules);
	free(rs->name);
	memset(rs, 0, sizeof(*rs));
}

static int parse_text(struct ruleset *rs, const char *name, const char *text, size_t len,
                      struct rule_error *err)
{
	struct parser ps = {.name = name, .err = err};
	struct ruleset out = {0};
	unsigned cap = 0;
	int rc = 0;

	memset(err, 0, sizeof(*err));
	memset(rs, 0, sizeof(*rs));
	out.name = strdup(name);
	if (!out.name) {
		rc = -ENOMEM;
		goto out;
	}

	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		ps.lineno++;
		ps.line = p;
		ps.line_len = (size_t)(eol - p);
		if (ps.line_len && ps.line[ps.line_len - 1] == '\r')
			ps.line_len--;
		p = nl ? nl + 1 : end;

		if ((rc = split_words(&ps)))
			goto out;
		if (ps.n_words == 0)
			continue;
		if (out.n_rules == RULE_MAX_RULES) {
			rc = fail(&ps, 1, "too many rules: at most %d", RULE_MAX_RULES);
			goto out;
		}
		if (out.n_rules == cap) {
			unsigned ncap = cap ? cap * 2 : 8;
			struct rule *nr = realloc(out.rules, ncap * sizeof(*nr));
			if (!nr) {
				rc = -ENOMEM;
				goto out;
			}
			out.rules = nr;
			cap = ncap;
		}
		struct rule *r = &out.rules[out.n_rules];
		if ((rc = parse_rule(&ps, r)))
			goto out;
		const struct word *last = &ps.words[ps.n_words - 1];
		r->text = strndup(ps.words[0].s, (size_t)(last->s + last->len - ps.words[0].s));
		if (!r->text) {
			rc = -ENOMEM;
			goto out;
		}
		r->index = ++out.n_rules;
		r->line = ps.lineno;
	}
out:
	if (rc) {
		if (rc == -ENOMEM && !err->msg[0]) {
			snprintf(err->file, sizeof(err->file), "%s", name);
			snprintf(err->msg, sizeof(err->msg), "out of memory");
		}
		ruleset_free(&out);
		return rc;
	}
	*rs = out;
	return 0;
}

int ruleset_parse_string(struct ruleset *rs, const char *name, const char *text,
                         struct rule_error *err)
{
	return parse_text(rs, name ? name : "<string>", text ? text : "", text ? strlen(text) : 0,
	                  err);
}
