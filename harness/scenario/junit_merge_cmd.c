/* junit_merge_cmd.c: `synfin-scenario junit-merge OUT IN...`: the JUnit reports of the shards of
 * a run, read, merged (junit_merge.c) and written as one, with a line per suite. */
#include "junit_merge_cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "junit_merge.h"
#include "scenario_options.h"

#define MERGE_PROG PROG " junit-merge"
/* Far above any report of this suite (a few MB with every case failed), and below what would
 * take the machine's memory. */
#define REPORT_MAX (256u << 20)
#define EXIT_DATAERR 65

/* The whole file in *text (NUL-terminated, *len bytes). Returns 0 or -errno; -EFBIG past
 * REPORT_MAX. */
static int read_all(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -errno;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	int r = buf ? 0 : -ENOMEM;
	while (!r) {
		if (n + 1 == cap) {
			char *nb = cap >= REPORT_MAX ? NULL : realloc(buf, cap * 2);
			r = cap >= REPORT_MAX ? -EFBIG : nb ? 0 : -ENOMEM;
			if (nb) {
				buf = nb;
				cap *= 2;
			}
			continue;
		}
		size_t got = fread(buf + n, 1, cap - 1 - n, f);
		n += got;
		if (!got)
			break;
	}
	if (!r && ferror(f))
		r = -EIO;
	fclose(f);
	if (r) {
		free(buf);
		return r;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

/* Each file parsed into reps[i]. Returns 0 or the exit status after saying why. */
static int read_reports(char **paths, int n, struct junit_report *reps)
{
	for (int i = 0; i < n; i++) {
		char *text = NULL;
		size_t len = 0;
		int r = read_all(paths[i], &text, &len);
		if (r) {
			fprintf(stderr, MERGE_PROG ": %s: %s\n", paths[i],
			        r == -EFBIG ? "larger than 256 MB: not a report" : strerror(-r));
			return 1;
		}
		struct xml_node *root;
		struct xml_error err;
		r = xml_parse(text, len, &root, &err);
		free(text);
		if (r == -ENOMEM) {
			fprintf(stderr, MERGE_PROG ": out of memory\n");
			return 1;
		}
		if (r) {
			fprintf(stderr, MERGE_PROG ": %s:%u:%u: %s\n", paths[i], err.line, err.col,
			        err.msg);
			return EXIT_DATAERR;
		}
		reps[i] = (struct junit_report){.label = paths[i], .root = root};
	}
	return 0;
}

/* The merged report into path ("-": stdout), whole or not at all. Returns 0 or -errno. */
static int write_report(const char *path, const struct xml_node *root)
{
	char stack[4096];
	struct sbuf b;
	sb_init_growing(&b, stack, sizeof(stack));
	sb_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	xml_write(&b, root, 0);
	int r = b.len >= b.size ? -ENOMEM : 0;
	if (!r && !strcmp(path, "-")) {
		r = fwrite(b.buf, 1, b.len, stdout) == b.len && !fflush(stdout) ? 0 : -errno;
	} else if (!r) {
		char tmp[4200];
		snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid());
		FILE *f = fopen(tmp, "w");
		r = f ? 0 : -errno;
		if (f && fwrite(b.buf, 1, b.len, f) != b.len)
			r = -errno;
		if (f && fclose(f) && !r)
			r = -errno;
		if (!r && rename(tmp, path))
			r = -errno;
		if (r)
			unlink(tmp);
	}
	sb_release(&b);
	return r;
}

static void print_counts(FILE *out, const char *what, int width, const struct junit_counts *c)
{
	fprintf(out, "%s %*zu tests: %zu passed, %zu failed, %zu errors, %zu skipped\n", what,
	        width, c->tests, c->tests - c->failures - c->errors - c->skipped, c->failures,
	        c->errors, c->skipped);
}

/* What the merged report holds: a line per suite, then the repeats. */
static void print_summary(FILE *out, const char *path, int n_in, const struct xml_node *root,
                          const struct junit_counts *total)
{
	char what[4200];
	snprintf(what, sizeof(what), MERGE_PROG ": %d report(s) into %s:", n_in, path);
	print_counts(out, what, 0, total);
	for (size_t i = 0; i < root->n_children; i++) {
		struct junit_counts c;
		junit_suite_counts(root->children[i], &c);
		snprintf(what, sizeof(what), "  %-12s", xml_attr(root->children[i], "name"));
		print_counts(out, what, 5, &c);
	}
	if (total->repeats)
		fprintf(
		    out,
		    "  %zu test case(s) found again in another report (a suite that every shard "
		    "runs whole) counted once, with the worst outcome\n",
		    total->repeats);
}

int junit_merge_main(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf(
		    "usage: " MERGE_PROG " OUT IN.xml...\n"
		    "Merges JUnit reports (the shards' build/junit/*.xml) into OUT ('-': stdout).\n"
		    "Suites of one name become one; a test case found in several reports is kept\n"
		    "once, with its worst outcome (error, failure, passed, skipped).\n");
		return 0;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: " MERGE_PROG " OUT IN.xml...\n");
		return EXIT_USAGE;
	}
	int n = argc - 2;
	struct junit_report *reps = calloc((size_t)n, sizeof(*reps));
	if (!reps)
		return 1;
	int status = read_reports(argv + 2, n, reps);
	struct xml_node *merged = NULL;
	struct junit_counts total;
	char why[4400];
	int r =
	    status ? 0 : junit_merge(reps, (size_t)n, "merged", &merged, &total, why, sizeof(why));
	if (r) {
		fprintf(stderr, MERGE_PROG ": %s\n", why);
		status = r == -EINVAL ? EXIT_DATAERR : 1;
	}
	if (!status && (r = write_report(argv[1], merged)) != 0) {
		fprintf(stderr, MERGE_PROG ": cannot write %s: %s\n", argv[1], strerror(-r));
		status = 1;
	}
	if (!status)
		print_summary(strcmp(argv[1], "-") ? stdout : stderr, argv[1], n, merged, &total);
	xml_free(merged);
	for (int i = 0; i < n; i++)
		xml_free((struct xml_node *)reps[i].root);
	free(reps);
	return status;
}
