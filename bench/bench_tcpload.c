/* bench_tcpload: the traffic of bench_faultd's load tables, in place of iperf3 so the benchmark
 * needs nothing beyond the tree.
 *
 *   bench_tcpload sink PORT READY
 *       serve PORT (read and discard to EOF, then close) and PORT+1 (echo every byte back),
 *       any number of connections, until killed; READY is created once both listen
 *   bench_tcpload send ADDR PORT STREAMS SECONDS [MBIT]
 *       STREAMS connections to ADDR:PORT sending for SECONDS, each paced to MBIT Mbit/s when
 *       given (writes checked every millisecond, the socket's pacing 1.25 times that) or as
 *       fast as TCP goes; then each half-closes and
 *       waits for the sink's close, so every byte counted has been read. Prints
 *       "goodput MBIT_PER_S bytes N seconds S" (seconds from the first connect to the last
 *       close)
 *   bench_tcpload rr ADDR PORT COUNT
 *       COUNT 1-byte requests to the echo port, each waiting for its 1-byte answer. Prints
 *       "rtt_us n N p50 X p99 X max X"
 *   bench_tcpload flood ADDR PORT COUNT PPS
 *       COUNT TCP segments (ACK, 64 bytes of data, one 4-tuple, consecutive sequence numbers
 *       and IP ids) from a raw socket, PPS per second: packets for the wire to hold that
 *       belong to no connection, so no window limits how many are in flight. Prints "sent N"
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_STREAMS 64

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_tcpload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct sockaddr_in addr_of(const char *ip, int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
		fprintf(stderr, "bench_tcpload: bad address %s\n", ip);
		exit(64);
	}
	return a;
}

static int listen_on(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 128))
		die("bind/listen");
	return fd;
}

/* epoll data: the fd in the low 32 bits, bit 32 for "echo", bit 33 for "listening". */
#define TAG_ECHO (1ull << 32)
#define TAG_LISTEN (1ull << 33)

static _Noreturn void sink(int port, const char *ready)
{
	int ep = epoll_create1(0);
	int ls[2] = {listen_on(port), listen_on(port + 1)};
	for (int i = 0; i < 2; i++) {
		struct epoll_event ev = {.events = EPOLLIN,
		                         .data.u64 =
		                             (uint64_t)ls[i] | TAG_LISTEN | (i ? TAG_ECHO : 0)};
		epoll_ctl(ep, EPOLL_CTL_ADD, ls[i], &ev);
	}
	close(open(ready, O_WRONLY | O_CREAT, 0644));
	static char buf[1 << 18];
	for (;;) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, -1);
		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;
			int fd = (int)(uint32_t)tag;
			if (tag & TAG_LISTEN) {
				int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK);
				if (c < 0)
					continue;
				int one = 1;
				setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				struct epoll_event ev = {
				    .events = EPOLLIN, .data.u64 = (uint64_t)c | (tag & TAG_ECHO)};
				epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				continue;
			}
			ssize_t got = read(fd, buf, sizeof(buf));
			if (got > 0 && (tag & TAG_ECHO))
				(void)!write(fd, buf, (size_t)got);
			if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR))
				close(fd); /* leaves the epoll set with it */
		}
	}
}

static int send_load(struct sockaddr_in a, int streams, double seconds, double mbit)
{
	int fd[MAX_STREAMS];
	static char buf[1 << 16];
	if (streams < 1 || streams > MAX_STREAMS) {
		fprintf(stderr, "bench_tcpload: 1 to %d streams\n", MAX_STREAMS);
		return 64;
	}
	double t0 = now_s();
	/* Paced by the socket too, at a quarter above the rate: the writes alone leave slow start
	 * free to send each round's window at once, a burst at the veth's line rate (gigabits)
	 * that is not the load asked for. The margin lets a stream catch up after a stall. */
	unsigned pace = (unsigned)(mbit * 1e6 / 8 * 1.25);
	for (int i = 0; i < streams; i++) {
		fd[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fd[i] >= 0 && mbit > 0 &&
		    setsockopt(fd[i], SOL_SOCKET, SO_MAX_PACING_RATE, &pace, sizeof(pace)))
			die("SO_MAX_PACING_RATE");
		if (fd[i] < 0 || connect(fd[i], (struct sockaddr *)&a, sizeof(a)))
			die("connect");
		fcntl(fd[i], F_SETFL, O_NONBLOCK);
	}
	double start = now_s(), per_s = mbit * 1e6 / 8;
	unsigned long long sent[MAX_STREAMS] = {0}, total = 0;
	struct pollfd p[MAX_STREAMS];
	for (double t = start; t - start < seconds; t = now_s()) {
		int waiting = 0;
		for (int i = 0; i < streams; i++) {
			/* paced: what is due by now; else as much as the socket takes */
			double due = mbit > 0 ? per_s * (t - start) - (double)sent[i] : sizeof(buf);
			size_t want = due > sizeof(buf) ? sizeof(buf) : due > 0 ? (size_t)due : 0;
			ssize_t n = want ? write(fd[i], buf, want) : 0;
			if (n > 0) {
				sent[i] += (unsigned long long)n;
				total += (unsigned long long)n;
			}
			p[waiting++] = (struct pollfd){.fd = fd[i], .events = POLLOUT};
		}
		if (mbit > 0) {
			struct timespec ms = {0, 1000000};
			nanosleep(&ms, NULL);
		} else {
			poll(p, (nfds_t)waiting, 10);
		}
	}
	for (int i = 0; i < streams; i++) {
		fcntl(fd[i], F_SETFL, 0);
		shutdown(fd[i], SHUT_WR);
	}
	for (int i = 0; i < streams; i++) {
		while (read(fd[i], buf, sizeof(buf)) > 0)
			;
		close(fd[i]);
	}
	double dt = now_s() - t0;
	printf("goodput %.1f bytes %llu seconds %.3f\n", (double)total * 8 / 1e6 / dt, total, dt);
	return 0;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

static int request_response(struct sockaddr_in a, int count)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	double *rtt = malloc((size_t)count * sizeof(*rtt));
	if (!rtt)
		die("malloc");
	char c = 'x';
	for (int i = 0; i < count; i++) {
		double t = now_s();
		if (write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1)
			die("request/response");
		rtt[i] = (now_s() - t) * 1e6;
	}
	close(fd);
	qsort(rtt, (size_t)count, sizeof(*rtt), cmp_double);
	printf("rtt_us n %d p50 %.1f p99 %.1f max %.1f\n", count, rtt[count / 2],
	       rtt[(size_t)(count * 0.99)], rtt[count - 1]);
	free(rtt);
	return 0;
}

static uint32_t sum16(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	return sum;
}

/* RFC 793's checksum over the pseudo-header and the segment: a segment that fails it would be
 * passed unjudged by the daemon as malformed. */
static uint16_t tcp_checksum(const struct iphdr *ip, const void *seg, size_t len)
{
	uint8_t pseudo[12];
	memcpy(pseudo, &ip->saddr, 4);
	memcpy(pseudo + 4, &ip->daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	pseudo[10] = (uint8_t)(len >> 8);
	pseudo[11] = (uint8_t)len;
	uint32_t sum = sum16(sum16(0, pseudo, sizeof(pseudo)), seg, len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static int flood(struct sockaddr_in a, int count, double pps)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0)
		die("raw socket");
	struct {
		struct iphdr ip;
		struct tcphdr tcp;
		char data[64];
	} pkt;
	memset(&pkt, 0, sizeof(pkt));
	pkt.ip = (struct iphdr){.version = 4, .ihl = 5, .ttl = 64, .protocol = IPPROTO_TCP};
	pkt.ip.tot_len = htons(sizeof(pkt));
	pkt.ip.daddr = a.sin_addr.s_addr;
	pkt.ip.saddr = htonl(ntohl(a.sin_addr.s_addr) - 1); /* the client: .108 beside .109 */
	pkt.tcp.source = htons(40009);
	pkt.tcp.dest = a.sin_port;
	pkt.tcp.doff = 5;
	pkt.tcp.ack = 1;
	pkt.tcp.window = htons(512);
	double start = now_s();
	int sent = 0;
	while (sent < count) {
		int due = (int)((now_s() - start) * pps) + 1;
		for (; sent < count && sent < due; sent++) {
			pkt.ip.id = htons((uint16_t)sent);
			pkt.ip.check = 0; /* the kernel fills it in for IPPROTO_RAW */
			pkt.tcp.seq = htonl(1000 + (uint32_t)sent * sizeof(pkt.data));
			pkt.tcp.ack_seq = htonl(1);
			pkt.tcp.check = 0;
			pkt.tcp.check =
			    tcp_checksum(&pkt.ip, &pkt.tcp, sizeof(pkt) - sizeof(pkt.ip));
			if (sendto(fd, &pkt, sizeof(pkt), 0, (struct sockaddr *)&a, sizeof(a)) <
			        0 &&
			    errno != ENOBUFS)
				die("sendto");
		}
		struct timespec ms = {0, 200000};
		nanosleep(&ms, NULL);
	}
	printf("sent %d\n", sent);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 4 && strcmp(argv[1], "sink") == 0)
		sink(atoi(argv[2]), argv[3]);
	if ((argc == 6 || argc == 7) && strcmp(argv[1], "send") == 0)
		return send_load(addr_of(argv[2], atoi(argv[3])), atoi(argv[4]), atof(argv[5]),
		                 argc == 7 ? atof(argv[6]) : 0);
	if (argc == 5 && strcmp(argv[1], "rr") == 0)
		return request_response(addr_of(argv[2], atoi(argv[3])), atoi(argv[4]));
	if (argc == 6 && strcmp(argv[1], "flood") == 0)
		return flood(addr_of(argv[2], atoi(argv[3])), atoi(argv[4]), atof(argv[5]));
	fprintf(stderr, "usage: bench_tcpload sink PORT READY | send ADDR PORT STREAMS SECONDS "
	                "[MBIT] | rr ADDR PORT COUNT | flood ADDR PORT COUNT PPS\n");
	return 64;
}
