/* counter.c: the counters a scenario can name (counter.h). Another counter is one row here and
 * one `counter NAME KEY` line in the impl file of each implementation that can report it. */
#include "counter.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct counter_def counters[] = {
    {"paws-rejected", "segments discarded by PAWS (RFC 7323 5.3): a timestamp older than "
                      "TS.Recent"},
};

#define N_COUNTERS (sizeof(counters) / sizeof(counters[0]))

const struct counter_def *counter_find(const char *w, size_t n)
{
	for (size_t i = 0; i < N_COUNTERS; i++)
		if (strlen(counters[i].name) == n && !memcmp(counters[i].name, w, n))
			return &counters[i];
	return NULL;
}

void counter_names(char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < N_COUNTERS && used < size; i++) {
		int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", counters[i].name);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static const char *const compare_names[] = {
    [COUNTER_GE] = ">=", [COUNTER_LE] = "<=", [COUNTER_EQ] = "==", [COUNTER_GT] = ">"};

int counter_compare_parse(const char *w, size_t n, enum counter_compare *cmp)
{
	for (size_t i = 0; i < sizeof(compare_names) / sizeof(compare_names[0]); i++)
		if (strlen(compare_names[i]) == n && !memcmp(compare_names[i], w, n)) {
			*cmp = (enum counter_compare)i;
			return 0;
		}
	return -EINVAL;
}

const char *counter_compare_name(enum counter_compare cmp)
{
	return (unsigned)cmp < sizeof(compare_names) / sizeof(compare_names[0]) ? compare_names[cmp]
	                                                                        : "?";
}

bool counter_compare_holds(enum counter_compare cmp, unsigned long long value,
                           unsigned long long want)
{
	switch (cmp) {
	case COUNTER_GE:
		return value >= want;
	case COUNTER_LE:
		return value <= want;
	case COUNTER_EQ:
		return value == want;
	case COUNTER_GT:
		return value > want;
	}
	return false;
}
