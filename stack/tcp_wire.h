/* tcp_wire.h: TCP header and options, parse and emit (RFC 9293 3.1, 3.2). Pure code. */
#ifndef SYNFIN_STACK_TCP_WIRE_H
#define SYNFIN_STACK_TCP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/tcp_flags.h"
#include "stack.h"

#define TCP_HDR_LEN 20
#define TCP_OPT_MSS_LEN 4
#define TCP_MAX_WSCALE 14               /* RFC 7323 2.3 */
#define TCP_MAX_SACK 4                  /* blocks in 40 option bytes (RFC 2018 3) */
#define TCP_MAX_SACK_TS 3               /* beside a timestamp */
#define TCP_TS_SPACE 12                 /* NOP NOP timestamps, on every segment once negotiated */
#define TCP_SACK_SPACE(n) (4 + 8 * (n)) /* NOP NOP and n SACK blocks */

/* Options besides the MSS (tcp_hdr.opts): present in a parsed segment, to write in an emitted one.
 */
enum {
	TCP_OPTF_WSCALE = 1,    /* RFC 7323 2: window scale, shift in wscale */
	TCP_OPTF_TS = 2,        /* RFC 7323 3: timestamps, tsval and tsecr */
	TCP_OPTF_SACK_PERM = 4, /* RFC 2018 2: SACK-permitted */
};

/* A SACK block (RFC 2018 3): the sequence numbers start..end-1 were received. */
struct tcp_sack_block {
	uint32_t start, end;
};

struct tcp_hdr {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t doff; /* header length in bytes */
	uint8_t flags;
	uint16_t wnd;
	uint16_t urg;
	uint16_t mss; /* MSS option, 0 when absent */
	uint8_t opts; /* TCP_OPTF_* */
	uint8_t wscale;
	uint32_t tsval, tsecr;
	uint8_t n_sack; /* SACK blocks, in the order they came (or go) */
	struct tcp_sack_block sack[TCP_MAX_SACK];
	const uint8_t *payload;
	size_t payload_len;
};

/* Validate and view one TCP segment (the IP payload). The checksum covers the pseudo-header of
 * saddr/daddr, IPv4's or IPv6's by their family. Returns 0, or -EINVAL with *why set. Unknown
 * options are skipped, and so, as Linux does (tcp_parse_options), are window scale, SACK-permitted,
 * timestamps and SACK options of the wrong length; a shift above 14 is taken as 14 (RFC 7323 2.3).
 */
int tcp_parse(struct tcp_hdr *th, const uint8_t *seg, size_t len, const struct stack_addr *saddr,
              const struct stack_addr *daddr, enum stack_drop_reason *why);

/* Header length tcp_emit() writes for th: 20 plus its options, laid out as Linux lays them out
 * (tcp_options_write): MSS; SACK-permitted and timestamps together (4,2,8,10), or NOP NOP
 * timestamps, or NOP NOP SACK-permitted; NOP window scale; NOP NOP SACK blocks. */
size_t tcp_hdr_len(const struct tcp_hdr *th);

/* Write header and options at buf; the payload_len bytes of payload must already sit right after
 * the header (at buf + tcp_hdr_len(th)). Computes the checksum. Returns the segment length. */
size_t tcp_emit(uint8_t *buf, const struct tcp_hdr *th, const struct stack_addr *saddr,
                const struct stack_addr *daddr);

/* SEG.LEN (RFC 9293 3.3.1): the sequence numbers a segment occupies, SYN and FIN included. */
static inline uint32_t tcp_seg_len(const struct tcp_hdr *th)
{
	return (uint32_t)th->payload_len + !!(th->flags & TCPF_SYN) + !!(th->flags & TCPF_FIN);
}

/* Sequence arithmetic modulo 2^32 (RFC 9293 3.4). */
static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}
static inline bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}
static inline bool seq_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}
static inline uint32_t seq_max(uint32_t a, uint32_t b)
{
	return seq_gt(a, b) ? a : b;
}

#endif
