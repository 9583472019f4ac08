/* fuzz_stack_input.c: the stack's input path (stack_input) on arbitrary IPv4 and IPv6 packets, from
 * every connection state the fuzzer can steer a connection into.
 *
 * Each input starts from the same stack (192.168.1.108 and fd00::108) holding a listener on port
 * 80, one connection accepted on it and one opened by tcp_connect, both ESTABLISHED with a scripted
 * peer (192.168.1.109). The input is then a program of operations, one byte each plus arguments:
 *   raw packet        stack_input of the bytes as they are (parsers, every drop reason), or
 *                     with addresses and IPv4/TCP/ICMP checksums made right, or as IPv6
 *                     with addresses and the TCP/ICMPv6 checksums over its pseudo-header;
 *   crafted segment   flags, seq/ack offsets from the connection's rcv_nxt/snd_una, window,
 *                     options and payload chosen by the input; addresses, ports and both
 *                     checksums filled in (one bit breaks a checksum), so the packet reaches
 *                     the state machine of the chosen connection (or a new one, or no socket);
 *                     or the previous crafted packet repeated (duplicate ACKs);
 *   socket calls      send, recv, shutdown-write, close, abort, accept, connect, nodelay;
 *   time              advance the clock, firing the timers due.
 * Properties: every packet the stack emits parses (segment_parse), comes from our address,
 * has correct IPv4 (or IPv6) and TCP checksums and fits an MTU; handles in events are positive; the
 * timer loop ends; every connection keeps SND.UNA =< SND.NXT, no more in flight than queued,
 * buffers within their sizes and the RTO within its bounds; stack_free releases everything
 * (LeakSanitizer).
 */
#include "fuzz_common.h"

#include <errno.h>
#include <stdbool.h>

#include "stack.h"
#include "wire/segment.h"

#define LOCAL 0xc0a8016cu /* 192.168.1.108 */
#define PEER 0xc0a8016du  /* 192.168.1.109 */
static const uint8_t local6[16] = {0xfd, [14] = 0x01, [15] = 0x08};
static const uint8_t peer6[16] = {0xfd, [14] = 0x01, [15] = 0x09};
#define MS 1000ull

struct conn {
	int sock;
	uint16_t lport, pport;
};

struct world {
	struct stack *s;
	uint64_t now;
	int listener;
	struct conn conns[3]; /* accepted, connected, extra (accepted during the run) */
	uint8_t out[2048];
	struct segment last; /* the last segment the stack emitted */
	unsigned emitted;
	/* new passive connections from peer ports NEW_PPORT + 0..7: the stack's SYN-ACK seq */
	uint32_t synack_seq[8];
	/* the last crafted packet, for repeats (duplicate ACKs, retransmissions) */
	uint8_t prev[1600];
	size_t prev_len;
};

#define NEW_PPORT 40001 /* peer ports of connections the input opens to the listener */
#define PEER_NEW_ISS 1000u

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* RFC 9293 3.1 pseudo-header sum of a TCP segment of tcp_len bytes. */
static uint32_t pseudo(uint32_t saddr, uint32_t daddr, size_t tcp_len)
{
	return (saddr >> 16) + (saddr & 0xffff) + (daddr >> 16) + (daddr & 0xffff) + 6 +
	       (uint32_t)tcp_len;
}

/* RFC 8200 8.1 pseudo-header sum of an upper-layer message of len bytes. */
static uint32_t pseudo6(const uint8_t *saddr, const uint8_t *daddr, uint8_t nh, size_t len)
{
	return sum16(sum16(0, saddr, 16), daddr, 16) + (uint32_t)(len >> 16) +
	       (uint32_t)(len & 0xffff) + nh;
}

/* An IPv6 packet the stack sent: from our address, no extension headers, its upper-layer
 * checksum right. */
static void check_ipv6_out(const struct segment *seg, const uint8_t *pkt, size_t n)
{
	FUZZ_CHECK(memcmp(seg->saddr6, local6, 16) == 0);
	FUZZ_CHECK(n >= 40 && seg->ip_len == n && (pkt[6] == 6 || pkt[6] == 58));
	FUZZ_CHECK(fold(sum16(pseudo6(pkt + 8, pkt + 24, pkt[6], n - 40), pkt + 40, n - 40)) == 0);
}

/* Drain what the stack sent and check each packet. */
static void drain(struct world *w)
{
	for (;;) {
		ssize_t n = stack_output(w->s, w->out, sizeof(w->out));
		FUZZ_CHECK(n != -ENOBUFS);
		if (n <= 0)
			break;
		w->emitted++;
		FUZZ_CHECK(n <= 1500);
		struct segment seg;
		int err = segment_parse(&seg, w->out, (size_t)n);
		if ((err == 0 || err == -EPROTONOSUPPORT) && seg.ipv6) {
			check_ipv6_out(&seg, w->out, (size_t)n);
			continue;
		}
		if (err == -EPROTONOSUPPORT) { /* ICMP echo reply */
			FUZZ_CHECK(seg.ip_proto == 1 && seg.saddr == LOCAL);
			continue;
		}
		FUZZ_CHECK(err == 0);
		FUZZ_CHECK(seg.saddr == LOCAL);
		FUZZ_CHECK(seg.ip_len == n);
		size_t ihl = (size_t)(w->out[0] & 0x0f) * 4;
		FUZZ_CHECK(fold(sum16(0, w->out, ihl)) == 0);
		FUZZ_CHECK(fold(sum16(pseudo(seg.saddr, seg.daddr, (size_t)n - ihl), w->out + ihl,
		                      (size_t)n - ihl)) == 0);
		/* RFC 9293 3.10.7.1: a RST answering a segment without ACK carries ACK; never
		 * SYN+RST */
		FUZZ_CHECK(!((seg.flags & TCPF_RST) && (seg.flags & TCPF_SYN)));
		w->last = seg;
		if (seg.flags == (TCPF_SYN | TCPF_ACK) && seg.sport == 80 &&
		    seg.dport >= NEW_PPORT && seg.dport < NEW_PPORT + 8)
			w->synack_seq[seg.dport - NEW_PPORT] = seg.seq;
	}
}

static void on_event(void *ctx, const struct stack_event *ev)
{
	(void)ctx;
	FUZZ_CHECK(ev->sock > 0);
}

/* One TCP segment from the peer, checksums right unless bad_csum. */
static size_t build(uint8_t *pkt, size_t cap, uint32_t saddr, uint16_t sport, uint16_t dport,
                    uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, const uint8_t *opts,
                    size_t opts_len, const uint8_t *data, size_t data_len, unsigned bad_csum)
{
	opts_len = opts_len > 40 ? 40 : opts_len;
	size_t opts_pad = (opts_len + 3) & ~(size_t)3;
	size_t tcp_len = 20 + opts_pad + data_len;
	size_t len = 20 + tcp_len;
	if (len > cap)
		return 0;
	memset(pkt, 0, len);
	pkt[0] = 0x45;
	put16(pkt + 2, (uint16_t)len);
	put16(pkt + 4, 1);
	pkt[6] = 0x40; /* DF */
	pkt[8] = 64;
	pkt[9] = 6;
	put32(pkt + 12, saddr);
	put32(pkt + 16, LOCAL);
	put16(pkt + 10, fold(sum16(0, pkt, 20)) ^ (bad_csum & 1));
	uint8_t *t = pkt + 20;
	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = (uint8_t)((20 + opts_pad) / 4 << 4);
	t[13] = flags;
	put16(t + 14, win);
	if (opts_len) /* padding stays zero: end of option list */
		memcpy(t + 20, opts, opts_len);
	if (data_len)
		memcpy(t + 20 + opts_pad, data, data_len);
	put16(t + 16, fold(sum16(pseudo(saddr, LOCAL, tcp_len), t, tcp_len)) ^ (bad_csum & 2));
	return len;
}

static void input(struct world *w, const uint8_t *pkt, size_t len)
{
	/* exactly len bytes, so a read past the packet is caught */
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		abort();
	memcpy(copy, pkt, len);
	stack_input(w->s, w->now, copy, len);
	free(copy);
	drain(w);
}

static void advance(struct world *w, uint64_t dt)
{
	uint64_t until = w->now + dt;
	/* every timer due runs at its deadline; a timer that never moves forward is a hang */
	for (unsigned i = 0;; i++) {
		uint64_t d = stack_next_deadline(w->s);
		if (d > until)
			break;
		FUZZ_CHECK(i < 100000);
		if (d > w->now)
			w->now = d;
		stack_timer(w->s, w->now);
		drain(w);
	}
	w->now = until;
}

/* The stack's view of a connection: where the peer's next segment fits. */
static int conn_info(struct world *w, const struct conn *c, struct tcp_info_view *info)
{
	if (c->sock <= 0 || tcp_get_info(w->s, c->sock, info) != 0)
		return -1;
	return 0;
}

static void setup(struct world *w)
{
	struct stack_config cfg = {.addr = LOCAL, .seed = 7, .on_event = on_event, .event_ctx = w};
	memcpy(cfg.addr6.b, local6, 16);
	stack_tunables_default(&cfg.tun);
	cfg.tun.challenge_ack_limit = 0;
	memset(w, 0, sizeof(*w));
	w->now = 1000000 * MS;
	w->s = stack_new(&cfg);
	FUZZ_CHECK(w->s != NULL);
	cfg.event_ctx = w;
	w->listener = tcp_listen(w->s, 80, 4);
	FUZZ_CHECK(w->listener > 0);
	uint8_t pkt[128];
	static const uint8_t mss[] = {2, 4, 0x05, 0xb4};

	/* passive: SYN, SYN-ACK, ACK, accept */
	input(
	    w, pkt,
	    build(pkt, sizeof(pkt), PEER, 40000, 80, TCPF_SYN, 1000, 0, 65535, mss, 4, NULL, 0, 0));
	FUZZ_CHECK(w->last.flags == (TCPF_SYN | TCPF_ACK) && w->last.ack == 1001);
	input(w, pkt,
	      build(pkt, sizeof(pkt), PEER, 40000, 80, TCPF_ACK, 1001, w->last.seq + 1, 65535, NULL,
	            0, NULL, 0, 0));
	w->conns[0] = (struct conn){tcp_accept(w->s, w->listener), 80, 40000};
	FUZZ_CHECK(w->conns[0].sock > 0);
	FUZZ_CHECK(tcp_get_state(w->s, w->conns[0].sock) == TCPS_ESTABLISHED);

	/* active: connect, SYN, SYN-ACK, ACK */
	int c = tcp_connect(w->s, w->now, 50000, PEER, 8080);
	FUZZ_CHECK(c > 0);
	drain(w);
	FUZZ_CHECK(w->last.flags == TCPF_SYN && w->last.sport == 50000);
	input(w, pkt,
	      build(pkt, sizeof(pkt), PEER, 8080, 50000, TCPF_SYN | TCPF_ACK, 7000, w->last.seq + 1,
	            65535, mss, 4, NULL, 0, 0));
	w->conns[1] = (struct conn){c, 50000, 8080};
	FUZZ_CHECK(tcp_get_state(w->s, c) == TCPS_ESTABLISHED);
	w->conns[2] = (struct conn){-1, 80, 40001};
}

struct prog {
	const uint8_t *p;
	size_t left;
};

static uint8_t u8(struct prog *pr)
{
	if (!pr->left)
		return 0;
	pr->left--;
	return *pr->p++;
}

static uint16_t u16(struct prog *pr)
{
	uint16_t hi = u8(pr);
	return (uint16_t)(hi << 8 | u8(pr));
}

static uint32_t u32(struct prog *pr)
{
	uint32_t hi = u16(pr);
	return hi << 16 | u16(pr);
}

static const uint8_t *bytes(struct prog *pr, size_t *n)
{
	if (*n > pr->left)
		*n = pr->left;
	const uint8_t *p = pr->p;
	pr->p += *n;
	pr->left -= *n;
	return p;
}

static void crafted(struct world *w, struct prog *pr)
{
	uint8_t which = u8(pr);
	if (which % 8 >= 5) { /* the previous crafted packet again, 1 to 32 times */
		for (unsigned i = 0; w->prev_len && i <= (unsigned)(which >> 3); i++)
			input(w, w->prev, w->prev_len);
		return;
	}
	uint8_t flags = u8(pr);
	/* how: bits 0-1 break the IP/TCP checksum; 2: seq absolute; 3: ack absolute;
	 * 4: source address from bits 5-6 (ours, broadcast, multicast, another host) */
	uint8_t how = u8(pr);
	uint32_t dseq = u32(pr), dack = u32(pr);
	uint16_t win = u16(pr);
	size_t opts_len = u8(pr) % 41;
	const uint8_t *opts = bytes(pr, &opts_len);
	size_t data_len = u16(pr) % 1500;
	static uint8_t pattern[1500];
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)i;
	uint16_t sport, dport;
	uint32_t seq = dseq, ack = dack;
	/* small offsets around the window edges, so most segments are in play */
	uint32_t dseq16 = (uint32_t)(int32_t)(int16_t)dseq;
	uint32_t dack16 = (uint32_t)(int32_t)(int16_t)dack;
	struct tcp_info_view info;
	const struct conn *c = &w->conns[which % 3];
	switch (which % 8) {
	case 0:
	case 1:
	case 2:
		sport = c->pport;
		dport = c->lport;
		if (conn_info(w, c, &info) == 0) {
			if (!(how & 4))
				seq = info.rcv_nxt + dseq16;
			if (!(how & 8))
				ack = info.snd_una + dack16;
		}
		break;
	case 3: { /* a connection the input opens to the listener: SYN, then the handshake's ACK */
		unsigned k = (which >> 3) & 7;
		sport = (uint16_t)(NEW_PPORT + k);
		dport = 80;
		if (!(how & 4))
			seq = PEER_NEW_ISS + dseq16;
		if (!(how & 8))
			ack = w->synack_seq[k] + 1 + dack16;
		break;
	}
	default: /* a port with no socket */
		sport = 1234;
		dport = (uint16_t)dack;
		break;
	}
	static const uint32_t sources[4] = {LOCAL, 0xffffffffu, 0xe0000001u, 0xc0a80164u};
	uint32_t saddr = (how & 0x10) ? sources[(how >> 5) & 3] : PEER;
	size_t len = build(w->prev, sizeof(w->prev), saddr, sport, dport, flags, seq, ack, win,
	                   opts, opts_len, pattern, data_len, how & 3);
	w->prev_len = len;
	if (len)
		input(w, w->prev, len);
}

/* Raw bytes with, on request, the parts a parser checks first made right: the IPv4 version,
 * addresses and header checksum, and the TCP or ICMP checksum over the rest. Reaches the
 * checks behind the checksums (IP options, fragments, lengths, TCP offsets, ICMP). */
static void raw_fixed(struct world *w, const uint8_t *p, size_t n, uint8_t op)
{
	uint8_t pkt[2048];
	memcpy(pkt, p, n);
	if (n < 20) {
		input(w, pkt, n);
		return;
	}
	pkt[0] = (uint8_t)(0x40 | (pkt[0] & 0x0f));
	put32(pkt + 12, PEER);
	put32(pkt + 16, LOCAL);
	if (op & 0x10)
		pkt[9] = (op & 0x20) ? 1 : 6;
	size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
	size_t total = get16(pkt + 2);
	if (op & 0x40) { /* a total length that agrees with the bytes */
		total = n;
		put16(pkt + 2, (uint16_t)n);
	}
	if (ihl >= 20 && ihl <= n) {
		put16(pkt + 10, 0);
		put16(pkt + 10, fold(sum16(0, pkt, ihl)));
		if (total >= ihl && total <= n) {
			uint8_t *l4 = pkt + ihl;
			size_t l4_len = total - ihl;
			if (pkt[9] == 6 && l4_len >= 18) {
				put16(l4 + 16, 0);
				put16(l4 + 16,
				      fold(sum16(pseudo(PEER, LOCAL, l4_len), l4, l4_len)));
			} else if (pkt[9] == 1 && l4_len >= 4) {
				put16(l4 + 2, 0);
				put16(l4 + 2, fold(sum16(0, l4, l4_len)));
			}
		}
	}
	input(w, pkt, n);
}

/* The same for IPv6: the version, addresses and, on request, the payload length and an upper
 * layer of TCP or ICMPv6 right after the fixed header with its checksum made right. Reaches the
 * extension-header walk and the checks behind the checksums. */
static void raw_fixed6(struct world *w, const uint8_t *p, size_t n, uint8_t op)
{
	uint8_t pkt[2048];
	memcpy(pkt, p, n);
	if (n < 40) {
		input(w, pkt, n);
		return;
	}
	pkt[0] = (uint8_t)(0x60 | (pkt[0] & 0x0f));
	memcpy(pkt + 8, peer6, 16);
	memcpy(pkt + 24, local6, 16);
	if (op & 0x10)
		pkt[6] = (op & 0x20) ? 58 : 6;
	if (op & 0x40)
		put16(pkt + 4, (uint16_t)(n - 40));
	size_t plen = get16(pkt + 4);
	uint8_t *l4 = pkt + 40;
	size_t at = pkt[6] == 6 ? 16 : 2;
	if ((pkt[6] == 6 || pkt[6] == 58) && plen <= n - 40 && plen >= at + 2) {
		put16(l4 + at, 0);
		put16(l4 + at, fold(sum16(pseudo6(peer6, local6, pkt[6], plen), l4, plen)));
	}
	input(w, pkt, n);
}

static void socket_call(struct world *w, struct prog *pr, uint8_t op)
{
	uint8_t arg = u8(pr);
	struct conn *c = &w->conns[arg % 3];
	static uint8_t buf[65536];
	switch (op) {
	case 0: {
		size_t n = (size_t)u16(pr);
		ssize_t r = tcp_send(w->s, w->now, c->sock, buf, n);
		FUZZ_CHECK(r <= (ssize_t)n);
		break;
	}
	case 1: {
		size_t cap = (size_t)u8(pr) * 256 + 1;
		ssize_t r = tcp_recv(w->s, w->now, c->sock, buf, cap);
		FUZZ_CHECK(r <= (ssize_t)cap);
		break;
	}
	case 2:
		(void)tcp_shutdown_write(w->s, w->now, c->sock);
		break;
	case 3:
		if (tcp_close(w->s, w->now, c->sock) == 0)
			c->sock = -1;
		break;
	case 4:
		if (tcp_abort(w->s, w->now, c->sock) == 0)
			c->sock = -1;
		break;
	case 5: {
		int a = tcp_accept(w->s, w->listener);
		if (a > 0) {
			if (w->conns[2].sock > 0)
				(void)tcp_abort(w->s, w->now, w->conns[2].sock);
			struct tcp_info_view info;
			FUZZ_CHECK(tcp_get_info(w->s, a, &info) == 0);
			w->conns[2] = (struct conn){a, info.lport, info.rport};
		}
		break;
	}
	case 6: {
		int s = tcp_connect(w->s, w->now, (uint16_t)(50001 + (arg & 3)), PEER, 8080);
		if (s > 0) {
			if (w->conns[2].sock > 0)
				(void)tcp_abort(w->s, w->now, w->conns[2].sock);
			w->conns[2] = (struct conn){s, (uint16_t)(50001 + (arg & 3)), 8080};
		}
		break;
	}
	default:
		(void)tcp_set_nodelay(w->s, w->now, c->sock, arg & 1);
		break;
	}
	drain(w);
}

static bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

/* What must hold of a connection whatever arrived (RFC 9293 3.3.1, RFC 6298, the buffers). */
static void check_conn(struct world *w, const struct conn *c)
{
	struct tcp_info_view info;
	if (c->sock <= 0 || tcp_get_info(w->s, c->sock, &info) != 0)
		return;
	const struct stack_tunables *tun = stack_get_tunables(w->s);
	FUZZ_CHECK(info.state >= TCPS_CLOSED && info.state <= TCPS_TIME_WAIT);
	FUZZ_CHECK(info.rcv_queued <= tun->rcvbuf && info.rcv_wnd <= tun->rcvbuf);
	FUZZ_CHECK(info.snd_queued <= tun->sndbuf);
	if (info.state < TCPS_SYN_RECEIVED)
		return;
	/* SND.UNA =< SND.NXT, and what is in flight was queued (plus SYN and FIN) */
	FUZZ_CHECK(seq_le(info.snd_una, info.snd_nxt));
	FUZZ_CHECK(info.snd_nxt - info.snd_una <= info.snd_queued + 2);
	FUZZ_CHECK(info.snd_mss > 0);
	/* the congestion window starts with ESTABLISHED (RFC 5681 3.1: IW) */
	FUZZ_CHECK(info.state == TCPS_SYN_RECEIVED || info.cwnd > 0);
	FUZZ_CHECK(info.rto >= tun->rto_min && info.rto <= tun->rto_max);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct world w;
	setup(&w);
	struct prog pr = {data, size};
	for (unsigned steps = 0; pr.left && steps < 256; steps++) {
		uint8_t op = u8(&pr);
		switch (op % 4) {
		case 0: { /* raw packet, as it is or with checksums made right */
			size_t n = u16(&pr) % 2048;
			const uint8_t *p = bytes(&pr, &n);
			if ((op & 12) == 12)
				raw_fixed6(&w, p, n, op);
			else if (op & 4)
				raw_fixed(&w, p, n, op);
			else
				input(&w, p, n);
			break;
		}
		case 1:
			crafted(&w, &pr);
			break;
		case 2:
			socket_call(&w, &pr, (uint8_t)(op >> 2) % 8);
			break;
		default:
			/* from a millisecond to about 18 minutes, past every timer */
			advance(&w, (uint64_t)u16(&pr) * ((op & 4) ? 16384 : 1) * MS / 16);
			break;
		}
		for (unsigned i = 0; i < 3; i++)
			check_conn(&w, &w.conns[i]);
	}
	stack_free(w.s);
	return 0;
}
