/* trace_read.h: the JSON Lines trace (trace.h, trace_write_json) as records in memory, for the
 * tests, the scenario runner and the ladder diagram. The reader knows our schema only: one flat
 * object per line, string and number values; unknown keys are ignored so the schema can grow.
 */
#ifndef SYNFIN_TRACE_READ_H
#define SYNFIN_TRACE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "rules/rule.h"
#include "trace.h"

struct trace_record {
	uint64_t time_us;        /* "t", microseconds since the epoch */
	enum trace_kind kind;    /* "event" */
	enum rule_action action; /* "verdict" */
	uint64_t delay_us;       /* "delay_us" */
	uint64_t held_us;        /* "held_us" */
	bool reset_kept;    /* "kept": 1 when a reset's own segment passed too (only with reset) */
	bool queue_full;    /* "queue_full": 1 for a rate rule's drop (only with such a drop) */
	unsigned rule;      /* "rule": index, 0 when none */
	char *rule_file;    /* "rule_file", "" when none; owned */
	unsigned rule_line; /* "rule_line" */
	char dir[8];        /* "c2s", "s2c" or "other" */
	char src[46];       /* dotted quad, or an IPv6 address as tcpdump prints it */
	char dst[46];
	uint32_t saddr, daddr;         /* src and dst, host byte order; 0 for IPv6 */
	struct ip_addr src_ip, dst_ip; /* src and dst of either family (IPv4 mapped) */
	uint16_t sport, dport;
	char flags[12];      /* tcpdump's letters without brackets: "S.", ".", "none" */
	uint8_t tcp_flags;   /* the same as TCPF_* bits */
	uint32_t seq, ack;   /* absolute */
	uint32_t rseq, rack; /* as tcpdump prints them */
	uint16_t win;
	uint32_t len; /* payload bytes */
	char *text;   /* the tcpdump line; owned */
};

/* Read a whole JSONL trace. On success *out is an array of *n records (NULL and 0 for an empty
 * file) to release with trace_records_free, and 0 is returned; otherwise a negative errno
 * (-EINVAL for a line that is not a trace record, -ENOMEM, or the error from opening/reading)
 * and *out, *n are left NULL/0. Blank lines, kernel_drop events (no segment) and notes
 * (trace_write_json_note) are skipped. */
int trace_read_jsonl(const char *path, struct trace_record **out, size_t *n);

/* Parse one line (without or with its newline) into *r. Returns 0, -ENOMSG for a note (no
 * record), or -EINVAL/-ENOMEM; unless 0, *r holds nothing to free. */
int trace_record_parse(const char *line, struct trace_record *r);

/* Walk one flat JSON object (string, number, true/false/null values; nested values are
 * refused): member() gets each key with *str the string value (it may take it, leaving NULL)
 * or num the number's text, both NULL for a literal. Returns 0, -EINVAL, -ENOMEM, or the first
 * non-zero return of member(). */
typedef int (*trace_json_member_fn)(void *arg, const char *key, char **str, const char *num);
int trace_json_object_parse(const char *line, trace_json_member_fn member, void *arg);

/* The record trace_write_json would write for ev (it writes exactly this record), using seqs
 * for the relative numbers and text as trace_write_json does. Returns 0 or -ENOMEM. */
int trace_record_from_event(struct trace_record *r, struct trace_seqs *seqs,
                            const struct trace_event *ev);

/* trace_format_tcpdump_alloc without the allocation when the line fits: formats into buf (size
 * > 0 bytes) and returns buf, or returns a malloc'd string for a longer line (the caller frees
 * it when it is not buf), or NULL when out of memory. Either way seqs is updated once. */
char *trace_format_tcpdump_buf(char *buf, size_t size, struct trace_seqs *seqs, int relative,
                               uint64_t time_us, const struct segment *seg, uint32_t *shown_seq,
                               uint32_t *shown_ack);

/* The text trace's line for ev, as trace_write_text writes it (newline included), into b;
 * *tcpdump_len is the length of tcpdump's text at its start, and the shown numbers are those
 * of trace_format_tcpdump_ex. Any of the three may be NULL. */
struct sbuf;
void trace_text_line(struct sbuf *b, struct trace_seqs *seqs, const struct trace_event *ev,
                     size_t *tcpdump_len, uint32_t *shown_seq, uint32_t *shown_ack);
/* The verdict part of that line, without the two spaces before it or the newline: "pass",
 * "DROP rule 2 (FILE:LINE)", "HOLD 300 ms rule 2 (FILE:LINE)", "RELEASED after 300.2 ms, held
 * by rule 2 (FILE:LINE)"... (trace_text.c lists them all). */
void trace_verdict_text(struct sbuf *b, const struct trace_event *ev);
/* Write a line trace_text_line built (a whole line even when the heap failed it). */
void trace_text_line_write(FILE *out, const struct sbuf *b);

/* Write r as one JSON object and a newline (the trace_write_json format). */
void trace_record_write_json(FILE *out, const struct trace_record *r);

void trace_record_clear(struct trace_record *r);
void trace_records_free(struct trace_record *r, size_t n);

/* Letters ("S.", "none") back to TCPF_* bits; -1 for a letter tcpdump does not print. */
int trace_flags_parse(const char *letters);

#endif
