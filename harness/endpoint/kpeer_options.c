/* kpeer_options.c: synfin-kpeer's command line: usage text and option parsing. */
#include "kpeer_options.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
	    "  --connect ADDR:PORT  (client) the server to connect to\n"
	    "  --listen PORT        (server) the port to listen on\n"
	    "  --local ADDR         bind to this local address\n"
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

static int parse_addr_port(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end || port == 0 || port > 65535 || inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return -EINVAL;
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return 0;
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
	opt->local.sin_family = AF_INET;
	opt->local.sin_addr.s_addr = htonl(INADDR_ANY);
	opt->conns = 1;
	bool have_peer = false;
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
			if (parse_addr_port(optarg, &opt->peer) < 0) {
				fprintf(stderr,
				        "synfin-kpeer: --connect '%s': expected ADDR:PORT, "
				        "e.g. 192.168.1.109:80\n",
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
			if (inet_pton(AF_INET, optarg, &opt->local.sin_addr) != 1) {
				fprintf(stderr, "synfin-kpeer: --local '%s': not an IPv4 address\n",
				        optarg);
				return PEER_EXIT_USAGE;
			}
			break;
		case 's': {
			unsigned long sport = strtoul(optarg, &end, 10);
			if (*end || sport == 0 || sport > 65535) {
				fprintf(stderr,
				        "synfin-kpeer: --sport '%s': expected a port 1-65535\n",
				        optarg);
				return PEER_EXIT_USAGE;
			}
			opt->local.sin_port = htons((uint16_t)sport);
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
	opt->script_text = optind < argc    ? argv[optind]
	                   : opt->is_client ? "connect; close"
	                                    : "accept; read-eof; close";
	return -1;
}
