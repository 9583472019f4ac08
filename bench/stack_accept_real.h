/* stack_accept_real.h: bench_stack_accept --real (root): the real thing. A topology
 * (netns/synfin-netns up RUN --server stack, the wire's NFQUEUE rule removed so the bridge
 * forwards on its own), synfin-peer serving its default script ('accept; read-eof; close') on
 * tun0 with --max-conns 0, and Linux clients in the client namespace: CLIENT_PARALLEL
 * connections at a time, each connect, shutdown(SHUT_WR), read to EOF, close. The client
 * namespace keeps no TIME-WAIT (tcp_max_tw_buckets=0) and uses ports 1024-65535, so it never
 * runs out of ports; the server forgets nothing it need not. Prints, per 2 s window, the
 * connections completed per second and synfin-peer's CPU (from /proc) per connection;
 * synfin-peer's stderr (its exit summary) goes to /tmp/synfin-bench-stack-accept-peer.log. */
#ifndef SYNFIN_BENCH_STACK_ACCEPT_REAL_H
#define SYNFIN_BENCH_STACK_ACCEPT_REAL_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CLIENT_PARALLEL 8
#define REAL_WINDOWS_MAX 60

static char real_run[16];
static char real_netns[4096];
static pid_t real_peer;

static int run_quiet(char *const argv[])
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void real_down(void)
{
	if (real_peer > 0) {
		kill(real_peer, SIGTERM);
		waitpid(real_peer, NULL, 0);
		real_peer = 0;
	}
	if (real_run[0]) {
		char *down[] = {real_netns, "down", real_run, NULL};
		run_quiet(down);
		real_run[0] = 0;
	}
}

static void real_die(const char *what)
{
	fprintf(stderr, "bench_stack_accept --real: %s\n", what);
	real_down();
	exit(1);
}

static void enter_netns(const char *side)
{
	char path[128];
	snprintf(path, sizeof(path), "/run/netns/synfin-%s-%s", real_run, side);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "bench_stack_accept: entering %s: %s\n", path, strerror(errno));
		_exit(1);
	}
	close(fd);
}

static int client_open(int ep)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(80)};
	inet_pton(AF_INET, "192.168.1.109", &to.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP, .data.fd = fd};
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	return fd;
}

/* In the client namespace: connections one after the other, CLIENT_PARALLEL at a time; the
 * total completed written to out at the end of every 2 s window. */
static void client_loop(int out, unsigned windows, uint64_t target)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	static bool shut[65536];
	uint64_t done = 0, failed = 0;
	for (int i = 0; i < CLIENT_PARALLEL; i++)
		client_open(ep);
	uint64_t next = bench_now_ns() + WINDOW_NS;
	unsigned w = 0;
	while (w < windows && (w == 0 || done < target)) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, 100);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			char buf[256];
			int err = 0;
			socklen_t len = sizeof(err);
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
			if (err == 0 && !shut[fd] && (evs[i].events & EPOLLOUT)) {
				shutdown(fd, SHUT_WR);
				shut[fd] = true;
				struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP,
				                         .data.fd = fd};
				epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
			}
			ssize_t r = err ? -1 : read(fd, buf, sizeof(buf));
			if (r > 0 || (r < 0 && errno == EAGAIN && !err))
				continue;
			if (r == 0)
				done++;
			else
				failed++; /* refused before the server listens, say: try again */
			shut[fd] = false;
			close(fd);
			client_open(ep);
		}
		if (bench_now_ns() >= next) {
			next += WINDOW_NS;
			w++;
			uint64_t rec[2] = {done, failed};
			if (write(out, rec, sizeof(rec)) != (ssize_t)sizeof(rec))
				break;
		}
	}
	_exit(0);
}

/* utime + stime of a process, in ns. */
static uint64_t proc_cpu_ns(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	unsigned long long ut = 0, st = 0;
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return (ut + st) * (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK));
}

static void real_topology(void)
{
	snprintf(real_run, sizeof(real_run), "bsa%d", (int)(getpid() % 100000));
	char *up[] = {real_netns, "up", real_run, "--server", "stack", NULL};
	if (run_quiet(up))
		real_die("synfin-netns up failed (root? netns/synfin-netns up by hand says why)");
	char *flush[] = {real_netns, "exec", real_run, "wire", "iptables", "-F", "FORWARD", NULL};
	char *sysctl[] = {real_netns,
	                  "sysctl",
	                  real_run,
	                  "client",
	                  "net.ipv4.tcp_max_tw_buckets=0",
	                  "net.ipv4.ip_local_port_range=1024 65535",
	                  NULL};
	if (run_quiet(flush) || run_quiet(sysctl))
		real_die("setting up the wire or the client namespace failed");
}

static int real_main(const char *build, uint64_t target, unsigned windows)
{
	char peer[4096];
	snprintf(real_netns, sizeof(real_netns), "%s/netns/synfin-netns", SYNFIN_BENCH_TREE);
	snprintf(peer, sizeof(peer), "%s/stack/host/synfin-peer", build);
	if (geteuid() != 0) {
		printf("bench_stack_accept --real: skipped, needs root\n");
		return 0;
	}
	if (access(peer, X_OK))
		real_die("no synfin-peer in the build directory (--build DIR)");
	signal(SIGPIPE, SIG_IGN);
	real_topology();
	real_peer = fork();
	if (real_peer == 0) {
		enter_netns("server");
		int log = open("/tmp/synfin-bench-stack-accept-peer.log",
		               O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (log >= 0)
			dup2(log, 2);
		char *argv[] = {peer, "server", "--max-conns", "0", "--backlog", "128", "-q", NULL};
		execv(peer, argv);
		_exit(127);
	}
	int pfd[2];
	if (real_peer < 0 || pipe(pfd))
		real_die("fork");
	usleep(500000); /* the server's tun device up and listening */
	pid_t client = fork();
	if (client == 0) {
		close(pfd[0]);
		enter_netns("client");
		client_loop(pfd[1], windows, target);
	}
	close(pfd[1]);
	printf("bench_stack_accept --real: %s on tun0, %d Linux clients at a time (connect, "
	       "shutdown, read to EOF, close), up to %llu connections or %u windows of 2 s\n",
	       peer, CLIENT_PARALLEL, (unsigned long long)target, windows);
	printf("\n  %6s %10s %10s %14s %8s\n", "window", "served", "conn/s", "peer CPU us/conn",
	       "failed");
	uint64_t rec[2], prev = 0, cpu_prev = proc_cpu_ns(real_peer);
	double first = 0, last = 0, first_us = 0, last_us = 0;
	unsigned n = 0;
	while (read(pfd[0], rec, sizeof(rec)) == (ssize_t)sizeof(rec)) {
		uint64_t cpu = proc_cpu_ns(real_peer);
		double rate = (double)(rec[0] - prev) / 2.0;
		double us =
		    rec[0] > prev ? (double)(cpu - cpu_prev) / 1e3 / (double)(rec[0] - prev) : 0;
		printf("  %6u %10llu %10.0f %14.1f %8llu\n", ++n, (unsigned long long)rec[0], rate,
		       us, (unsigned long long)rec[1]);
		fflush(stdout);
		if (n == 1) {
			first = rate;
			first_us = us;
		}
		last = rate;
		last_us = us;
		prev = rec[0];
		cpu_prev = cpu;
	}
	int cst = 0;
	waitpid(client, &cst, 0);
	real_down();
	if (!WIFEXITED(cst) || WEXITSTATUS(cst) != 0)
		fprintf(stderr, "bench_stack_accept --real: the client loop failed (status %#x)\n",
		        cst);
	if (n >= 2 && first > 0)
		bench_row(true, "synfin-peer on tun, accept rate last / first window", last / first,
		          "x", ">= 0.9", "%s, %llu served", last / first >= 0.9 ? "ok" : "BELOW",
		          (unsigned long long)prev);
	if (n >= 2 && first_us > 0)
		bench_row(false, "  synfin-peer CPU per connection, last / first",
		          last_us / first_us, "x", "-", "%.1f us, then %.1f us", first_us, last_us);
	return 0;
}

#endif
