/* bench_nfq: the floor synfin-faultd is compared against. A bare NFQUEUE consumer (libmnl +
 * libnetfilter_queue) that accepts every packet and does nothing else: no parsing, no rules, no
 * trace. Configured as the daemon configures its queue (whole packets, GSO off, fail-open off,
 * queue length 8192, 8 MiB receive buffer), so the difference is the daemon's own work.
 *
 *   bench_nfq [-q N] [--batch] [--ready FILE]
 *
 * One verdict per packet (default): each packet read gets its own verdict message and its own
 * sendto(), the naive consumer. --batch: the packets waiting in the socket are read (up to 256)
 * and one NFQNL_MSG_VERDICT_BATCH accepts them all, the fastest a consumer can be. Runs until
 * SIGINT/SIGTERM, then prints "packets N" on standard error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>

#define RECV_SIZE (0xffff + 8192)
#define BATCH_MAX 256

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static struct mnl_socket *nl;
static uint16_t queue_num;

static int configure(struct nlmsghdr *nlh)
{
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

static void verdict(uint32_t id, int type)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, type, queue_num);
	nfq_nlmsg_verdict_put(nlh, (int)id, NF_ACCEPT);
	while (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0 && errno == EINTR)
		;
}

/* The packet id of one NFQNL_MSG_PACKET; 0 (never an id: they start at 1) for anything else. */
static uint32_t packet_id(const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	if (!mnl_nlmsg_ok(nlh, (int)len) || nlh->nlmsg_type < NLMSG_MIN_TYPE ||
	    NFNL_MSG_TYPE(nlh->nlmsg_type) != NFQNL_MSG_PACKET)
		return 0;
	struct nlattr *attr[NFQA_MAX + 1] = {0};
	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR])
		return 0;
	const struct nfqnl_msg_packet_hdr *ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	return ntohl(ph->packet_id);
}

static int bind_queue(void)
{
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	int size = 8 << 20, one = 1;
	int fd = mnl_socket_get_fd(nl);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	mnl_socket_setsockopt(nl, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	char buf[256];
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue_num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	int err = configure(nlh);
	if (err)
		return err;
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue_num);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 0xffff);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(0));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_FAIL_OPEN | NFQA_CFG_F_GSO));
	nfq_nlmsg_cfg_put_qmaxlen(nlh, 8192);
	return configure(nlh);
}

int main(int argc, char **argv)
{
	bool batch = false;
	const char *ready = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--batch") == 0)
			batch = true;
		else if (strcmp(argv[i], "-q") == 0 && i + 1 < argc)
			queue_num = (uint16_t)atoi(argv[++i]);
		else if (strcmp(argv[i], "--ready") == 0 && i + 1 < argc)
			ready = argv[++i];
		else {
			fprintf(stderr, "usage: bench_nfq [-q N] [--batch] [--ready FILE]\n");
			return 64;
		}
	}
	/* no SA_RESTART: a signal ends the blocking recv() */
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	int err = bind_queue();
	if (err) {
		fprintf(stderr, "bench_nfq: cannot bind queue %u: %s\n", queue_num, strerror(-err));
		return 1;
	}
	if (ready)
		close(open(ready, O_WRONLY | O_CREAT, 0644));

	static char in[RECV_SIZE];
	int fd = mnl_socket_get_fd(nl);
	unsigned long long packets = 0;
	while (!stop) {
		ssize_t n = recv(fd, in, sizeof(in), 0);
		if (n < 0) {
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			fprintf(stderr, "bench_nfq: recv: %s\n", strerror(errno));
			return 1;
		}
		uint32_t id = packet_id(in, (size_t)n);
		if (!id)
			continue;
		packets++;
		if (!batch) {
			verdict(id, NFQNL_MSG_VERDICT);
			continue;
		}
		/* what else is waiting, then one verdict for all of it: ids only grow */
		for (int i = 1; i < BATCH_MAX; i++) {
			n = recv(fd, in, sizeof(in), MSG_DONTWAIT);
			if (n < 0)
				break;
			uint32_t next = packet_id(in, (size_t)n);
			if (next) {
				id = next;
				packets++;
			}
		}
		verdict(id, NFQNL_MSG_VERDICT_BATCH);
	}
	if (ready)
		unlink(ready);
	fprintf(stderr, "packets %llu\n", packets);
	mnl_socket_close(nl);
	return 0;
}
