/* faultd_output.h: synfin-faultd's trace outputs (text, JSON Lines, pcap, pcapng): where they go,
 * and writing one event or one packet to each.
 *
 * When every output is a regular file, the daemon's thread only copies what an event needs
 * (the packet, the verdict, the times) into a ring, and a thread of its own (faultd_writer.h)
 * formats the lines and writes them, block-buffered: the bytes reach the kernel when a buffer
 * fills, at most FAULTD_OUTPUT_FLUSH_MS after they were written (a timer of the daemon's loop)
 * plus the time to format what waits, and at exit. When any output is something else (a
 * terminal, a pipe read live, a socket), every output is written on the daemon's thread as the
 * event happens, and that one stays live: the text and JSON Lines are line-buffered, the pcap
 * and pcapng are flushed after each packet. */
#ifndef SYNFIN_FAULTD_OUTPUT_H
#define SYNFIN_FAULTD_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "faultd_options.h"
#include "faultd_pcap.h"
#include "faultd_writer.h"
#include "nfq_queue.h"
#include "trace/trace.h"

#define FAULTD_OUTPUT_FLUSH_MS 100
#define FAULTD_OUTPUT_BUFFER (256u * 1024u)
/* the ring between the daemon's thread and the writer's: about 2,500 full-size packets with
 * their events, 25 ms of a 1 Gbit/s stream */
#define FAULTD_OUTPUT_RING (4u * 1024u * 1024u)

struct event_loop;
struct out_record;

struct faultd_output {
	FILE *text; /* NULL: no text trace (--quiet) */
	bool text_is_stdout;
	FILE *jsonl;
	FILE *pcap;
	bool pcap_live;   /* not a regular file: flushed after each packet */
	bool pcap_direct; /* written from the ring by the writer's thread (faultd_pcap.h) */
	struct faultd_pcap pcap_batch;
	bool dirty;            /* bytes may wait in a buffer */
	long flush_timer;      /* the loop's timer that flushes them; 0: none */
	bool write_error_said; /* a failed write is reported once */
	/* the block buffers of text, jsonl and a pcap written through stdio (glibc's setvbuf
	 * ignores the size it is given without one and keeps a 4 KiB buffer); NULL for a live
	 * output */
	char *buffer[3];
	/* --pcapng: packets with their verdicts (trace/pcapng.h), buffered as the pcap is */
	FILE *pcapng;
	bool pcapng_live;
	bool pcapng_ipv6; /* this section declared its IPv6 interfaces */
	char *pcapng_buffer;
	uint32_t client_addr;     /* the side of an unjudged packet */
	uint8_t client_addr6[16]; /* named in the pcapng's IPv6 client interface */
	uint64_t seed;            /* for the pcapng's section headers */
	const char *rules_path;   /* the rule file (-r); NULL: none */
	/* each output keeps its own relative-number table (trace.h) */
	struct trace_seqs *text_seqs;
	struct trace_seqs *json_seqs;
	bool any;                    /* some output is open */
	struct faultd_writer writer; /* the writer's thread, or inline when an output is live */
	/* the pcap record of the packet given last, not yet handed to the writer: the event
	 * that follows about the same packet joins it instead of copying the packet again */
	struct out_record *pending;
	const uint8_t *pending_pkt;
	size_t pending_len;
	uint64_t pending_time;
	uint64_t last_time_us; /* the latest time any output was given: lines never go back */
};

/* Open what opt asks for (the text trace goes to standard output unless --text or --quiet).
 * 0, or -1 with the reason printed on standard error. */
int faultd_output_open(struct faultd_output *out, const struct faultd_options *opt);
/* Write out what waits in the ring and the buffers, end the writer's thread, close the files
 * (not standard output) and free the tables. */
void faultd_output_close(struct faultd_output *out);

/* Hand every event and buffered byte to the kernel now; returns when they are there. */
void faultd_output_flush(struct faultd_output *out);
/* Once per turn of the loop: when bytes wait in a buffer and no flush is due yet, arm a timer
 * that flushes them FAULTD_OUTPUT_FLUSH_MS from now. */
void faultd_output_schedule_flush(struct faultd_output *out, struct event_loop *loop);

/* The time the outputs give a packet the queue handed over: when the kernel received it
 * (arrival_us, its stamp; 0: none), not when the daemon got to read it (read_us), which may be
 * later under load. Never later than read_us (a stamp ahead of the clock is not believed),
 * and never before the time of an earlier line, so every output stays in time order. */
uint64_t faultd_output_seen_time(const struct faultd_output *out, uint64_t arrival_us,
                                 uint64_t read_us);

/* One event of a TCP segment: to the text trace, the JSON Lines and the pcapng. ev->seg must have
 * been parsed from ev->pkt (its options and payload point into those len bytes). */
void faultd_output_event(struct faultd_output *out, const struct trace_event *ev);
/* One packet as the queue handed it over: to the pcap file (nothing when pkt is NULL). */
void faultd_output_packet(struct faultd_output *out, uint64_t time_us, const uint8_t *pkt,
                          size_t len);
/* The rules were reloaded from the rule file at time_us (SIGHUP): the pcapng begins a new
 * section whose header has the seed and the file's text as it is now, so each packet is
 * in the section of the rules that judged it. */
void faultd_output_rules_reloaded(struct faultd_output *out, uint64_t time_us);
/* A remark about the run (not about a segment): a "# " line in the text trace, a note in the
 * JSON Lines (trace_write_json_note); text may hold several lines. */
void faultd_output_note(struct faultd_output *out, uint64_t time_us, const char *text);
/* Packets the kernel dropped before the daemon saw them: note says how many and why
 * (trace_write_kernel_drop_text and _json). */
void faultd_output_kernel_drop(struct faultd_output *out, uint64_t time_us, const char *note);
/* A packet the rules cannot judge (not a TCP segment, or no data): it passes, and the text
 * trace says why. */
void faultd_output_unjudged(struct faultd_output *out, uint64_t time_us, const struct nfq_packet *p,
                            const char *reason);

#endif
