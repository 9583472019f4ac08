/* impl_parse.c: implementation declaration files (impl.h, impl/README.md). One declaration per
 * line, `KEY VALUE...`; `#` starts a comment. Errors say line, column, problem and fix. */
#include "impl.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "counter.h"

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

/* families ipv4 [ipv6] [because REASON]: the reason runs to the end of the line or a '#' */
static int take_families(struct impl_lexer *lx, const char **p, struct impl *im)
{
	im->families = 0;
	for (;;) {
		const char *w;
		size_t n = next_word(p, &w);
		unsigned bit = is(w, n, "ipv4")   ? IMPL_FAMILY_IPV4
		               : is(w, n, "ipv6") ? IMPL_FAMILY_IPV6
		                                  : 0;
		if (bit) {
			im->families |= bit;
			continue;
		}
		if (n && !is(w, n, "because"))
			return impl_fail(
			    lx, w,
			    "families are 'ipv4' and 'ipv6', then optionally 'because "
			    "REASON', e.g. families ipv4 because its IPv6 is not done");
		if (!im->families)
			return impl_fail(lx, w, "families needs 'ipv4', 'ipv6' or both");
		if (!n)
			return 0;
		while (**p == ' ' || **p == '\t')
			(*p)++;
		size_t len = strcspn(*p, "#\r\n");
		while (len && ((*p)[len - 1] == ' ' || (*p)[len - 1] == '\t'))
			len--;
		if (!len || len >= sizeof(im->families_reason))
			return impl_fail(lx, *p, "because needs a reason of 1 to %zu characters",
			                 sizeof(im->families_reason) - 1);
		memcpy(im->families_reason, *p, len);
		im->families_reason[len] = '\0';
		*p += len;
		return 0;
	}
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

/* Pairings join two names with '-' and specs list them with ',' and match with '*' or '=':
 * a name keeps to letters, digits and '_'. */
static bool is_name(const char *w, size_t n)
{
	if (n == 0 || is(w, n, "all"))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)w[i]) && w[i] != '_')
			return false;
	return true;
}

static int take_name(struct impl_lexer *lx, const char **p, struct impl *im)
{
	const char *w = *p;
	int r = take_word(lx, p, im->name, sizeof(im->name),
	                  "name needs a word, e.g. name stack (the pairings' name for it)");
	while (!r && (*w == ' ' || *w == '\t'))
		w++;
	if (!r && !is_name(im->name, strlen(im->name)))
		return impl_fail(lx, w,
		                 "name '%s' is not a name: use letters, digits and _ (pairings "
		                 "join two names with -, e.g. lwip-linux; 'all' means every one)",
		                 im->name);
	return r;
}

static int take_program(struct impl_lexer *lx, const char **p, struct impl *im)
{
	int r = take_word(lx, p, im->program, sizeof(im->program),
	                  "program needs a path relative to the build folder, e.g. "
	                  "program stack/host/synfin-peer, or an absolute path");
	if (!r && im->program[strlen(im->program) - 1] == '/')
		r = impl_fail(lx, *p - 1,
		              "program names a folder: add the program's file name, e.g. "
		              "program stack/host/synfin-peer");
	return r;
}

static int take_device(struct impl_lexer *lx, const char **p, struct impl *im)
{
	const char *w;
	size_t n = next_word(p, &w);
	if (is(w, n, "kernel"))
		im->device = IMPL_DEVICE_KERNEL;
	else if (is(w, n, "tun"))
		im->device = IMPL_DEVICE_TUN;
	else if (is(w, n, "tap"))
		im->device = IMPL_DEVICE_TAP;
	else
		return impl_fail(lx, w, "device is 'kernel', 'tun' or 'tap'");
	return 0;
}

static int take_script(struct impl_lexer *lx, const char **p, struct impl *im)
{
	const char *w;
	size_t n = next_word(p, &w);
	if (!is(w, n, "argument"))
		return impl_fail(
		    lx, w, "script is 'argument' (the behaviour script is the last argument)");
	im->script = IMPL_SCRIPT_ARGUMENT;
	return 0;
}

static int take_order(struct impl_lexer *lx, const char **p, struct impl *im)
{
	const char *w;
	size_t n = next_word(p, &w);
	int v = 0;
	for (size_t i = 0; i < n && v < IMPL_ORDER_LAST; i++)
		v = isdigit((unsigned char)w[i]) ? v * 10 + (w[i] - '0') : IMPL_ORDER_LAST;
	if (n == 0 || v >= IMPL_ORDER_LAST)
		return impl_fail(lx, w,
		                 "order needs a number below %d, e.g. order 4 (lower comes first "
		                 "in lists, runs and tables)",
		                 IMPL_ORDER_LAST);
	im->order = v;
	return 0;
}

/* check PAIRING...: each word client-server, both names; that one end is this
 * implementation is checked once the whole file (its name) has been read. */
static int take_check(struct impl_lexer *lx, const char **p, struct impl *im)
{
	const char *w;
	size_t n = next_word(p, &w);
	if (n == 0)
		return impl_fail(lx, w,
		                 "check needs pairings, client-server, e.g. check lwip-linux "
		                 "linux-lwip");
	for (; n; n = next_word(p, &w)) {
		const char *dash = memchr(w, '-', n);
		size_t cn = dash ? (size_t)(dash - w) : 0;
		if (!dash || !is_name(w, cn) || !is_name(dash + 1, n - cn - 1))
			return impl_fail(lx, w,
			                 "'%.*s' is not a pairing: write client-server, e.g. "
			                 "lwip-linux",
			                 (int)n, w);
		if (im->n_check == IMPL_MAX_CHECKS || n >= sizeof(im->check[0].name))
			return impl_fail(lx, w, "at most %d pairings are checked by default",
			                 IMPL_MAX_CHECKS);
		struct impl_pairing_ref *ref = &im->check[im->n_check++];
		memcpy(ref->name, w, n);
		ref->name[n] = '\0';
		ref->line = lx->lineno;
		ref->col = (unsigned)(w - lx->line) + 1;
	}
	return 0;
}

/* counter NAME KEY: NAME one of counter.h's, KEY the member of the program's "counters" record */
static int take_counter(struct impl_lexer *lx, const char **p, struct impl *im)
{
	const char *w;
	size_t n = next_word(p, &w);
	char names[200];
	counter_names(names, sizeof(names));
	if (!counter_find(w, n))
		return impl_fail(lx, w,
		                 "counter needs a counter's name (%s), then the member of the "
		                 "program's counters record, e.g. counter paws-rejected tcp-paws",
		                 names);
	for (size_t i = 0; i < im->n_counters; i++)
		if (strlen(im->counters[i].name) == n && !memcmp(im->counters[i].name, w, n))
			return impl_fail(lx, w, "counter '%.*s' is declared twice", (int)n, w);
	if (im->n_counters == IMPL_MAX_COUNTERS)
		return impl_fail(lx, w, "at most %d counters are declared", IMPL_MAX_COUNTERS);
	struct impl_counter *c = &im->counters[im->n_counters];
	memcpy(c->name, w, n);
	c->name[n] = '\0';
	int r = take_word(lx, p, c->key, sizeof(c->key),
	                  "counter needs, after the name, the member of the program's counters "
	                  "record, e.g. counter paws-rejected tcp-paws");
	if (!r)
		im->n_counters++;
	return r;
}

enum impl_key {
	K_NAME,
	K_PROGRAM,
	K_DEVICE,
	K_SCRIPT,
	K_SETTINGS,
	K_SUPPORTS,
	K_ORDER,
	K_CHECK,
	K_FAMILIES,
	K_COUNTER
};
#define IMPL_N_KEYS 10

/* One line: KEY VALUE...; which keys it saw goes into *seen (bit per key). */
static int parse_decl(struct impl_lexer *lx, const char *p, struct impl *im, unsigned *seen)
{
	static const char *const keys[IMPL_N_KEYS] = {"name",     "program",  "device", "script",
	                                              "settings", "supports", "order",  "check",
	                                              "families", "counter"};
	static int (*const take[IMPL_N_KEYS])(struct impl_lexer *, const char **, struct impl *) = {
	    take_name,     take_program, take_device, take_script,   take_settings,
	    take_supports, take_order,   take_check,  take_families, take_counter};
	const char *k;
	size_t kn = next_word(&p, &k);
	if (kn == 0)
		return 0;
	unsigned key = 0;
	while (key < IMPL_N_KEYS && !is(k, kn, keys[key]))
		key++;
	if (key == IMPL_N_KEYS)
		return impl_fail(lx, k,
		                 "unknown declaration '%.*s' (name, program, device, script, "
		                 "settings, supports, order, check, families, counter)",
		                 (int)kn, k);
	if ((*seen & (1u << key)) && key != K_SUPPORTS && key != K_CHECK && key != K_COUNTER)
		return impl_fail(lx, k, "'%s' is declared twice", keys[key]);
	*seen |= 1u << key;
	int r = take[key](lx, &p, im);
	if (r)
		return r;
	const char *w;
	size_t n = next_word(&p, &w);
	if (n)
		return impl_fail(lx, w, "unexpected '%.*s' after the %s declaration", (int)n, w,
		                 keys[key]);
	return 0;
}

/* Each `check` pairing has this implementation at one end. */
static int check_own_pairings(struct impl_lexer *lx, const struct impl *im)
{
	size_t own = strlen(im->name);
	for (size_t i = 0; i < im->n_check; i++) {
		const char *w = im->check[i].name, *dash = strchr(w, '-');
		if (((size_t)(dash - w) == own && !strncmp(w, im->name, own)) ||
		    !strcmp(dash + 1, im->name))
			continue;
		lx->lineno = im->check[i].line;
		lx->err->line = im->check[i].line;
		lx->err->col = im->check[i].col;
		snprintf(lx->err->msg, sizeof(lx->err->msg),
		         "check lists pairings of this implementation: '%s' has no end '%s' "
		         "(e.g. %s-linux; the other's file lists its own)",
		         w, im->name, im->name);
		return -EINVAL;
	}
	return 0;
}

int impl_parse(const char *text, struct impl *im, struct impl_error *err)
{
	memset(im, 0, sizeof(*im));
	memset(err, 0, sizeof(*err));
	im->order = IMPL_ORDER_LAST;
	im->families = IMPL_FAMILY_IPV4;
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
	return check_own_pairings(&lx, im);
}

const struct impl *impl_find(const struct impl *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

const char *impl_counter_key(const struct impl_counter *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return v[i].key;
	return NULL;
}

const char *impl_program_name(const struct impl *im)
{
	const char *slash = strrchr(im->program, '/');
	return slash ? slash + 1 : im->program;
}

void impl_program_path(const struct impl *im, const char *build, char *buf, size_t size)
{
	if (im->program[0] == '/')
		snprintf(buf, size, "%s", im->program);
	else
		snprintf(buf, size, "%s/%s", build, im->program);
}
