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

#include "rules/rule.h"
#include "wire/segment.h"

/* tcpdump prints sequence numbers relative to the first one it saw in each direction of each
 * connection. This table remembers those, like tcpdump's tcp_seq_hash. */
struct trace_seqs;
struct trace_seqs *trace_seqs_new(void);
void trace_seqs_free(struct trace_seqs *t);

enum trace_kind {
	TRACE_SEEN,     /* a segment arrived at the queue; verdict says what happens to it */
	TRACE_RELEASED, /* a held (delayed) segment was let through now */
	/* a held segment dropped when the daemon exited (synfin-faultd --drop-held-on-exit) */
	TRACE_DROPPED_AT_EXIT,
	/* packets the kernel dropped before the daemon saw them (queue or socket full): no
	 * segment, written by trace_write_kernel_drop_*; trace_read_jsonl skips it */
	TRACE_KERNEL_DROP,
	/* a segment the daemon made and sent itself (duplicate, reset): verdict says which rule */
	TRACE_INJECTED,
};

struct trace_event {
	enum trace_kind kind;
	uint64_t time_us;   /* CLOCK_REALTIME, microseconds since the epoch */
	const uint8_t *pkt; /* the IPv4 or IPv6 packet */
	size_t len;
	const struct segment *seg; /* parsed pkt */
	struct verdict verdict;    /* for a held segment's end: the verdict it was held by */
	uint64_t held_us;          /* for a held segment's end: how long it was held */
	/* for the end of a reorder hold: N when its N segments passed, or the quiet time that
	 * ended it; both 0 at exit (rules/README.md, "Reordering") */
	uint32_t released_after;
	uint32_t released_quiet_us;
	const char *rule_file; /* ruleset name, for "file:line" */
	const char *dir;       /* "c2s", "s2c" or "other" */
};

/* tcpdump's text for one TCP segment, without the verdict. relative: as `tcpdump -n` prints
 * (relative seq/ack after the first segment of each direction); otherwise as `tcpdump -n -S`.
 * Returns the length written (snprintf semantics). */
int trace_format_tcpdump(char *buf, size_t size, struct trace_seqs *seqs, int relative,
                         uint64_t time_us, const struct segment *seg);

/* As trace_format_tcpdump, and also says which seq and ack numbers tcpdump's arithmetic gives
 * for this segment (*shown_seq, *shown_ack; either may be NULL): relative ones in relative mode
 * once the connection's entry exists, otherwise the absolute ones. tcpdump only consults its
 * table for segments with ACK set, so a SYN (and the segment that creates the entry) stays
 * absolute. Each output (text, JSON) must keep its own trace_seqs: formatting a segment records
 * it, and a second pass over the same segment with the same table may print other numbers. */
int trace_format_tcpdump_ex(char *buf, size_t size, struct trace_seqs *seqs, int relative,
                            uint64_t time_us, const struct segment *seg, uint32_t *shown_seq,
                            uint32_t *shown_ack);

/* The same line in a malloc'd string (NULL when out of memory); the caller frees it. */
char *trace_format_tcpdump_alloc(struct trace_seqs *seqs, int relative, uint64_t time_us,
                                 const struct segment *seg, uint32_t *shown_seq,
                                 uint32_t *shown_ack);

/* tcpdump's flag letters, without brackets ("S.", ".", "FP."; "none" when no bit is set). */
void trace_flags_str(char *buf, size_t size, uint8_t flags);
/* Dotted quad of a host-byte-order IPv4 address; buf holds at least 16 bytes. */
void trace_addr_str(char *buf, size_t size, uint32_t addr);
/* The other way: a dotted quad (inet_pton's strict form) into host byte order. 0 or -EINVAL. */
int trace_addr_parse(const char *text, uint32_t *addr);
/* An address of either family as tcpdump prints it: a dotted quad for IPv4 (mapped), RFC 5952's
 * form for IPv6 ("fd00::108"); buf holds at least 46 bytes (INET6_ADDRSTRLEN). */
void trace_ip_addr_str(char *buf, size_t size, const struct ip_addr *addr);
/* The other way: a dotted quad (mapped) or an IPv6 address. 0 or -EINVAL. */
int trace_ip_addr_parse(const char *text, struct ip_addr *addr);

/* One text trace line: the tcpdump text, then the verdict and rule, then a newline.
 * The verdict follows two spaces (see trace_text.c for the exact grammar):
 *   ...length 0  pass
 *   ...length 0  DROP rule 1 (syn-timeout.rules:7)
 *   ...length 1448  DROP queue full rule 1 (bottleneck.rules:1)
 *   ...length 0  HOLD 300 ms rule 2 (delay-server-fin-300ms.rules:4)
 *   ...length 0  SET win 0 rule 1 (zero-window.rules:1)
 *   ...length 0  STRIP sack rule 1 (no-sack.rules:1)
 *   ...length 100  CORRUPT payload checksum bad rule 1 (corrupt.rules:1)
 *   ...length 0  RELEASED after 300.2 ms, held by rule 2 (delay-server-fin-300ms.rules:4)
 *   ...length 100  HOLD reorder 1 rule 1 (reorder.rules:1)
 *   ...length 100  RELEASED after 1 segment (0.2 ms), held by rule 1 (reorder.rules:1)
 *   ...length 100  RELEASED after quiet 200 ms (200.4 ms), held by rule 1 (reorder.rules:1)
 *   ...length 0  DROPPED at exit after 120.042 ms, held by rule 2 (delay-fin.rules:4)
 *   ...length 0  INJECTED rule 1 (reset.rules:1)
 * A RELEASED line carries the release time and is printed when the segment leaves; a DROPPED
 * line, when the daemon exits and drops what it still holds. */
void trace_write_text(FILE *out, struct trace_seqs *seqs, const struct trace_event *ev);

/* One JSON object per line. Keys (all always present):
 *   t (seconds since the epoch, 6 decimals), event ("seen"|"released"|"dropped_at_exit"|
 *   "injected", with the verdict of the rule that made it;
 *   "kernel_drop" from trace_write_kernel_drop_json),
 *   verdict ("pass"|"drop"|"delay"|"set"|"strip"|"corrupt"|"duplicate"|"reset"|"reorder"; for the
 * end of a hold, "delay", whether a delay or a reorder held it; a rewritten segment is traced as it
 * arrived), delay_us, held_us, rule (index, 0 when none), rule_file, rule_line, dir
 * ("c2s"|"s2c"|"other"), src, sport, dst, dport, flags (tcpdump's letters without brackets, e.g.
 * "S." or "."), seq, ack (absolute), rseq, rack (relative as tcpdump prints them), win, len
 * (payload bytes), text (tcpdump line). Only some lines have more, right after verdict: "kept"
 * (0|1) for a reset, "queue_full" (1) for a rate rule's drop (its queue was full). */
void trace_write_json(FILE *out, struct trace_seqs *seqs, const struct trace_event *ev);

/* The kernel dropped packets the daemon never saw: note says how many and why, as a sentence
 * ("kernel dropped 12 packets: ..."). Text: the time and the note. JSON: event "kernel_drop",
 * verdict "drop", the note in "text", the segment's keys empty (addresses 0.0.0.0, flags
 * "none", numbers 0). */
void trace_write_kernel_drop_text(FILE *out, uint64_t time_us, const char *note);
void trace_write_kernel_drop_json(FILE *out, uint64_t time_us, const char *note);

/* trace_write_text to text and trace_write_json to json, with tcpdump's text formatted once
 * for both: for a writer of both traces, whose two tables would evolve alike anyway. seqs is
 * the one table; the bytes written are those of the two calls. */
void trace_write_text_and_json(FILE *text, FILE *json, struct trace_seqs *seqs,
                               const struct trace_event *ev);

/* A remark about the run, not about a segment, as its own JSON line:
 *   {"t":1763939345.621802,"event":"note","text":"..."}
 * (synfin-faultd --queue-only-matching says so this way). trace_read_jsonl skips notes. */
void trace_write_json_note(FILE *out, uint64_t time_us, const char *text);

/* pcap (LINKTYPE_RAW: packets start at the IPv4 header). */
int pcap_write_header(FILE *out);
int pcap_write_packet(FILE *out, uint64_t time_us, const uint8_t *pkt, size_t len);
/* The 16 bytes before a packet of len bytes seen at time_us, for a writer that sends the two
 * together; returns how many of the packet's bytes the record holds (its caplen). */
#define PCAP_RECORD_HEADER 16u
size_t pcap_record_header(uint8_t h[PCAP_RECORD_HEADER], uint64_t time_us, size_t len);

/* Reading pcap files back (ours, and tcpdump's Ethernet captures): calls fn for each IPv4 or
 * IPv6 packet with the link-layer header stripped. Returns 0, or a negative errno for a bad
 * file. Link types: Ethernet (1, with 802.1Q tags), raw IP (101; 228 is IPv4 alone), Linux
 * cooked (113, 276), BSD loopback (0); micro- and nanosecond files in either byte order.
 * Packets that are not IP (ARP, a runt) are skipped; a packet is cut to its datagram's own
 * length (IPv4's total length, IPv6's 40 + payload length: Ethernet padding). A nonzero
 * return from fn stops the reading and is returned. */
typedef int (*pcap_packet_fn)(void *ctx, uint64_t time_us, const uint8_t *pkt, size_t len);
int pcap_read_file(const char *path, pcap_packet_fn fn, void *ctx);

#endif
