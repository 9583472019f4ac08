/* segment_rewrite.c: in-place rewrites of IPv4/TCP and IPv6/TCP packets with RFC 1624 checksum
 * updates. */
#include "segment_rewrite.h"

#include <errno.h>
#include <string.h>

#include "common/wire_bytes.h"
#include "segment.h"

/* Offset of the TCP checksum in the TCP header (RFC 9293 3.1). */
#define TCP_CSUM_AT 16
#define TCP_WIN_AT 14
#define TCP_OPTIONS_AT 20

uint16_t csum_update16(uint16_t hc, uint16_t m, uint16_t m2)
{
	uint32_t sum = (uint32_t)(uint16_t)~hc + (uint16_t)~m + m2;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Where the TCP header starts and how long it is, checked as segment_parse checks them. */
struct tcp_view {
	uint8_t *tcp;
	size_t hdr_len; /* data offset, in bytes */
	size_t tcp_len; /* header and payload */
};

static int tcp_view(uint8_t *pkt, size_t len, struct tcp_view *v)
{
	struct segment seg;
	if (segment_parse(&seg, pkt, len) != 0)
		return -EINVAL;
	/* the header starts 20 bytes before its options; in IPv6 after the extension headers,
	 * whose 8-byte units keep it at an even offset, as the sums below need */
	v->tcp = pkt + (seg.options - pkt) - TCP_OPTIONS_AT;
	v->hdr_len = TCP_OPTIONS_AT + (size_t)seg.options_len;
	v->tcp_len = v->hdr_len + seg.payload_len;
	return 0;
}

/* Write the 16-bit word at even offset at (from the TCP header's start) and update the
 * checksum for it. The TCP header starts at an even offset of the summed data (the pseudo
 * header is 12 bytes), so its even offsets are the sum's word boundaries. */
static void put_word(const struct tcp_view *v, size_t at, uint16_t word)
{
	uint16_t old = wire_get16(v->tcp + at);
	wire_put16(v->tcp + at, word);
	uint16_t csum = wire_get16(v->tcp + TCP_CSUM_AT);
	wire_put16(v->tcp + TCP_CSUM_AT, csum_update16(csum, old, word));
}

/* Set the byte at offset at, through the word that holds it. */
static void put_byte(const struct tcp_view *v, size_t at, uint8_t byte)
{
	size_t even = at & ~(size_t)1;
	uint8_t w[2] = {v->tcp[even], even + 1 < v->tcp_len ? v->tcp[even + 1] : 0};
	w[at - even] = byte;
	if (even + 1 < v->tcp_len) {
		put_word(v, even, wire_get16(w));
		return;
	}
	/* a last odd byte is summed as if padded with a zero byte (RFC 9293 3.1) */
	uint16_t old = (uint16_t)(v->tcp[even] << 8);
	v->tcp[even] = byte;
	uint16_t csum = wire_get16(v->tcp + TCP_CSUM_AT);
	wire_put16(v->tcp + TCP_CSUM_AT, csum_update16(csum, old, (uint16_t)(byte << 8)));
}

int segment_set_window(uint8_t *pkt, size_t len, uint16_t win)
{
	struct tcp_view v;
	int rc = tcp_view(pkt, len, &v);
	if (rc)
		return rc;
	put_word(&v, TCP_WIN_AT, win);
	return 0;
}

/* Call fn for each option of the header: its offset from the TCP header's start and its
 * length. The walk stops at End of Option List and at an option whose length does not fit. */
typedef void (*option_fn)(const struct tcp_view *v, size_t at, size_t opt_len, void *arg);

static void walk_options(const struct tcp_view *v, option_fn fn, void *arg)
{
	size_t at = TCP_OPTIONS_AT;
	while (at < v->hdr_len) {
		uint8_t kind = v->tcp[at];
		if (kind == TCPOPT_EOL)
			return;
		if (kind == TCPOPT_NOP) {
			at++;
			continue;
		}
		if (at + 1 >= v->hdr_len)
			return;
		size_t opt_len = v->tcp[at + 1];
		if (opt_len < 2 || at + opt_len > v->hdr_len)
			return;
		fn(v, at, opt_len, arg);
		at += opt_len;
	}
}

struct mss_arg {
	uint16_t mss;
	int found;
};

static void set_mss_option(const struct tcp_view *v, size_t at, size_t opt_len, void *arg)
{
	struct mss_arg *a = arg;
	if (v->tcp[at] != TCPOPT_MSS || opt_len != 4)
		return;
	/* options may stand at odd offsets after a NOP: the value goes a byte at a time */
	put_byte(v, at + 2, (uint8_t)(a->mss >> 8));
	put_byte(v, at + 3, (uint8_t)a->mss);
	a->found++;
}

int segment_set_mss(uint8_t *pkt, size_t len, uint16_t mss)
{
	struct tcp_view v;
	int rc = tcp_view(pkt, len, &v);
	if (rc)
		return rc;
	struct mss_arg a = {mss, 0};
	walk_options(&v, set_mss_option, &a);
	return a.found ? 0 : -ENOENT;
}

struct strip_arg {
	uint8_t kind_a, kind_b;
	int stripped;
};

static void strip_option(const struct tcp_view *v, size_t at, size_t opt_len, void *arg)
{
	struct strip_arg *a = arg;
	if (v->tcp[at] != a->kind_a && v->tcp[at] != a->kind_b)
		return;
	for (size_t k = 0; k < opt_len; k++)
		put_byte(v, at + k, TCPOPT_NOP);
	a->stripped++;
}

int segment_strip_options(uint8_t *pkt, size_t len, uint8_t kind_a, uint8_t kind_b)
{
	struct tcp_view v;
	int rc = tcp_view(pkt, len, &v);
	if (rc)
		return rc;
	struct strip_arg a = {kind_a, kind_b, 0};
	walk_options(&v, strip_option, &a);
	return a.stripped;
}

int segment_corrupt(uint8_t *pkt, size_t len, enum segment_region region, bool fix_checksum,
                    uint64_t draw, size_t *offset)
{
	struct tcp_view v;
	int rc = tcp_view(pkt, len, &v);
	if (rc)
		return rc;
	size_t at;
	if (region == SEGMENT_REGION_PAYLOAD) {
		size_t payload_len = v.tcp_len - v.hdr_len;
		if (payload_len == 0)
			return -ENODATA;
		at = v.hdr_len + (size_t)(draw % payload_len);
	} else {
		/* any header byte but the checksum's two: damage there is no damage to fix */
		at = (size_t)(draw % (v.hdr_len - 2));
		if (at >= TCP_CSUM_AT)
			at += 2;
	}
	uint8_t flipped = (uint8_t)(v.tcp[at] ^ (1u << ((draw >> 32) % 8)));
	if (fix_checksum)
		put_byte(&v, at, flipped);
	else
		v.tcp[at] = flipped;
	*offset = (size_t)(v.tcp - pkt) + at;
	return 0;
}
