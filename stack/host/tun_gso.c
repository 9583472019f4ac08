/* tun_gso.c: join the stack's consecutive TCP segments into one GSO packet for the tun device. */
#include "tun_gso.h"

#include <endian.h>
#include <string.h>

#include "checksum.h"
#include "common/tcp_flags.h"
#include "common/wire_bytes.h"
#include "ipv4_wire.h"
#include "ipv6_wire.h"

#define IPV4_DF 0x4000
#define TCP_CSUM_OFF 16

/* The stack's headers as the kernel will copy them to every segment; what differs per segment is
 * checked on its own (see tun_gso_add). */
struct seg_view {
	size_t ip_len, hdr_len, payload;
	uint32_t seq;
	uint16_t id;
	uint8_t flags;
};

static struct stack_addr addr_at(const uint8_t *pkt, bool v4, size_t off)
{
	return v4 ? stack_addr_v4(wire_get32(pkt + off)) : stack_addr_v6(pkt + off);
}

static bool ip_view(const uint8_t *pkt, size_t len, struct seg_view *s)
{
	if (len < IPV4_HDR_LEN)
		return false;
	if (pkt[0] == 0x45) {
		/* The kernel gives every segment a fresh header checksum: join only headers whose
		 * own is that one, and only unfragmented ones with DF (inet_gso_segment counts the
		 * ID up from the first's). */
		if (wire_get16(pkt + 2) != len || wire_get16(pkt + 6) != IPV4_DF ||
		    pkt[9] != IPPROTO_NUM_TCP || wire_get16(pkt + 10) == 0xffff ||
		    csum_fold(csum_add(0, pkt, IPV4_HDR_LEN)) != 0)
			return false;
		s->ip_len = IPV4_HDR_LEN;
		s->id = wire_get16(pkt + 4);
		return true;
	}
	/* No extension headers: the TCP header must follow at a fixed place. */
	if (pkt[0] >> 4 != 6 || len < IPV6_HDR_LEN || pkt[6] != IPPROTO_NUM_TCP ||
	    wire_get16(pkt + 4) != len - IPV6_HDR_LEN)
		return false;
	s->ip_len = IPV6_HDR_LEN;
	s->id = 0;
	return true;
}

/* A segment that may be part of a GSO packet at all. */
static bool seg_view(const uint8_t *pkt, size_t len, struct seg_view *s)
{
	if (!ip_view(pkt, len, s) || len < s->ip_len + 20)
		return false;
	const uint8_t *th = pkt + s->ip_len;
	s->hdr_len = s->ip_len + (size_t)(th[12] >> 4) * 4;
	s->seq = wire_get32(th + 4);
	s->flags = th[13];
	if (s->hdr_len < s->ip_len + 20 || s->hdr_len >= len)
		return false; /* no payload */
	s->payload = len - s->hdr_len;
	/* SYN, RST and URG are not for GSO; the kernel keeps CWR on the first segment alone. A
	 * checksum of 0 is the one the kernel may write as 0xffff (skb_checksum_help), and 0xffff
	 * one it never writes: either would change on the wire. */
	uint16_t csum = wire_get16(th + TCP_CSUM_OFF);
	return !(s->flags & (TCPF_SYN | TCPF_RST | TCPF_URG | TCPF_CWR)) && csum != 0 &&
	       csum != 0xffff;
}

/* Everything the kernel copies from the joined header to each segment is equal. */
static bool same_headers(const uint8_t *a, const uint8_t *b, const struct seg_view *s)
{
	if (s->ip_len == IPV4_HDR_LEN) {
		/* skip total length, ID and header checksum */
		if (memcmp(a, b, 2) != 0 || memcmp(a + 6, b + 6, 4) != 0 ||
		    memcmp(a + 12, b + 12, 8) != 0)
			return false;
	} else if (memcmp(a, b, 4) != 0 || memcmp(a + 6, b + 6, IPV6_HDR_LEN - 6) != 0) {
		return false; /* only the payload length may differ */
	}
	const uint8_t *ta = a + s->ip_len, *tb = b + s->ip_len;
	/* skip the sequence number, the flags (checked by the caller) and the checksum */
	size_t opt = s->hdr_len - s->ip_len - 18;
	return memcmp(ta, tb, 4) == 0 && memcmp(ta + 8, tb + 8, 5) == 0 &&
	       memcmp(ta + 14, tb + 14, 2) == 0 && memcmp(ta + 18, tb + 18, opt) == 0;
}

void tun_gso_reset(struct tun_gso_batch *b)
{
	b->len = 0;
	b->segs = 0;
	b->closed = false;
}

bool tun_gso_full(const struct tun_gso_batch *b)
{
	return b->closed || b->segs >= TUN_GSO_MAX_SEGS;
}

static void take(struct tun_gso_batch *b, const struct seg_view *s)
{
	b->segs++;
	b->next_seq = s->seq + (uint32_t)s->payload;
	b->next_id = (uint16_t)(s->id + 1);
	b->last_flags = s->flags;
	b->closed = s->payload < b->gso_size || (s->flags & (TCPF_PSH | TCPF_FIN));
}

bool tun_gso_add(struct tun_gso_batch *b, const uint8_t *pkt, size_t len)
{
	struct seg_view s;
	if (!seg_view(pkt, len, &s))
		return false;
	if (b->len == 0) {
		if (len > TUN_GSO_MAX_LEN || s.payload > UINT16_MAX)
			return false;
		memcpy(b->pkt, pkt, len);
		b->len = len;
		b->ip_len = s.ip_len;
		b->hdr_len = s.hdr_len;
		b->gso_size = (uint16_t)s.payload;
		take(b, &s);
		return true;
	}
	const uint8_t not_last = TCPF_PSH | TCPF_FIN;
	if (tun_gso_full(b) || s.hdr_len != b->hdr_len || s.ip_len != b->ip_len ||
	    s.payload > b->gso_size || b->len + s.payload > TUN_GSO_MAX_LEN ||
	    s.seq != b->next_seq || (s.ip_len == IPV4_HDR_LEN && s.id != b->next_id) ||
	    (s.flags & ~not_last) != (b->last_flags & ~not_last) || !same_headers(b->pkt, pkt, &s))
		return false;
	memcpy(b->pkt + b->len, pkt + s.hdr_len, s.payload);
	b->len += s.payload;
	take(b, &s);
	return true;
}

size_t tun_gso_finish(struct tun_gso_batch *b, struct virtio_net_hdr *vh)
{
	memset(vh, 0, sizeof(*vh));
	if (b->segs < 2)
		return b->len;
	uint8_t *p = b->pkt;
	bool v4 = b->ip_len == IPV4_HDR_LEN;
	uint8_t *th = p + b->ip_len;
	size_t tcp_len = b->len - b->ip_len;
	if (v4) {
		wire_put16(p + 2, (uint16_t)b->len);
		wire_put16(p + 10, 0);
		wire_put16(p + 10, csum_fold(csum_add(0, p, IPV4_HDR_LEN)));
	} else {
		wire_put16(p + 4, (uint16_t)tcp_len);
	}
	/* The last segment's PSH or FIN: the kernel clears them on the others. */
	th[13] = b->last_flags;
	/* Checksum offload's start value (as __tcp_v4_send_check leaves it): the pseudo-header sum
	 * of the whole, which tcp_gso_segment adjusts to each segment's length. */
	struct stack_addr src = addr_at(p, v4, v4 ? 12 : 8), dst = addr_at(p, v4, v4 ? 16 : 24);
	wire_put16(th + TCP_CSUM_OFF, (uint16_t)~csum_fold(csum_pseudo_addr(
	                                  &src, &dst, IPPROTO_NUM_TCP, (uint32_t)tcp_len)));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = v4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
	vh->hdr_len = htole16((uint16_t)b->hdr_len);
	vh->gso_size = htole16(b->gso_size);
	vh->csum_start = htole16((uint16_t)b->ip_len);
	vh->csum_offset = htole16(TCP_CSUM_OFF);
	return b->len;
}
