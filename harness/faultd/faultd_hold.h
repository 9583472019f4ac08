/* faultd_hold.h: the packets synfin-faultd holds for a delay rule.
 *
 * A held packet waits in a delay queue (common/delay_queue.h) ordered by its deadline; one
 * loop timer stands at the earliest deadline. When it is due the packet gets its verdict and
 * the daemon's release callback traces it. At exit every packet still held is delivered (or
 * dropped) at once.
 *
 * Two ways to hold. By default the packet itself waits in the kernel's queue and its verdict
 * is what waits here: cheapest per packet (a release is one entry of a batch verdict), but the
 * kernel's queue is bounded (65536 on Linux 6.18, whatever --queue-maxlen asks), and kernels
 * that find a verdict's packet by walking the queue slow every other packet down. With copies
 * (hold_use_copies) the original is dropped at once and the daemon sends its copy out of the bridge
 * port at release: no bound but memory, a short kernel queue, and one send per packet (about half
 * the goodput with a delay on every segment). When --queue-maxlen asks more than the kernel
 * keeps, the daemon holds packets in the kernel until they approach its cap and copies past
 * it (hold_copies_past).
 */
#ifndef SYNFIN_FAULTD_HOLD_H
#define SYNFIN_FAULTD_HOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/delay_queue.h"
#include "common/latency_hist.h"
#include "nfq_queue.h"
#include "rules/rule.h"

struct event_loop;

/* The most packets this kernel keeps in one NFQUEUE, whatever NFQA_CFG_QUEUE_MAXLEN asks
 * (measured on Linux 6.18: the rest are dropped as with the queue full). */
#define HOLD_KERNEL_QUEUE_CAP 65536u
/* Room left below that cap, once copies take over, for the packets the daemon has not judged
 * yet (they wait in the same queue). A daemon that falls behind a burst on a busy machine had
 * about 15,000 unread there when 4,096 were left, and the kernel dropped the rest: half the
 * queue is kept for them. */
#define HOLD_KERNEL_QUEUE_MARGIN 32768u

/* A packet held by a delay rule: a copy for the trace, and what held it. */
struct held_packet {
	uint64_t seen_mono_ns; /* when it arrived (the kernel's stamp), or was read */
	struct verdict verdict;
	const char *rule_file; /* the name of the ruleset that held it (kept until exit) */
	/* held as a copy (hold_use_copies): the original is dropped, the copy is sent at release
	 * out of bridge port out_ifindex behind this Ethernet header; 0: held in the kernel */
	uint32_t out_ifindex;
	uint8_t eth[14];
	bool injected; /* a copy a duplicate rule sends after a gap, its original passed already */
	/* a reorder hold's end (faultd_reorder.c): as trace_event's fields of the same names */
	uint32_t released_after;
	uint32_t released_quiet_us;
	size_t len;
	uint8_t data[];
};

struct hold_stats {
	uint64_t delayed;
	uint64_t released;
	uint64_t released_at_exit;
	uint64_t dropped_at_exit;
	uint64_t hold_failed; /* could not be held (no memory): accepted at once */
	uint64_t copies;      /* held as copies, their originals dropped */
	uint64_t copy_send_errors;
	uint64_t injected;       /* segments made and sent by the daemon (duplicate, reset) */
	uint64_t inject_failed;  /* not sent: the host behind the port not known yet, or an error */
	size_t peak_held;        /* the most packets held at once */
	size_t peak_copy_bytes;  /* the most memory their copies took at once */
	size_t peak_queue_bytes; /* the most the delay queue took */
	/* how long after its deadline each packet released on time got its verdict: the turn
	 * that was running when it fell due, the timer's wake-up */
	struct latency_hist late;
};

/* Called once the verdict of a held packet is queued: drop is true for a packet dropped at
 * exit. h is freed after the call. */
typedef void (*hold_release_fn)(void *ctx, const struct held_packet *h, uint64_t held_us,
                                bool drop);

/* The clocks for one packet, read once and shared by the calls that need them: the wall clock
 * (real_ns, read first), then the monotonic one (mono_ns; 0 until a call needs it). A held
 * packet cost four clock reads before, a tenth of the daemon's own time per packet. */
struct hold_clock {
	uint64_t real_ns;
	uint64_t mono_ns;
};

/* A wire has a client side and a server side: one bridge port each. */
#define WIRE_SIDES 2

struct faultd_hold {
	struct delay_queue held;
	struct nfq_queue *const *nfq;
	struct event_loop *loop;
	long timer_id;        /* the loop's timer for the earliest held packet; 0: none */
	uint64_t timer_at_ns; /* when it fires */
	uint64_t last_release_ns;
	uint64_t last_arrival_ns; /* of the packet held last: where the next one's delay starts */
	size_t copy_bytes;        /* what the held copies take now */
	size_t in_kernel;         /* held packets waiting in the kernel's queue */
	/* hold copies (when the packet socket is open) once this many wait in the kernel: 0 with
	 * --hold-copies, the kernel's cap less a margin when copies take over past it */
	size_t copies_past;
	bool copies_begun; /* the first copy past the cap was held, not yet said */
	/* hold_use_copies: an AF_PACKET socket, and the MAC address of the host behind each bridge
	 * port, learned from the source address of packets that came in on it */
	int packet_fd;
	bool copies; /* hold_use_copies */
	int arp_fd;  /* receives ARP frames, to learn each port's host before its first segment;
	              * closed once WIRE_SIDES ports have queued segments */
	struct {
		uint32_t ifindex;
		uint8_t mac[6];
		bool queued; /* learned from a queued segment: a port of the bridge for sure */
	} ports[8];
	unsigned n_ports;
	bool verdicts_pending; /* a release queued a verdict not flushed yet */
	hold_release_fn on_release;
	void *ctx;
	struct hold_stats c;
};

/* nfq: where the daemon keeps its queue, which it opens after this (packets that come while
 * it binds are judged already, when the pointer is set). */
void hold_init(struct faultd_hold *h, struct event_loop *loop, struct nfq_queue *const *nfq,
               hold_release_fn on_release, void *ctx);
/* Frees what is still held without a verdict (after hold_release_all, nothing). */
void hold_free(struct faultd_hold *h);

/* Hold copies in the daemon instead of packets in the kernel's queue: the original gets its
 * drop verdict at once and the copy is sent out of the bridge port toward its receiver at
 * release. 0 or a negative errno (no AF_PACKET socket). */
int hold_use_copies(struct faultd_hold *h);
/* The same, only for packets held while held_in_kernel or more wait in the kernel's queue.
 * 0 or a negative errno. */
int hold_copies_past(struct faultd_hold *h, size_t held_in_kernel);
/* True once, after the first packet held as a copy because the kernel's queue was near the
 * threshold of hold_copies_past (not with --hold-copies): the caller says so. */
bool hold_copies_begun(struct faultd_hold *h);
/* Learn the MAC address of the host behind p's input port (every packet, before judging). */
void hold_learn(struct faultd_hold *h, const struct nfq_packet *p);
/* The same from an ARP or neighbour discovery frame: its device may be the bridge itself (its
 * own copy of a broadcast), so it never counts as a side of the wire heard from. */
void hold_learn_neighbour(struct faultd_hold *h, const struct nfq_packet *p);

/* ---- injection (faultd_inject.c): segments the daemon makes and sends itself ---- */

/* Open the packet sockets that send injected segments and learn, from the ARP frames that cross
 * the bridge, the host behind each port before its first TCP segment. 0 or a negative errno. */
int inject_open(struct faultd_hold *h);
/* Learn from the ARP frames waiting in the socket (called before an injection, so that what
 * crossed the bridge before this segment is known, whatever order the loop read them in). */
void inject_learn_pending(struct faultd_hold *h);
/* Send pkt out of the bridge port toward p's receiver (to_sender false) or back toward p's
 * sender, after the verdicts queued so far. 0, -EHOSTUNREACH when that host's address is not
 * known yet, or a negative errno; counted either way. */
int inject_send(struct faultd_hold *h, const struct nfq_packet *p, bool to_sender,
                const uint8_t *pkt, size_t len);
/* Send a copy of p toward its receiver delay_us from now (duplicate ... gap D); released like a
 * held copy, its trace an injected one. */
void inject_later(struct faultd_hold *h, const struct nfq_packet *p, uint64_t delay_us,
                  const struct verdict *v, const char *rule_file);
/* A copy of p to be sent toward its receiver later, Ethernet header and port filled in (as an
 * injected one: the caller says otherwise), or NULL when that host is not known yet or no
 * memory. */
struct held_packet *inject_copy(struct faultd_hold *h, const struct nfq_packet *p);
/* Send a copy of a held packet out of its port (faultd_hold.c). */
void hold_send_copy(struct faultd_hold *h, const struct held_packet *hp);
/* The MAC address of the host behind bridge port ifindex, or NULL when none was seen yet. */
const uint8_t *hold_port_mac(const struct faultd_hold *h, uint32_t ifindex);
/* Push a copy to be sent at deadline_ns (monotonic); 0 or -ENOMEM. */
int hold_push_copy(struct faultd_hold *h, struct held_packet *hp, uint64_t deadline_ns,
                   uint32_t id);

/* Hold p for v->delay_us; rule_file names the ruleset whose rule held it; clk: the clocks read
 * when p was taken from the queue. */
void hold_packet(struct faultd_hold *h, const struct nfq_packet *p, const struct verdict *v,
                 const char *rule_file, struct hold_clock *clk);
/* Whether an accept verdict for packet id may join a batch verdict: no held packet has a
 * lower id. */
bool hold_accept_batchable(const struct faultd_hold *h, uint32_t id);
/* Release every packet whose deadline has come by now (the monotonic clock, in ns): from the
 * timer, and at the end of each turn of the loop, so that under load releases go out with the
 * turn's other verdicts. */
void hold_release_due(struct faultd_hold *h, uint64_t now);
/* Between two packets of a long turn: release what fell due more than HOLD_OVERDUE_NS ago and
 * send the verdicts queued so far, so that a turn reading hundreds of packets (milliseconds
 * under load) does not make held packets wait for its end. Cheap when nothing is overdue: one
 * clock read, none when nothing is held. */
void hold_release_overdue(struct faultd_hold *h, struct hold_clock *clk);
/* Give every held packet its verdict now: accept, or drop when drop is true. */
void hold_release_all(struct faultd_hold *h, bool drop);

/* For the exit summary: the most packets held at once and the daemon's memory per held packet
 * then, and how late after their deadlines packets were released (nothing when none was
 * held). */
void hold_print_memory(const struct faultd_hold *h, FILE *out);

#endif
