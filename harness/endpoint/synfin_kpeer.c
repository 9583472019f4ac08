/* synfin-kpeer: one endpoint on Linux's own TCP (the reference), driven by the same small
 * behaviour script as synfin-peer, so a scenario reads the same for either endpoint.
 *
 *   synfin-kpeer client --connect 192.168.1.109:80 "connect; sleep 500ms; close"
 *   synfin-kpeer server --listen 80 "accept; read-eof; close"
 *
 * Each application event is logged with its time: text on stderr, JSON Lines with --jsonl;
 * at the exit, the namespace's TCP counters over the run (kpeer_netstat.h).
 * The exit status tells the outcomes apart (see usage()).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kpeer_netstat.h"
#include "kpeer_options.h"
#include "peer_log.h"
#include "peer_script.h"

struct kpeer {
	struct peer_log log;
	struct kpeer_addr peer;  /* client: where to connect */
	struct kpeer_addr local; /* bind address (port 0 for a client) */
	int listen_fd;
	int fd;
	uint64_t rx_bytes, tx_bytes;
	struct peer_hash rx_hash; /* over everything read */
};

static int do_connect(struct kpeer *k)
{
	char text[64];
	k->fd = socket(k->peer.u.sa.sa_family, SOCK_STREAM, 0);
	if (k->fd < 0)
		return peer_log_failed(&k->log, "socket", errno);
	int one = 1;
	/* A fixed source port is reused run after run while the last one's TIME-WAIT lives. */
	if (kpeer_addr_port(&k->local) != 0 &&
	    setsockopt(k->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return peer_log_failed(&k->log, "setsockopt", errno);
	if (!kpeer_addr_is_any(&k->local) && bind(k->fd, &k->local.u.sa, k->local.len) < 0)
		return peer_log_failed(&k->log, "bind", errno);
	kpeer_addr_text(&k->peer, text, sizeof(text));
	peer_log_connecting(&k->log, text);
	return peer_log_connected(&k->log, connect(k->fd, &k->peer.u.sa, k->peer.len));
}

static int do_accept(struct kpeer *k)
{
	struct kpeer_addr from = {.len = sizeof(from.u)};
	char text[64] = "";
	k->fd = accept(k->listen_fd, &from.u.sa, &from.len);
	if (k->fd >= 0)
		kpeer_addr_text(&from, text, sizeof(text));
	return peer_log_accepted(&k->log, k->fd, text);
}

static int do_send(struct kpeer *k, const char *data, uint64_t n)
{
	char buf[16384];
	uint64_t left = n;
	while (left > 0) {
		size_t chunk = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		if (data) {
			memcpy(buf, data + (n - left), chunk);
		} else {
			peer_script_pattern_fill((uint8_t *)buf, chunk, k->tx_bytes);
		}
		ssize_t w = send(k->fd, buf, chunk, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return peer_log_failed(&k->log, "send", errno);
		}
		k->tx_bytes += (uint64_t)w;
		left -= (uint64_t)w;
	}
	return peer_log_sent(&k->log, n);
}

/* Read up to limit bytes (UINT64_MAX: to EOF). echo writes everything back. */
static int do_read(struct kpeer *k, uint64_t limit, int echo)
{
	char buf[16384];
	uint64_t got = 0;
	while (got < limit) {
		size_t want = limit - got < sizeof(buf) ? (size_t)(limit - got) : sizeof(buf);
		ssize_t r = recv(k->fd, buf, want, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return peer_log_failed(&k->log, "read", errno);
		}
		if (r == 0)
			break;
		peer_hash_update(&k->rx_hash, buf, (size_t)r);
		k->rx_bytes += (uint64_t)r;
		got += (uint64_t)r;
		if (echo && send(k->fd, buf, (size_t)r, MSG_NOSIGNAL) != r)
			return peer_log_failed(&k->log, "echo", errno ? errno : EIO);
	}
	return peer_log_read(&k->log, limit == UINT64_MAX || got < limit, k->rx_bytes,
	                     peer_hash_value(&k->rx_hash));
}

/* RFC 1122 4.2.3.6 through Linux's socket options; the times are whole seconds, which
 * peer_script_check_whole_seconds made sure of before the script started. */
static int do_keepalive(struct kpeer *k, const struct peer_step *s)
{
	int on = 1, idle = (int)(s->duration_us / 1000000), intvl = (int)(s->interval_us / 1000000),
	    count = (int)s->count;
	if (setsockopt(k->fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) < 0 ||
	    setsockopt(k->fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) < 0 ||
	    setsockopt(k->fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl)) < 0 ||
	    setsockopt(k->fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count)) < 0)
		return peer_log_failed(&k->log, "keepalive", errno);
	return peer_log_keepalive(&k->log, s->duration_us, s->interval_us, s->count);
}

static int run_step(struct kpeer *k, const struct peer_step *s)
{
	if (s->op != PEER_CONNECT && s->op != PEER_ACCEPT && s->op != PEER_SLEEP && k->fd < 0) {
		fprintf(
		    stderr,
		    "synfin-kpeer: step '%s' needs a connection: start with connect or accept\n",
		    peer_step_name(s->op));
		return PEER_EXIT_USAGE;
	}
	switch (s->op) {
	case PEER_CONNECT:
		return do_connect(k);
	case PEER_ACCEPT:
		return do_accept(k);
	case PEER_SEND:
		return do_send(k, NULL, s->count);
	case PEER_SEND_TEXT:
		return do_send(k, s->text, strlen(s->text));
	case PEER_SHUTDOWN_WRITE:
		if (shutdown(k->fd, SHUT_WR) < 0)
			return peer_log_failed(&k->log, "shutdown-write", errno);
		peer_log_event(&k->log, "shutdown-write", NULL, NULL);
		return PEER_EXIT_OK;
	case PEER_READ_EOF:
		return do_read(k, UINT64_MAX, 0);
	case PEER_READ:
		return do_read(k, s->count, 0);
	case PEER_ECHO:
		return do_read(k, UINT64_MAX, 1);
	case PEER_DISCARD:
		return do_read(k, UINT64_MAX, 0);
	case PEER_SLEEP: {
		struct timespec ts = {(time_t)(s->duration_us / 1000000),
		                      (long)(s->duration_us % 1000000) * 1000};
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		return PEER_EXIT_OK;
	}
	case PEER_CLOSE:
		/* Linux sends RST instead of FIN when unread data is left (RFC 2525 2.17). */
		close(k->fd);
		k->fd = -1;
		peer_log_event(&k->log, "closed", NULL, NULL);
		return PEER_EXIT_OK;
	case PEER_ABORT: {
		/* SO_LINGER with a zero timeout makes close() send RST (RFC 9293 3.10.5 ABORT). */
		struct linger lg = {1, 0};
		setsockopt(k->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(k->fd);
		k->fd = -1;
		peer_log_event(&k->log, "aborted", NULL, NULL);
		return PEER_EXIT_OK;
	}
	case PEER_KEEPALIVE:
		return do_keepalive(k, s);
	}
	return PEER_EXIT_OTHER;
}

int main(int argc, char **argv)
{
	struct kpeer_options opt;
	int rc = kpeer_parse_options(argc, argv, &opt);
	if (rc >= 0)
		return rc;
	struct kpeer k = {.log = {.role = opt.role, .jsonl = opt.jsonl, .quiet = opt.quiet},
	                  .peer = opt.peer,
	                  .local = opt.local,
	                  .listen_fd = -1,
	                  .fd = -1};
	peer_hash_init(&k.rx_hash);
	struct peer_script script;
	char err[256];
	if (peer_script_parse(&script, opt.script_text, err, sizeof(err)) < 0) {
		fprintf(stderr, "synfin-kpeer: script: %s\n", err);
		return PEER_EXIT_USAGE;
	}
	if (peer_script_check_whole_seconds(&script, "Linux", err, sizeof(err)) < 0) {
		fprintf(stderr, "synfin-kpeer: script: %s\n", err);
		peer_script_free(&script);
		return PEER_EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	k.log.t0 = peer_log_now();
	/* no counters record when /proc/net/netstat cannot be read: a `counts` line says so */
	static struct netstat counters[2];
	bool counting = !netstat_read(&counters[0], "/proc/net/netstat");

	if (!opt.is_client) {
		int one = 1;
		k.listen_fd = socket(k.local.u.sa.sa_family, SOCK_STREAM, 0);
		kpeer_addr_set_port(&k.local, (unsigned)opt.listen_port);
		if (k.listen_fd < 0 ||
		    setsockopt(k.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
		    bind(k.listen_fd, &k.local.u.sa, k.local.len) < 0 ||
		    listen(k.listen_fd, 16) < 0)
			return peer_log_failed(&k.log, "listen", errno);
		peer_log_event(&k.log, "listening", NULL, "\"port\":%lu", opt.listen_port);
	}

	int status = PEER_EXIT_OK;
	for (unsigned long i = 0; i < (opt.is_client ? 1 : opt.conns) && status == PEER_EXIT_OK;
	     i++) {
		k.rx_bytes = k.tx_bytes = 0;
		peer_hash_init(&k.rx_hash);
		for (size_t s = 0; s < script.n_steps && status == PEER_EXIT_OK; s++)
			status = run_step(&k, &script.steps[s]);
		if (k.fd >= 0) {
			close(k.fd);
			k.fd = -1;
		}
	}
	peer_script_free(&script);
	if (k.listen_fd >= 0)
		close(k.listen_fd);
	if (counting && !netstat_read(&counters[1], "/proc/net/netstat"))
		netstat_log_delta(&k.log, &counters[0], &counters[1]);
	peer_log_event(&k.log, "exit", NULL, "\"status\":%d", status);
	if (k.log.jsonl)
		fclose(k.log.jsonl);
	return status;
}
