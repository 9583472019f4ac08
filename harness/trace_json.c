/* trace_json.c: the JSON Lines trace, one flat object per segment event (keys in trace.h).
 *
 * Example (one line):
 *   {"t":1763939345.621802,"event":"seen","verdict":"drop","delay_us":0,"held_us":0,"rule":1,
 *    "rule_file":"syn-timeout.rules","rule_line":2,"dir":"c2s","src":"192.168.1.108",
 *    "sport":59712,"dst":"192.168.1.109","dport":80,"flags":"S","seq":4231775027,"ack":0,
 *    "rseq":4231775027,"rack":0,"win":64240,"len":0,"text":"23:09:05.621802 IP ..."}
 * Numbers are plain decimal integers except t (seconds, exactly six decimals, so it converts
 * back to microseconds without rounding). Strings are escaped per RFC 8259 7: quote,
 * backslash and control characters; bytes above 0x7e are written as \u00XX so every line is
 * valid JSON even when a payload's first line is not UTF-8.
 */
#include "trace.h"
#include "trace_read.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

int trace_record_from_event(struct trace_record *r, struct trace_seqs *seqs,
                            const struct trace_event *ev)
{
	const struct segment *seg = ev->seg;
	memset(r, 0, sizeof(*r));
	r->time_us = ev->time_us;
	r->kind = ev->kind;
	r->action = ev->kind == TRACE_RELEASED ? RULE_DELAY : ev->verdict.action;
	r->delay_us = ev->verdict.action == RULE_DELAY ? ev->verdict.delay_us : 0;
	r->held_us = ev->kind == TRACE_RELEASED ? ev->held_us : 0;
	if (ev->verdict.rule) {
		r->rule = ev->verdict.rule->index;
		r->rule_line = ev->verdict.rule->line;
	}
	snprintf(r->dir, sizeof(r->dir), "%s", ev->dir ? ev->dir : "other");
	r->saddr = seg->saddr;
	r->daddr = seg->daddr;
	trace_addr_str(r->src, sizeof(r->src), seg->saddr);
	trace_addr_str(r->dst, sizeof(r->dst), seg->daddr);
	r->sport = seg->sport;
	r->dport = seg->dport;
	trace_flags_str(r->flags, sizeof(r->flags), seg->flags);
	r->tcp_flags = seg->flags;
	r->seq = seg->seq;
	r->ack = seg->ack;
	r->win = seg->win;
	r->len = seg->payload_len;

	r->text = trace_format_tcpdump_alloc(seqs, 1, ev->time_us, seg, &r->rseq, &r->rack);
	r->rule_file = dup_or_empty(ev->verdict.rule ? ev->rule_file : NULL);
	if (!r->text || !r->rule_file) {
		trace_record_clear(r);
		return -ENOMEM;
	}
	return 0;
}

static void write_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\b':
			fputs("\\b", out);
			break;
		case '\f':
			fputs("\\f", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (*p < 0x20 || *p > 0x7e)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

static const char *verdict_name(enum rule_action a)
{
	switch (a) {
	case RULE_DROP:
		return "drop";
	case RULE_DELAY:
		return "delay";
	case RULE_PASS:
	default:
		return "pass";
	}
}

void trace_record_write_json(FILE *out, const struct trace_record *r)
{
	fprintf(out,
	        "{\"t\":%llu.%06u,\"event\":\"%s\",\"verdict\":\"%s\",\"delay_us\":%llu,"
	        "\"held_us\":%llu,\"rule\":%u,\"rule_file\":",
	        (unsigned long long)(r->time_us / 1000000), (unsigned)(r->time_us % 1000000),
	        r->kind == TRACE_RELEASED ? "released" : "seen", verdict_name(r->action),
	        (unsigned long long)r->delay_us, (unsigned long long)r->held_us, r->rule);
	write_string(out, r->rule_file ? r->rule_file : "");
	fprintf(out, ",\"rule_line\":%u,\"dir\":", r->rule_line);
	write_string(out, r->dir);
	fputs(",\"src\":", out);
	write_string(out, r->src);
	fprintf(out, ",\"sport\":%u,\"dst\":", r->sport);
	write_string(out, r->dst);
	fprintf(out, ",\"dport\":%u,\"flags\":", r->dport);
	write_string(out, r->flags);
	fprintf(out,
	        ",\"seq\":%u,\"ack\":%u,\"rseq\":%u,\"rack\":%u,\"win\":%u,\"len\":%u,\"text\":",
	        r->seq, r->ack, r->rseq, r->rack, r->win, r->len);
	write_string(out, r->text ? r->text : "");
	fputs("}\n", out);
}

void trace_write_json(FILE *out, struct trace_seqs *seqs, const struct trace_event *ev)
{
	struct trace_record r;
	if (trace_record_from_event(&r, seqs, ev) != 0)
		return;
	trace_record_write_json(out, &r);
	trace_record_clear(&r);
}
