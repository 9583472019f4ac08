/* faultd_output.c: synfin-faultd's trace outputs. trace/ formats each line; this file owns the
 * FILE*s and says when their bytes reach the kernel. */
#include "faultd_output.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#define PROG FAULTD_PROG

static FILE *open_output(const char *path, const char *what)
{
	FILE *f = fopen(path, "w");
	if (!f)
		fprintf(stderr, PROG ": cannot open %s file %s: %s\n", what, path, strerror(errno));
	return f;
}

int faultd_output_open(struct faultd_output *out, const struct faultd_options *opt)
{
	if (opt->text_path) {
		if (!(out->text = open_output(opt->text_path, "text trace")))
			return -1;
	} else if (!opt->quiet) {
		out->text = stdout;
		out->text_is_stdout = true;
	}
	if (opt->jsonl_path && !(out->jsonl = open_output(opt->jsonl_path, "JSON Lines")))
		return -1;
	if (opt->pcap_path) {
		if (!(out->pcap = open_output(opt->pcap_path, "pcap")))
			return -1;
		pcap_write_header(out->pcap);
		fflush(out->pcap);
	}
	out->text_seqs = trace_seqs_new();
	out->json_seqs = trace_seqs_new();
	if (!out->text_seqs || !out->json_seqs) {
		fprintf(stderr, PROG ": out of memory\n");
		return -1;
	}
	return 0;
}

void faultd_output_close(struct faultd_output *out)
{
	trace_seqs_free(out->text_seqs);
	trace_seqs_free(out->json_seqs);
	if (out->text && !out->text_is_stdout)
		fclose(out->text);
	if (out->jsonl)
		fclose(out->jsonl);
	if (out->pcap)
		fclose(out->pcap);
}

void faultd_output_event(struct faultd_output *out, const struct trace_event *ev)
{
	if (out->text) {
		trace_write_text(out->text, out->text_seqs, ev);
		fflush(out->text);
	}
	if (out->jsonl) {
		trace_write_json(out->jsonl, out->json_seqs, ev);
		fflush(out->jsonl);
	}
}

void faultd_output_packet(struct faultd_output *out, uint64_t time_us, const uint8_t *pkt,
                          size_t len)
{
	if (!out->pcap || !pkt)
		return;
	pcap_write_packet(out->pcap, time_us, pkt, len);
	fflush(out->pcap);
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
	fflush(out->text);
}
