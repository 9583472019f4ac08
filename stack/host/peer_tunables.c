/* peer_tunables.c: --set NAME=VALUE onto struct stack_tunables. */
#include "peer_tunables.h"

#include "common/byte_count.h"
#include "common/duration.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tunable_kind { TK_UINT, TK_U8, TK_U16, TK_U32, TK_US, TK_BOOL, TK_CC };

static const struct tunable {
	const char *name;
	enum tunable_kind kind;
	size_t off;
} tunables[] = {
#define T(name, kind)                                                                              \
	{                                                                                          \
#name, kind, offsetof(struct stack_tunables, name)                                 \
	}
    T(syn_retries, TK_UINT),
    T(synack_retries, TK_UINT),
    T(syn_linear_timeouts, TK_UINT),
    T(retries2, TK_UINT),
    T(rto_initial, TK_US),
    T(rto_min, TK_US),
    T(rto_max, TK_US),
    T(delack_min, TK_US),
    T(delack_max, TK_US),
    T(quickack, TK_UINT),
    T(stretch_ack_segs, TK_UINT),
    T(comp_sack_nr, TK_UINT),
    T(comp_sack_delay, TK_US),
    T(time_wait, TK_US),
    T(fin_timeout, TK_US),
    T(nodelay, TK_BOOL),
    T(mss, TK_U16),
    T(rcvbuf, TK_U32),
    T(sndbuf, TK_U32),
    T(rcvbuf_max, TK_U32),
    T(sndbuf_max, TK_U32),
    T(window_scaling, TK_BOOL),
    T(timestamps, TK_BOOL),
    T(sack, TK_BOOL),
    T(dsack, TK_BOOL),
    T(recovery, TK_UINT),
    T(early_retrans, TK_UINT),
    T(congestion_control, TK_CC),
    T(initcwnd, TK_UINT),
    T(hystart, TK_BOOL),
    T(keepalive, TK_BOOL),
    T(keepalive_time, TK_US),
    T(keepalive_intvl, TK_US),
    T(keepalive_probes, TK_UINT),
    T(challenge_ack_limit, TK_U32),
    T(ttl, TK_U8),
#undef T
};

/* A stack duration (--set, --linger): the one duration grammar, up to what 64 bits hold. */
int peer_parse_duration(const char *text, uint64_t *us)
{
	return duration_parse_us(text, strlen(text), UINT64_MAX, us);
}

int peer_set_tunable(struct stack_tunables *t, const char *assign, char *why, size_t why_size)
{
	const char *eq = strchr(assign, '=');
	if (eq == NULL) {
		snprintf(why, why_size, "--set %s: expected NAME=VALUE", assign);
		return -EINVAL;
	}
	size_t nlen = (size_t)(eq - assign);
	const char *val = eq + 1;
	for (size_t i = 0; i < sizeof(tunables) / sizeof(tunables[0]); i++) {
		const struct tunable *tn = &tunables[i];
		if (strlen(tn->name) != nlen || strncmp(tn->name, assign, nlen) != 0)
			continue;
		char *p = (char *)t + tn->off;
		if (tn->kind == TK_US) {
			uint64_t us;
			if (peer_parse_duration(val, &us) != 0) {
				snprintf(why, why_size,
				         "--set %s: '%s' is not a duration (e.g. 200ms, 1s, 500us)",
				         tn->name, val);
				return -EINVAL;
			}
			memcpy(p, &us, sizeof(us));
			return 0;
		}
		if (tn->kind == TK_CC) {
			enum tcp_cc cc;
			if (tcp_cc_parse(val, &cc) != 0) {
				snprintf(why, why_size, "--set %s: '%s' is not reno or cubic",
				         tn->name, val);
				return -EINVAL;
			}
			memcpy(p, &cc, sizeof(cc));
			return 0;
		}
		if (tn->kind == TK_BOOL) {
			bool b;
			if (!strcmp(val, "1") || !strcmp(val, "true") || !strcmp(val, "on"))
				b = true;
			else if (!strcmp(val, "0") || !strcmp(val, "false") || !strcmp(val, "off"))
				b = false;
			else {
				snprintf(why, why_size, "--set %s: '%s' is not 0/1/true/false",
				         tn->name, val);
				return -EINVAL;
			}
			memcpy(p, &b, sizeof(b));
			return 0;
		}
		uint64_t v;
		uint64_t max = tn->kind == TK_U8    ? UINT8_MAX
		               : tn->kind == TK_U16 ? UINT16_MAX
		               : tn->kind == TK_U32 ? UINT32_MAX
		                                    : UINT_MAX;
		if (count_parse(val, strlen(val), &v) != 0 || v > max) {
			snprintf(why, why_size, "--set %s: '%s' is not a number in 0..%" PRIu64,
			         tn->name, val, max);
			return -EINVAL;
		}
		if (tn->kind == TK_U8) {
			uint8_t x = (uint8_t)v;
			memcpy(p, &x, sizeof(x));
		} else if (tn->kind == TK_U16) {
			uint16_t x = (uint16_t)v;
			memcpy(p, &x, sizeof(x));
		} else if (tn->kind == TK_U32) {
			uint32_t x = (uint32_t)v;
			memcpy(p, &x, sizeof(x));
		} else {
			unsigned x = (unsigned)v;
			memcpy(p, &x, sizeof(x));
		}
		return 0;
	}
	snprintf(why, why_size, "--set: unknown tunable '%.*s' (see --help)", (int)nlen, assign);
	return -EINVAL;
}

void peer_tunables_help(char *buf, size_t size)
{
	size_t n = 0;
	n += (size_t)snprintf(buf + n, size - n, "                        ");
	unsigned col = 24;
	for (size_t i = 0; i < sizeof(tunables) / sizeof(tunables[0]) && n < size; i++) {
		size_t w = strlen(tunables[i].name) + 1;
		if (col + w > 92) {
			n += (size_t)snprintf(buf + n, size - n, "\n                        ");
			col = 24;
		}
		n += (size_t)snprintf(buf + n, size - n, "%s%s", col > 24 ? " " : "",
		                      tunables[i].name);
		col += (unsigned)w;
	}
	if (n < size)
		snprintf(buf + n, size - n, "\n");
}
