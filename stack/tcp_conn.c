/* tcp_conn.c: the connection table: creation, lookup, the one place states change, ISNs and
 * the start of a handshake. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "siphash.h"
#include "stack_internal.h"

struct tcp_conn *tcp_conn_new(struct stack *s)
{
	struct tcp_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (ring_init(&c->sndbuf, s->tun.sndbuf) || ring_init(&c->rcvbuf, s->tun.rcvbuf)) {
		ring_free(&c->sndbuf);
		free(c);
		return NULL;
	}
	c->stack = s;
	c->handle = s->next_handle++;
	c->state = TCPS_CLOSED;
	c->laddr = s->cfg.addr;
	c->rto = s->tun.rto_initial;
	c->snd_mss = 536; /* RFC 9293 3.7.1: the default when no MSS option arrives */
	c->nodelay = s->tun.nodelay;
	c->quick = s->tun.quickack;
	c->ssthresh = UINT32_MAX / 2; /* RFC 5681 3.1: arbitrarily high at first */
	for (int t = 0; t < TCP_T__COUNT; t++)
		c->timer[t] = STACK_TIME_NEVER;
	c->next = s->conns;
	s->conns = c;
	return c;
}

void tcp_conn_free(struct tcp_conn *c)
{
	ring_free(&c->sndbuf);
	ring_free(&c->rcvbuf);
	while (c->ooo) {
		struct ooo_seg *o = c->ooo;
		c->ooo = o->next;
		free(o);
	}
	free(c);
}

struct tcp_conn *tcp_conn_by_handle(const struct stack *s, int handle)
{
	for (struct tcp_conn *c = s->conns; c; c = c->next) {
		if (c->handle == handle && !c->app_closed && !c->dead)
			return c;
	}
	return NULL;
}

/* An exact 4-tuple match wins over a listener (RFC 9293 3.10.7). */
struct tcp_conn *tcp_conn_lookup(struct stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
                                 uint16_t rport)
{
	struct tcp_conn *listener = NULL;

	for (struct tcp_conn *c = s->conns; c; c = c->next) {
		if (c->dead || c->lport != lport || c->laddr != laddr)
			continue;
		if (c->state == TCPS_LISTEN) {
			listener = c;
			continue;
		}
		if (c->state != TCPS_CLOSED && c->raddr == raddr && c->rport == rport)
			return c;
	}
	return listener;
}

/* The synchronized states of RFC 9293 3.5.2: ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT,
 * CLOSING, LAST-ACK, TIME-WAIT. SYN-RECEIVED is not one, though RFC 9293 3.10.7.4 (and
 * tcp_other_states_input) handles its segments together with theirs. */
bool tcp_state_synchronized(enum tcp_state st)
{
	return st >= TCPS_ESTABLISHED;
}

/* A closed connection nobody can reach any more: the application gave its handle back, or it is
 * a listener's child that was never accepted. */
static bool tcp_conn_unreachable(const struct tcp_conn *c)
{
	return c->app_closed || c->listener;
}

void tcp_set_state(struct tcp_conn *c, uint64_t now, enum tcp_state st)
{
	struct stack *s = c->stack;
	enum tcp_state old = c->state;

	if (old == st)
		return;
	c->state = st;
	struct stack_event *ev = stack_post_event(s, now, STACK_EV_STATE, c->handle, 0);
	if (ev) {
		ev->old_state = old;
		ev->new_state = st;
	}
	switch (st) {
	case TCPS_FIN_WAIT_2:
		if (c->app_closed)
			tcp_timer_set(c, TCP_T_FIN_WAIT2, now + s->tun.fin_timeout);
		break;
	case TCPS_TIME_WAIT:
		/* RFC 9293 3.6: nothing left to send; wait 2*MSL for stray segments */
		for (int t = 0; t < TCP_T__COUNT; t++)
			tcp_timer_stop(c, t);
		tcp_timer_set(c, TCP_T_TIME_WAIT, now + s->tun.time_wait);
		break;
	case TCPS_CLOSED:
		for (int t = 0; t < TCP_T__COUNT; t++)
			tcp_timer_stop(c, t);
		stack_post_event(s, now, STACK_EV_CLOSED, c->handle, 0);
		if (tcp_conn_unreachable(c))
			c->dead = true;
		break;
	default:
		break;
	}
}

void tcp_conn_done(struct tcp_conn *c, uint64_t now, int error)
{
	if (error) {
		c->error = error;
		stack_post_event(c->stack, now, STACK_EV_ERROR, c->handle, error);
	}
	tcp_set_state(c, now, TCPS_CLOSED);
}

/* RFC 9293 3.4.1: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M a 4 us
 * clock and F a keyed hash, so a new incarnation of a 4-tuple starts past the old one while an
 * off-path attacker cannot guess it. */
uint32_t tcp_isn(struct stack *s, uint64_t now, uint32_t laddr, uint16_t lport, uint32_t raddr,
                 uint16_t rport)
{
	uint8_t tuple[12];

	memcpy(tuple, &laddr, 4);
	memcpy(tuple + 4, &raddr, 4);
	memcpy(tuple + 8, &lport, 2);
	memcpy(tuple + 10, &rport, 2);
	return (uint32_t)(now / 4) + (uint32_t)siphash24(s->isn_key, tuple, sizeof(tuple));
}

/* RFC 9293 3.5: both ends start the same way, the active one from CLOSED (a SYN, SYN-SENT), the
 * passive one from LISTEN (a SYN-ACK, SYN-RECEIVED). The SYN is timed for a first RTT sample,
 * and retransmitted at the RTO until acknowledged (RFC 6298 5.1). */
void tcp_handshake_start(struct tcp_conn *c, uint64_t now, enum tcp_state st)
{
	c->iss = tcp_isn(c->stack, now, c->laddr, c->lport, c->raddr, c->rport);
	c->snd_una = c->iss;
	c->snd_max = c->iss;
	c->snd_buf_seq = c->iss + 1;
	tcp_set_state(c, now, st);
	tcp_send_syn(c, now);
	tcp_rtt_start(c, now, c->iss);
	tcp_arm_rexmit(c, now);
}

void tcp_reap(struct stack *s)
{
	struct tcp_conn **pp = &s->conns;

	while (*pp) {
		struct tcp_conn *c = *pp;
		if (c->dead) {
			*pp = c->next;
			tcp_conn_free(c);
		} else {
			pp = &c->next;
		}
	}
}
