/* ladder_svg.c: the SVG sequence diagram of a trace (layout and conventions in ladder_svg.h). */
#include "ladder_svg.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/xml_escape.h"
#include "ladder.h"

#define CLIENT_X 200
#define LIFELINE_GAP 480
#define SERVER_X (CLIENT_X + LIFELINE_GAP)
#define MID_X (CLIENT_X + LIFELINE_GAP / 2)
#define TOP 78          /* the first row */
#define HEADER_Y 24     /* the hosts' boxes */
#define CHAR_W 7.3      /* a character of the 12 px monospace font, about */
#define LABEL_OFFSET 14 /* a label's distance from its arrow's start, clear of arrowheads */
#define NOTE_GAP 16     /* between the server's lifeline (or its side notes) and a rule note */
#define SIDE_GAP 8      /* between a lifeline and a side note */
#define SIDE_LINE 13    /* side notes closer than this are moved down */
#define CROSS 6         /* half the size of a drop's cross */
#define TEXT_MAX 200

enum arrow_kind {
	ARROW_PASS,
	ARROW_DROP,
	ARROW_HELD,      /* released at the far side when its hold ended */
	ARROW_HELD_DROP, /* held, then dropped at the daemon's exit */
	ARROW_STUCK,     /* held past the end of the trace */
};

static const char *const arrow_class[] = {"pass", "drop", "held", "held-drop", "stuck"};

struct arrow {
	enum arrow_kind kind;
	bool c2s;
	int y0, y1; /* where it leaves its sender, where it ends */
	char label[TEXT_MAX];
	char note[TEXT_MAX];
};

struct row {
	size_t rec;
	uint64_t time_us;
	int y;
};

struct gap_break {
	int y;           /* the middle of the cut */
	uint64_t gap_us; /* the time it stands for */
};

struct placed_note {
	const struct ladder_side_note *note;
	int y;
};

struct diagram {
	const struct trace_record *recs;
	size_t n;
	struct ip_addr client, server;
	bool many;
	uint16_t cport, sport;
	struct row *rows; /* the records between the two hosts, in time order */
	size_t n_rows;
	int *y_of;     /* each record's row y; -1: not drawn */
	bool *claimed; /* the end of a hold drawn with its arrival */
	struct gap_break *breaks;
	size_t n_breaks;
	int bottom;
	size_t others; /* records between other hosts */
	struct placed_note *notes;
	size_t n_notes;
	int note_x; /* where the rule notes start */
};

/* ---- text ---- */

static void put_text(FILE *out, double x, double y, const char *anchor, const char *cls,
                     const char *text)
{
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"%s\">", x, y, anchor,
	        cls);
	xml_escape(out, text);
	fputs("</text>\n", out);
}

static void seconds_str(char *buf, size_t size, uint64_t us)
{
	snprintf(buf, size, "%llu.%06llu", (unsigned long long)(us / 1000000),
	         (unsigned long long)(us % 1000000));
}

/* ---- layout ---- */

static int by_time(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->time_us != y->time_us)
		return x->time_us < y->time_us ? -1 : 1;
	return x->rec < y->rec ? -1 : x->rec > y->rec;
}

static bool between_hosts(const struct diagram *d, const struct trace_record *r, bool *c2s)
{
	return ladder_between(r, &d->client, &d->server, c2s);
}

/* Each row's y: to scale, pushed apart below SVG_LADDER_MIN_STEP, cut above MAX_STEP. */
static void place_rows(struct diagram *d)
{
	int y = TOP;
	for (size_t k = 0; k < d->n_rows; k++) {
		if (k > 0) {
			uint64_t gap = d->rows[k].time_us - d->rows[k - 1].time_us;
			uint64_t px = gap * SVG_LADDER_PX_PER_S / 1000000u;
			if (px > SVG_LADDER_MAX_STEP) {
				d->breaks[d->n_breaks++] =
				    (struct gap_break){y + SVG_LADDER_BREAK_STEP / 2, gap};
				y += SVG_LADDER_BREAK_STEP;
			} else {
				y += px < SVG_LADDER_MIN_STEP ? SVG_LADDER_MIN_STEP : (int)px;
			}
		}
		d->rows[k].y = y;
		d->y_of[d->rows[k].rec] = y;
	}
	d->bottom = y + SVG_LADDER_SLANT + 30;
}

/* Where time t falls on the rows' scale: between two rows to scale, in a cut at its end
 * nearer in time; before the first row just above it, after the last just below. */
static int y_at(const struct diagram *d, uint64_t t)
{
	if (d->n_rows == 0)
		return TOP;
	if (t <= d->rows[0].time_us)
		return TOP - SIDE_LINE / 2;
	for (size_t k = 1; k < d->n_rows; k++) {
		const struct row *a = &d->rows[k - 1], *b = &d->rows[k];
		if (t > b->time_us)
			continue;
		uint64_t gap = b->time_us - a->time_us;
		if (gap * SVG_LADDER_PX_PER_S / 1000000u > SVG_LADDER_MAX_STEP)
			return t - a->time_us < b->time_us - t ? a->y : b->y;
		return a->y + (int)((t - a->time_us) * (uint64_t)(b->y - a->y) / (gap ? gap : 1));
	}
	return d->rows[d->n_rows - 1].y + SVG_LADDER_SLANT;
}

static int by_note_time(const void *a, const void *b)
{
	const struct placed_note *x = a, *y = b;
	if (x->note->time_us != y->note->time_us)
		return x->note->time_us < y->note->time_us ? -1 : 1;
	return x->note < y->note ? -1 : x->note > y->note;
}

/* Each side note at its time, moved down below the one before it on its side. */
static size_t place_notes(struct diagram *d, const struct ladder_side_note *notes, size_t n)
{
	size_t server_len = 0;
	for (size_t i = 0; i < n; i++)
		d->notes[i] = (struct placed_note){&notes[i], 0};
	d->n_notes = n;
	qsort(d->notes, n, sizeof(*d->notes), by_note_time);
	int last[2] = {0, 0};
	for (size_t i = 0; i < n; i++) {
		struct placed_note *p = &d->notes[i];
		int side = p->note->client ? 0 : 1;
		int y = y_at(d, p->note->time_us);
		if (last[side] && y < last[side] + SIDE_LINE)
			y = last[side] + SIDE_LINE;
		p->y = last[side] = y;
		if (y + SIDE_LINE > d->bottom)
			d->bottom = y + SIDE_LINE;
		if (side && strlen(p->note->text) > server_len)
			server_len = strlen(p->note->text);
	}
	return server_len;
}

static void draw_side_notes(FILE *out, const struct diagram *d)
{
	for (size_t i = 0; i < d->n_notes; i++) {
		const struct ladder_side_note *n = d->notes[i].note;
		put_text(out, n->client ? CLIENT_X - SIDE_GAP : SERVER_X + SIDE_GAP,
		         d->notes[i].y + 4, n->client ? "end" : "start", n->state ? "state" : "app",
		         n->text);
	}
}

static int layout(struct diagram *d)
{
	size_t n = d->n ? d->n : 1;
	d->rows = calloc(n, sizeof(*d->rows));
	d->y_of = malloc(n * sizeof(*d->y_of));
	d->claimed = calloc(n, sizeof(*d->claimed));
	d->breaks = calloc(n, sizeof(*d->breaks));
	if (!d->rows || !d->y_of || !d->claimed || !d->breaks || !d->notes)
		return -ENOMEM;
	for (size_t i = 0; i < d->n; i++) {
		bool c2s;
		d->y_of[i] = -1;
		if (between_hosts(d, &d->recs[i], &c2s))
			d->rows[d->n_rows++] = (struct row){i, d->recs[i].time_us, 0};
		else
			d->others++;
	}
	qsort(d->rows, d->n_rows, sizeof(*d->rows), by_time);
	place_rows(d);
	return 0;
}

static void diagram_free(struct diagram *d)
{
	free(d->rows);
	free(d->y_of);
	free(d->claimed);
	free(d->breaks);
	free(d->notes);
}

/* ---- arrows ---- */

/* The record that ends the hold of recs[i] (released or dropped at exit); n when none. */
static size_t hold_end(struct diagram *d, size_t i)
{
	for (size_t k = i + 1; k < d->n; k++) {
		const struct trace_record *e = &d->recs[k];
		if (e->kind != TRACE_SEEN && !d->claimed[k] && d->y_of[k] >= 0 &&
		    ladder_same_segment(e, &d->recs[i])) {
			d->claimed[k] = true;
			return k;
		}
	}
	return d->n;
}

static void held_label(struct arrow *a, const struct trace_record *r, bool many, uint16_t port)
{
	char ms[24], held[48];
	ladder_ms_str(ms, sizeof(ms), r->held_us);
	snprintf(held, sizeof(held), " (held %s)", ms);
	ladder_label(a->label, sizeof(a->label), r, many, port, held);
}

/* The arrow of recs[i]; false when it is drawn with another (the end of a hold). */
static bool make_arrow(struct diagram *d, size_t i, struct arrow *a)
{
	const struct trace_record *r = &d->recs[i];
	between_hosts(d, r, &a->c2s);
	uint16_t port = a->c2s ? r->sport : r->dport;
	a->y0 = d->y_of[i];
	a->y1 = a->y0 + SVG_LADDER_SLANT;
	a->note[0] = '\0';
	if (r->kind != TRACE_SEEN) {
		if (d->claimed[i])
			return false;
		/* its arrival is not in the trace: drawn where it left */
		bool exit = r->kind == TRACE_DROPPED_AT_EXIT;
		a->kind = exit ? ARROW_HELD_DROP : ARROW_HELD;
		held_label(a, r, d->many, port);
		ladder_rule_note(a->note, sizeof(a->note), exit ? "dropped at exit, held" : "held",
		                 r);
		return true;
	}
	if (r->action == RULE_DROP) {
		a->kind = ARROW_DROP;
		ladder_label(a->label, sizeof(a->label), r, d->many, port, "");
		ladder_rule_note(a->note, sizeof(a->note), "dropped", r);
	} else if (r->action == RULE_DELAY || r->action == RULE_REORDER) {
		size_t k = hold_end(d, i);
		if (k == d->n) {
			a->kind = ARROW_STUCK;
			ladder_label(a->label, sizeof(a->label), r, d->many, port,
			             " (held, not released)");
			ladder_rule_note(a->note, sizeof(a->note), "held", r);
			return true;
		}
		bool exit = d->recs[k].kind == TRACE_DROPPED_AT_EXIT;
		a->kind = exit ? ARROW_HELD_DROP : ARROW_HELD;
		a->y1 = d->y_of[k];
		held_label(a, &d->recs[k], d->many, port);
		ladder_rule_note(a->note, sizeof(a->note), exit ? "dropped at exit, held" : "held",
		                 &d->recs[k]);
	} else if (r->action == RULE_RESET) {
		/* the forged RST has an arrow of its own (injected); this is the segment it rode on
		 */
		a->kind = r->reset_kept ? ARROW_PASS : ARROW_DROP;
		ladder_label(a->label, sizeof(a->label), r, d->many, port, "");
		ladder_rule_note(a->note, sizeof(a->note),
		                 r->reset_kept ? "reset sent, kept" : "reset sent, dropped", r);
	} else {
		a->kind = ARROW_PASS;
		ladder_label(a->label, sizeof(a->label), r, d->many, port, "");
	}
	return true;
}

static void draw_arrow(FILE *out, const struct arrow *a, int note_x)
{
	double x0 = a->c2s ? CLIENT_X : SERVER_X;
	double x1 = a->c2s ? SERVER_X : CLIENT_X;
	double y1 = a->y1;
	if (a->kind == ARROW_DROP || a->kind == ARROW_STUCK) {
		x1 = MID_X;
		y1 = a->y0 + SVG_LADDER_SLANT / 2.0;
	} else if (a->kind == ARROW_HELD_DROP) {
		x1 = MID_X; /* the daemon is in the middle of the wire: it dropped it there */
	}
	fprintf(out, "<g class=\"segment %s\">\n", arrow_class[a->kind]);
	fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\"%s/>\n", x0, a->y0, x1, y1,
	        a->kind == ARROW_PASS || a->kind == ARROW_HELD ? " marker-end=\"url(#head)\"" : "");
	if (a->kind == ARROW_DROP || a->kind == ARROW_HELD_DROP)
		fprintf(out, "<path class=\"cross\" d=\"M%.1f %.1f l%d %d m0 %d l%d %d\"/>\n",
		        x1 - CROSS, y1 - CROSS, 2 * CROSS, 2 * CROSS, -2 * CROSS, -2 * CROSS,
		        2 * CROSS);
	/* the label along the arrow, from its sender's end, readable left to right */
	double angle = atan2(y1 - a->y0, x1 - x0) * 180.0 / M_PI;
	double lx = x0 + (a->c2s ? LABEL_OFFSET : -LABEL_OFFSET);
	if (!a->c2s)
		angle -= 180.0;
	fprintf(out,
	        "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\" class=\"label\" "
	        "transform=\"rotate(%.2f %.1f %d)\" dy=\"-4\">",
	        lx, a->y0, a->c2s ? "start" : "end", angle, lx, a->y0);
	xml_escape(out, a->label);
	fputs("</text>\n", out);
	if (a->note[0])
		put_text(out, note_x, a->y0 + 4, "start", "note", a->note);
	fputs("</g>\n", out);
}

/* ---- the page ---- */

static const char style[] =
    "<style>\n"
    "text { font-family: monospace; font-size: 12px; fill: #222; }\n"
    ".host { font-weight: bold; }\n"
    ".time, .legend, .gap { fill: #666; }\n"
    ".note { fill: #a33; }\n"
    ".state { fill: #2a6b2a; font-weight: bold; }\n"
    ".app { fill: #555; font-style: italic; }\n"
    ".lifeline { stroke: #444; stroke-width: 1.5; }\n"
    ".segment line { stroke: #1f4e9c; stroke-width: 1.4; }\n"
    ".drop line, .held-drop line, .cross { stroke: #b22; stroke-width: 1.4; fill: none; }\n"
    ".held line { stroke: #c60; stroke-dasharray: 6 3; }\n"
    ".stuck line { stroke: #c60; stroke-dasharray: 2 3; }\n"
    ".break line { stroke: #444; stroke-width: 1.5; }\n"
    "</style>\n";

static void draw_header(FILE *out, const struct diagram *d, int width, int height)
{
	fprintf(out,
	        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
	        "viewBox=\"0 0 %d %d\">\n",
	        width, height, width, height);
	fputs(style, out);
	fputs("<defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
	      "markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\">"
	      "<path d=\"M0 0 L10 5 L0 10 z\" fill=\"#1f4e9c\"/></marker></defs>\n",
	      out);
	fprintf(out, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", width, height);
	char name[80];
	ladder_host_name(name, sizeof(name), &d->client, d->many ? 0 : d->cport, "client");
	put_text(out, CLIENT_X, HEADER_Y, "middle", "host", name);
	ladder_host_name(name, sizeof(name), &d->server, d->many ? 0 : d->sport, "server");
	put_text(out, SERVER_X, HEADER_Y, "middle", "host", name);
	put_text(out, 8, HEADER_Y + 24, "start", "time", "time (s)");
	for (int x = CLIENT_X; x <= SERVER_X; x += LIFELINE_GAP)
		fprintf(out, "<line class=\"lifeline\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
		        x, HEADER_Y + 12, x, d->bottom);
}

/* A cut in time: a white gap in each lifeline between two slashes, and what it stands for. */
static void draw_break(FILE *out, const struct gap_break *b)
{
	char s[32], text[64];
	seconds_str(s, sizeof(s), b->gap_us);
	snprintf(text, sizeof(text), "%s s later", s);
	fputs("<g class=\"break\">\n", out);
	for (int x = CLIENT_X; x <= SERVER_X; x += LIFELINE_GAP) {
		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"24\" height=\"8\" fill=\"white\"/>\n",
		        x - 12, b->y - 4);
		for (int dy = -4; dy <= 4; dy += 8)
			fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", x - 10,
			        b->y + dy + 3, x + 10, b->y + dy - 3);
	}
	put_text(out, MID_X, b->y + 4, "middle", "gap", text);
	fputs("</g>\n", out);
}

static void draw_legend(FILE *out, const struct diagram *d, int y)
{
	char text[240];
	snprintf(text, sizeof(text),
	         "time runs down, 100 px = %d ms; arrows closer than %d px are spaced out; "
	         "a quiet gap over %d ms is cut (//)",
	         100000 / SVG_LADDER_PX_PER_S, SVG_LADDER_MIN_STEP,
	         SVG_LADDER_MAX_STEP * 1000 / SVG_LADDER_PX_PER_S);
	put_text(out, 8, y, "start", "legend", text);
	if (d->others) {
		snprintf(text, sizeof(text), "(%zu segment%s between other hosts not shown)",
		         d->others, d->others == 1 ? "" : "s");
		put_text(out, 8, y + 16, "start", "legend", text);
	}
}

static int draw(FILE *out, struct diagram *d)
{
	struct arrow *arrows = calloc(d->n_rows ? d->n_rows : 1, sizeof(*arrows));
	if (!arrows)
		return -ENOMEM;
	size_t n_arrows = 0, note_max = 0;
	for (size_t k = 0; k < d->n_rows; k++) {
		struct arrow *a = &arrows[n_arrows];
		if (!make_arrow(d, d->rows[k].rec, a))
			continue;
		n_arrows++;
		if (strlen(a->note) > note_max)
			note_max = strlen(a->note);
	}
	int width = d->note_x + (int)(note_max * CHAR_W) + 16;
	if (width < SERVER_X + 150)
		width = SERVER_X + 150;
	int height = d->bottom + (d->others ? 48 : 32);
	draw_header(out, d, width, height);
	for (size_t b = 0; b < d->n_breaks; b++)
		draw_break(out, &d->breaks[b]);
	uint64_t t0 = d->n ? d->recs[0].time_us : 0;
	for (size_t k = 0; k < d->n_rows; k++) {
		const struct trace_record *r = &d->recs[d->rows[k].rec];
		char s[32];
		seconds_str(s, sizeof(s), r->time_us >= t0 ? r->time_us - t0 : 0);
		put_text(out, 8, d->rows[k].y + 4, "start", "time", s);
	}
	draw_side_notes(out, d);
	for (size_t k = 0; k < n_arrows; k++)
		draw_arrow(out, &arrows[k], d->note_x);
	draw_legend(out, d, d->bottom + 20);
	fputs("</svg>\n", out);
	free(arrows);
	return 0;
}

static void write_empty(FILE *out, const struct ip_addr *client)
{
	char caddr[46], text[112];
	trace_ip_addr_str(caddr, sizeof(caddr), client);
	snprintf(text, sizeof(text), "no segment to or from the client %s in this trace", caddr);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"480\" height=\"40\" "
	      "viewBox=\"0 0 480 40\">\n",
	      out);
	fputs(style, out);
	put_text(out, 8, 24, "start", "legend", text);
	fputs("</svg>\n", out);
}

int ladder_svg_write_notes(FILE *out, const struct trace_record *recs, size_t n,
                           const struct ip_addr *client_addr, const struct ip_addr *server_addr,
                           const struct ladder_side_note *notes, size_t n_notes)
{
	struct diagram d = {.recs = recs, .n = n, .client = *client_addr};
	if (server_addr)
		d.server = *server_addr;
	else if (!ladder_find_server(recs, n, client_addr, &d.server)) {
		write_empty(out, client_addr);
		return -ENOENT;
	}
	d.many = ladder_many_connections(recs, n, &d.client, &d.server, &d.cport, &d.sport);
	d.notes = calloc(n_notes ? n_notes : 1, sizeof(*d.notes));
	int rc = layout(&d);
	if (rc == 0) {
		size_t server_len = place_notes(&d, notes, n_notes);
		d.note_x = SERVER_X + NOTE_GAP;
		if (server_len)
			d.note_x += SIDE_GAP + (int)(server_len * CHAR_W);
		rc = draw(out, &d);
	}
	diagram_free(&d);
	return rc;
}

int ladder_svg_write(FILE *out, const struct trace_record *recs, size_t n,
                     const struct ip_addr *client_addr, const struct ip_addr *server_addr)
{
	return ladder_svg_write_notes(out, recs, n, client_addr, server_addr, NULL, 0);
}
