/* rule_select_words.c: the words that select a segment by what it is in its connection
 * (rules/README.md, "Selection"): labels and chains, attempt, conn, the phases, between.
 * rule_select.c follows the connections they speak of. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>

#include "common/duration.h"
#include "rule_words.h"

#define LABEL_MAX_LEN 32
/* "between" counts from a connection's first segment: a day is past any test. */
#define BETWEEN_MAX_US (24ull * 3600 * 1000000)

/* A plain decimal number from 1, as ports and ordinals are written. */
static int parse_positive(const char *s, size_t len, uint32_t *out)
{
	int rc = rule_parse_decimal(s, len, out);
	return rc ? rc : *out == 0 ? -ERANGE : 0;
}

static bool label_name_ok(const struct word *w)
{
	if (w->len < 2 || w->len > LABEL_MAX_LEN + 1)
		return false;
	for (size_t k = 1; k < w->len; k++) {
		char c = w->s[k];
		if (!islower((unsigned char)c) && !isdigit((unsigned char)c) && c != '-' &&
		    c != '_')
			return false;
	}
	return true;
}

static bool label_is(const char *label, const struct word *w)
{
	return label && strlen(label) == w->len - 1 && memcmp(label, w->s + 1, w->len - 1) == 0;
}

/* "@name" as the first word: this rule's label. */
static int parse_label(struct parser *ps, const struct word *w, struct rule *r)
{
	if (!label_name_ok(w))
		return rule_fail(
		    ps, w->col, "label '%.*s': after @ write 1 to %d of a-z 0-9 - _, like @lostfin",
		    W(w), LABEL_MAX_LEN);
	for (unsigned k = 0; k < ps->n_done; k++)
		if (label_is(ps->done[k].label, w))
			return rule_fail(ps, w->col, "label %.*s already names the rule on line %u",
			                 W(w), ps->done[k].line);
	unsigned n_labels = 0;
	for (unsigned k = 0; k < ps->n_done; k++)
		n_labels += ps->done[k].label != NULL;
	if (n_labels == RULE_MAX_LABELS)
		return rule_fail(ps, w->col, "too many labels: at most %d in a file",
		                 RULE_MAX_LABELS);
	r->label = strndup(w->s + 1, w->len - 1);
	if (!r->label)
		return -ENOMEM;
	r->label_bit = n_labels;
	return 0;
}

/* "after @x", "until @x": x labels this rule or one above it. */
static int parse_chain(struct parser *ps, unsigned *i, struct rule *r, enum rule_chain kind)
{
	const struct word *kw = &ps->words[*i];
	if (r->chain != RULE_CHAIN_NONE)
		return rule_fail(ps, kw->col,
		                 "duplicate chain: a rule has one 'after @x' or 'until @x'");
	if (*i + 1 >= ps->n_words || ps->words[*i + 1].s[0] != '@')
		return rule_fail(ps, *i + 1 < ps->n_words ? ps->words[*i + 1].col : end_col(ps),
		                 "'%.*s' needs a label, like: %.*s @lostfin", W(kw), W(kw));
	const struct word *w = &ps->words[++*i];
	if (label_is(r->label, w)) {
		r->chain_bit = r->label_bit;
	} else {
		unsigned k = 0;
		while (k < ps->n_done && !label_is(ps->done[k].label, w))
			k++;
		if (k == ps->n_done)
			return rule_fail(
			    ps, w->col,
			    "unknown label %.*s: label a rule on an earlier line, like: "
			    "%.*s drop fin once",
			    W(w), W(w));
		r->chain_bit = ps->done[k].label_bit;
	}
	r->chain = kind;
	return 0;
}

/* "attempt N", "attempt N-M" */
static int parse_attempt(struct parser *ps, unsigned *i, struct rule *r)
{
	if (*i + 1 >= ps->n_words)
		return rule_fail(ps, end_col(ps),
		                 "'attempt' needs a number or a range, like attempt 2-3");
	const struct word *w = &ps->words[++*i];
	const char *dash = memchr(w->s, '-', w->len);
	size_t first_len = dash ? (size_t)(dash - w->s) : w->len;
	uint32_t lo, hi;
	if (parse_positive(w->s, first_len, &lo) ||
	    (dash && parse_positive(dash + 1, w->len - first_len - 1, &hi)))
		return rule_fail(
		    ps, w->col,
		    "'attempt %.*s': write a transmission number from 1 (the original), "
		    "or a range like 2-3",
		    W(w));
	if (!dash)
		hi = lo;
	if (hi < lo)
		return rule_fail(ps, w->col,
		                 "attempt range %.*s runs backwards: write the lower first", W(w));
	r->attempt_min = lo;
	r->attempt_max = hi;
	return 0;
}

static int parse_between(struct parser *ps, unsigned *i, struct rule *r)
{
	const struct word *kw = &ps->words[*i];
	if (r->has_between)
		return rule_fail(ps, kw->col, "duplicate between: a rule has one time window");
	if (*i + 2 >= ps->n_words)
		return rule_fail(ps, end_col(ps),
		                 "'between' needs two durations, like between 2s 5s");
	uint64_t t[2];
	for (int k = 0; k < 2; k++) {
		const struct word *w = &ps->words[++*i];
		int rc = duration_parse_us(w->s, w->len, BETWEEN_MAX_US, &t[k]);
		if (rc)
			return rule_fail(
			    ps, w->col, "'%.*s' is not a duration up to a day: write between 2s 5s",
			    W(w));
	}
	if (t[1] <= t[0])
		return rule_fail(ps, ps->words[*i].col,
		                 "between's end must come after its start, like between 2s 5s");
	r->has_between = true;
	r->between_from_us = t[0];
	r->between_to_us = t[1];
	return 0;
}

static int set_attempts(struct parser *ps, const struct word *w, struct rule *r, uint32_t lo,
                        uint32_t hi)
{
	if (r->attempt_max)
		return rule_fail(ps, w->col,
		                 "duplicate attempt: a rule has one of attempt, original, "
		                 "retransmission");
	r->attempt_min = lo;
	r->attempt_max = hi;
	return 0;
}

static int set_phase(struct parser *ps, const struct word *w, struct rule *r, uint8_t bit)
{
	if (r->phases & bit)
		return rule_fail(ps, w->col, "duplicate phase '%.*s'", W(w));
	r->phases |= bit;
	return 0;
}

int rule_parse_select_word(struct parser *ps, unsigned *i, struct rule *r)
{
	const struct word *w = &ps->words[*i];
	if (w->s[0] == '@') {
		if (*i == 0)
			return parse_label(ps, w, r);
		return rule_fail(ps, w->col,
		                 "a label goes first on the line, before the action, like: "
		                 "%.*s drop fin once; 'after %.*s' or 'until %.*s' use one",
		                 W(w), W(w), W(w));
	}
	if (word_is(w, "until"))
		return parse_chain(ps, i, r, RULE_CHAIN_UNTIL);
	if (word_is(w, "after") && *i + 1 < ps->n_words && ps->words[*i + 1].s[0] == '@')
		return parse_chain(ps, i, r, RULE_CHAIN_AFTER);
	if (word_is(w, "attempt")) {
		int rc = set_attempts(ps, w, r, 1, 1);
		return rc ? rc : parse_attempt(ps, i, r);
	}
	if (word_is(w, "original"))
		return set_attempts(ps, w, r, 1, 1);
	if (word_is(w, "retransmission"))
		return set_attempts(ps, w, r, 2, UINT32_MAX);
	if (word_is(w, "conn")) {
		if (r->conn_no)
			return rule_fail(ps, w->col, "duplicate conn: a rule has one");
		if (*i + 1 >= ps->n_words)
			return rule_fail(ps, end_col(ps),
			                 "'conn' needs a number from 1, like conn 2");
		const struct word *n = &ps->words[++*i];
		if (parse_positive(n->s, n->len, &r->conn_no))
			return rule_fail(
			    ps, n->col,
			    "'conn %.*s': write the connection's number from 1, like conn 2", W(n));
		return 0;
	}
	if (word_is(w, "handshake"))
		return set_phase(ps, w, r, RULE_PHASE_HANDSHAKE);
	if (word_is(w, "established"))
		return set_phase(ps, w, r, RULE_PHASE_ESTABLISHED);
	if (word_is(w, "closing"))
		return set_phase(ps, w, r, RULE_PHASE_CLOSING);
	if (word_is(w, "between"))
		return parse_between(ps, i, r);
	return 1;
}
