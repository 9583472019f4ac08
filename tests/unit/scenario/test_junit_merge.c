/* JUnit reports read, merged and written: the XML reader takes what ctest and synfin-scenario
 * write and says where malformed input goes wrong; the merge of the shards' reports keeps each
 * test case once, with its worst outcome. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "junit_merge.h"
#include "junit_xml.h"
#include "test_support.h"

static struct xml_node *parse_ok(const char *text)
{
	struct xml_node *root;
	struct xml_error err;
	int r = xml_parse(text, strlen(text), &root, &err);
	ck_assert_msg(r == 0, "%u:%u: %s", err.line, err.col, err.msg);
	return root;
}

/* Fails at line:col with a message that contains want. */
static void parse_fails(const char *text, unsigned line, unsigned col, const char *want)
{
	struct xml_node *root = (struct xml_node *)1;
	struct xml_error err;
	ck_assert_int_eq(xml_parse(text, strlen(text), &root, &err), -EINVAL);
	ck_assert_ptr_null(root);
	ck_assert_msg(err.line == line && err.col == col && strstr(err.msg, want),
	              "%s: got %u:%u: %s; want %u:%u: ...%s...", text, err.line, err.col, err.msg,
	              line, col, want);
}

static char *written(const struct xml_node *n)
{
	char stack[256];
	struct sbuf b;
	sb_init_growing(&b, stack, sizeof(stack));
	xml_write(&b, n, 0);
	char *s = strdup(b.buf);
	sb_release(&b);
	return s;
}

/* What ctest --output-junit writes (cmake 3.25), a skipped test and a passed one. */
static const char ctest_report[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<testsuite name=\"(empty)\"\n"
    "\ttests=\"2\"\n"
    "\tfailures=\"0\"\n"
    "\tdisabled=\"0\"\n"
    "\tskipped=\"1\"\n"
    "\thostname=\"\"\n"
    "\ttime=\"0\"\n"
    "\ttimestamp=\"2026-11-27T15:28:14\"\n"
    "\t>\n"
    "\t<testcase name=\"test_faultd.verdicts\" classname=\"test_faultd.verdicts\" "
    "time=\"0.0184841\" status=\"notrun\">\n"
    "\t\t<skipped message=\"SKIP_RETURN_CODE=77\"/>\n"
    "\t\t<system-out>not root: &lt;sudo&gt; &amp; try again\n"
    "</system-out>\n"
    "\t</testcase>\n"
    "\t<testcase name=\"test_wire\" classname=\"test_wire\" time=\"0.0133812\" "
    "status=\"run\">\n"
    "\t\t<system-out></system-out>\n"
    "\t</testcase>\n"
    "</testsuite>\n";

START_TEST(test_ctests_report_reads_with_its_entities_resolved)
{
	struct xml_node *root = parse_ok(ctest_report);
	ck_assert_str_eq(root->name, "testsuite");
	ck_assert_uint_eq(root->line, 2);
	ck_assert_str_eq(xml_attr(root, "name"), "(empty)");
	ck_assert_str_eq(xml_attr(root, "hostname"), "");
	ck_assert_ptr_null(root->text); /* indentation between elements is not data */
	ck_assert_uint_eq(root->n_children, 2);
	const struct xml_node *tc = root->children[0];
	ck_assert_str_eq(xml_attr(tc, "time"), "0.0184841");
	ck_assert_uint_eq(tc->n_children, 2);
	ck_assert_str_eq(tc->children[0]->name, "skipped");
	ck_assert_str_eq(xml_attr(tc->children[0], "message"), "SKIP_RETURN_CODE=77");
	ck_assert_str_eq(tc->children[1]->text, "not root: <sudo> & try again\n");
	ck_assert_ptr_null(root->children[1]->children[0]->text);
	xml_free(root);
}
END_TEST

START_TEST(test_cdata_comments_and_references_read_as_xml_says)
{
	struct xml_node *root = parse_ok(
	    "\xef\xbb\xbf<!-- a comment --><?pi x?><a x='1 "
	    "&quot;2&quot;'\tb=\"&#65;&#x42;\xc3\xa9\">"
	    "<![CDATA[<raw> & ]]]]><![CDATA[>]]>&#x1F600;<!-- no --></a>\n<!-- after -->\n");
	ck_assert_str_eq(xml_attr(root, "x"), "1 \"2\"");
	ck_assert_str_eq(xml_attr(root, "b"), "AB\xc3\xa9");
	ck_assert_str_eq(root->text, "<raw> & ]]>\xf0\x9f\x98\x80");
	xml_free(root);
	/* a carriage return reads as a newline; in an attribute white space reads as spaces */
	root = parse_ok("<a v=\"1\n2\r\n3\">x\r\ny\rz</a>");
	ck_assert_str_eq(xml_attr(root, "v"), "1 2  3");
	ck_assert_str_eq(root->text, "x\ny\nz");
	xml_free(root);
}
END_TEST

START_TEST(test_malformed_xml_is_refused_saying_where_and_what)
{
	parse_fails("", 1, 1, "no element: empty");
	parse_fails("  \n<!-- c -->\n", 3, 1, "only white space and comments");
	parse_fails("hello", 1, 1, "expected '<'");
	parse_fails("<!DOCTYPE x [<!ENTITY e \"boom\">]><x/>", 1, 1, "<!DOCTYPE");
	parse_fails("<a>\n  <b>\n</a>", 3, 1, "<b> (line 2) closed by </a>");
	parse_fails("<a>\n<b/>", 2, 5, "<a> (line 1) is not closed");
	parse_fails("<a x=1/>", 1, 6, "expected a quoted attribute value");
	parse_fails("<a x=\"1\"y=\"2\"/>", 1, 9, "expected white space");
	parse_fails("<a x=\"1\" x=\"2\"/>", 1, 10, "attribute x given twice");
	parse_fails("<a x=\"<\"/>", 1, 7, "'<' in an attribute value");
	parse_fails("<a x=\"1/>", 1, 6, "not closed by \"");
	parse_fails("<a>&nbsp;</a>", 1, 4, "unknown entity &nbsp;");
	parse_fails("<a>fish & chips</a>", 1, 9, "a bare & is written &amp;");
	parse_fails("<a>&#0;</a>", 1, 4, "not allow");
	parse_fails("<a>&#xD800;</a>", 1, 4, "not allow");
	parse_fails("<a>&#x110000;</a>", 1, 4, "past U+10FFFF");
	parse_fails("<a>&#12a;</a>", 1, 4, "bad character reference");
	parse_fails("<a>\x1b[31m</a>", 1, 4, "control character 0x1b");
	parse_fails("<a><![CDATA[x</a>", 1, 4, "<![CDATA[ not closed");
	parse_fails("<a><!-- x</a>", 1, 4, "comment not closed");
	parse_fails("<a/><b/>", 1, 5, "more after the document element <a>");
	parse_fails("<a><!ELEMENT x></a>", 1, 4, "a declaration");
	parse_fails("< a/>", 1, 2, "expected an element name");
	parse_fails("<a", 1, 3, "<a> (line 1) not closed by '>'");
	parse_fails("<a>\n  <b x=\"1\" fi", 2, 14, "the text ends inside <b> (line 2): cut short?");
	/* an error's column counts characters, not bytes */
	parse_fails("<a>\xc3\xa9\xc3\xa9&x;</a>", 1, 6, "unknown entity &x;");
	const char nul[] = "<a>x\0y</a>";
	struct xml_node *root;
	struct xml_error err;
	ck_assert_int_eq(xml_parse(nul, sizeof(nul) - 1, &root, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "control character 0x00 is not allowed in XML");
}
END_TEST

START_TEST(test_nesting_deeper_than_the_limit_is_refused)
{
	char text[2 * 4 * (XML_MAX_DEPTH + 1) + 1] = "";
	for (int i = 0; i < XML_MAX_DEPTH; i++)
		strcat(text, "<a>");
	for (int i = 0; i < XML_MAX_DEPTH; i++)
		strcat(text, "</a>");
	xml_free(parse_ok(text));
	char deeper[sizeof(text) + 8] = "<a>";
	strcat(deeper, text);
	strcat(deeper, "</a>");
	parse_fails(deeper, 1, 1 + 3 * XML_MAX_DEPTH, "nested deeper than");
}
END_TEST

START_TEST(test_what_is_written_reads_back_the_same)
{
	struct xml_node *root =
	    parse_ok("<s n=\"a&amp;b &lt;&gt; &quot;q&quot; &#10;&#9;&#13;\">\n"
	             "  lead <c>x &lt; y]]&gt;\r\n\t\"</c> mid <d/><e>  </e> tail\n"
	             "</s>");
	char *once = written(root);
	ck_assert_str_eq(once,
	                 "<s n=\"a&amp;b &lt;&gt; &quot;q&quot; &#10;&#9;&#13;\">leadmidtail\n"
	                 "  <c>x &lt; y]]&gt;\n\t\"</c>\n"
	                 "  <d/>\n"
	                 "  <e/>\n"
	                 "</s>\n");
	struct xml_node *again = parse_ok(once);
	char *twice = written(again);
	ck_assert_str_eq(once, twice);
	free(once);
	free(twice);
	xml_free(root);
	xml_free(again);
}
END_TEST

/* The reports of one suite from two shards, as synfin-scenario --junit writes them. */
static const char shard1[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<testsuites name=\"synfin scenarios\" tests=\"2\" failures=\"1\" errors=\"0\" "
    "skipped=\"0\" time=\"12.000\">\n"
    "  <testsuite name=\"scenarios\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\" "
    "time=\"12.000\">\n"
    "    <testcase classname=\"scenarios.abort\" name=\"stack-stack\" file=\"a.scn\" "
    "time=\"2.500\">\n"
    "    </testcase>\n"
    "    <testcase classname=\"scenarios.abort\" name=\"linux-linux\" file=\"a.scn\" "
    "time=\"9.500\">\n"
    "      <failure message=\"flags differ\"><![CDATA[report]]></failure>\n"
    "    </testcase>\n"
    "  </testsuite>\n"
    "</testsuites>\n";
static const char shard2[] =
    "<testsuites name=\"synfin scenarios\">\n"
    "  <testsuite name=\"scenarios\">\n"
    "    <testcase classname=\"scenarios.half-close\" name=\"stack-stack\" time=\"1.000\">\n"
    "      <skipped message=\"not root\"></skipped>\n"
    "    </testcase>\n"
    "  </testsuite>\n"
    "</testsuites>\n";
/* The unit suite, run whole in both shards: passed in one, failed in the other. */
static const char unit1[] = "<testsuite name=\"(empty)\"><testcase name=\"test_wire\" "
                            "classname=\"test_wire\" time=\"1\"/></testsuite>";
static const char unit2[] = "<testsuite name=\"(empty)\"><testcase name=\"test_wire\" "
                            "classname=\"test_wire\" time=\"2\"><failure message=\"Failed\"/>"
                            "</testcase></testsuite>";

START_TEST(test_shards_merge_into_one_suite_each_case_once_with_its_worst_outcome)
{
	struct junit_report in[] = {
	    {"shard-1/scenarios.xml", parse_ok(shard1)}, {"shard-1/unit.xml", parse_ok(unit1)},
	    {"shard-2/scenarios.xml", parse_ok(shard2)}, {"shard-2/unit.xml", parse_ok(unit2)},
	    {"shard-3/unit.xml", parse_ok(unit1)},
	};
	struct xml_node *out;
	struct junit_counts total;
	char why[200];
	ck_assert_int_eq(junit_merge(in, 5, "merged", &out, &total, why, sizeof(why)), 0);
	ck_assert_uint_eq(total.tests, 4);
	ck_assert_uint_eq(total.failures, 2);
	ck_assert_uint_eq(total.errors, 0);
	ck_assert_uint_eq(total.skipped, 1);
	ck_assert_uint_eq(total.repeats, 2);
	char *text = written(out);
	ck_assert_str_eq(
	    text,
	    "<testsuites name=\"merged\" tests=\"4\" failures=\"2\" errors=\"0\" skipped=\"1\" "
	    "time=\"15.000\">\n"
	    "  <testsuite name=\"scenarios\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\" "
	    "time=\"13.000\">\n"
	    "    <testcase classname=\"scenarios.abort\" name=\"stack-stack\" file=\"a.scn\" "
	    "time=\"2.500\"/>\n"
	    "    <testcase classname=\"scenarios.abort\" name=\"linux-linux\" file=\"a.scn\" "
	    "time=\"9.500\">\n"
	    "      <failure message=\"flags differ\">report</failure>\n"
	    "    </testcase>\n"
	    "    <testcase classname=\"scenarios.half-close\" name=\"stack-stack\" "
	    "time=\"1.000\">\n"
	    "      <skipped message=\"not root\"/>\n"
	    "    </testcase>\n"
	    "  </testsuite>\n"
	    "  <testsuite name=\"unit\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\" "
	    "time=\"2.000\">\n"
	    "    <testcase name=\"test_wire\" classname=\"test_wire\" time=\"2\">\n"
	    "      <failure message=\"Failed\"/>\n"
	    "    </testcase>\n"
	    "  </testsuite>\n"
	    "</testsuites>\n");
	struct junit_counts c;
	junit_suite_counts(out->children[0], &c);
	ck_assert(c.tests == 3 && c.failures == 1 && c.skipped == 1 && c.errors == 0);
	free(text);
	xml_free(out);
	for (size_t i = 0; i < 5; i++)
		xml_free((struct xml_node *)in[i].root);
}
END_TEST

static void merge_fails(const char *label, const char *text, const char *want)
{
	struct junit_report in = {label, parse_ok(text)};
	struct xml_node *out = (struct xml_node *)1;
	struct junit_counts total;
	char why[200];
	ck_assert_int_eq(junit_merge(&in, 1, "m", &out, &total, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_null(out);
	ck_assert_msg(!strcmp(why, want), "got '%s', want '%s'", why, want);
	xml_free((struct xml_node *)in.root);
}

START_TEST(test_well_formed_xml_that_is_not_junit_is_refused)
{
	merge_fails("x.xml", "<html><body/></html>",
	            "x.xml:1: the document element is <html>, not <testsuites> or <testsuite>: "
	            "not a JUnit report");
	merge_fails("x.xml",
	            "<testsuites>\n<testsuite name=\"s\">\n<testcase time=\"1\"/>"
	            "</testsuite></testsuites>",
	            "x.xml:3: <testcase> without a name");
	merge_fails("x.xml", "<testsuite>\n\n<testcase name=\"a\" time=\"soon\"/></testsuite>",
	            "x.xml:3: <testcase> time is not a number of seconds");
}
END_TEST

/* A file of tests/data/ whole, NUL-terminated. */
static char *read_data(const char *rel, size_t *len)
{
	char path[600];
	FILE *f = fopen(synfin_data_path(path, sizeof(path), rel), "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	long size = ftell(f);
	rewind(f);
	char *text = malloc((size_t)size + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(fread(text, 1, (size_t)size, f), (size_t)size);
	text[size] = '\0';
	fclose(f);
	*len = (size_t)size;
	return text;
}

static size_t count_cases(const struct xml_node *n)
{
	if (!strcmp(n->name, "testcase"))
		return 1;
	size_t k = 0;
	for (size_t i = 0; i < n->n_children; i++)
		k += count_cases(n->children[i]);
	return k;
}

/* What the README's run of the four shards left (tests/data/junit/README.md): for each, the
 * unit suites' report and its share of the scenarios'. */
START_TEST(test_the_four_shards_reports_merge_into_every_scenario_case_once)
{
	struct junit_report in[8];
	char labels[8][64];
	size_t cases[8];
	for (int i = 0; i < 8; i++) {
		snprintf(labels[i], sizeof(labels[i]), "junit/shard-%d/%s.xml", i / 2 + 1,
		         i % 2 ? "scenarios" : "unit");
		size_t len;
		char *text = read_data(labels[i], &len);
		struct xml_node *root;
		struct xml_error err;
		ck_assert_msg(xml_parse(text, len, &root, &err) == 0, "%s:%u:%u: %s", labels[i],
		              err.line, err.col, err.msg);
		free(text);
		in[i] = (struct junit_report){labels[i], root};
		cases[i] = count_cases(root);
	}
	struct xml_node *out;
	struct junit_counts total;
	char why[300];
	ck_assert_int_eq(junit_merge(in, 8, "merged", &out, &total, why, sizeof(why)), 0);
	size_t scenarios = 0;
	for (int sh = 0; sh < 4; sh++) {
		ck_assert_uint_eq(cases[2 * sh],
		                  cases[0]); /* every shard ran the unit suites whole */
		scenarios += cases[2 * sh + 1];
	}
	/* suites in the order first met */
	ck_assert_uint_eq(out->n_children, 2);
	ck_assert_str_eq(xml_attr(out->children[0], "name"), "unit");
	ck_assert_uint_eq(out->children[0]->n_children, cases[0]);
	ck_assert_str_eq(xml_attr(out->children[1], "name"), "scenarios");
	ck_assert_uint_eq(out->children[1]->n_children, scenarios);
	/* no scenario case in two shards: the repeats are the unit suites' alone */
	ck_assert_uint_eq(total.repeats, 3 * cases[0]);
	ck_assert_uint_eq(total.tests, scenarios + cases[0]);
	xml_free(out);
	for (int i = 0; i < 8; i++)
		xml_free((struct xml_node *)in[i].root);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("junit_merge");
	TCase *tc = tcase_create("xml");
	tcase_add_test(tc, test_ctests_report_reads_with_its_entities_resolved);
	tcase_add_test(tc, test_cdata_comments_and_references_read_as_xml_says);
	tcase_add_test(tc, test_malformed_xml_is_refused_saying_where_and_what);
	tcase_add_test(tc, test_nesting_deeper_than_the_limit_is_refused);
	tcase_add_test(tc, test_what_is_written_reads_back_the_same);
	suite_add_tcase(s, tc);
	tc = tcase_create("merge");
	tcase_add_test(tc, test_shards_merge_into_one_suite_each_case_once_with_its_worst_outcome);
	tcase_add_test(tc, test_well_formed_xml_that_is_not_junit_is_refused);
	tcase_add_test(tc, test_the_four_shards_reports_merge_into_every_scenario_case_once);
	suite_add_tcase(s, tc);
	return synfin_run_suite(s);
}
