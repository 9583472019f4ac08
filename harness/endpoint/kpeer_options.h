/* kpeer_options.h: synfin-kpeer's command line. */
#ifndef SYNFIN_KPEER_OPTIONS_H
#define SYNFIN_KPEER_OPTIONS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>

struct kpeer_options {
	const char *role; /* "client" or "server" */
	bool is_client;
	struct sockaddr_in peer;  /* client: where to connect */
	struct sockaddr_in local; /* bind address; a client's port 0 unless --sport */
	unsigned long listen_port;
	unsigned long conns; /* server: connections to accept one after another */
	FILE *jsonl;         /* --jsonl, opened while the options are read, as it always was */
	bool quiet;
	const char *script_text; /* the SCRIPT argument, or the role's default */
};

/* Fills opt from the command line. Returns -1 when the endpoint should run, otherwise the exit
 * status: after --help or a bad command line (the message is printed). */
int kpeer_parse_options(int argc, char **argv, struct kpeer_options *opt);

#endif
