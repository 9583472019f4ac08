/* ladder.c: ladder diagrams of a trace (layout and conventions in ladder.h). */
#include "ladder.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define TIME_WIDTH 10 /* "%10.6f": up to 999 s keep the column */
#define MIN_INNER 44  /* columns between the two bars */
#define DROP_GAP 10   /* blank columns between a drop's X and the far bar */
#define LEAD 7        /* "------ " / "<----- " before a label */
#define LABEL_MAX 160

enum row_kind {
	ROW_NONE,  /* not drawn */
	ROW_PASS,  /* arrived at the far side */
	ROW_DROP,  /* stopped in the wire */
	ROW_HELD,  /* released after a hold; drawn at release */
	ROW_STUCK, /* held, never released within the trace */
};

struct row {
	enum row_kind kind;
	bool c2s;
	char label[LABEL_MAX];
	char note[LABEL_MAX];
};

bool ladder_same_segment(const struct trace_record *a, const struct trace_record *b)
{
	return !ip_addr_cmp(&a->src_ip, &b->src_ip) && !ip_addr_cmp(&a->dst_ip, &b->dst_ip) &&
	       a->sport == b->sport && a->dport == b->dport && a->seq == b->seq &&
	       a->ack == b->ack && a->tcp_flags == b->tcp_flags && a->len == b->len;
}

void ladder_ms_str(char *buf, size_t size, uint64_t us)
{
	if (us % 1000 == 0) {
		snprintf(buf, size, "%llu ms", (unsigned long long)(us / 1000));
		return;
	}
	/* tenths are enough to tell a 300 ms hold from a 300.4 ms one at a glance */
	snprintf(buf, size, "%llu.%llu ms", (unsigned long long)(us / 1000),
	         (unsigned long long)(us % 1000 / 100));
}

void ladder_rule_note(char *buf, size_t size, const char *what, const struct trace_record *r)
{
	if (r->rule == 0)
		snprintf(buf, size, "%s", what);
	else if (r->rule_file && r->rule_file[0])
		snprintf(buf, size, "%s: rule %u (%s:%u)", what, r->rule, r->rule_file,
		         r->rule_line);
	else
		snprintf(buf, size, "%s: rule %u (line %u)", what, r->rule, r->rule_line);
}

void ladder_label(char *buf, size_t size, const struct trace_record *r, bool port_prefix,
                  uint16_t client_port, const char *suffix)
{
	char seq[40] = "", ack[24] = "", port[12] = "";
	if (port_prefix)
		snprintf(port, sizeof(port), ":%u ", client_port);
	if (r->len > 0)
		snprintf(seq, sizeof(seq), " seq %u:%u", r->rseq, r->rseq + r->len);
	else if (r->tcp_flags & (TCPF_SYN | TCPF_FIN | TCPF_RST))
		snprintf(seq, sizeof(seq), " seq %u", r->rseq);
	if (r->tcp_flags & TCPF_ACK)
		snprintf(ack, sizeof(ack), " ack %u", r->rack);
	snprintf(buf, size, "%s[%s]%s%s%s", port, r->flags, seq, ack, suffix);
}

static void make_label(struct row *row, const struct trace_record *r, bool port_prefix,
                       uint16_t client_port, const char *suffix)
{
	ladder_label(row->label, sizeof(row->label), r, port_prefix, client_port, suffix);
}

/* The label of the end of a hold, with the time it was actually held. */
static void make_held_label(struct row *row, const struct trace_record *r, bool port_prefix,
                            uint16_t client_port)
{
	char ms[24], held[48];
	ladder_ms_str(ms, sizeof(ms), r->held_us);
	snprintf(held, sizeof(held), " (held %s)", ms);
	make_label(row, r, port_prefix, client_port, held);
}

/* Columns a row needs between the bars. */
static size_t row_width(const struct row *row)
{
	size_t len = strlen(row->label);
	switch (row->kind) {
	case ROW_DROP:
		return row->c2s ? LEAD + len + 1 + 2 + 1 + DROP_GAP /* "-- X" + gap */
		                : DROP_GAP + LEAD + len + 1 + 2;
	case ROW_NONE:
		return 0;
	default:
		return LEAD + len + 1 + 2; /* at least "->" or "--" after the label */
	}
}

static void fill(char *p, char c, size_t n)
{
	memset(p, c, n);
}

/* The text between the two bars, exactly inner columns wide. */
static void draw(char *line, size_t inner, const struct row *row)
{
	size_t len = strlen(row->label);
	fill(line, ' ', inner);
	line[inner] = '\0';
	if (row->kind == ROW_DROP && !row->c2s) {
		/* from the server, stopping DROP_GAP columns short of the client */
		size_t at = DROP_GAP;
		line[at] = 'X';
		fill(line + at + 1, '-', LEAD - 2);
		memcpy(line + at + LEAD, row->label, len);
		size_t tail = at + LEAD + len;
		line[tail] = ' ';
		fill(line + tail + 1, '-', inner - tail - 1);
		return;
	}
	fill(line, '-', LEAD - 1);
	if (!row->c2s)
		line[0] = '<';
	memcpy(line + LEAD, row->label, len);
	size_t tail = LEAD + len + 1;
	if (row->kind == ROW_DROP) {
		size_t x = inner - DROP_GAP - 1;
		fill(line + tail, '-', x - tail);
		line[x] = 'X';
		return;
	}
	fill(line + tail, '-', inner - tail);
	if (row->c2s)
		line[inner - 1] = '>';
}

struct order {
	uint64_t time_us;
	size_t index;
};

static int by_time(const void *a, const void *b)
{
	const struct order *x = a, *y = b;
	if (x->time_us != y->time_us)
		return x->time_us < y->time_us ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

bool ladder_find_server(const struct trace_record *recs, size_t n, const struct ip_addr *client,
                        struct ip_addr *server)
{
	for (size_t i = 0; i < n; i++) {
		bool from = !ip_addr_cmp(&recs[i].src_ip, client);
		bool to = !ip_addr_cmp(&recs[i].dst_ip, client);
		if (from != to) {
			*server = from ? recs[i].dst_ip : recs[i].src_ip;
			return true;
		}
	}
	return false;
}

void ladder_host_name(char *buf, size_t size, const struct ip_addr *addr, uint16_t port,
                      const char *role)
{
	char host[46];
	trace_ip_addr_str(host, sizeof(host), addr);
	if (!port)
		snprintf(buf, size, "%s (%s)", host, role);
	else if (ip_addr_is_ipv4(addr, NULL))
		snprintf(buf, size, "%s:%u (%s)", host, port, role);
	else
		snprintf(buf, size, "[%s]:%u (%s)", host, port, role);
}

bool ladder_between(const struct trace_record *r, const struct ip_addr *client,
                    const struct ip_addr *server, bool *c2s)
{
	*c2s = !ip_addr_cmp(&r->src_ip, client) && !ip_addr_cmp(&r->dst_ip, server);
	return *c2s || (!ip_addr_cmp(&r->src_ip, server) && !ip_addr_cmp(&r->dst_ip, client));
}

/* Which connections: one means ports in the header, more mean ports in the labels. */
bool ladder_many_connections(const struct trace_record *recs, size_t n,
                             const struct ip_addr *client_addr, const struct ip_addr *server_addr,
                             uint16_t *cport, uint16_t *sport)
{
	bool many = false, any = false;
	for (size_t i = 0; i < n; i++) {
		const struct trace_record *r = &recs[i];
		bool c2s;
		if (!ladder_between(r, client_addr, server_addr, &c2s))
			continue;
		uint16_t cp = c2s ? r->sport : r->dport, sp = c2s ? r->dport : r->sport;
		if (any && (cp != *cport || sp != *sport))
			many = true;
		*cport = cp;
		*sport = sp;
		any = true;
	}
	return many;
}

/* The row of recs[i], a segment between the two hosts; false when it is drawn elsewhere (a
 * delayed segment is drawn at its release, or at its drop when the daemon exited). */
static bool fill_row(struct row *row, const struct trace_record *recs, size_t n, size_t i, bool c2s,
                     bool many)
{
	const struct trace_record *r = &recs[i];
	row->c2s = c2s;
	uint16_t port = c2s ? r->sport : r->dport;
	if (r->kind == TRACE_RELEASED) {
		row->kind = ROW_HELD;
		make_held_label(row, r, many, port);
		ladder_rule_note(row->note, sizeof(row->note), "held", r);
	} else if (r->kind == TRACE_INJECTED) {
		row->kind = ROW_PASS;
		make_label(row, r, many, port, "");
		ladder_rule_note(row->note, sizeof(row->note), "injected", r);
	} else if (r->kind == TRACE_DROPPED_AT_EXIT) {
		row->kind = ROW_DROP;
		make_held_label(row, r, many, port);
		ladder_rule_note(row->note, sizeof(row->note), "dropped at exit, held", r);
	} else if (r->action == RULE_DROP) {
		row->kind = ROW_DROP;
		make_label(row, r, many, port, "");
		ladder_rule_note(row->note, sizeof(row->note), "dropped", r);
	} else if (r->action == RULE_DELAY || r->action == RULE_REORDER) {
		for (size_t k = i + 1; k < n; k++)
			if (recs[k].kind != TRACE_SEEN && ladder_same_segment(&recs[k], r))
				return false;
		row->kind = ROW_STUCK;
		make_label(row, r, many, port, " (held, not released)");
		ladder_rule_note(row->note, sizeof(row->note), "held", r);
	} else if (r->action == RULE_SET || r->action == RULE_STRIP) {
		row->kind = ROW_PASS;
		make_label(row, r, many, port, "");
		ladder_rule_note(row->note, sizeof(row->note), "rewritten", r);
	} else if (r->action == RULE_DUPLICATE) {
		row->kind = ROW_PASS;
		make_label(row, r, many, port, "");
		ladder_rule_note(row->note, sizeof(row->note), "duplicated", r);
	} else if (r->action == RULE_RESET) {
		/* the forged RST is a row of its own (injected); this one is the segment it rode on
		 */
		row->kind = r->reset_kept ? ROW_PASS : ROW_DROP;
		make_label(row, r, many, port, "");
		ladder_rule_note(row->note, sizeof(row->note),
		                 r->reset_kept ? "reset sent, kept" : "reset sent, dropped", r);
	} else if (r->action == RULE_CORRUPT) {
		row->kind = ROW_PASS;
		make_label(row, r, many, port, "");
		ladder_rule_note(row->note, sizeof(row->note), "corrupted", r);
	} else {
		row->kind = ROW_PASS;
		make_label(row, r, many, port, "");
	}
	return true;
}

/* Each host's name centred over its bar. */
static void print_header(FILE *out, const struct ip_addr *caddr, const struct ip_addr *saddr,
                         bool many, uint16_t cport, uint16_t sport, size_t inner)
{
	char cname[80], sname[80];
	ladder_host_name(cname, sizeof(cname), caddr, many ? 0 : cport, "client");
	ladder_host_name(sname, sizeof(sname), saddr, many ? 0 : sport, "server");
	size_t lbar = TIME_WIDTH + 2, rbar = lbar + inner + 1;
	size_t cstart = lbar > strlen(cname) / 2 ? lbar - strlen(cname) / 2 : 0;
	size_t sstart = rbar - strlen(sname) / 2;
	if (sstart < cstart + strlen(cname) + 2)
		sstart = cstart + strlen(cname) + 2;
	fprintf(out, "%*s%s%*s%s\n", (int)cstart, "", cname, (int)(sstart - cstart - strlen(cname)),
	        "", sname);
}

/* A trace lists a release when it happens, but a reader may have merged or reordered records:
 * draw in time order, keeping the trace's order for equal times. */
static int print_rows(FILE *out, const struct trace_record *recs, size_t n, const struct row *rows,
                      size_t inner)
{
	char *line = malloc(inner + 1);
	struct order *ord = malloc((n ? n : 1) * sizeof(*ord));
	if (!line || !ord) {
		free(line);
		free(ord);
		return -ENOMEM;
	}
	size_t drawn = 0;
	for (size_t i = 0; i < n; i++)
		if (rows[i].kind != ROW_NONE)
			ord[drawn++] = (struct order){recs[i].time_us, i};
	qsort(ord, drawn, sizeof(*ord), by_time);

	uint64_t t0 = n ? recs[0].time_us : 0;
	for (size_t k = 0; k < drawn; k++) {
		size_t i = ord[k].index;
		draw(line, inner, &rows[i]);
		uint64_t dt = recs[i].time_us >= t0 ? recs[i].time_us - t0 : 0;
		fprintf(out, "%*llu.%06llu  |%s|", TIME_WIDTH - 7,
		        (unsigned long long)(dt / 1000000), (unsigned long long)(dt % 1000000),
		        line);
		if (rows[i].note[0])
			fprintf(out, "  %s", rows[i].note);
		fputc('\n', out);
	}
	free(ord);
	free(line);
	return 0;
}

int ladder_write(FILE *out, const struct trace_record *recs, size_t n,
                 const struct ip_addr *client_addr, const struct ip_addr *server_addr)
{
	char caddr[46];
	struct ip_addr server;
	trace_ip_addr_str(caddr, sizeof(caddr), client_addr);
	if (server_addr)
		server = *server_addr;
	else if (!ladder_find_server(recs, n, client_addr, &server)) {
		fprintf(out, "no segment to or from the client %s in this trace\n", caddr);
		return -ENOENT;
	}
	uint16_t cport = 0, sport = 0;
	bool many = ladder_many_connections(recs, n, client_addr, &server, &cport, &sport);

	struct row *rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	size_t inner = MIN_INNER, others = 0;
	for (size_t i = 0; i < n; i++) {
		const struct trace_record *r = &recs[i];
		bool c2s;
		if (!ladder_between(r, client_addr, &server, &c2s)) {
			others++;
			continue;
		}
		if (!fill_row(&rows[i], recs, n, i, c2s, many)) {
			rows[i].kind = ROW_NONE;
			continue;
		}
		size_t w = row_width(&rows[i]);
		if (w > inner)
			inner = w;
	}
	print_header(out, client_addr, &server, many, cport, sport, inner);
	int rc = print_rows(out, recs, n, rows, inner);
	if (rc == 0 && others)
		fprintf(out, "(%zu segment%s between other hosts not shown)\n", others,
		        others == 1 ? "" : "s");
	free(rows);
	return rc;
}
