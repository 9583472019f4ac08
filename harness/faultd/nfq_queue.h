/* nfq_queue.h: one NFQUEUE, bound over libmnl with libnetfilter_queue's nfq_nlmsg_* API.
 *
 * The daemon's only contact with the kernel's queue: bind it (copy whole packets, fail-open
 * off unless asked for, no GSO), read the packets it hands over, and send verdicts. Verdicts are
 * buffered and go out in one sendto() per nfq_queue_flush(); runs of accepts collapse into one
 * NFQNL_MSG_VERDICT_BATCH when the caller says that is safe (see nfq_queue_accept()).
 */
#ifndef SYNFIN_NFQ_QUEUE_H
#define SYNFIN_NFQ_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nfq_packet {
	uint32_t id;          /* the kernel's packet id, for the verdict */
	uint16_t hw_protocol; /* ETH_P_*, host byte order */
	const uint8_t *data;  /* the network-layer packet; NULL when the kernel sent none */
	size_t len;
	/* bridge ports it came in on and goes out of (0: unknown), and its source MAC address
	 * (hwaddr_len 0: unknown): what re-sending a copy on the wire needs */
	uint32_t physindev;
	uint32_t physoutdev;
	uint8_t hwaddr[8];
	uint16_t hwaddr_len;
	/* when the kernel received it (NFQA_TIMESTAMP, CLOCK_REALTIME ns); 0: unknown */
	uint64_t arrival_real_ns;
};

/* Called for each queued packet. The packet must get a verdict (now or later); data is valid
 * only during the call. */
typedef void (*nfq_packet_fn)(void *ctx, const struct nfq_packet *pkt);

struct nfq_stats {
	uint64_t packets; /* packet messages received */
	uint64_t lost;    /* ids skipped: the kernel could not hand us the packet and dropped it */
	uint64_t enobufs; /* receive overruns the socket reported */
	uint64_t bad_messages;   /* messages that did not parse */
	uint64_t verdict_errors; /* verdicts the kernel refused */
	uint64_t batches;        /* NFQNL_MSG_VERDICT_BATCH messages sent */
	uint64_t verdicts;       /* single NFQNL_MSG_VERDICT messages sent */
};

struct nfq_queue;

#define NFQ_DEFAULT_MAXLEN 8192

struct nfq_config {
	uint16_t queue_num;
	/* how many packets the kernel keeps queued (held ones included) before it drops the next
	 * one, or lets it through with fail_open; the socket's receive buffer grows with it */
	uint32_t maxlen;
	bool fail_open; /* NFQA_CFG_F_FAIL_OPEN: past maxlen, packets pass unjudged */
};

/* Open a netlink socket and bind cfg->queue_num. On failure return a negative errno and put a
 * sentence for the user in why (what went wrong and what to do about it). Packets that arrive
 * while binding are handed to fn already. */
int nfq_queue_open(struct nfq_queue **out, const struct nfq_config *cfg, nfq_packet_fn fn,
                   void *ctx, char *why, size_t why_size);
/* Unbind and close. Packets still queued in the kernel are then dropped by it. */
void nfq_queue_close(struct nfq_queue *q);

int nfq_queue_fd(const struct nfq_queue *q);
const struct nfq_stats *nfq_queue_stats(const struct nfq_queue *q);

/* The kernel's own count of packets it dropped for this queue (/proc/net/netfilter/
 * nfnetlink_queue): queue full, and could not be handed to our socket. 0 or a negative errno. */
int nfq_queue_kernel_drops(const struct nfq_queue *q, uint64_t *queue_full, uint64_t *to_socket);

/* Read and dispatch what the socket holds without blocking (at most a few hundred messages, so
 * a flood cannot starve the caller's timers). Returns the number of packets handed to fn, or
 * a negative errno for a socket error that is not an overrun. */
int nfq_queue_receive(struct nfq_queue *q);

/* Queue an accept verdict. batchable: the caller promises that every packet with a lower id
 * still waiting in the kernel is also to be accepted now, i.e. it holds none (a batch verdict
 * covers every queued id up to the one it names). Otherwise a single verdict is queued. */
void nfq_queue_accept(struct nfq_queue *q, uint32_t id, bool batchable);
/* Queue an accept verdict that replaces the packet with pkt (NFQA_PAYLOAD): the kernel sends
 * pkt on in its place, with no checksum of its own recomputed. len is at most 65535. */
void nfq_queue_accept_packet(struct nfq_queue *q, uint32_t id, const uint8_t *pkt, size_t len);
/* Queue a drop verdict (closes any pending accept run first, so ordering is kept). */
void nfq_queue_drop(struct nfq_queue *q, uint32_t id);
/* The same, batched with neighbouring drops when batchable (see nfq_queue_accept()). */
void nfq_queue_drop_batchable(struct nfq_queue *q, uint32_t id, bool batchable);
/* Send every queued verdict. 0 or a negative errno. */
int nfq_queue_flush(struct nfq_queue *q);

#endif
