/* test_checksum.c: the Internet checksum (RFC 1071) as the stack computes it, word-wide, against
 * the RFC's own loop of big-endian 16-bit words, on random buffers at every alignment. */
#include "checksum.h"
#include "test_support.h"

#include <string.h>

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32);
}

/* RFC 1071 4.1, with a 64-bit sum so no carry is lost. */
static uint16_t naive_checksum(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < len)
		s += (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

START_TEST(test_checksum_matches_rfc1071_loop_on_random_buffers)
{
	static uint8_t buf[3100];

	for (int round = 0; round < 5000; round++) {
		size_t off = next_random() % 8;
		size_t len = next_random() % (sizeof(buf) - off);
		uint32_t sum = next_random() % 0x40000;
		for (size_t i = 0; i < off + len; i++)
			buf[i] = (uint8_t)next_random();
		ck_assert_uint_eq(csum_fold(csum_add(sum, buf + off, len)),
		                  naive_checksum(sum, buf + off, len));
	}
}
END_TEST

START_TEST(test_checksum_of_parts_at_even_cuts_is_the_whole)
{
	static uint8_t buf[1500];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)next_random();
	for (size_t cut = 0; cut <= sizeof(buf); cut += 2) {
		uint32_t parts = csum_add(csum_add(0, buf, cut), buf + cut, sizeof(buf) - cut);
		ck_assert_uint_eq(csum_fold(parts), naive_checksum(0, buf, sizeof(buf)));
	}
}
END_TEST

START_TEST(test_checksum_carries_survive_a_64k_buffer_of_ones)
{
	static uint8_t buf[65535];
	memset(buf, 0xff, sizeof(buf));
	for (size_t len = sizeof(buf) - 3; len <= sizeof(buf); len++)
		ck_assert_uint_eq(csum_fold(csum_add(0xffff, buf, len)),
		                  naive_checksum(0xffff, buf, len));
}
END_TEST

static Suite *checksum_suite(void)
{
	Suite *s = suite_create("checksum");
	TCase *tc = tcase_create("rfc1071");
	tcase_add_test(tc, test_checksum_matches_rfc1071_loop_on_random_buffers);
	tcase_add_test(tc, test_checksum_of_parts_at_even_cuts_is_the_whole);
	tcase_add_test(tc, test_checksum_carries_survive_a_64k_buffer_of_ones);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(checksum_suite());
}
