/* faultd_options.c: synfin-faultd's command line: usage text, option parsing, --check. */
#include "faultd_options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/topology.h"
#include "nfq_queue.h"
#include "rules/rule.h"
#include "trace/trace.h"

#define PROG FAULTD_PROG

static const char synopsis[] =
    "usage: " PROG " [-q N] [-r RULES] [--client ADDR] [--text FILE] [--jsonl FILE]\n"
    "                     [--pcap FILE] [--pcapng FILE] [--quiet] [--seed N]\n"
    "                     [--ready FILE] [--drop-held-on-exit] [--queue-maxlen N]\n"
    "                     [--fail-open] [--hold-copies] [--queue-only-matching]\n"
    "                     [--realtime]\n"
    "                     [--journal FILE] [--replay FILE [--replay-unknown pass|drop]]\n"
    "       " PROG " --check RULES\n";

/* A bad command line gets the synopsis; --help the whole text. */
static void usage(FILE *out)
{
	fputs(synopsis, out);
	if (out == stderr) {
		fputs("Try '" PROG " --help' for what each option does.\n", out);
		return;
	}
	fprintf(
	    out,
	    "\n"
	    "Judge every packet of an NFQUEUE by a rule file: pass it, drop it, or hold it for a\n"
	    "while, and write a trace of what was seen and done. Run it in the wire namespace,\n"
	    "where iptables sends the forwarded TCP segments to the queue.\n"
	    "\n"
	    "  -q, --queue N        NFQUEUE number to bind (0-65535, default 0)\n"
	    "  -r, --rules FILE     rule file (rules/README.md); without one every packet passes\n"
	    "      --client ADDR    the client's IPv4 address (default " TOPOLOGY_CLIENT_ADDR
	    "): segments\n"
	    "                       from it go \"from client\", segments to it \"from server\"\n"
	    "      --client ADDR6   the client's IPv6 address, for IPv6 segments (default\n"
	    "                       " TOPOLOGY_CLIENT_ADDR6
	    "); --client may be given for each family\n"
	    "      --text FILE      write the text trace (tcpdump's line plus the verdict) to "
	    "FILE\n"
	    "                       instead of standard output\n"
	    "      --jsonl FILE     also write the trace as JSON Lines (one object per event)\n"
	    "      --pcap FILE      also write every packet seen, when seen, to a pcap file\n"
	    "                       (LINKTYPE_RAW; read it with tcpdump -r)\n"
	    "      --pcapng FILE    also write every packet to a pcapng file, each with what was\n"
	    "                       done to it as its comment (\"DROP rule 2 (FILE:LINE)\", a\n"
	    "                       held one at arrival and at release), one interface per side\n"
	    "                       of the wire, the seed and the rule file in its header (read\n"
	    "                       it with tshark -r, Wireshark or tcpdump -r)\n"
	    "      --quiet          no text trace on standard output\n"
	    "      --seed N         seed of the random numbers behind jitter and chance, to\n"
	    "                       repeat a run (default: from the clock; the seed used is\n"
	    "                       printed on standard error and at the head of every trace).\n"
	    "                       Each rule draws its own stream, keyed by the segment's\n"
	    "                       identity: other rules never change its draws\n"
	    "      --ready FILE     create FILE once the queue is bound (removed at exit)\n"
	    "      --drop-held-on-exit\n"
	    "                       at SIGINT/SIGTERM drop the packets still held instead of\n"
	    "                       delivering them\n"
	    "      --queue-maxlen N how many packets the kernel keeps queued for the daemon, held\n"
	    "                       ones included (1-16777216, default 8192); past it the kernel\n"
	    "                       drops them (said at once on standard error and in the traces)\n"
	    "      --fail-open      past --queue-maxlen, or when the daemon's socket is full, let\n"
	    "                       packets through unjudged instead of dropping them\n"
	    "      --hold-copies    hold delayed packets as copies in the daemon: the original is\n"
	    "                       dropped at once and the copy sent out of the bridge port\n"
	    "                       toward its receiver at release (no kernel queue limit)\n"
	    "      --queue-only-matching\n"
	    "                       queue only the segments the rules can match or count (by\n"
	    "                       flags, length, ports, direction; every connection's SYN too\n"
	    "                       when a rule counts): the wire's firewall lets the rest\n"
	    "                       through unjudged and untraced, as the traces and the exit\n"
	    "                       summary say. Follows SIGHUP; the topology's queue-everything\n"
	    "                       rule is back at exit. For load tests (rules/README.md)\n"
	    "      --realtime       judge and release at real-time priority (SCHED_FIFO 1), so\n"
	    "                       that other programs on a busy machine do not make holds\n"
	    "                       late (bench_faultd: delay 10ms under load, hold error p99\n"
	    "                       62 ms at normal priority, 1.05 ms real-time). Needs root\n"
	    "                       (CAP_SYS_NICE); the trace files' writer stays at normal\n"
	    "                       priority\n"
	    "      --journal FILE   write every decision to FILE, one JSON line each, with the\n"
	    "                       segment's identity (connection number, direction, flags,\n"
	    "                       seq and ack relative to the ISNs, length, attempt), the\n"
	    "                       rule and the verdict (rules/README.md, \"Verdict journal\")\n"
	    "      --replay FILE    make exactly the decisions of the journal FILE again,\n"
	    "                       matching segments by identity; no rule draws. A segment\n"
	    "                       the journal does not know is said on standard error and\n"
	    "                       in the traces, and passes\n"
	    "      --replay-unknown pass|drop\n"
	    "                       what --replay does with a segment the journal does not\n"
	    "                       know (default pass)\n"
	    "      --check RULES    only parse the rule file RULES: print `RULES: N rules OK`\n"
	    "                       and exit 0, or the errors and exit 2\n"
	    "  -h, --help           this text\n"
	    "\n"
	    "Signals: SIGHUP reloads the rule file (a file with errors keeps the previous rules);\n"
	    "SIGINT and SIGTERM give every held packet its verdict, print per-rule counters on\n"
	    "standard error and exit 0.\n"
	    "Exit status: 0 done, 1 the queue could not be run (privileges, kernel support),\n"
	    "2 bad rule file, 64 bad command line.\n"
	    "Only the trace goes to standard output; messages go to standard error.\n"
	    "Traces to regular files are written in blocks, at most 100 ms after each event and\n"
	    "at exit; to a terminal or a pipe, line by line (a pcap or pcapng: packet by "
	    "packet).\n");
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	if (!*s || *s == '-')
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

enum {
	OPT_CLIENT = 256,
	OPT_TEXT,
	OPT_JSONL,
	OPT_PCAP,
	OPT_PCAPNG,
	OPT_QUIET,
	OPT_SEED,
	OPT_READY,
	OPT_CHECK,
	OPT_DROP_HELD,
	OPT_QUEUE_MAXLEN,
	OPT_FAIL_OPEN,
	OPT_HOLD_COPIES,
	OPT_QUEUE_ONLY_MATCHING,
	OPT_JOURNAL,
	OPT_REPLAY,
	OPT_REPLAY_UNKNOWN,
	OPT_REALTIME,
};

#define QUEUE_MAXLEN_MAX (1u << 24)

/* The options of the kernel's queue: 0, or -EINVAL after saying what is wrong. */
static int queue_option(int c, const char *arg, struct faultd_options *opt)
{
	uint64_t v;
	if (c == OPT_FAIL_OPEN || c == OPT_HOLD_COPIES) {
		*(c == OPT_FAIL_OPEN ? &opt->fail_open : &opt->hold_copies) = true;
		return 0;
	}
	if (parse_u64(arg, QUEUE_MAXLEN_MAX, &v) || v == 0) {
		fprintf(stderr, PROG ": bad queue length '%s' (1-%u packets)\n", arg,
		        QUEUE_MAXLEN_MAX);
		return -EINVAL;
	}
	opt->queue_maxlen = (uint32_t)v;
	return 0;
}

/* The journal's options: 0, or -EINVAL after saying what is wrong. */
static int journal_option(int c, const char *arg, struct faultd_options *opt)
{
	if (c == OPT_JOURNAL) {
		opt->journal_path = arg;
	} else if (c == OPT_REPLAY) {
		opt->replay_path = arg;
	} else if (!strcmp(arg, "pass") || !strcmp(arg, "drop")) {
		opt->replay_unknown_drop = arg[0] == 'd';
	} else {
		fprintf(stderr, PROG ": --replay-unknown '%s': use pass or drop\n", arg);
		return -EINVAL;
	}
	return 0;
}

static int check_rules(const char *path)
{
	struct ruleset rs;
	struct rule_error err;
	if (ruleset_parse_file(&rs, path, &err) != 0) {
		rule_error_print(stderr, &err);
		return FAULTD_EXIT_RULES;
	}
	printf("%s: %u rule%s OK\n", path, rs.n_rules, rs.n_rules == 1 ? "" : "s");
	ruleset_free(&rs);
	return 0;
}

/* Where the traces go: --text, --jsonl, --pcap, --pcapng, --quiet. */
static void output_option(int c, const char *arg, struct faultd_options *opt)
{
	switch (c) {
	case OPT_TEXT:
		opt->text_path = arg;
		break;
	case OPT_JSONL:
		opt->jsonl_path = arg;
		break;
	case OPT_PCAP:
		opt->pcap_path = arg;
		break;
	case OPT_PCAPNG:
		opt->pcapng_path = arg;
		break;
	default:
		opt->quiet = true;
		break;
	}
}

/* --seed N: 0, or -EINVAL after saying what is wrong. */
static int seed_option(const char *arg, struct faultd_options *opt)
{
	if (parse_u64(arg, UINT64_MAX, &opt->seed)) {
		fprintf(stderr, PROG ": bad seed '%s': expected a number 0-18446744073709551615\n",
		        arg);
		return -EINVAL;
	}
	opt->seed_given = true;
	return 0;
}

static void set_defaults(struct faultd_options *opt)
{
	static const uint8_t client6[16] = TOPOLOGY_CLIENT_ADDR6_BYTES;
	memset(opt, 0, sizeof(*opt));
	opt->client_addr = TOPOLOGY_CLIENT_ADDR_U32;
	memcpy(opt->client_addr6, client6, 16);
	opt->queue_maxlen = NFQ_DEFAULT_MAXLEN;
}

/* --client: an IPv4 address, or an IPv6 one for the other family's segments. */
static int parse_client(const char *text, struct faultd_options *opt)
{
	struct ip_addr a;
	if (!strchr(text, ':'))
		return trace_addr_parse(text, &opt->client_addr);
	if (trace_ip_addr_parse(text, &a) < 0 || ip_addr_is_ipv4(&a, NULL))
		return -EINVAL;
	memcpy(opt->client_addr6, a.b, 16);
	return 0;
}

int faultd_parse_options(int argc, char **argv, struct faultd_options *opt)
{
	static const struct option longopts[] = {
	    {"queue", required_argument, NULL, 'q'},
	    {"rules", required_argument, NULL, 'r'},
	    {"client", required_argument, NULL, OPT_CLIENT},
	    {"text", required_argument, NULL, OPT_TEXT},
	    {"jsonl", required_argument, NULL, OPT_JSONL},
	    {"pcap", required_argument, NULL, OPT_PCAP},
	    {"pcapng", required_argument, NULL, OPT_PCAPNG},
	    {"quiet", no_argument, NULL, OPT_QUIET},
	    {"seed", required_argument, NULL, OPT_SEED},
	    {"ready", required_argument, NULL, OPT_READY},
	    {"check", required_argument, NULL, OPT_CHECK},
	    {"drop-held-on-exit", no_argument, NULL, OPT_DROP_HELD},
	    {"queue-maxlen", required_argument, NULL, OPT_QUEUE_MAXLEN},
	    {"fail-open", no_argument, NULL, OPT_FAIL_OPEN},
	    {"hold-copies", no_argument, NULL, OPT_HOLD_COPIES},
	    {"queue-only-matching", no_argument, NULL, OPT_QUEUE_ONLY_MATCHING},
	    {"journal", required_argument, NULL, OPT_JOURNAL},
	    {"replay", required_argument, NULL, OPT_REPLAY},
	    {"replay-unknown", required_argument, NULL, OPT_REPLAY_UNKNOWN},
	    {"realtime", no_argument, NULL, OPT_REALTIME},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	set_defaults(opt);
	const char *check = NULL;
	int c;
	uint64_t v;
	while ((c = getopt_long(argc, argv, "q:r:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			if (parse_u64(optarg, 65535, &v)) {
				fprintf(stderr, PROG ": bad queue number '%s' (0-65535)\n", optarg);
				usage(stderr);
				return FAULTD_EXIT_USAGE;
			}
			opt->queue_num = (uint16_t)v;
			break;
		case 'r':
			opt->rules_path = optarg;
			break;
		case OPT_CLIENT:
			if (parse_client(optarg, opt) < 0) {
				fprintf(stderr,
				        PROG ": bad client address '%s' (dotted IPv4, or IPv6)\n",
				        optarg);
				usage(stderr);
				return FAULTD_EXIT_USAGE;
			}
			break;
		case OPT_TEXT:
		case OPT_JSONL:
		case OPT_PCAP:
		case OPT_PCAPNG:
		case OPT_QUIET:
			output_option(c, optarg, opt);
			break;
		case OPT_SEED:
			if (seed_option(optarg, opt) != 0) {
				usage(stderr);
				return FAULTD_EXIT_USAGE;
			}
			break;
		case OPT_READY:
			opt->ready_path = optarg;
			break;
		case OPT_CHECK:
			check = optarg;
			break;
		case OPT_DROP_HELD:
			opt->drop_held_on_exit = true;
			break;
		case OPT_REALTIME:
			opt->realtime = true;
			break;
		case OPT_QUEUE_MAXLEN:
		case OPT_FAIL_OPEN:
		case OPT_HOLD_COPIES:
			if (queue_option(c, optarg, opt) != 0) {
				usage(stderr);
				return FAULTD_EXIT_USAGE;
			}
			break;
		case OPT_QUEUE_ONLY_MATCHING:
			opt->queue_only_matching = true;
			break;
		case OPT_JOURNAL:
		case OPT_REPLAY:
		case OPT_REPLAY_UNKNOWN:
			if (journal_option(c, optarg, opt) != 0) {
				usage(stderr);
				return FAULTD_EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return FAULTD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return FAULTD_EXIT_USAGE;
	}
	if (check)
		return check_rules(check);
	if (opt->replay_unknown_drop && !opt->replay_path) {
		fprintf(stderr, PROG ": --replay-unknown is for --replay\n");
		usage(stderr);
		return FAULTD_EXIT_USAGE;
	}
	return -1;
}
