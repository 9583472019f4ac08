/* impl_load.c: the implementation declarations' folders (impl_load.h). */
#include "impl_load.h"

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* One file into im: parsed, its name recorded for later messages. */
static int load_file(struct impl *im, const char *path, char *why, size_t size)
{
	char text[4096];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	int r = 0;
	if (!f || ferror(f)) {
		r = -errno;
		snprintf(why, size, "%s: %s", path, strerror(errno));
	} else if (!feof(f)) {
		r = -EFBIG;
		snprintf(why, size, "%s: longer than %zu bytes: a declaration is a few lines", path,
		         sizeof(text) - 1);
	}
	if (f)
		fclose(f);
	if (r)
		return r;
	text[n] = '\0';
	struct impl_error err;
	r = impl_parse(text, im, &err);
	if (r && err.line)
		snprintf(why, size, "%s:%u:%u: %s", path, err.line, err.col, err.msg);
	else if (r)
		snprintf(why, size, "%s: %s", path, err.msg);
	snprintf(im->file, sizeof(im->file), "%s", path);
	return r;
}

/* A user's program is found beside the declaration, not in synfin's build folder. */
static int program_beside(struct impl *im, const char *dir, char *why, size_t size)
{
	char path[sizeof(im->program)];
	if (im->program[0] == '/')
		return 0;
	/* the endpoint programs start in each case's own folder: make it absolute */
	char *abs = realpath(dir, NULL);
	bool fits =
	    abs && (size_t)snprintf(path, sizeof(path), "%s/%s", abs, im->program) < sizeof(path);
	free(abs);
	if (!fits) {
		snprintf(why, size, "%s: the program's path %s/%s is too long: declare it absolute",
		         im->file, dir, im->program);
		return -ENAMETOOLONG;
	}
	memcpy(im->program, path, sizeof(path));
	return 0;
}

int impl_load_dir(struct impl *v, size_t *n, size_t max, const char *dir, bool user, char *why,
                  size_t size)
{
	struct stat st;
	int missing = stat(dir, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
	if (missing && !user)
		return 0; /* none: every case says which implementation it misses */
	if (missing) {
		snprintf(why, size, "%s: %s: name a folder of NAME.impl files", dir,
		         strerror(missing));
		return -missing;
	}
	glob_t g;
	char pattern[1100];
	snprintf(pattern, sizeof(pattern), "%s/*.impl", dir);
	if (glob(pattern, 0, NULL, &g) != 0)
		return 0;
	int r = 0;
	for (size_t i = 0; !r && i < g.gl_pathc; i++) {
		if (*n == max) {
			snprintf(why, size, "%s: more than %zu implementations", g.gl_pathv[i],
			         max);
			r = -E2BIG;
			break;
		}
		r = load_file(&v[*n], g.gl_pathv[i], why, size);
		if (!r && user)
			r = program_beside(&v[*n], dir, why, size);
		if (!r)
			(*n)++;
	}
	globfree(&g);
	return r;
}

int impl_load_all(struct impl *v, size_t *n, size_t max, const char *shipped, const char *path,
                  const char *const *dirs, size_t n_dirs, char *why, size_t size)
{
	*n = 0;
	int r = impl_load_dir(v, n, max, shipped, false, why, size);
	for (const char *p = path ? path : ""; !r && *p;) {
		size_t len = strcspn(p, ":");
		char dir[1024];
		if (len > 0 && len < sizeof(dir)) {
			memcpy(dir, p, len);
			dir[len] = '\0';
			r = impl_load_dir(v, n, max, dir, true, why, size);
		}
		p += len + (p[len] == ':');
	}
	for (size_t i = 0; !r && i < n_dirs; i++)
		r = impl_load_dir(v, n, max, dirs[i], true, why, size);
	return r;
}
