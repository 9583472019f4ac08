/* scenario_lex.h: the words and typed values of the .scn language, for the line parser
 * (scenario_parse.c, scenario_endpoint.c); internal to harness/scenario. Errors go through
 * lex_fail, which names the file and line and says what would be right. */
#ifndef SYNFIN_SCENARIO_LEX_H
#define SYNFIN_SCENARIO_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

struct parser {
	struct scenario *s;
	struct scn_error *err;
	unsigned line;
	unsigned when_pairs; /* SCN_ALL_PAIRS outside a `when` block */
	bool in_when;
	unsigned when_families; /* `when ipv6`: SCN_FAMILY_IPV6; 0 for both */
	unsigned group;         /* current { } group id, 0 outside */
	unsigned next_group;
	unsigned family_line; /* where `family` was given, 0 before */
	char dir[256];        /* folder of the scenario, for `rules FILE` */
};

/* Fill p->err for the current line; returns -EINVAL. */
int lex_fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Split off the next whitespace-separated word; returns its length, *rest after it. */
size_t lex_word(const char *s, const char **start, const char **rest);
bool lex_word_is(const char *w, size_t n, const char *lit);
/* A reason (rest of a line), without one pair of surrounding quotes and "because". */
void lex_reason(char *dst, size_t size, const char *src);

/* [S.], [P?.], [*] into g's flags. */
int lex_flags(struct parser *p, const char *w, size_t n, struct scn_seg *g);
/* A decimal 0..2^32-1. Returns 0 or -EINVAL (no message). */
int lex_u32(const char *w, size_t n, uint32_t *v);
/* DUR, A..B, DUR~TOL, DUR~N% into t (its kind left to the caller). */
int lex_time(struct parser *p, const char *w, size_t n, struct scn_time *t);

/* A new item of the current pairings at the current line (text copied when not NULL);
 * NULL when out of memory. */
struct scn_item *lex_item_add(struct parser *p, struct scn_item **v, size_t *n, const char *text);
void lex_items_free(struct scn_item *v, size_t n);

/* The rest of a `client ...` or `server ...` line, into role's endpoint (scenario_endpoint.c). */
int lex_endpoint_line(struct parser *p, enum scn_role role, const char *rest);

#endif
