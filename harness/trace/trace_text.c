/* trace_text.c: tcpdump's one-line text for an IPv4 or IPv6 TCP segment, and the text trace
 * line.
 *
 * The aim is byte-for-byte agreement with `tcpdump -n` (and `-n -S`) 4.99 for what a fault
 * injection trace carries, so a user can diff a trace against a capture and paste flags into a
 * rule. What follows print-tcp.c: the flag letters and their order, when seq and ack appear,
 * `seq A:B` with payload, tcpdump's relative-numbering table (tcp_seq_hash: consulted and
 * filled only by segments with ACK set; a SYN re-records the entry), every option tcpdump
 * decodes except MPTCP (printed as `mptcp` and hex), its malformed-option output (`[bad opt]`,
 * `[len N]`), and the first line of text protocols (HTTP on 80/8080, RTSP, FTP, SMTP, WHOIS).
 * Other application decoders (DNS, BGP, SSH, ...) are not reproduced.
 *
 * Text trace verdicts (after two spaces, so `cut -d' '` and grep both work):
 *   pass                                   no rule matched (or a rule whose action is pass:
 *   pass rule N (FILE:LINE)                 then the rule is named)
 *   DROP rule N (FILE:LINE)                the segment was discarded
 *   DROP queue full rule N (FILE:LINE)     by a rate rule: its queue was full
 *   HOLD D ms rule N (FILE:LINE)           the segment is held for D ms (delay + jitter drawn)
 *   RELEASED after D ms, held by rule N (FILE:LINE)
 *                                          a held segment leaves now; the tcpdump text shows
 *                                          the release time
 *   HOLD reorder N rule N (FILE:LINE)      held until N segments of its direction passed
 *   RELEASED after N segments (D ms), held by rule N (FILE:LINE)
 *   RELEASED after quiet Q ms (D ms), held by rule N (FILE:LINE)
 *                                          the end of a reorder hold, and why
 * D is in milliseconds, an integer when exact, otherwise with up to three decimals.
 */
#include "trace.h"
#include "trace_read.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/sbuf.h"
#include "tcpdump_print.h"

/* ---- tcpdump's relative sequence number tables (print-tcp.c tcp_seq_hash4, tcp_seq_hash6)
 * ---- */

#define TSEQ_HASHSIZE 919

struct seq_entry {
	struct seq_entry *next;
	/* the key, in tcpdump's collating order; IPv4 mapped, so each family keeps its own
	 * conversations as tcpdump's two tables do */
	struct ip_addr src, dst;
	uint32_t port;
	uint32_t seq, ack;
};

struct trace_seqs {
	struct seq_entry *bucket[TSEQ_HASHSIZE];
	/* the local time of the last second printed: localtime_r takes a lock and walks the
	 * zone's rules, and a busy trace prints thousands of lines in each second */
	bool tm_valid;
	time_t tm_sec;
	struct tm tm;
};

struct trace_seqs *trace_seqs_new(void)
{
	return calloc(1, sizeof(struct trace_seqs));
}

void trace_seqs_free(struct trace_seqs *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < TSEQ_HASHSIZE; i++) {
		struct seq_entry *e = t->bucket[i];
		while (e) {
			struct seq_entry *next = e->next;
			free(e);
			e = next;
		}
	}
	free(t);
}

/* What tcpdump computes before printing: the numbers to show, and the two bases SACK blocks
 * are made relative with. */
struct shown {
	uint32_t seq, ack;
	uint32_t thseq, thack;
	int rev;
};

static void seqs_apply(struct trace_seqs *t, const struct segment *seg, struct shown *sh)
{
	sh->seq = seg->seq;
	sh->ack = seg->ack;
	sh->thseq = sh->thack = 0;
	sh->rev = 0;
	if (!t || !(seg->flags & TCPF_ACK))
		return;
	/* One entry for both directions: the lower port (then the lower address) is "src". */
	struct ip_addr saddr = segment_src(seg), daddr = segment_dst(seg);
	int rev = seg->sport > seg->dport ||
	          (seg->sport == seg->dport && ip_addr_cmp(&saddr, &daddr) > 0);
	struct ip_addr ksrc = rev ? daddr : saddr;
	struct ip_addr kdst = rev ? saddr : daddr;
	uint32_t kport =
	    rev ? (uint32_t)seg->dport << 16 | seg->sport : (uint32_t)seg->sport << 16 | seg->dport;
	struct seq_entry **slot = &t->bucket[kport % TSEQ_HASHSIZE];
	struct seq_entry *e = *slot;
	while (e && !(e->port == kport && ip_addr_cmp(&e->src, &ksrc) == 0 &&
	              ip_addr_cmp(&e->dst, &kdst) == 0))
		e = e->next;
	if (!e || (seg->flags & TCPF_SYN)) {
		/* Unknown conversation, or a new one (SYN): record what this segment says, print
		 * it absolute. If allocation fails we just print absolute numbers. */
		if (!e) {
			e = calloc(1, sizeof(*e));
			if (!e)
				return;
			e->src = ksrc;
			e->dst = kdst;
			e->port = kport;
			e->next = *slot;
			*slot = e;
		}
		if (rev) {
			e->ack = seg->seq;
			e->seq = seg->ack - 1;
		} else {
			e->seq = seg->seq;
			e->ack = seg->ack - 1;
		}
	} else if (rev) {
		sh->seq = seg->seq - e->ack;
		sh->ack = seg->ack - e->seq;
	} else {
		sh->seq = seg->seq - e->seq;
		sh->ack = seg->ack - e->ack;
	}
	sh->thseq = e->seq;
	sh->thack = e->ack;
	sh->rev = rev;
}

/* ---- flags and addresses ---- */

/* Appends tcpdump's flag letters ("none" when no bit is set). */
static void sb_flags(struct sbuf *b, uint8_t flags)
{
	char tmp[8];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(segment_flag_letters) / sizeof(segment_flag_letters[0]); i++)
		if (flags & segment_flag_letters[i].bit)
			tmp[n++] = segment_flag_letters[i].letter;
	if (n)
		sb_append(b, tmp, n);
	else
		sb_append(b, "none", 4);
}

void trace_flags_str(char *buf, size_t size, uint8_t flags)
{
	struct sbuf b;
	sb_init_fixed(&b, buf, size);
	sb_flags(&b, flags);
}

void trace_addr_str(char *buf, size_t size, uint32_t addr)
{
	struct sbuf b;
	sb_init_fixed(&b, buf, size);
	sb_addr(&b, addr);
}

/* tcpdump's text for an IPv6 address (addrtostr6: RFC 5952's form, as inet_ntop writes it). */
static void sb_addr6(struct sbuf *b, const uint8_t addr[16])
{
	char tmp[INET6_ADDRSTRLEN];
	if (!inet_ntop(AF_INET6, addr, tmp, sizeof(tmp)))
		tmp[0] = '\0';
	sb_puts(b, tmp);
}

void trace_ip_addr_str(char *buf, size_t size, const struct ip_addr *addr)
{
	struct sbuf b;
	sb_init_fixed(&b, buf, size);
	uint32_t v4;
	if (ip_addr_is_ipv4(addr, &v4))
		sb_addr(&b, v4);
	else
		sb_addr6(&b, addr->b);
}

int trace_ip_addr_parse(const char *text, struct ip_addr *addr)
{
	uint32_t v4;
	if (trace_addr_parse(text, &v4) == 0) {
		*addr = ip_addr_from_ipv4(v4);
		return 0;
	}
	return inet_pton(AF_INET6, text, addr->b) == 1 ? 0 : -EINVAL;
}

int trace_addr_parse(const char *text, uint32_t *addr)
{
	struct in_addr a;
	if (inet_pton(AF_INET, text, &a) != 1)
		return -EINVAL;
	*addr = ntohl(a.s_addr);
	return 0;
}

/* ---- the line ---- */

/* The local time of day, as tcpdump prints it; seqs (may be NULL) caches the broken-down time
 * of the last second. */
static void format_time(struct sbuf *b, struct trace_seqs *seqs, uint64_t time_us)
{
	time_t sec = (time_t)(time_us / 1000000);
	struct tm tm;
	if (seqs && seqs->tm_valid && seqs->tm_sec == sec) {
		tm = seqs->tm;
	} else {
		if (!localtime_r(&sec, &tm))
			memset(&tm, 0, sizeof(tm));
		if (seqs) {
			seqs->tm_valid = true;
			seqs->tm_sec = sec;
			seqs->tm = tm;
		}
	}
	if (tm.tm_hour >= 0 && tm.tm_hour < 100 && tm.tm_min >= 0 && tm.tm_min < 100 &&
	    tm.tm_sec >= 0 && tm.tm_sec < 100) {
		char hms[9] = {(char)('0' + tm.tm_hour / 10), (char)('0' + tm.tm_hour % 10), ':',
		               (char)('0' + tm.tm_min / 10),  (char)('0' + tm.tm_min % 10),  ':',
		               (char)('0' + tm.tm_sec / 10),  (char)('0' + tm.tm_sec % 10),  '.'};
		sb_append(b, hms, sizeof(hms));
	} else {
		sb_printf(b, "%02d:%02d:%02d.", tm.tm_hour, tm.tm_min, tm.tm_sec);
	}
	sb_uint_width(b, (unsigned)(time_us % 1000000), 6);
}

static void format_line(struct sbuf *b, struct trace_seqs *seqs, int relative, uint64_t time_us,
                        const struct segment *seg, struct shown *sh)
{
	format_time(b, seqs, time_us);
	if (seg->ipv6) {
		sb_puts(b, " IP6 ");
		sb_addr6(b, seg->saddr6);
	} else {
		sb_puts(b, " IP ");
		sb_addr(b, seg->saddr);
	}
	sb_putc(b, '.');
	sb_uint(b, seg->sport);
	sb_puts(b, " > ");
	if (seg->ipv6)
		sb_addr6(b, seg->daddr6);
	else
		sb_addr(b, seg->daddr);
	sb_putc(b, '.');
	sb_uint(b, seg->dport);
	sb_puts(b, ": Flags [");
	sb_flags(b, seg->flags);
	sb_putc(b, ']');

	seqs_apply(relative ? seqs : NULL, seg, sh);

	unsigned length = seg->payload_len;
	if (length > 0 || (seg->flags & (TCPF_SYN | TCPF_FIN | TCPF_RST))) {
		sb_puts(b, ", seq ");
		sb_uint(b, sh->seq);
		if (length > 0) {
			sb_putc(b, ':');
			sb_uint(b, (uint32_t)(sh->seq + length));
		}
	}
	if (seg->flags & TCPF_ACK) {
		sb_puts(b, ", ack ");
		sb_uint(b, sh->ack);
	}
	sb_puts(b, ", win ");
	sb_uint(b, seg->win);
	if (seg->flags & TCPF_URG) {
		sb_puts(b, ", urg ");
		sb_uint(b, seg->urg);
	}
	if (seg->options_len > 0 &&
	    !tcpdump_print_options(b, seg->options, seg->options_len, seg->payload_len > 0,
	                           sh->rev ? sh->thseq : sh->thack))
		return;
	sb_puts(b, ", length ");
	sb_uint(b, length);
	if (length > 0)
		tcpdump_print_payload(b, seg);
}

/* format_line, handing out the numbers it showed to whoever asked for them. */
static void format_line_shown(struct sbuf *b, struct trace_seqs *seqs, int relative,
                              uint64_t time_us, const struct segment *seg, uint32_t *shown_seq,
                              uint32_t *shown_ack)
{
	struct shown sh;
	format_line(b, seqs, relative, time_us, seg, &sh);
	if (shown_seq)
		*shown_seq = sh.seq;
	if (shown_ack)
		*shown_ack = sh.ack;
}

int trace_format_tcpdump_ex(char *buf, size_t size, struct trace_seqs *seqs, int relative,
                            uint64_t time_us, const struct segment *seg, uint32_t *shown_seq,
                            uint32_t *shown_ack)
{
	struct sbuf b;
	sb_init_fixed(&b, buf, size);
	format_line_shown(&b, seqs, relative, time_us, seg, shown_seq, shown_ack);
	return sb_len(&b);
}

int trace_format_tcpdump(char *buf, size_t size, struct trace_seqs *seqs, int relative,
                         uint64_t time_us, const struct segment *seg)
{
	return trace_format_tcpdump_ex(buf, size, seqs, relative, time_us, seg, NULL, NULL);
}

char *trace_format_tcpdump_buf(char *buf, size_t size, struct trace_seqs *seqs, int relative,
                               uint64_t time_us, const struct segment *seg, uint32_t *shown_seq,
                               uint32_t *shown_ack)
{
	struct sbuf b;
	sb_init_growing(&b, buf, size);
	format_line_shown(&b, seqs, relative, time_us, seg, shown_seq, shown_ack);
	if (b.len >= b.size) { /* the heap failed while growing: the text was cut */
		sb_release(&b);
		return NULL;
	}
	return b.buf;
}

char *trace_format_tcpdump_alloc(struct trace_seqs *seqs, int relative, uint64_t time_us,
                                 const struct segment *seg, uint32_t *shown_seq,
                                 uint32_t *shown_ack)
{
	char stack[512];
	char *s = trace_format_tcpdump_buf(stack, sizeof(stack), seqs, relative, time_us, seg,
	                                   shown_seq, shown_ack);
	return s == stack ? strdup(s) : s;
}

/* ---- the text trace line ---- */

static void print_ms(struct sbuf *b, uint64_t us)
{
	sb_uint(b, us / 1000);
	unsigned frac = (unsigned)(us % 1000);
	if (frac) {
		/* up to three decimals, trailing zeros dropped */
		char digits[4] = {'.', (char)('0' + frac / 100), (char)('0' + frac / 10 % 10),
		                  (char)('0' + frac % 10)};
		size_t n = frac % 100 == 0 ? 2 : frac % 10 == 0 ? 3 : 4;
		sb_append(b, digits, n);
	}
	sb_puts(b, " ms");
}

/* "SET win 0", "STRIP sack", "CORRUPT payload checksum bad": the rewrite as the rule says it. */
static void print_rewrite(struct sbuf *b, const struct rule *r)
{
	static const char *const strip_names[] = {"sack", "ts", "wscale", "mss"};
	static const char *const corrupt_places[] = {"", " payload", " header"};
	switch (r->action) {
	case RULE_SET:
		sb_puts(b, r->set_field == RULE_SET_WIN ? "SET win " : "SET mss ");
		sb_uint(b, r->set_value);
		break;
	case RULE_STRIP:
		sb_puts(b, "STRIP ");
		sb_puts(b, strip_names[r->strip]);
		break;
	case RULE_CORRUPT:
		sb_puts(b, "CORRUPT");
		sb_puts(b, corrupt_places[r->corrupt]);
		sb_puts(b, r->corrupt_fixed ? " checksum fixed" : " checksum bad");
		break;
	case RULE_DUPLICATE:
		sb_puts(b, "DUPLICATE ");
		sb_uint(b, r->dup_copies);
		break;
	case RULE_RESET:
		sb_puts(b, r->reset_keep ? "RESET, kept" : "RESET");
		break;
	default:
		break;
	}
}

static void print_rule(struct sbuf *b, const struct trace_event *ev)
{
	const struct rule *r = ev->verdict.rule;
	if (!r)
		return;
	sb_puts(b, " rule ");
	sb_uint(b, r->index);
	if (ev->rule_file) {
		sb_puts(b, " (");
		sb_puts(b, ev->rule_file);
		sb_putc(b, ':');
	} else {
		sb_puts(b, " (line ");
	}
	sb_uint(b, r->line);
	sb_putc(b, ')');
}

/* This line has always had three decimals and a rule (0 when none), unlike RELEASED's. */
static void print_dropped_at_exit(struct sbuf *b, const struct trace_event *ev)
{
	const struct rule *r = ev->verdict.rule;
	char ms[64];
	snprintf(ms, sizeof(ms), "DROPPED at exit after %.3f ms, held by rule ",
	         (double)ev->held_us / 1000.0);
	sb_puts(b, ms);
	sb_uint(b, r ? r->index : 0);
	sb_puts(b, " (");
	sb_puts(b, ev->rule_file ? ev->rule_file : "");
	sb_putc(b, ':');
	sb_uint(b, r ? r->line : 0);
	sb_putc(b, ')');
}

void trace_write_kernel_drop_text(FILE *out, uint64_t time_us, const char *note)
{
	char stack[256];
	struct sbuf b;
	sb_init_growing(&b, stack, sizeof(stack));
	format_time(&b, NULL, time_us);
	sb_putc(&b, ' ');
	sb_puts(&b, note);
	sb_putc(&b, '\n');
	fwrite(b.buf, 1, b.len < b.size ? b.len : b.size - 1, out);
	sb_release(&b);
}

void trace_text_line(struct sbuf *b, struct trace_seqs *seqs, const struct trace_event *ev,
                     size_t *tcpdump_len, uint32_t *shown_seq, uint32_t *shown_ack)
{
	struct shown sh;
	format_line(b, seqs, 1, ev->time_us, ev->seg, &sh);
	if (tcpdump_len)
		*tcpdump_len = b->len;
	if (shown_seq)
		*shown_seq = sh.seq;
	if (shown_ack)
		*shown_ack = sh.ack;

	sb_puts(b, "  ");
	trace_verdict_text(b, ev);
	sb_putc(b, '\n');
}

void trace_verdict_text(struct sbuf *b, const struct trace_event *ev)
{
	if (ev->kind == TRACE_RELEASED && (ev->released_after || ev->released_quiet_us)) {
		sb_puts(b, "RELEASED after ");
		if (ev->released_after) {
			sb_uint(b, ev->released_after);
			sb_puts(b, ev->released_after == 1 ? " segment (" : " segments (");
		} else {
			sb_puts(b, "quiet ");
			print_ms(b, ev->released_quiet_us);
			sb_puts(b, " (");
		}
		print_ms(b, ev->held_us);
		sb_puts(b, "), held by");
		print_rule(b, ev);
	} else if (ev->kind == TRACE_RELEASED) {
		sb_puts(b, "RELEASED after ");
		print_ms(b, ev->held_us);
		if (ev->verdict.rule) {
			sb_puts(b, ", held by");
			print_rule(b, ev);
		}
	} else if (ev->kind == TRACE_DROPPED_AT_EXIT) {
		print_dropped_at_exit(b, ev);
	} else if (ev->kind == TRACE_INJECTED) {
		sb_puts(b, "INJECTED");
		print_rule(b, ev);
	} else {
		switch (ev->verdict.action) {
		case RULE_DROP:
			sb_puts(b, ev->verdict.queue_full ? "DROP queue full" : "DROP");
			break;
		case RULE_DELAY:
			sb_puts(b, "HOLD ");
			print_ms(b, ev->verdict.delay_us);
			break;
		case RULE_REORDER:
			sb_puts(b, "HOLD reorder ");
			sb_uint(b, ev->verdict.rule ? ev->verdict.rule->reorder_after : 0);
			break;
		case RULE_DUPLICATE:
		case RULE_RESET:
		case RULE_SET:
		case RULE_STRIP:
		case RULE_CORRUPT:
			if (ev->verdict.rule)
				print_rewrite(b, ev->verdict.rule);
			break;
		case RULE_PASS:
		default:
			sb_puts(b, "pass");
			break;
		}
		print_rule(b, ev);
	}
}

void trace_text_line_write(FILE *out, const struct sbuf *b)
{
	if (b->len < b->size) {
		fwrite(b->buf, 1, b->len, out);
	} else {
		/* the heap failed while the line grew: what fits, and still a whole line */
		fwrite(b->buf, 1, b->size - 1, out);
		fputc('\n', out);
	}
}

void trace_write_text(FILE *out, struct trace_seqs *seqs, const struct trace_event *ev)
{
	/* The whole line is built here and written with one call: the stream's lock and
	 * bookkeeping are paid once per line, not once per piece. */
	char stack[1024];
	struct sbuf b;
	sb_init_growing(&b, stack, sizeof(stack));
	trace_text_line(&b, seqs, ev, NULL, NULL, NULL);
	trace_text_line_write(out, &b);
	sb_release(&b);
}
