/* tcp_wire.c: TCP header and options, parse and emit (RFC 9293 3.1, 3.2). */
#include "tcp_wire.h"

#include <errno.h>

#include "checksum.h"
#include "ipv4_wire.h"

enum {
	TCPOPT_EOL = 0,
	TCPOPT_NOP = 1,
	TCPOPT_MSS = 2,
};

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
		}
		i += olen;
	}
	return 0;
}

int tcp_parse(struct tcp_hdr *th, const uint8_t *seg, size_t len, uint32_t saddr, uint32_t daddr,
              enum stack_drop_reason *why)
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
	if (th->doff < TCP_HDR_LEN || th->doff > len) {
		*why = STACK_DROP_TCP_BAD_OFFSET;
		return -EINVAL;
	}
	if (len > UINT16_MAX ||
	    csum_fold(csum_add(csum_pseudo(saddr, daddr, IPPROTO_NUM_TCP, (uint16_t)len), seg,
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
	return TCP_HDR_LEN + (th->mss ? TCP_OPT_MSS_LEN : 0);
}

size_t tcp_emit(uint8_t *buf, const struct tcp_hdr *th, uint32_t saddr, uint32_t daddr)
{
	size_t hl = tcp_hdr_len(th);
	size_t len = hl + th->payload_len;

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
		buf[20] = TCPOPT_MSS;
		buf[21] = TCP_OPT_MSS_LEN;
		wire_put16(buf + 22, th->mss);
	}
	uint32_t sum = csum_pseudo(saddr, daddr, IPPROTO_NUM_TCP, (uint16_t)len);
	wire_put16(buf + 16, csum_fold(csum_add(sum, buf, len)));
	return len;
}
