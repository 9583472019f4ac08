/* junit_xml.c: a small XML reader and writer for JUnit reports (junit_xml.h). Recursive
 * descent over the text with one position; every error names the line and column where the
 * text stops making sense. */
#include "junit_xml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	const char *s;
	size_t len, pos;
	struct xml_error *err;
	size_t counted; /* newlines before here are in line */
	unsigned line;
};

/* A growing byte string. */
struct dstr {
	char *v;
	size_t n, cap;
};

static int dstr_add(struct dstr *d, const char *s, size_t n)
{
	if (d->n + n + 1 > d->cap) {
		size_t cap = d->cap ? d->cap : 64;
		while (cap < d->n + n + 1)
			cap *= 2;
		char *v = realloc(d->v, cap);
		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	memcpy(d->v + d->n, s, n);
	d->n += n;
	d->v[d->n] = '\0';
	return 0;
}

__attribute__((format(printf, 3, 4))) static int fail(struct parser *p, size_t at, const char *fmt,
                                                      ...)
{
	unsigned line = 1, col = 1;
	for (size_t i = 0; i < at && i < p->len; i++) {
		if (p->s[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)p->s[i] & 0xc0) != 0x80) {
			col++; /* a UTF-8 character is one column */
		}
	}
	p->err->line = line;
	p->err->col = col;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The line of pos, for an element's start tag: elements come in order, so the count goes on
 * from the last one. */
static unsigned line_at(struct parser *p, size_t pos)
{
	for (; p->counted < pos; p->counted++)
		p->line += p->s[p->counted] == '\n';
	return p->line;
}

static bool at(const struct parser *p, const char *lit)
{
	size_t n = strlen(lit);
	return p->len - p->pos >= n && !memcmp(p->s + p->pos, lit, n);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_space(struct parser *p)
{
	while (p->pos < p->len && is_space(p->s[p->pos]))
		p->pos++;
}

/* XML 1.0 allows no control character but tab, newline and carriage return. */
static int check_char(struct parser *p, size_t at_pos)
{
	unsigned char c = (unsigned char)p->s[at_pos];
	if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
		return fail(p, at_pos, "control character 0x%02x is not allowed in XML", c);
	return 0;
}

static bool name_char(unsigned char c, bool first)
{
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return true;
	if (c == '_' || c == ':' || c >= 0x80)
		return true;
	return !first && ((c >= '0' && c <= '9') || c == '-' || c == '.');
}

static int parse_name(struct parser *p, char **out, const char *what)
{
	size_t start = p->pos;
	while (p->pos < p->len && name_char((unsigned char)p->s[p->pos], p->pos == start))
		p->pos++;
	if (p->pos == start)
		return fail(p, start, "expected %s", what);
	*out = strndup(p->s + start, p->pos - start);
	return *out ? 0 : -ENOMEM;
}

static size_t utf8_encode(char out[4], uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* "&#10;" and "&#x1F600;": a character XML allows. */
static int char_reference(struct parser *p, size_t start, const char *ref, size_t n,
                          struct dstr *out)
{
	bool hex = n > 1 && ref[1] == 'x';
	uint32_t cp = 0;
	size_t digits = 0;
	for (size_t i = hex ? 2 : 1; i < n; i++, digits++) {
		unsigned char c = (unsigned char)ref[i];
		unsigned v = c >= '0' && c <= '9'                            ? c - '0'
		             : hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10
		                                                             : 16;
		if (v >= (hex ? 16u : 10u))
			return fail(p, start, "bad character reference &%.*s;", (int)n, ref);
		cp = cp * (hex ? 16 : 10) + v;
		if (cp > 0x10ffff)
			return fail(p, start, "character reference &%.*s; is past U+10FFFF", (int)n,
			            ref);
	}
	if (!digits)
		return fail(p, start, "bad character reference &%.*s;", (int)n, ref);
	if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
	    (cp >= 0xd800 && cp < 0xe000) || cp == 0xfffe || cp == 0xffff)
		return fail(p, start, "&%.*s; is a character XML does not allow", (int)n, ref);
	char enc[4];
	return dstr_add(out, enc, utf8_encode(enc, cp));
}

/* At '&': the entity or character reference, resolved into out. */
static int parse_reference(struct parser *p, struct dstr *out)
{
	static const struct {
		const char *name, *value;
	} named[] = {{"lt", "<"}, {"gt", ">"}, {"amp", "&"}, {"quot", "\""}, {"apos", "'"}};
	size_t start = p->pos++;
	size_t end = p->pos;
	while (end < p->len && end - p->pos < 12 && p->s[end] != ';' && p->s[end] != '&' &&
	       p->s[end] != '<' && !is_space(p->s[end]))
		end++;
	if (end >= p->len || p->s[end] != ';')
		return fail(p, start,
		            "'&' must start a reference such as &amp; (a bare & is "
		            "written &amp;)");
	const char *ref = p->s + p->pos;
	size_t n = end - p->pos;
	p->pos = end + 1;
	if (n && ref[0] == '#')
		return char_reference(p, start, ref, n, out);
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strlen(named[i].name) == n && !memcmp(named[i].name, ref, n))
			return dstr_add(out, named[i].value, 1);
	return fail(p, start, "unknown entity &%.*s; (XML knows &lt; &gt; &amp; &quot; &apos;)",
	            (int)n, ref);
}

/* At the opening quote: the value, references resolved and white space made spaces. */
static int parse_attr_value(struct parser *p, char **out)
{
	if (p->pos >= p->len || (p->s[p->pos] != '"' && p->s[p->pos] != '\''))
		return fail(p, p->pos, "expected a quoted attribute value");
	char quote = p->s[p->pos];
	size_t open = p->pos++;
	struct dstr d = {0};
	int r = dstr_add(&d, "", 0);
	while (!r) {
		if (p->pos >= p->len) {
			r = fail(p, open, "attribute value not closed by %c", quote);
			break;
		}
		char c = p->s[p->pos];
		if (c == quote) {
			p->pos++;
			break;
		}
		if (c == '<')
			r = fail(p, p->pos, "'<' in an attribute value (write &lt;)");
		else if (c == '&')
			r = parse_reference(p, &d);
		else if (!(r = check_char(p, p->pos))) {
			r = dstr_add(&d, is_space(c) ? " " : &c, 1);
			p->pos++;
		}
	}
	if (r) {
		free(d.v);
		return r;
	}
	*out = d.v;
	return 0;
}

/* Comments and processing instructions (the XML declaration is one) where they may be. */
static int skip_markup(struct parser *p, bool *skipped)
{
	*skipped = false;
	const char *end = at(p, "<!--") ? "-->" : at(p, "<?") ? "?>" : NULL;
	if (!end)
		return 0;
	size_t start = p->pos;
	const char *found = memmem(p->s + p->pos + 2, p->len - p->pos - 2, end, strlen(end));
	if (!found)
		return fail(p, start, "%s not closed by %s", end[0] == '-' ? "comment" : "<?", end);
	p->pos = (size_t)(found - p->s) + strlen(end);
	*skipped = true;
	return 0;
}

static int skip_misc(struct parser *p)
{
	for (;;) {
		skip_space(p);
		bool skipped;
		int r = skip_markup(p, &skipped);
		if (r || !skipped)
			return r;
	}
}

void xml_free(struct xml_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n_attrs; i++) {
		free(n->attrs[i].name);
		free(n->attrs[i].value);
	}
	for (size_t i = 0; i < n->n_children; i++)
		xml_free(n->children[i]);
	free(n->attrs);
	free(n->children);
	free(n->text);
	free(n->name);
	free(n);
}

const char *xml_attr(const struct xml_node *n, const char *name)
{
	for (size_t i = 0; i < n->n_attrs; i++)
		if (!strcmp(n->attrs[i].name, name))
			return n->attrs[i].value;
	return NULL;
}

static int add_attr(struct xml_node *n, char *name, char *value)
{
	struct xml_attr *v = realloc(n->attrs, (n->n_attrs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	n->attrs = v;
	n->attrs[n->n_attrs++] = (struct xml_attr){.name = name, .value = value};
	return 0;
}

int xml_set_attr(struct xml_node *n, const char *name, const char *value)
{
	char *v = strdup(value);
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n->n_attrs; i++) {
		if (strcmp(n->attrs[i].name, name))
			continue;
		free(n->attrs[i].value);
		n->attrs[i].value = v;
		return 0;
	}
	char *k = strdup(name);
	if (!k || add_attr(n, k, v)) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	return 0;
}

struct xml_node *xml_element(const char *name)
{
	struct xml_node *n = calloc(1, sizeof(*n));
	if (n && !(n->name = strdup(name))) {
		free(n);
		n = NULL;
	}
	return n;
}

struct xml_node *xml_copy(const struct xml_node *n)
{
	struct xml_node *c = xml_element(n->name);
	bool ok = c && (!n->text || (c->text = strdup(n->text)));
	for (size_t i = 0; ok && i < n->n_attrs; i++)
		ok = !xml_set_attr(c, n->attrs[i].name, n->attrs[i].value);
	for (size_t i = 0; ok && i < n->n_children; i++) {
		struct xml_node *child = xml_copy(n->children[i]);
		ok = child && !xml_add_child(c, child);
		if (!ok)
			xml_free(child);
	}
	if (c)
		c->line = n->line;
	if (!ok) {
		xml_free(c);
		return NULL;
	}
	return c;
}

/* After the element's name: its attributes, up to '>' (*empty false) or "/>" (true). */
static int parse_attrs(struct parser *p, struct xml_node *n, bool *empty)
{
	for (;;) {
		size_t before = p->pos;
		skip_space(p);
		if (at(p, "/>") || at(p, ">")) {
			*empty = at(p, "/>");
			p->pos += *empty ? 2 : 1;
			return 0;
		}
		if (p->pos >= p->len)
			return fail(p, p->pos, "<%s> (line %u) not closed by '>'", n->name,
			            n->line);
		if (p->pos == before)
			return fail(p, p->pos, "expected white space, '>' or '/>' in <%s>",
			            n->name);
		char *name, *value = NULL;
		size_t name_at = p->pos;
		int r = parse_name(p, &name, "an attribute name");
		if (r)
			return r;
		skip_space(p);
		if (p->pos >= p->len)
			r = fail(p, p->pos, "the text ends inside <%s> (line %u): cut short?",
			         n->name, n->line);
		else if (p->s[p->pos] != '=')
			r = fail(p, p->pos, "expected '=' after attribute %s", name);
		else if (xml_attr(n, name))
			r = fail(p, name_at, "attribute %s given twice in <%s>", name, n->name);
		if (!r) {
			p->pos++;
			skip_space(p);
			r = parse_attr_value(p, &value);
		}
		if (!r)
			r = add_attr(n, name, value);
		if (r) {
			free(name);
			free(value);
			return r;
		}
	}
}

int xml_add_child(struct xml_node *n, struct xml_node *child)
{
	struct xml_node **v = realloc(n->children, (n->n_children + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	n->children = v;
	n->children[n->n_children++] = child;
	return 0;
}

/* A run of text between two pieces of markup, into text. Around child elements, runs are
 * trimmed of white space (JUnit has no mixed content; indentation is not data). */
struct content {
	struct dstr text;  /* every run as it came */
	struct dstr mixed; /* the trimmed runs */
	size_t run_start;  /* where the current run began in text */
};

static int end_run(struct content *c)
{
	const char *s = c->text.v ? c->text.v + c->run_start : "";
	size_t n = c->text.n - c->run_start;
	while (n && is_space(*s))
		s++, n--;
	while (n && is_space(s[n - 1]))
		n--;
	c->run_start = c->text.n;
	return n ? dstr_add(&c->mixed, s, n) : 0;
}

static int parse_element(struct parser *p, unsigned depth, struct xml_node **out);

/* At "<![CDATA[": its characters as they are. */
static int parse_cdata(struct parser *p, struct dstr *text)
{
	size_t start = p->pos;
	p->pos += 9;
	const char *end = memmem(p->s + p->pos, p->len - p->pos, "]]>", 3);
	if (!end)
		return fail(p, start, "<![CDATA[ not closed by ]]>");
	size_t stop = (size_t)(end - p->s);
	for (size_t i = p->pos; i < stop; i++)
		if (check_char(p, i))
			return -EINVAL;
	int r = dstr_add(text, p->s + p->pos, stop - p->pos);
	p->pos = stop + 3;
	return r;
}

/* One piece of n's content at p->pos: markup, a reference or a character. Sets *closed at
 * n's end tag. */
static int parse_content_item(struct parser *p, struct xml_node *n, unsigned depth,
                              struct content *c, bool *closed)
{
	bool skipped;
	int r = skip_markup(p, &skipped);
	if (r || skipped)
		return r;
	if (at(p, "</")) {
		size_t start = p->pos;
		p->pos += 2;
		char *name;
		if ((r = parse_name(p, &name, "a name after '</'")) != 0)
			return r;
		bool same = !strcmp(name, n->name);
		free(name);
		if (!same)
			return fail(p, start, "<%s> (line %u) closed by </%.*s>", n->name, n->line,
			            (int)(p->pos - start - 2), p->s + start + 2);
		skip_space(p);
		if (!at(p, ">"))
			return fail(p, p->pos, "expected '>' to end </%s", n->name);
		p->pos++;
		*closed = true;
		return 0;
	}
	if (at(p, "<![CDATA["))
		return parse_cdata(p, &c->text);
	if (at(p, "<!"))
		return fail(p, p->pos, "a declaration (<!...) inside <%s>", n->name);
	if (at(p, "<")) {
		struct xml_node *child;
		if ((r = end_run(c)) || (r = parse_element(p, depth + 1, &child)))
			return r;
		if ((r = xml_add_child(n, child)))
			xml_free(child);
		return r;
	}
	if (p->s[p->pos] == '&')
		return parse_reference(p, &c->text);
	if ((r = check_char(p, p->pos)))
		return r;
	/* XML reads a carriage return, alone or before a newline, as a newline */
	char ch = p->s[p->pos++];
	if (ch == '\r' && p->pos < p->len && p->s[p->pos] == '\n')
		p->pos++;
	return dstr_add(&c->text, ch == '\r' ? "\n" : &ch, 1);
}

/* After the start tag: content up to n's end tag. */
static int parse_content(struct parser *p, struct xml_node *n, unsigned depth)
{
	struct content c = {0};
	bool closed = false;
	int r = 0;
	while (!r && !closed) {
		if (p->pos >= p->len)
			r = fail(p, p->pos, "<%s> (line %u) is not closed", n->name, n->line);
		else
			r = parse_content_item(p, n, depth, &c, &closed);
	}
	if (!r && n->n_children)
		r = end_run(&c);
	if (!r) {
		struct dstr *keep = n->n_children ? &c.mixed : &c.text;
		size_t blank = 0;
		while (blank < keep->n && is_space(keep->v[blank]))
			blank++;
		if (blank < keep->n) {
			n->text = keep->v;
			keep->v = NULL;
		}
	}
	free(c.text.v);
	free(c.mixed.v);
	return r;
}

static int parse_element(struct parser *p, unsigned depth, struct xml_node **out)
{
	if (depth > XML_MAX_DEPTH)
		return fail(p, p->pos, "elements nested deeper than %d", XML_MAX_DEPTH);
	struct xml_node *n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->line = line_at(p, p->pos++);
	bool empty = false;
	int r = parse_name(p, &n->name, "an element name after '<'");
	if (!r)
		r = parse_attrs(p, n, &empty);
	if (!r && !empty)
		r = parse_content(p, n, depth);
	if (r) {
		xml_free(n);
		return r;
	}
	*out = n;
	return 0;
}

int xml_parse(const char *text, size_t len, struct xml_node **root, struct xml_error *err)
{
	struct parser p = {.s = text, .len = len, .err = err, .line = 1};
	*root = NULL;
	memset(err, 0, sizeof(*err));
	if (at(&p, "\xef\xbb\xbf"))
		p.pos = 3; /* a UTF-8 byte order mark */
	int r = skip_misc(&p);
	if (!r && at(&p, "<!DOCTYPE"))
		r = fail(&p, p.pos,
		         "a document type declaration (<!DOCTYPE) is not read here; "
		         "JUnit reports have none");
	else if (!r && p.pos >= p.len)
		r = fail(&p, p.pos, "no element: %s",
		         len ? "only white space and comments" : "empty");
	else if (!r && !at(&p, "<"))
		r = fail(&p, p.pos, "expected '<' where the document element starts");
	if (!r)
		r = parse_element(&p, 1, root);
	if (!r)
		r = skip_misc(&p);
	if (!r && p.pos < p.len)
		r = fail(&p, p.pos, "more after the document element <%s> (line %u) ends",
		         (*root)->name, (*root)->line);
	if (r) {
		xml_free(*root);
		*root = NULL;
	}
	return r;
}

static void write_escaped(struct sbuf *b, const char *s, bool attr)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			sb_puts(b, "&amp;");
			break;
		case '<':
			sb_puts(b, "&lt;");
			break;
		case '>':
			sb_puts(b, "&gt;");
			break;
		case '"':
			sb_puts(b, attr ? "&quot;" : "\"");
			break;
		case '\r':
			sb_puts(b, "&#13;"); /* else read back as a newline */
			break;
		case '\n':
		case '\t':
			/* an attribute's literal white space reads back as spaces */
			if (attr)
				sb_printf(b, "&#%d;", *s);
			else
				sb_putc(b, *s);
			break;
		default:
			sb_putc(b, *s);
		}
	}
}

static void indent(struct sbuf *b, unsigned depth)
{
	for (unsigned i = 0; i < depth; i++)
		sb_puts(b, "  ");
}

void xml_write(struct sbuf *b, const struct xml_node *n, unsigned depth)
{
	indent(b, depth);
	sb_printf(b, "<%s", n->name);
	for (size_t i = 0; i < n->n_attrs; i++) {
		sb_printf(b, " %s=\"", n->attrs[i].name);
		write_escaped(b, n->attrs[i].value, true);
		sb_putc(b, '"');
	}
	if (!n->n_children && !n->text) {
		sb_puts(b, "/>\n");
		return;
	}
	sb_putc(b, '>');
	if (n->text)
		write_escaped(b, n->text, false);
	if (n->n_children) {
		sb_putc(b, '\n');
		for (size_t i = 0; i < n->n_children; i++)
			xml_write(b, n->children[i], depth + 1);
		indent(b, depth);
	}
	sb_printf(b, "</%s>\n", n->name);
}
