/* stack_fixture.h: the scaffolding the synfin-peer namespace suites share (test_stack_peer.c,
 * test_stack_close.c): a topology per test (netns/synfin-netns up RUN --client stack|kernel
 * --server stack|kernel) with synfin-faultd on the wire, the endpoints started with
 * `netns/synfin-netns exec` (the stack's as synfin-peer, Linux's as synfin-kpeer, both driven by
 * the same behaviour scripts and both logging JSON Lines), and readers of their logs and of the
 * daemon's trace.
 *
 * Times that cross processes are CLOCK_REALTIME, the clock of the daemon's trace and of both
 * programs' "t". Timing follows the packetdrill model (REFERENCE.md 6): an event may be late or
 * early by max(4 ms, 12.5% of the gap since the previous event).
 *
 * Artifacts (rules, traces, logs) are written to SYNFIN_BUILD_DIR/test-runs/stack_peer-RUN and
 * kept when the test fails or SYNFIN_KEEP is set.
 */
#ifndef SYNFIN_STACK_FIXTURE_H
#define SYNFIN_STACK_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "trace/trace_read.h"

#define NETNS SYNFIN_SOURCE_DIR "/netns/synfin-netns"
#define PEER SYNFIN_BUILD_DIR "/stack/host/synfin-peer"
#define KPEER SYNFIN_BUILD_DIR "/harness/endpoint/synfin-kpeer"
#define FAULTD SYNFIN_BUILD_DIR "/harness/faultd/synfin-faultd"

/* synfin-peer's and synfin-kpeer's exit statuses (their --help). */
#define EXIT_TIMEDOUT 3
#define EXIT_REFUSED 4
#define EXIT_RESET 5
#define EXIT_INTERRUPTED 6

/* got and want are offsets from a common origin; gap is the expected time since the previous
 * event, which sets the tolerance. */
#define ck_assert_on_time(got, want, gap, what)                                                    \
	do {                                                                                       \
		int64_t got_ = (int64_t)(got), want_ = (int64_t)(want);                            \
		int64_t tol_ = synfin_tolerance_us((int64_t)(gap));                                \
		ck_assert_msg(got_ >= want_ - tol_ && got_ <= want_ + tol_,                        \
		              "%s at %.6f s, expected %.6f s +- %.6f s", what, got_ / 1e6,         \
		              want_ / 1e6, tol_ / 1e6);                                            \
	} while (0)

/* Run argv (NULL-terminated) with stdout and stderr to /dev/null or to a file; the pid. */
pid_t spawn(const char *out_path, char *const argv[], bool realtime);
/* Wait up to timeout_ms; the exit status (128 + signal when killed), or -1 on timeout. */
int wait_exit(pid_t pid, unsigned timeout_ms);
/* A whole file as a string to free (NULL when it cannot be read). */
char *slurp(const char *path);
/* Wait until path exists (and, when needle is given, contains it). */
bool wait_for_text(const char *path, const char *needle, unsigned timeout_ms);

/* The JSON Lines of synfin-peer and synfin-kpeer: flat objects, string and number values. The
 * nth (0-based) line of path containing every one of the needles (NULL-terminated), copied into
 * line; false when there is none. */
bool jsonl_line(const char *path, unsigned nth, char *line, size_t size, ...);
bool json_str(const char *line, const char *key, char *out, size_t size);
/* The number under key, -1 when there is none. */
double json_num(const char *line, const char *key);

#define MAX_PROCS 8

struct topo {
	char run[16];
	char dir[256];
	char trace[300];
	bool ipv6; /* up with --ipv6: the endpoints speak IPv6 (fd00::108 to fd00::109) */
	pid_t faultd;
	pid_t procs[MAX_PROCS];
	unsigned n_procs;
};

/* The current test's topology (tests run one at a time in each forked child of the runner). */
extern struct topo T;
/* The Check runner, set by main; each test runs in a child of it. */
extern pid_t runner_pid;
/* synfin-faultd's --seed (its jitter and `chance` draws): fixed unless a test picks one. */
extern unsigned long long faultd_seed;

/* A topology with these endpoint modes (stack|kernel) and synfin-faultd bound to the wire's
 * queue with rules; fails the test when either does not come up. */
void topo_up(const char *client_mode, const char *server_mode, const char *rules);
/* The same topology dual-stack (synfin-netns up --ipv6), the endpoints peer_start starts
 * speaking IPv6; false, the test named test skipped saying why, where ip6tables cannot queue
 * IPv6 (a rootless run without it). */
bool topo_up6(const char *client_mode, const char *server_mode, const char *rules,
              const char *test);
/* Checked fixture, after each test that passed: the topology and its folder go. */
void teardown(void);
/* Unchecked fixture, in the runner after each TCase: every topology of this program's runs. */
void teardown_leftovers(void);

struct peer {
	pid_t pid;
	char name[32];
	char log[300];   /* stderr */
	char jsonl[300]; /* events */
};

/* Start prog (PEER or KPEER) as mode (client|server) in the namespace role, running script,
 * with extra options (NULL-terminated); a server is listening when this returns. */
void peer_start(struct peer *p, const char *name, const char *role, const char *prog,
                const char *mode, const char *script, ...);
/* Wait for the peer's exit up to timeout_ms (killed after it): its exit status, or -1. */
int peer_wait(struct peer *p, unsigned timeout_ms);

#define ck_assert_exit(p, timeout_ms, want)                                                        \
	do {                                                                                       \
		int st_ = peer_wait((p), (timeout_ms));                                            \
		ck_assert_msg(st_ == (want), "%s exited with %d, expected %d (see %s)", (p)->name, \
		              st_, (want), (p)->log);                                              \
	} while (0)

/* The receiver's "eof" event says it read exactly the pattern's first n bytes. */
void assert_received_pattern(const struct peer *p, uint64_t n);
/* The states the peer's connection went through ("SYN-SENT ESTABLISHED ...") are one of the
 * NULL-ended allowed paths. */
void assert_path(const struct peer *p, const char *const *allowed);
/* The peer logged an error event naming err ("ECONNRESET"). */
void assert_error(const struct peer *p, const char *err);

/* The wire's trace, read after the daemon has ended (it writes its last lines then). */
struct trace {
	struct trace_record *r;
	size_t n;
};

void trace_load(struct trace *t);
/* Segments seen with these flags (exact letters, e.g. "S", "R."; NULL: any) in direction dir. */
unsigned trace_count(const struct trace *t, const char *dir, const char *flags);
/* Segments seen with flag set in direction dir. */
unsigned trace_count_flag(const struct trace *t, const char *dir, uint8_t flag);
/* The first seen segment with flag set from dir; its index or -1. */
long trace_first_flag(const struct trace *t, const char *dir, uint8_t flag);
/* Segments the daemon dropped. */
unsigned trace_drops(const struct trace *t);

#endif
