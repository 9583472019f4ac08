/* test_pcap_file.c: the pcap writer and reader: round trips, every link type and timestamp
 * flavour the reader claims, tcpdump's own captures, broken files, and (when tcpdump is
 * installed) tcpdump reading our files and printing what our printer prints. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/wire_bytes.h"
#include "test_support.h"
#include "trace/trace.h"
#include "wire/segment.h"

#define CLIENT 0xc0a8016cu
#define SERVER 0xc0a8016du

/* ---- packets and files ---- */

/* An IPv4/TCP packet; returns its length. optlen a multiple of 4. */
static size_t build(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                    uint32_t seq, uint32_t ack, uint8_t flags, const char *opts, size_t optlen,
                    const char *payload, size_t plen)
{
	size_t total = 40 + optlen + plen;
	memset(b, 0, total);
	b[0] = 0x45;
	wire_put16(b + 2, (unsigned)total);
	b[8] = 64;
	b[9] = 6;
	wire_put32(b + 12, src);
	wire_put32(b + 16, dst);
	uint8_t *t = b + 20;
	wire_put16(t, sport);
	wire_put16(t + 2, dport);
	wire_put32(t + 4, seq);
	wire_put32(t + 8, ack);
	t[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	t[13] = flags;
	wire_put16(t + 14, 502);
	if (optlen)
		memcpy(t + 20, opts, optlen);
	if (plen)
		memcpy(t + 20 + optlen, payload, plen);
	return total;
}

struct collected {
	int n;
	uint64_t t[64];
	size_t len[64];
	uint8_t pkt[64][1600];
	int stop_after; /* return 1 from the callback after this many, 0: never */
};

static int collect(void *ctx, uint64_t time_us, const uint8_t *pkt, size_t len)
{
	struct collected *c = ctx;
	ck_assert_int_lt(c->n, 64);
	ck_assert_uint_le(len, sizeof(c->pkt[0]));
	c->t[c->n] = time_us;
	c->len[c->n] = len;
	memcpy(c->pkt[c->n], pkt, len);
	c->n++;
	return c->stop_after && c->n >= c->stop_after ? 42 : 0;
}

static char *temp_path(const char *tag)
{
	static char path[4][64];
	static int next;
	char *p = path[next++ % 4];
	snprintf(p, sizeof(path[0]), "/tmp/synfin-pcap-%s-XXXXXX", tag);
	int fd = mkstemp(p);
	ck_assert_int_ge(fd, 0);
	close(fd);
	chmod(p, 0644); /* tcpdump may read as another user */
	return p;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	if (len)
		ck_assert_uint_eq(fwrite(data, len, 1, f), 1);
	fclose(f);
}

/* A pcap file header, in either byte order. */
static size_t file_header(uint8_t *h, uint32_t magic, uint32_t linktype, int swap)
{
	uint32_t v[6] = {magic, 2 | 4u << 16, 0, 0, 65535, linktype};
	for (int i = 0; i < 6; i++) {
		uint32_t x = v[i];
		if (i == 1) { /* two 16-bit fields */
			uint16_t maj = 2, min = 4;
			if (swap) {
				maj = __builtin_bswap16(maj);
				min = __builtin_bswap16(min);
			}
			memcpy(h + 4, &maj, 2);
			memcpy(h + 6, &min, 2);
			continue;
		}
		if (swap)
			x = __builtin_bswap32(x);
		memcpy(h + 4 * i, &x, 4);
	}
	return 24;
}

static size_t record_header(uint8_t *h, uint32_t sec, uint32_t frac, uint32_t caplen, int swap)
{
	uint32_t v[4] = {sec, frac, caplen, caplen};
	for (int i = 0; i < 4; i++) {
		uint32_t x = swap ? __builtin_bswap32(v[i]) : v[i];
		memcpy(h + 4 * i, &x, 4);
	}
	return 16;
}

/* ---- writing and reading back ---- */

START_TEST(test_written_packets_read_back_equal)
{
	char *path = temp_path("rt");
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	uint8_t pkts[3][1600];
	size_t lens[3];
	lens[0] = build(pkts[0], CLIENT, SERVER, 40000, 80, 1, 0, TCPF_SYN, NULL, 0, NULL, 0);
	lens[1] = build(pkts[1], SERVER, CLIENT, 80, 40000, 7, 2, TCPF_SYN | TCPF_ACK,
	                "\x02\x04\x05\xb4", 4, NULL, 0);
	char data[1400];
	memset(data, 'd', sizeof(data));
	lens[2] = build(pkts[2], CLIENT, SERVER, 40000, 80, 2, 8, TCPF_ACK | TCPF_PSH, NULL, 0,
	                data, sizeof(data));
	const uint64_t times[3] = {1763939345621802ull, 1763939345621836ull, 1763939346999999ull};
	ck_assert_int_eq(pcap_write_header(f), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(pcap_write_packet(f, times[i], pkts[i], lens[i]), 0);
	fclose(f);

	/* the file header: microsecond magic in our byte order, v2.4, snaplen, LINKTYPE_RAW */
	uint8_t h[24];
	f = fopen(path, "rb");
	ck_assert_uint_eq(fread(h, 24, 1, f), 1);
	fclose(f);
	uint32_t magic, snaplen, linktype;
	memcpy(&magic, h, 4);
	memcpy(&snaplen, h + 16, 4);
	memcpy(&linktype, h + 20, 4);
	ck_assert_uint_eq(magic, 0xa1b2c3d4u);
	ck_assert_uint_eq(snaplen, 65535);
	ck_assert_uint_eq(linktype, 101);

	struct collected *c = calloc(1, sizeof(*c));
	ck_assert_int_eq(pcap_read_file(path, collect, c), 0);
	ck_assert_int_eq(c->n, 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(c->t[i], times[i]);
		ck_assert_uint_eq(c->len[i], lens[i]);
		ck_assert_mem_eq(c->pkt[i], pkts[i], lens[i]);
	}
	/* a nonzero return from the callback stops the reading and comes back */
	c->n = 0;
	c->stop_after = 2;
	ck_assert_int_eq(pcap_read_file(path, collect, c), 42);
	ck_assert_int_eq(c->n, 2);
	free(c);
	unlink(path);
}
END_TEST

START_TEST(test_packet_longer_than_snaplen_is_cut_to_it)
{
	char *path = temp_path("big");
	FILE *f = fopen(path, "wb");
	static uint8_t big[70000];
	memset(big, 0x45, sizeof(big));
	ck_assert_int_eq(pcap_write_header(f), 0);
	ck_assert_int_eq(pcap_write_packet(f, 5, big, sizeof(big)), 0);
	fclose(f);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 24 + 16 + 65535);
	f = fopen(path, "rb");
	uint8_t rh[16];
	fseek(f, 24, SEEK_SET);
	ck_assert_uint_eq(fread(rh, 16, 1, f), 1);
	fclose(f);
	uint32_t caplen, origlen;
	memcpy(&caplen, rh + 8, 4);
	memcpy(&origlen, rh + 12, 4);
	ck_assert_uint_eq(caplen, 65535);
	ck_assert_uint_eq(origlen, 70000);
	unlink(path);
}
END_TEST

START_TEST(test_write_to_a_failing_stream_reports_an_error)
{
	FILE *f = fopen("/dev/full", "wb");
	if (!f)
		return; /* no /dev/full in this environment: nothing to test */
	setvbuf(f, NULL, _IONBF, 0);
	ck_assert_int_eq(pcap_write_header(f), -EIO);
	uint8_t p[40] = {0x45};
	ck_assert_int_eq(pcap_write_packet(f, 0, p, sizeof(p)), -EIO);
	fclose(f);
}
END_TEST

/* ---- tcpdump's captures ---- */

START_TEST(test_tcpdump_ethernet_captures_read_as_ipv4)
{
	static const struct {
		const char *name;
		int packets;
		uint64_t first_us;
	} caps[] = {
	    /* 23:09:03.182892 etc. on 2026-11-23 UTC, the first line of each .txt */
	    {"linux-connect-close-3seg", 6, 1795475343182892ull},
	    {"linux-connect-close-4seg", 7, 1795475345621802ull},
	    {"linux-request-response", 10, 1795475348346472ull},
	    {"linux-syn-timeout-classic", 6, 1795475350269643ull},
	};
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		char rel[256], path[512];
		snprintf(rel, sizeof(rel), "captures/%s.pcap", caps[i].name);
		synfin_data_path(path, sizeof(path), rel);
		struct collected *c = calloc(1, sizeof(*c));
		ck_assert_int_eq(pcap_read_file(path, collect, c), 0);
		ck_assert_int_eq(c->n, caps[i].packets);
		ck_assert_uint_eq(c->t[0], caps[i].first_us);
		for (int k = 0; k < c->n; k++) {
			struct segment seg;
			ck_assert_int_eq(c->pkt[k][0], 0x45);
			ck_assert_int_eq(segment_parse(&seg, c->pkt[k], c->len[k]), 0);
			ck_assert_uint_eq(c->len[k], seg.ip_len); /* no Ethernet padding left */
			ck_assert(seg.saddr == CLIENT || seg.saddr == SERVER);
		}
		free(c);
	}
}
END_TEST

/* An IPv6/TCP SYN from fd00::108 to fd00::109; returns its length. */
static size_t build6_syn(uint8_t *b)
{
	memset(b, 0, 60);
	b[0] = 0x60;
	wire_put16(b + 4, 20);
	b[6] = 6;
	b[7] = 64;
	b[8] = b[24] = 0xfd;
	b[22] = b[38] = 0x01;
	b[23] = 0x08;
	b[39] = 0x09;
	wire_put16(b + 40, 40000);
	wire_put16(b + 42, 80);
	wire_put32(b + 44, 1);
	b[52] = 5 << 4;
	b[53] = TCPF_SYN;
	wire_put16(b + 54, 64800);
	return 60;
}

/* The same for IPv6 over every link type that carries it (LINKTYPE_IPV4 does not), the
 * padding after it cut by its payload length. */
START_TEST(test_ipv6_over_every_link_type_that_carries_it)
{
	uint8_t ip[60];
	size_t iplen = build6_syn(ip);
	static const struct {
		uint32_t linktype;
		uint8_t pre[24];
		size_t prelen;
	} frames[] = {
	    {1, {[12] = 0x86, [13] = 0xdd}, 14},
	    {1, {[12] = 0x81, [13] = 0x00, [14] = 0x00, [15] = 0x05, [16] = 0x86, [17] = 0xdd}, 18},
	    {101, {0}, 0},
	    {113, {[14] = 0x86, [15] = 0xdd}, 16},
	    {276, {[0] = 0x86, [1] = 0xdd}, 20},
	    {0, {10, 0, 0, 0}, 4}, /* Linux's AF_INET6 */
	    {0, {0, 0, 0, 30}, 4}, /* macOS's, big-endian */
	    {0, {28, 0, 0, 0}, 4}, /* FreeBSD's */
	    {0, {24, 0, 0, 0}, 4}, /* NetBSD's and OpenBSD's */
	};
	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		uint8_t file[512];
		size_t n = file_header(file, 0xa1b2c3d4u, frames[i].linktype, 0);
		size_t caplen = frames[i].prelen + iplen + 6;
		n += record_header(file + n, 1700000000, 123456, (uint32_t)caplen, 0);
		memcpy(file + n, frames[i].pre, frames[i].prelen);
		memcpy(file + n + frames[i].prelen, ip, iplen);
		memset(file + n + frames[i].prelen + iplen, 0xee, 6);
		n += caplen;
		char *path = temp_path("lt6");
		write_bytes(path, file, n);
		struct collected *c = calloc(1, sizeof(*c));
		ck_assert_int_eq(pcap_read_file(path, collect, c), 0);
		ck_assert_msg(c->n == 1, "frame %zu (linktype %u): %d packets", i,
		              frames[i].linktype, c->n);
		ck_assert_uint_eq(c->len[0], iplen);
		ck_assert_mem_eq(c->pkt[0], ip, iplen);
		struct segment seg;
		ck_assert_int_eq(segment_parse(&seg, c->pkt[0], c->len[0]), 0);
		ck_assert(seg.ipv6);
		free(c);
		unlink(path);
	}
	/* LINKTYPE_IPV4 promises IPv4: an IPv6 packet there is not read */
	uint8_t file[512];
	size_t n = file_header(file, 0xa1b2c3d4u, 228, 0);
	n += record_header(file + n, 1, 0, (uint32_t)iplen, 0);
	memcpy(file + n, ip, iplen);
	n += iplen;
	char *path = temp_path("v4only");
	write_bytes(path, file, n);
	struct collected *c = calloc(1, sizeof(*c));
	ck_assert_int_eq(pcap_read_file(path, collect, c), 0);
	ck_assert_int_eq(c->n, 0);
	free(c);
	unlink(path);
}
END_TEST

/* Every way of framing the same packet must give the same packet and time. */
START_TEST(test_every_supported_link_type_and_timestamp_flavour)
{
	uint8_t ip[100];
	size_t iplen = build(ip, CLIENT, SERVER, 40000, 80, 1, 0, TCPF_SYN, NULL, 0, NULL, 0);
	static const struct {
		uint32_t linktype;
		uint8_t pre[24];
		size_t prelen;
	} frames[] = {
	    {1, {[12] = 0x08, [13] = 0x00}, 14},
	    {1, {[12] = 0x81, [13] = 0x00, [14] = 0x00, [15] = 0x05, [16] = 0x08}, 18},
	    {101, {0}, 0},
	    {228, {0}, 0},
	    {113, {[14] = 0x08, [15] = 0x00}, 16},
	    {276, {[0] = 0x08, [1] = 0x00}, 20},
	    {0, {2, 0, 0, 0}, 4},
	    {0, {0, 0, 0, 2}, 4},
	};
	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		for (int nanos = 0; nanos < 2; nanos++) {
			for (int swap = 0; swap < 2; swap++) {
				uint8_t file[512];
				size_t n = file_header(file, nanos ? 0xa1b23c4du : 0xa1b2c3d4u,
				                       frames[i].linktype, swap);
				/* padding after the datagram, as Ethernet adds */
				size_t caplen = frames[i].prelen + iplen + 6;
				n += record_header(file + n, 1700000000, nanos ? 123456789 : 123456,
				                   (uint32_t)caplen, swap);
				memcpy(file + n, frames[i].pre, frames[i].prelen);
				memcpy(file + n + frames[i].prelen, ip, iplen);
				memset(file + n + frames[i].prelen + iplen, 0xee, 6);
				n += caplen;
				char *path = temp_path("lt");
				write_bytes(path, file, n);
				struct collected *c = calloc(1, sizeof(*c));
				ck_assert_int_eq(pcap_read_file(path, collect, c), 0);
				ck_assert_msg(c->n == 1, "linktype %u nanos %d swap %d: %d packets",
				              frames[i].linktype, nanos, swap, c->n);
				ck_assert_uint_eq(c->t[0], 1700000000123456ull);
				ck_assert_uint_eq(c->len[0], iplen);
				ck_assert_mem_eq(c->pkt[0], ip, iplen);
				free(c);
				unlink(path);
			}
		}
	}
}
END_TEST

/* Only IP is read: ARP and a runt are skipped, an IPv6 frame is read like an IPv4 one. */
START_TEST(test_frames_that_are_not_ip_are_skipped)
{
	uint8_t file[1024];
	size_t n = file_header(file, 0xa1b2c3d4u, 1, 0);
	/* ARP, IPv6 (a bare header), a runt frame, then one IPv4 TCP packet */
	uint8_t arp[42] = {[12] = 0x08, [13] = 0x06};
	uint8_t ip6[54] = {[12] = 0x86, [13] = 0xdd, [14] = 0x60};
	uint8_t runt[10] = {0};
	uint8_t good[14 + 40] = {[12] = 0x08, [13] = 0x00};
	build(good + 14, CLIENT, SERVER, 1, 2, 3, 4, TCPF_ACK, NULL, 0, NULL, 0);
	const struct {
		const uint8_t *p;
		size_t len;
	} fr[] = {
	    {arp, sizeof(arp)}, {ip6, sizeof(ip6)}, {runt, sizeof(runt)}, {good, sizeof(good)}};
	for (int i = 0; i < 4; i++) {
		n += record_header(file + n, 1, (uint32_t)i, (uint32_t)fr[i].len, 0);
		memcpy(file + n, fr[i].p, fr[i].len);
		n += fr[i].len;
	}
	char *path = temp_path("skip");
	write_bytes(path, file, n);
	struct collected *c = calloc(1, sizeof(*c));
	ck_assert_int_eq(pcap_read_file(path, collect, c), 0);
	ck_assert_int_eq(c->n, 2);
	ck_assert_uint_eq(c->t[0], 1000001);
	ck_assert_uint_eq(c->len[0], 40); /* the IPv6 header, its payload length 0 */
	ck_assert_uint_eq(c->t[1], 1000003);
	free(c);
	unlink(path);
}
END_TEST

/* ---- broken files ---- */

static int read_bytes(const void *data, size_t len)
{
	char *path = temp_path("bad");
	write_bytes(path, data, len);
	struct collected *c = calloc(1, sizeof(*c));
	int rc = pcap_read_file(path, collect, c);
	free(c);
	unlink(path);
	return rc;
}

START_TEST(test_broken_files_are_errors)
{
	ck_assert_int_eq(pcap_read_file("/nonexistent/x.pcap", collect, NULL), -ENOENT);
	ck_assert_int_eq(read_bytes("", 0), -EINVAL);
	uint8_t h[64];
	file_header(h, 0xa1b2c3d4u, 1, 0);
	ck_assert_int_eq(read_bytes(h, 23), -EINVAL);
	ck_assert_int_eq(read_bytes(h, 24), 0); /* a header alone: no packets */
	const uint8_t pcapng[24] = {0x0a, 0x0d, 0x0d, 0x0a};
	ck_assert_int_eq(read_bytes(pcapng, 24), -EINVAL);
	file_header(h, 0xa1b2c3d4u, 147, 0); /* a link type we cannot strip */
	ck_assert_int_eq(read_bytes(h, 24), -EPROTONOSUPPORT);
	file_header(h, 0xa1b2c3d4u, 101, 0);
	h[4] = 3; /* version 3.4 */
	ck_assert_int_eq(read_bytes(h, 24), -EINVAL);
	file_header(h, 0xa1b2c3d4u, 101, 0);
	record_header(h + 24, 0, 0, 0x7fffffff, 0); /* a record claiming 2 GiB */
	ck_assert_int_eq(read_bytes(h, 40), -EINVAL);
	record_header(h + 24, 0, 1000000, 0, 0); /* a microsecond field of a whole second */
	ck_assert_int_eq(read_bytes(h, 40), -EINVAL);
}
END_TEST

/* Cutting a real capture anywhere gives an error, except at a record boundary. */
START_TEST(test_capture_cut_anywhere_is_an_error_except_between_records)
{
	char path[512];
	synfin_data_path(path, sizeof(path), "captures/linux-request-response.pcap");
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	static uint8_t data[8192];
	size_t size = fread(data, 1, sizeof(data), f);
	fclose(f);
	ck_assert_uint_gt(size, 24);
	ck_assert_uint_lt(size, sizeof(data));
	/* the record boundaries, from the little-endian file's caplen fields */
	size_t boundary[32], nb = 0;
	for (size_t off = 24; off < size && nb < 32;) {
		boundary[nb++] = off;
		uint32_t caplen;
		memcpy(&caplen, data + off + 8, 4);
		off += 16 + caplen;
	}
	boundary[nb++] = size;
	ck_assert_uint_eq(nb, 11); /* 10 records */
	for (size_t cut = 0; cut <= size; cut++) {
		int at_boundary = 0;
		for (size_t k = 0; k < nb; k++)
			at_boundary |= boundary[k] == cut;
		int rc = read_bytes(data, cut);
		if (at_boundary)
			ck_assert_msg(rc == 0, "cut at %zu: %d", cut, rc);
		else
			ck_assert_msg(rc == -EINVAL, "cut at %zu: %d", cut, rc);
	}
}
END_TEST

/* Random bytes after a valid header and inside records: errors are fine, crashes are not
 * (run under ASan in the sanitizer build). */
START_TEST(test_random_garbage_never_crashes)
{
	srand(12345);
	static uint8_t buf[4096];
	for (int round = 0; round < 400; round++) {
		size_t n =
		    file_header(buf, round & 1 ? 0xa1b23c4du : 0xa1b2c3d4u,
		                (uint32_t[]){0, 1, 101, 113, 228, 276}[round % 6], round & 2);
		size_t len = n + (size_t)(rand() % 1500);
		for (size_t i = n; i < len; i++)
			buf[i] = (uint8_t)rand();
		/* small plausible record lengths so the reader gets into the frames */
		if (len >= n + 16) {
			uint32_t cap = (uint32_t)(rand() % 200);
			record_header(buf + n, 1, 1, cap, round & 2);
		}
		int rc = read_bytes(buf, len);
		ck_assert(rc == 0 || rc == -EINVAL);
	}
}
END_TEST

/* ---- tcpdump reads what we write ---- */

static int have_tcpdump(void)
{
	return system("command -v tcpdump >/dev/null 2>&1") == 0;
}

struct printed {
	struct trace_seqs *seqs;
	int relative;
	FILE *out;
};

static int print_packet(void *ctx, uint64_t time_us, const uint8_t *pkt, size_t len)
{
	struct printed *p = ctx;
	struct segment seg;
	ck_assert_int_eq(segment_parse(&seg, pkt, len), 0);
	char *line = trace_format_tcpdump_alloc(p->seqs, p->relative, time_us, &seg, NULL, NULL);
	ck_assert_ptr_nonnull(line);
	fprintf(p->out, "%s\n", line);
	free(line);
	return 0;
}

static void compare_with_tcpdump(const char *pcap, int relative)
{
	char cmd[512], ours[65536], theirs[65536];
	snprintf(cmd, sizeof(cmd), "tcpdump -n %s -r %s 2>/dev/null", relative ? "" : "-S", pcap);
	ck_assert_int_eq(synfin_command_output(cmd, theirs, sizeof(theirs)), 0);
	FILE *o = fmemopen(ours, sizeof(ours), "w");
	struct printed pr = {trace_seqs_new(), relative, o};
	ck_assert_int_eq(pcap_read_file(pcap, print_packet, &pr), 0);
	fclose(o);
	trace_seqs_free(pr.seqs);
	/* line by line, for a readable failure */
	char *sa, *sb;
	char *a = strtok_r(ours, "\n", &sa), *b = strtok_r(theirs, "\n", &sb);
	int line = 1;
	for (; a && b; a = strtok_r(NULL, "\n", &sa), b = strtok_r(NULL, "\n", &sb), line++)
		ck_assert_msg(strcmp(a, b) == 0, "%s line %d:\n ours    %s\n tcpdump %s", pcap,
		              line, a, b);
	ck_assert_msg(!a && !b, "%s: line counts differ at line %d", pcap, line);
}

START_TEST(test_tcpdump_prints_our_file_as_we_do)
{
	if (!have_tcpdump()) {
		fprintf(stderr, "test_tcpdump_prints_our_file_as_we_do: tcpdump not installed, "
		                "comparison skipped\n");
		return;
	}
	setenv("TZ", "UTC", 1);
	tzset();
	char *path = temp_path("td");
	FILE *f = fopen(path, "wb");
	ck_assert_int_eq(pcap_write_header(f), 0);
	uint64_t t = 1700000000000007ull;
	uint8_t b[1600];
#define W(...)                                                                                     \
	do {                                                                                       \
		size_t len_ = build(b, __VA_ARGS__);                                               \
		ck_assert_int_eq(pcap_write_packet(f, t, b, len_), 0);                             \
		t += 1001001;                                                                      \
	} while (0)
	/* a connection with data, SACK and odd options, both directions */
	W(CLIENT, SERVER, 40000, 80, 1000, 0, TCPF_SYN,
	  "\x02\x04\x05\xb4\x04\x02\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x00\x01\x03\x03\x07", 20,
	  NULL, 0);
	W(SERVER, CLIENT, 80, 40000, 5000, 1001, TCPF_SYN | TCPF_ACK,
	  "\x02\x04\x05\xb4\x01\x01\x04\x02", 8, NULL, 0);
	W(CLIENT, SERVER, 40000, 80, 1001, 5001, TCPF_ACK,
	  "\x01\x01\x05\x0a\x00\x00\x13\x89\x00\x00\x13\x99", 12, NULL, 0);
	W(CLIENT, SERVER, 40000, 80, 1001, 5001, TCPF_ACK | TCPF_PSH, NULL, 0,
	  "GET /a\"b\\c HTTP/1.1\r\nHost: x\r\n\r\n", 32);
	W(SERVER, CLIENT, 80, 40000, 5001, 1033, TCPF_ACK | TCPF_PSH, NULL, 0,
	  "HTTP/1.1 404 Not Found\r\n", 24);
	W(SERVER, CLIENT, 80, 40000, 5025, 1033, TCPF_ACK | TCPF_PSH, NULL, 0, "\x01\x02zz", 4);
	W(CLIENT, SERVER, 40000, 80, 1033, 5029, TCPF_ACK, "\x08\x00\x00\x00", 4, NULL, 0);
	W(CLIENT, SERVER, 40000, 80, 1033, 5029, TCPF_ACK, "\x01\x08\x06\x00", 4, NULL, 0);
	W(CLIENT, SERVER, 40000, 80, 1033, 5029, TCPF_ACK, "\x02\x03\x05\x00", 4, NULL, 0);
	W(CLIENT, SERVER, 40000, 80, 1033, 5029, TCPF_ACK, "\x63\x04\xab\xcd", 4, NULL, 0);
	W(CLIENT, SERVER, 40000, 80, 1033, 5029, TCPF_ACK, "\x01\x01\x01\x03", 4, NULL, 0);
	W(CLIENT, SERVER, 40000, 80, 1033, 5029, TCPF_ACK | TCPF_URG | TCPF_ECE | TCPF_CWR, NULL, 0,
	  NULL, 0);
	W(CLIENT, SERVER, 40000, 80, 1033, 5029, 0, NULL, 0, NULL, 0);
	W(CLIENT, SERVER, 40000, 80, 1033, 5029, TCPF_RST | TCPF_ACK, NULL, 0, NULL, 0);
	W(SERVER, CLIENT, 80, 40000, 5029, 1034, TCPF_FIN | TCPF_ACK,
	  "\x13\x12\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x01\x01", 20,
	  NULL, 0);
	/* same ports both ends: tcpdump orders the entry by address */
	W(SERVER, CLIENT, 5000, 5000, 77, 88, TCPF_SYN | TCPF_ACK, NULL, 0, NULL, 0);
	W(CLIENT, SERVER, 5000, 5000, 88, 78, TCPF_ACK, NULL, 0, NULL, 0);
	W(SERVER, CLIENT, 5000, 5000, 78, 90, TCPF_ACK | TCPF_FIN, NULL, 0, NULL, 0);
#undef W
	fclose(f);
	compare_with_tcpdump(path, 1);
	compare_with_tcpdump(path, 0);
	unlink(path);

	/* and the captures, rewritten by our writer as raw IP */
	static const char *const names[] = {"linux-connect-close-3seg", "linux-connect-close-4seg",
	                                    "linux-request-response", "linux-syn-timeout-classic"};
	for (int i = 0; i < 4; i++) {
		char rel[256], src[512];
		snprintf(rel, sizeof(rel), "captures/%s.pcap", names[i]);
		synfin_data_path(src, sizeof(src), rel);
		struct collected *c = calloc(1, sizeof(*c));
		ck_assert_int_eq(pcap_read_file(src, collect, c), 0);
		char *out = temp_path("cap");
		f = fopen(out, "wb");
		ck_assert_int_eq(pcap_write_header(f), 0);
		for (int k = 0; k < c->n; k++)
			ck_assert_int_eq(pcap_write_packet(f, c->t[k], c->pkt[k], c->len[k]), 0);
		fclose(f);
		compare_with_tcpdump(out, 1);
		compare_with_tcpdump(out, 0);
		unlink(out);
		free(c);
	}
}
END_TEST

/* synfin-pcap-print prints a capture exactly as tcpdump did (the .txt files). */
START_TEST(test_pcap_print_tool_matches_the_capture_text)
{
	static const char *const names[] = {"linux-connect-close-3seg", "linux-connect-close-4seg",
	                                    "linux-request-response", "linux-syn-timeout-classic"};
	for (int i = 0; i < 4; i++) {
		for (int abs = 0; abs < 2; abs++) {
			char rel[256], pcap[512], txt[512], cmd[1280];
			snprintf(rel, sizeof(rel), "captures/%s.pcap", names[i]);
			synfin_data_path(pcap, sizeof(pcap), rel);
			snprintf(rel, sizeof(rel), "captures/%s%s", names[i],
			         abs ? ".abs.txt" : ".txt");
			synfin_data_path(txt, sizeof(txt), rel);
			snprintf(cmd, sizeof(cmd),
			         "TZ=UTC %s/harness/tools/synfin-pcap-print %s %s | cmp -s - %s",
			         SYNFIN_BUILD_DIR, pcap, abs ? "-S" : "", txt);
			ck_assert_msg(system(cmd) == 0, "differs: %s", cmd);
		}
	}
	/* a broken file is an error with a message, not a crash */
	char *path = temp_path("tool");
	write_bytes(path, "\xd4\xc3\xb2\xa1", 4);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "%s/harness/tools/synfin-pcap-print %s 2>/dev/null",
	         SYNFIN_BUILD_DIR, path);
	int rc = system(cmd);
	ck_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 1);
	unlink(path);
}
END_TEST

static Suite *pcap_suite(void)
{
	Suite *s = suite_create("pcap_file");
	TCase *tw = tcase_create("write");
	tcase_add_test(tw, test_written_packets_read_back_equal);
	tcase_add_test(tw, test_packet_longer_than_snaplen_is_cut_to_it);
	tcase_add_test(tw, test_write_to_a_failing_stream_reports_an_error);
	suite_add_tcase(s, tw);
	TCase *tr = tcase_create("read");
	tcase_add_test(tr, test_tcpdump_ethernet_captures_read_as_ipv4);
	tcase_add_test(tr, test_every_supported_link_type_and_timestamp_flavour);
	tcase_add_test(tr, test_ipv6_over_every_link_type_that_carries_it);
	tcase_add_test(tr, test_frames_that_are_not_ip_are_skipped);
	tcase_add_test(tr, test_broken_files_are_errors);
	tcase_add_test(tr, test_capture_cut_anywhere_is_an_error_except_between_records);
	tcase_add_test(tr, test_random_garbage_never_crashes);
	suite_add_tcase(s, tr);
	TCase *tt = tcase_create("tcpdump");
	tcase_set_timeout(tt, 60);
	tcase_add_test(tt, test_tcpdump_prints_our_file_as_we_do);
	tcase_add_test(tt, test_pcap_print_tool_matches_the_capture_text);
	suite_add_tcase(s, tt);
	return s;
}

int main(void)
{
	return synfin_run_suite(pcap_suite());
}
