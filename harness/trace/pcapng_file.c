/* pcapng_file.c: pcapng blocks (layout in pcapng.h). No libpcap: each block is built whole in
 * memory, then written with one call, so a reader tailing the file never meets half a block
 * after a flush. */
#include "pcapng.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/sbuf.h"
#include "common/wire_bytes.h"
#include "trace_read.h"

#define BLOCK_SHB 0x0a0d0d0au
#define BLOCK_IDB 0x00000001u
#define BLOCK_EPB 0x00000006u
#define BYTE_ORDER_MAGIC 0x1a2b3c4du
/* LINKTYPE_IPV4, not LINKTYPE_RAW (101) as the classic pcap: libpcap 1.10 refuses a pcapng whose
 * second interface has link type 101 (it compares it with the first one's DLT_RAW, 12), and
 * every interface of a file must share one link type for tcpdump. */
#define LINKTYPE_IPV4 228
#define LINKTYPE_IPV6 229
#define SNAPLEN 65535u

enum {
	OPT_ENDOFOPT = 0,
	OPT_COMMENT = 1,
	SHB_USERAPPL = 4,
	IF_NAME = 2,
	IF_DESCRIPTION = 3,
	IF_TSRESOL = 9,
};

/* An option's value is at most 65535 bytes; a longer comment is cut, and says so. */
#define OPT_MAX 65535u
static const char cut_note[] = "\n[cut: longer than a pcapng option holds]";

struct block {
	uint8_t *buf;
	size_t len, cap;
	bool failed; /* out of memory: the block is not written */
};

static void put(struct block *b, const void *data, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		uint8_t *nb = realloc(b->buf, cap);
		if (!nb) {
			b->failed = true;
			return;
		}
		b->buf = nb;
		b->cap = cap;
	}
	if (n) /* an empty option has no value: memcpy must not be given its NULL */
		memcpy(b->buf + b->len, data, n);
	b->len += n;
}

static void put16(struct block *b, uint16_t v)
{
	put(b, &v, 2);
}

static void put32(struct block *b, uint32_t v)
{
	put(b, &v, 4);
}

static void pad4(struct block *b)
{
	static const uint8_t zero[3];
	put(b, zero, (4 - b->len % 4) % 4);
}

static void begin(struct block *b, uint32_t type)
{
	*b = (struct block){0};
	put32(b, type);
	put32(b, 0); /* the total length, known at the end */
}

static void option(struct block *b, uint16_t code, const void *value, size_t len)
{
	put16(b, code);
	put16(b, (uint16_t)len);
	put(b, value, len);
	pad4(b);
}

/* A text option, cut (with a note) when it would not fit. */
static void option_text(struct block *b, uint16_t code, const char *text)
{
	size_t len = strlen(text);
	if (len <= OPT_MAX) {
		option(b, code, text, len);
		return;
	}
	size_t keep = OPT_MAX - (sizeof(cut_note) - 1);
	put16(b, code);
	put16(b, (uint16_t)OPT_MAX);
	put(b, text, keep);
	put(b, cut_note, sizeof(cut_note) - 1);
	pad4(b);
}

/* The end of the options, the trailing length, and the block to out. */
static int finish(struct block *b, FILE *out, bool options)
{
	if (options)
		option(b, OPT_ENDOFOPT, NULL, 0);
	put32(b, (uint32_t)(b->len + 4));
	int rc = 0;
	if (b->failed) {
		rc = -ENOMEM;
	} else {
		uint32_t total = (uint32_t)b->len;
		memcpy(b->buf + 4, &total, 4);
		memcpy(b->buf + b->len - 4, &total, 4);
		if (fwrite(b->buf, b->len, 1, out) != 1)
			rc = -EIO;
	}
	free(b->buf);
	return rc;
}

static int write_interface(FILE *out, uint16_t linktype, const char *name, const char *description)
{
	struct block b;
	begin(&b, BLOCK_IDB);
	put16(&b, linktype);
	put16(&b, 0); /* reserved */
	put32(&b, SNAPLEN);
	option_text(&b, IF_NAME, name);
	option_text(&b, IF_DESCRIPTION, description);
	uint8_t resol = 6; /* 10^-6 s: the daemon's clock, as the classic pcap has it */
	option(&b, IF_TSRESOL, &resol, 1);
	return finish(&b, out, true);
}

/* The rule file as a comment: its name on the first line, then its text as it was read. */
static char *rules_comment(const struct pcapng_section *s)
{
	char stack[256];
	struct sbuf c;
	sb_init_growing(&c, stack, sizeof(stack));
	if (!s->rules_name) {
		sb_puts(&c, "no rules: every packet passes");
	} else {
		sb_printf(&c, "rules %s:\n", s->rules_name);
		sb_puts(&c, s->rules_text ? s->rules_text : "(the file could not be read again)");
	}
	if (c.len >= c.size) {
		sb_release(&c);
		return NULL;
	}
	return c.buf == stack ? strdup(stack) : c.buf;
}

int pcapng_write_header(FILE *out, const struct pcapng_section *s)
{
	char *rules = rules_comment(s);
	if (!rules)
		return -ENOMEM;
	struct block b;
	begin(&b, BLOCK_SHB);
	put32(&b, BYTE_ORDER_MAGIC);
	put16(&b, 1); /* version 1.0 */
	put16(&b, 0);
	put32(&b, 0xffffffffu); /* section length -1: not given, the section is read through */
	put32(&b, 0xffffffffu);
	char seed[40];
	snprintf(seed, sizeof(seed), "seed %" PRIu64, s->seed);
	option_text(&b, OPT_COMMENT, seed);
	if (s->reloaded_us) {
		char when[120];
		snprintf(when, sizeof(when),
		         "rules reloaded at %" PRIu64 ".%06" PRIu64
		         " s (SIGHUP): they judged every packet of this section",
		         s->reloaded_us / 1000000u, s->reloaded_us % 1000000u);
		option_text(&b, OPT_COMMENT, when);
	}
	option_text(&b, OPT_COMMENT, rules);
	option_text(&b, SHB_USERAPPL, s->userappl);
	free(rules);
	int rc = finish(&b, out, true);
	char client[16], desc[80];
	trace_addr_str(client, sizeof(client), s->client_addr);
	snprintf(desc, sizeof(desc), "packets sent by the client %s", client);
	if (rc == 0)
		rc = write_interface(out, LINKTYPE_IPV4, "client side", desc);
	if (rc == 0)
		rc = write_interface(out, LINKTYPE_IPV4, "server side",
		                     "packets sent by the server (and any other)");
	return rc;
}

int pcapng_write_ipv6_interfaces(FILE *out, const uint8_t client6[16])
{
	char client[46], desc[100];
	struct ip_addr a;
	memcpy(a.b, client6, 16);
	trace_ip_addr_str(client, sizeof(client), &a);
	snprintf(desc, sizeof(desc), "IPv6 packets sent by the client %s", client);
	int rc = write_interface(out, LINKTYPE_IPV6, "client side, IPv6", desc);
	if (rc == 0)
		rc = write_interface(out, LINKTYPE_IPV6, "server side, IPv6",
		                     "IPv6 packets sent by the server (and any other)");
	return rc;
}

bool pcapng_is_ipv6(const uint8_t *pkt, size_t len)
{
	return pkt && len >= 1 && pkt[0] >> 4 == 6;
}

int pcapng_write_packet(FILE *out, uint32_t iface, uint64_t time_us, const uint8_t *pkt, size_t len,
                        const char *comment)
{
	uint32_t caplen = len > SNAPLEN ? SNAPLEN : (uint32_t)len;
	struct block b;
	begin(&b, BLOCK_EPB);
	put32(&b, iface);
	put32(&b, (uint32_t)(time_us >> 32));
	put32(&b, (uint32_t)time_us);
	put32(&b, caplen);
	put32(&b, len > UINT32_MAX ? UINT32_MAX : (uint32_t)len);
	if (caplen)
		put(&b, pkt, caplen);
	pad4(&b);
	if (comment)
		option_text(&b, OPT_COMMENT, comment);
	return finish(&b, out, comment != NULL);
}

int pcapng_write_event(FILE *out, const struct trace_event *ev)
{
	char stack[256];
	struct sbuf c;
	sb_init_growing(&c, stack, sizeof(stack));
	trace_verdict_text(&c, ev);
	int rc = -ENOMEM;
	if (c.len < c.size) {
		uint32_t iface =
		    ev->dir && strcmp(ev->dir, "c2s") == 0 ? PCAPNG_IF_CLIENT : PCAPNG_IF_SERVER;
		if (pcapng_is_ipv6(ev->pkt, ev->len))
			iface += PCAPNG_IF_CLIENT6;
		rc = pcapng_write_packet(out, iface, ev->time_us, ev->pkt, ev->len, c.buf);
	}
	sb_release(&c);
	return rc;
}

int pcapng_write_unjudged(FILE *out, uint64_t time_us, const uint8_t *pkt, size_t len,
                          uint32_t client_addr, const char *reason)
{
	if (!pkt || len < 20 || pkt[0] >> 4 != 4)
		return 0; /* not IPv4: not for LINKTYPE_IPV4 (the classic pcap has it) */
	uint32_t iface = wire_get32(pkt + 12) == client_addr ? PCAPNG_IF_CLIENT : PCAPNG_IF_SERVER;
	char comment[128];
	snprintf(comment, sizeof(comment), "pass (%s)", reason);
	return pcapng_write_packet(out, iface, time_us, pkt, len, comment);
}
