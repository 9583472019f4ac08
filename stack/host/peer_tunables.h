/* peer_tunables.h: synfin-peer's --set NAME=VALUE, onto the stack's tunables (the names are the
 * fields of struct stack_tunables, after the Linux sysctls). Durations and counts are written in
 * the grammars of common/duration.h and common/byte_count.h, like everywhere else. */
#ifndef SYNFIN_PEER_TUNABLES_H
#define SYNFIN_PEER_TUNABLES_H

#include <stddef.h>
#include <stdint.h>

#include "stack.h"

/* "rto_initial=100ms", "syn_retries=5", "nodelay=1": 0, or -EINVAL with a sentence in why. */
int peer_set_tunable(struct stack_tunables *t, const char *assign, char *why, size_t why_size);
/* The names, wrapped and indented for --help. */
void peer_tunables_help(char *buf, size_t size);

/* duration_parse_us() on a whole string, with no limit but 64 bits. */
int peer_parse_duration(const char *text, uint64_t *us);

#endif
