/* duration.c: durations written as a number and a unit. */
#include "duration.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

uint64_t duration_unit_us(const char *unit, size_t len, bool minutes)
{
	if (len == 2 && memcmp(unit, "us", 2) == 0)
		return 1;
	if (len == 2 && memcmp(unit, "ms", 2) == 0)
		return 1000;
	if (len == 1 && unit[0] == 's')
		return 1000000;
	if (minutes && ((len == 1 && unit[0] == 'm') || (len == 3 && memcmp(unit, "min", 3) == 0)))
		return 60000000;
	return 0;
}

int duration_parse(const char *text, const struct duration_syntax *syn, uint64_t *us)
{
	if (syn->bare_zero && strcmp(text, "0") == 0) {
		*us = 0;
		return 0;
	}
	/* strtod also takes a sign, "nan", "inf", exponents and hex: a language that wants plain
	 * decimals checks the characters strtod consumed */
	if (syn->digits_only && !isdigit((unsigned char)text[0]))
		return -EINVAL;
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	/* !(v >= 0) also refuses nan */
	if (end == text || errno || !(v >= 0))
		return -EINVAL;
	if (syn->digits_only)
		for (const char *c = text; c < end; c++)
			if (!isdigit((unsigned char)*c) && *c != '.')
				return -EINVAL;
	uint64_t unit = duration_unit_us(end, strlen(end), syn->minutes);
	if (!unit)
		return -EINVAL;
	double x = v * (double)unit;
	if (x > syn->max_us)
		return -ERANGE;
	/* converting a double at or past 2^64 (or infinity) to uint64_t is undefined */
	x += 0.5;
	if (!(x < 18446744073709551616.0))
		return -ERANGE;
	*us = (uint64_t)x;
	return 0;
}
