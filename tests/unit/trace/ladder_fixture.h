/* ladder_fixture.h: what the ladder diagrams' suites share (test_ladder.c, test_ladder_svg.c): the
 * captures in tests/data/ turned into trace records the way synfin-faultd's JSON writer makes
 * them, with drops and holds laid over them, and the text drawing of them. */
#ifndef SYNFIN_LADDER_FIXTURE_H
#define SYNFIN_LADDER_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace/trace.h"
#include "trace/trace_read.h"
#include "wire/segment.h"

#define CLIENT 0xc0a8016cu
#define SERVER 0xc0a8016du

/* A host-order IPv4 address as the ladder takes it; 0: none (the ladder finds the server). */
const struct ip_addr *host4(uint32_t addr, struct ip_addr *buf);

/* What happens to the Nth packet of a capture. */
struct fault {
	int index;
	enum rule_action action;
	uint32_t delay_us; /* RULE_DELAY */
	uint64_t held_us;  /* RULE_DELAY: released this long after arrival; 0: never */
	const struct rule *rule;
	const char *rule_file;
};

struct loader {
	struct trace_seqs *seqs;
	struct trace_record *recs;
	size_t n, cap;
	int index;
	int limit; /* packets to take, 0: all */
	const struct fault *faults;
	size_t nfaults;
	bool dropped_at_exit; /* held segments end dropped at the daemon's exit, not released */
};

/* A slot for the next record of the loader, its array grown as needed. */
struct trace_record *push(struct loader *l);

/* The capture tests/data/captures/CAPTURE.pcap as trace records, its first limit packets (0: all),
 * with the faults laid over them. */
void load(struct loader *l, const char *capture, int limit, const struct fault *faults,
          size_t nfaults);

/* The loaded records as a JSON Lines trace in a new file; path: a mkstemp template. */
void write_jsonl(const struct loader *l, char *path);

/* The text ladder of the records with CLIENT the client and server the server (0: found by the
 * ladder), in a buffer the next call reuses; ladder_write must return want_rc. */
char *draw(const struct loader *l, uint32_t server, int want_rc);

/* Free the loader's records. */
void release(struct loader *l);

#endif
