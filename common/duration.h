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


#endif
