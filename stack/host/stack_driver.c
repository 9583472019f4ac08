/* stack_driver.c: glue between a stack, a tun device and an event loop. */
#include "stack_driver.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tun_gso.h"

/* Packets handled per readable event, so a flood cannot starve timers. */
#define RX_BATCH 256

struct stack_driver {
	struct event_loop *loop;
	struct tun_device *dev;
	struct stack *stack;
	double scale;
	uint64_t origin_ns; /* loop time at which the stack's clock read 0 */
	uint64_t last_now;  /* the stack's clock never runs backwards */
	long timer_id;      /* loop timer for the stack's deadline, 0 when none */
	uint64_t timer_deadline;
	stack_driver_turn_fn on_turn;
	void *turn_arg;
	struct stack_driver_stats stats;
	struct tun_gso_batch *gso; /* segments waiting to go out as one; NULL: one write each */
	uint8_t rx_buf[65536];
};

static uint64_t to_stack_time(const struct stack_driver *d, uint64_t loop_ns)
{
	if (loop_ns <= d->origin_ns)
		return 0;
	return (uint64_t)((double)(loop_ns - d->origin_ns) * d->scale / 1000.0);
}

uint64_t stack_driver_loop_time(const struct stack_driver *d, uint64_t stack_us)
{
	/* Rounded up, so that the stack's clock has reached stack_us when the loop wakes. */
	return d->origin_ns + (uint64_t)ceil((double)stack_us * 1000.0 / d->scale);
}

uint64_t stack_driver_now(struct stack_driver *d)
{
	/* The clock itself, not the turn's wake-up time: a turn may read 256 packets and answer
	 * each, several ms on a busy machine, and the stack would see the end of it as its start.
	 * Segments sent then would seem older than they are, their ACKs in the same turn would
	 * give RTT samples near 0, and a tail loss probe armed at the turn's end would be due as
	 * soon as the clock is read again. Linux refreshes its TCP clock alike for each segment
	 * it takes and each burst it sends (tcp_mstamp_refresh). */
	uint64_t now = to_stack_time(d, event_loop_update_now(d->loop));
	if (now < d->last_now)
		now = d->last_now;
	d->last_now = now;
	return now;
}

double stack_driver_elapsed(const struct stack_driver *d)
{
	return (double)(event_loop_now(d->loop) - d->origin_ns) / 1e9;
}

static void count_write(struct stack_driver *d, int rc, unsigned packets)
{
	if (rc == 0) {
		d->stats.tx_packets += packets;
		d->stats.tx_writes++;
	} else if (rc == -EAGAIN || rc == -ENOBUFS) {
		d->stats.tx_dropped += packets;
	} else {
		d->stats.device_errors++;
	}
}

static void gso_flush(struct stack_driver *d)
{
	if (d->gso == NULL || d->gso->segs == 0)
		return;
	struct virtio_net_hdr vh;
	size_t len = tun_gso_finish(d->gso, &vh);
	count_write(d, tun_device_write_gso(d->dev, &vh, d->gso->pkt, len), d->gso->segs);
	tun_gso_reset(d->gso);
}

static void emit(void *ctx, uint64_t now, const uint8_t *pkt, size_t len)
{
	struct stack_driver *d = ctx;
	(void)now;
	if (d->gso != NULL) {
		if (tun_gso_add(d->gso, pkt, len))
			goto added;
		/* Offered again to an empty batch only when it was refused by a batch that was
		 * not: a pure ACK, refused by the empty batch too, is looked at once. */
		if (d->gso->segs != 0) {
			gso_flush(d);
			if (tun_gso_add(d->gso, pkt, len))
				goto added;
		}
	}
	count_write(d, tun_device_write(d->dev, pkt, len), 1);
	return;
added:
	if (tun_gso_full(d->gso))
		gso_flush(d);
}

static void on_readable(struct event_loop *loop, int fd, unsigned events, void *arg)
{
	struct stack_driver *d = arg;
	(void)loop;
	(void)fd;
	(void)events;
	for (int i = 0; i < RX_BATCH; i++) {
		ssize_t n = tun_device_read(d->dev, d->rx_buf, sizeof(d->rx_buf));
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			d->stats.device_errors++;
			return;
		}
		d->stats.rx_packets++;
		stack_input(d->stack, stack_driver_now(d), d->rx_buf, (size_t)n);
	}
}

static void on_deadline(struct event_loop *loop, uint64_t now_ns, void *arg)
{
	struct stack_driver *d = arg;
	(void)loop;
	(void)now_ns;
	d->timer_id = 0;
	/* The loop woke at the deadline rounded up to its clock; never let a rounding error make
	 * the stack see a time just before the deadline it asked for. */
	uint64_t now = stack_driver_now(d);
	if (now < d->timer_deadline)
		now = d->last_now = d->timer_deadline;
	stack_timer(d->stack, now);
}

static void before_wait(struct event_loop *loop, void *arg)
{
	struct stack_driver *d = arg;
	if (d->on_turn)
		d->on_turn(d->turn_arg);
	/* The turn's segments leave before the loop sleeps: batching never delays one. */
	gso_flush(d);
	uint64_t deadline = stack_next_deadline(d->stack);
	if (d->timer_id != 0 && deadline == d->timer_deadline)
		return;
	if (d->timer_id != 0) {
		event_loop_timer_cancel(loop, d->timer_id);
		d->timer_id = 0;
	}
	if (deadline == STACK_TIME_NEVER)
		return;
	long id = event_loop_timer_at(loop, stack_driver_loop_time(d, deadline), on_deadline, d);
	if (id > 0) {
		d->timer_id = id;
		d->timer_deadline = deadline;
	}
}

int stack_driver_new(struct event_loop *loop, struct tun_device *dev,
                     const struct stack_config *cfg, double time_scale,
                     stack_driver_turn_fn on_turn, void *turn_arg, struct stack_driver **out)
{
	if (!(time_scale > 0))
		return -EINVAL;
	struct stack_driver *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	d->loop = loop;
	d->dev = dev;
	d->scale = time_scale;
	d->origin_ns = event_loop_update_now(loop);
	d->on_turn = on_turn;
	d->turn_arg = turn_arg;
	if (tun_device_vnet_hdr(dev)) {
		d->gso = malloc(sizeof(*d->gso));
		if (d->gso == NULL) {
			free(d);
			return -ENOMEM;
		}
		tun_gso_reset(d->gso);
	}
	struct stack_config c = *cfg;
	c.emit = emit;
	c.emit_ctx = d;
	d->stack = stack_new(&c);
	if (d->stack == NULL) {
		free(d->gso);
		free(d);
		return -EINVAL;
	}
	int err = event_loop_watch_fd(loop, tun_device_fd(dev), EVENT_READ, on_readable, d);
	if (err < 0) {
		stack_free(d->stack);
		free(d->gso);
		free(d);
		return err;
	}
	event_loop_set_before_wait(loop, before_wait, d);
	*out = d;
	return 0;
}

void stack_driver_free(struct stack_driver *d)
{
	if (d == NULL)
		return;
	gso_flush(d); /* a loop stopped mid-turn did not reach before_wait */
	event_loop_unwatch_fd(d->loop, tun_device_fd(d->dev));
	event_loop_set_before_wait(d->loop, NULL, NULL);
	if (d->timer_id)
		event_loop_timer_cancel(d->loop, d->timer_id);
	stack_free(d->stack);
	free(d->gso);
	free(d);
}

struct stack *stack_driver_stack(struct stack_driver *d)
{
	return d->stack;
}

const struct stack_driver_stats *stack_driver_get_stats(const struct stack_driver *d)
{
	return &d->stats;
}
