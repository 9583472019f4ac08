/* stack_fixture.h: a fake peer and a fake clock around one stack instance, for the stack's Check
 * suites (smoltcp/lwIP style): segments are built relative to the connection's sequence numbers,
 * what the stack emits is captured with its time, and fixtures place a connection in any state.
 * Header-only: every test program includes it. */
#ifndef SYNFIN_STACK_FIXTURE_H
#define SYNFIN_STACK_FIXTURE_H

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checksum.h"
#include "ipv4_wire.h"
#include "stack.h"
#include "stack_internal.h"
#include "tcp_wire.h"
#include "wire/segment.h"

#define FX_LOCAL 0xc0a8016cu /* 192.168.1.108, the stack */
#define FX_PEER 0xc0a8016du  /* 192.168.1.109, the fake peer */
#define FX_LPORT 40000
#define FX_PPORT 80
#define FX_PEER_ISS 2159701206u
#define FX_MAX_PKTS 4096
#define FX_MAX_EVENTS 1024

#define MS 1000ull
#define SEC 1000000ull

struct fx_pkt {
	uint64_t at;
	size_t len;
	uint8_t data[1600];
};

struct fx {
	struct stack *s;
	struct stack_tunables tun;
	uint64_t now;
	/* captured output, FIFO */
	struct fx_pkt *pkts;
	unsigned head, tail;
	/* the last segment taken with fx_recv */
	struct fx_pkt last_pkt;
	struct segment last;
	/* events */
	struct stack_event events[FX_MAX_EVENTS];
	unsigned n_events;
	/* the connection under test and the peer's view of it */
	int sock, listener;
	uint16_t lport, pport;
	uint32_t peer_seq; /* next sequence number the peer sends */
	uint32_t peer_ack; /* what the peer acknowledges (our next byte) */
	uint16_t peer_wnd;
	/* options the peer puts in what it sends: window scale and SACK-permitted in a SYN, a
	 * timestamp (popt.tsval, popt.tsecr) and SACK blocks in any segment, when popt.opts and
	 * popt.n_sack say so */
	struct tcp_hdr popt;
};

static inline void fx_emit(void *ctx, uint64_t now, const uint8_t *pkt, size_t len)
{
	struct fx *f = ctx;

	ck_assert_uint_lt(f->tail - f->head, FX_MAX_PKTS);
	ck_assert_uint_le(len, sizeof(f->pkts[0].data));
	struct fx_pkt *p = &f->pkts[f->tail++ % FX_MAX_PKTS];
	p->at = now;
	p->len = len;
	memcpy(p->data, pkt, len);
}

static inline void fx_event(void *ctx, const struct stack_event *ev)
{
	struct fx *f = ctx;

	if (f->n_events < FX_MAX_EVENTS)
		f->events[f->n_events++] = *ev;
}

/* Prepare tunables (defaults but quickack 0 so delayed ACKs show at once, and RFC 5681's Reno
 * and initial window, whose exact windows the suites count; tests of CUBIC and of the initial
 * window of 10 ask for them); fx_start creates. */
static inline void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	stack_tunables_default(&f->tun);
	f->tun.quickack = 0;
	f->tun.congestion_control = TCP_CC_RENO;
	f->tun.initcwnd = 0;
	f->tun.hystart = false;
	f->pkts = calloc(FX_MAX_PKTS, sizeof(*f->pkts));
	ck_assert_ptr_nonnull(f->pkts);
	f->now = 1000 * SEC;
	f->lport = FX_LPORT;
	f->pport = FX_PPORT;
	f->peer_wnd = 65535;
	f->sock = f->listener = -1;
}

static inline void fx_start(struct fx *f)
{
	struct stack_config cfg = {
	    .addr = FX_LOCAL,
	    .seed = 42,
	    .tun = f->tun,
	    .on_event = fx_event,
	    .event_ctx = f,
	    .emit = fx_emit,
	    .emit_ctx = f,
	};
	f->s = stack_new(&cfg);
	ck_assert_ptr_nonnull(f->s);
}

static inline void fx_free(struct fx *f)
{
	stack_free(f->s);
	free(f->pkts);
	f->s = NULL;
	f->pkts = NULL;
}

/* Run the clock to t, firing every timer on its exact deadline. */
static inline void fx_run_until(struct fx *f, uint64_t t)
{
	for (;;) {
		uint64_t d = stack_next_deadline(f->s);
		if (d > t)
			break;
		if (d > f->now)
			f->now = d;
		stack_timer(f->s, f->now);
	}
	if (t > f->now)
		f->now = t;
}

static inline void fx_advance(struct fx *f, uint64_t dt)
{
	fx_run_until(f, f->now + dt);
}

static inline unsigned fx_pending(const struct fx *f)
{
	return f->tail - f->head;
}

/* Build one IPv4/TCP packet from the peer, with the options of opt (NULL: none but mss). */
static inline size_t fx_build_opts(uint8_t *pkt, uint32_t saddr, uint32_t daddr, uint16_t sport,
                                   uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
                                   uint16_t wnd, uint16_t mss, const void *data, size_t len,
                                   const struct tcp_hdr *opt)
{
	struct tcp_hdr th = {
	    .sport = sport,
	    .dport = dport,
	    .seq = seq,
	    .ack = ack,
	    .flags = flags,
	    .wnd = wnd,
	    .mss = mss,
	    .payload_len = len,
	};
	if (opt) {
		th.opts = opt->opts & (flags & TCPF_SYN ? 0xff : TCP_OPTF_TS);
		th.wscale = opt->wscale;
		th.tsval = opt->tsval;
		th.tsecr = opt->tsecr;
		th.n_sack = flags & TCPF_SYN ? 0 : opt->n_sack;
		memcpy(th.sack, opt->sack, sizeof(th.sack));
	}
	size_t hl = tcp_hdr_len(&th);
	if (len)
		memcpy(pkt + IPV4_HDR_LEN + hl, data, len);
	struct stack_addr src = stack_addr_v4(saddr), dst = stack_addr_v4(daddr);
	tcp_emit(pkt + IPV4_HDR_LEN, &th, &src, &dst);
	ipv4_emit(pkt, saddr, daddr, IPPROTO_NUM_TCP, 1, 64, (uint16_t)(hl + len));
	return IPV4_HDR_LEN + hl + len;
}

static inline size_t fx_build(uint8_t *pkt, uint32_t saddr, uint32_t daddr, uint16_t sport,
                              uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
                              uint16_t wnd, uint16_t mss, const void *data, size_t len)
{
	return fx_build_opts(pkt, saddr, daddr, sport, dport, flags, seq, ack, wnd, mss, data, len,
	                     NULL);
}

/* The peer sends a segment with explicit numbers. */
static inline void fx_send_raw(struct fx *f, uint8_t flags, uint32_t seq, uint32_t ack,
                               const void *data, size_t len)
{
	uint8_t pkt[70000];
	size_t n = fx_build_opts(pkt, FX_PEER, FX_LOCAL, f->pport, f->lport, flags, seq, ack,
	                         f->peer_wnd, (flags & TCPF_SYN) ? 1460 : 0, data, len, &f->popt);
	stack_input(f->s, f->now, pkt, n);
}

/* The peer sends at its current seq/ack and advances its seq by what the segment occupies. */
static inline void fx_send(struct fx *f, uint8_t flags, const void *data, size_t len)
{
	fx_send_raw(f, flags, f->peer_seq, f->peer_ack, data, len);
	f->peer_seq += (uint32_t)len + !!(flags & TCPF_SYN) + !!(flags & TCPF_FIN);
}

/* Take the next emitted packet: fails the test when there is none. */
static inline struct segment *fx_recv(struct fx *f)
{
	ck_assert_msg(fx_pending(f) > 0, "expected a segment at t=%llu, got nothing",
	              (unsigned long long)f->now);
	f->last_pkt = f->pkts[f->head++ % FX_MAX_PKTS];
	int rc = segment_parse(&f->last, f->last_pkt.data, f->last_pkt.len);
	ck_assert_int_eq(rc, 0);
	return &f->last;
}

/* The options of the segment fx_recv took, as the stack's own parser reads them. */
static inline struct tcp_hdr fx_last_opts(const struct fx *f)
{
	struct tcp_hdr th;
	enum stack_drop_reason why;
	struct stack_addr src = stack_addr_v4(f->last.saddr), dst = stack_addr_v4(f->last.daddr);
	int rc = tcp_parse(&th, f->last_pkt.data + IPV4_HDR_LEN, f->last_pkt.len - IPV4_HDR_LEN,
	                   &src, &dst, &why);
	ck_assert_int_eq(rc, 0);
	return th;
}

static inline uint64_t fx_last_at(const struct fx *f)
{
	return f->last_pkt.at;
}

/* Exactly one segment is pending, with exactly these flags. */
static inline struct segment *fx_recv_one(struct fx *f, uint8_t flags)
{
	ck_assert_msg(fx_pending(f) == 1, "expected exactly one segment at t=%llu, got %u",
	              (unsigned long long)f->now, fx_pending(f));
	struct segment *seg = fx_recv(f);
	ck_assert_msg(seg->flags == flags, "flags 0x%02x, expected 0x%02x", seg->flags, flags);
	return seg;
}

static inline void fx_recv_nothing(struct fx *f)
{
	if (fx_pending(f)) {
		struct segment *seg = fx_recv(f);
		ck_abort_msg("expected nothing at t=%llu, got flags 0x%02x seq %u len %u",
		             (unsigned long long)f->now, seg->flags, seg->seq, seg->payload_len);
	}
}

static inline unsigned fx_count_events(const struct fx *f, enum stack_event_type t, int sock)
{
	unsigned n = 0;

	for (unsigned i = 0; i < f->n_events; i++)
		n += f->events[i].type == t && (sock < 0 || f->events[i].sock == sock);
	return n;
}

/* The state changes of sock as "A -> B, B -> C". */
static inline const char *fx_transitions(const struct fx *f, int sock, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < f->n_events && off < size; i++) {
		const struct stack_event *e = &f->events[i];
		if (e->type != STACK_EV_STATE || e->sock != sock)
			continue;
		off += (size_t)snprintf(buf + off, size - off, "%s%s -> %s", off ? ", " : "",
		                        stack_state_name(e->old_state),
		                        stack_state_name(e->new_state));
	}
	return buf;
}

static inline int fx_last_error_event(const struct fx *f, int sock)
{
	for (unsigned i = f->n_events; i-- > 0;) {
		if (f->events[i].type == STACK_EV_ERROR && f->events[i].sock == sock)
			return f->events[i].error;
	}
	return 0;
}

static inline struct tcp_conn *fx_conn(struct fx *f)
{
	for (struct tcp_conn *c = f->s->conns; c; c = c->next) {
		if (c->handle == f->sock)
			return c;
	}
	return NULL;
}

/* Active open: SYN out, the peer's SYN-ACK in, our ACK out. Leaves ESTABLISHED. */
static inline void fx_active_established(struct fx *f)
{
	f->sock = tcp_connect(f->s, f->now, f->lport, FX_PEER, f->pport);
	ck_assert_int_gt(f->sock, 0);
	struct segment *syn = fx_recv_one(f, TCPF_SYN);
	f->peer_ack = syn->seq + 1;
	f->peer_seq = FX_PEER_ISS;
	fx_advance(f, 10 * MS);
	fx_send(f, TCPF_SYN | TCPF_ACK, NULL, 0);
	fx_recv_one(f, TCPF_ACK);
	ck_assert_int_eq(tcp_get_state(f->s, f->sock), TCPS_ESTABLISHED);
}

/* Passive open: listen, the peer's SYN in, SYN-ACK out, the peer's ACK in, accept. */
static inline void fx_passive_established(struct fx *f)
{
	f->listener = tcp_listen(f->s, f->lport, 8);
	ck_assert_int_gt(f->listener, 0);
	f->peer_seq = FX_PEER_ISS;
	fx_send(f, TCPF_SYN, NULL, 0);
	struct segment *sa = fx_recv_one(f, TCPF_SYN | TCPF_ACK);
	ck_assert_uint_eq(sa->ack, f->peer_seq);
	f->peer_ack = sa->seq + 1;
	fx_advance(f, 10 * MS);
	fx_send(f, TCPF_ACK, NULL, 0);
	fx_recv_nothing(f);
	f->sock = tcp_accept(f->s, f->listener);
	ck_assert_int_gt(f->sock, 0);
	ck_assert_int_eq(tcp_get_state(f->s, f->sock), TCPS_ESTABLISHED);
}

/* From ESTABLISHED: our close sends FIN (FIN-WAIT-1). */
static inline void fx_to_fin_wait_1(struct fx *f)
{
	ck_assert_int_eq(tcp_shutdown_write(f->s, f->now, f->sock), 0);
	struct segment *fin = fx_recv_one(f, TCPF_FIN | TCPF_ACK);
	ck_assert_uint_eq(fin->seq, f->peer_ack);
	ck_assert_int_eq(tcp_get_state(f->s, f->sock), TCPS_FIN_WAIT_1);
}

/* From FIN-WAIT-1: the peer ACKs our FIN (FIN-WAIT-2). */
static inline void fx_to_fin_wait_2(struct fx *f)
{
	f->peer_ack++;
	fx_send(f, TCPF_ACK, NULL, 0);
	fx_recv_nothing(f);
	ck_assert_int_eq(tcp_get_state(f->s, f->sock), TCPS_FIN_WAIT_2);
}

/* From FIN-WAIT-2: the peer's FIN, ACKed at once (TIME-WAIT). */
static inline void fx_to_time_wait(struct fx *f)
{
	fx_send(f, TCPF_FIN | TCPF_ACK, NULL, 0);
	struct segment *ack = fx_recv_one(f, TCPF_ACK);
	ck_assert_uint_eq(ack->ack, f->peer_seq);
	ck_assert_int_eq(tcp_get_state(f->s, f->sock), TCPS_TIME_WAIT);
}

/* From ESTABLISHED: the peer's FIN (CLOSE-WAIT); its ACK is delayed and not taken here. */
static inline void fx_to_close_wait(struct fx *f)
{
	fx_send(f, TCPF_FIN | TCPF_ACK, NULL, 0);
	ck_assert_int_eq(tcp_get_state(f->s, f->sock), TCPS_CLOSE_WAIT);
}

#endif
