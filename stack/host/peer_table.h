/* peer_table.h: the connections of one synfin-peer: found by stack handle through a hash, run
 * when kicked without visiting the others, and freed once over (peer_conn_over), so a server's
 * memory and work per event follow its live connections, not all it has served. */
#ifndef SYNFIN_PEER_TABLE_H
#define SYNFIN_PEER_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/chain_hash.h"
#include "peer_conn.h"

struct peer_table {
	struct chain_hash by_sock;
	struct peer_conn *oldest, *newest; /* live, in creation order */
	size_t live;
	unsigned long made;      /* connections ever added */
	size_t unfinished;       /* live ones not yet `finished` */
	struct peer_kicks kicks; /* the peer_env's kicks point here */
	/* the first error (not 0, not -EINTR) of a freed connection, by creation order */
	int freed_error;
	unsigned long freed_error_seq;
};

int peer_table_init(struct peer_table *t); /* 0 or -ENOMEM */
/* Frees every connection still there. */
void peer_table_free(struct peer_table *t);
/* Take c (made with env->kicks == &t->kicks). Never fails. */
void peer_table_add(struct peer_table *t, struct peer_conn *c);
struct peer_conn *peer_table_find(const struct peer_table *t, int sock);
/* Run every kicked connection once, oldest first, and free those now over. False when none was
 * kicked. Running one may kick others: call again until false. */
bool peer_table_run_kicked(struct peer_table *t);
/* SIGINT/SIGTERM: peer_conn_interrupt every live connection, oldest first. True when a script
 * was still running. */
bool peer_table_interrupt(struct peer_table *t);
/* The error that decides the exit status: the first by creation order that is neither 0 nor
 * -EINTR, of all connections ever added; 0 when none. */
int peer_table_exit_error(const struct peer_table *t);

#endif
