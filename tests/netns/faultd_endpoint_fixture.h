/* faultd_endpoint_fixture.h: the Linux endpoints of the synfin-faultd namespace suites split from
 * one subject (test_faultd.c, test_faultd_signals.c, test_faultd_trace.c): a client and a server,
 * each a forked child that entered its namespace with setns() and reports what it saw through a
 * pipe, the daemon started with the suites' usual outputs, and the daemon's JSON Lines trace read
 * back. Times that cross processes are CLOCK_REALTIME microseconds, the clock of the trace.
 */
#ifndef SYNFIN_FAULTD_ENDPOINT_FIXTURE_H
#define SYNFIN_FAULTD_ENDPOINT_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "trace/trace_read.h"

#define CLIENT_ADDR "192.168.1.108"
#define SERVER_ADDR "192.168.1.109"
#define SERVER_PORT 5001

struct endpoint_result {
	int err;           /* 0 or the errno of the failing call */
	uint64_t start_us; /* connect() called / close() called */
	uint64_t done_us;  /* connect() returned / data received */
	uint64_t eof_us;   /* read() returned 0 */
	long bytes;
	char data[64];
};

enum server_mode {
	SERVER_CLOSE_AT_ONCE, /* accept, close: start_us is the close */
	SERVER_READ,          /* accept, wait for data: done_us, bytes, data */
	SERVER_RESPOND,       /* accept, read a request, answer, close */
	SERVER_HALF_CLOSE,    /* accept, shutdown(SHUT_WR) (start_us), read to EOF, close */
};

enum client_mode {
	CLIENT_CONNECT,       /* connect and close */
	CLIENT_READ_TO_EOF,   /* connect, read until the server's FIN */
	CLIENT_SEND_AND_WAIT, /* connect, send "hello", stay connected */
	CLIENT_REQUEST,       /* connect, send a request, read the answer to EOF, close */
	CLIENT_BURST_TO_EOF,  /* connect, wait 100 ms, send 100 small segments, read to EOF */
	CLIENT_STREAM,        /* connect, send 64 KiB writes until killed or refused */
};

struct endpoint {
	pid_t pid;
	int fd; /* read end of the result pipe */
};

/* The last line of the daemon's standard error (its exit summary) that fmt's two numbers parse
 * from, into a and b; false when there is none. */
bool summary_count(const char *fmt, unsigned long *a, unsigned long *b);

/* A Linux server in the server namespace, listening when this returns. */
struct endpoint start_server(enum server_mode mode);
/* A Linux client in the client namespace, connecting to SERVER_ADDR:SERVER_PORT. */
struct endpoint start_client(enum client_mode mode);
/* What the endpoint reported; fails the test when it reported nothing within timeout_ms. */
struct endpoint_result endpoint_result(struct endpoint ep, unsigned timeout_ms);

struct trace {
	struct trace_record *r;
	size_t n;
};

/* The daemon's JSON Lines trace of the test (topo.jsonl). */
struct trace trace_load(void);
/* A SYN without other flags from the client, as the daemon saw it. */
bool is_syn_from_client(const struct trace_record *r);
/* Any record of a FIN from the server. */
bool is_fin_from_server(const struct trace_record *r);

#endif
