/* synfin-pcap-print: print the TCP segments of a pcap file as `tcpdump -n -r FILE` does (with
 * -S as `tcpdump -n -S -r FILE`), using the trace printer; a quick check that a trace and a
 * capture agree. Packets other than TCP over IPv4 or IPv6 are counted on stderr, not printed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool_args.h"
#include "trace/trace.h"
#include "wire/segment.h"

struct printer {
	struct trace_seqs *seqs;
	int relative;
	unsigned long skipped;
};

static int print_packet(void *ctx, uint64_t time_us, const uint8_t *pkt, size_t len)
{
	struct printer *p = ctx;
	struct segment seg;
	if (segment_parse(&seg, pkt, len) != 0) {
		p->skipped++;
		return 0;
	}
	char *line = trace_format_tcpdump_alloc(p->seqs, p->relative, time_us, &seg, NULL, NULL);
	if (!line)
		return -ENOMEM;
	puts(line);
	free(line);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: synfin-pcap-print FILE.pcap [-S]\n"
	        "  prints each TCP packet (IPv4 or IPv6) as tcpdump -n prints it (-S: absolute\n"
	        "  seq/ack);\n"
	        "  times are local (set TZ=UTC for UTC)\n");
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	struct printer p = {.relative = 1};
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-S") == 0) {
			p.relative = 0;
		} else {
			int rc = tool_take_arg(argv[i], &path, usage);
			if (rc >= 0)
				return rc;
		}
	}
	if (tool_need_path(path, usage))
		return 2;
	p.seqs = trace_seqs_new();
	if (!p.seqs)
		return 1;
	int err = pcap_read_file(path, print_packet, &p);
	trace_seqs_free(p.seqs);
	if (p.skipped)
		fprintf(stderr, "synfin-pcap-print: %lu packet(s) not TCP, not shown\n", p.skipped);
	if (err) {
		fprintf(stderr, "synfin-pcap-print: %s: %s\n", path,
		        err == -EINVAL ? "not a valid pcap file (or cut short)" : strerror(-err));
		return 1;
	}
	return 0;
}
