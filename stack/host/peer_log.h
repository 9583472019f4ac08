/* peer_log.h: what synfin-peer reports as it runs: state transitions and application events,
 * as text on stderr ("1.000456 [3] SYN-SENT -> ESTABLISHED", seconds since the start and the
 * socket handle) and optionally as JSON Lines, where "t" is the wall-clock time in seconds
 * since the epoch (as in synfin-faultd's and synfin-kpeer's JSON) and "rel" the seconds since
 * the start:
 *   {"t":1795000000.123456,"rel":1.000456,"event":"state","sock":3,"from":"SYN-SENT","to":"ESTABLISHED"}
 */
#ifndef SYNFIN_PEER_LOG_H
#define SYNFIN_PEER_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/event_loop.h"

struct peer_log {
	FILE *text;  /* NULL: no text log */
	FILE *jsonl; /* NULL: no JSON Lines */
	const struct event_loop *loop;
	uint64_t start_ns;
};

/* Opens path for JSON Lines when not NULL; 0 or a negative errno. */
int peer_log_open(struct peer_log *log, bool text, const char *jsonl_path);
/* Times are taken from loop, counted from now. */
void peer_log_start(struct peer_log *log, const struct event_loop *loop);
void peer_log_close(struct peer_log *log);

/* Seconds since peer_log_start. */
double peer_log_elapsed(const struct peer_log *log);

void peer_log_state(struct peer_log *log, int sock, const char *from, const char *to);

/* An application event. text: the words after the event name in the text log (may be NULL);
 * json: extra members for the JSON object, each starting with a comma, e.g.
 * ",\"bytes\":10,\"hash\":\"...\"" (may be NULL). sock 0: not about one connection. */
void peer_log_app(struct peer_log *log, int sock, const char *what, const char *text,
                  const char *json);

/* A JSON object of the caller's own event kind: body holds its members after "event". */
void peer_log_json(struct peer_log *log, const char *event, const char *body);

#endif
