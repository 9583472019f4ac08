/* junit_merge.c: several JUnit reports into one (junit_merge.h). */
#include "junit_merge.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct merge {
	struct xml_node *root;
	const char *label; /* of the report being read */
	size_t repeats;
	char *why;
	size_t size;
};

enum outcome { OUT_SKIPPED, OUT_PASSED, OUT_FAILURE, OUT_ERROR };

/* The worst of a test case's outcome elements; none: passed. */
static enum outcome outcome(const struct xml_node *tc)
{
	enum outcome o = OUT_PASSED;
	bool skipped = false;
	for (size_t i = 0; i < tc->n_children; i++) {
		const char *el = tc->children[i]->name;
		if (!strcmp(el, "error"))
			o = OUT_ERROR;
		else if (!strcmp(el, "failure") && o < OUT_FAILURE)
			o = OUT_FAILURE;
		else if (!strcmp(el, "skipped"))
			skipped = true;
	}
	return o == OUT_PASSED && skipped ? OUT_SKIPPED : o;
}

/* A time attribute in seconds; absent: 0. Returns 0, or -EINVAL when it is not a number. */
static int seconds(const struct xml_node *n, double *t)
{
	const char *v = xml_attr(n, "time");
	*t = 0;
	if (!v)
		return 0;
	char *end;
	*t = strtod(v, &end);
	while (*end == ' ')
		end++;
	return end == v || *end || !(*t >= 0 && *t < 1e12) ? -EINVAL : 0;
}

static int bad(struct merge *m, const struct xml_node *n, const char *what)
{
	snprintf(m->why, m->size, "%s:%u: %s", m->label, n->line, what);
	return -EINVAL;
}

/* The suite's name: its own, else its file's ("shard-2/unit.xml": "unit"). */
static void suite_name(const struct xml_node *suite, const char *label, char *buf, size_t size)
{
	const char *name = xml_attr(suite, "name");
	if (name && name[0] && strcmp(name, "(empty)")) {
		snprintf(buf, size, "%s", name);
		return;
	}
	const char *base = strrchr(label, '/');
	base = base ? base + 1 : label;
	size_t len = strlen(base);
	if (len > 4 && !strcmp(base + len - 4, ".xml"))
		len -= 4;
	snprintf(buf, size, "%.*s", (int)len, base);
}

static struct xml_node *suite_for(struct merge *m, const char *name)
{
	for (size_t i = 0; i < m->root->n_children; i++)
		if (!strcmp(xml_attr(m->root->children[i], "name"), name))
			return m->root->children[i];
	struct xml_node *s = xml_element("testsuite");
	if (!s || xml_set_attr(s, "name", name) || xml_add_child(m->root, s)) {
		xml_free(s);
		return NULL;
	}
	return s;
}

static bool same_case(const struct xml_node *a, const struct xml_node *b)
{
	const char *ca = xml_attr(a, "classname"), *cb = xml_attr(b, "classname");
	return !strcmp(xml_attr(a, "name"), xml_attr(b, "name")) &&
	       !strcmp(ca ? ca : "", cb ? cb : "");
}

/* tc into suite: new, or in place of its repeat when it fared worse. */
static int add_case(struct merge *m, struct xml_node *suite, const struct xml_node *tc)
{
	double t;
	if (!xml_attr(tc, "name"))
		return bad(m, tc, "<testcase> without a name");
	if (seconds(tc, &t))
		return bad(m, tc, "<testcase> time is not a number of seconds");
	for (size_t i = 0; i < suite->n_children; i++) {
		if (!same_case(suite->children[i], tc))
			continue;
		m->repeats++;
		if (outcome(tc) <= outcome(suite->children[i]))
			return 0;
		struct xml_node *copy = xml_copy(tc);
		if (!copy)
			return -ENOMEM;
		xml_free(suite->children[i]);
		suite->children[i] = copy;
		return 0;
	}
	struct xml_node *copy = xml_copy(tc);
	if (!copy || xml_add_child(suite, copy)) {
		xml_free(copy);
		return -ENOMEM;
	}
	return 0;
}

/* A <testsuite>: its test cases, and those of suites nested in it under their own names. */
static int add_suite(struct merge *m, const struct xml_node *s)
{
	char name[256];
	suite_name(s, m->label, name, sizeof(name));
	struct xml_node *out = NULL;
	for (size_t i = 0; i < s->n_children; i++) {
		const struct xml_node *c = s->children[i];
		int r = 0;
		if (!strcmp(c->name, "testsuite")) {
			r = add_suite(m, c);
		} else if (!strcmp(c->name, "testcase")) {
			if (!out && !(out = suite_for(m, name)))
				return -ENOMEM;
			r = add_case(m, out, c);
		}
		if (r)
			return r;
	}
	/* a suite with no case still shows, with its zero counts */
	if (!out && !suite_for(m, name))
		return -ENOMEM;
	return 0;
}

static int add_report(struct merge *m, const struct junit_report *rep)
{
	const struct xml_node *root = rep->root;
	m->label = rep->label;
	if (!strcmp(root->name, "testsuite"))
		return add_suite(m, root);
	if (strcmp(root->name, "testsuites")) {
		snprintf(
		    m->why, m->size,
		    "%s:%u: the document element is <%s>, not <testsuites> or <testsuite>: not "
		    "a JUnit report",
		    rep->label, root->line, root->name);
		return -EINVAL;
	}
	for (size_t i = 0; i < root->n_children; i++) {
		if (strcmp(root->children[i]->name, "testsuite"))
			continue;
		int r = add_suite(m, root->children[i]);
		if (r)
			return r;
	}
	return 0;
}

static int set_counts(struct xml_node *n, const struct junit_counts *c, double time)
{
	char v[4][24], t[32];
	snprintf(v[0], sizeof(v[0]), "%zu", c->tests);
	snprintf(v[1], sizeof(v[1]), "%zu", c->failures);
	snprintf(v[2], sizeof(v[2]), "%zu", c->errors);
	snprintf(v[3], sizeof(v[3]), "%zu", c->skipped);
	snprintf(t, sizeof(t), "%.3f", time);
	if (xml_set_attr(n, "tests", v[0]) || xml_set_attr(n, "failures", v[1]) ||
	    xml_set_attr(n, "errors", v[2]) || xml_set_attr(n, "skipped", v[3]) ||
	    xml_set_attr(n, "time", t))
		return -ENOMEM;
	return 0;
}

/* Each suite's counts and time from the cases it kept; the sums into the root and total. */
static int count_all(struct merge *m, struct junit_counts *total)
{
	double all_time = 0;
	memset(total, 0, sizeof(*total));
	for (size_t i = 0; i < m->root->n_children; i++) {
		struct xml_node *s = m->root->children[i];
		struct junit_counts c = {0};
		double time = 0;
		for (size_t k = 0; k < s->n_children; k++) {
			double t;
			seconds(s->children[k], &t);
			time += t;
			enum outcome o = outcome(s->children[k]);
			c.tests++;
			c.failures += o == OUT_FAILURE;
			c.errors += o == OUT_ERROR;
			c.skipped += o == OUT_SKIPPED;
		}
		if (set_counts(s, &c, time))
			return -ENOMEM;
		total->tests += c.tests;
		total->failures += c.failures;
		total->errors += c.errors;
		total->skipped += c.skipped;
		all_time += time;
	}
	total->repeats = m->repeats;
	return set_counts(m->root, total, all_time);
}

int junit_merge(const struct junit_report *in, size_t n, const char *name, struct xml_node **out,
                struct junit_counts *total, char *why, size_t size)
{
	struct merge m = {.why = why, .size = size};
	*out = NULL;
	m.root = xml_element("testsuites");
	int r = !m.root || xml_set_attr(m.root, "name", name) ? -ENOMEM : 0;
	for (size_t i = 0; !r && i < n; i++)
		r = add_report(&m, &in[i]);
	if (!r)
		r = count_all(&m, total);
	if (r == -ENOMEM)
		snprintf(why, size, "out of memory");
	if (r) {
		xml_free(m.root);
		return r;
	}
	*out = m.root;
	return 0;
}

void junit_suite_counts(const struct xml_node *suite, struct junit_counts *c)
{
	const char *v[4] = {xml_attr(suite, "tests"), xml_attr(suite, "failures"),
	                    xml_attr(suite, "errors"), xml_attr(suite, "skipped")};
	size_t *f[4] = {&c->tests, &c->failures, &c->errors, &c->skipped};
	memset(c, 0, sizeof(*c));
	for (int i = 0; i < 4; i++)
		*f[i] = v[i] ? strtoul(v[i], NULL, 10) : 0;
}
