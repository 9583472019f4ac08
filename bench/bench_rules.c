/* bench_rules: throughput of the rule engine (segment_parse + matcher_decide, what
 * synfin-faultd does for every queued packet) and the memory of its per-connection counters.
 *
 * Target: >= 1M decisions/s with 10 rules. A 10 Gb/s link carrying 1500-byte frames moves
 * about 830k packets/s (10e9 / (1538 * 8) with Ethernet framing), so the engine must not be
 * the daemon's bottleneck below that rate with room to spare. The baseline is segment_parse
 * alone: the share of the time the decision adds on top of merely reading the headers.
 */
#include <errno.h>

#include "bench_packet.h"
#include "bench_util.h"
#include "rules/rule.h"
#include "wire/segment.h"

#define TARGET_RATE 1e6
#define SLOT 128 /* bytes per pooled packet */

struct pool {
	uint8_t *buf;
	size_t *len;
	size_t n;
};

/* n packets spread round-robin over conns connections, both directions, data segments with
 * 64 bytes of payload (the engine does not read the payload, only its length). */
static void pool_make(struct pool *p, unsigned conns, size_t n)
{
	p->buf = calloc(n, SLOT);
	p->len = calloc(n, sizeof(*p->len));
	p->n = n;
	if (!p->buf || !p->len) {
		fprintf(stderr, "bench_rules: out of memory\n");
		exit(1);
	}
	for (size_t i = 0; i < n; i++) {
		unsigned k = (unsigned)(i % conns);
		uint16_t cport = (uint16_t)(20000 + k % 40000);
		uint32_t caddr = BENCH_CLIENT + (uint32_t)(k / 40000) * 256; /* distinct tuples */
		uint32_t round = (uint32_t)(i / conns);
		uint8_t *pkt = p->buf + i * SLOT;
		if (round % 2 == 0)
			p->len[i] = bench_packet(pkt, caddr, cport, BENCH_SERVER, 80,
			                         1000 + round * 64, 5000, TCPF_ACK | TCPF_PSH, 64);
		else
			p->len[i] = bench_packet(pkt, BENCH_SERVER, 80, caddr, cport, 5000,
			                         1000 + round * 64, TCPF_ACK, 0);
	}
}

static void pool_free(struct pool *p)
{
	free(p->buf);
	free(p->len);
}

/* n_rules rules, every one tried for every segment: n_rules - 1 that never match these
 * segments (other ports, other flags; some with counts, so counters exist for them) and, last,
 * a counting rule that matches every client segment but never acts, so each client segment
 * looks its connection up and walks the whole list. */
/* The same mix written with the selection words (rules/README.md, "Selection"), which make
 * the matcher follow every segment of every connection. */
static size_t selection_rule(char *t, size_t cap, unsigned i, unsigned port)
{
	switch (i % 5) {
	case 0:
		return (size_t)snprintf(t, cap, "drop fin from client attempt 2-3 dport %u\n",
		                        port);
	case 1:
		return (size_t)snprintf(t, cap, "delay 5ms retransmission sport %u\n", port);
	case 2:
		return (size_t)snprintf(t, cap, "drop [S] conn 3 port %u\n", port);
	case 3:
		return (size_t)snprintf(t, cap, "delay 1ms closing between 1s 5s port %u\n", port);
	default:
		if (i < RULE_MAX_LABELS)
			return (size_t)snprintf(t, cap, "@l%u pass pure-ack established dport %u\n",
			                        i, port);
		return (size_t)snprintf(t, cap, "drop [.] after @l4 dport %u\n", port);
	}
}

/* The plain mix, the same written with selection words, or the plain mix with no draw (a
 * fixed delay in place of the jitter, whose draw makes the matcher follow every connection). */
enum mix { MIX_PLAIN, MIX_SELECTION, MIX_NO_DRAW };

static char *rules_text(unsigned n_rules, enum mix mix)
{
	size_t cap = 128 * (size_t)n_rules + 128;
	char *t = malloc(cap);
	size_t off = 0;
	if (!t)
		exit(1);
	t[0] = 0;
	for (unsigned i = 1; i < n_rules; i++) {
		unsigned port = 1000 + i;
		if (mix == MIX_SELECTION) {
			off += selection_rule(t + off, cap - off, i, port);
			continue;
		}
		switch (i % 5) {
		case 0:
			off += (size_t)snprintf(t + off, cap - off,
			                        "drop [S] from client dport %u first 2\n", port);
			break;
		case 1:
			off += (size_t)snprintf(t + off, cap - off,
			                        "delay 300ms fin from server sport %u\n", port);
			break;
		case 2:
			off += (size_t)snprintf(t + off, cap - off,
			                        "drop [S.] from server port %u once\n", port);
			break;
		case 3:
			off +=
			    (size_t)snprintf(t + off, cap - off, "delay 10ms %slen >1000 port %u\n",
			                     mix == MIX_NO_DRAW ? "" : "jitter 5ms ", port);
			break;
		case 4:
			off += (size_t)snprintf(t + off, cap - off,
			                        "drop pure-ack from client dport %u nth 3\n", port);
			break;
		}
	}
	snprintf(t + off, cap - off, "pass from client after 4000000000\n");
	return t;
}

static struct matcher *make_matcher(struct ruleset *rs, unsigned n_rules, enum mix mix)
{
	char *text = rules_text(n_rules, mix);
	struct rule_error err;
	if (ruleset_parse_string(rs, "bench", text, &err)) {
		rule_error_print(stderr, &err);
		exit(1);
	}
	free(text);
	struct matcher *m = matcher_new(rs, BENCH_CLIENT, 1);
	if (!m) {
		fprintf(stderr, "bench_rules: out of memory\n");
		exit(1);
	}
	return m;
}

/* Segments per second over passes of the pool for at least min_ns of CPU time; the best of `reps`
 * runs (the least disturbed by other work on the machine). m NULL: parse only. */
static double rate(const struct pool *p, struct matcher *m, uint64_t min_ns, int reps)
{
	double best = 0;
	for (int r = 0; r < reps; r++) {
		uint64_t n = 0, acc = 0, tick = 0;
		uint64_t t0 = bench_cpu_ns(), t;
		do {
			for (size_t i = 0; i < p->n; i++) {
				struct segment seg;
				if (segment_parse(&seg, p->buf + i * SLOT, p->len[i]))
					abort();
				if (m) {
					struct verdict v;
					matcher_decide(m, &seg, tick++, &v);
					acc += v.action;
				} else {
					acc += seg.flags;
				}
			}
			n += p->n;
			t = bench_cpu_ns();
		} while (t - t0 < min_ns);
		bench_sink += acc;
		double rt = (double)n * 1e9 / (double)(t - t0);
		if (rt > best)
			best = rt;
	}
	return best;
}

/* Decisions per second with the selection words, 10 and 100 rules, beside the plain mix. */
static void selection_rows(const struct pool *p, unsigned conns, uint64_t min_ns, int reps,
                           double parse_rate)
{
	char what[96];
	for (unsigned n_rules = 10; n_rules <= 100; n_rules *= 10) {
		struct ruleset rs, plain_rs;
		struct matcher *m = make_matcher(&rs, n_rules, MIX_SELECTION);
		struct matcher *plain = make_matcher(&plain_rs, n_rules, MIX_PLAIN);
		double dr = rate(p, m, min_ns, reps);
		double pl = rate(p, plain, min_ns, reps);
		snprintf(what, sizeof(what), "%u rules, selection words, %u conns", n_rules, conns);
		bench_row(false, what, dr, "dec/s", n_rules <= 10 ? ">= 1M/s" : "- (info)",
		          "%.2fx the plain mix, %.2fx parse%s", dr / pl, dr / parse_rate,
		          n_rules <= 10 && dr < TARGET_RATE ? "  BELOW" : "");
		matcher_free(m);
		matcher_free(plain);
		ruleset_free(&rs);
		ruleset_free(&plain_rs);
	}
}

/* Bytes the counters of max connections take: the heap grown by resizing the table. */
static double bytes_per_conn(unsigned n_rules, unsigned max, enum mix mix)
{
	struct ruleset rs;
	struct matcher *m = make_matcher(&rs, n_rules, mix);
	if (matcher_set_max_connections(m, 1))
		exit(1);
	size_t before = bench_heap_bytes();
	if (matcher_set_max_connections(m, max))
		exit(1);
	size_t after = bench_heap_bytes();
	matcher_free(m);
	ruleset_free(&rs);
	return (double)(after - before) / max;
}

int main(int argc, char **argv)
{
	bool quick = bench_quick(argc, argv);
	uint64_t min_ns = quick ? 50000000ull : 300000000ull;
	int reps = quick ? 1 : 3;
	static const unsigned rule_counts[] = {1, 10, 100};
	static const unsigned conn_counts[] = {1, 100, 4096, 8192};
	char what[96], target[32];

	printf("bench_rules: segment_parse + matcher_decide on 64-byte data segments, both "
	       "directions%s\n",
	       quick ? " (quick)" : "");
	bench_header("decisions per CPU second (best of runs)");

	double parse_rate = 0;
	for (size_t c = 0; c < sizeof(conn_counts) / sizeof(conn_counts[0]); c++) {
		unsigned conns = conn_counts[c];
		struct pool p;
		pool_make(&p, conns, conns * 2 > 8192 ? conns * 2 : 8192);
		double pr = rate(&p, NULL, min_ns, reps);
		if (c == 0)
			parse_rate = pr;
		snprintf(what, sizeof(what), "segment_parse alone, %u conns (baseline)", conns);
		bench_row(false, what, pr, "seg/s", "-", "1.00x parse");
		for (size_t r = 0; r < sizeof(rule_counts) / sizeof(rule_counts[0]); r++) {
			unsigned n_rules = rule_counts[r];
			struct ruleset rs;
			struct matcher *m = make_matcher(&rs, n_rules, MIX_PLAIN);
			double dr = rate(&p, m, min_ns, reps);
			if (matcher_connections(m) != (conns < MATCHER_DEFAULT_MAX_CONNECTIONS
			                                   ? conns
			                                   : MATCHER_DEFAULT_MAX_CONNECTIONS)) {
				fprintf(stderr,
				        "bench_rules: %u connections tracked, expected %u\n",
				        matcher_connections(m), conns);
				return 1;
			}
			snprintf(what, sizeof(what), "%u rule%s, %u conns%s", n_rules,
			         n_rules == 1 ? "" : "s", conns,
			         conns > MATCHER_DEFAULT_MAX_CONNECTIONS ? " (LRU evicting)" : "");
			bool headline = n_rules == 10 && conns != 100;
			snprintf(target, sizeof(target), "%s",
			         n_rules <= 10 ? ">= 1M/s" : "- (info)");
			bench_row(headline, what, dr, "dec/s", target, "%.2fx %s, %.2fx parse%s",
			          dr / TARGET_RATE, n_rules <= 10 ? "target" : "1M/s", dr / pr,
			          n_rules <= 10 && dr < TARGET_RATE ? "  BELOW" : "");
			matcher_free(m);
			ruleset_free(&rs);
		}
		if (conns == 100 || conns == 4096)
			selection_rows(&p, conns, min_ns, reps, pr);
		pool_free(&p);
	}
	(void)parse_rate;

	bench_header("memory of the per-connection counters (heap grown by the table)");
	if (bench_heap_bytes() == 0) {
		printf("  skipped: this allocator keeps no heap count (a sanitizer build?)\n");
		return 0;
	}
	unsigned big = quick ? 65536 : 1u << 20;
	for (unsigned n_rules = 1; n_rules <= 100; n_rules *= 10) {
		double b = bytes_per_conn(n_rules, big, MIX_PLAIN);
		snprintf(what, sizeof(what), "%u rule%s, table of %u conns", n_rules,
		         n_rules == 1 ? "" : "s", big);
		bench_row(n_rules == 10, what, b, "B/conn",
		          n_rules <= 10 ? "<= 128 B/conn" : "- (info)", "%.2fx %s%s", b / 128.0,
		          n_rules <= 10 ? "target" : "128 B",
		          n_rules <= 10 && b > 128 ? "  ABOVE" : "");
	}
	double plain = bytes_per_conn(10, big, MIX_PLAIN);
	double sb = bytes_per_conn(10, big, MIX_SELECTION);
	snprintf(what, sizeof(what), "10 rules, selection words, table of %u", big);
	bench_row(false, what, sb, "B/conn", "- (info)", "%.2fx the plain 10 rules", sb / plain);
	double nd = bytes_per_conn(10, big, MIX_NO_DRAW);
	snprintf(what, sizeof(what), "10 rules, no draw (counts only), table of %u", big);
	bench_row(false, what, nd, "B/conn", "- (info)",
	          "%.2fx 128 B; the jitter's draw follows each connection: +%.0f B", nd / 128.0,
	          plain - nd);
	double def = bytes_per_conn(10, MATCHER_DEFAULT_MAX_CONNECTIONS, MIX_PLAIN);
	bench_row(false, "10 rules, default table (4096 conns), total", def * 4096 / 1024.0, "KiB",
	          "-", NULL);
	return 0;
}
