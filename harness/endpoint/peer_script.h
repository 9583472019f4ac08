/* peer_script.h: the behaviour script of a test endpoint's application, shared by synfin-kpeer
 * (Linux's TCP) and synfin-peer (synfin's stack), so a scenario reads the same for both:
 *
 *   "connect; send 10M; shutdown-write; read-eof; close"
 *   "accept; read-eof; sleep 300ms; close"
 *
 * Pure parsing; the programs carry the steps out.
 */
#ifndef SYNFIN_PEER_SCRIPT_H
#define SYNFIN_PEER_SCRIPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "peer_hash.h"

enum peer_op {
	PEER_CONNECT,        /* active open */
	PEER_ACCEPT,         /* wait for a connection on the listening port */
	PEER_SEND,           /* send count bytes of a fixed pattern */
	PEER_SEND_TEXT,      /* send text */
	PEER_SHUTDOWN_WRITE, /* half-close: our FIN, still reading */
	PEER_READ_EOF,       /* read until the peer's FIN */
	PEER_READ,           /* read exactly count bytes */
	PEER_SLEEP,          /* do nothing for duration_us */
	PEER_CLOSE,          /* close at once (RST if unread data is left) */
	PEER_ABORT,          /* close with RST */
	PEER_ECHO,           /* write back what is read, until EOF */
	PEER_DISCARD,        /* read and drop until EOF */
	/* switch keep-alive on (RFC 9293 3.8.4, RFC 1122 4.2.3.6): the first probe duration_us
	 * after the peer's last segment, then one every interval_us; count unanswered ones end
	 * the connection (Linux TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT) */
	PEER_KEEPALIVE,
};

struct peer_step {
	enum peer_op op;
	uint64_t count;
	uint64_t duration_us;
	uint64_t interval_us; /* keepalive: between probes */
	char *text;
};

/* Linux's bounds of TCP_KEEPCNT (MAX_TCP_KEEPCNT) and of TCP_KEEPIDLE, TCP_KEEPINTVL in seconds
 * (MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL): the parser takes no value any endpoint would refuse. */
#define PEER_KEEPALIVE_MAX_COUNT 127
#define PEER_KEEPALIVE_MAX_SECONDS 32767

struct peer_script {
	struct peer_step *steps;
	size_t n_steps;
};

/* Returns 0, or -EINVAL with a message in err naming the bad step and the fix. */
int peer_script_parse(struct peer_script *ps, const char *text, char *err, size_t err_size);
void peer_script_free(struct peer_script *ps);
const char *peer_step_name(enum peer_op op);
/* For an endpoint that counts keep-alive times in whole seconds (Linux's TCP_KEEPIDLE and
 * TCP_KEEPINTVL take seconds): 0, or -EINVAL with a message naming the step and the fix. */
int peer_script_check_whole_seconds(const struct peer_script *ps, const char *who, char *err,
                                    size_t err_size);
void peer_script_usage(FILE *out);

/* Exit statuses of every endpoint program, so a scenario's `exit` line means the same for
 * either: the errno that ended the first failed connection, or a usage error (EX_USAGE). */
enum peer_exit {
	PEER_EXIT_OK = 0,
	PEER_EXIT_OTHER = 1,
	PEER_EXIT_TIMEDOUT = 3, /* ETIMEDOUT */
	PEER_EXIT_REFUSED = 4,  /* ECONNREFUSED */
	PEER_EXIT_RESET = 5,    /* ECONNRESET */
	/* synfin-peer only: SIGINT/SIGTERM stopped a running script (synfin-kpeer dies of the
	 * signal instead) */
	PEER_EXIT_INTERRUPTED = 6,
	/* ECONNABORTED: lwIP's socket API says so where its retransmissions ran out (tcp_slowtmr
	 * aborts the connection with ERR_ABRT), where Linux says ETIMEDOUT */
	PEER_EXIT_ABORTED = 7,
	PEER_EXIT_USAGE = 64,
};

/* The bytes `send N` sends: byte i of the stream is this, so a reader can check order. */
static inline uint8_t peer_script_pattern_byte(uint64_t i)
{
	return (uint8_t)(i % 251);
}

/* Bytes off..off+len-1 of the pattern into buf: the pattern repeats every 251 bytes, so one
 * period is computed and the rest copied, in blocks that double (a division per byte cost a
 * bulk sender a third of its application time). */
static inline void peer_script_pattern_fill(uint8_t *buf, size_t len, uint64_t off)
{
	size_t done = len < 251 ? len : 251;
	for (size_t i = 0; i < done; i++)
		buf[i] = peer_script_pattern_byte(off + i);
	while (done < len) {
		size_t n = len - done < done ? len - done : done;
		memcpy(buf + done, buf, n);
		done += n;
	}
}

/* The hash (peer_hash.h) of the pattern's first n bytes: what a reader of `send N` prints. */
static inline uint64_t peer_script_pattern_hash(uint64_t n)
{
	struct peer_hash h;
	uint8_t buf[251 * 16];
	peer_hash_init(&h);
	for (uint64_t off = 0; off < n;) {
		size_t k = n - off < sizeof(buf) ? (size_t)(n - off) : sizeof(buf);
		peer_script_pattern_fill(buf, k, off);
		peer_hash_update(&h, buf, k);
		off += k;
	}
	return peer_hash_value(&h);
}

#endif
