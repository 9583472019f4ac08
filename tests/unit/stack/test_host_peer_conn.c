/* test_host_peer_conn.c: behaviour scripts run by peer_conn on two stacks joined by a datagram
 * socketpair in place of tun devices. Each end is the whole host side of synfin-peer in small
 * (event loop, stack driver, peer log, one peer_conn) in its own process, the server forked off,
 * since a driver owns its loop's before-wait hook and peer_conn keeps one scratch buffer per
 * process. The server reports its connection's result through a pipe. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/event_loop.h"
#include "endpoint/peer_script.h"
#include "peer_conn.h"
#include "peer_log.h"
#include "peer_script_load.h"
#include "stack.h"
#include "stack_driver.h"
#include "test_support.h"
#include "tun_device.h"

#define MS 1000000ull
#define CLIENT_ADDR 0xc0a8016cu /* 192.168.1.108 */
#define SERVER_ADDR 0xc0a8016du /* 192.168.1.109 */

struct result {
	bool finished;  /* script over and the connection CLOSED or in TIME-WAIT */
	bool connected; /* the server accepted one / the client's handshake completed */
	int error;
	uint64_t tx_bytes, tx_hash, rx_bytes, rx_hash;
	double seconds; /* from start to the end of the script */
};

struct end_opts {
	bool server;
	const char *script;
	double scale;
	unsigned run_ms;       /* give up (and report) after this long */
	unsigned interrupt_ms; /* > 0: peer_conn_interrupt() then */
	uint16_t listen_port;  /* server; default 80 */
	const char *jsonl;     /* event log, or NULL */
};

struct end {
	const struct end_opts *o;
	struct event_loop *loop;
	struct stack_driver *drv;
	struct peer_log log;
	struct peer_env env;
	struct peer_script script;
	struct peer_conn *conn;
	int listener;
	bool accept_pending;
	uint64_t start_ns, end_ns;
};

static void on_stack_event(void *ctx, const struct stack_event *ev)
{
	struct end *e = ctx;
	if (e->listener > 0 && ev->sock == e->listener) {
		if (ev->type == STACK_EV_ACCEPT)
			e->accept_pending = true;
		return;
	}
	if (e->conn && ev->sock == e->conn->sock)
		peer_conn_on_event(e->conn, ev);
}

static void on_turn(void *arg)
{
	struct end *e = arg;
	if (e->accept_pending && e->conn == NULL) {
		e->accept_pending = false;
		int h = tcp_accept(e->env.stack, e->listener);
		if (h > 0)
			e->conn = peer_conn_new(&e->env, h);
	}
	for (int i = 0; i < 100 && e->conn && e->conn->kicked; i++)
		peer_conn_run(e->conn);
	if (e->conn && e->conn->finished && e->end_ns == 0) {
		e->end_ns = event_loop_now(e->loop);
		event_loop_stop(e->loop);
	}
}

static void on_give_up(struct event_loop *loop, uint64_t now_ns, void *arg)
{
	(void)now_ns;
	(void)arg;
	event_loop_stop(loop);
}

static void on_interrupt(struct event_loop *loop, uint64_t now_ns, void *arg)
{
	struct end *e = arg;
	(void)loop;
	(void)now_ns;
	if (e->conn)
		peer_conn_interrupt(e->conn);
	on_turn(e);
}

/* Run one end on fd until its connection is done or run_ms is over. */
static struct result run_end(int fd, const struct end_opts *o)
{
	struct end e;
	memset(&e, 0, sizeof(e));
	e.o = o;
	char why[512] = "";
	ck_assert_msg(peer_script_load(&e.script, o->script, why, sizeof(why)) == 0, "%s", why);
	ck_assert_msg(peer_script_fit_role(&e.script, o->server, why, sizeof(why)) == 0, "%s", why);
	ck_assert_int_eq(event_loop_new(&e.loop), 0);
	struct tun_device *dev;
	ck_assert_int_eq(tun_device_adopt(fd, o->server ? "pair1" : "pair0", 1500, &dev), 0);
	ck_assert_int_eq(peer_log_open(&e.log, false, o->jsonl), 0);
	peer_log_start(&e.log, e.loop);
	struct stack_config cfg = {.addr = o->server ? SERVER_ADDR : CLIENT_ADDR,
	                           .seed = o->server ? 11 : 12,
	                           .on_event = on_stack_event,
	                           .event_ctx = &e};
	stack_tunables_default(&cfg.tun);
	double scale = o->scale > 0 ? o->scale : 1;
	ck_assert_int_eq(stack_driver_new(e.loop, dev, &cfg, scale, on_turn, &e, &e.drv), 0);
	e.env = (struct peer_env){.loop = e.loop,
	                          .drv = e.drv,
	                          .stack = stack_driver_stack(e.drv),
	                          .log = &e.log,
	                          .script = &e.script,
	                          .remote_addr = stack_addr_v4(SERVER_ADDR),
	                          .remote_port = 80};
	e.start_ns = event_loop_update_now(e.loop);
	if (o->server) {
		e.listener = tcp_listen(e.env.stack, o->listen_port ? o->listen_port : 80, 4);
		ck_assert_int_gt(e.listener, 0);
	} else {
		e.conn = peer_conn_new(&e.env, 0);
		ck_assert_ptr_nonnull(e.conn);
	}
	event_loop_timer_at(e.loop, e.start_ns + (uint64_t)o->run_ms * MS, on_give_up, &e);
	if (o->interrupt_ms)
		event_loop_timer_at(e.loop, e.start_ns + (uint64_t)o->interrupt_ms * MS,
		                    on_interrupt, &e);
	ck_assert_int_eq(event_loop_run(e.loop), 0);

	struct result r = {0};
	if (e.conn) {
		r.finished = e.conn->finished;
		r.connected = e.conn->connected;
		r.error = e.conn->error;
		r.tx_bytes = e.conn->tx_bytes;
		r.tx_hash = peer_hash_value(&e.conn->tx_hash);
		r.rx_bytes = e.conn->rx_bytes;
		r.rx_hash = peer_hash_value(&e.conn->rx_hash);
		r.seconds = (double)(e.end_ns - e.start_ns) / 1e9;
	}
	peer_conn_free(e.conn);
	stack_driver_free(e.drv);
	tun_device_close(dev);
	peer_log_close(&e.log);
	peer_script_free(&e.script);
	event_loop_free(e.loop);
	return r;
}

/* The server in a child process, the client here; both results back. */
static void run_pair(const struct end_opts *client, const struct end_opts *server,
                     struct result *cr, struct result *sr)
{
	int sv[2], res[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	int big = 4 << 20;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	ck_assert_int_eq(pipe(res), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(sv[0]);
		close(res[0]);
		struct result r = run_end(sv[1], server);
		_exit(write(res[1], &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 1);
	}
	close(sv[1]);
	close(res[1]);
	*cr = run_end(sv[0], client);
	ck_assert_int_eq(read(res[0], sr, sizeof(*sr)), (ssize_t)sizeof(*sr));
	close(res[0]);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

START_TEST(test_both_ends_hash_the_pattern_they_move_each_way)
{
	struct end_opts c = {.script = "connect; send 200K; shutdown-write; read-eof; close",
	                     .run_ms = 10000};
	struct end_opts s = {
	    .server = true, .script = "accept; read-eof; send 5000; close", .run_ms = 10000};
	struct result cr, sr;
	run_pair(&c, &s, &cr, &sr);
	ck_assert(cr.finished && sr.finished);
	ck_assert_int_eq(cr.error, 0);
	ck_assert_int_eq(sr.error, 0);
	ck_assert_uint_eq(cr.tx_bytes, 200u << 10);
	ck_assert_uint_eq(sr.rx_bytes, 200u << 10);
	ck_assert_uint_eq(cr.tx_hash, peer_script_pattern_hash(200u << 10));
	ck_assert_uint_eq(sr.rx_hash, cr.tx_hash);
	/* the server's pattern starts at its own byte 0 */
	ck_assert_uint_eq(sr.tx_bytes, 5000);
	ck_assert_uint_eq(cr.rx_bytes, 5000);
	ck_assert_uint_eq(cr.rx_hash, peer_script_pattern_hash(5000));
	ck_assert_uint_eq(sr.tx_hash, cr.rx_hash);
}
END_TEST

START_TEST(test_echo_returns_every_byte_of_a_file_with_nuls)
{
	char path[64] = "/tmp/synfin-test-conn-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	static uint8_t data[70000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 31 % 7 == 0 ? 0 : i);
	ck_assert_int_eq(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
	close(fd);
	char script[160];
	snprintf(script, sizeof(script), "send-file %s\nshutdown-write\nread-eof\nclose", path);
	struct end_opts c = {.script = script, .run_ms = 10000};
	struct end_opts s = {.server = true, .script = "echo; close", .run_ms = 10000};
	struct result cr, sr;
	run_pair(&c, &s, &cr, &sr);
	unlink(path);
	ck_assert(cr.finished && sr.finished);
	ck_assert_int_eq(cr.error, 0);
	ck_assert_uint_eq(cr.tx_bytes, sizeof(data));
	struct peer_hash h;
	peer_hash_init(&h);
	peer_hash_update(&h, data, sizeof(data));
	ck_assert_uint_eq(cr.tx_hash, peer_hash_value(&h));
	ck_assert_uint_eq(cr.rx_bytes, sizeof(data));
	ck_assert_uint_eq(cr.rx_hash, cr.tx_hash);
	ck_assert_uint_eq(sr.tx_hash, sr.rx_hash);
}
END_TEST

START_TEST(test_read_that_meets_eof_first_fails_with_enodata)
{
	struct end_opts c = {.script = "send 1000; close", .run_ms = 10000};
	struct end_opts s = {.server = true, .script = "read 2000; close", .run_ms = 10000};
	struct result cr, sr;
	run_pair(&c, &s, &cr, &sr);
	ck_assert_int_eq(cr.error, 0);
	ck_assert(sr.finished);
	ck_assert_int_eq(sr.error, -ENODATA);
	ck_assert_uint_eq(sr.rx_bytes, 1000);
}
END_TEST

START_TEST(test_connect_to_a_port_nobody_listens_on_is_refused)
{
	struct end_opts c = {.script = "connect; close", .run_ms = 5000};
	struct end_opts s = {.server = true, .script = "close", .listen_port = 81, .run_ms = 300};
	struct result cr, sr;
	run_pair(&c, &s, &cr, &sr);
	ck_assert(cr.finished);
	ck_assert(!cr.connected);
	ck_assert_int_eq(cr.error, -ECONNREFUSED);
	ck_assert(!sr.finished);
}
END_TEST

START_TEST(test_abort_resets_the_peer)
{
	struct end_opts c = {.script = "connect; send 100; sleep 20ms; abort", .run_ms = 5000};
	struct end_opts s = {.server = true, .script = "read-eof; close", .run_ms = 5000};
	struct result cr, sr;
	run_pair(&c, &s, &cr, &sr);
	ck_assert(cr.finished && sr.finished);
	ck_assert_int_eq(cr.error, 0);
	ck_assert_int_eq(sr.error, -ECONNRESET);
	ck_assert_uint_eq(sr.rx_bytes, 100);
}
END_TEST

START_TEST(test_sleep_runs_at_the_time_scale)
{
	/* 2 s of script time at scale 20: 100 ms */
	struct end_opts c = {.script = "connect; sleep 2s; close", .scale = 20, .run_ms = 5000};
	struct end_opts s = {.server = true, .script = "read-eof; close", .run_ms = 5000};
	struct result cr, sr;
	run_pair(&c, &s, &cr, &sr);
	ck_assert(cr.finished);
	ck_assert_int_eq(cr.error, 0);
	ck_assert_double_ge(cr.seconds, 0.100);
	ck_assert_double_lt(cr.seconds, 1.0);
}
END_TEST

START_TEST(test_interrupt_aborts_a_running_script)
{
	struct end_opts c = {
	    .script = "connect; read-eof; close", .run_ms = 5000, .interrupt_ms = 100};
	struct end_opts s = {.server = true, .script = "read-eof; close", .run_ms = 5000};
	struct result cr, sr;
	run_pair(&c, &s, &cr, &sr);
	ck_assert(cr.finished);
	ck_assert(cr.connected);
	ck_assert_int_eq(cr.error, -EINTR);
	ck_assert(sr.finished);
	ck_assert_int_eq(sr.error, -ECONNRESET);
}
END_TEST

/* The "what" of every app event in a JSON Lines log, space-separated. */
static void app_events(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	char line[1024];
	size_t n = 0;
	out[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		const char *w = strstr(line, "\"what\":\"");
		if (w == NULL)
			continue;
		w += 8;
		const char *q = strchr(w, '"');
		if (q && n < size)
			n += (size_t)snprintf(out + n, size - n, "%s%.*s", n ? " " : "",
			                      (int)(q - w), w);
	}
	fclose(f);
}

START_TEST(test_log_names_the_events_of_the_script_in_order)
{
	char cpath[64] = "/tmp/synfin-test-conn-XXXXXX", spath[64] = "/tmp/synfin-test-conn-XXXXXX";
	close(mkstemp(cpath));
	close(mkstemp(spath));
	struct end_opts c = {
	    .script = "send 3000; shutdown-write; read-eof; close", .run_ms = 5000, .jsonl = cpath};
	struct end_opts s = {
	    .server = true, .script = "discard; close", .run_ms = 5000, .jsonl = spath};
	struct result cr, sr;
	run_pair(&c, &s, &cr, &sr);
	char events[512];
	app_events(cpath, events, sizeof(events));
	ck_assert_str_eq(events, "connecting connected sent shutdown-write eof closed done");
	app_events(spath, events, sizeof(events));
	ck_assert_str_eq(events, "eof closed done");
	unlink(cpath);
	unlink(spath);
}
END_TEST

static Suite *peer_conn_suite(void)
{
	Suite *s = suite_create("host_peer_conn");
	TCase *tc = tcase_create("scripts");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_both_ends_hash_the_pattern_they_move_each_way);
	tcase_add_test(tc, test_echo_returns_every_byte_of_a_file_with_nuls);
	tcase_add_test(tc, test_read_that_meets_eof_first_fails_with_enodata);
	tcase_add_test(tc, test_connect_to_a_port_nobody_listens_on_is_refused);
	tcase_add_test(tc, test_abort_resets_the_peer);
	tcase_add_test(tc, test_sleep_runs_at_the_time_scale);
	tcase_add_test(tc, test_interrupt_aborts_a_running_script);
	tcase_add_test(tc, test_log_names_the_events_of_the_script_in_order);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(peer_conn_suite());
}
