/* kpeer_options.c: synfin-kpeer's command line: usage text and option parsing. */
#include "kpeer_options.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/host_port.h"
#include "peer_script.h"

static void usage(FILE *out)
{
	fputs(
	    "usage: synfin-kpeer client --connect ADDR:PORT [options] [SCRIPT]\n"
	    "       synfin-kpeer server --listen PORT [options] [SCRIPT]\n"
	    "\n"
	    "One TCP endpoint on Linux's own stack, run inside an endpoint namespace of a synfin\n"
	    "topology (netns/synfin-netns exec RUN client|server ...).\n"
	    "\n"
	    "options:\n"
	    "  --connect ADDR:PORT  (client) the server to connect to ([ADDR]:PORT for IPv6)\n"
	    "  --listen PORT        (server) the port to listen on\n"
	    "  --local ADDR         bind to this local address (IPv4 or IPv6)\n"
	    "  --sport PORT         (client) connect from this source port (default: the kernel\n"
	    "                       picks one); two clients given --sport and --connect to each\n"
	    "                       other make a simultaneous open\n"
	    "  --conns N            (server) accept N connections one after another (default 1)\n"
	    "  --jsonl FILE         also log events as JSON Lines to FILE\n"
	    "  --quiet              no text log on stderr\n"
	    "  -h, --help           this text\n"
	    "\n",
	    out);
	peer_script_usage(out);
	fputs("\n"
	      "default script: client \"connect; close\", server \"accept; read-eof; close\"\n"
	      "exit status: 0 success, 3 ETIMEDOUT, 4 ECONNREFUSED, 5 ECONNRESET (or EPIPE),\n"
	      "             1 other error, 64 usage error\n",
	      out);
}

int kpeer_host_parse(const char *host, unsigned port, struct kpeer_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, host, &a->u.in.sin_addr) == 1) {
		a->u.in.sin_family = AF_INET;
		a->len = sizeof(a->u.in);
	} else if (inet_pton(AF_INET6, host, &a->u.in6.sin6_addr) == 1) {
		a->u.in6.sin6_family = AF_INET6;
		a->len = sizeof(a->u.in6);
	} else {
		return -EINVAL;
	}
	kpeer_addr_set_port(a, port);
	return 0;
}

void kpeer_addr_set_port(struct kpeer_addr *a, unsigned port)
{
	/* sin_port and sin6_port sit at the same offset, but say which one is meant */
	if (a->u.sa.sa_family == AF_INET6)
		a->u.in6.sin6_port = htons((uint16_t)port);
	else
		a->u.in.sin_port = htons((uint16_t)port);
}

unsigned kpeer_addr_port(const struct kpeer_addr *a)
{
	return ntohs(a->u.sa.sa_family == AF_INET6 ? a->u.in6.sin6_port : a->u.in.sin_port);
}

int kpeer_addr_parse(const char *text, struct kpeer_addr *a)
{
	char host[64];
	const char *port_text;
	bool bracketed;
	if (host_port_split(text, host, sizeof(host), &port_text, &bracketed) != 0)
		return -EINVAL;
	char *end;
	unsigned long port = strtoul(port_text, &end, 10);
	/* an IPv6 address is bracketed */
	if (*end || port == 0 || port > 65535 || (!bracketed && strchr(host, ':')))
		return -EINVAL;
	return kpeer_host_parse(host, (unsigned)port, a);
}

void kpeer_addr_text(const struct kpeer_addr *a, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	bool v6 = a->u.sa.sa_family == AF_INET6;
	if (v6)
		inet_ntop(AF_INET6, &a->u.in6.sin6_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET, &a->u.in.sin_addr, host, sizeof(host));
	snprintf(buf, size, v6 ? "[%s]:%u" : "%s:%u", host, kpeer_addr_port(a));
}

bool kpeer_addr_is_any(const struct kpeer_addr *a)
{
	if (kpeer_addr_port(a) != 0)
		return false;
	if (a->u.sa.sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&a->u.in6.sin6_addr);
	return a->u.in.sin_addr.s_addr == htonl(INADDR_ANY);
}

int kpeer_parse_options(int argc, char **argv, struct kpeer_options *opt)
{
	static const struct option opts[] = {
	    {"connect", required_argument, NULL, 'c'},
	    {"listen", required_argument, NULL, 'l'},
	    {"local", required_argument, NULL, 'L'},
	    {"sport", required_argument, NULL, 's'},
	    {"conns", required_argument, NULL, 'n'},
	    {"jsonl", required_argument, NULL, 'j'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	memset(opt, 0, sizeof(*opt));
	kpeer_host_parse("0.0.0.0", 0, &opt->local);
	opt->conns = 1;
	bool have_peer = false, have_local = false;
	unsigned long sport = 0;
	char *end;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return PEER_EXIT_OK;
	}
	if (argc < 2 || (strcmp(argv[1], "client") && strcmp(argv[1], "server"))) {
		usage(stderr);
		return PEER_EXIT_USAGE;
	}
	opt->role = argv[1];
	optind = 2;
	for (int c; (c = getopt_long(argc, argv, "h", opts, NULL)) != -1;) {
		switch (c) {
		case 'c':
			if (kpeer_addr_parse(optarg, &opt->peer) < 0) {
				fprintf(stderr,
				        "synfin-kpeer: --connect '%s': expected ADDR:PORT, "
				        "e.g. 192.168.1.109:80 or [fd00::109]:80\n",
				        optarg);
				return PEER_EXIT_USAGE;
			}
			have_peer = true;
			break;
		case 'l':
			opt->listen_port = strtoul(optarg, &end, 10);
			if (*end || opt->listen_port == 0 || opt->listen_port > 65535) {
				fprintf(stderr,
				        "synfin-kpeer: --listen '%s': expected a port 1-65535\n",
				        optarg);
				return PEER_EXIT_USAGE;
			}
			break;
		case 'L':
			if (kpeer_host_parse(optarg, 0, &opt->local) < 0) {
				fprintf(stderr,
				        "synfin-kpeer: --local '%s': not an IPv4 or IPv6 address\n",
				        optarg);
				return PEER_EXIT_USAGE;
			}
			have_local = true;
			break;
		case 's': {
			sport = strtoul(optarg, &end, 10);
			if (*end || sport == 0 || sport > 65535) {
				fprintf(stderr,
				        "synfin-kpeer: --sport '%s': expected a port 1-65535\n",
				        optarg);
				return PEER_EXIT_USAGE;
			}
			break;
		}
		case 'n':
			opt->conns = strtoul(optarg, &end, 10);
			if (*end || opt->conns == 0) {
				fprintf(stderr,
				        "synfin-kpeer: --conns '%s': expected a positive count\n",
				        optarg);
				return PEER_EXIT_USAGE;
			}
			break;
		case 'j':
			opt->jsonl = fopen(optarg, "w");
			if (!opt->jsonl) {
				fprintf(stderr, "synfin-kpeer: cannot write %s: %s\n", optarg,
				        strerror(errno));
				return PEER_EXIT_OTHER;
			}
			break;
		case 'q':
			opt->quiet = true;
			break;
		case 'h':
			usage(stdout);
			return PEER_EXIT_OK;
		default:
			usage(stderr);
			return PEER_EXIT_USAGE;
		}
	}
	opt->is_client = !strcmp(opt->role, "client");
	if (opt->is_client ? !have_peer : opt->listen_port == 0) {
		fprintf(stderr, "synfin-kpeer: %s needs %s\n", opt->role,
		        opt->is_client ? "--connect ADDR:PORT" : "--listen PORT");
		return PEER_EXIT_USAGE;
	}
	/* a client bound to nothing but a port takes its server's family */
	if (!have_local && have_peer && opt->peer.u.sa.sa_family == AF_INET6)
		kpeer_host_parse("::", 0, &opt->local);
	if (have_local && have_peer && opt->local.u.sa.sa_family != opt->peer.u.sa.sa_family) {
		fprintf(stderr, "synfin-kpeer: --local and --connect name different families\n");
		return PEER_EXIT_USAGE;
	}
	kpeer_addr_set_port(&opt->local, (unsigned)sport);
	opt->script_text = optind < argc    ? argv[optind]
	                   : opt->is_client ? "connect; close"
	                                    : "accept; read-eof; close";
	return -1;
}
