/* bench_stack: synfin's userspace TCP stack moving bulk data between two instances joined in
 * memory under a virtual clock (as the stack's unit tests' simulated wire, without Check), with
 * the rule engine on the path: 100 MB with no loss and with 1% of segments dropped at random
 * ("drop chance 1%"). The number is MB of payload per second of CPU time of this process, both
 * ends and the wire included; virtual time only orders events. Beside it, the same transfer
 * through Linux's TCP over loopback, as a reference.
 *
 * Target: >= 125 MB/s (1 Gb/s of payload) with no loss. The stack runs behind a tun device in
 * the topology; a stack that cannot fill a gigabit link on one core would turn benchmarks of
 * the harness into benchmarks of the stack. Memory: per connection at most its two buffers
 * (send and receive, 64 KiB each by default) plus 4 KiB of state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_util.h"
#include "rules/rule.h"
#include "stack.h"
#include "stack_internal.h" /* sizeof(struct tcp_conn) only */
#include "wire/segment.h"

#define CLIENT 0xc0a8016cu /* 192.168.1.108 */
#define SERVER 0xc0a8016du /* 192.168.1.109 */
#define LATENCY_US 500     /* one way */
#define MAX_PKT 1600

struct flight {
	uint64_t at;
	int to;
	uint16_t len;
	uint8_t data[MAX_PKT];
};

struct wire;

struct end {
	struct wire *w;
	int side; /* 0 client, 1 server */
};

struct wire {
	struct stack *st[2];
	struct end ends[2];
	uint64_t now;
	struct matcher *m;
	/* packets in flight: a FIFO, since every one takes the same time to cross */
	struct flight *q;
	size_t q_cap, q_head, q_len;
	uint64_t dropped, segments;

	/* the applications */
	int listener, csock, ssock;
	uint64_t total, sent, received;
	bool client_done, server_eof;
	uint64_t eof_at;
	const uint8_t *pattern;
	uint8_t *rxbuf;
};

static void emit(void *ctx, uint64_t now, const uint8_t *pkt, size_t len)
{
	struct end *e = ctx;
	struct wire *w = e->w;
	struct segment seg;
	w->segments++;
	if (w->m && segment_parse(&seg, pkt, len) == 0) {
		struct verdict v;
		matcher_decide(w->m, &seg, now, &v);
		if (v.action == RULE_DROP) {
			w->dropped++;
			return;
		}
	}
	if (len > MAX_PKT)
		abort();
	if (w->q_len == w->q_cap) {
		size_t cap = w->q_cap ? w->q_cap * 2 : 256;
		struct flight *q = malloc(cap * sizeof(*q));
		if (!q)
			abort();
		for (size_t i = 0; i < w->q_len; i++)
			q[i] = w->q[(w->q_head + i) % w->q_cap];
		free(w->q);
		w->q = q;
		w->q_cap = cap;
		w->q_head = 0;
	}
	struct flight *f = &w->q[(w->q_head + w->q_len++) % w->q_cap];
	f->at = now + LATENCY_US;
	f->to = 1 - e->side;
	f->len = (uint16_t)len;
	memcpy(f->data, pkt, len);
}

static void client_pump(struct wire *w)
{
	while (w->sent < w->total) {
		uint64_t off = w->sent % 65536;
		size_t chunk = 65536;
		if (chunk > w->total - w->sent)
			chunk = (size_t)(w->total - w->sent);
		ssize_t n = tcp_send(w->st[0], w->now, w->csock, w->pattern + off, chunk);
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			fprintf(stderr, "bench_stack: tcp_send: %s\n", strerror((int)-n));
			exit(1);
		}
		w->sent += (uint64_t)n;
	}
	if (!w->client_done) {
		w->client_done = true;
		tcp_close(w->st[0], w->now, w->csock);
	}
}

static void server_drain(struct wire *w)
{
	for (;;) {
		ssize_t n = tcp_recv(w->st[1], w->now, w->ssock, w->rxbuf, 65536);
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			fprintf(stderr, "bench_stack: tcp_recv: %s\n", strerror((int)-n));
			exit(1);
		}
		if (n == 0) {
			if (!w->server_eof) {
				w->server_eof = true;
				w->eof_at = w->now;
				tcp_close(w->st[1], w->now, w->ssock);
			}
			return;
		}
		w->received += (uint64_t)n;
	}
}

static void on_event(void *ctx, const struct stack_event *ev)
{
	struct end *e = ctx;
	struct wire *w = e->w;
	if (ev->type == STACK_EV_ERROR) {
		fprintf(stderr, "bench_stack: %s: error %s\n", e->side ? "server" : "client",
		        strerror(-ev->error));
		exit(1);
	}
	if (e->side == 0) {
		if (ev->sock == w->csock &&
		    (ev->type == STACK_EV_CONNECTED || ev->type == STACK_EV_WRITABLE))
			client_pump(w);
	} else if (ev->type == STACK_EV_ACCEPT) {
		int s = tcp_accept(w->st[1], w->listener);
		if (s > 0)
			w->ssock = s;
	} else if (w->ssock > 0 && ev->sock == w->ssock && !w->server_eof &&
	           (ev->type == STACK_EV_READABLE || ev->type == STACK_EV_EOF)) {
		server_drain(w);
	}
}

static void wire_init(struct wire *w, const char *rules, struct ruleset *rs)
{
	memset(w, 0, sizeof(*w));
	w->now = 5000000;
	if (rules) {
		struct rule_error err;
		if (ruleset_parse_string(rs, "bench", rules, &err)) {
			rule_error_print(stderr, &err);
			exit(1);
		}
		w->m = matcher_new(rs, CLIENT, 42);
		if (!w->m)
			exit(1);
	}
	for (int i = 0; i < 2; i++) {
		w->ends[i] = (struct end){w, i};
		struct stack_config cfg = {
		    .addr = i ? SERVER : CLIENT,
		    .seed = 100 + (uint64_t)i,
		    .on_event = on_event,
		    .event_ctx = &w->ends[i],
		    .emit = emit,
		    .emit_ctx = &w->ends[i],
		};
		stack_tunables_default(&cfg.tun);
		w->st[i] = stack_new(&cfg);
		if (!w->st[i])
			exit(1);
	}
}

static void wire_free(struct wire *w, struct ruleset *rs)
{
	stack_free(w->st[0]);
	stack_free(w->st[1]);
	if (w->m) {
		matcher_free(w->m);
		ruleset_free(rs);
	}
	free(w->q);
}

/* Deliver packets and fire timers in time order until done() or nothing is left to do. */
static void wire_run(struct wire *w, bool (*done)(const struct wire *))
{
	while (!done(w)) {
		uint64_t next = w->q_len ? w->q[w->q_head].at : UINT64_MAX;
		for (int i = 0; i < 2; i++) {
			uint64_t d = stack_next_deadline(w->st[i]);
			if (d < next)
				next = d;
		}
		if (next == UINT64_MAX)
			return;
		if (next > w->now)
			w->now = next;
		if (w->q_len && w->q[w->q_head].at <= w->now) {
			struct flight *f = &w->q[w->q_head];
			w->q_head = (w->q_head + 1) % w->q_cap;
			w->q_len--;
			stack_input(w->st[f->to], w->now, f->data, f->len);
			continue;
		}
		for (int i = 0; i < 2; i++) {
			if (stack_next_deadline(w->st[i]) <= w->now)
				stack_timer(w->st[i], w->now);
		}
	}
}

static bool transfer_done(const struct wire *w)
{
	return w->server_eof;
}

struct transfer {
	double cpu_mbps, virt_mbps;
	uint64_t segments, dropped, retransmits, fast_retransmits;
};

static struct transfer transfer(const char *rules, uint64_t total, const uint8_t *pattern,
                                uint8_t *rxbuf)
{
	struct wire w;
	struct ruleset rs;
	wire_init(&w, rules, &rs);
	w.total = total;
	w.pattern = pattern;
	w.rxbuf = rxbuf;
	uint64_t cpu0 = bench_cpu_ns();
	w.listener = tcp_listen(w.st[1], 80, 16);
	w.csock = tcp_connect(w.st[0], w.now, 0, SERVER, 80);
	if (w.listener <= 0 || w.csock <= 0)
		exit(1);
	uint64_t start = w.now;
	wire_run(&w, transfer_done);
	uint64_t cpu = bench_cpu_ns() - cpu0;
	if (w.received != total) {
		fprintf(stderr, "bench_stack: received %llu of %llu bytes\n",
		        (unsigned long long)w.received, (unsigned long long)total);
		exit(1);
	}
	struct transfer t = {
	    .cpu_mbps = (double)total / 1e6 / ((double)cpu / 1e9),
	    .virt_mbps = (double)total / 1e6 / ((double)(w.eof_at - start) / 1e6),
	    .segments = w.segments,
	    .dropped = w.dropped,
	    .retransmits = stack_get_stats(w.st[0])->tcp_retransmits,
	    .fast_retransmits = stack_get_stats(w.st[0])->tcp_fast_retransmits,
	};
	wire_free(&w, &rs);
	return t;
}

static bool all_accepted(const struct wire *w)
{
	return w->received >= w->total; /* received counts accepted connections here */
}

static void on_event_count(void *ctx, const struct stack_event *ev)
{
	struct end *e = ctx;
	struct wire *w = e->w;
	if (e->side == 1 && ev->type == STACK_EV_ACCEPT) {
		while (tcp_accept(w->st[1], w->listener) > 0)
			w->received++;
	}
}

/* The same transfer through Linux's TCP over loopback in this process, MSS clamped to the
 * stack's 1460: MB per CPU second of the process, both ends' system calls and the softirq work
 * they trigger included. 0 when loopback TCP is not available. */
static double linux_loopback_mbps(uint64_t total, const uint8_t *pattern, uint8_t *rxbuf)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	int mss = 1460, one = 1;
	int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || c < 0 || setsockopt(l, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss)) ||
	    setsockopt(c, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss)) ||
	    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &alen) ||
	    connect(c, (struct sockaddr *)&a, sizeof(a))) {
		if (l >= 0)
			close(l);
		if (c >= 0)
			close(c);
		return 0;
	}
	int s = accept(l, NULL, NULL);
	close(l);
	if (s < 0) {
		close(c);
		return 0;
	}
	fcntl(c, F_SETFL, O_NONBLOCK);
	fcntl(s, F_SETFL, O_NONBLOCK);
	uint64_t cpu0 = bench_cpu_ns(), sent = 0, received = 0;
	while (received < total) {
		if (sent < total) {
			size_t chunk = total - sent < 65536 ? (size_t)(total - sent) : 65536;
			ssize_t n = write(c, pattern + sent % 65536, chunk);
			if (n > 0)
				sent += (uint64_t)n;
		}
		ssize_t n = read(s, rxbuf, 65536);
		if (n > 0) {
			received += (uint64_t)n;
		} else if (n == 0) {
			break;
		} else {
			struct pollfd p[2] = {{.fd = s, .events = POLLIN},
			                      {.fd = c, .events = sent < total ? POLLOUT : 0}};
			poll(p, 2, 100);
		}
	}
	uint64_t cpu = bench_cpu_ns() - cpu0;
	close(c);
	close(s);
	if (received != total)
		return 0;
	return (double)total / 1e6 / ((double)cpu / 1e9);
}

/* Heap taken by n established connections, per connection end. */
static double heap_per_conn(unsigned n)
{
	struct wire w;
	wire_init(&w, NULL, NULL);
	for (int i = 0; i < 2; i++) {
		stack_free(w.st[i]);
		struct stack_config cfg = {
		    .addr = i ? SERVER : CLIENT,
		    .seed = 100 + (uint64_t)i,
		    .on_event = on_event_count,
		    .event_ctx = &w.ends[i],
		    .emit = emit,
		    .emit_ctx = &w.ends[i],
		};
		stack_tunables_default(&cfg.tun);
		w.st[i] = stack_new(&cfg);
	}
	w.listener = tcp_listen(w.st[1], 80, (int)n);
	w.total = n;
	/* the wire's queue grows once, before measuring */
	w.q_cap = 4 * n + 256;
	w.q = malloc(w.q_cap * sizeof(*w.q));
	size_t a = bench_heap_bytes();
	for (unsigned i = 0; i < n; i++) {
		if (tcp_connect(w.st[0], w.now, (uint16_t)(20000 + i), SERVER, 80) <= 0)
			exit(1);
	}
	wire_run(&w, all_accepted);
	size_t b = bench_heap_bytes();
	if (w.received != n) {
		fprintf(stderr, "bench_stack: %llu of %u connections accepted\n",
		        (unsigned long long)w.received, n);
		exit(1);
	}
	wire_free(&w, NULL);
	return (double)(b - a) / (2.0 * n);
}

int main(int argc, char **argv)
{
	bool quick = bench_quick(argc, argv);
	uint64_t total = quick ? 10000000ull : 100000000ull;
	static uint8_t pattern[2 * 65536];
	static uint8_t rxbuf[65536];
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i % 251);

	printf(
	    "bench_stack: two stacks in memory, %.0f MB client to server, %u us one way, default "
	    "tunables (MSS 1460, window scaling, timestamps, SACK, buffers from 64 KiB growing to "
	    "4/6 MiB)%s\n",
	    (double)total / 1e6, LATENCY_US, quick ? " (quick)" : "");
	bench_header("bulk transfer, MB of payload per CPU second (both ends + wire)");
	struct transfer clean = transfer("", total, pattern, rxbuf);
	bench_row(true, "no loss", clean.cpu_mbps, "MB/s CPU", ">= 125 MB/s", "%.2fx target%s",
	          clean.cpu_mbps / 125.0, clean.cpu_mbps < 125 ? "  BELOW" : "");
	bench_row(false, "  virtual-time goodput, no loss", clean.virt_mbps, "MB/s", "-",
	          "the wire has no rate: cwnd and the buffers bound it");
	bench_row(false, "  segments on the wire, no loss", (double)clean.segments, "segs", "-",
	          NULL);
	double lin = linux_loopback_mbps(total, pattern, rxbuf);
	if (lin > 0)
		bench_row(true, "Linux TCP, same transfer over loopback (MSS 1460)", lin,
		          "MB/s CPU", "-", "stack %.2fx Linux", clean.cpu_mbps / lin);
	struct transfer lossy = transfer("drop chance 1%\n", total, pattern, rxbuf);
	bench_row(true, "1% loss (drop chance 1%)", lossy.cpu_mbps, "MB/s CPU", "-",
	          "%.2fx no loss", lossy.cpu_mbps / clean.cpu_mbps);
	bench_row(false, "  virtual-time goodput, 1% loss", lossy.virt_mbps, "MB/s", "-",
	          "%.2fx no loss", lossy.virt_mbps / clean.virt_mbps);
	bench_row(false, "  segments dropped / retransmitted by client", (double)lossy.dropped,
	          "segs", "-", "%llu retransmitted, %llu of them fast",
	          (unsigned long long)lossy.retransmits,
	          (unsigned long long)lossy.fast_retransmits);

	bench_header("memory per connection");
	const struct stack_tunables *tun;
	struct stack_tunables dt;
	stack_tunables_default(&dt);
	tun = &dt;
	bench_row(false, "sizeof(struct tcp_conn)", (double)sizeof(struct tcp_conn), "B", "-",
	          NULL);
	bench_row(false, "send + receive buffers (tunables)", (double)(tun->sndbuf + tun->rcvbuf),
	          "B", "-", NULL);
	if (bench_heap_bytes() == 0) {
		printf("  heap per connection skipped: this allocator keeps no heap count (a "
		       "sanitizer build?)\n");
		return 0;
	}
	unsigned n = quick ? 100 : 1000;
	double per = heap_per_conn(n);
	double target = (double)(tun->sndbuf + tun->rcvbuf) + 4096;
	char what[96], tgt[32];
	snprintf(what, sizeof(what), "heap per established end, %u connections", n);
	snprintf(tgt, sizeof(tgt), "<= %.0f B", target);
	bench_row(true, what, per, "B", tgt, "%.2fx target, %.0f B beyond buffers%s", per / target,
	          per - (double)(tun->sndbuf + tun->rcvbuf), per > target ? "  ABOVE" : "");
	return 0;
}
