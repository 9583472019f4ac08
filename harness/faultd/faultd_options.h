/* faultd_options.h: synfin-faultd's command line. */
#ifndef SYNFIN_FAULTD_OPTIONS_H
#define SYNFIN_FAULTD_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#define FAULTD_PROG "synfin-faultd"
#define FAULTD_EXIT_RULES 2  /* a rule file that does not parse */
#define FAULTD_EXIT_USAGE 64 /* EX_USAGE */

struct faultd_options {
	uint16_t queue_num;
	const char *rules_path;
	uint32_t client_addr;
	uint8_t client_addr6[16]; /* the client's IPv6 address, for IPv6 segments */
	const char *text_path;
	const char *jsonl_path;
	const char *pcap_path;
	const char *pcapng_path; /* --pcapng: the packets with each verdict as a comment */
	const char *ready_path;
	bool quiet;
	bool seed_given;
	uint64_t seed;
	bool drop_held_on_exit;
	bool realtime; /* --realtime: the judging thread at SCHED_FIFO 1 */
	/* the kernel's queue (nfq_queue.h) */
	uint32_t queue_maxlen;
	bool fail_open;
	bool hold_copies; /* hold copies in the daemon, not packets in the kernel's queue */
	/* --queue-only-matching: the wire's firewall queues only what the rules can touch */
	bool queue_only_matching;
	/* the verdict journal (faultd_journal.h) */
	const char *journal_path;
	const char *replay_path;
	bool replay_unknown_drop; /* --replay-unknown drop */
};

/* Fills opt from the command line. Returns -1 when the daemon should run, otherwise the exit
 * status: after --help, --check RULES, or a bad command line (the message is printed). */
int faultd_parse_options(int argc, char **argv, struct faultd_options *opt);

#endif
