/* rule_rewrite.c: what a rewriting verdict does to its packet, in synfin-faultd and in the
 * stack's simulated wire alike (wire/segment_rewrite.c does the byte work). */
#include "rule.h"

#include <errno.h>

#include "wire/segment_rewrite.h"

static int strip(enum rule_strip_option which, uint8_t *pkt, size_t len)
{
	switch (which) {
	case RULE_STRIP_SACK:
		return segment_strip_options(pkt, len, TCPOPT_SACK_PERMITTED, TCPOPT_SACK);
	case RULE_STRIP_TS:
		return segment_strip_options(pkt, len, TCPOPT_TIMESTAMP, TCPOPT_TIMESTAMP);
	case RULE_STRIP_WSCALE:
		return segment_strip_options(pkt, len, TCPOPT_WSCALE, TCPOPT_WSCALE);
	case RULE_STRIP_MSS:
		return segment_strip_options(pkt, len, TCPOPT_MSS, TCPOPT_MSS);
	}
	return 0;
}

static int corrupt(const struct rule *r, uint64_t draw, uint8_t *pkt, size_t len)
{
	size_t at;
	enum segment_region region =
	    r->corrupt == RULE_CORRUPT_HEADER ? SEGMENT_REGION_HEADER : SEGMENT_REGION_PAYLOAD;
	int rc = segment_corrupt(pkt, len, region, r->corrupt_fixed, draw, &at);
	if (rc == -ENODATA && r->corrupt == RULE_CORRUPT_ANY)
		rc = segment_corrupt(pkt, len, SEGMENT_REGION_HEADER, r->corrupt_fixed, draw, &at);
	if (rc == -ENODATA)
		return 0; /* "corrupt payload" matches only segments with one: not reached */
	return rc < 0 ? rc : 1;
}

int verdict_rewrite(const struct verdict *v, uint8_t *pkt, size_t len)
{
	const struct rule *r = v->rule;
	if (!r)
		return 0;
	int rc;
	switch (v->action) {
	case RULE_SET:
		if (r->set_field == RULE_SET_WIN)
			rc = segment_set_window(pkt, len, r->set_value);
		else
			rc = segment_set_mss(pkt, len, r->set_value);
		if (rc == -ENOENT)
			return 0;
		return rc < 0 ? rc : 1;
	case RULE_STRIP:
		rc = strip(r->strip, pkt, len);
		return rc < 0 ? rc : rc > 0;
	case RULE_CORRUPT:
		return corrupt(r, v->draw, pkt, len);
	default:
		return 0;
	}
}
