/* rule_rate.c: a rate rule's bottleneck (rule_rate.h). */
#include "rule_rate.h"

#include <errno.h>
#include <stdlib.h>

void rate_link_free(struct rate_link *l)
{
	free(l->leaves_us);
	*l = (struct rate_link){0};
}

/* Forget the packets that have left by now. */
static void drain(struct rate_link *l, uint64_t now_us)
{
	while (l->n && l->leaves_us[l->head] <= now_us) {
		l->head = (l->head + 1) % l->cap;
		l->n--;
	}
}

static bool queue_full(const struct rate_link *l, const struct rule *r, uint64_t start_us,
                       uint64_t now_us)
{
	/* a time bound: what is ahead of the packet would take longer than it to send */
	if (r->rate_queue_us)
		return start_us - now_us > r->rate_queue_us;
	return l->n >= r->rate_queue;
}

int rate_link_admit(struct rate_link *l, const struct rule *r, uint32_t ip_len, uint64_t now_us,
                    uint32_t *wait_us)
{
	if (!r->rate_queue_us && !l->leaves_us) {
		l->leaves_us = calloc(r->rate_queue, sizeof(*l->leaves_us));
		if (!l->leaves_us)
			return -ENOMEM;
		l->cap = r->rate_queue;
	}
	if (l->leaves_us)
		drain(l, now_us);
	uint64_t start = l->busy_until_us > now_us ? l->busy_until_us : now_us;
	if (queue_full(l, r, start, now_us))
		return -ENOBUFS;
	uint64_t bits_us = (uint64_t)ip_len * 8u * 1000000u;
	uint64_t leaves = start + (bits_us + r->rate_bps - 1) / r->rate_bps;
	l->busy_until_us = leaves;
	if (l->leaves_us) {
		l->leaves_us[(l->head + l->n) % l->cap] = leaves;
		l->n++;
	}
	uint64_t wait = leaves - now_us;
	*wait_us = wait > UINT32_MAX ? UINT32_MAX : (uint32_t)wait;
	return 0;
}
