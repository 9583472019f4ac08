/* test_ladder_svg.c: SVG ladder diagrams of the same trace records as test_ladder.c's
 * (ladder_fixture.h): well-formed XML, arrows where the segments went, crosses where they were
 * dropped, endpoint states beside their lifelines; librsvg renders them; synfin-ladder --svg draws
 * a JSON Lines trace. */
#include "ladder_fixture.h"
#include "test_support.h"
#include "trace/ladder.h"
#include "trace/ladder_svg.h"
#include "trace/trace.h"
#include "trace/trace_read.h"
#include "wire/segment.h"
#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *draw_svg(const struct loader *l, uint32_t client, int want_rc)
{
	static char buf[65536];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	ck_assert_ptr_nonnull(f);
	struct ip_addr c;
	ck_assert_int_eq(ladder_svg_write(f, l->recs, l->n, host4(client, &c), NULL), want_rc);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_uint_lt(strlen(buf), sizeof(buf) - 1); /* not cut */
	return buf;
}

/* XML 1.0 well-formedness, as far as the writer's output can go wrong: one root element, every
 * tag closed in order, attribute values quoted, no raw '<' or bare '&' in text or values. */
static void check_xml_name(const char **p)
{
	ck_assert_msg(isalpha((unsigned char)**p), "a name expected at '%.20s'", *p);
	while (isalnum((unsigned char)**p) || **p == '-' || **p == ':' || **p == '_')
		(*p)++;
}

static void check_xml_chars(const char *from, const char *to)
{
	static const char *const entities[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
	for (const char *c = from; c < to; c++) {
		ck_assert_msg(*c != '<', "a raw '<' at '%.20s'", c);
		if (*c != '&')
			continue;
		bool known = false;
		for (size_t i = 0; i < 5; i++)
			known = known || strncmp(c, entities[i], strlen(entities[i])) == 0;
		ck_assert_msg(known, "a bare '&' at '%.20s'", c);
	}
}

static void check_xml(const char *doc)
{
	const char *p = doc;
	ck_assert_msg(strncmp(p, "<?xml ", 6) == 0, "no XML declaration");
	p = strstr(p, "?>") + 2;
	char stack[32][32];
	int depth = 0, roots = 0;
	while (*p) {
		const char *lt = strchr(p, '<');
		if (!lt) {
			check_xml_chars(p, p + strlen(p));
			for (; *p; p++)
				ck_assert_msg(isspace((unsigned char)*p),
				              "text after the root element");
			break;
		}
		check_xml_chars(p, lt);
		p = lt + 1;
		if (*p == '/') { /* an end tag: the innermost open element's */
			p++;
			const char *name = p;
			check_xml_name(&p);
			ck_assert_int_gt(depth, 0);
			depth--;
			ck_assert_msg(strlen(stack[depth]) == (size_t)(p - name) &&
			                  strncmp(stack[depth], name, (size_t)(p - name)) == 0,
			              "</%.*s> closes <%s>", (int)(p - name), name, stack[depth]);
			ck_assert_int_eq(*p++, '>');
			continue;
		}
		const char *name = p;
		check_xml_name(&p);
		ck_assert_msg(depth > 0 || roots++ == 0, "a second root element");
		for (;;) { /* attributes */
			while (isspace((unsigned char)*p))
				p++;
			if (*p == '>' || (p[0] == '/' && p[1] == '>'))
				break;
			check_xml_name(&p);
			ck_assert_msg(p[0] == '=' && p[1] == '"', "unquoted attribute at '%.20s'",
			              p);
			const char *end = strchr(p + 2, '"');
			ck_assert_ptr_nonnull(end);
			check_xml_chars(p + 2, end);
			p = end + 1;
		}
		if (*p == '/') {
			p += 2;
			continue;
		}
		p++;
		ck_assert_int_lt(depth, 32);
		snprintf(stack[depth++], sizeof(stack[0]), "%.*s", (int)(p - name), name);
		stack[depth - 1][strcspn(stack[depth - 1], " \t\n>")] = '\0';
	}
	ck_assert_int_eq(depth, 0);
	ck_assert_int_eq(roots, 1);
}

static unsigned count(const char *doc, const char *needle)
{
	unsigned n = 0;
	for (const char *p = doc; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The line of the first arrow of class cls: where it starts and ends. */
static void arrow_line(const char *doc, const char *cls, double *x1, double *y1, double *x2,
                       double *y2)
{
	char head[64];
	snprintf(head, sizeof(head), "<g class=\"segment %s\">\n<line ", cls);
	const char *g = strstr(doc, head);
	ck_assert_msg(g != NULL, "no arrow of class %s", cls);
	ck_assert_int_eq(
	    sscanf(g + strlen(head), "x1=\"%lf\" y1=\"%lf\" x2=\"%lf\" y2=\"%lf\"", x1, y1, x2, y2),
	    4);
}

START_TEST(test_svg_seed_connect_close_has_seven_arrows_and_a_cut_half_second)
{
	struct loader l = {0};
	load(&l, "linux-connect-close-4seg", 0, NULL, 0);
	const char *svg = draw_svg(&l, CLIENT, 0);
	check_xml(svg);
	ck_assert_uint_eq(count(svg, "<g class=\"segment pass\">"), 7);
	ck_assert_uint_eq(count(svg, "<g class=\"segment "), 7);
	ck_assert_uint_eq(count(svg, "marker-end=\"url(#head)\""), 7);
	ck_assert_uint_eq(count(svg, "class=\"lifeline\""), 2);
	ck_assert_ptr_nonnull(strstr(svg, ">192.168.1.108:59712 (client)</text>"));
	ck_assert_ptr_nonnull(strstr(svg, ">192.168.1.109:80 (server)</text>"));
	ck_assert_ptr_nonnull(strstr(svg, ">[S.] seq 3403866833 ack 4231775028</text>"));
	ck_assert_ptr_nonnull(strstr(svg, ">[F.] seq 1 ack 1</text>"));
	/* the half second between the handshake and the FIN is cut, and says how long it was;
	 * the 296 ms before the server's FIN is drawn to scale */
	ck_assert_uint_eq(count(svg, "<g class=\"break\">"), 1);
	ck_assert_ptr_nonnull(strstr(svg, ">0.500329 s later</text>"));
	ck_assert_ptr_nonnull(strstr(svg, ">0.800662</text>"));
	release(&l);
}
END_TEST

START_TEST(test_svg_dropped_syns_end_half_way_in_a_cross)
{
	struct rule r1 = {.index = 1, .line = 2};
	struct fault drops[5];
	for (int i = 0; i < 5; i++)
		drops[i] = (struct fault){i, RULE_DROP, 0, 0, &r1, "syn-timeout.rules"};
	struct loader l = {0};
	load(&l, "linux-syn-timeout-classic", 0, drops, 5);
	const char *svg = draw_svg(&l, CLIENT, 0);
	check_xml(svg);
	ck_assert_uint_eq(count(svg, "<g class=\"segment drop\">"), 5);
	ck_assert_uint_eq(count(svg, "class=\"cross\""), 5);
	ck_assert_uint_eq(count(svg, "<g class=\"segment pass\">"), 1);
	ck_assert_uint_eq(count(svg, ">dropped: rule 1 (syn-timeout.rules:2)</text>"), 5);
	/* 1, 2, 4, 8 and 16 s of nothing: each cut */
	ck_assert_uint_eq(count(svg, "<g class=\"break\">"), 5);
	ck_assert_ptr_nonnull(strstr(svg, ">16.127989 s later</text>"));
	double x1, y1, x2, y2;
	arrow_line(svg, "drop", &x1, &y1, &x2, &y2);
	ck_assert(x1 < x2);
	ck_assert_double_eq_tol(x2 - x1, 240, 1); /* half the way */
	release(&l);
}
END_TEST

START_TEST(test_svg_held_segment_slants_down_by_its_hold)
{
	struct rule r2 = {.index = 2, .line = 4};
	/* the server's ACK of the client's FIN, held 200.13 ms */
	struct fault hold = {4, RULE_DELAY, 200000, 200130, &r2, "delay-ack.rules"};
	struct loader l = {0};
	load(&l, "linux-connect-close-4seg", 0, &hold, 1);
	const char *svg = draw_svg(&l, CLIENT, 0);
	check_xml(svg);
	ck_assert_uint_eq(count(svg, "<g class=\"segment held\">"), 1);
	ck_assert_uint_eq(count(svg, "<g class=\"segment "), 7); /* the release is no arrow */
	ck_assert_ptr_nonnull(strstr(svg, ">[.] ack 2 (held 200.1 ms)</text>"));
	ck_assert_ptr_nonnull(strstr(svg, ">held: rule 2 (delay-ack.rules:4)</text>"));
	double x1, y1, x2, y2;
	arrow_line(svg, "held", &x1, &y1, &x2, &y2);
	ck_assert(x1 > x2); /* from the server to the client */
	/* 200.13 ms down, to scale */
	ck_assert_double_eq_tol(y2 - y1, 200130.0 * SVG_LADDER_PX_PER_S / 1e6, 1);
	release(&l);
}
END_TEST

START_TEST(test_svg_held_then_dropped_at_exit_ends_in_a_cross_at_the_exit)
{
	struct rule r2 = {.index = 2, .line = 4};
	struct fault hold = {5, RULE_DELAY, 5000000, 120042, &r2, "delay-fin.rules"};
	struct loader l = {.dropped_at_exit = true};
	load(&l, "linux-connect-close-4seg", 6, &hold, 1);
	const char *svg = draw_svg(&l, CLIENT, 0);
	check_xml(svg);
	ck_assert_uint_eq(count(svg, "<g class=\"segment held-drop\">"), 1);
	ck_assert_uint_eq(count(svg, "class=\"cross\""), 1);
	ck_assert_ptr_nonnull(
	    strstr(svg, ">dropped at exit, held: rule 2 (delay-fin.rules:4)</text>"));
	double x1, y1, x2, y2;
	arrow_line(svg, "held-drop", &x1, &y1, &x2, &y2);
	ck_assert_double_eq_tol(y2 - y1, 120042.0 * SVG_LADDER_PX_PER_S / 1e6, 1);
	ck_assert_double_eq_tol(x1 - x2, 240, 1);
	release(&l);
}
END_TEST

START_TEST(test_svg_segment_held_past_the_end_is_dashed_half_way)
{
	struct rule r2 = {.index = 2, .line = 4};
	struct fault hold = {5, RULE_DELAY, 300000, 0, &r2, "fin.rules"};
	struct loader l = {0};
	load(&l, "linux-connect-close-4seg", 6, &hold, 1);
	const char *svg = draw_svg(&l, CLIENT, 0);
	check_xml(svg);
	ck_assert_uint_eq(count(svg, "<g class=\"segment stuck\">"), 1);
	ck_assert_ptr_nonnull(strstr(svg, ">[F.] seq 1 ack 2 (held, not released)</text>"));
	release(&l);
}
END_TEST

START_TEST(test_svg_escapes_what_xml_reserves)
{
	struct rule r1 = {.index = 1, .line = 3};
	struct fault drop = {0, RULE_DROP, 0, 0, &r1, "a&b<\"c\">.rules"};
	struct loader l = {0};
	load(&l, "linux-connect-close-3seg", 0, &drop, 1);
	const char *svg = draw_svg(&l, CLIENT, 0);
	check_xml(svg);
	ck_assert_ptr_nonnull(
	    strstr(svg, ">dropped: rule 1 (a&amp;b&lt;&quot;c&quot;&gt;.rules:3)<"));
	release(&l);
}
END_TEST

START_TEST(test_svg_of_a_trace_without_the_client_says_so)
{
	struct loader l = {0};
	load(&l, "linux-connect-close-3seg", 0, NULL, 0);
	const char *svg = draw_svg(&l, 0x0a000009, -ENOENT);
	check_xml(svg);
	ck_assert_ptr_nonnull(strstr(svg, ">no segment to or from the client 10.0.0.9 in this "
	                                  "trace</text>"));
	release(&l);
}
END_TEST

/* A reset rule's own segment is drawn as it was judged: on with `keep`, else stopped; and the
 * JSON Lines trace carries which, so synfin-ladder draws the same from the file. */
START_TEST(test_reset_rule_draws_its_segment_kept_or_dropped)
{
	for (int keep = 0; keep < 2; keep++) {
		struct rule r1 = {.index = 1, .line = 1, .reset_keep = keep};
		struct fault reset = {4, RULE_RESET, 0, 0, &r1, "reset.rules"};
		struct loader l = {0};
		load(&l, "linux-connect-close-3seg", 5, &reset, 1);
		const char *got = draw(&l, SERVER, 0);
		ck_assert_ptr_nonnull(
		    strstr(got, keep ? "reset sent, kept: rule 1 (reset.rules:1)"
		                     : "reset sent, dropped: rule 1 (reset.rules:1)"));
		ck_assert_msg((strstr(got, "X-----") != NULL) == !keep, "keep %d:\n%s", keep, got);
		const char *svg = draw_svg(&l, CLIENT, 0);
		ck_assert_uint_eq(count(svg, "<g class=\"segment drop\">"), keep ? 0 : 1);

		char *line = NULL;
		size_t size = 0;
		FILE *f = open_memstream(&line, &size);
		trace_record_write_json(f, &l.recs[4]);
		fclose(f);
		ck_assert_ptr_nonnull(strstr(line, keep ? "\"kept\":1" : "\"kept\":0"));
		struct trace_record back;
		ck_assert_int_eq(trace_record_parse(line, &back), 0);
		ck_assert_int_eq(back.action, RULE_RESET);
		ck_assert_int_eq(back.reset_kept, keep);
		free(back.rule_file);
		free(back.text);
		free(line);
		release(&l);
	}
}
END_TEST

/* rsvg-convert (librsvg, which ./synfin installs) renders the drawing at the size it says. */
START_TEST(test_svg_renders_with_librsvg_at_its_size)
{
	struct rule r1 = {.index = 1, .line = 2};
	struct fault drop = {3, RULE_DROP, 0, 0, &r1, "drop.rules"};
	struct loader l = {0};
	load(&l, "linux-connect-close-4seg", 0, &drop, 1);
	const char *svg = draw_svg(&l, CLIENT, 0);
	unsigned width, height;
	ck_assert_int_eq(sscanf(strstr(svg, "<svg "),
	                        "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	                        "width=\"%u\" height=\"%u\"",
	                        &width, &height),
	                 2);
	char dir[] = "/tmp/synfin-svg-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char in[64], png[64], cmd[256], out[256];
	snprintf(in, sizeof(in), "%s/l.svg", dir);
	snprintf(png, sizeof(png), "%s/l.png", dir);
	FILE *f = fopen(in, "w");
	ck_assert_ptr_nonnull(f);
	fputs(svg, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "rsvg-convert -o %s %s 2>&1", png, in);
	int rc = synfin_command_output(cmd, out, sizeof(out));
	ck_assert_msg(rc == 0, "rsvg-convert (./synfin build installs librsvg2-bin): %s", out);
	uint8_t h[24];
	f = fopen(png, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fread(h, 1, sizeof(h), f), sizeof(h));
	fclose(f);
	ck_assert_mem_eq(h + 12, "IHDR", 4);
	ck_assert_uint_eq((unsigned)h[16] << 24 | h[17] << 16 | h[18] << 8 | h[19], width);
	ck_assert_uint_eq((unsigned)h[20] << 24 | h[21] << 16 | h[22] << 8 | h[23], height);
	unlink(in);
	unlink(png);
	rmdir(dir);
	release(&l);
}
END_TEST

START_TEST(test_synfin_ladder_svg_draws_a_jsonl_trace)
{
	struct loader l = {0};
	load(&l, "linux-connect-close-4seg", 0, NULL, 0);
	char path[] = "/tmp/synfin-ladder-XXXXXX";
	write_jsonl(&l, path);
	char *want = strdup(draw_svg(&l, CLIENT, 0));
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s/harness/tools/synfin-ladder --svg %s", SYNFIN_BUILD_DIR,
	         path);
	static char got[65536];
	ck_assert_int_eq(synfin_command_output(cmd, got, sizeof(got)), 0);
	ck_assert_str_eq(got, want);
	free(want);
	unlink(path);
	release(&l);
}
END_TEST

/* Where the text ending in `tail` stands: its x and y attributes. */
static void text_at(const char *doc, const char *tail, double *x, double *y)
{
	const char *end = strstr(doc, tail);
	ck_assert_msg(end != NULL, "no text %s", tail);
	const char *start = end;
	while (start > doc && strncmp(start, "<text ", 6) != 0)
		start--;
	ck_assert_int_eq(sscanf(start, "<text x=\"%lf\" y=\"%lf\"", x, y), 2);
}

START_TEST(test_svg_endpoint_states_stand_beside_their_lifelines_at_their_times)
{
	struct loader l = {0};
	load(&l, "linux-connect-close-4seg", 0, NULL, 0);
	uint64_t syn = l.recs[0].time_us, fin = l.recs[3].time_us;
	struct ladder_side_note notes[] = {
	    /* given out of order: drawn in time order */
	    {fin, true, false, "closed"},
	    {syn, true, true, "SYN-SENT"},
	    {syn + 20, true, true, "ESTABLISHED"}, /* too close: moved down a line */
	    {syn, false, true, "LISTEN"},
	};
	static char buf[65536];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	struct ip_addr c;
	ck_assert_int_eq(ladder_svg_write_notes(f, l.recs, l.n, host4(CLIENT, &c), NULL, notes, 4),
	                 0);
	fclose(f);
	check_xml(buf);
	ck_assert_uint_eq(count(buf, "class=\"state\""), 3);
	ck_assert_uint_eq(count(buf, "class=\"app\""), 1);
	double sx, sy, ex, ey, lx, ly, cx, cy, fx, fy, fx2, fy2;
	text_at(buf, ">SYN-SENT</text>", &sx, &sy);
	text_at(buf, ">ESTABLISHED</text>", &ex, &ey);
	text_at(buf, ">LISTEN</text>", &lx, &ly);
	text_at(buf, ">closed</text>", &cx, &cy);
	ck_assert(sx < lx);          /* the client's left of the server's */
	ck_assert_double_eq(sx, ex); /* one column a side */
	ck_assert_double_eq(sy, ly); /* the same time on both sides */
	ck_assert_double_ge(ey, sy + 13);
	/* "closed" at the FIN's time: the FIN's row */
	const char *g = strstr(buf, ">[F.] seq 1 ack 1</text>");
	ck_assert_ptr_nonnull(g);
	while (g > buf && strncmp(g, "<g class=\"segment ", 18) != 0)
		g--;
	arrow_line(g, "pass", &fx, &fy, &fx2, &fy2);
	ck_assert_double_eq(cx, sx);
	ck_assert_double_eq_tol(cy, fy + 4, 0.5);
	ck_assert_ptr_nonnull(strstr(buf, "text-anchor=\"end\" class=\"state\">SYN-SENT<"));
	release(&l);
}
END_TEST

START_TEST(test_synfin_ladder_svg_reads_the_endpoints_events)
{
	struct loader l = {0};
	load(&l, "linux-connect-close-4seg", 0, NULL, 0);
	char trace[] = "/tmp/synfin-ladder-XXXXXX", events[] = "/tmp/synfin-events-XXXXXX";
	write_jsonl(&l, trace);
	FILE *f = fdopen(mkstemp(events), "w");
	ck_assert_ptr_nonnull(f);
	double t = (double)l.recs[0].time_us / 1e6;
	fprintf(f,
	        "{\"t\":%.6f,\"rel\":0,\"event\":\"app\",\"role\":\"client\",\"what\":"
	        "\"connecting\",\"to\":\"192.168.1.109:80\"}\n"
	        "{\"t\":%.6f,\"rel\":0,\"event\":\"state\",\"sock\":1,\"from\":\"CLOSED\","
	        "\"to\":\"SYN-SENT\"}\n"
	        "{\"t\":%.6f,\"event\":\"app\",\"what\":\"exit\",\"status\":0}\n"
	        "{\"t\":%.6f,\"event\":\"stats\",\"segments\":7}\n",
	        t, t, t + 1, t + 1);
	fclose(f);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s/harness/tools/synfin-ladder --svg --client-events %s %s",
	         SYNFIN_BUILD_DIR, events, trace);
	static char got[65536];
	ck_assert_int_eq(synfin_command_output(cmd, got, sizeof(got)), 0);
	check_xml(got);
	ck_assert_ptr_nonnull(strstr(got, "class=\"app\">connecting</text>"));
	ck_assert_ptr_nonnull(strstr(got, "class=\"state\">SYN-SENT</text>"));
	ck_assert_ptr_null(strstr(got, ">exit</text>"));
	ck_assert_ptr_null(strstr(got, "192.168.1.109:80</text>")); /* connecting's "to" */
	unlink(trace);
	unlink(events);
	release(&l);
}
END_TEST

static Suite *ladder_svg_suite(void)
{
	Suite *s = suite_create("ladder_svg");
	TCase *ts = tcase_create("svg");
	tcase_add_test(ts, test_svg_seed_connect_close_has_seven_arrows_and_a_cut_half_second);
	tcase_add_test(ts, test_svg_dropped_syns_end_half_way_in_a_cross);
	tcase_add_test(ts, test_svg_held_segment_slants_down_by_its_hold);
	tcase_add_test(ts, test_svg_held_then_dropped_at_exit_ends_in_a_cross_at_the_exit);
	tcase_add_test(ts, test_svg_segment_held_past_the_end_is_dashed_half_way);
	tcase_add_test(ts, test_svg_escapes_what_xml_reserves);
	tcase_add_test(ts, test_svg_of_a_trace_without_the_client_says_so);
	tcase_add_test(ts, test_svg_renders_with_librsvg_at_its_size);
	tcase_add_test(ts, test_svg_endpoint_states_stand_beside_their_lifelines_at_their_times);
	tcase_add_test(ts, test_reset_rule_draws_its_segment_kept_or_dropped);
	suite_add_tcase(s, ts);

	TCase *tt = tcase_create("tool");
	tcase_add_test(tt, test_synfin_ladder_svg_draws_a_jsonl_trace);
	tcase_add_test(tt, test_synfin_ladder_svg_reads_the_endpoints_events);
	suite_add_tcase(s, tt);
	return s;
}

int main(void)
{
	return synfin_run_suite(ladder_svg_suite());
}
