/* scenario_files.c: the scenario files a command line names, and the `parse` command. */
#include "scenario_files.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "layout.h"
#include "scenario.h"
#include "scenario_options.h"

void files_free(struct files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i]);
	free(f->v);
	memset(f, 0, sizeof(*f));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_file(struct files *f, const char *path)
{
	char **nv = realloc(f->v, (f->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	f->v = nv;
	f->v[f->n] = strdup(path);
	if (!f->v[f->n])
		return -ENOMEM;
	f->n++;
	return 0;
}

/* A folder gives its *.scn files in name order; a file is taken as it is; a bare name is
 * looked up in the default folder. */
static int collect(struct files *f, const char *arg, const char *default_dir)
{
	struct stat st;
	if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
		DIR *d = opendir(arg);
		if (!d)
			return -errno;
		struct dirent *e;
		size_t first = f->n;
		int r = 0;
		while (!r && (e = readdir(d))) {
			size_t l = strlen(e->d_name);
			if (l > 4 && !strcmp(e->d_name + l - 4, ".scn")) {
				char p[1024];
				snprintf(p, sizeof(p), "%s/%s", arg, e->d_name);
				r = add_file(f, p);
			}
		}
		closedir(d);
		qsort(f->v + first, f->n - first, sizeof(char *), cmp_str);
		return r;
	}
	if (stat(arg, &st) == 0)
		return add_file(f, arg);
	char p[1024];
	snprintf(p, sizeof(p), "%s/%s%s", default_dir, arg, strstr(arg, ".scn") ? "" : ".scn");
	if (stat(p, &st) == 0)
		return add_file(f, p);
	return -ENOENT;
}

/* The `parse` command: each file parsed, its errors on stderr. */
int cmd_parse(const struct files *files)
{
	int bad = 0;
	for (size_t i = 0; i < files->n; i++) {
		struct scenario s;
		struct scn_error err;
		if (scenario_parse_file(&s, files->v[i], &err)) {
			fprintf(stderr, "%s:%u: %s\n", err.file, err.line, err.msg);
			bad = 1;
		} else {
			printf("%s: %zu expected segments\n", files->v[i], s.n_segs);
			scenario_free(&s);
		}
	}
	return bad;
}

/* The files named on the command line, or the default folder (not for `run`). */
int collect_args(struct files *files, int argc, char **argv, int first, bool run)
{
	struct layout l;
	layout_find(&l);
	const char *default_dir = l.scenarios;
	int r = 0;
	if (first >= argc && !run)
		r = collect(files, default_dir, default_dir);
	for (int i = first; i < argc && !r; i++) {
		r = collect(files, argv[i], default_dir);
		if (r == -ENOENT)
			fprintf(stderr, PROG ": %s: no such scenario file or folder\n", argv[i]);
	}
	if (r == -ENOMEM)
		fprintf(stderr, PROG ": out of memory\n");
	return r;
}
