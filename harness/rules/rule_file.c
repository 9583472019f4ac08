/* rule_file.c: reading a rule file for the parser, and printing parse errors as compilers do.
 *
 * The only I/O of the rule engine: the file is read whole, then parsed as text, so a file and a
 * string with the same content give the same rules and the same errors.
 */
#include "rule.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A rule file is a few dozen lines; anything this big is the wrong file. */
#define RULE_MAX_FILE_BYTES (1u << 20)

/* The text parser stops at a NUL byte, so report one where it sits instead of losing the rest. */
static int check_nul(const char *buf, size_t n, struct rule_error *err)
{
	const char *nul = memchr(buf, '\0', n);
	if (!nul)
		return 0;
	const char *line = buf;
	err->line = 1;
	for (const char *p = buf; p < nul; p++) {
		if (*p == '\n') {
			err->line++;
			line = p + 1;
		}
	}
	err->col = (unsigned)(nul - line) + 1;
	size_t len = (size_t)(nul - line);
	if (len >= sizeof(err->text))
		len = sizeof(err->text) - 1;
	memcpy(err->text, line, len);
	err->text[len] = '\0';
	snprintf(err->msg, sizeof(err->msg), "NUL byte in the rule file: is it a text file?");
	return -EINVAL;
}

int ruleset_parse_file(struct ruleset *rs, const char *path, struct rule_error *err)
{
	memset(rs, 0, sizeof(*rs));
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);

	FILE *f = fopen(path, "r");
	if (!f) {
		int e = errno;
		snprintf(err->msg, sizeof(err->msg), "cannot open rule file: %s", strerror(e));
		return -e;
	}
	char *buf = malloc(RULE_MAX_FILE_BYTES + 1);
	if (!buf) {
		fclose(f);
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	size_t n = fread(buf, 1, RULE_MAX_FILE_BYTES + 1, f);
	int rc = 0;
	if (ferror(f)) {
		rc = -(errno ? errno : EIO);
		snprintf(err->msg, sizeof(err->msg), "cannot read rule file: %s", strerror(-rc));
	} else if (n > RULE_MAX_FILE_BYTES) {
		rc = -EFBIG;
		snprintf(err->msg, sizeof(err->msg),
		         "rule file larger than 1 MiB: is it the right file?");
	}
	fclose(f);
	if (rc == 0)
		rc = check_nul(buf, n, err);
	if (rc == 0) {
		buf[n] = '\0';
		rc = ruleset_parse_string(rs, path, buf, err);
	}
	free(buf);
	return rc;
}

void rule_error_print(FILE *out, const struct rule_error *err)
{
	if (err->line == 0) {
		fprintf(out, "%s: %s\n", err->file, err->msg);
		return;
	}
	fprintf(out, "%s:%u:%u: %s\n", err->file, err->line, err->col, err->msg);
	fprintf(out, "%s\n", err->text);
	/* keep tabs in the caret line so the caret sits under the column whatever the tab width */
	size_t tlen = strlen(err->text);
	for (unsigned i = 0; i + 1 < err->col; i++)
		fputc(i < tlen && err->text[i] == '\t' ? '\t' : ' ', out);
	fputs("^\n", out);
}
