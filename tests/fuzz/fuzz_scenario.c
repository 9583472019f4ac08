/* fuzz_scenario.c: the scenario parser (scenario_parse_string) on arbitrary text, then what
 * the runner does with a parsed scenario: resolve every pairing (plain and time-scaled), build
 * its rule file text and parse that, and match an arbitrary observed conversation against it.
 *
 * Input: scenario text up to the first NUL byte; after it, observed segments of 14 bytes each:
 * dir, flags, seq (4), ack (4), len (2), verdict, milliseconds since the segment before.
 * Every `rules FILE` the scenario names gets the scenario's own text as the file's lines, as
 * scenario_parse_file would add a file it read (the parser itself reads no file).
 * Properties: a parse error has a message; resolved segments belong to the scenario; a match
 * result's maps index inside both conversations; the side-by-side report runs.
 */
#include "fuzz_common.h"

#include <errno.h>

#include "conversation.h"
#include "impl_load.h"
#include "rules/rule.h"
#include "scenario.h"

/* The pairings of the project's declarations (SYNFIN_IMPL_DIR, the source tree's impl/), which
 * the scenarios' pairing specs name. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct impl v[SCN_MAX_IMPLS];
	size_t n;
	char why[800];
	if (impl_load_all(v, &n, SCN_MAX_IMPLS, SYNFIN_IMPL_DIR, NULL, NULL, 0, why, sizeof(why)) ||
	    scn_pairings_set(v, n, why, sizeof(why)) || scn_pair_count() == 0) {
		fprintf(stderr, "fuzz_scenario: %s\n",
		        n ? why : "no impl/NAME.impl in " SYNFIN_IMPL_DIR);
		abort();
	}
	return 0;
}

static void check_case(const struct scenario *s, const struct scn_case *c, const struct observed *o)
{
	for (size_t i = 0; i < c->n_segs; i++) {
		FUZZ_CHECK(c->segs[i] >= s->segs && c->segs[i] < s->segs + s->n_segs);
		int64_t lo, hi;
		scn_time_window(&c->segs[i]->time, c->scale, &lo, &hi);
	}
	FUZZ_CHECK(scn_case_expected_us(c) >= 0);
	struct match_result m;
	memset(&m, 0, sizeof(m));
	int rc = conversation_match(c, o, &m);
	FUZZ_CHECK(rc == 0 || rc == -ENOMEM);
	if (rc == 0) {
		FUZZ_CHECK(memchr(m.why, '\0', sizeof(m.why)) != NULL);
		for (size_t i = 0; m.obs_to_exp && i < o->n; i++)
			FUZZ_CHECK(m.obs_to_exp[i] >= -1 && m.obs_to_exp[i] < (int)c->n_segs);
		for (size_t i = 0; m.exp_to_obs && i < c->n_segs; i++)
			FUZZ_CHECK(m.exp_to_obs[i] >= -1 && m.exp_to_obs[i] < (int)o->n);
		conversation_print_side_by_side(fuzz_null_file(), c, o, &m);
		match_result_free(&m);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t text_len = nul ? (size_t)(nul - data) : size;
	char *text = fuzz_strndup(data, text_len);
	struct scenario s;
	struct scn_error err;
	memset(&err, 0, sizeof(err));
	int rc = scenario_parse_string(&s, "/nonexistent-synfin-fuzz/case.scn", text, &err);
	if (rc) {
		free(text);
		FUZZ_CHECK(rc == -EINVAL || rc == -ENOMEM);
		FUZZ_CHECK(memchr(err.msg, '\0', sizeof(err.msg)) != NULL && err.msg[0]);
		return 0;
	}
	for (size_t i = 0; i < s.n_includes; i++)
		FUZZ_CHECK(scenario_add_rules_text(&s, &s.includes[i], text) == 0);
	free(text);

	struct observed o = {0};
	if (nul) {
		const uint8_t *p = nul + 1, *end = data + size;
		uint64_t t = 1700000000000000ull;
		/* conversation_match's work still grows with the size of a { } group (each set
		 * of its members already matched is a state of its own); it gives up after 2
		 * million steps (about 4 s per call under the sanitizers, longer than -timeout):
		 * a dozen observed segments keep every input well inside the bound */
		for (; end - p >= 14 && o.n < 12; p += 14) {
			t += (uint64_t)p[13] * 1000;
			struct obs_seg seg = {
			    .t_us = t,
			    .dir = p[0] & 1,
			    .flags = p[1],
			    .seq = (uint32_t)p[2] << 24 | (uint32_t)p[3] << 16 | p[4] << 8 | p[5],
			    .ack = (uint32_t)p[6] << 24 | (uint32_t)p[7] << 16 | p[8] << 8 | p[9],
			    .len = (uint32_t)(p[10] << 8 | p[11]),
			    .verdict = p[12] % 3,
			};
			FUZZ_CHECK(observed_add(&o, &seg) == 0);
		}
		observed_relativize(&o);
		char line[256];
		for (size_t i = 0; i < o.n; i++)
			obs_seg_format(line, sizeof(line), &o.segs[i], i ? o.segs[i - 1].t_us : 0);
		char why[256];
		for (int dir = 0; dir < 2; dir++)
			if (conversation_check_ack_every(&o, dir, 1 + (unsigned)(o.n % 4), why,
			                                 sizeof(why)))
				FUZZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL && why[0]);
	}

	for (unsigned pair = 0; pair < scn_pair_count(); pair++) {
		/* the scaled variant only changes time windows: one pairing is enough */
		for (int scaled = 0; scaled < (pair == 0 ? 2 : 1); scaled++) {
			struct scn_case c;
			if (scenario_resolve(&s, pair, scaled, &c))
				continue;
			check_case(&s, &c, &o);
			scn_case_free(&c);
		}
		char *rules = scenario_rules_text(&s, pair);
		if (rules) {
			struct ruleset rs;
			struct rule_error rerr;
			if (ruleset_parse_string(&rs, "case.scn", rules, &rerr) == 0)
				ruleset_free(&rs);
			free(rules);
		}
	}
	observed_free(&o);
	scenario_free(&s);
	return 0;
}
