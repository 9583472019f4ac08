/* pcap_file.c: the classic libpcap file format (the pcap-savefile(5) layout, also
 * draft-ietf-opsawg-pcap), written as LINKTYPE_RAW so `tcpdump -r` reads what the queue saw,
 * and read back from our files and from tcpdump's own captures. No libpcap: the format is
 * 24 bytes of file header and 16 per record, and the reader must survive any file. */
#include "trace.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/wire_bytes.h"

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAP_SNAPLEN 65535u

enum {
	LINKTYPE_NULL = 0,
	LINKTYPE_ETHERNET = 1,
	LINKTYPE_RAW = 101,
	LINKTYPE_LINUX_SLL = 113,
	LINKTYPE_IPV4 = 228,
	LINKTYPE_LINUX_SLL2 = 276,
};

/* A record bigger than this is garbage, whatever the header's snaplen says (libpcap's own
 * limit for non-D-Bus link types is 256 KiB). */
#define PCAP_MAX_RECORD (256u * 1024u)

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4); /* the writer's byte order; the magic tells readers which it is */
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

int pcap_write_header(FILE *out)
{
	uint8_t h[24];
	put32(h, PCAP_MAGIC_US);
	put16(h + 4, 2); /* version 2.4 */
	put16(h + 6, 4);
	put32(h + 8, 0);  /* thiszone: timestamps are UTC */
	put32(h + 12, 0); /* sigfigs */
	put32(h + 16, PCAP_SNAPLEN);
	put32(h + 20, LINKTYPE_RAW);
	if (fwrite(h, sizeof(h), 1, out) != 1)
		return -EIO;
	return 0;
}

size_t pcap_record_header(uint8_t h[PCAP_RECORD_HEADER], uint64_t time_us, size_t len)
{
	uint32_t caplen = len > PCAP_SNAPLEN ? PCAP_SNAPLEN : (uint32_t)len;
	uint32_t origlen = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	put32(h, (uint32_t)(time_us / 1000000));
	put32(h + 4, (uint32_t)(time_us % 1000000));
	put32(h + 8, caplen);
	put32(h + 12, origlen);
	return caplen;
}

int pcap_write_packet(FILE *out, uint64_t time_us, const uint8_t *pkt, size_t len)
{
	uint8_t h[PCAP_RECORD_HEADER];
	size_t caplen = pcap_record_header(h, time_us, len);
	if (fwrite(h, sizeof(h), 1, out) != 1 || (caplen && fwrite(pkt, caplen, 1, out) != 1))
		return -EIO;
	return 0;
}

struct reader {
	bool swap;
	bool nanos;
	uint32_t linktype;
};

static uint32_t rd32(const struct reader *r, const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return r->swap ? __builtin_bswap32(v) : v;
}

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd

static bool is_ip_ethertype(uint16_t type)
{
	return type == ETHERTYPE_IPV4 || type == ETHERTYPE_IPV6;
}

/* LINKTYPE_NULL's family word, the sender's AF_INET or AF_INET6: AF_INET is 2 everywhere,
 * AF_INET6 is 10 on Linux, 24 on NetBSD and OpenBSD, 28 on FreeBSD, 30 on macOS (the values
 * tcpdump.org's LINKTYPE_NULL page lists) */
static bool is_ip_family_word(uint32_t fam)
{
	return fam == 2 || fam == 10 || fam == 24 || fam == 28 || fam == 30;
}

/* Where the IP packet (IPv4 or IPv6) starts inside a frame of this link type; -1 when the
 * frame carries something else (ARP, a runt). */
static long ip_offset(const struct reader *r, const uint8_t *f, size_t len)
{
	switch (r->linktype) {
	case LINKTYPE_ETHERNET: {
		size_t off = 12;
		/* 802.1Q / 802.1ad tags sit between the addresses and the EtherType */
		while (off + 2 <= len &&
		       (wire_get16(f + off) == 0x8100 || wire_get16(f + off) == 0x88a8))
			off += 4;
		if (off + 2 > len || !is_ip_ethertype(wire_get16(f + off)))
			return -1;
		return (long)off + 2;
	}
	case LINKTYPE_RAW:
	case LINKTYPE_IPV4:
		return 0;
	case LINKTYPE_LINUX_SLL: /* 16-byte header, protocol last */
		return len >= 16 && is_ip_ethertype(wire_get16(f + 14)) ? 16 : -1;
	case LINKTYPE_LINUX_SLL2: /* 20-byte header, protocol first */
		return len >= 20 && is_ip_ethertype(wire_get16(f)) ? 20 : -1;
	case LINKTYPE_NULL: { /* the sender's address family in the sender's byte order */
		if (len < 4)
			return -1;
		uint32_t fam;
		memcpy(&fam, f, 4);
		return is_ip_family_word(fam) || is_ip_family_word(__builtin_bswap32(fam)) ? 4 : -1;
	}
	default:
		return -1;
	}
}

/* The IP datagram's own length (IPv4's total length, IPv6's 40 + payload length), 0 when
 * the packet is neither version or its header is cut short. LINKTYPE_IPV4 carries IPv4
 * alone. */
static size_t ip_datagram_len(const struct reader *r, const uint8_t *ip, size_t len)
{
	unsigned version = len ? ip[0] >> 4 : 0;
	if (version == 4 && len >= 20)
		return wire_get16(ip + 2);
	if (version == 6 && len >= 40 && r->linktype != LINKTYPE_IPV4)
		return 40u + wire_get16(ip + 4);
	return 0;
}

static bool linktype_known(uint32_t lt)
{
	return lt == LINKTYPE_ETHERNET || lt == LINKTYPE_RAW || lt == LINKTYPE_IPV4 ||
	       lt == LINKTYPE_LINUX_SLL || lt == LINKTYPE_LINUX_SLL2 || lt == LINKTYPE_NULL;
}

int pcap_read_file(const char *path, pcap_packet_fn fn, void *ctx)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -errno;
	int err = 0;
	uint8_t *frame = NULL;
	uint8_t h[24];
	struct reader r = {0};
	if (fread(h, sizeof(h), 1, f) != 1) {
		err = ferror(f) ? -EIO : -EINVAL;
		goto out;
	}
	uint32_t magic;
	memcpy(&magic, h, 4);
	if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS) {
		r.swap = false;
	} else if (magic == __builtin_bswap32(PCAP_MAGIC_US) ||
	           magic == __builtin_bswap32(PCAP_MAGIC_NS)) {
		r.swap = true;
		magic = __builtin_bswap32(magic);
	} else {
		err = -EINVAL; /* pcapng or not a capture at all */
		goto out;
	}
	r.nanos = magic == PCAP_MAGIC_NS;
	uint16_t major;
	memcpy(&major, h + 4, 2);
	if (r.swap)
		major = __builtin_bswap16(major);
	if (major != 2) {
		err = -EINVAL;
		goto out;
	}
	/* the top bits of the link-type field carry FCS information (pcap-savefile(5)) */
	r.linktype = rd32(&r, h + 20) & 0x0fffffff;
	if (!linktype_known(r.linktype & 0xffff)) {
		err = -EPROTONOSUPPORT;
		goto out;
	}
	r.linktype &= 0xffff;
	frame = malloc(PCAP_MAX_RECORD);
	if (!frame) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		uint8_t rh[16];
		size_t got = fread(rh, 1, sizeof(rh), f);
		if (got == 0 && !ferror(f))
			break; /* a clean end of file */
		if (got != sizeof(rh)) {
			err = ferror(f) ? -EIO : -EINVAL; /* a record header cut short */
			goto out;
		}
		uint32_t sec = rd32(&r, rh), frac = rd32(&r, rh + 4);
		uint32_t caplen = rd32(&r, rh + 8);
		if (caplen > PCAP_MAX_RECORD || frac >= (r.nanos ? 1000000000u : 1000000u)) {
			err = -EINVAL;
			goto out;
		}
		if (caplen && fread(frame, caplen, 1, f) != 1) {
			err = ferror(f) ? -EIO : -EINVAL; /* the packet cut short */
			goto out;
		}
		long off = ip_offset(&r, frame, caplen);
		if (off < 0 || (size_t)off > caplen)
			continue;
		const uint8_t *ip = frame + off;
		size_t len = caplen - (size_t)off;
		size_t total = ip_datagram_len(&r, ip, len);
		if (!total)
			continue;
		/* drop link-layer padding after the datagram (Ethernet's 60-byte minimum) */
		if (total >= 20 && total < len)
			len = total;
		uint64_t t = (uint64_t)sec * 1000000 + (r.nanos ? frac / 1000 : frac);
		int rc = fn(ctx, t, ip, len);
		if (rc != 0) {
			err = rc;
			goto out;
		}
	}
out:
	free(frame);
	fclose(f);
	return err;
}
