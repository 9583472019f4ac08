/* stack.h: the public API of synfin's userspace TCP stack over IPv4 and IPv6.
 *
 * The stack is pure code: it never reads a clock and makes no system call. Every entry point
 * that can make the stack act takes the current time `now` (microseconds, monotonic, any
 * origin); the stack reports when it next wants to be called (stack_next_deadline) and the host
 * calls stack_timer() then. IPv4 and IPv6 packets (no link-layer header) come in through
 * stack_input() and go out through the emit callback, or, without one, are queued for
 * stack_output().
 *
 * Sockets are integer handles (> 0), never reused within one stack: events of a connection that
 * lives on after tcp_close() still carry its old handle. Errors are negative errno values.
 *
 * Re-entrancy: packets and events are queued while the stack works and delivered at the end
 * of the outermost public call, so the event callback may call back into the stack (tcp_recv,
 * tcp_send, tcp_close...) and the emit callback may feed another stack instance. The emit
 * callback must not call stack_input() on the same instance.
 *
 * Implemented: RFC 9293 (every state, segment arrival in the RFC's order, ISNs from a clock and
 * a keyed hash, MSS option, sender and receiver SWS avoidance, Nagle, zero-window probes),
 * RFC 6298 (RTO, Karn, backoff, the 3 s fallback of 5.7), RFC 5681 (slow start, congestion
 * avoidance, fast retransmit/recovery, restart after idle) with RFC 6582 partial ACKs, RFC 9438
 * CUBIC (the default, as in Linux; Reno as a tunable) and RFC 6928's initial window of 10,
 * RFC 1122 delayed ACK, RFC 5961 (RST and SYN checks, challenge ACKs, optional rate limit),
 * RFC 792 and RFC 4443 echo replies, RFC 8200 IPv6 (extension headers walked, hop limit 64,
 * MSS 20 bytes below IPv4's for the larger header). Linux behaviour where the RFCs leave a choice:
 * SYN/SYN-ACK retry schedule and linear timeouts, quickack, the delayed ACK of a FIN, TIME-WAIT 60
 * s, orphaned FIN-WAIT-2 reset after fin_timeout, RST on close() with unread data. RFC 7323 window
 * scale (the shift Linux picks for the largest receive buffer) and timestamps (1 ms TSval clock,
 * RTT from the echo, PAWS and its 24-day rule), RFC 2018 SACK with RFC 2883 D-SACK and RFC 6675
 * loss recovery, options in Linux's layout; send and receive buffers that grow as Linux's do.
 * Keep-alives with Linux's tunables. RFC 8985 RACK-TLP with SACK, on by default as in Linux.
 * Not implemented: ECN, urgent data (the pointer is ignored,
 * the data delivered in line), IP fragments (counted and dropped), IP options (skipped), ICMP
 * errors (not sent, and received ones are ignored).
 */
#ifndef SYNFIN_STACK_H
#define SYNFIN_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#define STACK_TIME_NEVER UINT64_MAX

/* An address of either family: IPv6's 16 bytes in network order, an IPv4 address stored
 * IPv4-mapped (::ffff:a.b.c.d, RFC 4291 2.5.5.2), so one comparison and one hash serve both.
 * All zero (::) is no address. */
struct stack_addr {
	uint8_t b[16];
};

static inline struct stack_addr stack_addr_v4(uint32_t host_order)
{
	struct stack_addr a = {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
	                        (uint8_t)(host_order >> 24), (uint8_t)(host_order >> 16),
	                        (uint8_t)(host_order >> 8), (uint8_t)host_order}};
	return a;
}

static inline struct stack_addr stack_addr_v6(const uint8_t b[16])
{
	struct stack_addr a;
	memcpy(a.b, b, 16);
	return a;
}

static inline bool stack_addr_is_v4(const struct stack_addr *a)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return memcmp(a->b, mapped, sizeof(mapped)) == 0;
}

/* The IPv4 address of a mapped one, host byte order. */
static inline uint32_t stack_addr_v4_get(const struct stack_addr *a)
{
	return (uint32_t)a->b[12] << 24 | (uint32_t)a->b[13] << 16 | (uint32_t)a->b[14] << 8 |
	       a->b[15];
}

static inline bool stack_addr_eq(const struct stack_addr *a, const struct stack_addr *b)
{
	return memcmp(a->b, b->b, 16) == 0;
}

static inline bool stack_addr_is_none(const struct stack_addr *a)
{
	static const uint8_t zero[16];
	return memcmp(a->b, zero, 16) == 0;
}

/* RFC 9293 3.3.2 states. TCPS_ prefix: glibc's <netinet/tcp.h> already owns TCP_ESTABLISHED. */
enum tcp_state {
	TCPS_CLOSED,
	TCPS_LISTEN,
	TCPS_SYN_SENT,
	TCPS_SYN_RECEIVED,
	TCPS_ESTABLISHED,
	TCPS_FIN_WAIT_1,
	TCPS_FIN_WAIT_2,
	TCPS_CLOSE_WAIT,
	TCPS_CLOSING,
	TCPS_LAST_ACK,
	TCPS_TIME_WAIT,
};

/* "SYN-SENT", "ESTABLISHED"... as RFC 9293 spells them; "?" for an unknown value. */
const char *stack_state_name(enum tcp_state st);

/* Congestion control algorithms (Linux net.ipv4.tcp_congestion_control). */
enum tcp_cc {
	TCP_CC_RENO,  /* RFC 5681 */
	TCP_CC_CUBIC, /* RFC 9438 */
};
const char *tcp_cc_name(enum tcp_cc cc);
/* "reno" or "cubic"; -EINVAL for anything else */
int tcp_cc_parse(const char *name, enum tcp_cc *cc);

/* Tunables, named after the Linux sysctls (net.ipv4.tcp_*) where one exists. Times in us. */
struct stack_tunables {
	unsigned syn_retries;         /* SYN retransmissions before ETIMEDOUT (5) */
	unsigned synack_retries;      /* SYN-ACK retransmissions before giving up (5) */
	unsigned syn_linear_timeouts; /* first N SYN retries at rto_initial, no doubling (0) */
	unsigned retries2;            /* data/FIN retransmissions before ETIMEDOUT (15) */
	uint64_t rto_initial;         /* RFC 6298 2.1 initial RTO (1 s) */
	uint64_t rto_min;             /* lower bound of the computed RTO (200 ms, Linux) */
	uint64_t rto_max;             /* upper bound, also of the backoff (120 s) */
	uint64_t delack_min;          /* delayed-ACK timer (40 ms, Linux TCP_DELACK_MIN) */
	uint64_t delack_max;          /* upper bound of the delayed-ACK timer (200 ms) */
	unsigned quickack;            /* segments ACKed at once at connection start (16) */
	unsigned stretch_ack_segs;    /* full-sized segments one ACK may cover while the window it
	                                 would offer is below the last one (8: RFC 9406's L, what a
	                                 HyStart++ sender grows by per ACK); 2 or less: an ACK every
	                                 second segment always, RFC 1122's rule */
	unsigned comp_sack_nr;        /* duplicate ACKs with SACK that may be held back and sent as
	                                 one (44, Linux tcp_comp_sack_nr); 0: each goes at once */
	uint64_t comp_sack_delay;     /* how long at most, and 1/20 of the RTT at most (1 ms, Linux
	                                 tcp_comp_sack_delay_ns) */
	uint64_t time_wait;           /* TIME-WAIT length, 2*MSL (60 s, Linux) */
	uint64_t fin_timeout;         /* FIN-WAIT-2 limit of a closed socket (60 s) */
	bool nodelay;                 /* default of the per-socket no-delay switch (false) */
	uint16_t mss;                 /* MSS we advertise and default send MSS cap over IPv4 (1460);
	                                 20 less over IPv6, whose header is 20 bytes longer */
	uint32_t rcvbuf;              /* receive buffer per socket at the start (65535); more than
	                                 65535 needs window_scaling */
	uint32_t sndbuf;              /* send buffer per socket at the start (65536) */
	uint32_t rcvbuf_max;          /* receive buffer autotuning bound (6 MB, tcp_rmem[2]);
	                                 <= rcvbuf: no autotuning */
	uint32_t sndbuf_max;          /* send buffer autotuning bound (4 MB, tcp_wmem[2]) */
	bool window_scaling;          /* RFC 7323 window scale offered and accepted (true) */
	bool timestamps;              /* RFC 7323 timestamps offered and accepted (true) */
	bool sack;                    /* RFC 2018 SACK offered and accepted (true) */
	bool dsack;                   /* RFC 2883 duplicate SACK blocks sent (true) */
	bool keepalive;               /* default of the per-socket keep-alive switch (false) */
	uint64_t keepalive_time;      /* idle time before the first probe (2 h) */
	uint64_t keepalive_intvl;     /* between probes (75 s) */
	unsigned keepalive_probes;    /* unanswered probes before the reset, ETIMEDOUT (9) */
	unsigned recovery;            /* Linux tcp_recovery, bits: 0x1 RACK loss detection (RFC 8985
	                                 6), 0x2 its reordering window static, no D-SACK growth (1) */
	unsigned early_retrans;       /* Linux tcp_early_retrans: 3 or 4 send tail loss probes
	                                 (RFC 8985 7), anything else none (3) */
	enum tcp_cc congestion_control; /* after slow start and on loss (cubic, Linux's) */
	unsigned initcwnd;              /* initial window in segments, 0: RFC 5681's 2 to 4 (10:
	                                   RFC 6928's and Linux's, its route attribute) */
	bool hystart;                   /* RFC 9406 HyStart++ in the first slow start (true; Linux
	                                   cubic's hystart parameter, its own HyStart) */
	uint32_t challenge_ack_limit;   /* RFC 5961 7: challenge ACKs per second, 0 = no limit */
	uint8_t ttl;                    /* IPv4 TTL and IPv6 hop limit of what we send (64) */
};

/* Fill *t with the defaults listed above (the textbook's, Linux's where the textbook is silent). */
void stack_tunables_default(struct stack_tunables *t);

enum stack_event_type {
	STACK_EV_STATE,     /* old_state -> new_state (every transition, also of closed sockets) */
	STACK_EV_CONNECTED, /* handshake complete (active and passive sockets) */
	STACK_EV_ACCEPT,    /* a listener (sock) has a connection ready for tcp_accept */
	STACK_EV_READABLE,  /* new in-order data to tcp_recv */
	STACK_EV_EOF,       /* the peer's FIN: tcp_recv returns 0 once the data is read */
	STACK_EV_WRITABLE,  /* send buffer space freed after tcp_send returned -EAGAIN */
	STACK_EV_ERROR,     /* error: -ETIMEDOUT, -ECONNREFUSED, -ECONNRESET */
	STACK_EV_CLOSED,    /* reached CLOSED; a held handle stays valid until tcp_close */
};

const char *stack_event_name(enum stack_event_type t);

struct stack_event {
	enum stack_event_type type;
	uint64_t now;             /* time of the call that caused it */
	int sock;                 /* handle */
	enum tcp_state old_state; /* STACK_EV_STATE */
	enum tcp_state new_state; /* STACK_EV_STATE */
	int error;                /* STACK_EV_ERROR: negative errno */
};

typedef void (*stack_event_fn)(void *ctx, const struct stack_event *ev);
/* One IPv4 or IPv6 packet to put on the wire. */
typedef void (*stack_emit_fn)(void *ctx, uint64_t now, const uint8_t *pkt, size_t len);

struct stack_config {
	uint32_t addr;             /* our IPv4 address, host byte order */
	struct stack_addr addr6;   /* our IPv6 address; all zero: none, IPv6 is dropped */
	uint64_t seed;             /* ISN hash key and ephemeral port PRNG */
	struct stack_tunables tun; /* start from stack_tunables_default() */
	stack_event_fn on_event;   /* may be NULL */
	void *event_ctx;
	stack_emit_fn emit; /* NULL: packets queue up for stack_output() */
	void *emit_ctx;
};

/* Why an incoming packet was dropped (stats.drops[]). */
enum stack_drop_reason {
	STACK_DROP_IP_TRUNCATED,  /* shorter than its IP header or total (payload) length */
	STACK_DROP_IP_BAD_HEADER, /* version, IHL or total length wrong */
	STACK_DROP_IP_BAD_CHECKSUM,
	STACK_DROP_IP_NOT_FOR_US,  /* destination is not our address */
	STACK_DROP_IP_FRAGMENT,    /* fragments are not reassembled */
	STACK_DROP_IP_PROTO,       /* neither TCP nor ICMP */
	STACK_DROP_TCP_TRUNCATED,  /* shorter than 20 bytes of TCP header */
	STACK_DROP_TCP_BAD_OFFSET, /* data offset < 5 or past the end of the segment */
	STACK_DROP_TCP_BAD_CHECKSUM,
	STACK_DROP_TCP_BAD_OPTIONS,    /* option length 0/1 or past the header */
	STACK_DROP_TCP_BAD_ADDR,       /* broadcast/multicast/our own source: RFC 9293 3.10.7.2 */
	STACK_DROP_TCP_NO_SOCKET,      /* no connection, no listener: answered with RST */
	STACK_DROP_TCP_LISTEN,         /* not a SYN in LISTEN (an ACK draws a RST) */
	STACK_DROP_TCP_BACKLOG_FULL,   /* SYN to a listener with a full queue */
	STACK_DROP_TCP_OUT_OF_WINDOW,  /* first check (sequence number) failed; ACK sent unless RST
	                                */
	STACK_DROP_TCP_RST_CHALLENGED, /* RFC 5961 3.2: RST in window but not RCV.NXT */
	STACK_DROP_TCP_SYN_CHALLENGED, /* RFC 5961 4.2: SYN in a synchronized state */
	STACK_DROP_TCP_BAD_ACK,        /* unacceptable ACK (RFC 5961 5.2 or SYN-SENT/SYN-RCVD) */
	STACK_DROP_TCP_NO_ACK,         /* ACK bit off in a synchronized state */
	STACK_DROP_TCP_SYN_SENT,       /* neither SYN nor RST in SYN-SENT */
	STACK_DROP_ICMP_TRUNCATED,
	STACK_DROP_ICMP_BAD_CHECKSUM,
	STACK_DROP_ICMP_TYPE,          /* not an echo request (ignored) */
	STACK_DROP_IP_NOT_V4,          /* neither IPv4 nor IPv6, or IPv6 to a stack without an IPv6
	                                  address (the host's own kernel on a tun) */
	STACK_DROP_TCP_PAWS,           /* RFC 7323 5.3 R1: a timestamp older than TS.Recent */
	STACK_DROP_IP6_BAD_EXT_HEADER, /* an IPv6 extension header past the packet's end, or a
	                                  Hop-by-Hop header not first (RFC 8200 4.1) */
	STACK_DROP__COUNT,
};

const char *stack_drop_reason_name(enum stack_drop_reason r);

struct stack_stats {
	uint64_t ip_in;  /* packets given to stack_input */
	uint64_t ip_out; /* packets emitted */
	uint64_t tcp_in; /* well-formed TCP segments for us */
	uint64_t tcp_out;
	uint64_t tcp_retransmits; /* RTO and fast retransmissions, SYN/FIN included */
	uint64_t tcp_fast_retransmits;
	uint64_t tcp_rst_out;
	uint64_t tcp_challenge_acks;
	uint64_t tcp_delayed_acks;    /* ACKs sent by the delayed-ACK timer */
	uint64_t tcp_acks_compressed; /* duplicate ACKs merged into a later one (Linux
	                                 TCPAckCompressed) */
	uint64_t tcp_zero_window_probes;
	uint64_t icmp_echo_replies;
	uint64_t drops[STACK_DROP__COUNT];
};

/* Per-connection view, for logs and tests. */
struct tcp_info_view {
	enum tcp_state state;
	struct stack_addr laddr, raddr;
	uint16_t lport, rport;
	uint32_t iss, irs;
	uint32_t snd_una, snd_nxt, snd_wnd;
	uint32_t rcv_nxt, rcv_wnd;
	uint32_t snd_mss;
	uint32_t cwnd, ssthresh;
	uint64_t srtt, rttvar, rto; /* us; srtt 0 before the first sample */
	unsigned retransmits;       /* consecutive timeouts of the current segment */
	size_t snd_queued;          /* bytes in the send buffer, unacknowledged included */
	size_t rcv_queued;          /* bytes ready for tcp_recv */
	int error;
};

struct stack;

/* Returns NULL on allocation failure or invalid tunables. */
struct stack *stack_new(const struct stack_config *cfg);
/* Frees everything; sends nothing (use tcp_abort first for RSTs). */
void stack_free(struct stack *s);

/* One IPv4 or IPv6 packet from the device (told apart by the version nibble). Malformed packets
 * are counted and dropped. */
void stack_input(struct stack *s, uint64_t now, const uint8_t *pkt, size_t len);
/* Without an emit callback: copy the next queued packet into buf and return its length, 0 when
 * none is queued, -ENOBUFS (packet kept) when cap is too small. */
ssize_t stack_output(struct stack *s, uint8_t *buf, size_t cap);
/* Absolute time of the earliest timer, STACK_TIME_NEVER when none is armed. */
uint64_t stack_next_deadline(const struct stack *s);
/* Run every timer due at or before now. Harmless when called early. */
void stack_timer(struct stack *s, uint64_t now);

const struct stack_stats *stack_get_stats(const struct stack *s);
const struct stack_tunables *stack_get_tunables(const struct stack *s);

/* Sockets. */
/* A listener takes SYNs to the port on each of the stack's addresses, IPv4 and IPv6 (Linux's
 * dual-stack listener on ::). */
int tcp_listen(struct stack *s, uint16_t port, int backlog); /* handle, -EADDRINUSE */
int tcp_accept(struct stack *s, int listener);               /* handle, -EAGAIN */
/* Active open: returns the handle at once (SYN-SENT); STACK_EV_CONNECTED or STACK_EV_ERROR
 * follows. sport 0 picks a random ephemeral port (32768..60999). */
int tcp_connect(struct stack *s, uint64_t now, uint16_t sport, uint32_t daddr, uint16_t dport);
/* The same to an address of either family, from our address of that family: -EADDRNOTAVAIL when
 * the stack has none. */
int tcp_connect_addr(struct stack *s, uint64_t now, uint16_t sport, const struct stack_addr *daddr,
                     uint16_t dport);
/* Bytes queued (maybe fewer than len), -EAGAIN when the buffer is full, -EPIPE after
 * shutdown/close, -ENOTCONN before the handshake started, the socket's error after one. */
ssize_t tcp_send(struct stack *s, uint64_t now, int sock, const void *buf, size_t len);
/* Bytes read, 0 at EOF, -EAGAIN when nothing is there yet, the socket's error after one. */
ssize_t tcp_recv(struct stack *s, uint64_t now, int sock, void *buf, size_t cap);
/* Send FIN once the queued data is out; reading goes on (half-close, RFC 9293 3.6). */
int tcp_shutdown_write(struct stack *s, uint64_t now, int sock);
/* Give the handle back: FIN (or RST with unread data, RFC 2525 2.17); the connection lives
 * on without a handle (FIN-WAIT-2 bounded by fin_timeout, TIME-WAIT) until CLOSED. */
int tcp_close(struct stack *s, uint64_t now, int sock);
/* Send RST (if synchronized), drop everything, free the handle (RFC 9293 3.10.5 ABORT). */
int tcp_abort(struct stack *s, uint64_t now, int sock);
int tcp_set_nodelay(struct stack *s, uint64_t now, int sock, bool on);
/* RFC 9293 3.8.4, RFC 1122 4.2.3.6 keep-alives (Linux SO_KEEPALIVE): after keepalive_time
 * without a segment from the peer, a probe every keepalive_intvl; keepalive_probes unanswered
 * ones end the connection with a RST and ETIMEDOUT. */
int tcp_set_keepalive(struct stack *s, uint64_t now, int sock, bool on);
/* This socket's keep-alive times in place of the tunables' (Linux TCP_KEEPIDLE, TCP_KEEPINTVL,
 * TCP_KEEPCNT, in microseconds here): a running idle time is measured against the new idle at
 * once, as Linux's TCP_KEEPIDLE does. -EINVAL for a zero value, -EBADF for an unknown handle. */
int tcp_set_keepalive_timing(struct stack *s, uint64_t now, int sock, uint64_t idle, uint64_t intvl,
                             unsigned probes);

/* State, or -EBADF for an unknown handle. */
int tcp_get_state(const struct stack *s, int sock);
/* The pending error (negative errno) or 0; -EBADF for an unknown handle. */
int tcp_get_error(const struct stack *s, int sock);
int tcp_get_info(const struct stack *s, int sock, struct tcp_info_view *info);

#endif
