/* test_faultd_output.c: synfin-faultd's trace outputs handed to a writer thread. The record ring
 * keeps order across its end and never overfills; the writer delivers every record, in order,
 * through a ring far smaller than the stream; and events written through the thread to files
 * are the bytes the trace writers produce when called directly. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/event_loop.h"
#include "common/wire_bytes.h"
#include "faultd/faultd_output.h"
#include "faultd/faultd_pcap.h"
#include "faultd/faultd_ring.h"
#include "faultd/faultd_writer.h"
#include "test_support.h"
#include "trace/trace.h"
#include "wire/segment.h"

/* ---- the ring ---- */

static void fill_record(uint8_t *p, size_t len, uint32_t n)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(n + i);
}

static bool record_is(const uint8_t *p, size_t len, uint32_t n)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (uint8_t)(n + i))
			return false;
	return true;
}

START_TEST(test_ring_hands_records_over_in_order_across_its_end)
{
	struct faultd_ring r;
	ck_assert_int_eq(faultd_ring_init(&r, 4096), 0);
	ck_assert_uint_eq(r.size, 4096);
	uint32_t written = 0, read = 0;
	/* lengths that do not divide the ring, so records meet its end at every offset */
	for (int round = 0; round < 200; round++) {
		for (int k = 0; k < 3; k++) {
			size_t len = 1 + (written * 37) % 700;
			uint8_t *p = faultd_ring_reserve(&r, len);
			ck_assert_ptr_nonnull(p);
			fill_record(p, len, written++);
		}
		faultd_ring_publish(&r);
		const void *rec;
		size_t len;
		while ((rec = faultd_ring_next(&r, &len))) {
			ck_assert_uint_eq(len, 1 + (read * 37) % 700);
			ck_assert(record_is(rec, len, read++));
		}
		faultd_ring_release(&r);
	}
	ck_assert_uint_eq(read, written);
	ck_assert_uint_eq(faultd_ring_used(&r), 0);
	faultd_ring_free(&r);
}
END_TEST

START_TEST(test_ring_refuses_a_record_until_the_consumer_frees_room)
{
	struct faultd_ring r;
	ck_assert_int_eq(faultd_ring_init(&r, 4096), 0);
	ck_assert_ptr_null(faultd_ring_reserve(&r, faultd_ring_max_record(&r) + 1));
	int n = 0;
	while (faultd_ring_reserve(&r, 500))
		n++;
	ck_assert_int_eq(n, 4096 / 512); /* 8-byte frame + 504 */
	/* unpublished records are not the consumer's */
	size_t len;
	ck_assert_ptr_null(faultd_ring_next(&r, &len));
	faultd_ring_publish(&r);
	ck_assert_ptr_nonnull(faultd_ring_next(&r, &len));
	ck_assert_ptr_null(faultd_ring_reserve(&r, 500)); /* read, not yet released */
	faultd_ring_release(&r);
	ck_assert_ptr_nonnull(faultd_ring_reserve(&r, 500));
	faultd_ring_free(&r);
}
END_TEST

/* ---- the writer ---- */

struct sink {
	uint32_t next; /* records are numbered from 0 */
	uint32_t flushed_at;
	bool bad;
	/* the records seen since the last release, looked at again just before it: their room
	 * must not have been reused yet */
	const void *held[256];
	uint32_t held_n[256];
	unsigned n_held;
	unsigned releases;
};

static void sink_record(void *ctx, const void *rec, size_t len)
{
	struct sink *s = ctx;
	uint32_t n;
	memcpy(&n, rec, sizeof(n));
	if (n != s->next || len != 4 + n % 300)
		s->bad = true;
	s->next++;
	if (s->n_held < 256) {
		s->held[s->n_held] = rec;
		s->held_n[s->n_held++] = n;
	} else {
		s->bad = true; /* a release is due every 64 records */
	}
}

static void sink_release(void *ctx)
{
	struct sink *s = ctx;
	for (unsigned i = 0; i < s->n_held; i++) {
		uint32_t n;
		memcpy(&n, s->held[i], sizeof(n));
		if (n != s->held_n[i])
			s->bad = true;
	}
	s->n_held = 0;
	s->releases++;
}

static void sink_flush(void *ctx)
{
	struct sink *s = ctx;
	s->flushed_at = s->next;
}

START_TEST(test_writer_thread_delivers_every_record_in_order_through_a_small_ring)
{
	static struct faultd_writer w;
	struct sink s = {0};
	const struct faultd_writer_ops ops = {sink_record, sink_release, sink_flush};
	ck_assert_int_eq(faultd_writer_start(&w, 8192, &ops, &s), 0);
	const uint32_t total = 50000;
	for (uint32_t n = 0; n < total; n++) {
		uint8_t *p = faultd_writer_reserve(&w, 4 + n % 300);
		ck_assert_ptr_nonnull(p);
		memcpy(p, &n, sizeof(n));
		faultd_writer_publish(&w, n % 1000 == 0);
		if (n == total / 2) {
			faultd_writer_flush(&w, true);
			ck_assert_uint_eq(s.flushed_at, n + 1);
		}
	}
	faultd_writer_stop(&w);
	ck_assert(!s.bad);
	ck_assert_uint_eq(s.next, total);
	ck_assert_uint_ge(s.releases, total / 64);
	ck_assert_uint_eq(s.flushed_at, total);
}
END_TEST

/* ---- the outputs ---- */

#define CLIENT 0xc0a8016cu /* 192.168.1.108 */
#define SERVER 0xc0a8016du /* 192.168.1.109 */
#define T0 1700000000000000ull

struct pkt {
	uint8_t b[1600];
	size_t len;
	struct segment seg;
};

static void build(struct pkt *p, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                  uint32_t seq, uint32_t ack, uint8_t flags, const char *opts, size_t optlen,
                  const char *payload, size_t plen)
{
	memset(p, 0, sizeof(*p));
	uint8_t *ip = p->b, *tcp = p->b + 20;
	size_t total = 20 + 20 + optlen + plen;
	ip[0] = 0x45;
	wire_put16(ip + 2, (unsigned)total);
	ip[8] = 64;
	ip[9] = 6;
	wire_put32(ip + 12, src);
	wire_put32(ip + 16, dst);
	wire_put16(tcp, sport);
	wire_put16(tcp + 2, dport);
	wire_put32(tcp + 4, seq);
	wire_put32(tcp + 8, ack);
	tcp[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	tcp[13] = flags;
	wire_put16(tcp + 14, 64240);
	memcpy(tcp + 20, opts, optlen);
	memcpy(tcp + 20 + optlen, payload, plen);
	p->len = total;
	ck_assert_int_eq(segment_parse(&p->seg, p->b, p->len), 0);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	static char buf[4][1 << 20];
	static int which;
	char *b = buf[which++ % 4];
	*len = fread(b, 1, sizeof(buf[0]), f);
	fclose(f);
	return b;
}

static void assert_same_file(const char *a, const char *b)
{
	size_t la, lb;
	const char *x = slurp(a, &la), *y = slurp(b, &lb);
	ck_assert_uint_gt(la, 0);
	ck_assert_uint_eq(la, lb);
	ck_assert_int_eq(memcmp(x, y, la), 0);
}

struct files {
	char dir[64];
	char text[96], jsonl[96], pcap[96];
};

static void make_files(struct files *f, const char *tag)
{
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_faultd_output.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	snprintf(f->text, sizeof(f->text), "%s/%s.txt", f->dir, tag);
	snprintf(f->jsonl, sizeof(f->jsonl), "%s/%s.jsonl", f->dir, tag);
	snprintf(f->pcap, sizeof(f->pcap), "%s/%s.pcap", f->dir, tag);
}

static void remove_files(struct files *f)
{
	unlink(f->text);
	unlink(f->jsonl);
	unlink(f->pcap);
	rmdir(f->dir);
}

/* The daemon's calls for one segment the rules judged (on_packet), and for the end of a hold. */
static void seen(struct faultd_output *out, uint64_t t, const struct pkt *p, struct verdict v,
                 const char *rule_file)
{
	faultd_output_packet(out, t, p->b, p->len);
	struct trace_event ev = {.kind = TRACE_SEEN,
	                         .time_us = t,
	                         .pkt = p->b,
	                         .len = p->len,
	                         .seg = &p->seg,
	                         .verdict = v,
	                         .rule_file = rule_file,
	                         .dir = p->seg.saddr == CLIENT ? "c2s" : "s2c"};
	faultd_output_event(out, &ev);
}

static void expect_seen(FILE *text, FILE *jsonl, FILE *pcap, struct trace_seqs *seqs, uint64_t t,
                        const struct pkt *p, struct verdict v, const char *rule_file)
{
	pcap_write_packet(pcap, t, p->b, p->len);
	struct trace_event ev = {.kind = TRACE_SEEN,
	                         .time_us = t,
	                         .pkt = p->b,
	                         .len = p->len,
	                         .seg = &p->seg,
	                         .verdict = v,
	                         .rule_file = rule_file,
	                         .dir = p->seg.saddr == CLIENT ? "c2s" : "s2c"};
	trace_write_text_and_json(text, jsonl, seqs, &ev);
}

START_TEST(test_events_through_the_writer_thread_are_the_bytes_of_direct_writes)
{
	setenv("TZ", "UTC", 1);
	tzset();
	struct files got, want;
	make_files(&got, "got");
	make_files(&want, "want");
	struct faultd_options opt = {
	    .text_path = got.text, .jsonl_path = got.jsonl, .pcap_path = got.pcap, .quiet = true};
	static struct faultd_output out;
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(faultd_output_open(&out, &opt), 0);
	ck_assert(out.writer.threaded);

	FILE *text = fopen(want.text, "w"), *jsonl = fopen(want.jsonl, "w");
	FILE *pcap = fopen(want.pcap, "w");
	pcap_write_header(pcap);
	struct trace_seqs *seqs = trace_seqs_new();

	struct rule r3 = {.index = 3, .line = 7}, r1 = {.index = 1, .line = 2};
	/* rules whose verdicts have words of their own in the text trace */
	const struct rule worded[] = {
	    {.index = 4, .line = 9, .action = RULE_SET, .set_field = RULE_SET_WIN, .set_value = 0},
	    {.index = 5, .line = 10, .action = RULE_STRIP, .strip = RULE_STRIP_SACK},
	    {.index = 6, .line = 11, .action = RULE_CORRUPT, .corrupt = RULE_CORRUPT_PAYLOAD},
	    {.index = 7, .line = 12, .action = RULE_DUPLICATE, .dup_copies = 2},
	    {.index = 8, .line = 13, .action = RULE_RESET, .reset_keep = true},
	};
	const char mss[] = {2, 4, 5, (char)0xb4};
	const char get[] = "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n";
	char bulk[1400];
	memset(bulk, 'x', sizeof(bulk));
	struct pkt p;
	faultd_output_note(&out, T0, "first line\nsecond line");
	fprintf(text, "# first line\n# second line\n");
	trace_write_json_note(jsonl, T0, "first line\nsecond line");
	for (uint32_t i = 0; i < 3000; i++) {
		uint64_t t = T0 + 1000u * i;
		struct verdict v = {.action = RULE_PASS};
		const char *rf = "x.rules";
		if (i % 3 == 0) {
			build(&p, CLIENT, SERVER, 40000 + i % 7, 80, 1000 + i, 0, 0x02, mss, 4, "",
			      0);
			v = (struct verdict){.action = RULE_DROP, .rule = &r1};
		} else if (i % 3 == 1) {
			build(&p, SERVER, CLIENT, 80, 40000 + i % 7, 9000, 1001 + i, 0x12, mss, 4,
			      "", 0);
			v = (struct verdict){.action = RULE_DELAY, .delay_us = 300250, .rule = &r3};
		} else {
			build(&p, CLIENT, SERVER, 40000 + i % 7, 80, 1001 + i, 9001, 0x18, "", 0,
			      i % 2 ? get : bulk, i % 2 ? sizeof(get) - 1 : sizeof(bulk));
			rf = NULL;
			if (i % 4 != 2) {
				const struct rule *w = &worded[(i / 3) % 5];
				v = (struct verdict){.action = w->action, .rule = w};
				rf = "w.rules";
			}
		}
		seen(&out, t, &p, v, rf);
		expect_seen(text, jsonl, pcap, seqs, t, &p, v, rf);
		if (v.action == RULE_DUPLICATE || v.action == RULE_RESET) {
			/* a segment the daemon made, from the packet buffer it was made in */
			struct trace_event ev = {.kind = TRACE_INJECTED,
			                         .time_us = t + 1,
			                         .pkt = p.b,
			                         .len = p.len,
			                         .seg = &p.seg,
			                         .verdict = v,
			                         .rule_file = rf,
			                         .dir = "c2s"};
			faultd_output_event(&out, &ev);
			trace_write_text_and_json(text, jsonl, seqs, &ev);
		}
		if (i % 500 == 250) {
			/* the end of a hold, from a packet buffer of its own */
			struct trace_event ev = {.kind = i % 1000 == 250 ? TRACE_RELEASED
			                                                 : TRACE_DROPPED_AT_EXIT,
			                         .time_us = t + 1,
			                         .pkt = p.b,
			                         .len = p.len,
			                         .seg = &p.seg,
			                         .verdict = v,
			                         .held_us = 300123,
			                         .rule_file = "long/path/to/delay.rules",
			                         .dir = "other"};
			faultd_output_event(&out, &ev);
			trace_write_text_and_json(text, jsonl, seqs, &ev);
			faultd_output_kernel_drop(&out, t + 2, "kernel dropped 3 packets: test");
			trace_write_kernel_drop_text(text, t + 2, "kernel dropped 3 packets: test");
			trace_write_kernel_drop_json(jsonl, t + 2,
			                             "kernel dropped 3 packets: test");
		}
		if (i % 700 == 0) {
			/* a packet the rules cannot judge: the pcap has it, the text says why */
			uint8_t udp[28] = {0x45, 0, 0, 28,        [8] = 64, [9] = 17, [12] = 10,
			                   0,    0, 1, [16] = 10, 0,        0,        2};
			struct nfq_packet np = {
			    .hw_protocol = 0x0800, .data = udp, .len = sizeof(udp)};
			faultd_output_packet(&out, t + 3, udp, sizeof(udp));
			faultd_output_unjudged(&out, t + 3, &np, "not TCP");
			pcap_write_packet(pcap, t + 3, udp, sizeof(udp));
			fprintf(text,
			        "%s IP 10.0.0.1 > 10.0.0.2: proto 17, 28 bytes  pass (not TCP)\n",
			        i == 0      ? "22:13:20.000003"
			        : i == 700  ? "22:13:20.700003"
			        : i == 1400 ? "22:13:21.400003"
			        : i == 2100 ? "22:13:22.100003"
			                    : "22:13:22.800003");
		}
	}
	faultd_output_flush(&out);
	faultd_output_close(&out);
	fclose(text);
	fclose(jsonl);
	fclose(pcap);
	trace_seqs_free(seqs);
	assert_same_file(got.text, want.text);
	assert_same_file(got.jsonl, want.jsonl);
	assert_same_file(got.pcap, want.pcap);
	remove_files(&got);
	remove_files(&want);
}
END_TEST

static void stop_loop(struct event_loop *loop, uint64_t now_ns, void *arg)
{
	(void)now_ns, (void)arg;
	event_loop_stop(loop);
}

/* --quiet --queue-only-matching: the daemon's note has nowhere to go, and the flush timer it
 * arms must find nothing to do. */
START_TEST(test_flush_timer_with_every_output_off_does_nothing)
{
	struct faultd_options opt = {.quiet = true};
	static struct faultd_output out;
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(faultd_output_open(&out, &opt), 0);
	struct event_loop *loop;
	ck_assert_int_eq(event_loop_new(&loop), 0);
	faultd_output_note(&out, T0, "--queue-only-matching: ...");
	faultd_output_schedule_flush(&out, loop);
	ck_assert_int_gt(out.flush_timer, 0);
	uint64_t after = event_loop_now(loop) + (FAULTD_OUTPUT_FLUSH_MS + 50) * 1000000ull;
	ck_assert_int_gt(event_loop_timer_at(loop, after, stop_loop, NULL), 0);
	ck_assert_int_eq(event_loop_run(loop), 0);
	ck_assert_int_eq(out.flush_timer, 0);
	faultd_output_flush(&out);
	faultd_output_close(&out);
	event_loop_free(loop);
}
END_TEST

/* A segment's time is the kernel's arrival stamp, held between the time of the line before
 * it and the moment the daemon read it: a trace never goes back, never runs ahead. */
START_TEST(test_seen_time_is_the_arrival_stamp_clamped_to_the_lines_before_and_the_read)
{
	struct faultd_options opt = {.quiet = true};
	static struct faultd_output out;
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(faultd_output_open(&out, &opt), 0);
	/* nothing written yet: the stamp as it is, 300 us before the read */
	ck_assert_uint_eq(faultd_output_seen_time(&out, T0 + 700, T0 + 1000), T0 + 700);
	/* no stamp: the read */
	ck_assert_uint_eq(faultd_output_seen_time(&out, 0, T0 + 1000), T0 + 1000);
	/* a stamp ahead of the read (the wall clock stepped): the read */
	ck_assert_uint_eq(faultd_output_seen_time(&out, T0 + 1500, T0 + 1000), T0 + 1000);
	/* a line at T0 + 2000 (a release, a note): a packet read after it that arrived
	 * before it is put at that line's time, not before it */
	faultd_output_note(&out, T0 + 2000, "reloaded");
	ck_assert_uint_eq(faultd_output_seen_time(&out, T0 + 1800, T0 + 2100), T0 + 2000);
	ck_assert_uint_eq(faultd_output_seen_time(&out, T0 + 2050, T0 + 2100), T0 + 2050);
	struct pkt p;
	build(&p, CLIENT, SERVER, 40000, 80, 1000, 0, 0x02, "", 0, "", 0);
	struct trace_event ev = {.kind = TRACE_RELEASED,
	                         .time_us = T0 + 3000,
	                         .pkt = p.b,
	                         .len = p.len,
	                         .seg = &p.seg,
	                         .dir = "c2s"};
	faultd_output_event(&out, &ev);
	ck_assert_uint_eq(faultd_output_seen_time(&out, T0 + 2900, T0 + 3100), T0 + 3000);
	faultd_output_packet(&out, T0 + 4000, p.b, p.len);
	ck_assert_uint_eq(faultd_output_seen_time(&out, T0 + 3900, T0 + 4100), T0 + 4000);
	faultd_output_kernel_drop(&out, T0 + 5000, "kernel dropped 1 packets: test");
	ck_assert_uint_eq(faultd_output_seen_time(&out, 0, T0 + 4900), T0 + 5000);
	faultd_output_flush(&out);
	faultd_output_close(&out);
}
END_TEST

/* A reload begins a new section of the pcapng, after the packets the old rules judged and
 * before those the new ones judge, with the rule file as it is now. */
START_TEST(test_rules_reloaded_begin_a_pcapng_section_with_the_new_file)
{
	struct files f;
	make_files(&f, "got");
	char rules[128], pcapng[128], cmd[512], out[1024];
	snprintf(rules, sizeof(rules), "%s/t.rules", f.dir);
	snprintf(pcapng, sizeof(pcapng), "%s/t.pcapng", f.dir);
	FILE *r = fopen(rules, "w");
	fputs("drop [S]\n", r);
	fclose(r);
	struct faultd_options opt = {
	    .rules_path = rules, .pcapng_path = pcapng, .quiet = true, .seed = 5};
	static struct faultd_output o;
	memset(&o, 0, sizeof(o));
	ck_assert_int_eq(faultd_output_open(&o, &opt), 0);
	struct pkt p;
	build(&p, CLIENT, SERVER, 40000, 80, 1000, 0, 0x02, "", 0, "", 0);
	seen(&o, T0, &p, (struct verdict){.action = RULE_PASS}, rules);
	r = fopen(rules, "w");
	fputs("delay 5ms [S]\n", r);
	fclose(r);
	faultd_output_rules_reloaded(&o, T0 + 1000);
	seen(&o, T0 + 2000, &p, (struct verdict){.action = RULE_PASS}, rules);
	faultd_output_flush(&o);
	faultd_output_close(&o);

	snprintf(cmd, sizeof(cmd),
	         "tshark -r %s -T fields -e frame.section_number -e frame.comment 2>/dev/null",
	         pcapng);
	ck_assert_int_eq(synfin_command_output(cmd, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "1\tpass\n2\tpass\n");
	snprintf(cmd, sizeof(cmd), "grep -c -a -e 'delay 5ms' -e 'rules reloaded at' %s", pcapng);
	ck_assert_int_eq(synfin_command_output(cmd, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "2\n");
	unlink(rules);
	unlink(pcapng);
	remove_files(&f);
}
END_TEST

/* ---- the pcap written from the ring ---- */

START_TEST(test_pcap_batches_write_every_piece_in_order_across_batch_ends)
{
	char path[] = "/tmp/test_faultd_pcap.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	static uint8_t pieces[1000][64], want[1000 * 64];
	size_t total = 0;
	struct faultd_pcap p;
	faultd_pcap_init(&p, fd);
	for (unsigned i = 0; i < 1000; i++) {
		size_t len = 1 + i % 64;
		for (size_t k = 0; k < len; k++)
			pieces[i][k] = (uint8_t)(i * 7 + k);
		memcpy(want + total, pieces[i], len);
		total += len;
		ck_assert_int_eq(faultd_pcap_add(&p, pieces[i], len), 0);
		if (i == 500) /* as before a release: a batch not full */
			ck_assert_int_eq(faultd_pcap_write(&p), 0);
	}
	ck_assert_int_eq(faultd_pcap_write(&p), 0);
	ck_assert_int_eq(faultd_pcap_write(&p), 0); /* nothing left: nothing written */
	close(fd);
	size_t len;
	const char *got = slurp(path, &len);
	ck_assert_uint_eq(len, total);
	ck_assert_int_eq(memcmp(got, want, total), 0);
	unlink(path);
}
END_TEST

START_TEST(test_pcap_batch_that_cannot_be_written_fails_and_is_emptied)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	close(fds[0]); /* writes now fail with EPIPE (SIGPIPE ignored below) */
	signal(SIGPIPE, SIG_IGN);
	struct faultd_pcap p;
	faultd_pcap_init(&p, fds[1]);
	static const uint8_t rec[16];
	ck_assert_int_eq(faultd_pcap_add(&p, rec, sizeof(rec)), 0);
	ck_assert_int_eq(faultd_pcap_write(&p), -EPIPE);
	ck_assert_uint_eq(p.n, 0);
	ck_assert_int_eq(faultd_pcap_write(&p), 0);
	for (unsigned i = 0; i < FAULTD_PCAP_BATCH; i++)
		ck_assert_int_eq(faultd_pcap_add(&p, rec, sizeof(rec)), 0);
	/* the batch is full: the next piece writes it first, and that fails */
	ck_assert_int_eq(faultd_pcap_add(&p, rec, sizeof(rec)), -EPIPE);
	ck_assert_uint_eq(p.n, 1);
	close(fds[1]);
}
END_TEST

static Suite *faultd_output_suite(void)
{
	Suite *s = suite_create("faultd_output");
	TCase *tr = tcase_create("ring");
	tcase_add_test(tr, test_ring_hands_records_over_in_order_across_its_end);
	tcase_add_test(tr, test_ring_refuses_a_record_until_the_consumer_frees_room);
	tcase_set_timeout(tr, 60);
	suite_add_tcase(s, tr);
	TCase *tw = tcase_create("writer");
	tcase_add_test(tw, test_writer_thread_delivers_every_record_in_order_through_a_small_ring);
	tcase_add_test(tw, test_events_through_the_writer_thread_are_the_bytes_of_direct_writes);
	tcase_add_test(tw, test_flush_timer_with_every_output_off_does_nothing);
	tcase_add_test(
	    tw, test_seen_time_is_the_arrival_stamp_clamped_to_the_lines_before_and_the_read);
	tcase_add_test(tw, test_rules_reloaded_begin_a_pcapng_section_with_the_new_file);
	tcase_set_timeout(tw, 60);
	suite_add_tcase(s, tw);
	TCase *tp = tcase_create("pcap");
	tcase_add_test(tp, test_pcap_batches_write_every_piece_in_order_across_batch_ends);
	tcase_add_test(tp, test_pcap_batch_that_cannot_be_written_fails_and_is_emptied);
	suite_add_tcase(s, tp);
	return s;
}

int main(void)
{
	return synfin_run_suite(faultd_output_suite());
}
