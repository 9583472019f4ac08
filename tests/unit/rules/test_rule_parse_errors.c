/* test_rule_parse_errors.c: what the rule parser says of a bad rule text - line, column, the
 * fix, a caret under the place - and rule files: read errors, NUL bytes, every shipped
 * rules file. */
#include "rule_parse_fixture.h"
#include "rules/rule.h"
#include "test_support.h"
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every message, with the exact position it points at. */
static const struct {
	const char *text;
	unsigned line, col;
	const char *msg;
} errors[] = {
    {"dorp [S]", 1, 1,
     "unknown action 'dorp': expected pass, drop, delay, set, strip, corrupt, duplicate, reset, "
     "reorder or rate"},
    {"[S] drop", 1, 1,
     "unknown action '[S]': expected pass, drop, delay, set, strip, corrupt, duplicate, reset, "
     "reorder or rate (a "
     "rule starts with "
     "its action, "
     "like: drop [S] from client)"},
    {"delay", 1, 6, "delay needs a duration like 300ms"},
    {"set", 1, 4, "set needs a field and its value: set win 0, or set mss 536"},
    {"set ttl 3", 1, 5,
     "set cannot write 'ttl': it writes win (the window field) or mss (the MSS option), like "
     "set win 0"},
    {"set win", 1, 8, "'set win' needs a value 0-65535, like set win 0"},
    {"set mss", 1, 8, "'set mss' needs a value 0-65535, like set mss 536"},
    {"set win 70000 from server", 1, 9, "'70000' does not fit the 16-bit win field: use 0-65535"},
    {"set win zero", 1, 9, "'zero' is no number: 'set win' needs 0-65535"},
    {"strip", 1, 6, "strip needs an option: sack, ts, wscale or mss, like strip sack"},
    {"strip nop [S]", 1, 7,
     "unknown option 'nop': strip needs an option: sack, ts, wscale or mss, like strip sack"},
    {"strip sackOK [S]", 1, 7,
     "'sackOK': write strip sack (it strips SACK-permitted and SACK blocks)"},
    {"strip timestamp", 1, 7, "'timestamp': the timestamp option is written ts"},
    {"corrupt payload header", 1, 17, "corrupt takes one place: payload or header"},
    {"corrupt checksum", 1, 17,
     "checksum needs bad or fixed, like: corrupt payload checksum fixed"},
    {"corrupt checksum good", 1, 18,
     "checksum needs bad or fixed, not 'good' (bad: the receiver discards it; fixed: the damage "
     "reaches the application)"},
    {"corrupt fixed", 1, 9, "write checksum before it: checksum fixed"},
    {"corrupt payload pure-ack", 1, 1,
     "corrupt payload never applies: this rule matches only segments without payload (len 0); "
     "write corrupt header"},
    {"duplicate 0", 1, 11, "duplicate takes 1 to 100 copies, like duplicate 2, not '0'"},
    {"duplicate 101 [S]", 1, 11, "duplicate takes 1 to 100 copies, like duplicate 2, not '101'"},
    {"duplicate gap", 1, 14, "gap needs a duration like 10ms"},
    {"duplicate 2 gap 5", 1, 17, "'5' needs a unit: us, ms or s, like 300ms"},
    {"reset to", 1, 9, "'to' needs sender or receiver, like reset to sender"},
    {"reset to client", 1, 10, "'to' needs sender or receiver, like reset to sender"},
    {"reset receiver", 1, 7, "write 'to' before it: reset to receiver"},
    {"reset both to sender", 1, 12, "reset goes one way: say 'to' or 'both' once"},
    {"reset exact in-window", 1, 13, "reset takes one of exact or in-window"},
    {"reset inwindow", 1, 7, "'inwindow' is written in-window"},
    {"reset keep keep", 1, 12, "duplicate keep: say it once"},
    {"reorder", 1, 8, "reorder needs how many segments overtake the held one, like reorder 3"},
    {"reorder from client", 1, 9,
     "reorder needs how many segments overtake the held one, like reorder 3"},
    {"reorder 0 fin", 1, 9, "reorder takes 1 to 1000 segments, like reorder 3, not '0'"},
    {"reorder 1001", 1, 9, "reorder takes 1 to 1000 segments, like reorder 3, not '1001'"},
    {"reorder 2nd fin", 1, 9, "reorder takes 1 to 1000 segments, like reorder 3, not '2nd'"},
    {"reorder 3 quiet", 1, 16, "quiet needs a duration like 200ms"},
    {"reorder 3 quiet fin", 1, 17, "quiet needs a duration like 200ms"},
    {"reorder 3 quiet 200", 1, 17, "'200' needs a unit: us, ms or s, like 300ms"},
    {"reorder 3 quiet 0ms", 1, 11,
     "quiet 0 would release the segment at once: give a time like quiet 200ms, or write pass"},
    {"drop reorder 3", 1, 6, "a second action 'reorder': one rule per line, with its action first"},
    {"rate", 1, 5, "rate needs bits per second, like rate 1mbit or rate 500kbit"},
    {"rate fast", 1, 6, "rate needs bits per second, like rate 1mbit or rate 500kbit"},
    {"rate 1mbps", 1, 7,
     "'1mbps' is bytes per second in tc's spelling: write bits, like rate 8mbit for 1mbps"},
    {"rate 1mb", 1, 7, "unknown unit 'mb' in '1mb': use bit, kbit, mbit or gbit, like rate 1mbit"},
    {"rate 100", 1, 6, "rate '100' is out of range: from 1kbit to 100gbit"},
    {"rate 101gbit", 1, 6, "rate '101gbit' is out of range: from 1kbit to 100gbit"},
    {"rate 1mbit queue", 1, 17, "queue needs packets or a time, like queue 20 or queue 50ms"},
    {"rate 1mbit queue fin", 1, 18, "queue needs packets or a time, like queue 20 or queue 50ms"},
    {"rate 1mbit queue 0", 1, 18, "queue takes 1 to 100000 packets, like queue 20, not '0'"},
    {"rate 1mbit queue 100001", 1, 18,
     "queue takes 1 to 100000 packets, like queue 20, not '100001'"},
    {"rate 1mbit queue 0ms", 1, 18,
     "queue 0 would drop every segment: give a time like queue 50ms, or write drop"},
    {"rate 1mbit queue 50x", 1, 20, "unknown unit 'x' in '50x': use us, ms or s, like 300ms"},
    {"drop set win 0", 1, 6, "a second action 'set': one rule per line, with its action first"},
    {"corupt payload", 1, 1,
     "unknown action 'corupt': expected pass, drop, delay, set, strip, corrupt, duplicate, "
     "reset, reorder or rate"},
    {"pass\ndelay fin from server", 2, 7, "delay needs a duration like 300ms"},
    {"delay 300", 1, 7, "'300' needs a unit: us, ms or s, like 300ms"},
    {"delay 3x", 1, 8, "unknown unit 'x' in '3x': use us, ms or s, like 300ms"},
    {"delay 5000s", 1, 7, "duration '5000s' is too long: at most 1000s"},
    {"delay 1000.000001s", 1, 7, "duration '1000.000001s' is too long: at most 1000s"},
    {"delay 10ms jitter 20ms", 1, 12,
     "jitter larger than delay (20ms > 10ms): the delay could go below 0"},
    {"delay 10ms jitter", 1, 18, "jitter needs a duration like 10ms"},
    {"delay 10ms jitter syn", 1, 19, "jitter needs a duration like 10ms"},
    {"drop jitter 10ms", 1, 6,
     "'jitter' goes right after delay's duration, like: delay 50ms jitter 10ms"},
    {"delay 10ms syn jitter 1ms", 1, 16,
     "'jitter' goes right after delay's duration, like: delay 50ms jitter 10ms"},
    {"drop [SX]", 1, 8, "unknown flag letter 'X' in [SX]: use F S R P . U E W"},
    {"drop [SA]", 1, 8,
     "unknown flag letter 'A' in [SA]: use F S R P . U E W ('.' is ACK, as tcpdump prints it)"},
    {"drop [s]", 1, 7, "flag letters are upper case: write 'S' in [s]"},
    {"drop [SS]", 1, 8, "flag 'S' twice in [SS]"},
    {"drop []", 1, 6, "empty flag set []: write [none] for a segment with no flags"},
    {"drop [S .]", 1, 6,
     "'[S' is missing its closing ']': write the flags without spaces, like [S.]"},
    {"drop [S] [S.]", 1, 10, "duplicate flag set: a rule has one [..], holding every flag"},
    {"drop syn [S]", 1, 10,
     "exact flag set [S] cannot be combined with flag words: the brackets already fix every "
     "flag"},
    {"drop [S] syn", 1, 10,
     "'syn' cannot be combined with an exact flag set: the brackets already fix every flag, "
     "so put them all there, like [S.]"},
    {"drop [S.] pure-ack", 1, 11,
     "'pure-ack' cannot be combined with an exact flag set: the brackets already fix every "
     "flag, so put them all there, like [S.]"},
    {"drop syn !syn", 1, 10,
     "'!syn' contradicts an earlier word: SYN would have to be both set and clear"},
    {"drop pure-ack fin", 1, 15,
     "'fin' contradicts an earlier word: FIN would have to be both set and clear"},
    {"drop no-ack", 1, 6, "unknown word 'no-ack': negation is written !ack"},
    {"drop -syn", 1, 6, "unknown word '-syn': negation is written !syn"},
    {"drop !foo", 1, 6,
     "'!foo' is not a flag: negate one of syn fin rst psh ack urg ece cwr, like !ack"},
    {"drop from", 1, 10, "'from' needs client or server"},
    {"drop from here", 1, 11, "'from' needs client or server, not 'here'"},
    {"drop from client from server", 1, 18, "duplicate direction: a rule has one 'from'"},
    {"drop len", 1, 9, "len needs a length: len 0, len >0, len >=100, len <=40, len 1-1460"},
    {"drop len x", 1, 10, "len needs a length: len 0, len >0, len >=100, len <=40, len 1-1460"},
    {"drop len 1-", 1, 10, "len needs a length: len 0, len >0, len >=100, len <=40, len 1-1460"},
    {"drop len 100-10", 1, 10,
     "len range 100-10 is empty: write the smaller bound first, like len 10-100"},
    {"drop len <0", 1, 10, "len <0 matches nothing: lengths start at 0"},
    {"drop len >65535", 1, 10, "len >65535 matches nothing"},
    {"drop len 70000", 1, 10, "length '70000' too large: a segment carries at most 65535 bytes"},
    {"drop len > 0 len 4", 1, 14, "duplicate len: a rule has one len"},
    {"drop pure-ack len 0", 1, 15, "duplicate len: pure-ack already means len 0"},
    {"drop len 0 pure-ack", 1, 12, "duplicate len: pure-ack already means len 0"},
    {"drop len>0", 1, 6, "unknown word 'len>0': put a space after len, like len >0"},
    {"drop sport", 1, 11, "'sport' needs a port number 1-65535, like sport 80"},
    {"drop dport http", 1, 12, "'dport' needs a port number 1-65535, like dport 80"},
    {"drop port 0", 1, 11, "port 0 out of range: use 1-65535"},
    {"drop sport 70000", 1, 12, "port 70000 out of range: use 1-65535"},
    {"drop sport 80 sport 81", 1, 15, "duplicate sport: a rule names it once"},
    {"drop first", 1, 11, "'first' needs a positive count, like first 2"},
    {"drop first 0", 1, 12, "'first' needs a positive count, like first 2"},
    {"drop nth -1", 1, 10, "'nth' needs a positive count, like nth 2"},
    {"drop after 0", 1, 12, "'after' needs a positive count, like after 2"},
    {"drop first 99999999999", 1, 12, "count '99999999999' too large"},
    {"drop first 2 nth 3", 1, 14, "duplicate count: a rule takes one of first, nth, after, once"},
    {"drop once 2nd", 1, 11, "duplicate count: a rule takes one of first, nth, after, once"},
    {"drop 2th", 1, 6, "'2th' is written 2nd (or nth 2)"},
    {"drop 11st", 1, 6, "'11st' is written 11th (or nth 11)"},
    {"drop 0th", 1, 6, "'0th': counts start at 1st"},
    {"drop fromm client", 1, 6, "unknown word 'fromm': did you mean 'from'?"},
    {"drop SYN", 1, 6, "unknown word 'SYN': did you mean 'syn'?"},
    {"drop blah", 1, 6,
     "unknown word 'blah': expected from, [flags], a flag word (syn, !ack...), pure-ack, len, "
     "sport, dport, port, a count (first, nth, after, once), chance, or a selection (attempt, "
     "conn, handshake, between, after @x...)"},
    {"drop chance", 1, 12, "'chance' needs a percentage, like chance 1% or chance 0.5%"},
    {"drop chance syn", 1, 13, "'chance' needs a percentage, like chance 1% or chance 0.5%"},
    {"drop chance x%", 1, 13, "'chance' needs a percentage, like chance 1% or chance 0.5%"},
    {"drop chance 1%%", 1, 13, "'chance' needs a percentage, like chance 1% or chance 0.5%"},
    {"drop chance 1", 1, 13, "'1' needs a '%': chance is a percentage, like chance 1%"},
    {"drop len >0 chance 0.01", 1, 20,
     "'0.01' needs a '%': chance is a percentage, like chance 1% (a probability of 0.01 is "
     "chance 1%)"},
    {"drop chance 0.005 from client", 1, 13,
     "'0.005' needs a '%': chance is a percentage, like chance 1% (a probability of 0.005 is "
     "chance 0.5%)"},
    {"drop chance 1 %", 1, 15, "write the '%' right after the number, like chance 1%"},
    {"drop chance 150%", 1, 13, "chance '150%' is more than 100%: use 0% to 100%, like chance 1%"},
    {"drop chance 100.00001%", 1, 13,
     "chance '100.00001%' is more than 100%: use 0% to 100%, like chance 1%"},
    {"drop chance 99999999999999999999%", 1, 13,
     "chance '99999999999999999999%' is more than 100%: use 0% to 100%, like chance 1%"},
    {"drop chance -1%", 1, 13, "chance '-1%' is negative: use 0% to 100%, like chance 1%"},
    {"drop chance -0.5", 1, 13, "chance '-0.5' is negative: use 0% to 100%, like chance 1%"},
    {"drop chance 0.00001%", 1, 13,
     "chance '0.00001%' is finer than 0.0001%: use at most four decimals"},
    {"drop chance 1.%", 1, 13, "'1.%' needs digits after the '.', like chance 0.5%"},
    {"drop chance .5%", 1, 13, "'.5%' needs a digit before the '.', like chance 0.5%"},
    {"drop chance 1% syn chance 2%", 1, 20, "duplicate chance: a rule has one chance"},
    {"drop len >0 1%", 1, 13, "'1%' needs the word chance before it, like chance 1%"},
    {"drop prob 0.01", 1, 6,
     "unknown word 'prob': a random share of the segments is written chance P%, like chance 1%"},
    {"drop chanse 1%", 1, 6, "unknown word 'chanse': did you mean 'chance'?"},
    {"chance 1% drop", 1, 1,
     "unknown action 'chance': expected pass, drop, delay, set, strip, corrupt, duplicate, reset, "
     "reorder or rate "
     "(a rule starts "
     "with its action, "
     "like: drop [S] from client)"},
    {"drop syn drop", 1, 10, "a second action 'drop': one rule per line, with its action first"},
    {"\tdrop\t[SX]", 1, 9, "unknown flag letter 'X' in [SX]: use F S R P . U E W"},
    {"# ok\ndrop [S]\n\n  pass fin\ndrop [S] nth", 5, 13,
     "'nth' needs a positive count, like nth 2"},
};

START_TEST(test_syntax_error_reports_line_column_and_fix)
{
	int rc = ruleset_parse_string(&rs, "bad.rules", errors[_i].text, &err);
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_str_eq(err.msg, errors[_i].msg);
	ck_assert_msg(err.line == errors[_i].line && err.col == errors[_i].col,
	              "'%s': reported %u:%u, expected %u:%u", errors[_i].text, err.line, err.col,
	              errors[_i].line, errors[_i].col);
	ck_assert_str_eq(err.file, "bad.rules");
	/* the error names the offending line itself */
	const char *line = errors[_i].text;
	for (unsigned l = 1; l < errors[_i].line; l++)
		line = strchr(line, '\n') + 1;
	ck_assert(strncmp(err.text, line, strlen(err.text)) == 0);
	ck_assert_uint_eq(rs.n_rules, 0);
	ck_assert_ptr_null(rs.rules);
}
END_TEST

START_TEST(test_error_on_a_later_line_loads_nothing)
{
	const char *text = "drop [S]\ndelay 1ms\ndrop [Q]\n";
	ck_assert_int_eq(ruleset_parse_string(&rs, "x", text, &err), -EINVAL);
	ck_assert_uint_eq(err.line, 3);
	ck_assert_uint_eq(rs.n_rules, 0);
	ck_assert_ptr_null(rs.rules);
	ck_assert_ptr_null(rs.name);
}
END_TEST

START_TEST(test_more_than_1024_rules_is_an_error)
{
	size_t size = 1025 * 6 + 1;
	char *text = malloc(size);
	ck_assert_ptr_nonnull(text);
	text[0] = '\0';
	for (int i = 0; i < 1024; i++)
		strcat(text, "drop\n");
	ck_assert_int_eq(ruleset_parse_string(&rs, "many", text, &err), 0);
	ck_assert_uint_eq(rs.n_rules, 1024);
	ruleset_free(&rs);
	strcat(text, "drop\n");
	ck_assert_int_eq(ruleset_parse_string(&rs, "many", text, &err), -EINVAL);
	ck_assert_uint_eq(err.line, 1025);
	ck_assert_str_eq(err.msg, "too many rules: at most 1024");
	free(text);
}
END_TEST

static char *print_error(void)
{
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);
	ck_assert_ptr_nonnull(f);
	rule_error_print(f, &err);
	fclose(f);
	return out;
}

START_TEST(test_error_print_shows_position_line_and_caret)
{
	ck_assert_int_eq(ruleset_parse_string(&rs, "x.rules", "pass\ndrop [S] from clent\n", &err),
	                 -EINVAL);
	char *out = print_error();
	ck_assert_str_eq(out, "x.rules:2:15: 'from' needs client or server, not 'clent'\n"
	                      "drop [S] from clent\n"
	                      "              ^\n");
	free(out);
}
END_TEST

START_TEST(test_error_print_keeps_tabs_so_the_caret_lines_up)
{
	ck_assert_int_eq(ruleset_parse_string(&rs, "t.rules", "\tdrop\t[SX]", &err), -EINVAL);
	char *out = print_error();
	ck_assert_str_eq(out, "t.rules:1:9: unknown flag letter 'X' in [SX]: use F S R P . U E W\n"
	                      "\tdrop\t[SX]\n"
	                      "\t    \t  ^\n");
	free(out);
}
END_TEST

START_TEST(test_missing_file_returns_enoent_and_names_the_file)
{
	const char *path = "/nonexistent/synfin/none.rules";
	ck_assert_int_eq(ruleset_parse_file(&rs, path, &err), -ENOENT);
	ck_assert_str_eq(err.file, path);
	ck_assert_uint_eq(err.line, 0);
	ck_assert_uint_eq(rs.n_rules, 0);
	char *out = print_error();
	ck_assert_str_eq(out,
	                 "/nonexistent/synfin/none.rules: cannot open rule file: No such file or "
	                 "directory\n");
	free(out);
}
END_TEST

START_TEST(test_directory_given_as_rule_file_is_a_read_error)
{
	ck_assert_int_eq(ruleset_parse_file(&rs, "/tmp", &err), -EISDIR);
	ck_assert_str_eq(err.msg, "cannot read rule file: Is a directory");
	ck_assert_uint_eq(rs.n_rules, 0);
}
END_TEST

START_TEST(test_long_words_and_lines_are_cut_in_the_error_not_overflowed)
{
	char text[1200];
	memset(text, ' ', 600);
	strcpy(text + 600, "drop ");
	memset(text + 605, 'x', 500);
	text[1105] = '\0';
	ck_assert_int_eq(ruleset_parse_string(&rs, "long", text, &err), -EINVAL);
	ck_assert_uint_eq(err.line, 1);
	ck_assert_uint_eq(err.col, 606);
	ck_assert_uint_eq(strlen(err.text), sizeof(err.text) - 1);
	/* the word is quoted up to 40 characters, and the advice still fits */
	ck_assert_ptr_nonnull(
	    strstr(err.msg, "unknown word 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx': "));
	ck_assert_ptr_nonnull(
	    strstr(err.msg, "a selection (attempt, conn, handshake, between, after @x...)"));
	char *out = print_error();
	ck_assert_ptr_nonnull(strstr(out, "long:1:606: "));
	free(out);
}
END_TEST

static void write_temp(char *path, const void *data, size_t len)
{
	strcpy(path, "/tmp/synfin-rule-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

START_TEST(test_file_parses_like_the_same_text)
{
	char path[64];
	const char text[] = "# header\ndrop [S] from client first 2\n";
	write_temp(path, text, sizeof(text) - 1);
	int rc = ruleset_parse_file(&rs, path, &err);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(rs.name, path);
	ck_assert_uint_eq(rs.n_rules, 1);
	ck_assert_uint_eq(rs.rules[0].line, 2);
	ck_assert_uint_eq(rs.rules[0].count_n, 2);
	unlink(path);
}
END_TEST

START_TEST(test_file_with_nul_byte_is_rejected_at_its_position)
{
	char path[64];
	const char text[] = "drop\npass \0x\n";
	write_temp(path, text, sizeof(text) - 1);
	ck_assert_int_eq(ruleset_parse_file(&rs, path, &err), -EINVAL);
	ck_assert_uint_eq(err.line, 2);
	ck_assert_uint_eq(err.col, 6);
	ck_assert_str_eq(err.msg, "NUL byte in the rule file: is it a text file?");
	unlink(path);
}
END_TEST

START_TEST(test_every_shipped_rules_file_parses)
{
	char dir[512];
	synfin_src_path(dir, sizeof(dir), "rules");
	DIR *d = opendir(dir);
	ck_assert_msg(d != NULL, "cannot open %s", dir);
	unsigned files = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < 7 || strcmp(e->d_name + n - 6, ".rules") != 0)
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		int rc = ruleset_parse_file(&rs, path, &err);
		ck_assert_msg(rc == 0, "%s:%u:%u: %s", err.file, err.line, err.col, err.msg);
		ruleset_free(&rs);
		files++;
	}
	closedir(d);
	ck_assert_uint_ge(files, 9);
}
END_TEST

static void parse_shipped(const char *name)
{
	char rel[256], path[512];
	snprintf(rel, sizeof(rel), "rules/%s", name);
	synfin_src_path(path, sizeof(path), rel);
	int rc = ruleset_parse_file(&rs, path, &err);
	ck_assert_msg(rc == 0, "%s:%u:%u: %s", err.file, err.line, err.col, err.msg);
}

START_TEST(test_syn_timeout_rules_drop_every_client_syn)
{
	parse_shipped("syn-timeout.rules");
	ck_assert_uint_eq(rs.n_rules, 1);
	const struct rule *r = &rs.rules[0];
	ck_assert_int_eq(r->action, RULE_DROP);
	ck_assert(r->flags_exact);
	ck_assert_uint_eq(r->flags_set, TCPF_SYN);
	ck_assert_int_eq(r->dir, RULE_DIR_FROM_CLIENT);
	ck_assert_int_eq(r->count, RULE_COUNT_ALL);
}
END_TEST

START_TEST(test_random_loss_rules_drop_one_percent_of_data_both_ways)
{
	parse_shipped("random-loss-1pct.rules");
	ck_assert_uint_eq(rs.n_rules, 1);
	const struct rule *r = &rs.rules[0];
	ck_assert_int_eq(r->action, RULE_DROP);
	ck_assert_int_eq(r->dir, RULE_DIR_ANY);
	ck_assert(!r->flags_exact);
	ck_assert_uint_eq(r->flags_set | r->flags_clear, 0);
	ck_assert_uint_eq(r->len_min, 1);
	ck_assert_uint_eq(r->len_max, UINT32_MAX);
	ck_assert_int_eq(r->count, RULE_COUNT_ALL);
	ck_assert(r->has_chance);
	ck_assert_uint_eq(r->chance_ppm, 10000);
}
END_TEST

START_TEST(test_no_faults_rules_hold_no_rule)
{
	parse_shipped("no-faults.rules");
	ck_assert_uint_eq(rs.n_rules, 0);
}
END_TEST

static Suite *rule_parse_errors_suite(void)
{
	Suite *s = suite_create("rule_parse_errors");
	TCase *tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, test_syntax_error_reports_line_column_and_fix, 0,
	                    (int)(sizeof(errors) / sizeof(errors[0])));
	tcase_add_test(tc, test_error_on_a_later_line_loads_nothing);
	tcase_add_test(tc, test_more_than_1024_rules_is_an_error);
	tcase_add_test(tc, test_error_print_shows_position_line_and_caret);
	tcase_add_test(tc, test_error_print_keeps_tabs_so_the_caret_lines_up);
	tcase_add_test(tc, test_long_words_and_lines_are_cut_in_the_error_not_overflowed);
	suite_add_tcase(s, tc);

	TCase *tf = tcase_create("files");
	tcase_add_checked_fixture(tf, NULL, teardown);
	tcase_add_test(tf, test_missing_file_returns_enoent_and_names_the_file);
	tcase_add_test(tf, test_file_parses_like_the_same_text);
	tcase_add_test(tf, test_directory_given_as_rule_file_is_a_read_error);
	tcase_add_test(tf, test_file_with_nul_byte_is_rejected_at_its_position);
	tcase_add_test(tf, test_every_shipped_rules_file_parses);
	tcase_add_test(tf, test_syn_timeout_rules_drop_every_client_syn);
	tcase_add_test(tf, test_random_loss_rules_drop_one_percent_of_data_both_ways);
	tcase_add_test(tf, test_no_faults_rules_hold_no_rule);
	suite_add_tcase(s, tf);
	return s;
}

int main(void)
{
	return synfin_run_suite(rule_parse_errors_suite());
}
