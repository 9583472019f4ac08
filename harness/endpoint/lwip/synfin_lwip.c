/* synfin-lwip: one endpoint on lwIP (Debian's liblwip) on a tap device, driven by the same
 * behaviour script as synfin-kpeer and synfin-peer, logging the same events and exiting with the
 * same statuses, so a scenario reads the same for any of them.
 *
 *   synfin-lwip client --local 192.168.1.108 --connect 192.168.1.109:80 "connect; close"
 *   synfin-lwip server --local 192.168.1.109 --listen 80 "accept; read-eof; close"
 *
 * lwIP runs inside this process (its tcpip thread, the script on the main thread through lwIP's
 * socket API), so the process stays until lwIP's connections are closed (lwip_host_drain).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lwip/api.h>
#include <lwip/priv/sockets_priv.h>
#include <lwip/sockets.h>
#include <lwip/tcp.h>
#include <lwip/tcpip.h>

#include "common/duration.h"
#include "common/topology.h"
#include "endpoint/kpeer_options.h"
#include "endpoint/peer_script.h"
#include "lwip_host.h"

/* How long the process waits, after its script, for lwIP to finish its connections. */
#define LWIP_DRAIN_MAX_MS 120000u

struct lwpeer {
	const char *role;
	struct sockaddr_in peer;
	struct sockaddr_in local;
	int listen_fd;
	int fd;
	FILE *jsonl;
	bool quiet;
	double t0;
	uint64_t rx_bytes, tx_bytes;
	uint64_t rx_hash;
};

static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One application event: a text line on stderr and, with --jsonl, a JSON object whose members
 * beyond t/event/role/what come from members_fmt (without braces), as synfin-kpeer writes them. */
static void log_event(struct lwpeer *p, const char *what, const char *text, const char *members_fmt,
                      ...)
{
	char members[256] = "";
	if (members_fmt) {
		va_list ap;
		va_start(ap, members_fmt);
		members[0] = ',';
		vsnprintf(members + 1, sizeof(members) - 1, members_fmt, ap);
		va_end(ap);
	}
	double t = wall_s();
	if (!p->quiet)
		fprintf(stderr, "%10.6f %s %s%s%s\n", t - p->t0, p->role, what, text ? " " : "",
		        text ? text : "");
	if (!p->jsonl)
		return;
	fprintf(p->jsonl, "{\"t\":%.6f,\"event\":\"app\",\"role\":\"%s\",\"what\":\"%s\"%s}\n", t,
	        p->role, what, members);
	fflush(p->jsonl);
}

static const struct {
	int err;
	const char *name;
	int status;
} outcomes[] = {
    {ETIMEDOUT, "ETIMEDOUT", PEER_EXIT_TIMEDOUT},
    {ECONNREFUSED, "ECONNREFUSED", PEER_EXIT_REFUSED},
    {ECONNRESET, "ECONNRESET", PEER_EXIT_RESET},
    {EPIPE, "EPIPE", PEER_EXIT_RESET},
    {ECONNABORTED, "ECONNABORTED", PEER_EXIT_ABORTED},
    {EHOSTUNREACH, "EHOSTUNREACH", PEER_EXIT_OTHER},
    {ENETUNREACH, "ENETUNREACH", PEER_EXIT_OTHER},
};

static int step_failed(struct lwpeer *p, const char *step, int err)
{
	const char *name = "EOTHER";
	int status = PEER_EXIT_OTHER;
	for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++) {
		if (outcomes[i].err == err) {
			name = outcomes[i].name;
			status = outcomes[i].status;
		}
	}
	char text[128];
	snprintf(text, sizeof(text), "%s: %s (%s)", step, name, strerror(err));
	log_event(p, "error", text, "\"step\":\"%s\",\"error\":\"%s\"", step, name);
	return status;
}

static const char *addr_text(const struct sockaddr_in *sa, char *buf, size_t size)
{
	char host[INET_ADDRSTRLEN];
	lwip_inet_ntop(AF_INET, &sa->sin_addr, host, sizeof(host));
	snprintf(buf, size, "%s:%u", host, lwip_ntohs(sa->sin_port));
	return buf;
}

static int step_connect(struct lwpeer *p)
{
	char to[64];
	p->fd = lwip_socket(AF_INET, SOCK_STREAM, 0);
	if (p->fd < 0)
		return step_failed(p, "socket", errno);
	int one = 1;
	if (p->local.sin_port != 0 &&
	    lwip_setsockopt(p->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return step_failed(p, "setsockopt", errno);
	if (lwip_bind(p->fd, (struct sockaddr *)&p->local, sizeof(p->local)) < 0)
		return step_failed(p, "bind", errno);
	addr_text(&p->peer, to, sizeof(to));
	log_event(p, "connecting", to, "\"to\":\"%s\"", to);
	if (lwip_connect(p->fd, (struct sockaddr *)&p->peer, sizeof(p->peer)) < 0)
		return step_failed(p, "connect", errno);
	log_event(p, "connected", NULL, NULL);
	return PEER_EXIT_OK;
}

static int step_accept(struct lwpeer *p)
{
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	char text[64];
	p->fd = lwip_accept(p->listen_fd, (struct sockaddr *)&from, &len);
	if (p->fd < 0)
		return step_failed(p, "accept", errno);
	addr_text(&from, text, sizeof(text));
	log_event(p, "accepted", text, "\"from\":\"%s\"", text);
	return PEER_EXIT_OK;
}

/* Sends n bytes: text when given, else the next n bytes of the pattern stream. */
static int step_send(struct lwpeer *p, const char *text, uint64_t n)
{
	uint8_t buf[8192];
	for (uint64_t done = 0; done < n;) {
		size_t chunk = n - done < sizeof(buf) ? (size_t)(n - done) : sizeof(buf);
		for (size_t i = 0; i < chunk; i++)
			buf[i] = text ? (uint8_t)text[done + i]
			              : peer_script_pattern_byte(p->tx_bytes + i);
		ssize_t w = lwip_send(p->fd, buf, chunk, 0);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return step_failed(p, "send", errno);
		p->tx_bytes += (uint64_t)w;
		done += (uint64_t)w;
	}
	char line[64];
	snprintf(line, sizeof(line), "%llu bytes", (unsigned long long)n);
	log_event(p, "sent", line, "\"bytes\":%llu", (unsigned long long)n);
	return PEER_EXIT_OK;
}

/* Reads up to limit bytes (UINT64_MAX: until the peer's FIN); echo sends each piece back. */
static int step_read(struct lwpeer *p, uint64_t limit, bool echo)
{
	uint8_t buf[8192];
	uint64_t got = 0;
	bool eof = false;
	while (got < limit && !eof) {
		size_t want = limit - got < sizeof(buf) ? (size_t)(limit - got) : sizeof(buf);
		ssize_t r = lwip_recv(p->fd, buf, want, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return step_failed(p, "read", errno);
		eof = r == 0;
		p->rx_hash = peer_script_hash(p->rx_hash, buf, (size_t)r);
		p->rx_bytes += (uint64_t)r;
		got += (uint64_t)r;
		if (echo && r > 0 && lwip_send(p->fd, buf, (size_t)r, 0) != r)
			return step_failed(p, "echo", errno ? errno : EIO);
	}
	char line[96];
	snprintf(line, sizeof(line), "%llu bytes, hash %016llx", (unsigned long long)p->rx_bytes,
	         (unsigned long long)p->rx_hash);
	log_event(p, got < limit ? "eof" : "read", line, "\"bytes\":%llu,\"hash\":\"%016llx\"",
	          (unsigned long long)p->rx_bytes, (unsigned long long)p->rx_hash);
	return PEER_EXIT_OK;
}

/* RST at once (RFC 9293 3.10.5 ABORT). lwIP's SO_LINGER 0 resets only while data is unsent,
 * so the connection's pcb is aborted directly; err_tcp detaches it from the netconn. */
static void abort_connection(int fd)
{
	LOCK_TCPIP_CORE();
	struct lwip_sock *sock = lwip_socket_dbg_get_socket(fd);
	if (sock && sock->conn && NETCONNTYPE_GROUP(sock->conn->type) == NETCONN_TCP &&
	    sock->conn->pcb.tcp)
		tcp_abort(sock->conn->pcb.tcp);
	UNLOCK_TCPIP_CORE();
	lwip_close(fd);
}

static int op_connect(struct lwpeer *p, const struct peer_step *s)
{
	(void)s;
	return step_connect(p);
}

static int op_accept(struct lwpeer *p, const struct peer_step *s)
{
	(void)s;
	return step_accept(p);
}

static int op_send(struct lwpeer *p, const struct peer_step *s)
{
	if (s->op == PEER_SEND_TEXT)
		return step_send(p, s->text, strlen(s->text));
	return step_send(p, NULL, s->count);
}

static int op_read(struct lwpeer *p, const struct peer_step *s)
{
	return step_read(p, s->op == PEER_READ ? s->count : UINT64_MAX, s->op == PEER_ECHO);
}

static int op_shutdown_write(struct lwpeer *p, const struct peer_step *s)
{
	(void)s;
	if (lwip_shutdown(p->fd, SHUT_WR) < 0)
		return step_failed(p, "shutdown-write", errno);
	log_event(p, "shutdown-write", NULL, NULL);
	return PEER_EXIT_OK;
}

static int op_sleep(struct lwpeer *p, const struct peer_step *s)
{
	(void)p;
	struct timespec left = {(time_t)(s->duration_us / 1000000),
	                        (long)(s->duration_us % 1000000) * 1000};
	while (nanosleep(&left, &left) < 0 && errno == EINTR)
		;
	return PEER_EXIT_OK;
}

/* close: lwIP's tcp_close sends RST instead of FIN when received data is unread. */
static int op_close(struct lwpeer *p, const struct peer_step *s)
{
	bool abort = s->op == PEER_ABORT;
	if (abort)
		abort_connection(p->fd);
	else
		lwip_close(p->fd);
	p->fd = -1;
	log_event(p, abort ? "aborted" : "closed", NULL, NULL);
	return PEER_EXIT_OK;
}

static const struct {
	int (*run)(struct lwpeer *p, const struct peer_step *s);
	bool needs_connection;
} step_ops[] = {
    [PEER_CONNECT] = {op_connect, false},
    [PEER_ACCEPT] = {op_accept, false},
    [PEER_SEND] = {op_send, true},
    [PEER_SEND_TEXT] = {op_send, true},
    [PEER_SHUTDOWN_WRITE] = {op_shutdown_write, true},
    [PEER_READ_EOF] = {op_read, true},
    [PEER_READ] = {op_read, true},
    [PEER_SLEEP] = {op_sleep, false},
    [PEER_CLOSE] = {op_close, true},
    [PEER_ABORT] = {op_close, true},
    [PEER_ECHO] = {op_read, true},
    [PEER_DISCARD] = {op_read, true},
};

static int run_step(struct lwpeer *p, const struct peer_step *s)
{
	if ((size_t)s->op >= sizeof(step_ops) / sizeof(step_ops[0]) || !step_ops[s->op].run)
		return PEER_EXIT_OTHER;
	if (step_ops[s->op].needs_connection && p->fd < 0) {
		fprintf(stderr,
		        "synfin-lwip: step '%s' needs a connection: start with connect or accept\n",
		        peer_step_name(s->op));
		return PEER_EXIT_USAGE;
	}
	return step_ops[s->op].run(p, s);
}

static void usage(FILE *out)
{
	fputs(
	    "usage: synfin-lwip client --connect ADDR:PORT [--tap DEV] [--linger DURATION]\n"
	    "                          [options] [SCRIPT]\n"
	    "       synfin-lwip server --listen PORT [--tap DEV] [--linger DURATION] [options]\n"
	    "                          [SCRIPT]\n"
	    "\n"
	    "One TCP endpoint on lwIP (Debian's liblwip) attached to the tap device DEV (default\n"
	    "tap0) of an endpoint namespace (synfin-netns up RUN --client tap|--server tap). lwIP\n"
	    "owns --local ADDR (default: the role's topology address) and answers ARP for it.\n"
	    "It prints the TCP settings fixed when the library was built, then runs SCRIPT, then\n"
	    "stays until lwIP has finished its connections (at most 120 s; TIME-WAIT excepted),\n"
	    "and at least --linger DURATION after the script (TIME-WAIT lives in this process).\n"
	    "The other options, the script and the events are synfin-kpeer's:\n\n",
	    out);
	fputs("exit status: 0 success, 3 ETIMEDOUT, 4 ECONNREFUSED, 5 ECONNRESET (or EPIPE),\n"
	      "             7 ECONNABORTED (lwIP's retransmissions ran out), 1 other error,\n"
	      "             64 usage error\n\n",
	      out);
}

/* Takes synfin-lwip's own options out of argv (synfin-kpeer's parser reads the rest): --tap DEV,
 * and --linger DURATION, how long to stay after the script, e.g. to answer in TIME-WAIT, which
 * lwIP keeps in this process. */
static int take_own_options(int *argc, char **argv, const char **dev, uint64_t *linger_us)
{
	for (int i = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			usage(stdout);
		bool tap = !strcmp(argv[i], "--tap"), linger = !strcmp(argv[i], "--linger");
		if (!tap && !linger)
			continue;
		if (i + 1 >= *argc) {
			fprintf(stderr, "synfin-lwip: %s needs a value, e.g. %s\n", argv[i],
			        tap ? "--tap tap0" : "--linger 62s");
			return PEER_EXIT_USAGE;
		}
		const char *v = argv[i + 1];
		if (tap)
			*dev = v;
		else if (duration_parse_us(v, strlen(v), 24 * 3600 * UINT64_C(1000000),
		                           linger_us)) {
			fprintf(stderr, "synfin-lwip: --linger '%s': not a duration (e.g. 62s)\n",
			        v);
			return PEER_EXIT_USAGE;
		}
		memmove(&argv[i], &argv[i + 2], (size_t)(*argc - i - 2 + 1) * sizeof(char *));
		*argc -= 2;
		i--;
	}
	return -1;
}

static int run_script(struct lwpeer *p, const struct kpeer_options *opt,
                      const struct peer_script *script)
{
	if (!opt->is_client) {
		int one = 1;
		struct sockaddr_in at = p->local;
		at.sin_port = lwip_htons((uint16_t)opt->listen_port);
		p->listen_fd = lwip_socket(AF_INET, SOCK_STREAM, 0);
		if (p->listen_fd < 0 ||
		    lwip_setsockopt(p->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) <
		        0 ||
		    lwip_bind(p->listen_fd, (struct sockaddr *)&at, sizeof(at)) < 0 ||
		    lwip_listen(p->listen_fd, 16) < 0)
			return step_failed(p, "listen", errno);
		log_event(p, "listening", NULL, "\"port\":%lu", opt->listen_port);
	}
	int status = PEER_EXIT_OK;
	for (unsigned long c = 0; c < (opt->is_client ? 1 : opt->conns) && status == PEER_EXIT_OK;
	     c++) {
		p->rx_bytes = p->tx_bytes = 0;
		p->rx_hash = PEER_HASH_INIT;
		for (size_t s = 0; s < script->n_steps && status == PEER_EXIT_OK; s++)
			status = run_step(p, &script->steps[s]);
		if (p->fd >= 0)
			lwip_close(p->fd);
		p->fd = -1;
	}
	if (p->listen_fd >= 0)
		lwip_close(p->listen_fd);
	return status;
}

int main(int argc, char **argv)
{
	const char *dev = "tap0";
	uint64_t linger_us = 0;
	struct kpeer_options opt;
	int rc = take_own_options(&argc, argv, &dev, &linger_us);
	if (rc < 0)
		rc = kpeer_parse_options(argc, argv, &opt);
	if (rc >= 0)
		return rc;
	struct lwpeer p = {.role = opt.role,
	                   .peer = opt.peer,
	                   .local = opt.local,
	                   .listen_fd = -1,
	                   .fd = -1,
	                   .jsonl = opt.jsonl,
	                   .quiet = opt.quiet};
	if (p.local.sin_addr.s_addr == lwip_htonl(INADDR_ANY))
		lwip_inet_pton(AF_INET, opt.is_client ? TOPOLOGY_CLIENT_ADDR : TOPOLOGY_SERVER_ADDR,
		               &p.local.sin_addr);
	struct peer_script script;
	char err[256];
	if (peer_script_parse(&script, opt.script_text, err, sizeof(err)) < 0) {
		fprintf(stderr, "synfin-lwip: script: %s\n", err);
		return PEER_EXIT_USAGE;
	}
	lwip_host_print_settings(stderr);
	if (lwip_host_start(dev, p.local.sin_addr.s_addr) < 0)
		return PEER_EXIT_OTHER;
	p.t0 = wall_s();
	int status = run_script(&p, &opt, &script);
	peer_script_free(&script);
	double script_end = wall_s();
	if (lwip_host_drain(LWIP_DRAIN_MAX_MS) < 0)
		fprintf(stderr, "synfin-lwip: lwIP still had connections after %u ms\n",
		        LWIP_DRAIN_MAX_MS);
	double left = (double)linger_us / 1e6 - (wall_s() - script_end);
	if (left > 0) {
		struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	log_event(&p, "exit", NULL, "\"status\":%d", status);
	if (p.jsonl)
		fclose(p.jsonl);
	return status;
}
