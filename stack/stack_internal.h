/* stack_internal.h: the stack's private structures, shared by its modules and its unit tests. */
#ifndef SYNFIN_STACK_INTERNAL_H
#define SYNFIN_STACK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/chain_hash.h"
#include "ip_wire.h"
#include "ring.h"
#include "stack.h"
#include "tcp_wire.h"

/* SACKed ranges the sender remembers (RFC 6675's scoreboard); beyond, the oldest above
 * snd_una are kept and the rest forgotten (the receiver repeats them). */
#define TCP_SCOREBOARD 32

/* An out-of-order segment held for reassembly (RFC 9293 3.10.7.4 seventh step). */
struct ooo_seg {
	struct ooo_seg *next;
	uint32_t seq;
	uint32_t len; /* payload bytes */
	bool fin;
	uint8_t data[];
};

/* RFC 5681 3.2 and RFC 6675 2: duplicate ACKs that signal a loss (DupThresh) */
#define DUP_THRESH 3

/* The timers of one connection, as absolute deadlines (STACK_TIME_NEVER when disarmed). */
enum tcp_timer {
	TCP_T_REXMIT,    /* SYN, SYN-ACK, data and FIN retransmission (RFC 6298) */
	TCP_T_PERSIST,   /* zero-window probe (RFC 9293 3.8.6.1) */
	TCP_T_DELACK,    /* delayed ACK (RFC 1122 4.2.3.2) */
	TCP_T_TIME_WAIT, /* 2*MSL (RFC 9293 3.4.2) */
	TCP_T_FIN_WAIT2, /* FIN-WAIT-2 of a closed socket (Linux tcp_fin_timeout) */
	TCP_T_KEEPALIVE, /* keep-alive probes (RFC 1122 4.2.3.6) */
	TCP_T_RACK,      /* RACK reordering timer (RFC 8985 6.2 step 5) */
	TCP_T_COMP_SACK, /* a held-back duplicate ACK (Linux tcp_comp_sack) */
	TCP_T__COUNT,
};

/* One transmission of a range of sequence space, data and FIN (RFC 8985 6.1: per-segment
 * state). The sender keeps them in sequence order from SND.UNA; a retransmission splits them
 * to its own edges and takes the new time. */
struct tcp_xmit_rec {
	uint32_t start, end;
	uint64_t xmit_ts; /* Segment.xmit_ts: the latest transmission */
	uint8_t flags;    /* TCP_XR_* */
};
#define TCP_XR_SACKED 1u  /* delivered above SND.UNA */
#define TCP_XR_LOST 2u    /* Segment.lost: the transmission before the latest is lost */
#define TCP_XR_RETRANS 4u /* Segment.retransmitted */
#define TCP_XR_RESEND 8u  /* its latest transmission is lost: it is due to be sent again */

/* RACK-TLP sender state (RFC 8985 6.1 and 7), tcp_rack.c. */
struct tcp_rack {
	struct tcp_xmit_rec *seg; /* seg[head..len), ascending */
	size_t head, len, cap;
	bool valid;           /* RACK.xmit_ts and RACK.end_seq hold a delivered segment */
	uint64_t xmit_ts;     /* RACK.xmit_ts */
	uint32_t end_seq;     /* RACK.end_seq */
	uint64_t rtt;         /* RACK.rtt */
	uint64_t min_rtt;     /* RACK.min_RTT, 0 before the first sample */
	uint32_t fack;        /* RACK.fack: the highest end_seq delivered */
	bool fack_on;         /* RACK.fack holds one: a segment was delivered */
	bool reordering_seen; /* RACK.reordering_seen */
	unsigned reo_wnd_mult, reo_wnd_persist;
	bool dsack_round_on;  /* RACK.dsack_round is not None */
	uint32_t dsack_round; /* RACK.dsack_round */
	unsigned segs_sacked; /* RACK.segs_sacked */
	bool recovering;      /* in_recovery as the last ACK left it, to see recoveries end */
	bool tlp_armed;       /* the retransmission timer holds a PTO, not an RTO */
	bool tlp_on;          /* TLP.end_seq is not None: a probe is in flight */
	bool tlp_is_retrans;  /* TLP.is_retrans */
	uint32_t tlp_end_seq; /* TLP.end_seq */
};

/* CUBIC's state (RFC 9438 4), tcp_cong.c; windows in segments. */
struct tcp_cubic {
	bool in_epoch;        /* a congestion avoidance epoch runs (4.2) */
	uint64_t epoch_start; /* when it started */
	double k;             /* K, seconds from the epoch's start to the plateau (4.2, eq. 2) */
	double w_max;         /* W_max: the window before the last reduction (4.6, 4.7) */
	double w_est;         /* W_est, the Reno-friendly estimate (4.3) */
	double cwnd_prior;    /* cwnd_prior: the window when the last reduction began (4.6) */
};

/* RFC 9406 HyStart++ in the first slow start (tcp_hystart.c): rounds, their minimum RTTs, and
 * Conservative Slow Start (CSS). Zero is a connection's start; an RTT of 0 is none yet (the
 * RFC's infinity). */
struct tcp_hystart {
	bool done;           /* left for congestion avoidance, or a loss came: plain slow start */
	bool in_css;         /* in Conservative Slow Start (4.2) */
	bool round_started;  /* window_end is set */
	uint32_t window_end; /* SND.NXT when the round began: its ACK ends the round */
	uint64_t last_round_min;   /* lastRoundMinRTT, us */
	uint64_t round_min;        /* currentRoundMinRTT, us */
	unsigned samples;          /* rttSampleCount of this round */
	uint64_t css_baseline_min; /* cssBaselineMinRtt, us */
	unsigned css_rounds;       /* rounds begun in CSS, the partial first one counted */
};

/* The hash tables a connection can be in (tcp_conn.c). */
enum conn_link {
	CONN_BY_HANDLE,
	CONN_BY_TUPLE, /* connections with a remote end */
	CONN_BY_PORT,  /* listeners */
	CONN__LINKS,
};

struct tcp_conn {
	struct tcp_conn *next, *prev; /* every connection of the stack, newest first */
	struct chain_link link[CONN__LINKS];
	size_t heap_pos;       /* index in the timer heap, SIZE_MAX when no timer is armed */
	uint64_t deadline;     /* earliest timer, as the heap last saw it */
	struct tcp_conn *reap; /* next dead connection to free */
	struct stack *stack;
	int handle;
	bool app_closed; /* tcp_close() given: no handle, freed at CLOSED */
	bool dead;       /* CLOSED and no longer wanted: reaped at the end of the call */

	enum tcp_state state;
	struct stack_addr laddr, raddr; /* a listener's laddr is none: every address of ours */
	uint16_t lport, rport;

	/* LISTEN: queue of children */
	int backlog;
	struct tcp_conn *children; /* not yet accepted, newest first */
	int n_children;
	struct tcp_conn *listener;                    /* a child created by a SYN to a listener */
	struct tcp_conn *sibling_next, *sibling_prev; /* in the listener's children */
	bool passive;          /* created by a listener (SYN-RECEIVED returns to LISTEN) */
	bool accept_ready;     /* ESTABLISHED child waiting for tcp_accept */
	unsigned accept_order; /* FIFO order among ready children */

	/* send sequence space (RFC 9293 3.3.1) */
	uint32_t iss;
	uint32_t snd_una, snd_nxt, snd_wnd, snd_wl1, snd_wl2;
	uint32_t snd_max;     /* highest sequence number sent + 1 (snd_nxt goes back on RTO) */
	uint32_t max_snd_wnd; /* largest window the peer offered (RFC 5961 5.2, SWS) */
	uint32_t snd_buf_seq; /* sequence number of the first byte in sndbuf */
	bool fin_queued;      /* shutdown/close asked for a FIN after the data */
	uint16_t snd_mss;     /* what we may put in one segment */

	/* receive sequence space */
	uint32_t irs;
	uint32_t rcv_nxt;
	uint32_t rcv_adv; /* right edge of the window we last advertised */
	bool fin_received;

	struct ring sndbuf, rcvbuf;
	struct ooo_seg *ooo; /* ascending sequence numbers */
	struct ooo_seg *ooo_tail;
	size_t ooo_bytes;

	/* RFC 7323 and RFC 2018, as the handshake settled them (tcp_options.c) */
	bool ws_ok, ts_ok, sack_ok;
	uint8_t snd_wscale; /* the peer's shift, applied to every window it sends but a SYN's */
	uint8_t rcv_wscale; /* ours, applied to every window we send but a SYN's */
	uint32_t ts_offset; /* added to the 1 ms TSval clock */
	uint32_t ts_recent; /* TS.Recent (RFC 7323 4.3) */
	uint64_t ts_recent_stamp; /* when TS.Recent was taken, for the 24-day rule of 5.5 */

	/* receive buffer autotuning (tcp_socket.c), as Linux tcp_rcv_space_adjust */
	uint32_t rcvq_space;  /* what the application read in the last measured RTT */
	uint32_t rcvq_copied; /* read since rcvq_time */
	uint64_t rcvq_time;

	/* SACK blocks we send (RFC 2018 4), the most recent first; D-SACK (RFC 2883) */
	struct tcp_sack_block sack_out[TCP_MAX_SACK];
	unsigned n_sack_out;
	struct tcp_sack_block dsack;
	bool dsack_pending;

	/* the SACK scoreboard of what we sent (RFC 6675 2): ascending, disjoint, above snd_una */
	struct tcp_sack_block score[TCP_SCOREBOARD];
	unsigned n_score;
	uint32_t high_rxt;  /* HighRxt: the highest sequence number retransmitted in recovery */
	bool sack_recovery; /* RFC 6675 5 loss recovery (in_recovery is also set) */

	struct tcp_rack rack;

	/* RFC 6298 */
	uint64_t srtt, rttvar, rto;
	bool rtt_valid;
	bool rtt_timing;
	uint32_t rtt_seq;
	uint64_t rtt_start;
	unsigned retransmits; /* consecutive timeouts of the oldest segment */
	bool handshake_retransmitted;

	/* RFC 5681 / RFC 6582, with CUBIC's state when that is the algorithm */
	uint32_t cwnd, ssthresh;
	struct tcp_cubic cubic;
	struct tcp_hystart hystart;
	uint64_t last_send; /* last data or FIN sent by tcp_output, for RFC 5681 4.1 */
	unsigned dupacks;
	bool in_recovery;
	uint32_t recover;

	/* delayed ACK */
	bool ack_now;       /* send an ACK at the end of this input */
	bool ack_pending;   /* an ACK is owed (the delayed-ACK timer runs) */
	uint32_t rcv_acked; /* rcv_nxt when we last sent an ACK */
	unsigned quick;     /* quick ACKs left (Linux quickack mode) */
	/* SACK compression (tcp_ooo_ack) */
	unsigned comp_acks;   /* duplicate ACKs held back since the last ACK sent */
	unsigned dupacks_out; /* duplicate ACKs sent at once for RCV.NXT comp_rcv_nxt */
	uint32_t comp_rcv_nxt;

	unsigned persist_backoff;

	bool nodelay;
	bool keepalive;
	/* this connection's keep-alive times, from the tunables or tcp_set_keepalive_timing
	 * (Linux's per-socket TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT) */
	uint64_t keepalive_time;
	uint64_t keepalive_intvl;
	unsigned keepalive_probes;
	unsigned ka_probes; /* keep-alive probes unanswered */
	uint64_t last_rcv;  /* when the peer's last segment arrived */
	bool want_writable;
	int error;

	uint64_t timer[TCP_T__COUNT];
};

struct pkt_node {
	struct pkt_node *next;
	uint64_t now;
	size_t len;
	uint8_t data[];
};

struct ev_node {
	struct ev_node *next;
	struct stack_event ev;
};

struct stack {
	struct stack_config cfg;
	struct stack_tunables tun;
	struct stack_stats stats;

	struct tcp_conn *conns; /* newest first */
	size_t n_conns;
	int next_handle;
	struct chain_hash by_handle, by_tuple, listeners;
	struct tcp_conn *recent; /* tcp_conn_lookup's last find, until it dies */
	uint32_t *port_users;    /* connections (listeners too) bound to each local port */
	uint8_t hash_key[16];    /* keys the 4-tuple hash, so a peer cannot choose collisions */
	struct tcp_conn **heap;  /* min-heap of connections by earliest timer deadline */
	size_t heap_len, heap_cap;
	struct tcp_conn **due;   /* stack_timer's list, heap_cap long */
	struct tcp_conn *reaped; /* dead connections, freed at the end of the outermost call */
	unsigned accept_seq;

	uint8_t isn_key[16];
	uint64_t prng;
	uint16_t ip_id;
	struct stack_addr addr4; /* cfg.addr, IPv4-mapped */

	/* challenge ACK rate limit (RFC 5961 7) */
	uint64_t challenge_window_start;
	uint32_t challenge_count;

	/* deferred work, flushed at the end of the outermost public call */
	unsigned depth;
	struct pkt_node *out_head, *out_tail;
	struct ev_node *ev_head, *ev_tail;
};

/* stack.c */
void stack_enter(struct stack *s);
void stack_leave(struct stack *s);
void stack_queue_packet(struct stack *s, uint64_t now, const uint8_t *pkt, size_t len);
struct stack_event *stack_post_event(struct stack *s, uint64_t now, enum stack_event_type type,
                                     int sock, int error);
void stack_drop(struct stack *s, enum stack_drop_reason why);
uint64_t stack_random(struct stack *s);

/* tcp_timer_heap.c */
void conn_heap_init_entry(struct tcp_conn *c);
int conn_heap_reserve(struct stack *s); /* 0 or -1 */
void conn_heap_shrink(struct stack *s);
void conn_heap_update(struct tcp_conn *c);
uint64_t conn_heap_earliest(const struct stack *s);
size_t conn_heap_due(struct stack *s, uint64_t now);

/* tcp_conn.c */
int tcp_conn_tables_init(struct stack *s); /* 0 or -ENOMEM */
void tcp_conn_tables_free(struct stack *s);
struct tcp_conn *tcp_conn_new(struct stack *s);
void tcp_conn_free(struct tcp_conn *c);
/* Index a connection once its local port (listener) or 4-tuple is set. */
void tcp_conn_bind_listener(struct tcp_conn *c);
void tcp_conn_bind_tuple(struct tcp_conn *c);
/* A SYN to listener l made child c. */
void tcp_conn_adopt(struct tcp_conn *l, struct tcp_conn *c);
/* tcp_accept took child c from its listener. */
void tcp_conn_disown(struct tcp_conn *c);
/* Nothing can reach c any more: out of every index, freed by tcp_reap. Harmless twice. */
void tcp_conn_kill(struct tcp_conn *c);
struct tcp_conn *tcp_conn_by_handle(const struct stack *s, int handle);
/* The live connection (not CLOSED) of a 4-tuple, without falling back to a listener. */
struct tcp_conn *tcp_conn_find(const struct stack *s, const struct stack_addr *laddr,
                               uint16_t lport, const struct stack_addr *raddr, uint16_t rport);
/* The listener of lport for laddr: one bound to no address (tcp_listen's) takes every one. */
struct tcp_conn *tcp_listener_for(const struct stack *s, const struct stack_addr *laddr,
                                  uint16_t lport);
bool tcp_port_in_use(const struct stack *s, uint16_t port);
struct tcp_conn *tcp_conn_lookup(struct stack *s, const struct stack_addr *laddr, uint16_t lport,
                                 const struct stack_addr *raddr, uint16_t rport);
void tcp_set_state(struct tcp_conn *c, uint64_t now, enum tcp_state st);
/* Move to CLOSED with an error for the application (0 for none). */
void tcp_conn_done(struct tcp_conn *c, uint64_t now, int error);
uint32_t tcp_isn(struct stack *s, uint64_t now, const struct stack_addr *laddr, uint16_t lport,
                 const struct stack_addr *raddr, uint16_t rport);
/* Choose the ISS, enter st (SYN-SENT or SYN-RECEIVED), send the SYN or SYN-ACK and time it. */
void tcp_handshake_start(struct tcp_conn *c, uint64_t now, enum tcp_state st);
void tcp_reap(struct stack *s);
/* RFC 9293 3.5.2's synchronized states: ESTABLISHED to TIME-WAIT; SYN-RECEIVED is not one. */
bool tcp_state_synchronized(enum tcp_state st);

/* tcp_input.c */
void tcp_input(struct stack *s, uint64_t now, const struct stack_addr *saddr,
               const struct stack_addr *daddr, const uint8_t *seg, size_t len);

/* tcp_output.c */
void tcp_output(struct tcp_conn *c, uint64_t now);
void tcp_send_ack(struct tcp_conn *c, uint64_t now);
void tcp_send_challenge_ack(struct tcp_conn *c, uint64_t now);
void tcp_send_syn(struct tcp_conn *c, uint64_t now); /* SYN or SYN-ACK by state */
void tcp_send_rst_for(struct stack *s, uint64_t now, const struct stack_addr *saddr,
                      const struct stack_addr *daddr, const struct tcp_hdr *th);
void tcp_send_rst(struct tcp_conn *c, uint64_t now);
void tcp_retransmit_head(struct tcp_conn *c, uint64_t now);
/* Send len bytes of sndbuf at seq (a retransmission when below snd_max). */
void tcp_send_range(struct tcp_conn *c, uint64_t now, uint32_t seq, uint32_t len);
/* Grow the send buffer toward sndbuf_max as cwnd grows (Linux tcp_sndbuf_expand). */
void tcp_sndbuf_expand(struct tcp_conn *c);
void tcp_send_probe(struct tcp_conn *c, uint64_t now);
void tcp_send_keepalive_probe(struct tcp_conn *c, uint64_t now);
uint32_t tcp_flight_size(const struct tcp_conn *c);
uint32_t tcp_initial_window(const struct tcp_conn *c);
/* tcp_cong.c: the window in congestion avoidance per ACK of new data (acked bytes), the
 * slow-start threshold after a loss from a flight of that size (and the algorithm's own
 * state), a restart after idle. */
void tcp_cong_avoid(struct tcp_conn *c, uint64_t now, uint32_t acked);
uint32_t tcp_cong_loss(struct tcp_conn *c, uint32_t flight);
void tcp_cong_restart(struct tcp_conn *c);
/* RFC 9406: the growth of cwnd in slow start for an ACK of acked new bytes up to ack, by
 * HyStart++ in the first slow start (the tunable hystart), RFC 5681's otherwise; it may end
 * slow start by setting ssthresh. An RTT sample of a newly delivered segment feeds the
 * round's minimum; a loss ends HyStart++ for the connection. */
uint32_t tcp_hystart_increase(struct tcp_conn *c, uint32_t ack, uint32_t acked);
void tcp_hystart_rtt(struct tcp_conn *c, uint64_t rtt);
void tcp_hystart_loss(struct tcp_conn *c);
/* RCV.WND: what is left past RCV.NXT of the window we last advertised. */
static inline uint32_t tcp_rcv_wnd(const struct tcp_conn *c)
{
	return seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
}
/* sndbuf end: sequence number after the last queued byte */
static inline uint32_t tcp_snd_end(const struct tcp_conn *c)
{
	return c->snd_buf_seq + (uint32_t)c->sndbuf.len;
}
static inline bool tcp_fin_acked(const struct tcp_conn *c)
{
	return c->fin_queued && seq_gt(c->snd_una, tcp_snd_end(c));
}

/* tcp_options.c */
uint8_t tcp_select_wscale(uint32_t space);
/* A SYN arrived: settle window scale, timestamps and SACK permission with what it offers. */
void tcp_options_take_syn(struct tcp_conn *c, uint64_t now, const struct tcp_hdr *th);
/* Fill the options of a segment we send (th->flags set): SYN options, timestamps, SACK blocks. */
void tcp_options_fill(struct tcp_conn *c, uint64_t now, struct tcp_hdr *th);
/* SEG.WND in bytes: scaled by the peer's shift unless the segment is a SYN (RFC 7323 2.2). */
uint32_t tcp_seg_wnd(const struct tcp_conn *c, const struct tcp_hdr *th);
uint32_t tcp_tsval(const struct tcp_conn *c, uint64_t now);
/* RFC 7323 5.3 R1: PAWS. True when the segment carries a timestamp older than TS.Recent (still
 * valid: younger than 24 days) and is no RST: the caller ACKs and drops it. */
bool tcp_paws_reject(const struct tcp_conn *c, uint64_t now, const struct tcp_hdr *th);
/* RFC 7323 4.3 (R3): an acceptable segment at or below Last.ACK.sent updates TS.Recent. */
void tcp_ts_recent_update(struct tcp_conn *c, uint64_t now, const struct tcp_hdr *th);
/* RFC 7323 4.1: an ACK of new data echoing one of our TSvals gives an RTT sample. */
void tcp_ts_rtt(struct tcp_conn *c, uint64_t now, const struct tcp_hdr *th);

/* tcp_sack.c */
/* Receiver: out-of-order data [start, end) was stored (last: at the end of the queue); it heads
 * the blocks we send. */
void tcp_sack_note_ooo(struct tcp_conn *c, uint32_t start, uint32_t end, bool last);
/* Receiver: RCV.NXT moved; drop blocks below it. */
void tcp_sack_trim_rcv(struct tcp_conn *c);
/* Receiver: duplicate data [start, end) arrived: the next ACK reports it (RFC 2883). */
void tcp_dsack_note(struct tcp_conn *c, uint32_t start, uint32_t end);
/* Sender: take the blocks of an ACK into the scoreboard; returns bytes newly SACKed. */
uint32_t tcp_sack_update(struct tcp_conn *c, const struct tcp_hdr *th);
/* Sender: forget what snd_una passed, or everything (after an RTO). */
void tcp_sack_trim_snd(struct tcp_conn *c);
void tcp_sack_clear(struct tcp_conn *c);
bool tcp_sack_is_lost(const struct tcp_conn *c, uint32_t seq);
uint32_t tcp_sack_pipe(const struct tcp_conn *c);
/* RFC 6675 5: enter loss recovery and send what pipe allows; send during it. */
void tcp_sack_enter_recovery(struct tcp_conn *c, uint64_t now);
void tcp_sack_recovery_output(struct tcp_conn *c, uint64_t now);

/* tcp_rack.c: RFC 8985 RACK-TLP, with SACK only (as Linux) and as the tunables recovery and
 * early_retrans allow. */
bool tcp_rack_enabled(const struct tcp_conn *c);
bool tcp_tlp_enabled(const struct tcp_conn *c);
void tcp_rack_free(struct tcp_conn *c);
/* [start, end) of sequence space (FIN included) was sent now. */
void tcp_rack_sent(struct tcp_conn *c, uint64_t now, uint32_t start, uint32_t end);
/* An acceptable ACK was processed (snd_una moved or not): RACK steps 1 to 5, TLP 7.4. */
void tcp_rack_on_ack(struct tcp_conn *c, uint64_t now, const struct tcp_hdr *th, bool advanced);
/* The retransmission timeout fired: forget what RACK and TLP knew of the flight. */
void tcp_rack_on_rto(struct tcp_conn *c);
void tcp_rack_timer(struct tcp_conn *c, uint64_t now);
void tcp_rack_rtt_sample(struct tcp_conn *c, uint64_t rtt);
bool tcp_rack_is_lost(const struct tcp_conn *c, uint32_t seq);
uint32_t tcp_rack_lost_bytes(const struct tcp_conn *c, uint32_t start, uint32_t end);
/* Bytes of [start, end) whose latest transmission, a retransmission or not, is lost. */
uint32_t tcp_rack_resend_bytes(const struct tcp_conn *c, uint32_t start, uint32_t end);
/* The first range below limit due to be sent again (its length at most mss); false: none. */
bool tcp_rack_next_resend(const struct tcp_conn *c, uint32_t limit, uint32_t *seq, uint32_t *len);
/* RFC 8985 7.2: arm the PTO in place of the RTO when a probe may go; advancing: after an ACK
 * that moved SND.UNA. Returns true when armed. */
bool tcp_tlp_schedule(struct tcp_conn *c, uint64_t now, bool advancing);
/* RFC 8985 7.3: the PTO fired. */
void tcp_tlp_fire(struct tcp_conn *c, uint64_t now);

/* tcp_timer.c */
void tcp_timer_set(struct tcp_conn *c, enum tcp_timer t, uint64_t when);
void tcp_timer_stop(struct tcp_conn *c, enum tcp_timer t);
uint64_t tcp_conn_deadline(const struct tcp_conn *c);
void tcp_conn_timers(struct tcp_conn *c, uint64_t now);
void tcp_rtt_sample(struct tcp_conn *c, uint64_t rtt);
void tcp_rtt_start(struct tcp_conn *c, uint64_t now, uint32_t seq);
bool tcp_rtt_acked(struct tcp_conn *c, uint64_t now, uint32_t ack); /* true: a sample */
void tcp_arm_rexmit(struct tcp_conn *c, uint64_t now);
void tcp_delack_schedule(struct tcp_conn *c, uint64_t now);
void tcp_ooo_ack(struct tcp_conn *c, uint64_t now);
/* Arm (or disarm) the keep-alive timer for the connection's switch and state. */
void tcp_keepalive_arm(struct tcp_conn *c, uint64_t now);

#endif
