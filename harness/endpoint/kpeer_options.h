/* kpeer_options.h: synfin-kpeer's command line. */
#ifndef SYNFIN_KPEER_OPTIONS_H
#define SYNFIN_KPEER_OPTIONS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A socket address of either family, as bind, connect and accept take it. */
struct kpeer_addr {
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} u;
	socklen_t len;
};

/* "192.168.1.109:80" or "[fd00::109]:80" into a. Returns 0 or -EINVAL. */
int kpeer_addr_parse(const char *text, struct kpeer_addr *a);
/* The address alone ("fd00::109", "192.168.1.109") into a with port, or -EINVAL. */
int kpeer_host_parse(const char *host, unsigned port, struct kpeer_addr *a);
/* a as parsed: "192.168.1.109:80", "[fd00::109]:80". */
void kpeer_addr_text(const struct kpeer_addr *a, char *buf, size_t size);
/* Whether a is the wildcard of its family with port 0: nothing to bind. */
bool kpeer_addr_is_any(const struct kpeer_addr *a);
void kpeer_addr_set_port(struct kpeer_addr *a, unsigned port);
unsigned kpeer_addr_port(const struct kpeer_addr *a);

struct kpeer_options {
	const char *role; /* "client" or "server" */
	bool is_client;
	struct kpeer_addr peer;  /* client: where to connect */
	struct kpeer_addr local; /* bind address; a client's port 0 unless --sport */
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
