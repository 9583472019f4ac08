/* scenario_file.c: a scenario from its file, and the rule files its `rules FILE` lines name:
 * the reading the pure parser leaves to its caller. */
#include "scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *scn_read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0, got;
	char *buf = malloc(cap);
	while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += got;
		if (len + 1 == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	fclose(f);
	if (!buf) {
		errno = ENOMEM;
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

static int read_includes(struct scenario *s, struct scn_error *err)
{
	for (size_t i = 0; i < s->n_includes; i++) {
		const struct scn_include *inc = &s->includes[i];
		char *text = scn_read_text(inc->path);
		int r = text ? scenario_add_rules_text(s, inc, text) : -errno;
		free(text);
		if (r) {
			snprintf(err->file, sizeof(err->file), "%s", s->path);
			err->line = inc->line;
			if (r == -ENOMEM)
				snprintf(err->msg, sizeof(err->msg), "out of memory");
			else
				snprintf(err->msg, sizeof(err->msg), "cannot read rule file %s: %s",
				         inc->path, strerror(-r));
			return -EINVAL;
		}
	}
	return 0;
}

int scenario_parse_file(struct scenario *s, const char *path, struct scn_error *err)
{
	memset(s, 0, sizeof(*s));
	memset(err, 0, sizeof(*err));
	char *text = scn_read_text(path);
	if (!text) {
		int e = errno;
		snprintf(err->file, sizeof(err->file), "%s", path);
		snprintf(err->msg, sizeof(err->msg), "cannot read: %s", strerror(e));
		return -e;
	}
	int r = scenario_parse_string(s, path, text, err);
	free(text);
	if (!r && (r = read_includes(s, err)) != 0)
		scenario_free(s);
	return r;
}
