/* rule_action_words.c: the actions that do more than pass, drop or delay (rules/README.md,
 * "Actions"): set, strip, corrupt, duplicate, reset, reorder, rate. Each reads its arguments right
 * after its own word, as delay reads its duration. */
#include <errno.h>
#include <stdio.h>
#include <strings.h>

#include "common/byte_count.h"
#include "rule_words.h"

/* A 16-bit field's value in the one count grammar (common/byte_count.h): 0 .. 65535. */
static int parse_value16(struct parser *ps, const struct word *kw, const struct word *field,
                         unsigned *i, uint16_t *out)
{
	if (*i >= ps->n_words)
		return rule_fail(ps, end_col(ps),
		                 "'%.*s %.*s' needs a value 0-65535, like %.*s %.*s %s", W(kw),
		                 W(field), W(kw), W(field), word_is(field, "mss") ? "536" : "0");
	const struct word *w = &ps->words[*i];
	uint64_t v;
	int rc = count_parse(w->s, w->len, &v);
	if (rc == -EINVAL)
		return rule_fail(ps, w->col, "'%.*s' is no number: '%.*s %.*s' needs 0-65535", W(w),
		                 W(kw), W(field));
	if (rc == -ERANGE || v > 65535)
		return rule_fail(ps, w->col,
		                 "'%.*s' does not fit the 16-bit %.*s field: use 0-65535", W(w),
		                 W(field));
	*out = (uint16_t)v;
	++*i;
	return 0;
}

/* set win N, set mss N */
static int parse_set(struct parser *ps, const struct word *kw, unsigned *i, struct rule *r)
{
	if (*i >= ps->n_words)
		return rule_fail(ps, end_col(ps),
		                 "set needs a field and its value: set win 0, or set mss 536");
	const struct word *f = &ps->words[*i];
	if (word_is(f, "win") || word_is(f, "window"))
		r->set_field = RULE_SET_WIN;
	else if (word_is(f, "mss"))
		r->set_field = RULE_SET_MSS;
	else
		return rule_fail(ps, f->col,
		                 "set cannot write '%.*s': it writes win (the window field) or mss "
		                 "(the MSS option), like set win 0",
		                 W(f));
	++*i;
	return parse_value16(ps, kw, f, i, &r->set_value);
}

/* strip sack|ts|wscale|mss */
static int parse_strip(struct parser *ps, unsigned *i, struct rule *r)
{
	static const char usage[] =
	    "strip needs an option: sack, ts, wscale or mss, like strip sack";
	if (*i >= ps->n_words)
		return rule_fail(ps, end_col(ps), "%s", usage);
	const struct word *w = &ps->words[*i];
	if (word_is(w, "sack"))
		r->strip = RULE_STRIP_SACK;
	else if (word_is(w, "ts"))
		r->strip = RULE_STRIP_TS;
	else if (word_is(w, "wscale"))
		r->strip = RULE_STRIP_WSCALE;
	else if (word_is(w, "mss"))
		r->strip = RULE_STRIP_MSS;
	else if (word_is(w, "sackok") || word_is(w, "sack-permitted") || word_is(w, "sackOK"))
		return rule_fail(
		    ps, w->col,
		    "'%.*s': write strip sack (it strips SACK-permitted and SACK blocks)", W(w));
	else if (word_is(w, "timestamp") || word_is(w, "timestamps") || word_is(w, "TS"))
		return rule_fail(ps, w->col, "'%.*s': the timestamp option is written ts", W(w));
	else if (word_is(w, "window-scale") || word_is(w, "ws"))
		return rule_fail(ps, w->col, "'%.*s': window scaling is written wscale", W(w));
	else
		return rule_fail(ps, w->col, "unknown option '%.*s': %s", W(w), usage);
	++*i;
	return 0;
}

/* corrupt [payload|header] [checksum bad|fixed] */
static int parse_corrupt(struct parser *ps, unsigned *i, struct rule *r)
{
	bool checksum_given = false;
	while (*i < ps->n_words) {
		const struct word *w = &ps->words[*i];
		if (word_is(w, "payload") || word_is(w, "header")) {
			if (r->corrupt != RULE_CORRUPT_ANY)
				return rule_fail(ps, w->col,
				                 "corrupt takes one place: payload or header");
			r->corrupt =
			    word_is(w, "header") ? RULE_CORRUPT_HEADER : RULE_CORRUPT_PAYLOAD;
		} else if (word_is(w, "checksum")) {
			if (checksum_given)
				return rule_fail(ps, w->col, "duplicate checksum: say it once");
			checksum_given = true;
			if (*i + 1 >= ps->n_words)
				return rule_fail(ps, end_col(ps),
				                 "checksum needs bad or fixed, like: corrupt "
				                 "payload checksum fixed");
			const struct word *how = &ps->words[++*i];
			if (word_is(how, "fixed"))
				r->corrupt_fixed = true;
			else if (!word_is(how, "bad"))
				return rule_fail(
				    ps, how->col,
				    "checksum needs bad or fixed, not '%.*s' (bad: the "
				    "receiver discards it; fixed: the damage reaches "
				    "the application)",
				    W(how));
		} else if (word_is(w, "fixed") || word_is(w, "bad")) {
			return rule_fail(ps, w->col, "write checksum before it: checksum %.*s",
			                 W(w));
		} else {
			return 0;
		}
		++*i;
	}
	return 0;
}

/* A duration word after kw ("gap", "quiet") into *us: 0, or -EINVAL with the error set. */
static int parse_word_duration(struct parser *ps, unsigned *i, const char *kw, const char *like,
                               uint32_t *us)
{
	if (*i + 1 >= ps->n_words)
		return rule_fail(ps, end_col(ps), "%s needs a duration like %s", kw, like);
	const struct word *d = &ps->words[++*i];
	if (!rule_word_starts_with_number(d))
		return rule_fail(ps, d->col, "%s needs a duration like %s", kw, like);
	int rc = rule_parse_duration(ps, d, us);
	if (rc)
		return rc;
	++*i;
	return 0;
}

#define DUPLICATE_MAX_COPIES 100

/* duplicate [N] [gap D] */
static int parse_duplicate(struct parser *ps, unsigned *i, struct rule *r)
{
	r->dup_copies = 1;
	if (*i < ps->n_words && rule_word_starts_with_digit(&ps->words[*i])) {
		const struct word *w = &ps->words[*i];
		uint64_t n;
		int rc = count_parse(w->s, w->len, &n);
		if (rc == -EINVAL)
			return 0; /* "duplicate 2nd": no copies given; the count is read next */
		if (rc || n == 0 || n > DUPLICATE_MAX_COPIES)
			return rule_fail(
			    ps, w->col,
			    "duplicate takes 1 to %d copies, like duplicate 2, not '%.*s'",
			    DUPLICATE_MAX_COPIES, W(w));
		r->dup_copies = (uint32_t)n;
		++*i;
	}
	if (*i >= ps->n_words || !word_is(&ps->words[*i], "gap"))
		return 0;
	return parse_word_duration(ps, i, "gap", "10ms", &r->dup_gap_us);
}

#define REORDER_MAX_AFTER 1000

/* reorder N [quiet D] */
static int parse_reorder(struct parser *ps, unsigned *i, struct rule *r)
{
	r->reorder_quiet_us = RULE_REORDER_QUIET_DEFAULT_US;
	const struct word *w = *i < ps->n_words ? &ps->words[*i] : NULL;
	uint64_t n = 0;
	int rc = w ? count_parse(w->s, w->len, &n) : -EINVAL;
	if (!w || (rc == -EINVAL && !rule_word_starts_with_digit(w)))
		return rule_fail(ps, w ? w->col : end_col(ps),
		                 "reorder needs how many segments overtake the held one, like "
		                 "reorder 3");
	if (rc || n == 0 || n > REORDER_MAX_AFTER)
		return rule_fail(ps, w->col,
		                 "reorder takes 1 to %d segments, like reorder 3, not '%.*s'",
		                 REORDER_MAX_AFTER, W(w));
	r->reorder_after = (uint32_t)n;
	++*i;
	if (*i >= ps->n_words || !word_is(&ps->words[*i], "quiet"))
		return 0;
	const struct word *kw = &ps->words[*i];
	rc = parse_word_duration(ps, i, "quiet", "200ms", &r->reorder_quiet_us);
	if (rc == 0 && r->reorder_quiet_us == 0)
		return rule_fail(ps, kw->col,
		                 "quiet 0 would release the segment at once: give a time like "
		                 "quiet 200ms, or write pass");
	return rc;
}

#define RATE_MIN_BPS 1000u
#define RATE_MAX_BPS 100000000000ull
#define RATE_MAX_QUEUE 100000u

/* tc's spelling of a rate: a number (decimals allowed) and bit, kbit, mbit or gbit (powers of
 * 1000), or a bare number of bits per second. 0, or -EINVAL with the error set. */
static int parse_bits_per_second(struct parser *ps, const struct word *w, uint64_t *bps)
{
	static const struct {
		const char *unit;
		uint64_t scale;
	} units[] = {{"", 1}, {"bit", 1}, {"kbit", 1000}, {"mbit", 1000000}, {"gbit", 1000000000}};
	size_t i = 0;
	uint64_t whole = 0, frac = 0, frac_scale = 1;
	while (i < w->len && w->s[i] >= '0' && w->s[i] <= '9' && whole < RATE_MAX_BPS)
		whole = whole * 10 + (uint64_t)(w->s[i++] - '0');
	if (i < w->len && w->s[i] == '.')
		for (i++; i < w->len && w->s[i] >= '0' && w->s[i] <= '9'; i++)
			if (frac_scale < 1000000000u) {
				frac = frac * 10 + (uint64_t)(w->s[i] - '0');
				frac_scale *= 10;
			}
	const char *unit = w->s + i;
	size_t unit_len = w->len - i;
	for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
		if (strlen(units[k].unit) != unit_len || strncasecmp(unit, units[k].unit, unit_len))
			continue;
		*bps = whole * units[k].scale + frac * units[k].scale / frac_scale;
		if (whole >= RATE_MAX_BPS || *bps > RATE_MAX_BPS || *bps < RATE_MIN_BPS)
			return rule_fail(
			    ps, w->col, "rate '%.*s' is out of range: from 1kbit to 100gbit", W(w));
		return 0;
	}
	if (unit_len >= 3 && !strncasecmp(unit + unit_len - 3, "bps", 3))
		return rule_fail(ps, w->col + (unsigned)i,
		                 "'%.*s' is bytes per second in tc's spelling: write bits, like "
		                 "rate 8mbit for 1mbps",
		                 W(w));
	return rule_fail(ps, w->col + (unsigned)i,
	                 "unknown unit '%.*s' in '%.*s': use bit, kbit, mbit or gbit, like rate "
	                 "1mbit",
	                 (int)(unit_len > 20 ? 20 : unit_len), unit, W(w));
}

/* queue N (packets) or queue D (the backlog's time) */
static int parse_rate_queue(struct parser *ps, unsigned *i, struct rule *r)
{
	static const char usage[] = "queue needs packets or a time, like queue 20 or queue 50ms";
	if (*i + 1 >= ps->n_words)
		return rule_fail(ps, end_col(ps), "%s", usage);
	const struct word *w = &ps->words[++*i];
	if (!rule_word_starts_with_number(w))
		return rule_fail(ps, w->col, "%s", usage);
	uint64_t n;
	int rc = count_parse(w->s, w->len, &n);
	if (rc == 0 && (n == 0 || n > RATE_MAX_QUEUE))
		return rule_fail(ps, w->col,
		                 "queue takes 1 to %u packets, like queue 20, not '%.*s'",
		                 RATE_MAX_QUEUE, W(w));
	if (rc == 0) {
		r->rate_queue = (uint32_t)n;
	} else {
		rc = rule_parse_duration(ps, w, &r->rate_queue_us);
		if (rc)
			return rc;
		if (r->rate_queue_us == 0)
			return rule_fail(ps, w->col,
			                 "queue 0 would drop every segment: give a time like queue "
			                 "50ms, or write drop");
	}
	++*i;
	return 0;
}

/* rate R [queue N|D] */
static int parse_rate(struct parser *ps, unsigned *i, struct rule *r)
{
	r->rate_queue = RULE_RATE_QUEUE_DEFAULT;
	if (*i >= ps->n_words || !rule_word_starts_with_number(&ps->words[*i]))
		return rule_fail(ps, *i < ps->n_words ? ps->words[*i].col : end_col(ps),
		                 "rate needs bits per second, like rate 1mbit or rate 500kbit");
	int rc = parse_bits_per_second(ps, &ps->words[*i], &r->rate_bps);
	if (rc)
		return rc;
	++*i;
	if (*i < ps->n_words && word_is(&ps->words[*i], "queue"))
		return parse_rate_queue(ps, i, r);
	return 0;
}

/* reset [to sender|to receiver|both] [exact|in-window] [keep] */
static int parse_reset(struct parser *ps, unsigned *i, struct rule *r)
{
	bool to_given = false, how_given = false;
	for (; *i < ps->n_words; ++*i) {
		const struct word *w = &ps->words[*i];
		if (word_is(w, "to") || word_is(w, "both")) {
			if (to_given)
				return rule_fail(ps, w->col,
				                 "reset goes one way: say 'to' or 'both' once");
			to_given = true;
			if (word_is(w, "both")) {
				r->reset_to = RULE_RESET_BOTH;
				continue;
			}
			const struct word *to = *i + 1 < ps->n_words ? &ps->words[*i + 1] : NULL;
			if (!to || !(word_is(to, "sender") || word_is(to, "receiver")))
				return rule_fail(
				    ps, to ? to->col : end_col(ps),
				    "'to' needs sender or receiver, like reset to sender");
			r->reset_to =
			    word_is(to, "sender") ? RULE_RESET_TO_SENDER : RULE_RESET_TO_RECEIVER;
			++*i;
		} else if (word_is(w, "exact") || word_is(w, "in-window")) {
			if (how_given)
				return rule_fail(ps, w->col,
				                 "reset takes one of exact or in-window");
			how_given = true;
			r->reset_in_window = word_is(w, "in-window");
		} else if (word_is(w, "keep")) {
			if (r->reset_keep)
				return rule_fail(ps, w->col, "duplicate keep: say it once");
			r->reset_keep = true;
		} else if (word_is(w, "sender") || word_is(w, "receiver")) {
			return rule_fail(ps, w->col, "write 'to' before it: reset to %.*s", W(w));
		} else if (word_is(w, "inwindow") || word_is(w, "in_window")) {
			return rule_fail(ps, w->col, "'%.*s' is written in-window", W(w));
		} else {
			return 0;
		}
	}
	return 0;
}

int rule_parse_action_word(struct parser *ps, const struct word *w, unsigned *i, struct rule *r)
{
	if (word_is(w, "set")) {
		r->action = RULE_SET;
		return parse_set(ps, w, i, r);
	}
	if (word_is(w, "strip")) {
		r->action = RULE_STRIP;
		return parse_strip(ps, i, r);
	}
	if (word_is(w, "corrupt")) {
		r->action = RULE_CORRUPT;
		return parse_corrupt(ps, i, r);
	}
	if (word_is(w, "duplicate")) {
		r->action = RULE_DUPLICATE;
		return parse_duplicate(ps, i, r);
	}
	if (word_is(w, "reset")) {
		r->action = RULE_RESET;
		return parse_reset(ps, i, r);
	}
	if (word_is(w, "reorder")) {
		r->action = RULE_REORDER;
		return parse_reorder(ps, i, r);
	}
	if (word_is(w, "rate")) {
		r->action = RULE_RATE;
		return parse_rate(ps, i, r);
	}
	return 1;
}

bool rule_is_action_word(const struct word *w)
{
	static const char *const actions[] = {"pass",    "drop",      "delay", "set",     "strip",
	                                      "corrupt", "duplicate", "reset", "reorder", "rate"};
	for (size_t k = 0; k < sizeof(actions) / sizeof(actions[0]); k++)
		if (word_is(w, actions[k]))
			return true;
	return false;
}

int rule_check_action(struct parser *ps, const struct word *action, struct rule *r)
{
	if (r->action != RULE_CORRUPT || r->corrupt != RULE_CORRUPT_PAYLOAD)
		return 0;
	if (r->len_max == 0)
		return rule_fail(ps, action->col,
		                 "corrupt payload never applies: this rule matches only segments "
		                 "without payload (len 0); write corrupt header");
	/* the payload must be there to damage: the rule selects the segments that have one */
	if (r->len_min == 0)
		r->len_min = 1;
	return 0;
}
