/* faultd_output.c: synfin-faultd's trace outputs. trace/ formats each line; this file owns the
 * FILE*s, says when their bytes reach the kernel, and carries each event from the daemon's
 * thread to the writer's (faultd_writer.h) as one record: a fixed header and the packet, then a
 * string (the rule file, a note). */
#include "faultd_output.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/event_loop.h"
#include "trace/pcapng.h"

#define PROG FAULTD_PROG

static FILE *open_output(const char *path, const char *what)
{
	FILE *f = fopen(path, "w");
	if (!f)
		fprintf(stderr, PROG ": cannot open %s file %s: %s\n", what, path, strerror(errno));
	return f;
}

/* A regular file is read after the run (or tailed, at the flush interval's pace); anything
 * else may have a reader waiting for each line. */
static bool is_live(FILE *f)
{
	struct stat st;
	return fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode);
}

/* A buffer of our own: given none, glibc keeps st_blksize (4 KiB), and writes that small make
 * ext4 zero the partial blocks of each one, which cost more than the data's own copy. */
static void set_block_buffer(FILE *f, char **buffer)
{
	*buffer = malloc(FAULTD_OUTPUT_BUFFER);
	if (*buffer)
		setvbuf(f, *buffer, _IOFBF, FAULTD_OUTPUT_BUFFER);
}

/* Before the stream's first write, as setvbuf requires. */
static void set_buffering(FILE *f, char **buffer)
{
	if (is_live(f))
		setvbuf(f, NULL, _IOLBF, BUFSIZ);
	else
		set_block_buffer(f, buffer);
}

/* ---- pcapng (--pcapng) ---- */

/* The rule file's text for the section header: read again, as the daemon's parser read it a
 * moment ago. NULL when it cannot be (the header says so). */
static char *read_rules_text(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *text = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&text, &size);
	char chunk[4096];
	size_t n;
	while (mem && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, mem);
	bool ok = mem && !ferror(f) && fclose(mem) == 0;
	fclose(f);
	if (!ok) {
		free(text);
		return NULL;
	}
	return text;
}

/* A section header: the run's first (reloaded_us 0), or the one after a reload. */
static int pcapng_section(struct faultd_output *out, const char *rules, uint64_t reloaded_us)
{
	struct pcapng_section s = {
	    .userappl = PROG,
	    .seed = out->seed,
	    .rules_name = out->rules_path,
	    .rules_text = rules,
	    .client_addr = out->client_addr,
	    .reloaded_us = reloaded_us,
	};
	int rc = pcapng_write_header(out->pcapng, &s);
	out->pcapng_ipv6 = false; /* each section declares its interfaces again */
	if (out->pcapng_live)
		fflush(out->pcapng);
	return rc;
}

static int pcapng_open(struct faultd_output *out, const struct faultd_options *opt)
{
	out->client_addr = opt->client_addr;
	memcpy(out->client_addr6, opt->client_addr6, 16);
	out->seed = opt->seed;
	out->rules_path = opt->rules_path;
	if (!opt->pcapng_path)
		return 0;
	if (!(out->pcapng = open_output(opt->pcapng_path, "pcapng")))
		return -1;
	out->pcapng_live = is_live(out->pcapng);
	if (!out->pcapng_live)
		set_block_buffer(out->pcapng, &out->pcapng_buffer);
	char *rules = opt->rules_path ? read_rules_text(opt->rules_path) : NULL;
	int rc = pcapng_section(out, rules, 0);
	free(rules);
	fflush(out->pcapng);
	if (rc != 0)
		fprintf(stderr, PROG ": cannot write the pcapng file %s: %s\n", opt->pcapng_path,
		        strerror(-rc));
	return rc;
}

/* ---- the records ---- */

enum out_record_type {
	REC_PACKET,      /* the pcap only */
	REC_EVENT,       /* a segment's event (faultd_output_event) */
	REC_UNJUDGED,    /* faultd_output_unjudged */
	REC_NOTE,        /* faultd_output_note */
	REC_KERNEL_DROP, /* faultd_output_kernel_drop */
	REC_SECTION,     /* faultd_output_rules_reloaded: the rule file's text, when read */
};

#define NO_OFFSET UINT32_MAX
/* Live outputs pass each record through at once: the ring need only take the largest (a
 * 64 KiB packet and its string; a record may use a quarter of the ring). */
#define INLINE_RING (512u * 1024u)
/* room left after a pcap record for the string of the event that may join it */
#define JOIN_ROOM 256u

/* What the writer's thread needs to write the event exactly as the daemon's thread would
 * have: nothing in it points outside the record (the packet buffer is reused, the rules may be
 * reloaded meanwhile). Followed by pkt_len bytes of packet, then str_len bytes of string. */
/* What the text trace's verdict says of a rule besides its place: the action and its words
 * (SET win 0, STRIP sack, CORRUPT payload checksum bad, DUPLICATE 2, RESET, kept, HOLD
 * reorder 3). The rule
 * itself may be gone by the time the writer formats the line (a SIGHUP swaps the rules). */
struct rule_words {
	uint8_t action, set_field, strip, corrupt;
	bool corrupt_fixed, reset_keep;
	uint16_t set_value;
	uint32_t dup_copies;
	uint32_t reorder_after;
};

static struct rule_words words_of(const struct rule *r)
{
	return (struct rule_words){.action = (uint8_t)r->action,
	                           .set_field = (uint8_t)r->set_field,
	                           .strip = (uint8_t)r->strip,
	                           .corrupt = (uint8_t)r->corrupt,
	                           .corrupt_fixed = r->corrupt_fixed,
	                           .reset_keep = r->reset_keep,
	                           .set_value = r->set_value,
	                           .dup_copies = r->dup_copies,
	                           .reorder_after = r->reorder_after};
}

static struct rule rule_of(uint32_t index, uint32_t line, const struct rule_words *w)
{
	return (struct rule){.index = index,
	                     .line = line,
	                     .action = (enum rule_action)w->action,
	                     .set_field = (enum rule_set_field)w->set_field,
	                     .strip = (enum rule_strip_option)w->strip,
	                     .corrupt = (enum rule_corrupt_region)w->corrupt,
	                     .corrupt_fixed = w->corrupt_fixed,
	                     .reset_keep = w->reset_keep,
	                     .set_value = w->set_value,
	                     .dup_copies = w->dup_copies,
	                     .reorder_after = w->reorder_after};
}

struct out_record {
	uint8_t type;
	bool pcap; /* the packet goes to the pcap too (pcap_header) */
	bool has_data;
	bool has_rule;
	bool has_rule_file; /* the string is the rule file's name */
	uint8_t kind;
	uint16_t hw_protocol;
	uint32_t pkt_len;
	uint32_t str_len; /* its NUL included; 0: no string */
	uint32_t options_off, payload_off;
	uint32_t action, delay_us;
	bool queue_full;
	uint32_t rule_index, rule_line;
	struct rule_words words;
	char dir[8];
	uint32_t pcap_caplen; /* the packet's bytes in the pcap record */
	uint64_t time_us;
	uint64_t held_us;
	uint32_t released_after, released_quiet_us;
	uint64_t len; /* REC_UNJUDGED: the packet's length (pkt_len: the bytes kept of it) */
	struct segment seg;
	/* last, so that with the packet after it this is the pcap record as the file has it */
	uint8_t pcap_header[PCAP_RECORD_HEADER];
};
_Static_assert(offsetof(struct out_record, pcap_header) + PCAP_RECORD_HEADER ==
                   sizeof(struct out_record),
               "the pcap header must end where the packet begins");

static uint32_t offset_in(const uint8_t *p, const uint8_t *pkt, size_t len)
{
	return p && pkt && p >= pkt && p <= pkt + len ? (uint32_t)(p - pkt) : NO_OFFSET;
}

static const uint8_t *at_offset(const uint8_t *pkt, uint32_t off)
{
	return off == NO_OFFSET ? NULL : pkt + off;
}

static uint8_t *record_packet(struct out_record *r)
{
	return (uint8_t *)(r + 1);
}

static char *record_string(struct out_record *r)
{
	return (char *)record_packet(r) + r->pkt_len;
}

/* A fresh record with room for pkt_len bytes of packet (copied from pkt) and str_len of
 * string; NULL when it could never fit the ring. */
static struct out_record *new_record(struct faultd_output *out, enum out_record_type type,
                                     const uint8_t *pkt, size_t pkt_len, size_t str_len)
{
	struct out_record *r = faultd_writer_reserve(&out->writer, sizeof(*r) + pkt_len + str_len);
	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->type = (uint8_t)type;
	r->pkt_len = (uint32_t)pkt_len;
	r->str_len = (uint32_t)str_len;
	if (pkt_len)
		memcpy(record_packet(r), pkt, pkt_len);
	return r;
}

static void set_string(struct out_record *r, const char *s, size_t len)
{
	r->str_len = (uint32_t)len;
	if (len)
		memcpy(record_string(r), s, len);
}

/* The records so far go to the writer. */
static void publish(struct faultd_output *out)
{
	out->pending = NULL;
	faultd_writer_publish(&out->writer, false);
	out->dirty = true;
}

static void settle(struct faultd_output *out)
{
	if (out->pending)
		publish(out);
}

/* The pending pcap record, when it holds this very packet and has room for str_len bytes of
 * string; otherwise it is handed over as it is and NULL returned. */
static struct out_record *join_pending(struct faultd_output *out, const uint8_t *pkt, size_t len,
                                       uint64_t time_us, size_t str_len)
{
	struct out_record *r = out->pending;
	if (r && pkt == out->pending_pkt && len == out->pending_len &&
	    time_us == out->pending_time && str_len <= JOIN_ROOM)
		return r;
	settle(out);
	return NULL;
}

/* ---- the writer's side ---- */

static void write_event(struct faultd_output *out, const struct trace_event *ev)
{
	if (out->text && out->jsonl) {
		trace_write_text_and_json(out->text, out->jsonl, out->text_seqs, ev);
		return;
	}
	if (out->text)
		trace_write_text(out->text, out->text_seqs, ev);
	if (out->jsonl)
		trace_write_json(out->jsonl, out->json_seqs, ev);
}

static void write_event_record(struct faultd_output *out, const struct out_record *r,
                               const uint8_t *pkt, const char *str)
{
	struct segment seg = r->seg;
	seg.options = at_offset(pkt, r->options_off);
	seg.payload = at_offset(pkt, r->payload_off);
	struct rule rule = rule_of(r->rule_index, r->rule_line, &r->words);
	struct trace_event ev = {
	    .kind = (enum trace_kind)r->kind,
	    .time_us = r->time_us,
	    .pkt = pkt,
	    .len = r->pkt_len,
	    .seg = &seg,
	    .verdict = {.action = (enum rule_action)r->action,
	                .delay_us = r->delay_us,
	                .rule = r->has_rule ? &rule : NULL,
	                .queue_full = r->queue_full},
	    .held_us = r->held_us,
	    .released_after = r->released_after,
	    .released_quiet_us = r->released_quiet_us,
	    .rule_file = r->has_rule_file ? str : NULL,
	    .dir = r->dir,
	};
	write_event(out, &ev);
	if (out->pcapng) {
		if (!out->pcapng_ipv6 && pcapng_is_ipv6(ev.pkt, ev.len))
			out->pcapng_ipv6 =
			    pcapng_write_ipv6_interfaces(out->pcapng, out->client_addr6) == 0;
		pcapng_write_event(out->pcapng, &ev);
		if (out->pcapng_live)
			fflush(out->pcapng);
	}
}

static void print_time(FILE *f, uint64_t time_us)
{
	time_t secs = (time_t)(time_us / 1000000u);
	struct tm tm;
	localtime_r(&secs, &tm);
	fprintf(f, "%02d:%02d:%02d.%06u", tm.tm_hour, tm.tm_min, tm.tm_sec,
	        (unsigned)(time_us % 1000000u));
}

static void write_unjudged(FILE *text, const struct out_record *r, const uint8_t *ip,
                           const char *reason)
{
	print_time(text, r->time_us);
	if (ip && r->len >= 20 && ip[0] >> 4 == 4) {
		/* enough of an IPv4 header to say who sent it */
		char src[16], dst[16];
		trace_addr_str(src, sizeof(src),
		               (uint32_t)ip[12] << 24 | ip[13] << 16 | ip[14] << 8 | ip[15]);
		trace_addr_str(dst, sizeof(dst),
		               (uint32_t)ip[16] << 24 | ip[17] << 16 | ip[18] << 8 | ip[19]);
		fprintf(text, " IP %s > %s: proto %u, %zu bytes  pass (%s)\n", src, dst, ip[9],
		        (size_t)r->len, reason);
	} else if (ip && r->len >= 40 && ip[0] >> 4 == 6) {
		char src[46], dst[46];
		struct ip_addr a;
		memcpy(a.b, ip + 8, 16);
		trace_ip_addr_str(src, sizeof(src), &a);
		memcpy(a.b, ip + 24, 16);
		trace_ip_addr_str(dst, sizeof(dst), &a);
		fprintf(text, " IP6 %s > %s: next-header %u, %zu bytes  pass (%s)\n", src, dst,
		        ip[6], (size_t)r->len, reason);
	} else {
		fprintf(text, " packet of %zu bytes (ethertype 0x%04x)  pass (%s)\n",
		        (size_t)r->len, r->hw_protocol, reason);
	}
}

static void write_note(struct faultd_output *out, uint64_t time_us, const char *text)
{
	if (out->text) {
		for (const char *p = text; *p;) {
			size_t n = strcspn(p, "\n");
			fprintf(out->text, "# %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
	if (out->jsonl)
		trace_write_json_note(out->jsonl, time_us, text);
}

/* A failed write is said once: the trace is what the user came for, and it is incomplete. */
static void say_write_error(struct faultd_output *out, const char *what, int err)
{
	if (out->write_error_said)
		return;
	fprintf(stderr, PROG ": writing the %s: %s; later events may be missing too\n", what,
	        strerror(-err));
	out->write_error_said = true;
}

static void write_pcap(struct faultd_output *out, const struct out_record *r)
{
	size_t len = PCAP_RECORD_HEADER + r->pcap_caplen;
	if (out->pcap_direct) {
		int err = faultd_pcap_add(&out->pcap_batch, r->pcap_header, len);
		if (err)
			say_write_error(out, "pcap", err);
		return;
	}
	fwrite(r->pcap_header, 1, len, out->pcap);
	if (out->pcap_live)
		fflush(out->pcap);
}

/* The ring's room is given back next: the pcap's pieces of it go to the file first. */
static void before_release(void *ctx)
{
	struct faultd_output *out = ctx;
	int err = out->pcap_direct ? faultd_pcap_write(&out->pcap_batch) : 0;
	if (err)
		say_write_error(out, "pcap", err);
}

static void write_record(void *ctx, const void *rec, size_t len)
{
	(void)len;
	struct faultd_output *out = ctx;
	const struct out_record *r = rec;
	const uint8_t *pkt = (const uint8_t *)(r + 1);
	const char *str = r->str_len ? (const char *)pkt + r->pkt_len : "";
	if (r->pcap)
		write_pcap(out, r);
	switch ((enum out_record_type)r->type) {
	case REC_EVENT:
		write_event_record(out, r, pkt, str);
		break;
	case REC_UNJUDGED:
		if (out->text)
			write_unjudged(out->text, r, r->has_data ? pkt : NULL, str);
		if (out->pcapng && r->has_data) {
			pcapng_write_unjudged(out->pcapng, r->time_us, pkt, r->pkt_len,
			                      out->client_addr, str);
			if (out->pcapng_live)
				fflush(out->pcapng);
		}
		break;
	case REC_NOTE:
		write_note(out, r->time_us, str);
		break;
	case REC_KERNEL_DROP:
		if (out->text)
			trace_write_kernel_drop_text(out->text, r->time_us, str);
		if (out->jsonl)
			trace_write_kernel_drop_json(out->jsonl, r->time_us, str);
		break;
	case REC_SECTION:
		if (out->pcapng && pcapng_section(out, r->has_data ? str : NULL, r->time_us) != 0 &&
		    !out->write_error_said) {
			fprintf(stderr,
			        PROG ": writing the pcapng's section after a reload failed\n");
			out->write_error_said = true;
		}
		break;
	case REC_PACKET:
	default:
		break;
	}
}

static void flush_one(struct faultd_output *out, FILE *f, const char *what)
{
	if (f && fflush(f) != 0)
		say_write_error(out, what, -errno);
}

static void flush_files(void *ctx)
{
	struct faultd_output *out = ctx;
	flush_one(out, out->text, "text trace");
	flush_one(out, out->jsonl, "JSON Lines trace");
	flush_one(out, out->pcap, "pcap");
	flush_one(out, out->pcapng, "pcapng");
}

/* ---- opening, flushing, closing ---- */

static int open_files(struct faultd_output *out, const struct faultd_options *opt)
{
	if (opt->text_path) {
		if (!(out->text = open_output(opt->text_path, "text trace")))
			return -1;
	} else if (!opt->quiet) {
		out->text = stdout;
		out->text_is_stdout = true;
	}
	if (out->text)
		set_buffering(out->text, &out->buffer[0]);
	if (opt->jsonl_path) {
		if (!(out->jsonl = open_output(opt->jsonl_path, "JSON Lines")))
			return -1;
		set_buffering(out->jsonl, &out->buffer[1]);
	}
	if (opt->pcap_path) {
		if (!(out->pcap = open_output(opt->pcap_path, "pcap")))
			return -1;
		out->pcap_live = is_live(out->pcap);
	}
	return 0;
}

/* The pcap's header, and the way its records go: straight from the ring with writev when the
 * writer's thread writes them in batches; through a stdio buffer when each record is written
 * as it is published (another output is live), where a writev would be a system call per
 * packet. */
static void pcap_start(struct faultd_output *out, bool threaded)
{
	if (!out->pcap)
		return;
	out->pcap_direct = threaded;
	if (!out->pcap_live && !out->pcap_direct)
		set_block_buffer(out->pcap, &out->buffer[2]);
	pcap_write_header(out->pcap);
	fflush(out->pcap);
	faultd_pcap_init(&out->pcap_batch, fileno(out->pcap));
}

/* The files the writer's thread writes are touched by no other thread while it runs (this
 * one writes their headers before it starts and closes them after it ends), so their stdio
 * locks, taken by every fwrite (four or more per packet), guard nothing. Standard output keeps
 * its lock: the process may write to it from anywhere. */
static void writer_owns_files(struct faultd_output *out)
{
	FILE *files[] = {out->text_is_stdout ? NULL : out->text, out->jsonl, out->pcap,
	                 out->pcapng};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (files[i])
			__fsetlocking(files[i], FSETLOCKING_BYCALLER);
}

int faultd_output_open(struct faultd_output *out, const struct faultd_options *opt)
{
	if (open_files(out, opt) != 0 || pcapng_open(out, opt) != 0)
		return -1;
	out->text_seqs = trace_seqs_new();
	out->json_seqs = trace_seqs_new();
	if (!out->text_seqs || !out->json_seqs) {
		fprintf(stderr, PROG ": out of memory\n");
		return -1;
	}
	out->any = out->text || out->jsonl || out->pcap || out->pcapng;
	if (!out->any)
		return 0;
	/* A reader waiting live for each line gets it as the packet is judged, from this
	 * thread; files can wait for another thread. */
	bool live = (out->text && is_live(out->text)) || (out->jsonl && is_live(out->jsonl)) ||
	            out->pcap_live || out->pcapng_live;
	if (!live)
		writer_owns_files(out);
	pcap_start(out, !live);
	static const struct faultd_writer_ops ops = {write_record, before_release, flush_files};
	int err = live ? faultd_writer_start_inline(&out->writer, INLINE_RING, &ops, out)
	               : faultd_writer_start(&out->writer, FAULTD_OUTPUT_RING, &ops, out);
	if (err) {
		fprintf(stderr, PROG ": starting the trace writer: %s\n", strerror(-err));
		out->any = false;
		return -1;
	}
	return 0;
}

void faultd_output_flush(struct faultd_output *out)
{
	if (out->any) {
		settle(out);
		faultd_writer_flush(&out->writer, true);
	}
	out->dirty = false;
}

static void on_flush_timer(struct event_loop *loop, uint64_t now_ns, void *arg)
{
	(void)loop, (void)now_ns;
	struct faultd_output *out = arg;
	out->flush_timer = 0;
	out->dirty = false;
	if (!out->any) /* a note with every output off */
		return;
	/* the writer's thread writes them; the daemon's goes on with the packets */
	settle(out);
	faultd_writer_flush(&out->writer, false);
}

void faultd_output_schedule_flush(struct faultd_output *out, struct event_loop *loop)
{
	settle(out);
	if (!out->dirty || out->flush_timer > 0)
		return;
	uint64_t at = event_loop_now(loop) + (uint64_t)FAULTD_OUTPUT_FLUSH_MS * 1000000u;
	long id = event_loop_timer_at(loop, at, on_flush_timer, out);
	if (id > 0)
		out->flush_timer = id;
	else
		faultd_output_flush(out); /* no timer: flush every turn rather than keep bytes */
}

void faultd_output_close(struct faultd_output *out)
{
	if (out->any) {
		settle(out);
		faultd_writer_stop(&out->writer);
		const struct faultd_writer_stats *st = &out->writer.stats;
		if (st->full_waits)
			fprintf(stderr,
			        PROG ": the trace writer fell behind: %" PRIu64
			             " events waited for "
			             "room in its ring, %.3f ms in all\n",
			        st->full_waits, (double)st->full_wait_ns / 1e6);
	} else {
		flush_files(out);
	}
	trace_seqs_free(out->text_seqs);
	trace_seqs_free(out->json_seqs);
	if (out->text && !out->text_is_stdout)
		fclose(out->text);
	if (out->jsonl)
		fclose(out->jsonl);
	if (out->pcap)
		fclose(out->pcap);
	if (out->pcapng)
		fclose(out->pcapng);
	free(out->pcapng_buffer);
	/* standard output is flushed again at exit, from its buffer: that one stays */
	for (int i = out->text_is_stdout ? 1 : 0; i < 3; i++)
		free(out->buffer[i]);
}

/* ---- the daemon's side ---- */

uint64_t faultd_output_seen_time(const struct faultd_output *out, uint64_t arrival_us,
                                 uint64_t read_us)
{
	uint64_t t = arrival_us && arrival_us < read_us ? arrival_us : read_us;
	return t < out->last_time_us ? out->last_time_us : t;
}

/* Every time an output is given moves the floor of faultd_output_seen_time. */
static void given_time(struct faultd_output *out, uint64_t time_us)
{
	if (time_us > out->last_time_us)
		out->last_time_us = time_us;
}

void faultd_output_event(struct faultd_output *out, const struct trace_event *ev)
{
	given_time(out, ev->time_us);
	if (!out->text && !out->jsonl && !out->pcapng)
		return;
	size_t str_len = ev->rule_file ? strlen(ev->rule_file) + 1 : 0;
	struct out_record *r = join_pending(out, ev->pkt, ev->len, ev->time_us, str_len);
	if (r)
		set_string(r, ev->rule_file, str_len);
	else if (!(r = new_record(out, REC_EVENT, ev->pkt, ev->len, str_len)))
		return;
	else
		set_string(r, ev->rule_file, str_len);
	const uint8_t *pkt = ev->pkt;
	r->type = REC_EVENT;
	r->kind = (uint8_t)ev->kind;
	r->time_us = ev->time_us;
	r->seg = *ev->seg;
	r->options_off = offset_in(ev->seg->options, pkt, ev->len);
	r->payload_off = offset_in(ev->seg->payload, pkt, ev->len);
	r->action = (uint32_t)ev->verdict.action;
	r->delay_us = ev->verdict.delay_us;
	r->queue_full = ev->verdict.queue_full;
	if ((r->has_rule = ev->verdict.rule != NULL)) {
		r->rule_index = ev->verdict.rule->index;
		r->rule_line = ev->verdict.rule->line;
		r->words = words_of(ev->verdict.rule);
	}
	r->has_rule_file = ev->rule_file != NULL;
	r->held_us = ev->held_us;
	r->released_after = ev->released_after;
	r->released_quiet_us = ev->released_quiet_us;
	/* as record_fields in trace_json.c keeps it: at most 7 characters */
	const char *dir = ev->dir ? ev->dir : "other";
	memcpy(r->dir, dir, strnlen(dir, sizeof(r->dir) - 1));
	publish(out);
}

/* A record of a string alone, not handed over yet; NULL when it could never fit the ring. */
static struct out_record *string_record(struct faultd_output *out, enum out_record_type type,
                                        uint64_t time_us, const char *s)
{
	size_t len = strlen(s) + 1;
	settle(out);
	struct out_record *r = new_record(out, type, NULL, 0, len);
	if (r) {
		set_string(r, s, len);
		r->time_us = time_us;
	}
	return r;
}

static void write_string_record(struct faultd_output *out, enum out_record_type type,
                                uint64_t time_us, const char *s)
{
	if (string_record(out, type, time_us, s))
		publish(out);
}

void faultd_output_kernel_drop(struct faultd_output *out, uint64_t time_us, const char *note)
{
	given_time(out, time_us);
	if (out->text || out->jsonl)
		write_string_record(out, REC_KERNEL_DROP, time_us, note);
}

void faultd_output_packet(struct faultd_output *out, uint64_t time_us, const uint8_t *pkt,
                          size_t len)
{
	given_time(out, time_us);
	if (!out->pcap || !pkt)
		return;
	settle(out);
	struct out_record *r = new_record(out, REC_PACKET, pkt, len, JOIN_ROOM);
	if (!r)
		return;
	r->str_len = 0;
	r->pcap = true;
	r->pcap_caplen = (uint32_t)pcap_record_header(r->pcap_header, time_us, len);
	/* handed over with the event about it, or at the next call */
	out->pending = r;
	out->pending_pkt = pkt;
	out->pending_len = len;
	out->pending_time = time_us;
	out->dirty = true;
}

/* The JSON trace carries TCP segments only (its schema has no place for these); the pcap has
 * every packet. */
void faultd_output_unjudged(struct faultd_output *out, uint64_t time_us, const struct nfq_packet *p,
                            const char *reason)
{
	given_time(out, time_us);
	if (!out->text && !out->pcapng)
		return;
	size_t str_len = strlen(reason) + 1;
	struct out_record *r = join_pending(out, p->data, p->len, time_us, str_len);
	if (!r) {
		/* the first 20 bytes say all the text line says; the pcapng keeps the packet */
		size_t keep = p->data ? (p->len < 20 || out->pcapng ? p->len : 20) : 0;
		if (!(r = new_record(out, REC_UNJUDGED, p->data, keep, str_len)))
			return;
	}
	set_string(r, reason, str_len);
	r->type = REC_UNJUDGED;
	r->has_data = p->data != NULL;
	r->time_us = time_us;
	r->len = p->len;
	r->hw_protocol = p->hw_protocol;
	publish(out);
}

/* An option holds no more (pcapng.h): a longer file is cut there in the header anyway. */
#define SECTION_RULES_MAX 65535u

void faultd_output_rules_reloaded(struct faultd_output *out, uint64_t time_us)
{
	given_time(out, time_us);
	if (!out->pcapng)
		return;
	char *rules = out->rules_path ? read_rules_text(out->rules_path) : NULL;
	if (rules && strlen(rules) > SECTION_RULES_MAX)
		rules[SECTION_RULES_MAX] = '\0';
	struct out_record *r = string_record(out, REC_SECTION, time_us, rules ? rules : "");
	if (r) {
		r->has_data = rules != NULL;
		publish(out);
	}
	free(rules);
}

void faultd_output_note(struct faultd_output *out, uint64_t time_us, const char *text)
{
	given_time(out, time_us);
	if (out->text || out->jsonl)
		write_string_record(out, REC_NOTE, time_us, text);
	out->dirty = true;
}
