/* synfin_peer.c: synfin-peer, one TCP endpoint on synfin's userspace stack, attached to the tun
 * device of a `stack` endpoint namespace and driven by a behaviour script. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/event_loop.h"
#include "endpoint/peer_script.h"
#include "peer_conn.h"
#include "peer_log.h"
#include "peer_options.h"
#include "peer_script_load.h"
#include "peer_table.h"
#include "stack.h"
#include "stack_driver.h"
#include "tun_device.h"

struct peer {
	struct peer_env env;
	struct event_loop *loop;
	struct stack_driver *drv;
	struct peer_log log;
	bool server;
	int listener;
	bool accept_pending;
	unsigned max_conns;
	unsigned accepted;
	struct peer_table conns;
	uint64_t linger_us;
	bool lingering;
	bool interrupted_running;
	struct tun_device *dev;
	uint64_t kernel_drops_at_start; /* the tun device's count when the stack began */
	struct peer_script script;
};

/* Stack events only record facts; connections act on them in on_turn(), outside the stack. */
static void on_stack_event(void *ctx, const struct stack_event *ev)
{
	struct peer *p = ctx;
	if (ev->type == STACK_EV_STATE)
		peer_log_state(&p->log, ev->sock, stack_state_name(ev->old_state),
		               stack_state_name(ev->new_state));
	if (p->listener > 0 && ev->sock == p->listener) {
		if (ev->type == STACK_EV_ACCEPT)
			p->accept_pending = true;
		return;
	}
	struct peer_conn *c = peer_table_find(&p->conns, ev->sock);
	if (c)
		peer_conn_on_event(c, ev);
}

static void accept_all(struct peer *p)
{
	p->accept_pending = false;
	while (p->listener > 0 && (p->max_conns == 0 || p->accepted < p->max_conns)) {
		int h = tcp_accept(p->env.stack, p->listener);
		if (h < 0)
			break;
		struct peer_conn *c = peer_conn_new(&p->env, h);
		if (c == NULL) {
			tcp_abort(p->env.stack, stack_driver_now(p->drv), h);
			peer_log_app(&p->log, h, "error", "out of memory, aborted",
			             ",\"step\":\"accept\",\"error\":\"ENOMEM\"");
			continue;
		}
		peer_table_add(&p->conns, c);
		p->accepted++;
		struct tcp_info_view info;
		char text[PEER_ADDR_PORT_LEN] = "", json[100] = "";
		if (tcp_get_info(p->env.stack, h, &info) == 0) {
			peer_addr_port(text, sizeof(text), &info.raddr, info.rport);
			snprintf(json, sizeof(json), ",\"from\":\"%s\",\"n\":%u", text,
			         p->accepted);
		}
		peer_log_app(&p->log, h, "accepted", text, json);
	}
	if (p->listener > 0 && p->max_conns != 0 && p->accepted >= p->max_conns) {
		/* Later SYNs are refused (RST) rather than left to time out. */
		tcp_close(p->env.stack, stack_driver_now(p->drv), p->listener);
		peer_log_app(&p->log, p->listener, "listen-closed", "(--max-conns reached)", NULL);
		p->listener = 0;
	}
}

static void on_linger_over(struct event_loop *loop, uint64_t now_ns, void *arg)
{
	(void)now_ns;
	(void)arg;
	event_loop_stop(loop);
}

static void check_exit(struct peer *p)
{
	if (p->lingering || p->conns.made == 0)
		return;
	if (p->server && (p->max_conns == 0 || p->accepted < p->max_conns))
		return;
	if (p->conns.unfinished > 0)
		return;
	p->lingering = true;
	if (p->linger_us == 0) {
		event_loop_stop(p->loop);
		return;
	}
	uint64_t when = stack_driver_loop_time(p->drv, stack_driver_now(p->drv) + p->linger_us);
	if (event_loop_timer_at(p->loop, when, on_linger_over, p) < 0)
		event_loop_stop(p->loop);
}

static void on_turn(void *arg)
{
	struct peer *p = arg;
	/* Running one connection can make events for others (or itself): repeat until quiet. */
	for (int round = 0; round < 1000; round++) {
		bool any = false;
		if (p->accept_pending) {
			accept_all(p);
			any = true;
		}
		if (peer_table_run_kicked(&p->conns))
			any = true;
		if (!any)
			break;
	}
	check_exit(p);
}

static void on_signal(struct event_loop *loop, int signo, void *arg)
{
	struct peer *p = arg;
	const char *name = sigabbrev_np(signo) ? sigabbrev_np(signo) : "?";
	char text[40], json[60];
	snprintf(text, sizeof(text), "by SIG%s", name);
	snprintf(json, sizeof(json), ",\"signal\":\"SIG%s\"", name);
	peer_log_app(&p->log, 0, "interrupted", text, json);
	if (peer_table_interrupt(&p->conns))
		p->interrupted_running = true;
	if (p->listener > 0) {
		tcp_close(p->env.stack, stack_driver_now(p->drv), p->listener);
		p->listener = 0;
	}
	event_loop_stop(loop);
}

/* The exit statuses are enum peer_exit (peer_script.h), shared with synfin-kpeer so a scenario's
 * `exit` line means the same for both; --help lists them and tests tell outcomes apart by them. */
static int exit_status(const struct peer *p)
{
	switch (peer_table_exit_error(&p->conns)) {
	case 0:
		return p->interrupted_running ? PEER_EXIT_INTERRUPTED : PEER_EXIT_OK;
	case -ETIMEDOUT:
		return PEER_EXIT_TIMEDOUT;
	case -ECONNREFUSED:
		return PEER_EXIT_REFUSED;
	case -ECONNRESET:
		return PEER_EXIT_RESET;
	default:
		return PEER_EXIT_OTHER;
	}
}

static void print_stats(struct peer *p, struct tun_device *dev, int status)
{
	const struct stack_stats *s = stack_get_stats(p->env.stack);
	const struct stack_driver_stats *d = stack_driver_get_stats(p->drv);
	uint64_t dropped = 0;
	char reasons[1024] = "", json_drops[1536] = "";
	size_t rn = 0, jn = 0;
	for (int r = 0; r < STACK_DROP__COUNT; r++) {
		if (s->drops[r] == 0)
			continue;
		dropped += s->drops[r];
		const char *name = stack_drop_reason_name((enum stack_drop_reason)r);
		if (rn < sizeof(reasons))
			rn += (size_t)snprintf(reasons + rn, sizeof(reasons) - rn, "%s%s %" PRIu64,
			                       rn ? ", " : " (", name, s->drops[r]);
		if (jn < sizeof(json_drops))
			jn +=
			    (size_t)snprintf(json_drops + jn, sizeof(json_drops) - jn,
			                     "%s\"%s\":%" PRIu64, jn ? "," : "", name, s->drops[r]);
	}
	if (rn > 0 && rn < sizeof(reasons) - 1)
		snprintf(reasons + rn, sizeof(reasons) - rn, ")");
	fprintf(stderr,
	        "synfin-peer: stack: ip in %" PRIu64 " out %" PRIu64 "; tcp in %" PRIu64
	        " out %" PRIu64 ", retransmits %" PRIu64 " (fast %" PRIu64 "), rst out %" PRIu64
	        ", challenge acks %" PRIu64 ", delayed acks %" PRIu64 ", compressed acks %" PRIu64
	        ", icmp echo replies %" PRIu64 "\n",
	        s->ip_in, s->ip_out, s->tcp_in, s->tcp_out, s->tcp_retransmits,
	        s->tcp_fast_retransmits, s->tcp_rst_out, s->tcp_challenge_acks, s->tcp_delayed_acks,
	        s->tcp_acks_compressed, s->icmp_echo_replies);
	fprintf(stderr,
	        "synfin-peer: device %s: rx %" PRIu64 " tx %" PRIu64 " (in %" PRIu64
	        " writes) tx dropped %" PRIu64 " errors %" PRIu64 "\n",
	        tun_device_name(dev), d->rx_packets, d->tx_packets, d->tx_writes, d->tx_dropped,
	        d->device_errors);
	fprintf(stderr, "synfin-peer: dropped segments: %" PRIu64 "%s\n", dropped, reasons);
	/* what never reached the stack: the kernel drops at the device when the stack reads too
	 * slowly (its queue is txqueuelen packets) */
	uint64_t kernel_drops = 0;
	if (tun_device_kernel_drops(dev, &kernel_drops) == 0)
		kernel_drops -= p->kernel_drops_at_start;
	if (kernel_drops)
		fprintf(stderr,
		        "synfin-peer: the kernel dropped %" PRIu64
		        " packets toward the stack at %s: "
		        "its queue was full (the stack read too slowly)\n",
		        kernel_drops, tun_device_name(dev));
	fprintf(stderr, "synfin-peer: exit status %d\n", status);
	char body[3072];
	snprintf(body, sizeof(body),
	         ",\"ip_in\":%" PRIu64 ",\"ip_out\":%" PRIu64 ",\"tcp_in\":%" PRIu64
	         ",\"tcp_out\":%" PRIu64 ",\"tcp_retransmits\":%" PRIu64
	         ",\"tcp_fast_retransmits\":%" PRIu64 ",\"tcp_rst_out\":%" PRIu64
	         ",\"tcp_challenge_acks\":%" PRIu64 ",\"tcp_delayed_acks\":%" PRIu64
	         ",\"tcp_acks_compressed\":%" PRIu64 ",\"icmp_echo_replies\":%" PRIu64
	         ",\"dev_rx\":%" PRIu64 ",\"dev_tx\":%" PRIu64 ",\"dev_tx_writes\":%" PRIu64
	         ",\"dev_tx_dropped\":%" PRIu64 ",\"dev_kernel_dropped\":%" PRIu64
	         ",\"dropped\":%" PRIu64 ",\"drops\":{%s}",
	         s->ip_in, s->ip_out, s->tcp_in, s->tcp_out, s->tcp_retransmits,
	         s->tcp_fast_retransmits, s->tcp_rst_out, s->tcp_challenge_acks,
	         s->tcp_delayed_acks, s->tcp_acks_compressed, s->icmp_echo_replies, d->rx_packets,
	         d->tx_packets, d->tx_writes, d->tx_dropped, kernel_drops, dropped, json_drops);
	peer_log_json(&p->log, "stats", body);
}

/* The "counters" record a scenario's `counts` lines are read from (impl/stack.impl names the
 * member of each counter): every drop reason's count, zeros included, so that a counter the
 * stack keeps is never missing from it. */
static void log_counters(struct peer *p)
{
	const struct stack_stats *s = stack_get_stats(p->env.stack);
	char body[2048];
	size_t n = 0;
	for (int r = 0; r < STACK_DROP__COUNT && n < sizeof(body); r++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, ",\"%s\":%" PRIu64,
		                      stack_drop_reason_name((enum stack_drop_reason)r),
		                      s->drops[r]);
	peer_log_json(&p->log, "counters", body);
}

/* The script: inline, from --script-file, or the mode's default, fitted to the role. Returns -1
 * when loaded, otherwise the exit status (the message is printed). */
static int load_script(const struct peer_options *o, struct peer_script *script)
{
	char why[512];
	char *file_text = NULL;
	const char *text = o->script_text;

	if (o->script_file) {
		size_t len;
		file_text = peer_read_file(o->script_file, &len, why, sizeof(why));
		if (file_text == NULL)
			return peer_usage_error("script file %s", why);
		text = file_text;
	}
	if (text == NULL)
		text = o->server ? "accept; read-eof; close"
		                 : "connect; shutdown-write; read-eof; close";
	int rc = peer_script_load(script, text, why, sizeof(why));
	free(file_text);
	if (rc != 0)
		return peer_usage_error("script: %s", why);
	if (peer_script_fit_role(script, o->server, why, sizeof(why)) != 0) {
		peer_script_free(script);
		return peer_usage_error("script: %s", why);
	}
	return -1;
}

/* The stack on its device: log, tun device, event loop, stack driver, signals. 0, with the
 * milliseconds the device took to come up in *waited_ms (negative: it did not), or -1 with the
 * reason printed. */
static int peer_open(struct peer *p, const struct peer_options *o, int *waited_ms)
{
	char why[512];
	uint64_t seed = o->seed;

	if (peer_table_init(&p->conns) != 0) {
		fprintf(stderr, "synfin-peer: out of memory\n");
		return -1;
	}
	if (!o->seed_given && getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		seed = (uint64_t)getpid() * 0x9e3779b97f4a7c15u;
	int err = peer_log_open(&p->log, !o->quiet, o->jsonl_path);
	if (err < 0) {
		fprintf(stderr, "synfin-peer: --jsonl %s: %s\n", o->jsonl_path, strerror(-err));
		return -1;
	}
	unsigned dev_flags = o->no_tun_gso ? 0 : TUN_DEVICE_VNET_HDR;
	err = tun_device_open(o->dev_name, dev_flags, &p->dev, why, sizeof(why));
	if (err < 0) {
		fprintf(stderr, "synfin-peer: %s\n", why);
		return -1;
	}
	if (dev_flags && !tun_device_vnet_hdr(p->dev))
		fprintf(stderr,
		        "synfin-peer: note: %s refused virtio-net headers (IFF_VNET_HDR); "
		        "every segment is written alone\n",
		        tun_device_name(p->dev));
	tun_device_kernel_drops(p->dev, &p->kernel_drops_at_start);
	*waited_ms = tun_device_wait_running(p->dev, 3000, why, sizeof(why));
	if (*waited_ms == -ENETDOWN || *waited_ms == -ENODEV) {
		fprintf(stderr, "synfin-peer: %s\n", why);
		return -1;
	}
	if (*waited_ms < 0) /* the first segments may be lost; TCP recovers */
		fprintf(stderr, "synfin-peer: warning: %s\n", why);
	err = event_loop_new(&p->loop);
	if (err < 0) {
		fprintf(stderr, "synfin-peer: event loop: %s\n", strerror(-err));
		return -1;
	}
	peer_log_start(&p->log, p->loop);
	struct stack_config cfg = {
	    .addr = o->local_addr,
	    .addr6 = o->local_addr6,
	    .seed = seed,
	    .tun = o->tun,
	    .on_event = on_stack_event,
	    .event_ctx = p,
	};
	err = stack_driver_new(p->loop, p->dev, &cfg, o->time_scale, on_turn, p, &p->drv);
	if (err < 0) {
		fprintf(stderr, "synfin-peer: %s\n",
		        err == -EINVAL
		            ? "the stack refused its configuration (check the --set values)"
		            : strerror(-err));
		return -1;
	}
	p->env.loop = p->loop;
	p->env.drv = p->drv;
	p->env.stack = stack_driver_stack(p->drv);
	p->env.log = &p->log;
	p->env.script = &p->script;
	p->env.nodelay = o->nodelay;
	p->env.kicks = &p->conns.kicks;
	err = event_loop_catch_signals(p->loop, on_signal, p);
	if (err < 0) {
		fprintf(stderr, "synfin-peer: signals: %s\n", strerror(-err));
		return -1;
	}
	return 0;
}

/* Log the start, then listen (server) or make the one connection (client). 0, or -1 with the
 * reason printed. */
static int peer_begin(struct peer *p, const struct peer_options *o, int waited_ms)
{
	char text[160], json[160];

	snprintf(text, sizeof(text), "%s %s on %s (mtu %u, running after %d ms), time scale %g",
	         o->mode, o->local, tun_device_name(p->dev), tun_device_mtu(p->dev), waited_ms,
	         o->time_scale);
	snprintf(json, sizeof(json),
	         ",\"mode\":\"%s\",\"local\":\"%s\",\"dev\":\"%s\",\"time_scale\":%g", o->mode,
	         o->local, tun_device_name(p->dev), o->time_scale);
	peer_log_app(&p->log, 0, "start", text, json);
	if (!o->server) {
		struct peer_conn *c = peer_conn_new(&p->env, 0);
		if (c == NULL) {
			fprintf(stderr, "synfin-peer: out of memory\n");
			return -1;
		}
		peer_table_add(&p->conns, c);
		return 0;
	}
	int h = tcp_listen(p->env.stack, o->listen_port, o->backlog);
	if (h < 0) {
		fprintf(stderr, "synfin-peer: listen on port %u: %s\n", o->listen_port,
		        strerror(-h));
		return -1;
	}
	p->listener = h;
	snprintf(text, sizeof(text), "port %u", o->listen_port);
	snprintf(json, sizeof(json), ",\"port\":%u", o->listen_port);
	peer_log_app(&p->log, h, "listening", text, json);
	return 0;
}

/* Run until every connection is done or a signal; log the exit and the counters. Returns the
 * exit status. */
static int peer_run(struct peer *p)
{
	int err = event_loop_run(p->loop);
	if (err < 0)
		fprintf(stderr, "synfin-peer: event loop: %s\n", strerror(-err));
	int status = err < 0 ? PEER_EXIT_OTHER : exit_status(p);
	char json[40];
	snprintf(json, sizeof(json), ",\"status\":%d", status);
	peer_log_app(&p->log, 0, "exit", NULL, json);
	print_stats(p, p->dev, status);
	log_counters(p);
	return status;
}

/* Frees what peer_open and peer_begin made, in reverse order; harmless on what they did not. */
static void peer_close(struct peer *p)
{
	peer_table_free(&p->conns);
	stack_driver_free(p->drv);
	event_loop_free(p->loop);
	tun_device_close(p->dev);
	peer_log_close(&p->log);
	peer_script_free(&p->script);
}

int main(int argc, char **argv)
{
	struct peer_options o;
	int status = peer_parse_options(argc, argv, &o);
	if (status >= 0)
		return status;

	struct peer p;
	memset(&p, 0, sizeof(p));
	p.server = o.server;
	p.max_conns = o.max_conns;
	p.linger_us = o.linger_us;
	if (!o.server) {
		p.env.remote_addr = o.remote_addr;
		p.env.remote_port = o.remote_port;
		p.env.local_port = o.sport;
	}
	status = load_script(&o, &p.script);
	if (status >= 0)
		return status;

	status = PEER_EXIT_OTHER;
	int waited_ms;
	if (peer_open(&p, &o, &waited_ms) == 0 && peer_begin(&p, &o, waited_ms) == 0)
		status = peer_run(&p);
	peer_close(&p);
	return status;
}
