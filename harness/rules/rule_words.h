/* rule_words.h: inside the rule parser, not part of the engine's interface (rule.h): a line's
 * words, the parser's state and error, and the parsers of the words that carry values
 * (rule_words.c). Each parser returns 0, or -EINVAL with the error filled in by rule_fail. */
#ifndef SYNFIN_RULE_WORDS_H
#define SYNFIN_RULE_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rule.h"

#define RULE_MAX_WORDS 64

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
	/* the rules of the file parsed so far, for labels */
	const struct rule *done;
	unsigned n_done;
};

/* Fill in the error at column col of the current line; returns -EINVAL. */
__attribute__((format(printf, 3, 4))) int rule_fail(struct parser *ps, unsigned col,
                                                    const char *fmt, ...);

/* Column just past the last word: where a missing argument should have been. */
static inline unsigned end_col(const struct parser *ps)
{
	const struct word *w = &ps->words[ps->n_words - 1];
	return w->col + (unsigned)w->len;
}

static inline bool word_is(const struct word *w, const char *s)
{
	return strlen(s) == w->len && memcmp(w->s, s, w->len) == 0;
}

/* Words are quoted in messages; a runaway word must not push the advice out of the buffer. */
#define W(w) (int)((w)->len > 40 ? 40 : (w)->len), (w)->s

/* Decimal digits only, up to 2^32 - 1, as ports and ordinals are written: no sign, no
 * leading '+', and "1e3" or "0x10" are not numbers here. 0, -EINVAL or -ERANGE. */
int rule_parse_decimal(const char *s, size_t len, uint32_t *out);

bool rule_word_starts_with_digit(const struct word *w);
/* A word that starts like a duration or count: "300ms", ".5s". */
bool rule_word_starts_with_number(const struct word *w);
/* delay's and jitter's argument, at most 1000 s. */
int rule_parse_duration(struct parser *ps, const struct word *w, uint32_t *us);

/* The TCPF_* bit of a flag word ("syn"), or -1. */
int rule_flag_word_bit(const char *s, size_t len);
/* "[S.]", "[none]": the exact flag byte. */
int rule_parse_flag_set(struct parser *ps, const struct word *w, uint8_t *flags);
/* After the flag word w: no clash with an exact set or with an earlier word. */
int rule_check_flag_words(struct parser *ps, const struct word *w, const struct rule *r);

/* The words from *i on that take an argument; *i ends on the last word taken. */
int rule_parse_len(struct parser *ps, unsigned *i, struct rule *r);
int rule_parse_port(struct parser *ps, unsigned *i, uint16_t *port);
int rule_parse_count(struct parser *ps, unsigned *i, struct rule *r, enum rule_count kind);
int rule_parse_chance(struct parser *ps, unsigned *i, struct rule *r);
/* "2nd": 0 with *n set, 1 when w is no ordinal at all, or -EINVAL for one spelt wrong ("2th"). */
int rule_parse_ordinal(struct parser *ps, const struct word *w, uint32_t *n);

/* A selection word (rule_select_words.c) from *i on: "@label" first on the line, attempt,
 * original, retransmission, conn, handshake, established, closing, between, after @x,
 * until @x. 1 when w is none of them. */
int rule_parse_select_word(struct parser *ps, unsigned *i, struct rule *r);

/* The action w names, other than pass, drop and delay (rule_action_words.c: set, strip,
 * corrupt), with its arguments from word *i on; *i ends past the last word taken. 1 when w is
 * none of them. */
int rule_parse_action_word(struct parser *ps, const struct word *w, unsigned *i, struct rule *r);
/* Whether w names an action. */
bool rule_is_action_word(const struct word *w);
/* Once the whole rule is read: what its action needs of its matches ("corrupt payload" selects
 * segments with payload). */
int rule_check_action(struct parser *ps, const struct word *action, struct rule *r);

/* A match word (from, [..], a flag, len, port, a count, chance) out of its place. */
bool rule_is_match_word(const struct word *w);
/* The error for a word nothing understood, with the likeliest fix. */
int rule_unknown_word(struct parser *ps, const struct word *w);

#endif
