/* journal.c: writing and reading the verdict journal (journal.h). */
#include "journal.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"
#include "trace_read.h"

const char *journal_dir_name(uint8_t dir)
{
	switch (dir) {
	case RULE_DIR_FROM_CLIENT:
		return "c2s";
	case RULE_DIR_FROM_SERVER:
		return "s2c";
	default:
		return "other";
	}
}

/* A JSON string (RFC 8259 7): only quote, backslash and control characters are escaped. */
static void put_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

void journal_write_head(FILE *out, uint64_t seed, const char *rules)
{
	fprintf(out, "{\"journal\":%d,\"seed\":%llu,\"rules\":", JOURNAL_VERSION,
	        (unsigned long long)seed);
	put_string(out, rules ? rules : "");
	fputs("}\n", out);
}

void journal_write_entry(FILE *out, const struct journal_entry *e)
{
	char flags[12];
	trace_flags_str(flags, sizeof(flags), e->id.flags);
	fprintf(out,
	        "{\"conn\":%u,\"dir\":\"%s\",\"flags\":\"%s\",\"seq\":%u,\"ack\":%u,\"len\":%u,"
	        "\"attempt\":%u,\"copy\":%u,\"verdict\":\"%s\",\"delay_us\":%u,\"rule\":%u,"
	        "\"rule_file\":",
	        e->id.conn, journal_dir_name(e->id.dir), flags, e->id.seq, e->id.ack, e->id.len,
	        e->id.attempt, e->id.copy, rule_action_name(e->action), e->delay_us, e->rule);
	put_string(out, e->rule_file);
	fprintf(out, ",\"rule_line\":%u,\"label\":", e->rule_line);
	put_string(out, e->label);
	fputs("}\n", out);
}

void journal_entry_of(struct journal_entry *e, const struct verdict *v, const char *rule_file)
{
	memset(e, 0, sizeof(*e));
	e->id = v->id;
	e->action = v->action;
	e->delay_us = v->delay_us;
	if (!v->rule)
		return;
	e->rule = v->rule->index;
	e->rule_line = v->rule->line;
	snprintf(e->rule_file, sizeof(e->rule_file), "%s", rule_file ? rule_file : "");
	snprintf(e->label, sizeof(e->label), "%s", v->rule->label ? v->rule->label : "");
}

bool journal_action_needs_rule(enum rule_action action)
{
	return action != RULE_PASS && action != RULE_DROP && action != RULE_DELAY;
}

struct rule *journal_rule(const struct journal_entry *e, struct ruleset *rs)
{
	if (e->rule < 1 || e->rule > rs->n_rules)
		return NULL;
	struct rule *r = &rs->rules[e->rule - 1];
	if (r->line != e->rule_line)
		return NULL;
	if (journal_action_needs_rule(e->action) && r->action != e->action)
		return NULL;
	return r;
}

int journal_check_rules(const struct journal *j, const char *path, struct ruleset *rs, char *why,
                        size_t why_size)
{
	for (size_t i = 0; i < j->n; i++) {
		const struct journal_entry *e = &j->entries[i];
		if (!journal_action_needs_rule(e->action) || journal_rule(e, rs))
			continue;
		const char *name = rule_action_name(e->action);
		if (!e->rule)
			snprintf(
			    why, why_size,
			    "%s:%u: '%s' by no rule: replay takes a %s's parameters from the rule "
			    "that decided it; give the decision its \"rule\", \"rule_file\" and "
			    "\"rule_line\", as synfin-faultd --journal writes them",
			    path, e->journal_line, name, name);
		else
			snprintf(
			    why, why_size,
			    "%s:%u: '%s' by rule %u (%s:%u), which the rules loaded here do not "
			    "have: replay with the rule file the journal was written with (%s)",
			    path, e->journal_line, name, e->rule, e->rule_file, e->rule_line,
			    e->rule_file);
		return -EINVAL;
	}
	return 0;
}

/* ---- reading ---- */

enum {
	K_CONN = 1 << 0,
	K_DIR = 1 << 1,
	K_FLAGS = 1 << 2,
	K_SEQ = 1 << 3,
	K_ACK = 1 << 4,
	K_LEN = 1 << 5,
	K_ATTEMPT = 1 << 6,
	K_COPY = 1 << 7,
	K_VERDICT = 1 << 8,
	K_HEAD = 1 << 9,
};

static const char *const decision_keys[] = {"conn", "dir",     "flags", "seq",    "ack",
                                            "len",  "attempt", "copy",  "verdict"};

struct line_parse {
	struct journal_entry *e;
	uint64_t *seed;
	char *rules;
	size_t rules_size;
	unsigned seen;
	char *why;
	size_t why_size;
};

static int bad(struct line_parse *lp, const char *fmt, const char *a, const char *b)
{
	snprintf(lp->why, lp->why_size, fmt, a, b);
	return -EINVAL;
}

/* A number member: 0 to max, written in decimal. */
static int number(struct line_parse *lp, const char *key, const char *num, uint64_t max,
                  uint64_t *out)
{
	char *end;
	if (!num || *num == '-' || *num < '0' || *num > '9')
		return bad(lp, "'%s' must be a number%s", key, ", like \"seq\":1");
	errno = 0;
	unsigned long long v = strtoull(num, &end, 10);
	if (errno || *end || v > max)
		return bad(lp, "'%s' is '%s': a whole number in range is needed", key, num);
	*out = v;
	return 0;
}

/* Every action a rule file names, but rate: a rate rule's decisions are its delays and drops. */
static int verdict_member(struct line_parse *lp, const char *str)
{
	for (int a = RULE_PASS; a <= RULE_REORDER; a++) {
		if (!strcmp(str, rule_action_name((enum rule_action)a))) {
			lp->e->action = (enum rule_action)a;
			return 0;
		}
	}
	if (!strcmp(str, rule_action_name(RULE_RATE)))
		return bad(lp, "'verdict' is '%s': %s", str,
		           "a rate rule decides delay or drop, and its journal says which");
	return bad(lp, "'verdict' is '%s': use %s", str,
	           "pass, drop, delay, set, strip, corrupt, duplicate, reset or reorder");
}

static int string_member(struct line_parse *lp, const char *key, const char *str)
{
	struct journal_entry *e = lp->e;
	if (!strcmp(key, "dir")) {
		lp->seen |= K_DIR;
		if (!strcmp(str, "c2s"))
			e->id.dir = RULE_DIR_FROM_CLIENT;
		else if (!strcmp(str, "s2c"))
			e->id.dir = RULE_DIR_FROM_SERVER;
		else if (!strcmp(str, "other"))
			e->id.dir = RULE_DIR_ANY;
		else
			return bad(lp, "'dir' is '%s': use %s", str, "c2s, s2c or other");
	} else if (!strcmp(key, "flags")) {
		lp->seen |= K_FLAGS;
		int f = trace_flags_parse(str);
		if (f < 0)
			return bad(lp, "'flags' is '%s': %s", str,
			           "use tcpdump's letters, like \"S.\", \"P.\" or \"none\"");
		e->id.flags = (uint8_t)f;
	} else if (!strcmp(key, "verdict")) {
		lp->seen |= K_VERDICT;
		return verdict_member(lp, str);
	} else if (!strcmp(key, "rule_file")) {
		snprintf(e->rule_file, sizeof(e->rule_file), "%s", str);
	} else if (!strcmp(key, "label")) {
		snprintf(e->label, sizeof(e->label), "%s", str);
	} else if (!strcmp(key, "rules")) {
		snprintf(lp->rules, lp->rules_size, "%s", str);
	}
	return 0;
}

static int number_member(struct line_parse *lp, const char *key, const char *num)
{
	static const struct {
		const char *key;
		unsigned bit;
		size_t offset;
	} fields[] = {
	    {"conn", K_CONN, offsetof(struct journal_entry, id.conn)},
	    {"seq", K_SEQ, offsetof(struct journal_entry, id.seq)},
	    {"ack", K_ACK, offsetof(struct journal_entry, id.ack)},
	    {"len", K_LEN, offsetof(struct journal_entry, id.len)},
	    {"attempt", K_ATTEMPT, offsetof(struct journal_entry, id.attempt)},
	    {"copy", K_COPY, offsetof(struct journal_entry, id.copy)},
	    {"delay_us", 0, offsetof(struct journal_entry, delay_us)},
	    {"rule", 0, offsetof(struct journal_entry, rule)},
	    {"rule_line", 0, offsetof(struct journal_entry, rule_line)},
	};
	uint64_t v;
	if (!strcmp(key, "journal") || !strcmp(key, "seed")) {
		int err = number(lp, key, num, UINT64_MAX, &v);
		if (err)
			return err;
		if (key[0] == 'j' && v != JOURNAL_VERSION)
			return bad(lp, "journal version %s%s", num,
			           " is not known here: this synfin writes and reads version 1");
		if (key[0] == 'j')
			lp->seen |= K_HEAD;
		else
			*lp->seed = v;
		return 0;
	}
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strcmp(key, fields[i].key))
			continue;
		int err = number(lp, key, num, UINT32_MAX, &v);
		if (err)
			return err;
		lp->seen |= fields[i].bit;
		/* every numeric field of the entry is a uint32_t or an unsigned */
		uint32_t u = (uint32_t)v;
		memcpy((char *)lp->e + fields[i].offset, &u, sizeof(u));
		return 0;
	}
	return 0;
}

static int member(void *arg, const char *key, char **str, const char *num)
{
	struct line_parse *lp = arg;
	if (str && *str)
		return string_member(lp, key, *str);
	if (num)
		return number_member(lp, key, num);
	return 0;
}

int journal_parse_line(const char *line, struct journal_entry *e, uint64_t *seed, char *rules,
                       size_t rules_size, char *why, size_t why_size)
{
	uint64_t seed_tmp = 0;
	char rules_tmp[1];
	struct line_parse lp = {
	    .e = e,
	    .seed = seed ? seed : &seed_tmp,
	    .rules = rules ? rules : rules_tmp,
	    .rules_size = rules ? rules_size : sizeof(rules_tmp),
	    .why = why,
	    .why_size = why_size,
	};
	memset(e, 0, sizeof(*e));
	if (why_size)
		why[0] = '\0';
	int err = trace_json_object_parse(line, member, &lp);
	if (err == -ENOMEM)
		return bad(&lp, "out of memory%s%s", "", "");
	if (err) {
		if (!why_size || !why[0])
			bad(&lp, "not a JSON object%s%s",
			    ": each line is one flat object, as synfin-faultd --journal writes",
			    "");
		return -EINVAL;
	}
	if (lp.seen & K_HEAD)
		return 1;
	for (size_t i = 0; i < sizeof(decision_keys) / sizeof(decision_keys[0]); i++)
		if (!(lp.seen & (1u << i)))
			return bad(
			    &lp, "no \"%s\"%s", decision_keys[i],
			    ": a decision names its conn, dir, flags, seq, ack, len, attempt, "
			    "copy and verdict");
	return 0;
}

static int id_cmp(const struct packet_id *a, const struct packet_id *b)
{
	const uint32_t ka[] = {a->conn, a->dir, a->flags,   a->seq,
	                       a->ack,  a->len, a->attempt, a->copy};
	const uint32_t kb[] = {b->conn, b->dir, b->flags,   b->seq,
	                       b->ack,  b->len, b->attempt, b->copy};
	for (size_t i = 0; i < sizeof(ka) / sizeof(ka[0]); i++)
		if (ka[i] != kb[i])
			return ka[i] < kb[i] ? -1 : 1;
	return 0;
}

/* By identity, then by order in the file: the nth of an identity replays first-come. */
static int by_id_cmp(const void *pa, const void *pb, void *entries)
{
	const struct journal_entry *e = entries;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int c = id_cmp(&e[a].id, &e[b].id);
	return c ? c : (a > b) - (a < b);
}

static int add_entry(struct journal *j, size_t *cap, const struct journal_entry *e)
{
	if (j->n == *cap) {
		size_t n = *cap ? *cap * 2 : 256;
		struct journal_entry *p = realloc(j->entries, n * sizeof(*p));
		if (!p)
			return -ENOMEM;
		j->entries = p;
		*cap = n;
	}
	j->entries[j->n++] = *e;
	return 0;
}

static int read_lines(FILE *f, const char *path, struct journal *j, char *why, size_t why_size)
{
	char *line = NULL;
	size_t line_cap = 0, cap = 0;
	unsigned lineno = 0;
	bool head = false;
	int err = 0;
	ssize_t len;
	while (!err && (len = getline(&line, &line_cap, f)) >= 0) {
		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)len)
			continue;
		struct journal_entry e;
		char msg[256];
		int kind = journal_parse_line(line, &e, &j->seed, j->rules, sizeof(j->rules), msg,
		                              sizeof(msg));
		if (kind < 0 && (head || strstr(msg, "journal version"))) {
			snprintf(why, why_size, "%s:%u: %s", path, lineno, msg);
			err = kind;
		} else if (kind == 1 && head) {
			snprintf(why, why_size, "%s:%u: a second journal head: %s", path, lineno,
			         "one journal per file (the head is its first line)");
			err = -EINVAL;
		} else if (kind != 1 && !head) {
			snprintf(why, why_size,
			         "%s:%u: not a synfin journal: its first line must be the head, "
			         "{\"journal\":1,\"seed\":N,\"rules\":\"FILE\"}, as synfin-faultd "
			         "--journal writes it",
			         path, lineno);
			err = -EINVAL;
		} else if (kind == 1) {
			head = true;
		} else {
			e.journal_line = lineno;
			if ((err = add_entry(j, &cap, &e)) != 0)
				snprintf(why, why_size, "%s: out of memory", path);
		}
	}
	free(line);
	if (!err && !head) {
		snprintf(why, why_size, "%s: empty: no journal head, no decision", path);
		err = -EINVAL;
	}
	return err;
}

int journal_read(const char *path, struct journal *j, char *why, size_t why_size)
{
	memset(j, 0, sizeof(*j));
	FILE *f = fopen(path, "r");
	if (!f) {
		int err = -errno;
		snprintf(why, why_size, "%s: %s", path, strerror(-err));
		return err;
	}
	int err = read_lines(f, path, j, why, why_size);
	fclose(f);
	if (!err) {
		j->by_id = malloc((j->n ? j->n : 1) * sizeof(*j->by_id));
		j->taken = calloc(j->n ? j->n : 1, sizeof(*j->taken));
		if (!j->by_id || !j->taken) {
			snprintf(why, why_size, "%s: out of memory", path);
			err = -ENOMEM;
		}
	}
	if (err) {
		journal_free(j);
		return err;
	}
	for (size_t i = 0; i < j->n; i++)
		j->by_id[i] = i;
	qsort_r(j->by_id, j->n, sizeof(*j->by_id), by_id_cmp, j->entries);
	return 0;
}

void journal_free(struct journal *j)
{
	free(j->entries);
	free(j->by_id);
	free(j->taken);
	memset(j, 0, sizeof(*j));
}

const struct journal_entry *journal_take(struct journal *j, const struct packet_id *id)
{
	size_t lo = 0, hi = j->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (id_cmp(&j->entries[j->by_id[mid]].id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < j->n && id_cmp(&j->entries[j->by_id[lo]].id, id) == 0; lo++) {
		if (!j->taken[j->by_id[lo]]) {
			j->taken[j->by_id[lo]] = true;
			return &j->entries[j->by_id[lo]];
		}
	}
	return NULL;
}
