/* bench_stack_accept: does a long-lived stack server slow down as it serves connections? One
 * server stack and a few client stacks joined in memory under a virtual clock (as bench_stack),
 * public stack API only. Each client keeps a few connections going, one after the other: connect,
 * send a 64-byte request; the server accepts, reads it, answers 64 bytes and closes first (an
 * HTTP/1.0 server), so every connection it served waits out TIME-WAIT (60 s of virtual time)
 * on the server, where it still takes part in every lookup; the client closes at EOF.
 *
 * The run is cut into windows of 2 s of this process's CPU time; each prints the connections
 * the server accepted per CPU second, the CPU per connection, the server's live connections
 * (TIME-WAIT included, counted from its state events) and the heap. The clients' work per
 * connection does not grow (each has at most a few live connections), so a falling rate is the
 * server's. Target: the last full window at least 0.9 times the first, over >= 100,000
 * connections, with the heap following the live connections rather than those served.
 *
 * --real [--build DIR] (root): the same question asked of synfin-peer on a tun device against
 * Linux clients in a topology (stack_accept_real.h), with DIR's synfin-peer (default: this
 * build's), so an older tree's can be measured beside it.
 */
#include <errno.h>

#include "bench_util.h"
#include "stack.h"

#define SERVER 0x0a000001u  /* 10.0.0.1 */
#define CLIENT0 0x0a000101u /* 10.0.1.1, 10.0.1.2, ... */
#define CLIENTS 4
#define PER_CLIENT 1 /* connections each client keeps going */
#define PORT 80
#define LATENCY_US 500 /* one way */
#define REQUEST 64
#define WINDOW_NS 2000000000ull
#define MAX_WINDOWS 512
#define MAX_PKT 1600

struct flight {
	uint64_t at;
	struct stack *to;
	uint16_t len;
	uint8_t data[MAX_PKT];
};

struct window {
	uint64_t accepted; /* at the end of the window */
	uint64_t cpu_ns;
	uint64_t live;
	size_t heap;
	uint64_t virt_us;
};

struct sim {
	struct stack *server;
	struct stack *client[CLIENTS];
	uint16_t next_port[CLIENTS];
	uint64_t now;
	struct flight *q; /* FIFO ring: every packet takes the same time to cross */
	size_t q_cap, q_head, q_len;
	int listener;
	uint64_t accepted, completed, live;
	uint8_t buf[65536];
};

static struct sim sim;

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_stack_accept: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/* ctx: the client's index, or CLIENTS for the server. */
static void emit(void *ctx, uint64_t now, const uint8_t *pkt, size_t len)
{
	bool from_server = (intptr_t)ctx == CLIENTS;
	if (len > MAX_PKT || len < 20)
		abort();
	if (sim.q_len == sim.q_cap) {
		size_t cap = sim.q_cap ? sim.q_cap * 2 : 256;
		struct flight *q = malloc(cap * sizeof(*q));
		if (!q)
			abort();
		for (size_t i = 0; i < sim.q_len; i++)
			q[i] = sim.q[(sim.q_head + i) % sim.q_cap];
		free(sim.q);
		sim.q = q;
		sim.q_cap = cap;
		sim.q_head = 0;
	}
	struct flight *f = &sim.q[(sim.q_head + sim.q_len++) % sim.q_cap];
	f->at = now + LATENCY_US;
	if (from_server) {
		uint32_t dst = (uint32_t)pkt[16] << 24 | (uint32_t)pkt[17] << 16 |
		               (uint32_t)pkt[18] << 8 | pkt[19];
		f->to = sim.client[(dst - CLIENT0) % CLIENTS];
	} else {
		f->to = sim.server;
	}
	f->len = (uint16_t)len;
	memcpy(f->data, pkt, len);
}

/* Explicit source ports, cycling: a tuple comes back only after 61,000 * CLIENTS connections,
 * long after the server's TIME-WAIT for it has ended at the rates seen here. */
static void client_connect(int i)
{
	uint16_t port = sim.next_port[i];
	sim.next_port[i] = port >= 65000 ? 4000 : (uint16_t)(port + 1);
	int h = tcp_connect(sim.client[i], sim.now, port, SERVER, PORT);
	if (h < 0)
		die("tcp_connect", h);
}

static void on_client_event(void *ctx, const struct stack_event *ev)
{
	int i = (int)(intptr_t)ctx;
	struct stack *st = sim.client[i];
	switch (ev->type) {
	case STACK_EV_CONNECTED: {
		static const uint8_t request[REQUEST];
		ssize_t n = tcp_send(st, sim.now, ev->sock, request, sizeof(request));
		if (n != REQUEST)
			die("client tcp_send", n < 0 ? (int)n : EIO);
		break;
	}
	case STACK_EV_READABLE:
	case STACK_EV_EOF:
		while (tcp_recv(st, sim.now, ev->sock, sim.buf, sizeof(sim.buf)) > 0)
			;
		if (ev->type == STACK_EV_EOF) {
			tcp_close(st, sim.now, ev->sock);
			sim.completed++;
			client_connect(i);
		}
		break;
	case STACK_EV_ERROR:
		die("client connection", ev->error);
		break;
	default:
		break;
	}
}

static void on_server_event(void *ctx, const struct stack_event *ev)
{
	(void)ctx;
	struct stack *st = sim.server;
	switch (ev->type) {
	case STACK_EV_STATE:
		if (ev->old_state == TCPS_CLOSED && ev->new_state != TCPS_LISTEN)
			sim.live++;
		else if (ev->new_state == TCPS_CLOSED && ev->old_state != TCPS_LISTEN)
			sim.live--;
		break;
	case STACK_EV_ACCEPT:
		while (tcp_accept(st, sim.listener) > 0)
			sim.accepted++;
		break;
	case STACK_EV_READABLE: {
		ssize_t n = tcp_recv(st, sim.now, ev->sock, sim.buf, sizeof(sim.buf));
		if (n == REQUEST) {
			if (tcp_send(st, sim.now, ev->sock, sim.buf, REQUEST) != REQUEST)
				die("server tcp_send", EIO);
			tcp_close(st, sim.now, ev->sock);
		}
		break;
	}
	case STACK_EV_ERROR:
		die("server connection", ev->error);
		break;
	default:
		break;
	}
}

static struct stack *new_stack(uint32_t addr, intptr_t index, stack_event_fn fn)
{
	struct stack_config cfg = {.addr = addr,
	                           .seed = 1000 + (uint64_t)index,
	                           .on_event = fn,
	                           .event_ctx = (void *)index,
	                           .emit = emit,
	                           .emit_ctx = (void *)index};
	stack_tunables_default(&cfg.tun);
	struct stack *st = stack_new(&cfg);
	if (!st)
		die("stack_new", ENOMEM);
	return st;
}

/* Deliver packets and fire timers in time order until the server has accepted target
 * connections or the CPU budget is spent; one window row each 2 s of CPU. */
static size_t run(uint64_t target, uint64_t cpu_budget_ns, struct window *w)
{
	size_t n = 0;
	uint64_t cpu0 = bench_cpu_ns(), next_window = cpu0 + WINDOW_NS;
	uint64_t steps = 0;

	while (sim.accepted < target && n < MAX_WINDOWS) {
		if ((++steps & 255) == 0) {
			uint64_t cpu = bench_cpu_ns();
			if (cpu >= next_window) {
				w[n] = (struct window){.accepted = sim.accepted,
				                       .cpu_ns = cpu - cpu0,
				                       .live = sim.live,
				                       .heap = bench_heap_bytes(),
				                       .virt_us = sim.now};
				n++;
				next_window += WINDOW_NS;
				if (cpu - cpu0 >= cpu_budget_ns)
					break;
			}
		}
		uint64_t next = sim.q_len ? sim.q[sim.q_head].at : UINT64_MAX;
		uint64_t d = stack_next_deadline(sim.server);
		if (d < next)
			next = d;
		for (int i = 0; i < CLIENTS; i++) {
			d = stack_next_deadline(sim.client[i]);
			if (d < next)
				next = d;
		}
		if (next == UINT64_MAX)
			die("simulation", EDEADLK);
		if (next > sim.now)
			sim.now = next;
		if (sim.q_len && sim.q[sim.q_head].at <= sim.now) {
			struct flight *f = &sim.q[sim.q_head];
			sim.q_head = (sim.q_head + 1) % sim.q_cap;
			sim.q_len--;
			stack_input(f->to, sim.now, f->data, f->len);
			continue;
		}
		if (stack_next_deadline(sim.server) <= sim.now)
			stack_timer(sim.server, sim.now);
		for (int i = 0; i < CLIENTS; i++) {
			if (stack_next_deadline(sim.client[i]) <= sim.now)
				stack_timer(sim.client[i], sim.now);
		}
	}
	return n;
}

static void print_windows(const struct window *w, size_t n)
{
	printf("\n  %6s %10s %10s %12s %10s %10s %9s\n", "window", "served", "accepts/s",
	       "CPU us/conn", "live", "heap MiB", "virtual s");
	uint64_t prev_acc = 0, prev_cpu = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t acc = w[i].accepted - prev_acc, cpu = w[i].cpu_ns - prev_cpu;
		printf("  %6zu %10llu %10.0f %12.1f %10llu %10.1f %9.1f\n", i + 1,
		       (unsigned long long)w[i].accepted, (double)acc / ((double)cpu / 1e9),
		       acc ? (double)cpu / 1e3 / (double)acc : 0.0, (unsigned long long)w[i].live,
		       (double)w[i].heap / (1 << 20), (double)w[i].virt_us / 1e6);
		prev_acc = w[i].accepted;
		prev_cpu = w[i].cpu_ns;
	}
}

static double window_rate(const struct window *w, size_t i)
{
	uint64_t acc = w[i].accepted - (i ? w[i - 1].accepted : 0);
	uint64_t cpu = w[i].cpu_ns - (i ? w[i - 1].cpu_ns : 0);
	return (double)acc / ((double)cpu / 1e9);
}

#include "stack_accept_real.h"

int main(int argc, char **argv)
{
	bool quick = bench_quick(argc, argv);
	const char *build = SYNFIN_BENCH_BUILD_DIR;
	bool real = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--real") == 0)
			real = true;
		else if (strcmp(argv[i], "--build") == 0 && i + 1 < argc)
			build = argv[++i];
	}
	if (real)
		return real_main(build, quick ? 100000 : 1000000, quick ? 5 : 40);
	uint64_t target = quick ? 600000 : 2000000;
	uint64_t budget = (quick ? 20 : 60) * 1000000000ull;
	static struct window w[MAX_WINDOWS];

	printf("bench_stack_accept: one server stack, %d client stacks x %d connections at a time, "
	       "in memory, %u us one way; each connection: 64 B request, 64 B answer, the server "
	       "closes first (TIME-WAIT 60 s virtual); up to %llu connections or %llu s CPU%s\n",
	       CLIENTS, PER_CLIENT, LATENCY_US, (unsigned long long)target,
	       (unsigned long long)(budget / 1000000000ull), quick ? " (quick)" : "");
	sim.now = 1000000;
	sim.server = new_stack(SERVER, CLIENTS, on_server_event);
	sim.listener = tcp_listen(sim.server, PORT, 128);
	if (sim.listener <= 0)
		die("tcp_listen", sim.listener);
	for (int i = 0; i < CLIENTS; i++) {
		sim.client[i] = new_stack(CLIENT0 + (uint32_t)i, i, on_client_event);
		sim.next_port[i] = 4000;
		for (int k = 0; k < PER_CLIENT; k++)
			client_connect(i);
	}
	size_t heap0 = bench_heap_bytes();
	size_t n = run(target, budget, w);
	print_windows(w, n);
	if (n < 2) {
		printf("  too few windows to compare\n");
		return 0;
	}
	bench_header("stack server accept rate over time (CPU of both ends + wire)");
	double first = window_rate(w, 0), last = window_rate(w, n - 1);
	char what[96];
	snprintf(what, sizeof(what), "accepts per CPU second, first 2 s window");
	bench_row(false, what, first, "conn/s", "-", NULL);
	snprintf(what, sizeof(what), "accepts per CPU second, window %zu (%llu served)", n,
	         (unsigned long long)w[n - 1].accepted);
	bench_row(false, what, last, "conn/s", "-", NULL);
	bench_row(true, "stack server accept rate, last / first window", last / first, "x",
	          ">= 0.9", "%s%s", last / first >= 0.9 ? "ok" : "BELOW",
	          w[n - 1].accepted < 100000 ? " (fewer than 100k served)" : "");
	bench_row(false, "  CPU per connection, first window", 1e6 / first, "us", "-", NULL);
	bench_row(false, "  CPU per connection, last window", 1e6 / last, "us", "-", NULL);
	uint64_t peak_live = 0;
	for (size_t i = 0; i < n; i++)
		peak_live = w[i].live > peak_live ? w[i].live : peak_live;
	if (heap0 != 0) {
		double per =
		    (double)(w[n - 1].heap - heap0) / (double)(w[n - 1].live ? w[n - 1].live : 1);
		bench_row(false, "  heap per live server connection, last window", per, "B", "-",
		          "%llu live (peak %llu), %llu served", (unsigned long long)w[n - 1].live,
		          (unsigned long long)peak_live, (unsigned long long)w[n - 1].accepted);
	}
	stack_free(sim.server);
	for (int i = 0; i < CLIENTS; i++)
		stack_free(sim.client[i]);
	free(sim.q);
	return 0;
}
