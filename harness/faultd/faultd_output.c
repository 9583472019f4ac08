/* faultd_output.c: synfin-faultd's trace outputs. trace/ formats each line; this file owns the
 * FILE*s and says when their bytes reach the kernel. */
#include "faultd_output.h"

#include <errno.h>
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

static int pcapng_open(struct faultd_output *out, const struct faultd_options *opt)
{
	out->client_addr = opt->client_addr;
	if (!opt->pcapng_path)
		return 0;
	if (!(out->pcapng = open_output(opt->pcapng_path, "pcapng")))
		return -1;
	out->pcapng_live = is_live(out->pcapng);
	if (!out->pcapng_live)
		set_block_buffer(out->pcapng, &out->pcapng_buffer);
	char *rules = opt->rules_path ? read_rules_text(opt->rules_path) : NULL;
	struct pcapng_section s = {
	    .userappl = PROG,
	    .seed = opt->seed,
	    .rules_name = opt->rules_path,
	    .rules_text = rules,
	    .client_addr = opt->client_addr,
	};
	int rc = pcapng_write_header(out->pcapng, &s);
	free(rules);
	fflush(out->pcapng);
	if (rc != 0)
		fprintf(stderr, PROG ": cannot write the pcapng file %s: %s\n", opt->pcapng_path,
		        strerror(-rc));
	return rc;
}

static void pcapng_written(struct faultd_output *out)
{
	if (out->pcapng_live)
		fflush(out->pcapng);
	else
		out->dirty = true;
}

static void pcapng_event(struct faultd_output *out, const struct trace_event *ev)
{
	pcapng_write_event(out->pcapng, ev);
	pcapng_written(out);
}

static void pcapng_unjudged(struct faultd_output *out, uint64_t time_us, const struct nfq_packet *p,
                            const char *reason)
{
	pcapng_write_unjudged(out->pcapng, time_us, p->data, p->len, out->client_addr, reason);
	pcapng_written(out);
}

/* ---- opening and closing ---- */

int faultd_output_open(struct faultd_output *out, const struct faultd_options *opt)
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
		if (!out->pcap_live)
			set_block_buffer(out->pcap, &out->buffer[2]);
		pcap_write_header(out->pcap);
		fflush(out->pcap);
	}
	if (pcapng_open(out, opt) != 0)
		return -1;
	out->text_seqs = trace_seqs_new();
	out->json_seqs = trace_seqs_new();
	if (!out->text_seqs || !out->json_seqs) {
		fprintf(stderr, PROG ": out of memory\n");
		return -1;
	}
	return 0;
}

static void flush_one(struct faultd_output *out, FILE *f, const char *what)
{
	if (!f || fflush(f) == 0 || out->write_error_said)
		return;
	/* the trace is what the user came for: say once that it is incomplete */
	fprintf(stderr, PROG ": writing the %s: %s; later events may be missing too\n", what,
	        strerror(errno));
	out->write_error_said = true;
}

void faultd_output_flush(struct faultd_output *out)
{
	flush_one(out, out->text, "text trace");
	flush_one(out, out->jsonl, "JSON Lines trace");
	flush_one(out, out->pcap, "pcap");
	flush_one(out, out->pcapng, "pcapng");
	out->dirty = false;
}

static void on_flush_timer(struct event_loop *loop, uint64_t now_ns, void *arg)
{
	(void)loop, (void)now_ns;
	struct faultd_output *out = arg;
	out->flush_timer = 0;
	faultd_output_flush(out);
}

void faultd_output_schedule_flush(struct faultd_output *out, struct event_loop *loop)
{
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
	faultd_output_flush(out);
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

void faultd_output_event(struct faultd_output *out, const struct trace_event *ev)
{
	if (out->pcapng)
		pcapng_event(out, ev);
	if (out->text && out->jsonl) {
		trace_write_text_and_json(out->text, out->jsonl, out->text_seqs, ev);
		out->dirty = true;
		return;
	}
	if (out->text) {
		trace_write_text(out->text, out->text_seqs, ev);
		out->dirty = true;
	}
	if (out->jsonl) {
		trace_write_json(out->jsonl, out->json_seqs, ev);
		out->dirty = true;
	}
}

void faultd_output_kernel_drop(struct faultd_output *out, uint64_t time_us, const char *note)
{
	if (out->text) {
		trace_write_kernel_drop_text(out->text, time_us, note);
		out->dirty = true;
	}
	if (out->jsonl) {
		trace_write_kernel_drop_json(out->jsonl, time_us, note);
		out->dirty = true;
	}
}

void faultd_output_packet(struct faultd_output *out, uint64_t time_us, const uint8_t *pkt,
                          size_t len)
{
	if (!out->pcap || !pkt)
		return;
	pcap_write_packet(out->pcap, time_us, pkt, len);
	if (out->pcap_live)
		fflush(out->pcap);
	else
		out->dirty = true;
}

static void print_time(FILE *f, uint64_t time_us)
{
	time_t secs = (time_t)(time_us / 1000000u);
	struct tm tm;
	localtime_r(&secs, &tm);
	fprintf(f, "%02d:%02d:%02d.%06u", tm.tm_hour, tm.tm_min, tm.tm_sec,
	        (unsigned)(time_us % 1000000u));
}

/* The JSON trace carries TCP segments only (its schema has no place for these); the pcap has
 * every packet. */
void faultd_output_unjudged(struct faultd_output *out, uint64_t time_us, const struct nfq_packet *p,
                            const char *reason)
{
	if (out->pcapng && p->data)
		pcapng_unjudged(out, time_us, p, reason);
	if (!out->text)
		return;
	print_time(out->text, time_us);
	const uint8_t *ip = p->data;
	if (ip && p->len >= 20 && ip[0] >> 4 == 4) {
		/* enough of an IPv4 header to say who sent it */
		char src[16], dst[16];
		trace_addr_str(src, sizeof(src),
		               (uint32_t)ip[12] << 24 | ip[13] << 16 | ip[14] << 8 | ip[15]);
		trace_addr_str(dst, sizeof(dst),
		               (uint32_t)ip[16] << 24 | ip[17] << 16 | ip[18] << 8 | ip[19]);
		fprintf(out->text, " IP %s > %s: proto %u, %zu bytes  pass (%s)\n", src, dst, ip[9],
		        p->len, reason);
	} else {
		fprintf(out->text, " packet of %zu bytes (ethertype 0x%04x)  pass (%s)\n", p->len,
		        p->hw_protocol, reason);
	}
	out->dirty = true;
}

void faultd_output_note(struct faultd_output *out, uint64_t time_us, const char *text)
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
	out->dirty = true;
}
