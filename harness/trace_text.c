/* trace_text.c: tcpdump's one-line text for an IPv4 TCP segment, and the text trace line.
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
 *   HOLD D ms rule N (FILE:LINE)           the segment is held for D ms (delay + jitter drawn)
 *   RELEASED after D ms, held by rule N (FILE:LINE)
 *                                          a held segment leaves now; the tcpdump text shows
 *                                          the release time
 * D is in milliseconds, an integer when exact, otherwise with up to three decimals.
 */
#include "trace.h"
#include "trace_read.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wire_bytes.h"

/* ---- a string builder with snprintf semantics ----
 * Fixed: writes what fits into the caller's buffer and keeps counting, like snprintf.
 * Growing: starts in the caller's buffer and moves to the heap when the text outgrows it (a
 * line with a long HTTP request line); if the heap fails, the text is cut. */
struct sbuf {
	char *buf;
	size_t size;
	size_t len; /* characters produced, even those that did not fit */
	char *stack;
	bool grow;
};

static void sb_init_fixed(struct sbuf *b, char *buf, size_t size)
{
	*b = (struct sbuf){.buf = buf, .size = size, .stack = buf};
	if (size)
		buf[0] = '\0';
}

static void sb_init_growing(struct sbuf *b, char *buf, size_t size)
{
	sb_init_fixed(b, buf, size);
	b->grow = true;
}

/* A growing builder that is still whole moves to a buffer with room for n more characters and
 * the terminator. Returns the room after the end of the text, 0 when nothing fits. */
static size_t sb_make_room(struct sbuf *b, size_t n)
{
	size_t room = b->len < b->size ? b->size - b->len : 0;
	if (n >= room && b->grow && b->len < b->size) {
		size_t want = b->len + n + 1;
		size_t size = b->size * 2 > want ? b->size * 2 : want;
		char *nb = b->buf == b->stack ? malloc(size) : realloc(b->buf, size);
		if (nb) {
			if (b->buf == b->stack)
				memcpy(nb, b->buf, b->len);
			b->buf = nb;
			b->size = size;
			room = size - b->len;
		}
	}
	return room;
}

__attribute__((format(printf, 2, 3))) static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room = b->len < b->size ? b->size - b->len : 0;
	va_start(ap, fmt);
	int n = vsnprintf(room ? b->buf + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= room && sb_make_room(b, (size_t)n) > (size_t)n) {
		va_start(ap, fmt);
		vsnprintf(b->buf + b->len, b->size - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

/* Appends n bytes, with the semantics of sb_printf("%.*s"): the per-line hot path uses these
 * instead of vsnprintf, which costs far more than the copy for short pieces. */
static void sb_append(struct sbuf *b, const char *s, size_t n)
{
	size_t room = sb_make_room(b, n);
	if (room) {
		size_t k = n < room ? n : room - 1;
		memcpy(b->buf + b->len, s, k);
		b->buf[b->len + k] = '\0';
	}
	b->len += n;
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_append(b, s, strlen(s));
}

static void sb_putc(struct sbuf *b, char c)
{
	if (b->len + 1 < b->size) {
		b->buf[b->len++] = c;
		b->buf[b->len] = '\0';
	} else {
		sb_append(b, &c, 1);
	}
}

/* Decimal digits of v at the end of a buffer of at least 20 bytes; returns the first one. */
static char *fmt_u64(char *end, uint64_t v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

/* "%u" / "%llu" */
static void sb_uint(struct sbuf *b, uint64_t v)
{
	char tmp[20];
	char *p = fmt_u64(tmp + sizeof(tmp), v);
	sb_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* "%0*u" for a value known to fit in width digits */
static void sb_uint_width(struct sbuf *b, unsigned v, unsigned width)
{
	char tmp[10];
	for (unsigned i = width; i > 0; i--) {
		tmp[i - 1] = (char)('0' + v % 10);
		v /= 10;
	}
	sb_append(b, tmp, width);
}

/* "%02x" */
static void sb_hex2(struct sbuf *b, uint8_t v)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[2] = {hex[v >> 4], hex[v & 15]};
	sb_append(b, tmp, 2);
}

/* "%u.%u.%u.%u" */
static void sb_addr(struct sbuf *b, uint32_t addr)
{
	char tmp[16], *p = tmp;
	for (int shift = 24; shift >= 0; shift -= 8) {
		unsigned octet = (addr >> shift) & 0xff;
		if (octet >= 100)
			*p++ = (char)('0' + octet / 100);
		if (octet >= 10)
			*p++ = (char)('0' + octet / 10 % 10);
		*p++ = (char)('0' + octet % 10);
		if (shift)
			*p++ = '.';
	}
	sb_append(b, tmp, (size_t)(p - tmp));
}

static int sb_len(const struct sbuf *b)
{
	return b->len > INT32_MAX ? INT32_MAX : (int)b->len;
}

static void sb_release(struct sbuf *b)
{
	if (b->buf != b->stack)
		free(b->buf);
	b->buf = b->stack;
}

/* ---- tcpdump's relative sequence number table (print-tcp.c tcp_seq_hash4) ---- */

#define TSEQ_HASHSIZE 919

struct seq_entry {
	struct seq_entry *next;
	uint32_t src, dst; /* the key, in tcpdump's collating order */
	uint32_t port;
	uint32_t seq, ack;
};

struct trace_seqs {
	struct seq_entry *bucket[TSEQ_HASHSIZE];
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
	int rev = seg->sport > seg->dport || (seg->sport == seg->dport && seg->saddr > seg->daddr);
	uint32_t ksrc = rev ? seg->daddr : seg->saddr;
	uint32_t kdst = rev ? seg->saddr : seg->daddr;
	uint32_t kport =
	    rev ? (uint32_t)seg->dport << 16 | seg->sport : (uint32_t)seg->sport << 16 | seg->dport;
	struct seq_entry **slot = &t->bucket[kport % TSEQ_HASHSIZE];
	struct seq_entry *e = *slot;
	while (e && !(e->src == ksrc && e->dst == kdst && e->port == kport))
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

int trace_addr_parse(const char *text, uint32_t *addr)
{
	struct in_addr a;
	if (inet_pton(AF_INET, text, &a) != 1)
		return -EINVAL;
	*addr = ntohl(a.s_addr);
	return 0;
}

/* ---- options (print-tcp.c "Handle any options") ---- */

enum {
	OPT_EOL = 0,
	OPT_NOP = 1,
	OPT_MSS = 2,
	OPT_WSCALE = 3,
	OPT_SACKOK = 4,
	OPT_SACK = 5,
	OPT_ECHO = 6,
	OPT_ECHOREPLY = 7,
	OPT_TS = 8,
	OPT_CC = 11,
	OPT_CCNEW = 12,
	OPT_CCECHO = 13,
	OPT_MD5 = 19,
	OPT_SCPS = 20,
	OPT_UTO = 28,
	OPT_TCPAO = 29,
	OPT_MPTCP = 30,
	OPT_TFO = 34,
	OPT_EXP2 = 254,
};

/* print-tcp.c tcp_option_values; NULL: "unknown-N". (CC-echo really prints as nothing.) */
static const char *const option_names[256] = {
    [OPT_EOL] = "eol",       [OPT_NOP] = "nop",
    [OPT_MSS] = "mss",       [OPT_WSCALE] = "wscale",
    [OPT_SACKOK] = "sackOK", [OPT_SACK] = "sack",
    [OPT_ECHO] = "echo",     [OPT_ECHOREPLY] = "echoreply",
    [OPT_TS] = "TS",         [OPT_CC] = "cc",
    [OPT_CCNEW] = "ccnew",   [OPT_CCECHO] = "",
    [OPT_MD5] = "md5",       [OPT_SCPS] = "scps",
    [OPT_UTO] = "uto",       [OPT_TCPAO] = "tcp-ao",
    [OPT_MPTCP] = "mptcp",   [OPT_TFO] = "tfo",
    [OPT_EXP2] = "exp",
};

static void print_fastopen(struct sbuf *b, const uint8_t *cp, unsigned datalen, bool exp)
{
	if (exp)
		sb_puts(b, "tfo");
	if (datalen == 0) {
		sb_puts(b, " cookiereq");
	} else if (datalen % 2 != 0 || datalen < 4 || datalen > 16) {
		sb_puts(b, " (invalid)");
	} else {
		sb_puts(b, " cookie ");
		for (unsigned i = 0; i < datalen; i++)
			sb_hex2(b, cp[i]);
	}
}

/* Prints ", options [...]". Returns false after printing tcpdump's "[bad opt]" (tcpdump then
 * stops the line: no ", length"). hlen counts option bytes; the bytes are inside the header,
 * so every read below is within cp[0..hlen). */
static bool print_options(struct sbuf *b, const uint8_t *cp, unsigned hlen, bool more_data,
                          const struct shown *sh)
{
	char ch = '\0';
	sb_puts(b, ", options [");
	while (hlen > 0) {
		if (ch != '\0')
			sb_putc(b, ch);
		unsigned opt = *cp++;
		unsigned len, datalen;
		bool zerolen = opt == OPT_EOL || opt == OPT_NOP;
		if (zerolen) {
			len = 1;
		} else {
			/* tcpdump reads the length byte even past the options: a payload byte
			 * then fails its "len > hlen" test; with no payload the read runs off
			 * the datagram and tcpdump ends the line as truncated. */
			if (hlen < 2) {
				if (!more_data)
					goto trunc;
				goto bad;
			}
			len = *cp++;
			if (len < 2 || len > hlen)
				goto bad;
			--hlen;
		}
		--hlen;
		datalen = 0;
#define LENCHECK(l)                                                                                \
	do {                                                                                       \
		if ((l) > hlen)                                                                    \
			goto bad;                                                                  \
	} while (0)
		const char *name = option_names[opt];
		if (name) {
			sb_puts(b, name);
		} else {
			sb_puts(b, "unknown-");
			sb_uint(b, opt);
		}

		switch (opt) {
		case OPT_MSS:
			datalen = 2;
			LENCHECK(datalen);
			sb_putc(b, ' ');
			sb_uint(b, wire_get16(cp));
			break;
		case OPT_WSCALE:
			datalen = 1;
			LENCHECK(datalen);
			sb_putc(b, ' ');
			sb_uint(b, cp[0]);
			break;
		case OPT_SACK:
			datalen = len - 2;
			if (datalen % 8 != 0) {
				sb_puts(b, " invalid sack");
			} else {
				sb_putc(b, ' ');
				sb_uint(b, datalen / 8);
				sb_putc(b, ' ');
				for (unsigned i = 0; i < datalen; i += 8) {
					LENCHECK(i + 4);
					uint32_t s = wire_get32(cp + i);
					LENCHECK(i + 8);
					uint32_t e = wire_get32(cp + i + 4);
					/* SACK blocks speak of the other direction's sequence space
					 */
					uint32_t base = sh->rev ? sh->thseq : sh->thack;
					sb_putc(b, '{');
					sb_uint(b, s - base);
					sb_putc(b, ':');
					sb_uint(b, e - base);
					sb_putc(b, '}');
				}
			}
			break;
		case OPT_CC:
		case OPT_CCNEW:
		case OPT_CCECHO:
		case OPT_ECHO:
		case OPT_ECHOREPLY:
			datalen = 4;
			LENCHECK(datalen);
			sb_putc(b, ' ');
			sb_uint(b, wire_get32(cp));
			break;
		case OPT_TS:
			datalen = 8;
			LENCHECK(datalen);
			sb_puts(b, " val ");
			sb_uint(b, wire_get32(cp));
			sb_puts(b, " ecr ");
			sb_uint(b, wire_get32(cp + 4));
			break;
		case OPT_MD5:
			datalen = 16;
			LENCHECK(datalen);
			/* tcpdump built with libcrypto (Debian's) cannot check without -M */
			sb_puts(b, " shared secret not supplied with -M, can't check - ");
			for (unsigned i = 0; i < 16; i++)
				sb_hex2(b, cp[i]);
			break;
		case OPT_SCPS:
			datalen = 2;
			LENCHECK(datalen);
			sb_printf(b, " cap %02x id %u", cp[0], cp[1]);
			break;
		case OPT_UTO: {
			datalen = 2;
			LENCHECK(datalen);
			unsigned uto = wire_get16(cp);
			sb_printf(b, " 0x%x", uto);
			/* RFC 5482 3: the low bit says minutes */
			uto = (uto & 1) ? (uto >> 1) * 60 : uto >> 1;
			sb_printf(b, " %u", uto);
			break;
		}
		case OPT_TCPAO:
			datalen = len - 2;
			if (datalen < 2) {
				sb_puts(b, " (invalid)");
			} else {
				LENCHECK(1);
				sb_printf(b, " keyid %u", cp[0]);
				LENCHECK(2);
				sb_printf(b, " rnextkeyid %u", cp[1]);
				if (datalen > 2) {
					sb_puts(b, " mac 0x");
					for (unsigned i = 2; i < datalen; i++) {
						LENCHECK(i + 1);
						sb_hex2(b, cp[i]);
					}
				}
			}
			break;
		case OPT_TFO:
			datalen = len - 2;
			LENCHECK(datalen);
			sb_putc(b, ' ');
			print_fastopen(b, cp, datalen, false);
			break;
		case OPT_EXP2: {
			datalen = len - 2;
			LENCHECK(datalen);
			if (datalen < 2)
				goto bad;
			unsigned magic = wire_get16(cp);
			sb_putc(b, '-');
			if (magic == 0xf989) /* RFC 7413 experimental Fast Open */
				print_fastopen(b, cp + 2, datalen - 2, true);
			else
				sb_printf(b, "%04x", magic);
			break;
		}
		case OPT_EOL:
		case OPT_NOP:
		case OPT_SACKOK:
			break;
		case OPT_MPTCP:
			/* tcpdump decodes MPTCP subtypes; we show the bytes */
		default:
			datalen = len - 2;
			if (datalen)
				sb_puts(b, " 0x");
			for (unsigned i = 0; i < datalen; i++) {
				LENCHECK(i + 1);
				sb_hex2(b, cp[i]);
			}
			break;
		}
#undef LENCHECK
		cp += datalen;
		hlen -= datalen;
		/* tcpdump flags an option whose length disagrees with what its kind needs */
		++datalen;
		if (!zerolen)
			++datalen;
		if (datalen != len)
			sb_printf(b, "[len %u]", len);
		ch = ',';
		if (opt == OPT_EOL)
			break;
	}
	sb_putc(b, ']');
	return true;
bad:
	sb_puts(b, "[bad opt]");
	if (ch != '\0')
		sb_putc(b, ']');
	return false;
trunc:
	sb_puts(b, " [|tcp]");
	return false;
}

/* ---- text protocols (util-print.c txtproto_print, non-verbose) ---- */

static const char *const http_cmds[] = {
    "GET",
    "PUT",
    "COPY",
    "HEAD",
    "LOCK",
    "MOVE",
    "POLL",
    "POST",
    "BCOPY",
    "BMOVE",
    "MKCOL",
    "TRACE",
    "LABEL",
    "MERGE",
    "DELETE",
    "SEARCH",
    "UNLOCK",
    "REPORT",
    "UPDATE",
    "NOTIFY",
    "BDELETE",
    "CONNECT",
    "OPTIONS",
    "CHECKIN",
    "PROPFIND",
    "CHECKOUT",
    "CCM_POST",
    "SUBSCRIBE",
    "PROPPATCH",
    "BPROPFIND",
    "BPROPPATCH",
    "UNCHECKOUT",
    "MKACTIVITY",
    "MKWORKSPACE",
    "UNSUBSCRIBE",
    "RPC_CONNECT",
    "VERSION-CONTROL",
    "BASELINE-CONTROL",
    NULL,
};

static const char *const rtsp_cmds[] = {
    "DESCRIBE", "ANNOUNCE", "GET_PARAMETER", "OPTIONS",       "PAUSE",    "PLAY",
    "RECORD",   "REDIRECT", "SETUP",         "SET_PARAMETER", "TEARDOWN", NULL,
};

#define MAX_TOKEN 128

static bool is_print(uint8_t c)
{
	return c >= 0x20 && c <= 0x7e;
}

/* A token and the blanks after it; returns the index after them, 0 when there is no token. */
static unsigned fetch_token(const uint8_t *p, unsigned idx, unsigned len, char *tok, size_t toksize)
{
	size_t toklen = 0;
	for (; idx < len; idx++) {
		uint8_t c = p[idx];
		if (c >= 0x80)
			return 0;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			break;
		if (!is_print(c))
			return 0;
		if (toklen + 2 > toksize)
			return 0;
		tok[toklen++] = (char)c;
	}
	if (toklen == 0)
		return 0;
	tok[toklen] = '\0';
	for (; idx < len; idx++) {
		uint8_t c = p[idx];
		if (c == '\r' || c == '\n' || !is_print(c) || (c != ' ' && c != '\t'))
			break;
	}
	return idx;
}

/* The first line, if it is all printable text (tab allowed) ending in LF, CRLF or the data. */
static void print_first_line(struct sbuf *b, const uint8_t *p, unsigned len)
{
	unsigned idx = 0;
	while (idx < len) {
		uint8_t c = p[idx];
		if (c == '\n')
			break;
		if (c == '\r') {
			if (idx + 1 >= len || p[idx + 1] != '\n')
				return;
			break;
		}
		if (!is_print(c) && c != '\t')
			return;
		idx++;
	}
	/* the bytes are printable or tab, so no NUL ends "%.*s" early */
	sb_puts(b, ": ");
	sb_append(b, (const char *)p, idx);
}

static void print_txtproto(struct sbuf *b, const uint8_t *p, unsigned len, const char *proto,
                           const char *const *cmds)
{
	bool print_this = false;
	if (cmds) {
		/* a request (known method) or a response (second token is a 3-digit code) */
		char tok[MAX_TOKEN + 1];
		unsigned idx = fetch_token(p, 0, len, tok, sizeof(tok));
		if (idx != 0) {
			for (const char *const *c = cmds; *c; c++)
				if (strcasecmp(tok, *c) == 0) {
					print_this = true;
					break;
				}
			idx = fetch_token(p, idx, len, tok, sizeof(tok));
			if (idx != 0 && tok[0] >= '0' && tok[0] <= '9' && tok[1] >= '0' &&
			    tok[1] <= '9' && tok[2] >= '0' && tok[2] <= '9' && tok[3] == '\0')
				print_this = true;
		}
	} else {
		print_this = true;
	}
	sb_puts(b, proto);
	if (print_this)
		print_first_line(b, p, len);
}

/* print-ssh.c: the identification string (RFC 4253 4.2), when it is all there. */
static void print_ssh_version(struct sbuf *b, const uint8_t *p, unsigned len)
{
	static const char prefix[] = "SSH-";
	for (unsigned i = 0; i < 4; i++) {
		if (i >= len) {
			sb_printf(b, " [|ssh]"); /* tcpdump reads on past the data */
			return;
		}
		if (p[i] != (uint8_t)prefix[i])
			return;
	}
	for (unsigned idx = 4; idx < len; idx++) {
		if (p[idx] == '\n' || (p[idx] == '\r' && idx + 1 < len && p[idx + 1] == '\n')) {
			sb_puts(b, ": SSH: ");
			sb_append(b, (const char *)p, idx);
			return;
		}
		if (!is_print(p[idx]))
			return;
	}
}

static void print_payload(struct sbuf *b, const struct segment *seg)
{
#define PORT_IS(p) (seg->sport == (p) || seg->dport == (p))
	const uint8_t *p = seg->payload;
	unsigned len = seg->payload_len;
	/* print-tcp.c's order. Ports it hands to decoders we do not reproduce (telnet, BGP,
	 * PPTP, Redis, NetBIOS, SMB, BEEP, OpenFlow, DNS, ...) print nothing here. */
	if (PORT_IS(23))
		return;
	if (PORT_IS(25)) {
		sb_puts(b, ": ");
		print_txtproto(b, p, len, "SMTP", NULL);
	} else if (PORT_IS(43)) {
		sb_puts(b, ": ");
		print_txtproto(b, p, len, "WHOIS", NULL);
	} else if (PORT_IS(179) || PORT_IS(1723) || PORT_IS(6379)) {
		return;
	} else if (PORT_IS(22)) {
		print_ssh_version(b, p, len);
	} else if (PORT_IS(139) || PORT_IS(445) || PORT_IS(10288) || PORT_IS(6633) ||
	           PORT_IS(6653)) {
		return;
	} else if (PORT_IS(21)) {
		sb_puts(b, ": ");
		print_txtproto(b, p, len, "FTP", NULL);
	} else if (PORT_IS(80) || PORT_IS(8080)) {
		sb_puts(b, ": ");
		print_txtproto(b, p, len, "HTTP", http_cmds);
	} else if (PORT_IS(554) || PORT_IS(8554)) {
		sb_puts(b, ": ");
		print_txtproto(b, p, len, "RTSP", rtsp_cmds);
	}
#undef PORT_IS
}

/* ---- the line ---- */

static void format_line(struct sbuf *b, struct trace_seqs *seqs, int relative, uint64_t time_us,
                        const struct segment *seg, struct shown *sh)
{
	time_t sec = (time_t)(time_us / 1000000);
	struct tm tm;
	if (!localtime_r(&sec, &tm))
		memset(&tm, 0, sizeof(tm));
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
	sb_puts(b, " IP ");
	sb_addr(b, seg->saddr);
	sb_putc(b, '.');
	sb_uint(b, seg->sport);
	sb_puts(b, " > ");
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
	    !print_options(b, seg->options, seg->options_len, seg->payload_len > 0, sh))
		return;
	sb_puts(b, ", length ");
	sb_uint(b, length);
	if (length > 0)
		print_payload(b, seg);
}

int trace_format_tcpdump_ex(char *buf, size_t size, struct trace_seqs *seqs, int relative,
                            uint64_t time_us, const struct segment *seg, uint32_t *shown_seq,
                            uint32_t *shown_ack)
{
	struct sbuf b;
	sb_init_fixed(&b, buf, size);
	struct shown sh;
	format_line(&b, seqs, relative, time_us, seg, &sh);
	if (shown_seq)
		*shown_seq = sh.seq;
	if (shown_ack)
		*shown_ack = sh.ack;
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
	struct shown sh;
	format_line(&b, seqs, relative, time_us, seg, &sh);
	if (shown_seq)
		*shown_seq = sh.seq;
	if (shown_ack)
		*shown_ack = sh.ack;
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

void trace_write_text(FILE *out, struct trace_seqs *seqs, const struct trace_event *ev)
{
	/* The whole line is built here and written with one call: the stream's lock and
	 * bookkeeping are paid once per line, not once per piece. */
	char stack[1024];
	struct sbuf b;
	sb_init_growing(&b, stack, sizeof(stack));
	struct shown sh;
	format_line(&b, seqs, 1, ev->time_us, ev->seg, &sh);

	sb_puts(&b, "  ");
	if (ev->kind == TRACE_RELEASED) {
		sb_puts(&b, "RELEASED after ");
		print_ms(&b, ev->held_us);
		if (ev->verdict.rule) {
			sb_puts(&b, ", held by");
			print_rule(&b, ev);
		}
	} else {
		switch (ev->verdict.action) {
		case RULE_DROP:
			sb_puts(&b, "DROP");
			break;
		case RULE_DELAY:
			sb_puts(&b, "HOLD ");
			print_ms(&b, ev->verdict.delay_us);
			break;
		case RULE_PASS:
		default:
			sb_puts(&b, "pass");
			break;
		}
		print_rule(&b, ev);
	}
	sb_putc(&b, '\n');
	if (b.len < b.size) {
		fwrite(b.buf, 1, b.len, out);
	} else {
		/* the heap failed while the line grew: what fits, and still a whole line */
		fwrite(b.buf, 1, b.size - 1, out);
		fputc('\n', out);
	}
	sb_release(&b);
}
