/* sbuf.h: a string builder with snprintf semantics, for the trace line formatters.
 *
 * Fixed: writes what fits into the caller's buffer and keeps counting, like snprintf.
 * Growing: starts in the caller's buffer and moves to the heap when the text outgrows it (a
 * line with a long HTTP request line); if the heap fails, the text is cut. */
#ifndef SYNFIN_SBUF_H
#define SYNFIN_SBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sbuf {
	char *buf;
	size_t size;
	size_t len; /* characters produced, even those that did not fit */
	char *stack;
	bool grow;
};

static inline void sb_init_fixed(struct sbuf *b, char *buf, size_t size)
{
	*b = (struct sbuf){.buf = buf, .size = size, .stack = buf};
	if (size)
		buf[0] = '\0';
}

static inline void sb_init_growing(struct sbuf *b, char *buf, size_t size)
{
	sb_init_fixed(b, buf, size);
	b->grow = true;
}

/* A growing builder that is still whole moves to a buffer with room for n more characters and
 * the terminator. Returns the room after the end of the text, 0 when nothing fits. */
static inline size_t sb_make_room(struct sbuf *b, size_t n)
{
	size_t room = b->len < b->size ? b->size - b->len : 0;
	if (n >= room && b->grow && b->len < b->size) {
		size_t want = b->len + n + 1;
		size_t size = b->size * 2 > want ? b->size * 2 : want;
		char *nb = b->buf == b->stack ? malloc(size) : realloc(b->buf, size);
		if (nb) {
			if (b->buf == b->stack)
				memcpy(nb, b->buf, b->len);
			b->buf = nb;
			b->size = size;
			room = size - b->len;
		}
	}
	return room;
}

__attribute__((format(printf, 2, 3))) static inline void sb_printf(struct sbuf *b, const char *fmt,
                                                                   ...)
{
	va_list ap;
	size_t room = b->len < b->size ? b->size - b->len : 0;
	va_start(ap, fmt);
	int n = vsnprintf(room ? b->buf + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= room && sb_make_room(b, (size_t)n) > (size_t)n) {
		va_start(ap, fmt);
		vsnprintf(b->buf + b->len, b->size - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

/* Appends n bytes, with the semantics of sb_printf("%.*s"): the per-line hot path uses these
 * instead of vsnprintf, which costs far more than the copy for short pieces. */
static inline void sb_append(struct sbuf *b, const char *s, size_t n)
{
	size_t room = sb_make_room(b, n);
	if (room) {
		size_t k = n < room ? n : room - 1;
		memcpy(b->buf + b->len, s, k);
		b->buf[b->len + k] = '\0';
	}
	b->len += n;
}

static inline void sb_puts(struct sbuf *b, const char *s)
{
	sb_append(b, s, strlen(s));
}

static inline void sb_putc(struct sbuf *b, char c)
{
	if (b->len + 1 < b->size) {
		b->buf[b->len++] = c;
		b->buf[b->len] = '\0';
	} else {
		sb_append(b, &c, 1);
	}
}

/* Decimal digits of v at the end of a buffer of at least 20 bytes; returns the first one. Two
 * digits per division, from a table of the hundred pairs: a trace line has a dozen numbers,
 * most of them ten digits long. */
static inline char *fmt_u64(char *end, uint64_t v)
{
	static const char pairs[] = "00010203040506070809101112131415161718192021222324"
	                            "25262728293031323334353637383940414243444546474849"
	                            "50515253545556575859606162636465666768697071727374"
	                            "75767778798081828384858687888990919293949596979899";
	while (v >= 100) {
		unsigned i = (unsigned)(v % 100) * 2;
		v /= 100;
		end -= 2;
		memcpy(end, pairs + i, 2);
	}
	if (v >= 10) {
		end -= 2;
		memcpy(end, pairs + v * 2, 2);
	} else {
		*--end = (char)('0' + v);
	}
	return end;
}

/* How many decimal digits v has. */
static inline unsigned u64_digits(uint64_t v)
{
	unsigned n = 1;
	for (; v >= 10000; v /= 10000)
		n += 4;
	return n + (v >= 10) + (v >= 100) + (v >= 1000);
}

/* "%u" / "%llu". The digits go straight to their place: through a copy they cost a call to
 * memcpy of a few bytes each, and a trace line has a dozen numbers. */
static inline void sb_uint(struct sbuf *b, uint64_t v)
{
	unsigned n = u64_digits(v);
	size_t room = sb_make_room(b, n);
	if (room > n) {
		fmt_u64(b->buf + b->len + n, v);
		b->len += n;
		b->buf[b->len] = '\0';
		return;
	}
	char tmp[20];
	char *p = fmt_u64(tmp + sizeof(tmp), v);
	sb_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* "%0*u" for a value known to fit in width digits */
static inline void sb_uint_width(struct sbuf *b, unsigned v, unsigned width)
{
	char tmp[10];
	for (unsigned i = width; i > 0; i--) {
		tmp[i - 1] = (char)('0' + v % 10);
		v /= 10;
	}
	sb_append(b, tmp, width);
}

/* "%02x" */
static inline void sb_hex2(struct sbuf *b, uint8_t v)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[2] = {hex[v >> 4], hex[v & 15]};
	sb_append(b, tmp, 2);
}

/* "%u.%u.%u.%u" */
static inline void sb_addr(struct sbuf *b, uint32_t addr)
{
	char tmp[16], *p = tmp;
	for (int shift = 24; shift >= 0; shift -= 8) {
		unsigned octet = (addr >> shift) & 0xff;
		if (octet >= 100)
			*p++ = (char)('0' + octet / 100);
		if (octet >= 10)
			*p++ = (char)('0' + octet / 10 % 10);
		*p++ = (char)('0' + octet % 10);
		if (shift)
			*p++ = '.';
	}
	sb_append(b, tmp, (size_t)(p - tmp));
}

static inline int sb_len(const struct sbuf *b)
{
	return b->len > INT32_MAX ? INT32_MAX : (int)b->len;
}

static inline void sb_release(struct sbuf *b)
{
	if (b->buf != b->stack)
		free(b->buf);
	b->buf = b->stack;
}

#endif
