/* impl_parse.c: implementation declaration files (impl.h, impl/README.md). One declaration per
 * line, `KEY VALUE...`; `#` starts a comment. Errors say line, column, problem and fix. */
#include "impl.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct impl_lexer {
	const char *line; /* the current line's first byte */
	unsigned lineno;
	struct impl_error *err;
};

static int impl_fail(struct impl_lexer *lx, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int impl_fail(struct impl_lexer *lx, const char *at, const char *fmt, ...)
{
	va_list ap;
	lx->err->line = at ? lx->lineno : 0;
	lx->err->col = at ? (unsigned)(at - lx->line) + 1 : 0;
	va_start(ap, fmt);
	vsnprintf(lx->err->msg, sizeof(lx->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The next word of the line (ending at whitespace, '#' or the end of the line). */
static size_t next_word(const char **p, const char **start)
{
	while (**p == ' ' || **p == '\t' || **p == '\r')
		(*p)++;
	*start = *p;
	while (**p && **p != '\n' && **p != '#' && !isspace((unsigned char)**p))
		(*p)++;
	return (size_t)(*p - *start);
}

static bool is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && !memcmp(w, lit, n);
}

/* An option word: "--set"; copied into dst. */
static int take_option(struct impl_lexer *lx, const char **p, char *dst, size_t size,
                       const char *key)
{
	const char *w;
	size_t n = next_word(p, &w);
	if (n < 2 || w[0] != '-' || n >= size)
		return impl_fail(lx, w, "%s needs the program's option, e.g. %s --set", key, key);
	memcpy(dst, w, n);
	dst[n] = '\0';
	return 0;
}

static int take_settings(struct impl_lexer *lx, const char **p, struct impl *im)
{
	const char *w;
	size_t n = next_word(p, &w);
	if (is(w, n, "none")) {
		im->settings = IMPL_SETTINGS_NONE;
		return 0;
	}
	if (is(w, n, "sysctl")) {
		im->settings = IMPL_SETTINGS_SYSCTL;
		return 0;
	}
	if (is(w, n, "set")) {
		im->settings = IMPL_SETTINGS_OPTION;
		return take_option(lx, p, im->settings_option, sizeof(im->settings_option),
		                   "settings set");
	}
	return impl_fail(lx, w, "settings are 'sysctl', 'set OPTION' (e.g. set --set) or 'none'");
}

static int take_supports(struct impl_lexer *lx, const char **p, struct impl *im)
{
	const char *w;
	size_t n = next_word(p, &w);
	if (is(w, n, "stack-scale"))
		return take_option(lx, p, im->time_scale_option, sizeof(im->time_scale_option),
		                   "supports stack-scale");
	if (is(w, n, "linger"))
		return take_option(lx, p, im->linger_option, sizeof(im->linger_option),
		                   "supports linger");
	return impl_fail(lx, w, "unknown feature '%.*s' (stack-scale OPTION, linger OPTION)",
	                 (int)n, w);
}

static int take_word(struct impl_lexer *lx, const char **p, char *dst, size_t size,
                     const char *what)
{
	const char *w;
	size_t n = next_word(p, &w);
	if (n == 0 || n >= size)
		return impl_fail(lx, w, "%s", what);
	memcpy(dst, w, n);
	dst[n] = '\0';
	return 0;
}

/* One line: KEY VALUE...; which keys it saw goes into *seen (bit per key). */
static int parse_decl(struct impl_lexer *lx, const char *p, struct impl *im, unsigned *seen)
{
	static const char *const keys[] = {"name",   "program",  "device",
	                                   "script", "settings", "supports"};
	const char *k;
	size_t kn = next_word(&p, &k);
	if (kn == 0)
		return 0;
	unsigned key = 0;
	while (key < sizeof(keys) / sizeof(keys[0]) && !is(k, kn, keys[key]))
		key++;
	if (key == sizeof(keys) / sizeof(keys[0]))
		return impl_fail(lx, k,
		                 "unknown declaration '%.*s' (name, program, device, script, "
		                 "settings, supports)",
		                 (int)kn, k);
	if ((*seen & (1u << key)) && key != 5)
		return impl_fail(lx, k, "'%s' is declared twice", keys[key]);
	*seen |= 1u << key;
	const char *w;
	size_t n;
	int r = 0;
	switch (key) {
	case 0:
		r = take_word(lx, &p, im->name, sizeof(im->name),
		              "name needs a word, e.g. name stack (the pairings' name for it)");
		break;
	case 1:
		r = take_word(lx, &p, im->program, sizeof(im->program),
		              "program needs a path relative to the build folder, e.g. "
		              "program stack/host/synfin-peer");
		if (!r && im->program[0] == '/')
			r = impl_fail(
			    lx, p - strlen(im->program),
			    "program is relative to the build folder: drop the leading /");
		else if (!r && im->program[strlen(im->program) - 1] == '/')
			r = impl_fail(lx, p - 1,
			              "program names a folder: add the program's file name, e.g. "
			              "program stack/host/synfin-peer");
		break;
	case 2:
		n = next_word(&p, &w);
		if (is(w, n, "kernel"))
			im->device = IMPL_DEVICE_KERNEL;
		else if (is(w, n, "tun"))
			im->device = IMPL_DEVICE_TUN;
		else if (is(w, n, "tap"))
			im->device = IMPL_DEVICE_TAP;
		else
			r = impl_fail(lx, w, "device is 'kernel', 'tun' or 'tap'");
		break;
	case 3:
		n = next_word(&p, &w);
		if (is(w, n, "argument"))
			im->script = IMPL_SCRIPT_ARGUMENT;
		else
			r = impl_fail(lx, w,
			              "script is 'argument' (the behaviour script is the last "
			              "argument)");
		break;
	case 4:
		r = take_settings(lx, &p, im);
		break;
	default:
		r = take_supports(lx, &p, im);
		break;
	}
	if (r)
		return r;
	n = next_word(&p, &w);
	if (n)
		return impl_fail(lx, w, "unexpected '%.*s' after the %s declaration", (int)n, w,
		                 keys[key]);
	return 0;
}

int impl_parse(const char *text, struct impl *im, struct impl_error *err)
{
	memset(im, 0, sizeof(*im));
	memset(err, 0, sizeof(*err));
	struct impl_lexer lx = {.err = err};
	unsigned seen = 0;
	for (const char *p = text; *p;) {
		lx.line = p;
		lx.lineno++;
		int r = parse_decl(&lx, p, im, &seen);
		if (r)
			return r;
		p += strcspn(p, "\n");
		if (*p == '\n')
			p++;
	}
	static const char *const required[] = {"name", "program", "device", "script", "settings"};
	for (unsigned k = 0; k < 5; k++)
		if (!(seen & (1u << k)))
			return impl_fail(&lx, NULL, "no '%s' declaration", required[k]);
	return 0;
}

const struct impl *impl_find(const struct impl *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

const char *impl_program_name(const struct impl *im)
{
	const char *slash = strrchr(im->program, '/');
	return slash ? slash + 1 : im->program;
}
