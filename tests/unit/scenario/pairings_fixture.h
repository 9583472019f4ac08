/* pairings_fixture.h: the pairings of the project's own declarations (impl/NAME.impl), which the
 * scenario tests name: a test program calls use_project_pairings() in main, before its suites
 * run (their forked tests inherit the table). */
#ifndef SYNFIN_TEST_PAIRINGS_FIXTURE_H
#define SYNFIN_TEST_PAIRINGS_FIXTURE_H

#include <check.h>

#include "impl_load.h"
#include "scenario.h"
#include "test_support.h"

static inline void use_project_pairings(void)
{
	char dir[512], why[800];
	synfin_src_path(dir, sizeof(dir), "impl");
	struct impl v[SCN_MAX_IMPLS];
	size_t n;
	int r = impl_load_all(v, &n, SCN_MAX_IMPLS, dir, NULL, NULL, 0, why, sizeof(why));
	if (!r)
		r = scn_pairings_set(v, n, why, sizeof(why));
	if (r) {
		fprintf(stderr, "%s\n", why);
		abort();
	}
}

/* The pairing called name (client-server), which the project declares. */
static inline unsigned pair_of(const char *name)
{
	int p = scn_pair_find(name);
	ck_assert_msg(p >= 0, "no pairing %s", name);
	return (unsigned)p;
}

#define PAIR_BIT(name) (1u << pair_of(name))

#endif
