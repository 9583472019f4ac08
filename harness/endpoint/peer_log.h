/* peer_log.h: what the socket-API endpoint programs (synfin-kpeer on Linux's TCP, synfin-lwip on
 * lwIP's) say as their script runs, in one format: each application event as a text line on
 * stderr and a JSON Lines object (--jsonl), and a failed step as an "error" event naming the
 * errno, whose exit status (peer_script.h) every endpoint program shares. */
#ifndef SYNFIN_PEER_LOG_H
#define SYNFIN_PEER_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct peer_log {
	const char *role; /* "client" or "server" */
	FILE *jsonl;      /* NULL: text only */
	bool quiet;       /* no text lines */
	double t0;        /* the text lines' times count from here (peer_log_now) */
};

/* Wall-clock seconds: the events' "t", comparable across the processes of a run. */
double peer_log_now(void);

/* One application event: "what", a human text (or NULL), and JSON members beyond
 * t/event/role/what from members_fmt (without braces; NULL for none). */
void peer_log_event(const struct peer_log *l, const char *what, const char *text,
                    const char *members_fmt, ...) __attribute__((format(printf, 4, 5)));

/* The "counters" record: {"t":..,"event":"counters","role":..,NAME:VALUE...}, every one of the
 * n counters; the text line lists those that are not 0. */
void peer_log_counters(const struct peer_log *l, const char *const *names,
                       const unsigned long long *values, size_t n);

/* The name an error event gives err (ETIMEDOUT, ECONNABORTED...; EOTHER for the rest). */
const char *peer_errno_name(int err);

/* The exit status for a step that failed with err (PEER_EXIT_*). */
int peer_exit_for(int err);

/* Log a failed step ("STEP: NAME (strerror)") and return its exit status. */
int peer_log_failed(const struct peer_log *l, const char *step, int err);

/* The connect step's events, around the program's own connect call: "connecting" to "ADDR:PORT",
 * then, by its result rc (< 0: failed, errno says why), "connected" or the failure. Returns
 * the step's exit status. */
void peer_log_connecting(const struct peer_log *l, const char *to);
int peer_log_connected(const struct peer_log *l, int rc);

/* The accept step's result: fd < 0 is its failure (errno says why), else "accepted" from
 * "ADDR:PORT". Returns the step's exit status. */
int peer_log_accepted(const struct peer_log *l, int fd, const char *from);

/* "sent" n bytes. Returns PEER_EXIT_OK. */
int peer_log_sent(const struct peer_log *l, uint64_t n);

/* The end of a read: "eof" (the peer's FIN came) or "read" (the bytes asked for), with every
 * byte read so far and their hash. Returns PEER_EXIT_OK. */
int peer_log_read(const struct peer_log *l, bool eof, uint64_t bytes, uint64_t hash);

/* "keepalive" switched on: the first probe idle_us after the peer's last segment, then one
 * every intvl_us, count unanswered ones end the connection. Returns PEER_EXIT_OK. */
int peer_log_keepalive(const struct peer_log *l, uint64_t idle_us, uint64_t intvl_us,
                       uint64_t count);

#endif
