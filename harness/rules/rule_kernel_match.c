/* rule_kernel_match.c: a ruleset's reach as firewall matches (rule_kernel_match.h). */
#include "rule_kernel_match.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "common/tcp_flags.h"
#include "rule_draw.h"

/* IPv4 and TCP headers each take 20 to 60 bytes of a packet's total length; IPv6's takes 20
 * more than IPv4's shortest, and its extension headers any number. */
#define HEADERS_MIN 40u
#define HEADERS_MAX 120u
#define IPV6_HEADER_EXTRA 20u
#define IP_LEN_MAX 65535u

static uint16_t clamp_ip_len(uint64_t v)
{
	return v > IP_LEN_MAX ? (uint16_t)IP_LEN_MAX : (uint16_t)v;
}

static struct kernel_match match_of_rule(const struct rule *r)
{
	struct kernel_match m = {.family = r->family, .dir = r->dir, .ip_len_max = IP_LEN_MAX};
	if (r->flags_exact)
		m.flags_mask = KERNEL_MATCH_FLAGS;
	else
		m.flags_mask = (r->flags_set | r->flags_clear) & KERNEL_MATCH_FLAGS;
	m.flags_set = r->flags_set & m.flags_mask;
	if (r->len_min > 0)
		m.ip_len_min = clamp_ip_len((uint64_t)r->len_min + HEADERS_MIN);
	if (r->len_max != UINT32_MAX)
		m.ip_len_max = clamp_ip_len((uint64_t)r->len_max + HEADERS_MAX);
	m.sport = r->sport;
	m.dport = r->dport;
	m.port = r->port;
	return m;
}

/* Every segment a admits, b admits too. */
static bool subsumed(const struct kernel_match *a, const struct kernel_match *b)
{
	if (b->family && b->family != a->family)
		return false;
	if (b->dir != RULE_DIR_ANY && b->dir != a->dir)
		return false;
	if ((b->flags_mask & ~a->flags_mask) || (a->flags_set & b->flags_mask) != b->flags_set)
		return false;
	if (b->ip_len_min > a->ip_len_min || a->ip_len_max > b->ip_len_max)
		return false;
	if ((b->sport && b->sport != a->sport) || (b->dport && b->dport != a->dport))
		return false;
	return !b->port || b->port == a->port || b->port == a->sport || b->port == a->dport;
}

size_t rule_kernel_matches(const struct ruleset *rs, struct kernel_match *out)
{
	size_t n = 0;
	bool counted = false;
	for (unsigned i = 0; i < rs->n_rules; i++) {
		if (rule_selects_by_state(&rs->rules[i]) || rule_draws(&rs->rules[i]) ||
		    rs->rules[i].action == RULE_REORDER) {
			/* the matcher follows every segment of every connection for it (a draw
			 * is keyed by the segment's place in its connection: rule_draw.c); a
			 * reorder hold counts every segment of its direction */
			out[0] = (struct kernel_match){.ip_len_max = IP_LEN_MAX};
			return 1;
		}
		out[n++] = match_of_rule(&rs->rules[i]);
		counted |= rs->rules[i].count != RULE_COUNT_ALL;
	}
	if (counted) {
		/* the openings by which the matcher starts a reused 4-tuple's counts over */
		out[n++] = (struct kernel_match){.flags_mask = TCPF_SYN | TCPF_ACK,
		                                 .flags_set = TCPF_SYN,
		                                 .ip_len_max = IP_LEN_MAX};
	}
	/* keep a match unless another admits all it does (of two equal ones, the first stays) */
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		bool redundant = false;
		for (size_t j = 0; j < n && !redundant; j++) {
			if (j == i || !subsumed(&out[i], &out[j]))
				continue;
			redundant = j < i || !subsumed(&out[j], &out[i]);
		}
		if (!redundant)
			out[kept++] = out[i];
	}
	return kept;
}

bool kernel_match_in_family(const struct kernel_match *m, unsigned version)
{
	return !m->family || m->family == version;
}

bool kernel_match_bypass(const struct kernel_match *km, size_t n, unsigned version,
                         struct kernel_match *bypass)
{
	/* A match admits a segment only when the flags it requires set are set: a segment with none
	 * of the union of those flags set is admitted by none, provided each match requires one. */
	uint8_t required = 0;
	size_t in_family = 0;
	for (size_t i = 0; i < n; i++) {
		if (!kernel_match_in_family(&km[i], version))
			continue;
		if (!(km[i].flags_set & km[i].flags_mask))
			return false;
		required |= km[i].flags_set & km[i].flags_mask;
		in_family++;
	}
	if (!in_family)
		return false;
	memset(bypass, 0, sizeof(*bypass));
	bypass->family = (uint8_t)version;
	bypass->dir = RULE_DIR_ANY;
	bypass->flags_mask = required;
	bypass->ip_len_max = IP_LEN_MAX;
	return true;
}

/* The total length bounds the firewall of that version tests. */
static void ip_len_bounds(const struct kernel_match *m, unsigned version, uint16_t *min,
                          uint16_t *max)
{
	*min = m->ip_len_min;
	*max = m->ip_len_max;
	if (version == 6) {
		*min =
		    m->ip_len_min ? clamp_ip_len((uint64_t)m->ip_len_min + IPV6_HEADER_EXTRA) : 0;
		*max = IP_LEN_MAX;
	}
}

bool kernel_match_admits(const struct kernel_match *m, const struct segment *seg,
                         const struct kernel_match_client *client)
{
	unsigned version = seg->ipv6 ? 6 : 4;
	if (!kernel_match_in_family(m, version))
		return false;
	bool src = seg->ipv6 ? !memcmp(seg->saddr6, client->addr6, 16) : seg->saddr == client->addr;
	bool dst = seg->ipv6 ? !memcmp(seg->daddr6, client->addr6, 16) : seg->daddr == client->addr;
	if ((m->dir == RULE_DIR_FROM_CLIENT && !src) || (m->dir == RULE_DIR_FROM_SERVER && !dst))
		return false;
	if ((seg->flags & m->flags_mask) != m->flags_set)
		return false;
	uint16_t min, max;
	ip_len_bounds(m, version, &min, &max);
	if (seg->ip_len < min || seg->ip_len > max)
		return false;
	if ((m->sport && seg->sport != m->sport) || (m->dport && seg->dport != m->dport))
		return false;
	return !m->port || seg->sport == m->port || seg->dport == m->port;
}

/* iptables' names, in its order; an empty list is NONE */
static void flag_names(char *buf, size_t size, uint8_t flags)
{
	static const char *const names[] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG"};
	size_t len = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < 6; i++)
		if (flags & (1u << i))
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "," : "",
			                        names[i]);
	if (!len)
		snprintf(buf, size, "NONE");
}

int kernel_match_format(const struct kernel_match *m, unsigned version,
                        const struct kernel_match_client *client, char *buf, size_t size)
{
	char addr[80] = "", sport[16] = "", dport[16] = "", flags[96] = "", len[48] = "";
	char port[40] = "", text[INET6_ADDRSTRLEN];
	if (m->dir != RULE_DIR_ANY) {
		uint32_t a4 = htonl(client->addr);
		inet_ntop(version == 6 ? AF_INET6 : AF_INET,
		          version == 6 ? (const void *)client->addr6 : (const void *)&a4, text,
		          sizeof(text));
		snprintf(addr, sizeof(addr), "%s %s/%u ",
		         m->dir == RULE_DIR_FROM_CLIENT ? "-s" : "-d", text,
		         version == 6 ? 128 : 32);
	}
	if (m->sport)
		snprintf(sport, sizeof(sport), " --sport %u", m->sport);
	if (m->dport)
		snprintf(dport, sizeof(dport), " --dport %u", m->dport);
	if (m->flags_mask) {
		char mask[40], set[40];
		flag_names(mask, sizeof(mask), m->flags_mask);
		flag_names(set, sizeof(set), m->flags_set);
		snprintf(flags, sizeof(flags), " --tcp-flags %s %s", mask, set);
	}
	uint16_t min, max;
	ip_len_bounds(m, version, &min, &max);
	if (min > 0 || max < IP_LEN_MAX)
		snprintf(len, sizeof(len), " -m length --length %u:%u", min, max);
	/* after the tcp match's options: -m multiport would take --sport as its own */
	if (m->port)
		snprintf(port, sizeof(port), " -m multiport --ports %u", m->port);
	return snprintf(buf, size, "%s-p tcp%s%s%s%s%s", addr, sport, dport, flags, len, port);
}
