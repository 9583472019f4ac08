/* faultd_fixture.c: the synfin-faultd namespace suites' topology per test. */
#include "faultd_fixture.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

void topo_up(char tag, const char *rules)
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
	ck_assert_msg(sh("%s up %s >/dev/null", netns_script(), topo.run) == 0,
	              "synfin-netns up %s failed", topo.run);
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
