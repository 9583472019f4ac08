/* fuzz_rules.c: ruleset_parse_string on arbitrary text, then matcher_decide of what it accepts
 * on arbitrary segments.
 *
 * Input: rule text up to the first NUL byte; after it, one byte for the matcher's connection
 * bound (1..16, small so the least-recently-used eviction runs), then records (fuzz_common.h),
 * each one IPv4 packet. Properties: a parse error has a message and a line within the text; a
 * verdict names one of the ruleset's rules or none, and a delay only comes from a delay rule;
 * each rule's text parses alone to the same rule; a rewriting verdict rewrites its segment.
 */
#include "fuzz_common.h"

#include <errno.h>

#include "rules/rule.h"
#include "wire/segment.h"

/* The label of rs's rule with label bit bit. */
static const char *label_with_bit(const struct ruleset *rs, unsigned bit)
{
	for (unsigned i = 0; i < rs->n_rules; i++)
		if (rs->rules[i].label && rs->rules[i].label_bit == bit)
			return rs->rules[i].label;
	abort();
}

/* A rule's text (its trimmed source line) read alone is the same rule: what traces and the
 * exit summary print can be pasted back into a rule file. A rule chained to another rule's
 * label needs that label defined first, so it is read after a line that defines it. */
static void check_text_reparses(const struct ruleset *rs, const struct rule *r)
{
	char text[2048];
	bool chained = r->chain != RULE_CHAIN_NONE && !(r->label && r->chain_bit == r->label_bit);
	if (chained)
		snprintf(text, sizeof(text), "@%s pass\n%s", label_with_bit(rs, r->chain_bit),
		         r->text);
	else
		snprintf(text, sizeof(text), "%s", r->text);
	struct ruleset one;
	struct rule_error err;
	int rc = ruleset_parse_string(&one, "again", text, &err);
	if (rc) {
		fprintf(stderr, "rule text '%s' does not parse alone: %s\n", r->text, err.msg);
		abort();
	}
	FUZZ_CHECK(one.n_rules == 1u + chained);
	const struct rule *a = &one.rules[chained];
	FUZZ_CHECK(strcmp(a->text, r->text) == 0);
	FUZZ_CHECK(a->action == r->action && a->delay_us == r->delay_us);
	FUZZ_CHECK(a->jitter_us == r->jitter_us && a->dir == r->dir);
	FUZZ_CHECK(a->set_field == r->set_field && a->set_value == r->set_value);
	FUZZ_CHECK(a->dup_copies == r->dup_copies && a->dup_gap_us == r->dup_gap_us);
	FUZZ_CHECK(a->reset_to == r->reset_to && a->reset_in_window == r->reset_in_window &&
	           a->reset_keep == r->reset_keep);
	FUZZ_CHECK(a->strip == r->strip && a->corrupt == r->corrupt &&
	           a->corrupt_fixed == r->corrupt_fixed);
	FUZZ_CHECK(a->flags_set == r->flags_set && a->flags_clear == r->flags_clear);
	FUZZ_CHECK(a->flags_exact == r->flags_exact);
	FUZZ_CHECK(a->len_min == r->len_min && a->len_max == r->len_max);
	FUZZ_CHECK(a->sport == r->sport && a->dport == r->dport && a->port == r->port);
	FUZZ_CHECK(a->count == r->count && a->count_n == r->count_n);
	FUZZ_CHECK(a->has_chance == r->has_chance && a->chance_ppm == r->chance_ppm);
	FUZZ_CHECK(!a->label == !r->label && (!a->label || strcmp(a->label, r->label) == 0));
	FUZZ_CHECK(a->chain == r->chain && a->conn_no == r->conn_no && a->phases == r->phases);
	FUZZ_CHECK(a->attempt_min == r->attempt_min && a->attempt_max == r->attempt_max);
	FUZZ_CHECK(a->has_between == r->has_between && a->between_from_us == r->between_from_us &&
	           a->between_to_us == r->between_to_us);
	ruleset_free(&one);
}

/* A rewrite of a segment that parsed never fails, and keeps its length; set and strip keep it a
 * segment that parses (corrupt may hit the data offset). */
static void check_rewrite(const struct verdict *v, const uint8_t *pkt, size_t len)
{
	if (v->action != RULE_SET && v->action != RULE_STRIP && v->action != RULE_CORRUPT)
		return;
	uint8_t *copy = malloc(len);
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, pkt, len);
	FUZZ_CHECK(verdict_rewrite(v, copy, len) >= 0);
	struct segment seg;
	if (v->action != RULE_CORRUPT)
		FUZZ_CHECK(segment_parse(&seg, copy, len) == 0);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t text_len = nul ? (size_t)(nul - data) : size;
	char *text = fuzz_strndup(data, text_len);
	unsigned lines = 1;
	for (size_t i = 0; i < text_len; i++)
		lines += text[i] == '\n';

	struct ruleset rs;
	struct rule_error err;
	memset(&err, 0, sizeof(err));
	int rc = ruleset_parse_string(&rs, "fuzz.rules", text, &err);
	free(text);
	if (rc) {
		FUZZ_CHECK(rc == -EINVAL);
		FUZZ_CHECK(err.msg[0] != '\0');
		FUZZ_CHECK(err.line >= 1 && err.line <= lines);
		FUZZ_CHECK(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
		FUZZ_CHECK(memchr(err.text, '\0', sizeof(err.text)) != NULL);
		rule_error_print(fuzz_null_file(), &err);
		return 0;
	}
	for (unsigned i = 0; i < rs.n_rules; i++) {
		FUZZ_CHECK(rs.rules[i].index == i + 1);
		FUZZ_CHECK(rs.rules[i].line >= 1 && rs.rules[i].line <= lines);
		FUZZ_CHECK(rs.rules[i].text != NULL);
		(void)rule_action_name(rs.rules[i].action);
		check_text_reparses(&rs, &rs.rules[i]);
	}
	if (!nul || (size_t)(nul - data) + 2 > size) {
		ruleset_free(&rs);
		return 0;
	}
	const uint8_t *rest = nul + 1;
	size_t rest_len = size - (size_t)(rest - data);
	struct matcher *m = matcher_new(&rs, 0xc0a8016c /* 192.168.1.108 */, rest[0]);
	FUZZ_CHECK(m != NULL);
	unsigned bound = 1 + rest[0] % 16;
	FUZZ_CHECK(matcher_set_max_connections(m, bound) == 0);

	struct fuzz_reader rd = {rest + 1, rest_len - 1};
	uint64_t fuzz_now_us = 0; /* a segment every millisecond, for "between" */
	uint8_t *pkt;
	size_t len;
	while (fuzz_next_record(&rd, &pkt, &len)) {
		struct segment seg;
		if (segment_parse(&seg, pkt, len) == 0) {
			struct verdict v;
			matcher_decide(m, &seg, fuzz_now_us += 1000, &v);
			if (v.rule) {
				FUZZ_CHECK(v.rule >= rs.rules && v.rule < rs.rules + rs.n_rules);
				FUZZ_CHECK(v.action == v.rule->action);
			} else {
				FUZZ_CHECK(v.action == RULE_PASS);
			}
			if (v.action == RULE_DELAY) {
				const struct rule *r = v.rule;
				FUZZ_CHECK((uint64_t)v.delay_us + r->jitter_us >= r->delay_us);
				FUZZ_CHECK((uint64_t)v.delay_us <=
				           (uint64_t)r->delay_us + r->jitter_us);
			}
			check_rewrite(&v, pkt, len);
			struct rule_reset_segment rst[2];
			unsigned n_rst = verdict_resets(&v, &seg, rst);
			FUZZ_CHECK(v.action == RULE_RESET ? n_rst >= 1 : n_rst == 0);
			FUZZ_CHECK(matcher_connections(m) <= bound);
		}
		free(pkt);
	}
	matcher_free(m);
	ruleset_free(&rs);
	return 0;
}
