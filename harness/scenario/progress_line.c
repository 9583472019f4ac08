/* progress_line.c: the terminal's status line of a check in flight (progress_line.h). */
#include "progress_line.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_select.h"
#include "common/sbuf.h"

static int longest_first(const void *a, const void *b)
{
	const struct progress_case *x = a, *y = b;
	if (x->expected_us != y->expected_us)
		return x->expected_us < y->expected_us ? 1 : -1;
	if (x->elapsed_us != y->elapsed_us)
		return x->elapsed_us < y->elapsed_us ? 1 : -1;
	return strcmp(x->id, y->id);
}

/* ": ID 45/112 s" (", " after the first): whole seconds, as a glance at a line that changes
 * every second needs; the expected time rounded up, and left out when not known. */
static size_t case_item(char *buf, size_t size, const struct progress_case *c, bool first)
{
	long long elapsed = c->elapsed_us > 0 ? (long long)(c->elapsed_us / 1000000) : 0;
	int n;
	if (c->expected_us > 0)
		n = snprintf(buf, size, "%s%s %lld/%lld s", first ? ": " : ", ", c->id, elapsed,
		             (long long)((c->expected_us + 999999) / 1000000));
	else
		n = snprintf(buf, size, "%s%s %lld s", first ? ": " : ", ", c->id, elapsed);
	return n < 0 ? 0 : (size_t)n;
}

static size_t more_len(size_t left, bool first)
{
	return left ? (size_t)snprintf(NULL, 0, "%s+%zu more", first ? ": " : ", ", left) : 0;
}

size_t progress_line_format(char *buf, size_t size, size_t done, size_t total,
                            struct progress_case *running, size_t n, unsigned width)
{
	if (!size)
		return 0;
	size_t limit = width > 1 ? width - 1 : 1; /* never the last column */
	if (limit > size - 1)
		limit = size - 1;
	if (n)
		qsort(running, n, sizeof(*running), longest_first);
	char line[1024];
	struct sbuf b;
	sb_init_fixed(&b, line, sizeof(line));
	/* the head as in the lines of finished cases above it */
	sb_printf(&b, "[%3zu/%zu] %zu running", done, total, n);
	size_t shown = 0;
	for (; shown < n; shown++) {
		char item[CASE_ID_MAX + 48];
		size_t len = case_item(item, sizeof(item), &running[shown], shown == 0);
		/* room for ", +N more" after it, unless it is the last one */
		if (b.len + len + more_len(n - shown - 1, false) > limit || len >= sizeof(item))
			break;
		sb_puts(&b, item);
	}
	if (shown < n && b.len + more_len(n - shown, shown == 0) <= limit)
		sb_printf(&b, "%s+%zu more", shown ? ", " : ": ", n - shown);
	size_t len = b.len < limit ? b.len : limit;
	if (len > sizeof(line) - 1)
		len = sizeof(line) - 1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	return len;
}
