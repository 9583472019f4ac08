/* fuzz_impl.c: impl_parse, the implementation declaration files (impl/NAME.impl), on arbitrary
 * text.
 *
 * Input: the declaration's text, up to the first NUL.
 * Properties: success names a program, a name and a device; failure gives a terminated,
 * non-empty message whose line and column are both set or both zero; nothing is read past the
 * text.
 */
#include "fuzz_common.h"

#include <errno.h>

#include "impl.h"

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
		FUZZ_CHECK(im.device == IMPL_DEVICE_KERNEL || im.device == IMPL_DEVICE_TUN);
		FUZZ_CHECK(impl_program_name(&im)[0] != '\0');
		FUZZ_CHECK(impl_find(&im, 1, im.name) == &im);
		return 0;
	}
	FUZZ_CHECK(rc == -EINVAL);
	FUZZ_CHECK(memchr(err.msg, '\0', sizeof(err.msg)) != NULL && err.msg[0]);
	FUZZ_CHECK((err.line == 0) == (err.col == 0));
	return 0;
}
