/* stack_driver.h: run a stack on a tun device from an event loop. Packets read from the device
 * go to stack_input(), packets the stack emits are written to the device, and the loop's one
 * timerfd is armed at stack_next_deadline() before every wait. The stack gets the loop's
 * monotonic clock, read afresh for every packet and call, optionally sped up by a time scale,
 * so that e.g. a 63 s SYN timeout can be watched in 6.3 s with scale 10. */
#ifndef SYNFIN_STACK_DRIVER_H
#define SYNFIN_STACK_DRIVER_H

#include <stdint.h>

#include "common/event_loop.h"
#include "stack.h"
#include "tun_device.h"

struct stack_driver;

struct stack_driver_stats {
	uint64_t rx_packets;    /* read from the device */
	uint64_t tx_packets;    /* written to the device */
	uint64_t tx_writes;     /* writes that carried them: fewer when segments went out as one
	                           GSO packet (tun_gso.h) */
	uint64_t tx_dropped;    /* device queue full: lost as on a wire */
	uint64_t device_errors; /* reads or writes that failed otherwise */
};

/* Called once per loop turn, before the deadline is armed: the application's chance to act on
 * what the turn's stack events told it. */
typedef void (*stack_driver_turn_fn)(void *arg);

/* cfg's emit callback is replaced by the device; on a device with virtio-net headers
 * (tun_device_vnet_hdr) the TCP segments a loop turn emits back to back go out joined, as GSO
 * packets, written at the latest before the loop waits again. time_scale > 0 (1: real time). Takes
 * over the loop's before-wait hook. Returns 0 or a negative errno (-EINVAL: the stack refused cfg).
 */
int stack_driver_new(struct event_loop *loop, struct tun_device *dev,
                     const struct stack_config *cfg, double time_scale,
                     stack_driver_turn_fn on_turn, void *turn_arg, struct stack_driver **out);
void stack_driver_free(struct stack_driver *d);

struct stack *stack_driver_stack(struct stack_driver *d);
/* The stack's time (us) for now, read from the clock at the call (it also becomes the loop's
 * time for the turn): never goes backwards. */
uint64_t stack_driver_now(struct stack_driver *d);
/* The monotonic time (ns) at which the stack's clock reads stack_us: for the application's own
 * timers, which then run at the same scale. */
uint64_t stack_driver_loop_time(const struct stack_driver *d, uint64_t stack_us);
/* Seconds of real time since the driver started (for logs). */
double stack_driver_elapsed(const struct stack_driver *d);
const struct stack_driver_stats *stack_driver_get_stats(const struct stack_driver *d);

#endif
