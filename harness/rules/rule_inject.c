/* rule_inject.c: the segments a reset rule forges (rules/README.md, "Injection"). */
#include "rule.h"

#include <string.h>

static void reset_toward(const struct verdict *v, const struct segment *seg, bool to_sender,
                         struct rule_reset_segment *out)
{
	const struct rule *r = v->rule;
	uint32_t bump = r->reset_in_window ? 1 : 0;
	out->to_sender = to_sender;
	out->ipv6 = seg->ipv6;
	if (!to_sender) {
		/* as if seg's sender said it: the receiver checks the sequence number */
		out->saddr = seg->saddr;
		out->daddr = seg->daddr;
		memcpy(out->saddr6, seg->saddr6, 16);
		memcpy(out->daddr6, seg->daddr6, 16);
		out->sport = seg->sport;
		out->dport = seg->dport;
		out->seq = v->receiver_next + bump;
		out->ack = seg->ack;
		out->flags = TCPF_RST | (seg->flags & TCPF_ACK);
		return;
	}
	out->saddr = seg->daddr;
	out->daddr = seg->saddr;
	memcpy(out->saddr6, seg->daddr6, 16);
	memcpy(out->daddr6, seg->saddr6, 16);
	out->sport = seg->dport;
	out->dport = seg->sport;
	out->ack = seg->seq + segment_seq_len(seg);
	out->flags = TCPF_RST | TCPF_ACK;
	/* seg's acknowledgment is what its sender expects next; a SYN without one is answered
	 * as a closed port answers it, which SYN-SENT takes when it acknowledges the SYN */
	out->seq = seg->flags & TCPF_ACK ? seg->ack + bump : 0;
}

unsigned verdict_resets(const struct verdict *v, const struct segment *seg,
                        struct rule_reset_segment out[2])
{
	if (v->action != RULE_RESET || !v->rule)
		return 0;
	switch (v->rule->reset_to) {
	case RULE_RESET_TO_SENDER:
		reset_toward(v, seg, true, &out[0]);
		return 1;
	case RULE_RESET_BOTH:
		reset_toward(v, seg, false, &out[0]);
		reset_toward(v, seg, true, &out[1]);
		return 2;
	case RULE_RESET_TO_RECEIVER:
	default:
		reset_toward(v, seg, false, &out[0]);
		return 1;
	}
}

size_t rule_reset_packet(const struct rule_reset_segment *rst, uint8_t buf[SEGMENT_FORGED_MAX])
{
	struct forged_segment f = {.ipv6 = rst->ipv6,
	                           .saddr = rst->saddr,
	                           .daddr = rst->daddr,
	                           .sport = rst->sport,
	                           .dport = rst->dport,
	                           .seq = rst->seq,
	                           .ack = rst->ack,
	                           .flags = rst->flags};
	memcpy(f.saddr6, rst->saddr6, 16);
	memcpy(f.daddr6, rst->daddr6, 16);
	return segment_forge(buf, &f);
}
