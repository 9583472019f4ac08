/* test_rule_kernel_match.c: the firewall matches of --queue-only-matching, and the proof that
 * queueing only what they admit leaves every verdict and every count as queueing everything. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tcp_flags.h"
#include "rules/rule.h"
#include "rules/rule_kernel_match.h"
#include "test_support.h"

#define CLIENT 0xc0a8016cu /* 192.168.1.108 */
#define SERVER 0xc0a8016du /* 192.168.1.109 */
#define OTHER 0xc0a8016eu  /* 192.168.1.110 */
/* fd00::108, fd00::109, fd00::110: the topology's IPv6 addresses, and another host */
static const uint8_t client6[16] = {0xfd, [14] = 0x01, [15] = 0x08};
static const uint8_t server6[16] = {0xfd, [14] = 0x01, [15] = 0x09};
static const uint8_t other6[16] = {0xfd, [14] = 0x01, [15] = 0x10};
static struct kernel_match_client client;

static void client_setup(void)
{
	client.addr = CLIENT;
	memcpy(client.addr6, client6, 16);
}

static void parse(struct ruleset *rs, const char *text)
{
	struct rule_error err;
	int rc = ruleset_parse_string(rs, "t.rules", text, &err);
	ck_assert_msg(rc == 0, "%s:%u:%u: %s", err.file, err.line, err.col, err.msg);
}

/* The matches of text in the firewall of IP version 4 or 6, one per line. */
static char *matches_text_of(const char *text, unsigned version)
{
	struct ruleset rs;
	parse(&rs, text);
	struct kernel_match *m = calloc(rs.n_rules + 1, sizeof(*m));
	size_t n = rule_kernel_matches(&rs, m);
	static char out[4096];
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!kernel_match_in_family(&m[i], version))
			continue;
		len += (size_t)kernel_match_format(&m[i], version, &client, out + len,
		                                   sizeof(out) - len);
		len += (size_t)snprintf(out + len, sizeof(out) - len, "\n");
	}
	free(m);
	ruleset_free(&rs);
	return out;
}

static const struct {
	const char *rules;
	const char *matches;
} cases[] = {
    {"", ""},
    {"# only a comment\n", ""},
    {"drop [S] from client\n",
     "-s 192.168.1.108/32 -p tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG SYN\n"},
    /* a count needs every opening: the client's SYNs are among them */
    {"drop [S] from client first 2\n", "-p tcp --tcp-flags SYN,ACK SYN\n"},
    {"delay 300ms fin from server\n", "-d 192.168.1.108/32 -p tcp --tcp-flags FIN FIN\n"},
    {"drop rst\n", "-p tcp --tcp-flags RST RST\n"},
    {"drop syn !ack\n", "-p tcp --tcp-flags SYN,ACK SYN\n"},
    {"drop [none]\n", "-p tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG NONE\n"},
    /* ECE and CWR are beyond iptables' tcp match: tested in the daemon only */
    {"drop [SEW]\n", "-p tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG SYN\n"},
    {"drop ece\n", "-p tcp\n"},
    {"drop cwr !syn\n", "-p tcp --tcp-flags SYN NONE\n"},
    {"drop [S.] from server once\n",
     "-d 192.168.1.108/32 -p tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG SYN,ACK\n"
     "-p tcp --tcp-flags SYN,ACK SYN\n"},
    /* a draw is keyed by the segment's place in its connection (its relative seq, its
     * attempt): the matcher follows every segment, as for a selection word */
    {"drop len >0 chance 1%\n", "-p tcp\n"},
    {"delay 10ms jitter 5ms fin\n", "-p tcp\n"},
    /* a certain chance draws nothing */
    {"drop len >0 chance 100%\n", "-p tcp -m length --length 41:65535\n"},
    {"delay 200ms pure-ack from client\n",
     "-s 192.168.1.108/32 -p tcp --tcp-flags FIN,SYN,RST,ACK ACK -m length --length 0:120\n"},
    {"drop len 10-20 sport 80 dport 5001 nth 3\n",
     "-p tcp --sport 80 --dport 5001 -m length --length 50:140\n"
     "-p tcp --tcp-flags SYN,ACK SYN\n"},
    {"drop len 65535\n", "-p tcp -m length --length 65535:65535\n"},
    {"drop len <=1000\n", "-p tcp -m length --length 0:1120\n"},
    {"delay 20ms port 80\n", "-p tcp -m multiport --ports 80\n"},
    {"drop fin sport 5001 port 80\n",
     "-p tcp --sport 5001 --tcp-flags FIN FIN -m multiport --ports 80\n"},
    /* nth data segments: every data segment is of its kind */
    {"drop [P.] 2nd\n", "-p tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG PSH,ACK\n"
                        "-p tcp --tcp-flags SYN,ACK SYN\n"},
    {"drop len >0 after 3 from client\n", "-s 192.168.1.108/32 -p tcp -m length --length 41:65535\n"
                                          "-p tcp --tcp-flags SYN,ACK SYN\n"},
    /* selection by connection state follows every segment of every connection */
    {"drop fin retransmission\n", "-p tcp\n"},
    {"drop [S] from client original\n", "-p tcp\n"},
    {"delay 10ms fin closing\n", "-p tcp\n"},
    {"drop [S] conn 2\n", "-p tcp\n"},
    {"drop rst between 1s 2s\n", "-p tcp\n"},
    {"@lost drop fin once\ndelay 5ms [S.] after @lost\n", "-p tcp\n"},
    /* a rule that matches everything queues everything */
    {"drop [S] from client first 2\ndelay 50ms jitter 10ms\n", "-p tcp\n"},
    {"pass\n", "-p tcp\n"},
    /* a pass rule is queued too: rules below count what it decided, and its hits are kept */
    {"pass [S] nth 1\ndrop [S] nth 2\n", "-p tcp --tcp-flags SYN,ACK SYN\n"},
    {"drop syn\ndrop fin\ndrop rst\n",
     "-p tcp --tcp-flags SYN SYN\n-p tcp --tcp-flags FIN FIN\n-p tcp --tcp-flags RST RST\n"},
    /* of two equal matches the first stays; one a wider one admits goes */
    {"drop fin\ndelay 1s fin\n", "-p tcp --tcp-flags FIN FIN\n"},
    {"drop [F.] from server\ndrop fin\n", "-p tcp --tcp-flags FIN FIN\n"},
    {"drop fin from server\ndrop fin from client\n",
     "-d 192.168.1.108/32 -p tcp --tcp-flags FIN FIN\n"
     "-s 192.168.1.108/32 -p tcp --tcp-flags FIN FIN\n"},
    {"drop fin dport 80\ndrop fin port 80\n",
     "-p tcp --tcp-flags FIN FIN -m multiport --ports 80\n"},
};

START_TEST(test_matches_of_each_rule_kind)
{
	ck_assert_str_eq(matches_text_of(cases[_i].rules, 4), cases[_i].matches);
}
END_TEST

/* ip6tables: the client's IPv6 address, lengths from the IPv6 header's 40 bytes with no upper
 * bound (extension headers), and a rule of one family only in that family's firewall. */
static const struct {
	const char *rules;
	const char *ipv4, *ipv6;
} cases6[] = {
    {"drop [S] from client\n",
     "-s 192.168.1.108/32 -p tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG SYN\n",
     "-s fd00::108/128 -p tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG SYN\n"},
    {"delay 300ms fin from server\n", "-d 192.168.1.108/32 -p tcp --tcp-flags FIN FIN\n",
     "-d fd00::108/128 -p tcp --tcp-flags FIN FIN\n"},
    {"drop len 10-20 sport 80\n", "-p tcp --sport 80 -m length --length 50:140\n",
     "-p tcp --sport 80 -m length --length 70:65535\n"},
    {"drop len <=1000\n", "-p tcp -m length --length 0:1120\n", "-p tcp\n"},
    {"drop len >0 chance 100%\n", "-p tcp -m length --length 41:65535\n",
     "-p tcp -m length --length 61:65535\n"},
    {"drop fin ip6\n", "", "-p tcp --tcp-flags FIN FIN\n"},
    {"drop fin ip4\ndrop rst\n", "-p tcp --tcp-flags FIN FIN\n-p tcp --tcp-flags RST RST\n",
     "-p tcp --tcp-flags RST RST\n"},
    /* a rule of both families admits all one of a family does */
    {"drop fin ip4\ndrop fin\n", "-p tcp --tcp-flags FIN FIN\n", "-p tcp --tcp-flags FIN FIN\n"},
    {"drop fin ip6\ndrop fin ip4\n", "-p tcp --tcp-flags FIN FIN\n",
     "-p tcp --tcp-flags FIN FIN\n"},
    {"drop [S] ip6 conn 2\n", "-p tcp\n", "-p tcp\n"},
};

START_TEST(test_matches_of_each_family)
{
	ck_assert_str_eq(matches_text_of(cases6[_i].rules, 4), cases6[_i].ipv4);
	ck_assert_str_eq(matches_text_of(cases6[_i].rules, 6), cases6[_i].ipv6);
}
END_TEST

/* ---- exactness: the daemon fed only what the matches admit decides as if fed everything ---- */

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* The flag bytes rules aim at, and now and then any byte at all. */
static uint8_t random_flags(void)
{
	static const uint8_t common[] = {
	    TCPF_SYN,
	    TCPF_SYN | TCPF_ACK,
	    TCPF_ACK,
	    TCPF_PSH | TCPF_ACK,
	    TCPF_FIN | TCPF_ACK,
	    TCPF_FIN | TCPF_PSH | TCPF_ACK,
	    TCPF_RST,
	    TCPF_RST | TCPF_ACK,
	    TCPF_SYN | TCPF_ECE | TCPF_CWR,
	    TCPF_SYN | TCPF_ACK | TCPF_ECE,
	    TCPF_FIN,
	    0,
	};
	if (rnd(8) == 0)
		return (uint8_t)rnd(256);
	return common[rnd(sizeof(common))];
}

static struct segment random_segment(uint32_t *isn)
{
	static const uint16_t lens[] = {0, 0, 0, 1, 10, 20, 100, 1000, 1448, 1460, 65000};
	static const uint16_t tcp_hdr[] = {20, 32, 40, 60};
	struct segment s;
	memset(&s, 0, sizeof(s));
	unsigned k = rnd(6);
	uint16_t cport = (uint16_t)(40000 + k), sport = k % 2 ? 80 : 5001;
	uint32_t caddr = k == 5 ? OTHER : CLIENT; /* a connection of two other hosts */
	bool from_client = rnd(2);
	/* connections 2 and 5 are IPv6, with extension headers now and then */
	s.ipv6 = k == 2 || k == 5;
	if (s.ipv6) {
		const uint8_t *c6 = k == 5 ? other6 : client6;
		memcpy(s.saddr6, from_client ? c6 : server6, 16);
		memcpy(s.daddr6, from_client ? server6 : c6, 16);
	} else {
		s.saddr = from_client ? caddr : SERVER;
		s.daddr = from_client ? SERVER : caddr;
	}
	s.sport = from_client ? cport : sport;
	s.dport = from_client ? sport : cport;
	s.ip_proto = 6;
	s.flags = random_flags();
	if ((s.flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN && rnd(4) == 0)
		isn[k] += 100000; /* a new connection on the same 4-tuple */
	s.seq = isn[k] + rnd(3);
	s.payload_len = lens[rnd(sizeof(lens) / sizeof(lens[0]))];
	static const uint16_t ext_hdr[] = {0, 0, 8, 24};
	unsigned ip_hdr = s.ipv6 ? 40u + ext_hdr[rnd(4)] : 20u;
	s.ip_len = (uint16_t)(ip_hdr + tcp_hdr[rnd(4)] + s.payload_len);
	return s;
}

static void check_exact(const char *text, unsigned n_segments)
{
	struct ruleset all, some;
	parse(&all, text);
	parse(&some, text);
	struct kernel_match *km = calloc(all.n_rules + 1, sizeof(*km));
	size_t n_km = rule_kernel_matches(&all, km);
	struct matcher *m_all = matcher_new(&all, CLIENT, 7);
	struct matcher *m_some = matcher_new(&some, CLIENT, 7);
	ck_assert(m_all && m_some);
	matcher_set_client_ipv6(m_all, client6);
	matcher_set_client_ipv6(m_some, client6);
	matcher_set_max_connections(m_all, 4);
	matcher_set_max_connections(m_some, 4); /* the forgetting must agree too */
	struct kernel_match bypass[2];
	bool has_bypass[2] = {kernel_match_bypass(km, n_km, 4, &bypass[0]),
	                      kernel_match_bypass(km, n_km, 6, &bypass[1])};
	uint32_t isn[6] = {1, 2, 3, 4, 5, 6};
	unsigned queued = 0;
	for (unsigned i = 0; i < n_segments; i++) {
		struct segment s = random_segment(isn);
		struct verdict v_all, v_some;
		matcher_decide(m_all, &s, i * 1000u, &v_all);
		bool admitted = false;
		for (size_t j = 0; j < n_km && !admitted; j++)
			admitted = kernel_match_admits(&km[j], &s, &client);
		/* the test before the matches lets pass only what none of them admits */
		if (has_bypass[s.ipv6] && kernel_match_admits(&bypass[s.ipv6], &s, &client))
			ck_assert_msg(!admitted,
			              "%s: segment %u (flags 0x%02x) bypassed but admitted", text,
			              i, s.flags);
		if (!admitted) {
			ck_assert_msg(
			    v_all.action == RULE_PASS && !v_all.rule,
			    "%s: segment %u (flags 0x%02x len %u) not queued, but rule %u "
			    "decides it",
			    text, i, s.flags, s.payload_len, v_all.rule ? v_all.rule->index : 0);
			continue;
		}
		queued++;
		matcher_decide(m_some, &s, i * 1000u, &v_some);
		ck_assert_msg(v_all.action == v_some.action && v_all.delay_us == v_some.delay_us &&
		                  (v_all.rule ? v_all.rule->index : 0) ==
		                      (v_some.rule ? v_some.rule->index : 0),
		              "%s: segment %u decided otherwise when only matches are queued", text,
		              i);
	}
	for (unsigned r = 0; r < all.n_rules; r++)
		ck_assert_uint_eq(all.rules[r].hits, some.rules[r].hits);
	if (n_km == 0)
		ck_assert_uint_eq(queued, 0);
	matcher_free(m_all);
	matcher_free(m_some);
	free(km);
	ruleset_free(&all);
	ruleset_free(&some);
}

START_TEST(test_verdicts_and_counts_exact_for_each_case)
{
	check_exact(cases[_i].rules, 20000);
}
END_TEST

static const char *const more_rules[] = {
    "drop [S] from client first 2\ndelay 300ms fin from server\n",
    "drop fin first 1 chance 50%\ndrop [S.] from server chance 50%\ndrop rst nth 2\n",
    "pass [S] nth 1\ndrop [S] nth 2\ndelay 5ms [S]\n",
    "delay 10ms jitter 5ms fin\ndrop rst chance 30%\ndrop [S] after 2 from client\n",
    "drop [P.] first 2 chance 50%\ndelay 1ms fin\n",
    "delay 200ms pure-ack from client after 3\ndrop len 1-1460 port 80 nth 5\n",
    "drop [SEW] once\ndrop [S.E]\ndrop urg\n",
    "pass from server\ndrop fin 3rd\ndrop syn !ack first 1\n",
    "drop !ack\ndrop len <10 dport 5001 chance 10%\n",
    "drop fin ip6 first 1\ndrop [S] ip4 from client\ndelay 1ms rst ip6 from server\n",
    "drop len 1-1000 ip6\ndrop len >1200 ip4 nth 2\n",
};

START_TEST(test_verdicts_and_counts_exact_for_mixed_files)
{
	check_exact(more_rules[_i], 20000);
}
END_TEST

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

START_TEST(test_verdicts_and_counts_exact_for_shipped_files)
{
	char dir[512];
	synfin_src_path(dir, sizeof(dir), "rules");
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	unsigned files = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < 7 || strcmp(e->d_name + n - 6, ".rules") != 0)
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		check_exact(read_file(path), 20000);
		files++;
	}
	closedir(d);
	ck_assert_uint_ge(files, 9);
}
END_TEST

START_TEST(test_syn_fin_rst_rules_leave_data_segments_unqueued)
{
	struct ruleset rs;
	parse(&rs, "drop [S] from client first 2\ndelay 300ms fin from server\ndrop rst nth 5\n");
	struct kernel_match km[4];
	size_t n = rule_kernel_matches(&rs, km);
	struct segment data;
	memset(&data, 0, sizeof(data));
	data.saddr = CLIENT;
	data.daddr = SERVER;
	data.flags = TCPF_ACK | TCPF_PSH;
	data.payload_len = 1448;
	data.ip_len = 1500;
	for (size_t i = 0; i < n; i++)
		ck_assert(!kernel_match_admits(&km[i], &data, &client));
	data.flags = TCPF_ACK;
	data.payload_len = 0;
	data.ip_len = 52;
	for (size_t i = 0; i < n; i++)
		ck_assert(!kernel_match_admits(&km[i], &data, &client));
	ruleset_free(&rs);
}
END_TEST

/* The bypass's text, or "none". */
static const char *bypass_text_of(const char *text, unsigned version)
{
	struct ruleset rs;
	parse(&rs, text);
	struct kernel_match *m = calloc(rs.n_rules + 1, sizeof(*m)), bypass;
	size_t n = rule_kernel_matches(&rs, m);
	static char out[256];
	snprintf(out, sizeof(out), "none");
	if (kernel_match_bypass(m, n, version, &bypass))
		kernel_match_format(&bypass, version, &client, out, sizeof(out));
	free(m);
	ruleset_free(&rs);
	return out;
}

START_TEST(test_bypass_is_the_flags_every_match_requires)
{
	const char *sfr = "delay 1ms syn\ndelay 1ms fin\ndrop rst dport 9994\n";
	ck_assert_str_eq(bypass_text_of(sfr, 4), "-p tcp --tcp-flags FIN,SYN,RST NONE");
	ck_assert_str_eq(bypass_text_of(sfr, 6), "-p tcp --tcp-flags FIN,SYN,RST NONE");
	ck_assert_str_eq(bypass_text_of("drop [S.] from server\n", 4),
	                 "-p tcp --tcp-flags SYN,ACK NONE");
	/* a match that requires no flag set leaves nothing to bypass */
	ck_assert_str_eq(bypass_text_of("drop fin\ndrop len >0 chance 1%\n", 4), "none");
	ck_assert_str_eq(bypass_text_of("drop !ack\n", 4), "none");
	/* a family's own rules: the other firewall has no match, and no bypass */
	ck_assert_str_eq(bypass_text_of("drop fin ip6\n", 4), "none");
	ck_assert_str_eq(bypass_text_of("drop fin ip6\n", 6), "-p tcp --tcp-flags FIN NONE");
}
END_TEST

static Suite *kernel_match_suite(void)
{
	Suite *s = suite_create("rule_kernel_match");
	TCase *tc = tcase_create("matches");
	size_t n_cases = sizeof(cases) / sizeof(cases[0]);
	tcase_add_checked_fixture(tc, client_setup, NULL);
	tcase_add_loop_test(tc, test_matches_of_each_rule_kind, 0, (int)n_cases);
	tcase_add_loop_test(tc, test_matches_of_each_family, 0,
	                    (int)(sizeof(cases6) / sizeof(cases6[0])));
	tcase_add_test(tc, test_syn_fin_rst_rules_leave_data_segments_unqueued);
	tcase_add_test(tc, test_bypass_is_the_flags_every_match_requires);
	suite_add_tcase(s, tc);
	tc = tcase_create("exact");
	tcase_add_checked_fixture(tc, client_setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_verdicts_and_counts_exact_for_each_case, 0, (int)n_cases);
	tcase_add_loop_test(tc, test_verdicts_and_counts_exact_for_mixed_files, 0,
	                    (int)(sizeof(more_rules) / sizeof(more_rules[0])));
	tcase_add_test(tc, test_verdicts_and_counts_exact_for_shipped_files);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(kernel_match_suite());
}
