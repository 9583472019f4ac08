/* runner.c: one case in a topology of its own. Every process it starts is its own child,
 * remembered by pid and ended by pid; the topology goes down on every path out. */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/topology.h"
#include "conversation.h"
#include "endpoint/peer_script.h"
#include "judge.h"
#include "report.h"

volatile sig_atomic_t runner_stop;

static const char *const client_addr = TOPOLOGY_CLIENT_ADDR;
static const char *const server_addr = TOPOLOGY_SERVER_ADDR;

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void sleep_us(uint64_t us)
{
	struct timespec ts = {.tv_sec = (time_t)(us / 1000000u),
	                      .tv_nsec = (long)(us % 1000000u) * 1000};
	nanosleep(&ts, NULL);
}

static bool executable(const char *path)
{
	return access(path, X_OK) == 0;
}

/* Does the program's --help mention the option? */
static bool has_option(const char *prog, const char *option)
{
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "'%s' --help 2>&1", prog);
	FILE *f = popen(cmd, "r");
	if (!f)
		return false;
	char line[512];
	bool found = false;
	while (fgets(line, sizeof(line), f))
		found |= strstr(line, option) != NULL;
	pclose(f);
	return found;
}

const char *runner_cannot_run(const struct run_env *env, const struct scn_case *c, char *buf,
                              size_t size)
{
	if (geteuid() != 0)
		return "not root: namespaces need CAP_NET_ADMIN (run with sudo)";
	if (!executable(env->netns)) {
		snprintf(buf, size, "%s is missing", env->netns);
		return buf;
	}
	if (!executable(env->faultd)) {
		snprintf(buf, size, "synfin-faultd is not built (%s)", env->faultd);
		return buf;
	}
	bool stack[2] = {scn_pair_client_is_stack(c->pair), scn_pair_server_is_stack(c->pair)};
	for (int r = 0; r < 2; r++) {
		const char *prog = stack[r] ? env->peer : env->kpeer;
		if (!executable(prog)) {
			snprintf(buf, size, "%s is not built (%s)",
			         stack[r] ? "synfin-peer" : "synfin-kpeer", prog);
			return buf;
		}
		if (c->scn->simopen_cport && !has_option(prog, "--sport")) {
			snprintf(
			    buf, size,
			    "simultaneous open needs a fixed source port, and %s has no --sport",
			    stack[r] ? "synfin-peer" : "synfin-kpeer");
			return buf;
		}
	}
	return NULL;
}

/* Start argv with stdout and stderr to log (appended); its own process group is not needed:
 * the job process is a group of its own and ends its children by pid. */
static pid_t spawn_in(char *const argv[], const char *log, const char *cwd)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (cwd && chdir(cwd) != 0)
			_exit(127);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0) {
			dup2(nul, 0);
			close(nul);
		}
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execv(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

static pid_t spawn(char *const argv[], const char *log)
{
	return spawn_in(argv, log, NULL);
}

static int wait_exit(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int run_wait(char *const argv[], const char *log)
{
	pid_t pid = spawn(argv, log);
	return pid < 0 ? -1 : wait_exit(pid);
}

/* End a child: SIGTERM, then SIGKILL after grace_ms. Returns its wait status. */
static int stop_child(pid_t pid, unsigned grace_ms)
{
	int st;
	if (pid <= 0)
		return -1;
	kill(pid, SIGTERM);
	for (unsigned i = 0; i < grace_ms / 10; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		sleep_us(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return st;
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
};

static void build_endpoint_argv(const struct run_env *env, const struct scn_case *c, int role,
                                const char *run_id, const char *jsonl, char *port_s, char *conn_s,
                                char *scale_s, char **argv, size_t max)
{
	size_t n = 0;
	bool stack = role == SCN_CLIENT ? scn_pair_client_is_stack(c->pair)
	                                : scn_pair_server_is_stack(c->pair);
	argv[n++] = (char *)env->netns;
	argv[n++] = "exec";
	argv[n++] = (char *)run_id;
	argv[n++] = role == SCN_CLIENT ? "client" : "server";
	if (env->rt) {
		/* real-time priority: an application that must close within Linux's 4 ms
		 * delayed-ACK tick still does when several cases share two cores */
		argv[n++] = "/usr/bin/chrt";
		argv[n++] = "-f";
		argv[n++] = "1";
	}
	argv[n++] = (char *)(stack ? env->peer : env->kpeer);
	if (c->scn->simopen_cport) {
		/* simultaneous open: both ends are clients, connecting to each other */
		static char ports[2][8], peers[2][32];
		snprintf(ports[0], sizeof(ports[0]), "%u", c->scn->simopen_cport);
		snprintf(ports[1], sizeof(ports[1]), "%u", c->scn->simopen_sport);
		snprintf(peers[0], sizeof(peers[0]), "%s:%u", server_addr, c->scn->simopen_sport);
		snprintf(peers[1], sizeof(peers[1]), "%s:%u", client_addr, c->scn->simopen_cport);
		argv[n++] = "client";
		argv[n++] = "--local";
		argv[n++] = (char *)(role == SCN_CLIENT ? client_addr : server_addr);
		argv[n++] = "--sport";
		argv[n++] = ports[role];
		argv[n++] = "--connect";
		argv[n++] = peers[role];
	} else {
		argv[n++] = role == SCN_CLIENT ? "client" : "server";
		argv[n++] = "--local";
		argv[n++] = (char *)(role == SCN_CLIENT ? client_addr : server_addr);
	}
	if (c->scn->simopen_cport) {
		/* addresses given above */
	} else if (role == SCN_CLIENT) {
		argv[n++] = "--connect";
		argv[n++] = conn_s;
	} else {
		argv[n++] = "--listen";
		argv[n++] = port_s;
	}
	argv[n++] = "--jsonl";
	argv[n++] = (char *)jsonl;
	if (stack && c->scale < 1.0) {
		/* the scaled variant: the stack's clock runs 1/scale times faster */
		argv[n++] = "--time-scale";
		argv[n++] = scale_s;
	}
	if (stack && c->linger[role]) {
		argv[n++] = "--linger";
		argv[n++] = (char *)c->linger[role];
	}
	for (size_t i = 0; stack && i < c->n_tunables[role] && n + 4 < max; i++) {
		argv[n++] = "--set";
		argv[n++] = (char *)c->tunables[role][i];
	}
	argv[n++] = (char *)c->script[role];
	argv[n] = NULL;
}

static bool app_saw(const char *jsonl, const char *what)
{
	struct app_record a;
	memset(&a, 0, sizeof(a));
	bool saw = app_events_read_jsonl(&a, jsonl) == 0 && app_record_saw(&a, what);
	free(a.events);
	return saw;
}

/* A Linux server is ready once its socket listens; a stack server once its log says so or
 * after a short wait (it answers from the moment it runs). */
static void wait_server_ready(const struct run_env *env, const struct scn_case *c,
                              const char *run_id, const char *dir)
{
	char log[700], filter[64];
	snprintf(log, sizeof(log), "%s/netns.log", dir);
	if (scn_pair_server_is_stack(c->pair)) {
		char jsonl[700];
		snprintf(jsonl, sizeof(jsonl), "%s/server.jsonl", dir);
		for (int i = 0; i < 300 && !runner_stop; i++) {
			if (app_saw(jsonl, "listening"))
				return;
			sleep_us(10000);
		}
		return;
	}
	snprintf(filter, sizeof(filter), "ss -Hltn 'sport = :%u' | grep -q .", c->scn->port);
	char *argv[] = {(char *)env->netns, "exec", (char *)run_id, "server",
	                "/bin/sh",          "-c",   filter,         NULL};
	for (int i = 0; i < 150 && !runner_stop; i++) {
		if (run_wait(argv, "/dev/null") == 0)
			return;
		sleep_us(20000);
	}
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

/* What the run left in dir, for the judge. */
static void collect_record(const char *dir, struct run_record *rec)
{
	static const char *const role_name[2] = {"client", "server"};
	snprintf(rec->trace_path, sizeof(rec->trace_path), "%s/trace.jsonl", dir);
	if (!rec->silent)
		rec->trace_error = observed_read_jsonl(&rec->trace, rec->trace_path);
	for (int k = 0; k < 2; k++) {
		char path[700];
		snprintf(path, sizeof(path), "%s/%s.jsonl", dir, role_name[k]);
		app_events_read_jsonl(&rec->app[k], path);
	}
}

void runner_run_case(const struct run_env *env, const struct scn_case *c, const char *run_id,
                     const char *dir, struct run_result *res)
{
	uint64_t t_start = now_us();
	char path[700], log[700], rules[700], trace_txt[700], trace_jsonl[700], trace_pcap[700],
	    ready[700], jsonl[2][700], port_s[16], conn_s[64], scale_s[32];
	memset(res, 0, sizeof(*res));
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/report.txt", dir);
	FILE *rep = fopen(path, "w");
	if (!rep) {
		res->status = RUN_ERROR;
		snprintf(res->reason, sizeof(res->reason), "cannot write %s: %s", path,
		         strerror(errno));
		return;
	}
	struct utsname u;
	uname(&u);
	logf_(rep, "scenario %s (%s), pairing %s (client-server), topology %s, Linux %s\n",
	      c->scn->name, c->scn->path, scn_pair_name(c->pair), run_id, u.release);
	if (c->scn->about)
		logf_(rep, "  %s\n", c->scn->about);

	snprintf(log, sizeof(log), "%s/netns.log", dir);
	snprintf(rules, sizeof(rules), "%s/%s.rules", dir, c->scn->name);
	snprintf(trace_txt, sizeof(trace_txt), "%s/trace.txt", dir);
	snprintf(trace_jsonl, sizeof(trace_jsonl), "%s/trace.jsonl", dir);
	snprintf(trace_pcap, sizeof(trace_pcap), "%s/trace.pcap", dir);
	snprintf(ready, sizeof(ready), "%s/faultd.ready", dir);
	snprintf(jsonl[0], sizeof(jsonl[0]), "%s/client.jsonl", dir);
	snprintf(jsonl[1], sizeof(jsonl[1]), "%s/server.jsonl", dir);
	snprintf(port_s, sizeof(port_s), "%u", c->scn->port);
	snprintf(conn_s, sizeof(conn_s), "%s:%u", server_addr, c->scn->port);
	snprintf(scale_s, sizeof(scale_s), "%g", 1.0 / c->scale);

	char *rules_text = scenario_rules_text(c->scn, c->pair);
	FILE *rf = fopen(rules, "w");
	if (rf && rules_text)
		fputs(rules_text, rf);
	if (rf)
		fclose(rf);
	free(rules_text);

	pid_t faultd = -1;
	struct endpoint_proc ep[2] = {{.pid = -1, .exit = SCN_OUT_UNSET},
	                              {.pid = -1, .exit = SCN_OUT_UNSET}};
	bool up = false;
	const char *cmode = scn_pair_client_is_stack(c->pair) ? "stack" : "kernel";
	const char *smode = scn_pair_server_is_stack(c->pair) ? "stack" : "kernel";

	char *up_argv[] = {(char *)env->netns, "up",       (char *)run_id, "--client",
	                   (char *)cmode,      "--server", (char *)smode,  NULL};
	if (run_wait(up_argv, log) != 0) {
		res->status = RUN_ERROR;
		snprintf(res->reason, sizeof(res->reason), "synfin-netns up %s failed (see %s)",
		         run_id, log);
		goto out;
	}
	up = true;
	/* A stack endpoint's namespace answers ARP by proxy, and Linux delays proxy answers by a
	 * random 0..proxy_delay (0.8 s by default): the first segment toward the stack would be
	 * late by that much, and the peer's RTT estimate with it. */
	for (int r = 0; r < 2 && !runner_stop; r++) {
		bool stack = r == SCN_CLIENT ? scn_pair_client_is_stack(c->pair)
		                             : scn_pair_server_is_stack(c->pair);
		if (!stack)
			continue;
		char *argv[] = {(char *)env->netns,
		                "sysctl",
		                (char *)run_id,
		                r == SCN_CLIENT ? "client" : "server",
		                "net.ipv4.neigh.eth0.proxy_delay=0",
		                NULL};
		run_wait(argv, log);
	}
	for (int r = 0; r < 2 && !runner_stop; r++) {
		size_t n = c->n_sysctls[r];
		if (!n)
			continue;
		char *argv[40];
		size_t k = 0;
		argv[k++] = (char *)env->netns;
		argv[k++] = "sysctl";
		argv[k++] = (char *)run_id;
		argv[k++] = r == SCN_CLIENT ? "client" : "server";
		for (size_t i = 0; i < n && k < 38; i++)
			argv[k++] = (char *)c->sysctls[r][i];
		argv[k] = NULL;
		logf_(rep, "  %s sysctls:", r == SCN_CLIENT ? "client" : "server");
		for (size_t i = 0; i < n; i++)
			logf_(rep, " %s", c->sysctls[r][i]);
		logf_(rep, "\n");
		if (run_wait(argv, log) != 0) {
			res->status = RUN_ERROR;
			snprintf(res->reason, sizeof(res->reason),
			         "cannot set the sysctls (unknown key on this kernel?): see %s",
			         log);
			goto out;
		}
	}

	snprintf(path, sizeof(path), "%s/faultd.log", dir);
	/* In the run folder, so the trace names the rule file short: "NAME.rules:LINE", where
	 * LINE is the line of the .scn for an inline rule */
	char rules_rel[200];
	snprintf(rules_rel, sizeof(rules_rel), "%s.rules", c->scn->name);
	char *fd_argv[32];
	size_t fa = 0;
	fd_argv[fa++] = (char *)env->netns;
	fd_argv[fa++] = "exec";
	fd_argv[fa++] = (char *)run_id;
	fd_argv[fa++] = "wire";
	if (env->rt) {
		/* the daemon timestamps and forwards: it must not wait for a CPU either */
		fd_argv[fa++] = "/usr/bin/chrt";
		fd_argv[fa++] = "-f";
		fd_argv[fa++] = "1";
	}
	char *fd_rest[] = {
	    (char *)env->faultd, "-q",        "0",      "-r",       rules_rel, "--text", trace_txt,
	    "--jsonl",           trace_jsonl, "--pcap", trace_pcap, "--quiet", "--seed", "1",
	    "--ready",           ready,       NULL};
	for (size_t i = 0; i < sizeof(fd_rest) / sizeof(fd_rest[0]); i++)
		fd_argv[fa++] = fd_rest[i];
	faultd = spawn_in(fd_argv, path, dir);
	for (int i = 0; i < 500 && access(ready, F_OK) != 0 && !runner_stop; i++) {
		if (waitpid(faultd, NULL, WNOHANG) == faultd) {
			faultd = -1;
			break;
		}
		sleep_us(10000);
	}
	if (faultd < 0 || access(ready, F_OK) != 0) {
		res->status = RUN_ERROR;
		snprintf(res->reason, sizeof(res->reason),
		         "synfin-faultd did not bind its queue (see %s)", path);
		goto out;
	}

	char *argv[80];
	snprintf(log, sizeof(log), "%s/server.log", dir);
	build_endpoint_argv(env, c, SCN_SERVER, run_id, jsonl[1], port_s, conn_s, scale_s, argv,
	                    80);
	ep[1].pid = spawn(argv, log);
	if (!c->scn->simopen_cport)
		wait_server_ready(env, c, run_id, dir);
	if (c->start_us[SCN_CLIENT])
		sleep_us((uint64_t)c->start_us[SCN_CLIENT]);
	snprintf(log, sizeof(log), "%s/client.log", dir);
	build_endpoint_argv(env, c, SCN_CLIENT, run_id, jsonl[0], port_s, conn_s, scale_s, argv,
	                    80);
	uint64_t t_client = now_us();
	ep[0].pid = spawn(argv, log);

	/* Until the client is done, then `settle` more for the server and the last segments;
	 * a lingering stack server gets its linger time. */
	uint64_t settle = (uint64_t)c->settle_us;
	int64_t l;
	/* (the client's own linger is before its exit already) */
	if (c->linger[SCN_SERVER] && scn_duration_parse(c->linger[SCN_SERVER], &l) == 0 &&
	    (uint64_t)l + 500000u > settle)
		settle = (uint64_t)l + 500000u;
	uint64_t deadline = t_client + (uint64_t)c->limit_us;
	bool limit_hit = false, silent_checked = false, silent = false;
	while (!runner_stop) {
		uint64_t now = now_us();
		for (int k = 0; k < 2; k++) {
			int st;
			if (ep[k].done || ep[k].pid <= 0)
				continue;
			if (waitpid(ep[k].pid, &st, WNOHANG) == ep[k].pid) {
				ep[k].done = true;
				ep[k].end_us = now;
				ep[k].exit = WIFEXITED(st) ? WEXITSTATUS(st) : SCN_OUT_KILLED;
				if (ep[k].exit == PEER_EXIT_INTERRUPTED)
					ep[k].exit = SCN_OUT_KILLED;
				if (k == 0 && now + settle < deadline)
					deadline = now + settle;
			}
		}
		if (now >= deadline) {
			limit_hit = !ep[0].done;
			break;
		}
		/* Every case starts with the client's SYN: nothing in the trace 5 s on means the
		 * topology passes no traffic; say so now rather than at the limit. */
		if (!silent_checked && now > t_client + 5000000u) {
			struct stat st;
			silent_checked = true;
			if (stat(trace_jsonl, &st) == 0 && st.st_size == 0) {
				silent = true;
				break;
			}
		}
		sleep_us(5000);
	}
	for (int k = 0; k < 2; k++)
		if (!ep[k].done && ep[k].pid > 0) {
			stop_child(ep[k].pid, 1000);
			ep[k].done = true;
			ep[k].end_us = now_us();
			ep[k].exit = SCN_OUT_KILLED;
		}
	stop_child(faultd, 3000);
	faultd = -1;
	if (runner_stop) {
		res->status = RUN_ERROR;
		snprintf(res->reason, sizeof(res->reason), "interrupted");
		goto out;
	}
	struct run_record rec;
	memset(&rec, 0, sizeof(rec));
	rec.silent = silent;
	rec.limit_hit = limit_hit;
	rec.client_start_us = t_client;
	for (int k = 0; k < 2; k++) {
		rec.app[k].exit = ep[k].exit;
		rec.app[k].end_us = ep[k].end_us;
	}
	collect_record(dir, &rec);
	struct judge_verdict v;
	judge_run(c, &rec, &v);
	report_verdict(rep, c, &rec, &v);
	res->status = v.status;
	snprintf(res->reason, sizeof(res->reason), "%s", v.reason);
	judge_verdict_free(&v);
	run_record_free(&rec);

out:
	for (int k = 0; k < 2; k++)
		if (!ep[k].done && ep[k].pid > 0)
			stop_child(ep[k].pid, 500);
	if (faultd > 0)
		stop_child(faultd, 2000);
	if (up) {
		char *down_argv[] = {(char *)env->netns, "down", (char *)run_id, NULL};
		snprintf(log, sizeof(log), "%s/netns.log", dir);
		run_wait(down_argv, log);
	}
	/* The ladder, drawn from the trace, when the tool is there */
	if (executable(env->ladder) && access(trace_jsonl, F_OK) == 0) {
		snprintf(path, sizeof(path), "%s/ladder.txt", dir);
		char *lad_argv[] = {(char *)env->ladder, trace_jsonl, NULL};
		unlink(path);
		if (run_wait(lad_argv, path) != 0)
			unlink(path);
	}
	res->seconds = (double)(now_us() - t_start) / 1e6;
	logf_(rep, "\nverdict: %s%s%s (%.1f s)\n", run_status_name(res->status),
	      res->reason[0] ? ": " : "", res->reason, res->seconds);
	logf_(rep, "\ntrace (%s):\n", trace_txt);
	copy_file(rep, trace_txt, "  ");
	snprintf(path, sizeof(path), "%s/ladder.txt", dir);
	if (access(path, F_OK) == 0) {
		logf_(rep, "\nladder (%s):\n", path);
		copy_file(rep, path, "  ");
	}
	logf_(rep,
	      "\nfiles: %s/{report.txt,trace.txt,trace.jsonl,trace.pcap,client.log,"
	      "server.log,client.jsonl,server.jsonl,faultd.log,netns.log,%s.rules}\n",
	      dir, c->scn->name);
	fclose(rep);
	run_result_write(dir, res);
}

int run_result_write(const char *dir, const struct run_result *res)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/result", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "%d %.3f %s\n", (int)res->status, res->seconds, res->reason);
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
	fclose(f);
	int off = 0;
	if (sscanf(line, "%d %lf %n", &st, &res->seconds, &off) < 2)
		return -EINVAL;
	res->status = (enum run_status)st;
	snprintf(res->reason, sizeof(res->reason), "%s", line + off);
	res->reason[strcspn(res->reason, "\n")] = '\0';
	return 0;
}
