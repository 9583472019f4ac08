/* synfin-ladder: draw a JSON Lines trace (synfin-faultd --jsonl) as a ladder diagram, client
 * on the left, server on the right: text (harness/trace/ladder.h) or SVG (ladder_svg.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/topology.h"
#include "tool_args.h"
#include "trace/ladder.h"
#include "trace/ladder_svg.h"
#include "trace/trace_read.h"

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: synfin-ladder [--svg [--client-events FILE] [--server-events FILE]]\n"
	    "                     [--client ADDR] [--server ADDR] TRACE.jsonl\n"
	    "  --svg          an SVG sequence diagram instead of text: arrows slanted by\n"
	    "                 time, drops ending in a cross, holds as long as they held\n"
	    "  --client-events FILE, --server-events FILE\n"
	    "                 an endpoint's JSON Lines (synfin-peer and synfin-kpeer --jsonl):\n"
	    "                 its TCP states and application events beside its lifeline\n"
	    "  --client ADDR  the host drawn on the left, IPv4 or IPv6 "
	    "(default " TOPOLOGY_CLIENT_ADDR ",\n"
	    "                 or " TOPOLOGY_CLIENT_ADDR6
	    " when the trace has no segment of the first)\n"
	    "  --server ADDR  the host drawn on the right (default: the client's first "
	    "peer)\n");
}

struct notes {
	struct ladder_side_note *v;
	size_t n, cap;
	bool client;
};

struct note_fields {
	double t;
	char event[16];
	char what[32]; /* an application event's */
	char to[32];   /* a state change's new state */
};

static int note_member(void *arg, const char *key, char **str, const char *num)
{
	struct note_fields *f = arg;
	if (strcmp(key, "t") == 0 && num)
		f->t = strtod(num, NULL);
	else if (strcmp(key, "event") == 0 && *str)
		snprintf(f->event, sizeof(f->event), "%s", *str);
	else if (strcmp(key, "what") == 0 && *str)
		snprintf(f->what, sizeof(f->what), "%s", *str);
	else if (strcmp(key, "to") == 0 && *str)
		snprintf(f->to, sizeof(f->to), "%s", *str);
	return 0;
}

/* An endpoint's state changes and application events (but its last words: done, exit). */
static int read_notes(const char *path, struct notes *nt)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	char line[4096];
	int err = 0;
	while (!err && fgets(line, sizeof(line), f)) {
		struct note_fields fl = {0};
		if (trace_json_object_parse(line, note_member, &fl) != 0)
			continue;
		bool state = strcmp(fl.event, "state") == 0;
		const char *text = state ? fl.to : fl.what;
		if ((!state && strcmp(fl.event, "app") != 0) || !text[0] ||
		    strcmp(text, "done") == 0 || strcmp(text, "exit") == 0)
			continue;
		if (nt->n == nt->cap) {
			size_t cap = nt->cap ? nt->cap * 2 : 32;
			struct ladder_side_note *v = realloc(nt->v, cap * sizeof(*v));
			if (!v) {
				err = -ENOMEM;
				break;
			}
			nt->v = v;
			nt->cap = cap;
		}
		struct ladder_side_note *note = &nt->v[nt->n++];
		note->time_us = (uint64_t)(fl.t * 1e6 + 0.5);
		note->client = nt->client;
		note->state = state;
		snprintf(note->text, sizeof(note->text), "%s", text);
	}
	fclose(f);
	return err;
}

int main(int argc, char **argv)
{
	struct ip_addr client = ip_addr_from_ipv4(TOPOLOGY_CLIENT_ADDR_U32), server;
	bool client_given = false, server_given = false;
	const char *path = NULL;
	bool svg = false;
	const char *events[2] = {NULL, NULL}; /* the client's, the server's */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--svg") == 0) {
			svg = true;
		} else if ((strcmp(argv[i], "--client-events") == 0 ||
		            strcmp(argv[i], "--server-events") == 0) &&
		           i + 1 < argc) {
			events[argv[i][2] == 'c' ? 0 : 1] = argv[i + 1];
			i++;
		} else if ((strcmp(argv[i], "--client") == 0 || strcmp(argv[i], "--server") == 0) &&
		           i + 1 < argc) {
			bool is_client = argv[i][2] == 'c';
			if (trace_ip_addr_parse(argv[i + 1], is_client ? &client : &server)) {
				fprintf(stderr, "synfin-ladder: %s: not an IPv4 or IPv6 address\n",
				        argv[i + 1]);
				return 2;
			}
			*(is_client ? &client_given : &server_given) = true;
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
	if (!client_given && !ladder_find_server(recs, n, &client, &server)) {
		/* a dual-stack topology's IPv6 case: the client's IPv6 address */
		struct ip_addr client6;
		if (!trace_ip_addr_parse(TOPOLOGY_CLIENT_ADDR6, &client6) &&
		    ladder_find_server(recs, n, &client6, &server))
			client = client6;
	}
	const struct ip_addr *srv = server_given ? &server : NULL;
	struct notes notes = {0};
	for (int side = 0; side < 2 && !err; side++) {
		notes.client = side == 0;
		if (events[side] && (err = read_notes(events[side], &notes)) != 0)
			fprintf(stderr, "synfin-ladder: %s: %s\n", events[side], strerror(-err));
	}
	if (!err)
		err = svg ? ladder_svg_write_notes(stdout, recs, n, &client, srv, notes.v, notes.n)
		          : ladder_write(stdout, recs, n, &client, srv);
	free(notes.v);
	trace_records_free(recs, n);
	return err ? 1 : 0;
}
