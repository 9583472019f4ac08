/* tcpdump_print.c: what tcpdump prints after a TCP header's numbers: the options
 * (print-tcp.c) and the first line of text protocols (util-print.c txtproto_print), for
 * trace_text.c's line. */
#include "tcpdump_print.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/wire_bytes.h"

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

/* cp[from..to) in hex; false at the first byte past hlen, as tcpdump stops there. */
static bool print_hex(struct sbuf *b, const uint8_t *cp, unsigned from, unsigned to, unsigned hlen)
{
	for (unsigned i = from; i < to; i++) {
		if (i + 1 > hlen)
			return false;
		sb_hex2(b, cp[i]);
	}
	return true;
}

/* SACK blocks relative to sack_base; false when one runs past hlen. */
static bool print_sack(struct sbuf *b, const uint8_t *cp, unsigned datalen, unsigned hlen,
                       uint32_t sack_base)
{
	if (datalen % 8 != 0) {
		sb_puts(b, " invalid sack");
		return true;
	}
	sb_putc(b, ' ');
	sb_uint(b, datalen / 8);
	sb_putc(b, ' ');
	for (unsigned i = 0; i < datalen; i += 8) {
		if (i + 4 > hlen)
			return false;
		uint32_t s = wire_get32(cp + i);
		if (i + 8 > hlen)
			return false;
		uint32_t e = wire_get32(cp + i + 4);
		sb_putc(b, '{');
		sb_uint(b, s - sack_base);
		sb_putc(b, ':');
		sb_uint(b, e - sack_base);
		sb_putc(b, '}');
	}
	return true;
}

/* TCP-AO (RFC 5925 2.2): key ids and MAC; false when they run past hlen. */
static bool print_tcp_ao(struct sbuf *b, const uint8_t *cp, unsigned datalen, unsigned hlen)
{
	if (datalen < 2) {
		sb_puts(b, " (invalid)");
		return true;
	}
	if (hlen < 1)
		return false;
	sb_printf(b, " keyid %u", cp[0]);
	if (hlen < 2)
		return false;
	sb_printf(b, " rnextkeyid %u", cp[1]);
	if (datalen > 2) {
		sb_puts(b, " mac 0x");
		return print_hex(b, cp, 2, datalen, hlen);
	}
	return true;
}

/* The bytes of option opt after its kind and length byte, as tcpdump prints them; *taken: how
 * many it read. false when they run past the options (tcpdump's "[bad opt]"). */
static bool print_option_data(struct sbuf *b, unsigned opt, const uint8_t *cp, unsigned len,
                              unsigned hlen, uint32_t sack_base, unsigned *taken)
{
	unsigned datalen = 0;
#define LENCHECK(l)                                                                                \
	do {                                                                                       \
		if ((l) > hlen)                                                                    \
			return false;                                                              \
	} while (0)
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
		if (!print_sack(b, cp, datalen, hlen, sack_base))
			return false;
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
		if (!print_tcp_ao(b, cp, datalen, hlen))
			return false;
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
			return false;
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
		if (!print_hex(b, cp, 0, datalen, hlen))
			return false;
		break;
	}
#undef LENCHECK
	*taken = datalen;
	return true;
}

/* Prints ", options [...]". Returns false after printing tcpdump's "[bad opt]" (tcpdump then
 * stops the line: no ", length"). hlen counts option bytes; the bytes are inside the header,
 * so every read below is within cp[0..hlen). */
bool tcpdump_print_options(struct sbuf *b, const uint8_t *cp, unsigned hlen, bool more_data,
                           uint32_t sack_base)
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
		const char *name = option_names[opt];
		if (name) {
			sb_puts(b, name);
		} else {
			sb_puts(b, "unknown-");
			sb_uint(b, opt);
		}

		if (!print_option_data(b, opt, cp, len, hlen, sack_base, &datalen))
			goto bad;
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

void tcpdump_print_payload(struct sbuf *b, const struct segment *seg)
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
