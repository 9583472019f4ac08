/* shrink_rules.h: what shrinking writes (synfin-scenario shrink): a trial's journal (a failed
 * run's journal with the decisions left out made passes), the exact rules that make a set of
 * decisions again without chance, and the case rewritten to take its faults from those rules
 * alone. Pure: writers take the caller's FILE * or return strings, nothing is read. */
#ifndef SYNFIN_SCENARIO_SHRINK_RULES_H
#define SYNFIN_SCENARIO_SHRINK_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "trace/journal.h"

/* The indices (into j->entries, in order) of the decisions that are not passes (drops and
 * delays) into idx, which has room for j->n; returns how many. */
size_t shrink_decisions(const struct journal *j, size_t *idx);

/* The first decision of j that is neither a pass, a drop nor a delay (set, strip, corrupt,
 * duplicate, reset, reorder), or NULL: shrinking writes the decisions it keeps as exact rules,
 * which cannot carry such an action's parameters, so it refuses such a journal. */
const struct journal_entry *shrink_other_action(const struct journal *j);

/* j again, as a journal to replay, with only the decisions idx[k] that keep[k] says kept:
 * every other of the n decisions becomes a pass by no rule, so the replay lets it through. */
void shrink_write_journal(FILE *out, const struct journal *j, const size_t *idx, const bool *keep,
                          size_t n);

/* The exact rule that makes entry k of j again in the same conversation, without chance:
 * "drop [P.] from client len 1000 attempt 1 conn 1 nth 18". It selects the segment by its
 * connection, direction, exact flag set, length and attempt (a segment that occupies no
 * sequence space has none), and counts it (nth) among the entries before it in j that those
 * words select too, as the matcher counts per connection. Returns the length written (cut to
 * size). */
size_t shrink_rule_text(const struct journal *j, size_t k, char *buf, size_t size);

/* A decision as the report says it: "conn 1 c2s [P.] seq 18001 ack 1 len 1000 attempt 1:
 * drop (rule lossy-requests.rules:6 @loss)". Returns the length written (cut to size). */
size_t shrink_decision_text(const struct journal_entry *e, char *buf, size_t size);

/* The text of a scenario with every `rule` and `rules` line blanked (so every other line keeps
 * its number) and `rules RULES_FILE` put on the first of them outside a `when` block, else on
 * the first blank or comment line outside one. A string to free; NULL with errno ENOMEM, or
 * ENOENT when no line outside a `when` block can take it. */
char *shrink_scenario_text(const char *text, const char *rules_file);

/* How a run failed, as shrinking compares runs: the expectation line of a conversation that did
 * not match ("line 52 (c>s [P?.] seq 18001:19001 ack 1 passed)", from "line 52 (...) against
 * segment 40 (...): it was dropped, expected passed"), else the reason up to its first digit
 * (an application's outcome without its times). Written to key (cut to size). */
void shrink_failure_key(const char *reason, char *key, size_t size);

#endif
