/* judge.c: the verdict on a run (judge.h). The reasons are checked in the order a reader
 * wants the first one: the harness itself (the daemon, the trace), the conversation, then
 * each application, then the limit. */
#include "judge.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counter.h"
#include "endpoint/peer_script.h"

/* RFC 1122 4.2.3.2 asks no ACK to cover more than every second full-sized segment; the
 * scenario's `ack-every N` checks the endpoint's ACKs against N. */
static void check_ack_every(const struct observed *o, int role, unsigned n, char *why, size_t size)
{
	char what[200];
	if (conversation_check_ack_every(o, role, n, what, sizeof(what)))
		snprintf(why, size, "%s: %s", scn_role_name(role), what);
}

/* The application's EOF event must report exactly the bytes of the shared pattern: the count
 * and the hash both ends print (peer_hash.h), so nothing was lost or reordered. */
static void check_received(const struct app_record *a, uint64_t want, bool damaged, int role,
                           char *why, size_t size)
{
	char want_hash[20];
	snprintf(want_hash, sizeof(want_hash), "%016" PRIx64, peer_script_pattern_hash(want));
	const struct app_event *eof = NULL;
	for (size_t i = 0; !eof && i < a->n_events; i++)
		if (!strcmp(a->events[i].what, "eof"))
			eof = &a->events[i];
	if (!eof) {
		snprintf(why, size, "the %s application never read to EOF", scn_role_name(role));
		return;
	}
	uint64_t got = eof->has_bytes ? eof->bytes : 0;
	if (got != want)
		snprintf(why, size, "the %s application read %" PRIu64 " bytes, expected %" PRIu64,
		         scn_role_name(role), got, want);
	else if (damaged && !strncmp(eof->hash, want_hash, 16))
		snprintf(why, size,
		         "the %s application read the pattern sent, expected it damaged (hash "
		         "the same)",
		         scn_role_name(role));
	else if (!damaged && strncmp(eof->hash, want_hash, 16))
		snprintf(why, size,
		         "the %s application read %" PRIu64
		         " bytes but not the pattern sent (hash differs)",
		         scn_role_name(role), got);
}

/* How far a late machine may push an event before it leaves its window: the window's
 * tolerance (packetdrill's max(4 ms, 12.5% of the gap) unless the scenario gives one); a range
 * +A..B is taken as the default tolerance around A. */
static int64_t window_tolerance(const struct scn_time *t, double scale)
{
	struct scn_time d = *t;
	if (d.range) {
		d.range = false;
		d.max_us = d.nominal_us;
		d.tol_us = -1;
		d.tol_pct = -1;
	}
	int64_t lo, hi;
	scn_time_window(&d, scale, &lo, &hi);
	return (hi - lo) / 2;
}

/* How far dt is outside [lo, hi]; 0 inside. */
static int64_t window_miss(int64_t dt, int64_t lo, int64_t hi)
{
	return dt < lo ? lo - dt : dt > hi ? dt - hi : 0;
}

/* The exit time: `at T` after the first segment, `+T` after the last one before the end.
 * Returns how far outside its window it was. */
static int64_t check_exit_time(const struct scn_case *c, const struct observed *o, int role,
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
		snprintf(why, size, "%s ended %.3f s %s, expected %.3f..%.3f s",
		         scn_role_name(role), (double)dt / 1e6,
		         t->kind == SCN_T_AT ? "after the first segment" : "after the last one",
		         (double)lo / 1e6, (double)hi / 1e6);
	return have ? window_miss(dt, lo, hi) : INT64_MAX;
}

/* The application's outcome and end: its own exit record's (stamped with the trace's clock),
 * else what the runner saw, later by however long it took to notice. A program that ended
 * once the runner had asked it to stop was stopped, whatever status it chose. */
static void app_end(const struct app_record *a, int *exit, uint64_t *end_us, bool *from_runner)
{
	const struct app_event *ev = app_record_exit(a);
	*from_runner = !ev || !ev->t_us;
	*exit = *from_runner ? a->exit : ev->status;
	*end_us = *from_runner ? a->end_us : ev->t_us;
	if (*exit == PEER_EXIT_INTERRUPTED || (a->stop_us && *end_us >= a->stop_us))
		*exit = SCN_OUT_KILLED;
}

/* Each `counts` line against the member its end's impl file names in the "counters" record the
 * endpoint program wrote at exit. */
static void check_counts(const struct scn_case *c, const struct app_record *a, int role, char *why,
                         size_t size)
{
	for (size_t i = 0; !why[0] && i < c->n_counts[role]; i++) {
		const struct scn_count *k = &c->counts[role][i];
		const struct app_counter *got = k->key ? app_record_counter(a, k->key) : NULL;
		if (!a->has_counters)
			snprintf(why, size,
			         "%s counts %s: the %s program wrote no counters record (did it "
			         "exit?)",
			         scn_role_name(role), k->counter, scn_role_name(role));
		else if (!got)
			snprintf(why, size, "%s counts %s: its counters record has no %s",
			         scn_role_name(role), k->counter,
			         k->key ? k->key : "member for it");
		else if (!counter_compare_holds((enum counter_compare)k->compare, got->value,
		                                k->value))
			snprintf(why, size, "%s counts %s %" PRIu64 ", expected %s %" PRIu64,
			         scn_role_name(role), k->counter, got->value,
			         counter_compare_name((enum counter_compare)k->compare), k->value);
	}
}

/* What the application did besides ending: its ACKs, the bytes it read, the events it saw. */
static void check_app_doings(const struct scn_case *c, const struct run_record *r, int role,
                             char *why, size_t size)
{
	const struct app_record *a = &r->app[role];
	if (c->ack_every[role])
		check_ack_every(&r->trace, role, c->ack_every[role], why, size);
	if (!why[0] && c->receives[role] >= 0)
		check_received(a, (uint64_t)c->receives[role], c->receives_damaged[role], role, why,
		               size);
	for (size_t i = 0; !why[0] && i < c->n_sees[role]; i++)
		if (!app_record_saw(a, c->sees[role][i]))
			snprintf(why, size, "the %s application never saw '%s'",
			         scn_role_name(role), c->sees[role][i]);
	if (!why[0])
		check_counts(c, a, role, why, size);
}

static void judge_app(const struct scn_case *c, const struct run_record *r, int role,
                      struct app_verdict *av)
{
	const struct observed *o = &r->trace;
	int exit;
	uint64_t end_us;
	app_end(&r->app[role], &exit, &end_us, &av->from_runner);
	const char *got = scn_outcome_name(exit);
	if (!strcmp(got, "unset"))
		snprintf(av->outcome, sizeof(av->outcome), "exit %d", exit);
	else
		snprintf(av->outcome, sizeof(av->outcome), "%s", got);
	av->at_s = o->n ? (double)(int64_t)(end_us - o->segs[0].t_us) / 1e6 : 0;
	char *why = av->why;
	size_t size = sizeof(av->why);
	why[0] = '\0';
	int want = c->exit[role];
	if (want != SCN_OUT_UNSET && want != SCN_OUT_ANY && want != exit) {
		snprintf(why, size, "%s ended with %s, expected %s", scn_role_name(role),
		         av->outcome, scn_outcome_name(want));
	} else if (want != SCN_OUT_UNSET && c->exit_time[role].kind != SCN_T_NONE) {
		av->miss_us = check_exit_time(c, o, role, end_us, why, size);
		av->timing = why[0] != '\0';
		av->tol_us = window_tolerance(&c->exit_time[role], c->scale);
	}
	/* checked even after a late end, so that a late end alone can be told apart */
	char other[200] = "";
	check_app_doings(c, r, role, other, sizeof(other));
	if (other[0])
		av->timing = false;
	if (!why[0])
		snprintf(why, size, "%s", other);
}

/* Where the time of expected line i counts from, as the matcher takes it, in the match m;
 * -1 when it has none. */
static int64_t line_anchor(const struct scn_case *c, const struct observed *o,
                           const struct match_result *m, size_t i)
{
	const struct scn_time *t = &c->segs[i]->time;
	int j = m->exp_to_obs[i];
	if (t->kind == SCN_T_AT)
		return (int64_t)o->segs[0].t_us;
	if (!t->anchor[0])
		return (int64_t)o->segs[j ? j - 1 : 0].t_us;
	for (size_t k = 0; k < c->n_segs; k++)
		if (!strcmp(c->segs[k]->label, t->anchor))
			return m->exp_to_obs[k] >= 0 ? (int64_t)o->segs[m->exp_to_obs[k]].t_us : -1;
	return -1;
}

/* The lines of the match m outside their windows: the smallest tolerance among them into
 * *tol_us, the farthest miss into *miss_us (both left alone when none is). */
static void missed_windows(const struct scn_case *c, const struct observed *o,
                           const struct match_result *m, int64_t *tol_us, int64_t *miss_us)
{
	for (size_t i = 0; i < c->n_segs; i++) {
		const struct scn_time *t = &c->segs[i]->time;
		int j = m->exp_to_obs[i];
		int64_t anchor = j >= 0 && t->kind != SCN_T_NONE ? line_anchor(c, o, m, i) : -1;
		if (anchor < 0)
			continue;
		int64_t lo, hi;
		scn_time_window(t, c->scale, &lo, &hi);
		int64_t miss = window_miss((int64_t)o->segs[j].t_us - anchor, lo, hi);
		int64_t tol = window_tolerance(t, c->scale);
		if (miss && tol < *tol_us)
			*tol_us = tol;
		if (miss > *miss_us)
			*miss_us = miss;
	}
}

/* Does the conversation match with no time checked? Then its times alone failed: the lines
 * outside their windows give the tolerance and the miss. */
static int conversation_times_alone(const struct scn_case *c, const struct observed *o, bool *alone,
                                    int64_t *tol_us, int64_t *miss_us)
{
	struct scn_seg *segs = malloc((c->n_segs ? c->n_segs : 1) * sizeof(*segs));
	const struct scn_seg **ptrs = malloc((c->n_segs ? c->n_segs : 1) * sizeof(*ptrs));
	if (!segs || !ptrs) {
		free(segs);
		free(ptrs);
		return -ENOMEM;
	}
	for (size_t i = 0; i < c->n_segs; i++) {
		segs[i] = *c->segs[i];
		segs[i].time.kind = SCN_T_NONE;
		ptrs[i] = &segs[i];
	}
	struct scn_case untimed = *c;
	untimed.segs = ptrs;
	struct match_result um;
	int r = conversation_match(&untimed, o, &um);
	if (!r) {
		int64_t tol = INT64_MAX;
		if (um.ok)
			missed_windows(c, o, &um, &tol, miss_us);
		/* a time the matcher missed that this cannot place: not known to be time alone */
		*alone = um.ok && tol != INT64_MAX;
		if (tol < *tol_us)
			*tol_us = tol;
		match_result_free(&um);
	}
	free(segs);
	free(ptrs);
	return r;
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

/* Did the client end before the limit? Its own record says so even when the runner, late,
 * found it still running. */
static bool client_ran_to_limit(const struct scn_case *c, const struct run_record *r)
{
	const struct app_event *ev = app_record_exit(&r->app[SCN_CLIENT]);
	return r->limit_hit &&
	       !(ev && ev->t_us && ev->t_us <= r->client_start_us + (uint64_t)c->limit_us);
}

/* Which failures were about time alone, once every check has run. */
static int judge_timing(const struct scn_case *c, const struct run_record *r,
                        struct judge_verdict *v)
{
	bool alone = true;
	int64_t tol = INT64_MAX, miss = 0;
	if (!v->match.ok) {
		int e = conversation_times_alone(c, &r->trace, &alone, &tol, &miss);
		if (e)
			return e;
	}
	for (int k = 0; k < 2; k++) {
		const struct app_verdict *a = &v->app[k];
		if (a->why[0])
			alone &= a->timing;
		if (a->why[0] && a->timing && a->tol_us < tol)
			tol = a->tol_us;
		if (a->why[0] && a->timing && a->miss_us > miss)
			miss = a->miss_us;
	}
	v->timing_only = v->status == RUN_FAIL && alone && !v->limit_hit && tol != INT64_MAX;
	v->timing_tol_us = v->timing_only ? tol : 0;
	v->timing_miss_us = v->timing_only ? miss : 0;
	return 0;
}

void judge_run(const struct scn_case *c, const struct run_record *r, struct judge_verdict *v)
{
	char buf[400];
	memset(v, 0, sizeof(*v));
	v->status = RUN_PASS;
	v->limit_hit = client_ran_to_limit(c, r);
	if (r->faultd_died) {
		faultd_death(r, buf, sizeof(buf));
		fail_with(v, RUN_ERROR, buf);
	}
	if (r->faultd_killed) {
		snprintf(
		    buf, sizeof(buf),
		    "synfin-faultd did not exit within %.0f s of SIGTERM and was killed: its trace "
		    "may lack the last segments (see faultd.log)",
		    FAULTD_GRACE_MS / 1000.0);
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
	if (v->limit_hit) {
		snprintf(buf, sizeof(buf), "the client was still running at the limit (%.1f s)",
		         (double)c->limit_us / 1e6);
		fail_with(v, RUN_FAIL, buf);
	}
	if (judge_timing(c, r, v))
		fail_with(v, RUN_ERROR, "out of memory");
}

void judge_verdict_free(struct judge_verdict *v)
{
	if (v->judged)
		match_result_free(&v->match);
	memset(v, 0, sizeof(*v));
}

void judge_overload(struct judge_verdict *v, const struct lateness *l)
{
	if (v->status != RUN_FAIL || !v->timing_only || !l->n ||
	    (int64_t)l->max_us <= v->timing_tol_us || (int64_t)l->max_us < v->timing_miss_us)
		return;
	char failure[sizeof(v->reason)];
	snprintf(failure, sizeof(failure), "%s", v->reason);
	v->status = RUN_INCONCLUSIVE;
	snprintf(v->reason, sizeof(v->reason),
	         "machine overloaded (timer lateness p99 %.1f ms, max %.1f ms): %s",
	         (double)l->p99_us / 1e3, (double)l->max_us / 1e3, failure);
}
