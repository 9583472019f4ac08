/* test_segment_rewrite.c: rewrites of a segment in place (wire/segment_rewrite.h), each checked
 * against a checksum computed from scratch by a routine written apart from the module (a plain
 * sum of 32-bit words over the pseudo header and the segment, RFC 9293 3.1), over random
 * segments: odd lengths, options at odd offsets, any checksum value. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "common/wire_bytes.h"
#include "test_support.h"
#include "wire/segment.h"
#include "wire/segment_forge.h"
#include "wire/segment_rewrite.h"

/* The checksum the TCP header should carry, summed byte pair by byte pair into 64 bits and
 * folded once at the end: nothing in common with the module's incremental arithmetic. */
static uint16_t full_tcp_checksum(const uint8_t *pkt)
{
	size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
	size_t tcp_len = wire_get16(pkt + 2) - ihl;
	const uint8_t *tcp = pkt + ihl;
	uint64_t sum = 0;
	for (int i = 12; i < 20; i += 2) /* source and destination addresses */
		sum += wire_get16(pkt + i);
	sum += 6 + tcp_len;
	for (size_t i = 0; i < tcp_len; i += 2) {
		if (i == 16)
			continue; /* the checksum field counts as zero */
		uint16_t hi = tcp[i], lo = i + 1 < tcp_len ? tcp[i + 1] : 0;
		sum += (uint64_t)(hi << 8 | lo);
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t stored_checksum(const uint8_t *pkt)
{
	return wire_get16(pkt + (size_t)(pkt[0] & 0x0f) * 4 + 16);
}

static uint64_t rng = 0x1234;
static uint64_t next(void)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return rng >> 11;
}

/* A random IPv4/TCP packet with an MSS, SACK-permitted, timestamp and window scale option (in a
 * random order, after a random count of NOPs) and a payload of 0 to 99 bytes; its checksum right.
 */
static size_t random_segment(uint8_t *b)
{
	memset(b, 0, 200);
	uint8_t opts[40];
	size_t n = next() % 3; /* leading NOPs put the options at odd offsets */
	memset(opts, TCPOPT_NOP, n);
	static const uint8_t mss[4] = {TCPOPT_MSS, 4, 0x05, 0xb4};
	static const uint8_t sackp[2] = {TCPOPT_SACK_PERMITTED, 2};
	static const uint8_t ts[10] = {TCPOPT_TIMESTAMP, 10, 1, 2, 3, 4, 5, 6, 7, 8};
	static const uint8_t ws[3] = {TCPOPT_WSCALE, 3, 7};
	const uint8_t *parts[4] = {mss, sackp, ts, ws};
	size_t lens[4] = {4, 2, 10, 3};
	unsigned first = (unsigned)(next() % 4);
	for (unsigned k = 0; k < 4; k++) {
		unsigned p = (first + k) % 4;
		memcpy(opts + n, parts[p], lens[p]);
		n += lens[p];
	}
	while (n % 4)
		opts[n++] = TCPOPT_EOL;
	size_t payload = next() % 100;
	size_t tcp_len = 20 + n + payload;
	b[0] = 0x45;
	wire_put16(b + 2, (uint16_t)(20 + tcp_len));
	b[8] = 64;
	b[9] = 6;
	wire_put32(b + 12, (uint32_t)next());
	wire_put32(b + 16, (uint32_t)next());
	uint8_t *tcp = b + 20;
	for (int i = 0; i < 12; i++)
		tcp[i] = (uint8_t)next();
	tcp[12] = (uint8_t)((20 + n) / 4 << 4);
	tcp[13] = (uint8_t)next();
	wire_put16(tcp + 14, (uint16_t)next());
	memcpy(tcp + 20, opts, n);
	for (size_t i = 0; i < payload; i++)
		tcp[20 + n + i] = (uint8_t)next();
	wire_put16(tcp + 16, full_tcp_checksum(b));
	return 20 + tcp_len;
}

/* Where the option of this kind starts among seg's options, found by walking them; -1: none. */
static int option_at(const struct segment *seg, uint8_t kind)
{
	for (size_t k = 0; k < seg->options_len && seg->options[k] != TCPOPT_EOL;) {
		if (seg->options[k] == kind)
			return (int)k;
		k += seg->options[k] == TCPOPT_NOP ? 1 : seg->options[k + 1];
	}
	return -1;
}

static uint32_t mss_of(const struct segment *seg)
{
	int at = option_at(seg, TCPOPT_MSS);
	return at < 0 ? UINT32_MAX : wire_get16(seg->options + at + 2);
}

/* A rewritten packet's checksum is the one computed from scratch, as sent. */
#define ASSERT_CHECKSUM_RIGHT(b) ck_assert_uint_eq(stored_checksum(b), full_tcp_checksum(b))

START_TEST(test_rfc1624_example_equation_3)
{
	/* RFC 1624 section 4: HC 0xDD2F, m 0x5555 becomes m' 0x3285: HC' 0x0000 */
	ck_assert_uint_eq(csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
}
END_TEST

START_TEST(test_set_window_keeps_the_checksum_right_over_random_segments)
{
	uint8_t b[200];
	for (int i = 0; i < 2000; i++) {
		size_t n = random_segment(b);
		uint16_t win = (uint16_t)next();
		ck_assert_int_eq(segment_set_window(b, n, win), 0);
		struct segment seg;
		ck_assert_int_eq(segment_parse(&seg, b, n), 0);
		ck_assert_uint_eq(seg.win, win);
		ASSERT_CHECKSUM_RIGHT(b);
	}
}
END_TEST

START_TEST(test_set_mss_at_any_offset_keeps_the_checksum_right)
{
	uint8_t b[200];
	for (int i = 0; i < 2000; i++) {
		size_t n = random_segment(b);
		uint16_t mss = (uint16_t)next();
		ck_assert_int_eq(segment_set_mss(b, n, mss), 0);
		struct segment seg;
		ck_assert_int_eq(segment_parse(&seg, b, n), 0);
		ck_assert_uint_eq(mss_of(&seg), mss);
		ASSERT_CHECKSUM_RIGHT(b);
	}
}
END_TEST

START_TEST(test_set_mss_without_the_option_is_enoent_and_changes_nothing)
{
	uint8_t b[200], before[200];
	size_t n = random_segment(b);
	ck_assert_int_eq(segment_strip_options(b, n, TCPOPT_MSS, TCPOPT_MSS), 1);
	memcpy(before, b, n);
	ck_assert_int_eq(segment_set_mss(b, n, 536), -ENOENT);
	ck_assert_mem_eq(b, before, n);
}
END_TEST

START_TEST(test_strip_turns_every_byte_of_the_option_into_nops)
{
	uint8_t b[200];
	for (int i = 0; i < 2000; i++) {
		size_t n = random_segment(b);
		uint8_t before[200];
		memcpy(before, b, n);
		ck_assert_int_eq(segment_strip_options(b, n, TCPOPT_SACK_PERMITTED, TCPOPT_SACK),
		                 1);
		ASSERT_CHECKSUM_RIGHT(b);
		struct segment seg;
		ck_assert_int_eq(segment_parse(&seg, b, n), 0);
		/* the same length, no SACK option left, the others where they were */
		ck_assert_uint_eq(seg.options_len, before[32] / 16 * 4 - 20);
		size_t changed = 0;
		for (size_t k = 0; k < seg.options_len; k++) {
			if (seg.options[k] != before[40 + k]) {
				ck_assert_uint_eq(seg.options[k], TCPOPT_NOP);
				changed++;
			}
		}
		ck_assert_uint_eq(changed, 2);
		ck_assert_int_eq(option_at(&seg, TCPOPT_SACK_PERMITTED), -1);
		ck_assert_int_ge(option_at(&seg, TCPOPT_TIMESTAMP), 0);
		ck_assert_int_eq(segment_strip_options(b, n, TCPOPT_TIMESTAMP, TCPOPT_TIMESTAMP),
		                 1);
		ck_assert_int_eq(segment_strip_options(b, n, TCPOPT_WSCALE, TCPOPT_WSCALE), 1);
		ck_assert_int_eq(segment_strip_options(b, n, TCPOPT_MSS, TCPOPT_MSS), 1);
		ASSERT_CHECKSUM_RIGHT(b);
		ck_assert_int_eq(segment_strip_options(b, n, TCPOPT_MSS, TCPOPT_MSS), 0);
	}
}
END_TEST

static size_t count_differing_bits(const uint8_t *a, const uint8_t *b, size_t n, size_t *where)
{
	size_t bits = 0;
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i])
			*where = i;
		bits += (size_t)__builtin_popcount((unsigned)(a[i] ^ b[i]));
	}
	return bits;
}

START_TEST(test_corrupt_fixed_flips_one_payload_bit_and_fixes_the_checksum)
{
	uint8_t b[200], before[200];
	for (int i = 0; i < 2000; i++) {
		size_t n = random_segment(b);
		memcpy(before, b, n);
		size_t at = 0, diff_at = 0;
		int rc = segment_corrupt(b, n, SEGMENT_REGION_PAYLOAD, true, next(), &at);
		struct segment seg;
		ck_assert_int_eq(segment_parse(&seg, before, n), 0);
		if (seg.payload_len == 0) {
			ck_assert_int_eq(rc, -ENODATA);
			continue;
		}
		ck_assert_int_eq(rc, 0);
		ASSERT_CHECKSUM_RIGHT(b);
		/* one bit, in the payload; the checksum field is the only other change */
		size_t header_end = n - seg.payload_len;
		ck_assert_uint_eq(count_differing_bits(b + header_end, before + header_end,
		                                       seg.payload_len, &diff_at),
		                  1);
		ck_assert_uint_eq(header_end + diff_at, at);
		ck_assert_mem_eq(b, before, 36);
		ck_assert_mem_eq(b + 38, before + 38, header_end - 38);
	}
}
END_TEST

START_TEST(test_corrupt_bad_leaves_a_checksum_that_never_verifies)
{
	uint8_t b[200], before[200];
	for (int i = 0; i < 2000; i++) {
		size_t n = random_segment(b);
		memcpy(before, b, n);
		size_t at = 0, diff_at = 0;
		enum segment_region region = i % 2 ? SEGMENT_REGION_HEADER : SEGMENT_REGION_PAYLOAD;
		int rc = segment_corrupt(b, n, region, false, next(), &at);
		if (rc == -ENODATA)
			continue;
		ck_assert_int_eq(rc, 0);
		ck_assert_uint_eq(count_differing_bits(b, before, n, &diff_at), 1);
		ck_assert_uint_eq(diff_at, at);
		ck_assert_uint_ge(at, 20); /* the IPv4 header is never touched */
		ck_assert_uint_ne(stored_checksum(b), full_tcp_checksum(b));
	}
}
END_TEST

START_TEST(test_corrupt_header_fixed_never_touches_the_checksum_field_by_itself)
{
	uint8_t b[200];
	for (int i = 0; i < 2000; i++) {
		size_t n = random_segment(b);
		size_t at = 0, header_end = 20 + (size_t)(b[32] >> 4) * 4;
		ck_assert_int_eq(segment_corrupt(b, n, SEGMENT_REGION_HEADER, true, next(), &at),
		                 0);
		ck_assert(at < 36 || at > 37);
		ck_assert_uint_lt(at, header_end);
		ASSERT_CHECKSUM_RIGHT(b);
	}
}
END_TEST

START_TEST(test_the_same_draw_corrupts_the_same_bit)
{
	uint8_t a[200], b[200];
	rng = 99;
	size_t n = random_segment(a);
	memcpy(b, a, n);
	size_t at_a, at_b;
	ck_assert_int_eq(
	    segment_corrupt(a, n, SEGMENT_REGION_HEADER, false, 0xfeedbeef12ull, &at_a), 0);
	ck_assert_int_eq(
	    segment_corrupt(b, n, SEGMENT_REGION_HEADER, false, 0xfeedbeef12ull, &at_b), 0);
	ck_assert_uint_eq(at_a, at_b);
	ck_assert_mem_eq(a, b, n);
}
END_TEST

START_TEST(test_a_packet_that_is_not_tcp_is_refused)
{
	uint8_t b[200];
	size_t n = random_segment(b);
	b[9] = 17;
	ck_assert_int_eq(segment_set_window(b, n, 0), -EINVAL);
	b[9] = 6;
	ck_assert_int_eq(segment_set_window(b, 30, 0), -EINVAL); /* cut short */
	b[32] = 0x10;                                            /* data offset 4 bytes */
	size_t at;
	ck_assert_int_eq(segment_corrupt(b, n, SEGMENT_REGION_HEADER, true, 1, &at), -EINVAL);
}
END_TEST

/* The IPv4 header checksum, summed from scratch the same plain way. */
static uint16_t full_ip_checksum(const uint8_t *pkt)
{
	uint64_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		if (i != 10)
			sum += wire_get16(pkt + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

START_TEST(test_forged_segments_parse_and_carry_both_checksums)
{
	uint8_t b[SEGMENT_FORGED_LEN];
	for (int i = 0; i < 2000; i++) {
		struct forged_segment f = {.saddr = (uint32_t)next(),
		                           .daddr = (uint32_t)next(),
		                           .sport = (uint16_t)next(),
		                           .dport = (uint16_t)next(),
		                           .seq = (uint32_t)next(),
		                           .ack = (uint32_t)next(),
		                           .flags = (uint8_t)next(),
		                           .win = (uint16_t)next(),
		                           .ip_id = (uint16_t)next()};
		ck_assert_uint_eq(segment_forge(b, &f), SEGMENT_FORGED_LEN);
		struct segment seg;
		ck_assert_int_eq(segment_parse(&seg, b, sizeof(b)), 0);
		ck_assert_uint_eq(seg.saddr, f.saddr);
		ck_assert_uint_eq(seg.dport, f.dport);
		ck_assert_uint_eq(seg.seq, f.seq);
		ck_assert_uint_eq(seg.ack, f.ack);
		ck_assert_uint_eq(seg.flags, f.flags);
		ck_assert_uint_eq(seg.payload_len, 0);
		ck_assert_uint_eq(seg.ttl, 64);
		ck_assert_uint_eq(wire_get16(b + 10), full_ip_checksum(b));
		ASSERT_CHECKSUM_RIGHT(b);
	}
}
END_TEST

static Suite *segment_rewrite_suite(void)
{
	Suite *s = suite_create("segment_rewrite");
	TCase *tc = tcase_create("rewrite");
	tcase_add_test(tc, test_rfc1624_example_equation_3);
	tcase_add_test(tc, test_set_window_keeps_the_checksum_right_over_random_segments);
	tcase_add_test(tc, test_set_mss_at_any_offset_keeps_the_checksum_right);
	tcase_add_test(tc, test_set_mss_without_the_option_is_enoent_and_changes_nothing);
	tcase_add_test(tc, test_strip_turns_every_byte_of_the_option_into_nops);
	tcase_add_test(tc, test_corrupt_fixed_flips_one_payload_bit_and_fixes_the_checksum);
	tcase_add_test(tc, test_corrupt_bad_leaves_a_checksum_that_never_verifies);
	tcase_add_test(tc, test_corrupt_header_fixed_never_touches_the_checksum_field_by_itself);
	tcase_add_test(tc, test_the_same_draw_corrupts_the_same_bit);
	tcase_add_test(tc, test_a_packet_that_is_not_tcp_is_refused);
	tcase_add_test(tc, test_forged_segments_parse_and_carry_both_checksums);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(segment_rewrite_suite());
}
