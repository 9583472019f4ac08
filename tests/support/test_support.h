/* test_support.h: what every Check program of the suite shares. */
#ifndef SYNFIN_TEST_SUPPORT_H
#define SYNFIN_TEST_SUPPORT_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Run a suite (forking, so one crashing test does not hide the others) and turn the result
 * into main's exit status. */
int synfin_run_suite(Suite *s);

/* Exit status ctest reads as "skipped" (SKIP_RETURN_CODE). */
#define SYNFIN_EXIT_SKIP 77

/* Namespace tests: 0 when this process can build topologies (root, ip netns, iptables NFQUEUE,
 * br_netfilter); otherwise a negative errno and a sentence in why saying what is missing and how
 * to get it. */
int synfin_netns_usable(char *why, size_t size);

/* Skip the whole program (exit 77) with the reason on stderr unless namespaces are usable. */
void synfin_require_netns(void);

/* Skip the whole program (exit 77), naming the doctor line, unless /dev/net/tun opens (stack
 * endpoints: root, or a device node the user may open). */
void synfin_require_tun(void);

/* Is this process in a user namespace (a rootless run)? */
bool synfin_in_user_namespace(void);

/* One test left out of a program that runs the others: why, on stderr and in $SYNFIN_SKIP_LOG
 * (which make check prints), naming the doctor line. */
void synfin_skip_test(const char *program, const char *test, const char *why);

/* A path under the source or build tree, in a static buffer per call site's own storage. */
const char *synfin_src_path(char *buf, size_t size, const char *rel);
const char *synfin_build_path(char *buf, size_t size, const char *rel);

/* A file the tests read from the repository's tests/data/ (rel as "captures/NAME.pcap"). When
 * it is not there the calling test fails saying which file is missing and where it belongs,
 * rather than with the bare error code of whatever opens it next. */
const char *synfin_data_path(char *buf, size_t size, const char *rel);

/* Run cmd with the shell and read its standard output into out (NUL-terminated, cut at
 * size - 1 bytes). Returns pclose's status: 0 when the command exited 0, -1 when it could not
 * be started. */
int synfin_command_output(const char *cmd, char *out, size_t size);

/* Namespace tests: the calling process (a forked endpoint, or a daemon or endpoint about to
 * exec) at real-time priority, SCHED_FIFO 1, as synfin-scenario runs its endpoints and daemon.
 * make check runs the scenario suite beside the namespace suites: without it, a test's
 * endpoints wait for a CPU behind the scenarios' real-time ones, and its timing with them.
 * Where the priority is not permitted, nothing changes. */
void synfin_realtime(void);

/* Sleep ms milliseconds, resuming after signals. */
void synfin_sleep_ms(unsigned ms);

/* Timing tests of real TCP (the packetdrill model, REFERENCE.md 6): an event expected gap_us
 * after the previous one may be early or late by max(4 ms, 12.5% of gap_us). */
int64_t synfin_tolerance_us(int64_t gap_us);

#endif
