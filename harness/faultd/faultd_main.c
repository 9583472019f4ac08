/* faultd_main.c: synfin-faultd, the fault injector of the wire namespace.
 *
 * One thread, one event loop (common/event_loop.h) over the NFQUEUE netlink socket (packets
 * in, verdicts out), one timer at the earliest held packet's deadline (CLOCK_MONOTONIC, so a
 * clock step never shortens a delay) and the signals (SIGINT/SIGTERM: release and exit;
 * SIGHUP: reload). Verdicts are sent once per turn of the loop, so a burst of packets costs
 * one batch. Every packet gets its verdict at once (pass, drop) or when its delay is over;
 * trace timestamps are CLOCK_REALTIME, like tcpdump's, and a segment's is when the kernel
 * received it (faultd_output_seen_time).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/event_loop.h"
#include "faultd_firewall.h"
#include "faultd_hold.h"
#include "faultd_journal.h"
#include "faultd_options.h"
#include "faultd_output.h"
#include "faultd_reorder.h"
#include "nfq_queue.h"
#include "rules/rule.h"
#include "trace/trace.h"
#include "wire/segment.h"
#include "wire/segment_forge.h"

#define PROG FAULTD_PROG

struct counters {
	uint64_t seen;
	uint64_t passed;
	uint64_t dropped;
	uint64_t rewritten; /* set, strip, corrupt: passed with the rewritten bytes */
	uint64_t not_ipv4;  /* neither IPv4 nor IPv6 (ARP...): passed, not judged, not malformed */
	uint64_t bad_version;
	uint64_t not_tcp;
	uint64_t bad_tcp;
	uint64_t no_payload;
};

struct faultd {
	struct faultd_options opt;
	struct ruleset *rs;
	/* rulesets replaced by SIGHUP stay alive: held packets still point at their rules */
	struct ruleset **retired;
	size_t n_retired;
	struct matcher *matcher;

	struct faultd_output out;
	struct faultd_journal journal; /* --journal, --replay */
	struct faultd_firewall fw;     /* --queue-only-matching */

	struct nfq_queue *nfq;
	struct faultd_hold hold;
	struct faultd_reorder reorder;
	struct event_loop *loop;
	uint64_t lost_reported;
	uint64_t queue_full_reported;
	uint64_t queue_full_checked_ns;
	int exit_status;
	struct counters c;
};

static uint64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t realtime_us(void)
{
	return realtime_ns() / 1000u;
}

/* ---- trace output ---- */

static const char *direction(const struct faultd *d, const struct segment *seg)
{
	if (seg->ipv6) {
		if (memcmp(seg->saddr6, d->opt.client_addr6, 16) == 0)
			return "c2s";
		return memcmp(seg->daddr6, d->opt.client_addr6, 16) == 0 ? "s2c" : "other";
	}
	if (seg->saddr == d->opt.client_addr)
		return "c2s";
	if (seg->daddr == d->opt.client_addr)
		return "s2c";
	return "other";
}

/* ---- verdicts ---- */

/* NULL for a TCP segment the rules judge (seg filled in); otherwise counts the packet and
 * says why it passes unjudged. */
static const char *classify(struct faultd *d, const struct nfq_packet *p, struct segment *seg)
{
	if (!p->data) {
		d->c.no_payload++;
		return "no packet data";
	}
	switch (segment_classify(seg, p->hw_protocol, p->data, p->len)) {
	case SEGMENT_TCP:
		return NULL;
	case SEGMENT_NOT_IPV4:
		d->c.not_ipv4++;
		return "not IP";
	case SEGMENT_BAD_VERSION:
		d->c.bad_version++;
		return "bad IP version";
	case SEGMENT_NOT_TCP:
		d->c.not_tcp++;
		return "not TCP";
	case SEGMENT_FRAGMENT:
		d->c.bad_tcp++;
		return "a fragment other than the first: no TCP header";
	case SEGMENT_MALFORMED:
	default:
		d->c.bad_tcp++;
		return "malformed";
	}
}

/* Past the kernel's cap the daemon holds copies (faultd_hold.h): said once, when it starts. */
static void say_copies_begun(struct faultd *d)
{
	char note[256];
	snprintf(note, sizeof(note),
	         "--queue-maxlen %" PRIu32
	         " asks more than the kernel keeps (%u packets): with %zu "
	         "held in the kernel, delayed packets are now held as copies in the daemon (as "
	         "with --hold-copies)",
	         d->opt.queue_maxlen, HOLD_KERNEL_QUEUE_CAP, d->hold.in_kernel);
	fprintf(stderr, PROG ": %s\n", note);
	faultd_output_note(&d->out, realtime_us(), note);
}

/* Pass p with the bytes its rewriting verdict gives it (set, strip, corrupt). */
static void accept_rewritten(struct faultd *d, const struct nfq_packet *p, const struct verdict *v)
{
	static uint8_t buf[0xffff];
	d->c.passed++;
	size_t len = p->len < sizeof(buf) ? p->len : sizeof(buf);
	memcpy(buf, p->data, len);
	if (len == p->len && verdict_rewrite(v, buf, len) > 0) {
		d->c.rewritten++;
		nfq_queue_accept_packet(d->nfq, p->id, buf, len);
		return;
	}
	nfq_queue_accept(d->nfq, p->id, hold_accept_batchable(&d->hold, p->id));
}

/* The trace of a segment the daemon made and sent (kind TRACE_INJECTED). */
static void trace_injected(struct faultd *d, const uint8_t *pkt, size_t len,
                           const struct verdict *v, const char *rule_file)
{
	struct segment seg;
	if (segment_parse(&seg, pkt, len) != 0)
		return;
	struct trace_event ev = {
	    .kind = TRACE_INJECTED,
	    .time_us = realtime_us(),
	    .pkt = pkt,
	    .len = len,
	    .seg = &seg,
	    .verdict = *v,
	    .rule_file = rule_file,
	    .dir = direction(d, &seg),
	};
	faultd_output_event(&d->out, &ev);
}

/* duplicate [N] [gap D]: the segment passes, and N copies follow it. */
static void duplicate(struct faultd *d, const struct nfq_packet *p, const struct verdict *v)
{
	d->c.passed++;
	nfq_queue_accept(d->nfq, p->id, hold_accept_batchable(&d->hold, p->id));
	const struct rule *r = v->rule;
	for (uint32_t k = 1; k <= r->dup_copies; k++) {
		if (r->dup_gap_us)
			inject_later(&d->hold, p, (uint64_t)k * r->dup_gap_us, v, d->rs->name);
		else if (inject_send(&d->hold, p, false, p->data, p->len) == 0)
			trace_injected(d, p->data, p->len, v, d->rs->name);
	}
}

/* reset: forge the RSTs, after the segment when it is kept; dropped otherwise. */
static void reset(struct faultd *d, const struct nfq_packet *p, const struct segment *seg,
                  const struct verdict *v)
{
	if (v->rule->reset_keep) {
		d->c.passed++;
		nfq_queue_accept(d->nfq, p->id, hold_accept_batchable(&d->hold, p->id));
	} else {
		d->c.dropped++;
		nfq_queue_drop(d->nfq, p->id);
	}
	struct rule_reset_segment rst[2];
	unsigned n = verdict_resets(v, seg, rst);
	for (unsigned k = 0; k < n; k++) {
		uint8_t buf[SEGMENT_FORGED_MAX];
		size_t len = rule_reset_packet(&rst[k], buf);
		if (inject_send(&d->hold, p, rst[k].to_sender, buf, len) == 0)
			trace_injected(d, buf, len, v, d->rs->name);
	}
}

static void on_packet(void *ctx, const struct nfq_packet *p)
{
	struct faultd *d = ctx;
	struct hold_clock clk = {.real_ns = realtime_ns()};
	/* the wire's time, not the daemon's: under load a packet may wait in the socket */
	uint64_t seen_us =
	    faultd_output_seen_time(&d->out, p->arrival_real_ns / 1000u, clk.real_ns / 1000u);
	d->c.seen++;
	hold_release_overdue(&d->hold, &clk);
	hold_learn(&d->hold, p);
	faultd_output_packet(&d->out, seen_us, p->data, p->len);

	struct segment seg;
	const char *reason = classify(d, p, &seg);
	if (reason) {
		faultd_output_unjudged(&d->out, seen_us, p, reason);
		nfq_queue_accept(d->nfq, p->id, hold_accept_batchable(&d->hold, p->id));
		return;
	}

	struct verdict v;
	/* the loop's monotonic time at this turn: "between" needs differences only */
	uint64_t loop_us = event_loop_now(d->loop) / 1000u;
	if (d->journal.replaying)
		faultd_journal_replay(&d->journal, d->matcher, d->rs, &d->out, &seg, loop_us,
		                      seen_us, &v);
	else
		matcher_decide(d->matcher, &seg, loop_us, &v);
	faultd_journal_record(&d->journal, &v, d->rs->name);
	struct trace_event ev = {
	    .kind = TRACE_SEEN,
	    .time_us = seen_us,
	    .pkt = p->data,
	    .len = p->len,
	    .seg = &seg,
	    .verdict = v,
	    .rule_file = d->rs->name,
	    .dir = direction(d, &seg),
	};
	faultd_output_event(&d->out, &ev);
	switch (v.action) {
	case RULE_DROP:
		d->c.dropped++;
		nfq_queue_drop(d->nfq, p->id);
		break;
	case RULE_DELAY:
		hold_packet(&d->hold, p, &v, d->rs->name, &clk);
		if (hold_copies_begun(&d->hold))
			say_copies_begun(d);
		break;
	case RULE_SET:
	case RULE_STRIP:
	case RULE_CORRUPT:
		accept_rewritten(d, p, &v);
		break;
	case RULE_DUPLICATE:
		duplicate(d, p, &v);
		break;
	case RULE_RESET:
		reset(d, p, &seg, &v);
		break;
	case RULE_REORDER:
		if (faultd_reorder_hold(&d->reorder, p, &seg, &v, d->rs->name))
			return; /* neither passed nor dropped yet */
		d->c.passed++;  /* it could not be held */
		nfq_queue_accept(d->nfq, p->id, hold_accept_batchable(&d->hold, p->id));
		break;
	case RULE_PASS:
	default:
		d->c.passed++;
		nfq_queue_accept(d->nfq, p->id, hold_accept_batchable(&d->hold, p->id));
		break;
	}
	if (v.action != RULE_DROP && (v.action != RULE_RESET || v.rule->reset_keep))
		faultd_reorder_passed(&d->reorder, &seg);
}

/* The trace of a held packet's verdict (faultd_hold.c gives it). */
static void on_release(void *ctx, const struct held_packet *h, uint64_t held_us, bool drop)
{
	struct faultd *d = ctx;
	uint64_t now_us = realtime_us();
	struct segment seg;
	if (segment_parse(&seg, h->data, h->len) != 0)
		return;
	if (h->injected) {
		if (!drop)
			trace_injected(d, h->data, h->len, &h->verdict, h->rule_file);
		return;
	}
	struct trace_event ev = {
	    .kind = drop ? TRACE_DROPPED_AT_EXIT : TRACE_RELEASED,
	    .time_us = now_us,
	    .pkt = h->data,
	    .len = h->len,
	    .seg = &seg,
	    .verdict = h->verdict,
	    .held_us = held_us,
	    .released_after = h->released_after,
	    .released_quiet_us = h->released_quiet_us,
	    .rule_file = h->rule_file,
	    .dir = direction(d, &seg),
	};
	faultd_output_event(&d->out, &ev);
}

/* ---- rules ---- */

/* --queue-only-matching: what the traces lack, at their head and after each reload. */
static void say_unjudged(struct faultd *d)
{
	char head[256];
	snprintf(head, sizeof(head),
	         "--queue-only-matching: the wire queues only what the %u rules of %s can match or "
	         "count (%zu firewall matches); every other TCP segment crossed unjudged and is "
	         "not in this trace\n",
	         d->rs->n_rules, d->rs->name, d->fw.n_matches);
	size_t len = strlen(head) + strlen(d->fw.matches) + d->fw.n_matches * 10 + 1;
	char *text = malloc(len);
	if (!text) {
		faultd_output_note(&d->out, realtime_us(), head);
		return;
	}
	size_t n = (size_t)snprintf(text, len, "%s", head);
	for (const char *p = d->fw.matches; *p;) {
		size_t k = strcspn(p, "\n");
		n += (size_t)snprintf(text + n, len - n, "  queued: %.*s\n", (int)k, p);
		p += k + (p[k] == '\n');
	}
	faultd_output_note(&d->out, realtime_us(), text);
	free(text);
}

static int load_rules(struct faultd *d, struct ruleset **out)
{
	struct ruleset *rs = calloc(1, sizeof(*rs));
	if (!rs) {
		fprintf(stderr, PROG ": out of memory\n");
		return -ENOMEM;
	}
	struct rule_error err;
	int rc = d->opt.rules_path ? ruleset_parse_file(rs, d->opt.rules_path, &err)
	                           : ruleset_parse_string(rs, "(no rules)", "", &err);
	if (rc != 0) {
		rule_error_print(stderr, &err);
		free(rs);
		return rc;
	}
	*out = rs;
	return 0;
}

static void reload_rules(struct faultd *d)
{
	if (!d->opt.rules_path) {
		fprintf(stderr, PROG ": SIGHUP: no rule file to reload (started without -r)\n");
		return;
	}
	struct ruleset *rs;
	if (load_rules(d, &rs) != 0) {
		fprintf(stderr, PROG ": %s has errors: keeping the previous %u rules\n",
		        d->opt.rules_path, d->rs->n_rules);
		return;
	}
	struct ruleset **r = realloc(d->retired, (d->n_retired + 1) * sizeof(*r));
	if (!r) {
		fprintf(stderr, PROG ": out of memory: keeping the previous %u rules\n",
		        d->rs->n_rules);
		ruleset_free(rs);
		free(rs);
		return;
	}
	d->retired = r;
	d->retired[d->n_retired++] = d->rs;
	d->rs = rs;
	matcher_set_rules(d->matcher, rs);
	fprintf(stderr, PROG ": reloaded %u rules from %s\n", rs->n_rules, d->opt.rules_path);
	faultd_output_rules_reloaded(&d->out, realtime_us());
	if (d->fw.installed && faultd_firewall_update(&d->fw, rs) == 0)
		say_unjudged(d);
}

static void print_summary(struct faultd *d)
{
	const struct counters *c = &d->c;
	if (d->n_retired)
		fprintf(stderr, PROG ": counters since the last reload of %s:\n", d->rs->name);
	for (unsigned i = 0; i < d->rs->n_rules; i++) {
		const struct rule *r = &d->rs->rules[i];
		fprintf(stderr, "rule %u (%s:%u) fired %" PRIu64 " times: %s\n", r->index,
		        d->rs->name, r->line, r->hits, r->text);
	}
	/* another protocol than IP is not malformed, only not judged: it has its own line, and the
	 * breakdown's "bad IP version" is left to packets whose version field is broken */
	uint64_t malformed = c->bad_version + c->not_tcp + c->bad_tcp + c->no_payload;
	fprintf(stderr,
	        "totals: seen %" PRIu64 ", passed %" PRIu64 ", dropped %" PRIu64
	        ", delayed %" PRIu64 ", malformed %" PRIu64 "\n",
	        c->seen, c->passed, c->dropped, d->hold.c.delayed, malformed);
	const struct hold_stats *hs = &d->hold.c;
	fprintf(stderr,
	        "held: released %" PRIu64 " on time, %" PRIu64 " delivered at exit, %" PRIu64
	        " dropped at exit, %" PRIu64 " passed at once (no memory)\n",
	        hs->released, hs->released_at_exit, hs->dropped_at_exit, hs->hold_failed);
	hold_print_memory(&d->hold, stderr);
	faultd_reorder_print_summary(&d->reorder, stderr);
	if (hs->injected || hs->inject_failed)
		fprintf(stderr,
		        "injected: %" PRIu64 " segments (duplicate, reset), %" PRIu64
		        " not sent (the host behind the port not heard from yet, or an error)\n",
		        hs->injected, hs->inject_failed);
	if (c->rewritten)
		fprintf(stderr,
		        "rewritten: %" PRIu64 " passed with their bytes changed (set, strip, "
		        "corrupt)\n",
		        c->rewritten);
	if (malformed)
		fprintf(stderr,
		        "malformed (all passed): bad IP version %" PRIu64 ", not TCP %" PRIu64
		        ", bad TCP/IP %" PRIu64 ", no data %" PRIu64 "\n",
		        c->bad_version, c->not_tcp, c->bad_tcp, c->no_payload);
	if (c->not_ipv4)
		fprintf(stderr, "not IP (another protocol, all passed, not judged): %" PRIu64 "\n",
		        c->not_ipv4);
	if (d->fw.installed)
		fprintf(stderr,
		        "queue-only-matching: the wire queued only what the rules can touch (%zu "
		        "firewall matches); every other TCP segment crossed unjudged, not seen, "
		        "not traced\n",
		        d->fw.n_matches);
	const struct nfq_stats *s = nfq_queue_stats(d->nfq);
	fprintf(stderr,
	        "queue: %" PRIu64 " single verdicts, %" PRIu64 " batch verdicts, %" PRIu64
	        " packets lost before the daemon saw them, %" PRIu64 " socket overruns, %" PRIu64
	        " refused verdicts, %" PRIu64 " bad messages\n",
	        s->verdicts, s->batches, s->lost, s->enobufs, s->verdict_errors, s->bad_messages);
	uint64_t full, to_socket;
	if (nfq_queue_kernel_drops(d->nfq, &full, &to_socket) == 0 && (full || to_socket))
		fprintf(stderr,
		        "kernel: dropped %" PRIu64 " packets with the queue full and %" PRIu64
		        " it could not pass to the daemon (faults not in any rule)\n",
		        full, to_socket);
}

/* ---- set-up and the loop ---- */

static void write_ready(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, PROG ": cannot create ready file %s: %s\n", path, strerror(errno));
		return;
	}
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, (size_t)n) != n)
		fprintf(stderr, PROG ": writing ready file %s: %s\n", path, strerror(errno));
	close(fd);
}

static void on_signal(struct event_loop *loop, int signo, void *arg)
{
	if (signo == SIGHUP)
		reload_rules(arg);
	else
		event_loop_stop(loop);
}

static void on_queue_readable(struct event_loop *loop, int fd, unsigned events, void *arg)
{
	(void)fd, (void)events;
	struct faultd *d = arg;
	int err = nfq_queue_receive(d->nfq);
	if (err < 0) {
		fprintf(stderr, PROG ": reading the queue: %s\n", strerror(-err));
		d->exit_status = 1;
		event_loop_stop(loop);
	}
}

/* Packets the kernel dropped before the daemon saw them are no fault any rule asked for: say so
 * while it happens, on standard error and in the traces. */
static void report_kernel_drop(struct faultd *d, uint64_t n, const char *why)
{
	char note[160];
	snprintf(note, sizeof(note), "kernel dropped %" PRIu64 " packets: %s", n, why);
	faultd_output_kernel_drop(&d->out, realtime_us(), note);
}

/* The kernel counts the packets it dropped with the queue full only in /proc (they take no
 * id, so no gap tells): read it at most every KERNEL_DROPS_POLL_NS, from the turns that
 * packets make. */
#define KERNEL_DROPS_POLL_NS 100000000u

static void check_queue_full(struct faultd *d)
{
	uint64_t now = event_loop_now(d->loop);
	if (now - d->queue_full_checked_ns < KERNEL_DROPS_POLL_NS)
		return;
	d->queue_full_checked_ns = now;
	uint64_t full, to_socket;
	if (nfq_queue_kernel_drops(d->nfq, &full, &to_socket) != 0 ||
	    full <= d->queue_full_reported)
		return;
	uint64_t n = full - d->queue_full_reported;
	d->queue_full_reported = full;
	fprintf(stderr,
	        PROG ": the kernel dropped %" PRIu64 " packets with the queue full "
	             "(--queue-maxlen %" PRIu32 "), %" PRIu64 " in all\n",
	        n, d->opt.queue_maxlen, full);
	char why[96];
	snprintf(why, sizeof(why), "the queue was full (--queue-maxlen %" PRIu32 ")",
	         d->opt.queue_maxlen);
	report_kernel_drop(d, n, why);
}

/* After each turn's packets and releases: their verdicts go out as one batch. */
static void end_turn(struct faultd *d)
{
	int err = nfq_queue_flush(d->nfq);
	if (err)
		fprintf(stderr, PROG ": sending verdicts: %s\n", strerror(-err));
	const struct nfq_stats *st = nfq_queue_stats(d->nfq);
	if (st->lost > d->lost_reported) {
		fprintf(stderr,
		        PROG ": the kernel dropped %" PRIu64 " packets it could not pass to "
		             "the daemon (socket overrun), %" PRIu64 " in all\n",
		        st->lost - d->lost_reported, st->lost);
		report_kernel_drop(d, st->lost - d->lost_reported,
		                   "the daemon's socket was full (socket overrun)");
		d->lost_reported = st->lost;
	}
	check_queue_full(d);
}

static void before_wait(struct event_loop *loop, void *arg)
{
	struct faultd *d = arg;
	/* the clock read now, not at the turn's start: what fell due during the turn goes out
	 * with its verdicts */
	hold_release_due(&d->hold, event_loop_update_now(loop));
	end_turn(d);
	faultd_output_schedule_flush(&d->out, loop);
}

static int setup_loop(struct faultd *d)
{
	int err = event_loop_new(&d->loop);
	if (err == 0)
		err = event_loop_catch_signals(d->loop, on_signal, d);
	if (err == 0)
		err = event_loop_catch_signal(d->loop, SIGHUP);
	/* a closed trace reader must not kill the daemon while it holds packets */
	signal(SIGPIPE, SIG_IGN);
	return err;
}

static int run(struct faultd *d)
{
	event_loop_set_before_wait(d->loop, before_wait, d);
	int err = event_loop_run(d->loop);
	if (err < 0) {
		fprintf(stderr, PROG ": epoll_wait: %s\n", strerror(-err));
		d->exit_status = 1;
	}
	/* The turn that stopped the loop may have left due packets and unsent verdicts. */
	hold_release_due(&d->hold, event_loop_update_now(d->loop));
	end_turn(d);
	/* Packets already in the socket are judged first, so none is left without a verdict
	 * when the queue is unbound (the kernel drops what is still queued then). */
	for (int round = 0; round < 64 && nfq_queue_receive(d->nfq) > 0; round++)
		;
	hold_release_all(&d->hold, d->opt.drop_held_on_exit);
	faultd_reorder_release_all(&d->reorder, d->opt.drop_held_on_exit);
	err = nfq_queue_flush(d->nfq);
	if (err)
		fprintf(stderr, PROG ": sending verdicts at exit: %s\n", strerror(-err));
	return d->exit_status;
}

static void cleanup(struct faultd *d)
{
	if (d->fw.installed)
		faultd_firewall_remove(&d->fw);
	nfq_queue_close(d->nfq);
	faultd_reorder_free(&d->reorder);
	hold_free(&d->hold);
	faultd_journal_close(&d->journal);
	matcher_free(d->matcher);
	for (size_t i = 0; i < d->n_retired; i++) {
		ruleset_free(d->retired[i]);
		free(d->retired[i]);
	}
	free(d->retired);
	if (d->rs) {
		ruleset_free(d->rs);
		free(d->rs);
	}
	faultd_output_close(&d->out);
	/* Freeing the loop unblocks the signals it caught: one that came after the loop stopped
	 * must not end the daemon now, with another exit status. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	event_loop_free(d->loop);
}

/* --realtime: this thread (the one that judges, holds and releases) at SCHED_FIFO 1. Taken
 * after the outputs are open: their writer thread stays at normal priority, so it never takes
 * a CPU from the endpoints whose segments wait for it. 0, or -errno after saying why. */
static int take_realtime(void)
{
	struct sched_param sp = {.sched_priority = 1};
	if (sched_setscheduler(0, SCHED_FIFO, &sp) == 0)
		return 0;
	int err = -errno;
	fprintf(stderr,
	        PROG ": --realtime: cannot take real-time priority: %s (it needs root or "
	             "CAP_SYS_NICE in the first user namespace; leave out --realtime)\n",
	        strerror(-err));
	return err;
}

int main(int argc, char **argv)
{
	static struct faultd d;
	int rc = faultd_parse_options(argc, argv, &d.opt);
	if (rc >= 0)
		return rc;

	if (load_rules(&d, &d.rs) != 0)
		return FAULTD_EXIT_RULES;
	if (!d.opt.seed_given)
		d.opt.seed = ((uint64_t)realtime_us() << 16) ^ (uint64_t)getpid();
	d.matcher = matcher_new(d.rs, d.opt.client_addr, d.opt.seed);
	if (d.matcher)
		matcher_set_client_ipv6(d.matcher, d.opt.client_addr6);
	if (!d.matcher || faultd_output_open(&d.out, &d.opt) != 0) {
		cleanup(&d);
		return 1;
	}
	/* every output names the seed its draws came from, so any of them repeats the run */
	char head[400];
	snprintf(head, sizeof(head),
	         "seed %" PRIu64 ", rules %s (repeat the draws with --seed %" PRIu64 ")",
	         d.opt.seed, d.rs->name, d.opt.seed);
	faultd_output_note(&d.out, realtime_us(), head);
	rc = faultd_journal_open(&d.journal, &d.opt, d.matcher, d.opt.seed, d.rs);
	if (rc != 0) {
		cleanup(&d);
		return rc;
	}
	int err = setup_loop(&d);
	if (err) {
		fprintf(stderr, PROG ": %s\n", strerror(-err));
		cleanup(&d);
		return 1;
	}
	hold_init(&d.hold, d.loop, &d.nfq, on_release, &d);
	faultd_reorder_init(&d.reorder, &d.hold, d.loop);
	/* duplicate and reset rules send segments of their own, perhaps only after a reload;
	 * without the sockets they say why they cannot, and everything else works */
	if ((err = inject_open(&d.hold)) != 0)
		fprintf(stderr, PROG ": no packet socket for duplicate and reset rules: %s\n",
		        strerror(-err));
	if (d.opt.hold_copies && (err = hold_use_copies(&d.hold)) != 0) {
		fprintf(stderr, PROG ": --hold-copies: cannot open a packet socket: %s\n",
		        strerror(-err));
		cleanup(&d);
		return 1;
	}
	if (!d.opt.hold_copies && d.opt.queue_maxlen > HOLD_KERNEL_QUEUE_CAP &&
	    (err = hold_copies_past(&d.hold, HOLD_KERNEL_QUEUE_CAP - HOLD_KERNEL_QUEUE_MARGIN)) !=
	        0)
		fprintf(stderr,
		        PROG ": --queue-maxlen %" PRIu32 ": cannot open a packet socket to hold "
		             "copies past the kernel's %u packets: %s\n",
		        d.opt.queue_maxlen, HOLD_KERNEL_QUEUE_CAP, strerror(-err));

	if (d.opt.realtime && (err = take_realtime()) != 0) {
		cleanup(&d);
		return 1;
	}
	char why[512];
	struct nfq_config qc = {
	    .queue_num = d.opt.queue_num,
	    .maxlen = d.opt.queue_maxlen,
	    .fail_open = d.opt.fail_open,
	};
	err = nfq_queue_open(&d.nfq, &qc, on_packet, &d, why, sizeof(why));
	if (err) {
		fprintf(stderr, PROG ": %s\n", why);
		cleanup(&d);
		return 1;
	}
	err = event_loop_watch_fd(d.loop, nfq_queue_fd(d.nfq), EVENT_READ, on_queue_readable, &d);
	if (err) {
		fprintf(stderr, PROG ": epoll_ctl: %s\n", strerror(-err));
		cleanup(&d);
		return 1;
	}
	if (d.opt.queue_only_matching) {
		struct kernel_match_client client = {.addr = d.opt.client_addr};
		memcpy(client.addr6, d.opt.client_addr6, 16);
		if (faultd_firewall_install(&d.fw, d.opt.queue_num, &client, d.rs) != 0) {
			cleanup(&d);
			return 1;
		}
		fprintf(stderr, PROG ": --queue-only-matching: %zu firewall matches in chain %s\n",
		        d.fw.n_matches, d.fw.chain);
		say_unjudged(&d);
	}
	char client[16];
	trace_addr_str(client, sizeof(client), d.opt.client_addr);
	fprintf(stderr, PROG ": NFQUEUE %u bound; %u rules from %s; client %s; seed %" PRIu64 "\n",
	        d.opt.queue_num, d.rs->n_rules, d.rs->name, client, d.opt.seed);
	if (d.opt.ready_path)
		write_ready(d.opt.ready_path);

	rc = run(&d);
	/* the whole trace is on disk before the summary tells a reader the run is over */
	faultd_output_flush(&d.out);
	faultd_journal_flush(&d.journal);
	print_summary(&d);
	faultd_journal_summary(&d.journal);
	if (d.opt.ready_path)
		unlink(d.opt.ready_path);
	cleanup(&d);
	return rc;
}
