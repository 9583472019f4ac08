/* duration.c: the one duration grammar. Exact decimal arithmetic rather than strtod: strtod
 * would also take a sign, hex, "nan" and "inf", and read past the bytes a rule word ends at. */
#include "duration.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* 10^100000 overflows any duration but zero: the exponent is clamped there so that adding
 * digits to it cannot overflow a long. */
#define EXPONENT_CLAMP 100000L

struct number {
	const char *whole; /* digits before the point */
	size_t n_whole;
	const char *frac; /* digits after it */
	size_t n_frac;
	long exponent;
	size_t len; /* bytes of text taken */
};

uint64_t duration_unit_us(const char *unit, size_t len)
{
	if (len == 2 && memcmp(unit, "us", 2) == 0)
		return 1;
	if (len == 2 && memcmp(unit, "ms", 2) == 0)
		return 1000;
	if (len == 1 && unit[0] == 's')
		return 1000000;
	if ((len == 1 && unit[0] == 'm') || (len == 3 && memcmp(unit, "min", 3) == 0))
		return 60000000;
	return 0;
}

static size_t count_digits(const char *s, size_t len)
{
	size_t n = 0;
	while (n < len && isdigit((unsigned char)s[n]))
		n++;
	return n;
}

/* An exponent counts only when digits follow it: "1es" is 1 and the unit "es". */
static void scan_exponent(const char *text, size_t len, struct number *num)
{
	size_t i = num->len;
	if (i >= len || (text[i] != 'e' && text[i] != 'E'))
		return;
	i++;
	bool negative = false;
	if (i < len && (text[i] == '+' || text[i] == '-'))
		negative = text[i++] == '-';
	size_t n = count_digits(text + i, len - i);
	if (n == 0)
		return;
	long e = 0;
	for (size_t k = 0; k < n; k++)
		if (e < EXPONENT_CLAMP)
			e = e * 10 + (text[i + k] - '0');
	num->exponent = negative ? -e : e;
	num->len = i + n;
}

static bool scan_number(const char *text, size_t len, struct number *num)
{
	memset(num, 0, sizeof(*num));
	num->whole = text;
	num->n_whole = count_digits(text, len);
	num->len = num->n_whole;
	if (num->len < len && text[num->len] == '.') {
		num->frac = text + num->len + 1;
		num->n_frac = count_digits(num->frac, len - num->len - 1);
		num->len += 1 + num->n_frac;
	}
	if (num->n_whole + num->n_frac == 0)
		return false;
	scan_exponent(text, len, num);
	return true;
}

size_t duration_number_len(const char *text, size_t len)
{
	struct number num;
	return scan_number(text, len, &num) ? num.len : 0;
}

/* The i-th digit of the number's digits written out without the point; 0 outside them. */
static unsigned digit_at(const struct number *num, long i)
{
	if (i < 0)
		return 0;
	if ((size_t)i < num->n_whole)
		return (unsigned)(num->whole[i] - '0');
	if ((size_t)i < num->n_whole + num->n_frac)
		return (unsigned)(num->frac[(size_t)i - num->n_whole] - '0');
	return 0;
}

static bool number_is_zero(const struct number *num)
{
	for (long i = 0; (size_t)i < num->n_whole + num->n_frac; i++)
		if (digit_at(num, i))
			return false;
	return true;
}

/* The number's fraction below 1 (the digits from index point on) times unit = u10 * 10^k,
 * rounded to the nearest integer, halves up. The first k digits count exactly; of the rest, 18
 * decide the rounding (18 digits times u10 <= 9 still fit 64 bits). */
static uint64_t fraction_times(const struct number *num, long point, uint64_t u10, unsigned k)
{
	uint64_t exact = 0;
	for (unsigned j = 0; j < k; j++)
		exact = exact * 10 + digit_at(num, point + (long)j);
	uint64_t rest = 0;
	for (unsigned j = 0; j < 18; j++)
		rest = rest * 10 + digit_at(num, point + (long)k + (long)j);
	const uint64_t scale = 1000000000000000000u;
	rest *= u10;
	return exact * u10 + rest / scale + (2 * (rest % scale) >= scale);
}

/* num * unit in whole microseconds, or -ERANGE past 64 bits. */
static int number_times(const struct number *num, uint64_t unit, uint64_t *out)
{
	if (number_is_zero(num)) {
		*out = 0;
		return 0;
	}
	long point = (long)num->n_whole + num->exponent; /* digits before the point */
	uint64_t whole = 0;
	for (long i = 0; i < point; i++) {
		unsigned d = digit_at(num, i);
		if (whole > (UINT64_MAX - d) / 10)
			return -ERANGE;
		whole = whole * 10 + d;
	}
	if (whole > UINT64_MAX / unit)
		return -ERANGE;
	unsigned k = 0;
	uint64_t u10 = unit;
	while (u10 % 10 == 0)
		u10 /= 10, k++;
	uint64_t part = fraction_times(num, point, u10, k);
	if (whole * unit > UINT64_MAX - part)
		return -ERANGE;
	*out = whole * unit + part;
	return 0;
}

int duration_parse_us(const char *text, size_t len, uint64_t max_us, uint64_t *us)
{
	struct number num;
	if (!scan_number(text, len, &num))
		return -EINVAL;
	if (num.len == len) {
		/* a bare number other than zero could be seconds or milliseconds */
		if (!number_is_zero(&num))
			return -EINVAL;
		*us = 0;
		return 0;
	}
	uint64_t unit = duration_unit_us(text + num.len, len - num.len);
	if (unit == 0)
		return -EINVAL;
	uint64_t v;
	int rc = number_times(&num, unit, &v);
	if (rc == 0 && v > max_us)
		rc = -ERANGE;
	if (rc == 0)
		*us = v;
	return rc;
}
