/* test_faultd_hold_learn.c: the daemon's table of the host behind each bridge port. Queued
 * segments and ARP frames both fill it; the neighbour socket, which makes the kernel copy every
 * frame a port sends, is closed once both sides of the wire have sent a queued segment, and
 * never because of an ARP frame the bridge device itself heard. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "faultd/faultd_hold.h"
#include "faultd/nfq_queue.h"
#include "test_support.h"

enum { PORT_CLIENT = 3, PORT_SERVER = 4, BRIDGE = 7 };

static struct nfq_packet from(uint32_t port, uint8_t host)
{
	struct nfq_packet p = {.physindev = port, .hwaddr_len = 6};
	memset(p.hwaddr, host, 6);
	return p;
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

/* The socket is closed by a thread of its own: give it a second. */
static bool fd_closes(int fd)
{
	for (int i = 0; i < 1000 && fd_open(fd); i++)
		usleep(1000);
	return !fd_open(fd);
}

/* A table whose sockets are pipes: learning needs the packet socket open, and closing the
 * neighbour socket is seen on its descriptor. */
static void open_table(struct faultd_hold *h, int pipes[2][2])
{
	hold_init(h, NULL, NULL, NULL, NULL);
	ck_assert_int_eq(pipe(pipes[0]), 0);
	ck_assert_int_eq(pipe(pipes[1]), 0);
	h->packet_fd = pipes[0][0];
	h->arp_fd = pipes[1][0];
}

static void close_table(struct faultd_hold *h, int pipes[2][2])
{
	hold_free(h);
	close(pipes[0][1]);
	close(pipes[1][1]);
}

START_TEST(test_neighbour_socket_goes_once_both_sides_queued)
{
	struct faultd_hold h;
	int pipes[2][2];
	open_table(&h, pipes);
	int arp = h.arp_fd;
	struct nfq_packet client = from(PORT_CLIENT, 0xc1), server = from(PORT_SERVER, 0x5e);
	hold_learn(&h, &client);
	ck_assert_int_eq(h.arp_fd, arp);
	hold_learn(&h, &client); /* the same side again is still one side */
	ck_assert_int_eq(h.arp_fd, arp);
	hold_learn(&h, &server);
	ck_assert_int_eq(h.arp_fd, -1);
	ck_assert(fd_closes(arp));
	ck_assert_uint_eq(hold_port_mac(&h, PORT_SERVER)[0], 0x5e);
	/* the queued segments keep the table current without it */
	struct nfq_packet moved = from(PORT_SERVER, 0x77);
	hold_learn(&h, &moved);
	ck_assert_uint_eq(hold_port_mac(&h, PORT_SERVER)[0], 0x77);
	close_table(&h, pipes);
}
END_TEST

START_TEST(test_arp_frames_never_close_it)
{
	struct faultd_hold h;
	int pipes[2][2];
	open_table(&h, pipes);
	int arp = h.arp_fd;
	/* the client's broadcast, heard on its port and by the bridge device, then the reply */
	struct nfq_packet on_port = from(PORT_CLIENT, 0xc1), on_bridge = from(BRIDGE, 0xc1),
	                  reply = from(PORT_SERVER, 0x5e);
	hold_learn_neighbour(&h, &on_port);
	hold_learn_neighbour(&h, &on_bridge);
	hold_learn_neighbour(&h, &reply);
	ck_assert_int_eq(h.arp_fd, arp);
	ck_assert_uint_eq(hold_port_mac(&h, PORT_SERVER)[0], 0x5e);
	/* a queued segment from one side, and the bridge's entry, are not two sides */
	hold_learn(&h, &on_port);
	ck_assert_int_eq(h.arp_fd, arp);
	hold_learn(&h, &reply);
	ck_assert_int_eq(h.arp_fd, -1);
	close_table(&h, pipes);
}
END_TEST

START_TEST(test_nothing_learned_without_a_packet_socket)
{
	struct faultd_hold h;
	hold_init(&h, NULL, NULL, NULL, NULL);
	struct nfq_packet client = from(PORT_CLIENT, 0xc1);
	hold_learn(&h, &client);
	ck_assert_ptr_null(hold_port_mac(&h, PORT_CLIENT));
	hold_free(&h);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("faultd_hold_learn");
	TCase *tc = tcase_create("learn");
	tcase_add_test(tc, test_neighbour_socket_goes_once_both_sides_queued);
	tcase_add_test(tc, test_arp_frames_never_close_it);
	tcase_add_test(tc, test_nothing_learned_without_a_packet_socket);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(suite());
}
