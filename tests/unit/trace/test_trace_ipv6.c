/* test_trace_ipv6.c: IPv6 segments in every trace: the text line as tcpdump 4.99.3 printed it
 * for the same packets (`tcpdump -n -r` on the pcap this test writes, relative numbers from the
 * SYN-ACK on, and `-S`), the JSON line read back with its addresses, the classic pcap
 * (LINKTYPE_RAW carries both families) and the pcapng's IPv6 interfaces. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/wire_bytes.h"
#include "test_support.h"
#include "trace/ladder.h"
#include "trace/ladder_svg.h"
#include "trace/pcapng.h"
#include "trace/trace.h"
#include "trace/trace_read.h"
#include "wire/segment.h"

static const uint8_t CLIENT6[16] = {0xfd, [14] = 0x01, [15] = 0x08};
static const uint8_t SERVER6[16] = {0xfd, [14] = 0x01, [15] = 0x09};

/* 2023-11-14 22:13:20 UTC */
#define T0 1700000000000000ull

struct pkt {
	uint8_t b[256];
	size_t len;
	struct segment seg;
};

/* An IPv6 TCP segment, opts (a multiple of 4 bytes) and payload as given. */
static void build6(struct pkt *p, bool from_client, uint16_t sport, uint16_t dport, uint32_t seq,
                   uint32_t ack, uint8_t flags, uint16_t win, const char *opts, size_t optlen,
                   const char *payload, size_t plen)
{
	memset(p, 0, sizeof(*p));
	uint8_t *ip = p->b, *tcp = p->b + 40;
	ip[0] = 0x60;
	wire_put16(ip + 4, (uint16_t)(20 + optlen + plen));
	ip[6] = 6;
	ip[7] = 64;
	memcpy(ip + 8, from_client ? CLIENT6 : SERVER6, 16);
	memcpy(ip + 24, from_client ? SERVER6 : CLIENT6, 16);
	wire_put16(tcp, sport);
	wire_put16(tcp + 2, dport);
	wire_put32(tcp + 4, seq);
	wire_put32(tcp + 8, ack);
	tcp[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	tcp[13] = flags;
	wire_put16(tcp + 14, win);
	if (optlen) /* memcpy from NULL is undefined even for 0 bytes */
		memcpy(tcp + 20, opts, optlen);
	if (plen)
		memcpy(tcp + 20 + optlen, payload, plen);
	p->len = 40 + 20 + optlen + plen;
	ck_assert_int_eq(segment_parse(&p->seg, p->b, p->len), 0);
}

#define SYN_OPTS "\x02\x04\x05\xa0\x04\x02\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x00\x01\x03\x03\x07"

/* A handshake, a request and a close, as Linux sends them over IPv6. */
static struct pkt convo[6];
static void build_conversation(void)
{
	build6(&convo[0], true, 54321, 80, 1000, 0, TCPF_SYN, 64800, SYN_OPTS, 20, NULL, 0);
	build6(&convo[1], false, 80, 54321, 5000, 1001, TCPF_SYN | TCPF_ACK, 64260, SYN_OPTS, 20,
	       NULL, 0);
	build6(&convo[2], true, 54321, 80, 1001, 5001, TCPF_ACK, 507, NULL, 0, NULL, 0);
	build6(&convo[3], true, 54321, 80, 1001, 5001, TCPF_PSH | TCPF_ACK, 507, NULL, 0,
	       "GET / HTTP/1.0\r\n\r\n", 18);
	build6(&convo[4], false, 80, 54321, 5001, 1019, TCPF_FIN | TCPF_ACK, 502, NULL, 0, NULL, 0);
	build6(&convo[5], true, 54321, 80, 1019, 5002, TCPF_ACK, 507, NULL, 0, NULL, 0);
}

static const char *const tcpdump_relative[6] = {
    "22:13:20.000000 IP6 fd00::108.54321 > fd00::109.80: Flags [S], seq 1000, win 64800, "
    "options [mss 1440,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0",
    "22:13:20.000001 IP6 fd00::109.80 > fd00::108.54321: Flags [S.], seq 5000, ack 1001, win "
    "64260, options [mss 1440,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0",
    "22:13:20.000002 IP6 fd00::108.54321 > fd00::109.80: Flags [.], ack 1, win 507, length 0",
    "22:13:20.000003 IP6 fd00::108.54321 > fd00::109.80: Flags [P.], seq 1:19, ack 1, win 507, "
    "length 18: HTTP: GET / HTTP/1.0",
    "22:13:20.000004 IP6 fd00::109.80 > fd00::108.54321: Flags [F.], seq 1, ack 19, win 502, "
    "length 0",
    "22:13:20.000005 IP6 fd00::108.54321 > fd00::109.80: Flags [.], ack 2, win 507, length 0",
};

static void use_utc(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
}

START_TEST(test_ipv6_lines_print_as_tcpdump_prints_them)
{
	use_utc();
	build_conversation();
	struct trace_seqs *seqs = trace_seqs_new();
	char line[512];
	for (int i = 0; i < 6; i++) {
		trace_format_tcpdump(line, sizeof(line), seqs, 1, T0 + (uint64_t)i, &convo[i].seg);
		ck_assert_str_eq(line, tcpdump_relative[i]);
	}
	trace_seqs_free(seqs);
}
END_TEST

START_TEST(test_ipv4_and_ipv6_conversations_keep_apart_relative_numbers)
{
	use_utc();
	build_conversation();
	/* the same ports over IPv4: a conversation of its own, as in tcpdump's two tables */
	struct pkt v4;
	memset(&v4, 0, sizeof(v4));
	v4.seg = convo[2].seg;
	v4.seg.ipv6 = false;
	v4.seg.saddr = 0xc0a8016c;
	v4.seg.daddr = 0xc0a8016d;
	struct trace_seqs *seqs = trace_seqs_new();
	char line[512];
	trace_format_tcpdump(line, sizeof(line), seqs, 1, T0, &convo[1].seg);
	trace_format_tcpdump(line, sizeof(line), seqs, 1, T0, &v4.seg);
	/* the IPv4 ACK opened its own entry: printed absolute */
	ck_assert_ptr_nonnull(strstr(line, " IP 192.168.1.108.54321 > 192.168.1.109.80: Flags [.], "
	                                   "ack 5001, win 507"));
	trace_format_tcpdump(line, sizeof(line), seqs, 1, T0 + 2, &convo[2].seg);
	ck_assert_str_eq(line, tcpdump_relative[2]);
	trace_seqs_free(seqs);
}
END_TEST

START_TEST(test_ipv6_json_line_reads_back_with_its_addresses)
{
	build_conversation();
	struct trace_seqs *seqs = trace_seqs_new();
	struct trace_event ev = {.kind = TRACE_SEEN,
	                         .time_us = T0,
	                         .pkt = convo[0].b,
	                         .len = convo[0].len,
	                         .seg = &convo[0].seg,
	                         .dir = "c2s"};
	char *buf = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&buf, &size);
	trace_write_json(mem, seqs, &ev);
	fclose(mem);
	ck_assert_ptr_nonnull(strstr(buf, "\"src\":\"fd00::108\",\"sport\":54321,"
	                                  "\"dst\":\"fd00::109\",\"dport\":80,"));
	struct trace_record r;
	ck_assert_int_eq(trace_record_parse(buf, &r), 0);
	ck_assert_str_eq(r.src, "fd00::108");
	ck_assert_mem_eq(r.src_ip.b, CLIENT6, 16);
	ck_assert_mem_eq(r.dst_ip.b, SERVER6, 16);
	ck_assert_uint_eq(r.saddr, 0);
	ck_assert_uint_eq(r.sport, 54321);
	ck_assert_uint_eq(r.tcp_flags, TCPF_SYN);
	trace_record_clear(&r);
	free(buf);
	trace_seqs_free(seqs);
}
END_TEST

START_TEST(test_ipv6_addresses_parse_and_print_in_tcpdump_form)
{
	struct ip_addr a;
	char s[46];
	ck_assert_int_eq(trace_ip_addr_parse("fd00:0:0:0::108", &a), 0);
	ck_assert_mem_eq(a.b, CLIENT6, 16);
	trace_ip_addr_str(s, sizeof(s), &a);
	ck_assert_str_eq(s, "fd00::108");
	ck_assert_int_eq(trace_ip_addr_parse("192.168.1.108", &a), 0);
	trace_ip_addr_str(s, sizeof(s), &a);
	ck_assert_str_eq(s, "192.168.1.108");
	ck_assert_int_eq(trace_ip_addr_parse("fd00::1::2", &a), -EINVAL);
}
END_TEST

/* The pcap this test writes is what `tcpdump -n -r` printed the lines above from. */
START_TEST(test_ipv6_packets_go_into_the_raw_pcap)
{
	build_conversation();
	char path[] = "/tmp/synfin-test-ipv6-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "wb");
	ck_assert_int_eq(pcap_write_header(f), 0);
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(pcap_write_packet(f, T0 + (uint64_t)i, convo[i].b, convo[i].len),
		                 0);
	fclose(f);
	const char *keep = getenv("SYNFIN_KEEP_IPV6_PCAP");
	if (keep)
		rename(path, keep);
	else
		unlink(path);
}
END_TEST

struct read_back {
	int n;
	char lines[6][200];
	struct trace_seqs *seqs;
};

static int read_back_packet(void *ctx, uint64_t time_us, const uint8_t *pkt, size_t len)
{
	struct read_back *rb = ctx;
	struct segment seg;
	ck_assert_int_lt(rb->n, 6);
	ck_assert_int_eq(segment_parse(&seg, pkt, len), 0);
	char *line = trace_format_tcpdump_alloc(rb->seqs, 1, time_us, &seg, NULL, NULL);
	ck_assert_ptr_nonnull(line);
	snprintf(rb->lines[rb->n++], sizeof(rb->lines[0]), "%s", line);
	free(line);
	return 0;
}

/* What faultd's pcap of an IPv6 case holds reads back packet for packet (the scenario runner,
 * synfin-pcap-print and the tests read pcaps so), printing as tcpdump printed it. */
START_TEST(test_ipv6_raw_pcap_reads_back_as_tcpdump_printed_it)
{
	use_utc();
	build_conversation();
	char path[] = "/tmp/synfin-test-ipv6-rb-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "wb");
	ck_assert_int_eq(pcap_write_header(f), 0);
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(pcap_write_packet(f, T0 + (uint64_t)i, convo[i].b, convo[i].len),
		                 0);
	fclose(f);
	struct read_back rb = {.seqs = trace_seqs_new()};
	ck_assert_int_eq(pcap_read_file(path, read_back_packet, &rb), 0);
	ck_assert_int_eq(rb.n, 6);
	for (int i = 0; i < 6; i++)
		ck_assert_str_eq(rb.lines[i], tcpdump_relative[i]);
	trace_seqs_free(rb.seqs);
	unlink(path);
}
END_TEST

/* The conversation as the JSON trace's records, the SYN dropped once by rule 1 before it. */
static struct trace_record *conversation_records(size_t *n)
{
	build_conversation();
	struct trace_record *recs = calloc(7, sizeof(*recs));
	ck_assert_ptr_nonnull(recs);
	struct trace_seqs *seqs = trace_seqs_new();
	static const struct rule drop = {.action = RULE_DROP, .index = 1, .line = 3};
	for (int i = 0; i < 7; i++) {
		const struct pkt *p = &convo[i ? i - 1 : 0];
		struct trace_event ev = {.kind = TRACE_SEEN,
		                         .time_us = T0 + (uint64_t)i * 1000,
		                         .pkt = p->b,
		                         .len = p->len,
		                         .seg = &p->seg,
		                         .dir = memcmp(p->seg.saddr6, CLIENT6, 16) ? "s2c" : "c2s",
		                         .rule_file = "syn.rules"};
		if (i == 0)
			ev.verdict = (struct verdict){.action = RULE_DROP, .rule = &drop};
		ck_assert_int_eq(trace_record_from_event(&recs[i], seqs, &ev), 0);
	}
	trace_seqs_free(seqs);
	*n = 7;
	return recs;
}

/* A ladder of an IPv6 conversation names its hosts by their IPv6 addresses and draws every
 * segment between them, the drop stopping short. */
START_TEST(test_ipv6_conversation_draws_as_a_ladder)
{
	size_t n;
	struct trace_record *recs = conversation_records(&n);
	struct ip_addr client;
	memcpy(client.b, CLIENT6, 16);
	char *buf = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&buf, &size);
	ck_assert_int_eq(ladder_write(mem, recs, n, &client, NULL), 0);
	fclose(mem);
	ck_assert_str_eq(
	    buf, "[fd00::108]:54321 (client)                    [fd00::109]:80 (server)\n"
	         "  0.000000  |------ [S] seq 1000 -------------X          |  dropped: rule 1 "
	         "(syn.rules:3)\n"
	         "  0.001000  |------ [S] seq 1000 ----------------------->|\n"
	         "  0.002000  |<----- [S.] seq 5000 ack 1001 --------------|\n"
	         "  0.003000  |------ [.] ack 1 -------------------------->|\n"
	         "  0.004000  |------ [P.] seq 1:19 ack 1 ---------------->|\n"
	         "  0.005000  |<----- [F.] seq 1 ack 19 -------------------|\n"
	         "  0.006000  |------ [.] ack 2 -------------------------->|\n");
	free(buf);
	/* the SVG names them so too */
	buf = NULL;
	mem = open_memstream(&buf, &size);
	ck_assert_int_eq(ladder_svg_write(mem, recs, n, &client, NULL), 0);
	fclose(mem);
	ck_assert_ptr_nonnull(strstr(buf, ">[fd00::108]:54321 (client)<"));
	ck_assert_ptr_nonnull(strstr(buf, ">[fd00::109]:80 (server)<"));
	free(buf);
	/* an IPv4 client has no segment in it */
	struct ip_addr v4 = ip_addr_from_ipv4(0xc0a8016cu);
	buf = NULL;
	mem = open_memstream(&buf, &size);
	ck_assert_int_eq(ladder_write(mem, recs, n, &v4, NULL), -ENOENT);
	fclose(mem);
	free(buf);
	trace_records_free(recs, n);
}
END_TEST

/* synfin-ladder draws an IPv6 trace without being told the client: it is the topology's
 * IPv6 client when the IPv4 one has no segment (the scenario runner draws every case so). */
START_TEST(test_synfin_ladder_tool_finds_the_ipv6_client)
{
	size_t n;
	struct trace_record *recs = conversation_records(&n);
	char path[] = "/tmp/synfin-ladder6-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "w");
	for (size_t i = 0; i < n; i++)
		trace_record_write_json(f, &recs[i]);
	fclose(f);
	struct ip_addr client;
	memcpy(client.b, CLIENT6, 16);
	char *want = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&want, &size);
	ck_assert_int_eq(ladder_write(mem, recs, n, &client, NULL), 0);
	fclose(mem);
	static char got[8192];
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s/harness/tools/synfin-ladder %s", SYNFIN_BUILD_DIR, path);
	ck_assert_int_eq(synfin_command_output(cmd, got, sizeof(got)), 0);
	ck_assert_str_eq(got, want);
	snprintf(cmd, sizeof(cmd), "%s/harness/tools/synfin-ladder --client fd00::108 %s",
	         SYNFIN_BUILD_DIR, path);
	ck_assert_int_eq(synfin_command_output(cmd, got, sizeof(got)), 0);
	ck_assert_str_eq(got, want);
	free(want);
	unlink(path);
	trace_records_free(recs, n);
}
END_TEST

START_TEST(test_pcapng_declares_ipv6_interfaces_and_puts_ipv6_packets_there)
{
	build_conversation();
	char *buf = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&buf, &size);
	struct pcapng_section s = {
	    .userappl = "synfin-faultd", .seed = 1, .client_addr = 0xc0a8016c};
	ck_assert_int_eq(pcapng_write_header(mem, &s), 0);
	fflush(mem);
	size_t header_len = size;
	ck_assert(pcapng_is_ipv6(convo[0].b, convo[0].len));
	ck_assert_int_eq(pcapng_write_ipv6_interfaces(mem, CLIENT6), 0);
	fflush(mem);
	size_t idb_end = size;
	struct trace_event ev = {.kind = TRACE_SEEN,
	                         .time_us = T0,
	                         .pkt = convo[1].b,
	                         .len = convo[1].len,
	                         .seg = &convo[1].seg,
	                         .dir = "s2c"};
	ck_assert_int_eq(pcapng_write_event(mem, &ev), 0);
	fclose(mem);
	/* two Interface Description Blocks of LINKTYPE_IPV6 (229) */
	uint32_t type, len;
	uint16_t linktype;
	size_t at = header_len;
	for (int k = 0; k < 2; k++) {
		memcpy(&type, buf + at, 4);
		memcpy(&len, buf + at + 4, 4);
		memcpy(&linktype, buf + at + 8, 2);
		ck_assert_uint_eq(type, 1);
		ck_assert_uint_eq(linktype, 229);
		at += len;
	}
	ck_assert_uint_eq(at, idb_end);
	ck_assert_ptr_nonnull(memmem(buf, size, "IPv6 packets sent by the client fd00::108", 41));
	/* the server's IPv6 packet on interface 3 */
	uint32_t iface;
	memcpy(&type, buf + at, 4);
	memcpy(&iface, buf + at + 8, 4);
	ck_assert_uint_eq(type, 6);
	ck_assert_uint_eq(iface, PCAPNG_IF_SERVER6);
	free(buf);
}
END_TEST

static Suite *trace_ipv6_suite(void)
{
	Suite *s = suite_create("trace_ipv6");
	TCase *tc = tcase_create("ipv6");
	tcase_add_test(tc, test_ipv6_lines_print_as_tcpdump_prints_them);
	tcase_add_test(tc, test_ipv4_and_ipv6_conversations_keep_apart_relative_numbers);
	tcase_add_test(tc, test_ipv6_json_line_reads_back_with_its_addresses);
	tcase_add_test(tc, test_ipv6_addresses_parse_and_print_in_tcpdump_form);
	tcase_add_test(tc, test_ipv6_packets_go_into_the_raw_pcap);
	tcase_add_test(tc, test_ipv6_raw_pcap_reads_back_as_tcpdump_printed_it);
	tcase_add_test(tc, test_ipv6_conversation_draws_as_a_ladder);
	tcase_add_test(tc, test_synfin_ladder_tool_finds_the_ipv6_client);
	tcase_add_test(tc, test_pcapng_declares_ipv6_interfaces_and_puts_ipv6_packets_there);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(trace_ipv6_suite());
}
