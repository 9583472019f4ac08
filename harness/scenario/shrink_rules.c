/* shrink_rules.c: trial journals, exact rules and the rewritten case of a shrink
 * (shrink_rules.h). */
#include "shrink_rules.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace.h"

size_t shrink_decisions(const struct journal *j, size_t *idx)
{
	size_t n = 0;
	for (size_t i = 0; i < j->n; i++)
		if (j->entries[i].action == RULE_DROP || j->entries[i].action == RULE_DELAY)
			idx[n++] = i;
	return n;
}

const struct journal_entry *shrink_other_action(const struct journal *j)
{
	for (size_t i = 0; i < j->n; i++)
		if (journal_action_needs_rule(j->entries[i].action))
			return &j->entries[i];
	return NULL;
}

void shrink_write_journal(FILE *out, const struct journal *j, const size_t *idx, const bool *keep,
                          size_t n)
{
	journal_write_head(out, j->seed, j->rules);
	size_t k = 0;
	for (size_t i = 0; i < j->n; i++) {
		struct journal_entry e = j->entries[i];
		while (k < n && idx[k] < i)
			k++;
		if (k < n && idx[k] == i && !keep[k]) {
			/* left out: the replay lets the segment through, as if no rule had matched
			 */
			e.action = RULE_PASS;
			e.delay_us = 0;
			e.rule = 0;
			e.rule_line = 0;
			e.rule_file[0] = '\0';
			e.label[0] = '\0';
		}
		journal_write_entry(out, &e);
	}
}

/* Would the exact rule of entry k select entry e? The same words: connection, direction,
 * exact flags, length, and the attempt when k has one. */
static bool same_selection(const struct journal_entry *k, const struct journal_entry *e)
{
	return e->id.conn == k->id.conn && e->id.dir == k->id.dir && e->id.flags == k->id.flags &&
	       e->id.len == k->id.len && (!k->id.attempt || e->id.attempt == k->id.attempt);
}

/* "300ms", "1s", "250us": the largest unit that writes the duration whole. */
static void duration_text(char *buf, size_t size, uint32_t us)
{
	if (us && us % 1000000u == 0)
		snprintf(buf, size, "%us", us / 1000000u);
	else if (us % 1000u == 0)
		snprintf(buf, size, "%ums", us / 1000u);
	else
		snprintf(buf, size, "%uus", us);
}

size_t shrink_rule_text(const struct journal *j, size_t k, char *buf, size_t size)
{
	const struct journal_entry *e = &j->entries[k];
	unsigned nth = 1;
	for (size_t i = 0; i < k; i++)
		nth += same_selection(e, &j->entries[i]);
	char action[32], flags[16], from[16] = "", attempt[24] = "";
	if (e->action == RULE_DELAY) {
		char d[16];
		duration_text(d, sizeof(d), e->delay_us);
		snprintf(action, sizeof(action), "delay %s", d);
	} else {
		snprintf(action, sizeof(action), "%s", rule_action_name(e->action));
	}
	trace_flags_str(flags, sizeof(flags), e->id.flags);
	if (e->id.dir == RULE_DIR_FROM_CLIENT || e->id.dir == RULE_DIR_FROM_SERVER)
		snprintf(from, sizeof(from), " from %s",
		         e->id.dir == RULE_DIR_FROM_CLIENT ? "client" : "server");
	if (e->id.attempt)
		snprintf(attempt, sizeof(attempt), " attempt %u", e->id.attempt);
	int n = snprintf(buf, size, "%s [%s]%s len %u%s conn %u nth %u", action, flags, from,
	                 e->id.len, attempt, e->id.conn, nth);
	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size ? size - 1 : 0;
}

size_t shrink_decision_text(const struct journal_entry *e, char *buf, size_t size)
{
	char flags[16], verdict[48], rule[360] = "";
	trace_flags_str(flags, sizeof(flags), e->id.flags);
	if (e->action == RULE_DELAY)
		snprintf(verdict, sizeof(verdict), "delay %u us", e->delay_us);
	else
		snprintf(verdict, sizeof(verdict), "%s", rule_action_name(e->action));
	if (e->rule)
		snprintf(rule, sizeof(rule), " (rule %s:%u%s%s)", e->rule_file, e->rule_line,
		         e->label[0] ? " @" : "", e->label);
	int n = snprintf(buf, size, "conn %u %s [%s] seq %u ack %u len %u attempt %u: %s%s",
	                 e->id.conn, journal_dir_name(e->id.dir), flags, e->id.seq, e->id.ack,
	                 e->id.len, e->id.attempt, verdict, rule);
	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size ? size - 1 : 0;
}

/* The first word of a line, as the scenario parser reads it. */
static bool first_word_is(const char *line, size_t len, const char *word)
{
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	size_t w = strlen(word);
	return len >= w && !memcmp(line, word, w) &&
	       (len == w || isspace((unsigned char)line[w]) || line[w] == '#');
}

/* A line with nothing for the parser: blanks, maybe a comment. */
static bool idle_line(const char *line, size_t len)
{
	while (len && isspace((unsigned char)*line)) {
		line++;
		len--;
	}
	return !len || *line == '#';
}

/* Where `rules FILE` goes (a line's index), or -1: see shrink_scenario_text. */
static long include_line(const char *text)
{
	long first_rule = -1, first_idle = -1, index = 0;
	int depth = 0;
	for (const char *c = text; *c; index++) {
		size_t len = strcspn(c, "\n");
		if (first_word_is(c, len, "when"))
			depth++;
		else if (first_word_is(c, len, "end") && depth)
			depth--;
		else if (!depth && first_rule < 0 &&
		         (first_word_is(c, len, "rule") || first_word_is(c, len, "rules")))
			first_rule = index;
		else if (!depth && first_idle < 0 && idle_line(c, len))
			first_idle = index;
		c += len + (c[len] == '\n');
	}
	return first_rule >= 0 ? first_rule : first_idle;
}

char *shrink_scenario_text(const char *text, const char *rules_file)
{
	long at = include_line(text);
	if (at < 0) {
		errno = ENOENT;
		return NULL;
	}
	size_t cap = strlen(text) + strlen(rules_file) + 16;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	size_t o = 0;
	long index = 0;
	for (const char *c = text; *c; index++) {
		size_t len = strcspn(c, "\n");
		bool nl = c[len] == '\n';
		if (index == at)
			o += (size_t)snprintf(out + o, cap - o, "rules %s", rules_file);
		else if (!first_word_is(c, len, "rule") && !first_word_is(c, len, "rules")) {
			memcpy(out + o, c, len);
			o += len;
		}
		if (nl)
			out[o++] = '\n';
		c += len + nl;
	}
	out[o] = '\0';
	return out;
}

void shrink_failure_key(const char *reason, char *key, size_t size)
{
	size_t n = strcspn(reason, "0123456789");
	unsigned line;
	int at = 0;
	if (sscanf(reason, "line %u (%n", &line, &at) == 1 && at > 0) {
		/* the expectation's text holds no parenthesis: it ends at the first ')' */
		const char *end = strchr(reason + at, ')');
		n = end ? (size_t)(end - reason) + 1 : strlen(reason);
	}
	while (n && reason[n - 1] == ' ')
		n--;
	snprintf(key, size, "%.*s", (int)n, reason);
}
