/* rule_match_fixture.c: one matcher and its segments for the matcher's suites
 * (rule_match_fixture.h). */
#include "rule_match_fixture.h"

#include "rules/rule.h"
#include "test_support.h"
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ruleset rs;
struct matcher *m;

void teardown(void)
{
	matcher_free(m);
	m = NULL;
	ruleset_free(&rs);
}

void load_seeded(const char *text, uint64_t seed)
{
	struct rule_error err;
	int rc = ruleset_parse_string(&rs, "t.rules", text, &err);
	ck_assert_msg(rc == 0, "%s:%u:%u: %s", err.file, err.line, err.col, err.msg);
	m = matcher_new(&rs, CLIENT, seed);
	ck_assert_ptr_nonnull(m);
}

void load(const char *text)
{
	load_seeded(text, 1);
}

struct segment seg(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport, uint8_t flags,
                   uint16_t len)
{
	struct segment s;
	memset(&s, 0, sizeof(s));
	s.saddr = saddr;
	s.daddr = daddr;
	s.ip_proto = 6;
	s.sport = sport;
	s.dport = dport;
	s.seq = 1000;
	s.flags = flags;
	s.payload_len = len;
	s.ip_len = (uint16_t)(40 + len);
	return s;
}

struct segment c2s(uint16_t p, uint8_t flags, uint16_t len)
{
	return seg(CLIENT, p, SERVER, SPORT, flags, len);
}

struct segment s2c(uint16_t p, uint8_t flags, uint16_t len)
{
	return seg(SERVER, SPORT, CLIENT, p, flags, len);
}

struct verdict decide(struct segment s)
{
	struct verdict v;
	memset(&v, 0xa5, sizeof(v)); /* every field must be written */
	matcher_decide(m, &s, 0, &v);
	return v;
}

enum rule_action act(struct segment s)
{
	return decide(s).action;
}
