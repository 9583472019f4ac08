/* icmp.c: ICMP echo reply (RFC 792; RFC 1122 3.2.2.6: the reply carries the request's
 * identifier, sequence number and data unchanged). */
#include "icmp.h"

#include <stdlib.h>
#include <string.h>

#include "checksum.h"
#include "ipv4_wire.h"
#include "stack_internal.h"

#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8
#define ICMP_HDR_LEN 8

void icmp_input(struct stack *s, uint64_t now, uint32_t saddr, const uint8_t *msg, size_t len)
{
	if (len < ICMP_HDR_LEN) {
		stack_drop(s, STACK_DROP_ICMP_TRUNCATED);
		return;
	}
	if (csum_fold(csum_add(0, msg, len)) != 0) {
		stack_drop(s, STACK_DROP_ICMP_BAD_CHECKSUM);
		return;
	}
	if (msg[0] != ICMP_ECHO_REQUEST || msg[1] != 0) {
		stack_drop(s, STACK_DROP_ICMP_TYPE);
		return;
	}
	if (len > 65535 - IPV4_HDR_LEN)
		return;
	uint8_t *pkt = malloc(IPV4_HDR_LEN + len);
	if (!pkt)
		return;
	uint8_t *icmp = pkt + IPV4_HDR_LEN;
	memcpy(icmp, msg, len);
	icmp[0] = ICMP_ECHO_REPLY;
	icmp[2] = icmp[3] = 0;
	wire_put16(icmp + 2, csum_fold(csum_add(0, icmp, len)));
	ipv4_emit(pkt, s->cfg.addr, saddr, IPPROTO_NUM_ICMP, s->ip_id++, s->tun.ttl, (uint16_t)len);
	stack_queue_packet(s, now, pkt, IPV4_HDR_LEN + len);
	s->stats.icmp_echo_replies++;
	free(pkt);
}
