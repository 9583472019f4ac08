/* bench_wirecap: how long the wire held each segment, measured outside the daemon. Run in the
 * wire namespace: an AF_PACKET socket on each bridge port (c0, s0) with kernel timestamps sees
 * every TCP segment twice, arriving on one port and leaving by the other; the two are matched
 * by addresses, ports, sequence and acknowledgment numbers, flags and IP id, and the time
 * between them is the segment's time on the wire namespace (NFQUEUE, the daemon, its delay).
 *
 *   bench_wirecap READY [--dport P] [--fast-ms T] [--dump FILE] [--steady-after-ms T]
 *
 * Captures until SIGINT/SIGTERM (READY is created once both sockets are bound), then prints
 *   pairs N in_only N out_only N drops N min_us X p50_us X p99_us X max_us X fast N
 * in_only: arrived and never left (dropped, or still held at the end); out_only: left without
 * having been seen arriving (capture start); drops: what the capture sockets lost themselves;
 * fast: pairs that crossed in under T ms (--fast-ms, default 1). --dport keeps only segments
 * to port P. A second line,
 *   steady after_ms T pairs N p50_us X p99_us X max_us X
 * counts only the segments that arrived T ms (--steady-after-ms, default 1000) or more after
 * the first: paced senders start with a burst of several times their rate while their windows
 * open. --dump writes every pair as "ARRIVAL_NS HELD_NS SPORT DPORT" (arrival in
 * CLOCK_REALTIME), one per line in arrival order, to see when the slow ones happened.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SNAP 96
#define VLEN 64

struct rec {
	uint32_t saddr, daddr, seq, ack;
	uint16_t sport, dport, ipid;
	uint8_t flags, out;
	int64_t ns;
};

static struct rec *recs;
static size_t n_recs, cap_recs;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* In the kernel: only IPv4 TCP (to port, when not 0), cut to SNAP bytes, so the sockets'
 * buffers hold many frames when the daemon releases a burst of held packets. */
static int attach_filter(int fd, int port)
{
	struct sock_filter code[] = {
	    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 6),
	    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 14 + 9),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 4),
	    BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
	    BPF_STMT(BPF_LD | BPF_H | BPF_IND, 14 + 2),
	    port ? (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)port, 0, 1)
	         : (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0),
	    BPF_STMT(BPF_RET | BPF_K, SNAP),
	    BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

static int open_port(const char *dev, int port)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
	if (fd < 0 || attach_filter(fd, port) < 0)
		return -1;
	int size = 256 << 20, one = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	struct sockaddr_ll ll = {.sll_family = AF_PACKET,
	                         .sll_protocol = htons(ETH_P_ALL),
	                         .sll_ifindex = (int)if_nametoindex(dev)};
	if (!ll.sll_ifindex || bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0)
		return -1;
	return fd;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One captured frame (Ethernet header first); false for anything but IPv4 TCP on the port. */
static bool parse(const uint8_t *f, size_t len, int port, struct rec *r)
{
	if (len < 14 + 20 || get16(f + 12) != ETH_P_IP)
		return false;
	const uint8_t *ip = f + 14;
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	if (ip[9] != 6 || len < 14 + ihl + 20)
		return false;
	const uint8_t *tcp = ip + ihl;
	r->saddr = get32(ip + 12);
	r->daddr = get32(ip + 16);
	r->ipid = get16(ip + 4);
	r->sport = get16(tcp);
	r->dport = get16(tcp + 2);
	r->seq = get32(tcp + 4);
	r->ack = get32(tcp + 8);
	r->flags = tcp[13];
	return !port || r->dport == port;
}

static void drain(int fd, int port)
{
	static uint8_t frames[VLEN][SNAP];
	static char ctl[VLEN][64];
	struct mmsghdr msgs[VLEN];
	struct iovec iov[VLEN];
	struct sockaddr_ll from[VLEN];
	for (;;) {
		for (int i = 0; i < VLEN; i++) {
			iov[i] = (struct iovec){frames[i], SNAP};
			msgs[i].msg_hdr = (struct msghdr){.msg_name = &from[i],
			                                  .msg_namelen = sizeof(from[i]),
			                                  .msg_iov = &iov[i],
			                                  .msg_iovlen = 1,
			                                  .msg_control = ctl[i],
			                                  .msg_controllen = sizeof(ctl[i])};
		}
		int n = recvmmsg(fd, msgs, VLEN, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++) {
			struct rec r;
			size_t len = msgs[i].msg_len < SNAP ? msgs[i].msg_len : SNAP;
			if (!parse(frames[i], len, port, &r))
				continue;
			r.out = from[i].sll_pkttype == PACKET_OUTGOING;
			r.ns = -1;
			for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c;
			     c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
				if (c->cmsg_level == SOL_SOCKET &&
				    c->cmsg_type == SCM_TIMESTAMPNS) {
					struct timespec ts;
					memcpy(&ts, CMSG_DATA(c), sizeof(ts));
					r.ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
				}
			}
			if (r.ns < 0)
				continue;
			if (n_recs == cap_recs) {
				cap_recs = cap_recs ? 2 * cap_recs : 1 << 16;
				recs = realloc(recs, cap_recs * sizeof(*recs));
				if (!recs) {
					fprintf(stderr, "bench_wirecap: out of memory\n");
					exit(1);
				}
			}
			recs[n_recs++] = r;
		}
	}
}

static int cmp_key_time(const void *x, const void *y)
{
	const struct rec *a = x, *b = y;
#define CMP(f)                                                                                     \
	if (a->f != b->f)                                                                          \
		return a->f < b->f ? -1 : 1;
	CMP(saddr)
	CMP(daddr)
	CMP(sport)
	CMP(dport)
	CMP(seq)
	CMP(ack) CMP(flags) CMP(ipid) CMP(ns)
#undef CMP
	    return 0;
}

static bool same_key(const struct rec *a, const struct rec *b)
{
	return a->saddr == b->saddr && a->daddr == b->daddr && a->sport == b->sport &&
	       a->dport == b->dport && a->seq == b->seq && a->ack == b->ack &&
	       a->flags == b->flags && a->ipid == b->ipid;
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return a < b ? -1 : a > b;
}

static int cmp_pair_time(const void *x, const void *y)
{
	const int64_t *a = x, *b = y;
	return a[0] < b[0] ? -1 : a[0] > b[0];
}

/* The pairs of report() in arrival order: {arrival, held, sport, dport} each. */
static void dump(const char *path, int64_t *pairs, size_t n)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "bench_wirecap: cannot write %s: %s\n", path, strerror(errno));
		return;
	}
	qsort(pairs, n, 4 * sizeof(*pairs), cmp_pair_time);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%lld %lld %lld %lld\n", (long long)pairs[4 * i],
		        (long long)pairs[4 * i + 1], (long long)pairs[4 * i + 2],
		        (long long)pairs[4 * i + 3]);
	fclose(f);
}

/* Sorts v; its p50, p99 and max in us (0 for none). */
static void percentiles(int64_t *v, size_t n, double *p50, double *p99, double *max)
{
	qsort(v, n, sizeof(*v), cmp_i64);
	*p50 = n ? (double)v[n / 2] / 1e3 : 0;
	*p99 = n ? (double)v[(size_t)((double)n * 0.99)] / 1e3 : 0;
	*max = n ? (double)v[n - 1] / 1e3 : 0;
}

/* The second line: the pairs that arrived skip_ms or more after the first arrival, once the
 * senders' start-up burst is over and the load is the paced one. */
static void report_steady(const int64_t *all, size_t pairs, double skip_ms)
{
	int64_t t0 = INT64_MAX;
	for (size_t i = 0; i < pairs; i++)
		if (all[4 * i] < t0)
			t0 = all[4 * i];
	int64_t *v = malloc((pairs + 1) * sizeof(*v));
	if (!v)
		exit(1);
	size_t n = 0;
	for (size_t i = 0; i < pairs; i++)
		if (all[4 * i] - t0 >= (int64_t)(skip_ms * 1e6))
			v[n++] = all[4 * i + 1];
	double p50, p99, max;
	percentiles(v, n, &p50, &p99, &max);
	printf("steady after_ms %.0f pairs %zu p50_us %.1f p99_us %.1f max_us %.1f\n", skip_ms, n,
	       p50, p99, max);
	free(v);
}

static void report(unsigned long drops, double fast_ms, double skip_ms, const char *dump_path)
{
	qsort(recs, n_recs, sizeof(*recs), cmp_key_time);
	int64_t *d = malloc((n_recs + 1) * sizeof(*d));
	int64_t *all = malloc((n_recs + 1) * 4 * sizeof(*all));
	if (!d || !all)
		exit(1);
	size_t pairs = 0, in_only = 0, out_only = 0, fast = 0;
	for (size_t i = 0; i < n_recs;) {
		size_t j = i;
		while (j < n_recs && same_key(&recs[i], &recs[j]))
			j++;
		/* in time order: each departure takes the oldest arrival still waiting */
		size_t waiting = 0, first = i;
		for (size_t k = i; k < j; k++) {
			if (!recs[k].out) {
				waiting++;
				continue;
			}
			if (!waiting) {
				out_only++;
				continue;
			}
			while (recs[first].out)
				first++;
			int64_t held = recs[k].ns - recs[first].ns;
			all[4 * pairs] = recs[first].ns;
			all[4 * pairs + 1] = held;
			all[4 * pairs + 2] = recs[first].sport;
			all[4 * pairs + 3] = recs[first].dport;
			first++;
			waiting--;
			d[pairs++] = held;
			fast += held < (int64_t)(fast_ms * 1e6);
		}
		in_only += waiting;
		i = j;
	}
	double p50, p99, hi;
	percentiles(d, pairs, &p50, &p99, &hi);
	double lo = pairs ? (double)d[0] / 1e3 : 0;
	printf("pairs %zu in_only %zu out_only %zu drops %lu min_us %.1f p50_us %.1f p99_us %.1f "
	       "max_us %.1f fast %zu\n",
	       pairs, in_only, out_only, drops, lo, p50, p99, hi, fast);
	report_steady(all, pairs, skip_ms);
	if (dump_path)
		dump(dump_path, all, pairs);
	free(all);
	free(d);
}

int main(int argc, char **argv)
{
	int port = 0;
	double fast_ms = 1;
	const char *dump_path = NULL;
	double skip_ms = 1000;
	if (argc < 2) {
		fprintf(stderr,
		        "usage: bench_wirecap READY [--dport P] [--fast-ms T] [--dump FILE]\n"
		        "       [--steady-after-ms T]\n");
		return 64;
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--dport") == 0)
			port = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--fast-ms") == 0)
			fast_ms = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--dump") == 0)
			dump_path = argv[i + 1];
		else if (strcmp(argv[i], "--steady-after-ms") == 0)
			skip_ms = atof(argv[i + 1]);
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	int fd[2] = {open_port("c0", port), open_port("s0", port)};
	if (fd[0] < 0 || fd[1] < 0) {
		fprintf(stderr, "bench_wirecap: cannot capture on c0 and s0: %s\n",
		        strerror(errno));
		return 1;
	}
	close(open(argv[1], O_WRONLY | O_CREAT, 0644));
	struct pollfd p[2] = {{.fd = fd[0], .events = POLLIN}, {.fd = fd[1], .events = POLLIN}};
	while (!stop) {
		if (poll(p, 2, 100) < 0 && errno != EINTR)
			break;
		drain(fd[0], port);
		drain(fd[1], port);
	}
	drain(fd[0], port);
	drain(fd[1], port);
	unsigned long drops = 0;
	for (int i = 0; i < 2; i++) {
		struct tpacket_stats st;
		socklen_t len = sizeof(st);
		if (getsockopt(fd[i], SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
			drops += st.tp_drops;
	}
	unlink(argv[1]);
	report(drops, fast_ms, skip_ms, dump_path);
	return 0;
}
