/* test_wire.c: the pure layers: checksum, IPv4 and TCP codecs, SipHash, the byte ring; and that
 * malformed packets given to the stack are counted by reason and dropped, never a crash. */
#include "common/siphash.h"
#include "ring.h"
#include "stack_fixture.h"
#include "test_support.h"

/* An IPv4 address in the stack's form, for the codecs that take either family. */
#define V4(a)                                                                                      \
	(&(struct stack_addr){{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, (uint8_t)((a) >> 24),     \
	                       (uint8_t)((a) >> 16), (uint8_t)((a) >> 8), (uint8_t)(a)}})

START_TEST(test_checksum_rfc1071_example)
{
	const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	ck_assert_uint_eq(csum_fold(csum_add(0, b, sizeof(b))), (uint16_t)~0xddf2);
	/* odd length: the last byte is padded with zero */
	const uint8_t odd[] = {0x12, 0x34, 0x56};
	ck_assert_uint_eq(csum_fold(csum_add(0, odd, 3)), (uint16_t) ~(0x1234 + 0x5600));
}
END_TEST

START_TEST(test_ipv4_emit_then_parse_round_trips)
{
	uint8_t pkt[40] = {0};
	ipv4_emit(pkt, FX_LOCAL, FX_PEER, IPPROTO_NUM_TCP, 0x1234, 64, 20);
	struct ipv4_hdr ip;
	enum stack_drop_reason why;
	ck_assert_int_eq(ipv4_parse(&ip, pkt, sizeof(pkt), &why), 0);
	ck_assert_uint_eq(ip.saddr, FX_LOCAL);
	ck_assert_uint_eq(ip.daddr, FX_PEER);
	ck_assert_uint_eq(ip.proto, 6);
	ck_assert_uint_eq(ip.id, 0x1234);
	ck_assert_uint_eq(ip.ttl, 64);
	ck_assert_uint_eq(ip.payload_len, 20);
	ck_assert_uint_eq(ip.frag, 0x4000);
}
END_TEST

START_TEST(test_ipv4_parse_rejects_each_malformation_with_its_reason)
{
	uint8_t pkt[40] = {0};
	struct ipv4_hdr ip;
	enum stack_drop_reason why;
	ipv4_emit(pkt, FX_LOCAL, FX_PEER, IPPROTO_NUM_TCP, 1, 64, 20);

	ck_assert_int_eq(ipv4_parse(&ip, pkt, 19, &why), -EINVAL);
	ck_assert_int_eq(why, STACK_DROP_IP_TRUNCATED);
	ck_assert_int_eq(ipv4_parse(&ip, pkt, 30, &why), -EINVAL); /* total length 40 */
	ck_assert_int_eq(why, STACK_DROP_IP_TRUNCATED);
	pkt[0] = 0x65;
	ck_assert_int_eq(ipv4_parse(&ip, pkt, 40, &why), -EINVAL);
	ck_assert_int_eq(why, STACK_DROP_IP_NOT_V4);
	pkt[0] = 0x44; /* IHL 16 bytes */
	ck_assert_int_eq(ipv4_parse(&ip, pkt, 40, &why), -EINVAL);
	ck_assert_int_eq(why, STACK_DROP_IP_BAD_HEADER);
	pkt[0] = 0x45;
	pkt[8] = 63; /* TTL changed, checksum not */
	ck_assert_int_eq(ipv4_parse(&ip, pkt, 40, &why), -EINVAL);
	ck_assert_int_eq(why, STACK_DROP_IP_BAD_CHECKSUM);
	ipv4_emit(pkt, FX_LOCAL, FX_PEER, IPPROTO_NUM_TCP, 1, 64, 20);
	wire_put16(pkt + 6, 0x2000); /* MF */
	wire_put16(pkt + 10, 0);
	wire_put16(pkt + 10, csum_fold(csum_add(0, pkt, 20)));
	ck_assert_int_eq(ipv4_parse(&ip, pkt, 40, &why), -EINVAL);
	ck_assert_int_eq(why, STACK_DROP_IP_FRAGMENT);
}
END_TEST

START_TEST(test_tcp_emit_then_parse_round_trips_with_mss)
{
	uint8_t seg[64];
	struct tcp_hdr th = {.sport = 1234,
	                     .dport = 80,
	                     .seq = 0xfffffff0u,
	                     .ack = 7,
	                     .flags = TCPF_SYN | TCPF_ACK,
	                     .wnd = 29200,
	                     .mss = 1400,
	                     .payload_len = 3};
	memcpy(seg + 24, "xyz", 3);
	size_t n = tcp_emit(seg, &th, V4(FX_LOCAL), V4(FX_PEER));
	ck_assert_uint_eq(n, 27);
	struct tcp_hdr out;
	enum stack_drop_reason why;
	ck_assert_int_eq(tcp_parse(&out, seg, n, V4(FX_LOCAL), V4(FX_PEER), &why), 0);
	ck_assert_uint_eq(out.sport, 1234);
	ck_assert_uint_eq(out.dport, 80);
	ck_assert_uint_eq(out.seq, 0xfffffff0u);
	ck_assert_uint_eq(out.ack, 7);
	ck_assert_uint_eq(out.flags, TCPF_SYN | TCPF_ACK);
	ck_assert_uint_eq(out.wnd, 29200);
	ck_assert_uint_eq(out.mss, 1400);
	ck_assert_uint_eq(out.doff, 24);
	ck_assert_uint_eq(out.payload_len, 3);
	ck_assert_int_eq(memcmp(out.payload, "xyz", 3), 0);
	/* the checksum covers the pseudo-header: other addresses fail */
	ck_assert_int_eq(tcp_parse(&out, seg, n, V4(FX_LOCAL), V4(FX_PEER + 1), &why), -EINVAL);
	ck_assert_int_eq(why, STACK_DROP_TCP_BAD_CHECKSUM);
}
END_TEST

/* A TCP header with the given options (padded to 4 bytes) and a valid checksum. */
static size_t tcp_with_options(uint8_t *seg, const uint8_t *opt, size_t optlen)
{
	size_t doff = 20 + ((optlen + 3) & ~(size_t)3);
	memset(seg, 0, doff);
	wire_put16(seg, 1);
	wire_put16(seg + 2, 2);
	seg[12] = (uint8_t)((doff / 4) << 4);
	seg[13] = TCPF_ACK;
	if (optlen)
		memcpy(seg + 20, opt, optlen);
	wire_put16(seg + 16, csum_fold(csum_add(csum_pseudo(FX_PEER, FX_LOCAL, 6, (uint16_t)doff),
	                                        seg, doff)));
	return doff;
}

START_TEST(test_tcp_options_skip_unknown_and_reject_bad_lengths)
{
	uint8_t seg[80];
	struct tcp_hdr th;
	enum stack_drop_reason why;
	/* NOP, NOP, timestamps (ignored), MSS */
	const uint8_t good[] = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 2, 4, 0x05, 0xb4};
	size_t n = tcp_with_options(seg, good, sizeof(good));
	ck_assert_int_eq(tcp_parse(&th, seg, n, V4(FX_PEER), V4(FX_LOCAL), &why), 0);
	ck_assert_uint_eq(th.mss, 1460);

	const uint8_t zero_len[] = {8, 0, 0, 0};
	n = tcp_with_options(seg, zero_len, sizeof(zero_len));
	ck_assert_int_eq(tcp_parse(&th, seg, n, V4(FX_PEER), V4(FX_LOCAL), &why), -EINVAL);
	ck_assert_int_eq(why, STACK_DROP_TCP_BAD_OPTIONS);

	const uint8_t past_end[] = {1, 1, 5, 10};
	n = tcp_with_options(seg, past_end, sizeof(past_end));
	ck_assert_int_eq(tcp_parse(&th, seg, n, V4(FX_PEER), V4(FX_LOCAL), &why), -EINVAL);
	ck_assert_int_eq(why, STACK_DROP_TCP_BAD_OPTIONS);

	const uint8_t bad_mss[] = {2, 3, 5, 1};
	n = tcp_with_options(seg, bad_mss, sizeof(bad_mss));
	ck_assert_int_eq(tcp_parse(&th, seg, n, V4(FX_PEER), V4(FX_LOCAL), &why), -EINVAL);

	const uint8_t no_len_byte[] = {1, 1, 1, 3};
	n = tcp_with_options(seg, no_len_byte, sizeof(no_len_byte));
	ck_assert_int_eq(tcp_parse(&th, seg, n, V4(FX_PEER), V4(FX_LOCAL), &why), -EINVAL);

	const uint8_t eol_then_junk[] = {0, 99, 99, 99};
	n = tcp_with_options(seg, eol_then_junk, sizeof(eol_then_junk));
	ck_assert_int_eq(tcp_parse(&th, seg, n, V4(FX_PEER), V4(FX_LOCAL), &why), 0);
}
END_TEST

START_TEST(test_tcp_parse_rejects_truncated_and_bad_data_offset)
{
	uint8_t seg[40];
	struct tcp_hdr th;
	enum stack_drop_reason why;
	size_t n = tcp_with_options(seg, NULL, 0);
	ck_assert_int_eq(tcp_parse(&th, seg, 19, V4(FX_PEER), V4(FX_LOCAL), &why), -EINVAL);
	ck_assert_int_eq(why, STACK_DROP_TCP_TRUNCATED);
	seg[12] = 0x40; /* data offset 16 bytes */
	ck_assert_int_eq(tcp_parse(&th, seg, n, V4(FX_PEER), V4(FX_LOCAL), &why), -EINVAL);
	ck_assert_int_eq(why, STACK_DROP_TCP_BAD_OFFSET);
	seg[12] = 0xf0; /* 60 bytes, past the end of a 20-byte segment */
	ck_assert_int_eq(tcp_parse(&th, seg, n, V4(FX_PEER), V4(FX_LOCAL), &why), -EINVAL);
	ck_assert_int_eq(why, STACK_DROP_TCP_BAD_OFFSET);
}
END_TEST

/* Feed a malformed packet to a stack with a connection; it is counted and nothing changes. */
START_TEST(test_stack_counts_and_drops_malformed_segments)
{
	struct fx f;
	fx_init(&f);
	fx_start(&f);
	fx_active_established(&f);
	uint8_t pkt[200];
	size_t n = fx_build(pkt, FX_PEER, FX_LOCAL, f.pport, f.lport, TCPF_ACK | TCPF_PSH,
	                    f.peer_seq, f.peer_ack, 1000, 0, "data", 4);
	const struct stack_stats *st = stack_get_stats(f.s);

	uint8_t bad[200];
	memcpy(bad, pkt, n);
	bad[n - 1] ^= 0xff; /* payload byte: TCP checksum */
	stack_input(f.s, f.now, bad, n);
	ck_assert_uint_eq(st->drops[STACK_DROP_TCP_BAD_CHECKSUM], 1);

	stack_input(f.s, f.now, pkt, 30); /* IPv4 says 44 bytes */
	ck_assert_uint_eq(st->drops[STACK_DROP_IP_TRUNCATED], 1);

	/* IP total length cut to 30: 10 bytes of TCP header */
	memcpy(bad, pkt, n);
	wire_put16(bad + 2, 30);
	wire_put16(bad + 10, 0);
	wire_put16(bad + 10, csum_fold(csum_add(0, bad, 20)));
	stack_input(f.s, f.now, bad, n);
	ck_assert_uint_eq(st->drops[STACK_DROP_TCP_TRUNCATED], 1);

	/* data offset 60 with 24 bytes of segment */
	memcpy(bad, pkt, n);
	bad[20 + 12] = 0xf0;
	stack_input(f.s, f.now, bad, n);
	ck_assert_uint_eq(st->drops[STACK_DROP_TCP_BAD_OFFSET], 1);

	/* not for us */
	n = fx_build(bad, FX_PEER, FX_LOCAL + 5, f.pport, f.lport, TCPF_ACK, f.peer_seq, f.peer_ack,
	             1000, 0, NULL, 0);
	stack_input(f.s, f.now, bad, n);
	ck_assert_uint_eq(st->drops[STACK_DROP_IP_NOT_FOR_US], 1);

	/* a UDP packet */
	n = fx_build(bad, FX_PEER, FX_LOCAL, 1, 2, 0, 0, 0, 0, 0, NULL, 0);
	bad[9] = 17;
	wire_put16(bad + 10, 0);
	wire_put16(bad + 10, csum_fold(csum_add(0, bad, 20)));
	stack_input(f.s, f.now, bad, n);
	ck_assert_uint_eq(st->drops[STACK_DROP_IP_PROTO], 1);

	/* a source that is multicast */
	n = fx_build(bad, 0xe0000001u, FX_LOCAL, f.pport, f.lport, TCPF_SYN, 1, 0, 1000, 0, NULL,
	             0);
	stack_input(f.s, f.now, bad, n);
	ck_assert_uint_eq(st->drops[STACK_DROP_TCP_BAD_ADDR], 1);

	fx_recv_nothing(&f);
	char buf[8];
	ck_assert_int_eq(tcp_recv(f.s, f.now, f.sock, buf, sizeof(buf)), -EAGAIN);
	ck_assert_uint_eq(st->tcp_in, 1 + 0); /* only the handshake's SYN-ACK got through */
	ck_assert_str_eq(stack_drop_reason_name(STACK_DROP_TCP_BAD_OFFSET), "tcp-bad-data-offset");
	fx_free(&f);
}
END_TEST

/* Random bytes and random corruptions of a valid packet: never a crash (run under ASan). */
START_TEST(test_stack_survives_random_and_corrupted_packets)
{
	struct fx f;
	fx_init(&f);
	fx_start(&f);
	fx_active_established(&f);
	tcp_listen(f.s, 80, 4);
	uint64_t x = 12345;
	uint8_t good[100], pkt[100];
	size_t n = fx_build(good, FX_PEER, FX_LOCAL, f.pport, f.lport, TCPF_ACK | TCPF_PSH,
	                    f.peer_seq, f.peer_ack, 1000, 0, "0123456789", 10);
	for (int i = 0; i < 20000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		size_t len = (size_t)(x >> 33) % (n + 1);
		memcpy(pkt, good, n);
		if (i % 2) {
			for (size_t k = 0; k < len; k++)
				pkt[k] = (uint8_t)((x >> (k % 56)) ^ (k * 31));
		} else {
			pkt[(x >> 20) % n] ^= (uint8_t)(1u << ((x >> 40) % 8));
			pkt[(x >> 45) % n] = (uint8_t)(x >> 50);
			len = n;
		}
		stack_input(f.s, f.now, pkt, len);
		f.head = f.tail;
	}
	const struct stack_stats *st = stack_get_stats(f.s);
	uint64_t dropped = 0;
	for (int r = 0; r < STACK_DROP__COUNT; r++)
		dropped += st->drops[r];
	ck_assert_uint_gt(dropped, 19000);
	fx_free(&f);
}
END_TEST

START_TEST(test_siphash24_reference_vectors)
{
	uint8_t key[16], msg[15];
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	ck_assert_uint_eq(siphash24(key, msg, 0), 0x726fdb47dd0e0e31ULL);
	ck_assert_uint_eq(siphash24(key, msg, 15), 0xa129ca6149be45e5ULL);
}
END_TEST

START_TEST(test_ring_wraps_and_peeks)
{
	struct ring r;
	char out[8];
	ck_assert_int_eq(ring_init(&r, 8), 0);
	ck_assert_uint_eq(ring_write(&r, "abcdef", 6), 6);
	ck_assert_uint_eq(ring_read(&r, out, 4), 4);
	ck_assert_int_eq(memcmp(out, "abcd", 4), 0);
	ck_assert_uint_eq(ring_write(&r, "ghijklmn", 8), 6); /* 2 + 6 = full */
	ck_assert_uint_eq(ring_space(&r), 0);
	ck_assert_uint_eq(ring_peek(&r, 1, out, 8), 7);
	ck_assert_int_eq(memcmp(out, "fghijkl", 7), 0);
	ck_assert_uint_eq(ring_discard(&r, 3), 3);
	ck_assert_uint_eq(ring_read(&r, out, 8), 5);
	ck_assert_int_eq(memcmp(out, "hijkl", 5), 0);
	ring_free(&r);
}
END_TEST

START_TEST(test_ipv4_options_are_skipped)
{
	struct fx f;
	fx_init(&f);
	fx_start(&f);
	fx_active_established(&f);
	uint8_t plain[100], pkt[104];
	size_t n = fx_build(plain, FX_PEER, FX_LOCAL, f.pport, f.lport, TCPF_ACK | TCPF_PSH,
	                    f.peer_seq, f.peer_ack, 1000, 0, "opt", 3);
	/* the same packet with a 4-byte option (NOP x3, EOL) in a 24-byte header */
	memcpy(pkt, plain, 20);
	pkt[0] = 0x46;
	pkt[20] = 1;
	pkt[21] = 1;
	pkt[22] = 1;
	pkt[23] = 0;
	memcpy(pkt + 24, plain + 20, n - 20);
	wire_put16(pkt + 2, (uint16_t)(n + 4));
	wire_put16(pkt + 10, 0);
	wire_put16(pkt + 10, csum_fold(csum_add(0, pkt, 24)));
	stack_input(f.s, f.now, pkt, n + 4);
	char buf[8];
	ck_assert_int_eq(tcp_recv(f.s, f.now, f.sock, buf, sizeof(buf)), 3);
	ck_assert_int_eq(memcmp(buf, "opt", 3), 0);
	fx_free(&f);
}
END_TEST

static Suite *wire_suite(void)
{
	Suite *s = suite_create("wire");
	TCase *tc = tcase_create("codec");
	tcase_add_test(tc, test_checksum_rfc1071_example);
	tcase_add_test(tc, test_ipv4_emit_then_parse_round_trips);
	tcase_add_test(tc, test_ipv4_parse_rejects_each_malformation_with_its_reason);
	tcase_add_test(tc, test_tcp_emit_then_parse_round_trips_with_mss);
	tcase_add_test(tc, test_tcp_options_skip_unknown_and_reject_bad_lengths);
	tcase_add_test(tc, test_tcp_parse_rejects_truncated_and_bad_data_offset);
	tcase_add_test(tc, test_siphash24_reference_vectors);
	tcase_add_test(tc, test_ring_wraps_and_peeks);
	suite_add_tcase(s, tc);
	TCase *m = tcase_create("malformed");
	tcase_add_test(m, test_stack_counts_and_drops_malformed_segments);
	tcase_add_test(m, test_ipv4_options_are_skipped);
	tcase_add_test(m, test_stack_survives_random_and_corrupted_packets);
	suite_add_tcase(s, m);
	return s;
}

int main(void)
{
	return synfin_run_suite(wire_suite());
}
