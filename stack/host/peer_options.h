/* peer_options.h: synfin-peer's command line. */
#ifndef SYNFIN_PEER_OPTIONS_H
#define SYNFIN_PEER_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "stack.h"

struct peer_options {
	bool server;                   /* the mode: server, or client */
	const char *mode;              /* "client" or "server", as given */
	const char *local;             /* --local as given, or the mode's default address */
	uint32_t local_addr;           /* --local's IPv4 address (the mode's default when --local is
	                                  IPv6), host byte order */
	const char *local6;            /* --local6 as given, NULL when absent */
	struct stack_addr local_addr6; /* the stack's IPv6 address; none without one */
	const char *connect_to;        /* (client) --connect as given, or the default server */
	struct stack_addr remote_addr; /* (client) --connect's address, either family */
	uint16_t remote_port;          /* (client) --connect's port */
	uint16_t sport;                /* (client) --sport; 0: an ephemeral port */
	uint16_t listen_port;          /* (server) --listen */
	unsigned max_conns;            /* (server) --max-conns; 0: until a signal */
	int backlog;                   /* (server) --backlog */
	const char *script_text;       /* the SCRIPT argument, NULL when absent */
	const char *script_file;       /* --script-file, NULL when absent */
	const char *dev_name;          /* --dev */
	bool no_tun_gso;               /* --no-tun-gso: one device write per segment */
	struct stack_tunables tun;     /* the defaults with every --set applied */
	bool nodelay;
	double time_scale;
	uint64_t linger_us;
	bool seed_given;
	uint64_t seed;
	const char *jsonl_path; /* NULL: no JSON Lines */
	bool quiet;
};

/* Fills opt from the command line. Returns -1 when the peer should run, otherwise the exit
 * status: after --help, or a bad command line (the message is printed). */
int peer_parse_options(int argc, char **argv, struct peer_options *opt);

/* Prints "synfin-peer: " fmt (one %s: arg) and the pointer to --help on stderr; returns the exit
 * status of a usage error. For what only running finds wrong with the command line (the script). */
int peer_usage_error(const char *fmt, const char *arg);

#endif
