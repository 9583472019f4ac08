/* peer_tunables.h: synfin-peer's --set NAME=VALUE, onto the stack's tunables (the names are the
 * fields of struct stack_tunables, after the Linux sysctls), and the small number parsers the
 * command line shares. */
#ifndef SYNFIN_PEER_TUNABLES_H
#define SYNFIN_PEER_TUNABLES_H

#include <stddef.h>
#include <stdint.h>

#include "stack.h"

/* "rto_initial=100ms", "syn_retries=5", "nodelay=1": 0, or -EINVAL with a sentence in why. */
int peer_set_tunable(struct stack_tunables *t, const char *assign, char *why, size_t why_size);
/* The names, wrapped and indented for --help. */
void peer_tunables_help(char *buf, size_t size);

/* "300ms", "1s", "1.5s", "250us", "2m"; a bare "0" (any other bare number is ambiguous). */
int peer_parse_duration(const char *text, uint64_t *us);
/* A decimal or 0x number with an optional K or M (1024-based) suffix. */
int peer_parse_count(const char *text, uint64_t *out);

#endif
