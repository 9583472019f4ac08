/* synfin-kpeer: one endpoint on Linux's own TCP (the reference), driven by the same small
 * behaviour script as synfin-peer, so a scenario reads the same for either endpoint.
 *
 *   synfin-kpeer client --connect 192.168.1.109:80 "connect; sleep 500ms; close"
 *   synfin-kpeer server --listen 80 "accept; read-eof; close"
 *
 * Each application event is logged with its time: text on stderr, JSON Lines with --jsonl.
 * The exit status tells the outcomes apart (see usage()).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kpeer_options.h"
#include "peer_script.h"

struct kpeer {
	const char *role;
	struct sockaddr_in peer;  /* client: where to connect */
	struct sockaddr_in local; /* bind address (port 0 for a client) */
	int listen_fd;
	int fd;
	FILE *jsonl;
	int quiet;
	double t0;
	uint64_t rx_bytes, tx_bytes;
	uint64_t rx_hash; /* FNV-1a over everything read */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Log one application event. fmt gives extra JSON members (without braces), text the human line. */
static void event(struct kpeer *k, const char *what, const char *text, const char *json_fmt, ...)
{
	double t = now_s();
	if (!k->quiet)
		fprintf(stderr, "%10.6f %s %s%s%s\n", t - k->t0, k->role, what, text ? " " : "",
		        text ? text : "");
	if (k->jsonl) {
		fprintf(k->jsonl, "{\"t\":%.6f,\"event\":\"app\",\"role\":\"%s\",\"what\":\"%s\"",
		        t, k->role, what);
		if (json_fmt) {
			va_list ap;
			va_start(ap, json_fmt);
			fputc(',', k->jsonl);
			vfprintf(k->jsonl, json_fmt, ap);
			va_end(ap);
		}
		fputs("}\n", k->jsonl);
		fflush(k->jsonl);
	}
}

static const char *errno_name(int err)
{
	switch (err) {
	case ETIMEDOUT:
		return "ETIMEDOUT";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case ECONNRESET:
		return "ECONNRESET";
	case EPIPE:
		return "EPIPE";
	case EHOSTUNREACH:
		return "EHOSTUNREACH";
	case ENETUNREACH:
		return "ENETUNREACH";
	default:
		return "EOTHER";
	}
}

static int exit_for(int err)
{
	switch (err) {
	case ETIMEDOUT:
		return PEER_EXIT_TIMEDOUT;
	case ECONNREFUSED:
		return PEER_EXIT_REFUSED;
	case ECONNRESET:
	case EPIPE:
		return PEER_EXIT_RESET;
	default:
		return PEER_EXIT_OTHER;
	}
}

/* Report a failed step and give the exit status for it. */
static int fail(struct kpeer *k, const char *step, int err)
{
	char text[128];
	snprintf(text, sizeof(text), "%s: %s (%s)", step, errno_name(err), strerror(err));
	event(k, "error", text, "\"step\":\"%s\",\"error\":\"%s\"", step, errno_name(err));
	return exit_for(err);
}

static int do_connect(struct kpeer *k)
{
	char text[64];
	k->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (k->fd < 0)
		return fail(k, "socket", errno);
	int one = 1;
	/* A fixed source port is reused run after run while the last one's TIME-WAIT lives. */
	if (k->local.sin_port != 0 &&
	    setsockopt(k->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return fail(k, "setsockopt", errno);
	if ((k->local.sin_addr.s_addr != htonl(INADDR_ANY) || k->local.sin_port != 0) &&
	    bind(k->fd, (struct sockaddr *)&k->local, sizeof(k->local)) < 0)
		return fail(k, "bind", errno);
	snprintf(text, sizeof(text), "%s:%u", inet_ntoa(k->peer.sin_addr), ntohs(k->peer.sin_port));
	event(k, "connecting", text, "\"to\":\"%s\"", text);
	if (connect(k->fd, (struct sockaddr *)&k->peer, sizeof(k->peer)) < 0)
		return fail(k, "connect", errno);
	event(k, "connected", NULL, NULL);
	return PEER_EXIT_OK;
}

static int do_accept(struct kpeer *k)
{
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	k->fd = accept(k->listen_fd, (struct sockaddr *)&from, &len);
	if (k->fd < 0)
		return fail(k, "accept", errno);
	char text[64];
	snprintf(text, sizeof(text), "%s:%u", inet_ntoa(from.sin_addr), ntohs(from.sin_port));
	event(k, "accepted", text, "\"from\":\"%s\"", text);
	return PEER_EXIT_OK;
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
			for (size_t i = 0; i < chunk; i++)
				buf[i] = (char)peer_script_pattern_byte(k->tx_bytes + i);
		}
		ssize_t w = send(k->fd, buf, chunk, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return fail(k, "send", errno);
		}
		k->tx_bytes += (uint64_t)w;
		left -= (uint64_t)w;
	}
	char text[64];
	snprintf(text, sizeof(text), "%llu bytes", (unsigned long long)n);
	event(k, "sent", text, "\"bytes\":%llu", (unsigned long long)n);
	return PEER_EXIT_OK;
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
			return fail(k, "read", errno);
		}
		if (r == 0)
			break;
		k->rx_hash = peer_script_hash(k->rx_hash, buf, (size_t)r);
		k->rx_bytes += (uint64_t)r;
		got += (uint64_t)r;
		if (echo && send(k->fd, buf, (size_t)r, MSG_NOSIGNAL) != r)
			return fail(k, "echo", errno ? errno : EIO);
	}
	char text[96];
	snprintf(text, sizeof(text), "%llu bytes, hash %016llx", (unsigned long long)k->rx_bytes,
	         (unsigned long long)k->rx_hash);
	if (limit == UINT64_MAX || got < limit)
		event(k, "eof", text, "\"bytes\":%llu,\"hash\":\"%016llx\"",
		      (unsigned long long)k->rx_bytes, (unsigned long long)k->rx_hash);
	else
		event(k, "read", text, "\"bytes\":%llu,\"hash\":\"%016llx\"",
		      (unsigned long long)k->rx_bytes, (unsigned long long)k->rx_hash);
	return PEER_EXIT_OK;
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
			return fail(k, "shutdown-write", errno);
		event(k, "shutdown-write", NULL, NULL);
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
		event(k, "closed", NULL, NULL);
		return PEER_EXIT_OK;
	case PEER_ABORT: {
		/* SO_LINGER with a zero timeout makes close() send RST (RFC 9293 3.10.5 ABORT). */
		struct linger lg = {1, 0};
		setsockopt(k->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(k->fd);
		k->fd = -1;
		event(k, "aborted", NULL, NULL);
		return PEER_EXIT_OK;
	}
	}
	return PEER_EXIT_OTHER;
}

int main(int argc, char **argv)
{
	struct kpeer_options opt;
	int rc = kpeer_parse_options(argc, argv, &opt);
	if (rc >= 0)
		return rc;
	struct kpeer k = {.role = opt.role,
	                  .peer = opt.peer,
	                  .local = opt.local,
	                  .listen_fd = -1,
	                  .fd = -1,
	                  .jsonl = opt.jsonl,
	                  .quiet = opt.quiet,
	                  .rx_hash = PEER_HASH_INIT};
	struct peer_script script;
	char err[256];
	if (peer_script_parse(&script, opt.script_text, err, sizeof(err)) < 0) {
		fprintf(stderr, "synfin-kpeer: script: %s\n", err);
		return PEER_EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	k.t0 = now_s();

	if (!opt.is_client) {
		int one = 1;
		k.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
		k.local.sin_port = htons((uint16_t)opt.listen_port);
		if (k.listen_fd < 0 ||
		    setsockopt(k.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
		    bind(k.listen_fd, (struct sockaddr *)&k.local, sizeof(k.local)) < 0 ||
		    listen(k.listen_fd, 16) < 0)
			return fail(&k, "listen", errno);
		event(&k, "listening", NULL, "\"port\":%lu", opt.listen_port);
	}

	int status = PEER_EXIT_OK;
	for (unsigned long i = 0; i < (opt.is_client ? 1 : opt.conns) && status == PEER_EXIT_OK;
	     i++) {
		k.rx_bytes = k.tx_bytes = 0;
		k.rx_hash = PEER_HASH_INIT;
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
	event(&k, "exit", NULL, "\"status\":%d", status);
	if (k.jsonl)
		fclose(k.jsonl);
	return status;
}
