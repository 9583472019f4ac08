/* byte_count.c: the one count grammar. */
#include "byte_count.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

static int digit_value(char c, unsigned base)
{
	if (isdigit((unsigned char)c))
		return c - '0';
	if (base == 16 && isxdigit((unsigned char)c))
		return tolower((unsigned char)c) - 'a' + 10;
	return -1;
}

int count_parse(const char *text, size_t len, uint64_t *v)
{
	unsigned base = 10;
	size_t i = 0;
	if (len > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X') &&
	    isxdigit((unsigned char)text[2]))
		base = 16, i = 2;
	size_t start = i;
	uint64_t n = 0;
	bool too_big = false; /* reported only once the text is known to be a count */
	int d;
	for (; i < len && (d = digit_value(text[i], base)) >= 0; i++) {
		if (n > (UINT64_MAX - (unsigned)d) / base)
			too_big = true;
		else
			n = n * base + (unsigned)d;
	}
	if (i == start)
		return -EINVAL;
	unsigned shift = 0;
	if (i < len && (text[i] == 'K' || text[i] == 'k'))
		shift = 10, i++;
	else if (i < len && (text[i] == 'M' || text[i] == 'm'))
		shift = 20, i++;
	if (i < len && text[i] == 'B')
		i++;
	if (i != len)
		return -EINVAL;
	if (too_big || n > UINT64_MAX >> shift)
		return -ERANGE;
	*v = n << shift;
	return 0;
}
