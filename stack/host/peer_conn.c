/* peer_conn.c: run a behaviour script on one stack connection. */
#include "peer_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 16384

/* Scratch space for reads: one thread, and nothing keeps a pointer into it across calls. */
static uint8_t rx_scratch[65536];

static uint64_t now(const struct peer_conn *c)
{
	return stack_driver_now(c->env->drv);
}

static const char *errno_name(int err)
{
	const char *n = strerrorname_np(err < 0 ? -err : err);
	return n ? n : "E?";
}

static void log_app(struct peer_conn *c, const char *what, const char *text, const char *json)
{
	peer_log_app(c->env->log, c->sock, what, text, json);
}

/* Mark c for peer_conn_run, and list it once for an owner that keeps a list. */
static void kick(struct peer_conn *c)
{
	if (c->kicked)
		return;
	c->kicked = true;
	if (c->env->kicks) {
		c->kick_next = c->env->kicks->head;
		c->env->kicks->head = c;
	}
}

struct peer_conn *peer_conn_new(const struct peer_env *env, int sock)
{
	struct peer_conn *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->buf = malloc(CHUNK);
	if (c->buf == NULL) {
		free(c);
		return NULL;
	}
	c->env = env;
	c->state = TCPS_CLOSED;
	peer_hash_init(&c->tx_hash);
	peer_hash_init(&c->rx_hash);
	if (sock > 0) {
		c->sock = sock;
		c->has_handle = true;
		c->connected = true;
		int st = tcp_get_state(env->stack, sock);
		if (st >= 0)
			c->state = (enum tcp_state)st;
		c->pc = 1; /* past the accept step */
		if (env->nodelay)
			tcp_set_nodelay(env->stack, now(c), sock, true);
	}
	kick(c);
	return c;
}

void peer_conn_free(struct peer_conn *c)
{
	if (c == NULL)
		return;
	if (c->sleep_timer)
		event_loop_timer_cancel(c->env->loop, c->sleep_timer);
	free(c->buf);
	free(c);
}

static void check_finished(struct peer_conn *c)
{
	if (!c->script_over || c->finished)
		return;
	if (c->sock != 0 && c->state != TCPS_CLOSED && c->state != TCPS_TIME_WAIT)
		return;
	c->finished = true;
	char text[200], json[240];
	snprintf(text, sizeof(text),
	         "sent %" PRIu64 " bytes hash %016" PRIx64 ", received %" PRIu64
	         " bytes hash %016" PRIx64 "%s%s",
	         c->tx_bytes, peer_hash_value(&c->tx_hash), c->rx_bytes,
	         peer_hash_value(&c->rx_hash), c->error ? ", error " : "",
	         c->error ? errno_name(c->error) : "");
	snprintf(json, sizeof(json),
	         ",\"tx_bytes\":%" PRIu64 ",\"tx_hash\":\"%016" PRIx64 "\",\"rx_bytes\":%" PRIu64
	         ",\"rx_hash\":\"%016" PRIx64 "\",\"error\":%s%s%s,\"state\":\"%s\"",
	         c->tx_bytes, peer_hash_value(&c->tx_hash), c->rx_bytes,
	         peer_hash_value(&c->rx_hash), c->error ? "\"" : "",
	         c->error ? errno_name(c->error) : "null", c->error ? "\"" : "",
	         stack_state_name(c->state));
	log_app(c, "done", text, json);
}

static void give_back(struct peer_conn *c)
{
	if (c->has_handle)
		tcp_close(c->env->stack, now(c), c->sock);
	c->has_handle = false;
}

static void conn_fail(struct peer_conn *c, int err, const char *step, const char *detail)
{
	if (c->sleep_timer) {
		event_loop_timer_cancel(c->env->loop, c->sleep_timer);
		c->sleep_timer = 0;
	}
	c->error = err;
	char text[200], json[160];
	snprintf(text, sizeof(text), "%s (%s)%s%s", errno_name(err), step, detail ? " " : "",
	         detail ? detail : "");
	snprintf(json, sizeof(json), ",\"step\":\"%s\",\"error\":\"%s\"", step, errno_name(err));
	log_app(c, "error", text, json);
	c->script_over = true;
	/* After an error the connection is CLOSED; its handle still has to be given back. */
	int st = c->has_handle ? tcp_get_state(c->env->stack, c->sock) : -1;
	if (st >= 0)
		c->state = (enum tcp_state)st;
	give_back(c);
	check_finished(c);
}

static void account_rx(struct peer_conn *c, const uint8_t *p, size_t n)
{
	peer_hash_update(&c->rx_hash, p, n);
	c->rx_bytes += n;
}

static void account_tx(struct peer_conn *c, const uint8_t *p, size_t n)
{
	peer_hash_update(&c->tx_hash, p, n);
	c->tx_bytes += n;
}

/* "eof"/"read" as synfin-kpeer logs them: bytes and hash of everything received so far. */
static void log_rx(struct peer_conn *c, const char *what)
{
	char text[96], json[96];
	snprintf(text, sizeof(text), "%" PRIu64 " bytes, hash %016" PRIx64, c->rx_bytes,
	         peer_hash_value(&c->rx_hash));
	snprintf(json, sizeof(json), ",\"bytes\":%" PRIu64 ",\"hash\":\"%016" PRIx64 "\"",
	         c->rx_bytes, peer_hash_value(&c->rx_hash));
	log_app(c, what, text, json);
}

static void log_sent(struct peer_conn *c, uint64_t n)
{
	char text[128], json[128];
	snprintf(text, sizeof(text), "%" PRIu64 " bytes (total %" PRIu64 ", hash %016" PRIx64 ")",
	         n, c->tx_bytes, peer_hash_value(&c->tx_hash));
	snprintf(json, sizeof(json),
	         ",\"bytes\":%" PRIu64 ",\"tx_bytes\":%" PRIu64 ",\"tx_hash\":\"%016" PRIx64 "\"",
	         n, c->tx_bytes, peer_hash_value(&c->tx_hash));
	log_app(c, "sent", text, json);
}

/* Steps return 1 when done, 0 to wait for an event, or a negative errno. */

static int step_send_bytes(struct peer_conn *c, const uint8_t *data, uint64_t len)
{
	while (c->step_done < len) {
		ssize_t r = tcp_send(c->env->stack, now(c), c->sock, data + c->step_done,
		                     (size_t)(len - c->step_done));
		if (r == -EAGAIN)
			return 0;
		if (r < 0)
			return (int)r;
		account_tx(c, data + c->step_done, (size_t)r);
		c->step_done += (uint64_t)r;
	}
	log_sent(c, len);
	return 1;
}

static int step_send_pattern(struct peer_conn *c, uint64_t n)
{
	while (c->step_done < n) {
		if (c->buf_off == c->buf_len) {
			uint64_t left = n - c->step_done;
			c->buf_len = left < CHUNK ? (size_t)left : CHUNK;
			c->buf_off = 0;
			peer_script_pattern_fill(c->buf, c->buf_len, c->tx_bytes);
		}
		ssize_t r = tcp_send(c->env->stack, now(c), c->sock, c->buf + c->buf_off,
		                     c->buf_len - c->buf_off);
		if (r == -EAGAIN)
			return 0;
		if (r < 0)
			return (int)r;
		account_tx(c, c->buf + c->buf_off, (size_t)r);
		c->buf_off += (size_t)r;
		c->step_done += (uint64_t)r;
	}
	c->buf_off = c->buf_len = 0;
	log_sent(c, n);
	return 1;
}

void peer_addr_port(char *buf, size_t size, const struct stack_addr *addr, uint16_t port)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	if (stack_addr_is_v4(addr)) {
		struct in_addr a = {htonl(stack_addr_v4_get(addr))};
		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		snprintf(buf, size, "%s:%u", ip, port);
	} else {
		inet_ntop(AF_INET6, addr->b, ip, sizeof(ip));
		snprintf(buf, size, "[%s]:%u", ip, port);
	}
}

static int step_connect(struct peer_conn *c)
{
	const struct peer_env *env = c->env;
	if (!c->step_started) {
		c->step_started = true;
		char to[PEER_ADDR_PORT_LEN], json[80];
		peer_addr_port(to, sizeof(to), &env->remote_addr, env->remote_port);
		snprintf(json, sizeof(json), ",\"to\":\"%s\"", to);
		int h = tcp_connect_addr(env->stack, now(c), env->local_port, &env->remote_addr,
		                         env->remote_port);
		if (h < 0)
			return h;
		c->sock = h;
		c->has_handle = true;
		int st = tcp_get_state(env->stack, h);
		if (st >= 0)
			c->state = (enum tcp_state)st;
		if (env->nodelay)
			tcp_set_nodelay(env->stack, now(c), h, true);
		log_app(c, "connecting", to, json);
	}
	int err = tcp_get_error(env->stack, c->sock);
	if (err < 0)
		return err;
	if (!c->connected)
		return 0;
	struct tcp_info_view info;
	if (tcp_get_info(env->stack, c->sock, &info) == 0) {
		char l[PEER_ADDR_PORT_LEN], r[PEER_ADDR_PORT_LEN], text[120], json[140];
		peer_addr_port(l, sizeof(l), &info.laddr, info.lport);
		peer_addr_port(r, sizeof(r), &info.raddr, info.rport);
		snprintf(text, sizeof(text), "%s -> %s", l, r);
		snprintf(json, sizeof(json), ",\"local\":\"%s\",\"remote\":\"%s\"", l, r);
		log_app(c, "connected", text, json);
	} else {
		log_app(c, "connected", NULL, NULL);
	}
	return 1;
}

/* Read up to limit bytes of this step (UINT64_MAX: to EOF); echo sends them back. */
static int step_read(struct peer_conn *c, uint64_t limit, bool echo)
{
	for (;;) {
		if (echo && c->buf_off < c->buf_len) {
			ssize_t w = tcp_send(c->env->stack, now(c), c->sock, c->buf + c->buf_off,
			                     c->buf_len - c->buf_off);
			if (w == -EAGAIN)
				return 0;
			if (w < 0)
				return (int)w;
			account_tx(c, c->buf + c->buf_off, (size_t)w);
			c->buf_off += (size_t)w;
			continue;
		}
		if (c->step_done >= limit) {
			log_rx(c, "read");
			return 1;
		}
		uint8_t *dst = echo ? c->buf : rx_scratch;
		size_t cap = echo ? CHUNK : sizeof(rx_scratch);
		if (limit - c->step_done < cap)
			cap = (size_t)(limit - c->step_done);
		ssize_t r = tcp_recv(c->env->stack, now(c), c->sock, dst, cap);
		if (r == -EAGAIN)
			return 0;
		if (r < 0)
			return (int)r;
		if (r == 0) {
			c->eof_seen = true;
			c->buf_off = c->buf_len = 0;
			log_rx(c, "eof");
			/* `read N` that meets EOF first has failed */
			return limit == UINT64_MAX ? 1 : -ENODATA;
		}
		account_rx(c, dst, (size_t)r);
		c->step_done += (uint64_t)r;
		if (echo) {
			c->buf_off = 0;
			c->buf_len = (size_t)r;
		}
	}
}

static void on_sleep_over(struct event_loop *loop, uint64_t now_ns, void *arg)
{
	struct peer_conn *c = arg;
	(void)loop;
	(void)now_ns;
	c->sleep_timer = 0;
	c->sleep_over = true;
	kick(c);
}

static int step_sleep(struct peer_conn *c, uint64_t us)
{
	if (!c->step_started) {
		c->step_started = true;
		c->sleep_over = false;
		/* In the stack's time, so --time-scale shortens sleeps too. */
		uint64_t when = stack_driver_loop_time(c->env->drv, now(c) + us);
		long id = event_loop_timer_at(c->env->loop, when, on_sleep_over, c);
		if (id < 0)
			return (int)id;
		c->sleep_timer = id;
	}
	return c->sleep_over ? 1 : 0;
}

static int step_close(struct peer_conn *c)
{
	struct tcp_info_view info;
	char text[80] = "", json[80] = "";
	/* With unread data the stack answers close with RST (RFC 2525 2.17): say so. */
	if (tcp_get_info(c->env->stack, c->sock, &info) == 0 && info.rcv_queued > 0) {
		snprintf(text, sizeof(text), "with %zu unread bytes", info.rcv_queued);
		snprintf(json, sizeof(json), ",\"unread\":%zu", info.rcv_queued);
	}
	/* Logged first, so the log reads in order: the state change follows the close. */
	log_app(c, "closed", text[0] ? text : NULL, json[0] ? json : NULL);
	int err = tcp_close(c->env->stack, now(c), c->sock);
	c->has_handle = false;
	return err < 0 && err != -EBADF ? err : 1;
}

/* RFC 1122 4.2.3.6 on this socket alone, as synfin-kpeer's SO_KEEPALIVE and TCP_KEEP* do. */
static int step_keepalive(struct peer_conn *c, const struct peer_step *s)
{
	struct stack *st = c->env->stack;
	int err = tcp_set_keepalive_timing(st, now(c), c->sock, s->duration_us, s->interval_us,
	                                   (unsigned)s->count);
	if (err == 0)
		err = tcp_set_keepalive(st, now(c), c->sock, true);
	if (err < 0)
		return err;
	char text[96], json[96];
	snprintf(text, sizeof(text), "idle %" PRIu64 "ms, intvl %" PRIu64 "ms, count %" PRIu64,
	         s->duration_us / 1000, s->interval_us / 1000, s->count);
	snprintf(json, sizeof(json),
	         ",\"idle_us\":%" PRIu64 ",\"intvl_us\":%" PRIu64 ",\"count\":%" PRIu64,
	         s->duration_us, s->interval_us, s->count);
	log_app(c, "keepalive", text, json);
	return 1;
}

static int run_step(struct peer_conn *c, const struct peer_step *s)
{
	struct stack *st = c->env->stack;
	int err;
	switch (s->op) {
	case PEER_CONNECT:
		return step_connect(c);
	case PEER_ACCEPT:
		return 1;
	case PEER_SEND:
		return step_send_pattern(c, s->count);
	case PEER_SEND_TEXT:
		return step_send_bytes(c, (const uint8_t *)s->text,
		                       s->count ? s->count : strlen(s->text));
	case PEER_SHUTDOWN_WRITE:
		log_app(c, "shutdown-write", NULL, NULL);
		err = tcp_shutdown_write(st, now(c), c->sock);
		return err < 0 ? err : 1;
	case PEER_READ_EOF:
	case PEER_DISCARD:
		return step_read(c, UINT64_MAX, false);
	case PEER_READ:
		return step_read(c, s->count, false);
	case PEER_ECHO:
		return step_read(c, UINT64_MAX, true);
	case PEER_CLOSE:
		return step_close(c);
	case PEER_SLEEP:
		return step_sleep(c, s->duration_us);
	case PEER_ABORT:
		log_app(c, "aborted", NULL, NULL);
		tcp_abort(st, now(c), c->sock);
		c->has_handle = false;
		c->state = TCPS_CLOSED;
		return 1;
	case PEER_KEEPALIVE:
		return step_keepalive(c, s);
	}
	return -EINVAL;
}

void peer_conn_run(struct peer_conn *c)
{
	c->kicked = false;
	const struct peer_script *script = c->env->script;
	while (!c->script_over) {
		if (c->pc >= script->n_steps) {
			if (c->has_handle) {
				log_app(c, "closed", "(end of script)", NULL);
				give_back(c);
			}
			c->script_over = true;
			break;
		}
		const struct peer_step *s = &script->steps[c->pc];
		/* An error (RST, timeout) ends the script whatever step is waiting. */
		int pending = c->has_handle ? tcp_get_error(c->env->stack, c->sock) : 0;
		if (pending < 0 && pending != -EBADF) {
			conn_fail(c, pending, peer_step_name(s->op), NULL);
			return;
		}
		int r = run_step(c, s);
		if (r < 0) {
			char detail[100];
			if (r == -ENODATA)
				snprintf(detail, sizeof(detail),
				         "eof after %" PRIu64 " of %" PRIu64 " bytes", c->step_done,
				         s->count);
			conn_fail(c, r, peer_step_name(s->op), r == -ENODATA ? detail : NULL);
			return;
		}
		if (r == 0)
			return;
		c->pc++;
		c->step_started = false;
		c->step_done = 0;
	}
	check_finished(c);
}

void peer_conn_on_event(struct peer_conn *c, const struct stack_event *ev)
{
	switch (ev->type) {
	case STACK_EV_STATE:
		c->state = ev->new_state;
		break;
	case STACK_EV_CONNECTED:
		c->connected = true;
		break;
	case STACK_EV_CLOSED:
		c->state = TCPS_CLOSED;
		break;
	case STACK_EV_ERROR:
		if (!c->has_handle && c->late_error == 0) {
			/* The application gave the socket back; like close(2) it hears nothing,
			 * but the log says what became of the connection. */
			c->late_error = ev->error;
			char json[64];
			snprintf(json, sizeof(json), ",\"error\":\"%s\"", errno_name(ev->error));
			log_app(c, "error-after-close", errno_name(ev->error), json);
		}
		break;
	default:
		break;
	}
	kick(c);
}

bool peer_conn_interrupt(struct peer_conn *c)
{
	bool running = !c->script_over;
	if (c->has_handle) {
		log_app(c, "aborted", "(interrupted)", NULL);
		tcp_abort(c->env->stack, now(c), c->sock);
		c->has_handle = false;
		c->state = TCPS_CLOSED;
	}
	if (c->sleep_timer) {
		event_loop_timer_cancel(c->env->loop, c->sleep_timer);
		c->sleep_timer = 0;
	}
	if (running)
		c->error = -EINTR;
	c->script_over = true;
	check_finished(c);
	return running;
}

bool peer_conn_over(const struct peer_conn *c)
{
	return c->finished && !c->has_handle && (c->sock == 0 || c->state == TCPS_CLOSED) &&
	       !c->kicked && c->sleep_timer == 0;
}

void peer_conn_trim(struct peer_conn *c)
{
	if (!c->script_over)
		return;
	free(c->buf);
	c->buf = NULL;
	c->buf_off = c->buf_len = 0;
}
