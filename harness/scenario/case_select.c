/* case_select.c: case ids, a scenario's variants, and the shard each case belongs to.
 *
 * Why a hash of the id and not the position in the sorted list: a shard must take the same
 * cases on every runner, whatever the order of the folder, the pairings asked for, the cases
 * skipped there, or the cases added to the suite since. Cutting the sorted list into N slices
 * would be stable for one fixed list, but adding one scenario would shift the slices' borders
 * and move unrelated cases to other shards (a case's history would jump between CI jobs, and
 * two runners of different versions would disagree). A hash of the id alone answers for each
 * case without looking at the others, so every case lands in exactly one of the N shards. The
 * price is uneven shares, as from dice: the 120 cases of tests/scenarios fall 27, 33, 32, 28
 * into 4 shards. A shard's wall time is set by its longest cases (the 63 s SYN timeouts),
 * which its parallel slots run side by side, more than by its number of cases. */
#include "case_select.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/mix64.h"

size_t case_variants(const struct scenario *s, unsigned pairs, bool scaled_only,
                     struct case_variant out[CASE_MAX_VARIANTS])
{
	return case_variants_families(s, pairs, 0, scaled_only, out);
}

size_t case_variants_families(const struct scenario *s, unsigned pairs, unsigned families,
                              bool scaled_only, struct case_variant out[CASE_MAX_VARIANTS])
{
	size_t n = 0;
	for (unsigned p = 0; p < scn_pair_count(); p++) {
		if (!(pairs & (1u << p)))
			continue;
		/* --family, else the file's line, else IPv4 and, where both ends speak it, IPv6 */
		unsigned fam = families ? families : s->families ? s->families : SCN_FAMILY_IPV4;
		if (!families && !s->family_given && scn_pair_speaks_ipv6(p))
			fam |= SCN_FAMILY_IPV6;
		/* only an end that declares stack-scale (synfin's stack) runs its clock faster: a
		 * pairing without one (Linux's and lwIP's clocks cannot be sped up) has no scaled
		 * variant */
		bool scales = scn_pair_scales(p, SCN_CLIENT) || scn_pair_scales(p, SCN_SERVER);
		bool has_scaled = scales && s->stack_scale < 1.0 && (s->scale_pairs & (1u << p));
		for (int v6 = 0; v6 < 2; v6++) {
			if (!(fam & (v6 ? SCN_FAMILY_IPV6 : SCN_FAMILY_IPV4)))
				continue;
			if (!(has_scaled && scaled_only))
				out[n++] = (struct case_variant){.pair = p, .ipv6 = v6};
			if (has_scaled)
				out[n++] =
				    (struct case_variant){.pair = p, .scaled = true, .ipv6 = v6};
		}
	}
	return n;
}

int case_id(char *buf, size_t size, const char *name, struct case_variant v)
{
	return snprintf(buf, size, "%s.%s%s%s", name, scn_pair_name(v.pair),
	                v.scaled ? ".scaled" : "", v.ipv6 ? ".ipv6" : "");
}

uint64_t case_id_hash(const char *id)
{
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a 64 */
	for (const unsigned char *c = (const unsigned char *)id; *c; c++) {
		h ^= *c;
		h *= 0x100000001b3u;
	}
	/* FNV-1a's low k bits depend only on the low k bits of each byte (a product carries
	 * upwards only), and a count of 4 reads 2 bits: MurmurHash3's fmix64 folds the high bits
	 * down */
	return mix64(h);
}

size_t shard_select(const struct shard *sh, const char *const *ids, size_t n, bool *taken)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++) {
		taken[i] = case_id_hash(ids[i]) % sh->count == sh->index - 1;
		count += taken[i];
	}
	return count;
}

/* Decimal digits only (no sign, no blanks), 0..max. */
static int parse_number(const char *s, size_t len, unsigned max, unsigned *out)
{
	if (len == 0)
		return -EINVAL;
	unsigned long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > max)
			return -ERANGE;
	}
	*out = (unsigned)v;
	return 0;
}

static int fail(char *why, size_t size, const char *msg)
{
	snprintf(why, size, "%s", msg);
	return -EINVAL;
}

/* index (1-based) of count, both already numbers. */
static int shard_set(struct shard *sh, unsigned index, unsigned count, char *why, size_t size)
{
	if (count == 0)
		return fail(why, size, "the count must be 1 or more");
	if (index == 0) {
		snprintf(why, size, "shards are numbered from 1: 1/%u to %u/%u", count, count,
		         count);
		return -EINVAL;
	}
	if (index > count) {
		snprintf(why, size, "index %u is past the count %u (shards are 1/%u to %u/%u)",
		         index, count, count, count, count);
		return -EINVAL;
	}
	sh->index = index;
	sh->count = count;
	return 0;
}

/* A variable's value as a number, or why not. */
static int env_number(const char *name, const char *value, unsigned *out, char *why, size_t size)
{
	int r = parse_number(value, strlen(value), SHARD_MAX, out);
	if (r == -ERANGE)
		snprintf(why, size, "%s=%s: at most %u shards", name, value, SHARD_MAX);
	else if (r)
		snprintf(why, size, "%s='%s' is not a number", name, value);
	return r ? -EINVAL : 0;
}

/* GitLab CI's `parallel: N` gives CI_NODE_INDEX (1-based) and CI_NODE_TOTAL; a job without
 * `parallel:` has CI_NODE_TOTAL=1 and no index: the whole suite. given: the count of auto/N,
 * 0 when none. */
static int shard_gitlab(const struct shard_env *env, unsigned given, struct shard *sh, char *why,
                        size_t size)
{
	unsigned index = 1, total;
	if (!env->ci_node_total)
		return fail(why, size, "CI_NODE_INDEX is set but not CI_NODE_TOTAL");
	if (env_number("CI_NODE_TOTAL", env->ci_node_total, &total, why, size))
		return -EINVAL;
	if (!env->ci_node_index && total != 1) {
		snprintf(why, size, "CI_NODE_TOTAL=%u but CI_NODE_INDEX is not set", total);
		return -EINVAL;
	}
	if (env->ci_node_index &&
	    env_number("CI_NODE_INDEX", env->ci_node_index, &index, why, size))
		return -EINVAL;
	if (given && given != total) {
		snprintf(why, size, "auto/%u, but GitLab CI runs %u jobs (CI_NODE_TOTAL)", given,
		         total);
		return -EINVAL;
	}
	char inner[160];
	if (shard_set(sh, index, total, inner, sizeof(inner))) {
		snprintf(why, size, "CI_NODE_INDEX=%u, CI_NODE_TOTAL=%u: %s", index, total, inner);
		return -EINVAL;
	}
	return 0;
}

/* A Kubernetes Indexed Job gives each pod JOB_COMPLETION_INDEX, from 0, but not the count
 * (.spec.completions): auto/N says it. */
static int shard_kubernetes(const struct shard_env *env, unsigned given, struct shard *sh,
                            char *why, size_t size)
{
	unsigned k;
	if (env_number("JOB_COMPLETION_INDEX", env->job_completion_index, &k, why, size))
		return -EINVAL;
	if (!given) {
		snprintf(why, size,
		         "JOB_COMPLETION_INDEX=%u (Kubernetes) gives no count: say it as auto/N, N "
		         "the Job's completions",
		         k);
		return -EINVAL;
	}
	if (k >= given) {
		snprintf(why, size, "JOB_COMPLETION_INDEX=%u is past the count %u (0 to %u)", k,
		         given, given - 1);
		return -EINVAL;
	}
	return shard_set(sh, k + 1, given, why, size);
}

static int shard_auto(const char *rest, const struct shard_env *env, struct shard *sh, char *why,
                      size_t size)
{
	unsigned given = 0;
	if (*rest) {
		int r = rest[0] == '/' ? parse_number(rest + 1, strlen(rest + 1), SHARD_MAX, &given)
		                       : -EINVAL;
		if (r == -ERANGE)
			snprintf(why, size, "at most %u shards", SHARD_MAX);
		else if (r || given == 0)
			snprintf(why, size,
			         "give auto or auto/N, N the number of shards (1 or more)");
		if (r || given == 0)
			return -EINVAL;
	}
	if (env->ci_node_index || env->ci_node_total)
		return shard_gitlab(env, given, sh, why, size);
	if (env->job_completion_index)
		return shard_kubernetes(env, given, sh, why, size);
	return fail(why, size,
	            "auto reads GitLab CI's CI_NODE_INDEX and CI_NODE_TOTAL or a Kubernetes "
	            "Indexed Job's JOB_COMPLETION_INDEX, and none is set: give I/N");
}

int shard_parse(const char *spec, const struct shard_env *env, struct shard *sh, char *why,
                size_t size)
{
	if (!strncmp(spec, "auto", 4))
		return shard_auto(spec + 4, env, sh, why, size);
	const char *slash = strchr(spec, '/');
	unsigned index = 0, count = 0; /* set by parse_number, which -O3 cannot see */
	int ri = slash ? parse_number(spec, (size_t)(slash - spec), SHARD_MAX, &index) : -EINVAL;
	int rc = slash ? parse_number(slash + 1, strlen(slash + 1), SHARD_MAX, &count) : -EINVAL;
	if (ri == -ERANGE || rc == -ERANGE) {
		snprintf(why, size, "at most %u shards", SHARD_MAX);
		return -EINVAL;
	}
	if (ri || rc)
		return fail(why, size,
		            "give I/N, shard I of N counted from 1 (2/4), or auto (from the CI's "
		            "environment)");
	return shard_set(sh, index, count, why, size);
}
