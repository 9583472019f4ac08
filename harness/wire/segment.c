/* segment.c: bounds-checked IPv4 + TCP header parsing for the harness (RFC 791, RFC 9293 3.1). */
#include "segment.h"

#include <errno.h>
#include <string.h>

#include "common/wire_bytes.h"

const struct segment_flag_letter segment_flag_letters[8] = {
    {TCPF_FIN, 'F'}, {TCPF_SYN, 'S'}, {TCPF_RST, 'R'}, {TCPF_PSH, 'P'},
    {TCPF_ACK, '.'}, {TCPF_URG, 'U'}, {TCPF_ECE, 'E'}, {TCPF_CWR, 'W'},
};

int segment_flag_bit(char letter)
{
	for (size_t i = 0; i < sizeof(segment_flag_letters) / sizeof(segment_flag_letters[0]); i++)
		if (segment_flag_letters[i].letter == letter)
			return segment_flag_letters[i].bit;
	return -1;
}

int segment_parse(struct segment *seg, const uint8_t *pkt, size_t len)
{
	memset(seg, 0, sizeof(*seg));
	if (len < 20 || pkt[0] >> 4 != 4)
		return -EINVAL;
	size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
	size_t total = wire_get16(pkt + 2);
	if (ihl < 20 || total < ihl || total > len)
		return -EINVAL;
	seg->ip_len = (uint16_t)total;
	seg->ip_id = wire_get16(pkt + 4);
	seg->ttl = pkt[8];
	seg->ip_proto = pkt[9];
	seg->saddr = wire_get32(pkt + 12);
	seg->daddr = wire_get32(pkt + 16);
	if (seg->ip_proto != 6)
		return -EPROTONOSUPPORT;
	/* A fragment other than the first carries no TCP header; the harness does not reassemble.
	 */
	if (wire_get16(pkt + 6) & 0x1fff)
		return -EINVAL;

	const uint8_t *tcp = pkt + ihl;
	size_t tcp_len = total - ihl;
	if (tcp_len < 20)
		return -EINVAL;
	size_t doff = (size_t)(tcp[12] >> 4) * 4;
	if (doff < 20 || doff > tcp_len)
		return -EINVAL;
	seg->sport = wire_get16(tcp);
	seg->dport = wire_get16(tcp + 2);
	seg->seq = wire_get32(tcp + 4);
	seg->ack = wire_get32(tcp + 8);
	seg->flags = tcp[13];
	seg->win = wire_get16(tcp + 14);
	seg->urg = wire_get16(tcp + 18);
	seg->options = tcp + 20;
	seg->options_len = (uint8_t)(doff - 20);
	seg->payload = tcp + doff;
	seg->payload_len = (uint16_t)(tcp_len - doff);
	return 0;
}

enum segment_class segment_classify(struct segment *seg, uint16_t ethertype, const uint8_t *pkt,
                                    size_t len)
{
	enum { ETHERTYPE_IPV4 = 0x0800 };
	memset(seg, 0, sizeof(*seg));
	if (ethertype != 0 && ethertype != ETHERTYPE_IPV4)
		return SEGMENT_NOT_IPV4;
	if (len > 0 && pkt[0] >> 4 == 6 && ethertype != ETHERTYPE_IPV4)
		return SEGMENT_NOT_IPV4;
	if (len > 0 && pkt[0] >> 4 != 4)
		return SEGMENT_BAD_VERSION;
	switch (segment_parse(seg, pkt, len)) {
	case 0:
		return SEGMENT_TCP;
	case -EPROTONOSUPPORT:
		return SEGMENT_NOT_TCP;
	default:
		return SEGMENT_MALFORMED;
	}
}
