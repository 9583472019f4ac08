/* stack_fixture.c: topologies, endpoints and traces for the synfin-peer namespace suites
 * (stack_fixture.h). */
#include "stack_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/topology.h"
#include "endpoint/peer_script.h"
#include "peer_script_load.h"
#include "test_support.h"
#include "wire/segment.h"

pid_t spawn(const char *out_path, char *const argv[], bool realtime)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	if (realtime)
		synfin_realtime();
	int null = open("/dev/null", O_RDWR);
	int out = out_path ? open(out_path, O_WRONLY | O_CREAT | O_APPEND, 0644) : null;
	if (null >= 0)
		dup2(null, 0);
	if (out >= 0) {
		dup2(out, 1);
		dup2(out, 2);
	}
	execv(argv[0], argv);
	_exit(127);
}

/* Wait up to timeout_ms; the exit status (128 + signal when killed), or -1 on timeout. */
int wait_exit(pid_t pid, unsigned timeout_ms)
{
	int status;
	for (unsigned waited = 0;; waited += 10) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (r < 0 || waited >= timeout_ms)
			return -1;
		synfin_sleep_ms(10);
	}
}

/* A whole file as a string (NULL when it cannot be read), read as synfin-peer reads send-file. */
char *slurp(const char *path)
{
	size_t len;
	char why[256];
	return peer_read_file(path, &len, why, sizeof(why));
}

bool wait_for_text(const char *path, const char *needle, unsigned timeout_ms)
{
	for (unsigned waited = 0; waited <= timeout_ms; waited += 10) {
		char *s = slurp(path);
		bool found = s && (needle == NULL || strstr(s, needle));
		free(s);
		if (found)
			return true;
		synfin_sleep_ms(10);
	}
	return false;
}

/* ---- the JSON Lines of synfin-peer and synfin-kpeer: flat objects, string and number values */

/* The nth (0-based) line of path containing every one of the needles (NULL-terminated), copied
 * into line; false when there is none. */
bool jsonl_line(const char *path, unsigned nth, char *line, size_t size, ...)
{
	char *s = slurp(path);
	if (s == NULL)
		return false;
	bool found = false;
	for (char *p = s; *p && !found;) {
		char *e = strchr(p, '\n');
		if (e)
			*e = '\0';
		bool all = true;
		va_list ap;
		va_start(ap, size);
		for (const char *n; (n = va_arg(ap, const char *)) != NULL;)
			all = all && strstr(p, n) != NULL;
		va_end(ap);
		if (all && nth-- == 0) {
			snprintf(line, size, "%s", p);
			found = true;
		}
		p = e ? e + 1 : p + strlen(p);
	}
	free(s);
	return found;
}

bool json_str(const char *line, const char *key, char *out, size_t size)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	const char *p = strstr(line, pat);
	if (p == NULL)
		return false;
	p += strlen(pat);
	const char *e = strchr(p, '"');
	if (e == NULL)
		return false;
	snprintf(out, size, "%.*s", (int)(e - p), p);
	return true;
}

double json_num(const char *line, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = strstr(line, pat);
	return p ? strtod(p + strlen(pat), NULL) : -1;
}

/* ---- topology: one per test ---- */

pid_t runner_pid;

struct topo T;

/* Run a topology command (synfin-netns) to its end, its output added to the run folder's
 * topology.log. Its time is bounded loosely: on a loaded machine, with the scenario suite's
 * real-time endpoints beside it, bringing a topology up has taken more than 30 s. One still
 * running after the bound is stopped, so it cannot outlive the test. */
static int run(char *const argv[])
{
	char log[sizeof(T.dir) + 16];
	snprintf(log, sizeof(log), "%s/topology.log", T.dir);
	pid_t pid = spawn(T.dir[0] ? log : NULL, argv, false);
	if (pid < 0)
		return -1;
	int status = wait_exit(pid, 120000);
	if (status < 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	return status;
}

/* synfin-faultd's --seed (its jitter and `chance` draws): fixed unless a test picks one. */
unsigned long long faultd_seed = 1;

/* At most 12 of [a-z0-9], as synfin-netns wants: "sp", the runner's pid, the test's pid (each
 * test runs in its own child), so ids are unique per test and per run of the program. */
static void run_prefix(char *buf, size_t size, pid_t runner)
{
	snprintf(buf, size, "sp%05d", (int)(runner % 100000));
}

static void run_id(char *buf, size_t size)
{
	snprintf(buf, size, "sp%05d%05d", (int)(runner_pid % 100000), (int)(getpid() % 100000));
}

static void topo_down(void)
{
	if (T.faultd > 0) {
		kill(T.faultd, SIGTERM);
		if (wait_exit(T.faultd, 3000) < 0) {
			kill(T.faultd, SIGKILL);
			waitpid(T.faultd, NULL, 0);
		}
		T.faultd = 0;
	}
	for (unsigned i = 0; i < T.n_procs; i++) {
		if (T.procs[i] > 0 && waitpid(T.procs[i], NULL, WNOHANG) == 0) {
			kill(T.procs[i], SIGKILL);
			waitpid(T.procs[i], NULL, 0);
		}
	}
	T.n_procs = 0;
	if (T.run[0]) {
		char *argv[] = {NETNS, "down", T.run, NULL};
		run(argv);
		T.run[0] = '\0';
	}
}

/* A test that fails ends its process through exit(): tear down there too. */
static void topo_down_at_exit(void)
{
	if (getpid() != runner_pid)
		topo_down();
}

static void netns_exec_quiet(const char *role, const char *cmd)
{
	char full[512];
	snprintf(full, sizeof(full), "%s exec %s %s %s >/dev/null 2>&1", NETNS, T.run, role, cmd);
	if (system(full) != 0)
		fprintf(stderr, "note: `%s` failed\n", full);
}

static bool topology_log_says(const char *needle)
{
	char log[sizeof(T.dir) + 16];
	snprintf(log, sizeof(log), "%s/topology.log", T.dir);
	char *text = slurp(log);
	bool found = text && strstr(text, needle);
	free(text);
	return found;
}

static bool eth0_has_ipv4(const char *role)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "%s exec %s %s ip -4 -o addr show dev eth0", NETNS, T.run, role);
	FILE *p = popen(cmd, "r");
	if (p == NULL)
		return false;
	char buf[256];
	bool any = fgets(buf, sizeof(buf), p) != NULL;
	pclose(p);
	return any;
}

/* false when the topology could not come up with --ipv6 because ip6tables cannot queue here (a
 * rootless run): the test is then skipped, saying why, as test_faultd_ipv6.c's are. */
static bool topo_up_family(const char *client_mode, const char *server_mode, const char *rules,
                           bool ipv6, const char *test)
{
	static bool registered;
	if (!registered) {
		atexit(topo_down_at_exit);
		registered = true;
	}
	memset(&T, 0, sizeof(T));
	T.ipv6 = ipv6;
	run_id(T.run, sizeof(T.run));
	snprintf(T.dir, sizeof(T.dir), "%s/test-runs/stack_peer-%s", SYNFIN_BUILD_DIR, T.run);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir -p %s", T.dir, T.dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_msg(access(PEER, X_OK) == 0 && access(KPEER, X_OK) == 0 &&
	                  access(FAULTD, X_OK) == 0,
	              "build synfin-peer, synfin-kpeer and synfin-faultd first");

	char *down[] = {NETNS, "down", T.run, NULL};
	run(down);
	char *up[] = {
	    NETNS, "up", T.run, "--client", (char *)client_mode, "--server", (char *)server_mode,
	    NULL,  NULL};
	if (ipv6)
		up[7] = "--ipv6";
	int up_status = run(up);
	if (up_status != 0 && ipv6 && topology_log_says("ip6tables")) {
		synfin_skip_test(program_invocation_short_name, test,
		                 "ip6tables cannot queue IPv6 here (see ./synfin doctor: nfqueue)");
		return false;
	}
	ck_assert_msg(up_status == 0, "netns/synfin-netns up %s %s (its output: %s/topology.log)",
	              T.run, up_status < 0 ? "did not end within 120 s" : "failed", T.dir);

	bool cstack = !strcmp(client_mode, "stack"), sstack = !strcmp(server_mode, "stack");
	/* A stack endpoint's namespace answers ARP for the stack by proxy, and Linux delays
	 * proxy answers by a random part of neigh.proxy_delay (0.8 s): first segments from
	 * the far end would wait for it. */
	if (cstack)
		netns_exec_quiet("client", "sysctl -qw net.ipv4.neigh.eth0.proxy_delay=0");
	if (sstack)
		netns_exec_quiet("server", "sysctl -qw net.ipv4.neigh.eth0.proxy_delay=0");
	/* With both endpoints on the stack neither namespace owns an IPv4 address, so their
	 * ARP requests go out with sender 0.0.0.0 (an RFC 5227 probe), which proxy ARP never
	 * answers: give each eth0 a link-local /32 to speak from, outside the /24. */
	if (cstack && sstack) {
		if (!eth0_has_ipv4("client"))
			netns_exec_quiet("client", "ip addr add 169.254.1.108/32 dev eth0");
		if (!eth0_has_ipv4("server"))
			netns_exec_quiet("server", "ip addr add 169.254.1.109/32 dev eth0");
	}

	char path[300], ready[300];
	snprintf(path, sizeof(path), "%s/test.rules", T.dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(rules, f);
	fclose(f);
	snprintf(ready, sizeof(ready), "%s/faultd.ready", T.dir);
	snprintf(T.trace, sizeof(T.trace), "%s/trace.jsonl", T.dir);
	char text[300], err[300], seed[24];
	snprintf(text, sizeof(text), "%s/trace.txt", T.dir);
	snprintf(err, sizeof(err), "%s/faultd.err", T.dir);
	snprintf(seed, sizeof(seed), "%llu", faultd_seed);
	char *argv[] = {NETNS, "exec",    T.run,     "wire", FAULTD,    "-q",    "0",
	                "-r",  path,      "--ready", ready,  "--jsonl", T.trace, "--text",
	                text,  "--quiet", "--seed",  seed,   NULL};
	T.faultd = spawn(err, argv, true);
	ck_assert_msg(wait_for_text(ready, NULL, 5000),
	              "synfin-faultd did not bind its queue within 5 s (see %s)", err);
	return true;
}

void topo_up(const char *client_mode, const char *server_mode, const char *rules)
{
	topo_up_family(client_mode, server_mode, rules, false, NULL);
}

bool topo_up6(const char *client_mode, const char *server_mode, const char *rules, const char *test)
{
	return topo_up_family(client_mode, server_mode, rules, true, test);
}

/* After a test that passed: its folder goes too, unless SYNFIN_KEEP is set. A failed test ends
 * through exit() before this runs, so its folder stays for the failure message to point at. */
void teardown(void)
{
	topo_down();
	if (T.dir[0] && !getenv("SYNFIN_KEEP")) {
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", T.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "note: cannot remove %s\n", T.dir);
	}
}

/* The runner removes what a test killed by its timeout left behind: every topology whose id
 * carries its prefix. */
void teardown_leftovers(void)
{
	char prefix[16], cmd[256], line[64];
	run_prefix(prefix, sizeof(prefix), getpid());
	snprintf(cmd, sizeof(cmd), "%s list", NETNS);
	FILE *p = popen(cmd, "r");
	if (p == NULL)
		return;
	char ids[32][16];
	unsigned n = 0;
	while (fgets(line, sizeof(line), p) && n < 32) {
		line[strcspn(line, "\n")] = '\0';
		size_t len = strlen(line);
		if (!strncmp(line, prefix, strlen(prefix)) && len < sizeof(ids[0]))
			memcpy(ids[n++], line, len + 1);
	}
	pclose(p);
	for (unsigned i = 0; i < n; i++) {
		char *argv[] = {NETNS, "down", ids[i], NULL};
		run(argv);
	}
}

/* ---- endpoints ---- */

/* Start prog (PEER or KPEER) as mode (client|server) in the namespace role, running script,
 * with extra options (NULL-terminated). */
void peer_start(struct peer *p, const char *name, const char *role, const char *prog,
                const char *mode, const char *script, ...)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->log, sizeof(p->log), "%s/%s.log", T.dir, name);
	snprintf(p->jsonl, sizeof(p->jsonl), "%s/%s.jsonl", T.dir, name);
	char *argv[32];
	int n = 0;
	argv[n++] = NETNS;
	argv[n++] = "exec";
	argv[n++] = T.run;
	argv[n++] = (char *)role;
	argv[n++] = (char *)prog;
	argv[n++] = (char *)mode;
	argv[n++] = "--jsonl";
	argv[n++] = p->jsonl;
	if (!strcmp(mode, "client")) {
		argv[n++] = "--connect";
		argv[n++] = T.ipv6 ? "[" TOPOLOGY_SERVER_ADDR6 "]:80" : TOPOLOGY_SERVER_ADDR ":80";
	} else {
		argv[n++] = "--listen";
		argv[n++] = "80";
	}
	/* synfin-kpeer listens on 0.0.0.0 unless told, and the stack has no IPv6 address unless
	 * given one: over IPv6 both take their namespace's */
	if (T.ipv6) {
		argv[n++] = "--local";
		argv[n++] = !strcmp(role, "client") ? TOPOLOGY_CLIENT_ADDR6 : TOPOLOGY_SERVER_ADDR6;
	}
	va_list ap;
	va_start(ap, script);
	for (char *a; (a = va_arg(ap, char *)) != NULL && n < 29;)
		argv[n++] = a;
	va_end(ap);
	argv[n++] = (char *)script;
	argv[n] = NULL;
	p->pid = spawn(p->log, argv, true);
	ck_assert_int_gt(p->pid, 0);
	if (T.n_procs < MAX_PROCS)
		T.procs[T.n_procs++] = p->pid;
	if (!strcmp(mode, "server"))
		ck_assert_msg(wait_for_text(p->jsonl, "\"what\":\"listening\"", 5000),
		              "%s did not listen within 5 s (see %s)", name, p->log);
}

int peer_wait(struct peer *p, unsigned timeout_ms)
{
	int status = wait_exit(p->pid, timeout_ms);
	if (status < 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
	}
	p->pid = 0;
	return status;
}

/* The receiver's "eof" event says it read exactly the pattern's first n bytes. */
void assert_received_pattern(const struct peer *p, uint64_t n)
{
	char line[1024], hash[32], want[32];
	ck_assert_msg(jsonl_line(p->jsonl, 0, line, sizeof(line), "\"what\":\"eof\"", NULL),
	              "%s logged no eof (see %s)", p->name, p->log);
	ck_assert_msg((uint64_t)json_num(line, "bytes") == n,
	              "%s read %.0f bytes, expected %" PRIu64, p->name, json_num(line, "bytes"), n);
	ck_assert(json_str(line, "hash", hash, sizeof(hash)));
	snprintf(want, sizeof(want), "%016" PRIx64, peer_script_pattern_hash(n));
	ck_assert_msg(!strcmp(hash, want), "%s: hash %s, expected %s", p->name, hash, want);
}

/* The states a synfin-peer connection went through, as "ESTABLISHED FIN-WAIT-1 ...": the
 * connection is the one of the "done" event (a server's listener is left out). */
static void state_path(const struct peer *p, char *out, size_t size)
{
	char line[1024];
	out[0] = '\0';
	ck_assert_msg(jsonl_line(p->jsonl, 0, line, sizeof(line), "\"what\":\"done\"", NULL),
	              "%s logged no done (see %s)", p->name, p->log);
	char sock[32];
	snprintf(sock, sizeof(sock), "\"sock\":%d,", (int)json_num(line, "sock"));
	size_t n = 0;
	for (unsigned i = 0;
	     jsonl_line(p->jsonl, i, line, sizeof(line), "\"event\":\"state\"", sock, NULL); i++) {
		char to[32];
		if (json_str(line, "to", to, sizeof(to)) && n < size)
			n += (size_t)snprintf(out + n, size - n, "%s%s", n ? " " : "", to);
	}
}

void assert_path(const struct peer *p, const char *const *allowed)
{
	char path[512];
	state_path(p, path, sizeof(path));
	for (const char *const *a = allowed; *a; a++)
		if (!strcmp(path, *a))
			return;
	ck_abort_msg("%s went through \"%s\", expected \"%s\"%s (see %s)", p->name, path,
	             allowed[0], allowed[1] ? " or another listed path" : "", p->log);
}

void assert_error(const struct peer *p, const char *err)
{
	char line[1024];
	ck_assert_msg(jsonl_line(p->jsonl, 0, line, sizeof(line), "\"what\":\"error\"", err, NULL),
	              "%s logged no error %s (see %s)", p->name, err, p->log);
}

/* ---- the wire's trace ---- */

void trace_load(struct trace *t)
{
	/* The daemon writes its last lines when it ends (SIGTERM). */
	if (T.faultd > 0) {
		kill(T.faultd, SIGTERM);
		wait_exit(T.faultd, 3000);
		T.faultd = 0;
	}
	int err = trace_read_jsonl(T.trace, &t->r, &t->n);
	ck_assert_msg(err == 0, "cannot read %s: %s", T.trace, strerror(-err));
}

/* Segments seen with these flags (exact letters, e.g. "S", "R.") in direction dir. */
unsigned trace_count(const struct trace *t, const char *dir, const char *flags)
{
	unsigned n = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->r[i].kind == TRACE_SEEN && !strcmp(t->r[i].dir, dir) &&
		    (flags == NULL || !strcmp(t->r[i].flags, flags)))
			n++;
	return n;
}

unsigned trace_count_flag(const struct trace *t, const char *dir, uint8_t flag)
{
	unsigned n = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->r[i].kind == TRACE_SEEN && !strcmp(t->r[i].dir, dir) &&
		    (t->r[i].tcp_flags & flag))
			n++;
	return n;
}

/* The first seen segment with flag set from dir; its index or -1. */
long trace_first_flag(const struct trace *t, const char *dir, uint8_t flag)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->r[i].kind == TRACE_SEEN && !strcmp(t->r[i].dir, dir) &&
		    (t->r[i].tcp_flags & flag))
			return (long)i;
	return -1;
}

unsigned trace_drops(const struct trace *t)
{
	unsigned n = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->r[i].kind == TRACE_SEEN && t->r[i].action == RULE_DROP)
			n++;
	return n;
}

/* ---- handshake and data, against Linux ---- */