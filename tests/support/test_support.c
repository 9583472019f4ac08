/* test_support.c: what the Check programs share: the suite runner, namespace checks, paths
 * (test data checked to be there), sleeping and the timing tolerance. */
#include "test_support.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int synfin_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

const char *synfin_src_path(char *buf, size_t size, const char *rel)
{
	snprintf(buf, size, "%s/%s", SYNFIN_SOURCE_DIR, rel);
	return buf;
}

const char *synfin_build_path(char *buf, size_t size, const char *rel)
{
	snprintf(buf, size, "%s/%s", SYNFIN_BUILD_DIR, rel);
	return buf;
}

const char *synfin_data_path(char *buf, size_t size, const char *rel)
{
	snprintf(buf, size, "%s/%s", SYNFIN_DATA_DIR, rel);
	if (access(buf, R_OK) != 0)
		ck_abort_msg("missing test data file tests/data/%s: cannot read %s (%s); the "
		             "repository's tests/data/ holds it",
		             rel, buf, strerror(errno));
	return buf;
}

int synfin_command_output(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	size_t n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	return pclose(p);
}

static int run_quiet(const char *cmd)
{
	char full[512];
	snprintf(full, sizeof(full), "%s >/dev/null 2>&1", cmd);
	int rc = system(full);
	return rc == 0 ? 0 : -1;
}

int synfin_netns_usable(char *why, size_t size)
{
	if (geteuid() != 0) {
		snprintf(why, size,
		         "namespace tests need root (CAP_NET_ADMIN): run `sudo ./synfin check`");
		return -EPERM;
	}
	if (run_quiet("command -v ip") || run_quiet("command -v iptables")) {
		snprintf(why, size,
		         "iproute2 or iptables is missing: `apt-get install iproute2 iptables`");
		return -ENOENT;
	}
	struct stat st;
	if (stat("/proc/sys/net/bridge", &st) != 0 && run_quiet("modprobe br_netfilter")) {
		snprintf(
		    why, size,
		    "the kernel has no br_netfilter (net.bridge sysctls): load it with "
		    "`modprobe br_netfilter` or build the kernel with CONFIG_BRIDGE_NETFILTER");
		return -ENOSYS;
	}
	return 0;
}

void synfin_require_netns(void)
{
	char why[256];
	if (synfin_netns_usable(why, sizeof(why)) != 0) {
		fprintf(stderr, "SKIPPED: %s\n", why);
		exit(SYNFIN_EXIT_SKIP);
	}
}

void synfin_realtime(void)
{
	struct sched_param sp = {.sched_priority = 1};
	sched_setscheduler(0, SCHED_FIFO, &sp);
}

void synfin_sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int64_t synfin_tolerance_us(int64_t gap_us)
{
	int64_t t = gap_us / 8;
	return t > 4000 ? t : 4000;
}
