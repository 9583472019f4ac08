/* test_ipv6_wire.c: the stack's IPv6 (RFC 8200): header emit and parse, the extension-header
 * walk, malformed packets dropped by reason, the TCP checksum over the IPv6 pseudo-header against
 * values computed elsewhere, and ICMPv6 echo (RFC 4443 4). */
#include "common/topology.h"
#include "ipv6_wire.h"
#include "stack_fixture.h"
#include "test_support.h"
#include "wire/segment_forge.h"

static const uint8_t local6[16] = TOPOLOGY_CLIENT_ADDR6_BYTES;
static const uint8_t peer6[16] = TOPOLOGY_SERVER_ADDR6_BYTES;

static struct fx F;

static void setup(void)
{
	fx_init(&F);
	struct stack_config cfg = {.addr = FX_LOCAL,
	                           .addr6 = stack_addr_v6(local6),
	                           .seed = 42,
	                           .tun = F.tun,
	                           .on_event = fx_event,
	                           .event_ctx = &F,
	                           .emit = fx_emit,
	                           .emit_ctx = &F};
	F.s = stack_new(&cfg);
	ck_assert_ptr_nonnull(F.s);
}

static void teardown(void)
{
	fx_free(&F);
}

/* An IPv6 packet from the peer to the stack: ext (already laid out, its first Next Header
 * given as nh) then a TCP segment of flags to port 80. Returns the length. */
static size_t build(uint8_t *pkt, uint8_t nh, const uint8_t *ext, size_t ext_len, uint8_t flags)
{
	struct stack_addr src = stack_addr_v6(peer6), dst = stack_addr_v6(local6);
	struct tcp_hdr th = {.sport = 5000, .dport = 80, .seq = 7, .flags = flags, .wnd = 1000};
	uint8_t *tcp = pkt + IPV6_HDR_LEN + ext_len;
	size_t n = tcp_emit(tcp, &th, &src, &dst);
	if (ext_len)
		memcpy(pkt + IPV6_HDR_LEN, ext, ext_len);
	ipv6_emit(pkt, &src, &dst, ext_len ? nh : IPPROTO_NUM_TCP, 64, (uint16_t)(ext_len + n));
	return IPV6_HDR_LEN + ext_len + n;
}

START_TEST(test_ipv6_emit_then_parse_round_trips)
{
	uint8_t pkt[IPV6_HDR_LEN + 20];
	struct stack_addr src = stack_addr_v6(local6), dst = stack_addr_v6(peer6);
	ipv6_emit(pkt, &src, &dst, IPPROTO_NUM_TCP, 64, 20);
	memset(pkt + IPV6_HDR_LEN, 0xab, 20);
	ck_assert_uint_eq(pkt[0], 0x60);
	struct ipv6_hdr ip;
	enum stack_drop_reason why;
	/* link-layer padding past the payload length is not payload */
	uint8_t padded[sizeof(pkt) + 6] = {0};
	memcpy(padded, pkt, sizeof(pkt));
	ck_assert_int_eq(ipv6_parse(&ip, padded, sizeof(padded), &why), 0);
	ck_assert_mem_eq(ip.saddr.b, local6, 16);
	ck_assert_mem_eq(ip.daddr.b, peer6, 16);
	ck_assert(!stack_addr_is_v4(&ip.saddr));
	ck_assert_uint_eq(ip.proto, IPPROTO_NUM_TCP);
	ck_assert_uint_eq(ip.hop_limit, 64);
	ck_assert_uint_eq(ip.tclass, 0);
	ck_assert_uint_eq(ip.flow, 0);
	ck_assert_ptr_eq(ip.payload, padded + IPV6_HDR_LEN);
	ck_assert_uint_eq(ip.payload_len, 20);
	/* harness/wire's parser, written apart, reads the same header */
	struct segment seg;
	ipv6_emit(pkt, &src, &dst, 59, 64, 0); /* No Next Header: nothing after */
	ck_assert_int_eq(ipv6_parse(&ip, pkt, IPV6_HDR_LEN, &why), 0);
	ck_assert_uint_eq(ip.proto, 59);
	ck_assert_uint_eq(ip.payload_len, 0);
	uint8_t syn[IPV6_HDR_LEN + 20];
	size_t n = build(syn, 0, NULL, 0, TCPF_SYN);
	ck_assert_int_eq(segment_parse(&seg, syn, n), 0);
	ck_assert(seg.ipv6);
	ck_assert_mem_eq(seg.saddr6, peer6, 16);
	ck_assert_uint_eq(seg.ttl, 64);
	ck_assert_uint_eq(seg.ip_len, n);
}
END_TEST

START_TEST(test_extension_headers_are_walked_to_the_upper_layer)
{
	/* Hop-by-Hop (8 bytes: PadN), Destination Options (16 bytes), Routing with Segments Left
	 * 0, an atomic Fragment (RFC 6946), AH (RFC 4302: 12 bytes, length 1), then TCP */
	uint8_t ext[8 + 16 + 8 + 8 + 12] = {0};
	uint8_t *p = ext;
	p[0] = 60, p[1] = 0, p[2] = 1, p[3] = 4; /* HbH -> DestOpts, PadN of 4 */
	p += 8;
	p[0] = 43, p[1] = 1, p[2] = 1, p[3] = 12; /* DestOpts -> Routing, 16 bytes */
	p += 16;
	p[0] = 44, p[1] = 0, p[2] = 0, p[3] = 0; /* Routing type 0, Segments Left 0 */
	p += 8;
	p[0] = 51; /* Fragment, offset 0, M clear */
	p += 8;
	p[0] = IPPROTO_NUM_TCP, p[1] = 1; /* AH, (1 + 2) * 4 = 12 bytes */
	uint8_t pkt[200];
	size_t n = build(pkt, 0, ext, sizeof(ext), TCPF_SYN);
	struct ipv6_hdr ip;
	enum stack_drop_reason why;
	ck_assert_int_eq(ipv6_parse(&ip, pkt, n, &why), 0);
	ck_assert_uint_eq(ip.proto, IPPROTO_NUM_TCP);
	ck_assert_ptr_eq(ip.payload, pkt + IPV6_HDR_LEN + sizeof(ext));
	ck_assert_uint_eq(ip.payload_len, 20);
	/* the stack reaches TCP through them: a SYN to a closed port draws a RST */
	stack_input(F.s, F.now, pkt, n);
	ck_assert_uint_eq(stack_get_stats(F.s)->drops[STACK_DROP_TCP_NO_SOCKET], 1);
	struct segment *rst = fx_recv(&F);
	ck_assert(rst->ipv6);
	ck_assert_uint_eq(rst->flags, TCPF_RST | TCPF_ACK);
	ck_assert_uint_eq(rst->ack, 8);
	ck_assert_mem_eq(rst->saddr6, local6, 16);
	ck_assert_mem_eq(rst->daddr6, peer6, 16);
}
END_TEST

START_TEST(test_malformed_ipv6_is_dropped_with_its_reason)
{
	uint8_t pkt[200], ext[16] = {0};
	const struct stack_stats *st = stack_get_stats(F.s);
	size_t n = build(pkt, 0, NULL, 0, TCPF_SYN);

	stack_input(F.s, F.now, pkt, 39); /* shorter than the fixed header */
	ck_assert_uint_eq(st->drops[STACK_DROP_IP_TRUNCATED], 1);
	stack_input(F.s, F.now, pkt, n - 1); /* payload length past the packet */
	ck_assert_uint_eq(st->drops[STACK_DROP_IP_TRUNCATED], 2);
	/* a Destination Options header whose length runs past the payload */
	ext[0] = IPPROTO_NUM_TCP, ext[1] = 5;
	n = build(pkt, 60, ext, 8, TCPF_SYN);
	stack_input(F.s, F.now, pkt, n);
	ck_assert_uint_eq(st->drops[STACK_DROP_IP6_BAD_EXT_HEADER], 1);
	/* Hop-by-Hop after another extension header (RFC 8200 4.1) */
	memset(ext, 0, sizeof(ext));
	ext[0] = 0; /* DestOpts -> HbH */
	ext[8] = IPPROTO_NUM_TCP;
	n = build(pkt, 60, ext, 16, TCPF_SYN);
	stack_input(F.s, F.now, pkt, n);
	ck_assert_uint_eq(st->drops[STACK_DROP_IP6_BAD_EXT_HEADER], 2);
	/* a Routing header with a segment left: ours to forward, which a host does not */
	memset(ext, 0, sizeof(ext));
	ext[0] = IPPROTO_NUM_TCP, ext[3] = 1;
	n = build(pkt, 43, ext, 8, TCPF_SYN);
	stack_input(F.s, F.now, pkt, n);
	ck_assert_uint_eq(st->drops[STACK_DROP_IP6_BAD_EXT_HEADER], 3);
	/* a first fragment (M set): no reassembly */
	memset(ext, 0, sizeof(ext));
	ext[0] = IPPROTO_NUM_TCP, ext[3] = 1;
	n = build(pkt, 44, ext, 8, TCPF_SYN);
	stack_input(F.s, F.now, pkt, n);
	ck_assert_uint_eq(st->drops[STACK_DROP_IP_FRAGMENT], 1);
	/* to another address, and of another protocol */
	n = build(pkt, 0, NULL, 0, TCPF_SYN);
	pkt[39] ^= 1;
	stack_input(F.s, F.now, pkt, n);
	ck_assert_uint_eq(st->drops[STACK_DROP_IP_NOT_FOR_US], 1);
	pkt[39] ^= 1;
	pkt[6] = 17;
	stack_input(F.s, F.now, pkt, n);
	ck_assert_uint_eq(st->drops[STACK_DROP_IP_PROTO], 1);
	/* a TCP checksum gone wrong */
	pkt[6] = IPPROTO_NUM_TCP;
	pkt[IPV6_HDR_LEN + 16] ^= 0x10;
	stack_input(F.s, F.now, pkt, n);
	ck_assert_uint_eq(st->drops[STACK_DROP_TCP_BAD_CHECKSUM], 1);
	fx_recv_nothing(&F);
	ck_assert_uint_eq(st->tcp_in, 0);
}
END_TEST

START_TEST(test_ipv6_is_dropped_by_a_stack_without_an_ipv6_address)
{
	struct fx g;
	uint8_t pkt[100];
	fx_init(&g);
	fx_start(&g); /* IPv4 only */
	size_t n = build(pkt, 0, NULL, 0, TCPF_SYN);
	stack_input(g.s, g.now, pkt, n);
	ck_assert_uint_eq(stack_get_stats(g.s)->drops[STACK_DROP_IP_NOT_V4], 1);
	ck_assert_uint_eq(fx_pending(&g), 0);
	ck_assert_int_eq(
	    tcp_connect_addr(g.s, g.now, 0, &(struct stack_addr){{0xfd, [15] = 9}}, 80),
	    -EADDRNOTAVAIL);
	fx_free(&g);
}
END_TEST

START_TEST(test_tcp_checksum_over_the_ipv6_pseudo_header_matches_known_values)
{
	struct stack_addr src = stack_addr_v6(local6), dst = stack_addr_v6(peer6);
	struct tcp_hdr th = {
	    .sport = 40000, .dport = 80, .seq = 1, .flags = TCPF_SYN, .wnd = 65535};
	uint8_t seg[20];
	ck_assert_uint_eq(tcp_emit(seg, &th, &src, &dst), 20);
	/* computed by hand over RFC 8200 8.1's pseudo-header (a short script, not this code) */
	ck_assert_uint_eq(wire_get16(seg + 16), 0x173f);
	ck_assert_uint_eq(csum_fold(csum_add(csum_pseudo_addr(&src, &dst, 6, 20), seg, 20)), 0);
	/* harness/wire's forger, written apart, sums the same segment to the same bytes */
	struct forged_segment f = {
	    .ipv6 = true, .sport = 40000, .dport = 80, .seq = 1, .flags = TCPF_SYN, .win = 65535};
	memcpy(f.saddr6, local6, 16);
	memcpy(f.daddr6, peer6, 16);
	uint8_t forged[SEGMENT_FORGED_MAX];
	ck_assert_uint_eq(segment_forge(forged, &f), SEGMENT_FORGED_LEN6);
	ck_assert_mem_eq(forged + IPV6_HDR_LEN, seg, 20);
	/* the addresses matter: the same bytes fail between other ends */
	struct tcp_hdr out;
	enum stack_drop_reason why;
	ck_assert_int_eq(tcp_parse(&out, seg, 20, &src, &dst, &why), 0);
	ck_assert_int_eq(tcp_parse(&out, seg, 20, &dst, &src, &why), 0); /* the sum is symmetric */
	struct stack_addr other = dst;
	other.b[0] ^= 1;
	ck_assert_int_eq(tcp_parse(&out, seg, 20, &src, &other, &why), -EINVAL);
	ck_assert_int_eq(why, STACK_DROP_TCP_BAD_CHECKSUM);
}
END_TEST

static size_t echo6(uint8_t *pkt, uint8_t type, const char *data, size_t len)
{
	struct stack_addr src = stack_addr_v6(peer6), dst = stack_addr_v6(local6);
	uint8_t *icmp = pkt + IPV6_HDR_LEN;
	icmp[0] = type;
	icmp[1] = 0;
	wire_put16(icmp + 2, 0);
	wire_put16(icmp + 4, 0x4242);
	wire_put16(icmp + 6, 7);
	memcpy(icmp + 8, data, len);
	uint32_t sum = csum_pseudo_addr(&src, &dst, IPPROTO_NUM_ICMPV6, (uint32_t)(8 + len));
	wire_put16(icmp + 2, csum_fold(csum_add(sum, icmp, 8 + len)));
	ipv6_emit(pkt, &src, &dst, IPPROTO_NUM_ICMPV6, 64, (uint16_t)(8 + len));
	return IPV6_HDR_LEN + 8 + len;
}

START_TEST(test_icmpv6_echo_request_gets_its_reply)
{
	uint8_t pkt[128];
	size_t n = echo6(pkt, 128, "abcdefgh", 8);
	/* the request's checksum as computed by hand (RFC 4443 2.3: over the pseudo-header) */
	ck_assert_uint_eq(wire_get16(pkt + IPV6_HDR_LEN + 2), 0xafc3);
	stack_input(F.s, F.now, pkt, n);
	ck_assert_uint_eq(fx_pending(&F), 1);
	struct fx_pkt *p = &F.pkts[F.head++];
	ck_assert_uint_eq(p->len, n);
	struct ipv6_hdr ip;
	enum stack_drop_reason why;
	ck_assert_int_eq(ipv6_parse(&ip, p->data, p->len, &why), 0);
	ck_assert_mem_eq(ip.saddr.b, local6, 16);
	ck_assert_mem_eq(ip.daddr.b, peer6, 16);
	ck_assert_uint_eq(ip.proto, IPPROTO_NUM_ICMPV6);
	ck_assert_uint_eq(ip.hop_limit, 64);
	ck_assert_uint_eq(ip.payload[0], 129); /* echo reply */
	ck_assert_uint_eq(wire_get16(ip.payload + 4), 0x4242);
	ck_assert_uint_eq(wire_get16(ip.payload + 6), 7);
	ck_assert_mem_eq(ip.payload + 8, "abcdefgh", 8);
	ck_assert_uint_eq(
	    csum_fold(csum_add(csum_pseudo_addr(&ip.saddr, &ip.daddr, IPPROTO_NUM_ICMPV6, 16),
	                       ip.payload, 16)),
	    0);
	/* only the type changed: 128 to 129 moves the sum by 0x0100 */
	ck_assert_uint_eq(wire_get16(ip.payload + 2), 0xafc3 - 0x100);
	ck_assert_uint_eq(stack_get_stats(F.s)->icmp_echo_replies, 1);
	/* a bad checksum, and an echo reply, are counted and not answered */
	n = echo6(pkt, 128, "x", 1);
	pkt[n - 1] ^= 1;
	stack_input(F.s, F.now, pkt, n);
	n = echo6(pkt, 129, "x", 1);
	stack_input(F.s, F.now, pkt, n);
	fx_recv_nothing(&F);
	ck_assert_uint_eq(stack_get_stats(F.s)->drops[STACK_DROP_ICMP_BAD_CHECKSUM], 1);
	ck_assert_uint_eq(stack_get_stats(F.s)->drops[STACK_DROP_ICMP_TYPE], 1);
}
END_TEST

/* RFC 8200 8.3 and Linux: the MSS is the MTU less 60 over IPv6, 40 over IPv4, so 1440 against
 * 1460 on a 1500-byte MTU: in the SYN-ACK, and as the cap of what is sent. */
START_TEST(test_mss_is_1440_over_ipv6_on_a_1500_mtu)
{
	struct stack_addr src = stack_addr_v6(peer6), dst = stack_addr_v6(local6);
	struct tcp_hdr th = {
	    .sport = 5000, .dport = 80, .seq = 7, .flags = TCPF_SYN, .wnd = 65535, .mss = 1460};
	uint8_t pkt[100];
	size_t n = tcp_emit(pkt + IPV6_HDR_LEN, &th, &src, &dst);
	ipv6_emit(pkt, &src, &dst, IPPROTO_NUM_TCP, 64, (uint16_t)n);
	ck_assert_uint_eq(stack_get_tunables(F.s)->mss, 1460);
	int l = tcp_listen(F.s, 80, 4);
	ck_assert_int_gt(l, 0);
	stack_input(F.s, F.now, pkt, IPV6_HDR_LEN + n);
	struct segment *synack = fx_recv(&F);
	ck_assert(synack->ipv6);
	ck_assert_uint_eq(synack->flags, TCPF_SYN | TCPF_ACK);
	struct tcp_hdr out;
	enum stack_drop_reason why;
	ck_assert_int_eq(tcp_parse(&out, F.last_pkt.data + IPV6_HDR_LEN,
	                           F.last_pkt.len - IPV6_HDR_LEN, &dst, &src, &why),
	                 0);
	ck_assert_uint_eq(out.mss, 1440);
	/* the peer offered 1460: we send no more than our own 1440 */
	struct tcp_conn *c = F.s->conns;
	ck_assert_int_eq(c->state, TCPS_SYN_RECEIVED);
	ck_assert_uint_eq(c->snd_mss, 1440);
	struct tcp_info_view info;
	ck_assert_int_eq(tcp_get_info(F.s, c->handle, &info), 0);
	ck_assert_mem_eq(info.laddr.b, local6, 16);
	ck_assert_mem_eq(info.raddr.b, peer6, 16);
	/* over IPv4 the same stack offers 1460 */
	int h = tcp_connect(F.s, F.now, 0, FX_PEER, 80);
	ck_assert_int_gt(h, 0);
	fx_recv(&F);
	ck_assert(!F.last.ipv6);
	ck_assert_uint_eq(fx_last_opts(&F).mss, 1460);
	/* and an active open over IPv6 1440 again */
	h = tcp_connect_addr(F.s, F.now, 0, &src, 80);
	ck_assert_int_gt(h, 0);
	fx_recv(&F);
	ck_assert(F.last.ipv6);
	ck_assert_mem_eq(F.last.saddr6, local6, 16);
	ck_assert_int_eq(tcp_parse(&out, F.last_pkt.data + IPV6_HDR_LEN,
	                           F.last_pkt.len - IPV6_HDR_LEN, &dst, &src, &why),
	                 0);
	ck_assert_uint_eq(out.mss, 1440);
}
END_TEST

static Suite *ipv6_wire_suite(void)
{
	Suite *s = suite_create("ipv6_wire");
	TCase *tc = tcase_create("ipv6");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ipv6_emit_then_parse_round_trips);
	tcase_add_test(tc, test_extension_headers_are_walked_to_the_upper_layer);
	tcase_add_test(tc, test_malformed_ipv6_is_dropped_with_its_reason);
	tcase_add_test(tc, test_ipv6_is_dropped_by_a_stack_without_an_ipv6_address);
	tcase_add_test(tc, test_tcp_checksum_over_the_ipv6_pseudo_header_matches_known_values);
	tcase_add_test(tc, test_icmpv6_echo_request_gets_its_reply);
	tcase_add_test(tc, test_mss_is_1440_over_ipv6_on_a_1500_mtu);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(ipv6_wire_suite());
}
