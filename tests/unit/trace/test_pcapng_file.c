/* test_pcapng_file.c: the pcapng writer, read back three ways: by a reader of its own here that
 * follows the format's text and shares nothing with the writer, by tshark (the comments as
 * Wireshark shows them) and by tcpdump (libpcap's pcapng reader). ./synfin installs both. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/wire_bytes.h"
#include "test_support.h"
#include "trace/pcapng.h"
#include "trace/trace.h"
#include "wire/segment.h"

#define CLIENT 0x0a000101u
#define SERVER 0x0a000102u
#define T0 1763939345621802ull

/* ---- an independent reader ---- */

#define MAX_RECORDS 16
#define MAX_TEXT 70000

struct record {
	uint32_t iface;
	uint64_t ts;
	uint32_t caplen, origlen;
	uint8_t data[256];
	char comment[256];
};

struct capture {
	bool swapped;
	unsigned n_shb_comments;
	char shb_comment[3][MAX_TEXT];
	char userappl[64];
	unsigned n_ifaces;
	uint16_t linktype[4];
	uint32_t snaplen[4];
	char if_name[4][64];
	char if_description[4][128];
	int tsresol[4]; /* -1: option absent */
	unsigned n;
	struct record r[MAX_RECORDS];
};

static uint32_t get32(const struct capture *c, const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return c->swapped ? __builtin_bswap32(v) : v;
}

static uint16_t get16(const struct capture *c, const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return c->swapped ? __builtin_bswap16(v) : v;
}

static void copy_text(char *dst, size_t size, const uint8_t *src, size_t len)
{
	ck_assert_uint_lt(len, size);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* Options from p to end: each code, length, value padded to 4, ending with opt_endofopt. */
typedef void (*option_fn)(struct capture *c, void *arg, uint16_t code, const uint8_t *v,
                          uint16_t len);

static void walk_options(struct capture *c, const uint8_t *p, const uint8_t *end, option_fn fn,
                         void *arg)
{
	bool ended = false;
	while (p + 4 <= end) {
		uint16_t code = get16(c, p), len = get16(c, p + 2);
		p += 4;
		if (code == 0) {
			ck_assert_uint_eq(len, 0);
			ended = true;
			break;
		}
		ck_assert_msg(p + len <= end, "option %u runs past its block", code);
		fn(c, arg, code, p, len);
		p += (len + 3u) & ~3u;
	}
	ck_assert_msg(ended && p == end, "options do not end with opt_endofopt at the block's end");
}

static void shb_option(struct capture *c, void *arg, uint16_t code, const uint8_t *v, uint16_t len)
{
	(void)arg;
	if (code == 1) {
		ck_assert_uint_lt(c->n_shb_comments, 3);
		copy_text(c->shb_comment[c->n_shb_comments++], MAX_TEXT, v, len);
	} else if (code == 4) {
		copy_text(c->userappl, sizeof(c->userappl), v, len);
	}
}

static void idb_option(struct capture *c, void *arg, uint16_t code, const uint8_t *v, uint16_t len)
{
	unsigned i = *(unsigned *)arg;
	if (code == 2)
		copy_text(c->if_name[i], sizeof(c->if_name[i]), v, len);
	else if (code == 3)
		copy_text(c->if_description[i], sizeof(c->if_description[i]), v, len);
	else if (code == 9 && len == 1)
		c->tsresol[i] = v[0];
}

static void epb_option(struct capture *c, void *arg, uint16_t code, const uint8_t *v, uint16_t len)
{
	(void)c;
	struct record *r = arg;
	if (code == 1)
		copy_text(r->comment, sizeof(r->comment), v, len);
}

static void read_block(struct capture *c, uint32_t type, const uint8_t *b, uint32_t total)
{
	const uint8_t *body = b + 8, *end = b + total - 4;
	if (type == 0x0a0d0d0a) {
		ck_assert_uint_eq(get16(c, body + 4), 1); /* major version */
		walk_options(c, body + 16, end, shb_option, NULL);
	} else if (type == 1) {
		unsigned i = c->n_ifaces++;
		ck_assert_uint_lt(i, 4);
		c->linktype[i] = get16(c, body);
		c->snaplen[i] = get32(c, body + 4);
		c->tsresol[i] = -1;
		walk_options(c, body + 8, end, idb_option, &i);
	} else if (type == 6) {
		ck_assert_uint_lt(c->n, MAX_RECORDS);
		struct record *r = &c->r[c->n++];
		r->iface = get32(c, body);
		r->ts = (uint64_t)get32(c, body + 4) << 32 | get32(c, body + 8);
		r->caplen = get32(c, body + 12);
		r->origlen = get32(c, body + 16);
		ck_assert_uint_le(r->caplen, sizeof(r->data));
		ck_assert_msg(body + 20 + r->caplen <= end, "packet data runs past its block");
		memcpy(r->data, body + 20, r->caplen);
		const uint8_t *opts = body + 20 + ((r->caplen + 3u) & ~3u);
		if (opts < end)
			walk_options(c, opts, end, epb_option, r);
		ck_assert_uint_lt(r->iface, c->n_ifaces); /* an interface described before use */
	} else {
		ck_abort_msg("unexpected block type 0x%08x", type);
	}
}

static void read_capture(const uint8_t *f, size_t size, struct capture *c)
{
	memset(c, 0, sizeof(*c));
	ck_assert_uint_ge(size, 28);
	uint32_t type;
	memcpy(&type, f, 4);
	ck_assert_uint_eq(type, 0x0a0d0d0a); /* the same either way round */
	uint32_t bom;
	memcpy(&bom, f + 8, 4);
	ck_assert(bom == 0x1a2b3c4d || bom == 0x4d3c2b1a);
	c->swapped = bom != 0x1a2b3c4d;
	size_t off = 0;
	while (off < size) {
		ck_assert_uint_ge(size - off, 12);
		uint32_t t = get32(c, f + off), total = get32(c, f + off + 4);
		ck_assert_msg(total % 4 == 0 && total >= 12 && total <= size - off,
		              "block at %zu: bad length %u", off, total);
		ck_assert_uint_eq(get32(c, f + off + total - 4), total);
		read_block(c, t, f + off, total);
		off += total;
	}
}

/* ---- what is written ---- */

static size_t build(uint8_t *b, uint32_t src, uint32_t dst, uint8_t flags, size_t plen)
{
	size_t total = 40 + plen;
	memset(b, 0, total);
	b[0] = 0x45;
	wire_put16(b + 2, (unsigned)total);
	b[8] = 64;
	b[9] = 6;
	wire_put32(b + 12, src);
	wire_put32(b + 16, dst);
	wire_put16(b + 20, src == CLIENT ? 40000 : 80);
	wire_put16(b + 22, src == CLIENT ? 80 : 40000);
	wire_put32(b + 24, 1000);
	wire_put32(b + 28, 2000);
	b[32] = 5 << 4;
	b[33] = flags;
	wire_put16(b + 34, 502);
	memset(b + 40, 'x', plen);
	return total;
}

struct out {
	char *buf;
	size_t size;
	FILE *f;
};

static void out_open(struct out *o)
{
	*o = (struct out){0};
	o->f = open_memstream(&o->buf, &o->size);
	ck_assert_ptr_nonnull(o->f);
}

static void out_close(struct out *o)
{
	ck_assert_int_eq(fclose(o->f), 0);
}

static const char rules_text[] = "# two rules\ndrop [S] from client first 1\ndelay 300ms fin\n";

static void write_header(FILE *f)
{
	struct pcapng_section s = {
	    .userappl = "synfin-faultd",
	    .seed = 18446744073709551615ull,
	    .rules_name = "t.rules",
	    .rules_text = rules_text,
	    .client_addr = CLIENT,
	};
	ck_assert_int_eq(pcapng_write_header(f, &s), 0);
}

static struct rule drop_rule = {.index = 1, .line = 2};
static struct rule hold_rule = {.index = 2, .line = 3};

/* A SYN dropped, a FIN held and released, an ACK passed, a UDP packet unjudged. */
static void write_conversation(FILE *f)
{
	uint8_t syn[40], fin[40], ack[45], udp[28] = {0x45};
	struct segment seg; /* the writer reads the event's verdict and side, not the segment */
	struct trace_event ev = {.kind = TRACE_SEEN,
	                         .time_us = T0,
	                         .pkt = syn,
	                         .len = build(syn, CLIENT, SERVER, TCPF_SYN, 0),
	                         .seg = &seg,
	                         .verdict = {RULE_DROP, 0, &drop_rule},
	                         .rule_file = "t.rules",
	                         .dir = "c2s"};
	ck_assert_int_eq(pcapng_write_event(f, &ev), 0);
	ev.time_us = T0 + 1000;
	ev.pkt = fin;
	ev.len = build(fin, SERVER, CLIENT, TCPF_FIN | TCPF_ACK, 0);
	ev.verdict = (struct verdict){.action = RULE_DELAY, .delay_us = 300000, .rule = &hold_rule};
	ev.dir = "s2c";
	ck_assert_int_eq(pcapng_write_event(f, &ev), 0);
	ev.kind = TRACE_RELEASED;
	ev.time_us = T0 + 301200;
	ev.held_us = 300200;
	ck_assert_int_eq(pcapng_write_event(f, &ev), 0);
	ev.kind = TRACE_SEEN;
	ev.time_us = T0 + 301500;
	ev.pkt = ack;
	ev.len = build(ack, CLIENT, SERVER, TCPF_ACK, 5);
	ev.verdict = (struct verdict){.action = RULE_PASS};
	ev.dir = "c2s";
	ck_assert_int_eq(pcapng_write_event(f, &ev), 0);
	wire_put16(udp + 2, sizeof(udp));
	udp[9] = 17;
	wire_put32(udp + 12, CLIENT);
	wire_put32(udp + 16, SERVER);
	ck_assert_int_eq(pcapng_write_unjudged(f, T0 + 400000, udp, sizeof(udp), CLIENT, "not TCP"),
	                 0);
}

static const char *const expected_comments[] = {
    "DROP rule 1 (t.rules:2)",
    "HOLD 300 ms rule 2 (t.rules:3)",
    "RELEASED after 300.2 ms, held by rule 2 (t.rules:3)",
    "pass",
    "pass (not TCP)",
};

/* ---- tests ---- */

START_TEST(test_section_header_names_the_program_the_seed_and_the_rule_file)
{
	struct out o;
	out_open(&o);
	write_header(o.f);
	out_close(&o);
	static struct capture c;
	read_capture((const uint8_t *)o.buf, o.size, &c);
	ck_assert_str_eq(c.userappl, "synfin-faultd");
	ck_assert_uint_eq(c.n_shb_comments, 2);
	ck_assert_str_eq(c.shb_comment[0], "seed 18446744073709551615");
	ck_assert_str_eq(c.shb_comment[1],
	                 "rules t.rules:\n# two rules\ndrop [S] from client first "
	                 "1\ndelay 300ms fin\n");
	ck_assert_uint_eq(c.n_ifaces, 2);
	for (unsigned i = 0; i < 2; i++) {
		ck_assert_uint_eq(c.linktype[i], 228); /* LINKTYPE_IPV4 */
		ck_assert_uint_eq(c.snaplen[i], 65535);
		ck_assert_int_eq(c.tsresol[i], 6);
	}
	ck_assert_str_eq(c.if_name[PCAPNG_IF_CLIENT], "client side");
	ck_assert_str_eq(c.if_description[PCAPNG_IF_CLIENT], "packets sent by the client 10.0.1.1");
	ck_assert_str_eq(c.if_name[PCAPNG_IF_SERVER], "server side");
	ck_assert_uint_eq(c.n, 0);
	free(o.buf);
}
END_TEST

START_TEST(test_no_rule_file_is_said_in_the_header)
{
	struct out o;
	out_open(&o);
	struct pcapng_section s = {.userappl = "synfin-faultd", .seed = 1, .client_addr = CLIENT};
	ck_assert_int_eq(pcapng_write_header(o.f, &s), 0);
	out_close(&o);
	static struct capture c;
	read_capture((const uint8_t *)o.buf, o.size, &c);
	ck_assert_str_eq(c.shb_comment[0], "seed 1");
	ck_assert_str_eq(c.shb_comment[1], "no rules: every packet passes");
	free(o.buf);
}
END_TEST

START_TEST(test_each_packet_carries_its_verdict_on_its_senders_side)
{
	struct out o;
	out_open(&o);
	write_header(o.f);
	write_conversation(o.f);
	out_close(&o);
	static struct capture c;
	read_capture((const uint8_t *)o.buf, o.size, &c);
	ck_assert_uint_eq(c.n, 5);
	static const uint32_t iface[] = {0, 1, 1, 0, 0};
	static const uint64_t at[] = {T0, T0 + 1000, T0 + 301200, T0 + 301500, T0 + 400000};
	static const uint32_t len[] = {40, 40, 40, 45, 28};
	for (unsigned i = 0; i < 5; i++) {
		ck_assert_str_eq(c.r[i].comment, expected_comments[i]);
		ck_assert_uint_eq(c.r[i].iface, iface[i]);
		ck_assert_uint_eq(c.r[i].ts, at[i]);
		ck_assert_uint_eq(c.r[i].caplen, len[i]);
		ck_assert_uint_eq(c.r[i].origlen, len[i]);
		ck_assert_uint_eq(c.r[i].data[0], 0x45);
	}
	/* the held FIN: the same bytes at arrival and at release */
	ck_assert_mem_eq(c.r[1].data, c.r[2].data, 40);
	ck_assert_uint_eq(wire_get32(c.r[3].data + 12), CLIENT);
	ck_assert_uint_eq(c.r[3].data[44], 'x');
	free(o.buf);
}
END_TEST

START_TEST(test_a_packet_without_comment_has_no_options)
{
	struct out o;
	out_open(&o);
	write_header(o.f);
	uint8_t p[40];
	ck_assert_int_eq(
	    pcapng_write_packet(o.f, 1, T0, p, build(p, SERVER, CLIENT, TCPF_ACK, 0), NULL), 0);
	out_close(&o);
	static struct capture c;
	read_capture((const uint8_t *)o.buf, o.size, &c);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_str_eq(c.r[0].comment, "");
	/* 32 bytes of block around 40 of packet, nothing else */
	uint32_t last;
	memcpy(&last, o.buf + o.size - 4, 4);
	ck_assert_uint_eq(last, 32 + 40);
	free(o.buf);
}
END_TEST

START_TEST(test_a_packet_that_is_not_ipv4_is_left_out)
{
	struct out o;
	out_open(&o);
	write_header(o.f);
	long header = ftell(o.f);
	uint8_t ipv6[40] = {0x60};
	ck_assert_int_eq(pcapng_write_unjudged(o.f, T0, ipv6, sizeof(ipv6), CLIENT, "not IPv4"), 0);
	ck_assert_int_eq(ftell(o.f), header);
	out_close(&o);
	free(o.buf);
}
END_TEST

START_TEST(test_a_rule_file_longer_than_an_option_is_cut_and_says_so)
{
	size_t big = 70000;
	char *text = malloc(big + 1);
	ck_assert_ptr_nonnull(text);
	memset(text, 'r', big);
	text[big] = '\0';
	struct out o;
	out_open(&o);
	struct pcapng_section s = {.userappl = "synfin-faultd",
	                           .seed = 7,
	                           .rules_name = "big.rules",
	                           .rules_text = text,
	                           .client_addr = CLIENT};
	ck_assert_int_eq(pcapng_write_header(o.f, &s), 0);
	out_close(&o);
	static struct capture c;
	read_capture((const uint8_t *)o.buf, o.size, &c);
	ck_assert_uint_eq(strlen(c.shb_comment[1]), 65535);
	ck_assert_ptr_nonnull(strstr(c.shb_comment[1], "[cut: longer than a pcapng option holds]"));
	ck_assert_uint_eq(c.n_ifaces, 2);
	free(text);
	free(o.buf);
}
END_TEST

START_TEST(test_a_section_after_a_reload_says_when_and_names_the_rules_then)
{
	struct out o;
	out_open(&o);
	struct pcapng_section s = {.userappl = "synfin-faultd",
	                           .seed = 7,
	                           .rules_name = "t.rules",
	                           .rules_text = "drop fin\n",
	                           .client_addr = CLIENT,
	                           .reloaded_us = T0 + 350000};
	ck_assert_int_eq(pcapng_write_header(o.f, &s), 0);
	out_close(&o);
	static struct capture c;
	read_capture((const uint8_t *)o.buf, o.size, &c);
	ck_assert_uint_eq(c.n_shb_comments, 3);
	ck_assert_str_eq(c.shb_comment[0], "seed 7");
	ck_assert_str_eq(c.shb_comment[1], "rules reloaded at 1763939345.971802 s (SIGHUP): they "
	                                   "judged every packet of this section");
	ck_assert_str_eq(c.shb_comment[2], "rules t.rules:\ndrop fin\n");
	ck_assert_uint_eq(c.n_ifaces, 2);
	free(o.buf);
}
END_TEST

/* ---- read by tshark and tcpdump ---- */

static char dir[64];

static void write_conversation_file(char *path, size_t size)
{
	snprintf(dir, sizeof(dir), "/tmp/synfin-pcapng-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	chmod(dir, 0755); /* tshark and tcpdump may drop root for another user */
	snprintf(path, size, "%s/t.pcapng", dir);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	write_header(f);
	write_conversation(f);
	ck_assert_int_eq(fclose(f), 0);
	chmod(path, 0644);
}

static void remove_file(const char *path)
{
	unlink(path);
	rmdir(dir);
}

static void require(const char *program)
{
	char cmd[128], out[256];
	snprintf(cmd, sizeof(cmd), "command -v %s", program);
	ck_assert_msg(synfin_command_output(cmd, out, sizeof(out)) == 0,
	              "%s is not installed: ./synfin build installs it with the other packages",
	              program);
}

START_TEST(test_tshark_prints_every_comment_and_side)
{
	require("tshark");
	char path[128], cmd[256], out[16384];
	write_conversation_file(path, sizeof(path));
	snprintf(cmd, sizeof(cmd),
	         "tshark -r %s -T fields -e frame.interface_id -e frame.comment 2>/dev/null", path);
	int rc = synfin_command_output(cmd, out, sizeof(out));
	ck_assert_msg(rc == 0, "tshark failed on %s:\n%s", path, out);
	ck_assert_str_eq(out, "0\tDROP rule 1 (t.rules:2)\n"
	                      "1\tHOLD 300 ms rule 2 (t.rules:3)\n"
	                      "1\tRELEASED after 300.2 ms, held by rule 2 (t.rules:3)\n"
	                      "0\tpass\n"
	                      "0\tpass (not TCP)\n");
	snprintf(
	    cmd, sizeof(cmd),
	    "tshark -r %s -T fields -e frame.time_epoch -e tcp.flags.str 2>/dev/null | head -1",
	    path);
	ck_assert_int_eq(synfin_command_output(cmd, out, sizeof(out)), 0);
	ck_assert_msg(strncmp(out, "1763939345.621802", 17) == 0, "tshark's time: %s", out);
	ck_assert_ptr_nonnull(strstr(out, "S"));
	remove_file(path);
}
END_TEST

START_TEST(test_tshark_shows_the_seed_and_the_rules_in_the_capture_info)
{
	require("capinfos");
	char path[128], cmd[256], out[16384];
	write_conversation_file(path, sizeof(path));
	snprintf(cmd, sizeof(cmd), "capinfos %s 2>/dev/null", path);
	int rc = synfin_command_output(cmd, out, sizeof(out));
	ck_assert_msg(rc == 0, "capinfos failed on %s:\n%s", path, out);
	ck_assert_msg(strstr(out, "seed 18446744073709551615"), "capinfos:\n%s", out);
	ck_assert_msg(strstr(out, "drop [S] from client first 1"), "capinfos:\n%s", out);
	ck_assert_msg(strstr(out, "synfin-faultd"), "capinfos:\n%s", out);
	ck_assert_msg(strstr(out, "client side") && strstr(out, "server side"), "capinfos:\n%s",
	              out);
	remove_file(path);
}
END_TEST

START_TEST(test_tcpdump_reads_every_packet)
{
	require("tcpdump");
	char path[128], cmd[256], out[16384];
	write_conversation_file(path, sizeof(path));
	snprintf(cmd, sizeof(cmd), "tcpdump -n -r %s 2>/dev/null", path);
	int rc = synfin_command_output(cmd, out, sizeof(out));
	ck_assert_msg(rc == 0, "tcpdump failed on %s:\n%s", path, out);
	unsigned lines = 0;
	for (const char *p = out; (p = strchr(p, '\n')); p++)
		lines++;
	ck_assert_msg(lines == 5, "tcpdump printed %u lines:\n%s", lines, out);
	ck_assert_ptr_nonnull(strstr(out, "IP 10.0.1.1.40000 > 10.0.1.2.80: Flags [S]"));
	ck_assert_ptr_nonnull(strstr(out, "IP 10.0.1.2.80 > 10.0.1.1.40000: Flags [F.]"));
	remove_file(path);
}
END_TEST

/* After a reload the file goes on in a section of its own, whose header names the new rules:
 * tshark puts each packet in its section and still prints every comment, and tcpdump reads
 * every packet of both. */
START_TEST(test_a_section_after_a_reload_is_read_by_tshark_and_tcpdump)
{
	require("tshark");
	require("tcpdump");
	char path[128], cmd[320], out[16384];
	write_conversation_file(path, sizeof(path));
	FILE *f = fopen(path, "ab");
	ck_assert_ptr_nonnull(f);
	struct pcapng_section s = {.userappl = "synfin-faultd",
	                           .seed = 7,
	                           .rules_name = "t.rules",
	                           .rules_text = "drop fin\n",
	                           .client_addr = CLIENT,
	                           .reloaded_us = T0 + 350000};
	ck_assert_int_eq(pcapng_write_header(f, &s), 0);
	write_conversation(f);
	ck_assert_int_eq(fclose(f), 0);

	snprintf(cmd, sizeof(cmd),
	         "tshark -r %s -T fields -e frame.section_number -e frame.interface_name "
	         "-e frame.comment 2>/dev/null",
	         path);
	ck_assert_msg(synfin_command_output(cmd, out, sizeof(out)) == 0, "tshark failed on %s",
	              path);
	static char want[4096];
	size_t n = 0;
	static const char *const side[] = {"client side", "server side", "server side",
	                                   "client side", "client side"};
	for (int section = 1; section <= 2; section++)
		for (size_t i = 0; i < 5; i++)
			n += (size_t)snprintf(want + n, sizeof(want) - n, "%d\t%s\t%s\n", section,
			                      side[i], expected_comments[i]);
	ck_assert_str_eq(out, want);

	snprintf(cmd, sizeof(cmd), "tcpdump -n -r %s 2>/dev/null | wc -l", path);
	ck_assert_int_eq(synfin_command_output(cmd, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "10\n");
	remove_file(path);
}
END_TEST

static Suite *pcapng_suite(void)
{
	Suite *s = suite_create("pcapng");
	TCase *tc = tcase_create("writer");
	tcase_add_test(tc, test_section_header_names_the_program_the_seed_and_the_rule_file);
	tcase_add_test(tc, test_no_rule_file_is_said_in_the_header);
	tcase_add_test(tc, test_each_packet_carries_its_verdict_on_its_senders_side);
	tcase_add_test(tc, test_a_packet_without_comment_has_no_options);
	tcase_add_test(tc, test_a_packet_that_is_not_ipv4_is_left_out);
	tcase_add_test(tc, test_a_rule_file_longer_than_an_option_is_cut_and_says_so);
	tcase_add_test(tc, test_a_section_after_a_reload_says_when_and_names_the_rules_then);
	suite_add_tcase(s, tc);
	tc = tcase_create("readers");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_tshark_prints_every_comment_and_side);
	tcase_add_test(tc, test_tshark_shows_the_seed_and_the_rules_in_the_capture_info);
	tcase_add_test(tc, test_tcpdump_reads_every_packet);
	tcase_add_test(tc, test_a_section_after_a_reload_is_read_by_tshark_and_tcpdump);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(pcapng_suite());
}
