/* fuzz_junit.c: xml_parse, xml_write and junit_merge (synfin-scenario junit-merge) on arbitrary
 * bytes.
 *
 * Input: the report's bytes (NULs included: they must be refused, not cut at).
 * Properties: failure gives a terminated, non-empty message at a line and column inside the
 * input; what xml_write makes of a parsed tree parses again and writes back the same bytes;
 * a report merged with itself keeps each case once, counting the second copy as repeats.
 */
#include "fuzz_common.h"

#include <errno.h>

#include "junit_merge.h"
#include "junit_xml.h"

static char *write_tree(const struct xml_node *n, size_t *len)
{
	char stack[512];
	struct sbuf b;
	sb_init_growing(&b, stack, sizeof(stack));
	xml_write(&b, n, 0);
	FUZZ_CHECK(b.len < b.size);
	char *s = fuzz_strndup((const uint8_t *)b.buf, b.len);
	*len = b.len;
	sb_release(&b);
	return s;
}

static void check_merge(const struct xml_node *root)
{
	struct junit_report in[2] = {{"a/unit.xml", root}, {"b/unit.xml", root}};
	struct xml_node *one, *two;
	struct junit_counts c1, c2;
	char why[200];
	int r = junit_merge(in, 1, "m", &one, &c1, why, sizeof(why));
	if (r) {
		FUZZ_CHECK(r == -EINVAL || r == -ENOMEM);
		FUZZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL && why[0]);
		return;
	}
	FUZZ_CHECK(junit_merge(in, 2, "m", &two, &c2, why, sizeof(why)) == 0);
	FUZZ_CHECK(c1.tests == c2.tests && c1.failures == c2.failures && c1.errors == c2.errors &&
	           c1.skipped == c2.skipped);
	FUZZ_CHECK(c2.repeats == c1.repeats * 2 + c1.tests);
	FUZZ_CHECK(c1.failures + c1.errors + c1.skipped <= c1.tests);
	size_t cases = 0;
	for (size_t i = 0; i < one->n_children; i++)
		cases += one->children[i]->n_children;
	FUZZ_CHECK(cases == c1.tests);
	xml_free(one);
	xml_free(two);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1); /* exactly the input: a read past it is a finding */
	if (!text)
		abort();
	memcpy(text, data, size);
	struct xml_node *root;
	struct xml_error err;
	int rc = xml_parse(text, size, &root, &err);
	free(text);
	if (rc) {
		FUZZ_CHECK(rc == -EINVAL || rc == -ENOMEM);
		FUZZ_CHECK(rc == -ENOMEM || (memchr(err.msg, '\0', sizeof(err.msg)) && err.msg[0]));
		FUZZ_CHECK(rc == -ENOMEM || (err.line >= 1 && err.col >= 1 && err.line <= size + 1));
		return 0;
	}
	size_t len1, len2;
	char *once = write_tree(root, &len1);
	struct xml_node *again;
	FUZZ_CHECK(xml_parse(once, len1, &again, &err) == 0);
	char *twice = write_tree(again, &len2);
	FUZZ_CHECK(len1 == len2 && !memcmp(once, twice, len1));
	check_merge(root);
	free(once);
	free(twice);
	xml_free(again);
	xml_free(root);
	return 0;
}
