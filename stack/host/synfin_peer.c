/* synfin_peer.c: synfin-peer, one TCP endpoint on synfin's userspace stack, attached to the tun
 * device of a `stack` endpoint namespace and driven by a behaviour script. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/event_loop.h"
#include "common/topology.h"
#include "endpoint/peer_script.h"
#include "peer_conn.h"
#include "peer_log.h"
#include "peer_script_load.h"
#include "peer_tunables.h"
#include "stack.h"
#include "stack_driver.h"
#include "tun_device.h"

static const char usage_text[] =
    "usage: synfin-peer client [--local ADDR] [--connect ADDR:PORT] [OPTIONS] [SCRIPT]\n"
    "       synfin-peer server [--local ADDR] [--listen PORT] [--max-conns N] [OPTIONS] [SCRIPT]\n"
    "\n"
    "Run one TCP endpoint on synfin's userspace TCP/IPv4 stack. The stack owns ADDR and reaches\n"
    "the network through an existing tun device (tun0) of a `stack` endpoint namespace:\n"
    "\n"
    "  netns/synfin-netns up demo --client stack\n"
    "  netns/synfin-netns exec demo client synfin-peer client --connect 192.168.1.109:80 \\\n"
    "      'connect; send 1M; shutdown-write; read-eof; close'\n"
    "\n"
    "(traffic crosses the wire namespace only while a synfin-faultd is bound to its queue).\n"
    "\n"
    "Modes:\n"
    "  client            connect to --connect (default " TOPOLOGY_SERVER_ADDR ":80) from --local\n"
    "                    (default " TOPOLOGY_CLIENT_ADDR ") and run the script once\n"
    "  server            listen on --listen (default 80) at --local (default " TOPOLOGY_SERVER_ADDR
    ");\n"
    "                    every accepted connection runs the script\n"
    "\n"
    "SCRIPT: steps separated by ';' or newlines, '#' comments to the end of a line; the\n"
    "language of synfin-kpeer (harness/peer_script.h), so a scenario reads the same on Linux's\n"
    "TCP; both send the same pattern and print the same FNV-1a hash of what they read.\n"
    "Default: client 'connect; shutdown-write; read-eof; close', server 'accept; read-eof; "
    "close'.\n"
    "  connect           (client) active open, wait for ESTABLISHED; implied first if absent\n"
    "  accept            (server) a connection from the listener; implied first if absent\n"
    "  send N            N bytes of the shared pattern (K, M suffixes: 1K = 1024; 10MB = 10M)\n"
    "  send-text \"...\"   the quoted text\n"
    "  send-file PATH    the file's contents (read when the program starts; synfin-peer only)\n"
    "  shutdown-write    FIN once the queued data is out; reading goes on (half-close)\n"
    "  read-eof          read until the peer's FIN; logs bytes and hash of all received\n"
    "  read N            read exactly N bytes (EOF first: error ENODATA)\n"
    "  discard           read and drop until the peer's FIN (counted and hashed as read-eof)\n"
    "  echo              send back what arrives, until the peer's FIN\n"
    "  sleep DURATION    wait (250us, 300ms, 1.5s), at --time-scale\n"
    "  close             give the socket back: FIN, or RST when unread data is left\n"
    "  abort             RST at once\n"
    "A script that ends without close or abort closes. The program exits when every\n"
    "connection has finished its script and reached CLOSED or TIME-WAIT (see --linger).\n"
    "\n"
    "Options:\n"
    "  --local ADDR          the stack's IPv4 address\n"
    "  --connect ADDR:PORT   (client) the server\n"
    "  --sport PORT          (client) source port (default: random, 32768-60999)\n"
    "  --listen PORT         (server) port to listen on\n"
    "  --max-conns N         (server) accept N connections, then stop listening and exit\n"
    "                        when they are done (default 1; 0: until SIGINT/SIGTERM)\n"
    "  --backlog N           (server) listen backlog (default 16)\n"
    "  -f, --script-file F   read the script from file F\n"
    "  --dev NAME            tun device to attach to (default tun0)\n"
    "  --set NAME=VALUE      a stack tunable (repeatable); durations take a unit (1000ms, 1s):\n"
    "%s"
    "  --nodelay             disable Nagle's algorithm on every socket\n"
    "  --time-scale F        run the stack's clock F times faster than real time (default 1;\n"
    "                        10: a 63 s SYN timeout takes 6.3 s); sleep steps scale too\n"
    "  --linger DURATION     stay this long after the last connection is done, e.g. to ACK a\n"
    "                        retransmitted FIN in TIME-WAIT (default 0)\n"
    "  --seed N              seed of ISNs and ephemeral ports (default: random)\n"
    "  --jsonl FILE          also write events as JSON Lines to FILE\n"
    "  -q, --quiet           no event log on stderr (errors and the summary remain)\n"
    "  -h, --help            this text\n"
    "\n"
    "Log (stderr; seconds since the start, [socket handle]):\n"
    "  0.000051 [1] CLOSED -> SYN-SENT\n"
    "  0.000412 [1] SYN-SENT -> ESTABLISHED\n"
    "  0.000431 [1] connected 192.168.1.108:40001 -> 192.168.1.109:80\n"
    "  63.000530 [1] error ETIMEDOUT (connect)\n"
    "JSON Lines (--jsonl): one object per event; \"t\" wall-clock seconds since the epoch (as in\n"
    "synfin-faultd's trace), \"rel\" seconds since the start:\n"
    "  "
    "{\"t\":..,\"rel\":0.000412,\"event\":\"state\",\"sock\":1,\"from\":\"SYN-SENT\",\"to\":"
    "\"ESTABLISHED\"}\n"
    "  {\"t\":..,\"rel\":..,\"event\":\"app\",\"sock\":1,\"what\":\"connected\",...}\n"
    "  app events: start listening accepted(from) connecting(to) connected sent(bytes,tx_bytes,\n"
    "  tx_hash) shutdown-write eof(bytes,hash) read(bytes,hash) closed(unread) aborted\n"
    "  error(step,error) error-after-close(error) listen-closed interrupted(signal)\n"
    "  done(tx_bytes,tx_hash,rx_bytes,rx_hash,error,state) exit(status);\n"
    "  then {\"event\":\"stats\",...}: the stack's counters and drops by reason.\n"
    "At exit the stack's counters, with segments dropped as malformed by reason, go to stderr.\n"
    "\n"
    "Exit status:\n"
    "  0   every connection ran its script to the end\n"
    "  1   another error (device, setup, short read, EPIPE...)\n"
    "  3   ETIMEDOUT (e.g. every SYN lost)\n"
    "  4   ECONNREFUSED (RST answered the SYN)\n"
    "  5   ECONNRESET (RST on an established connection)\n"
    "  6   interrupted by SIGINT/SIGTERM while a script ran (open connections were aborted)\n"
    "  64  usage error\n"
    "With several connections the first one that failed decides.\n";

struct peer {
	struct peer_env env;
	struct event_loop *loop;
	struct stack_driver *drv;
	struct peer_log log;
	bool server;
	int listener;
	bool accept_pending;
	unsigned max_conns;
	unsigned accepted;
	struct peer_conn **conns;
	size_t n_conns;
	uint64_t linger_us;
	bool lingering;
	bool interrupted_running;
};

static int add_conn(struct peer *p, struct peer_conn *c)
{
	struct peer_conn **n = realloc(p->conns, (p->n_conns + 1) * sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	p->conns = n;
	p->conns[p->n_conns++] = c;
	return 0;
}

static struct peer_conn *find_conn(struct peer *p, int sock)
{
	for (size_t i = 0; i < p->n_conns; i++)
		if (p->conns[i]->sock == sock)
			return p->conns[i];
	return NULL;
}

/* Stack events only record facts; connections act on them in on_turn(), outside the stack. */
static void on_stack_event(void *ctx, const struct stack_event *ev)
{
	struct peer *p = ctx;
	if (ev->type == STACK_EV_STATE)
		peer_log_state(&p->log, ev->sock, stack_state_name(ev->old_state),
		               stack_state_name(ev->new_state));
	if (p->listener > 0 && ev->sock == p->listener) {
		if (ev->type == STACK_EV_ACCEPT)
			p->accept_pending = true;
		return;
	}
	struct peer_conn *c = find_conn(p, ev->sock);
	if (c)
		peer_conn_on_event(c, ev);
}

static void accept_all(struct peer *p)
{
	p->accept_pending = false;
	while (p->listener > 0 && (p->max_conns == 0 || p->accepted < p->max_conns)) {
		int h = tcp_accept(p->env.stack, p->listener);
		if (h < 0)
			break;
		struct peer_conn *c = peer_conn_new(&p->env, h);
		if (c == NULL || add_conn(p, c) != 0) {
			peer_conn_free(c);
			tcp_abort(p->env.stack, stack_driver_now(p->drv), h);
			peer_log_app(&p->log, h, "error", "out of memory, aborted",
			             ",\"step\":\"accept\",\"error\":\"ENOMEM\"");
			continue;
		}
		p->accepted++;
		struct tcp_info_view info;
		char text[64] = "", json[100] = "";
		if (tcp_get_info(p->env.stack, h, &info) == 0) {
			struct in_addr ra = {htonl(info.raddr)};
			char ip[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, &ra, ip, sizeof(ip));
			snprintf(text, sizeof(text), "%s:%u", ip, info.rport);
			snprintf(json, sizeof(json), ",\"from\":\"%s:%u\",\"n\":%u", ip, info.rport,
			         p->accepted);
		}
		peer_log_app(&p->log, h, "accepted", text, json);
	}
	if (p->listener > 0 && p->max_conns != 0 && p->accepted >= p->max_conns) {
		/* Later SYNs are refused (RST) rather than left to time out. */
		tcp_close(p->env.stack, stack_driver_now(p->drv), p->listener);
		peer_log_app(&p->log, p->listener, "listen-closed", "(--max-conns reached)", NULL);
		p->listener = 0;
	}
}

static void on_linger_over(struct event_loop *loop, uint64_t now_ns, void *arg)
{
	(void)now_ns;
	(void)arg;
	event_loop_stop(loop);
}

static void check_exit(struct peer *p)
{
	if (p->lingering || p->n_conns == 0)
		return;
	if (p->server && (p->max_conns == 0 || p->accepted < p->max_conns))
		return;
	for (size_t i = 0; i < p->n_conns; i++)
		if (!p->conns[i]->finished)
			return;
	p->lingering = true;
	if (p->linger_us == 0) {
		event_loop_stop(p->loop);
		return;
	}
	uint64_t when = stack_driver_loop_time(p->drv, stack_driver_now(p->drv) + p->linger_us);
	if (event_loop_timer_at(p->loop, when, on_linger_over, p) < 0)
		event_loop_stop(p->loop);
}

static void on_turn(void *arg)
{
	struct peer *p = arg;
	/* Running one connection can make events for others (or itself): repeat until quiet. */
	for (int round = 0; round < 1000; round++) {
		bool any = false;
		if (p->accept_pending) {
			accept_all(p);
			any = true;
		}
		for (size_t i = 0; i < p->n_conns; i++) {
			if (p->conns[i]->kicked) {
				peer_conn_run(p->conns[i]);
				any = true;
			}
		}
		if (!any)
			break;
	}
	check_exit(p);
}

static void on_signal(struct event_loop *loop, int signo, void *arg)
{
	struct peer *p = arg;
	const char *name = sigabbrev_np(signo) ? sigabbrev_np(signo) : "?";
	char text[40], json[60];
	snprintf(text, sizeof(text), "by SIG%s", name);
	snprintf(json, sizeof(json), ",\"signal\":\"SIG%s\"", name);
	peer_log_app(&p->log, 0, "interrupted", text, json);
	for (size_t i = 0; i < p->n_conns; i++)
		if (peer_conn_interrupt(p->conns[i]))
			p->interrupted_running = true;
	if (p->listener > 0) {
		tcp_close(p->env.stack, stack_driver_now(p->drv), p->listener);
		p->listener = 0;
	}
	event_loop_stop(loop);
}

/* The exit statuses are enum peer_exit (peer_script.h), shared with synfin-kpeer so a scenario's
 * `exit` line means the same for both; --help lists them and tests tell outcomes apart by them. */
static int exit_status(const struct peer *p)
{
	for (size_t i = 0; i < p->n_conns; i++) {
		switch (p->conns[i]->error) {
		case 0:
		case -EINTR:
			continue;
		case -ETIMEDOUT:
			return PEER_EXIT_TIMEDOUT;
		case -ECONNREFUSED:
			return PEER_EXIT_REFUSED;
		case -ECONNRESET:
			return PEER_EXIT_RESET;
		default:
			return PEER_EXIT_OTHER;
		}
	}
	return p->interrupted_running ? PEER_EXIT_INTERRUPTED : PEER_EXIT_OK;
}

static void print_stats(struct peer *p, struct tun_device *dev, int status)
{
	const struct stack_stats *s = stack_get_stats(p->env.stack);
	const struct stack_driver_stats *d = stack_driver_get_stats(p->drv);
	uint64_t dropped = 0;
	char reasons[1024] = "", json_drops[1536] = "";
	size_t rn = 0, jn = 0;
	for (int r = 0; r < STACK_DROP__COUNT; r++) {
		if (s->drops[r] == 0)
			continue;
		dropped += s->drops[r];
		const char *name = stack_drop_reason_name((enum stack_drop_reason)r);
		if (rn < sizeof(reasons))
			rn += (size_t)snprintf(reasons + rn, sizeof(reasons) - rn, "%s%s %" PRIu64,
			                       rn ? ", " : " (", name, s->drops[r]);
		if (jn < sizeof(json_drops))
			jn +=
			    (size_t)snprintf(json_drops + jn, sizeof(json_drops) - jn,
			                     "%s\"%s\":%" PRIu64, jn ? "," : "", name, s->drops[r]);
	}
	if (rn > 0 && rn < sizeof(reasons) - 1)
		snprintf(reasons + rn, sizeof(reasons) - rn, ")");
	fprintf(stderr,
	        "synfin-peer: stack: ip in %" PRIu64 " out %" PRIu64 "; tcp in %" PRIu64
	        " out %" PRIu64 ", retransmits %" PRIu64 " (fast %" PRIu64 "), rst out %" PRIu64
	        ", challenge acks %" PRIu64 ", delayed acks %" PRIu64 ", icmp echo replies %" PRIu64
	        "\n",
	        s->ip_in, s->ip_out, s->tcp_in, s->tcp_out, s->tcp_retransmits,
	        s->tcp_fast_retransmits, s->tcp_rst_out, s->tcp_challenge_acks, s->tcp_delayed_acks,
	        s->icmp_echo_replies);
	fprintf(stderr,
	        "synfin-peer: device %s: rx %" PRIu64 " tx %" PRIu64 " tx dropped %" PRIu64
	        " errors %" PRIu64 "\n",
	        tun_device_name(dev), d->rx_packets, d->tx_packets, d->tx_dropped,
	        d->device_errors);
	fprintf(stderr, "synfin-peer: dropped segments: %" PRIu64 "%s\n", dropped, reasons);
	fprintf(stderr, "synfin-peer: exit status %d\n", status);
	char body[3072];
	snprintf(body, sizeof(body),
	         ",\"ip_in\":%" PRIu64 ",\"ip_out\":%" PRIu64 ",\"tcp_in\":%" PRIu64
	         ",\"tcp_out\":%" PRIu64 ",\"tcp_retransmits\":%" PRIu64
	         ",\"tcp_fast_retransmits\":%" PRIu64 ",\"tcp_rst_out\":%" PRIu64
	         ",\"tcp_challenge_acks\":%" PRIu64 ",\"tcp_delayed_acks\":%" PRIu64
	         ",\"icmp_echo_replies\":%" PRIu64 ",\"dev_rx\":%" PRIu64 ",\"dev_tx\":%" PRIu64
	         ",\"dev_tx_dropped\":%" PRIu64 ",\"dropped\":%" PRIu64 ",\"drops\":{%s}",
	         s->ip_in, s->ip_out, s->tcp_in, s->tcp_out, s->tcp_retransmits,
	         s->tcp_fast_retransmits, s->tcp_rst_out, s->tcp_challenge_acks,
	         s->tcp_delayed_acks, s->icmp_echo_replies, d->rx_packets, d->tx_packets,
	         d->tx_dropped, dropped, json_drops);
	peer_log_json(&p->log, "stats", body);
}

static int parse_addr(const char *text, uint32_t *addr)
{
	struct in_addr a;
	if (inet_pton(AF_INET, text, &a) != 1)
		return -EINVAL;
	*addr = ntohl(a.s_addr);
	return 0;
}

static int parse_port(const char *text, uint16_t *port, bool zero_ok)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (errno || end == text || *end || v > 65535 || (v == 0 && !zero_ok))
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "synfin-peer: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(synfin-peer --help for usage)\n");
	return PEER_EXIT_USAGE;
}

enum {
	OPT_LOCAL = 256,
	OPT_CONNECT,
	OPT_SPORT,
	OPT_LISTEN,
	OPT_MAX_CONNS,
	OPT_BACKLOG,
	OPT_DEV,
	OPT_SET,
	OPT_NODELAY,
	OPT_TIME_SCALE,
	OPT_LINGER,
	OPT_SEED,
	OPT_JSONL,
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"local", required_argument, NULL, OPT_LOCAL},
	    {"connect", required_argument, NULL, OPT_CONNECT},
	    {"sport", required_argument, NULL, OPT_SPORT},
	    {"listen", required_argument, NULL, OPT_LISTEN},
	    {"max-conns", required_argument, NULL, OPT_MAX_CONNS},
	    {"backlog", required_argument, NULL, OPT_BACKLOG},
	    {"script-file", required_argument, NULL, 'f'},
	    {"dev", required_argument, NULL, OPT_DEV},
	    {"set", required_argument, NULL, OPT_SET},
	    {"nodelay", no_argument, NULL, OPT_NODELAY},
	    {"time-scale", required_argument, NULL, OPT_TIME_SCALE},
	    {"linger", required_argument, NULL, OPT_LINGER},
	    {"seed", required_argument, NULL, OPT_SEED},
	    {"jsonl", required_argument, NULL, OPT_JSONL},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *local = NULL, *connect_to = TOPOLOGY_SERVER_ADDR ":80", *dev_name = "tun0";
	const char *script_file = NULL, *jsonl = NULL;
	uint16_t listen_port = 80, sport = 0;
	unsigned long max_conns = 1, backlog = 16;
	double scale = 1.0;
	uint64_t linger_us = 0, seed = 0;
	bool have_seed = false, quiet = false, nodelay = false;
	struct stack_tunables tun;
	stack_tunables_default(&tun);
	char why[512];
	char *end;

	int opt;
	while ((opt = getopt_long(argc, argv, "f:qh", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_LOCAL:
			local = optarg;
			break;
		case OPT_CONNECT:
			connect_to = optarg;
			break;
		case OPT_SPORT:
			if (parse_port(optarg, &sport, true) != 0)
				return usage_error("--sport '%s': not a port", optarg);
			break;
		case OPT_LISTEN:
			if (parse_port(optarg, &listen_port, false) != 0)
				return usage_error("--listen '%s': not a port (1-65535)", optarg);
			break;
		case OPT_MAX_CONNS:
			max_conns = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end || max_conns > 1000000)
				return usage_error("--max-conns '%s': not a count", optarg);
			break;
		case OPT_BACKLOG:
			backlog = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end || backlog == 0 || backlog > 65535)
				return usage_error("--backlog '%s': not a count (1-65535)", optarg);
			break;
		case 'f':
			script_file = optarg;
			break;
		case OPT_DEV:
			dev_name = optarg;
			break;
		case OPT_SET:
			if (peer_set_tunable(&tun, optarg, why, sizeof(why)) != 0)
				return usage_error("%s", why);
			break;
		case OPT_NODELAY:
			nodelay = true;
			break;
		case OPT_TIME_SCALE:
			scale = strtod(optarg, &end);
			if (*optarg == '\0' || *end || !(scale > 0) || scale > 1e6)
				return usage_error("--time-scale '%s': not a positive number",
				                   optarg);
			break;
		case OPT_LINGER:
			if (peer_parse_duration(optarg, &linger_us) != 0)
				return usage_error("--linger '%s': not a duration (e.g. 2s)",
				                   optarg);
			break;
		case OPT_SEED:
			seed = strtoull(optarg, &end, 0);
			if (*optarg == '\0' || *end)
				return usage_error("--seed '%s': not a number", optarg);
			have_seed = true;
			break;
		case OPT_JSONL:
			jsonl = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h': {
			char th[1024];
			peer_tunables_help(th, sizeof(th));
			printf(usage_text, th);
			return PEER_EXIT_OK;
		}
		default:
			fprintf(stderr, "(synfin-peer --help for usage)\n");
			return PEER_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return usage_error("%s", "missing mode: client or server");
	const char *mode = argv[optind++];
	bool server;
	if (!strcmp(mode, "client"))
		server = false;
	else if (!strcmp(mode, "server"))
		server = true;
	else
		return usage_error("unknown mode '%s': use client or server", mode);
	const char *script_text = NULL;
	if (optind < argc)
		script_text = argv[optind++];
	if (optind < argc)
		return usage_error("unexpected argument '%s' (quote the script as one argument)",
		                   argv[optind]);
	if (script_text && script_file)
		return usage_error("%s", "give the script inline or with --script-file, not both");

	struct peer p;
	memset(&p, 0, sizeof(p));
	p.server = server;
	p.max_conns = (unsigned)max_conns;
	p.linger_us = linger_us;

	uint32_t local_addr;
	if (local == NULL)
		local = server ? TOPOLOGY_SERVER_ADDR : TOPOLOGY_CLIENT_ADDR;
	if (parse_addr(local, &local_addr) != 0)
		return usage_error("--local '%s': not an IPv4 address", local);
	if (!server) {
		char host[64];
		const char *colon = strrchr(connect_to, ':');
		if (colon == NULL || (size_t)(colon - connect_to) >= sizeof(host))
			return usage_error("--connect '%s': expected ADDR:PORT", connect_to);
		snprintf(host, sizeof(host), "%.*s", (int)(colon - connect_to), connect_to);
		if (parse_addr(host, &p.env.remote_addr) != 0 ||
		    parse_port(colon + 1, &p.env.remote_port, false) != 0)
			return usage_error("--connect '%s': expected ADDR:PORT", connect_to);
		p.env.local_port = sport;
	}

	char *file_text = NULL;
	if (script_file) {
		size_t len;
		file_text = peer_read_file(script_file, &len, why, sizeof(why));
		if (file_text == NULL)
			return usage_error("script file %s", why);
		script_text = file_text;
	}
	if (script_text == NULL)
		script_text =
		    server ? "accept; read-eof; close" : "connect; shutdown-write; read-eof; close";
	struct peer_script script;
	if (peer_script_load(&script, script_text, why, sizeof(why)) != 0) {
		free(file_text);
		return usage_error("script: %s", why);
	}
	free(file_text);
	if (peer_script_fit_role(&script, server, why, sizeof(why)) != 0) {
		peer_script_free(&script);
		return usage_error("script: %s", why);
	}

	int status = PEER_EXIT_OTHER;
	if (!have_seed && getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		seed = (uint64_t)getpid() * 0x9e3779b97f4a7c15u;
	int err = peer_log_open(&p.log, !quiet, jsonl);
	if (err < 0) {
		fprintf(stderr, "synfin-peer: --jsonl %s: %s\n", jsonl, strerror(-err));
		goto out_script;
	}
	struct tun_device *dev = NULL;
	err = tun_device_open(dev_name, &dev, why, sizeof(why));
	if (err < 0) {
		fprintf(stderr, "synfin-peer: %s\n", why);
		goto out_log;
	}
	int waited_ms = tun_device_wait_running(dev, 3000, why, sizeof(why));
	if (waited_ms == -ENETDOWN || waited_ms == -ENODEV) {
		fprintf(stderr, "synfin-peer: %s\n", why);
		goto out_dev;
	}
	if (waited_ms < 0) /* the first segments may be lost; TCP recovers */
		fprintf(stderr, "synfin-peer: warning: %s\n", why);
	err = event_loop_new(&p.loop);
	if (err < 0) {
		fprintf(stderr, "synfin-peer: event loop: %s\n", strerror(-err));
		goto out_dev;
	}
	peer_log_start(&p.log, p.loop);
	struct stack_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.addr = local_addr;
	cfg.seed = seed;
	cfg.tun = tun;
	cfg.on_event = on_stack_event;
	cfg.event_ctx = &p;
	err = stack_driver_new(p.loop, dev, &cfg, scale, on_turn, &p, &p.drv);
	if (err < 0) {
		fprintf(stderr, "synfin-peer: %s\n",
		        err == -EINVAL
		            ? "the stack refused its configuration (check the --set values)"
		            : strerror(-err));
		goto out_loop;
	}
	p.env.loop = p.loop;
	p.env.drv = p.drv;
	p.env.stack = stack_driver_stack(p.drv);
	p.env.log = &p.log;
	p.env.script = &script;
	p.env.nodelay = nodelay;
	err = event_loop_catch_signals(p.loop, on_signal, &p);
	if (err < 0) {
		fprintf(stderr, "synfin-peer: signals: %s\n", strerror(-err));
		goto out_drv;
	}

	{
		char text[160], json[160];
		snprintf(text, sizeof(text),
		         "%s %s on %s (mtu %u, running after %d ms), time scale %g", mode, local,
		         tun_device_name(dev), tun_device_mtu(dev), waited_ms, scale);
		snprintf(json, sizeof(json),
		         ",\"mode\":\"%s\",\"local\":\"%s\",\"dev\":\"%s\",\"time_scale\":%g", mode,
		         local, tun_device_name(dev), scale);
		peer_log_app(&p.log, 0, "start", text, json);
	}
	if (server) {
		int h = tcp_listen(p.env.stack, listen_port, (int)backlog);
		if (h < 0) {
			fprintf(stderr, "synfin-peer: listen on port %u: %s\n", listen_port,
			        strerror(-h));
			goto out_drv;
		}
		p.listener = h;
		char text[40], json[40];
		snprintf(text, sizeof(text), "port %u", listen_port);
		snprintf(json, sizeof(json), ",\"port\":%u", listen_port);
		peer_log_app(&p.log, h, "listening", text, json);
	} else {
		struct peer_conn *c = peer_conn_new(&p.env, 0);
		if (c == NULL || add_conn(&p, c) != 0) {
			peer_conn_free(c);
			fprintf(stderr, "synfin-peer: out of memory\n");
			goto out_drv;
		}
	}

	err = event_loop_run(p.loop);
	if (err < 0)
		fprintf(stderr, "synfin-peer: event loop: %s\n", strerror(-err));
	status = err < 0 ? PEER_EXIT_OTHER : exit_status(&p);
	{
		char json[40];
		snprintf(json, sizeof(json), ",\"status\":%d", status);
		peer_log_app(&p.log, 0, "exit", NULL, json);
	}
	print_stats(&p, dev, status);

out_drv:
	for (size_t i = 0; i < p.n_conns; i++)
		peer_conn_free(p.conns[i]);
	free(p.conns);
	stack_driver_free(p.drv);
out_loop:
	event_loop_free(p.loop);
out_dev:
	tun_device_close(dev);
out_log:
	peer_log_close(&p.log);
out_script:
	peer_script_free(&script);
	return status;
}
