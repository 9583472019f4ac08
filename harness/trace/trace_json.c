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

#include "common/sbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

/* The fields of the record other than its two strings. */
static void record_fields(struct trace_record *r, const struct trace_event *ev)
{
	const struct segment *seg = ev->seg;
	memset(r, 0, sizeof(*r));
	r->time_us = ev->time_us;
	r->kind = ev->kind;
	/* the end of a hold carries the verdict that held it */
	bool own_verdict = ev->kind == TRACE_SEEN || ev->kind == TRACE_INJECTED;
	r->action = own_verdict ? ev->verdict.action : RULE_DELAY;
	r->delay_us = ev->verdict.action == RULE_DELAY ? ev->verdict.delay_us : 0;
	r->held_us = own_verdict ? 0 : ev->held_us;
	r->reset_kept = r->action == RULE_RESET && ev->verdict.rule && ev->verdict.rule->reset_keep;
	r->queue_full = own_verdict && ev->verdict.queue_full;
	if (ev->verdict.rule) {
		r->rule = ev->verdict.rule->index;
		r->rule_line = ev->verdict.rule->line;
	}
	/* as snprintf("%s") would: cut to fit, always terminated */
	const char *dir = ev->dir ? ev->dir : "other";
	size_t n = strnlen(dir, sizeof(r->dir) - 1);
	memcpy(r->dir, dir, n);
	r->dir[n] = '\0';
	r->saddr = seg->saddr;
	r->daddr = seg->daddr;
	r->src_ip = segment_src(seg);
	r->dst_ip = segment_dst(seg);
	trace_ip_addr_str(r->src, sizeof(r->src), &r->src_ip);
	trace_ip_addr_str(r->dst, sizeof(r->dst), &r->dst_ip);
	r->sport = seg->sport;
	r->dport = seg->dport;
	trace_flags_str(r->flags, sizeof(r->flags), seg->flags);
	r->tcp_flags = seg->flags;
	r->seq = seg->seq;
	r->ack = seg->ack;
	r->win = seg->win;
	r->len = seg->payload_len;
}

static const char *event_rule_file(const struct trace_event *ev)
{
	return ev->verdict.rule && ev->rule_file ? ev->rule_file : "";
}

int trace_record_from_event(struct trace_record *r, struct trace_seqs *seqs,
                            const struct trace_event *ev)
{
	record_fields(r, ev);
	r->text = trace_format_tcpdump_alloc(seqs, 1, ev->time_us, ev->seg, &r->rseq, &r->rack);
	r->rule_file = dup_or_empty(event_rule_file(ev));
	if (!r->text || !r->rule_file) {
		trace_record_clear(r);
		return -ENOMEM;
	}
	return 0;
}

/* ---- the writer: the line is assembled in a local buffer and handed to the stream in one
 * call (more only for a line longer than the buffer), instead of a call, and a stream lock,
 * per piece or per escaped byte. ---- */

struct jline {
	FILE *out;
	size_t len;
	char buf[1024];
};

static void jl_flush(struct jline *j)
{
	if (j->len)
		fwrite(j->buf, 1, j->len, j->out);
	j->len = 0;
}

static void jl_put_long(struct jline *j, const char *s, size_t n)
{
	jl_flush(j);
	if (n > sizeof(j->buf)) {
		fwrite(s, 1, n, j->out);
		return;
	}
	memcpy(j->buf, s, n);
	j->len = n;
}

/* Inline, so that the copy of a piece of constant length (every key) compiles to a few moves
 * instead of a call: a line is some fifty pieces. */
static inline void jl_put(struct jline *j, const char *s, size_t n)
{
	if (n > sizeof(j->buf) - j->len) {
		jl_put_long(j, s, n);
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

#define JL_LIT(j, lit) jl_put((j), (lit), sizeof(lit) - 1)

/* In place, as sb_uint writes them. */
static void jl_uint(struct jline *j, uint64_t v)
{
	unsigned n = u64_digits(v);
	if (n > sizeof(j->buf) - j->len)
		jl_flush(j);
	fmt_u64(j->buf + j->len + n, v);
	j->len += n;
}

/* One byte a JSON string cannot carry as it is, escaped. */
static void jl_escape(struct jline *j, unsigned c)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = {'\\', 0};
	size_t n = 2;
	switch (c) {
	case '"':
	case '\\':
		esc[1] = (char)c;
		break;
	case '\b':
		esc[1] = 'b';
		break;
	case '\f':
		esc[1] = 'f';
		break;
	case '\n':
		esc[1] = 'n';
		break;
	case '\r':
		esc[1] = 'r';
		break;
	case '\t':
		esc[1] = 't';
		break;
	default:
		/* other control characters and bytes above 0x7e: \u00XX */
		esc[1] = 'u';
		esc[2] = '0';
		esc[3] = '0';
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 15];
		n = 6;
	}
	jl_put(j, esc, n);
}

static bool jl_plain(unsigned c)
{
	return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
}

/* Whether one of the 8 bytes of w is not jl_plain: a byte below 0x20, above 0x7e, a quote or a
 * backslash (the bit tricks of "Bit Twiddling Hacks", "determine if a word has a byte less
 * than n" and its kin; each answers exactly whether such a byte is there). */
static bool jl_word_escapes(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	uint64_t quote = w ^ ones * '"', backslash = w ^ ones * '\\';
	uint64_t below = (w - ones * 0x20) & ~w;
	uint64_t above = (w + ones * (0x7f - 0x7e)) | w;
	uint64_t is_quote = (quote - ones) & ~quote;
	uint64_t is_backslash = (backslash - ones) & ~backslash;
	return ((below | above | is_quote | is_backslash) & high) != 0;
}

/* A JSON string: runs of characters that need no escape are copied whole, and looked at 8
 * bytes at a time (the tcpdump text of every line goes through here). */
static void jl_string(struct jline *j, const char *s)
{
	size_t len = strlen(s), run = 0, i = 0;
	jl_put(j, "\"", 1);
	while (i < len) {
		uint64_t w;
		if (i + sizeof(w) <= len) {
			memcpy(&w, s + i, sizeof(w));
			if (!jl_word_escapes(w)) {
				i += sizeof(w);
				continue;
			}
		}
		unsigned c = (unsigned char)s[i];
		if (jl_plain(c)) {
			i++;
			continue;
		}
		jl_put(j, s + run, i - run);
		jl_escape(j, c);
		run = ++i;
	}
	jl_put(j, s + run, len - run);
	jl_put(j, "\"", 1);
}

/* A string of characters that never need an escape (an address, the flags, a direction, all
 * written by the trace itself): copied as it is. */
static void jl_plain_string(struct jline *j, const char *s)
{
	jl_put(j, "\"", 1);
	jl_put(j, s, strlen(s));
	jl_put(j, "\"", 1);
}

/* "t" with its six decimals */
static void jl_time(struct jline *j, uint64_t time_us)
{
	char usec[7];
	unsigned frac = (unsigned)(time_us % 1000000);
	usec[0] = '.';
	for (int i = 6; i > 0; i--) {
		usec[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	JL_LIT(j, "{\"t\":");
	jl_uint(j, time_us / 1000000);
	jl_put(j, usec, sizeof(usec));
}

/* own: the record's short strings were written by record_fields (their characters never need
 * an escape), not read back from a file. */
static void write_record(FILE *out, const struct trace_record *r, const char *rule_file,
                         const char *text, bool own)
{
	void (*short_string)(struct jline *, const char *) = own ? jl_plain_string : jl_string;
	struct jline j = {.out = out};
	jl_time(&j, r->time_us);
	JL_LIT(&j, ",\"event\":\"");
	if (r->kind == TRACE_RELEASED)
		JL_LIT(&j, "released");
	else if (r->kind == TRACE_DROPPED_AT_EXIT)
		JL_LIT(&j, "dropped_at_exit");
	else if (r->kind == TRACE_INJECTED)
		JL_LIT(&j, "injected");
	else if (r->kind == TRACE_KERNEL_DROP)
		JL_LIT(&j, "kernel_drop");
	else
		JL_LIT(&j, "seen");
	JL_LIT(&j, "\",\"verdict\":\"");
	const char *verdict = rule_action_name(r->action);
	jl_put(&j, verdict, strlen(verdict));
	if (r->action == RULE_RESET) {
		/* whether the segment the reset was forged on went on too: a ladder draws it so */
		JL_LIT(&j, "\",\"kept\":");
		jl_uint(&j, r->reset_kept);
		JL_LIT(&j, ",\"delay_us\":");
	} else if (r->queue_full) {
		/* a rate rule's congestion loss, apart from a drop rule's */
		JL_LIT(&j, "\",\"queue_full\":1,\"delay_us\":");
	} else {
		JL_LIT(&j, "\",\"delay_us\":");
	}
	jl_uint(&j, r->delay_us);
	JL_LIT(&j, ",\"held_us\":");
	jl_uint(&j, r->held_us);
	JL_LIT(&j, ",\"rule\":");
	jl_uint(&j, r->rule);
	JL_LIT(&j, ",\"rule_file\":");
	jl_string(&j, rule_file ? rule_file : "");
	JL_LIT(&j, ",\"rule_line\":");
	jl_uint(&j, r->rule_line);
	JL_LIT(&j, ",\"dir\":");
	short_string(&j, r->dir);
	JL_LIT(&j, ",\"src\":");
	short_string(&j, r->src);
	JL_LIT(&j, ",\"sport\":");
	jl_uint(&j, r->sport);
	JL_LIT(&j, ",\"dst\":");
	short_string(&j, r->dst);
	JL_LIT(&j, ",\"dport\":");
	jl_uint(&j, r->dport);
	JL_LIT(&j, ",\"flags\":");
	short_string(&j, r->flags);
	JL_LIT(&j, ",\"seq\":");
	jl_uint(&j, r->seq);
	JL_LIT(&j, ",\"ack\":");
	jl_uint(&j, r->ack);
	JL_LIT(&j, ",\"rseq\":");
	jl_uint(&j, r->rseq);
	JL_LIT(&j, ",\"rack\":");
	jl_uint(&j, r->rack);
	JL_LIT(&j, ",\"win\":");
	jl_uint(&j, r->win);
	JL_LIT(&j, ",\"len\":");
	jl_uint(&j, r->len);
	JL_LIT(&j, ",\"text\":");
	jl_string(&j, text ? text : "");
	JL_LIT(&j, "}\n");
	jl_flush(&j);
}

void trace_record_write_json(FILE *out, const struct trace_record *r)
{
	write_record(out, r, r->rule_file, r->text, false);
}

void trace_write_json(FILE *out, struct trace_seqs *seqs, const struct trace_event *ev)
{
	/* The same record trace_record_from_event makes, without copying its strings: the
	 * tcpdump text goes into a local buffer (the heap only for a longer line). */
	struct trace_record r;
	char text[512];
	record_fields(&r, ev);
	char *t = trace_format_tcpdump_buf(text, sizeof(text), seqs, 1, ev->time_us, ev->seg,
	                                   &r.rseq, &r.rack);
	if (!t)
		return;
	write_record(out, &r, event_rule_file(ev), t, true);
	if (t != text)
		free(t);
}

void trace_write_kernel_drop_json(FILE *out, uint64_t time_us, const char *note)
{
	struct trace_record r = {
	    .time_us = time_us,
	    .kind = TRACE_KERNEL_DROP,
	    .action = RULE_DROP,
	    .dir = "other",
	    .src = "0.0.0.0",
	    .dst = "0.0.0.0",
	    .flags = "none",
	};
	write_record(out, &r, "", note, true);
}

void trace_write_text_and_json(FILE *text, FILE *json, struct trace_seqs *seqs,
                               const struct trace_event *ev)
{
	char stack[1024];
	struct sbuf b;
	sb_init_growing(&b, stack, sizeof(stack));
	struct trace_record r;
	record_fields(&r, ev);
	size_t tcpdump_len;
	trace_text_line(&b, seqs, ev, &tcpdump_len, &r.rseq, &r.rack);
	trace_text_line_write(text, &b);
	if (tcpdump_len < b.size) { /* else the heap failed: trace_write_json writes nothing */
		b.buf[tcpdump_len] = '\0';
		write_record(json, &r, event_rule_file(ev), b.buf, true);
	}
	sb_release(&b);
}

void trace_write_json_note(FILE *out, uint64_t time_us, const char *text)
{
	struct jline j = {.out = out};
	jl_time(&j, time_us);
	JL_LIT(&j, ",\"event\":\"note\",\"text\":");
	jl_string(&j, text);
	JL_LIT(&j, "}\n");
	jl_flush(&j);
}
