/* progress.c: the status line of a check on a terminal (progress.h). The text comes from the
 * pure progress_line_format; this file keeps the cases in flight, reads the clock and draws. */
#include "progress.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "case_select.h"
#include "progress_line.h"

struct progress_entry {
	char id[CASE_ID_MAX];
	int64_t start_us;
	int64_t expected_us;
};

struct progress {
	FILE *out;
	size_t total, done;
	struct progress_entry *running;
	size_t n, cap;
	bool drawn;
	int64_t drawn_at_us;
};

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct progress *progress_open(FILE *out, size_t total)
{
	const char *term = getenv("TERM");
	if (!isatty(fileno(out)) || (term && !strcmp(term, "dumb")))
		return NULL;
	struct progress *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL; /* no status line: the run goes on without it */
	p->out = out;
	p->total = total;
	return p;
}

static void erase(struct progress *p)
{
	if (!p->drawn)
		return;
	fputs("\r\033[K", p->out);
	fflush(p->out);
	p->drawn = false;
}

void progress_started(struct progress *p, const char *id, int64_t expected_us)
{
	if (!p)
		return;
	erase(p);
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 32;
		struct progress_entry *v = realloc(p->running, cap * sizeof(*v));
		if (!v)
			return; /* this case is left out of the line, nothing worse */
		p->running = v;
		p->cap = cap;
	}
	struct progress_entry *e = &p->running[p->n++];
	snprintf(e->id, sizeof(e->id), "%s", id);
	e->start_us = mono_us();
	e->expected_us = expected_us;
}

void progress_finished(struct progress *p, const char *id, size_t done)
{
	if (!p)
		return;
	erase(p);
	p->done = done;
	for (size_t i = 0; id && id[0] && i < p->n; i++) {
		if (strcmp(p->running[i].id, id))
			continue;
		p->running[i] = p->running[--p->n];
		break;
	}
}

static unsigned columns(FILE *out)
{
	struct winsize ws;
	if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

void progress_tick(struct progress *p)
{
	if (!p)
		return;
	int64_t now = mono_us();
	if (p->drawn && now - p->drawn_at_us < 1000000)
		return;
	struct progress_case *cases = calloc(p->n ? p->n : 1, sizeof(*cases));
	if (!cases)
		return;
	for (size_t i = 0; i < p->n; i++)
		cases[i] = (struct progress_case){.id = p->running[i].id,
		                                  .elapsed_us = now - p->running[i].start_us,
		                                  .expected_us = p->running[i].expected_us};
	char line[1024];
	progress_line_format(line, sizeof(line), p->done, p->total, cases, p->n, columns(p->out));
	free(cases);
	fprintf(p->out, "\r%s\033[K", line);
	fflush(p->out);
	p->drawn = true;
	p->drawn_at_us = now;
}

void progress_close(struct progress *p)
{
	if (!p)
		return;
	erase(p);
	free(p->running);
	free(p);
}
