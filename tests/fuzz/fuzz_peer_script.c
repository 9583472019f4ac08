/* fuzz_peer_script.c: peer_script_parse on arbitrary text.
 *
 * Input: one byte choosing the error buffer's size (0..63), then the script text (up to a NUL).
 * Properties: success gives at least one step, each with a known name, text only on send-text;
 * failure leaves a terminated message in any buffer of at least one byte.
 */
#include "fuzz_common.h"

#include <errno.h>

#include "endpoint/peer_script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t err_size = data[0] % 64;
	char *text = fuzz_strndup(data + 1, size - 1);
	char *err = malloc(err_size ? err_size : 1);
	if (!err)
		abort();
	if (err_size)
		memset(err, 'x', err_size);
	struct peer_script ps;
	int rc = peer_script_parse(&ps, text, err_size ? err : NULL, err_size);
	if (rc == 0) {
		for (size_t i = 0; i < ps.n_steps; i++) {
			const struct peer_step *st = &ps.steps[i];
			FUZZ_CHECK(strcmp(peer_step_name(st->op), "?") != 0);
			if (st->op == PEER_SEND_TEXT)
				FUZZ_CHECK(st->text != NULL);
		}
		peer_script_free(&ps);
	} else {
		FUZZ_CHECK(rc == -EINVAL || rc == -ENOMEM);
		if (err_size)
			FUZZ_CHECK(memchr(err, '\0', err_size) != NULL);
	}
	free(err);
	free(text);
	return 0;
}
