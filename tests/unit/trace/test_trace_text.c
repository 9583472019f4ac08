/* test_trace_text.c: the tcpdump-format printer against real tcpdump output (the captures in
 * tests/data/captures, and lines tcpdump 4.99.3 printed for crafted odd packets). The text
 * trace's verdicts and the JSON Lines writer and reader are test_trace_events.c's. */
#include "common/wire_bytes.h"
#include "test_support.h"
#include "trace/trace.h"
#include "trace/trace_read.h"
#include "trace_fixture.h"
#include "wire/segment.h"
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char *fmt(struct trace_seqs *seqs, int relative, uint64_t t, const struct pkt *p)
{
	static char line[4096];
	int n = trace_format_tcpdump(line, sizeof(line), seqs, relative, t, &p->seg);
	ck_assert_int_eq(n, (int)strlen(line));
	return line;
}

struct capture_check {
	struct trace_seqs *seqs;
	int relative;
	FILE *expected;
	const char *name;
	int lines;
};

static int compare_packet(void *ctx, uint64_t time_us, const uint8_t *pkt, size_t len)
{
	struct capture_check *c = ctx;
	struct segment seg;
	ck_assert_int_eq(segment_parse(&seg, pkt, len), 0);
	char want[2048], got[2048];
	ck_assert_msg(fgets(want, sizeof(want), c->expected), "%s: more packets than lines",
	              c->name);
	want[strcspn(want, "\n")] = '\0';
	int n = trace_format_tcpdump(got, sizeof(got), c->seqs, c->relative, time_us, &seg);
	ck_assert_int_eq(n, (int)strlen(want));
	ck_assert_msg(strcmp(got, want) == 0, "%s line %d:\n got  %s\n want %s", c->name,
	              c->lines + 1, got, want);
	c->lines++;
	return 0;
}

static const char *const captures[] = {
    "linux-connect-close-3seg",
    "linux-connect-close-4seg",
    "linux-request-response",
    "linux-syn-timeout-classic",
};
static const int capture_lines[] = {6, 7, 10, 6};

static void check_capture(int i, int relative)
{
	use_utc();
	char rel[256], pcap[512], txt[512];
	snprintf(rel, sizeof(rel), "captures/%s.pcap", captures[i]);
	synfin_data_path(pcap, sizeof(pcap), rel);
	snprintf(rel, sizeof(rel), "captures/%s%s", captures[i], relative ? ".txt" : ".abs.txt");
	synfin_data_path(txt, sizeof(txt), rel);
	struct capture_check c = {.seqs = trace_seqs_new(),
	                          .relative = relative,
	                          .expected = fopen(txt, "r"),
	                          .name = txt};
	ck_assert_ptr_nonnull(c.expected);
	ck_assert_int_eq(pcap_read_file(pcap, compare_packet, &c), 0);
	char extra[64];
	ck_assert_msg(!fgets(extra, sizeof(extra), c.expected), "%s: fewer packets than lines",
	              txt);
	ck_assert_int_eq(c.lines, capture_lines[i]);
	fclose(c.expected);
	trace_seqs_free(c.seqs);
}

START_TEST(test_capture_prints_like_tcpdump_relative)
{
	check_capture(_i, 1);
}
END_TEST

START_TEST(test_capture_prints_like_tcpdump_absolute)
{
	check_capture(_i, 0);
}
END_TEST

#define HDR "22:13:20.000000 IP 192.168.1.108.40000 > 192.168.1.109.80: "

static void check_opts(const char *opts, size_t optlen, const char *payload, size_t plen,
                       const char *want_tail)
{
	use_utc();
	struct pkt p;
	build(&p, CLIENT, SERVER, 40000, 80, 1030, 5070, TCPF_ACK, 502, opts, optlen, payload,
	      plen);
	char want[1024];
	snprintf(want, sizeof(want), HDR "Flags [.], ack 5070, win 502, %s", want_tail);
	ck_assert_str_eq(fmt(NULL, 0, T0, &p), want);
}

START_TEST(test_option_with_zero_length_is_bad_opt_and_ends_the_line)
{
	check_opts("\x08\x00\x00\x00", 4, NULL, 0, "options [[bad opt]");
}
END_TEST

START_TEST(test_timestamp_option_too_short_is_bad_opt_after_the_nop)
{
	check_opts("\x01\x08\x06\x00", 4, NULL, 0, "options [nop,[bad opt]]");
}
END_TEST

START_TEST(test_option_longer_than_header_is_bad_opt)
{
	check_opts("\x02\x09\x05\xb4", 4, NULL, 0, "options [[bad opt]");
}
END_TEST

START_TEST(test_mss_with_wrong_length_prints_len_note)
{
	check_opts("\x02\x03\x05\x00", 4, NULL, 0, "options [mss 1280[len 3]], length 0");
}
END_TEST

START_TEST(test_unknown_option_prints_kind_and_hex)
{
	check_opts("\x63\x04\xab\xcd", 4, NULL, 0, "options [unknown-99 0xabcd], length 0");
}
END_TEST

START_TEST(test_eol_stops_option_printing)
{
	check_opts("\x00\x01\x02\x03", 4, NULL, 0, "options [eol], length 0");
}
END_TEST

START_TEST(test_kind_without_length_byte_at_end_of_packet_is_truncated)
{
	check_opts("\x01\x01\x01\x03", 4, NULL, 0, "options [nop,nop,nop, [|tcp]");
}
END_TEST

START_TEST(test_kind_without_length_byte_before_payload_is_bad_opt)
{
	use_utc();
	struct pkt p;
	build(&p, CLIENT, SERVER, 40000, 80, 1030, 5070, TCPF_ACK | TCPF_PSH, 502,
	      "\x01\x01\x01\x03", 4, "x", 1);
	ck_assert_str_eq(fmt(NULL, 0, T0, &p), HDR "Flags [P.], seq 1030:1031, ack 5070, win 502, "
	                                           "options [nop,nop,nop,[bad opt]]");
}
END_TEST

START_TEST(test_less_common_options_print_as_tcpdump_does)
{
	check_opts("\x1c\x04\x00\x0b", 4, NULL, 0, "options [uto 0xb 300], length 0");
	check_opts("\x22\x02\x01\x01", 4, NULL, 0, "options [tfo  cookiereq,nop,nop], length 0");
	check_opts("\xfe\x04\x12\x34", 4, NULL, 0, "options [exp-1234], length 0");
	check_opts("\x1d\x06\x01\x02\x03\x04\x01\x01", 8, NULL, 0,
	           "options [tcp-ao keyid 1 rnextkeyid 2 mac 0x0304,nop,nop], length 0");
	check_opts("\x06\x06\x00\x00\x00\x05\x0d\x06\x00\x00\x00\x07\x01\x01\x14\x04\x01\x02"
	           "\x01\x01",
	           20, NULL, 0, "options [echo 5, 7,nop,nop,scps cap 01 id 2,nop,nop], length 0");
	check_opts("\x05\x0b\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 12, NULL, 0,
	           "options [sack invalid sack,eol], length 0");
}
END_TEST

START_TEST(test_flags_print_in_tcpdump_order_and_none_when_empty)
{
	use_utc();
	struct pkt p;
	build(&p, CLIENT, SERVER, 40000, 80, 1030, 5070, TCPF_ACK | TCPF_URG | TCPF_ECE | TCPF_CWR,
	      502, NULL, 0, NULL, 0);
	p.seg.urg = 7;
	ck_assert_str_eq(fmt(NULL, 0, T0, &p),
	                 HDR "Flags [.UEW], ack 5070, win 502, urg 7, length 0");
	build(&p, CLIENT, SERVER, 40000, 80, 1030, 5070, 0, 502, NULL, 0, NULL, 0);
	ck_assert_str_eq(fmt(NULL, 0, T0, &p), HDR "Flags [none], win 502, length 0");
	build(&p, CLIENT, SERVER, 40000, 80, 1030, 0, TCPF_RST, 0, NULL, 0, NULL, 0);
	ck_assert_str_eq(fmt(NULL, 0, T0, &p), HDR "Flags [R], seq 1030, win 0, length 0");
	char letters[16];
	trace_flags_str(letters, sizeof(letters),
	                TCPF_FIN | TCPF_SYN | TCPF_RST | TCPF_PSH | TCPF_ACK | TCPF_URG | TCPF_ECE |
	                    TCPF_CWR);
	ck_assert_str_eq(letters, "FSRP.UEW");
	ck_assert_int_eq(trace_flags_parse(letters), 0xff);
	ck_assert_int_eq(trace_flags_parse("none"), 0);
	ck_assert_int_eq(trace_flags_parse("S.x"), -1);
}
END_TEST

/* The handshake, data and SACK of one connection through one table, as tcpdump -n printed. */
START_TEST(test_relative_numbers_and_sack_blocks_follow_tcpdump)
{
	use_utc();
	struct trace_seqs *seqs = trace_seqs_new();
	struct pkt p;
	build(&p, CLIENT, SERVER, 40000, 80, 1000, 0, TCPF_SYN, 64240,
	      "\x02\x04\x05\xb4\x04\x02\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x00\x01\x03\x03\x07",
	      20, NULL, 0);
	ck_assert_str_eq(fmt(seqs, 1, T0, &p),
	                 HDR "Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 "
	                     "ecr 0,nop,wscale 7], length 0");
	build(&p, SERVER, CLIENT, 80, 40000, 5000, 1001, TCPF_SYN | TCPF_ACK, 65160,
	      "\x02\x04\x05\xb4\x01\x01\x04\x02", 8, NULL, 0);
	ck_assert_str_eq(fmt(seqs, 1, T0, &p),
	                 "22:13:20.000000 IP 192.168.1.109.80 > 192.168.1.108.40000: Flags [S.], "
	                 "seq 5000, ack 1001, win 65160, options [mss 1460,nop,nop,sackOK], "
	                 "length 0");
	build(&p, CLIENT, SERVER, 40000, 80, 1001, 5001, TCPF_ACK, 502,
	      "\x01\x01\x05\x0a\x00\x00\x13\x89\x00\x00\x13\x99", 12, NULL, 0);
	ck_assert_str_eq(fmt(seqs, 1, T0, &p), HDR
	                 "Flags [.], ack 1, win 502, options [nop,nop,sack 1 {1:17}], length 0");
	uint32_t shown_seq, shown_ack;
	char line[512];
	build(&p, CLIENT, SERVER, 40000, 80, 1001, 5001, TCPF_ACK | TCPF_PSH, 502, NULL, 0,
	      "GET /a\"b\\c HTTP/1.1\r\nHost: x\r\n\r\n", 32);
	trace_format_tcpdump_ex(line, sizeof(line), seqs, 1, T0, &p.seg, &shown_seq, &shown_ack);
	ck_assert_str_eq(line, HDR "Flags [P.], seq 1:33, ack 1, win 502, length 32: HTTP: GET "
	                           "/a\"b\\c HTTP/1.1");
	ck_assert_uint_eq(shown_seq, 1);
	ck_assert_uint_eq(shown_ack, 1);
	/* a new SYN on the same ports starts over: absolute again */
	build(&p, SERVER, CLIENT, 80, 40000, 9000, 1001, TCPF_SYN | TCPF_ACK, 65160, NULL, 0, NULL,
	      0);
	trace_format_tcpdump_ex(line, sizeof(line), seqs, 1, T0, &p.seg, &shown_seq, &shown_ack);
	ck_assert_uint_eq(shown_seq, 9000);
	ck_assert_uint_eq(shown_ack, 1001);
	build(&p, CLIENT, SERVER, 40000, 80, 1001, 9011, TCPF_ACK, 502, NULL, 0, NULL, 0);
	ck_assert_str_eq(fmt(seqs, 1, T0, &p), HDR "Flags [.], ack 11, win 502, length 0");
	/* another connection has its own entry; its first ACK segment prints absolute */
	build(&p, CLIENT, SERVER, 40002, 80, 777, 888, TCPF_ACK, 502, NULL, 0, NULL, 0);
	ck_assert_str_eq(fmt(seqs, 1, T0, &p),
	                 "22:13:20.000000 IP 192.168.1.108.40002 > 192.168.1.109.80: Flags [.], "
	                 "ack 888, win 502, length 0");
	build(&p, CLIENT, SERVER, 40002, 80, 777, 890, TCPF_ACK, 502, NULL, 0, NULL, 0);
	ck_assert_str_eq(fmt(seqs, 1, T0, &p),
	                 "22:13:20.000000 IP 192.168.1.108.40002 > 192.168.1.109.80: Flags [.], "
	                 "ack 3, win 502, length 0");
	trace_seqs_free(seqs);
}
END_TEST

START_TEST(test_text_protocol_first_lines_print_like_tcpdump)
{
	use_utc();
	struct pkt p;
	static const struct {
		uint16_t sport, dport;
		const char *payload;
		const char *tail;
	} cases[] = {
	    {80, 40000, "HTTP/1.1 404 Not Found\r\n", "length 24: HTTP: HTTP/1.1 404 Not Found"},
	    {80, 40000,
	     "\x00\x01"
	     "binary",
	     "length 8: HTTP"},
	    {80, 40000, "just text no newline", "length 20: HTTP"},
	    {80, 40000, "foo 200 bar\r\n", "length 13: HTTP: foo 200 bar"},
	    {80, 40000, "get lower\r\nx", "length 12: HTTP: get lower"},
	    {40000, 80, "GET\r\n", "length 5: HTTP: GET"},
	    {40000, 80, "GET / a\rb", "length 9: HTTP"},
	    {40000, 8080, "PROPFIND x\ty\r\n", "length 14: HTTP: PROPFIND x\ty"},
	    {40000, 21, "USER x\r\n", "length 8: FTP: USER x"},
	    {40000, 25,
	     "\x80"
	     "bin",
	     "length 4: SMTP"},
	    {40000, 22, "SSH-2.0-x\r\n", "length 11: SSH: SSH-2.0-x"},
	    {40000, 22, "SS", "length 2 [|ssh]"},
	    {40000, 9999, "GET / HTTP/1.0\r\n", "length 16"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t plen = cases[i].payload[0] ? strlen(cases[i].payload) : 8;
		build(&p, CLIENT, SERVER, cases[i].sport, cases[i].dport, 1, 1, TCPF_ACK | TCPF_PSH,
		      502, NULL, 0, cases[i].payload, plen);
		char want[512];
		snprintf(want, sizeof(want),
		         "22:13:20.000000 IP 192.168.1.108.%u > 192.168.1.109.%u: Flags [P.], seq "
		         "1:%zu, ack 1, win 502, %s",
		         cases[i].sport, cases[i].dport, 1 + plen, cases[i].tail);
		ck_assert_str_eq(fmt(NULL, 0, T0, &p), want);
	}
}
END_TEST

START_TEST(test_format_has_snprintf_semantics)
{
	use_utc();
	struct pkt p;
	build(&p, CLIENT, SERVER, 40000, 80, 1000, 0, TCPF_SYN, 64240, NULL, 0, NULL, 0);
	const char *full = HDR "Flags [S], seq 1000, win 64240, length 0";
	char small[20];
	memset(small, 'x', sizeof(small));
	ck_assert_int_eq(trace_format_tcpdump(small, sizeof(small), NULL, 0, T0, &p.seg),
	                 (int)strlen(full));
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	ck_assert_int_eq(strncmp(small, full, sizeof(small) - 1), 0);
	ck_assert_int_eq(trace_format_tcpdump(NULL, 0, NULL, 0, T0, &p.seg), (int)strlen(full));
	/* a line longer than any fixed buffer comes whole from the allocating variant */
	char payload[1500];
	memcpy(payload, "GET /", 5);
	memset(payload + 5, 'a', sizeof(payload) - 7);
	memcpy(payload + sizeof(payload) - 2, "\r\n", 2);
	build(&p, CLIENT, SERVER, 40000, 80, 1, 1, TCPF_ACK, 502, NULL, 0, payload,
	      sizeof(payload));
	char *line = trace_format_tcpdump_alloc(NULL, 0, T0, &p.seg, NULL, NULL);
	ck_assert_ptr_nonnull(line);
	ck_assert_int_eq(trace_format_tcpdump(NULL, 0, NULL, 0, T0, &p.seg), (int)strlen(line));
	ck_assert_ptr_nonnull(strstr(line, ": HTTP: GET /aaaa"));
	ck_assert_int_eq(line[strlen(line) - 1], 'a');
	free(line);
}
END_TEST

START_TEST(test_format_buf_uses_the_callers_buffer_only_when_the_line_fits)
{
	use_utc();
	struct trace_seqs *a = trace_seqs_new(), *b = trace_seqs_new();
	struct pkt p[2];
	build(&p[0], SERVER, CLIENT, 80, 40000, 5000, 1001, TCPF_SYN | TCPF_ACK, 65160, NULL, 0,
	      NULL, 0);
	char payload[1500];
	memcpy(payload, "GET /", 5);
	memset(payload + 5, 'b', sizeof(payload) - 7);
	memcpy(payload + sizeof(payload) - 2, "\r\n", 2);
	build(&p[1], CLIENT, SERVER, 40000, 80, 1001, 5001, TCPF_ACK, 502, NULL, 0, payload,
	      sizeof(payload));
	char buf[256], want[256];
	uint32_t seq = 0, ack = 0, wseq = 0, wack = 0;
	/* fits: written into buf, same text and numbers as the fixed-buffer formatter */
	ck_assert_ptr_eq(
	    trace_format_tcpdump_buf(buf, sizeof(buf), a, 1, T0, &p[0].seg, &seq, &ack), buf);
	trace_format_tcpdump_ex(want, sizeof(want), b, 1, T0, &p[0].seg, &wseq, &wack);
	ck_assert_str_eq(buf, want);
	ck_assert_uint_eq(seq, wseq);
	ck_assert_uint_eq(ack, wack);
	/* longer than buf: a heap string with the whole line; the table moved on once, so the
	 * second segment prints relative numbers in both tables alike */
	char *line = trace_format_tcpdump_buf(buf, sizeof(buf), a, 1, T0, &p[1].seg, &seq, &ack);
	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_ne(line, buf);
	char *whole = trace_format_tcpdump_alloc(b, 1, T0, &p[1].seg, &wseq, &wack);
	ck_assert_ptr_nonnull(whole);
	ck_assert_str_eq(line, whole);
	ck_assert_uint_eq(seq, 1);
	ck_assert_uint_eq(ack, 1);
	ck_assert_uint_eq(wseq, 1);
	ck_assert_uint_eq(wack, 1);
	ck_assert_ptr_nonnull(strstr(line, ", seq 1:1501, ack 1, win 502"));
	free(line);
	free(whole);
	trace_seqs_free(a);
	trace_seqs_free(b);
}
END_TEST

static Suite *trace_text_suite(void)
{
	Suite *s = suite_create("trace_text");
	TCase *tc = tcase_create("tcpdump");
	tcase_add_loop_test(tc, test_capture_prints_like_tcpdump_relative, 0, 4);
	tcase_add_loop_test(tc, test_capture_prints_like_tcpdump_absolute, 0, 4);
	tcase_add_test(tc, test_option_with_zero_length_is_bad_opt_and_ends_the_line);
	tcase_add_test(tc, test_timestamp_option_too_short_is_bad_opt_after_the_nop);
	tcase_add_test(tc, test_option_longer_than_header_is_bad_opt);
	tcase_add_test(tc, test_mss_with_wrong_length_prints_len_note);
	tcase_add_test(tc, test_unknown_option_prints_kind_and_hex);
	tcase_add_test(tc, test_eol_stops_option_printing);
	tcase_add_test(tc, test_kind_without_length_byte_at_end_of_packet_is_truncated);
	tcase_add_test(tc, test_kind_without_length_byte_before_payload_is_bad_opt);
	tcase_add_test(tc, test_less_common_options_print_as_tcpdump_does);
	tcase_add_test(tc, test_flags_print_in_tcpdump_order_and_none_when_empty);
	tcase_add_test(tc, test_relative_numbers_and_sack_blocks_follow_tcpdump);
	tcase_add_test(tc, test_text_protocol_first_lines_print_like_tcpdump);
	tcase_add_test(tc, test_format_has_snprintf_semantics);
	tcase_add_test(tc, test_format_buf_uses_the_callers_buffer_only_when_the_line_fits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(trace_text_suite());
}
