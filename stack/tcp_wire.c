/* tcp_wire.c: TCP header and options, parse and emit (RFC 9293 3.1, 3.2). */
#include "tcp_wire.h"

#include <errno.h>

#include "checksum.h"
#include "ipv4_wire.h"

enum {
	TCPOPT_EOL = 0,
	TCPOPT_NOP = 1,
	TCPOPT_MSS = 2,
	TCPOPT_WSCALE = 3,
	TCPOPT_SACK_PERM = 4,
	TCPOPT_SACK = 5,
	TCPOPT_TS = 8,
};

enum {
	TCPOLEN_WSCALE = 3,
	TCPOLEN_SACK_PERM = 2,
	TCPOLEN_TS = 10,
	TCPOLEN_SACK_BASE = 2,
	TCPOLEN_SACK_PERBLOCK = 8,
};

/* One option of a known kind other than MSS, its length already checked against the header. */
static void tcp_parse_option(struct tcp_hdr *th, uint8_t kind, const uint8_t *o, uint8_t olen)
{
	switch (kind) {
	case TCPOPT_WSCALE:
		if (olen != TCPOLEN_WSCALE)
			return;
		th->opts |= TCP_OPTF_WSCALE;
		th->wscale = o[2] > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : o[2];
		return;
	case TCPOPT_SACK_PERM:
		if (olen == TCPOLEN_SACK_PERM)
			th->opts |= TCP_OPTF_SACK_PERM;
		return;
	case TCPOPT_TS:
		if (olen != TCPOLEN_TS)
			return;
		th->opts |= TCP_OPTF_TS;
		th->tsval = wire_get32(o + 2);
		th->tsecr = wire_get32(o + 6);
		return;
	case TCPOPT_SACK:
		if (olen < TCPOLEN_SACK_BASE + TCPOLEN_SACK_PERBLOCK ||
		    (olen - TCPOLEN_SACK_BASE) % TCPOLEN_SACK_PERBLOCK)
			return;
		th->n_sack = 0;
		for (uint8_t i = TCPOLEN_SACK_BASE; i < olen && th->n_sack < TCP_MAX_SACK;
		     i += TCPOLEN_SACK_PERBLOCK) {
			th->sack[th->n_sack].start = wire_get32(o + i);
			th->sack[th->n_sack].end = wire_get32(o + i + 4);
			th->n_sack++;
		}
		return;
	default:
		return;
	}
}

/* RFC 9293 3.2: options end at the data offset; every option but EOL and NOP has a length byte
 * that counts kind and length (so at least 2) and must stay inside the header. */
static int tcp_parse_options(struct tcp_hdr *th, const uint8_t *opt, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t kind = opt[i];

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -EINVAL;
		uint8_t olen = opt[i + 1];
		if (olen < 2 || i + olen > len)
			return -EINVAL;
		if (kind == TCPOPT_MSS) {
			/* MUST-64 of RFC 9293 3.2 asks to handle an illegal length without
			 * crashing; we drop the segment. */
			if (olen != TCP_OPT_MSS_LEN)
				return -EINVAL;
			th->mss = wire_get16(opt + i + 2);
		} else {
			tcp_parse_option(th, kind, opt + i, olen);
		}
		i += olen;
	}
	return 0;
}

int tcp_parse(struct tcp_hdr *th, const uint8_t *seg, size_t len, const struct stack_addr *saddr,
              const struct stack_addr *daddr, enum stack_drop_reason *why)
{
	if (len < TCP_HDR_LEN) {
		*why = STACK_DROP_TCP_TRUNCATED;
		return -EINVAL;
	}
	th->sport = wire_get16(seg);
	th->dport = wire_get16(seg + 2);
	th->seq = wire_get32(seg + 4);
	th->ack = wire_get32(seg + 8);
	th->doff = (uint8_t)((seg[12] >> 4) * 4);
	th->flags = seg[13] & 0x3f; /* ECE/CWR: no ECN here (RFC 3168 not negotiated) */
	th->wnd = wire_get16(seg + 14);
	th->urg = wire_get16(seg + 18);
	th->mss = 0;
	th->opts = 0;
	th->n_sack = 0;
	if (th->doff < TCP_HDR_LEN || th->doff > len) {
		*why = STACK_DROP_TCP_BAD_OFFSET;
		return -EINVAL;
	}
	if (len > UINT16_MAX ||
	    csum_fold(csum_add(csum_pseudo_addr(saddr, daddr, IPPROTO_NUM_TCP, (uint32_t)len), seg,
	                       len)) != 0) {
		*why = STACK_DROP_TCP_BAD_CHECKSUM;
		return -EINVAL;
	}
	if (tcp_parse_options(th, seg + TCP_HDR_LEN, th->doff - TCP_HDR_LEN)) {
		*why = STACK_DROP_TCP_BAD_OPTIONS;
		return -EINVAL;
	}
	th->payload = seg + th->doff;
	th->payload_len = len - th->doff;
	return 0;
}

size_t tcp_hdr_len(const struct tcp_hdr *th)
{
	size_t n = TCP_HDR_LEN + (th->mss ? TCP_OPT_MSS_LEN : 0);

	if (th->opts & TCP_OPTF_TS)
		n += 12;
	else if (th->opts & TCP_OPTF_SACK_PERM)
		n += 4;
	if (th->opts & TCP_OPTF_WSCALE)
		n += 4;
	if (th->n_sack)
		n += 4 + (size_t)TCPOLEN_SACK_PERBLOCK * th->n_sack;
	return n;
}

/* The options after the MSS, in Linux's order and padding; returns the end. */
static uint8_t *tcp_emit_options(uint8_t *p, const struct tcp_hdr *th)
{
	if (th->opts & TCP_OPTF_TS) {
		if (th->opts & TCP_OPTF_SACK_PERM) {
			*p++ = TCPOPT_SACK_PERM;
			*p++ = TCPOLEN_SACK_PERM;
		} else {
			*p++ = TCPOPT_NOP;
			*p++ = TCPOPT_NOP;
		}
		*p++ = TCPOPT_TS;
		*p++ = TCPOLEN_TS;
		wire_put32(p, th->tsval);
		wire_put32(p + 4, th->tsecr);
		p += 8;
	} else if (th->opts & TCP_OPTF_SACK_PERM) {
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_SACK_PERM;
		*p++ = TCPOLEN_SACK_PERM;
	}
	if (th->opts & TCP_OPTF_WSCALE) {
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_WSCALE;
		*p++ = TCPOLEN_WSCALE;
		*p++ = th->wscale;
	}
	if (th->n_sack) {
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_SACK;
		*p++ = (uint8_t)(TCPOLEN_SACK_BASE + TCPOLEN_SACK_PERBLOCK * th->n_sack);
		for (unsigned i = 0; i < th->n_sack; i++) {
			wire_put32(p, th->sack[i].start);
			wire_put32(p + 4, th->sack[i].end);
			p += 8;
		}
	}
	return p;
}

size_t tcp_emit(uint8_t *buf, const struct tcp_hdr *th, const struct stack_addr *saddr,
                const struct stack_addr *daddr)
{
	size_t hl = tcp_hdr_len(th);
	size_t len = hl + th->payload_len;
	uint8_t *p = buf + TCP_HDR_LEN;

	wire_put16(buf, th->sport);
	wire_put16(buf + 2, th->dport);
	wire_put32(buf + 4, th->seq);
	wire_put32(buf + 8, th->ack);
	buf[12] = (uint8_t)((hl / 4) << 4);
	buf[13] = th->flags;
	wire_put16(buf + 14, th->wnd);
	wire_put16(buf + 16, 0);
	wire_put16(buf + 18, th->urg);
	if (th->mss) {
		*p++ = TCPOPT_MSS;
		*p++ = TCP_OPT_MSS_LEN;
		wire_put16(p, th->mss);
		p += 2;
	}
	tcp_emit_options(p, th);
	uint32_t sum = csum_pseudo_addr(saddr, daddr, IPPROTO_NUM_TCP, (uint32_t)len);
	wire_put16(buf + 16, csum_fold(csum_add(sum, buf, len)));
	return len;
}
