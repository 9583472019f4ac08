/* rule_parse.c: the rule language's parser (see rules/README.md for the language itself).
 *
 * One rule per line: ACTION [MATCH...] [COUNT]. The parser never guesses: every word is either
 * understood or reported with its line and column and a sentence saying how to write it. A file
 * with one bad line loads nothing, so a typo can never silently turn into "let everything pass".
 * This file splits lines into words and words into rules; the words that carry values are read
 * in rule_words.c; reading files and printing errors live in rule_file.c.
 */
#include "rule.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rule_words.h"

#define RULE_MAX_RULES 1024
#define ACTIONS "pass, drop, delay, set, strip, corrupt, duplicate, reset, reorder or rate"

const char *rule_action_name(enum rule_action action)
{
	switch (action) {
	case RULE_PASS:
		return "pass";
	case RULE_DROP:
		return "drop";
	case RULE_DELAY:
		return "delay";
	case RULE_SET:
		return "set";
	case RULE_STRIP:
		return "strip";
	case RULE_CORRUPT:
		return "corrupt";
	case RULE_DUPLICATE:
		return "duplicate";
	case RULE_RESET:
		return "reset";
	case RULE_REORDER:
		return "reorder";
	case RULE_RATE:
		return "rate";
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

int rule_fail(struct parser *ps, unsigned col, const char *fmt, ...)
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

/* The action at word first (0, or 1 after a label). */
static int parse_action(struct parser *ps, unsigned first, unsigned *i, struct rule *r)
{
	if (first >= ps->n_words)
		return rule_fail(ps, end_col(ps),
		                 "a label needs its rule after it, like: @lostfin drop fin once");
	const struct word *w = &ps->words[first];
	*i = first + 1;
	int rc = 0;
	if (word_is(w, "pass")) {
		r->action = RULE_PASS;
	} else if (word_is(w, "drop")) {
		r->action = RULE_DROP;
	} else if (word_is(w, "delay")) {
		r->action = RULE_DELAY;
	} else if ((rc = rule_parse_action_word(ps, w, i, r)) <= 0) {
		return rc;
	} else if (rule_is_match_word(w)) {
		return rule_fail(ps, w->col,
		                 "unknown action '%.*s': expected " ACTIONS " (a rule starts "
		                 "with its action, like: drop [S] from client)",
		                 W(w));
	} else {
		return rule_fail(ps, w->col, "unknown action '%.*s': expected " ACTIONS, W(w));
	}
	if (r->action != RULE_DELAY)
		return 0;

	if (*i >= ps->n_words)
		return rule_fail(ps, end_col(ps), "delay needs a duration like 300ms");
	const struct word *d = &ps->words[*i];
	if (!rule_word_starts_with_number(d))
		return rule_fail(ps, d->col, "delay needs a duration like 300ms");
	rc = rule_parse_duration(ps, d, &r->delay_us);
	if (rc)
		return rc;
	++*i;
	if (*i >= ps->n_words || !word_is(&ps->words[*i], "jitter"))
		return 0;
	const struct word *jw = &ps->words[*i];
	++*i;
	if (*i >= ps->n_words)
		return rule_fail(ps, end_col(ps), "jitter needs a duration like 10ms");
	const struct word *j = &ps->words[*i];
	if (!rule_word_starts_with_number(j))
		return rule_fail(ps, j->col, "jitter needs a duration like 10ms");
	rc = rule_parse_duration(ps, j, &r->jitter_us);
	if (rc)
		return rc;
	if (r->jitter_us > r->delay_us)
		return rule_fail(
		    ps, jw->col,
		    "jitter larger than delay (%.*s > %.*s): the delay could go below 0", W(j),
		    W(d));
	++*i;
	return 0;
}
/* from client, from server */
static int parse_from(struct parser *ps, unsigned *i, struct rule *r)
{
	const struct word *w = &ps->words[*i];
	if (r->dir != RULE_DIR_ANY)
		return rule_fail(ps, w->col, "duplicate direction: a rule has one 'from'");
	if (*i + 1 >= ps->n_words)
		return rule_fail(ps, end_col(ps), "'from' needs client or server");
	const struct word *d = &ps->words[++*i];
	if (word_is(d, "client"))
		r->dir = RULE_DIR_FROM_CLIENT;
	else if (word_is(d, "server"))
		r->dir = RULE_DIR_FROM_SERVER;
	else
		return rule_fail(ps, d->col, "'from' needs client or server, not '%.*s'", W(d));
	return 0;
}

/* ip4, ip6 */
static int parse_family(struct parser *ps, const struct word *w, struct rule *r)
{
	uint8_t family = w->s[2] == '6' ? 6 : 4;
	if (r->family == family)
		return rule_fail(ps, w->col, "duplicate '%.*s'", W(w));
	if (r->family)
		return rule_fail(ps, w->col,
		                 "'%.*s' after ip%u: a segment is one or the other; leave both out "
		                 "to match either",
		                 W(w), r->family);
	r->family = family;
	return 0;
}

static int parse_exact_flags(struct parser *ps, const struct word *w, struct rule *r)
{
	if (r->flags_exact)
		return rule_fail(ps, w->col,
		                 "duplicate flag set: a rule has one [..], holding every flag");
	if (r->flags_set || r->flags_clear)
		return rule_fail(ps, w->col,
		                 "exact flag set %.*s cannot be combined with flag words: the "
		                 "brackets already fix every flag",
		                 W(w));
	int rc = rule_parse_flag_set(ps, w, &r->flags_set);
	if (rc)
		return rc;
	r->flags_exact = true;
	return 0;
}

/* What earlier words of the rule said about its length. */
struct len_seen {
	bool len_given;
	bool pure_ack;
};

/* syn, !ack, pure-ack; 1 when w is none of them. */
static int parse_flag_word(struct parser *ps, const struct word *w, struct rule *r,
                           struct len_seen *seen)
{
	int bit;
	if ((bit = rule_flag_word_bit(w->s, w->len)) >= 0) {
		r->flags_set |= (uint8_t)bit;
	} else if (w->s[0] == '!') {
		bit = rule_flag_word_bit(w->s + 1, w->len - 1);
		if (bit < 0)
			return rule_fail(
			    ps, w->col,
			    "'%.*s' is not a flag: negate one of syn fin rst psh ack urg "
			    "ece cwr, like !ack",
			    W(w));
		r->flags_clear |= (uint8_t)bit;
	} else if (word_is(w, "pure-ack")) {
		if (seen->len_given)
			return rule_fail(ps, w->col, "duplicate len: pure-ack already means len 0");
		/* what a bare acknowledgment looks like: nothing that occupies sequence space
		 * (RFC 9293 3.4) and no reset */
		r->flags_set |= TCPF_ACK;
		r->flags_clear |= TCPF_SYN | TCPF_FIN | TCPF_RST;
		int rc = rule_check_flag_words(ps, w, r);
		if (rc)
			return rc;
		r->len_min = r->len_max = 0;
		seen->len_given = seen->pure_ack = true;
		return 0;
	} else {
		return 1;
	}
	return rule_check_flag_words(ps, w, r);
}

static int parse_len_word(struct parser *ps, unsigned *i, struct rule *r, struct len_seen *seen)
{
	const struct word *w = &ps->words[*i];
	if (seen->len_given)
		return rule_fail(ps, w->col, "%s",
		                 seen->pure_ack ? "duplicate len: pure-ack already means len 0"
		                                : "duplicate len: a rule has one len");
	int rc = rule_parse_len(ps, i, r);
	if (rc == 0)
		seen->len_given = true;
	return rc;
}

/* "2nd" on its own: nth 2. */
static int parse_nth_ordinal(struct parser *ps, const struct word *w, struct rule *r)
{
	uint32_t n = 0;
	int rc = rule_parse_ordinal(ps, w, &n);
	if (rc < 0)
		return rc;
	if (rc > 0)
		return rule_unknown_word(ps, w);
	if (r->count != RULE_COUNT_ALL)
		return rule_fail(ps, w->col,
		                 "duplicate count: a rule takes one of first, nth, after, once");
	r->count = RULE_COUNT_NTH;
	r->count_n = n;
	return 0;
}

/* One match, count or chance, from word *i on; *i ends on the last word it took. */
static int parse_word(struct parser *ps, unsigned *i, struct rule *r, struct len_seen *seen)
{
	const struct word *w = &ps->words[*i];
	int rc = rule_parse_select_word(ps, i, r);
	if (rc <= 0)
		return rc;
	if (word_is(w, "from"))
		return parse_from(ps, i, r);
	if (word_is(w, "ip4") || word_is(w, "ip6"))
		return parse_family(ps, w, r);
	if (w->s[0] == '[')
		return parse_exact_flags(ps, w, r);
	rc = parse_flag_word(ps, w, r, seen);
	if (rc <= 0)
		return rc;
	if (word_is(w, "len"))
		return parse_len_word(ps, i, r, seen);
	if (word_is(w, "sport"))
		return rule_parse_port(ps, i, &r->sport);
	if (word_is(w, "dport"))
		return rule_parse_port(ps, i, &r->dport);
	if (word_is(w, "port"))
		return rule_parse_port(ps, i, &r->port);
	if (word_is(w, "first") || word_is(w, "once"))
		return rule_parse_count(ps, i, r, RULE_COUNT_FIRST);
	if (word_is(w, "nth"))
		return rule_parse_count(ps, i, r, RULE_COUNT_NTH);
	if (word_is(w, "after"))
		return rule_parse_count(ps, i, r, RULE_COUNT_AFTER);
	if (word_is(w, "chance"))
		return rule_parse_chance(ps, i, r);
	if (rule_word_starts_with_digit(w))
		return parse_nth_ordinal(ps, w, r);
	if (word_is(w, "jitter"))
		return rule_fail(ps, w->col,
		                 "'jitter' goes right after delay's duration, like: delay 50ms "
		                 "jitter 10ms");
	if (rule_is_action_word(w))
		return rule_fail(ps, w->col,
		                 "a second action '%.*s': one rule per line, with its action first",
		                 W(w));
	return rule_unknown_word(ps, w);
}

static int parse_rule(struct parser *ps, struct rule *r)
{
	memset(r, 0, sizeof(*r));
	r->len_max = UINT32_MAX;
	r->count = RULE_COUNT_ALL;
	struct len_seen seen = {false, false};
	unsigned i = 0, first = 0;
	int rc = 0;
	if (ps->words[0].s[0] == '@') {
		rc = rule_parse_select_word(ps, &first, r);
		first = 1;
	}
	if (rc == 0)
		rc = parse_action(ps, first, &i, r);
	for (; rc == 0 && i < ps->n_words; i++)
		rc = parse_word(ps, &i, r, &seen);
	if (rc == 0)
		rc = rule_check_action(ps, &ps->words[first], r);
	return rc;
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
			return rule_fail(ps, (unsigned)start + 1,
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
	for (unsigned i = 0; i < rs->n_rules; i++) {
		free(rs->rules[i].text);
		free(rs->rules[i].label);
	}
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
			rc = rule_fail(&ps, 1, "too many rules: at most %d", RULE_MAX_RULES);
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
		ps.done = out.rules;
		ps.n_done = out.n_rules;
		if ((rc = parse_rule(&ps, r))) {
			free(r->label);
			goto out;
		}
		out.n_labels += r->label != NULL;
		const struct word *last = &ps.words[ps.n_words - 1];
		r->text = strndup(ps.words[0].s, (size_t)(last->s + last->len - ps.words[0].s));
		if (!r->text) {
			free(r->label);
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
