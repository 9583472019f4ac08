/* nfq_queue.c: the NFQUEUE glue (libmnl + libnetfilter_queue's nfq_nlmsg_* API). */
#include "nfq_queue.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <poll.h>
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

/* Big enough for a whole 64 KiB packet (copy range 0xffff) plus its netlink headers. */
#define NFQ_RECV_SIZE (0xffff + 8192)
#define NFQ_RECV_BATCH 256
/* Room for a few hundred verdict messages (about 32 bytes each) per sendto(), and for one
 * verdict that carries a whole rewritten 64 KiB packet. */
#define NFQ_SEND_SIZE (0xffff + 16384)
#define NFQ_VERDICT_ROOM 128
/* The kernel drops a packet it cannot hand to us (socket full): make that unlikely. A burst
 * as long as the queue may wait in the socket, so the buffer grows with the queue's length:
 * NFQ_RCVBUF_PER_PACKET is about the kernel's size of a message of a small segment. */
#define NFQ_RCVBUF (8 << 20)
#define NFQ_RCVBUF_PER_PACKET 1024
#define NFQ_RCVBUF_MAX (1 << 30)

struct nfq_queue {
	struct mnl_socket *nl;
	uint16_t queue_num;
	uint32_t portid;
	nfq_packet_fn fn;
	void *ctx;
	struct nfq_stats stats;

	/* packet ids are consecutive per queue; a gap is a packet the kernel dropped because it
	 * could not queue the message to us (net/netfilter/nfnetlink_queue.c user_dropped) */
	bool have_last_id;
	uint32_t last_id;

	/* configuration requests wait for their acknowledgement */
	uint32_t seq;
	bool ack_seen;
	int ack_error;

	/* verdicts waiting for nfq_queue_flush() */
	char out[NFQ_SEND_SIZE];
	size_t out_len;
	int send_error; /* from a send forced by a full buffer, reported by the next flush */
	/* an open run of accepts (or drops) that may become one batch verdict */
	bool run_open;
	int run_verdict;
	uint32_t run_max;
	uint32_t run_count;

	char in[NFQ_RECV_SIZE];
};

int nfq_queue_fd(const struct nfq_queue *q)
{
	return mnl_socket_get_fd(q->nl);
}

const struct nfq_stats *nfq_queue_stats(const struct nfq_queue *q)
{
	return &q->stats;
}

static void handle_packet(struct nfq_queue *q, const struct nlmsghdr *nlh)
{
	struct nlattr *attr[NFQA_MAX + 1] = {0};
	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR]) {
		/* without the header there is no id to give a verdict for */
		q->stats.bad_messages++;
		return;
	}
	const struct nfqnl_msg_packet_hdr *ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	struct nfq_packet pkt = {
	    .id = ntohl(ph->packet_id),
	    .hw_protocol = ntohs(ph->hw_protocol),
	};
	if (attr[NFQA_PAYLOAD]) {
		pkt.data = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
		pkt.len = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	}
	if (attr[NFQA_IFINDEX_PHYSINDEV])
		pkt.physindev = ntohl(mnl_attr_get_u32(attr[NFQA_IFINDEX_PHYSINDEV]));
	if (attr[NFQA_IFINDEX_PHYSOUTDEV])
		pkt.physoutdev = ntohl(mnl_attr_get_u32(attr[NFQA_IFINDEX_PHYSOUTDEV]));
	if (attr[NFQA_TIMESTAMP]) {
		const struct nfqnl_msg_packet_timestamp *ts =
		    mnl_attr_get_payload(attr[NFQA_TIMESTAMP]);
		pkt.arrival_real_ns = be64toh(ts->sec) * 1000000000u + be64toh(ts->usec) * 1000u;
	}
	if (attr[NFQA_HWADDR]) {
		const struct nfqnl_msg_packet_hw *hw = mnl_attr_get_payload(attr[NFQA_HWADDR]);
		uint16_t n = ntohs(hw->hw_addrlen);
		if (n <= sizeof(pkt.hwaddr)) {
			memcpy(pkt.hwaddr, hw->hw_addr, n);
			pkt.hwaddr_len = n;
		}
	}
	if (q->have_last_id) {
		uint32_t gap = pkt.id - q->last_id - 1;
		if (gap < 0x80000000u)
			q->stats.lost += gap;
	}
	q->have_last_id = true;
	q->last_id = pkt.id;
	q->stats.packets++;
	q->fn(q->ctx, &pkt);
}

static void handle_error(struct nfq_queue *q, const struct nlmsghdr *nlh)
{
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct nlmsgerr))) {
		q->stats.bad_messages++;
		return;
	}
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	if (q->seq && nlh->nlmsg_seq == q->seq) {
		q->ack_seen = true;
		q->ack_error = e->error;
		return;
	}
	if (e->error != 0) {
		/* a verdict for an id the kernel no longer holds: harmless, but worth counting */
		q->stats.verdict_errors++;
	}
}

static void dispatch(struct nfq_queue *q, const void *buf, size_t len)
{
	int left = (int)len;
	for (const struct nlmsghdr *nlh = buf; mnl_nlmsg_ok(nlh, left);
	     nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			handle_error(q, nlh);
			continue;
		}
		if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
			continue; /* NOOP, DONE, OVERRUN */
		if (NFNL_SUBSYS_ID(nlh->nlmsg_type) == NFNL_SUBSYS_QUEUE &&
		    NFNL_MSG_TYPE(nlh->nlmsg_type) == NFQNL_MSG_PACKET)
			handle_packet(q, nlh);
		else
			q->stats.bad_messages++;
	}
}

int nfq_queue_receive(struct nfq_queue *q)
{
	uint64_t before = q->stats.packets;
	int fd = nfq_queue_fd(q);
	/* a bounded batch: under a flood the caller's loop still gets to its timers (epoll is
	 * level-triggered, so the rest is read on the next round) */
	for (int i = 0; i < NFQ_RECV_BATCH; i++) {
		ssize_t n = recv(fd, q->in, sizeof(q->in), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* messages were lost (counted by the id gap); the socket goes on */
				q->stats.enobufs++;
				continue;
			}
			return -errno;
		}
		dispatch(q, q->in, (size_t)n);
	}
	return (int)(q->stats.packets - before);
}

static int send_all(struct nfq_queue *q, const void *buf, size_t len)
{
	for (;;) {
		if (mnl_socket_sendto(q->nl, buf, len) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

static struct nlmsghdr *out_msg(struct nfq_queue *q, int type, size_t extra)
{
	if (q->out_len + NFQ_VERDICT_ROOM + extra > sizeof(q->out)) {
		int err = send_all(q, q->out, q->out_len);
		q->out_len = 0;
		if (err)
			q->send_error = err;
	}
	return nfq_nlmsg_put(q->out + q->out_len, type, q->queue_num);
}

static void out_verdict(struct nfq_queue *q, int type, uint32_t id, int verdict)
{
	struct nlmsghdr *nlh = out_msg(q, type, 0);
	nfq_nlmsg_verdict_put(nlh, (int)id, verdict);
	q->out_len += nlh->nlmsg_len;
	if (type == NFQNL_MSG_VERDICT_BATCH)
		q->stats.batches++;
	else
		q->stats.verdicts++;
}

static void close_run(struct nfq_queue *q)
{
	if (!q->run_open)
		return;
	q->run_open = false;
	if (q->run_count == 1)
		out_verdict(q, NFQNL_MSG_VERDICT, q->run_max, q->run_verdict);
	else
		out_verdict(q, NFQNL_MSG_VERDICT_BATCH, q->run_max, q->run_verdict);
}

static void queue_verdict(struct nfq_queue *q, uint32_t id, int verdict, bool batchable)
{
	if (!batchable) {
		close_run(q);
		out_verdict(q, NFQNL_MSG_VERDICT, id, verdict);
		return;
	}
	if (q->run_open && q->run_verdict == verdict && id - q->run_max < 0x80000000u) {
		q->run_max = id;
		q->run_count++;
		return;
	}
	close_run(q);
	q->run_open = true;
	q->run_verdict = verdict;
	q->run_max = id;
	q->run_count = 1;
}

void nfq_queue_accept(struct nfq_queue *q, uint32_t id, bool batchable)
{
	queue_verdict(q, id, NF_ACCEPT, batchable);
}

void nfq_queue_accept_packet(struct nfq_queue *q, uint32_t id, const uint8_t *pkt, size_t len)
{
	close_run(q);
	struct nlmsghdr *nlh = out_msg(q, NFQNL_MSG_VERDICT, len);
	nfq_nlmsg_verdict_put(nlh, (int)id, NF_ACCEPT);
	nfq_nlmsg_verdict_put_pkt(nlh, pkt, (uint32_t)len);
	q->out_len += nlh->nlmsg_len;
	q->stats.verdicts++;
}

void nfq_queue_drop(struct nfq_queue *q, uint32_t id)
{
	queue_verdict(q, id, NF_DROP, false);
}

void nfq_queue_drop_batchable(struct nfq_queue *q, uint32_t id, bool batchable)
{
	queue_verdict(q, id, NF_DROP, batchable);
}

int nfq_queue_flush(struct nfq_queue *q)
{
	/* close_run() may flush a full buffer by itself; the run is closed by then */
	close_run(q);
	int err = q->send_error;
	q->send_error = 0;
	if (q->out_len) {
		int e = send_all(q, q->out, q->out_len);
		q->out_len = 0;
		if (e)
			err = e;
	}
	return err;
}

/* Send one configuration message and wait for the kernel's answer: 0 or its negative errno.
 * Packets that come in meanwhile are dispatched as usual. */
static int configure(struct nfq_queue *q, struct nlmsghdr *nlh)
{
	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++q->seq;
	q->ack_seen = false;
	q->ack_error = 0;
	int err = send_all(q, nlh, nlh->nlmsg_len);
	if (err)
		return err;
	struct pollfd pfd = {.fd = nfq_queue_fd(q), .events = POLLIN};
	while (!q->ack_seen) {
		int n = poll(&pfd, 1, 2000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? -ETIMEDOUT : -errno;
		int got = nfq_queue_receive(q);
		if (got < 0)
			return got;
	}
	return q->ack_error;
}

/* The port id of whoever holds queue_num in this namespace, or 0 when nobody does. */
static uint32_t queue_holder(uint16_t queue_num)
{
	FILE *f = fopen("/proc/net/netfilter/nfnetlink_queue", "r");
	if (!f)
		return 0;
	unsigned num, portid;
	uint32_t holder = 0;
	char line[256];
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u %u", &num, &portid) == 2 && num == queue_num) {
			holder = portid ? portid : 1;
			break;
		}
	}
	fclose(f);
	return holder;
}

int nfq_queue_kernel_drops(const struct nfq_queue *q, uint64_t *queue_full, uint64_t *to_socket)
{
	FILE *f = fopen("/proc/net/netfilter/nfnetlink_queue", "r");
	if (!f)
		return -errno;
	/* queue_num peer_portid queue_total copy_mode copy_range queue_dropped user_dropped ... */
	unsigned num, portid, total, mode, range;
	unsigned long long full, user;
	char line[256];
	int rc = -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u %u %u %u %u %llu %llu", &num, &portid, &total, &mode, &range,
		           &full, &user) == 7 &&
		    num == q->queue_num && portid == q->portid) {
			*queue_full = full;
			*to_socket = user;
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

/* Whether this process has CAP_NET_ADMIN, from /proc/self/status (no libcap needed). */
static bool have_net_admin(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return true; /* cannot tell: do not blame privileges */
	char line[256];
	unsigned long long caps = ~0ull;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps & (1ull << 12); /* CAP_NET_ADMIN */
}

static int explain_bind_error(struct nfq_queue *q, int err, char *why, size_t why_size)
{
	uint32_t holder = queue_holder(q->queue_num);
	if (err == -EPERM && !have_net_admin())
		holder = 0; /* the capability check comes first in the kernel */
	if ((err == -EPERM || err == -EBUSY) && holder && holder != q->portid) {
		/* the kernel answers EPERM, not EBUSY, when another socket owns the queue */
		snprintf(why, why_size,
		         "cannot bind NFQUEUE %u: it is already bound by another process (netlink "
		         "port id %u in /proc/net/netfilter/nfnetlink_queue); stop that process or "
		         "use another queue number (-q)",
		         q->queue_num, holder);
		return -EBUSY;
	}
	if (err == -EPERM || err == -EACCES) {
		snprintf(why, why_size,
		         "cannot bind NFQUEUE %u: operation not permitted (run as root or with "
		         "CAP_NET_ADMIN)",
		         q->queue_num);
		return -EPERM;
	}
	if (err == -EINVAL || err == -EOPNOTSUPP || err == -ENOENT || err == -EPROTONOSUPPORT) {
		/* nfnetlink answers EINVAL for a subsystem it cannot find or load */
		snprintf(why, why_size,
		         "cannot bind NFQUEUE %u: %s: the kernel has no nfnetlink_queue; run "
		         "`modprobe nfnetlink_queue` (CONFIG_NETFILTER_NETLINK_QUEUE)",
		         q->queue_num, strerror(-err));
		return -ENOSYS;
	}
	snprintf(why, why_size, "cannot bind NFQUEUE %u: %s", q->queue_num, strerror(-err));
	return err;
}

static int rcvbuf_size(uint32_t maxlen)
{
	uint64_t size = (uint64_t)maxlen * NFQ_RCVBUF_PER_PACKET;
	if (size < NFQ_RCVBUF)
		size = NFQ_RCVBUF;
	return size > NFQ_RCVBUF_MAX ? NFQ_RCVBUF_MAX : (int)size;
}

int nfq_queue_open(struct nfq_queue **out, const struct nfq_config *cfg, nfq_packet_fn fn,
                   void *ctx, char *why, size_t why_size)
{
	uint16_t queue_num = cfg->queue_num;
	*out = NULL;
	struct nfq_queue *q = calloc(1, sizeof(*q));
	if (!q) {
		snprintf(why, why_size, "out of memory");
		return -ENOMEM;
	}
	q->queue_num = queue_num;
	q->fn = fn;
	q->ctx = ctx;

	q->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!q->nl) {
		int err = -errno;
		if (err == -EPROTONOSUPPORT)
			snprintf(
			    why, why_size,
			    "cannot open a netfilter netlink socket: the kernel has no nfnetlink; "
			    "run `modprobe nfnetlink_queue`");
		else
			snprintf(why, why_size, "cannot open a netfilter netlink socket: %s",
			         strerror(-err));
		free(q);
		return err;
	}
	if (mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;
		snprintf(why, why_size, "cannot bind the netlink socket: %s", strerror(-err));
		mnl_socket_close(q->nl);
		free(q);
		return err;
	}
	q->portid = mnl_socket_get_portid(q->nl);

	/* A bigger receive buffer makes overruns rare; SO_RCVBUFFORCE passes rmem_max with
	 * CAP_NET_ADMIN. The kernel drops (unless fail-open) what it cannot queue to us, and the id
	 * gap counts it, so ENOBUFS reports add nothing: turn them off. */
	int size = rcvbuf_size(cfg->maxlen);
	int fd = mnl_socket_get_fd(q->nl);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	int one = 1;
	mnl_socket_setsockopt(q->nl, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	/* The kernel stamps received packets, and so gives NFQA_TIMESTAMP, only while some
	 * socket asks for timestamps: this one does, so a delay counts from the packet's
	 * arrival on the wire, not from when the daemon got to read it. */
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));

	*out = q;
	char buf[256];
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue_num);
	/* Binding a queue number takes the packets of every family that iptables and ip6tables
	 * send to it: the family named here is not consulted, and the per-family PF_BIND
	 * commands (nfq_bind_pf) have done nothing since Linux 3.8. IPv6 arrives with
	 * hw_protocol ETH_P_IPV6 on this one socket. */
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	int err = configure(q, nlh);
	if (err) {
		err = explain_bind_error(q, err, why, why_size);
		goto fail;
	}

	/* Whole packets (the trace and pcap want them). Fail-open off unless asked for: a packet
	 * the kernel cannot queue is dropped, never let through unjudged. GSO off: the kernel
	 * segments GSO packets before queueing them, so one verdict is one wire segment
	 * (REFERENCE.md 7). */
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue_num);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 0xffff);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(cfg->fail_open ? NFQA_CFG_F_FAIL_OPEN : 0));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_FAIL_OPEN | NFQA_CFG_F_GSO));
	/* Held packets keep their slot in the kernel's queue until their verdict; the default
	 * of 1024 is soon reached when every segment of a transfer is delayed. */
	nfq_nlmsg_cfg_put_qmaxlen(nlh, cfg->maxlen);
	err = configure(q, nlh);
	if (err) {
		snprintf(why, why_size, "cannot configure NFQUEUE %u (copy mode, flags): %s",
		         queue_num, strerror(-err));
		goto fail;
	}
	q->seq = 0;
	nfq_queue_flush(q);
	return 0;

fail:
	mnl_socket_close(q->nl);
	free(q);
	*out = NULL;
	return err;
}

void nfq_queue_close(struct nfq_queue *q)
{
	if (!q)
		return;
	nfq_queue_flush(q);
	char buf[256];
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->queue_num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_UNBIND);
	send_all(q, nlh, nlh->nlmsg_len);
	mnl_socket_close(q->nl);
	free(q);
}
