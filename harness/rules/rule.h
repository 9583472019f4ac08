/* rule.h: the fault rule engine. Pure code, no I/O beyond reading a rule file: the daemon
 * (synfin-faultd) and the in-memory simulated wire of the stack's unit tests share it.
 *
 * The language is documented in rules/README.md. One rule per line, first match wins; a
 * segment that no rule matches passes.
 */
#ifndef SYNFIN_RULE_H
#define SYNFIN_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wire/segment.h"
#include "wire/segment_forge.h"

enum rule_action {
	RULE_PASS,
	RULE_DROP,
	RULE_DELAY,
	/* rewriting the segment, its checksum kept right (rules/README.md, "Actions") */
	RULE_SET,     /* set win N, set mss N */
	RULE_STRIP,   /* strip sack|ts|wscale|mss */
	RULE_CORRUPT, /* corrupt [payload|header] [checksum bad|fixed] */
	/* injecting segments the ends did not send (rules/README.md, "Injection") */
	RULE_DUPLICATE, /* duplicate [N] [gap D]: the segment passes, and N copies follow it */
	RULE_RESET,     /* reset [to sender|to receiver|both] [exact|in-window] [keep] */
	/* holding a segment back behind others (rules/README.md, "Reordering") */
	RULE_REORDER, /* reorder N [quiet D]: held until N more segments of its direction passed */
	/* rate R [queue N|D]: a bottleneck per rule and direction; its verdicts are RULE_DELAY
	 * (the segment's wait and serialisation) or RULE_DROP (the queue was full) */
	RULE_RATE,
};

/* RULE_REORDER: a held segment goes when its direction of its connection has been quiet this
 * long (no segment passed), so a sender that waits for it is never stuck. */
#define RULE_REORDER_QUIET_DEFAULT_US 200000u
/* RULE_RATE: the queue in packets when none is given, netem's default limit. */
#define RULE_RATE_QUEUE_DEFAULT 1000u

/* RULE_RESET: which end the forged RST goes to. */
enum rule_reset_to {
	RULE_RESET_TO_RECEIVER, /* as if from the segment's sender */
	RULE_RESET_TO_SENDER,   /* as if from the segment's receiver */
	RULE_RESET_BOTH,
};

/* RULE_SET: the field it writes. */
enum rule_set_field {
	RULE_SET_WIN, /* the window field, as tcpdump prints it (before scaling) */
	RULE_SET_MSS, /* the MSS option's value, in segments that carry one */
};

/* RULE_STRIP: the option whose bytes become NOPs. */
enum rule_strip_option {
	RULE_STRIP_SACK, /* SACK-permitted and SACK blocks */
	RULE_STRIP_TS,
	RULE_STRIP_WSCALE,
	RULE_STRIP_MSS,
};

/* RULE_CORRUPT: where the flipped bit is. */
enum rule_corrupt_region {
	RULE_CORRUPT_ANY,     /* the payload, or the TCP header of a segment without one */
	RULE_CORRUPT_PAYLOAD, /* the payload: the rule matches only segments that carry one */
	RULE_CORRUPT_HEADER,
};

enum rule_dir {
	RULE_DIR_ANY,
	RULE_DIR_FROM_CLIENT, /* client to server */
	RULE_DIR_FROM_SERVER, /* server to client */
};

/* Which occurrences (per connection, counted among the segments this rule's match selects) it acts
 * on. */
enum rule_count {
	RULE_COUNT_ALL,   /* every match */
	RULE_COUNT_NTH,   /* only the Nth */
	RULE_COUNT_FIRST, /* the first N */
	RULE_COUNT_AFTER, /* every one after the first N */
};

/* Where in its connection's life a segment falls, as the wire sees the conversation
 * (rules/README.md, "Selection"): bits of rule.phases. */
enum rule_phase {
	RULE_PHASE_HANDSHAKE = 1,   /* SYNs, SYN-ACKs, and the ACK that completes the handshake */
	RULE_PHASE_ESTABLISHED = 2, /* after the handshake, before either FIN */
	RULE_PHASE_CLOSING = 4,     /* the first FIN either way, and everything after it */
};

/* "after @label" / "until @label": the rule applies only on connections where the labelled
 * rule has (or has not yet) been applied. */
enum rule_chain {
	RULE_CHAIN_NONE,
	RULE_CHAIN_AFTER,
	RULE_CHAIN_UNTIL,
};

/* At most this many labelled rules per file: each connection keeps one bit per label. */
#define RULE_MAX_LABELS 64

/* chance_ppm of a rule that always applies: 100% (so percentages resolve to 0.0001%) */
#define RULE_CHANCE_SCALE 1000000u

struct rule {
	/* where it came from, for traces and errors */
	unsigned index; /* 1-based position among the rules */
	unsigned line;  /* 1-based line in the file */
	char *text;     /* the source line, trimmed */

	enum rule_action action;
	uint32_t delay_us;             /* RULE_DELAY */
	uint32_t jitter_us;            /* RULE_DELAY: uniform in [delay - jitter, delay + jitter] */
	enum rule_set_field set_field; /* RULE_SET */
	uint16_t set_value;            /* RULE_SET */
	enum rule_strip_option strip;  /* RULE_STRIP */
	enum rule_corrupt_region corrupt; /* RULE_CORRUPT */
	bool corrupt_fixed;               /* RULE_CORRUPT: "checksum fixed" */
	uint32_t dup_copies;              /* RULE_DUPLICATE: extra copies, 1 .. 100 */
	uint32_t dup_gap_us;              /* RULE_DUPLICATE: before each copy */
	enum rule_reset_to reset_to;      /* RULE_RESET */
	bool reset_in_window;             /* RULE_RESET: in the window, not RCV.NXT (RFC 5961) */
	bool reset_keep;                  /* RULE_RESET: the segment passes too */
	uint32_t reorder_after;           /* RULE_REORDER: segments that overtake it, 1 .. 1000 */
	uint32_t reorder_quiet_us;        /* RULE_REORDER: released after this long quiet */
	uint64_t rate_bps;                /* RULE_RATE: the bottleneck, bits per second */
	uint32_t rate_queue;    /* RULE_RATE: packets that may wait (or be sent) at once */
	uint32_t rate_queue_us; /* RULE_RATE: or, when not 0, the backlog it may hold */

	enum rule_dir dir;
	uint8_t family; /* "ip4": 4, "ip6": 6 (the segment's IP version); 0: either */
	/* flags: the segment must have all of flags_set and none of flags_clear. An exact set,
	 * written [S.], sets flags_exact and compares the whole flag byte against flags_set. */
	uint8_t flags_set;
	uint8_t flags_clear;
	bool flags_exact;
	/* payload length range (inclusive); len_max UINT32_MAX means unbounded */
	uint32_t len_min;
	uint32_t len_max;
	/* ports: 0 means any */
	uint16_t sport;
	uint16_t dport;
	uint16_t port; /* either end */

	enum rule_count count;
	uint32_t count_n;

	/* "chance P%": once the matches and the count admit a segment, the rule applies with
	 * probability chance_ppm / RULE_CHANCE_SCALE, by the rule's own seeded draw (rule_draw.c);
	 * otherwise the segment goes on to the rules below. Without the clause (has_chance false,
	 * as in a zeroed rule) the rule always applies. */
	bool has_chance;
	uint32_t chance_ppm; /* parts per million, 0 .. RULE_CHANCE_SCALE */

	/* Selection by what the segment is in its connection (rules/README.md, "Selection").
	 * All zero: no selection. */
	char *label;              /* "@name" gives "name"; NULL without one */
	unsigned label_bit;       /* the label's bit among the file's labels */
	enum rule_chain chain;    /* after @x, until @x */
	unsigned chain_bit;       /* label_bit of the rule @x names */
	uint32_t attempt_min;     /* "attempt N-M", "original" (1-1), "retransmission" (2-max); */
	uint32_t attempt_max;     /* 0, 0: any. Only segments that occupy sequence space match */
	uint32_t conn_no;         /* "conn N": the Nth connection the matcher has seen; 0: any */
	uint8_t phases;           /* RULE_PHASE_* bits; 0: any */
	bool has_between;         /* "between A B": A <= time since the connection's first */
	uint64_t between_from_us; /* segment < B */
	uint64_t between_to_us;

	uint64_t hits; /* times the rule's action was applied, for the exit summary */
};

struct ruleset {
	char *name; /* file name as given, or a label for inline text */
	struct rule *rules;
	unsigned n_rules;
	unsigned n_labels; /* rules with an @label */
};

/* Whether a rule selects by its connection's state (attempt, conn, phase, chains, between):
 * the matcher must then follow every segment of every connection. */
bool rule_selects_by_state(const struct rule *r);

struct rule_error {
	char file[256];
	unsigned line;
	unsigned col; /* 1-based */
	char msg[256];
	char text[512]; /* the offending line */
};

/* Parse rules. On success fill *rs and return 0. On error fill *err, leave *rs empty and return
 * -EINVAL (syntax) or a negative errno from reading the file. */
int ruleset_parse_file(struct ruleset *rs, const char *path, struct rule_error *err);
int ruleset_parse_string(struct ruleset *rs, const char *name, const char *text,
                         struct rule_error *err);
void ruleset_free(struct ruleset *rs);

/* "file:line:col: message", the line, and a caret under the column, as compilers print them. */
void rule_error_print(FILE *out, const struct rule_error *err);

/* "pass", "drop", "delay", "set", "strip", "corrupt", "duplicate", "reset", "reorder" or "rate",
 * as the rule files spell them. */
const char *rule_action_name(enum rule_action action);

/* What a segment is in the conversation, whatever the ISNs, ports and timing of the run
 * (rules/README.md, "Random rules"): the key of a rule's draws and of the verdict journal. */
struct packet_id {
	uint32_t conn;    /* the connection's number in the matcher, 1 for the first */
	uint8_t dir;      /* enum rule_dir: who sent it (RULE_DIR_ANY: neither end is the client) */
	uint8_t flags;    /* TCPF_* */
	uint32_t seq;     /* relative to the sender's ISN (its first sequence number seen) */
	uint32_t ack;     /* relative to the receiver's ISN; 0 without ACK */
	uint32_t len;     /* payload bytes */
	uint32_t attempt; /* 1 original, 2.. retransmissions; 0 occupies no sequence space */
	uint32_t copy; /* 0; n for the nth repeat in a row of the same segment (duplicate ACKs) */
};

/* The decision for one segment. */
struct verdict {
	enum rule_action action;
	uint32_t delay_us;
	const struct rule *rule; /* NULL when no rule matched (action is RULE_PASS) */
	/* the segment's identity, when the matcher follows connections (has_id): always once a
	 * rule draws or matcher_follow_identities was asked for */
	bool has_id;
	struct packet_id id;
	uint64_t draw;   /* RULE_CORRUPT: the rule's seeded draw that picks the bit */
	bool queue_full; /* RULE_DROP by a rate rule: its queue was full (congestion loss) */
	/* RULE_RESET: the sequence number the segment's receiver expects next (RCV.NXT), as the
	 * matcher follows the connection: what "exact" uses toward the receiver */
	uint32_t receiver_next;
};

/* A segment a RULE_RESET verdict forges for seg. */
struct rule_reset_segment {
	bool to_sender; /* toward seg's sender (from its receiver's address), else its receiver */
	bool ipv6;      /* seg's family: the addresses are saddr6 and daddr6 */
	uint32_t saddr, daddr;
	uint8_t saddr6[16], daddr6[16];
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
};

/* The resets v forges for seg (1, or 2 for "both"), into out; 0 for another action. Toward the
 * receiver the exact sequence number is v->receiver_next; toward the sender it is the
 * acknowledgment seg carries (what its sender expects), or, for a SYN without one, the reset
 * a closed port would send (RFC 9293 3.10.7.1). "in-window" adds 1: inside any window of two
 * bytes or more, and not RCV.NXT, so RFC 5961 3.2 asks for a challenge ACK. */
unsigned verdict_resets(const struct verdict *v, const struct segment *seg,
                        struct rule_reset_segment out[2]);
/* The packet of one of them, into buf; returns its length. */
size_t rule_reset_packet(const struct rule_reset_segment *rst, uint8_t buf[SEGMENT_FORGED_MAX]);

/* What a rewriting verdict (set, strip, corrupt) does to the packet pkt of len bytes, in place,
 * the TCP checksum updated (or, for "checksum bad", left as it was). Returns 1 when the packet
 * changed, 0 when the verdict leaves it as it was (another action, "set mss" or "strip" on a
 * segment without that option), or -EINVAL for a packet that is not IPv4/TCP. */
int verdict_rewrite(const struct verdict *v, uint8_t *pkt, size_t len);

struct matcher;

/* A matcher holds per-connection occurrence counters for one ruleset. Direction is decided by
 * client_addr (host byte order): segments from it go from client to server. seed keys the
 * draws behind jitter and chance, so runs can be repeated. NULL when out of memory. */
struct matcher *matcher_new(struct ruleset *rs, uint32_t client_addr, uint64_t seed);
/* The client's IPv6 address (16 bytes, network byte order) for IPv6 segments' direction: until
 * it is set, no IPv6 segment goes "from client" or "from server". */
void matcher_set_client_ipv6(struct matcher *m, const uint8_t addr[16]);
void matcher_free(struct matcher *m);
/* Swap in a new ruleset (SIGHUP reload): counters start over. The connections followed for
 * identities (their numbers, ISNs, attempts) go on when the new rules follow them too. */
void matcher_set_rules(struct matcher *m, struct ruleset *rs);
/* Decide for one parsed TCP segment seen at now_us (any clock that does not go back; only
 * differences are used, by "between"); increments the chosen rule's hits. A rule with a chance
 * strictly between 0% and 100% draws for each segment it would otherwise decide, and a jitter
 * for each segment it delays: each draw is a hash of the seed, the rule's identity (its
 * @label, or its text and ordinal among identical rules) and the segment's (struct packet_id),
 * so other rules never change it and a seed repeats the whole run. */
void matcher_decide(struct matcher *m, const struct segment *seg, uint64_t now_us,
                    struct verdict *v);

/* Follow every connection and give every verdict its packet_id, drawing or not (for a verdict
 * journal, or a replay of one); counters start over. 0 or -ENOMEM (old table kept). */
int matcher_follow_identities(struct matcher *m);
/* Follow seg as matcher_decide would and say what it is, without deciding: no rule counts it
 * and no draw is made (a replay gives the journal's verdict instead). Needs
 * matcher_follow_identities. */
void matcher_identify(struct matcher *m, const struct segment *seg, uint64_t now_us,
                      struct packet_id *id);

/* Replay: what rule r's verdict on seg carries beyond its action (and the journal's delay), as
 * matcher_decide gives it had r decided seg: the RCV.NXT a reset forges from (receiver_next,
 * from the connection as followed), the bit corrupt flips (draw: r's own draw for v->id under
 * the matcher's seed), the label r fires. Call it right after matcher_identify(seg) filled
 * v->id; r must be one of the matcher's rules (otherwise v gets seg's own sequence number and
 * no draw). */
void matcher_replay_effects(struct matcher *m, const struct segment *seg, const struct rule *r,
                            struct verdict *v);
/* The seed of every draw from now on (a replay takes its journal's, so corrupt flips the same
 * bits). */
void matcher_set_seed(struct matcher *m, uint64_t seed);

/* Counters are kept for at most this many connections at once (rules/README.md, "Counting"):
 * when the table is full, the connection seen least recently is forgotten. */
#define MATCHER_DEFAULT_MAX_CONNECTIONS 4096u
/* Change that bound (1 to 2^24); counters start over. 0, -EINVAL or -ENOMEM (old table kept). */
int matcher_set_max_connections(struct matcher *m, unsigned max);
/* Connections that currently hold counters. */
unsigned matcher_connections(const struct matcher *m);

#endif
