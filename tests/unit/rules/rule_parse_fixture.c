/* rule_parse_fixture.c: the parser's suites' ruleset (rule_parse_fixture.h). */
#include "rule_parse_fixture.h"

#include "rules/rule.h"
#include "test_support.h"
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ruleset rs;
struct rule_error err;

void teardown(void)
{
	ruleset_free(&rs);
}

const struct rule *one_rule(const char *text)
{
	int rc = ruleset_parse_string(&rs, "t.rules", text, &err);
	ck_assert_msg(rc == 0, "'%s' failed: %s:%u:%u: %s", text, err.file, err.line, err.col,
	              err.msg);
	ck_assert_uint_eq(rs.n_rules, 1);
	return &rs.rules[0];
}
