/* tcp_socket.c: the user calls of RFC 9293 3.10 (OPEN, SEND, RECEIVE, CLOSE, ABORT, STATUS)
 * behind socket-like handles. */
#include <errno.h>
#include <string.h>

#include "stack_internal.h"

#define EPHEMERAL_LOW 32768 /* Linux ip_local_port_range */
#define EPHEMERAL_HIGH 60999

int tcp_listen(struct stack *s, uint16_t port, int backlog)
{
	if (port == 0)
		return -EINVAL;
	static const struct stack_addr any;
	if (tcp_listener_for(s, &any, port))
		return -EADDRINUSE;
	stack_enter(s);
	struct tcp_conn *c = tcp_conn_new(s);
	int ret = -ENOMEM;
	if (c) {
		c->lport = port;
		tcp_conn_bind_listener(c);
		c->backlog = backlog > 0 ? backlog : 1;
		tcp_set_state(c, 0, TCPS_LISTEN);
		ret = c->handle;
	}
	stack_leave(s);
	return ret;
}

int tcp_accept(struct stack *s, int listener)
{
	struct tcp_conn *l = tcp_conn_by_handle(s, listener);
	struct tcp_conn *best = NULL;

	if (!l)
		return -EBADF;
	if (l->state != TCPS_LISTEN)
		return -EINVAL;
	/* at most backlog children to look at */
	for (struct tcp_conn *c = l->children; c; c = c->sibling_next) {
		if (c->accept_ready && (!best || c->accept_order < best->accept_order))
			best = c;
	}
	if (!best)
		return -EAGAIN;
	tcp_conn_disown(best);
	best->accept_ready = false;
	return best->handle;
}

int tcp_connect(struct stack *s, uint64_t now, uint16_t sport, uint32_t daddr, uint16_t dport)
{
	struct stack_addr a = stack_addr_v4(daddr);
	return daddr == 0 ? -EINVAL : tcp_connect_addr(s, now, sport, &a, dport);
}

int tcp_connect_addr(struct stack *s, uint64_t now, uint16_t sport, const struct stack_addr *daddr,
                     uint16_t dport)
{
	if (dport == 0 || stack_addr_is_none(daddr))
		return -EINVAL;
	const struct stack_addr *laddr = ip_local_addr(s, daddr);
	if (!laddr)
		return -EADDRNOTAVAIL;
	if (sport == 0) {
		unsigned span = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1;
		unsigned start = (unsigned)(stack_random(s) % span);
		for (unsigned i = 0; i < span; i++) {
			uint16_t p = (uint16_t)(EPHEMERAL_LOW + (start + i) % span);
			if (!tcp_port_in_use(s, p)) {
				sport = p;
				break;
			}
		}
		if (sport == 0)
			return -EADDRNOTAVAIL;
	} else if (tcp_conn_find(s, laddr, sport, daddr, dport)) {
		return -EADDRINUSE;
	}
	stack_enter(s);
	struct tcp_conn *c = tcp_conn_new(s);
	int ret = -ENOMEM;
	if (c) {
		c->laddr = *laddr;
		c->lport = sport;
		c->raddr = *daddr;
		c->rport = dport;
		tcp_conn_bind_tuple(c);
		tcp_handshake_start(c, now, TCPS_SYN_SENT);
		ret = c->handle;
	}
	stack_leave(s);
	return ret;
}

ssize_t tcp_send(struct stack *s, uint64_t now, int sock, const void *buf, size_t len)
{
	struct tcp_conn *c = tcp_conn_by_handle(s, sock);

	if (!c)
		return -EBADF;
	if (c->error)
		return c->error;
	switch (c->state) {
	case TCPS_SYN_SENT:
	case TCPS_SYN_RECEIVED:
	case TCPS_ESTABLISHED:
	case TCPS_CLOSE_WAIT:
		break;
	case TCPS_CLOSED:
	case TCPS_LISTEN:
		return -ENOTCONN;
	default:
		return -EPIPE;
	}
	if (c->fin_queued)
		return -EPIPE;
	if (len == 0)
		return 0;
	size_t n = ring_write(&c->sndbuf, buf, len);
	if (n == 0) {
		c->want_writable = true;
		return -EAGAIN;
	}
	stack_enter(s);
	tcp_output(c, now);
	stack_leave(s);
	return (ssize_t)n;
}

/* After the application reads, send the ACK owed for more than a segment (Linux
 * tcp_cleanup_rbuf: the one tcp_deliver_text held back while the window shrank), and tell the
 * peer about the opened window when it grew enough (RFC 9293 3.8.6.2.2; a window that was
 * closed must be reopened, or the peer only probes). */
static void tcp_window_update(struct tcp_conn *c, uint64_t now)
{
	if (c->state != TCPS_ESTABLISHED && c->state != TCPS_FIN_WAIT_1 &&
	    c->state != TCPS_FIN_WAIT_2)
		return;
	if (c->ack_pending && c->rcv_nxt - c->rcv_acked > c->snd_mss) {
		tcp_send_ack(c, now);
		return;
	}
	uint32_t adv = tcp_rcv_wnd(c);
	uint32_t space = (uint32_t)ring_space(&c->rcvbuf);
	uint32_t step =
	    (uint32_t)c->rcvbuf.cap / 2 < c->snd_mss ? (uint32_t)c->rcvbuf.cap / 2 : c->snd_mss;
	if (space > adv && space - adv >= step && (adv < step || space >= 2 * adv))
		tcp_send_ack(c, now);
}

/* Receive buffer autotuning, as Linux's tcp_rcv_space_adjust (dynamic right-sizing): once per
 * round trip, when the application read more than in any round trip before, the buffer grows to
 * twice that (and 16 segments), so the window stays ahead of what the sender can send in one RTT;
 * up to rcvbuf_max, and to 64 KB without window scaling. */
static void tcp_rcv_space_adjust(struct tcp_conn *c, uint64_t now, size_t n)
{
	const struct stack_tunables *tun = &c->stack->tun;
	uint64_t rtt = c->rtt_valid ? c->srtt : tun->rto_min;
	uint32_t max = c->ws_ok ? tun->rcvbuf_max : UINT16_MAX;

	c->rcvq_copied += (uint32_t)n;
	if (!c->rcvq_time) {
		c->rcvq_time = now;
		c->rcvq_space = 10u * c->snd_mss;
		return;
	}
	if (now - c->rcvq_time < rtt)
		return;
	if (c->rcvq_copied > c->rcvq_space) {
		c->rcvq_space = c->rcvq_copied;
		uint64_t want = 2ull * c->rcvq_copied + 16ull * c->snd_mss;
		/* at least doubled, so a growing buffer is copied a few times only */
		if (want > c->rcvbuf.cap && want < 2ull * c->rcvbuf.cap)
			want = 2ull * c->rcvbuf.cap;
		if (want > max)
			want = max;
		if (want > c->rcvbuf.cap)
			ring_grow(&c->rcvbuf, (size_t)want);
	}
	c->rcvq_copied = 0;
	c->rcvq_time = now;
}

ssize_t tcp_recv(struct stack *s, uint64_t now, int sock, void *buf, size_t cap)
{
	struct tcp_conn *c = tcp_conn_by_handle(s, sock);

	if (!c)
		return -EBADF;
	if (c->state == TCPS_LISTEN)
		return -ENOTCONN;
	if (cap == 0)
		return 0;
	size_t n = ring_read(&c->rcvbuf, buf, cap);
	if (n) {
		stack_enter(s);
		tcp_rcv_space_adjust(c, now, n);
		tcp_window_update(c, now);
		stack_leave(s);
		return (ssize_t)n;
	}
	if (c->fin_received)
		return 0;
	if (c->error)
		return c->error;
	if (c->state == TCPS_CLOSED)
		return 0;
	return -EAGAIN;
}

/* RFC 9293 3.10.4 CLOSE for the sending direction: FIN after the queued data. */
static int tcp_queue_fin(struct tcp_conn *c, uint64_t now)
{
	if (c->fin_queued)
		return 0;
	switch (c->state) {
	case TCPS_SYN_SENT:
	case TCPS_SYN_RECEIVED:
		c->fin_queued = true; /* sent once ESTABLISHED */
		return 0;
	case TCPS_ESTABLISHED:
		c->fin_queued = true;
		tcp_set_state(c, now, TCPS_FIN_WAIT_1);
		break;
	case TCPS_CLOSE_WAIT:
		c->fin_queued = true;
		tcp_set_state(c, now, TCPS_LAST_ACK);
		break;
	default:
		return -ENOTCONN;
	}
	tcp_output(c, now);
	return 0;
}

int tcp_shutdown_write(struct stack *s, uint64_t now, int sock)
{
	struct tcp_conn *c = tcp_conn_by_handle(s, sock);
	int ret = -EBADF;

	if (c) {
		stack_enter(s);
		ret = tcp_queue_fin(c, now);
		stack_leave(s);
	}
	return ret;
}

static void tcp_abort_children(struct tcp_conn *l, uint64_t now)
{
	for (struct tcp_conn *c = l->children, *next; c; c = next) {
		next = c->sibling_next; /* c leaves the list */
		if (c->state != TCPS_CLOSED)
			tcp_send_rst(c, now);
		tcp_conn_done(c, now, 0);
		tcp_conn_kill(c);
	}
}

int tcp_close(struct stack *s, uint64_t now, int sock)
{
	struct tcp_conn *c = tcp_conn_by_handle(s, sock);

	if (!c)
		return -EBADF;
	stack_enter(s);
	c->app_closed = true;
	switch (c->state) {
	case TCPS_CLOSED:
		tcp_conn_kill(c);
		break;
	case TCPS_LISTEN:
		tcp_abort_children(c, now);
		tcp_conn_done(c, now, 0);
		break;
	case TCPS_SYN_SENT:
		tcp_conn_done(c, now, 0);
		break;
	default:
		if (c->rcvbuf.len || c->ooo) {
			/* RFC 2525 2.17, RFC 9293 3.10.4: data we will never read; reset */
			if (tcp_state_synchronized(c->state) && c->state != TCPS_TIME_WAIT)
				tcp_send_rst(c, now);
			tcp_conn_done(c, now, 0);
			break;
		}
		tcp_queue_fin(c, now);
		if (c->state == TCPS_FIN_WAIT_2)
			tcp_timer_set(c, TCP_T_FIN_WAIT2, now + s->tun.fin_timeout);
		break;
	}
	stack_leave(s);
	return 0;
}

/* RFC 9293 3.10.5 ABORT. */
int tcp_abort(struct stack *s, uint64_t now, int sock)
{
	struct tcp_conn *c = tcp_conn_by_handle(s, sock);

	if (!c)
		return -EBADF;
	stack_enter(s);
	c->app_closed = true;
	switch (c->state) {
	case TCPS_LISTEN:
		tcp_abort_children(c, now);
		break;
	case TCPS_SYN_RECEIVED:
	case TCPS_ESTABLISHED:
	case TCPS_FIN_WAIT_1:
	case TCPS_FIN_WAIT_2:
	case TCPS_CLOSE_WAIT:
		tcp_send_rst(c, now);
		break;
	default:
		break;
	}
	if (c->state == TCPS_CLOSED)
		tcp_conn_kill(c);
	else
		tcp_conn_done(c, now, 0);
	stack_leave(s);
	return 0;
}

int tcp_set_nodelay(struct stack *s, uint64_t now, int sock, bool on)
{
	struct tcp_conn *c = tcp_conn_by_handle(s, sock);

	if (!c)
		return -EBADF;
	c->nodelay = on;
	if (on) {
		stack_enter(s);
		tcp_output(c, now);
		stack_leave(s);
	}
	return 0;
}

int tcp_set_keepalive(struct stack *s, uint64_t now, int sock, bool on)
{
	struct tcp_conn *c = tcp_conn_by_handle(s, sock);

	if (!c)
		return -EBADF;
	stack_enter(s);
	c->keepalive = on;
	if (!c->last_rcv)
		c->last_rcv = now;
	tcp_keepalive_arm(c, now);
	stack_leave(s);
	return 0;
}

int tcp_set_keepalive_timing(struct stack *s, uint64_t now, int sock, uint64_t idle, uint64_t intvl,
                             unsigned probes)
{
	struct tcp_conn *c = tcp_conn_by_handle(s, sock);

	if (!c)
		return -EBADF;
	if (idle == 0 || intvl == 0 || probes == 0)
		return -EINVAL;
	stack_enter(s);
	c->keepalive_time = idle;
	c->keepalive_intvl = intvl;
	c->keepalive_probes = probes;
	/* Linux tcp_sock_set_keepidle_locked: the timer is re-armed for the new idle time,
	 * counted from the peer's last segment */
	tcp_timer_stop(c, TCP_T_KEEPALIVE);
	tcp_keepalive_arm(c, now);
	stack_leave(s);
	return 0;
}

int tcp_get_state(const struct stack *s, int sock)
{
	const struct tcp_conn *c = tcp_conn_by_handle(s, sock);

	return c ? (int)c->state : -EBADF;
}

int tcp_get_error(const struct stack *s, int sock)
{
	const struct tcp_conn *c = tcp_conn_by_handle(s, sock);

	return c ? c->error : -EBADF;
}

int tcp_get_info(const struct stack *s, int sock, struct tcp_info_view *info)
{
	const struct tcp_conn *c = tcp_conn_by_handle(s, sock);

	if (!c)
		return -EBADF;
	memset(info, 0, sizeof(*info));
	info->state = c->state;
	info->laddr = c->laddr;
	info->raddr = c->raddr;
	info->lport = c->lport;
	info->rport = c->rport;
	info->iss = c->iss;
	info->irs = c->irs;
	info->snd_una = c->snd_una;
	info->snd_nxt = c->snd_nxt;
	info->snd_wnd = c->snd_wnd;
	info->rcv_nxt = c->rcv_nxt;
	info->rcv_wnd = tcp_rcv_wnd(c);
	info->snd_mss = c->snd_mss;
	info->cwnd = c->cwnd;
	info->ssthresh = c->ssthresh;
	info->srtt = c->rtt_valid ? c->srtt : 0;
	info->rttvar = c->rttvar;
	info->rto = c->rto;
	info->retransmits = c->retransmits;
	info->snd_queued = c->sndbuf.len;
	info->rcv_queued = c->rcvbuf.len;
	info->error = c->error;
	return 0;
}
