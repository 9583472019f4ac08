/* stack.c: the stack object: creation, IPv4 input, the output and event queues, timers, stats. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "icmp.h"
#include "ipv4_wire.h"
#include "ipv6_wire.h"
#include "stack_internal.h"

void stack_tunables_default(struct stack_tunables *t)
{
	memset(t, 0, sizeof(*t));
	t->syn_retries = 5;
	t->synack_retries = 5;
	t->syn_linear_timeouts = 0;
	t->retries2 = 15;
	t->rto_initial = 1000000;
	t->rto_min = 200000;
	t->rto_max = 120000000;
	t->delack_min = 40000;
	t->delack_max = 200000;
	t->quickack = 16; /* Linux TCP_MAX_QUICKACKS */
	t->stretch_ack_segs = 8;
	t->comp_sack_nr = 44;
	t->comp_sack_delay = 1000;
	t->time_wait = 60000000;
	t->fin_timeout = 60000000;
	t->nodelay = false;
	t->keepalive_time = 7200000000ull; /* Linux tcp_keepalive_time */
	t->keepalive_intvl = 75000000;
	t->keepalive_probes = 9;
	t->mss = 1460;
	t->rcvbuf = 65535;
	t->sndbuf = 65536;
	t->rcvbuf_max = 6291456;
	t->sndbuf_max = 4194304;
	t->window_scaling = true;
	t->timestamps = true;
	t->sack = true;
	t->dsack = true;
	t->recovery = 1;                      /* Linux TCP_RACK_LOSS_DETECTION */
	t->early_retrans = 3;                 /* Linux's default: TLP on */
	t->challenge_ack_limit = 0;           /* Linux since 6.0: no global limit */
	t->congestion_control = TCP_CC_CUBIC; /* Linux's default */
	t->initcwnd = 10;                     /* RFC 6928, Linux's */
	t->hystart = true;
	t->ttl = 64;
}

static const char *const state_names[] = {
    [TCPS_CLOSED] = "CLOSED",           [TCPS_LISTEN] = "LISTEN",
    [TCPS_SYN_SENT] = "SYN-SENT",       [TCPS_SYN_RECEIVED] = "SYN-RECEIVED",
    [TCPS_ESTABLISHED] = "ESTABLISHED", [TCPS_FIN_WAIT_1] = "FIN-WAIT-1",
    [TCPS_FIN_WAIT_2] = "FIN-WAIT-2",   [TCPS_CLOSE_WAIT] = "CLOSE-WAIT",
    [TCPS_CLOSING] = "CLOSING",         [TCPS_LAST_ACK] = "LAST-ACK",
    [TCPS_TIME_WAIT] = "TIME-WAIT",
};

const char *stack_state_name(enum tcp_state st)
{
	if ((unsigned)st >= sizeof(state_names) / sizeof(state_names[0]))
		return "?";
	return state_names[st];
}

static const char *const event_names[] = {
    [STACK_EV_STATE] = "state",   [STACK_EV_CONNECTED] = "connected",
    [STACK_EV_ACCEPT] = "accept", [STACK_EV_READABLE] = "readable",
    [STACK_EV_EOF] = "eof",       [STACK_EV_WRITABLE] = "writable",
    [STACK_EV_ERROR] = "error",   [STACK_EV_CLOSED] = "closed",
};

const char *stack_event_name(enum stack_event_type t)
{
	if ((unsigned)t >= sizeof(event_names) / sizeof(event_names[0]))
		return "?";
	return event_names[t];
}

static const char *const drop_names[STACK_DROP__COUNT] = {
    [STACK_DROP_IP_TRUNCATED] = "ip-truncated",
    [STACK_DROP_IP_BAD_HEADER] = "ip-bad-header",
    [STACK_DROP_IP_BAD_CHECKSUM] = "ip-bad-checksum",
    [STACK_DROP_IP_NOT_FOR_US] = "ip-not-for-us",
    [STACK_DROP_IP_FRAGMENT] = "ip-fragment",
    [STACK_DROP_IP_PROTO] = "ip-protocol",
    [STACK_DROP_TCP_TRUNCATED] = "tcp-truncated",
    [STACK_DROP_TCP_BAD_OFFSET] = "tcp-bad-data-offset",
    [STACK_DROP_TCP_BAD_CHECKSUM] = "tcp-bad-checksum",
    [STACK_DROP_TCP_BAD_OPTIONS] = "tcp-bad-options",
    [STACK_DROP_TCP_BAD_ADDR] = "tcp-bad-address",
    [STACK_DROP_TCP_NO_SOCKET] = "tcp-no-socket",
    [STACK_DROP_TCP_LISTEN] = "tcp-listen-not-syn",
    [STACK_DROP_TCP_BACKLOG_FULL] = "tcp-backlog-full",
    [STACK_DROP_TCP_OUT_OF_WINDOW] = "tcp-out-of-window",
    [STACK_DROP_TCP_RST_CHALLENGED] = "tcp-rst-challenged",
    [STACK_DROP_TCP_SYN_CHALLENGED] = "tcp-syn-challenged",
    [STACK_DROP_TCP_BAD_ACK] = "tcp-bad-ack",
    [STACK_DROP_TCP_NO_ACK] = "tcp-no-ack",
    [STACK_DROP_TCP_SYN_SENT] = "tcp-syn-sent-not-syn",
    [STACK_DROP_ICMP_TRUNCATED] = "icmp-truncated",
    [STACK_DROP_ICMP_BAD_CHECKSUM] = "icmp-bad-checksum",
    [STACK_DROP_ICMP_TYPE] = "icmp-type",
    [STACK_DROP_IP_NOT_V4] = "ip-not-ipv4",
    [STACK_DROP_TCP_PAWS] = "tcp-paws",
    [STACK_DROP_IP6_BAD_EXT_HEADER] = "ip6-bad-extension-header",
};

const char *stack_drop_reason_name(enum stack_drop_reason r)
{
	if ((unsigned)r >= STACK_DROP__COUNT)
		return "?";
	return drop_names[r];
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t stack_random(struct stack *s)
{
	return splitmix64(&s->prng);
}

static bool tunables_valid(const struct stack_tunables *t)
{
	return t->rto_initial > 0 && t->rto_min > 0 && t->rto_max >= t->rto_min &&
	       t->delack_min <= t->delack_max && t->mss >= 64 && t->rcvbuf > 0 &&
	       (t->window_scaling ? t->rcvbuf <= (65535u << TCP_MAX_WSCALE) : t->rcvbuf <= 65535) &&
	       t->sndbuf > 0;
}

struct stack *stack_new(const struct stack_config *cfg)
{
	if (!tunables_valid(&cfg->tun))
		return NULL;
	struct stack *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->cfg = *cfg;
	s->tun = cfg->tun;
	s->next_handle = 1;
	uint64_t x = cfg->seed;
	uint64_t k0 = splitmix64(&x), k1 = splitmix64(&x);
	memcpy(s->isn_key, &k0, 8);
	memcpy(s->isn_key + 8, &k1, 8);
	s->prng = splitmix64(&x);
	s->ip_id = (uint16_t)splitmix64(&x);
	s->addr4 = stack_addr_v4(cfg->addr);
	uint64_t h0 = splitmix64(&x), h1 = splitmix64(&x);
	memcpy(s->hash_key, &h0, 8);
	memcpy(s->hash_key + 8, &h1, 8);
	if (tcp_conn_tables_init(s)) {
		stack_free(s);
		return NULL;
	}
	return s;
}

void stack_free(struct stack *s)
{
	if (!s)
		return;
	while (s->conns) {
		struct tcp_conn *c = s->conns;
		s->conns = c->next;
		tcp_conn_free(c);
	}
	tcp_conn_tables_free(s);
	while (s->out_head) {
		struct pkt_node *p = s->out_head;
		s->out_head = p->next;
		free(p);
	}
	while (s->ev_head) {
		struct ev_node *e = s->ev_head;
		s->ev_head = e->next;
		free(e);
	}
	free(s);
}

void stack_drop(struct stack *s, enum stack_drop_reason why)
{
	s->stats.drops[why]++;
}

void stack_queue_packet(struct stack *s, uint64_t now, const uint8_t *pkt, size_t len)
{
	struct pkt_node *p = malloc(sizeof(*p) + len);
	if (!p)
		return; /* as if lost on the wire: TCP recovers */
	p->next = NULL;
	p->now = now;
	p->len = len;
	memcpy(p->data, pkt, len);
	if (s->out_tail)
		s->out_tail->next = p;
	else
		s->out_head = p;
	s->out_tail = p;
	s->stats.ip_out++;
}

struct stack_event *stack_post_event(struct stack *s, uint64_t now, enum stack_event_type type,
                                     int sock, int error)
{
	if (!s->cfg.on_event)
		return NULL;
	struct ev_node *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->ev.type = type;
	e->ev.now = now;
	e->ev.sock = sock;
	e->ev.error = error;
	if (s->ev_tail)
		s->ev_tail->next = e;
	else
		s->ev_head = e;
	s->ev_tail = e;
	return &e->ev;
}

void stack_enter(struct stack *s)
{
	s->depth++;
}

/* The outermost call delivers what the work produced, in order: events first (a state change
 * precedes the packet it caused only in the log, never on the wire), then packets. Callbacks
 * may call back into the stack; what they produce joins the queues and is delivered here. */
void stack_leave(struct stack *s)
{
	if (s->depth > 1) {
		s->depth--;
		return;
	}
	for (;;) {
		tcp_reap(s);
		if (s->ev_head) {
			struct ev_node *e = s->ev_head;
			s->ev_head = e->next;
			if (!s->ev_head)
				s->ev_tail = NULL;
			s->cfg.on_event(s->cfg.event_ctx, &e->ev);
			free(e);
			continue;
		}
		if (s->out_head && s->cfg.emit) {
			struct pkt_node *p = s->out_head;
			s->out_head = p->next;
			if (!s->out_head)
				s->out_tail = NULL;
			s->cfg.emit(s->cfg.emit_ctx, p->now, p->data, p->len);
			free(p);
			continue;
		}
		break;
	}
	s->depth--;
}

static void ipv4_input(struct stack *s, uint64_t now, const uint8_t *pkt, size_t len)
{
	struct ipv4_hdr ip;
	enum stack_drop_reason why;

	if (ipv4_parse(&ip, pkt, len, &why)) {
		stack_drop(s, why);
		return;
	}
	struct stack_addr src = stack_addr_v4(ip.saddr);
	if (ip.daddr != s->cfg.addr)
		stack_drop(s, STACK_DROP_IP_NOT_FOR_US);
	else if (ip.proto == IPPROTO_NUM_TCP)
		tcp_input(s, now, &src, &s->addr4, ip.payload, ip.payload_len);
	else if (ip.proto == IPPROTO_NUM_ICMP)
		icmp_input(s, now, &src, &s->addr4, ip.payload, ip.payload_len);
	else
		stack_drop(s, STACK_DROP_IP_PROTO);
}

static void ipv6_input(struct stack *s, uint64_t now, const uint8_t *pkt, size_t len)
{
	struct ipv6_hdr ip;
	enum stack_drop_reason why;

	/* without an address of its own the stack ignores IPv6, as it did before it spoke it */
	if (stack_addr_is_none(&s->cfg.addr6)) {
		stack_drop(s, STACK_DROP_IP_NOT_V4);
		return;
	}
	if (ipv6_parse(&ip, pkt, len, &why)) {
		stack_drop(s, why);
		return;
	}
	if (!stack_addr_eq(&ip.daddr, &s->cfg.addr6))
		stack_drop(s, STACK_DROP_IP_NOT_FOR_US);
	else if (ip.proto == IPPROTO_NUM_TCP)
		tcp_input(s, now, &ip.saddr, &s->cfg.addr6, ip.payload, ip.payload_len);
	else if (ip.proto == IPPROTO_NUM_ICMPV6)
		icmp_input(s, now, &ip.saddr, &s->cfg.addr6, ip.payload, ip.payload_len);
	else
		stack_drop(s, STACK_DROP_IP_PROTO);
}

void stack_input(struct stack *s, uint64_t now, const uint8_t *pkt, size_t len)
{
	stack_enter(s);
	s->stats.ip_in++;
	/* RFC 8200 3: the version nibble sits where IPv4's does, so it tells the families apart */
	if (len >= 1 && pkt[0] >> 4 == 6)
		ipv6_input(s, now, pkt, len);
	else
		ipv4_input(s, now, pkt, len);
	stack_leave(s);
}

ssize_t stack_output(struct stack *s, uint8_t *buf, size_t cap)
{
	struct pkt_node *p = s->out_head;

	if (!p)
		return 0;
	if (p->len > cap)
		return -ENOBUFS;
	size_t len = p->len;
	memcpy(buf, p->data, len);
	s->out_head = p->next;
	if (!s->out_head)
		s->out_tail = NULL;
	free(p);
	return (ssize_t)len;
}

uint64_t stack_next_deadline(const struct stack *s)
{
	return conn_heap_earliest(s);
}

void stack_timer(struct stack *s, uint64_t now)
{
	stack_enter(s);
	/* s->due is not touched again before the outermost stack_leave: timers of other
	 * connections only change their places in the heap, and nothing is freed before then */
	size_t n = conn_heap_due(s, now);
	for (size_t i = 0; i < n; i++) {
		struct tcp_conn *c = s->due[i];
		if (!c->dead && tcp_conn_deadline(c) <= now)
			tcp_conn_timers(c, now);
	}
	stack_leave(s);
}

const struct stack_stats *stack_get_stats(const struct stack *s)
{
	return &s->stats;
}

const struct stack_tunables *stack_get_tunables(const struct stack *s)
{
	return &s->tun;
}
