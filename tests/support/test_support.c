/* test_support.c: what the Check programs share: the suite runner, namespace checks, paths
 * (test data checked to be there), sleeping and the timing tolerance. */
#include "test_support.h"

#include <errno.h>
#include <fcntl.h>
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
		         "namespace tests need root or a user namespace, and none could be made "
		         "(see ./synfin doctor: userns)");
		return -EPERM;
	}
	if (run_quiet("command -v ip") || run_quiet("command -v iptables")) {
		snprintf(why, size,
		         "iproute2 or iptables is missing: `apt-get install iproute2 iptables` "
		         "(see ./synfin doctor: packages)");
		return -ENOENT;
	}
	struct stat st;
	if (stat("/proc/sys/net/bridge", &st) != 0 && run_quiet("modprobe br_netfilter")) {
		snprintf(why, size,
		         "the kernel has no br_netfilter (net.bridge sysctls): load it with "
		         "`modprobe br_netfilter` (see ./synfin doctor: br_netfilter)");
		return -ENOSYS;
	}
	return 0;
}

void synfin_require_tun(void)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr,
		        "SKIPPED: /dev/net/tun not openable: %s (see ./synfin doctor: tun)\n",
		        strerror(errno));
		exit(SYNFIN_EXIT_SKIP);
	}
	close(fd);
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

bool synfin_in_user_namespace(void)
{
	/* the initial user namespace maps every id to itself: "0 0 4294967295" */
	FILE *f = fopen("/proc/self/uid_map", "r");
	if (!f)
		return false;
	unsigned long inside, outside, count;
	int n = fscanf(f, "%lu %lu %lu", &inside, &outside, &count);
	fclose(f);
	return n == 3 && !(inside == 0 && outside == 0 && count == 4294967295UL);
}

void synfin_skip_test(const char *program, const char *test, const char *why)
{
	fprintf(stderr, "%s: skipped %s: %s\n", program, test, why);
	/* ctest shows no output of a passing program: make check prints this file */
	const char *log = getenv("SYNFIN_SKIP_LOG");
	FILE *f = log ? fopen(log, "a") : NULL;
	if (f) {
		fprintf(f, "%s: skipped %s: %s\n", program, test, why);
		fclose(f);
	}
}
