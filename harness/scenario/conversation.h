/* conversation.h: what the wire saw, and whether it is the conversation a scenario expects.
 *
 * The observed side is the daemon's trace (one record per segment as it reached the queue,
 * dropped ones included); sequence numbers are made relative to each side's ISN here, so a
 * scenario reads like the seed's tcpdump listings. Pure: no I/O apart from reading a trace file.
 */
#ifndef SYNFIN_CONVERSATION_H
#define SYNFIN_CONVERSATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "scenario.h"

struct obs_seg {
	uint64_t t_us;     /* when it reached the wire (CLOCK_REALTIME) */
	int dir;           /* 0 client to server, 1 server to client */
	uint8_t flags;     /* TCPF_* */
	uint32_t seq, ack; /* absolute */
	uint32_t len;
	int verdict; /* enum scn_verdict */
	uint32_t rule_line;
	/* relative to each side's ISN (filled by obs_relativize) */
	uint32_t rseq, rack;
	bool rack_known; /* the peer's ISN was seen */
};

struct observed {
	struct obs_seg *segs;
	size_t n;
	size_t cap;
};

int observed_add(struct observed *o, const struct obs_seg *s);
void observed_free(struct observed *o);
/* Sequence numbers relative to each side's ISN: the seq of its first SYN (or, with no SYN, of
 * its first segment). */
void observed_relativize(struct observed *o);

/* Read synfin-faultd's JSON Lines trace: "seen" events of the client/server conversation
 * (dir c2s/s2c). Returns 0 or a negative errno. */
int observed_read_jsonl(struct observed *o, const char *path);

/* One segment as the scenario language writes it: "c>s [F.] seq 1 ack 1 +0.500s dropped". */
void obs_seg_format(char *buf, size_t size, const struct obs_seg *s, uint64_t prev_us);

struct match_result {
	bool ok;
	int *obs_to_exp; /* per observed segment: index of the expected line, -1 none/... */
	int *exp_to_obs; /* per expected line: observed index, -1 when absent */
	size_t fail_exp; /* where the best attempt stopped */
	size_t fail_obs;
	long steps; /* states tried; the search gives up past 2,000,000 */
	char why[320];
};

/* Match an observed conversation against a case's expected segments: in order (a { } group in
 * any order), `maybe` lines may be absent, `...` takes any number of segments, every observed
 * segment must be accounted for, each time within its window. Outside { } groups the work is
 * polynomial: each (line, segment) state is tried once per placement of the lines later times
 * refer to by label. Returns 0 or -ENOMEM. */
int conversation_match(const struct scn_case *c, const struct observed *o, struct match_result *m);
void match_result_free(struct match_result *m);

/* RFC 1122 4.2.3.2 (RFC 9293 MUST-58 / SHLD-19): the endpoint sending in direction dir ACKs at
 * least every n-th full-sized segment: no ACK of it covers n + 1 of the largest segments the
 * peer sent (a FIN's one byte aside). Returns 0, or -1 with the first offence in why;
 * a conversation without data from the peer passes. */
int conversation_check_ack_every(const struct observed *o, int dir, unsigned n, char *why,
                                 size_t size);

/* The expected and observed conversations side by side, the failure marked. */
void conversation_print_side_by_side(FILE *out, const struct scn_case *c, const struct observed *o,
                                     const struct match_result *m);

#endif
