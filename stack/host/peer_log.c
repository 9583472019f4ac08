/* peer_log.c: text and JSON Lines logs of synfin-peer. */
#include "peer_log.h"

#include <errno.h>
#include <string.h>

int peer_log_open(struct peer_log *log, bool text, const char *jsonl_path)
{
	memset(log, 0, sizeof(*log));
	log->text = text ? stderr : NULL;
	if (jsonl_path) {
		log->jsonl = fopen(jsonl_path, "w");
		if (log->jsonl == NULL)
			return -errno;
		/* Tests read the file while the program runs: one whole line per event. */
		setvbuf(log->jsonl, NULL, _IOLBF, 0);
	}
	return 0;
}

void peer_log_start(struct peer_log *log, const struct event_loop *loop)
{
	log->loop = loop;
	log->start_ns = event_loop_now(loop);
}

void peer_log_close(struct peer_log *log)
{
	if (log->jsonl)
		fclose(log->jsonl);
	log->jsonl = NULL;
}

double peer_log_elapsed(const struct peer_log *log)
{
	if (log->loop == NULL)
		return 0;
	return (double)(event_loop_now(log->loop) - log->start_ns) / 1e9;
}

static double wall(const struct peer_log *log)
{
	if (log->loop == NULL)
		return 0;
	return (double)event_loop_wall_time(log->loop, event_loop_now(log->loop)) / 1e9;
}

static void json_head(struct peer_log *log, const char *event)
{
	fprintf(log->jsonl, "{\"t\":%.6f,\"rel\":%.6f,\"event\":\"%s\"", wall(log),
	        peer_log_elapsed(log), event);
}

static void text_prefix(struct peer_log *log, int sock)
{
	if (sock > 0)
		fprintf(log->text, "%.6f [%d] ", peer_log_elapsed(log), sock);
	else
		fprintf(log->text, "%.6f ", peer_log_elapsed(log));
}

void peer_log_state(struct peer_log *log, int sock, const char *from, const char *to)
{
	if (log->text) {
		text_prefix(log, sock);
		fprintf(log->text, "%s -> %s\n", from, to);
	}
	if (log->jsonl) {
		json_head(log, "state");
		fprintf(log->jsonl, ",\"sock\":%d,\"from\":\"%s\",\"to\":\"%s\"}\n", sock, from,
		        to);
	}
}

void peer_log_app(struct peer_log *log, int sock, const char *what, const char *text,
                  const char *json)
{
	if (log->text) {
		text_prefix(log, sock);
		fprintf(log->text, "%s%s%s\n", what, text ? " " : "", text ? text : "");
	}
	if (log->jsonl) {
		json_head(log, "app");
		if (sock > 0)
			fprintf(log->jsonl, ",\"sock\":%d", sock);
		fprintf(log->jsonl, ",\"what\":\"%s\"%s}\n", what, json ? json : "");
	}
}

void peer_log_json(struct peer_log *log, const char *event, const char *body)
{
	if (log->jsonl == NULL)
		return;
	json_head(log, event);
	fprintf(log->jsonl, "%s}\n", body);
}
