/* judge.c: the verdict on a run (judge.h). The reasons are checked in the order a reader
 * wants the first one: the harness itself (the daemon, the trace), the conversation, then
 * each application, then the limit. */
#include "judge.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "endpoint/peer_script.h"

static const char *const role_name[2] = {"client", "server"};

/* RFC 1122 4.2.3.2 asks no ACK to cover more than every second full-sized segment; the
 * scenario's `ack-every N` checks the endpoint's ACKs against N. */
static void check_ack_every(const struct observed *o, int role, unsigned n, char *why, size_t size)
{
	char what[200];
	if (conversation_check_ack_every(o, role, n, what, sizeof(what)))
		snprintf(why, size, "%s: %s", role_name[role], what);
}

/* The application's EOF event must report exactly the bytes of the shared pattern: the count
 * and the FNV-1a hash both ends print (peer_script.h), so nothing was lost or reordered. */
static void check_received(const struct app_record *a, uint64_t want, int role, char *why,
                           size_t size)
{
	uint64_t h = PEER_HASH_INIT;
	for (uint64_t i = 0; i < want; i++) {
		uint8_t b = peer_script_pattern_byte(i);
		h = peer_script_hash(h, &b, 1);
	}
	char want_hash[20];
	snprintf(want_hash, sizeof(want_hash), "%016" PRIx64, h);
	const struct app_event *eof = NULL;
	for (size_t i = 0; !eof && i < a->n_events; i++)
		if (!strcmp(a->events[i].what, "eof"))
			eof = &a->events[i];
	if (!eof) {
		snprintf(why, size, "the %s application never read to EOF", role_name[role]);
		return;
	}
	uint64_t got = eof->has_bytes ? eof->bytes : 0;
	if (got != want)
		snprintf(why, size, "the %s application read %" PRIu64 " bytes, expected %" PRIu64,
		         role_name[role], got, want);
	else if (strncmp(eof->hash, want_hash, 16))
		snprintf(why, size,
		         "the %s application read %" PRIu64
		         " bytes but not the pattern sent (hash differs)",
		         role_name[role], got);
}

/* The exit time: `at T` after the first segment, `+T` after the last one before the end. */
static void check_exit_time(const struct scn_case *c, const struct observed *o, int role,
                            uint64_t end_us, char *why, size_t size)
{
	const struct scn_time *t = &c->exit_time[role];
	int64_t anchor = 0;
	bool have = o->n > 0;
	if (have && t->kind == SCN_T_AT)
		anchor = (int64_t)o->segs[0].t_us;
	for (size_t j = 0; have && t->kind == SCN_T_AFTER && j < o->n; j++)
		if (o->segs[j].t_us <= end_us)
			anchor = (int64_t)o->segs[j].t_us;
	int64_t lo, hi, dt = (int64_t)end_us - anchor;
	scn_time_window(t, c->scale, &lo, &hi);
	if (!have || dt < lo || dt > hi)
		snprintf(why, size, "%s ended %.3f s %s, expected %.3f..%.3f s", role_name[role],
		         (double)dt / 1e6,
		         t->kind == SCN_T_AT ? "after the first segment" : "after the last one",
		         (double)lo / 1e6, (double)hi / 1e6);
}

static void judge_app(const struct scn_case *c, const struct run_record *r, int role,
                      struct app_verdict *av)
{
	const struct app_record *a = &r->app[role];
	const struct observed *o = &r->trace;
	const char *got = scn_outcome_name(a->exit);
	if (!strcmp(got, "unset"))
		snprintf(av->outcome, sizeof(av->outcome), "exit %d", a->exit);
	else
		snprintf(av->outcome, sizeof(av->outcome), "%s", got);
	av->at_s = o->n ? (double)(int64_t)(a->end_us - o->segs[0].t_us) / 1e6 : 0;
	char *why = av->why;
	size_t size = sizeof(av->why);
	why[0] = '\0';
	int want = c->exit[role];
	if (want != SCN_OUT_UNSET && want != SCN_OUT_ANY && want != a->exit)
		snprintf(why, size, "%s ended with %s, expected %s", role_name[role], av->outcome,
		         scn_outcome_name(want));
	else if (want != SCN_OUT_UNSET && c->exit_time[role].kind != SCN_T_NONE)
		check_exit_time(c, o, role, a->end_us, why, size);
	if (!why[0] && c->ack_every[role])
		check_ack_every(o, role, c->ack_every[role], why, size);
	if (!why[0] && c->receives[role] >= 0)
		check_received(a, (uint64_t)c->receives[role], role, why, size);
	for (size_t i = 0; !why[0] && i < c->n_sees[role]; i++)
		if (!app_record_saw(a, c->sees[role][i]))
			snprintf(why, size, "the %s application never saw '%s'", role_name[role],
			         c->sees[role][i]);
}

static void fail_with(struct judge_verdict *v, enum run_status status, const char *reason)
{
	if (v->status != RUN_PASS)
		return;
	v->status = status;
	snprintf(v->reason, sizeof(v->reason), "%s", reason);
}

static void faultd_death(const struct run_record *r, char *buf, size_t size)
{
	double at = (double)((int64_t)r->faultd_end_us - (int64_t)r->client_start_us) / 1e6;
	if (r->faultd_signal)
		snprintf(buf, size, "synfin-faultd exited on signal %d at %.1f s", r->faultd_signal,
		         at);
	else
		snprintf(buf, size, "synfin-faultd exited with status %d at %.1f s", r->faultd_exit,
		         at);
}

void judge_run(const struct scn_case *c, const struct run_record *r, struct judge_verdict *v)
{
	char buf[400];
	memset(v, 0, sizeof(*v));
	v->status = RUN_PASS;
	if (r->faultd_died) {
		faultd_death(r, buf, sizeof(buf));
		fail_with(v, RUN_ERROR, buf);
	}
	if (r->silent) {
		fail_with(v, RUN_FAIL,
		          "no segment reached the wire within 5 s of the client's start: the "
		          "topology passes no traffic (see client.log, server.log)");
		return;
	}
	if (r->trace_error) {
		snprintf(buf, sizeof(buf), "cannot read the trace %s: %s", r->trace_path,
		         strerror(-r->trace_error));
		fail_with(v, RUN_ERROR, buf);
		return;
	}
	if (conversation_match(c, &r->trace, &v->match)) {
		fail_with(v, RUN_ERROR, "out of memory");
		return;
	}
	v->judged = true;
	if (!v->match.ok)
		fail_with(v, RUN_FAIL, v->match.why);
	for (int k = 0; k < 2; k++) {
		judge_app(c, r, k, &v->app[k]);
		if (v->app[k].why[0])
			fail_with(v, RUN_FAIL, v->app[k].why);
	}
	if (r->limit_hit) {
		snprintf(buf, sizeof(buf), "the client was still running at the limit (%.1f s)",
		         (double)c->limit_us / 1e6);
		fail_with(v, RUN_FAIL, buf);
	}
}

void judge_verdict_free(struct judge_verdict *v)
{
	if (v->judged)
		match_result_free(&v->match);
	memset(v, 0, sizeof(*v));
}
