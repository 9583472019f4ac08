/* test_journal.c: the verdict journal, written and read back, its errors, and replay lookup. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_support.h"
#include "trace/journal.h"

static char path[64];

static void write_text(const char *text)
{
	snprintf(path, sizeof(path), "/tmp/test_journal.XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void teardown(void)
{
	if (path[0])
		unlink(path);
	path[0] = '\0';
}

static struct journal_entry entry(uint32_t conn, uint32_t seq, enum rule_action action)
{
	struct journal_entry e;
	memset(&e, 0, sizeof(e));
	e.id = (struct packet_id){.conn = conn,
	                          .dir = RULE_DIR_FROM_CLIENT,
	                          .flags = 0x18,
	                          .seq = seq,
	                          .ack = 1,
	                          .len = 1000,
	                          .attempt = 1};
	e.action = action;
	return e;
}

START_TEST(test_written_journal_reads_back_the_same)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&buf, &size);
	journal_write_head(mem, 42, "loss \"x\".rules");
	struct journal_entry a = entry(1, 1, RULE_DROP), b = entry(2, 1001, RULE_DELAY);
	a.rule = 2;
	a.rule_line = 7;
	strcpy(a.rule_file, "loss.rules");
	strcpy(a.label, "loss");
	b.delay_us = 300000;
	b.id.dir = RULE_DIR_FROM_SERVER;
	b.id.copy = 3;
	b.id.flags = 0x11;
	journal_write_entry(mem, &a);
	journal_write_entry(mem, &b);
	fclose(mem);
	write_text(buf);
	free(buf);
	struct journal j;
	char why[512];
	ck_assert_int_eq(journal_read(path, &j, why, sizeof(why)), 0);
	ck_assert_uint_eq(j.seed, 42);
	ck_assert_str_eq(j.rules, "loss \"x\".rules");
	ck_assert_uint_eq(j.n, 2);
	ck_assert_mem_eq(&j.entries[0].id, &a.id, sizeof(a.id));
	ck_assert_mem_eq(&j.entries[1].id, &b.id, sizeof(b.id));
	ck_assert_int_eq(j.entries[0].action, RULE_DROP);
	ck_assert_uint_eq(j.entries[0].rule, 2);
	ck_assert_uint_eq(j.entries[0].rule_line, 7);
	ck_assert_str_eq(j.entries[0].rule_file, "loss.rules");
	ck_assert_str_eq(j.entries[0].label, "loss");
	ck_assert_int_eq(j.entries[1].action, RULE_DELAY);
	ck_assert_uint_eq(j.entries[1].delay_us, 300000);
	journal_free(&j);
}
END_TEST

START_TEST(test_take_replays_the_nth_decision_of_an_identity_once)
{
	write_text("{\"journal\":1,\"seed\":1,\"rules\":\"r\"}\n"
	           "{\"conn\":1,\"dir\":\"c2s\",\"flags\":\"P.\",\"seq\":1,\"ack\":1,\"len\":9,"
	           "\"attempt\":1,\"copy\":0,\"verdict\":\"drop\"}\n"
	           "{\"conn\":2,\"dir\":\"c2s\",\"flags\":\"P.\",\"seq\":1,\"ack\":1,\"len\":9,"
	           "\"attempt\":1,\"copy\":0,\"verdict\":\"pass\"}\n"
	           "\n"
	           "{\"conn\":1,\"dir\":\"c2s\",\"flags\":\"P.\",\"seq\":1,\"ack\":1,\"len\":9,"
	           "\"attempt\":1,\"copy\":0,\"verdict\":\"delay\",\"delay_us\":5}\n");
	struct journal j;
	char why[512];
	ck_assert_int_eq(journal_read(path, &j, why, sizeof(why)), 0);
	struct packet_id id = {.conn = 1,
	                       .dir = RULE_DIR_FROM_CLIENT,
	                       .flags = 0x18,
	                       .seq = 1,
	                       .ack = 1,
	                       .len = 9,
	                       .attempt = 1};
	const struct journal_entry *e = journal_take(&j, &id);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->action, RULE_DROP);
	e = journal_take(&j, &id);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->action, RULE_DELAY);
	ck_assert_ptr_null(journal_take(&j, &id));
	id.conn = 2;
	ck_assert_int_eq(journal_take(&j, &id)->action, RULE_PASS);
	id.conn = 3;
	ck_assert_ptr_null(journal_take(&j, &id));
	journal_free(&j);
}
END_TEST

START_TEST(test_every_action_reads_back_with_its_line)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&buf, &size);
	journal_write_head(mem, 1, "all.rules");
	for (int a = RULE_PASS; a <= RULE_REORDER; a++) {
		struct journal_entry e = entry(1, 1 + 100 * (uint32_t)a, (enum rule_action)a);
		e.rule = (unsigned)a + 1;
		journal_write_entry(mem, &e);
		fputs("\n", mem);
	}
	fclose(mem);
	write_text(buf);
	free(buf);
	struct journal j;
	char why[512];
	ck_assert_int_eq(journal_read(path, &j, why, sizeof(why)), 0);
	ck_assert_uint_eq(j.n, RULE_REORDER + 1);
	for (int a = RULE_PASS; a <= RULE_REORDER; a++) {
		ck_assert_int_eq(j.entries[a].action, a);
		ck_assert_uint_eq(j.entries[a].rule, (unsigned)a + 1);
		ck_assert_uint_eq(j.entries[a].journal_line, 2 + 2 * (unsigned)a);
	}
	journal_free(&j);
}
END_TEST

static const struct {
	const char *text;
	const char *why; /* after the file name */
} malformed[] = {
    {"{\"conn\":1}\n", ":1: not a synfin journal: its first line must be the head"},
    {"", ": empty"},
    {"{\"journal\":2,\"seed\":1}\n", ":1: journal version 2 is not known here"},
    {"{\"journal\":1}\n[1]\n", ":2: not a JSON object"},
    {"{\"journal\":1}\n{\"conn\":1,\"dir\":\"up\"}\n", ":2: 'dir' is 'up': use c2s, s2c or other"},
    {"{\"journal\":1}\n{\"conn\":1,\"dir\":\"c2s\",\"flags\":\"S\",\"seq\":0,\"ack\":0,"
     "\"len\":0,\"attempt\":1,\"copy\":0,\"verdict\":\"dorp\"}\n",
     ":2: 'verdict' is 'dorp': use pass, drop, delay, set, strip, corrupt, duplicate, reset or "
     "reorder"},
    {"{\"journal\":1}\n{\"conn\":1,\"dir\":\"c2s\",\"flags\":\"S\",\"seq\":0,\"ack\":0,"
     "\"len\":0,\"attempt\":1,\"copy\":0,\"verdict\":\"rate\"}\n",
     ":2: 'verdict' is 'rate': a rate rule decides delay or drop, and its journal says which"},
    {"{\"journal\":1}\n\n{\"conn\":1,\"dir\":\"c2s\",\"flags\":\"S\"}\n", ":3: no \"seq\""},
    {"{\"journal\":1}\n{\"conn\":-1}\n", ":2: 'conn' must be a number"},
    {"{\"journal\":1}\n{\"seq\":4294967296}\n", ":2: 'seq' is '4294967296'"},
    {"{\"journal\":1}\n{\"flags\":\"SQ\"}\n", ":2: 'flags' is 'SQ': use tcpdump's letters"},
    {"{\"journal\":1}\n{\"journal\":1}\n", ":2: a second journal head"},
};

START_TEST(test_malformed_journal_says_file_line_and_fix)
{
	write_text(malformed[_i].text);
	struct journal j;
	char why[512], want[300];
	ck_assert_int_lt(journal_read(path, &j, why, sizeof(why)), 0);
	snprintf(want, sizeof(want), "%s%s", path, malformed[_i].why);
	ck_assert_msg(!strncmp(why, want, strlen(want)), "got '%s', want '%s...'", why, want);
	ck_assert_ptr_null(j.entries);
}
END_TEST

START_TEST(test_missing_file_names_it)
{
	struct journal j;
	char why[512];
	ck_assert_int_lt(journal_read("/nonexistent/j.jsonl", &j, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "/nonexistent/j.jsonl: No such file or directory");
}
END_TEST

/* A conversation of n data segments from the client, each acknowledged, between these ports
 * and from these ISNs; decide() gives each segment its verdict. */
typedef enum rule_action (*decide_fn)(void *ctx, const struct segment *s);

static void converse(uint16_t cport, uint32_t c_isn, uint32_t s_isn, unsigned n, decide_fn decide,
                     void *ctx, enum rule_action *data_verdicts)
{
	struct segment s;
	memset(&s, 0, sizeof(s));
	s.ip_proto = 6;
	for (unsigned i = 0; i < 3 + 2 * n; i++) {
		bool from_client = i == 0 || i == 2 || (i >= 3 && (i - 3) % 2 == 0);
		unsigned k = i >= 3 ? (i - 3) / 2 : 0;
		s.saddr = from_client ? 0x0a000001u : 0x0a000002u;
		s.daddr = from_client ? 0x0a000002u : 0x0a000001u;
		s.sport = from_client ? cport : 80;
		s.dport = from_client ? 80 : cport;
		s.flags = i == 0 ? TCPF_SYN : i == 1 ? (TCPF_SYN | TCPF_ACK) : TCPF_ACK;
		s.seq = from_client ? c_isn + (i > 0) + (i >= 3 ? k * 100 : 0) : s_isn + (i > 1);
		s.ack = i == 0        ? 0
		        : from_client ? s_isn + 1
		                      : c_isn + 1 + (i >= 3 ? (k + 1) * 100 : 0);
		s.payload_len = i >= 3 && from_client ? 100 : 0;
		if (s.payload_len)
			s.flags |= TCPF_PSH;
		enum rule_action a = decide(ctx, &s);
		if (s.payload_len)
			data_verdicts[k] = a;
	}
}

struct recording {
	struct matcher *m;
	FILE *out;
};

static enum rule_action record(void *ctx, const struct segment *s)
{
	struct recording *r = ctx;
	struct verdict v;
	matcher_decide(r->m, s, 0, &v);
	struct journal_entry e;
	journal_entry_of(&e, &v, "t.rules");
	journal_write_entry(r->out, &e);
	return v.action;
}

struct replaying {
	struct matcher *m;
	struct journal *j;
	unsigned unknown;
};

static enum rule_action replay(void *ctx, const struct segment *s)
{
	struct replaying *r = ctx;
	struct packet_id id;
	matcher_identify(r->m, s, 0, &id);
	const struct journal_entry *e = journal_take(r->j, &id);
	r->unknown += !e;
	return e ? e->action : RULE_PASS;
}

START_TEST(test_replay_repeats_the_drops_with_other_ports_isns_and_no_draws)
{
	enum { N = 200 };
	static enum rule_action want[N], got[N];
	struct ruleset rs;
	struct rule_error err;
	ck_assert_int_eq(ruleset_parse_string(&rs, "t.rules", "drop len >0 chance 20%", &err), 0);
	char *buf = NULL;
	size_t size = 0;
	struct recording rec = {matcher_new(&rs, 0x0a000001u, 5), open_memstream(&buf, &size)};
	journal_write_head(rec.out, 5, "t.rules");
	converse(40000, 1000, 2000, N, record, &rec, want);
	fclose(rec.out);
	matcher_free(rec.m);
	write_text(buf);
	free(buf);
	unsigned drops = 0;
	for (unsigned i = 0; i < N; i++)
		drops += want[i] == RULE_DROP;
	ck_assert_uint_gt(drops, N / 10);
	uint64_t hits = rs.rules[0].hits;

	struct journal j;
	char why[512];
	ck_assert_int_eq(journal_read(path, &j, why, sizeof(why)), 0);
	ck_assert_uint_eq(j.n, 3 + 2 * N);
	/* another seed: a replay draws nothing */
	struct replaying rep = {matcher_new(&rs, 0x0a000001u, 77), &j, 0};
	ck_assert_int_eq(matcher_follow_identities(rep.m), 0);
	converse(51000, 0xfffffff0u, 7, N, replay, &rep, got);
	ck_assert_mem_eq(want, got, sizeof(want));
	ck_assert_uint_eq(rep.unknown, 0);
	ck_assert_uint_eq(rs.rules[0].hits, hits); /* the rule decided nothing */
	matcher_free(rep.m);
	journal_free(&j);
	ruleset_free(&rs);
}
END_TEST

/* A decision that takes its parameters from its rule is replayed only with that rule: the same
 * index, on the same line, with the same action. Pass, drop and delay need none. */
static const struct {
	const char *rules;
	const char *why; /* after the file name; NULL: the journal replays */
} checks[] = {
    {"drop syn\n\n\n\nduplicate 2 gap 10ms len >0\n", NULL},
    {"drop syn\n", ":3: 'duplicate' by rule 2 (dup.rules:5), which the rules loaded here do not "
                   "have: replay with the rule file the journal was written with (dup.rules)"},
    {"drop syn\nduplicate 2 gap 10ms len >0\n", ":3: 'duplicate' by rule 2 (dup.rules:5)"},
    {"drop syn\n\n\n\ndrop len >0\n", ":3: 'duplicate' by rule 2 (dup.rules:5)"},
};

START_TEST(test_replay_refuses_rules_that_lack_a_decision_s_rule)
{
	write_text("{\"journal\":1,\"seed\":1,\"rules\":\"dup.rules\"}\n"
	           "{\"conn\":1,\"dir\":\"c2s\",\"flags\":\"S\",\"seq\":0,\"ack\":0,\"len\":0,"
	           "\"attempt\":1,\"copy\":0,\"verdict\":\"drop\",\"rule\":7,\"rule_line\":9}\n"
	           "{\"conn\":1,\"dir\":\"c2s\",\"flags\":\"P.\",\"seq\":1,\"ack\":1,\"len\":9,"
	           "\"attempt\":1,\"copy\":0,\"verdict\":\"duplicate\",\"rule\":2,"
	           "\"rule_file\":\"dup.rules\",\"rule_line\":5}\n");
	struct journal j;
	struct ruleset rs;
	struct rule_error err;
	char why[512], want[400];
	ck_assert_int_eq(journal_read(path, &j, why, sizeof(why)), 0);
	ck_assert_int_eq(ruleset_parse_string(&rs, "here.rules", checks[_i].rules, &err), 0);
	int rc = journal_check_rules(&j, path, &rs, why, sizeof(why));
	if (!checks[_i].why) {
		ck_assert_int_eq(rc, 0);
		ck_assert_ptr_eq(journal_rule(&j.entries[1], &rs), &rs.rules[1]);
	} else {
		ck_assert_int_eq(rc, -EINVAL);
		snprintf(want, sizeof(want), "%s%s", path, checks[_i].why);
		ck_assert_msg(!strncmp(why, want, strlen(want)), "got '%s', want '%s...'", why,
		              want);
	}
	ruleset_free(&rs);
	journal_free(&j);
}
END_TEST

START_TEST(test_replay_refuses_an_action_by_no_rule)
{
	write_text("{\"journal\":1,\"seed\":1,\"rules\":\"\"}\n"
	           "{\"conn\":1,\"dir\":\"c2s\",\"flags\":\"P.\",\"seq\":1,\"ack\":1,\"len\":9,"
	           "\"attempt\":1,\"copy\":0,\"verdict\":\"reset\"}\n");
	struct journal j;
	struct ruleset rs;
	struct rule_error err;
	char why[512], want[200];
	ck_assert_int_eq(journal_read(path, &j, why, sizeof(why)), 0);
	ck_assert_int_eq(ruleset_parse_string(&rs, "r", "reset\n", &err), 0);
	ck_assert_int_eq(journal_check_rules(&j, path, &rs, why, sizeof(why)), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: 'reset' by no rule: replay takes a reset's parameters",
	         path);
	ck_assert_msg(!strncmp(why, want, strlen(want)), "got '%s'", why);
	ruleset_free(&rs);
	journal_free(&j);
}
END_TEST

/* What deciding gave a data segment, and what a replay gives it. */
struct full_verdicts {
	struct matcher *m;
	struct journal *j; /* replaying; NULL: deciding and recording to out */
	FILE *out;
	struct ruleset *rs;
	uint32_t c_isn;
	unsigned n;
	struct verdict v[64];
};

static enum rule_action decide_or_replay(void *ctx, const struct segment *s)
{
	struct full_verdicts *f = ctx;
	struct verdict v;
	memset(&v, 0, sizeof(v));
	if (!f->j) {
		matcher_decide(f->m, s, 0, &v);
		struct journal_entry e;
		journal_entry_of(&e, &v, "t.rules");
		journal_write_entry(f->out, &e);
	} else {
		/* as synfin-faultd --replay does it (faultd_journal_replay) */
		matcher_identify(f->m, s, 0, &v.id);
		const struct journal_entry *e = journal_take(f->j, &v.id);
		ck_assert_ptr_nonnull(e);
		v.action = e->action;
		v.rule = journal_rule(e, f->rs);
		ck_assert(!journal_action_needs_rule(e->action) || v.rule);
		if (v.rule)
			matcher_replay_effects(f->m, s, v.rule, &v);
	}
	v.receiver_next -= f->c_isn; /* the same place in another run's sequence space */
	if (s->payload_len && f->n < 64)
		f->v[f->n++] = v;
	return v.action;
}

/* Duplicate, reset, corrupt, reorder and set decisions replayed under another seed, ports and
 * ISNs: each takes its rule (and so its parameters), a reset the same place relative to the
 * ISN, corrupt the same bit. */
START_TEST(test_replay_gives_each_action_its_rule_receiver_next_and_draw)
{
	static struct full_verdicts want, got;
	static enum rule_action unused[32];
	struct ruleset rs;
	struct rule_error err;
	ck_assert_int_eq(ruleset_parse_string(&rs, "t.rules",
	                                      "duplicate 2 gap 5ms len >0 nth 2\n"
	                                      "reset to receiver in-window keep len >0 nth 3\n"
	                                      "corrupt payload checksum fixed len >0 nth 4\n"
	                                      "reorder 2 len >0 nth 5\n"
	                                      "set win 0 len >0 nth 6\n",
	                                      &err),
	                 0);
	char *buf = NULL;
	size_t size = 0;
	want = (struct full_verdicts){.m = matcher_new(&rs, 0x0a000001u, 5),
	                              .out = open_memstream(&buf, &size),
	                              .rs = &rs,
	                              .c_isn = 1000};
	journal_write_head(want.out, 5, "t.rules");
	converse(40000, 1000, 2000, 8, decide_or_replay, &want, unused);
	fclose(want.out);
	matcher_free(want.m);
	write_text(buf);
	free(buf);

	struct journal j;
	char why[512];
	ck_assert_int_eq(journal_read(path, &j, why, sizeof(why)), 0);
	ck_assert_int_eq(journal_check_rules(&j, path, &rs, why, sizeof(why)), 0);
	got = (struct full_verdicts){
	    .m = matcher_new(&rs, 0x0a000001u, 77), .j = &j, .rs = &rs, .c_isn = 0xfffffff0u};
	ck_assert_int_eq(matcher_follow_identities(got.m), 0);
	matcher_set_seed(got.m, j.seed);
	converse(51000, 0xfffffff0u, 7, 8, decide_or_replay, &got, unused);
	ck_assert_uint_eq(got.n, 8);
	const enum rule_action actions[] = {RULE_PASS,    RULE_DUPLICATE, RULE_RESET, RULE_CORRUPT,
	                                    RULE_REORDER, RULE_SET,       RULE_PASS,  RULE_PASS};
	for (unsigned k = 0; k < 8; k++) {
		ck_assert_int_eq(want.v[k].action, actions[k]);
		ck_assert_int_eq(got.v[k].action, actions[k]);
		ck_assert_ptr_eq(got.v[k].rule, want.v[k].rule);
	}
	/* kept: the receiver expects the segment's end, 1 + 2 * 100 + 100 past the ISN */
	ck_assert_uint_eq(want.v[2].receiver_next, 301);
	ck_assert_uint_eq(got.v[2].receiver_next, 301);
	ck_assert_uint_ne(want.v[3].draw, 0);
	ck_assert_uint_eq(got.v[3].draw, want.v[3].draw);
	ck_assert_uint_eq(got.v[1].rule->dup_copies, 2);
	ck_assert_uint_eq(got.v[1].rule->dup_gap_us, 5000);
	ck_assert(got.v[2].rule->reset_in_window && got.v[2].rule->reset_keep);
	ck_assert_uint_eq(got.v[4].rule->reorder_after, 2);
	matcher_free(got.m);
	journal_free(&j);
	ruleset_free(&rs);
}
END_TEST

static Suite *journal_suite(void)
{
	Suite *s = suite_create("journal");
	TCase *t = tcase_create("journal");
	tcase_add_checked_fixture(t, NULL, teardown);
	tcase_add_test(t, test_written_journal_reads_back_the_same);
	tcase_add_test(t, test_take_replays_the_nth_decision_of_an_identity_once);
	tcase_add_loop_test(t, test_malformed_journal_says_file_line_and_fix, 0,
	                    sizeof(malformed) / sizeof(malformed[0]));
	tcase_add_test(t, test_missing_file_names_it);
	tcase_add_test(t, test_replay_repeats_the_drops_with_other_ports_isns_and_no_draws);
	tcase_add_test(t, test_every_action_reads_back_with_its_line);
	tcase_add_loop_test(t, test_replay_refuses_rules_that_lack_a_decision_s_rule, 0,
	                    sizeof(checks) / sizeof(checks[0]));
	tcase_add_test(t, test_replay_refuses_an_action_by_no_rule);
	tcase_add_test(t, test_replay_gives_each_action_its_rule_receiver_next_and_draw);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return synfin_run_suite(journal_suite());
}
