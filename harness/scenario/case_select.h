/* case_select.h: which cases of the scenario suite a run takes. A case is one scenario for one
 * pairing, plain or time-scaled, named by its id NAME.PAIRING[.scaled]; `check --shard I/N`
 * takes the cases whose id falls in shard I of N. Pure: the environment's values come in as
 * arguments. */
#ifndef SYNFIN_SCENARIO_CASE_SELECT_H
#define SYNFIN_SCENARIO_CASE_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

/* A scenario name (a file name, at most 127 bytes), a pairing, ".scaled" and ".ipv6". */
#define CASE_ID_MAX 160
/* A scenario has at most a plain and a scaled variant per pairing, each over two families. */
#define CASE_MAX_VARIANTS (4 * SCN_MAX_PAIRS)
/* More shards than any CI runs at once; keeps I/N short and the count sane. */
#define SHARD_MAX 1000

struct case_variant {
	unsigned pair;
	bool scaled; /* the time-scaled stack variant (stack-scale) */
	bool ipv6;   /* over IPv6 */
};

/* The variants of s for the pairings in the mask, in the order check runs them: by pairing,
 * the plain one before the scaled one. scaled_only: of a pairing with a scaled variant, only
 * that one. Returns how many were written to out. */
size_t case_variants(const struct scenario *s, unsigned pairs, bool scaled_only,
                     struct case_variant out[CASE_MAX_VARIANTS]);

/* The same over the families given (SCN_FAMILY_* bits; 0: the file's `family`), each
 * pairing's IPv4 variants before its IPv6 ones. */
size_t case_variants_families(const struct scenario *s, unsigned pairs, unsigned families,
                              bool scaled_only, struct case_variant out[CASE_MAX_VARIANTS]);

/* "NAME.PAIRING" or "NAME.PAIRING.scaled" (seed-syn-timeout.stack-linux.scaled), then
 * ".ipv6" over IPv6 (seed-connect-close.linux-linux.ipv6): an IPv4 case keeps the id it had
 * before IPv6 came. Returns the length, as snprintf does. */
int case_id(char *buf, size_t size, const char *name, struct case_variant v);

/* Shard index of count, index 1-based as CI systems number their jobs. {1, 1}: every case. */
struct shard {
	unsigned index;
	unsigned count;
};

/* What `--shard auto` reads from the environment; NULL when a variable is unset. */
struct shard_env {
	const char *ci_node_index;        /* GitLab CI `parallel:`, 1-based */
	const char *ci_node_total;        /* GitLab CI: the count, 1 without `parallel:` */
	const char *job_completion_index; /* Kubernetes Indexed Job, 0-based; no count given */
};

/* "I/N", "auto" or "auto/N" into sh. Returns 0, or -EINVAL with why filled ("index 3 is past
 * the count 2 ..."), the spec itself left for the caller to name. */
int shard_parse(const char *spec, const struct shard_env *env, struct shard *sh, char *why,
                size_t size);

/* The stable hash of a case id that places it in a shard (FNV-1a, then a 64-bit finaliser so
 * that its remainder by a small count is evenly spread). Changing it moves cases between
 * shards: keep it. */
uint64_t case_id_hash(const char *id);

/* taken[i]: whether ids[i] belongs to shard sh. Each case's answer depends on its own id and
 * sh alone, never on the other ids, their order or their number. Returns how many were taken. */
size_t shard_select(const struct shard *sh, const char *const *ids, size_t n, bool *taken);

#endif
