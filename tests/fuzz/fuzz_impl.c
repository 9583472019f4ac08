/* fuzz_impl.c: impl_parse, the implementation declaration files (impl/NAME.impl), on arbitrary
 * text, and the pairings scn_pairings_set derives from what it accepts.
 *
 * Input: the declaration's text, up to the first NUL.
 * Properties: success names a program, a name and a device; failure gives a terminated,
 * non-empty message whose line and column are both set or both zero; nothing is read past the
 * text. A declaration that parses either pairs (its own pairing at least, every pairing's name
 * parsing back to its own bit, the checked ones among them) or is refused with a positioned,
 * terminated message.
 */
#include "fuzz_common.h"

#include <errno.h>

#include "impl.h"
#include "scenario.h"

static void check_pairings(const struct impl *im)
{
	char why[400];
	memset(why, 0, sizeof(why));
	if (scn_pairings_set(im, 1, why, sizeof(why)) != 0) {
		/* alone, a check line can only name an implementation that is not there */
		FUZZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL && why[0]);
		FUZZ_CHECK(im->n_check > 0);
		return;
	}
	FUZZ_CHECK(scn_pair_count() == 1);
	FUZZ_CHECK((scn_default_pairs() & ~scn_all_pairs()) == 0);
	for (unsigned p = 0; p < scn_pair_count(); p++)
		FUZZ_CHECK(scn_pairs_parse(scn_pair_name(p)) == 1u << p);
	FUZZ_CHECK(scn_impl_pairs_parse(im->name) == scn_all_pairs());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	struct impl im;
	struct impl_error err;
	memset(&err, 0, sizeof(err));
	int rc = impl_parse(text, &im, &err);
	free(text);
	if (rc == 0) {
		FUZZ_CHECK(memchr(im.name, '\0', sizeof(im.name)) != NULL && im.name[0]);
		FUZZ_CHECK(memchr(im.program, '\0', sizeof(im.program)) != NULL && im.program[0]);
		FUZZ_CHECK(im.device == IMPL_DEVICE_KERNEL || im.device == IMPL_DEVICE_TUN ||
		           im.device == IMPL_DEVICE_TAP);
		FUZZ_CHECK(impl_program_name(&im)[0] != '\0');
		FUZZ_CHECK(impl_find(&im, 1, im.name) == &im);
		check_pairings(&im);
		return 0;
	}
	FUZZ_CHECK(rc == -EINVAL);
	FUZZ_CHECK(memchr(err.msg, '\0', sizeof(err.msg)) != NULL && err.msg[0]);
	FUZZ_CHECK((err.line == 0) == (err.col == 0));
	return 0;
}
