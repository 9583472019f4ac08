/* byte_count.h: the one count grammar of every synfin language: byte counts and other counts
 * in rule files, scenario files, behaviour scripts and synfin-peer's --set (rules/README.md,
 * "Durations and counts").
 *
 *   COUNT  = NUMBER [SUFFIX] ["B"]
 *   NUMBER = DIGITS | ( "0x" | "0X" ) HEXDIGITS   (decimal even with a leading 0: 010 is ten)
 *   SUFFIX = "K" | "k" (2^10) | "M" | "m" (2^20)
 *
 * No sign, no blanks. In hex, B is a digit: 0x1B is 27. */
#ifndef SYNFIN_BYTE_COUNT_H
#define SYNFIN_BYTE_COUNT_H

#include <stddef.h>
#include <stdint.h>

/* The len bytes at text as a count. Returns 0, -EINVAL when they are no count, or -ERANGE when
 * the count, scaled by its suffix, does not fit 64 bits. *v is left alone on error. */
int count_parse(const char *text, size_t len, uint64_t *v);


#endif
