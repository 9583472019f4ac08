/* duration.h: durations written as a number and a unit ("250us", "300ms", "1.5s", "2m"), as the
 * rule, peer-script and scenario languages take them. */
#ifndef SYNFIN_DURATION_H
#define SYNFIN_DURATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Microseconds in one unit: "us", "ms", "s", and where minutes are taken "m" and "min".
 * 0 when the len bytes at unit name no unit. */
uint64_t duration_unit_us(const char *unit, size_t len, bool minutes);

/* What a language accepts besides "NUMBER UNIT". */
struct duration_syntax {
	bool digits_only; /* the number is digits and a point: no sign, exponent, hex, nan or inf */
	bool bare_zero;   /* "0" needs no unit */
	bool minutes;     /* "m" and "min" are units */
	double max_us;    /* the longest accepted, inclusive; INFINITY: what fits 64 bits */
};

/* text, rounded to the nearest microsecond. Returns 0, -EINVAL when text is no duration, or
 * -ERANGE past syn->max_us or 2^64 - 1 us. */
int duration_parse(const char *text, const struct duration_syntax *syn, uint64_t *us);

#endif
