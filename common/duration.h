/* duration.h: the one duration grammar of every synfin language: rule files, scenario files,
 * behaviour scripts and synfin-peer's --set (rules/README.md, "Durations and counts").
 *
 *   DURATION = NUMBER UNIT | NUMBER          (a NUMBER without a unit only when it is zero)
 *   NUMBER   = DIGITS [ "." [DIGITS] ] [EXP] | "." DIGITS [EXP]     (250, 1.5, .5, 1., 1e9)
 *   EXP      = ( "e" | "E" ) [ "+" | "-" ] DIGITS
 *   UNIT     = "us" | "ms" | "s" | "m" | "min"
 *
 * No sign, no hex, no "nan" or "inf", no blanks. The value is rounded to the nearest
 * microsecond (halves up). */
#ifndef SYNFIN_DURATION_H
#define SYNFIN_DURATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Microseconds in one unit ("us", "ms", "s", "m", "min"); 0 when the len bytes at unit name no
 * unit. */
uint64_t duration_unit_us(const char *unit, size_t len);

/* Length of the NUMBER that text starts with (at most len bytes), 0 when it starts with none:
 * where a duration's unit begins. */
size_t duration_number_len(const char *text, size_t len);

/* The len bytes at text as a duration. Returns 0, -EINVAL when they are no duration, or
 * -ERANGE past max_us. *us is left alone on error. */
int duration_parse_us(const char *text, size_t len, uint64_t max_us, uint64_t *us);

/* The call shape scenario_parse.c still uses, with its old restrictions on the grammar above;
 * it goes once scenario_parse.c calls duration_parse_us. */
struct duration_syntax {
	bool digits_only; /* no exponent, and a digit first */
	bool bare_zero;   /* "0" needs no unit */
	bool minutes;     /* "m" and "min" are units */
	double max_us;    /* the longest accepted, inclusive; INFINITY: what fits 64 bits */
};
int duration_parse(const char *text, const struct duration_syntax *syn, uint64_t *us);

#endif
