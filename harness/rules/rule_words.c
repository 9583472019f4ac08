/* rule_words.c: the rule language's words that carry values: durations, counts, flag sets and
 * flag words, len, ports, ordinals, chance; and the advice for a word nothing understood (see
 * rules/README.md). rule_parse.c puts them together into rules. */
#include "rule_words.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/byte_count.h"
#include "common/duration.h"

/* Longer delays make no sense for a TCP test, and the cap keeps delay + jitter inside uint32_t. */
#define RULE_MAX_DURATION_US 1000000000u
/* An IPv4 packet is at most 65535 bytes, so no segment carries more payload. */
#define RULE_MAX_LEN 65535u

int rule_parse_decimal(const char *s, size_t len, uint32_t *out)
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

bool rule_word_starts_with_digit(const struct word *w)
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

bool rule_word_starts_with_number(const struct word *w)
{
	return duration_number_len(w->s, w->len) > 0;
}

/* A duration in the one duration grammar (common/duration.h): 250us, 300ms, 1.5s, 2m. */
int rule_parse_duration(struct parser *ps, const struct word *w, uint32_t *us)
{
	uint64_t v;
	int rc = duration_parse_us(w->s, w->len, RULE_MAX_DURATION_US, &v);
	if (rc == 0) {
		*us = (uint32_t)v;
		return 0;
	}
	if (rc == -ERANGE)
		return rule_fail(ps, w->col, "duration '%.*s' is too long: at most 1000s", W(w));
	size_t i = duration_number_len(w->s, w->len);
	if (i == w->len)
		return rule_fail(ps, w->col, "'%.*s' needs a unit: us, ms or s, like 300ms", W(w));
	size_t unit_len = w->len - i;
	return rule_fail(ps, w->col + (unsigned)i,
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

int rule_flag_word_bit(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(flag_words) / sizeof(flag_words[0]); i++)
		if (strlen(flag_words[i].name) == len && memcmp(flag_words[i].name, s, len) == 0)
			return flag_words[i].bit;
	return -1;
}

/* "[S.]": the exact flag byte, as tcpdump prints it; "[none]" as tcpdump prints no flags. */
int rule_parse_flag_set(struct parser *ps, const struct word *w, uint8_t *flags)
{
	if (w->len < 2 || w->s[w->len - 1] != ']')
		return rule_fail(
		    ps, w->col,
		    "'%.*s' is missing its closing ']': write the flags without spaces, "
		    "like [S.]",
		    W(w));
	const char *in = w->s + 1;
	size_t n = w->len - 2;
	*flags = 0;
	if (n == 0)
		return rule_fail(ps, w->col,
		                 "empty flag set []: write [none] for a segment with no flags");
	if (n == 4 && memcmp(in, "none", 4) == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned col = w->col + 1 + (unsigned)i;
		int bit = segment_flag_bit(in[i]);
		if (bit < 0 && segment_flag_bit((char)toupper((unsigned char)in[i])) >= 0)
			return rule_fail(ps, col, "flag letters are upper case: write '%c' in %.*s",
			                 toupper((unsigned char)in[i]), W(w));
		if (bit < 0 && in[i] == 'A')
			return rule_fail(ps, col,
			                 "unknown flag letter 'A' in %.*s: use F S R P . U E W "
			                 "('.' is ACK, as tcpdump prints it)",
			                 W(w));
		if (bit < 0)
			return rule_fail(ps, col,
			                 "unknown flag letter '%c' in %.*s: use F S R P . U E W",
			                 in[i], W(w));
		if (*flags & bit)
			return rule_fail(ps, col, "flag '%c' twice in %.*s", in[i], W(w));
		*flags |= (uint8_t)bit;
	}
	return 0;
}

/* LENSPEC: N | >N | >=N | <N | <=N | N-M, each bound 0..65535; the operator may stand apart. */
int rule_parse_len(struct parser *ps, unsigned *i, struct rule *r)
{
	static const char usage[] = "len needs a length: len 0, len >0, len >=100, len <=40, "
	                            "len 1-1460";
	if (*i + 1 >= ps->n_words)
		return rule_fail(ps, end_col(ps), "%s", usage);
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
		return rule_fail(ps, w->col, "%s", usage);
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
		return rule_fail(ps, col, "%s", usage);
	if (rc == -ERANGE || a > RULE_MAX_LEN || b > RULE_MAX_LEN)
		return rule_fail(
		    ps, col, "length '%s' too large: a segment carries at most 65535 bytes", buf);
	switch (op) {
	case EQ:
		r->len_min = r->len_max = a;
		break;
	case GT:
		if (a == RULE_MAX_LEN)
			return rule_fail(ps, col, "len %s matches nothing", buf);
		r->len_min = a + 1;
		r->len_max = UINT32_MAX;
		break;
	case GE:
		r->len_min = a;
		r->len_max = UINT32_MAX;
		break;
	case LT:
		if (a == 0)
			return rule_fail(ps, col, "len %s matches nothing: lengths start at 0",
			                 buf);
		r->len_min = 0;
		r->len_max = a - 1;
		break;
	case LE:
		r->len_min = 0;
		r->len_max = a;
		break;
	case RANGE:
		if (a > b)
			return rule_fail(
			    ps, col,
			    "len range %s is empty: write the smaller bound first, like "
			    "len %u-%u",
			    buf, b, a);
		r->len_min = a;
		r->len_max = b;
		break;
	}
	return 0;
}

int rule_parse_port(struct parser *ps, unsigned *i, uint16_t *port)
{
	const struct word *kw = &ps->words[*i];
	if (*port)
		return rule_fail(ps, kw->col, "duplicate %.*s: a rule names it once", W(kw));
	if (*i + 1 >= ps->n_words)
		return rule_fail(ps, end_col(ps),
		                 "'%.*s' needs a port number 1-65535, like %.*s 80", W(kw), W(kw));
	const struct word *w = &ps->words[++*i];
	uint32_t v;
	int rc = rule_parse_decimal(w->s, w->len, &v);
	if (rc == -EINVAL)
		return rule_fail(ps, w->col, "'%.*s' needs a port number 1-65535, like %.*s 80",
		                 W(kw), W(kw));
	if (rc == -ERANGE || v == 0 || v > 65535)
		return rule_fail(ps, w->col, "port %.*s out of range: use 1-65535", W(w));
	*port = (uint16_t)v;
	return 0;
}

/* "2nd": accepted when the suffix is the English one, so "2th" is pointed out, not guessed. */
int rule_parse_ordinal(struct parser *ps, const struct word *w, uint32_t *n)
{
	if (w->len < 3)
		return 1;
	size_t dlen = w->len - 2;
	const char *suffix = w->s + dlen;
	if (!(memcmp(suffix, "st", 2) == 0 || memcmp(suffix, "nd", 2) == 0 ||
	      memcmp(suffix, "rd", 2) == 0 || memcmp(suffix, "th", 2) == 0))
		return 1;
	uint32_t v;
	int rc = rule_parse_decimal(w->s, dlen, &v);
	if (rc == -EINVAL)
		return 1;
	if (rc == -ERANGE)
		return rule_fail(ps, w->col, "count '%.*s' too large", W(w));
	if (v == 0)
		return rule_fail(ps, w->col, "'%.*s': counts start at 1st", W(w));
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
		return rule_fail(ps, w->col, "'%.*s' is written %u%s (or nth %u)", W(w), v, want,
		                 v);
	*n = v;
	return 0;
}

static const char *const keywords[] = {
    "pass",     "drop",      "delay",       "jitter",  "from",    "client",   "server",
    "pure-ack", "len",       "sport",       "dport",   "port",    "first",    "nth",
    "after",    "once",      "syn",         "fin",     "rst",     "psh",      "ack",
    "urg",      "ece",       "cwr",         "chance",  "attempt", "original", "retransmission",
    "conn",     "handshake", "established", "closing", "between", "until",    "set",
    "strip",    "corrupt",   "duplicate",   "reset",   "ip4",     "ip6",
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

int rule_unknown_word(struct parser *ps, const struct word *w)
{
	/* other spellings of negation: no-ack, not-ack, -ack, ~ack */
	static const char *const negations[] = {"no-", "not-", "non-", "-", "~", "^"};
	for (size_t k = 0; k < sizeof(negations) / sizeof(negations[0]); k++) {
		size_t pl = strlen(negations[k]);
		if (w->len > pl && memcmp(w->s, negations[k], pl) == 0 &&
		    rule_flag_word_bit(w->s + pl, w->len - pl) >= 0)
			return rule_fail(ps, w->col,
			                 "unknown word '%.*s': negation is written !%.*s", W(w),
			                 (int)(w->len - pl), w->s + pl);
	}
	if (w->len > 3 && memcmp(w->s, "len", 3) == 0 && !isalpha((unsigned char)w->s[3]))
		return rule_fail(ps, w->col,
		                 "unknown word '%.*s': put a space after len, like len >0", W(w));
	if (w->len > 1 && w->s[w->len - 1] == '%')
		return rule_fail(ps, w->col,
		                 "'%.*s' needs the word chance before it, like chance 1%%", W(w));
	/* what other tools call the families */
	static const char *const family_words[] = {"ipv4", "ipv6", "inet", "inet6", "ip"};
	for (size_t k = 0; k < sizeof(family_words) / sizeof(family_words[0]); k++)
		if (word_is(w, family_words[k]))
			return rule_fail(
			    ps, w->col,
			    "unknown word '%.*s': the family is written ip4 or ip6, like "
			    "drop [S] ip6 once",
			    W(w));
	/* what other tools call a loss rate */
	static const char *const chance_words[] = {"prob",    "probability", "random", "rate",
	                                           "percent", "pct",         "loss"};
	for (size_t k = 0; k < sizeof(chance_words) / sizeof(chance_words[0]); k++)
		if (word_is(w, chance_words[k]))
			return rule_fail(
			    ps, w->col,
			    "unknown word '%.*s': a random share of the segments is written "
			    "chance P%%, like chance 1%%",
			    W(w));
	const char *s = suggest(w);
	if (s)
		return rule_fail(ps, w->col, "unknown word '%.*s': did you mean '%s'?", W(w), s);
	return rule_fail(ps, w->col,
	                 "unknown word '%.*s': expected from, [flags], a flag word (syn, !ack...), "
	                 "pure-ack, len, sport, dport, port, a count (first, nth, after, once), "
	                 "chance, or a selection (attempt, conn, handshake, between, after @x...)",
	                 W(w));
}

bool rule_is_match_word(const struct word *w)
{
	if (w->len && w->s[0] == '[')
		return true;
	if (rule_is_action_word(w))
		return false;
	for (size_t k = 3; k < sizeof(keywords) / sizeof(keywords[0]); k++)
		if (word_is(w, keywords[k]))
			return true;
	return w->len > 1 && w->s[0] == '!';
}

int rule_check_flag_words(struct parser *ps, const struct word *w, const struct rule *r)
{
	if (r->flags_exact)
		return rule_fail(ps, w->col,
		                 "'%.*s' cannot be combined with an exact flag set: the brackets "
		                 "already fix every flag, so put them all there, like [S.]",
		                 W(w));
	uint8_t both = r->flags_set & r->flags_clear;
	if (both) {
		const char *name = "?";
		for (size_t k = 0; k < sizeof(flag_words) / sizeof(flag_words[0]); k++)
			if (both & flag_words[k].bit)
				name = flag_words[k].header_name;
		return rule_fail(
		    ps, w->col,
		    "'%.*s' contradicts an earlier word: %s would have to be both set and "
		    "clear",
		    W(w), name);
	}
	return 0;
}

int rule_parse_count(struct parser *ps, unsigned *i, struct rule *r, enum rule_count kind)
{
	const struct word *kw = &ps->words[*i];
	if (r->count != RULE_COUNT_ALL)
		return rule_fail(ps, kw->col,
		                 "duplicate count: a rule takes one of first, nth, after, once");
	r->count = kind;
	if (word_is(kw, "once")) {
		r->count_n = 1;
		return 0;
	}
	uint32_t n = 0;
	if (*i + 1 >= ps->n_words)
		return rule_fail(ps, end_col(ps), "'%.*s' needs a positive count, like %.*s 2",
		                 W(kw), W(kw));
	const struct word *w = &ps->words[++*i];
	int rc = parse_count32(w->s, w->len, &n);
	if (rc == -ERANGE)
		return rule_fail(ps, w->col, "count '%.*s' too large", W(w));
	if (rc < 0 || n == 0)
		return rule_fail(ps, w->col, "'%.*s' needs a positive count, like %.*s 2", W(kw),
		                 W(kw));
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
int rule_parse_chance(struct parser *ps, unsigned *i, struct rule *r)
{
	static const char usage[] = "'chance' needs a percentage, like chance 1% or chance 0.5%";
	const struct word *kw = &ps->words[*i];
	if (r->has_chance)
		return rule_fail(ps, kw->col, "duplicate chance: a rule has one chance");
	if (*i + 1 >= ps->n_words)
		return rule_fail(ps, end_col(ps), "%s", usage);
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
			return rule_fail(ps, w->col,
			                 "'%.*s' needs digits after the '.', like chance 0.5%%",
			                 W(w));
	}
	if (whole_digits == 0 && point)
		return rule_fail(ps, w->col,
		                 "'%.*s' needs a digit before the '.', like chance 0.5%%", W(w));
	if (whole_digits == 0)
		return rule_fail(ps, w->col, "%s", usage);
	if (negative)
		return rule_fail(ps, w->col,
		                 "chance '%.*s' is negative: use 0%% to 100%%, like chance 1%%",
		                 W(w));
	if (k == w->len) {
		/* a number without its '%' */
		if (*i + 1 < ps->n_words && word_is(&ps->words[*i + 1], "%"))
			return rule_fail(
			    ps, ps->words[*i + 1].col,
			    "write the '%%' right after the number, like chance %.*s%%", W(w));
		if (point && e4 <= 10000 && !finer) {
			char pct[32];
			format_e4(pct, sizeof(pct), e4 * 100);
			return rule_fail(
			    ps, w->col,
			    "'%.*s' needs a '%%': chance is a percentage, like chance 1%% (a "
			    "probability of %.*s is chance %s%%)",
			    W(w), W(w), pct);
		}
		return rule_fail(ps, w->col,
		                 "'%.*s' needs a '%%': chance is a percentage, like chance 1%%",
		                 W(w));
	}
	if (k + 1 != w->len || w->s[k] != '%')
		return rule_fail(ps, w->col, "%s", usage);
	if (e4 > RULE_CHANCE_SCALE || (e4 == RULE_CHANCE_SCALE && finer))
		return rule_fail(
		    ps, w->col,
		    "chance '%.*s' is more than 100%%: use 0%% to 100%%, like chance 1%%", W(w));
	if (finer)
		return rule_fail(ps, w->col,
		                 "chance '%.*s' is finer than 0.0001%%: use at most four decimals",
		                 W(w));
	r->has_chance = true;
	r->chance_ppm = (uint32_t)e4;
	return 0;
}
