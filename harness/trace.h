/* trace.h: what synfin-faultd writes about each segment it sees, in three forms:
 *   - text: tcpdump's own line (print-tcp.c format, REFERENCE.md section 5) with the verdict and
 *     the rule appended, so a line can be read at a glance and pasted into a rule file;
 *   - JSON Lines: the same events, one flat object per line, for tests and scripts;
 *   - pcap: the packets themselves (LINKTYPE_RAW), readable by `tcpdump -r`.
 * Pure formatting: callers own the FILE*s.
 */
#ifndef SYNFIN_TRACE_H
#define SYNFIN_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rule.h"
#include "segment.h"

/* tcpdump prints sequence numbers relative to the first one it saw in each direction of each
 * connection. This table remembers those, like tcpdump's tcp_seq_hash. */
struct trace_seqs;
struct trace_seqs *trace_seqs_new(void);
void trace_seqs_free(struct trace_seqs *t);

enum trace_kind {
	TRACE_SEEN,     /* a segment arrived at the queue; verdict says what happens to it */
	TRACE_RELEASED, /* a held (delayed) segment was let through now */
};

struct trace_event {
	enum trace_kind kind;
	uint64_t time_us; /* CLOCK_REALTIME, microseconds since the epoch */
	const uint8_t *pkt; /* the IPv4 packet */
	size_t len;
	const struct segment *seg; /* parsed pkt */
	struct verdict verdict;    /* for TRACE_RELEASED: the verdict it was held by */
	uint64_t held_us;          /* TRACE_RELEASED: how long it was held */
	const char *rule_file;     /* ruleset name, for "file:line" */
	const char *dir;           /* "c2s", "s2c" or "other" */
};

/* tcpdump's text for one TCP segment, without the verdict. relative: as `tcpdump -n` prints
 * (relative seq/ack after the first segment of each direction); otherwise as `tcpdump -n -S`.
 * Returns the length written (snprintf semantics). */
int trace_format_tcpdump(char *buf, size_t size, struct trace_seqs *seqs, int relative,
			 uint64_t time_us, const struct segment *seg);

/* One text trace line: the tcpdump text, then the verdict and rule, then a newline. */
void trace_write_text(FILE *out, struct trace_seqs *seqs, const struct trace_event *ev);

/* One JSON object per line. Keys (all always present):
 *   t (seconds since the epoch, 6 decimals), event ("seen"|"released"),
 *   verdict ("pass"|"drop"|"delay"), delay_us, held_us, rule (index, 0 when none),
 *   rule_file, rule_line, dir ("c2s"|"s2c"|"other"), src, sport, dst, dport,
 *   flags (tcpdump's letters without brackets, e.g. "S." or "."), seq, ack (absolute),
 *   rseq, rack (relative as tcpdump prints them), win, len (payload bytes), text (tcpdump line). */
void trace_write_json(FILE *out, struct trace_seqs *seqs, const struct trace_event *ev);

/* pcap (LINKTYPE_RAW: packets start at the IPv4 header). */
int pcap_write_header(FILE *out);
int pcap_write_packet(FILE *out, uint64_t time_us, const uint8_t *pkt, size_t len);

/* Reading pcap files back (ours, and tcpdump's Ethernet captures): calls fn for each IPv4
 * packet with the link-layer header stripped. Returns 0, or a negative errno for a bad file. */
typedef int (*pcap_packet_fn)(void *ctx, uint64_t time_us, const uint8_t *pkt, size_t len);
int pcap_read_file(const char *path, pcap_packet_fn fn, void *ctx);

#endif
