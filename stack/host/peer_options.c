/* peer_options.c: synfin-peer's command line: usage text and option parsing. */
#include "peer_options.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/host_port.h"
#include "common/topology.h"
#include "endpoint/peer_script.h"
#include "peer_tunables.h"

static const char usage_text[] =
    "usage: synfin-peer client [--local ADDR] [--connect ADDR:PORT] [OPTIONS] [SCRIPT]\n"
    "       synfin-peer server [--local ADDR] [--listen PORT] [--max-conns N] [OPTIONS] [SCRIPT]\n"
    "\n"
    "Run one TCP endpoint on synfin's userspace TCP stack (IPv4 and IPv6). The stack owns ADDR\n"
    "and reaches the network through an existing tun device (tun0) of a `stack` endpoint\n"
    "namespace:\n"
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
    "language of synfin-kpeer (harness/endpoint/peer_script.h), so a scenario reads the\n"
    "same on Linux's TCP; both send the same pattern and print the same hash (peer_hash.h) of\n"
    "what they read.\n"
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
    "  keepalive IDLE INTVL COUNT  keep-alive on for this socket (e.g. 1s 1s 3): a probe IDLE\n"
    "                    after the peer's last segment, then every INTVL, at --time-scale;\n"
    "                    COUNT unanswered end the connection with RST and ETIMEDOUT\n"
    "A script that ends without close or abort closes. The program exits when every\n"
    "connection has finished its script and reached CLOSED or TIME-WAIT (see --linger).\n"
    "\n"
    "Options:\n"
    "  --local ADDR          the stack's IPv4 or IPv6 address (an IPv6 one comes with the\n"
    "                        mode's default IPv4 address)\n"
    "  --local6 ADDR         the stack's IPv6 address beside --local's IPv4 one (default:\n"
    "                        none, IPv6 packets are dropped)\n"
    "  --connect ADDR:PORT   (client) the server: 192.168.1.109:80 or [fd00::109]:80\n"
    "  --sport PORT          (client) source port (default: random, 32768-60999)\n"
    "  --listen PORT         (server) port to listen on\n"
    "  --max-conns N         (server) accept N connections, then stop listening and exit\n"
    "                        when they are done (default 1; 0: until SIGINT/SIGTERM)\n"
    "  --backlog N           (server) listen backlog (default 16)\n"
    "  -f, --script-file F   read the script from file F\n"
    "  --dev NAME            tun device to attach to (default tun0)\n"
    "  --no-tun-gso          write every segment to the device alone; by default segments\n"
    "                        sent back to back go out as one GSO packet, which the kernel\n"
    "                        cuts into exactly the same segments before they reach the wire\n"
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
    "  keepalive(idle_us,intvl_us,count)\n"
    "  error(step,error) error-after-close(error) listen-closed interrupted(signal)\n"
    "  done(tx_bytes,tx_hash,rx_bytes,rx_hash,error,state) exit(status);\n"
    "  then {\"event\":\"stats\",...}: the stack's counters and drops by reason, and\n"
    "  {\"event\":\"counters\",\"tcp-paws\":0,...}: every drop reason's count, flat.\n"
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

static int parse_addr(const char *text, uint32_t *addr)
{
	struct in_addr a;
	if (inet_pton(AF_INET, text, &a) != 1)
		return -EINVAL;
	*addr = ntohl(a.s_addr);
	return 0;
}

/* An IPv4 address, or an IPv6 one (not IPv4-mapped: that is how the stack stores IPv4). */
static int parse_any_addr(const char *text, struct stack_addr *addr)
{
	uint32_t v4;
	if (parse_addr(text, &v4) == 0) {
		*addr = stack_addr_v4(v4);
		return 0;
	}
	if (inet_pton(AF_INET6, text, addr->b) != 1 || stack_addr_is_v4(addr) ||
	    stack_addr_is_none(addr))
		return -EINVAL;
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

int peer_usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "synfin-peer: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(synfin-peer --help for usage)\n");
	return PEER_EXIT_USAGE;
}

enum {
	OPT_LOCAL = 256,
	OPT_LOCAL6,
	OPT_CONNECT,
	OPT_SPORT,
	OPT_LISTEN,
	OPT_MAX_CONNS,
	OPT_BACKLOG,
	OPT_DEV,
	OPT_SET,
	OPT_NODELAY,
	OPT_NO_TUN_GSO,
	OPT_TIME_SCALE,
	OPT_LINGER,
	OPT_SEED,
	OPT_JSONL,
};

static void print_help(void)
{
	char th[1024];
	peer_tunables_help(th, sizeof(th));
	printf(usage_text, th);
}

/* One option with its argument; -1 when taken, otherwise the exit status. */
static int take_option(int opt, const char *arg, struct peer_options *o)
{
	char why[512];
	char *end;
	unsigned long n;

	switch (opt) {
	case OPT_LOCAL:
		o->local = arg;
		break;
	case OPT_LOCAL6:
		o->local6 = arg;
		break;
	case OPT_CONNECT:
		o->connect_to = arg;
		break;
	case OPT_SPORT:
		if (parse_port(arg, &o->sport, true) != 0)
			return peer_usage_error("--sport '%s': not a port", arg);
		break;
	case OPT_LISTEN:
		if (parse_port(arg, &o->listen_port, false) != 0)
			return peer_usage_error("--listen '%s': not a port (1-65535)", arg);
		break;
	case OPT_MAX_CONNS:
		n = strtoul(arg, &end, 10);
		if (*arg == '\0' || *end || n > 1000000)
			return peer_usage_error("--max-conns '%s': not a count", arg);
		o->max_conns = (unsigned)n;
		break;
	case OPT_BACKLOG:
		n = strtoul(arg, &end, 10);
		if (*arg == '\0' || *end || n == 0 || n > 65535)
			return peer_usage_error("--backlog '%s': not a count (1-65535)", arg);
		o->backlog = (int)n;
		break;
	case 'f':
		o->script_file = arg;
		break;
	case OPT_DEV:
		o->dev_name = arg;
		break;
	case OPT_SET:
		if (peer_set_tunable(&o->tun, arg, why, sizeof(why)) != 0)
			return peer_usage_error("%s", why);
		break;
	case OPT_NO_TUN_GSO:
		o->no_tun_gso = true;
		break;
	case OPT_NODELAY:
		o->nodelay = true;
		break;
	case OPT_TIME_SCALE:
		o->time_scale = strtod(arg, &end);
		if (*arg == '\0' || *end || !(o->time_scale > 0) || o->time_scale > 1e6)
			return peer_usage_error("--time-scale '%s': not a positive number", arg);
		break;
	case OPT_LINGER:
		if (peer_parse_duration(arg, &o->linger_us) != 0)
			return peer_usage_error("--linger '%s': not a duration (e.g. 2s)", arg);
		break;
	case OPT_SEED:
		o->seed = strtoull(arg, &end, 0);
		if (*arg == '\0' || *end)
			return peer_usage_error("--seed '%s': not a number", arg);
		o->seed_given = true;
		break;
	case OPT_JSONL:
		o->jsonl_path = arg;
		break;
	case 'q':
		o->quiet = true;
		break;
	case 'h':
		print_help();
		return PEER_EXIT_OK;
	default:
		fprintf(stderr, "(synfin-peer --help for usage)\n");
		return PEER_EXIT_USAGE;
	}
	return -1;
}

/* --local and --local6: the stack's IPv4 address always, its IPv6 one when asked for. */
static int take_addresses(struct peer_options *o)
{
	const char *v4 = o->server ? TOPOLOGY_SERVER_ADDR : TOPOLOGY_CLIENT_ADDR;
	if (o->local == NULL)
		o->local = v4;
	if (parse_addr(o->local, &o->local_addr) != 0) {
		if (parse_any_addr(o->local, &o->local_addr6) != 0)
			return peer_usage_error("--local '%s': not an IPv4 or IPv6 address",
			                        o->local);
		if (o->local6 != NULL)
			return peer_usage_error(
			    "--local '%s': IPv6 beside --local6 (give --local the "
			    "IPv4 address)",
			    o->local);
		if (parse_addr(v4, &o->local_addr) != 0)
			return peer_usage_error("default address '%s' unparsable", v4);
	}
	if (o->local6 != NULL &&
	    (parse_any_addr(o->local6, &o->local_addr6) != 0 || stack_addr_is_v4(&o->local_addr6)))
		return peer_usage_error("--local6 '%s': not an IPv6 address", o->local6);
	return -1;
}

/* (client) --connect ADDR:PORT, an IPv6 address in brackets as in a URL (RFC 3986 3.2.2). */
static int take_connect(struct peer_options *o)
{
	char host[64];
	const char *text = o->connect_to, *port;
	bool bracketed;
	if (host_port_split(text, host, sizeof(host), &port, &bracketed) != 0 ||
	    parse_any_addr(host, &o->remote_addr) != 0 ||
	    stack_addr_is_v4(&o->remote_addr) == bracketed ||
	    parse_port(port, &o->remote_port, false) != 0)
		return peer_usage_error("--connect '%s': expected ADDR:PORT or [ADDR6]:PORT", text);
	if (!stack_addr_is_v4(&o->remote_addr) && stack_addr_is_none(&o->local_addr6))
		return peer_usage_error("--connect '%s' is IPv6 but the stack has no IPv6 address: "
		                        "give one with --local or --local6",
		                        text);
	return -1;
}

/* The mode, the script argument, and the addresses, once every option is known. */
static int take_operands(int argc, char **argv, struct peer_options *o)
{
	if (optind >= argc)
		return peer_usage_error("%s", "missing mode: client or server");
	o->mode = argv[optind++];
	if (!strcmp(o->mode, "client"))
		o->server = false;
	else if (!strcmp(o->mode, "server"))
		o->server = true;
	else
		return peer_usage_error("unknown mode '%s': use client or server", o->mode);
	if (optind < argc)
		o->script_text = argv[optind++];
	if (optind < argc)
		return peer_usage_error(
		    "unexpected argument '%s' (quote the script as one argument)", argv[optind]);
	if (o->script_text && o->script_file)
		return peer_usage_error("%s",
		                        "give the script inline or with --script-file, not both");
	int status = take_addresses(o);
	if (status >= 0 || o->server)
		return status;
	return take_connect(o);
}

int peer_parse_options(int argc, char **argv, struct peer_options *o)
{
	static const struct option longopts[] = {
	    {"local", required_argument, NULL, OPT_LOCAL},
	    {"local6", required_argument, NULL, OPT_LOCAL6},
	    {"connect", required_argument, NULL, OPT_CONNECT},
	    {"sport", required_argument, NULL, OPT_SPORT},
	    {"listen", required_argument, NULL, OPT_LISTEN},
	    {"max-conns", required_argument, NULL, OPT_MAX_CONNS},
	    {"backlog", required_argument, NULL, OPT_BACKLOG},
	    {"script-file", required_argument, NULL, 'f'},
	    {"dev", required_argument, NULL, OPT_DEV},
	    {"set", required_argument, NULL, OPT_SET},
	    {"nodelay", no_argument, NULL, OPT_NODELAY},
	    {"no-tun-gso", no_argument, NULL, OPT_NO_TUN_GSO},
	    {"time-scale", required_argument, NULL, OPT_TIME_SCALE},
	    {"linger", required_argument, NULL, OPT_LINGER},
	    {"seed", required_argument, NULL, OPT_SEED},
	    {"jsonl", required_argument, NULL, OPT_JSONL},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof(*o));
	o->connect_to = TOPOLOGY_SERVER_ADDR ":80";
	o->dev_name = "tun0";
	o->listen_port = 80;
	o->max_conns = 1;
	o->backlog = 16;
	o->time_scale = 1.0;
	stack_tunables_default(&o->tun);
	optind = 0; /* a fresh scan, also when called again */
	int opt;
	while ((opt = getopt_long(argc, argv, "f:qh", longopts, NULL)) != -1) {
		int status = take_option(opt, optarg, o);
		if (status >= 0)
			return status;
	}
	return take_operands(argc, argv, o);
}
