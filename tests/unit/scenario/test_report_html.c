/* test_report_html.c: report.html puts the conversation beside the ladder's drawing, escapes
 * the report's text, and inlines the SVG without its XML declaration. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_html.h"
#include "test_support.h"

static const char report[] = "scenario fin-drop (x.scn), pairing stack-linux (client-server)\n"
                             "  faults: seed 1\n"
                             "\n"
                             "conversation (3 segments seen): NOT as expected\n"
                             "  >> 14 c>s [F.] seq 1 ack 1 dropped & late\n"
                             "\n"
                             "applications:\n"
                             "  client: ok\n"
                             "\n"
                             "verdict: FAIL: line 14\n"
                             "\n"
                             "trace (t.txt):\n"
                             "  12:00:00.000000 IP a > b: Flags [F.]\n";

static const char svg[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">"
                          "<g class=\"segment drop\"/></svg>\n";

/* Not inlined: GCC 12 at -O3 then takes the pointers into the page for pointers to the local
 * that open_memstream fills (a false -Wdangling-pointer). */
__attribute__((noinline)) static char *page(const char *title, const char *rep, const char *drawing)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	ck_assert_ptr_nonnull(f);
	report_html_write(f, title, rep, drawing);
	fclose(f);
	return buf;
}

START_TEST(test_conversation_stands_beside_the_drawing)
{
	char *html = page("fin-drop stack-linux: FAIL", report, svg);
	const char *side = strstr(html, "<div class=\"side\">");
	const char *conv = strstr(html, "<div class=\"conversation\">");
	const char *ladder = strstr(html, "<div class=\"ladder\">");
	ck_assert_ptr_nonnull(side);
	ck_assert(side < conv && conv < ladder);
	/* the conversation part: from its line to the verdict, not the trace */
	const char *pre_end = strstr(conv, "</pre>");
	const char *in = strstr(conv, "conversation (3 segments seen)");
	ck_assert(in && in < pre_end);
	const char *verdict = strstr(conv, "verdict: FAIL: line 14");
	ck_assert(verdict && verdict < pre_end);
	const char *trace = strstr(conv, "trace (t.txt)");
	ck_assert(trace == NULL || trace > pre_end);
	/* the drawing inline, once, without its declaration */
	ck_assert_ptr_nonnull(strstr(ladder, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	ck_assert_ptr_null(strstr(html, "<?xml"));
	ck_assert_ptr_nonnull(strstr(html, "<title>fin-drop stack-linux: FAIL</title>"));
	free(html);
}
END_TEST

START_TEST(test_the_report_text_is_escaped)
{
	char *html = page("a <b> & c", report, svg);
	ck_assert_ptr_nonnull(strstr(html, "<title>a &lt;b&gt; &amp; c</title>"));
	ck_assert_ptr_nonnull(
	    strstr(html, "&gt;&gt; 14 c&gt;s [F.] seq 1 ack 1 dropped &amp; late"));
	ck_assert_ptr_null(strstr(html, "c>s"));
	/* the whole report follows, the trace included */
	ck_assert_ptr_nonnull(strstr(html, "<h2>The whole report</h2>"));
	ck_assert_ptr_nonnull(strstr(html, "IP a &gt; b: Flags [F.]"));
	free(html);
}
END_TEST

START_TEST(test_a_run_without_drawing_or_conversation_still_makes_a_page)
{
	char *html =
	    page("x linux-linux: ERROR", "scenario x\n\nverdict: ERROR: no topology\n", NULL);
	ck_assert_ptr_nonnull(strstr(html, "(no drawing: the run left no trace)"));
	ck_assert_ptr_nonnull(strstr(html, "<pre></pre>"));
	ck_assert_ptr_nonnull(strstr(html, "verdict: ERROR: no topology"));
	ck_assert_ptr_nonnull(strstr(html, "</html>\n"));
	free(html);
}
END_TEST

static Suite *report_html_suite(void)
{
	Suite *s = suite_create("report_html");
	TCase *tc = tcase_create("page");
	tcase_add_test(tc, test_conversation_stands_beside_the_drawing);
	tcase_add_test(tc, test_the_report_text_is_escaped);
	tcase_add_test(tc, test_a_run_without_drawing_or_conversation_still_makes_a_page);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(report_html_suite());
}
