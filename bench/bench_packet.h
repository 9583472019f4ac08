/* bench_packet.h: well-formed IPv4/TCP packets for the benchmarks to parse, decide and trace. */
#ifndef SYNFIN_BENCH_PACKET_H
#define SYNFIN_BENCH_PACKET_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/wire_bytes.h"
#include "wire/segment.h"

#define BENCH_CLIENT 0xc0a8016cu /* 192.168.1.108 */
#define BENCH_SERVER 0xc0a8016du /* 192.168.1.109 */

/* A 20-byte IPv4 header, a 20-byte TCP header and payload_len bytes of zeros into pkt (at
 * least 40 + payload_len bytes). Checksums are left 0: segment_parse does not verify them.
 * Returns the packet length. */
static inline size_t bench_packet(uint8_t *pkt, uint32_t saddr, uint16_t sport, uint32_t daddr,
                                  uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                                  uint16_t payload_len)
{
	size_t len = 40 + (size_t)payload_len;
	memset(pkt, 0, len);
	pkt[0] = 0x45;
	wire_put16(pkt + 2, (uint16_t)len);
	wire_put16(pkt + 4, (uint16_t)(seq ^ ack));
	pkt[6] = 0x40; /* DF */
	pkt[8] = 64;
	pkt[9] = 6;
	wire_put32(pkt + 12, saddr);
	wire_put32(pkt + 16, daddr);
	uint8_t *t = pkt + 20;
	wire_put16(t, sport);
	wire_put16(t + 2, dport);
	wire_put32(t + 4, seq);
	wire_put32(t + 8, ack);
	t[12] = 5 << 4;
	t[13] = flags;
	wire_put16(t + 14, 64240);
	return len;
}

#endif
