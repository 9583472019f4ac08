/* rule_rate.h: the bottleneck of a rate rule (rules/README.md, "Rate"), one per rule and
 * direction: a link of R bit/s that sends one packet at a time, whole packets (a token bucket
 * one packet deep, as netem's rate), behind a drop-tail queue of N packets or of a time. Pure:
 * the matcher passes the time in, and turns the answer into a delay or a drop.
 */
#ifndef SYNFIN_RULE_RATE_H
#define SYNFIN_RULE_RATE_H

#include <stdint.h>

#include "rule.h"

struct rate_link {
	uint64_t busy_until_us; /* when the last packet let in is sent whole */
	/* when each packet still in the link (waiting, or being sent) leaves, oldest first: a ring
	 * as long as the queue, for a queue counted in packets */
	uint64_t *leaves_us;
	uint32_t head, n, cap;
};

void rate_link_free(struct rate_link *l);

/* A packet of ip_len bytes (its IP total length) comes to r's link at now_us: 0 with *wait_us
 * set to when it leaves, counted from now (its wait behind the others, then its own
 * serialisation, rounded up to the microsecond), or -ENOBUFS when the queue is full (it is
 * dropped, and takes no room), or -ENOMEM. */
int rate_link_admit(struct rate_link *l, const struct rule *r, uint32_t ip_len, uint64_t now_us,
                    uint32_t *wait_us);

#endif
