/* gso_fixture.c: the kernel's segmentation of a GSO packet from a tun device, for the tests. */
#include "gso_fixture.h"

#include <endian.h>
#include <string.h>

#include "checksum.h"
#include "common/tcp_flags.h"
#include "common/wire_bytes.h"
#include "ipv4_wire.h"
#include "ipv6_wire.h"
#include "test_support.h"

void ip4_recheck(uint8_t *pkt)
{
	wire_put16(pkt + 10, 0);
	wire_put16(pkt + 10, csum_fold(csum_add(0, pkt, IPV4_HDR_LEN)));
}

/* 16-bit one's complement addition, the end-around carry folded in. */
static uint16_t ones_add(uint32_t a, uint32_t b)
{
	uint32_t s = a + b;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

unsigned kernel_segment(const struct virtio_net_hdr *vh, const uint8_t *pkt, size_t len,
                        uint8_t out[][SEG_MAX], size_t *out_len)
{
	if (vh->gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		ck_assert_uint_eq(vh->flags, 0);
		memcpy(out[0], pkt, len);
		out_len[0] = len;
		return 1;
	}
	ck_assert_uint_eq(vh->flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	size_t ip_len = le16toh(vh->csum_start);
	ck_assert_uint_eq(le16toh(vh->csum_offset), 16);
	bool v4 = vh->gso_type == VIRTIO_NET_HDR_GSO_TCPV4;
	ck_assert_uint_eq(ip_len, v4 ? IPV4_HDR_LEN : IPV6_HDR_LEN);
	const uint8_t *th = pkt + ip_len;
	size_t hdr_len = ip_len + (size_t)(th[12] >> 4) * 4;
	ck_assert_uint_eq(le16toh(vh->hdr_len), hdr_len);
	ck_assert_uint_eq(wire_get16(pkt + (v4 ? 2 : 4)), v4 ? len : len - IPV6_HDR_LEN);
	size_t mss = le16toh(vh->gso_size), payload = len - hdr_len;
	ck_assert_uint_gt(payload, mss); /* else virtio_net_hdr_to_skb makes it no GSO packet */
	unsigned n = (unsigned)((payload + mss - 1) / mss);
	ck_assert_uint_le(n, MAX_SEGS);
	uint16_t old_len = (uint16_t) ~(len - ip_len), start = wire_get16(th + 16);
	uint32_t seq = wire_get32(th + 4);
	uint16_t id = v4 ? wire_get16(pkt + 4) : 0;
	for (unsigned i = 0; i < n; i++) {
		size_t plen = i + 1 < n ? mss : payload - mss * i;
		uint8_t *o = out[i];
		memcpy(o, pkt, hdr_len);
		memcpy(o + hdr_len, pkt + hdr_len + mss * i, plen);
		out_len[i] = hdr_len + plen;
		uint8_t *oth = o + ip_len;
		wire_put32(oth + 4, seq + (uint32_t)(mss * i));
		if (i + 1 < n)
			oth[13] &= (uint8_t) ~(TCPF_PSH | TCPF_FIN);
		if (i > 0)
			oth[13] &= (uint8_t)~TCPF_CWR;
		if (v4) {
			wire_put16(o + 2, (uint16_t)out_len[i]);
			wire_put16(o + 4, (uint16_t)(id + i));
			ip4_recheck(o);
		} else {
			wire_put16(o + 4, (uint16_t)(out_len[i] - IPV6_HDR_LEN));
		}
		/* tcp_gso_segment: the pseudo-header sum moved from the whole's length to the
		 * segment's; gso_make_checksum: the sum over the segment from there, folded. */
		size_t seg_tcp = out_len[i] - ip_len;
		wire_put16(oth + 16, ones_add(ones_add(start, old_len), (uint32_t)seg_tcp));
		wire_put16(oth + 16, csum_fold(csum_add(0, oth, seg_tcp)));
	}
	return n;
}
