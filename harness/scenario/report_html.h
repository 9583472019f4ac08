/* report_html.h: a run folder's report.html, the page a person opens when a case failed: the
 * conversation (expected beside observed, as report.txt has it) next to the ladder drawn from
 * the trace (trace.svg), then the whole text report. Pure: the caller reads the two files and
 * gives the page its FILE *. */
#ifndef SYNFIN_SCENARIO_REPORT_HTML_H
#define SYNFIN_SCENARIO_REPORT_HTML_H

#include <stdio.h>

/* Writes the page. title: one line ("NAME PAIRING: FAIL"); report: report.txt's text; svg:
 * trace.svg's text, or NULL when there is no drawing (its XML declaration, if any, is left
 * out: the drawing goes inline). Every character of the report is escaped. */
void report_html_write(FILE *out, const char *title, const char *report, const char *svg);

#endif
