/* test_segment_classify.c: what synfin-faultd makes of each packet NFQUEUE hands it
 * (wire/segment.h, segment_classify): IPv4 and IPv6 TCP are segments, another protocol by its
 * ethertype is "not IPv4" (passed unjudged, not malformed), broken IP is malformed. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "test_support.h"
#include "wire/segment.h"

#define ETH_IP 0x0800
#define ETH_IPV6 0x86dd
#define ETH_ARP 0x0806

/* 192.168.1.108:40000 > 192.168.1.109:80, a bare SYN: 20 bytes of IPv4, 20 of TCP. */
static size_t ipv4_syn(uint8_t *b, uint8_t proto)
{
	static const uint8_t pkt[40] = {
	    0x45, 0,    0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, 192,  168,  1,    108,  192, 168, 1, 109,
	    0x9c, 0x40, 0, 80, 0, 0, 0,    1, 0,  0, 0, 0, 0x50, 0x02, 0xfa, 0xf0, 0,   0,   0, 0};
	memcpy(b, pkt, sizeof(pkt));
	b[9] = proto;
	return sizeof(pkt);
}

/* An IPv6 router solicitation's first bytes (ICMPv6, fe80::1 > ff02::2). */
static size_t ipv6_packet(uint8_t *b)
{
	static const uint8_t pkt[48] = {0x60, 0,    0,        0,    0,    8,        58, 255,
	                                0xfe, 0x80, [23] = 1, 0xff, 0x02, [39] = 2, 133};
	memcpy(b, pkt, sizeof(pkt));
	return sizeof(pkt);
}

START_TEST(test_ipv4_tcp_is_a_segment_with_or_without_the_ethertype)
{
	uint8_t b[64];
	struct segment seg;
	size_t n = ipv4_syn(b, 6);
	ck_assert_int_eq(segment_classify(&seg, ETH_IP, b, n), SEGMENT_TCP);
	ck_assert_uint_eq(seg.sport, 40000);
	ck_assert_uint_eq(seg.flags, TCPF_SYN);
	ck_assert_int_eq(segment_classify(&seg, 0, b, n), SEGMENT_TCP);
	ck_assert_uint_eq(seg.dport, 80);
}
END_TEST

START_TEST(test_ipv6_other_than_tcp_is_not_tcp_by_its_ethertype_or_its_version_field)
{
	uint8_t b[64];
	struct segment seg;
	size_t n = ipv6_packet(b);
	ck_assert_int_eq(segment_classify(&seg, ETH_IPV6, b, n), SEGMENT_NOT_TCP);
	ck_assert(seg.ipv6);
	ck_assert_uint_eq(seg.ip_proto, 58);
	ck_assert_int_eq(segment_classify(&seg, 0, b, n), SEGMENT_NOT_TCP);
	/* a bare IPv6 version field is an IPv6 header cut short */
	ck_assert_int_eq(segment_classify(&seg, 0, b, 1), SEGMENT_MALFORMED);
	ck_assert_str_eq(seg.error, "IPv6 header cut short");
}
END_TEST

START_TEST(test_another_ethertype_is_not_ipv4_whatever_its_bytes)
{
	uint8_t b[64];
	struct segment seg;
	size_t n = ipv4_syn(b, 6);
	ck_assert_int_eq(segment_classify(&seg, ETH_ARP, b, n), SEGMENT_NOT_IPV4);
	ck_assert_int_eq(segment_classify(&seg, ETH_ARP, b, 0), SEGMENT_NOT_IPV4);
}
END_TEST

START_TEST(test_ipv4_udp_is_not_tcp)
{
	uint8_t b[64];
	struct segment seg;
	size_t n = ipv4_syn(b, 17);
	ck_assert_int_eq(segment_classify(&seg, ETH_IP, b, n), SEGMENT_NOT_TCP);
	ck_assert_uint_eq(seg.ip_proto, 17);
}
END_TEST

START_TEST(test_broken_ipv4_is_malformed)
{
	uint8_t b[64];
	struct segment seg;
	size_t n = ipv4_syn(b, 6);
	/* TCP header cut to 8 bytes */
	b[3] = 28;
	ck_assert_int_eq(segment_classify(&seg, ETH_IP, b, 28), SEGMENT_MALFORMED);
	ck_assert_int_eq(segment_classify(&seg, ETH_IP, b, 0), SEGMENT_MALFORMED);
	ck_assert_int_eq(segment_classify(&seg, ETH_IP, b, 10), SEGMENT_MALFORMED);
	(void)n;
}
END_TEST

START_TEST(test_a_version_field_neither_4_nor_6_is_a_bad_version)
{
	uint8_t b[64];
	struct segment seg;
	size_t n = ipv4_syn(b, 6);
	b[0] = 0x55;
	ck_assert_int_eq(segment_classify(&seg, ETH_IP, b, n), SEGMENT_BAD_VERSION);
	ck_assert_int_eq(segment_classify(&seg, 0, b, n), SEGMENT_BAD_VERSION);
	/* the queue said IPv4: an IPv6 header there is a broken packet, not IPv6 */
	n = ipv6_packet(b);
	ck_assert_int_eq(segment_classify(&seg, ETH_IP, b, n), SEGMENT_BAD_VERSION);
}
END_TEST

static Suite *segment_classify_suite(void)
{
	Suite *s = suite_create("segment_classify");
	TCase *tc = tcase_create("classify");
	tcase_add_test(tc, test_ipv4_tcp_is_a_segment_with_or_without_the_ethertype);
	tcase_add_test(tc,
	               test_ipv6_other_than_tcp_is_not_tcp_by_its_ethertype_or_its_version_field);
	tcase_add_test(tc, test_another_ethertype_is_not_ipv4_whatever_its_bytes);
	tcase_add_test(tc, test_ipv4_udp_is_not_tcp);
	tcase_add_test(tc, test_broken_ipv4_is_malformed);
	tcase_add_test(tc, test_a_version_field_neither_4_nor_6_is_a_bad_version);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(segment_classify_suite());
}
