/* test_host_tun_gso.c: joining the stack's segments into GSO packets (tun_gso.c). Segments are
 * built with the stack's own emitters; the reference segmenter (gso_fixture.h) does what the
 * kernel does to a GSO packet from a tun device, and what it gives back must be the stack's
 * segments byte for byte. Every condition a segment must meet to join has a case where it does
 * not, and the batch must refuse it. */
#include <endian.h>
#include <string.h>

#include "checksum.h"
#include "common/tcp_flags.h"
#include "common/wire_bytes.h"
#include "gso_fixture.h"
#include "ipv4_wire.h"
#include "ipv6_wire.h"
#include "tcp_wire.h"
#include "test_support.h"
#include "tun_gso.h"

static uint64_t rng = 0x2545f4914f6cdd1du;

static uint32_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32);
}

/* What stays the same along one run of segments. */
struct flow {
	bool v6;
	uint16_t id;       /* IPv4 ID of the next segment */
	uint32_t seq;      /* its sequence number */
	struct tcp_hdr th; /* ports, ack, window, options */
};

static struct flow flow_new(bool v6, bool timestamps)
{
	struct flow f = {.v6 = v6, .id = (uint16_t)next_random(), .seq = next_random()};
	f.th.sport = 40001;
	f.th.dport = 80;
	f.th.ack = next_random();
	f.th.wnd = 502;
	if (timestamps) {
		f.th.opts = TCP_OPTF_TS;
		f.th.tsval = next_random();
		f.th.tsecr = next_random();
	}
	return f;
}

static struct stack_addr flow_src(const struct flow *f)
{
	static const uint8_t a6[16] = {0xfd, 0, [15] = 0x08};
	return f->v6 ? stack_addr_v6(a6) : stack_addr_v4(0xc0a8016cu);
}

static struct stack_addr flow_dst(const struct flow *f)
{
	static const uint8_t a6[16] = {0xfd, 0, [15] = 0x09};
	return f->v6 ? stack_addr_v6(a6) : stack_addr_v4(0xc0a8016du);
}

/* The next segment of f as the stack emits it (ip_emit, tcp_emit): plen bytes of random
 * payload with the given flags. */
static size_t flow_seg(struct flow *f, uint8_t *buf, size_t plen, uint8_t flags)
{
	struct stack_addr src = flow_src(f), dst = flow_dst(f);
	size_t ip_len = f->v6 ? IPV6_HDR_LEN : IPV4_HDR_LEN;
	struct tcp_hdr th = f->th;
	th.seq = f->seq;
	th.flags = (uint8_t)(f->th.flags | flags);
	th.payload_len = plen;
	size_t thl = tcp_hdr_len(&th);
	for (size_t i = 0; i < plen; i++)
		buf[ip_len + thl + i] = (uint8_t)next_random();
	size_t tcp_len = tcp_emit(buf + ip_len, &th, &src, &dst);
	if (f->v6)
		ipv6_emit(buf, &src, &dst, IPPROTO_NUM_TCP, 64, (uint16_t)tcp_len);
	else
		ipv4_emit(buf, stack_addr_v4_get(&src), stack_addr_v4_get(&dst), IPPROTO_NUM_TCP,
		          f->id++, 64, (uint16_t)tcp_len);
	f->seq += (uint32_t)plen + !!(flags & TCPF_FIN) + !!(flags & TCPF_SYN);
	return ip_len + tcp_len;
}

/* After editing a TCP header by hand: its checksum again. */
static void tcp_recheck(uint8_t *pkt, size_t len)
{
	bool v4 = pkt[0] >> 4 == 4;
	size_t ip_len = v4 ? IPV4_HDR_LEN : IPV6_HDR_LEN;
	struct stack_addr s = v4 ? stack_addr_v4(wire_get32(pkt + 12)) : stack_addr_v6(pkt + 8);
	struct stack_addr d = v4 ? stack_addr_v4(wire_get32(pkt + 16)) : stack_addr_v6(pkt + 24);
	uint8_t *th = pkt + ip_len;
	wire_put16(th + 16, 0);
	uint32_t sum = csum_pseudo_addr(&s, &d, IPPROTO_NUM_TCP, (uint32_t)(len - ip_len));
	wire_put16(th + 16, csum_fold(csum_add(sum, th, len - ip_len)));
}

static struct tun_gso_batch batch;
static uint8_t segs[MAX_SEGS][SEG_MAX];
static size_t seg_len[MAX_SEGS];
static uint8_t cut[MAX_SEGS][SEG_MAX];
static size_t cut_len[MAX_SEGS];

/* Offers segs[0..n) to an empty batch: how many joined, and checks they come back unchanged
 * from the reference segmenter. */
static unsigned join_and_cut(unsigned n)
{
	tun_gso_reset(&batch);
	unsigned joined = 0;
	while (joined < n && tun_gso_add(&batch, segs[joined], seg_len[joined]))
		joined++;
	if (joined == 0)
		return 0;
	ck_assert_uint_eq(batch.segs, joined);
	struct virtio_net_hdr vh;
	size_t len = tun_gso_finish(&batch, &vh);
	ck_assert_uint_le(len, TUN_GSO_MAX_LEN);
	ck_assert_uint_eq(vh.gso_type == VIRTIO_NET_HDR_GSO_NONE, joined == 1);
	unsigned got = kernel_segment(&vh, batch.pkt, len, cut, cut_len);
	ck_assert_uint_eq(got, joined);
	for (unsigned i = 0; i < got; i++) {
		ck_assert_uint_eq(cut_len[i], seg_len[i]);
		ck_assert_mem_eq(cut[i], segs[i], seg_len[i]);
	}
	return joined;
}

/* n full segments of mss bytes and a last of last bytes (0: none) with last_flags. */
static unsigned make_run(struct flow *f, unsigned n, size_t mss, size_t last, uint8_t last_flags)
{
	for (unsigned i = 0; i < n; i++)
		seg_len[i] = flow_seg(f, segs[i], mss, TCPF_ACK);
	if (last == 0)
		return n;
	seg_len[n] = flow_seg(f, segs[n], last, (uint8_t)(TCPF_ACK | last_flags));
	return n + 1;
}

START_TEST(test_joined_segments_come_back_byte_for_byte)
{
	static const uint8_t last_flags[] = {0, TCPF_PSH, TCPF_FIN, TCPF_PSH | TCPF_FIN, TCPF_ECE};
	for (int round = 0; round < 400; round++) {
		bool v6 = round % 2;
		struct flow f = flow_new(v6, round % 3 != 0);
		size_t mss = 200 + next_random() % 1300;
		size_t max = (TUN_GSO_MAX_LEN - 100) / mss;
		unsigned full = 1 + next_random() % (unsigned)(max < 40 ? max : 40);
		size_t last = next_random() % (mss + 1);
		uint8_t fl = last_flags[next_random() % sizeof(last_flags)];
		if (fl == TCPF_ECE) { /* ECE on every one of them */
			f.th.flags = TCPF_ECE;
			fl = 0;
		}
		unsigned n = make_run(&f, full, mss, last, fl);
		ck_assert_uint_eq(join_and_cut(n), n);
	}
}
END_TEST

START_TEST(test_sequence_and_id_wrap_inside_a_batch)
{
	struct flow f = flow_new(false, true);
	f.seq = 0xffffffffu - 3000;
	f.id = 0xfffe;
	unsigned n = make_run(&f, 5, 1448, 100, TCPF_PSH);
	ck_assert_uint_eq(join_and_cut(n), n);
}
END_TEST

START_TEST(test_a_lone_segment_goes_out_unchanged_with_a_zero_header)
{
	struct flow f = flow_new(false, true);
	seg_len[0] = flow_seg(&f, segs[0], 1448, TCPF_ACK | TCPF_PSH);
	tun_gso_reset(&batch);
	ck_assert(tun_gso_add(&batch, segs[0], seg_len[0]));
	ck_assert(tun_gso_full(&batch)); /* PSH ends it */
	struct virtio_net_hdr vh, zero;
	memset(&zero, 0, sizeof(zero));
	ck_assert_uint_eq(tun_gso_finish(&batch, &vh), seg_len[0]);
	ck_assert_mem_eq(&vh, &zero, sizeof(vh));
	ck_assert_mem_eq(batch.pkt, segs[0], seg_len[0]);
}
END_TEST

START_TEST(test_header_says_what_the_kernel_needs)
{
	for (int v6 = 0; v6 <= 1; v6++) {
		struct flow f = flow_new(v6, true);
		unsigned n = make_run(&f, 3, 1000, 0, 0);
		ck_assert_uint_eq(join_and_cut(n), n);
		tun_gso_reset(&batch);
		for (unsigned i = 0; i < n; i++)
			ck_assert(tun_gso_add(&batch, segs[i], seg_len[i]));
		struct virtio_net_hdr vh;
		size_t ip_len = v6 ? IPV6_HDR_LEN : IPV4_HDR_LEN;
		ck_assert_uint_eq(tun_gso_finish(&batch, &vh), ip_len + 32 + 3000);
		ck_assert_uint_eq(vh.gso_type,
		                  v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4);
		ck_assert_uint_eq(le16toh(vh.gso_size), 1000);
		ck_assert_uint_eq(le16toh(vh.hdr_len), ip_len + 32);
		ck_assert_uint_eq(le16toh(vh.csum_start), ip_len);
		/* checksum offload's start: the pseudo-header sum of the whole, not complemented */
		struct stack_addr s = flow_src(&f), d = flow_dst(&f);
		uint16_t pseudo = (uint16_t)~csum_fold(
		    csum_pseudo_addr(&s, &d, IPPROTO_NUM_TCP, (uint32_t)(32 + 3000)));
		ck_assert_uint_eq(wire_get16(batch.pkt + ip_len + 16), pseudo);
	}
}
END_TEST

/* Builds three full segments, lets edit spoil the second (or, with at < 0, lets it change the
 * flow before the second is built), and expects the batch to stop before it. */
typedef void (*spoil_fn)(struct flow *f, uint8_t *pkt, size_t *len);

static void expect_refused_second(bool v6, spoil_fn before, spoil_fn after)
{
	struct flow f = flow_new(v6, true);
	seg_len[0] = flow_seg(&f, segs[0], 1000, TCPF_ACK);
	if (before)
		before(&f, NULL, NULL);
	seg_len[1] = flow_seg(&f, segs[1], 1000, TCPF_ACK);
	if (after)
		after(&f, segs[1], &seg_len[1]);
	seg_len[2] = flow_seg(&f, segs[2], 1000, TCPF_ACK);
	ck_assert_uint_eq(join_and_cut(3), 1);
}

static void other_port(struct flow *f, uint8_t *p, size_t *l)
{
	(void)p, (void)l;
	f->th.sport++;
}
static void other_ack(struct flow *f, uint8_t *p, size_t *l)
{
	(void)p, (void)l;
	f->th.ack += 1000;
}
static void other_window(struct flow *f, uint8_t *p, size_t *l)
{
	(void)p, (void)l;
	f->th.wnd++;
}
static void other_tsval(struct flow *f, uint8_t *p, size_t *l)
{
	(void)p, (void)l;
	f->th.tsval++;
}
static void other_options(struct flow *f, uint8_t *p, size_t *l)
{
	(void)p, (void)l;
	f->th.n_sack = 1;
	f->th.sack[0] = (struct tcp_sack_block){1, 2};
}
static void seq_gap(struct flow *f, uint8_t *p, size_t *l)
{
	(void)p, (void)l;
	f->seq += 1;
}
static void id_gap(struct flow *f, uint8_t *p, size_t *l)
{
	(void)p, (void)l;
	f->id += 1;
}
static void set_flag(uint8_t *p, size_t len, uint8_t flag)
{
	size_t ip_len = p[0] >> 4 == 4 ? IPV4_HDR_LEN : IPV6_HDR_LEN;
	p[ip_len + 13] |= flag;
	tcp_recheck(p, len);
}
static void with_ece(struct flow *f, uint8_t *p, size_t *l)
{
	(void)f;
	set_flag(p, *l, TCPF_ECE);
}
static void with_cwr(struct flow *f, uint8_t *p, size_t *l)
{
	(void)f;
	set_flag(p, *l, TCPF_CWR);
}
static void with_urg(struct flow *f, uint8_t *p, size_t *l)
{
	(void)f;
	set_flag(p, *l, TCPF_URG);
}
static void with_rst(struct flow *f, uint8_t *p, size_t *l)
{
	(void)f;
	set_flag(p, *l, TCPF_RST);
}
static void with_syn(struct flow *f, uint8_t *p, size_t *l)
{
	(void)f;
	set_flag(p, *l, TCPF_SYN);
}
static void other_ttl(struct flow *f, uint8_t *p, size_t *l)
{
	(void)f, (void)l;
	if (p[0] >> 4 == 4) {
		p[8]--;
		ip4_recheck(p);
	} else {
		p[7]--;
	}
}
static void other_tos(struct flow *f, uint8_t *p, size_t *l)
{
	(void)f, (void)l;
	p[1] |= p[0] >> 4 == 4 ? 0x02 : 0x20; /* ECT(0) in the TOS or traffic class */
	if (p[0] >> 4 == 4)
		ip4_recheck(p);
}
static void other_address(struct flow *f, uint8_t *p, size_t *l)
{
	size_t off = p[0] >> 4 == 4 ? 19 : 39;
	(void)f;
	p[off]++;
	if (p[0] >> 4 == 4)
		ip4_recheck(p);
	tcp_recheck(p, *l);
}
static void no_df(struct flow *f, uint8_t *p, size_t *l)
{
	(void)f, (void)l;
	wire_put16(p + 6, 0);
	ip4_recheck(p);
}
static void bad_ip_checksum(struct flow *f, uint8_t *p, size_t *l)
{
	(void)f, (void)l;
	p[10] ^= 1;
}

START_TEST(test_a_segment_that_differs_does_not_join)
{
	static const spoil_fn before[] = {other_port,  other_ack,     other_window,
	                                  other_tsval, other_options, seq_gap};
	static const spoil_fn after[] = {with_ece, with_cwr,  with_urg,  with_rst,
	                                 with_syn, other_ttl, other_tos, other_address};
	for (int v6 = 0; v6 <= 1; v6++) {
		for (size_t i = 0; i < sizeof(before) / sizeof(before[0]); i++)
			expect_refused_second(v6, before[i], NULL);
		for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++)
			expect_refused_second(v6, NULL, after[i]);
	}
	expect_refused_second(false, id_gap, NULL);
	expect_refused_second(false, NULL, no_df);
	expect_refused_second(false, NULL, bad_ip_checksum);
}
END_TEST

START_TEST(test_only_the_last_may_be_short_or_carry_psh_or_fin)
{
	static const uint8_t ends[] = {TCPF_PSH, TCPF_FIN};
	for (int v6 = 0; v6 <= 1; v6++) {
		struct flow f = flow_new(v6, true);
		/* a short second segment ends the batch: the third stays out */
		seg_len[0] = flow_seg(&f, segs[0], 1000, TCPF_ACK);
		seg_len[1] = flow_seg(&f, segs[1], 999, TCPF_ACK);
		seg_len[2] = flow_seg(&f, segs[2], 1000, TCPF_ACK);
		ck_assert_uint_eq(join_and_cut(3), 2);
		/* and a longer one than the first never joins */
		seg_len[0] = flow_seg(&f, segs[0], 1000, TCPF_ACK);
		seg_len[1] = flow_seg(&f, segs[1], 1001, TCPF_ACK);
		ck_assert_uint_eq(join_and_cut(2), 1);
		for (size_t e = 0; e < sizeof(ends); e++) {
			seg_len[0] = flow_seg(&f, segs[0], 1000, (uint8_t)(TCPF_ACK | ends[e]));
			seg_len[1] = flow_seg(&f, segs[1], 1000, TCPF_ACK);
			ck_assert_uint_eq(join_and_cut(2), 1);
			seg_len[0] = flow_seg(&f, segs[0], 1000, TCPF_ACK);
			seg_len[1] = flow_seg(&f, segs[1], 1000, (uint8_t)(TCPF_ACK | ends[e]));
			seg_len[2] = flow_seg(&f, segs[2], 1000, TCPF_ACK);
			ck_assert_uint_eq(join_and_cut(3), 2);
		}
	}
}
END_TEST

START_TEST(test_segments_without_payload_or_with_syn_never_start_a_batch)
{
	struct flow f = flow_new(false, true);
	size_t len = flow_seg(&f, segs[0], 0, TCPF_ACK);
	tun_gso_reset(&batch);
	ck_assert(!tun_gso_add(&batch, segs[0], len));
	len = flow_seg(&f, segs[0], 0, TCPF_ACK | TCPF_FIN);
	ck_assert(!tun_gso_add(&batch, segs[0], len));
	len = flow_seg(&f, segs[0], 100, TCPF_SYN);
	ck_assert(!tun_gso_add(&batch, segs[0], len));
	/* nor IPv4 with options, nor IPv6 with an extension header before TCP */
	len = flow_seg(&f, segs[0], 100, TCPF_ACK);
	segs[0][0] = 0x46;
	ck_assert(!tun_gso_add(&batch, segs[0], len));
	struct flow g = flow_new(true, true);
	len = flow_seg(&g, segs[0], 100, TCPF_ACK);
	segs[0][6] = 0; /* Hop-by-Hop */
	ck_assert(!tun_gso_add(&batch, segs[0], len));
	ck_assert(!tun_gso_add(&batch, segs[0], 10));
	ck_assert_uint_eq(batch.len, 0);
}
END_TEST

START_TEST(test_family_change_ends_the_batch)
{
	struct flow f = flow_new(false, true), g = flow_new(true, true);
	seg_len[0] = flow_seg(&f, segs[0], 1000, TCPF_ACK);
	seg_len[1] = flow_seg(&g, segs[1], 1000, TCPF_ACK);
	ck_assert_uint_eq(join_and_cut(2), 1);
}
END_TEST

/* A TCP checksum of 0 may leave the kernel as 0xffff (skb_checksum_help): such a segment stays
 * out. Its payload's last two bytes are chosen to make the checksum 0. */
START_TEST(test_a_zero_tcp_checksum_is_never_joined)
{
	for (int v6 = 0; v6 <= 1; v6++) {
		struct flow f = flow_new(v6, true);
		seg_len[0] = flow_seg(&f, segs[0], 100, TCPF_ACK);
		seg_len[1] = flow_seg(&f, segs[1], 100, TCPF_ACK);
		size_t ip_len = v6 ? IPV6_HDR_LEN : IPV4_HDR_LEN;
		uint8_t *p = segs[1];
		size_t len = seg_len[1];
		for (uint32_t v = 0; v <= 0xffff; v++) {
			wire_put16(p + len - 2, (uint16_t)v);
			tcp_recheck(p, len);
			if (wire_get16(p + ip_len + 16) == 0)
				break;
		}
		ck_assert_uint_eq(wire_get16(p + ip_len + 16), 0);
		ck_assert_uint_eq(join_and_cut(2), 1);
		tun_gso_reset(&batch);
		ck_assert(!tun_gso_add(&batch, segs[1], seg_len[1]));
	}
}
END_TEST

START_TEST(test_a_batch_stops_at_64k_and_at_its_segment_limit)
{
	struct flow f = flow_new(false, true);
	/* 1448-byte segments: 45 fit in 65535 bytes with their 52 bytes of headers */
	unsigned n = make_run(&f, 50, 1448, 0, 0);
	unsigned joined = join_and_cut(n);
	ck_assert_uint_eq(joined, (TUN_GSO_MAX_LEN - 52) / 1448);
	/* 100-byte segments: the segment limit first */
	n = make_run(&f, TUN_GSO_MAX_SEGS + 5, 100, 0, 0);
	ck_assert_uint_eq(join_and_cut(n), TUN_GSO_MAX_SEGS);
	ck_assert(tun_gso_full(&batch));
}
END_TEST

static Suite *tun_gso_suite(void)
{
	Suite *s = suite_create("tun_gso");
	TCase *tc = tcase_create("join");
	tcase_add_test(tc, test_joined_segments_come_back_byte_for_byte);
	tcase_add_test(tc, test_sequence_and_id_wrap_inside_a_batch);
	tcase_add_test(tc, test_a_lone_segment_goes_out_unchanged_with_a_zero_header);
	tcase_add_test(tc, test_header_says_what_the_kernel_needs);
	tcase_add_test(tc, test_a_segment_that_differs_does_not_join);
	tcase_add_test(tc, test_only_the_last_may_be_short_or_carry_psh_or_fin);
	tcase_add_test(tc, test_segments_without_payload_or_with_syn_never_start_a_batch);
	tcase_add_test(tc, test_family_change_ends_the_batch);
	tcase_add_test(tc, test_a_zero_tcp_checksum_is_never_joined);
	tcase_add_test(tc, test_a_batch_stops_at_64k_and_at_its_segment_limit);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(tun_gso_suite());
}
