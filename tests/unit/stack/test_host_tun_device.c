/* test_host_tun_device.c: what tun_device.c can show without privileges: names it refuses and
 * the sentence that says how to get a device, and packet I/O through an adopted descriptor. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_support.h"
#include "tun_device.h"

START_TEST(test_bad_device_names_are_refused_before_any_syscall)
{
	struct tun_device *dev = (struct tun_device *)1;
	char why[256] = "";
	ck_assert_int_eq(tun_device_open("", 0, &dev, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_null(dev);
	ck_assert_ptr_nonnull(strstr(why, "bad tun device name ''"));
	ck_assert_int_eq(tun_device_open(NULL, 0, &dev, why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(tun_device_open("a-name-of-sixteen", 0, &dev, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "1 to 15 characters"));
}
END_TEST

START_TEST(test_missing_device_is_never_created_and_the_fix_is_named)
{
	struct tun_device *dev = NULL;
	char why[512] = "";
	ck_assert_int_eq(tun_device_open("synfin-none0", 0, &dev, why, sizeof(why)), -ENODEV);
	ck_assert_ptr_null(dev);
	ck_assert_ptr_nonnull(strstr(why, "no network device 'synfin-none0' in this namespace"));
	ck_assert_ptr_nonnull(strstr(why, "netns/synfin-netns up RUN --client stack"));
}
END_TEST

START_TEST(test_adopted_descriptor_moves_one_packet_per_call)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	struct tun_device *dev;
	ck_assert_int_eq(tun_device_adopt(sv[0], "pair0", 1400, &dev), 0);
	ck_assert_str_eq(tun_device_name(dev), "pair0");
	ck_assert_uint_eq(tun_device_mtu(dev), 1400);
	ck_assert_int_eq(tun_device_fd(dev), sv[0]);

	char buf[64];
	ck_assert_int_eq(tun_device_read(dev, buf, sizeof(buf)), -EAGAIN);
	ck_assert_int_eq(write(sv[1], "first", 5), 5);
	ck_assert_int_eq(write(sv[1], "second!", 7), 7);
	ck_assert_int_eq(tun_device_read(dev, buf, sizeof(buf)), 5);
	ck_assert_mem_eq(buf, "first", 5);
	ck_assert_int_eq(tun_device_read(dev, buf, sizeof(buf)), 7);
	ck_assert_mem_eq(buf, "second!", 7);
	ck_assert_int_eq(tun_device_read(dev, buf, sizeof(buf)), -EAGAIN);

	ck_assert_int_eq(tun_device_write(dev, "out", 3), 0);
	ck_assert_int_eq(read(sv[1], buf, sizeof(buf)), 3);
	ck_assert_mem_eq(buf, "out", 3);

	/* a full queue is -EAGAIN (the packet is lost, as on a wire) */
	int rc;
	while ((rc = tun_device_write(dev, "fill", 4)) == 0)
		;
	ck_assert_int_eq(rc, -EAGAIN);
	close(sv[1]);
	/* nobody on the other end: another error, passed on as a negative errno */
	rc = tun_device_write(dev, "gone", 4);
	ck_assert_int_lt(rc, 0);
	ck_assert_int_ne(rc, -EAGAIN);
	tun_device_close(dev);
	/* the device owned the descriptor */
	ck_assert_int_eq(close(sv[0]), -1);
	ck_assert_int_eq(errno, EBADF);
}
END_TEST

START_TEST(test_virtio_net_header_is_added_and_stripped)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	struct tun_device *dev;
	ck_assert_int_eq(tun_device_adopt(sv[0], "pair0", 1500, &dev), 0);
	ck_assert(!tun_device_vnet_hdr(dev));
	struct virtio_net_hdr gso = {.gso_type = VIRTIO_NET_HDR_GSO_TCPV4}, zero;
	memset(&zero, 0, sizeof(zero));
	/* a GSO packet needs a device that takes the header */
	ck_assert_int_eq(tun_device_write_gso(dev, &gso, "big", 3), -EINVAL);
	tun_device_set_vnet_hdr(dev, true);
	ck_assert(tun_device_vnet_hdr(dev));

	uint8_t buf[64];
	ck_assert_int_eq(tun_device_write(dev, "out", 3), 0);
	ck_assert_int_eq(read(sv[1], buf, sizeof(buf)), sizeof(zero) + 3);
	ck_assert_mem_eq(buf, &zero, sizeof(zero));
	ck_assert_mem_eq(buf + sizeof(zero), "out", 3);
	ck_assert_int_eq(tun_device_write_gso(dev, &gso, "big", 3), 0);
	ck_assert_int_eq(read(sv[1], buf, sizeof(buf)), sizeof(gso) + 3);
	ck_assert_mem_eq(buf, &gso, sizeof(gso));
	ck_assert_mem_eq(buf + sizeof(gso), "big", 3);

	memcpy(buf, &zero, sizeof(zero));
	memcpy(buf + sizeof(zero), "in", 2);
	ck_assert_int_eq(write(sv[1], buf, sizeof(zero) + 2), sizeof(zero) + 2);
	char got[16];
	ck_assert_int_eq(tun_device_read(dev, got, sizeof(got)), 2);
	ck_assert_mem_eq(got, "in", 2);
	/* shorter than its header: not a packet */
	ck_assert_int_eq(write(sv[1], buf, 4), 4);
	ck_assert_int_eq(tun_device_read(dev, got, sizeof(got)), -EPROTO);
	tun_device_close(dev);
	close(sv[1]);
}
END_TEST

START_TEST(test_adopt_refuses_what_cannot_be_a_device)
{
	struct tun_device *dev = (struct tun_device *)1;
	ck_assert_int_eq(tun_device_adopt(-1, "x", 1500, &dev), -EINVAL);
	ck_assert_ptr_null(dev);
	ck_assert_int_eq(tun_device_adopt(0, "a-name-of-sixteen", 1500, &dev), -EINVAL);
	ck_assert_int_eq(tun_device_adopt(0, "x", 67, &dev), -EINVAL); /* below IPv4's 68 */
	ck_assert_int_eq(tun_device_adopt(0, NULL, 1500, &dev), -EINVAL);
}
END_TEST

static Suite *tun_device_suite(void)
{
	Suite *s = suite_create("host_tun_device");
	TCase *tc = tcase_create("device");
	tcase_add_test(tc, test_bad_device_names_are_refused_before_any_syscall);
	tcase_add_test(tc, test_missing_device_is_never_created_and_the_fix_is_named);
	tcase_add_test(tc, test_adopted_descriptor_moves_one_packet_per_call);
	tcase_add_test(tc, test_virtio_net_header_is_added_and_stripped);
	tcase_add_test(tc, test_adopt_refuses_what_cannot_be_a_device);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(tun_device_suite());
}
