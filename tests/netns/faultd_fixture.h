/* faultd_fixture.h: the scaffolding the synfin-faultd namespace suites share (test_faultd*.c): a
 * topology per test (netns/synfin-netns up RUN) with a scratch folder for the rule file, the traces
 * and the daemon's standard error, the children a test forks into its namespaces, and the clean-up
 * after each test and each TCase.
 *
 * RUN is the suite's two letters, the runner's pid and the test's tag letter: unique per test
 * and per run of the program, so suites side by side never meet (tests/netns/guard.sh).
 */
#ifndef SYNFIN_FAULTD_FIXTURE_H
#define SYNFIN_FAULTD_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FX_MAX_CHILDREN 8

struct fx_topo {
	char run[16];
	char dir[128];
	char rules[192];
	char jsonl[192];
	char text[192];
	char pcap[192];
	char pcapng[192];
	char err[192];
	char ready[192];
	pid_t faultd;
	pid_t children[FX_MAX_CHILDREN];
	unsigned n_children;
};

/* The current test's topology (tests run one at a time in each forked child of the runner). */
extern struct fx_topo topo;

/* Called once by main, in the runner: run ids start with prefix (two letters), scratch folders
 * are /tmp/synfin-test-NAME-RUN, and tags are the letters the suite's tests use. */
void fx_init(const char *prefix, const char *name, const char *tags);

/* system() of a formatted command: its exit status, or -1 when it did not exit. */
int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void write_file(const char *path, const char *text);
/* The file's first 64 KiB, in a buffer the next call reuses. */
char *read_file(const char *path);
/* Wait until path exists (and, when needle is given, contains it). */
bool wait_for_file(const char *path, const char *needle, unsigned timeout_ms);

const char *netns_script(void);
/* Bring up the topology of the test tagged tag, its folder holding rules as test.rules. */
void topo_up(char tag, const char *rules);
/* The same with more options for synfin-netns up ("--ipv6"): its exit status, its standard
 * error in the folder's netns.err. */
int topo_up_with(char tag, const char *rules, const char *up_args);
/* Enter run's namespace role (client, wire, server): 0 or a negative errno. */
int enter_ns(const char *run, const char *role);
/* Remember a child for teardown() to end. */
void track_child(pid_t pid);
/* Wait for a child up to timeout_ms; its wait status, or -1 when it did not exit. */
int wait_child(pid_t pid, unsigned timeout_ms);

/* Start synfin-faultd in the wire namespace with args (after the program's name, NULL ended),
 * its standard error in topo.err, at real-time priority when realtime (as synfin-scenario runs
 * it): its pid, at once. */
pid_t fx_spawn_faultd(bool realtime, const char *const *args);
/* fx_spawn_faultd as topo.faultd, returning once it has bound its queue; fails the test when
 * it has not in 10 s. */
void fx_start_faultd(bool realtime, const char *const *args);
/* The daemon with the topology's rule file and its text, JSON Lines, pcap and pcapng outputs,
 * at real-time priority. */
void start_faultd(void);
/* start_faultd with one more option (extra, or NULL); --realtime asks for real-time priority
 * itself */
void start_faultd_with(const char *extra);
/* SIGTERM the daemon, wait up to timeout_ms: its exit status, or -1 when it had to be killed. */
int fx_stop_faultd(unsigned timeout_ms);
/* Read exactly len bytes, each read within timeout_ms: false on a timeout, EOF or error. */
bool fx_read_full(int fd, void *buf, size_t len, unsigned timeout_ms);

/* The wall clock in microseconds: the clock of the daemon's trace times. */
uint64_t fx_now_us(void);
/* got within packetdrill's tolerance of want (synfin_tolerance_us), both in microseconds. */
#define ck_assert_near_us(got, want, what)                                                         \
	do {                                                                                       \
		int64_t got_ = (int64_t)(got), want_ = (int64_t)(want);                            \
		int64_t tol_ = synfin_tolerance_us(want_);                                         \
		ck_assert_msg(got_ >= want_ - tol_ && got_ <= want_ + tol_,                        \
		              "%s: %.6f s, expected %.6f s +- %.6f s", what, got_ / 1e6,           \
		              want_ / 1e6, tol_ / 1e6);                                            \
	} while (0)

/* Checked fixture, after each test: ends the daemon and the children, takes the topology
 * down, removes the folder (kept with SYNFIN_KEEP set). */
void teardown(void);
/* Unchecked fixture, in the runner after each TCase: a forked test that fails an assertion or
 * times out ends without its checked teardown (Check leaves with _exit or kills it), so every
 * topology this program could have made goes; synfin-netns down also ends the processes in
 * them. */
void teardown_all_topologies(void);

#endif
