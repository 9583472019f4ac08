/* byte_count.h: byte counts with an optional binary suffix ("1000", "64K", "10M"), as peer
 * scripts and scenarios take them. */
#ifndef SYNFIN_BYTE_COUNT_H
#define SYNFIN_BYTE_COUNT_H

#include <stdbool.h>
#include <stdint.h>

struct byte_count_syntax {
	bool script_suffixes; /* "k" and "m" too, and a trailing "B": "64KB" */
};

/* Decimal digits, then K (2^10) or M (2^20). Returns 0, -EINVAL when text is no count, or
 * -ERANGE when the scaled count does not fit 64 bits. */
int byte_count_parse(const char *text, const struct byte_count_syntax *syn, uint64_t *bytes);

#endif
