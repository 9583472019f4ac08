/* trace_read.c: reading our JSON Lines trace back (trace_read.h). A small parser for one flat
 * object of string and number values (RFC 8259), enough for the schema trace_json.c writes;
 * nested values are rejected rather than skipped, since we never write them. */
#include "trace_read.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct cursor {
	const char *p;
};

static void skip_ws(struct cursor *c)
{
	while (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n')
		c->p++;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int parse_hex4(const char *p, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return -EINVAL;
		*v = *v << 4 | (unsigned)h;
	}
	return 0;
}

/* A string value into a malloc'd buffer. \u escapes become UTF-8, except that code points
 * below 0x100 become the single byte (that is how the writer escapes raw payload bytes). */
static int parse_string(struct cursor *c, char **out)
{
	if (*c->p != '"')
		return -EINVAL;
	c->p++;
	size_t cap = 32, n = 0;
	char *s = malloc(cap);
	if (!s)
		return -ENOMEM;
	for (;;) {
		unsigned char ch = (unsigned char)*c->p;
		if (ch == '\0' || ch < 0x20)
			goto bad;
		if (n + 5 > cap) {
			cap *= 2;
			char *ns = realloc(s, cap);
			if (!ns) {
				free(s);
				return -ENOMEM;
			}
			s = ns;
		}
		c->p++;
		if (ch == '"')
			break;
		if (ch != '\\') {
			s[n++] = (char)ch;
			continue;
		}
		char e = *c->p++;
		switch (e) {
		case '"':
			s[n++] = '"';
			break;
		case '\\':
			s[n++] = '\\';
			break;
		case '/':
			s[n++] = '/';
			break;
		case 'b':
			s[n++] = '\b';
			break;
		case 'f':
			s[n++] = '\f';
			break;
		case 'n':
			s[n++] = '\n';
			break;
		case 'r':
			s[n++] = '\r';
			break;
		case 't':
			s[n++] = '\t';
			break;
		case 'u': {
			unsigned cp;
			if (parse_hex4(c->p, &cp))
				goto bad;
			c->p += 4;
			if (cp >= 0xd800 && cp < 0xdc00) {
				unsigned lo;
				if (c->p[0] != '\\' || c->p[1] != 'u' ||
				    parse_hex4(c->p + 2, &lo) || lo < 0xdc00 || lo >= 0xe000)
					goto bad;
				c->p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				goto bad;
			}
			if (cp == 0)
				goto bad; /* would cut the C string */
			if (cp < 0x100) {
				s[n++] = (char)cp;
			} else if (cp < 0x800) {
				s[n++] = (char)(0xc0 | cp >> 6);
				s[n++] = (char)(0x80 | (cp & 0x3f));
			} else if (cp < 0x10000) {
				s[n++] = (char)(0xe0 | cp >> 12);
				s[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
				s[n++] = (char)(0x80 | (cp & 0x3f));
			} else {
				s[n++] = (char)(0xf0 | cp >> 18);
				s[n++] = (char)(0x80 | ((cp >> 12) & 0x3f));
				s[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
				s[n++] = (char)(0x80 | (cp & 0x3f));
			}
			break;
		}
		default:
			goto bad;
		}
	}
	s[n] = '\0';
	*out = s;
	return 0;
bad:
	free(s);
	return -EINVAL;
}

/* A number: we keep the text (t needs its decimals exactly) and check its JSON shape. */
static int parse_number(struct cursor *c, char *buf, size_t size)
{
	const char *start = c->p;
	const char *p = c->p;
	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if ((size_t)(p - start) >= size)
		return -EINVAL;
	memcpy(buf, start, (size_t)(p - start));
	buf[p - start] = '\0';
	c->p = p;
	return 0;
}

static int to_u64(const char *num, uint64_t max, uint64_t *v)
{
	if (!isdigit((unsigned char)num[0]))
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(num, &end, 10);
	if (errno || *end != '\0' || x > max)
		return -EINVAL;
	*v = x;
	return 0;
}

/* "1763939345.621802" -> microseconds, without going through a double. */
static int to_time_us(const char *num, uint64_t *us)
{
	const char *dot = strchr(num, '.');
	char whole[32];
	size_t wl = dot ? (size_t)(dot - num) : strlen(num);
	if (wl == 0 || wl >= sizeof(whole) || strpbrk(num, "eE-"))
		return -EINVAL;
	memcpy(whole, num, wl);
	whole[wl] = '\0';
	uint64_t sec, frac = 0;
	if (to_u64(whole, UINT64_MAX / 1000000 - 1, &sec))
		return -EINVAL;
	if (dot) {
		const char *f = dot + 1;
		for (int i = 0; i < 6; i++) {
			frac *= 10;
			if (*f)
				frac += (uint64_t)(*f++ - '0');
		}
		/* digits past microseconds are dropped, as the writer never makes them */
	}
	*us = sec * 1000000 + frac;
	return 0;
}

static int parse_addr(const char *s, uint32_t *addr)
{
	unsigned a, b, c, d;
	char tail;
	if (sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 ||
	    c > 255 || d > 255)
		return -EINVAL;
	*addr = a << 24 | b << 16 | c << 8 | d;
	return 0;
}

int trace_flags_parse(const char *letters)
{
	if (strcmp(letters, "none") == 0)
		return 0;
	int f = 0;
	for (const char *p = letters; *p; p++) {
		int bit = segment_flag_bit(*p);
		if (bit < 0)
			return -1;
		f |= bit;
	}
	return f;
}

enum {
	K_T = 1 << 0,
	K_EVENT = 1 << 1,
	K_VERDICT = 1 << 2,
	K_SRC = 1 << 3,
	K_DST = 1 << 4,
	K_FLAGS = 1 << 5,
	K_REQUIRED = K_T | K_EVENT | K_VERDICT | K_SRC | K_DST | K_FLAGS,
};

static int copy_small(char *dst, size_t size, const char *s)
{
	if (strlen(s) >= size)
		return -EINVAL;
	strcpy(dst, s);
	return 0;
}

/* One key/value pair into the record. */
static int apply(struct trace_record *r, const char *key, char *str, const char *num,
                 unsigned *seen)
{
	uint64_t v = 0;
#define NUM(name, max, field)                                                                      \
	if (strcmp(key, name) == 0) {                                                              \
		if (!num || to_u64(num, max, &v))                                                  \
			return -EINVAL;                                                            \
		r->field = v;                                                                      \
		return 0;                                                                          \
	}
	NUM("delay_us", UINT64_MAX, delay_us)
	NUM("held_us", UINT64_MAX, held_us)
	NUM("kept", 1, reset_kept)
	NUM("queue_full", 1, queue_full)
	NUM("rule", UINT32_MAX, rule)
	NUM("rule_line", UINT32_MAX, rule_line)
	NUM("sport", UINT16_MAX, sport)
	NUM("dport", UINT16_MAX, dport)
	NUM("seq", UINT32_MAX, seq)
	NUM("ack", UINT32_MAX, ack)
	NUM("rseq", UINT32_MAX, rseq)
	NUM("rack", UINT32_MAX, rack)
	NUM("win", UINT16_MAX, win)
	NUM("len", UINT32_MAX, len)
#undef NUM
	if (strcmp(key, "t") == 0) {
		*seen |= K_T;
		return num ? to_time_us(num, &r->time_us) : -EINVAL;
	}
	if (!str)
		return 0; /* a number under a key we do not know */
	if (strcmp(key, "event") == 0) {
		*seen |= K_EVENT;
		if (strcmp(str, "seen") == 0)
			r->kind = TRACE_SEEN;
		else if (strcmp(str, "released") == 0)
			r->kind = TRACE_RELEASED;
		else if (strcmp(str, "dropped_at_exit") == 0)
			r->kind = TRACE_DROPPED_AT_EXIT;
		else if (strcmp(str, "kernel_drop") == 0)
			r->kind = TRACE_KERNEL_DROP;
		else if (strcmp(str, "injected") == 0)
			r->kind = TRACE_INJECTED;
		else if (strcmp(str, "note") == 0)
			return -ENOMSG; /* about the run, not a segment */
		else
			return -EINVAL;
	} else if (strcmp(key, "verdict") == 0) {
		*seen |= K_VERDICT;
		if (strcmp(str, "pass") == 0)
			r->action = RULE_PASS;
		else if (strcmp(str, "drop") == 0)
			r->action = RULE_DROP;
		else if (strcmp(str, "delay") == 0)
			r->action = RULE_DELAY;
		else if (strcmp(str, "set") == 0)
			r->action = RULE_SET;
		else if (strcmp(str, "strip") == 0)
			r->action = RULE_STRIP;
		else if (strcmp(str, "corrupt") == 0)
			r->action = RULE_CORRUPT;
		else if (strcmp(str, "duplicate") == 0)
			r->action = RULE_DUPLICATE;
		else if (strcmp(str, "reset") == 0)
			r->action = RULE_RESET;
		else if (strcmp(str, "reorder") == 0)
			r->action = RULE_REORDER;
		else
			return -EINVAL;
	} else if (strcmp(key, "dir") == 0) {
		return copy_small(r->dir, sizeof(r->dir), str);
	} else if (strcmp(key, "src") == 0 || strcmp(key, "dst") == 0) {
		bool src = key[0] == 's';
		*seen |= src ? K_SRC : K_DST;
		struct ip_addr *ip = src ? &r->src_ip : &r->dst_ip;
		if (parse_addr(str, src ? &r->saddr : &r->daddr) == 0)
			*ip = ip_addr_from_ipv4(src ? r->saddr : r->daddr);
		else if (!strchr(str, ':') || trace_ip_addr_parse(str, ip))
			return -EINVAL;
		return copy_small(src ? r->src : r->dst, sizeof(r->src), str);
	} else if (strcmp(key, "flags") == 0) {
		*seen |= K_FLAGS;
		int f = trace_flags_parse(str);
		if (f < 0)
			return -EINVAL;
		r->tcp_flags = (uint8_t)f;
		return copy_small(r->flags, sizeof(r->flags), str);
	}
	return 0;
}

int trace_json_object_parse(const char *line, trace_json_member_fn member, void *arg)
{
	struct cursor c = {line};
	char *key = NULL, *str = NULL;
	int err = -EINVAL;
	skip_ws(&c);
	if (*c.p != '{')
		goto fail;
	c.p++;
	skip_ws(&c);
	if (*c.p == '}') {
		c.p++;
		goto end;
	}
	for (;;) {
		skip_ws(&c);
		err = parse_string(&c, &key);
		if (err)
			goto fail;
		err = -EINVAL;
		skip_ws(&c);
		if (*c.p != ':')
			goto fail;
		c.p++;
		skip_ws(&c);
		char num[64];
		const char *numv = NULL;
		if (*c.p == '"') {
			err = parse_string(&c, &str);
			if (err)
				goto fail;
		} else if (*c.p == '-' || isdigit((unsigned char)*c.p)) {
			if (parse_number(&c, num, sizeof(num)))
				goto fail;
			numv = num;
		} else if (strncmp(c.p, "true", 4) == 0 || strncmp(c.p, "null", 4) == 0) {
			c.p += 4;
		} else if (strncmp(c.p, "false", 5) == 0) {
			c.p += 5;
		} else {
			goto fail; /* objects and arrays are not part of the schema */
		}
		err = member(arg, key, &str, numv);
		if (err)
			goto fail;
		err = -EINVAL;
		free(key);
		free(str);
		key = str = NULL;
		skip_ws(&c);
		if (*c.p == ',') {
			c.p++;
			continue;
		}
		if (*c.p == '}') {
			c.p++;
			break;
		}
		goto fail;
	}
end:
	skip_ws(&c);
	return *c.p == '\0' ? 0 : -EINVAL;
fail:
	free(key);
	free(str);
	return err;
}

struct record_parse {
	struct trace_record *r;
	unsigned seen;
};

static int record_member(void *arg, const char *key, char **str, const char *num)
{
	struct record_parse *rp = arg;
	if (strcmp(key, "text") == 0 || strcmp(key, "rule_file") == 0) {
		if (!*str)
			return -EINVAL;
		char **field = key[0] == 't' ? &rp->r->text : &rp->r->rule_file;
		free(*field);
		*field = *str;
		*str = NULL;
		return 0;
	}
	return apply(rp->r, key, *str, num, &rp->seen);
}

int trace_record_parse(const char *line, struct trace_record *r)
{
	memset(r, 0, sizeof(*r));
	struct record_parse rp = {.r = r};
	int err = trace_json_object_parse(line, record_member, &rp);
	if (!err && (rp.seen & K_REQUIRED) != K_REQUIRED)
		err = -EINVAL;
	if (err)
		goto fail;
	if (!r->text)
		r->text = strdup("");
	if (!r->rule_file)
		r->rule_file = strdup("");
	if (!r->dir[0])
		strcpy(r->dir, "other");
	if (!r->text || !r->rule_file) {
		err = -ENOMEM;
		goto fail;
	}
	return 0;
fail:
	trace_record_clear(r);
	return err;
}

void trace_record_clear(struct trace_record *r)
{
	free(r->text);
	free(r->rule_file);
	memset(r, 0, sizeof(*r));
}

void trace_records_free(struct trace_record *r, size_t n)
{
	if (!r)
		return;
	for (size_t i = 0; i < n; i++)
		trace_record_clear(&r[i]);
	free(r);
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

int trace_read_jsonl(const char *path, struct trace_record **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	struct trace_record *recs = NULL;
	size_t count = 0, cap = 0;
	char *line = NULL;
	size_t linecap = 0;
	int err = 0;
	ssize_t got;
	errno = 0;
	while ((got = getline(&line, &linecap, f)) >= 0) {
		if ((size_t)got != strlen(line)) {
			err = -EINVAL; /* a NUL byte inside a line */
			break;
		}
		if (blank(line))
			continue;
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct trace_record *nr = realloc(recs, ncap * sizeof(*nr));
			if (!nr) {
				err = -ENOMEM;
				break;
			}
			recs = nr;
			cap = ncap;
		}
		err = trace_record_parse(line, &recs[count]);
		if (err == -ENOMSG) {
			err = 0; /* a note (trace_write_json_note) */
			continue;
		}
		if (err)
			break;
		if (recs[count].kind == TRACE_KERNEL_DROP) {
			/* no segment: the readers of this list follow segments */
			trace_record_clear(&recs[count]);
			continue;
		}
		count++;
	}
	if (!err && ferror(f))
		err = -EIO;
	free(line);
	fclose(f);
	if (err) {
		trace_records_free(recs, count);
		return err;
	}
	*out = recs;
	*n = count;
	return 0;
}
