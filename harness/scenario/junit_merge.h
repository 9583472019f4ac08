/* junit_merge.h: JUnit reports of several runs (the shards of a suite spread over CI runners)
 * made one. Test suites of one name become one suite; a test case (classname and name) found
 * in several reports (a suite every shard runs whole) is kept once, with its worst outcome:
 * error, then failure, then passed, then skipped. Pure: parsed trees in, a tree out. */
#ifndef SYNFIN_SCENARIO_JUNIT_MERGE_H
#define SYNFIN_SCENARIO_JUNIT_MERGE_H

#include <stddef.h>

#include "junit_xml.h"

struct junit_report {
	const char *label; /* the file's name, for messages and for a suite that has none */
	const struct xml_node *root;
};

struct junit_counts {
	size_t tests, failures, errors, skipped;
	size_t repeats; /* test cases met again in another report, counted once */
};

/* The reports merged under one <testsuites name=NAME>, in *out (free with xml_free): suites
 * and their cases in the order first met, each suite's counts and time (the sum of its cases'
 * times) written again. A suite without a name, or ctest's "(empty)", is named after its
 * file (unit.xml: "unit"). Suite-level properties and output are left out. Returns 0, -EINVAL
 * with why filled ("FILE:LINE: <testcase> without a name") for a report that is not JUnit, or
 * -ENOMEM. */
int junit_merge(const struct junit_report *in, size_t n, const char *name, struct xml_node **out,
                struct junit_counts *total, char *why, size_t size);

/* Counts of a merged suite, read back from its attributes. */
void junit_suite_counts(const struct xml_node *suite, struct junit_counts *c);

#endif
