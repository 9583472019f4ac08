/* bench_delay_queue: the delay scheduler of synfin-faultd (a binary min-heap) under the "hold"
 * model: pop the earliest packet, push a new one some random time later, at 1k, 100k and 1M
 * packets held. Baseline: a sorted array (binary search and memmove on push, pop from the end),
 * the obvious simpler structure.
 *
 * Target: push + pop <= 1000 ns at 1M held packets. Every delayed packet costs one push and one
 * pop; at the ~830k packets/s of a 10 Gb/s link of 1500-byte frames that leaves 1.2 us per
 * packet for everything, so the queue must stay well under it even with a deep backlog (1M
 * packets is 830k packets/s held for 1.2 s). Memory target: <= 64 bytes of queue per held
 * packet, beside the packet copy the daemon keeps anyway.
 */
#include "bench_util.h"
#include "common/delay_queue.h"

#define WINDOW_NS 300000000ull /* deadlines up to 300 ms ahead: a typical "delay 300ms" hold */
#define BATCH 1000

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
	/* xorshift64: cheap, so the generator does not weigh in the timings */
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct result {
	double push_ns, pop_ns;
};

/* fixed: every packet held for exactly WINDOW_NS ("delay 300ms" without jitter), so pushes
 * come in deadline order; otherwise up to WINDOW_NS ("delay 150ms jitter 150ms"). */
static uint64_t hold_for(bool fixed)
{
	return fixed ? WINDOW_NS : rnd() % WINDOW_NS;
}

static struct result run_heap(size_t n, size_t ops, bool fixed, double *bytes_per_entry)
{
	struct delay_queue q;
	delay_queue_init(&q);
	uint64_t now = 0;
	for (size_t i = 0; i < n; i++) {
		if (fixed)
			now += WINDOW_NS / n;
		if (delay_queue_push(&q, now + hold_for(fixed), (uint32_t)i, NULL))
			exit(1);
	}
	*bytes_per_entry = (double)(q.cap * sizeof(struct delay_entry)) / (double)q.len;
	uint64_t push_t = 0, pop_t = 0, acc = 0;
	for (size_t done = 0; done < ops; done += BATCH) {
		struct delay_entry e;
		uint64_t t0 = bench_cpu_ns();
		for (int i = 0; i < BATCH; i++) {
			if (delay_queue_pop(&q, &e))
				exit(1);
			acc += e.id;
			now = e.deadline;
		}
		uint64_t t1 = bench_cpu_ns();
		for (int i = 0; i < BATCH; i++) {
			if (delay_queue_push(&q, now + hold_for(fixed), (uint32_t)i, NULL))
				exit(1);
		}
		uint64_t t2 = bench_cpu_ns();
		pop_t += t1 - t0;
		push_t += t2 - t1;
	}
	bench_sink += acc;
	delay_queue_free(&q);
	size_t done = (ops + BATCH - 1) / BATCH * BATCH;
	return (struct result){(double)push_t / (double)done, (double)pop_t / (double)done};
}

/* The baseline: entries sorted latest first, so the next one out is at the end. */
struct sorted {
	struct delay_entry *a;
	size_t len, cap;
	uint64_t next_order;
};

static int later_first(const void *x, const void *y)
{
	const struct delay_entry *a = x, *b = y;
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline ? 1 : -1;
	return a->order < b->order ? 1 : a->order > b->order ? -1 : 0;
}

static void sorted_push(struct sorted *s, uint64_t deadline, uint32_t id)
{
	struct delay_entry e = {deadline, s->next_order++, id, NULL};
	/* first position whose entry comes out before e (deadline earlier, or equal and older) */
	size_t lo = 0, hi = s->len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (later_first(&s->a[mid], &e) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(&s->a[lo + 1], &s->a[lo], (s->len - lo) * sizeof(e));
	s->a[lo] = e;
	s->len++;
}

static struct result run_sorted(size_t n, size_t ops)
{
	struct sorted s = {calloc(n + BATCH, sizeof(struct delay_entry)), 0, n + BATCH, 0};
	if (!s.a)
		exit(1);
	uint64_t now = 0;
	for (size_t i = 0; i < n; i++)
		s.a[i] = (struct delay_entry){now + rnd() % WINDOW_NS, s.next_order++, (uint32_t)i,
		                              NULL};
	s.len = n;
	qsort(s.a, n, sizeof(*s.a), later_first);
	size_t batch = ops < BATCH ? ops : BATCH;
	uint64_t push_t = 0, pop_t = 0, acc = 0, done = 0;
	while (done < ops) {
		uint64_t t0 = bench_cpu_ns();
		for (size_t i = 0; i < batch; i++) {
			struct delay_entry e = s.a[--s.len];
			acc += e.id;
			now = e.deadline;
		}
		uint64_t t1 = bench_cpu_ns();
		for (size_t i = 0; i < batch; i++)
			sorted_push(&s, now + rnd() % WINDOW_NS, (uint32_t)i);
		uint64_t t2 = bench_cpu_ns();
		pop_t += t1 - t0;
		push_t += t2 - t1;
		done += batch;
	}
	bench_sink += acc;
	free(s.a);
	return (struct result){(double)push_t / (double)done, (double)pop_t / (double)done};
}

int main(int argc, char **argv)
{
	bool quick = bench_quick(argc, argv);
	static const size_t sizes[] = {1000, 100000, 1000000};
	char what[96];

	printf("bench_delay_queue: hold model (pop the earliest, push one 0-300 ms later)%s\n",
	       quick ? " (quick)" : "");
	bench_header("CPU time per operation, heap (delay_queue) vs. sorted array");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		size_t ops = quick ? 100000 : 2000000;
		/* the baseline's push moves n/2 entries: bound its run to ~1e8 entries moved */
		size_t base_ops = (size_t)(quick ? 2e7 : 1e8) / n;
		if (base_ops > ops)
			base_ops = ops;
		if (base_ops < 20)
			base_ops = 20;
		double bpe;
		struct result h = run_heap(n, ops, false, &bpe);
		struct result b = run_sorted(n, base_ops);
		double total = h.push_ns + h.pop_ns;
		snprintf(what, sizeof(what), "heap push, %zu held", n);
		bench_row(false, what, h.push_ns, "ns/op", "-", "%.3gx sorted array",
		          h.push_ns / b.push_ns);
		snprintf(what, sizeof(what), "heap pop, %zu held", n);
		bench_row(false, what, h.pop_ns, "ns/op", "-", "%.3gx sorted array",
		          h.pop_ns / b.pop_ns);
		snprintf(what, sizeof(what), "heap push+pop, %zu held", n);
		bench_row(n == 1000000, what, total, "ns", n == 1000000 ? "<= 1000 ns" : "-",
		          "%.2fx target, %.3gx sorted array%s", total / 1000.0,
		          total / (b.push_ns + b.pop_ns), total > 1000 ? "  ABOVE" : "");
		snprintf(what, sizeof(what), "sorted array push (baseline), %zu held", n);
		bench_row(false, what, b.push_ns, "ns/op", "-", "%zu ops", base_ops);
		snprintf(what, sizeof(what), "sorted array pop (baseline), %zu held", n);
		bench_row(false, what, b.pop_ns, "ns/op", "-", NULL);
		if (n == 1000000) {
			struct result f = run_heap(n, ops, true, &bpe);
			bench_row(false, "heap push+pop, 1M held, fixed delay (in order)",
			          f.push_ns + f.pop_ns, "ns", "<= 1000 ns", "%.2fx target%s",
			          (f.push_ns + f.pop_ns) / 1000.0,
			          f.push_ns + f.pop_ns > 1000 ? "  ABOVE" : "");
			bench_header(
			    "memory per held packet (queue only; the daemon's copy of the packet "
			    "comes on top)");
			bench_row(false, "sizeof(struct delay_entry)",
			          (double)sizeof(struct delay_entry), "B", "-", NULL);
			bench_row(true, "heap bytes per held packet, 1M held (slack incl.)", bpe,
			          "B", "<= 64 B", "%.2fx target%s", bpe / 64.0,
			          bpe > 64 ? "  ABOVE" : "");
		}
	}
	return 0;
}
