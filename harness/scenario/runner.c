/* runner.c: one case in a topology of its own, in steps: topology up, daemon up, endpoints up
 * (endpoint_run.c, as impl/NAME.impl declares them), wait, collect the run's record, tear
 * down. It decides nothing: the judge (judge.c) gives the verdict. Every process it starts is
 * its own child, remembered by pid and ended by pid; the topology goes down on every path. */
#include "runner.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conversation.h"
#include "endpoint/peer_script.h"
#include "endpoint_run.h"
#include "judge.h"
#include "proc.h"
#include "report.h"
#include "report_html.h"

const char *runner_cannot_run(const struct run_env *env, const struct scn_case *c, char *buf,
                              size_t size)
{
	if (geteuid() != 0)
		return "not root, and no user namespace could be made (see ./synfin doctor: "
		       "userns)";
	if (!proc_executable(env->netns)) {
		snprintf(buf, size, "%s is missing", env->netns);
		return buf;
	}
	if (!proc_executable(env->faultd)) {
		snprintf(buf, size, "synfin-faultd is not built (%s)", env->faultd);
		return buf;
	}
	for (int r = 0; r < 2; r++) {
		const struct impl *im = endpoint_impl(env, c->pair, r);
		if (!im) {
			const char *name = scn_pair_impl_name(c->pair, (enum scn_role)r);
			snprintf(buf, size, "no implementation '%s' is declared (impl/%s.impl)",
			         name, name);
			return buf;
		}
		if (c->ipv6 && !(im->families & IMPL_FAMILY_IPV6)) {
			snprintf(buf, size, "%s has no IPv6: %s (%s)", im->name,
			         im->families_reason[0]
			             ? im->families_reason
			             : "its impl file declares no 'families ipv6'",
			         im->file[0] ? im->file : "its impl file");
			return buf;
		}
		if (im->device != IMPL_DEVICE_KERNEL && !proc_tun_openable())
			return "/dev/net/tun not openable (see ./synfin doctor: tun)";
		char prog[900];
		impl_program_path(im, env->build, prog, sizeof(prog));
		if (!proc_executable(prog)) {
			snprintf(buf, size, "%s is not built (%s)", impl_program_name(im), prog);
			return buf;
		}
		if (c->scn->simopen_cport && !proc_has_option(prog, "--sport")) {
			snprintf(
			    buf, size,
			    "simultaneous open needs a fixed source port, and %s has no --sport",
			    impl_program_name(im));
			return buf;
		}
	}
	return NULL;
}

static void logf_(FILE *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fflush(f);
}

struct endpoint_proc {
	pid_t pid;
	bool done;
	int exit; /* enum scn_outcome or the exit status */
	uint64_t end_us;
	uint64_t stop_us; /* when it was asked to stop, 0 when it was not */
};

/* One case being run: what it started, where its files go, what it recorded. */
struct case_run {
	const struct run_env *env;
	const struct scn_case *c;
	const struct impl *im[2]; /* each end's implementation */
	const char *run_id;
	const char *dir;
	struct run_result *res;
	FILE *rep;
	char log[700]; /* netns.log: the topology's commands */
	char trace_txt[700], trace_jsonl[700];
	pid_t faultd;
	struct endpoint_proc ep[2];
	bool up;
	struct lateness_probe probe;
	struct run_record rec;
	off_t trace_size_seen; /* the trace's size, and when it last changed */
	uint64_t trace_changed_us;
};

static bool stopping(const struct case_run *cr)
{
	return cr->env->stop && *cr->env->stop;
}

static int run_error(struct case_run *cr, const char *fmt, ...)
{
	va_list ap;
	cr->res->status = RUN_ERROR;
	va_start(ap, fmt);
	vsnprintf(cr->res->reason, sizeof(cr->res->reason), fmt, ap);
	va_end(ap);
	return -1;
}

static void write_rules(const struct case_run *cr)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/%s.rules", cr->dir, cr->c->scn->name);
	char *text = scenario_rules_text(cr->c->scn, cr->c->pair);
	FILE *f = fopen(path, "w");
	if (f && text)
		fputs(text, f);
	if (f)
		fclose(f);
	free(text);
}

static void copy_file(FILE *out, const char *path, const char *indent)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char line[2048];
	while (fgets(line, sizeof(line), f))
		fprintf(out, "%s%s", indent, line);
	fclose(f);
}

/* report.html beside report.txt: the conversation next to the drawing (report_html.h). */
static void write_report_html(const struct case_run *cr)
{
	char path[700], title[300];
	snprintf(path, sizeof(path), "%s/report.txt", cr->dir);
	char *report = scn_read_text(path);
	if (!report)
		return;
	snprintf(path, sizeof(path), "%s/trace.svg", cr->dir);
	char *svg = scn_read_text(path);
	snprintf(path, sizeof(path), "%s/report.html", cr->dir);
	FILE *out = fopen(path, "w");
	if (out) {
		snprintf(title, sizeof(title), "%s %s: %s", cr->c->scn->name,
		         scn_pair_name(cr->c->pair), run_status_name(cr->res->status));
		report_html_write(out, title, report, svg);
		fclose(out);
	}
	free(svg);
	free(report);
}

/* synfin-netns's name for the device an end sends through */
static char *netns_mode(const struct case_run *cr, int role)
{
	static char *const modes[] = {[IMPL_DEVICE_KERNEL] = "kernel",
	                              [IMPL_DEVICE_TUN] = "stack",
	                              [IMPL_DEVICE_TAP] = "tap"};
	return modes[cr->im[role]->device];
}

/* The namespaces and the bridge, then each end's settings. */
static int topology_up(struct case_run *cr)
{
	const struct run_env *env = cr->env;
	const struct scn_case *c = cr->c;
	/* over IPv6 the topology is dual-stack: the ends keep their IPv4 addresses too */
	char *up_argv[] = {(char *)env->netns,
	                   "up",
	                   (char *)cr->run_id,
	                   "--client",
	                   netns_mode(cr, SCN_CLIENT),
	                   "--server",
	                   netns_mode(cr, SCN_SERVER),
	                   c->ipv6 ? "--ipv6" : NULL,
	                   NULL};
	if (proc_run_wait(up_argv, cr->log) != 0)
		return run_error(cr, "synfin-netns up %s failed (see %s)", cr->run_id, cr->log);
	cr->up = true;
	/* A stack endpoint's namespace answers ARP by proxy, and Linux delays proxy answers by a
	 * random 0..proxy_delay (0.8 s by default): the first segment toward the stack would be
	 * late by that much, and the peer's RTT estimate with it. */
	for (int r = 0; r < 2 && !stopping(cr); r++) {
		if (cr->im[r]->device != IMPL_DEVICE_TUN)
			continue;
		char *argv[] = {(char *)env->netns,
		                "sysctl",
		                (char *)cr->run_id,
		                (char *)scn_role_name(r),
		                "net.ipv4.neigh.eth0.proxy_delay=0",
		                NULL};
		proc_run_wait(argv, cr->log);
	}
	for (int r = 0; r < 2 && !stopping(cr); r++) {
		size_t n = cr->im[r]->settings == IMPL_SETTINGS_SYSCTL ? c->n_sysctls[r] : 0;
		if (!n)
			continue;
		char *argv[40];
		size_t k = 0;
		argv[k++] = (char *)env->netns;
		argv[k++] = "sysctl";
		argv[k++] = (char *)cr->run_id;
		argv[k++] = (char *)scn_role_name(r);
		for (size_t i = 0; i < n && k < 38; i++)
			argv[k++] = (char *)c->sysctls[r][i];
		argv[k] = NULL;
		logf_(cr->rep, "  %s sysctls:", scn_role_name(r));
		for (size_t i = 0; i < n; i++)
			logf_(cr->rep, " %s", c->sysctls[r][i]);
		logf_(cr->rep, "\n");
		if (proc_run_wait(argv, cr->log) != 0)
			return run_error(
			    cr, "cannot set the sysctls (unknown key on this kernel?): see %s",
			    cr->log);
	}
	return 0;
}

/* synfin-faultd in the wire namespace, up once it says its queue is bound. */
static int faultd_up(struct case_run *cr)
{
	const struct run_env *env = cr->env;
	char log[700], ready[700], pcap[700], pcapng[700], journal[700], rules_rel[200], seed[24];
	snprintf(journal, sizeof(journal), "%s/journal.jsonl", cr->dir);
	snprintf(seed, sizeof(seed), "%" PRIu64, env->seed);
	snprintf(log, sizeof(log), "%s/faultd.log", cr->dir);
	snprintf(ready, sizeof(ready), "%s/faultd.ready", cr->dir);
	snprintf(pcap, sizeof(pcap), "%s/trace.pcap", cr->dir);
	snprintf(pcapng, sizeof(pcapng), "%s/trace.pcapng", cr->dir);
	/* In the run folder, so the trace names the rule file short: "NAME.rules:LINE", where
	 * LINE is the line of the .scn for an inline rule */
	snprintf(rules_rel, sizeof(rules_rel), "%s.rules", cr->c->scn->name);
	char *argv[32];
	size_t n = 0;
	argv[n++] = (char *)env->netns;
	argv[n++] = "exec";
	argv[n++] = (char *)cr->run_id;
	argv[n++] = "wire";
	if (env->rt) {
		/* the daemon timestamps and forwards: it must not wait for a CPU either */
		argv[n++] = "/usr/bin/chrt";
		argv[n++] = "-f";
		argv[n++] = "1";
	}
	char *rest[] = {(char *)env->faultd,
	                "-q",
	                "0",
	                "-r",
	                rules_rel,
	                "--text",
	                cr->trace_txt,
	                "--jsonl",
	                cr->trace_jsonl,
	                "--pcap",
	                pcap,
	                "--pcapng",
	                pcapng,
	                "--quiet",
	                "--seed",
	                seed,
	                "--journal",
	                journal,
	                "--ready",
	                ready,
	                NULL};
	for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]); i++)
		argv[n++] = rest[i];
	if (env->replay) {
		/* the journal's decisions, matched by identity, instead of the rules' draws */
		argv[n - 1] = "--replay";
		argv[n++] = (char *)env->replay;
		argv[n++] = NULL;
	}
	cr->faultd = proc_spawn_in(argv, log, cr->dir);
	/* It binds in milliseconds; but on two cores shared with other work, the shell of
	 * `synfin-netns exec` before it, at normal priority, has been seen to wait seconds for a
	 * CPU. 30 s still ends a daemon that cannot start long before the case's limit. */
	for (int i = 0; i < 3000 && access(ready, F_OK) != 0 && !stopping(cr); i++) {
		if (waitpid(cr->faultd, NULL, WNOHANG) == cr->faultd) {
			cr->faultd = -1;
			break;
		}
		proc_sleep_us(10000);
	}
	if (cr->faultd < 0 || access(ready, F_OK) != 0)
		return run_error(cr, "synfin-faultd did not bind its queue (see %s)", log);
	return 0;
}

/* The server, then once it listens the client (after its start delay). The two ends of a
 * simultaneous open have nothing to wait for: they start against one start time, a moment
 * ahead, so that the runner's own lateness cannot put them apart. */
static void endpoints_up(struct case_run *cr)
{
	const struct scn_case *c = cr->c;
	char log[700];
	struct endpoint_cmd cmd;
	uint64_t at = c->scn->simopen_cport ? proc_now_us() + 200000u : 0;
	snprintf(log, sizeof(log), "%s/server.log", cr->dir);
	endpoint_cmd_build(&cmd, cr->env, cr->im[SCN_SERVER], c, SCN_SERVER, cr->run_id, cr->dir);
	cr->ep[SCN_SERVER].pid = proc_spawn_at(cmd.argv, log, cr->env->rt && at, at);
	if (!c->scn->simopen_cport)
		endpoint_wait_ready(cr->env, cr->im[SCN_SERVER], c, cr->run_id, cr->dir);
	if (at)
		at += (uint64_t)c->start_us[SCN_CLIENT];
	else if (c->start_us[SCN_CLIENT])
		proc_sleep_us((uint64_t)c->start_us[SCN_CLIENT]);
	snprintf(log, sizeof(log), "%s/client.log", cr->dir);
	endpoint_cmd_build(&cmd, cr->env, cr->im[SCN_CLIENT], c, SCN_CLIENT, cr->run_id, cr->dir);
	cr->rec.client_start_us = at ? at : proc_now_us();
	cr->ep[SCN_CLIENT].pid = proc_spawn_at(cmd.argv, log, cr->env->rt && at, at);
}

/* Has an endpoint ended? Its outcome, and for the client the end of the wait. */
static void reap_endpoints(struct case_run *cr, uint64_t now, uint64_t settle, uint64_t *deadline)
{
	for (int k = 0; k < 2; k++) {
		struct endpoint_proc *ep = &cr->ep[k];
		int st;
		if (ep->done || ep->pid <= 0 || waitpid(ep->pid, &st, WNOHANG) != ep->pid)
			continue;
		ep->done = true;
		ep->end_us = now;
		ep->exit = WIFEXITED(st) ? WEXITSTATUS(st) : SCN_OUT_KILLED;
		if (ep->exit == PEER_EXIT_INTERRUPTED)
			ep->exit = SCN_OUT_KILLED;
		if (k == SCN_CLIENT && now + settle < *deadline)
			*deadline = now + settle;
	}
}

/* The daemon writes its trace at least every FAULTD_OUTPUT_FLUSH_MS while segments cross; a
 * trace unchanged for WIRE_QUIET_US means the wire has been quiet. The settle time may end
 * while it is not: a machine this busy can leave a segment the client's kernel sent before
 * it exited in a softirq backlog for longer than the settle time, and a daemon stopped then
 * never sees it. Up to WIRE_QUIET_MAX_US more waits for the last ones. */
#define WIRE_QUIET_US 250000u
#define WIRE_QUIET_MAX_US 2000000u

static void watch_trace(struct case_run *cr, uint64_t now)
{
	struct stat sb;
	if (stat(cr->trace_jsonl, &sb) == 0 && sb.st_size != cr->trace_size_seen) {
		cr->trace_size_seen = sb.st_size;
		cr->trace_changed_us = now;
	}
}

static bool wire_quiet(const struct case_run *cr, uint64_t now, uint64_t deadline)
{
	return now - cr->trace_changed_us >= WIRE_QUIET_US || now >= deadline + WIRE_QUIET_MAX_US;
}

/* Until the client is done, then `settle` more for the server and the last segments; a
 * lingering server gets its linger time. Stops early when the daemon dies or the wire stays
 * silent. */
static void wait_for_case(struct case_run *cr)
{
	const struct scn_case *c = cr->c;
	uint64_t settle = (uint64_t)c->settle_us;
	/* (the client's own linger is before its exit already) */
	int64_t linger = cr->im[SCN_SERVER]->linger_option[0] ? c->linger_us[SCN_SERVER] : -1;
	if (linger >= 0 && (uint64_t)linger + 500000u > settle)
		settle = (uint64_t)linger + 500000u;
	uint64_t t_client = cr->rec.client_start_us;
	uint64_t deadline = t_client + (uint64_t)c->limit_us;
	bool silent_checked = false;
	/* The wire's silence is counted from the client's first record, not from its spawn: on a
	 * machine busy making and removing namespaces, `ip netns exec` alone can take seconds
	 * before the client runs. A client that never writes a record gets 30 s. */
	char client_jsonl[760];
	snprintf(client_jsonl, sizeof(client_jsonl), "%s/client.jsonl", cr->dir);
	uint64_t t_quiet_from = t_client + 25000000u;
	while (!stopping(cr)) {
		uint64_t now = proc_now_us();
		reap_endpoints(cr, now, settle, &deadline);
		watch_trace(cr, now);
		int st;
		if (cr->faultd > 0 && waitpid(cr->faultd, &st, WNOHANG) == cr->faultd) {
			cr->faultd = -1;
			cr->rec.faultd_died = true;
			cr->rec.faultd_signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
			cr->rec.faultd_exit = WIFEXITED(st) ? WEXITSTATUS(st) : 0;
			cr->rec.faultd_end_us = now;
			break;
		}
		if (now >= deadline &&
		    (!cr->ep[SCN_CLIENT].done || wire_quiet(cr, now, deadline))) {
			cr->rec.limit_hit = !cr->ep[SCN_CLIENT].done;
			break;
		}
		/* Every case starts with the client's SYN: nothing in the trace 5 s after the
		 * client ran means the topology passes no traffic; say so now rather than at the
		 * limit. */
		struct stat cb;
		if (!silent_checked && t_quiet_from > now && stat(client_jsonl, &cb) == 0 &&
		    cb.st_size > 0)
			t_quiet_from = now;
		if (!silent_checked && now > t_quiet_from + 5000000u) {
			struct stat sb;
			silent_checked = true;
			if (stat(cr->trace_jsonl, &sb) == 0 && sb.st_size == 0) {
				cr->rec.silent = true;
				break;
			}
		}
		proc_sleep_us(5000);
	}
}

/* End the endpoints and the daemon: SIGTERM, then SIGKILL after their grace times. */
static void stop_processes(struct case_run *cr, unsigned grace_ms, unsigned faultd_grace_ms)
{
	for (int k = 0; k < 2; k++) {
		struct endpoint_proc *ep = &cr->ep[k];
		if (ep->done || ep->pid <= 0)
			continue;
		ep->stop_us = proc_now_us();
		proc_stop_child(ep->pid, grace_ms);
		ep->done = true;
		ep->end_us = proc_now_us();
		ep->exit = SCN_OUT_KILLED;
	}
	if (cr->faultd > 0) {
		int st = proc_stop_child(cr->faultd, faultd_grace_ms);
		cr->rec.faultd_killed = WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
	}
	cr->faultd = -1;
}

/* What the run left in its folder, into the record; then the judge's verdict. */
static void collect_and_judge(struct case_run *cr)
{
	struct run_record *rec = &cr->rec;
	snprintf(rec->trace_path, sizeof(rec->trace_path), "%s", cr->trace_jsonl);
	if (!rec->silent)
		rec->trace_error = observed_read_jsonl(&rec->trace, rec->trace_path);
	if (!rec->silent && !rec->trace_error)
		run_record_daemon_lateness(&rec->lateness, rec->trace_path);
	for (int k = 0; k < 2; k++) {
		char path[700];
		snprintf(path, sizeof(path), "%s/%s.jsonl", cr->dir, scn_role_name(k));
		rec->app[k].exit = cr->ep[k].exit;
		rec->app[k].end_us = cr->ep[k].end_us;
		rec->app[k].stop_us = cr->ep[k].stop_us;
		app_events_read_jsonl(&rec->app[k], path);
	}
	struct judge_verdict v;
	judge_run(cr->c, rec, &v);
	judge_overload(&v, &rec->lateness);
	report_verdict(cr->rep, cr->c, rec, &v);
	cr->res->lateness = rec->lateness;
	cr->res->status = v.status;
	snprintf(cr->res->reason, sizeof(cr->res->reason), "%s", v.reason);
	judge_verdict_free(&v);
}

/* synfin-ladder's drawing of the trace into the run folder's file name; svg: the SVG one,
 * with what the endpoints' JSON Lines say beside their lifelines. */
static void draw_ladder(struct case_run *cr, const char *name, bool svg)
{
	char path[700], events[2][720];
	snprintf(path, sizeof(path), "%s/%s", cr->dir, name);
	char *argv[8];
	size_t n = 0;
	argv[n++] = (char *)cr->env->ladder;
	if (svg) {
		argv[n++] = "--svg";
		for (int side = 0; side < 2; side++) {
			snprintf(events[side], sizeof(events[side]), "%s/%s.jsonl", cr->dir,
			         side ? "server" : "client");
			if (access(events[side], R_OK) != 0)
				continue;
			argv[n++] = side ? "--server-events" : "--client-events";
			argv[n++] = events[side];
		}
	}
	argv[n++] = cr->trace_jsonl;
	argv[n] = NULL;
	unlink(path);
	if (proc_run_wait(argv, path) != 0)
		unlink(path);
}

/* The topology down, and the ladders drawn from the trace when the tool is there. */
static void tear_down(struct case_run *cr)
{
	const struct run_env *env = cr->env;
	stop_processes(cr, 500, 2000);
	if (cr->up) {
		char *argv[] = {(char *)env->netns, "down", (char *)cr->run_id, NULL};
		proc_run_wait(argv, cr->log);
	}
	if (proc_executable(env->ladder) && access(cr->trace_jsonl, F_OK) == 0) {
		draw_ladder(cr, "ladder.txt", false);
		draw_ladder(cr, "trace.svg", true);
	}
}

static void report_header(const struct case_run *cr)
{
	struct utsname u;
	uname(&u);
	logf_(cr->rep, "scenario %s (%s), pairing %s (client-server)%s, topology %s, Linux %s\n",
	      cr->c->scn->name, cr->c->scn->path, scn_pair_name(cr->c->pair),
	      cr->c->ipv6 ? " over IPv6" : "", cr->run_id, u.release);
	if (cr->c->scn->about)
		logf_(cr->rep, "  %s\n", cr->c->scn->about);
	/* what repeats this run's faults: the seed of the draws, or the journal replayed */
	if (cr->env->replay)
		logf_(cr->rep, "  faults: the decisions of %s, replayed (no draws)\n",
		      cr->env->replay);
	else
		logf_(cr->rep,
		      "  faults: seed %" PRIu64 " (--seed %" PRIu64 " repeats the draws; "
		      "--replay %s/journal.jsonl, the decisions)\n",
		      cr->env->seed, cr->env->seed, cr->dir);
}

static void report_footer(const struct case_run *cr)
{
	const struct run_result *res = cr->res;
	char path[700];
	logf_(cr->rep, "\nverdict: %s%s%s (%.1f s)\n", run_status_name(res->status),
	      res->reason[0] ? ": " : "", res->reason, res->seconds);
	logf_(cr->rep, "\ntrace (%s):\n", cr->trace_txt);
	copy_file(cr->rep, cr->trace_txt, "  ");
	snprintf(path, sizeof(path), "%s/ladder.txt", cr->dir);
	if (access(path, F_OK) == 0) {
		logf_(cr->rep, "\nladder (%s):\n", path);
		copy_file(cr->rep, path, "  ");
	}
	logf_(cr->rep,
	      "\nfiles: "
	      "%s/{report.txt,report.html,trace.txt,trace.jsonl,trace.pcap,trace.pcapng,trace.svg,"
	      "journal.jsonl,client.log,"
	      "server.log,client.jsonl,server.jsonl,faultd.log,netns.log,%s.rules}\n",
	      cr->dir, cr->c->scn->name);
}

static void run_steps(struct case_run *cr)
{
	write_rules(cr);
	if (topology_up(cr) || faultd_up(cr))
		return;
	/* while the endpoints run: the lateness they had to live with */
	lateness_probe_start(&cr->probe, cr->env->rt);
	endpoints_up(cr);
	wait_for_case(cr);
	lateness_probe_stop(&cr->probe, &cr->rec.lateness);
	stop_processes(cr, 1000, FAULTD_GRACE_MS);
	if (stopping(cr)) {
		run_error(cr, "interrupted");
		return;
	}
	collect_and_judge(cr);
}

void runner_run_case(const struct run_env *env, const struct scn_case *c, const char *run_id,
                     const char *dir, struct run_result *res)
{
	uint64_t t_start = proc_now_us();
	struct case_run cr = {.env = env, .c = c, .run_id = run_id, .dir = dir, .res = res};
	cr.faultd = -1;
	for (int k = 0; k < 2; k++)
		cr.im[k] = endpoint_impl(env, c->pair, k);
	for (int k = 0; k < 2; k++)
		cr.ep[k] = (struct endpoint_proc){.pid = -1, .exit = SCN_OUT_UNSET};
	memset(res, 0, sizeof(*res));
	mkdir(dir, 0755);
	char path[700];
	snprintf(path, sizeof(path), "%s/report.txt", dir);
	cr.rep = fopen(path, "w");
	if (!cr.rep) {
		run_error(&cr, "cannot write %s: %s", path, strerror(errno));
		return;
	}
	snprintf(cr.log, sizeof(cr.log), "%s/netns.log", dir);
	snprintf(cr.trace_txt, sizeof(cr.trace_txt), "%s/trace.txt", dir);
	snprintf(cr.trace_jsonl, sizeof(cr.trace_jsonl), "%s/trace.jsonl", dir);
	report_header(&cr);
	run_steps(&cr);
	tear_down(&cr);
	run_record_free(&cr.rec);
	res->seconds = (double)(proc_now_us() - t_start) / 1e6;
	report_footer(&cr);
	fclose(cr.rep);
	write_report_html(&cr);
	run_result_write(dir, res);
}

int run_result_write(const char *dir, const struct run_result *res)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/result", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	const struct lateness *l = &res->lateness;
	fprintf(f, "%d %.3f %s\n", (int)res->status, res->seconds, res->reason);
	fprintf(f, "lateness %zu %u %u %u %u %d %zu %u\n", l->n, l->p50_us, l->p99_us, l->max_us,
	        l->period_us, (int)l->rt, l->daemon_n, l->daemon_max_us);
	fclose(f);
	return 0;
}

int run_result_read(const char *dir, struct run_result *res)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/result", dir);
	FILE *f = fopen(path, "r");
	memset(res, 0, sizeof(*res));
	if (!f)
		return -errno;
	int st = RUN_ERROR;
	char line[600] = "";
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -EINVAL;
	}
	char more[200];
	struct lateness *l = &res->lateness;
	int rt = 0;
	if (fgets(more, sizeof(more), f) &&
	    sscanf(more, "lateness %zu %u %u %u %u %d %zu %u", &l->n, &l->p50_us, &l->p99_us,
	           &l->max_us, &l->period_us, &rt, &l->daemon_n, &l->daemon_max_us) == 8)
		l->rt = rt;
	else
		memset(l, 0, sizeof(*l));
	fclose(f);
	int off = 0;
	if (sscanf(line, "%d %lf %n", &st, &res->seconds, &off) < 2)
		return -EINVAL;
	res->status = (enum run_status)st;
	snprintf(res->reason, sizeof(res->reason), "%s", line + off);
	res->reason[strcspn(res->reason, "\n")] = '\0';
	return 0;
}
