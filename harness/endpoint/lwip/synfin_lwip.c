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
#include "endpoint/peer_log.h"
#include "endpoint/peer_script.h"
#include "lwip_host.h"

/* How long the process waits, after its script, for lwIP to finish its connections. */
#define LWIP_DRAIN_MAX_MS 120000u

struct lwpeer {
	struct peer_log log;
	struct sockaddr_in peer;
	struct sockaddr_in local;
	int listen_fd;
	int fd;
	uint64_t rx_bytes, tx_bytes;
	struct peer_hash rx_hash;
};

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
		return peer_log_failed(&p->log, "socket", errno);
	int one = 1;
	if (p->local.sin_port != 0 &&
	    lwip_setsockopt(p->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return peer_log_failed(&p->log, "setsockopt", errno);
	if (lwip_bind(p->fd, (struct sockaddr *)&p->local, sizeof(p->local)) < 0)
		return peer_log_failed(&p->log, "bind", errno);
	peer_log_connecting(&p->log, addr_text(&p->peer, to, sizeof(to)));
	return peer_log_connected(
	    &p->log, lwip_connect(p->fd, (struct sockaddr *)&p->peer, sizeof(p->peer)));
}

static int step_accept(struct lwpeer *p)
{
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	char text[64] = "";
	p->fd = lwip_accept(p->listen_fd, (struct sockaddr *)&from, &len);
	return peer_log_accepted(&p->log, p->fd,
	                         p->fd >= 0 ? addr_text(&from, text, sizeof(text)) : text);
}

/* Sends n bytes: text when given, else the next n bytes of the pattern stream. */
static int step_send(struct lwpeer *p, const char *text, uint64_t n)
{
	uint8_t buf[8192];
	for (uint64_t done = 0; done < n;) {
		size_t chunk = n - done < sizeof(buf) ? (size_t)(n - done) : sizeof(buf);
		if (text)
			memcpy(buf, text + done, chunk);
		else
			peer_script_pattern_fill(buf, chunk, p->tx_bytes);
		ssize_t w = lwip_send(p->fd, buf, chunk, 0);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return peer_log_failed(&p->log, "send", errno);
		p->tx_bytes += (uint64_t)w;
		done += (uint64_t)w;
	}
	return peer_log_sent(&p->log, n);
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
			return peer_log_failed(&p->log, "read", errno);
		eof = r == 0;
		peer_hash_update(&p->rx_hash, buf, (size_t)r);
		p->rx_bytes += (uint64_t)r;
		got += (uint64_t)r;
		if (echo && r > 0 && lwip_send(p->fd, buf, (size_t)r, 0) != r)
			return peer_log_failed(&p->log, "echo", errno ? errno : EIO);
	}
	return peer_log_read(&p->log, got < limit, p->rx_bytes, peer_hash_value(&p->rx_hash));
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

/* RFC 1122 4.2.3.6 on lwIP: the pcb's own fields, in milliseconds (its socket options take
 * TCP_KEEPINTVL in whole seconds only); tcp_slowtmr probes and gives up in its 500 ms ticks. */
static int op_keepalive(struct lwpeer *p, const struct peer_step *s)
{
#if LWIP_TCP_KEEPALIVE
	bool set = false;
	LOCK_TCPIP_CORE();
	struct lwip_sock *sock = lwip_socket_dbg_get_socket(p->fd);
	if (sock && sock->conn && NETCONNTYPE_GROUP(sock->conn->type) == NETCONN_TCP &&
	    sock->conn->pcb.tcp) {
		struct tcp_pcb *pcb = sock->conn->pcb.tcp;
		pcb->keep_idle = (u32_t)(s->duration_us / 1000);
		pcb->keep_intvl = (u32_t)(s->interval_us / 1000);
		pcb->keep_cnt = (u32_t)s->count;
		ip_set_option(pcb, SOF_KEEPALIVE);
		set = true;
	}
	UNLOCK_TCPIP_CORE();
	if (!set)
		return peer_log_failed(&p->log, "keepalive", ENOTCONN);
	return peer_log_keepalive(&p->log, s->duration_us, s->interval_us, s->count);
#else
	(void)s;
	fprintf(stderr, "synfin-lwip: step 'keepalive': this liblwip was built without "
	                "LWIP_TCP_KEEPALIVE (see the settings above): it cannot set keep-alive "
	                "times\n");
	return PEER_EXIT_USAGE;
#endif
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
		return peer_log_failed(&p->log, "shutdown-write", errno);
	peer_log_event(&p->log, "shutdown-write", NULL, NULL);
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
	peer_log_event(&p->log, abort ? "aborted" : "closed", NULL, NULL);
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
    [PEER_KEEPALIVE] = {op_keepalive, true},
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
			return peer_log_failed(&p->log, "listen", errno);
		peer_log_event(&p->log, "listening", NULL, "\"port\":%lu", opt->listen_port);
	}
	int status = PEER_EXIT_OK;
	for (unsigned long c = 0; c < (opt->is_client ? 1 : opt->conns) && status == PEER_EXIT_OK;
	     c++) {
		p->rx_bytes = p->tx_bytes = 0;
		peer_hash_init(&p->rx_hash);
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
	/* the netif synfin-lwip brings up is IPv4 only (lwip_host.c) */
	if (opt.local.u.sa.sa_family != AF_INET ||
	    (opt.is_client && opt.peer.u.sa.sa_family != AF_INET)) {
		fprintf(stderr, "synfin-lwip: IPv4 addresses only: its lwIP netif has no IPv6\n");
		return PEER_EXIT_USAGE;
	}
	struct lwpeer p = {.log = {.role = opt.role, .jsonl = opt.jsonl, .quiet = opt.quiet},
	                   .peer = opt.peer.u.in,
	                   .local = opt.local.u.in,
	                   .listen_fd = -1,
	                   .fd = -1};
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
	p.log.t0 = peer_log_now();
	int status = run_script(&p, &opt, &script);
	peer_script_free(&script);
	double script_end = peer_log_now();
	if (lwip_host_drain(LWIP_DRAIN_MAX_MS) < 0)
		fprintf(stderr, "synfin-lwip: lwIP still had connections after %u ms\n",
		        LWIP_DRAIN_MAX_MS);
	double left = (double)linger_us / 1e6 - (peer_log_now() - script_end);
	if (left > 0) {
		struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	peer_log_event(&p.log, "exit", NULL, "\"status\":%d", status);
	if (p.log.jsonl)
		fclose(p.log.jsonl);
	return status;
}
