/* pairing.c: the pairings of the declared implementations (scenario.h), derived from their
 * impl/NAME.impl files: no implementation is named here. The table is set once, when the
 * declarations have been read, and every pairing spec, case and report reads it. Pure: the
 * caller reads the files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

struct pairing_end {
	char name[32];
	enum impl_settings settings;
	bool scales, lingers, ipv6;
	struct impl_counter counters[IMPL_MAX_COUNTERS];
	size_t n_counters;
};

static struct {
	struct pairing_end impl[SCN_MAX_IMPLS]; /* in their declared order */
	unsigned n_impls;
	unsigned char ends[SCN_MAX_PAIRS][2]; /* indices into impl, client first */
	char names[SCN_MAX_PAIRS][72];
	unsigned n;
	unsigned checked; /* the pairings the `check` lines name */
} table;

unsigned scn_pair_count(void)
{
	return table.n;
}

unsigned scn_all_pairs(void)
{
	return table.n >= 32 ? ~0u : (1u << table.n) - 1;
}

unsigned scn_default_pairs(void)
{
	return table.checked;
}

unsigned scn_core_pairs(void)
{
	unsigned core = 0;
	for (unsigned p = 0; p < table.n; p++) {
		bool both = true;
		for (int e = 0; e < 2; e++) {
			unsigned i = table.ends[p][e];
			for (unsigned q = 0; q < table.n; q++)
				if (table.ends[q][0] == i && table.ends[q][1] == i)
					both = both && (table.checked & (1u << q));
		}
		if (both)
			core |= 1u << p;
	}
	return core;
}

const char *scn_pair_name(unsigned p)
{
	return p < table.n ? table.names[p] : "?";
}

int scn_pair_find(const char *name)
{
	for (unsigned p = 0; p < table.n; p++)
		if (!strcmp(table.names[p], name))
			return (int)p;
	return -1;
}

static const struct pairing_end *end_of(unsigned p, enum scn_role role)
{
	static const struct pairing_end none = {.name = "?"};
	/* the pairing's names are client-server */
	return p < table.n ? &table.impl[table.ends[p][role == SCN_SERVER]] : &none;
}

const char *scn_pair_impl_name(unsigned p, enum scn_role role)
{
	return end_of(p, role)->name;
}

enum impl_settings scn_pair_settings(unsigned p, enum scn_role role)
{
	return end_of(p, role)->settings;
}

bool scn_pair_scales(unsigned p, enum scn_role role)
{
	return end_of(p, role)->scales;
}

bool scn_pair_lingers(unsigned p, enum scn_role role)
{
	return end_of(p, role)->lingers;
}

bool scn_pair_speaks_ipv6(unsigned p)
{
	return end_of(p, SCN_CLIENT)->ipv6 && end_of(p, SCN_SERVER)->ipv6;
}

const char *scn_pair_counter_key(unsigned p, enum scn_role role, const char *counter)
{
	const struct pairing_end *e = end_of(p, role);
	return impl_counter_key(e->counters, e->n_counters, counter);
}

static int by_order(const void *a, const void *b)
{
	const struct impl *x = *(const struct impl *const *)a, *y = *(const struct impl *const *)b;
	return x->order != y->order ? (x->order > y->order) - (x->order < y->order)
	                            : strcmp(x->name, y->name);
}

static int find_impl(const char *name, size_t n)
{
	for (unsigned i = 0; i < table.n_impls; i++)
		if (strlen(table.impl[i].name) == n && !memcmp(table.impl[i].name, name, n))
			return (int)i;
	return -1;
}

static void add_pair(unsigned client, unsigned server)
{
	for (unsigned p = 0; p < table.n; p++)
		if (table.ends[p][0] == client && table.ends[p][1] == server)
			return;
	table.ends[table.n][0] = (unsigned char)client;
	table.ends[table.n][1] = (unsigned char)server;
	char name[sizeof(table.names[0])];
	snprintf(name, sizeof(name), "%s-%s", table.impl[client].name, table.impl[server].name);
	memcpy(table.names[table.n], name, sizeof(name));
	table.n++;
}

static int ref_fail(const struct impl *im, const struct impl_pairing_ref *ref, char *why,
                    size_t size, const char *problem)
{
	snprintf(why, size, "%s:%u:%u: %s", im->file[0] ? im->file : im->name, ref->line, ref->col,
	         problem);
	return -EINVAL;
}

/* Implementation k's `check` pairings, in the order listed: each with an implementation that
 * comes before it (or itself), whose own pairings are already in the table. */
static int add_checked(const struct impl *im, unsigned k, char *why, size_t size)
{
	char problem[300];
	for (size_t c = 0; c < im->n_check; c++) {
		const struct impl_pairing_ref *ref = &im->check[c];
		const char *dash = strchr(ref->name, '-');
		int ends[2] = {find_impl(ref->name, (size_t)(dash - ref->name)),
		               find_impl(dash + 1, strlen(dash + 1))};
		int other = ends[0] == (int)k ? ends[1] : ends[0];
		const char *other_name = ends[0] == (int)k ? dash + 1 : ref->name;
		int other_len = ends[0] == (int)k ? (int)strlen(dash + 1) : (int)(dash - ref->name);
		if (other < 0) {
			char names[200];
			scn_pairs_list(names, sizeof(names), true);
			snprintf(problem, sizeof(problem),
			         "no implementation '%.*s' is declared (declared: %s): add its "
			         "NAME.impl or drop %s",
			         other_len, other_name, names, ref->name);
			return ref_fail(im, ref, why, size, problem);
		}
		if (other > (int)k) {
			snprintf(problem, sizeof(problem),
			         "%s comes with %s's pairings (its order is later): list it in "
			         "%s's check line",
			         ref->name, table.impl[other].name, table.impl[other].name);
			return ref_fail(im, ref, why, size, problem);
		}
		unsigned before = table.n;
		add_pair((unsigned)ends[0], (unsigned)ends[1]);
		if (table.n == before)
			return ref_fail(im, ref, why, size, "this pairing is listed twice");
		table.checked |= 1u << (table.n - 1);
	}
	return 0;
}

int scn_pairings_set(const struct impl *v, size_t n, char *why, size_t size)
{
	memset(&table, 0, sizeof(table));
	if (n > SCN_MAX_IMPLS) {
		snprintf(why, size,
		         "%s: more than %d implementations (their pairings are the bits of one "
		         "mask)",
		         v[SCN_MAX_IMPLS].file[0] ? v[SCN_MAX_IMPLS].file : v[SCN_MAX_IMPLS].name,
		         SCN_MAX_IMPLS);
		return -EINVAL;
	}
	const struct impl *sorted[SCN_MAX_IMPLS];
	for (size_t i = 0; i < n; i++)
		sorted[i] = &v[i];
	qsort(sorted, n, sizeof(sorted[0]), by_order);
	for (size_t i = 0; i < n; i++) {
		if (find_impl(sorted[i]->name, strlen(sorted[i]->name)) >= 0) {
			snprintf(why, size, "%s: implementation '%s' is declared twice: rename one",
			         sorted[i]->file[0] ? sorted[i]->file : sorted[i]->name,
			         sorted[i]->name);
			memset(&table, 0, sizeof(table));
			return -EINVAL;
		}
		struct pairing_end *e = &table.impl[table.n_impls++];
		snprintf(e->name, sizeof(e->name), "%s", sorted[i]->name);
		e->settings = sorted[i]->settings;
		e->scales = sorted[i]->time_scale_option[0] != '\0';
		e->lingers = sorted[i]->linger_option[0] != '\0';
		e->ipv6 = (sorted[i]->families & IMPL_FAMILY_IPV6) != 0;
		memcpy(e->counters, sorted[i]->counters, sizeof(e->counters));
		e->n_counters = sorted[i]->n_counters;
	}
	for (unsigned k = 0; k < table.n_impls; k++) {
		int r = add_checked(sorted[k], k, why, size);
		if (r) {
			memset(&table, 0, sizeof(table));
			return r;
		}
		for (unsigned j = k; j-- > 0;) {
			add_pair(k, j);
			add_pair(j, k);
		}
		add_pair(k, k);
	}
	return 0;
}

void scn_pairs_list(char *buf, size_t size, bool impls)
{
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < (impls ? table.n_impls : table.n) && used < size; i++) {
		int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
		                 impls ? table.impl[i].name : table.names[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* The pairings whose end (0 client, 1 server) is the implementation w ("*": any). */
static unsigned pairs_with_end(const char *w, size_t n, int end)
{
	unsigned mask = 0;
	for (unsigned p = 0; p < table.n; p++) {
		const char *name = table.impl[table.ends[p][end]].name;
		if ((n == 1 && w[0] == '*') || (strlen(name) == n && !memcmp(name, w, n)))
			mask |= 1u << p;
	}
	return mask;
}

static unsigned pair_one(const char *s, size_t n)
{
	char w[80];
	if (n == 0 || n >= sizeof(w))
		return 0;
	memcpy(w, s, n);
	w[n] = '\0';
	if (!strcmp(w, "all") || !strcmp(w, "*"))
		return scn_all_pairs();
	if (!strncmp(w, "client=", 7) && strcmp(w + 7, "*"))
		return pairs_with_end(w + 7, n - 7, 0);
	if (!strncmp(w, "server=", 7) && strcmp(w + 7, "*"))
		return pairs_with_end(w + 7, n - 7, 1);
	const char *dash = strchr(w, '-');
	if (!dash)
		return 0;
	unsigned client = pairs_with_end(w, (size_t)(dash - w), 0);
	unsigned server = pairs_with_end(dash + 1, strlen(dash + 1), 1);
	return client && server ? client & server : 0;
}

/* Comma separated words, each a mask by one_word; 0 when one is not. */
static unsigned words_mask(const char *spec, unsigned (*one_word)(const char *, size_t))
{
	unsigned mask = 0;
	const char *p = spec;
	while (*p) {
		size_t n = strcspn(p, ",");
		unsigned m = one_word(p, n);
		if (!m)
			return 0;
		mask |= m;
		p += n;
		if (*p == ',')
			p++;
	}
	return mask;
}

unsigned scn_pairs_parse(const char *spec)
{
	return words_mask(spec, pair_one);
}

static unsigned impl_one(const char *s, size_t n)
{
	if (n == 3 && !memcmp(s, "all", 3))
		return scn_all_pairs();
	if (n == 1 && s[0] == '*')
		return 0;
	return pairs_with_end(s, n, 0) | pairs_with_end(s, n, 1);
}

unsigned scn_impl_pairs_parse(const char *spec)
{
	return words_mask(spec, impl_one);
}
