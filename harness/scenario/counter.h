/* counter.h: the TCP event counters a scenario can assert (`server counts paws-rejected >= 1`),
 * named by what they count. Each implementation maps a name to a member of the "counters"
 * record its endpoint program writes at exit (impl/NAME.impl: `counter NAME KEY`); one that
 * maps none cannot run a case that asserts it. Pure. */
#ifndef SYNFIN_COUNTER_H
#define SYNFIN_COUNTER_H

#include <stdbool.h>
#include <stddef.h>

struct counter_def {
	const char *name; /* the scenario's word */
	const char *what; /* what it counts, for messages and documentation */
};

/* The counter called w (n bytes), or NULL. */
const struct counter_def *counter_find(const char *w, size_t n);
/* Every counter's name, comma separated: "paws-rejected". */
void counter_names(char *buf, size_t size);

/* How a `counts` line compares the counted value with its number. */
enum counter_compare { COUNTER_GE, COUNTER_LE, COUNTER_EQ, COUNTER_GT };
/* ">=", "<=", "==", ">" into *cmp. Returns 0, or -EINVAL for another word. */
int counter_compare_parse(const char *w, size_t n, enum counter_compare *cmp);
const char *counter_compare_name(enum counter_compare cmp);
/* Whether value satisfies `cmp want`. */
bool counter_compare_holds(enum counter_compare cmp, unsigned long long value,
                           unsigned long long want);

#endif
