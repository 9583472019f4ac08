/* Which cases a run takes: case ids, a scenario's variants, and `--shard I/N` over the real
 * suite of tests/scenarios. */
#include <check.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_select.h"
#include "pairings_fixture.h"
#include "scenario.h"
#include "test_support.h"

/* The ids of every case of tests/scenarios, as `check` and `list` make them: every pairing,
 * plain and scaled. */
struct id_list {
	char (*v)[CASE_ID_MAX];
	const char **p; /* v's entries, as shard_select takes them */
	size_t n;
};

static void ids_push(struct id_list *l, const char *id)
{
	l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->p = realloc(l->p, (l->n + 1) * sizeof(*l->p));
	ck_assert(l->v && l->p);
	snprintf(l->v[l->n], CASE_ID_MAX, "%s", id);
	l->n++;
	for (size_t i = 0; i < l->n; i++) /* v may have moved */
		l->p[i] = l->v[i];
}

static void ids_free(struct id_list *l)
{
	free(l->v);
	free(l->p);
	memset(l, 0, sizeof(*l));
}

static struct id_list suite_ids(void)
{
	char pattern[600];
	synfin_src_path(pattern, sizeof(pattern), "tests/scenarios/*.scn");
	glob_t g;
	ck_assert_int_eq(glob(pattern, 0, NULL, &g), 0);
	struct id_list l = {0};
	for (size_t f = 0; f < g.gl_pathc; f++) {
		struct scenario s;
		struct scn_error err;
		int r = scenario_parse_file(&s, g.gl_pathv[f], &err);
		ck_assert_msg(r == 0, "%s:%u: %s", err.file, err.line, err.msg);
		struct case_variant v[CASE_MAX_VARIANTS];
		size_t n = case_variants(&s, scn_all_pairs(), false, v);
		for (size_t i = 0; i < n; i++) {
			char id[CASE_ID_MAX];
			ck_assert_int_lt(case_id(id, sizeof(id), s.name, v[i]), CASE_ID_MAX);
			ids_push(&l, id);
		}
		scenario_free(&s);
	}
	globfree(&g);
	/* 28 files, 4 pairings each, 8 scaled variants when this was written */
	ck_assert_uint_ge(l.n, 100);
	return l;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* stack-stack, stack-linux, linux-stack, linux-linux */
static const unsigned stack_and_linux = 0xfu;

START_TEST(test_a_case_id_names_the_scenario_the_pairing_and_the_scaled_variant)
{
	/* family ipv4: the IPv6 variants are test_scenario_family's */
	struct scenario s = {.name = "seed-syn-timeout",
	                     .families = SCN_FAMILY_IPV4,
	                     .family_given = true,
	                     .stack_scale = 0.1,
	                     .scale_pairs = scn_all_pairs() & ~(PAIR_BIT("linux-linux"))};
	struct case_variant v[CASE_MAX_VARIANTS];
	static const char *const every[] = {
	    "seed-syn-timeout.stack-stack", "seed-syn-timeout.stack-stack.scaled",
	    "seed-syn-timeout.stack-linux", "seed-syn-timeout.stack-linux.scaled",
	    "seed-syn-timeout.linux-stack", "seed-syn-timeout.linux-stack.scaled",
	    "seed-syn-timeout.linux-linux"};
	size_t n = case_variants(&s, stack_and_linux, false, v);
	ck_assert_uint_eq(n, 7);
	char id[CASE_ID_MAX];
	for (size_t i = 0; i < n; i++) {
		case_id(id, sizeof(id), s.name, v[i]);
		ck_assert_str_eq(id, every[i]);
	}
	/* --scaled-only: a pairing's scaled variant instead of its plain one */
	n = case_variants(&s, stack_and_linux, true, v);
	ck_assert_uint_eq(n, 4);
	case_id(id, sizeof(id), s.name, v[1]);
	ck_assert_str_eq(id, "seed-syn-timeout.stack-linux.scaled");
	case_id(id, sizeof(id), s.name, v[3]);
	ck_assert_str_eq(id, "seed-syn-timeout.linux-linux");
	/* lwIP's clock cannot be sped up: only a pairing with a stack end has a scaled variant */
	n = case_variants(&s, PAIR_BIT("lwip-linux") | PAIR_BIT("lwip-stack"), false, v);
	ck_assert_uint_eq(n, 3);
	case_id(id, sizeof(id), s.name, v[0]);
	ck_assert_str_eq(id, "seed-syn-timeout.lwip-linux");
	case_id(id, sizeof(id), s.name, v[2]);
	ck_assert_str_eq(id, "seed-syn-timeout.lwip-stack.scaled");
	/* --pair, and a scenario without stack-scale */
	s.stack_scale = 1.0;
	n = case_variants(&s, PAIR_BIT("stack-linux") | PAIR_BIT("linux-linux"), true, v);
	ck_assert_uint_eq(n, 2);
	case_id(id, sizeof(id), s.name, v[0]);
	ck_assert_str_eq(id, "seed-syn-timeout.stack-linux");
}
END_TEST

START_TEST(test_every_case_id_of_the_suite_is_unique)
{
	struct id_list l = suite_ids();
	const char **sorted = malloc(l.n * sizeof(*sorted));
	ck_assert_ptr_nonnull(sorted);
	memcpy(sorted, l.p, l.n * sizeof(*sorted));
	qsort(sorted, l.n, sizeof(*sorted), cmp_id);
	for (size_t i = 1; i < l.n; i++)
		ck_assert_msg(strcmp(sorted[i - 1], sorted[i]) != 0, "case id %s twice", sorted[i]);
	free(sorted);
	ids_free(&l);
}
END_TEST

START_TEST(test_shards_1_to_8_together_take_every_case_of_the_suite_exactly_once)
{
	struct id_list l = suite_ids();
	unsigned *times = calloc(l.n, sizeof(*times));
	bool *taken = calloc(l.n, sizeof(*taken));
	ck_assert(times && taken);
	for (unsigned count = 1; count <= 8; count++) {
		memset(times, 0, l.n * sizeof(*times));
		size_t sum = 0;
		for (unsigned index = 1; index <= count; index++) {
			struct shard sh = {.index = index, .count = count};
			size_t k = shard_select(&sh, l.p, l.n, taken);
			/* a runner with nothing to run is one wasted */
			ck_assert_msg(k > 0, "shard %u/%u takes no case", index, count);
			sum += k;
			for (size_t i = 0; i < l.n; i++)
				times[i] += taken[i];
		}
		ck_assert_uint_eq(sum, l.n);
		for (size_t i = 0; i < l.n; i++)
			ck_assert_msg(times[i] == 1, "%s taken by %u of %u shards", l.p[i],
			              times[i], count);
	}
	free(times);
	free(taken);
	ids_free(&l);
}
END_TEST

/* Shard sh's choice of ids[i], for each i. */
static bool *choices(const struct shard *sh, const char *const *ids, size_t n)
{
	bool *taken = calloc(n ? n : 1, sizeof(*taken));
	ck_assert_ptr_nonnull(taken);
	shard_select(sh, ids, n, taken);
	return taken;
}

START_TEST(test_a_cases_shard_stays_when_cases_are_added_removed_or_reordered)
{
	struct id_list l = suite_ids();
	/* the suite with every other case removed, in reverse order */
	struct id_list fewer = {0};
	for (size_t i = l.n; i-- > 0;)
		if (i % 2)
			ids_push(&fewer, l.p[i]);
	/* new scenarios ahead of the suite, named to sort among it */
	struct id_list more = {0};
	for (int k = 0; k < 40; k++) {
		char id[CASE_ID_MAX];
		snprintf(id, sizeof(id), "%c-added-%d.linux-linux", 'a' + k % 26, k);
		ids_push(&more, id);
	}
	for (size_t i = 0; i < l.n; i++)
		ids_push(&more, l.p[i]);
	for (unsigned count = 2; count <= 8; count++) {
		for (unsigned index = 1; index <= count; index++) {
			struct shard sh = {.index = index, .count = count};
			bool *all = choices(&sh, l.p, l.n);
			bool *f = choices(&sh, fewer.p, fewer.n);
			bool *m = choices(&sh, more.p, more.n);
			for (size_t i = 0, j = fewer.n; i < l.n; i++) {
				if (i % 2)
					ck_assert_msg(f[--j] == all[i],
					              "%s moved when cases were removed", l.p[i]);
				ck_assert_msg(m[40 + i] == all[i], "%s moved when cases were added",
				              l.p[i]);
			}
			free(all);
			free(f);
			free(m);
		}
	}
	ids_free(&l);
	ids_free(&fewer);
	ids_free(&more);
}
END_TEST

START_TEST(test_the_hash_that_places_cases_does_not_change)
{
	/* a new hash would move cases between shards, under every CI's history */
	ck_assert_uint_eq(case_id_hash(""), 0xefd01f60ba992926u);
	ck_assert_uint_eq(case_id_hash("seed-syn-timeout.stack-linux.scaled"), 0x68b15eed98ddfa75u);
}
END_TEST

static const struct shard_env no_env = {0};

static struct shard parse_ok(const char *spec, const struct shard_env *env)
{
	struct shard sh = {0};
	char why[300] = "";
	ck_assert_msg(shard_parse(spec, env, &sh, why, sizeof(why)) == 0, "%s: %s", spec, why);
	return sh;
}

/* The reason spec is refused, checked to contain part. */
static void parse_fails(const char *spec, const struct shard_env *env, const char *part)
{
	struct shard sh = {0};
	char why[300] = "";
	ck_assert_int_eq(shard_parse(spec, env, &sh, why, sizeof(why)), -EINVAL);
	ck_assert_msg(strstr(why, part), "'%s': \"%s\" lacks \"%s\"", spec, why, part);
}

START_TEST(test_a_shard_is_i_of_n_counted_from_1_and_a_bad_one_says_what_is_wrong)
{
	struct shard sh = parse_ok("2/4", &no_env);
	ck_assert_uint_eq(sh.index, 2);
	ck_assert_uint_eq(sh.count, 4);
	sh = parse_ok("1/1", &no_env);
	ck_assert(sh.index == 1 && sh.count == 1);
	sh = parse_ok("1000/1000", &no_env);
	ck_assert(sh.index == 1000 && sh.count == 1000);
	parse_fails("3/2", &no_env, "index 3 is past the count 2 (shards are 1/2 to 2/2)");
	parse_fails("0/4", &no_env, "numbered from 1: 1/4 to 4/4");
	parse_fails("1/0", &no_env, "the count must be 1 or more");
	parse_fails("1/1001", &no_env, "at most 1000 shards");
	static const char *const malformed[] = {"x",    "",     "/4",   "1/",    "1/4x",  " 1/4",
	                                        "+1/4", "-1/4", "1//4", "1.5/4", "1/4/8", "1 / 4"};
	for (size_t i = 0; i < sizeof(malformed) / sizeof(*malformed); i++)
		parse_fails(malformed[i], &no_env, "give I/N");
}
END_TEST

START_TEST(test_auto_reads_gitlab_ci_and_a_kubernetes_indexed_job)
{
	/* GitLab CI, parallel: 4 */
	struct shard_env gl = {.ci_node_index = "2", .ci_node_total = "4"};
	struct shard sh = parse_ok("auto", &gl);
	ck_assert(sh.index == 2 && sh.count == 4);
	sh = parse_ok("auto/4", &gl);
	ck_assert(sh.index == 2 && sh.count == 4);
	parse_fails("auto/3", &gl, "auto/3, but GitLab CI runs 4 jobs");
	/* a GitLab job without parallel: has CI_NODE_TOTAL=1 only */
	struct shard_env single = {.ci_node_total = "1"};
	sh = parse_ok("auto", &single);
	ck_assert(sh.index == 1 && sh.count == 1);
	parse_fails("auto", &(struct shard_env){.ci_node_total = "4"},
	            "CI_NODE_TOTAL=4 but CI_NODE_INDEX is not set");
	parse_fails("auto", &(struct shard_env){.ci_node_index = "2"},
	            "CI_NODE_INDEX is set but not CI_NODE_TOTAL");
	parse_fails("auto", &(struct shard_env){.ci_node_index = "5", .ci_node_total = "4"},
	            "CI_NODE_INDEX=5, CI_NODE_TOTAL=4: index 5 is past the count 4");
	parse_fails("auto", &(struct shard_env){.ci_node_index = "two", .ci_node_total = "4"},
	            "CI_NODE_INDEX='two' is not a number");
	/* Kubernetes: JOB_COMPLETION_INDEX from 0, the count from auto/N */
	sh = parse_ok("auto/4", &(struct shard_env){.job_completion_index = "0"});
	ck_assert(sh.index == 1 && sh.count == 4);
	sh = parse_ok("auto/4", &(struct shard_env){.job_completion_index = "3"});
	ck_assert(sh.index == 4 && sh.count == 4);
	parse_fails("auto/4", &(struct shard_env){.job_completion_index = "4"},
	            "JOB_COMPLETION_INDEX=4 is past the count 4 (0 to 3)");
	parse_fails("auto", &(struct shard_env){.job_completion_index = "1"}, "auto/N");
	/* neither, or a malformed count */
	parse_fails("auto", &no_env, "none is set");
	parse_fails("auto/0", &gl, "give auto or auto/N");
	parse_fails("autox", &gl, "give auto or auto/N");
	parse_fails("auto/", &gl, "give auto or auto/N");
}
END_TEST

int main(void)
{
	use_project_pairings();
	Suite *s = suite_create("case_select");
	TCase *tc = tcase_create("case_select");
	tcase_add_test(tc, test_a_case_id_names_the_scenario_the_pairing_and_the_scaled_variant);
	tcase_add_test(tc, test_every_case_id_of_the_suite_is_unique);
	tcase_add_test(tc, test_shards_1_to_8_together_take_every_case_of_the_suite_exactly_once);
	tcase_add_test(tc, test_a_cases_shard_stays_when_cases_are_added_removed_or_reordered);
	tcase_add_test(tc, test_the_hash_that_places_cases_does_not_change);
	tcase_add_test(tc, test_a_shard_is_i_of_n_counted_from_1_and_a_bad_one_says_what_is_wrong);
	tcase_add_test(tc, test_auto_reads_gitlab_ci_and_a_kubernetes_indexed_job);
	suite_add_tcase(s, tc);
	return synfin_run_suite(s);
}
