/* tcp_conn.c: the connection table: creation, lookup, the one place states change, ISNs and
 * the start of a handshake. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/siphash.h"
#include "stack_internal.h"

int tcp_conn_tables_init(struct stack *s)
{
	s->port_users = calloc(UINT16_MAX + 1, sizeof(*s->port_users));
	if (!s->port_users || chain_hash_init(&s->by_handle) || chain_hash_init(&s->by_tuple) ||
	    chain_hash_init(&s->listeners))
		return -ENOMEM;
	return 0;
}

void tcp_conn_tables_free(struct stack *s)
{
	chain_hash_free(&s->by_handle);
	chain_hash_free(&s->by_tuple);
	chain_hash_free(&s->listeners);
	free(s->port_users);
	free(s->heap);
	free(s->due);
}

/* Handles are sequential, so they spread over the buckets as they are. */
static uint32_t handle_key(int handle)
{
	return (uint32_t)handle;
}

/* SipHash-2-4 of a 4-tuple under one of the stack's secret keys. */
static uint64_t tuple_hash(const uint8_t key[16], const struct stack_addr *laddr, uint16_t lport,
                           const struct stack_addr *raddr, uint16_t rport)
{
	uint8_t tuple[36];

	memcpy(tuple, laddr->b, 16);
	memcpy(tuple + 16, raddr->b, 16);
	memcpy(tuple + 32, &lport, 2);
	memcpy(tuple + 34, &rport, 2);
	return siphash24(key, tuple, sizeof(tuple));
}

static uint32_t tuple_key(const struct stack *s, const struct stack_addr *laddr, uint16_t lport,
                          const struct stack_addr *raddr, uint16_t rport)
{
	return (uint32_t)tuple_hash(s->hash_key, laddr, lport, raddr, rport);
}

struct tcp_conn *tcp_conn_new(struct stack *s)
{
	if (conn_heap_reserve(s))
		return NULL;
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
	c->rto = s->tun.rto_initial;
	c->snd_mss = 536; /* RFC 9293 3.7.1: the default when no MSS option arrives */
	c->nodelay = s->tun.nodelay;
	c->keepalive = s->tun.keepalive;
	c->keepalive_time = s->tun.keepalive_time;
	c->keepalive_intvl = s->tun.keepalive_intvl;
	c->keepalive_probes = s->tun.keepalive_probes;
	c->quick = s->tun.quickack;
	c->ssthresh = UINT32_MAX / 2; /* RFC 5681 3.1: arbitrarily high at first */
	if (s->tun.window_scaling) {
		uint32_t most =
		    s->tun.rcvbuf_max > s->tun.rcvbuf ? s->tun.rcvbuf_max : s->tun.rcvbuf;
		c->rcv_wscale = tcp_select_wscale(most);
	}
	for (int t = 0; t < TCP_T__COUNT; t++)
		c->timer[t] = STACK_TIME_NEVER;
	conn_heap_init_entry(c);
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->n_conns++;
	chain_hash_insert(&s->by_handle, &c->link[CONN_BY_HANDLE], handle_key(c->handle));
	return c;
}

void tcp_conn_free(struct tcp_conn *c)
{
	ring_free(&c->sndbuf);
	ring_free(&c->rcvbuf);
	tcp_rack_free(c);
	while (c->ooo) {
		struct ooo_seg *o = c->ooo;
		c->ooo = o->next;
		free(o);
	}
	free(c);
}

void tcp_conn_bind_listener(struct tcp_conn *c)
{
	struct stack *s = c->stack;

	s->port_users[c->lport]++;
	chain_hash_insert(&s->listeners, &c->link[CONN_BY_PORT], c->lport);
}

void tcp_conn_bind_tuple(struct tcp_conn *c)
{
	struct stack *s = c->stack;

	s->port_users[c->lport]++;
	chain_hash_insert(&s->by_tuple, &c->link[CONN_BY_TUPLE],
	                  tuple_key(s, &c->laddr, c->lport, &c->raddr, c->rport));
}

void tcp_conn_adopt(struct tcp_conn *l, struct tcp_conn *c)
{
	c->listener = l;
	c->sibling_prev = NULL;
	c->sibling_next = l->children;
	if (l->children)
		l->children->sibling_prev = c;
	l->children = c;
	l->n_children++;
}

void tcp_conn_disown(struct tcp_conn *c)
{
	struct tcp_conn *l = c->listener;

	if (c->sibling_prev)
		c->sibling_prev->sibling_next = c->sibling_next;
	else
		l->children = c->sibling_next;
	if (c->sibling_next)
		c->sibling_next->sibling_prev = c->sibling_prev;
	c->sibling_next = c->sibling_prev = NULL;
	l->n_children--;
	c->listener = NULL;
}

void tcp_conn_kill(struct tcp_conn *c)
{
	struct stack *s = c->stack;

	if (c->dead)
		return;
	if (c->listener) {
		/* tcp_set_state still asks whether a dead child was reachable: keep the link */
		struct tcp_conn *l = c->listener;
		tcp_conn_disown(c);
		c->listener = l;
	}
	c->dead = true;
	if (s->recent == c)
		s->recent = NULL;
	chain_hash_remove(&s->by_handle, &c->link[CONN_BY_HANDLE]);
	if (c->link[CONN_BY_TUPLE].linked || c->link[CONN_BY_PORT].linked)
		s->port_users[c->lport]--;
	chain_hash_remove(&s->by_tuple, &c->link[CONN_BY_TUPLE]);
	chain_hash_remove(&s->listeners, &c->link[CONN_BY_PORT]);
	conn_heap_update(c);
	c->reap = s->reaped;
	s->reaped = c;
}

struct tcp_conn *tcp_conn_by_handle(const struct stack *s, int handle)
{
	uint32_t key = handle_key(handle);

	for (struct chain_link *e = chain_hash_first(&s->by_handle, key); e; e = e->next) {
		struct tcp_conn *c = chain_entry(e, struct tcp_conn, link[CONN_BY_HANDLE]);
		if (c->handle == handle)
			return c->app_closed ? NULL : c;
	}
	return NULL;
}

struct tcp_conn *tcp_conn_find(const struct stack *s, const struct stack_addr *laddr,
                               uint16_t lport, const struct stack_addr *raddr, uint16_t rport)
{
	uint32_t key = tuple_key(s, laddr, lport, raddr, rport);

	for (struct chain_link *e = chain_hash_first(&s->by_tuple, key); e; e = e->next) {
		struct tcp_conn *c = chain_entry(e, struct tcp_conn, link[CONN_BY_TUPLE]);
		if (e->key == key && c->state != TCPS_CLOSED && c->lport == lport &&
		    stack_addr_eq(&c->laddr, laddr) && stack_addr_eq(&c->raddr, raddr) &&
		    c->rport == rport)
			return c;
	}
	return NULL;
}

struct tcp_conn *tcp_listener_for(const struct stack *s, const struct stack_addr *laddr,
                                  uint16_t lport)
{
	for (struct chain_link *e = chain_hash_first(&s->listeners, lport); e; e = e->next) {
		struct tcp_conn *c = chain_entry(e, struct tcp_conn, link[CONN_BY_PORT]);
		if (c->state == TCPS_LISTEN && c->lport == lport &&
		    (stack_addr_is_none(&c->laddr) || stack_addr_eq(&c->laddr, laddr)))
			return c;
	}
	return NULL;
}

bool tcp_port_in_use(const struct stack *s, uint16_t port)
{
	return s->port_users[port] != 0;
}

/* An exact 4-tuple match wins over a listener (RFC 9293 3.10.7). The connection found last is
 * tried first: a bulk transfer's segments skip the keyed hash. */
struct tcp_conn *tcp_conn_lookup(struct stack *s, const struct stack_addr *laddr, uint16_t lport,
                                 const struct stack_addr *raddr, uint16_t rport)
{
	struct tcp_conn *c = s->recent;

	if (c && c->state != TCPS_CLOSED && c->lport == lport && c->rport == rport &&
	    stack_addr_eq(&c->raddr, raddr) && stack_addr_eq(&c->laddr, laddr))
		return c;
	c = tcp_conn_find(s, laddr, lport, raddr, rport);
	if (c) {
		s->recent = c;
		return c;
	}
	return tcp_listener_for(s, laddr, lport);
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
		/* what is left unread stays; an empty buffer's memory goes for the 2*MSL wait */
		ring_trim(&c->sndbuf);
		ring_trim(&c->rcvbuf);
		break;
	case TCPS_CLOSED:
		for (int t = 0; t < TCP_T__COUNT; t++)
			tcp_timer_stop(c, t);
		stack_post_event(s, now, STACK_EV_CLOSED, c->handle, 0);
		ring_trim(&c->sndbuf);
		ring_trim(&c->rcvbuf);
		if (tcp_conn_unreachable(c))
			tcp_conn_kill(c);
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
uint32_t tcp_isn(struct stack *s, uint64_t now, const struct stack_addr *laddr, uint16_t lport,
                 const struct stack_addr *raddr, uint16_t rport)
{
	return (uint32_t)(now / 4) + (uint32_t)tuple_hash(s->isn_key, laddr, lport, raddr, rport);
}

/* RFC 9293 3.5: both ends start the same way, the active one from CLOSED (a SYN, SYN-SENT), the
 * passive one from LISTEN (a SYN-ACK, SYN-RECEIVED). The SYN is timed for a first RTT sample,
 * and retransmitted at the RTO until acknowledged (RFC 6298 5.1). */
void tcp_handshake_start(struct tcp_conn *c, uint64_t now, enum tcp_state st)
{
	uint64_t h = tuple_hash(c->stack->isn_key, &c->laddr, c->lport, &c->raddr, c->rport);

	c->iss = tcp_isn(c->stack, now, &c->laddr, c->lport, &c->raddr, c->rport);
	/* RFC 7323 5.4 and 7.1: a TSval clock offset of its own per connection (Linux tsoffset) */
	c->ts_offset = (uint32_t)(h >> 32);
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
	if (!s->reaped)
		return;
	while (s->reaped) {
		struct tcp_conn *c = s->reaped;
		s->reaped = c->reap;
		if (c->prev)
			c->prev->next = c->next;
		else
			s->conns = c->next;
		if (c->next)
			c->next->prev = c->prev;
		s->n_conns--;
		tcp_conn_free(c);
	}
	conn_heap_shrink(s);
}
