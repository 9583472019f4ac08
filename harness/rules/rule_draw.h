/* rule_draw.h: inside the rule engine, not part of its interface (rule.h): the seeded draws of
 * "chance", "jitter" and "corrupt", one independent stream per rule (rules/README.md, "Random
 * rules"). Pure. */
#ifndef SYNFIN_RULE_DRAW_H
#define SYNFIN_RULE_DRAW_H

#include <stdbool.h>
#include <stdint.h>

#include "rule.h"

/* What a draw is for: a rule with both words draws twice for one segment, independently. */
enum rule_draw_purpose {
	RULE_DRAW_CHANCE = 1,
	RULE_DRAW_JITTER = 2,
	RULE_DRAW_CORRUPT = 3, /* the bit "corrupt" flips */
};

/* Whether r ever draws: a chance strictly between 0% and 100%, a jitter, or a corrupt. */
bool rule_draws(const struct rule *r);

/* The identity of each rule of rs, as a number: a hash of its @label when it has one, else of
 * its text with runs of blanks made one space, and its ordinal among the rules of the same
 * text. Adding, removing or reordering other rules leaves a rule's identity as it is. ids has
 * rs->n_rules places. */
void rule_draw_identities(const struct ruleset *rs, uint64_t *ids);

/* The draw of the rule whose identity is rule_id, for the segment id, under seed: a keyed hash
 * of the three, not a position in a sequence, so no other rule or segment changes it. */
uint64_t rule_draw(uint64_t seed, uint64_t rule_id, const struct packet_id *id,
                   enum rule_draw_purpose purpose);

#endif
