/* run_record.c: a run's record, and the endpoint programs' JSON Lines read into it. */
#include "run_record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace_read.h"

const char *run_status_name(enum run_status s)
{
	switch (s) {
	case RUN_PASS:
		return "pass";
	case RUN_FAIL:
		return "FAIL";
	case RUN_SKIP:
		return "skip";
	case RUN_INCONCLUSIVE:
		return "inconclusive";
	default:
		return "ERROR";
	}
}

int app_record_add_event(struct app_record *a, const struct app_event *ev)
{
	struct app_event *nv = realloc(a->events, (a->n_events + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	a->events = nv;
	nv[a->n_events++] = *ev;
	return 0;
}

int app_record_add_counter(struct app_record *a, const char *key, uint64_t value)
{
	struct app_counter *nv = realloc(a->counters, (a->n_counters + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	a->counters = nv;
	snprintf(nv[a->n_counters].key, sizeof(nv[0].key), "%s", key);
	nv[a->n_counters++].value = value;
	return 0;
}

const struct app_counter *app_record_counter(const struct app_record *a, const char *key)
{
	for (size_t i = 0; i < a->n_counters; i++)
		if (!strcmp(a->counters[i].key, key))
			return &a->counters[i];
	return NULL;
}

bool app_record_saw(const struct app_record *a, const char *what)
{
	for (size_t i = 0; i < a->n_events; i++)
		if (!strcmp(a->events[i].what, what))
			return true;
	return false;
}

const struct app_event *app_record_exit(const struct app_record *a)
{
	for (size_t i = 0; i < a->n_events; i++)
		if (!strcmp(a->events[i].what, "exit") && a->events[i].has_status)
			return &a->events[i];
	return NULL;
}

/* "1795783241.457783": seconds with up to six decimals, to microseconds without the rounding
 * of a double. */
static int parse_time_us(const char *num, uint64_t *us)
{
	char *end;
	errno = 0;
	unsigned long long sec = strtoull(num, &end, 10);
	if (errno || end == num || num[0] == '-')
		return -EINVAL;
	uint64_t frac = 0;
	int digits = 0;
	if (*end == '.')
		for (end++; *end >= '0' && *end <= '9'; end++)
			if (digits < 6) {
				frac = frac * 10 + (uint64_t)(*end - '0');
				digits++;
			}
	if (*end)
		return -EINVAL;
	for (; digits < 6; digits++)
		frac *= 10;
	*us = (uint64_t)sec * 1000000u + frac;
	return 0;
}

struct event_line {
	struct app_event ev;
	bool is_app;
	bool is_counters;
};

static int parse_count(const char *num, uint64_t *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(num, &end, 10);
	if (errno || *end || num[0] == '-')
		return -EINVAL;
	*v = x;
	return 0;
}

static int event_member(void *arg, const char *key, char **str, const char *num)
{
	struct event_line *l = arg;
	if (*str && !strcmp(key, "event")) {
		l->is_app = !strcmp(*str, "app");
		l->is_counters = !strcmp(*str, "counters");
	} else if (*str && !strcmp(key, "what"))
		snprintf(l->ev.what, sizeof(l->ev.what), "%s", *str);
	else if (*str && !strcmp(key, "hash"))
		snprintf(l->ev.hash, sizeof(l->ev.hash), "%s", *str);
	else if (num && !strcmp(key, "bytes")) {
		if (parse_count(num, &l->ev.bytes))
			return -EINVAL;
		l->ev.has_bytes = true;
	} else if (num && !strcmp(key, "t")) {
		/* an event without a usable time is still an event: it has none (0) */
		if (parse_time_us(num, &l->ev.t_us))
			l->ev.t_us = 0;
	} else if (num && !strcmp(key, "status")) {
		char *end;
		long s = strtol(num, &end, 10);
		l->ev.has_status = !*end && s >= 0 && s <= 255;
		l->ev.status = l->ev.has_status ? (int)s : 0;
	}
	return 0;
}

/* A "counters" record, read again: every whole number but "t" and "rel" is a counter. */
static int counter_member(void *arg, const char *key, char **str, const char *num)
{
	(void)str;
	uint64_t v;
	if (!num || !strcmp(key, "t") || !strcmp(key, "rel") || parse_count(num, &v))
		return 0;
	return app_record_add_counter(arg, key, v);
}

int app_events_read_jsonl(struct app_record *a, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	char *line = NULL;
	size_t cap = 0;
	int r = 0;
	while (!r && getline(&line, &cap, f) >= 0) {
		struct event_line l;
		memset(&l, 0, sizeof(l));
		int pr = trace_json_object_parse(line, event_member, &l);
		if (pr == -ENOMEM)
			r = pr;
		else if (pr == 0 && l.is_app)
			r = app_record_add_event(a, &l.ev);
		else if (pr == 0 && l.is_counters) {
			a->has_counters = true;
			r = trace_json_object_parse(line, counter_member, a);
		}
	}
	free(line);
	fclose(f);
	return r;
}

int run_record_daemon_lateness(struct lateness *l, const char *trace_path)
{
	struct trace_record *recs;
	size_t n;
	int r = trace_read_jsonl(trace_path, &recs, &n);
	if (r)
		return r;
	l->daemon_n = 0;
	l->daemon_max_us = 0;
	for (size_t i = 0; i < n; i++) {
		if (recs[i].kind != TRACE_RELEASED)
			continue;
		uint64_t late =
		    recs[i].held_us > recs[i].delay_us ? recs[i].held_us - recs[i].delay_us : 0;
		l->daemon_n++;
		if (late > l->daemon_max_us)
			l->daemon_max_us = late > UINT32_MAX ? UINT32_MAX : (uint32_t)late;
	}
	trace_records_free(recs, n);
	return 0;
}

void run_record_free(struct run_record *r)
{
	observed_free(&r->trace);
	for (int k = 0; k < 2; k++) {
		free(r->app[k].events);
		free(r->app[k].counters);
	}
	memset(r, 0, sizeof(*r));
}
