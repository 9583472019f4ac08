/* test_host_stack_driver.c: the driver that runs a stack from the event loop, with one end of a
 * datagram socketpair standing in for the tun device (tun_device_adopt): each datagram is one
 * IPv4 packet, as on a tun device with IFF_NO_PI. On the other end the tests read what the
 * driver's stack sends, or run a second stack by hand. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "common/event_loop.h"
#include "gso_fixture.h"
#include "stack.h"
#include "stack_driver.h"
#include "test_support.h"
#include "tun_device.h"
#include "wire/segment.h"

#define MS 1000000ull
#define CLIENT_ADDR 0xc0a8016cu /* 192.168.1.108 */
#define SERVER_ADDR 0xc0a8016du /* 192.168.1.109 */

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t tolerance_ns(uint64_t gap_ns)
{
	uint64_t t = gap_ns / 8;
	return t > 4 * MS ? t : 4 * MS;
}

/* The driver's stack (the client) on sv[0]; sv[1] is the far side of the "wire". */
struct rig {
	struct event_loop *loop;
	int sv[2];
	struct tun_device *dev;
	struct stack_driver *drv;
	struct stack *stack;
	bool watchdog_fired;
};

static void on_watchdog(struct event_loop *loop, uint64_t now_ns, void *arg)
{
	(void)now_ns;
	((struct rig *)arg)->watchdog_fired = true;
	event_loop_stop(loop);
}

static void rig_init(struct rig *r, const struct stack_tunables *tun, double scale,
                     stack_driver_turn_fn on_turn, void *turn_arg)
{
	memset(r, 0, sizeof(*r));
	ck_assert_int_eq(event_loop_new(&r->loop), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, r->sv), 0);
	ck_assert_int_eq(tun_device_adopt(r->sv[0], "pair0", 1500, &r->dev), 0);
	struct stack_config cfg = {.addr = CLIENT_ADDR, .seed = 1};
	if (tun)
		cfg.tun = *tun;
	else
		stack_tunables_default(&cfg.tun);
	ck_assert_int_eq(stack_driver_new(r->loop, r->dev, &cfg, scale, on_turn, turn_arg, &r->drv),
	                 0);
	r->stack = stack_driver_stack(r->drv);
	event_loop_timer_at(r->loop, event_loop_update_now(r->loop) + 5000 * MS, on_watchdog, r);
}

static void rig_free(struct rig *r)
{
	stack_driver_free(r->drv);
	tun_device_close(r->dev); /* closes sv[0] */
	if (r->sv[1] >= 0)
		close(r->sv[1]);
	event_loop_free(r->loop);
}

START_TEST(test_time_scale_must_be_positive)
{
	struct event_loop *loop;
	ck_assert_int_eq(event_loop_new(&loop), 0);
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	struct tun_device *dev;
	ck_assert_int_eq(tun_device_adopt(sv[0], "pair0", 1500, &dev), 0);
	struct stack_config cfg = {.addr = CLIENT_ADDR};
	stack_tunables_default(&cfg.tun);
	struct stack_driver *d = NULL;
	ck_assert_int_eq(stack_driver_new(loop, dev, &cfg, 0, NULL, NULL, &d), -EINVAL);
	ck_assert_int_eq(stack_driver_new(loop, dev, &cfg, -1, NULL, NULL, &d), -EINVAL);
	ck_assert_int_eq(stack_driver_new(loop, dev, &cfg, NAN, NULL, NULL, &d), -EINVAL);
	/* and tunables the stack refuses */
	cfg.tun.mss = 10;
	ck_assert_int_eq(stack_driver_new(loop, dev, &cfg, 1, NULL, NULL, &d), -EINVAL);
	ck_assert_ptr_null(d);
	tun_device_close(dev);
	close(sv[1]);
	event_loop_free(loop);
}
END_TEST

START_TEST(test_stack_clock_runs_at_the_time_scale)
{
	struct rig r;
	uint64_t before_ns = mono_ns();
	rig_init(&r, NULL, 10, NULL, NULL);
	/* 1 s of stack time is 100 ms of loop time at scale 10 */
	uint64_t t0 = stack_driver_loop_time(r.drv, 0);
	ck_assert_uint_eq(stack_driver_loop_time(r.drv, 1000000) - t0, 100 * MS);
	/* just made: the stack clock started at 0 and has run at most ten times the real time
	 * since (a fixed bound, 1000 us, failed whenever the scheduler held the test back for
	 * 100 us) */
	uint64_t made = stack_driver_now(r.drv);
	ck_assert_uint_le(made, (mono_ns() - before_ns) * 10 / 1000 + 1);
	struct timespec ms20 = {0, 20 * 1000000};
	nanosleep(&ms20, NULL);
	uint64_t now = stack_driver_now(r.drv);
	uint64_t loop_now = event_loop_now(r.loop); /* the reading the stack's time came from */
	ck_assert_uint_ge(now, 200000);
	/* ten times the loop time elapsed since the start, in microseconds */
	uint64_t want = (loop_now - t0) * 10 / 1000;
	ck_assert_uint_le(now > want ? now - want : want - now, 1);
	/* the loop time of a stack time is never before it: waking then, the stack sees it */
	event_loop_update_now(r.loop);
	ck_assert_uint_ge(stack_driver_loop_time(r.drv, now), t0);
	rig_free(&r);
}
END_TEST

struct syn_watch {
	struct rig *rig;
	int syns;
	uint64_t at_ns[4];
	uint64_t stack_us[4];
	uint16_t dport;
};

static void on_wire_syn(struct event_loop *loop, int fd, unsigned events, void *arg)
{
	struct syn_watch *w = arg;
	(void)events;
	uint8_t pkt[2048];
	ssize_t n;
	while ((n = read(fd, pkt, sizeof(pkt))) > 0) {
		struct segment seg;
		ck_assert_int_eq(segment_parse(&seg, pkt, (size_t)n), 0);
		ck_assert_uint_eq(seg.flags, TCPF_SYN);
		ck_assert_uint_eq(seg.saddr, CLIENT_ADDR);
		ck_assert_uint_eq(seg.daddr, SERVER_ADDR);
		w->dport = seg.dport;
		if (w->syns < 4) {
			w->at_ns[w->syns] = mono_ns();
			w->stack_us[w->syns] = stack_driver_now(w->rig->drv);
		}
		if (++w->syns == 3)
			event_loop_stop(loop);
	}
}

START_TEST(test_syn_goes_out_on_the_device_and_is_retransmitted_at_the_scaled_rto)
{
	struct stack_tunables tun;
	stack_tunables_default(&tun);
	tun.rto_initial = 1000000; /* 1 s of stack time: 100 ms of real time at scale 10 */
	struct rig r;
	rig_init(&r, &tun, 10, NULL, NULL);
	struct syn_watch w = {.rig = &r};
	ck_assert_int_eq(event_loop_watch_fd(r.loop, r.sv[1], EVENT_READ, on_wire_syn, &w), 0);
	/* the first SYN leaves inside tcp_connect; the loop reads it a moment later. The stack's
	 * time for it is read from the clock just after sent_ns, so the retransmission, timed from
	 * it, is never early against sent_ns */
	uint64_t sent_ns = event_loop_update_now(r.loop);
	int h = tcp_connect(r.stack, stack_driver_now(r.drv), 40000, SERVER_ADDR, 80);
	ck_assert_int_gt(h, 0);
	ck_assert_int_eq(event_loop_run(r.loop), 0);
	ck_assert(!r.watchdog_fired);
	ck_assert_int_eq(w.syns, 3);
	ck_assert_uint_eq(w.dport, 80);
	/* RFC 6298 5.5: the RTO doubles; 100 ms then 200 ms of real time */
	uint64_t gap1 = w.at_ns[1] - sent_ns, gap2 = w.at_ns[2] - w.at_ns[1];
	ck_assert_uint_ge(gap1, 100 * MS);
	ck_assert_uint_le(gap1, 100 * MS + tolerance_ns(100 * MS));
	ck_assert_uint_ge(gap2, 200 * MS - tolerance_ns(200 * MS));
	ck_assert_uint_le(gap2, 200 * MS + tolerance_ns(200 * MS));
	/* in the stack's own time: at 1 s, then 2 s later */
	ck_assert_uint_ge(w.stack_us[1], 1000000);
	ck_assert_uint_ge(w.stack_us[2] - w.stack_us[1],
	                  2000000 - 10 * tolerance_ns(200 * MS) / 1000);
	const struct stack_driver_stats *st = stack_driver_get_stats(r.drv);
	ck_assert_uint_eq(st->tx_packets, 3);
	ck_assert_uint_eq(st->rx_packets, 0);
	ck_assert_uint_eq(st->tx_dropped, 0);
	ck_assert_uint_eq(st->device_errors, 0);
	ck_assert_uint_eq(stack_get_stats(r.stack)->tcp_retransmits, 2);
	rig_free(&r);
}
END_TEST

START_TEST(test_full_device_queue_counts_a_drop_not_an_error)
{
	struct rig r;
	rig_init(&r, NULL, 1, NULL, NULL);
	/* fill the far end's receive queue, as a tun device whose queue the kernel has not
	 * drained */
	uint8_t filler[64] = {0};
	int queued = 0;
	while (write(r.sv[0], filler, sizeof(filler)) > 0)
		queued++;
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_gt(queued, 0);
	ck_assert_int_gt(tcp_connect(r.stack, stack_driver_now(r.drv), 0, SERVER_ADDR, 80), 0);
	const struct stack_driver_stats *st = stack_driver_get_stats(r.drv);
	ck_assert_uint_eq(st->tx_dropped, 1);
	ck_assert_uint_eq(st->tx_packets, 0);
	ck_assert_uint_eq(st->device_errors, 0);
	rig_free(&r);
}
END_TEST

START_TEST(test_failed_device_write_counts_a_device_error)
{
	struct rig r;
	rig_init(&r, NULL, 1, NULL, NULL);
	close(r.sv[1]); /* nobody on the other end: writes fail with ECONNREFUSED */
	r.sv[1] = -1;
	ck_assert_int_gt(tcp_connect(r.stack, stack_driver_now(r.drv), 0, SERVER_ADDR, 80), 0);
	const struct stack_driver_stats *st = stack_driver_get_stats(r.drv);
	ck_assert_uint_eq(st->device_errors, 1);
	ck_assert_uint_eq(st->tx_packets, 0);
	ck_assert_uint_eq(st->tx_dropped, 0);
	rig_free(&r);
}
END_TEST

/* A whole connection: the driver's stack (client) sends `total` bytes to a second stack (the
 * server) that the test runs by hand on sv[1], with its timers on the same loop. */
struct transfer {
	struct rig *rig;
	struct stack *server;
	int listener, server_sock, client_sock;
	long server_timer;
	uint64_t server_deadline;
	size_t total, sent, received;
	bool pattern_ok, shut, eof, client_connected;
	bool vnet; /* the device carries virtio-net headers: the far side segments GSO packets */
	unsigned datagrams;
	uint64_t emitted_by_last_wait; /* packets the client had emitted when the loop last slept */
	int turns;
};

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + 3);
}

static void server_emit(void *ctx, uint64_t now, const uint8_t *pkt, size_t len)
{
	struct transfer *t = ctx;
	(void)now;
	struct virtio_net_hdr none;
	memset(&none, 0, sizeof(none));
	struct iovec iov[2] = {{&none, sizeof(none)}, {(void *)pkt, len}};
	int skip = t->vnet ? 0 : 1;
	size_t want = len + (t->vnet ? sizeof(none) : 0);
	ck_assert_int_eq(writev(t->rig->sv[1], iov + skip, 2 - skip), (ssize_t)want);
}

static void client_event(void *ctx, const struct stack_event *ev)
{
	struct transfer *t = ctx;
	if (ev->type == STACK_EV_CONNECTED)
		t->client_connected = true;
}

static void server_read(struct transfer *t, uint64_t now)
{
	if (t->server_sock <= 0) {
		int h = tcp_accept(t->server, t->listener);
		if (h <= 0)
			return;
		t->server_sock = h;
	}
	uint8_t buf[8192];
	ssize_t n;
	while ((n = tcp_recv(t->server, now, t->server_sock, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != pattern(t->received + (size_t)i))
				t->pattern_ok = false;
		t->received += (size_t)n;
	}
	if (n == 0 && !t->eof) {
		t->eof = true;
		event_loop_stop(t->rig->loop);
	}
}

static void on_server_timer(struct event_loop *loop, uint64_t now_ns, void *arg)
{
	struct transfer *t = arg;
	(void)loop;
	(void)now_ns;
	t->server_timer = 0;
	uint64_t now = stack_driver_now(t->rig->drv);
	if (now < t->server_deadline)
		now = t->server_deadline;
	stack_timer(t->server, now);
	server_read(t, now);
}

static uint8_t cut[MAX_SEGS][SEG_MAX];
static size_t cut_len[MAX_SEGS];

static void on_wire_to_server(struct event_loop *loop, int fd, unsigned events, void *arg)
{
	struct transfer *t = arg;
	(void)loop;
	(void)events;
	static uint8_t pkt[sizeof(struct virtio_net_hdr) + 65536];
	ssize_t n;
	uint64_t now = stack_driver_now(t->rig->drv);
	while ((n = read(fd, pkt, sizeof(pkt))) > 0) {
		t->datagrams++;
		if (!t->vnet) {
			stack_input(t->server, now, pkt, (size_t)n);
			continue;
		}
		struct virtio_net_hdr vh;
		ck_assert_int_ge(n, (ssize_t)sizeof(vh));
		memcpy(&vh, pkt, sizeof(vh));
		unsigned segs =
		    kernel_segment(&vh, pkt + sizeof(vh), (size_t)n - sizeof(vh), cut, cut_len);
		for (unsigned i = 0; i < segs; i++)
			stack_input(t->server, now, cut[i], cut_len[i]);
	}
	server_read(t, now);
}

/* The driver calls this once per turn: the client's application, and the server's timer. */
static void on_transfer_turn(void *arg)
{
	struct transfer *t = arg;
	struct rig *r = t->rig;
	t->turns++;
	/* whatever the client emitted before the loop last slept is on the device by now */
	const struct stack_driver_stats *st = stack_driver_get_stats(r->drv);
	ck_assert_uint_ge(st->tx_packets + st->tx_dropped, t->emitted_by_last_wait);
	uint64_t now = stack_driver_now(r->drv);
	if (t->client_connected) {
		while (t->sent < t->total) {
			uint8_t buf[4096];
			size_t n =
			    t->total - t->sent < sizeof(buf) ? t->total - t->sent : sizeof(buf);
			for (size_t i = 0; i < n; i++)
				buf[i] = pattern(t->sent + i);
			ssize_t w = tcp_send(r->stack, now, t->client_sock, buf, n);
			if (w == -EAGAIN)
				break;
			ck_assert_int_gt(w, 0);
			t->sent += (size_t)w;
		}
		if (t->sent == t->total && !t->shut) {
			ck_assert_int_eq(tcp_shutdown_write(r->stack, now, t->client_sock), 0);
			t->shut = true;
		}
	}
	t->emitted_by_last_wait = stack_get_stats(r->stack)->ip_out;
	uint64_t d = stack_next_deadline(t->server);
	if (t->server_timer && d == t->server_deadline)
		return;
	if (t->server_timer)
		event_loop_timer_cancel(r->loop, t->server_timer);
	t->server_timer = 0;
	if (d != STACK_TIME_NEVER) {
		t->server_deadline = d;
		t->server_timer = event_loop_timer_at(r->loop, stack_driver_loop_time(r->drv, d),
		                                      on_server_timer, t);
	}
}

static void run_transfer(bool vnet)
{
	struct transfer t = {.total = 300000, .pattern_ok = true, .vnet = vnet};
	struct rig r;
	struct stack_tunables tun;
	stack_tunables_default(&tun);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(event_loop_new(&r.loop), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, r.sv), 0);
	/* room for a full window of segments in flight each way */
	int big = 4 << 20;
	setsockopt(r.sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(r.sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	ck_assert_int_eq(tun_device_adopt(r.sv[0], "pair0", 1500, &r.dev), 0);
	tun_device_set_vnet_hdr(r.dev, vnet);
	struct stack_config cfg = {
	    .addr = CLIENT_ADDR, .seed = 2, .tun = tun, .on_event = client_event, .event_ctx = &t};
	ck_assert_int_eq(stack_driver_new(r.loop, r.dev, &cfg, 1, on_transfer_turn, &t, &r.drv), 0);
	r.stack = stack_driver_stack(r.drv);
	t.rig = &r;
	struct stack_config scfg = {
	    .addr = SERVER_ADDR, .seed = 3, .tun = tun, .emit = server_emit, .emit_ctx = &t};
	t.server = stack_new(&scfg);
	ck_assert_ptr_nonnull(t.server);
	t.listener = tcp_listen(t.server, 80, 4);
	ck_assert_int_gt(t.listener, 0);
	ck_assert_int_eq(event_loop_watch_fd(r.loop, r.sv[1], EVENT_READ, on_wire_to_server, &t),
	                 0);
	event_loop_timer_at(r.loop, event_loop_update_now(r.loop) + 10000 * MS, on_watchdog, &r);

	t.client_sock = tcp_connect(r.stack, stack_driver_now(r.drv), 0, SERVER_ADDR, 80);
	ck_assert_int_gt(t.client_sock, 0);
	ck_assert_int_eq(event_loop_run(r.loop), 0);

	ck_assert(!r.watchdog_fired);
	ck_assert(t.eof);
	ck_assert_uint_eq(t.received, t.total);
	ck_assert(t.pattern_ok);
	ck_assert_int_gt(t.turns, 1);
	/* every packet one stack emitted was read by the other: nothing lost, nothing made up */
	const struct stack_driver_stats *st = stack_driver_get_stats(r.drv);
	const struct stack_stats *cs = stack_get_stats(r.stack), *ss = stack_get_stats(t.server);
	ck_assert_uint_eq(st->tx_dropped, 0);
	ck_assert_uint_eq(st->device_errors, 0);
	ck_assert_uint_eq(st->tx_packets, cs->ip_out);
	ck_assert_uint_eq(st->rx_packets, cs->ip_in);
	ck_assert_uint_eq(ss->ip_in, cs->ip_out);
	/* the server's last ACKs may still wait in the device when the loop stops */
	uint64_t pending = 0;
	uint8_t pkt[2048];
	while (read(r.sv[0], pkt, sizeof(pkt)) > 0)
		pending++;
	ck_assert_uint_eq(ss->ip_out, cs->ip_in + pending);
	/* Joined, the client's data reaches the hand-run server in about ten bursts instead of
	 * two hundred packets, and the end of the transfer may then see a retransmission (1 in 8
	 * runs here); what this case proves is that every packet is taken as the stack built it. */
	if (!vnet)
		ck_assert_uint_eq(cs->tcp_retransmits, 0);
	ck_assert_uint_ge(st->tx_packets, t.total / 1460);
	for (int i = 0; i < STACK_DROP__COUNT; i++)
		ck_assert_uint_eq(ss->drops[i], 0);
	ck_assert_uint_eq(t.datagrams, st->tx_writes);
	if (vnet) /* the segments went out joined, and the server took every one as sent */
		ck_assert_uint_le(st->tx_writes * 4, st->tx_packets);
	else
		ck_assert_uint_eq(st->tx_writes, st->tx_packets);

	stack_free(t.server);
	if (t.server_timer)
		event_loop_timer_cancel(r.loop, t.server_timer);
	rig_free(&r);
}

START_TEST(test_connection_through_the_device_delivers_every_byte_in_order)
{
	run_transfer(false);
}
END_TEST

/* With virtio-net headers the driver joins what the client sends back to back; the far side
 * cuts the GSO packets as the kernel does, and the server sees the same conversation. */
START_TEST(test_joined_segments_reach_the_far_side_as_the_stack_sent_them)
{
	run_transfer(true);
}
END_TEST

/* Two readings of the stack's clock in one loop turn, with 20 ms of work between them. */
struct long_turn {
	struct rig *rig;
	uint64_t first_us, second_us;
};

static void on_long_turn(void *arg)
{
	struct long_turn *t = arg;
	t->first_us = stack_driver_now(t->rig->drv);
	uint64_t until = mono_ns() + 20 * MS;
	while (mono_ns() < until)
		;
	t->second_us = stack_driver_now(t->rig->drv);
	event_loop_stop(t->rig->loop);
}

/* A turn that reads and answers many packets lasts ms on a busy machine; the stack must see
 * the time pass inside it. With the turn's wake-up time, a FIN sent at the end of such a turn
 * was stamped as sent at its start, and its tail loss probe (2 SRTT + 2 ms, with the SRTT
 * near 0 from ACKs taken in the same turn) went out at the next wake-up, a few us after it. */
START_TEST(test_stack_clock_moves_inside_a_long_turn)
{
	struct rig r;
	struct long_turn t = {.rig = &r};
	rig_init(&r, NULL, 1, on_long_turn, &t);
	ck_assert_int_eq(event_loop_run(r.loop), 0);
	ck_assert(!r.watchdog_fired);
	ck_assert_uint_ge(t.second_us - t.first_us, 20000);
	/* and the loop's time went along, so its timers are judged by the same clock */
	ck_assert_uint_ge(event_loop_now(r.loop),
	                  stack_driver_loop_time(r.drv, t.second_us) - 1000);
	rig_free(&r);
}
END_TEST

static void on_turn_count(void *arg)
{
	(*(int *)arg)++;
}

START_TEST(test_freed_driver_leaves_the_loop_and_device_alone)
{
	int turns = 0;
	struct rig r;
	rig_init(&r, NULL, 1, on_turn_count, &turns);
	/* a deadline armed (SYN retransmission), then the driver goes */
	ck_assert_int_gt(tcp_connect(r.stack, stack_driver_now(r.drv), 0, SERVER_ADDR, 80), 0);
	uint8_t pkt[2048];
	ck_assert_int_gt(read(r.sv[1], pkt, sizeof(pkt)), 0);
	stack_driver_free(r.drv);
	r.drv = NULL;
	/* a packet for the device now wakes nobody, and no stack timer fires */
	ck_assert_int_eq(write(r.sv[1], "x", 1), 1);
	r.watchdog_fired = false;
	event_loop_timer_at(r.loop, event_loop_update_now(r.loop) + 30 * MS, on_watchdog, &r);
	ck_assert_int_eq(event_loop_run(r.loop), 0);
	ck_assert(r.watchdog_fired);
	ck_assert_int_eq(turns, 0);
	ck_assert_int_eq(read(r.sv[0], pkt, sizeof(pkt)), 1); /* still unread */
	tun_device_close(r.dev);
	close(r.sv[1]);
	event_loop_free(r.loop);
}
END_TEST

static Suite *stack_driver_suite(void)
{
	Suite *s = suite_create("host_stack_driver");
	TCase *tc = tcase_create("driver");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_time_scale_must_be_positive);
	tcase_add_test(tc, test_stack_clock_runs_at_the_time_scale);
	tcase_add_test(tc, test_syn_goes_out_on_the_device_and_is_retransmitted_at_the_scaled_rto);
	tcase_add_test(tc, test_full_device_queue_counts_a_drop_not_an_error);
	tcase_add_test(tc, test_failed_device_write_counts_a_device_error);
	tcase_add_test(tc, test_connection_through_the_device_delivers_every_byte_in_order);
	tcase_add_test(tc, test_joined_segments_reach_the_far_side_as_the_stack_sent_them);
	tcase_add_test(tc, test_freed_driver_leaves_the_loop_and_device_alone);
	tcase_add_test(tc, test_stack_clock_moves_inside_a_long_turn);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(stack_driver_suite());
}
