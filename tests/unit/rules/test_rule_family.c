/* test_rule_family.c: the family words ip4 and ip6 (rules/README.md, "Selection"), and IPv6
 * segments in the matcher: "from client" by the client's IPv6 address, counts kept per
 * connection of either family, resets forged over IPv6. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "common/wire_bytes.h"
#include "rules/rule.h"
#include "test_support.h"

#define CLIENT 0xc0a8016cu /* 192.168.1.108 */
#define SERVER 0xc0a8016du /* 192.168.1.109 */
#define CPORT 40000
#define SPORT 80

static const uint8_t CLIENT6[16] = {0xfd, [14] = 0x01, [15] = 0x08};
static const uint8_t SERVER6[16] = {0xfd, [14] = 0x01, [15] = 0x09};

static struct ruleset rs;
static struct rule_error err;
static struct matcher *m;

static void teardown(void)
{
	matcher_free(m);
	m = NULL;
	ruleset_free(&rs);
}

static void load(const char *text)
{
	int rc = ruleset_parse_string(&rs, "t.rules", text, &err);
	ck_assert_msg(rc == 0, "%s:%u:%u: %s", err.file, err.line, err.col, err.msg);
	m = matcher_new(&rs, CLIENT, 1);
	ck_assert_ptr_nonnull(m);
	matcher_set_client_ipv6(m, CLIENT6);
}

static struct segment seg4(bool from_client, uint8_t flags)
{
	struct segment s;
	memset(&s, 0, sizeof(s));
	s.saddr = from_client ? CLIENT : SERVER;
	s.daddr = from_client ? SERVER : CLIENT;
	s.sport = from_client ? CPORT : SPORT;
	s.dport = from_client ? SPORT : CPORT;
	s.ip_proto = 6;
	s.seq = from_client ? 1000 : 5000;
	s.ack = flags & TCPF_ACK ? (from_client ? 5001 : 1001) : 0;
	s.flags = flags;
	s.ip_len = 40;
	return s;
}

static struct segment seg6(bool from_client, uint8_t flags)
{
	struct segment s = seg4(from_client, flags);
	s.ipv6 = true;
	s.saddr = s.daddr = 0;
	memcpy(s.saddr6, from_client ? CLIENT6 : SERVER6, 16);
	memcpy(s.daddr6, from_client ? SERVER6 : CLIENT6, 16);
	s.ip_len = 60;
	return s;
}

static struct verdict decide(struct segment s)
{
	struct verdict v;
	matcher_decide(m, &s, 0, &v);
	return v;
}

START_TEST(test_family_words_parse)
{
	load("drop ip6 [S]\npass ip4\ndrop [S.]\n");
	ck_assert_uint_eq(rs.rules[0].family, 6);
	ck_assert_uint_eq(rs.rules[1].family, 4);
	ck_assert_uint_eq(rs.rules[2].family, 0);
}
END_TEST

static const struct {
	const char *text;
	unsigned line, col;
	const char *msg;
} family_errors[] = {
    {"drop ip6 ip6", 1, 10, "duplicate 'ip6'"},
    {"drop [S] ip4 from client ip6", 1, 26,
     "'ip6' after ip4: a segment is one or the other; leave both out to match either"},
    {"pass\ndrop ipv6 [S]", 2, 6,
     "unknown word 'ipv6': the family is written ip4 or ip6, like drop [S] ip6 once"},
    {"drop inet6", 1, 6,
     "unknown word 'inet6': the family is written ip4 or ip6, like drop [S] ip6 once"},
    {"drop ip7", 1, 6, "unknown word 'ip7': did you mean 'ip4'?"},
};

START_TEST(test_family_errors_say_where_and_how_to_fix)
{
	for (size_t k = 0; k < sizeof(family_errors) / sizeof(family_errors[0]); k++) {
		ck_assert_int_eq(ruleset_parse_string(&rs, "t.rules", family_errors[k].text, &err),
		                 -EINVAL);
		ck_assert_msg(err.line == family_errors[k].line && err.col == family_errors[k].col,
		              "'%s': %u:%u, want %u:%u", family_errors[k].text, err.line, err.col,
		              family_errors[k].line, family_errors[k].col);
		ck_assert_str_eq(err.msg, family_errors[k].msg);
	}
}
END_TEST

START_TEST(test_ip6_matches_only_ipv6_and_ip4_only_ipv4)
{
	load("drop ip6 [S]\ndelay 10ms ip4 [S]\n");
	ck_assert_int_eq(decide(seg6(true, TCPF_SYN)).action, RULE_DROP);
	ck_assert_int_eq(decide(seg4(true, TCPF_SYN)).action, RULE_DELAY);
	ck_assert_int_eq(decide(seg6(true, TCPF_ACK)).action, RULE_PASS);
}
END_TEST

START_TEST(test_from_client_and_server_work_over_ipv6)
{
	load("drop from client [S]\ndelay 5ms from server\n");
	ck_assert_int_eq(decide(seg6(true, TCPF_SYN)).action, RULE_DROP);
	ck_assert_int_eq(decide(seg6(false, TCPF_SYN | TCPF_ACK)).action, RULE_DELAY);
	/* neither end the client: no direction */
	struct segment other = seg6(true, TCPF_SYN);
	other.saddr6[15] = 0x10;
	ck_assert_int_eq(decide(other).action, RULE_PASS);
}
END_TEST

START_TEST(test_without_a_client_ipv6_address_no_ipv6_segment_has_a_direction)
{
	ck_assert_int_eq(ruleset_parse_string(&rs, "t.rules", "drop from client\n", &err), 0);
	m = matcher_new(&rs, CLIENT, 1);
	ck_assert_int_eq(decide(seg6(true, TCPF_SYN)).action, RULE_PASS);
	ck_assert_int_eq(decide(seg4(true, TCPF_SYN)).action, RULE_DROP);
}
END_TEST

START_TEST(test_counts_are_per_connection_of_each_family)
{
	/* the same ports over both families: two connections, each with its first SYN */
	load("drop [S] once\n");
	ck_assert_int_eq(decide(seg4(true, TCPF_SYN)).action, RULE_DROP);
	ck_assert_int_eq(decide(seg6(true, TCPF_SYN)).action, RULE_DROP);
	ck_assert_int_eq(decide(seg6(true, TCPF_SYN)).action, RULE_PASS);
	ck_assert_int_eq(decide(seg4(true, TCPF_SYN)).action, RULE_PASS);
	ck_assert_uint_eq(matcher_connections(m), 2);
}
END_TEST

START_TEST(test_ipv6_connections_are_numbered_and_followed)
{
	load("drop conn 2 [S]\n");
	ck_assert_int_eq(decide(seg6(true, TCPF_SYN)).action, RULE_PASS);
	struct segment second = seg6(true, TCPF_SYN);
	second.sport = CPORT + 1;
	ck_assert_int_eq(decide(second).action, RULE_DROP);
}
END_TEST

START_TEST(test_resets_over_ipv6_are_ipv6_segments_with_their_checksum)
{
	load("reset both [.]\n");
	ck_assert_int_eq(decide(seg6(true, TCPF_SYN)).action, RULE_PASS);
	ck_assert_int_eq(decide(seg6(false, TCPF_SYN | TCPF_ACK)).action, RULE_PASS);
	struct segment ack = seg6(true, TCPF_ACK);
	ack.seq = 1001;
	struct verdict v = decide(ack);
	ck_assert_int_eq(v.action, RULE_RESET);
	struct rule_reset_segment rst[2];
	ck_assert_uint_eq(verdict_resets(&v, &ack, rst), 2);
	ck_assert(rst[0].ipv6 && rst[1].ipv6);
	ck_assert_mem_eq(rst[0].saddr6, CLIENT6, 16);
	ck_assert_mem_eq(rst[1].saddr6, SERVER6, 16);
	ck_assert_mem_eq(rst[1].daddr6, CLIENT6, 16);
	uint8_t buf[SEGMENT_FORGED_MAX];
	ck_assert_uint_eq(rule_reset_packet(&rst[1], buf), SEGMENT_FORGED_LEN6);
	struct segment out;
	ck_assert_int_eq(segment_parse(&out, buf, SEGMENT_FORGED_LEN6), 0);
	ck_assert(out.ipv6);
	ck_assert_uint_eq(out.flags, TCPF_RST | TCPF_ACK);
	ck_assert_uint_eq(out.sport, SPORT);
	ck_assert_uint_eq(out.dport, CPORT);
}
END_TEST

static Suite *rule_family_suite(void)
{
	Suite *s = suite_create("rule_family");
	TCase *tc = tcase_create("family");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_family_words_parse);
	tcase_add_test(tc, test_family_errors_say_where_and_how_to_fix);
	tcase_add_test(tc, test_ip6_matches_only_ipv6_and_ip4_only_ipv4);
	tcase_add_test(tc, test_from_client_and_server_work_over_ipv6);
	tcase_add_test(tc, test_without_a_client_ipv6_address_no_ipv6_segment_has_a_direction);
	tcase_add_test(tc, test_counts_are_per_connection_of_each_family);
	tcase_add_test(tc, test_ipv6_connections_are_numbered_and_followed);
	tcase_add_test(tc, test_resets_over_ipv6_are_ipv6_segments_with_their_checksum);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(rule_family_suite());
}
