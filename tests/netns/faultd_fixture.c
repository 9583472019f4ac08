/* faultd_fixture.c: the synfin-faultd namespace suites' topology per test. */
#include "faultd_fixture.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_support.h"

struct fx_topo topo;

static pid_t runner_pid; /* the Check runner; tests run in children of it */
static const char *run_prefix = "fx", *dir_name = "faultd", *run_tags = "a";

void fx_init(const char *prefix, const char *name, const char *tags)
{
	runner_pid = getpid();
	run_prefix = prefix;
	dir_name = name;
	run_tags = tags;
}

int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

char *read_file(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot read %s: %s", path, strerror(errno));
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

bool wait_for_file(const char *path, const char *needle, unsigned timeout_ms)
{
	for (unsigned waited = 0; waited <= timeout_ms; waited += 20) {
		FILE *f = fopen(path, "r");
		if (f) {
			if (!needle) {
				fclose(f);
				return true;
			}
			char buf[8192];
			size_t n = fread(buf, 1, sizeof(buf) - 1, f);
			buf[n] = '\0';
			fclose(f);
			if (strstr(buf, needle))
				return true;
		}
		synfin_sleep_ms(20);
	}
	return false;
}

static void run_id(char *buf, size_t size, pid_t runner, char tag)
{
	/* at most 12 characters of [a-z0-9], as synfin-netns wants */
	snprintf(buf, size, "%s%d%c", run_prefix, (int)runner, tag);
}

const char *netns_script(void)
{
	return SYNFIN_SOURCE_DIR "/netns/synfin-netns";
}

int topo_up_with(char tag, const char *rules, const char *up_args)
{
	memset(&topo, 0, sizeof(topo));
	run_id(topo.run, sizeof(topo.run), runner_pid, tag);
	snprintf(topo.dir, sizeof(topo.dir), "/tmp/synfin-test-%s-%s", dir_name, topo.run);
	sh("rm -rf %s", topo.dir);
	ck_assert_int_eq(mkdir(topo.dir, 0755), 0);
	snprintf(topo.rules, sizeof(topo.rules), "%s/test.rules", topo.dir);
	snprintf(topo.jsonl, sizeof(topo.jsonl), "%s/trace.jsonl", topo.dir);
	snprintf(topo.text, sizeof(topo.text), "%s/trace.txt", topo.dir);
	snprintf(topo.pcap, sizeof(topo.pcap), "%s/trace.pcap", topo.dir);
	snprintf(topo.pcapng, sizeof(topo.pcapng), "%s/trace.pcapng", topo.dir);
	snprintf(topo.err, sizeof(topo.err), "%s/faultd.err", topo.dir);
	snprintf(topo.ready, sizeof(topo.ready), "%s/ready", topo.dir);
	write_file(topo.rules, rules);
	sh("%s down %s >/dev/null 2>&1", netns_script(), topo.run);
	return sh("%s up %s %s >/dev/null 2>%s/netns.err", netns_script(), topo.run, up_args,
	          topo.dir);
}

void topo_up(char tag, const char *rules)
{
	ck_assert_msg(topo_up_with(tag, rules, "") == 0, "synfin-netns up %s failed", topo.run);
}

int enter_ns(const char *run, const char *role)
{
	char path[128];
	snprintf(path, sizeof(path), "/var/run/netns/synfin-%s-%s", run, role);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

void track_child(pid_t pid)
{
	if (topo.n_children < FX_MAX_CHILDREN)
		topo.children[topo.n_children++] = pid;
}

int wait_child(pid_t pid, unsigned timeout_ms)
{
	int status;
	for (unsigned waited = 0; waited <= timeout_ms; waited += 10) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0)
			return -1;
		synfin_sleep_ms(10);
	}
	return -1;
}

pid_t fx_spawn_faultd(bool realtime, const char *const *args)
{
	const char *faultd = SYNFIN_BUILD_DIR "/harness/faultd/synfin-faultd";
	const char *argv[40] = {faultd};
	size_t n = 1;
	for (; args && *args && n < 39; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (enter_ns(topo.run, "wire") != 0)
			_exit(126);
		if (realtime)
			synfin_realtime();
		int err = open(topo.err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (err >= 0)
			dup2(err, 2);
		execv(faultd, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

void fx_start_faultd(bool realtime, const char *const *args)
{
	topo.faultd = fx_spawn_faultd(realtime, args);
	ck_assert_msg(wait_for_file(topo.ready, NULL, 10000),
	              "synfin-faultd did not bind its queue within 10 s (see %s)", topo.err);
}

void start_faultd_with(const char *extra)
{
	const char *args[] = {"-r",       topo.rules, "--quiet", "--text",   topo.text,   "--jsonl",
	                      topo.jsonl, "--pcap",   topo.pcap, "--pcapng", topo.pcapng, "--ready",
	                      topo.ready, "--seed",   "1",       extra,      NULL};
	fx_start_faultd(!extra || strcmp(extra, "--realtime") != 0, args);
}

void start_faultd(void)
{
	start_faultd_with(NULL);
}

int fx_stop_faultd(unsigned timeout_ms)
{
	if (topo.faultd <= 0)
		return -1;
	kill(topo.faultd, SIGTERM);
	int status = wait_child(topo.faultd, timeout_ms);
	pid_t pid = topo.faultd;
	topo.faultd = 0;
	if (status == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool fx_read_full(int fd, void *buf, size_t len, unsigned timeout_ms)
{
	size_t got = 0;
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	while (got < len) {
		if (poll(&pfd, 1, (int)timeout_ms) <= 0)
			return false;
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

void teardown(void)
{
	if (topo.faultd > 0) {
		kill(topo.faultd, SIGKILL);
		waitpid(topo.faultd, NULL, 0);
	}
	for (unsigned i = 0; i < topo.n_children; i++) {
		kill(topo.children[i], SIGKILL);
		waitpid(topo.children[i], NULL, 0);
	}
	if (topo.run[0])
		sh("%s down %s >/dev/null 2>&1", netns_script(), topo.run);
	if (topo.dir[0] && !getenv("SYNFIN_KEEP"))
		sh("rm -rf %s", topo.dir);
	memset(&topo, 0, sizeof(topo));
}

void teardown_all_topologies(void)
{
	for (const char *t = run_tags; *t; t++) {
		char run[16];
		run_id(run, sizeof(run), getpid(), *t);
		sh("%s down %s >/dev/null 2>&1", netns_script(), run);
		if (!getenv("SYNFIN_KEEP"))
			sh("rm -rf /tmp/synfin-test-%s-%s", dir_name, run);
	}
}

uint64_t fx_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
