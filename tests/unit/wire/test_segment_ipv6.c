/* test_segment_ipv6.c: IPv6 segments (wire/segment.h, RFC 8200): the extension headers walked to
 * TCP, a later fragment said to carry no TCP header, every malformed packet refused with its
 * reason; rewrites and forged segments checked against a checksum over IPv6's pseudo-header
 * (RFC 8200 8.1) computed from scratch, apart from the modules. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "common/wire_bytes.h"
#include "test_support.h"
#include "wire/segment.h"
#include "wire/segment_forge.h"
#include "wire/segment_rewrite.h"

enum { HOPOPTS = 0, TCP = 6, ROUTING = 43, FRAGMENT = 44, DSTOPTS = 60, NO_NEXT = 59 };

static const uint8_t CLIENT6[16] = {0xfd, [14] = 0x01, [15] = 0x08};
static const uint8_t SERVER6[16] = {0xfd, [14] = 0x01, [15] = 0x09};

/* An IPv6 packet fd00::108.40000 > fd00::109.80 with the extension headers named in exts (each
 * 8 bytes: PadN-filled options, a routing header with no segments left, or a first fragment),
 * then a TCP SYN with an MSS option and payload bytes of data. Returns its length. */
static size_t ipv6_tcp(uint8_t *b, const uint8_t *exts, size_t n_exts, size_t payload)
{
	memset(b, 0, 256);
	b[0] = 0x60;
	b[7] = 64;
	memcpy(b + 8, CLIENT6, 16);
	memcpy(b + 24, SERVER6, 16);
	size_t at = 40;
	uint8_t *next = b + 6;
	for (size_t k = 0; k < n_exts; k++) {
		*next = exts[k];
		next = b + at;
		if (exts[k] == HOPOPTS || exts[k] == DSTOPTS) {
			b[at + 2] = 1; /* PadN of 4 bytes fills the 8 */
			b[at + 3] = 4;
		} else if (exts[k] == ROUTING) {
			b[at + 2] = 4; /* type 4 (segment routing), no segment left */
		} else if (exts[k] == FRAGMENT) {
			b[at + 3] = 1; /* offset 0, more fragments */
			wire_put32(b + at + 4, 0x1234);
		}
		at += 8;
	}
	*next = TCP;
	uint8_t *tcp = b + at;
	wire_put16(tcp, 40000);
	wire_put16(tcp + 2, 80);
	wire_put32(tcp + 4, 1000);
	tcp[12] = 6 << 4;
	tcp[13] = TCPF_SYN;
	wire_put16(tcp + 14, 64800);
	tcp[20] = 2;
	tcp[21] = 4;
	wire_put16(tcp + 22, 1440);
	for (size_t i = 0; i < payload; i++)
		tcp[24 + i] = (uint8_t)(i * 7 + 1);
	size_t len = at + 24 + payload;
	wire_put16(b + 4, (uint16_t)(len - 40));
	return len;
}

/* Where TCP starts, found by following the next-header chain of the 8-byte headers ipv6_tcp
 * writes (this test's own walk, not the module's). */
static size_t tcp_offset(const uint8_t *b)
{
	size_t at = 40;
	uint8_t next = b[6];
	while (next != TCP) {
		next = b[at];
		at += 8;
	}
	return at;
}

/* The TCP checksum over IPv6's pseudo-header (RFC 8200 8.1: source, destination, upper-layer
 * length, next header), summed byte pair by byte pair into 64 bits, the field counted as 0. */
static uint16_t full_tcp6_checksum(const uint8_t *b)
{
	size_t at = tcp_offset(b);
	size_t tcp_len = 40 + wire_get16(b + 4) - at;
	uint64_t sum = TCP + tcp_len;
	for (int i = 8; i < 40; i += 2)
		sum += wire_get16(b + i);
	for (size_t i = 0; i < tcp_len; i += 2) {
		if (i == 16)
			continue;
		uint16_t hi = b[at + i], lo = i + 1 < tcp_len ? b[at + i + 1] : 0;
		sum += (uint64_t)(hi << 8 | lo);
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void set_checksum(uint8_t *b)
{
	wire_put16(b + tcp_offset(b) + 16, full_tcp6_checksum(b));
}

#define ASSERT_CHECKSUM6_RIGHT(b)                                                                  \
	ck_assert_uint_eq(wire_get16((b) + tcp_offset(b) + 16), full_tcp6_checksum(b))

START_TEST(test_plain_ipv6_syn_parses_with_its_addresses_and_hop_limit)
{
	uint8_t b[256];
	size_t n = ipv6_tcp(b, NULL, 0, 0);
	struct segment seg;
	ck_assert_int_eq(segment_parse(&seg, b, n), 0);
	ck_assert(seg.ipv6);
	ck_assert_mem_eq(seg.saddr6, CLIENT6, 16);
	ck_assert_mem_eq(seg.daddr6, SERVER6, 16);
	ck_assert_uint_eq(seg.saddr, 0);
	ck_assert_uint_eq(seg.ttl, 64);
	ck_assert_uint_eq(seg.ip_proto, TCP);
	ck_assert_uint_eq(seg.ip_len, n);
	ck_assert_uint_eq(seg.sport, 40000);
	ck_assert_uint_eq(seg.dport, 80);
	ck_assert_uint_eq(seg.flags, TCPF_SYN);
	ck_assert_uint_eq(seg.options_len, 4);
	ck_assert_uint_eq(wire_get16(seg.options + 2), 1440);
	ck_assert_ptr_null(seg.error);
}
END_TEST

START_TEST(test_every_extension_header_is_walked_to_tcp)
{
	static const uint8_t chain[] = {HOPOPTS, DSTOPTS, ROUTING, FRAGMENT, DSTOPTS};
	uint8_t b[256];
	size_t n = ipv6_tcp(b, chain, sizeof(chain), 13);
	struct segment seg;
	ck_assert_int_eq(segment_parse(&seg, b, n), 0);
	ck_assert_uint_eq(seg.sport, 40000);
	ck_assert_uint_eq(seg.payload_len, 13);
	ck_assert_ptr_eq(seg.payload, b + 40 + 5 * 8 + 24);
	ck_assert_uint_eq(seg.payload[12], (uint8_t)(12 * 7 + 1));
	ck_assert_int_eq(segment_classify(&seg, 0x86dd, b, n), SEGMENT_TCP);
}
END_TEST

START_TEST(test_a_later_fragment_says_it_has_no_tcp_header)
{
	static const uint8_t chain[] = {FRAGMENT};
	uint8_t b[256];
	size_t n = ipv6_tcp(b, chain, 1, 0);
	wire_put16(b + 40 + 2, 185 << 3); /* offset 1480 bytes */
	struct segment seg;
	ck_assert_int_eq(segment_parse(&seg, b, n), -ENODATA);
	ck_assert_str_eq(seg.error, "a fragment other than the first: no TCP header");
	ck_assert_int_eq(segment_classify(&seg, 0x86dd, b, n), SEGMENT_FRAGMENT);
	/* the same in IPv4: fragment offset 185 */
	static const uint8_t v4[40] = {0x45, 0, 0, 40, 0, 1, 0, 185, 64, 6};
	ck_assert_int_eq(segment_classify(&seg, 0x0800, v4, sizeof(v4)), SEGMENT_FRAGMENT);
}
END_TEST

START_TEST(test_hop_by_hop_options_after_another_header_are_malformed)
{
	static const uint8_t chain[] = {DSTOPTS, HOPOPTS};
	uint8_t b[256];
	size_t n = ipv6_tcp(b, chain, 2, 0);
	struct segment seg;
	ck_assert_int_eq(segment_parse(&seg, b, n), -EINVAL);
	ck_assert_str_eq(seg.error, "IPv6 hop-by-hop options after another header");
}
END_TEST

START_TEST(test_an_extension_header_longer_than_the_payload_is_malformed)
{
	static const uint8_t chain[] = {ROUTING};
	uint8_t b[256];
	size_t n = ipv6_tcp(b, chain, 1, 0);
	b[40 + 1] = 200; /* 1608 bytes */
	struct segment seg;
	ck_assert_int_eq(segment_parse(&seg, b, n), -EINVAL);
	ck_assert_str_eq(seg.error, "IPv6 extension header runs past the payload");
}
END_TEST

START_TEST(test_an_option_past_its_header_and_a_jumbogram_are_malformed)
{
	static const uint8_t chain[] = {HOPOPTS};
	uint8_t b[256];
	size_t n = ipv6_tcp(b, chain, 1, 0);
	b[40 + 3] = 5; /* PadN of 7 bytes in the 6 left */
	struct segment seg;
	ck_assert_int_eq(segment_parse(&seg, b, n), -EINVAL);
	ck_assert_str_eq(seg.error, "IPv6 option runs past its extension header");
	n = ipv6_tcp(b, chain, 1, 0);
	b[40 + 2] = 0xc2; /* Jumbo Payload, 4 bytes */
	b[40 + 3] = 4;
	ck_assert_int_eq(segment_parse(&seg, b, n), -EINVAL);
	ck_assert_str_eq(seg.error, "IPv6 jumbogram (RFC 2675): not handled");
	wire_put16(b + 4, 0); /* as a jumbogram's fixed header says it */
	ck_assert_int_eq(segment_parse(&seg, b, n), -EINVAL);
	ck_assert_str_eq(seg.error, "IPv6 jumbogram (RFC 2675): not handled");
}
END_TEST

START_TEST(test_every_cut_of_a_packet_is_refused_and_never_read_past)
{
	static const uint8_t chain[] = {HOPOPTS, ROUTING, FRAGMENT, DSTOPTS};
	uint8_t b[256];
	size_t n = ipv6_tcp(b, chain, sizeof(chain), 9);
	struct segment seg;
	for (size_t len = 0; len < n; len++) {
		ck_assert_int_eq(segment_parse(&seg, b, len), -EINVAL);
		ck_assert_ptr_nonnull(seg.error);
	}
	/* and the payload length cut inside each header in turn (past the TCP header, a shorter
	 * payload is still a segment) */
	for (uint16_t plen = 0; plen < sizeof(chain) * 8 + 24; plen++) {
		wire_put16(b + 4, plen);
		int rc = segment_parse(&seg, b, n);
		ck_assert_int_eq(rc, -EINVAL);
		ck_assert_ptr_nonnull(seg.error);
	}
}
END_TEST

START_TEST(test_no_next_header_is_not_tcp)
{
	static const uint8_t chain[] = {DSTOPTS};
	uint8_t b[256];
	size_t n = ipv6_tcp(b, chain, 1, 0);
	b[40] = NO_NEXT;
	struct segment seg;
	ck_assert_int_eq(segment_parse(&seg, b, n), -EPROTONOSUPPORT);
	ck_assert_uint_eq(seg.ip_proto, NO_NEXT);
	ck_assert_int_eq(segment_classify(&seg, 0x86dd, b, n), SEGMENT_NOT_TCP);
}
END_TEST

START_TEST(test_ipv4_where_the_queue_said_ipv6_is_a_bad_version)
{
	static const uint8_t v4[40] = {0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, [32] = 0x50};
	struct segment seg;
	ck_assert_int_eq(segment_classify(&seg, 0x86dd, v4, sizeof(v4)), SEGMENT_BAD_VERSION);
}
END_TEST

START_TEST(test_addresses_of_both_families_compare_as_16_bytes)
{
	struct segment v4 = {.saddr = 0xc0a8016c, .daddr = 0xc0a8016d};
	struct ip_addr s = segment_src(&v4), d = segment_dst(&v4);
	uint32_t a;
	ck_assert(ip_addr_is_ipv4(&s, &a));
	ck_assert_uint_eq(a, 0xc0a8016c);
	ck_assert_int_lt(ip_addr_cmp(&s, &d), 0); /* the numbers' order */
	struct segment v6 = {.ipv6 = true};
	memcpy(v6.saddr6, CLIENT6, 16);
	struct ip_addr s6 = segment_src(&v6);
	ck_assert(!ip_addr_is_ipv4(&s6, NULL));
	ck_assert_mem_eq(s6.b, CLIENT6, 16);
	ck_assert_int_ne(ip_addr_cmp(&s, &s6), 0);
}
END_TEST

START_TEST(test_rewrites_behind_extension_headers_keep_the_ipv6_checksum_right)
{
	static const uint8_t chain[] = {HOPOPTS, DSTOPTS};
	uint8_t b[256];
	for (unsigned payload = 0; payload < 40; payload++) {
		size_t n = ipv6_tcp(b, chain, 2, payload);
		set_checksum(b);
		ck_assert_int_eq(segment_set_window(b, n, (uint16_t)(payload * 1000)), 0);
		ASSERT_CHECKSUM6_RIGHT(b);
		ck_assert_int_eq(segment_set_mss(b, n, (uint16_t)(1200 + payload)), 0);
		ASSERT_CHECKSUM6_RIGHT(b);
		size_t at;
		if (payload) {
			ck_assert_int_eq(segment_corrupt(b, n, SEGMENT_REGION_PAYLOAD, true,
			                                 payload * 0x9e3779b97f4a7c15ull, &at),
			                 0);
			ck_assert_uint_ge(at, 40 + 16 + 24);
			ASSERT_CHECKSUM6_RIGHT(b);
		}
		ck_assert_int_eq(segment_strip_options(b, n, 2, 2), 1);
		ASSERT_CHECKSUM6_RIGHT(b);
		struct segment seg;
		ck_assert_int_eq(segment_parse(&seg, b, n), 0);
		ck_assert_uint_eq(seg.win, (uint16_t)(payload * 1000));
		ck_assert_uint_eq(seg.options[0], 1); /* NOP where the MSS was */
	}
}
END_TEST

START_TEST(test_a_corrupted_ipv6_segment_with_checksum_bad_fails_the_check)
{
	uint8_t b[256];
	size_t n = ipv6_tcp(b, NULL, 0, 20);
	set_checksum(b);
	size_t at;
	ck_assert_int_eq(segment_corrupt(b, n, SEGMENT_REGION_PAYLOAD, false, 77, &at), 0);
	ck_assert_uint_ne(wire_get16(b + 40 + 16), full_tcp6_checksum(b));
}
END_TEST

START_TEST(test_forged_ipv6_segments_parse_and_carry_their_checksum)
{
	uint8_t b[SEGMENT_FORGED_MAX];
	struct forged_segment f = {.ipv6 = true,
	                           .sport = 80,
	                           .dport = 40000,
	                           .seq = 0xfffffff0,
	                           .ack = 12345,
	                           .flags = TCPF_RST | TCPF_ACK,
	                           .win = 0};
	memcpy(f.saddr6, SERVER6, 16);
	memcpy(f.daddr6, CLIENT6, 16);
	ck_assert_uint_eq(segment_forge(b, &f), SEGMENT_FORGED_LEN6);
	struct segment seg;
	ck_assert_int_eq(segment_parse(&seg, b, SEGMENT_FORGED_LEN6), 0);
	ck_assert(seg.ipv6);
	ck_assert_mem_eq(seg.saddr6, SERVER6, 16);
	ck_assert_mem_eq(seg.daddr6, CLIENT6, 16);
	ck_assert_uint_eq(seg.seq, 0xfffffff0);
	ck_assert_uint_eq(seg.ack, 12345);
	ck_assert_uint_eq(seg.flags, TCPF_RST | TCPF_ACK);
	ck_assert_uint_eq(seg.ttl, 64);
	ASSERT_CHECKSUM6_RIGHT(b);
}
END_TEST

static Suite *segment_ipv6_suite(void)
{
	Suite *s = suite_create("segment_ipv6");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_plain_ipv6_syn_parses_with_its_addresses_and_hop_limit);
	tcase_add_test(tc, test_every_extension_header_is_walked_to_tcp);
	tcase_add_test(tc, test_a_later_fragment_says_it_has_no_tcp_header);
	tcase_add_test(tc, test_hop_by_hop_options_after_another_header_are_malformed);
	tcase_add_test(tc, test_an_extension_header_longer_than_the_payload_is_malformed);
	tcase_add_test(tc, test_an_option_past_its_header_and_a_jumbogram_are_malformed);
	tcase_add_test(tc, test_every_cut_of_a_packet_is_refused_and_never_read_past);
	tcase_add_test(tc, test_no_next_header_is_not_tcp);
	tcase_add_test(tc, test_ipv4_where_the_queue_said_ipv6_is_a_bad_version);
	tcase_add_test(tc, test_addresses_of_both_families_compare_as_16_bytes);
	suite_add_tcase(s, tc);
	TCase *tr = tcase_create("rewrite");
	tcase_add_test(tr, test_rewrites_behind_extension_headers_keep_the_ipv6_checksum_right);
	tcase_add_test(tr, test_a_corrupted_ipv6_segment_with_checksum_bad_fails_the_check);
	tcase_add_test(tr, test_forged_ipv6_segments_parse_and_carry_their_checksum);
	suite_add_tcase(s, tr);
	return s;
}

int main(void)
{
	return synfin_run_suite(segment_ipv6_suite());
}
