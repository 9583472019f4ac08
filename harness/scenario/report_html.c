/* report_html.c: report.html of a run folder (report_html.h). */
#include "report_html.h"

#include <string.h>

#include "common/xml_escape.h"

/* The report's conversation part: from the line "conversation ..." up to the trace that
 * follows the verdict, so the expected and observed segments, the applications' outcomes and
 * the verdict stand beside the drawing. Empty when the run ended before it judged anything. */
static void conversation_part(const char *report, const char **from, size_t *n)
{
	const char *start = strncmp(report, "conversation", 12) == 0 ? report : NULL;
	if (!start) {
		start = strstr(report, "\nconversation");
		start = start ? start + 1 : NULL;
	}
	if (!start) {
		*from = report;
		*n = 0;
		return;
	}
	const char *end = strstr(start, "\ntrace (");
	*from = start;
	*n = end ? (size_t)(end - start + 1) : strlen(start);
}

/* The drawing without its XML declaration, which has no place inside an HTML page. */
static const char *svg_body(const char *svg)
{
	if (strncmp(svg, "<?xml", 5) != 0)
		return svg;
	const char *end = strstr(svg, "?>");
	if (!end)
		return svg;
	end += 2;
	while (*end == '\n' || *end == '\r')
		end++;
	return end;
}

void report_html_write(FILE *out, const char *title, const char *report, const char *svg)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>",
	      out);
	xml_escape(out, title);
	fputs("</title>\n<style>\n"
	      "body { font-family: sans-serif; margin: 1em; }\n"
	      ".side { display: flex; gap: 2em; align-items: flex-start; }\n"
	      ".side > div { min-width: 0; }\n"
	      "pre { font-size: 12px; overflow-x: auto; }\n"
	      "</style>\n</head>\n<body>\n<h1>",
	      out);
	xml_escape(out, title);
	fputs("</h1>\n<div class=\"side\">\n<div class=\"conversation\">\n<h2>Expected and "
	      "observed</h2>\n<pre>",
	      out);
	const char *part;
	size_t n;
	conversation_part(report, &part, &n);
	xml_escape_n(out, part, n); /* HTML escapes as XML does */
	fputs("</pre>\n</div>\n<div class=\"ladder\">\n<h2>Ladder</h2>\n", out);
	if (svg)
		fputs(svg_body(svg), out);
	else
		fputs("<p>(no drawing: the run left no trace)</p>\n", out);
	fputs("\n</div>\n</div>\n<h2>The whole report</h2>\n<pre>", out);
	xml_escape(out, report);
	fputs("</pre>\n</body>\n</html>\n", out);
}
