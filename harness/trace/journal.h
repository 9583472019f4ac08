/* journal.h: the verdict journal (synfin-faultd --journal, journal.jsonl in a scenario's run
 * folder): every decision, keyed by the segment's identity (struct packet_id), so that
 * synfin-faultd --replay can make exactly the same decisions again in a run whose ISNs, ports
 * and timing differ. Pure: the writer takes the caller's FILE *, the reader a file name.
 *
 * JSON Lines. The first line says what the journal is:
 *   {"journal":1,"seed":1,"rules":"loss.rules"}
 * then one line per decision, in the order they were made:
 *   {"conn":1,"dir":"c2s","flags":"P.","seq":1,"ack":1,"len":1000,"attempt":1,"copy":0,
 *    "verdict":"drop","delay_us":0,"rule":2,"rule_file":"loss.rules","rule_line":4,
 *    "label":"loss"}
 * dir is "c2s", "s2c" or "other"; flags tcpdump's letters; verdict the action as a rule file
 * names it (a rate rule's decisions are "delay" and "drop"); rule 0 (rule_file and label "")
 * when no rule decided. Unknown keys are ignored, so the format can grow. A replay of an action
 * other than pass, drop and delay takes its parameters from the rule that made it, so it needs
 * the same rule file (journal_check_rules).
 */
#ifndef SYNFIN_JOURNAL_H
#define SYNFIN_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rules/rule.h"

#define JOURNAL_VERSION 1

struct journal_entry {
	struct packet_id id;
	enum rule_action action;
	uint32_t delay_us;
	unsigned rule; /* index, 0 when none */
	unsigned rule_line;
	char rule_file[256];
	char label[64];
	unsigned journal_line; /* where journal_read found it (1-based); 0 for one not read */
};

/* A journal read back, indexed by identity for replay. */
struct journal {
	uint64_t seed;
	char rules[256];
	struct journal_entry *entries; /* in the order of the file */
	size_t n;
	size_t *by_id; /* entry indices sorted by identity, then by order */
	bool *taken;   /* per entry: replayed already */
};

/* The first line, and one decision. */
void journal_write_head(FILE *out, uint64_t seed, const char *rules);
void journal_write_entry(FILE *out, const struct journal_entry *e);
/* The entry of a decision: v must carry its identity (v->has_id). */
void journal_entry_of(struct journal_entry *e, const struct verdict *v, const char *rule_file);

/* One line. Returns 1 for the head (seed and rules filled in), 0 for a decision (*e), or
 * -EINVAL with why saying what is wrong and how to write it ("'verdict' is 'dorp': use pass,
 * drop, delay, set, strip, corrupt, duplicate, reset or reorder"). */
int journal_parse_line(const char *line, struct journal_entry *e, uint64_t *seed, char *rules,
                       size_t rules_size, char *why, size_t why_size);

/* Read a whole journal. 0, or a negative errno with why filled: "FILE:LINE: what is wrong;
 * how to fix it" for a malformed line, "FILE: ..." otherwise. */
int journal_read(const char *path, struct journal *j, char *why, size_t why_size);
void journal_free(struct journal *j);

/* Whether replaying a decision of this action needs the rule that made it: every action but
 * pass, drop and delay takes its parameters (copies and gap, the reset's direction, the hold
 * count, what is rewritten) from its rule. */
bool journal_action_needs_rule(enum rule_action action);
/* The rule of rs that made e: the one at e's index, on e's line, and for an action that needs
 * its rule, of e's action. NULL when rs has none such. */
struct rule *journal_rule(const struct journal_entry *e, struct ruleset *rs);
/* Before a replay: every decision that needs its rule finds it in rs. 0, or -EINVAL with why
 * "PATH:LINE: 'duplicate' by rule 2 (dup.rules:5), which the rules loaded here do not have:
 * replay with the rule file the journal was written with (dup.rules)". */
int journal_check_rules(const struct journal *j, const char *path, struct ruleset *rs, char *why,
                        size_t why_size);

/* The decision recorded for the next occurrence of identity id (the nth segment of an identity
 * replays the journal's nth decision for it), or NULL when the journal has none left. */
const struct journal_entry *journal_take(struct journal *j, const struct packet_id *id);

/* "c2s", "s2c", "other" for enum rule_dir; -1 from the parser for another word. */
const char *journal_dir_name(uint8_t dir);

#endif
