/* test_ladder.c: text ladder diagrams drawn from the captures in tests/data/, turned into trace
 * records the way synfin-faultd's JSON writer makes them, with drops and holds laid over them
 * (ladder_fixture.h), and synfin-ladder drawing a JSON Lines trace. The SVG drawings are
 * test_ladder_svg.c's. */
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

static void check_drawing(const char *got, const char *want)
{
	ck_assert_msg(strcmp(got, want) == 0, "ladder differs:\n--- got\n%s--- want\n%s", got,
	              want);
}

/* Every arrow row has its two bars in the same columns as the first. */
static void check_bars_line_up(const char *drawing)
{
	const char *line = strchr(drawing, '\n') + 1; /* after the header */
	long first_l = -1, first_r = -1;
	int rows = 0;
	while (*line) {
		const char *end = strchr(line, '\n');
		ck_assert_ptr_nonnull(end);
		const char *l = memchr(line, '|', (size_t)(end - line));
		if (l) {
			const char *r = memchr(l + 1, '|', (size_t)(end - l - 1));
			ck_assert_ptr_nonnull(r);
			if (first_l < 0) {
				first_l = l - line;
				first_r = r - line;
			}
			ck_assert_int_eq(l - line, first_l);
			ck_assert_int_eq(r - line, first_r);
			rows++;
		}
		line = end + 1;
	}
	ck_assert_int_gt(rows, 0);
}

START_TEST(test_seed_connect_close_draws_seven_arrows_with_relative_numbers)
{
	struct loader l = {0};
	load(&l, "linux-connect-close-4seg", 0, NULL, 0);
	const char *got = draw(&l, SERVER, 0);
	check_drawing(got,
	              "192.168.1.108:59712 (client)                 192.168.1.109:80 (server)\n"
	              "  0.000000  |------ [S] seq 4231775027 ----------------->|\n"
	              "  0.000034  |<----- [S.] seq 3403866833 ack 4231775028 --|\n"
	              "  0.000051  |------ [.] ack 1 -------------------------->|\n"
	              "  0.500380  |------ [F.] seq 1 ack 1 ------------------->|\n"
	              "  0.504452  |<----- [.] ack 2 ---------------------------|\n"
	              "  0.800662  |<----- [F.] seq 1 ack 2 --------------------|\n"
	              "  0.800714  |------ [.] ack 2 -------------------------->|\n");
	check_bars_line_up(got);
	/* the server found on its own gives the same picture */
	ck_assert_str_eq(draw(&l, 0, 0), got);
	release(&l);
}
END_TEST

START_TEST(test_dropped_syns_stop_short_with_the_rule_on_the_right)
{
	struct rule r1 = {.index = 1, .line = 2};
	struct fault drops[5];
	for (int i = 0; i < 5; i++)
		drops[i] = (struct fault){i, RULE_DROP, 0, 0, &r1, "syn-timeout.rules"};
	struct loader l = {0};
	load(&l, "linux-syn-timeout-classic", 0, drops, 5);
	const char *got = draw(&l, SERVER, 0);
	check_drawing(got,
	              "192.168.1.108:59340 (client)                 192.168.1.109:80 (server)\n"
	              "  0.000000  |------ [S] seq 1908103801 -------X          |  dropped: rule 1 "
	              "(syn-timeout.rules:2)\n"
	              "  1.016583  |------ [S] seq 1908103801 -------X          |  dropped: rule 1 "
	              "(syn-timeout.rules:2)\n"
	              "  3.032580  |------ [S] seq 1908103801 -------X          |  dropped: rule 1 "
	              "(syn-timeout.rules:2)\n"
	              "  7.288609  |------ [S] seq 1908103801 -------X          |  dropped: rule 1 "
	              "(syn-timeout.rules:2)\n"
	              " 15.480597  |------ [S] seq 1908103801 -------X          |  dropped: rule 1 "
	              "(syn-timeout.rules:2)\n"
	              " 31.608586  |------ [S] seq 1908103801 ----------------->|\n");
	check_bars_line_up(got);
	release(&l);
}
END_TEST

START_TEST(test_held_segment_is_drawn_at_its_release_with_the_hold_time)
{
	struct rule r2 = {.index = 2, .line = 4};
	/* the server's ACK of the client's FIN, held 200.13 ms */
	struct fault hold = {4, RULE_DELAY, 200000, 200130, &r2, "delay-ack.rules"};
	struct loader l = {0};
	load(&l, "linux-connect-close-4seg", 0, &hold, 1);
	ck_assert_uint_eq(l.n, 8); /* seven segments, one of them seen and released */
	const char *got = draw(&l, SERVER, 0);
	check_drawing(got,
	              "192.168.1.108:59712 (client)                 192.168.1.109:80 (server)\n"
	              "  0.000000  |------ [S] seq 4231775027 ----------------->|\n"
	              "  0.000034  |<----- [S.] seq 3403866833 ack 4231775028 --|\n"
	              "  0.000051  |------ [.] ack 1 -------------------------->|\n"
	              "  0.500380  |------ [F.] seq 1 ack 1 ------------------->|\n"
	              "  0.704582  |<----- [.] ack 2 (held 200.1 ms) -----------|  held: rule 2 "
	              "(delay-ack.rules:4)\n"
	              "  0.800662  |<----- [F.] seq 1 ack 2 --------------------|\n"
	              "  0.800714  |------ [.] ack 2 -------------------------->|\n");
	check_bars_line_up(got);
	release(&l);
}
END_TEST

START_TEST(test_segment_held_past_the_end_is_drawn_where_it_arrived)
{
	struct rule r2 = {.index = 2, .line = 4};
	struct fault hold = {5, RULE_DELAY, 300000, 0, &r2, "fin.rules"};
	struct loader l = {0};
	load(&l, "linux-connect-close-4seg", 6, &hold, 1);
	const char *got = draw(&l, SERVER, 0);
	ck_assert_ptr_nonnull(strstr(got, "  0.800662  |<----- [F.] seq 1 ack 2 (held, not "
	                                  "released) --|  held: rule 2 (fin.rules:4)\n"));
	check_bars_line_up(got);
	release(&l);
}
END_TEST

START_TEST(test_held_segment_dropped_at_exit_stops_short_when_the_daemon_exited)
{
	struct rule r2 = {.index = 2, .line = 4};
	/* the server's FIN, held for 5 s, dropped 120.04 ms later when the daemon exited */
	struct fault hold = {5, RULE_DELAY, 5000000, 120042, &r2, "delay-fin.rules"};
	struct loader l = {.dropped_at_exit = true};
	load(&l, "linux-connect-close-4seg", 6, &hold, 1);
	ck_assert_uint_eq(l.n, 7);
	ck_assert_int_eq(l.recs[6].kind, TRACE_DROPPED_AT_EXIT);
	const char *got = draw(&l, SERVER, 0);
	check_drawing(
	    got, "192.168.1.108:59712 (client)                         192.168.1.109:80 (server)\n"
	         "  0.000000  |------ [S] seq 4231775027 ------------------------->|\n"
	         "  0.000034  |<----- [S.] seq 3403866833 ack 4231775028 ----------|\n"
	         "  0.000051  |------ [.] ack 1 ---------------------------------->|\n"
	         "  0.500380  |------ [F.] seq 1 ack 1 --------------------------->|\n"
	         "  0.504452  |<----- [.] ack 2 -----------------------------------|\n"
	         "  0.920704  |          X----- [F.] seq 1 ack 2 (held 120.0 ms) --|  dropped "
	         "at exit, held: rule 2 (delay-fin.rules:4)\n");
	check_bars_line_up(got);
	release(&l);
}
END_TEST

START_TEST(test_dropped_segment_from_the_server_stops_short_of_the_client)
{
	struct rule r1 = {.index = 1, .line = 1};
	struct fault drop = {4, RULE_DROP, 0, 0, &r1, "drop-fin.rules"};
	struct loader l = {0};
	load(&l, "linux-connect-close-3seg", 5, &drop, 1);
	const char *got = draw(&l, SERVER, 0);
	check_drawing(got,
	              "192.168.1.108:59704 (client)                 192.168.1.109:80 (server)\n"
	              "  0.000000  |------ [S] seq 296226457 ------------------>|\n"
	              "  0.000026  |<----- [S.] seq 3565821983 ack 296226458 ---|\n"
	              "  0.000044  |------ [.] ack 1 -------------------------->|\n"
	              "  0.500455  |------ [F.] seq 1 ack 1 ------------------->|\n"
	              "  0.500575  |          X----- [F.] seq 1 ack 2 ----------|  dropped: rule 1 "
	              "(drop-fin.rules:1)\n");
	check_bars_line_up(got);
	release(&l);
}
END_TEST

START_TEST(test_two_connections_label_each_arrow_with_the_client_port)
{
	struct loader l = {0};
	load(&l, "linux-connect-close-3seg", 0, NULL, 0);
	load(&l, "linux-request-response", 3, NULL, 0);
	/* and a segment between two other hosts */
	struct trace_record *other = push(&l);
	*other = l.recs[0];
	other->saddr = 0x0a000001;
	other->daddr = 0x0a000002;
	other->src_ip = ip_addr_from_ipv4(other->saddr);
	other->dst_ip = ip_addr_from_ipv4(other->daddr);
	other->text = strdup("");
	other->rule_file = strdup("");
	const char *got = draw(&l, SERVER, 0);
	check_drawing(got,
	              " 192.168.1.108 (client)                             192.168.1.109 (server)\n"
	              "  0.000000  |------ :59704 [S] seq 296226457 ----------------->|\n"
	              "  0.000026  |<----- :59704 [S.] seq 3565821983 ack 296226458 --|\n"
	              "  0.000044  |------ :59704 [.] ack 1 ------------------------->|\n"
	              "  0.500455  |------ :59704 [F.] seq 1 ack 1 ------------------>|\n"
	              "  0.500575  |<----- :59704 [F.] seq 1 ack 2 -------------------|\n"
	              "  0.500605  |------ :59704 [.] ack 2 ------------------------->|\n"
	              "  5.163580  |------ :59724 [S] seq 2465604407 ---------------->|\n"
	              "  5.163613  |<----- :59724 [S.] seq 426390468 ack 2465604408 --|\n"
	              "  5.163628  |------ :59724 [.] ack 1 ------------------------->|\n"
	              "(1 segment between other hosts not shown)\n");
	check_bars_line_up(got);
	release(&l);
}
END_TEST

START_TEST(test_trace_without_the_client_says_so)
{
	struct loader l = {0};
	load(&l, "linux-connect-close-3seg", 0, NULL, 0);
	static char buf[512];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	struct ip_addr c;
	ck_assert_int_eq(ladder_write(f, l.recs, l.n, host4(0x0a000009, &c), NULL), -ENOENT);
	fclose(f);
	ck_assert_str_eq(buf, "no segment to or from the client 10.0.0.9 in this trace\n");
	release(&l);
}
END_TEST

/* The tool reads a JSONL file and prints the same drawing. */
START_TEST(test_synfin_ladder_tool_draws_a_jsonl_trace)
{
	struct loader l = {0};
	load(&l, "linux-connect-close-4seg", 0, NULL, 0);
	char path[] = "/tmp/synfin-ladder-XXXXXX";
	write_jsonl(&l, path);
	char want[16384];
	strcpy(want, draw(&l, 0, 0));
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s/harness/tools/synfin-ladder --client 192.168.1.108 %s",
	         SYNFIN_BUILD_DIR, path);
	static char got[16384];
	ck_assert_int_eq(synfin_command_output(cmd, got, sizeof(got)), 0);
	ck_assert_str_eq(got, want);
	unlink(path);
	release(&l);
}
END_TEST

static Suite *ladder_suite(void)
{
	Suite *s = suite_create("ladder");
	TCase *tc = tcase_create("draw");
	tcase_add_test(tc, test_seed_connect_close_draws_seven_arrows_with_relative_numbers);
	tcase_add_test(tc, test_dropped_syns_stop_short_with_the_rule_on_the_right);
	tcase_add_test(tc, test_held_segment_is_drawn_at_its_release_with_the_hold_time);
	tcase_add_test(tc, test_segment_held_past_the_end_is_drawn_where_it_arrived);
	tcase_add_test(tc, test_held_segment_dropped_at_exit_stops_short_when_the_daemon_exited);
	tcase_add_test(tc, test_dropped_segment_from_the_server_stops_short_of_the_client);
	tcase_add_test(tc, test_two_connections_label_each_arrow_with_the_client_port);
	tcase_add_test(tc, test_trace_without_the_client_says_so);
	suite_add_tcase(s, tc);

	TCase *tt = tcase_create("tool");
	tcase_add_test(tt, test_synfin_ladder_tool_draws_a_jsonl_trace);
	suite_add_tcase(s, tt);
	return s;
}

int main(void)
{
	return synfin_run_suite(ladder_suite());
}
