/* test_peer_hash.c: the hash every endpoint prints over the bytes it moved (peer_hash.h). */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "endpoint/peer_hash.h"
#include "endpoint/peer_script.h"
#include "test_support.h"

static uint64_t hash_of(const uint8_t *p, size_t len)
{
	struct peer_hash h;
	peer_hash_init(&h);
	peer_hash_update(&h, p, len);
	return peer_hash_value(&h);
}

/* The definition written out plainly, for the whole stream at once: little-endian words,
 * h = rotl((h ^ w) * K, 29), the last partial word with its length in the top byte, then
 * MurmurHash3's finaliser. */
static uint64_t reference(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325u;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w = 0;
		for (int k = 7; k >= 0; k--)
			w = w << 8 | p[i + (size_t)k];
		h = (h ^ w) * 0x9e3779b97f4a7c15u;
		h = h << 29 | h >> 35;
	}
	if (i < len) {
		uint64_t w = (uint64_t)(len - i) << 56;
		for (size_t k = 0; i + k < len; k++)
			w |= (uint64_t)p[i + k] << (8 * k);
		h = (h ^ w) * 0x9e3779b97f4a7c15u;
		h = h << 29 | h >> 35;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53u;
	return h ^ h >> 33;
}

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17; /* xorshift64 */
	return *x;
}

START_TEST(test_the_value_depends_on_the_bytes_not_on_how_the_reads_cut_them)
{
	static uint8_t data[10000];
	uint64_t x = 88172645463325252u;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)rnd(&x);
	for (size_t len = 0; len < 40; len++) {
		uint64_t whole = hash_of(data, len);
		ck_assert_uint_eq(whole, reference(data, len));
		for (size_t cut = 0; cut <= len; cut++) {
			struct peer_hash h;
			peer_hash_init(&h);
			peer_hash_update(&h, data, cut);
			peer_hash_update(&h, data + cut, len - cut);
			ck_assert_uint_eq(peer_hash_value(&h), whole);
		}
	}
	uint64_t whole = hash_of(data, sizeof(data));
	ck_assert_uint_eq(whole, reference(data, sizeof(data)));
	for (int trial = 0; trial < 200; trial++) {
		struct peer_hash h;
		peer_hash_init(&h);
		for (size_t off = 0; off < sizeof(data);) {
			size_t k = 1 + rnd(&x) % 23;
			if (k > sizeof(data) - off)
				k = sizeof(data) - off;
			peer_hash_update(&h, data + off, k);
			off += k;
		}
		ck_assert_uint_eq(peer_hash_value(&h), whole);
	}
}
END_TEST

START_TEST(test_any_one_byte_changed_moved_or_added_changes_the_value)
{
	uint8_t data[64];
	peer_script_pattern_fill(data, sizeof(data), 0);
	uint64_t base = hash_of(data, sizeof(data));
	for (size_t i = 0; i < sizeof(data); i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			data[i] ^= (uint8_t)(1u << bit);
			ck_assert_uint_ne(hash_of(data, sizeof(data)), base);
			data[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* two bytes swapped, within a word and across words */
	uint8_t t = data[3];
	data[3] = data[4], data[4] = t;
	ck_assert_uint_ne(hash_of(data, sizeof(data)), base);
	data[4] = data[3], data[3] = t;
	t = data[7];
	data[7] = data[8], data[8] = t;
	ck_assert_uint_ne(hash_of(data, sizeof(data)), base);
	data[8] = data[7], data[7] = t;
	/* a trailing zero byte is a byte: "a" and "a\0" differ, and so do every length */
	uint8_t zeros[17] = {0};
	for (size_t len = 0; len < sizeof(zeros); len++)
		ck_assert_uint_ne(hash_of(zeros, len), hash_of(zeros, len + 1));
}
END_TEST

START_TEST(test_the_pattern_hash_is_the_hash_of_the_pattern_bytes)
{
	static uint8_t buf[300000];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = peer_script_pattern_byte(i);
	const uint64_t lens[] = {0, 1, 7, 8, 9, 250, 251, 252, 4015, 4016, 4017, 100000, 300000};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		ck_assert_uint_eq(peer_script_pattern_hash(lens[i]), hash_of(buf, (size_t)lens[i]));
	/* Every endpoint and the scenario judge must print this for `send 1M`; a change to the
	 * definition changes it, and every endpoint has to change with it. */
	ck_assert_uint_eq(peer_script_pattern_hash(1u << 20), 0xaefa38a6e6d3b89cu);
}
END_TEST

static Suite *peer_hash_suite(void)
{
	Suite *s = suite_create("peer_hash");
	TCase *tc = tcase_create("hash");
	tcase_add_test(tc, test_the_value_depends_on_the_bytes_not_on_how_the_reads_cut_them);
	tcase_add_test(tc, test_any_one_byte_changed_moved_or_added_changes_the_value);
	tcase_add_test(tc, test_the_pattern_hash_is_the_hash_of_the_pattern_bytes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(peer_hash_suite());
}
