/* test_chain_hash.c: the intrusive chained hash table: lookups over many entries, removal while
 * walking, and buckets that follow the entries down as well as up. */
#include <stdint.h>
#include <stdlib.h>

#include "common/chain_hash.h"
#include "test_support.h"

struct item {
	int id;
	struct chain_link link;
};

#define N 20000

static struct chain_hash h;
static struct item *items;

/* Keys that collide on purpose: every item shares its chain with 3 others. */
static uint32_t key_of(int id)
{
	return (uint32_t)(id / 4);
}

static struct item *find(int id)
{
	for (struct chain_link *e = chain_hash_first(&h, key_of(id)); e; e = e->next) {
		struct item *it = chain_entry(e, struct item, link);
		if (e->key == key_of(id) && it->id == id)
			return it;
	}
	return NULL;
}

static void setup(void)
{
	ck_assert_int_eq(chain_hash_init(&h), 0);
	items = calloc(N, sizeof(*items));
	ck_assert_ptr_nonnull(items);
	for (int i = 0; i < N; i++)
		items[i].id = i;
}

static void teardown(void)
{
	chain_hash_free(&h);
	free(items);
}

START_TEST(test_every_inserted_entry_is_found_and_no_other)
{
	for (int i = 0; i < N; i += 2)
		chain_hash_insert(&h, &items[i].link, key_of(i));
	ck_assert_uint_eq(h.count, N / 2);
	for (int i = 0; i < N; i++) {
		if (i % 2 == 0)
			ck_assert_ptr_eq(find(i), &items[i]);
		else
			ck_assert_ptr_null(find(i));
	}
	ck_assert_uint_ge(chain_hash_buckets(&h), N / 2);
}
END_TEST

START_TEST(test_removed_entries_are_gone_and_buckets_shrink_back)
{
	for (int i = 0; i < N; i++)
		chain_hash_insert(&h, &items[i].link, key_of(i));
	size_t grown = chain_hash_buckets(&h);
	for (int i = 0; i < N; i++) {
		if (i % 10 != 0)
			chain_hash_remove(&h, &items[i].link);
	}
	for (int i = 0; i < N; i++)
		ck_assert_ptr_eq(find(i), i % 10 == 0 ? &items[i] : NULL);
	ck_assert_uint_lt(chain_hash_buckets(&h), grown);
	for (int i = 0; i < N; i += 10)
		chain_hash_remove(&h, &items[i].link);
	ck_assert_uint_eq(h.count, 0);
	ck_assert_uint_eq(chain_hash_buckets(&h), 16);
}
END_TEST

START_TEST(test_removing_twice_or_never_inserted_changes_nothing)
{
	chain_hash_insert(&h, &items[1].link, key_of(1));
	chain_hash_remove(&h, &items[1].link);
	chain_hash_remove(&h, &items[1].link);
	chain_hash_remove(&h, &items[2].link);
	ck_assert_uint_eq(h.count, 0);
	chain_hash_insert(&h, &items[1].link, key_of(1));
	ck_assert_ptr_eq(find(1), &items[1]);
}
END_TEST

START_TEST(test_removing_the_entry_just_visited_keeps_the_walk_going)
{
	for (int i = 0; i < 64; i++)
		chain_hash_insert(&h, &items[i].link, 7); /* one chain */
	int seen = 0;
	for (struct chain_link *e = chain_hash_first(&h, 7), *next; e; e = next) {
		next = e->next;
		struct item *it = chain_entry(e, struct item, link);
		if (it->id % 2 == 0)
			chain_hash_remove(&h, e);
		seen++;
	}
	ck_assert_int_eq(seen, 64);
	ck_assert_uint_eq(h.count, 32);
	for (int i = 0; i < 64; i++) {
		int found = 0;
		for (struct chain_link *e = chain_hash_first(&h, 7); e; e = e->next)
			found += e == &items[i].link;
		ck_assert_int_eq(found, i % 2);
	}
}
END_TEST

static Suite *chain_hash_suite(void)
{
	Suite *s = suite_create("chain_hash");
	TCase *tc = tcase_create("table");
	tcase_set_timeout(tc, 60); /* 20,000 entries, under a sanitizer too */
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_every_inserted_entry_is_found_and_no_other);
	tcase_add_test(tc, test_removed_entries_are_gone_and_buckets_shrink_back);
	tcase_add_test(tc, test_removing_twice_or_never_inserted_changes_nothing);
	tcase_add_test(tc, test_removing_the_entry_just_visited_keeps_the_walk_going);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(chain_hash_suite());
}
