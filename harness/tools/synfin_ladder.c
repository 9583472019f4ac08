/* synfin-ladder: draw a JSON Lines trace (synfin-faultd --jsonl) as a ladder diagram, client
 * on the left, server on the right: text (harness/trace/ladder.h) or SVG (ladder_svg.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/topology.h"
#include "tool_args.h"
#include "trace/ladder.h"
#include "trace/ladder_svg.h"
#include "trace/trace_read.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: synfin-ladder [--svg] [--client ADDR] [--server ADDR] TRACE.jsonl\n"
	        "  --svg          an SVG sequence diagram instead of text: arrows slanted by\n"
	        "                 time, drops ending in a cross, holds as long as they held\n"
	        "  --client ADDR  the host drawn on the left (default " TOPOLOGY_CLIENT_ADDR ")\n"
	        "  --server ADDR  the host drawn on the right (default: the client's first "
	        "peer)\n");
}

int main(int argc, char **argv)
{
	uint32_t client = TOPOLOGY_CLIENT_ADDR_U32, server = 0;
	const char *path = NULL;
	bool svg = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--svg") == 0) {
			svg = true;
		} else if ((strcmp(argv[i], "--client") == 0 || strcmp(argv[i], "--server") == 0) &&
		           i + 1 < argc) {
			uint32_t *which = argv[i][2] == 'c' ? &client : &server;
			if (trace_addr_parse(argv[i + 1], which)) {
				fprintf(stderr, "synfin-ladder: %s: not an IPv4 address\n",
				        argv[i + 1]);
				return 2;
			}
			i++;
		} else {
			int rc = tool_take_arg(argv[i], &path, usage);
			if (rc >= 0)
				return rc;
		}
	}
	if (tool_need_path(path, usage))
		return 2;
	struct trace_record *recs;
	size_t n;
	int err = trace_read_jsonl(path, &recs, &n);
	if (err) {
		fprintf(stderr, "synfin-ladder: %s: %s\n", path,
		        err == -EINVAL ? "a line is not a trace record" : strerror(-err));
		return 1;
	}
	err = svg ? ladder_svg_write(stdout, recs, n, client, server)
	          : ladder_write(stdout, recs, n, client, server);
	trace_records_free(recs, n);
	return err ? 1 : 0;
}
