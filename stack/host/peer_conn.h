/* peer_conn.h: one connection of synfin-peer running its behaviour script on a stack socket.
 *
 * A connection advances only from peer_conn_run(), called once per event-loop turn for every
 * connection that stack events (or its sleep timer) marked as kicked; stack events themselves
 * only record facts, so nothing re-enters the stack from inside its event callback. */
#ifndef SYNFIN_PEER_CONN_H
#define SYNFIN_PEER_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "common/chain_hash.h"
#include "common/event_loop.h"
#include "endpoint/peer_script.h"
#include "peer_log.h"
#include "stack.h"
#include "stack_driver.h"

/* Connections kicked since their owner last ran them (newest first); see peer_table.h. */
struct peer_kicks {
	struct peer_conn *head;
};

/* What every connection of one program shares. */
struct peer_env {
	struct event_loop *loop;
	struct stack_driver *drv;
	struct stack *stack;
	struct peer_log *log;
	const struct peer_script *script;
	struct stack_addr remote_addr; /* client: where to connect */
	uint16_t remote_port;
	uint16_t local_port; /* client: source port, 0 for an ephemeral one */
	bool nodelay;
	struct peer_kicks *kicks; /* NULL: the owner polls each connection's `kicked` */
};

struct peer_conn {
	const struct peer_env *env;
	int sock;        /* stack handle, 0 before connect */
	bool has_handle; /* not yet given back by close/abort */
	enum tcp_state state;
	bool connected;
	bool kicked;

	size_t pc; /* current step */
	bool step_started;
	uint64_t step_done; /* bytes of the current step so far */
	long sleep_timer;
	bool sleep_over;
	bool eof_seen;

	int error;        /* first error (negative errno) while the script ran */
	int late_error;   /* an error reported after the socket was given back */
	bool script_over; /* the script ended (last step, or an error) */
	bool finished;    /* and the connection is CLOSED, in TIME-WAIT, or aborted */
	bool short_read;  /* `read N` met EOF first */

	struct peer_hash tx_hash, rx_hash; /* of all bytes sent, received (peer_hash.h) */
	uint64_t tx_bytes, rx_bytes;

	uint8_t *buf; /* outgoing chunk (send) or bytes to echo; freed when the script ends */
	size_t buf_off, buf_len;

	/* peer_table's bookkeeping */
	unsigned long seq; /* creation order */
	struct peer_conn *kick_next;
	struct peer_conn *older, *newer;
	struct chain_link by_sock;
};

/* Scripts are harness/endpoint/peer_script.h's, shared with synfin-kpeer, so both ends send the
 * same pattern and print the same hash. One extension: a PEER_SEND_TEXT step with a nonzero count
 * sends count bytes of text (synfin-peer's send-file loads a file that way, NULs and all).
 *
 * A new connection at its first step (client), or already accepted with handle sock (server:
 * the script's accept step counts as done). NULL on allocation failure. */
struct peer_conn *peer_conn_new(const struct peer_env *env, int sock);
void peer_conn_free(struct peer_conn *c);

/* Run steps until one has to wait. */
void peer_conn_run(struct peer_conn *c);

/* Feed a stack event about this connection's handle. */
void peer_conn_on_event(struct peer_conn *c, const struct stack_event *ev);

/* SIGINT/SIGTERM: RST if the socket is still ours. True when the script was still running. */
bool peer_conn_interrupt(struct peer_conn *c);

/* The script is over, the handle given back and the stack done with the connection (CLOSED:
 * after TIME-WAIT too), so no event will name its handle again. */
bool peer_conn_over(const struct peer_conn *c);

/* Free what only a running script needs. */
void peer_conn_trim(struct peer_conn *c);

/* "192.168.1.109:80" or "[fd00::109]:80" into buf. */
#define PEER_ADDR_PORT_LEN 56
void peer_addr_port(char *buf, size_t size, const struct stack_addr *addr, uint16_t port);

#endif
