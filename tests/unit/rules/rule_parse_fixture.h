/* rule_parse_fixture.h: what the rule parser's suites share (test_rule_parse.c,
 * test_rule_parse_errors.c): the ruleset and error the tests parse into, freed after each. */
#ifndef SYNFIN_RULE_PARSE_FIXTURE_H
#define SYNFIN_RULE_PARSE_FIXTURE_H

#include "rules/rule.h"

/* What the tests parse into, and the parser's error. */
extern struct ruleset rs;
extern struct rule_error err;

/* Checked fixture: frees the rules. */
void teardown(void);

/* Parse text that must be valid; return its only rule. */
const struct rule *one_rule(const char *text);

#endif
