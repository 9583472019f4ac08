/* byte_count.c: byte counts with an optional binary suffix. */
#include "byte_count.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

int byte_count_parse(const char *text, const struct byte_count_syntax *syn, uint64_t *bytes)
{
	/* strtoull takes "-1" as 2^64 - 1, and skips blanks and a '+': only digits may start a
	 * count */
	if (!isdigit((unsigned char)*text))
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno)
		return -EINVAL;
	unsigned shift = 0;
	if (*end == 'K' || (syn->script_suffixes && *end == 'k'))
		shift = 10, end++;
	else if (*end == 'M' || (syn->script_suffixes && *end == 'm'))
		shift = 20, end++;
	if (syn->script_suffixes && *end == 'B')
		end++;
	if (*end)
		return -EINVAL;
	/* a count that does not fit 64 bits once scaled would wrap to a small one */
	if (v > UINT64_MAX >> shift)
		return -ERANGE;
	*bytes = (uint64_t)v << shift;
	return 0;
}
