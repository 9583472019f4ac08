/* test_stack.c: the stack object: creation and tunables, the pull-style output queue, event
 * delivery (callbacks may call back into the stack), names. */
#include "stack_fixture.h"
#include "test_support.h"

START_TEST(test_defaults_are_the_textbook_and_linux_values)
{
	struct stack_tunables t;
	stack_tunables_default(&t);
	ck_assert_uint_eq(t.syn_retries, 5);
	ck_assert_uint_eq(t.synack_retries, 5);
	ck_assert_uint_eq(t.syn_linear_timeouts, 0);
	ck_assert_uint_eq(t.rto_initial, 1 * SEC);
	ck_assert_uint_eq(t.rto_min, 200 * MS);
	ck_assert_uint_eq(t.rto_max, 120 * SEC);
	ck_assert_uint_eq(t.delack_min, 40 * MS);
	ck_assert_uint_eq(t.delack_max, 200 * MS);
	ck_assert_uint_eq(t.time_wait, 60 * SEC);
	ck_assert_uint_eq(t.fin_timeout, 60 * SEC);
	ck_assert_uint_eq(t.retries2, 15);
	ck_assert(!t.nodelay);
}
END_TEST

START_TEST(test_invalid_tunables_are_refused)
{
	struct stack_config cfg = {.addr = FX_LOCAL};
	stack_tunables_default(&cfg.tun);
	cfg.tun.rcvbuf = 70000; /* would need window scaling */
	cfg.tun.window_scaling = false;
	ck_assert_ptr_null(stack_new(&cfg));
	cfg.tun.window_scaling = true;
	cfg.tun.rcvbuf = (65535u << 14) + 1; /* beyond the largest shift */
	ck_assert_ptr_null(stack_new(&cfg));
	stack_tunables_default(&cfg.tun);
	cfg.tun.rto_min = 2 * SEC;
	cfg.tun.rto_max = 1 * SEC;
	ck_assert_ptr_null(stack_new(&cfg));
	stack_tunables_default(&cfg.tun);
	cfg.tun.delack_min = 300 * MS;
	ck_assert_ptr_null(stack_new(&cfg));
}
END_TEST

START_TEST(test_without_emit_callback_packets_queue_for_stack_output)
{
	struct stack_config cfg = {.addr = FX_LOCAL, .seed = 1};
	stack_tunables_default(&cfg.tun);
	struct stack *s = stack_new(&cfg);
	uint8_t buf[1600];
	ck_assert_int_eq(stack_output(s, buf, sizeof(buf)), 0);
	int h = tcp_connect(s, 0, 1234, FX_PEER, 80);
	ck_assert_int_gt(h, 0);
	ck_assert_int_eq(stack_output(s, buf, 10), -ENOBUFS);
	ssize_t n = stack_output(s, buf, sizeof(buf));
	/* IPv4 20 + TCP 20 + MSS 4, SACK-permitted 2, timestamps 10, NOP 1, window scale 3 */
	ck_assert_int_eq(n, 60);
	struct segment seg;
	ck_assert_int_eq(segment_parse(&seg, buf, (size_t)n), 0);
	ck_assert_uint_eq(seg.flags, TCPF_SYN);
	ck_assert_int_eq(stack_output(s, buf, sizeof(buf)), 0);
	ck_assert_uint_eq(stack_next_deadline(s), 1 * SEC);
	stack_timer(s, 1 * SEC);
	ck_assert_int_eq(stack_output(s, buf, sizeof(buf)), 60);
	ck_assert_uint_eq(stack_get_stats(s)->ip_out, 2);
	stack_free(s);
}
END_TEST

/* An application that answers from inside the event callback. */
struct echo_app {
	struct fx *f;
	int sock;
	unsigned calls;
};

static void echo_on_event(void *ctx, const struct stack_event *ev)
{
	struct echo_app *a = ctx;
	fx_event(a->f, ev);
	if (ev->type == STACK_EV_READABLE && ev->sock == a->sock) {
		char buf[64];
		ssize_t n = tcp_recv(a->f->s, ev->now, ev->sock, buf, sizeof(buf));
		if (n > 0)
			tcp_send(a->f->s, ev->now, ev->sock, buf, (size_t)n);
		a->calls++;
	}
}

START_TEST(test_event_callback_may_call_back_into_the_stack)
{
	struct fx f;
	struct echo_app app = {.f = &f};
	fx_init(&f);
	struct stack_config cfg = {
	    .addr = FX_LOCAL,
	    .seed = 42,
	    .tun = f.tun,
	    .on_event = echo_on_event,
	    .event_ctx = &app,
	    .emit = fx_emit,
	    .emit_ctx = &f,
	};
	f.s = stack_new(&cfg);
	fx_passive_established(&f);
	app.sock = f.sock;
	fx_send(&f, TCPF_ACK | TCPF_PSH, "echo me", 7);
	struct segment *d = fx_recv_one(&f, TCPF_ACK | TCPF_PSH);
	ck_assert_uint_eq(d->payload_len, 7);
	ck_assert_int_eq(memcmp(d->payload, "echo me", 7), 0);
	ck_assert_uint_eq(d->ack, f.peer_seq); /* the delayed ACK rode on the echo */
	ck_assert_uint_eq(app.calls, 1);
	fx_free(&f);
}
END_TEST

START_TEST(test_events_carry_time_and_state_names)
{
	struct fx f;
	fx_init(&f);
	fx_start(&f);
	uint64_t t = f.now;
	fx_active_established(&f);
	ck_assert_int_eq(f.events[0].type, STACK_EV_STATE);
	ck_assert_uint_eq(f.events[0].now, t);
	ck_assert_str_eq(stack_state_name(f.events[0].new_state), "SYN-SENT");
	ck_assert_int_eq(f.events[1].type, STACK_EV_STATE);
	ck_assert_uint_eq(f.events[1].now, t + 10 * MS);
	ck_assert_str_eq(stack_state_name(f.events[1].new_state), "ESTABLISHED");
	ck_assert_int_eq(f.events[2].type, STACK_EV_CONNECTED);
	ck_assert_str_eq(stack_event_name(STACK_EV_CONNECTED), "connected");
	ck_assert_str_eq(stack_state_name((enum tcp_state)99), "?");
	fx_free(&f);
}
END_TEST

START_TEST(test_unknown_handles_are_bad_file_descriptors)
{
	struct fx f;
	char buf[4];
	fx_init(&f);
	fx_start(&f);
	ck_assert_int_eq(tcp_get_state(f.s, 77), -EBADF);
	ck_assert_int_eq(tcp_send(f.s, f.now, 77, "x", 1), -EBADF);
	ck_assert_int_eq(tcp_recv(f.s, f.now, 77, buf, 4), -EBADF);
	ck_assert_int_eq(tcp_close(f.s, f.now, 77), -EBADF);
	ck_assert_int_eq(tcp_abort(f.s, f.now, 77), -EBADF);
	ck_assert_int_eq(tcp_accept(f.s, 77), -EBADF);
	int l = tcp_listen(f.s, 80, 1);
	ck_assert_int_eq(tcp_send(f.s, f.now, l, "x", 1), -ENOTCONN);
	fx_free(&f);
}
END_TEST

static Suite *stack_suite(void)
{
	Suite *s = suite_create("stack");
	TCase *tc = tcase_create("object");
	tcase_add_test(tc, test_defaults_are_the_textbook_and_linux_values);
	tcase_add_test(tc, test_invalid_tunables_are_refused);
	tcase_add_test(tc, test_without_emit_callback_packets_queue_for_stack_output);
	tcase_add_test(tc, test_event_callback_may_call_back_into_the_stack);
	tcase_add_test(tc, test_events_carry_time_and_state_names);
	tcase_add_test(tc, test_unknown_handles_are_bad_file_descriptors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return synfin_run_suite(stack_suite());
}
