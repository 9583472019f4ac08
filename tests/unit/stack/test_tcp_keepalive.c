/* test_tcp_keepalive.c: keep-alives under the virtual clock (RFC 9293 3.8.4, RFC 1122 4.2.3.6,
 * Linux's tunables): probes at time, time + intvl, ..., then a RST and ETIMEDOUT; an answer
 * starts the idle time over; nothing is probed while data is outstanding or with the switch off. */
#include "stack_fixture.h"
#include "test_support.h"

static struct fx F;

static void setup(void)
{
	fx_init(&F);
	F.tun.keepalive_time = 10 * SEC;
	F.tun.keepalive_intvl = 1 * SEC;
	F.tun.keepalive_probes = 3;
}

static void teardown(void)
{
	fx_free(&F);
}

/* The next segment is a keep-alive probe: an ACK one below SND.UNA, no data, at t. */
static void expect_probe_at(uint64_t t)
{
	fx_run_until(&F, t - 1);
	fx_recv_nothing(&F);
	fx_run_until(&F, t);
	struct segment *p = fx_recv_one(&F, TCPF_ACK);
	ck_assert_uint_eq(p->seq, F.peer_ack - 1);
	ck_assert_uint_eq(p->payload_len, 0);
	ck_assert_uint_eq(fx_last_at(&F), t);
}

START_TEST(test_probes_at_time_then_every_intvl_then_a_reset)
{
	fx_start(&F);
	fx_passive_established(&F);
	ck_assert_int_eq(tcp_set_keepalive(F.s, F.now, F.sock, true), 0);
	uint64_t t0 = F.now; /* the peer's ACK of our SYN-ACK, its last segment */
	expect_probe_at(t0 + 10 * SEC);
	expect_probe_at(t0 + 11 * SEC);
	expect_probe_at(t0 + 12 * SEC);
	fx_run_until(&F, t0 + 13 * SEC);
	fx_recv_one(&F, TCPF_RST | TCPF_ACK);
	ck_assert_int_eq(fx_last_error_event(&F, F.sock), -ETIMEDOUT);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_CLOSED);
}
END_TEST

START_TEST(test_an_answer_starts_the_idle_time_over)
{
	F.tun.keepalive = true; /* the default of every socket */
	fx_start(&F);
	fx_active_established(&F);
	uint64_t t0 = F.now;
	expect_probe_at(t0 + 10 * SEC);
	expect_probe_at(t0 + 11 * SEC);
	fx_advance(&F, 300 * MS);
	fx_send(&F, TCPF_ACK, NULL, 0); /* the answer */
	uint64_t t1 = F.now;
	expect_probe_at(t1 + 10 * SEC);
	expect_probe_at(t1 + 11 * SEC);
	expect_probe_at(t1 + 12 * SEC);
	fx_run_until(&F, t1 + 13 * SEC);
	fx_recv_one(&F, TCPF_RST | TCPF_ACK);
}
END_TEST

START_TEST(test_no_probe_while_data_is_outstanding_or_switched_off)
{
	fx_start(&F);
	fx_passive_established(&F);
	fx_run_until(&F, F.now + 20 * SEC);
	fx_recv_nothing(&F); /* off by default, as Linux's SO_KEEPALIVE */
	ck_assert_int_eq(tcp_set_keepalive(F.s, F.now, F.sock, true), 0);
	ck_assert_int_eq(tcp_send(F.s, F.now, F.sock, "x", 1), 1);
	fx_recv_one(&F, TCPF_ACK | TCPF_PSH);
	/* the peer is silent: the RTO and its backoff, no keep-alive probe among them */
	for (int i = 0; i < 8; i++) {
		fx_run_until(&F, stack_next_deadline(F.s));
		while (fx_pending(&F))
			ck_assert_uint_eq(fx_recv(&F)->payload_len, 1);
	}
	ck_assert_int_eq(tcp_set_keepalive(F.s, F.now, F.sock, false), 0);
	ck_assert_uint_eq(fx_conn(&F)->timer[TCP_T_KEEPALIVE], STACK_TIME_NEVER);
}
END_TEST

/* Linux TCP_KEEPIDLE/TCP_KEEPINTVL/TCP_KEEPCNT on one socket: its own schedule in place of the
 * tunables' (10 s, 1 s, 3), measured from the peer's last segment. */
START_TEST(test_socket_timing_replaces_the_tunables)
{
	fx_start(&F);
	fx_passive_established(&F);
	uint64_t t0 = F.now;
	fx_advance(&F, 200 * MS);
	ck_assert_int_eq(tcp_set_keepalive_timing(F.s, F.now, F.sock, 2 * SEC, 500 * MS, 2), 0);
	ck_assert_int_eq(tcp_set_keepalive(F.s, F.now, F.sock, true), 0);
	expect_probe_at(t0 + 2 * SEC);
	expect_probe_at(t0 + 2 * SEC + 500 * MS);
	fx_run_until(&F, t0 + 3 * SEC - 1);
	fx_recv_nothing(&F);
	ck_assert_int_eq(fx_last_error_event(&F, F.sock), 0);
	fx_run_until(&F, t0 + 3 * SEC);
	struct segment *rst = fx_recv_one(&F, TCPF_RST | TCPF_ACK);
	ck_assert_uint_eq(fx_last_at(&F), t0 + 3 * SEC);
	ck_assert_uint_eq(rst->seq, F.peer_ack);
	ck_assert_int_eq(fx_last_error_event(&F, F.sock), -ETIMEDOUT);
	ck_assert_int_eq(tcp_get_error(F.s, F.sock), -ETIMEDOUT);
	ck_assert_int_eq(tcp_get_state(F.s, F.sock), TCPS_CLOSED);
	fx_recv_nothing(&F);
}
END_TEST

/* A shorter idle set while the timer waits for the tunables' longer one takes effect at once:
 * Linux re-arms the timer in TCP_KEEPIDLE. */
START_TEST(test_shorter_idle_rearms_a_running_timer)
{
	fx_start(&F);
	fx_active_established(&F);
	ck_assert_int_eq(tcp_set_keepalive(F.s, F.now, F.sock, true), 0);
	uint64_t t0 = F.now;
	fx_advance(&F, 1 * SEC);
	ck_assert_int_eq(tcp_set_keepalive_timing(F.s, F.now, F.sock, 3 * SEC, 1 * SEC, 3), 0);
	expect_probe_at(t0 + 3 * SEC);
	expect_probe_at(t0 + 4 * SEC);
}
END_TEST

START_TEST(test_socket_timing_refuses_zero_values)
{
	fx_start(&F);
	fx_passive_established(&F);
	ck_assert_int_eq(tcp_set_keepalive_timing(F.s, F.now, F.sock, 0, SEC, 3), -EINVAL);
	ck_assert_int_eq(tcp_set_keepalive_timing(F.s, F.now, F.sock, SEC, 0, 3), -EINVAL);
	ck_assert_int_eq(tcp_set_keepalive_timing(F.s, F.now, F.sock, SEC, SEC, 0), -EINVAL);
	ck_assert_int_eq(tcp_set_keepalive_timing(F.s, F.now, 9999, SEC, SEC, 3), -EBADF);
}
END_TEST

static Suite *tcp_keepalive_suite(void)
{
	Suite *s = suite_create("tcp_keepalive");
	TCase *k = tcase_create("keepalive");
	tcase_add_checked_fixture(k, setup, teardown);
	tcase_add_test(k, test_probes_at_time_then_every_intvl_then_a_reset);
	tcase_add_test(k, test_an_answer_starts_the_idle_time_over);
	tcase_add_test(k, test_no_probe_while_data_is_outstanding_or_switched_off);
	tcase_add_test(k, test_socket_timing_replaces_the_tunables);
	tcase_add_test(k, test_shorter_idle_rearms_a_running_timer);
	tcase_add_test(k, test_socket_timing_refuses_zero_values);
	suite_add_tcase(s, k);
	return s;
}

int main(void)
{
	return synfin_run_suite(tcp_keepalive_suite());
}
