/* scenario.h: a verification case as a text file (tests/scenarios/NAME.scn): the faults, what
 * each application does, per-endpoint settings, and the conversation the wire must carry, for
 * every pairing of the declared implementations (client-server: stack-stack, stack-linux,
 * linux-stack, linux-linux, and lwIP's: lwip-linux, linux-lwip, lwip-stack, stack-lwip,
 * lwip-lwip).
 *
 * The language is documented in tests/scenarios/README.md. Layers: scenario_values.c (words and
 * typed values) -> scenario_parse.c and scenario_endpoint.c (lines, pure: every value parsed
 * once, into typed fields) -> resolve.c (one pairing's complete case, pure); scenario_file.c
 * reads the files, the scenario's and those its `rules FILE` lines name.
 */
#ifndef SYNFIN_SCENARIO_H
#define SYNFIN_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "endpoint/peer_script.h"
#include "impl.h"

/* Pairings, named client-server, of the implementations impl/ declares (impl/NAME.impl:
 * linux, stack, lwip, and any a user declares), derived from their declarations by
 * scn_pairings_set (pairing.c). A pairing is an index; the index is also the bit in a
 * pairing mask, so SCN_MAX_IMPLS * SCN_MAX_IMPLS fit in an unsigned. */
#define SCN_MAX_IMPLS 5
#define SCN_MAX_PAIRS (SCN_MAX_IMPLS * SCN_MAX_IMPLS)

enum scn_role { SCN_CLIENT, SCN_SERVER };
/* "client" or "server", as the language and the reports say it */
const char *scn_role_name(enum scn_role role);

/* Make the pairings of the n implementations v the ones every function below names: each
 * implementation's in the order of their `order` declarations (the name breaks ties), first
 * those its `check` line lists, then the others, the newer implementation first as client,
 * then itself against itself. Returns 0, or -EINVAL with why filled ("FILE:LINE:COL:
 * problem"). */
int scn_pairings_set(const struct impl *v, size_t n, char *why, size_t size);

unsigned scn_pair_count(void);
unsigned scn_all_pairs(void);
/* What a check runs unless told otherwise: the pairings the declarations' `check` lines name. */
unsigned scn_default_pairs(void);
/* The pairings between implementations a check runs against themselves by default (linux,
 * stack): the scenario table always has their columns. */
unsigned scn_core_pairs(void);
const char *scn_pair_name(unsigned p);
/* The index of the pairing called name, or -1. */
int scn_pair_find(const char *name);
/* The implementation (impl/NAME.impl) at the role's end: "linux", "stack", "lwip"... */
const char *scn_pair_impl_name(unsigned p, enum scn_role role);
/* What the role's end declares: its settings, whether its clock can be sped up (supports
 * stack-scale), whether it lingers after its script (supports linger). */
enum impl_settings scn_pair_settings(unsigned p, enum scn_role role);
bool scn_pair_scales(unsigned p, enum scn_role role);
bool scn_pair_lingers(unsigned p, enum scn_role role);
/* The member of the "counters" record that the role's end reports the counter (counter.h) in,
 * as its impl file's `counter NAME KEY` says; NULL when it cannot report it. */
const char *scn_pair_counter_key(unsigned p, enum scn_role role, const char *counter);
/* Whether both ends declare IPv6 (impl file: families ipv4 ipv6). */
bool scn_pair_speaks_ipv6(unsigned p);
/* "linux-linux", "stack-*", "*-linux", "client=linux", "server=stack", "all", or a comma
 * separated list of those. Returns the mask, or 0 when the text is not a pairing spec. */
unsigned scn_pairs_parse(const char *spec);
/* Every pairing with the implementation NAME at either end ("all": every pairing), or a comma
 * separated list of those. Returns the mask, or 0 when a name is not an implementation's. */
unsigned scn_impl_pairs_parse(const char *spec);
/* For messages: every pairing's name ("stack-stack, stack-linux, ...") or every
 * implementation's ("stack, linux, lwip"), comma separated. */
void scn_pairs_list(char *buf, size_t size, bool impls);

/* The expected time of an event (a segment, or an application's outcome). */
enum scn_time_kind {
	SCN_T_NONE,  /* not checked */
	SCN_T_AFTER, /* +DUR: after the anchor (the segment before, or a label) */
	SCN_T_AT,    /* at DUR: after the first segment of the conversation */
};

struct scn_time {
	enum scn_time_kind kind;
	int64_t nominal_us; /* +DUR, or the low end of a range */
	int64_t max_us;     /* range +A..B: B; otherwise equal to nominal_us */
	bool range;         /* bounds given: no tolerance added */
	int64_t tol_us;     /* ~DUR; -1 when not given */
	int tol_pct;        /* ~N%; -1 when not given */
	char anchor[32];    /* "after LABEL"; empty: the segment before */
};

/* The window [lo, hi] (microseconds after the anchor) the time allows: ranges as written,
 * otherwise nominal +- tolerance, by default max(4 ms, 12.5% of the gap) (packetdrill's). */
void scn_time_window(const struct scn_time *t, double scale, int64_t *lo, int64_t *hi);

/* rewritten: by set or strip; corrupted: by corrupt; duplicated, reset, injected: by duplicate
 * and reset (rules/README.md, "Actions") */
enum scn_verdict {
	SCN_V_ANY = -1,
	SCN_V_PASS = 0,
	SCN_V_DROP = 1,
	SCN_V_DELAY = 2,
	SCN_V_REWRITTEN = 3,
	SCN_V_CORRUPTED = 4,
	SCN_V_DUPLICATED = 5, /* passed, and copies injected after it */
	SCN_V_RESET = 6,      /* a reset rule forged RSTs for it */
	SCN_V_INJECTED = 7,   /* made by the wire, not by an end */
	SCN_V_REORDERED = 8,  /* held by reorder until later segments overtook it */
};

enum scn_seg_kind {
	SCN_SEG,      /* one segment */
	SCN_ANYTHING, /* "...": any number of segments (none included) */
};

/* One expected segment: a line of the conversation. */
struct scn_seg {
	enum scn_seg_kind kind;
	unsigned line;
	unsigned pairs;    /* pairings it applies to (from an enclosing `when` block) */
	unsigned families; /* SCN_FAMILY_* it applies to (`when ipv6`); 0: both */
	char label[32];
	char text[160];    /* the line as written, for side-by-side reports */
	int dir;           /* 0: client to server, 1: server to client */
	uint8_t flags;     /* TCPF_* that must be set */
	uint8_t flags_may; /* TCPF_* that may be set or not ([P?.]) */
	bool flags_any;    /* [*] */
	bool has_seq, has_ack, has_len;
	uint32_t seq; /* relative to the sender's ISN */
	uint32_t ack; /* relative to the receiver's ISN */
	uint32_t len;
	int verdict;    /* enum scn_verdict */
	bool maybe;     /* `maybe`: the segment may be absent */
	unsigned group; /* unordered group ({ ... }) id, 0 for none */
	struct scn_time time;
};

/* What an application ends with (its exit status; every endpoint program shares them). */
enum scn_outcome {
	SCN_OUT_UNSET = -1,
	SCN_OUT_OK = PEER_EXIT_OK,
	SCN_OUT_ERROR = PEER_EXIT_OTHER,
	SCN_OUT_ETIMEDOUT = PEER_EXIT_TIMEDOUT,
	SCN_OUT_ECONNREFUSED = PEER_EXIT_REFUSED,
	SCN_OUT_ECONNRESET = PEER_EXIT_RESET,
	SCN_OUT_ECONNABORTED = PEER_EXIT_ABORTED,
	SCN_OUT_KILLED = 100, /* still running when the run ended: the runner stopped it */
	SCN_OUT_ANY = 101,
};
const char *scn_outcome_name(int outcome);
int scn_outcome_parse(const char *word); /* -1 when unknown */
/* The word a segment line gives a verdict (dropped, delayed...); NULL for none, and for
 * SCN_V_ANY. */
const char *scn_verdict_name(int verdict);
int scn_verdict_parse(const char *word, size_t n); /* SCN_V_ANY when unknown */

#define SCN_MAX_SEES 8

/* One directive that holds only for some pairings, its value typed as the directive has it. */
struct scn_item {
	unsigned pairs;
	unsigned families; /* SCN_FAMILY_* it applies to (`when ipv6`); 0: both */
	unsigned line;
	char *text;     /* run: the behaviour script; sysctl, set: KEY=VALUE; rule: the rule */
	int64_t us;     /* start, linger, limit, settle */
	uint64_t count; /* receives: bytes; ack-every: segments */
	bool damaged;   /* receives ... damaged: the bytes must not be the pattern sent */
	int outcome;    /* exit: enum scn_outcome */
	struct scn_time time;        /* exit: when (kind SCN_T_NONE: not checked) */
	char sees[SCN_MAX_SEES][16]; /* sees: the events */
	size_t n_sees;
	char counter[32]; /* counts: the counter's name (counter.h); count its number */
	int compare;      /* counts: enum counter_compare */
};

struct scn_endpoint {
	struct scn_item *scripts; /* the last one that applies wins */
	size_t n_scripts;
	struct scn_item *sysctls; /* KEY=VALUE, full key (net.ipv4.tcp_syn_retries=5) */
	size_t n_sysctls;
	struct scn_item *tunables; /* stack: KEY=VALUE, passed as --set */
	size_t n_tunables;
	struct scn_item *starts; /* start delay after the server listens */
	size_t n_starts;
	struct scn_item *exits; /* expected exit: the outcome, and maybe its time */
	size_t n_exits;
	struct scn_item *sees; /* application events that must appear */
	size_t n_sees;
	struct scn_item *receives; /* bytes read by EOF, of the shared pattern */
	size_t n_receives;
	struct scn_item *lingers; /* stack: stay this long after the script (--linger) */
	size_t n_lingers;
	struct scn_item *ack_everys; /* every ACK covers at most N full segments of the peer's */
	size_t n_ack_everys;
	struct scn_item *counts; /* a TCP event counter over the endpoint's run; each one holds */
	size_t n_counts;
};

/* `rules FILE`: the parser records it, the caller reads the file (scenario_file.c). */
struct scn_include {
	unsigned pairs;
	unsigned line;
	char *path; /* relative names made relative to the scenario's folder */
};

struct scn_skip {
	unsigned pairs;
	char reason[200];
};

/* The address families a case runs over, as bits (`family ipv4|ipv6|both`). */
#define SCN_FAMILY_IPV4 1u
#define SCN_FAMILY_IPV6 2u
#define SCN_FAMILY_BOTH (SCN_FAMILY_IPV4 | SCN_FAMILY_IPV6)
/* "ipv4", "ipv6", "both" into its bits; 0 for another word. */
unsigned scn_family_parse(const char *word, size_t n);
/* Whether a line of these families (0: both) holds over IPv6 (ipv6) or IPv4. */
static inline bool scn_family_holds(unsigned families, bool ipv6)
{
	return !families || (families & (ipv6 ? SCN_FAMILY_IPV6 : SCN_FAMILY_IPV4));
}

struct scenario {
	char *path;
	char *name; /* file name without .scn */
	char *about;
	unsigned pairs; /* pairings the case is meant for (default all) */
	struct scn_skip *skips;
	size_t n_skips;
	int64_t limit_us;  /* the run is stopped after this (default 30 s) */
	int64_t settle_us; /* kept running after the client finished (default 500 ms) */
	struct scn_item *limits, *settles; /* the same inside `when` blocks */
	size_t n_limits, n_settles;
	uint16_t port; /* server port (default 80) */
	/* family ipv4|ipv6|both: the families a check runs it over, one case each; with
	 * `because REASON`, the others cannot be asked for (--family skips them). With no family
	 * line (family_given false): IPv4, and IPv6 too in the pairings whose two ends both
	 * declare it (families is IPv4 then, what a single-family reader takes) */
	unsigned families;
	bool family_given;
	char family_reason[200];
	/* simultaneous-open CPORT SPORT: both ends connect, from these ports, to each other */
	uint16_t simopen_cport, simopen_sport;
	/* Rules, each line at its own line number so faultd's file:line points into the .scn;
	 * line 0 for the lines of an included file */
	struct scn_item *rules;
	size_t n_rules;
	struct scn_include *includes;
	size_t n_includes;
	struct scn_endpoint ep[2];
	struct scn_seg *segs;
	size_t n_segs;
	/* The time-scaled variant (stack-scale): stack ends run their clock 1/stack_scale
	 * times faster and expected times are multiplied by stack_scale */
	double stack_scale;
	unsigned scale_pairs;
};

struct scn_error {
	char file[256];
	unsigned line;
	char msg[256];
};

/* Parse a scenario from text (path is for messages and for relative `rules FILE` names, which
 * are recorded in s->includes, not read). Returns 0, or -EINVAL with err filled; a scenario
 * that failed to parse is left empty. */
int scenario_parse_string(struct scenario *s, const char *path, const char *text,
                          struct scn_error *err);
/* The lines of an included rule file's text, as the rules of inc's pairings. 0 or -ENOMEM. */
int scenario_add_rules_text(struct scenario *s, const struct scn_include *inc, const char *text);
/* A whole text file as a string to free, or NULL with errno set (scenario_file.c). */
char *scn_read_text(const char *path);
/* Read and parse path, then read the rule files it includes (scenario_file.c). */
int scenario_parse_file(struct scenario *s, const char *path, struct scn_error *err);
void scenario_free(struct scenario *s);

/* At most this many `counts` lines per endpoint. */
#define SCN_MAX_COUNTS 8

/* One `counts` line of a case: the counter, the member of the end's "counters" record it is
 * (its impl file's `counter NAME KEY`), and the comparison. */
struct scn_count {
	const char *counter;
	const char *key;
	int compare; /* enum counter_compare */
	uint64_t value;
};

/* What one pairing of a scenario runs and expects. Pointers refer into the scenario. */
struct scn_case {
	const struct scenario *scn;
	unsigned pair;
	bool ipv6; /* over IPv6: a dual-stack topology, the ends on their IPv6 addresses */
	bool skip;
	char skip_reason[200];
	double scale; /* expected times multiply by this (1 unless a scaled stack variant) */
	int64_t limit_us;
	int64_t settle_us;
	const char *script[2];
	const char *sysctls[2][32];
	size_t n_sysctls[2];
	const char *tunables[2][32];
	size_t n_tunables[2];
	int64_t start_us[2];
	int exit[2]; /* enum scn_outcome */
	struct scn_time exit_time[2];
	const char *sees[2][SCN_MAX_SEES];
	size_t n_sees[2];
	int64_t receives[2]; /* -1: not checked */
	bool receives_damaged[2];
	int64_t linger_us[2];  /* -1: none */
	unsigned ack_every[2]; /* 0: not checked */
	struct scn_count counts[2][SCN_MAX_COUNTS];
	size_t n_counts[2];
	/* the conversation: pointers into scn->segs, in order */
	const struct scn_seg **segs;
	size_t n_segs;
};

/* Fill c for one pairing. scaled: the time-scaled stack variant. Returns 0 or -ENOMEM. */
int scenario_resolve(const struct scenario *s, unsigned p, bool scaled, struct scn_case *c);
/* The same over IPv6 when ipv6; a family the file's `family ... because` rules out is a skip. */
int scenario_resolve_family(const struct scenario *s, unsigned p, bool scaled, bool ipv6,
                            struct scn_case *c);
void scn_case_free(struct scn_case *c);

/* How long the case's conversation is expected to last (its timed lines and the applications'
 * exit times, nominal), plus the settle time: for scheduling. */
int64_t scn_case_expected_us(const struct scn_case *c);

/* The rule lines for a pairing as one rule file whose line numbers are the scenario's. */
char *scenario_rules_text(const struct scenario *s, unsigned p);

/* "1000", "64K", "1M" (K = 1024). Returns 0, -EINVAL, or -ERANGE past 2^64 - 1. */
int scn_size_parse(const char *text, uint64_t *bytes);

/* "500ms", "1.5s", "63s", "200us", "2m", at most a day (SCN_MAX_DURATION_US). Returns 0,
 * -EINVAL, or -ERANGE past a day. */
#define SCN_MAX_DURATION_US 86400000000ull
int scn_duration_parse(const char *text, int64_t *us);

#endif
