/* rule_kernel_match.h: which segments a ruleset can touch, as matches the kernel's firewall can
 * apply before a segment is queued (synfin-faultd --queue-only-matching).
 *
 * A segment reaches the daemon when at least one match admits it. The matches are a superset of
 * what the rules need to see to decide and count exactly as if every segment were queued:
 *   - every segment some rule's matches hold for (whatever its action, count or chance: rules
 *     count segments an earlier rule decided, draw only for segments they match, and each
 *     rule's hits must stay true);
 *   - with any count (first, nth, after) loaded, every connection opening (SYN without ACK), by
 *     which the matcher tells a new connection on a reused 4-tuple and starts its counts over.
 *   - with any selection by connection state (attempt, original, retransmission, conn, the
 *     phases, between, @labels with after/until), every segment: the matcher follows each
 *     connection's whole conversation for it.
 * A segment no match admits would have passed untouched: no rule matches it, so no count moves,
 * no random number is drawn and no counter changes.
 *
 * The kernel sees only part of what a rule tests, so a match may admit more than the rule:
 *   - flags: iptables' tcp match names FIN SYN RST PSH ACK URG only, so ECE and CWR go
 *     untested;
 *   - payload length: iptables' length match tests the IPv4 total length, and the headers take
 *     40 to 120 bytes of it, so "len N-M" becomes total length N+40 .. M+120; ip6tables' tests
 *     the IPv6 header and payload, where the headers take 60 bytes or more (extension
 *     headers have no bound), so "len N-M" becomes N+60 .. any.
 * IPv4 and IPv6 each have their firewall (iptables, ip6tables): a rule of one family ("ip4",
 * "ip6") has no match in the other's.
 * Pure: no I/O. */
#ifndef SYNFIN_RULE_KERNEL_MATCH_H
#define SYNFIN_RULE_KERNEL_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "rule.h"

/* The TCP flags iptables' --tcp-flags can test. */
#define KERNEL_MATCH_FLAGS 0x3fu

struct kernel_match {
	uint8_t family;      /* 4 or 6: the rule's family, for that firewall only; 0: both */
	enum rule_dir dir;   /* FROM_CLIENT: source is the client; FROM_SERVER: destination is */
	uint8_t flags_mask;  /* flags tested (within KERNEL_MATCH_FLAGS); 0: none */
	uint8_t flags_set;   /* of those, the ones that must be set */
	uint16_t ip_len_min; /* IPv4 total length, inclusive; 0 .. 65535 tests nothing */
	uint16_t ip_len_max;
	uint16_t sport, dport, port; /* 0: any; port: either end */
};

/* The kernel's matches for rs, subsumed ones left out, into out (room for rs->n_rules + 1).
 * Returns how many: 0 when nothing needs queueing (no rules); one match that admits every
 * segment when some rule matches everything. */
size_t rule_kernel_matches(const struct ruleset *rs, struct kernel_match *out);

/* A match, tested before the n matches km of the firewall of IP version 4 or 6, admitting only
 * segments that none of them admits, so that the firewall lets most segments (data, pure ACKs)
 * pass after one test instead of one per match: the segments with none set of the flags the
 * matches require set (-p tcp --tcp-flags FIN,SYN,RST NONE for rules on SYN, FIN and RST).
 * False when some match of that family requires no flag set, or there is none. */
bool kernel_match_bypass(const struct kernel_match *km, size_t n, unsigned version,
                         struct kernel_match *bypass);

/* The client's addresses, by which a match tells the direction. */
struct kernel_match_client {
	uint32_t addr;     /* IPv4, host byte order */
	uint8_t addr6[16]; /* IPv6, network byte order */
};

/* Whether m admits seg, as the firewall of seg's family would decide it. */
bool kernel_match_admits(const struct kernel_match *m, const struct segment *seg,
                         const struct kernel_match_client *client);

/* Whether m has a place in the firewall of IP version 4 or 6. */
bool kernel_match_in_family(const struct kernel_match *m, unsigned version);

/* The match as iptables (version 4) or ip6tables (6) arguments, from "-p tcp" on, without the
 * target:
 *   -s 192.168.1.108/32 -p tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG SYN
 *   -p tcp --sport 80 -m length --length 41:65535 -m multiport --ports 5001
 *   -s fd00::108/128 -p tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG SYN
 * Returns the length written (snprintf semantics). */
int kernel_match_format(const struct kernel_match *m, unsigned version,
                        const struct kernel_match_client *client, char *buf, size_t size);

#endif
