/* bench_trace: the cost of synfin-faultd's traces. Lines per second of the tcpdump-format text
 * line (trace_write_text) and of the JSON Lines object (trace_write_json), written to a FILE on
 * a memory buffer so no disk or terminal weighs in, against a baseline of one raw fprintf of the
 * same numbers in the same shape (no relative sequence numbers, no escaping).
 *
 * Target: >= 830k lines/s for each, the packet rate of a 10 Gb/s link of 1500-byte frames: the
 * text trace is on by default, and it must not be what limits the daemon.
 */
#include "bench_packet.h"
#include "bench_util.h"
#include "rules/rule.h"
#include "trace/trace.h"
#include "wire/segment.h"

#define TARGET 830000.0
#define CONNS 100
#define NPKT 4096
#define SLOT 1500
#define BUFSZ (16u << 20)

static uint8_t pkts[NPKT][SLOT];
static size_t lens[NPKT];
static struct segment segs[NPKT];

static void make_packets(void)
{
	for (unsigned i = 0; i < NPKT; i++) {
		unsigned k = i % CONNS;
		uint32_t round = i / CONNS;
		uint16_t cport = (uint16_t)(40000 + k);
		if (round % 2 == 0)
			lens[i] = bench_packet(pkts[i], BENCH_CLIENT, cport, BENCH_SERVER, 80,
			                       0x10000000u * k + 1448 * round, 0x7000000u + k,
			                       TCPF_ACK | TCPF_PSH, 1448);
		else
			lens[i] = bench_packet(pkts[i], BENCH_SERVER, 80, BENCH_CLIENT, cport,
			                       0x7000000u + k, 0x10000000u * k + 1448 * round,
			                       TCPF_ACK, 0);
		if (segment_parse(&segs[i], pkts[i], lens[i]))
			abort();
	}
}

enum what { TEXT, JSON, RAW_TEXT, RAW_JSON, FORMAT_ONLY, PCAP };

static void raw_text(FILE *out, const struct trace_event *ev)
{
	const struct segment *s = ev->seg;
	unsigned sec = (unsigned)(ev->time_us / 1000000 % 86400);
	char flags[16];
	trace_flags_str(flags, sizeof(flags), s->flags);
	fprintf(out,
	        "%02u:%02u:%02u.%06u IP %u.%u.%u.%u.%u > %u.%u.%u.%u.%u: Flags [%s], seq %u:%u, "
	        "ack %u, win %u, length %u  pass\n",
	        sec / 3600, sec / 60 % 60, sec % 60, (unsigned)(ev->time_us % 1000000),
	        s->saddr >> 24, s->saddr >> 16 & 255, s->saddr >> 8 & 255, s->saddr & 255, s->sport,
	        s->daddr >> 24, s->daddr >> 16 & 255, s->daddr >> 8 & 255, s->daddr & 255, s->dport,
	        flags, s->seq, s->seq + s->payload_len, s->ack, s->win, s->payload_len);
}

static void raw_json(FILE *out, const struct trace_event *ev)
{
	const struct segment *s = ev->seg;
	char flags[16];
	trace_flags_str(flags, sizeof(flags), s->flags);
	fprintf(out,
	        "{\"t\":%llu.%06u,\"event\":\"seen\",\"verdict\":\"pass\",\"delay_us\":0,"
	        "\"held_us\":0,\"rule\":0,\"rule_file\":\"%s\",\"rule_line\":0,\"dir\":\"%s\","
	        "\"src\":\"%u.%u.%u.%u\",\"sport\":%u,\"dst\":\"%u.%u.%u.%u\",\"dport\":%u,"
	        "\"flags\":\"%s\",\"seq\":%u,\"ack\":%u,\"rseq\":%u,\"rack\":%u,\"win\":%u,"
	        "\"len\":%u,\"text\":\"IP %u.%u.%u.%u.%u > %u.%u.%u.%u.%u: Flags [%s], seq %u:%u, "
	        "ack %u, win %u, length %u\"}\n",
	        (unsigned long long)(ev->time_us / 1000000), (unsigned)(ev->time_us % 1000000),
	        ev->rule_file, ev->dir, s->saddr >> 24, s->saddr >> 16 & 255, s->saddr >> 8 & 255,
	        s->saddr & 255, s->sport, s->daddr >> 24, s->daddr >> 16 & 255, s->daddr >> 8 & 255,
	        s->daddr & 255, s->dport, flags, s->seq, s->ack, s->seq, s->ack, s->win,
	        s->payload_len, s->saddr >> 24, s->saddr >> 16 & 255, s->saddr >> 8 & 255,
	        s->saddr & 255, s->sport, s->daddr >> 24, s->daddr >> 16 & 255, s->daddr >> 8 & 255,
	        s->daddr & 255, s->dport, flags, s->seq, s->seq + s->payload_len, s->ack, s->win,
	        s->payload_len);
}

/* Lines per second, best of reps runs of at least min_ns of CPU time each. */
static double rate(enum what what, char *buf, uint64_t min_ns, int reps, double *bytes_per_line)
{
	double best = 0;
	for (int r = 0; r < reps; r++) {
		FILE *out = fmemopen(buf, BUFSZ, "w");
		struct trace_seqs *seqs = trace_seqs_new();
		if (!out || !seqs)
			exit(1);
		uint64_t n = 0, bytes = 0, time_us = 1764000000000000ull;
		uint64_t t0 = bench_cpu_ns(), t;
		do {
			for (unsigned i = 0; i < NPKT; i++) {
				struct trace_event ev = {
				    .kind = TRACE_SEEN,
				    .time_us = time_us += 7,
				    .pkt = pkts[i],
				    .len = lens[i],
				    .seg = &segs[i],
				    .verdict = {.action = RULE_PASS},
				    .rule_file = "bench.rules",
				    .dir = segs[i].saddr == BENCH_CLIENT ? "c2s" : "s2c",
				};
				char line[512];
				switch (what) {
				case TEXT:
					trace_write_text(out, seqs, &ev);
					break;
				case JSON:
					trace_write_json(out, seqs, &ev);
					break;
				case RAW_TEXT:
					raw_text(out, &ev);
					break;
				case RAW_JSON:
					raw_json(out, &ev);
					break;
				case FORMAT_ONLY:
					bench_sink += (uint64_t)trace_format_tcpdump(
					    line, sizeof(line), seqs, 1, ev.time_us, ev.seg);
					break;
				case PCAP:
					pcap_write_packet(out, ev.time_us, ev.pkt, ev.len);
					break;
				}
			}
			n += NPKT;
			long pos = ftell(out);
			if (pos > (long)(BUFSZ / 2)) {
				bytes += (uint64_t)pos;
				rewind(out);
			}
			t = bench_cpu_ns();
		} while (t - t0 < min_ns);
		bytes += (uint64_t)ftell(out);
		fclose(out);
		trace_seqs_free(seqs);
		double rt = (double)n * 1e9 / (double)(t - t0);
		if (rt > best)
			best = rt;
		*bytes_per_line = (double)bytes / (double)n;
	}
	return best;
}

int main(int argc, char **argv)
{
	bool quick = bench_quick(argc, argv);
	uint64_t min_ns = quick ? 100000000ull : 500000000ull;
	int reps = quick ? 1 : 3;
	char *buf = malloc(BUFSZ);
	if (!buf)
		return 1;
	make_packets();

	printf("bench_trace: %u connections, data and ACK segments, to a FILE on a %u MiB memory "
	       "buffer%s\n",
	       CONNS, BUFSZ >> 20, quick ? " (quick)" : "");
	bench_header("lines per CPU second (best of runs)");
	double bl, bl2;
	double raw_t = rate(RAW_TEXT, buf, min_ns, reps, &bl);
	double text = rate(TEXT, buf, min_ns, reps, &bl2);
	bench_row(true, "text line (trace_write_text)", text, "lines/s", ">= 830k/s",
	          "%.2fx target, %.2fx raw fprintf%s", text / TARGET, text / raw_t,
	          text < TARGET ? "  BELOW" : "");
	bench_row(false, "  bytes per text line", bl2, "B", "-", NULL);
	bench_row(false, "raw fprintf, text shape (baseline)", raw_t, "lines/s", "-", "%.0f B/line",
	          bl);
	double raw_j = rate(RAW_JSON, buf, min_ns, reps, &bl);
	double json = rate(JSON, buf, min_ns, reps, &bl2);
	bench_row(true, "JSON line (trace_write_json)", json, "lines/s", ">= 830k/s",
	          "%.2fx target, %.2fx raw fprintf%s", json / TARGET, json / raw_j,
	          json < TARGET ? "  BELOW" : "");
	bench_row(false, "  bytes per JSON line", bl2, "B", "-", NULL);
	bench_row(false, "raw fprintf, JSON shape (baseline)", raw_j, "lines/s", "-", "%.0f B/line",
	          bl);
	double fmt = rate(FORMAT_ONLY, buf, min_ns, reps, &bl);
	bench_row(false, "trace_format_tcpdump into a buffer (no FILE)", fmt, "lines/s", "-",
	          "%.2fx text line", fmt / text);
	double pcap = rate(PCAP, buf, min_ns, reps, &bl);
	bench_row(false, "pcap_write_packet (1488-byte data, 40-byte ACKs)", pcap, "pkts/s", "-",
	          "%.0f B/pkt", bl);
	free(buf);
	return 0;
}
