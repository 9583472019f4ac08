/* resolve.c: one pairing of a parsed scenario as a complete case: the lines of its `when`
 * blocks, its skip reason, the time scale of a stack-scale variant, each end's settings and
 * expectations (the last line that applies wins), and its conversation. Pure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

static const struct scn_item *last_for(const struct scn_item *v, size_t n, unsigned bit, bool ipv6)
{
	const struct scn_item *found = NULL;
	for (size_t i = 0; i < n; i++)
		if ((v[i].pairs & bit) && scn_family_holds(v[i].families, ipv6))
			found = &v[i];
	return found;
}

static void resolve_skip(const struct scenario *s, unsigned pair, struct scn_case *c)
{
	unsigned bit = 1u << pair;
	if (!(s->pairs & bit)) {
		c->skip = true;
		snprintf(c->skip_reason, sizeof(c->skip_reason),
		         "the scenario's 'pairs' line leaves %s out", scn_pair_name(pair));
	}
	for (size_t i = 0; i < s->n_skips && !c->skip; i++)
		if (s->skips[i].pairs & bit) {
			c->skip = true;
			snprintf(c->skip_reason, sizeof(c->skip_reason), "%s", s->skips[i].reason);
		}
}

/* Settings go to the end that takes them, as its declaration says: sysctls to a Linux end,
 * tunables (set) to a stack end. */
static void resolve_settings(const struct scn_endpoint *ep, unsigned bit, enum impl_settings takes,
                             struct scn_case *c, int r)
{
	bool stack = takes == IMPL_SETTINGS_OPTION;
	for (size_t i = 0; i < ep->n_sysctls && takes == IMPL_SETTINGS_SYSCTL; i++)
		if ((ep->sysctls[i].pairs & bit) &&
		    scn_family_holds(ep->sysctls[i].families, c->ipv6) && c->n_sysctls[r] < 32)
			c->sysctls[r][c->n_sysctls[r]++] = ep->sysctls[i].text;
	for (size_t i = 0; i < ep->n_tunables && stack; i++)
		if ((ep->tunables[i].pairs & bit) &&
		    scn_family_holds(ep->tunables[i].families, c->ipv6) && c->n_tunables[r] < 32)
			c->tunables[r][c->n_tunables[r]++] = ep->tunables[i].text;
}

/* Every `counts` line that applies holds, each read from the member the end's impl file names;
 * an end that cannot report the counter cannot run the case: a skip that says so. */
static void resolve_counts(const struct scn_endpoint *ep, unsigned pair, struct scn_case *c, int r)
{
	for (size_t i = 0; i < ep->n_counts; i++) {
		const struct scn_item *it = &ep->counts[i];
		if (!(it->pairs & (1u << pair)) || !scn_family_holds(it->families, c->ipv6) ||
		    c->n_counts[r] == SCN_MAX_COUNTS)
			continue;
		const char *key = scn_pair_counter_key(pair, (enum scn_role)r, it->counter);
		if (!key && !c->skip) {
			const char *impl = scn_pair_impl_name(pair, (enum scn_role)r);
			c->skip = true;
			snprintf(c->skip_reason, sizeof(c->skip_reason),
			         "%s counts %s: %s cannot report it (its impl file declares no "
			         "'counter %s')",
			         scn_role_name(r), it->counter, impl, it->counter);
		}
		struct scn_count *k = &c->counts[r][c->n_counts[r]++];
		k->counter = it->counter;
		k->key = key;
		k->compare = it->compare;
		k->value = it->count;
	}
}

static void resolve_endpoint(const struct scn_endpoint *ep, unsigned pair, struct scn_case *c,
                             int r)
{
	unsigned bit = 1u << pair;
	/* A Linux end's TIME-WAIT lives on in its kernel; a userspace stack's lives in its
	 * program, which lingers for it (supports linger) */
	bool lingers = scn_pair_lingers(pair, (enum scn_role)r);
	const struct scn_item *it = last_for(ep->scripts, ep->n_scripts, bit, c->ipv6);
	c->script[r] =
	    it ? it->text : (r == SCN_CLIENT ? "connect; close" : "accept; read-eof; close");
	resolve_settings(ep, bit, scn_pair_settings(pair, (enum scn_role)r), c, r);
	it = last_for(ep->starts, ep->n_starts, bit, c->ipv6);
	c->start_us[r] = it ? it->us : 0;
	it = last_for(ep->exits, ep->n_exits, bit, c->ipv6);
	c->exit[r] = it ? it->outcome : SCN_OUT_UNSET;
	if (it)
		c->exit_time[r] = it->time;
	it = last_for(ep->receives, ep->n_receives, bit, c->ipv6);
	c->receives[r] = it ? (int64_t)it->count : -1;
	c->receives_damaged[r] = it && it->damaged;
	it = last_for(ep->lingers, ep->n_lingers, bit, c->ipv6);
	c->linger_us[r] = it && lingers ? it->us : -1;
	it = last_for(ep->ack_everys, ep->n_ack_everys, bit, c->ipv6);
	c->ack_every[r] = it ? (unsigned)it->count : 0;
	it = last_for(ep->sees, ep->n_sees, bit, c->ipv6);
	for (size_t i = 0; it && i < it->n_sees; i++)
		c->sees[r][i] = it->sees[i];
	c->n_sees[r] = it ? it->n_sees : 0;
	resolve_counts(ep, pair, c, r);
}

int scenario_resolve(const struct scenario *s, unsigned pair, bool scaled, struct scn_case *c)
{
	return scenario_resolve_family(s, pair, scaled, false, c);
}

int scenario_resolve_family(const struct scenario *s, unsigned pair, bool scaled, bool ipv6,
                            struct scn_case *c)
{
	unsigned bit = 1u << pair;
	memset(c, 0, sizeof(*c));
	c->scn = s;
	c->pair = pair;
	c->ipv6 = ipv6;
	c->scale = 1.0;
	if (scaled && s->stack_scale < 1.0 && (s->scale_pairs & bit))
		c->scale = s->stack_scale;
	resolve_skip(s, pair, c);
	unsigned family = ipv6 ? SCN_FAMILY_IPV6 : SCN_FAMILY_IPV4;
	if (!c->skip && !(s->families & family) && s->family_reason[0]) {
		c->skip = true;
		snprintf(c->skip_reason, sizeof(c->skip_reason), "%s only: %s",
		         ipv6 ? "IPv4" : "IPv6", s->family_reason);
	}
	const struct scn_item *lim = last_for(s->limits, s->n_limits, bit, c->ipv6);
	const struct scn_item *set = last_for(s->settles, s->n_settles, bit, c->ipv6);
	c->limit_us = lim ? lim->us : s->limit_us;
	c->settle_us = set ? set->us : s->settle_us;
	for (int r = 0; r < 2; r++)
		resolve_endpoint(&s->ep[r], pair, c, r);
	c->segs = calloc(s->n_segs ? s->n_segs : 1, sizeof(*c->segs));
	if (!c->segs)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_segs; i++)
		if ((s->segs[i].pairs & bit) && scn_family_holds(s->segs[i].families, ipv6))
			c->segs[c->n_segs++] = &s->segs[i];
	return 0;
}

int64_t scn_case_expected_us(const struct scn_case *c)
{
	int64_t *tt = calloc(c->n_segs + 1, sizeof(*tt));
	int64_t end = 0;
	if (!tt)
		return c->limit_us;
	for (size_t i = 0; i < c->n_segs; i++) {
		const struct scn_time *tm = &c->segs[i]->time;
		int64_t prev = i ? tt[i - 1] : 0, base = prev;
		for (size_t k = 0; tm->anchor[0] && k < i; k++)
			if (!strcmp(c->segs[k]->label, tm->anchor))
				base = tt[k];
		if (tm->kind == SCN_T_AT)
			tt[i] = tm->nominal_us;
		else if (tm->kind == SCN_T_AFTER)
			tt[i] = base + tm->nominal_us;
		else
			tt[i] = prev;
		if (tt[i] > end)
			end = tt[i];
	}
	free(tt);
	for (int r = 0; r < 2; r++) {
		int64_t x = 0;
		if (c->exit_time[r].kind == SCN_T_AT)
			x = c->exit_time[r].nominal_us;
		else if (c->exit_time[r].kind == SCN_T_AFTER)
			x = end + c->exit_time[r].nominal_us;
		if (x > end)
			end = x;
	}
	return (int64_t)((double)end * c->scale) + c->settle_us;
}

void scn_case_free(struct scn_case *c)
{
	free(c->segs);
	memset(c, 0, sizeof(*c));
}

char *scenario_rules_text(const struct scenario *s, unsigned pair)
{
	unsigned bit = 1u << pair;
	size_t cap = 256;
	for (size_t i = 0; i < s->n_rules; i++)
		cap += strlen(s->rules[i].text) + 2;
	unsigned last = 0;
	for (size_t i = 0; i < s->n_rules; i++)
		if (s->rules[i].line > last)
			last = s->rules[i].line;
	cap += last + 1;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	size_t len = 0;
	unsigned line = 1;
	out[0] = '\0';
	/* inline rules keep their scenario line numbers, so faultd's "file:line" is the .scn's */
	for (size_t i = 0; i < s->n_rules; i++) {
		const struct scn_item *r = &s->rules[i];
		if (!r->line || !(r->pairs & bit))
			continue;
		while (line < r->line) {
			out[len++] = '\n';
			line++;
		}
		len += (size_t)snprintf(out + len, cap - len, "%s\n", r->text);
		line++;
	}
	for (size_t i = 0; i < s->n_rules; i++) {
		const struct scn_item *r = &s->rules[i];
		if (r->line || !(r->pairs & bit))
			continue;
		len += (size_t)snprintf(out + len, cap - len, "%s\n", r->text);
	}
	out[len] = '\0';
	return out;
}
