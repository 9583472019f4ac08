/* test_icmp.c: the stack answers ping (RFC 792 echo, RFC 1122 3.2.2.6). */
#include "stack_fixture.h"
#include "test_support.h"

static struct fx F;

static void setup(void)
{
	fx_init(&F);
	fx_start(&F);
}

static void teardown(void)
{
	fx_free(&F);
}

static size_t echo_request(uint8_t *pkt, uint8_t type, uint16_t id, uint16_t seq, const char *data,
                           size_t len)
{
	uint8_t *icmp = pkt + IPV4_HDR_LEN;
	icmp[0] = type;
	icmp[1] = 0;
	wire_put16(icmp + 2, 0);
	wire_put16(icmp + 4, id);
	wire_put16(icmp + 6, seq);
	memcpy(icmp + 8, data, len);
	wire_put16(icmp + 2, csum_fold(csum_add(0, icmp, 8 + len)));
	ipv4_emit(pkt, FX_PEER, FX_LOCAL, IPPROTO_NUM_ICMP, 9, 64, (uint16_t)(8 + len));
	return IPV4_HDR_LEN + 8 + len;
}

START_TEST(test_echo_request_gets_reply_with_same_id_seq_and_data)
{
	uint8_t pkt[128], out[128];
	size_t n = echo_request(pkt, 8, 0x4242, 7, "abcdefgh", 8);
	stack_input(F.s, F.now, pkt, n);
	ck_assert_uint_eq(fx_pending(&F), 1);
	struct fx_pkt *p = &F.pkts[F.head++];
	ck_assert_uint_eq(p->len, n);
	memcpy(out, p->data, p->len);
	struct ipv4_hdr ip;
	enum stack_drop_reason why;
	ck_assert_int_eq(ipv4_parse(&ip, out, p->len, &why), 0);
	ck_assert_uint_eq(ip.saddr, FX_LOCAL);
	ck_assert_uint_eq(ip.daddr, FX_PEER);
	ck_assert_uint_eq(ip.proto, 1);
	ck_assert_uint_eq(ip.payload[0], 0); /* echo reply */
	ck_assert_uint_eq(wire_get16(ip.payload + 4), 0x4242);
	ck_assert_uint_eq(wire_get16(ip.payload + 6), 7);
	ck_assert_int_eq(memcmp(ip.payload + 8, "abcdefgh", 8), 0);
	ck_assert_uint_eq(csum_fold(csum_add(0, ip.payload, ip.payload_len)), 0);
	ck_assert_uint_eq(stack_get_stats(F.s)->icmp_echo_replies, 1);
}
END_TEST

START_TEST(test_bad_icmp_is_counted_not_answered)
{
	uint8_t pkt[128];
	size_t n = echo_request(pkt, 8, 1, 1, "x", 1);
	pkt[n - 1] ^= 1;
	stack_input(F.s, F.now, pkt, n);
	n = echo_request(pkt, 0, 1, 1, "x", 1); /* a reply: not ours to answer */
	stack_input(F.s, F.now, pkt, n);
	n = echo_request(pkt, 8, 1, 1, "", 0);
	ipv4_emit(pkt, FX_PEER, FX_LOCAL, IPPROTO_NUM_ICMP, 9, 64, 4);
	stack_input(F.s, F.now, pkt, IPV4_HDR_LEN + 4);
	fx_recv_nothing(&F);
	const struct stack_stats *st = stack_get_stats(F.s);
	ck_assert_uint_eq(st->drops[STACK_DROP_ICMP_BAD_CHECKSUM], 1);
	ck_assert_uint_eq(st->drops[STACK_DROP_ICMP_TYPE], 1);
	ck_assert_uint_eq(st->drops[STACK_DROP_ICMP_TRUNCATED], 1);
}
END_TEST

static Suite *icmp_suite(void)
{
	Suite *s = suite_create("icmp");
	TCase *tc = tcase_create("echo");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_echo_request_gets_reply_with_same_id_seq_and_data);
	tcase_add_test(tc, test_bad_icmp_is_counted_not_answered);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(icmp_suite());
}
