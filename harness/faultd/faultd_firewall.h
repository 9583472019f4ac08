/* faultd_firewall.h: --queue-only-matching. The topology queues every TCP segment the wire
 * forwards (synfin-netns: iptables -A FORWARD -p tcp -j NFQUEUE --queue-num N); this puts a
 * jump to a chain of the daemon's own ahead of that rule. The chain queues the segments the
 * rules can touch (rules/rule_kernel_match.h) and accepts the rest, which crosses the wire
 * unjudged and untraced. The topology's rule itself is never changed: removing the jump and
 * the chain restores it exactly, and a daemon killed before it could do so leaves a jump the
 * next --queue-only-matching daemon on that queue removes.
 *
 * IPv6 the same way, in ip6tables, where the topology queues IPv6 (synfin-netns puts that
 * rule in wherever ip6tables can).
 *
 * Changes go through iptables-restore --noflush, one atomic commit each, so a reload never
 * lets a segment through unqueued while the chain is refilled. */
#ifndef SYNFIN_FAULTD_FIREWALL_H
#define SYNFIN_FAULTD_FIREWALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/rule.h"
#include "rules/rule_kernel_match.h"

struct faultd_firewall {
	uint16_t queue;
	struct kernel_match_client client;
	char chain[24]; /* SYNFIN-Q<queue>, in iptables and, with ipv6, in ip6tables */
	bool installed;
	bool ipv6;        /* the topology queues IPv6 too (ip6tables), so it is narrowed too */
	size_t n_matches; /* in the chains now */
	char *matches;    /* their iptables text, one per line, IPv6's marked (malloc'd) */
	char *script6;    /* the IPv6 chain's last script, put back if IPv4's fails after it */
};

/* Check the topology's rule for queue, then install rs's chains and the jumps to them. 0, or a
 * negative errno with the reason printed on standard error (nothing is left installed). */
int faultd_firewall_install(struct faultd_firewall *fw, uint16_t queue,
                            const struct kernel_match_client *client, const struct ruleset *rs);
/* Replace the chain's matches by rs's (SIGHUP). On failure the old ones stay. */
int faultd_firewall_update(struct faultd_firewall *fw, const struct ruleset *rs);
/* Remove the jump and the chain: the topology queues everything again. */
void faultd_firewall_remove(struct faultd_firewall *fw);

#endif
