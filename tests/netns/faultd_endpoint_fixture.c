/* faultd_endpoint_fixture.c: the Linux endpoints and the trace of the synfin-faultd suites
 * (faultd_endpoint_fixture.h). */
#include "faultd_endpoint_fixture.h"

#include "common/topology.h"
#include "faultd_fixture.h"
#include "test_support.h"
#include "trace/trace.h"
#include "trace/trace_read.h"
#include "wire/segment.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

bool summary_count(const char *fmt, unsigned long *a, unsigned long *b)
{
	FILE *f = fopen(topo.err, "r");
	if (!f)
		return false;
	char line[512];
	bool found = false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, fmt, a, b) == 2)
			found = true;
	fclose(f);
	return found;
}

static void send_result(int fd, const struct endpoint_result *r)
{
	if (write(fd, r, sizeof(*r)) != (ssize_t)sizeof(*r))
		_exit(3);
}

static void run_server(int out, enum server_mode mode)
{
	struct endpoint_result r = {0};
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(SERVER_PORT)};
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 8) < 0)
		_exit(2);
	char ready = 'R';
	if (write(out, &ready, 1) != 1)
		_exit(3);
	int c = accept(ls, NULL, NULL);
	if (c < 0) {
		r.err = errno;
		send_result(out, &r);
		return;
	}
	struct timeval tv = {.tv_sec = 30};
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char buf[4096];
	ssize_t n;
	switch (mode) {
	case SERVER_CLOSE_AT_ONCE:
		r.start_us = fx_now_us();
		close(c);
		break;
	case SERVER_READ:
		r.bytes = read(c, r.data, sizeof(r.data) - 1);
		r.done_us = fx_now_us();
		if (r.bytes < 0)
			r.err = errno;
		break;
	case SERVER_HALF_CLOSE:
		r.start_us = fx_now_us();
		shutdown(c, SHUT_WR);
		while ((n = read(c, buf, sizeof(buf))) > 0)
			r.bytes += n;
		r.done_us = fx_now_us();
		close(c);
		break;
	case SERVER_RESPOND:
		r.bytes = read(c, r.data, sizeof(r.data) - 1);
		r.done_us = fx_now_us();
		if (r.bytes > 0 && write(c, "response\n", 9) != 9)
			r.err = errno;
		r.start_us = fx_now_us();
		close(c);
		break;
	}
	send_result(out, &r);
}

static void run_client(int out, enum client_mode mode)
{
	struct endpoint_result r = {0};
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(SERVER_PORT)};
	inet_pton(AF_INET, SERVER_ADDR, &a.sin_addr);
	r.start_us = fx_now_us();
	int rc = connect(s, (struct sockaddr *)&a, sizeof(a));
	r.done_us = fx_now_us();
	if (rc < 0) {
		r.err = errno;
		send_result(out, &r);
		return;
	}
	char buf[256];
	ssize_t n;
	switch (mode) {
	case CLIENT_CONNECT:
		break;
	case CLIENT_READ_TO_EOF:
	case CLIENT_REQUEST:
		if (mode == CLIENT_REQUEST && write(s, "request\n", 8) != 8) {
			r.err = errno;
			break;
		}
		while ((n = read(s, buf, sizeof(buf))) > 0)
			r.bytes += n;
		r.eof_us = fx_now_us();
		if (n < 0)
			r.err = errno;
		break;
	case CLIENT_BURST_TO_EOF: {
		int one = 1;
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		synfin_sleep_ms(100); /* the server's FIN is on its way by now */
		for (int i = 0; i < 100; i++)
			if (write(s, "0123456789", 10) != 10)
				r.err = errno;
		while ((n = read(s, buf, sizeof(buf))) > 0)
			r.bytes += n;
		r.eof_us = fx_now_us();
		if (n < 0)
			r.err = errno;
		break;
	}
	case CLIENT_STREAM: {
		static char chunk[65536];
		send_result(out, &r); /* connected */
		while (write(s, chunk, sizeof(chunk)) > 0)
			;
		_exit(0);
	}
	case CLIENT_SEND_AND_WAIT:
		if (write(s, "hello", 5) != 5)
			r.err = errno;
		send_result(out, &r);
		sleep(60); /* killed by the test's teardown */
		return;
	}
	close(s);
	send_result(out, &r);
}

static struct endpoint spawn_endpoint(const char *role, int mode)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		if (enter_ns(topo.run, role) != 0)
			_exit(126);
		synfin_realtime();
		if (strcmp(role, "server") == 0)
			run_server(p[1], (enum server_mode)mode);
		else
			run_client(p[1], (enum client_mode)mode);
		_exit(0);
	}
	close(p[1]);
	track_child(pid);
	struct endpoint ep = {.pid = pid, .fd = p[0]};
	return ep;
}

struct endpoint start_server(enum server_mode mode)
{
	struct endpoint ep = spawn_endpoint("server", mode);
	char ready;
	ck_assert_msg(fx_read_full(ep.fd, &ready, 1, 5000), "the server did not start listening");
	return ep;
}

struct endpoint start_client(enum client_mode mode)
{
	return spawn_endpoint("client", mode);
}

struct endpoint_result endpoint_result(struct endpoint ep, unsigned timeout_ms)
{
	struct endpoint_result r;
	ck_assert_msg(fx_read_full(ep.fd, &r, sizeof(r), timeout_ms),
	              "an endpoint gave no result within %u ms", timeout_ms);
	return r;
}

struct trace trace_load(void)
{
	struct trace t;
	int rc = trace_read_jsonl(topo.jsonl, &t.r, &t.n);
	ck_assert_msg(rc == 0, "cannot read %s: %s", topo.jsonl, strerror(-rc));
	return t;
}

bool is_syn_from_client(const struct trace_record *r)
{
	return r->kind == TRACE_SEEN && strcmp(r->dir, "c2s") == 0 && r->tcp_flags == TCPF_SYN;
}

bool is_fin_from_server(const struct trace_record *r)
{
	return strcmp(r->dir, "s2c") == 0 && (r->tcp_flags & TCPF_FIN);
}
