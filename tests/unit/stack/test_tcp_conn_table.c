/* test_tcp_conn_table.c: the stack's connection indexes (hash tables by handle, 4-tuple and
 * listening port, the timer heap) over many connections, on two stacks joined in memory: every
 * lookup agrees with a walk of all connections, the earliest deadline with a scan of all timers,
 * and the tables shrink back once connections are gone, so a server's memory follows its live
 * connections, TIME-WAIT included, not the connections it has served. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stack.h"
#include "stack_internal.h"
#include "test_support.h"

#define SERVER 0x0a000001u
#define CLIENT 0x0a000002u
#define PORT 80
#define LATENCY 500 /* us, one way */
#define REQUEST 32

struct flight {
	struct flight *next;
	uint64_t at;
	struct stack *to;
	size_t len;
	uint8_t data[];
};

/* Two stacks, a FIFO wire, and the applications: the client keeps `parallel` connections
 * going until `todo` were made; the server answers each request and closes first, so it is
 * the server that holds TIME-WAIT. */
static struct {
	struct stack *server, *client;
	uint64_t now;
	struct flight *head, *tail;
	int listener;
	unsigned todo, made, accepted, errors;
	long server_live; /* from the server's state events */
	uint16_t next_port;
	bool server_never_accepts;
} W;

static void emit(void *ctx, uint64_t now, const uint8_t *pkt, size_t len)
{
	struct flight *f = malloc(sizeof(*f) + len);
	ck_assert_ptr_nonnull(f);
	f->next = NULL;
	f->at = now + LATENCY;
	f->to = ctx == &W.server ? W.client : W.server;
	f->len = len;
	memcpy(f->data, pkt, len);
	if (W.tail)
		W.tail->next = f;
	else
		W.head = f;
	W.tail = f;
}

static void client_connect(void)
{
	if (W.made >= W.todo)
		return;
	W.made++;
	uint16_t port = W.next_port;
	W.next_port = port >= 60000 ? 2000 : (uint16_t)(port + 1);
	ck_assert_int_gt(tcp_connect(W.client, W.now, port, SERVER, PORT), 0);
}

static void on_client(void *ctx, const struct stack_event *ev)
{
	(void)ctx;
	static const uint8_t request[REQUEST];
	uint8_t buf[256];
	if (ev->type == STACK_EV_CONNECTED)
		ck_assert_int_eq(tcp_send(W.client, W.now, ev->sock, request, REQUEST), REQUEST);
	if (ev->type == STACK_EV_READABLE || ev->type == STACK_EV_EOF) {
		while (tcp_recv(W.client, W.now, ev->sock, buf, sizeof(buf)) > 0)
			;
	}
	if (ev->type == STACK_EV_EOF) {
		tcp_close(W.client, W.now, ev->sock);
		client_connect();
	}
	if (ev->type == STACK_EV_ERROR) {
		W.errors++;
		tcp_close(W.client, W.now, ev->sock);
	}
}

static void on_server(void *ctx, const struct stack_event *ev)
{
	(void)ctx;
	uint8_t buf[256];
	if (ev->type == STACK_EV_STATE && ev->old_state == TCPS_CLOSED &&
	    ev->new_state != TCPS_LISTEN)
		W.server_live++;
	if (ev->type == STACK_EV_STATE && ev->new_state == TCPS_CLOSED &&
	    ev->old_state != TCPS_LISTEN)
		W.server_live--;
	if (ev->type == STACK_EV_ACCEPT && !W.server_never_accepts) {
		while (tcp_accept(W.server, W.listener) > 0)
			W.accepted++;
	}
	if (ev->type == STACK_EV_READABLE && !W.server_never_accepts &&
	    tcp_recv(W.server, W.now, ev->sock, buf, sizeof(buf)) == REQUEST) {
		ck_assert_int_eq(tcp_send(W.server, W.now, ev->sock, buf, REQUEST), REQUEST);
		tcp_close(W.server, W.now, ev->sock);
	}
}

static struct stack *make_stack(uint32_t addr, stack_event_fn fn, void *ctx)
{
	struct stack_config cfg = {
	    .addr = addr, .seed = addr, .on_event = fn, .emit = emit, .emit_ctx = ctx};
	stack_tunables_default(&cfg.tun);
	cfg.tun.time_wait = 2000000; /* 2 s, so the test sees TIME-WAIT end */
	return stack_new(&cfg);
}

static void setup(void)
{
	memset(&W, 0, sizeof(W));
	W.now = 1000000;
	W.next_port = 2000;
	W.server = make_stack(SERVER, on_server, &W.server);
	W.client = make_stack(CLIENT, on_client, &W.client);
	ck_assert_ptr_nonnull(W.server);
	ck_assert_ptr_nonnull(W.client);
	W.listener = tcp_listen(W.server, PORT, 64);
	ck_assert_int_gt(W.listener, 0);
}

static void teardown(void)
{
	stack_free(W.server);
	stack_free(W.client);
	while (W.head) {
		struct flight *f = W.head;
		W.head = f->next;
		free(f);
	}
	W.tail = NULL;
}

/* Packets and timers in time order, up to virtual time `until`. */
static void run_until(uint64_t until)
{
	for (;;) {
		uint64_t next = W.head ? W.head->at : UINT64_MAX;
		uint64_t ds = stack_next_deadline(W.server), dc = stack_next_deadline(W.client);
		next = ds < next ? ds : next;
		next = dc < next ? dc : next;
		if (next > until)
			break;
		if (next > W.now)
			W.now = next;
		if (W.head && W.head->at <= W.now) {
			struct flight *f = W.head;
			W.head = f->next;
			if (!W.head)
				W.tail = NULL;
			stack_input(f->to, W.now, f->data, f->len);
			free(f);
			continue;
		}
		if (stack_next_deadline(W.server) <= W.now)
			stack_timer(W.server, W.now);
		if (stack_next_deadline(W.client) <= W.now)
			stack_timer(W.client, W.now);
	}
	W.now = until;
}

static size_t count_conns(const struct stack *s)
{
	size_t n = 0;
	for (const struct tcp_conn *c = s->conns; c; c = c->next)
		n++;
	return n;
}

/* What the indexes answer, against walks of every connection. */
static void check_indexes(struct stack *s)
{
	uint64_t earliest = STACK_TIME_NEVER;
	size_t n = 0, tuples = 0;
	for (struct tcp_conn *c = s->conns; c; c = c->next) {
		n++;
		ck_assert(!c->dead); /* reaped at the end of every call */
		uint64_t d = tcp_conn_deadline(c);
		earliest = d < earliest ? d : earliest;
		ck_assert_ptr_eq(tcp_conn_by_handle(s, c->handle), c->app_closed ? NULL : c);
		if (c->state == TCPS_LISTEN) {
			ck_assert_ptr_eq(tcp_listener_for(s, &c->laddr, c->lport), c);
			continue;
		}
		tuples++;
		ck_assert(tcp_port_in_use(s, c->lport));
		if (c->state != TCPS_CLOSED)
			ck_assert_ptr_eq(
			    tcp_conn_lookup(s, &c->laddr, c->lport, &c->raddr, c->rport), c);
	}
	ck_assert_uint_eq(n, s->n_conns);
	ck_assert_uint_eq(s->by_handle.count, n);
	ck_assert_uint_eq(s->by_tuple.count, tuples);
	ck_assert_uint_eq(stack_next_deadline(s), earliest);
	ck_assert_uint_le(s->heap_len, n);
}

/* Serve `count` connections, `parallel` at a time; check the indexes every step of 20 ms. */
static void serve(unsigned count, unsigned parallel)
{
	W.todo += count;
	for (unsigned i = 0; i < parallel; i++)
		client_connect();
	while (W.accepted < W.todo) {
		run_until(W.now + 20000);
		check_indexes(W.server);
		check_indexes(W.client);
		ck_assert_int_eq(W.server_live + 1, (long)count_conns(W.server));
	}
}

START_TEST(test_many_connections_indexes_agree_with_a_walk_of_all)
{
	serve(3000, 40);
	ck_assert_uint_eq(W.errors, 0);
	/* every one of them waits out TIME-WAIT on the server, where lookups still find it */
	ck_assert_int_ge(W.server_live, 1000);
	ck_assert_uint_ge(W.server->by_tuple.count, 1000);
}
END_TEST

START_TEST(test_memory_follows_live_connections_not_those_served)
{
	size_t buckets[3], heap_cap[3];
	for (int round = 0; round < 3; round++) {
		serve(2000, 40);
		run_until(W.now + 3000000); /* past TIME-WAIT */
		check_indexes(W.server);
		ck_assert_int_eq(W.server_live, 0);
		ck_assert_uint_eq(W.server->n_conns, 1); /* the listener */
		ck_assert_uint_eq(W.client->n_conns, 0);
		buckets[round] = chain_hash_buckets(&W.server->by_tuple) +
		                 chain_hash_buckets(&W.server->by_handle);
		heap_cap[round] = W.server->heap_cap;
		ck_assert_uint_eq(W.server->port_users[PORT], 1);
		ck_assert_uint_eq(W.client->port_users[2000], 0);
	}
	ck_assert_uint_eq(W.accepted, 6000);
	ck_assert_uint_eq(buckets[0], 32); /* both tables back to their 16 buckets */
	ck_assert_uint_eq(buckets[2], buckets[0]);
	ck_assert_uint_le(heap_cap[0], 16);
	ck_assert_uint_eq(heap_cap[2], heap_cap[0]);
}
END_TEST

START_TEST(test_time_wait_connections_count_as_live_until_they_end)
{
	serve(500, 10);
	run_until(W.now + 100000);
	ck_assert_int_eq(W.server_live, 500);
	ck_assert_uint_eq(W.server->n_conns, 501);
	ck_assert_uint_ge(chain_hash_buckets(&W.server->by_tuple), 500);
	run_until(W.now + 2000000);
	ck_assert_int_eq(W.server_live, 0);
	ck_assert_uint_eq(W.server->n_conns, 1);
	ck_assert_uint_eq(chain_hash_buckets(&W.server->by_tuple), 16);
}
END_TEST

START_TEST(test_closing_a_listener_resets_and_frees_every_waiting_child)
{
	W.server_never_accepts = true;
	W.todo = 20;
	for (int i = 0; i < 20; i++)
		client_connect();
	run_until(W.now + 10000);
	ck_assert_int_eq(W.listener > 0, 1);
	struct tcp_conn *l = tcp_conn_by_handle(W.server, W.listener);
	ck_assert_int_eq(l->n_children, 20);
	ck_assert_int_eq(tcp_close(W.server, W.now, W.listener), 0);
	ck_assert_uint_eq(W.server->n_conns, 0);
	ck_assert_uint_eq(stack_next_deadline(W.server), STACK_TIME_NEVER);
	run_until(W.now + 10000);
	ck_assert_uint_eq(W.errors, 20); /* each client connection reset */
	ck_assert_uint_eq(W.client->n_conns, 0);
	ck_assert_uint_eq(W.server->port_users[PORT], 0);
}
END_TEST

START_TEST(test_equal_deadlines_fire_newest_connection_first)
{
	int h1 = tcp_connect(W.client, W.now, 3001, SERVER, 81);
	int h2 = tcp_connect(W.client, W.now, 3002, SERVER, 81);
	int h3 = tcp_connect(W.client, W.now, 3003, SERVER, 81);
	/* the SYNs (to a closed port: the RSTs are not delivered) are all due again at 1 s */
	while (W.head) {
		struct flight *f = W.head;
		W.head = f->next;
		free(f);
	}
	W.tail = NULL;
	ck_assert_uint_eq(stack_next_deadline(W.client), W.now + 1000000);
	stack_timer(W.client, W.now + 1000000);
	uint16_t order[3];
	int n = 0;
	for (struct flight *f = W.head; f && n < 3; f = f->next)
		order[n++] = (uint16_t)(f->data[20] << 8 | f->data[21]);
	ck_assert_int_eq(n, 3);
	ck_assert_uint_eq(order[0], 3003);
	ck_assert_uint_eq(order[1], 3002);
	ck_assert_uint_eq(order[2], 3001);
	ck_assert_int_lt(h1, h2);
	ck_assert_int_lt(h2, h3);
}
END_TEST

static Suite *tcp_conn_table_suite(void)
{
	Suite *s = suite_create("tcp_conn_table");
	TCase *tc = tcase_create("many");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_many_connections_indexes_agree_with_a_walk_of_all);
	tcase_add_test(tc, test_memory_follows_live_connections_not_those_served);
	tcase_add_test(tc, test_time_wait_connections_count_as_live_until_they_end);
	tcase_add_test(tc, test_closing_a_listener_resets_and_frees_every_waiting_child);
	tcase_add_test(tc, test_equal_deadlines_fire_newest_connection_first);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(tcp_conn_table_suite());
}
