/* faultd_output.h: synfin-faultd's trace outputs (text, JSON Lines, pcap): where they go, and
 * writing one event or one packet to each. */
#ifndef SYNFIN_FAULTD_OUTPUT_H
#define SYNFIN_FAULTD_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "faultd_options.h"
#include "nfq_queue.h"
#include "trace/trace.h"

struct faultd_output {
	FILE *text; /* NULL: no text trace (--quiet) */
	bool text_is_stdout;
	FILE *jsonl;
	FILE *pcap;
	/* each output keeps its own relative-number table (trace.h) */
	struct trace_seqs *text_seqs;
	struct trace_seqs *json_seqs;
};

/* Open what opt asks for (the text trace goes to standard output unless --text or --quiet).
 * 0, or -1 with the reason printed on standard error. */
int faultd_output_open(struct faultd_output *out, const struct faultd_options *opt);
/* Close the files (not standard output) and free the tables. */
void faultd_output_close(struct faultd_output *out);

/* One event of a TCP segment: to the text trace and the JSON Lines. */
void faultd_output_event(struct faultd_output *out, const struct trace_event *ev);
/* One packet as the queue handed it over: to the pcap file (nothing when pkt is NULL). */
void faultd_output_packet(struct faultd_output *out, uint64_t time_us, const uint8_t *pkt,
                          size_t len);
/* A packet the rules cannot judge (not a TCP segment, or no data): it passes, and the text
 * trace says why. */
void faultd_output_unjudged(struct faultd_output *out, uint64_t time_us, const struct nfq_packet *p,
                            const char *reason);

#endif
