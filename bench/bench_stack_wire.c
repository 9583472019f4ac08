/* bench_stack_wire: synfin's TCP beside Linux's on the real path. One bulk transfer client to
 * server per pairing (linux-linux, stack-linux, linux-stack, stack-stack) through a synfin
 * topology with synfin-faultd passing every segment, under three conditions: nothing added,
 * `delay 25ms` on every segment (each way: RTT 50 ms), and `drop len >0 chance 1%`. Goodput is
 * the server's accept to its EOF; CPU per megabyte is the whole machine's busy time (both ends,
 * the wire, the kernel's softirqs) over the transfer, so the stack's user-space copies and
 * Linux's in-kernel work are counted alike. Rounds are interleaved (every pairing and condition
 * once per round) and medians taken, so a change of the machine's load weighs on all alike.
 *
 * Target (issue "synfin's own TCP, modern"): each pairing with synfin's stack at least 0.8 times
 * linux-linux under every condition.
 *
 * Needs root (tun devices for the stack here); skips (exit 0) otherwise. The topology is always
 * taken down: at exit, on error and on SIGINT/SIGTERM/SIGHUP.
 */
#include <signal.h>
#include <unistd.h>

#include "bench_topo.h"
#include "bench_util.h"

#define MAX_ROUNDS 9

struct pairing {
	const char *name;
	bool client_stack, server_stack;
};

static const struct pairing pairings[] = {
    {"linux-linux", false, false},
    {"stack-linux", true, false},
    {"linux-stack", false, true},
    {"stack-stack", true, true},
};
#define N_PAIRINGS (sizeof(pairings) / sizeof(pairings[0]))

struct condition {
	const char *name;
	const char *rule; /* the rule file's one line, or NULL: no rules */
	const char *size; /* bytes per transfer (endpoint script syntax) */
};

static const struct condition conditions[] = {
    {"no added delay", NULL, "64M"},
    {"delay 25ms each way", "delay 25ms", "16M"},
    {"drop len >0 chance 1%", "drop len >0 chance 1%", "16M"},
};
#define N_CONDITIONS (sizeof(conditions) / sizeof(conditions[0]))

static struct {
	char faultd[4096], kpeer[4096], peer[4096];
} bin;

struct sample {
	double mbit;          /* goodput, Mbit/s */
	double cpu_ms_per_mb; /* the machine's busy CPU per megabyte moved */
};

static struct sample samples[N_CONDITIONS][N_PAIRINGS][MAX_ROUNDS];

static pid_t faultd_on(const struct condition *c)
{
	char rules[300], ready[300], flog[300];
	snprintf(ready, sizeof(ready), "%s/faultd.ready", tmpdir);
	snprintf(flog, sizeof(flog), "%s/faultd.log", tmpdir);
	snprintf(rules, sizeof(rules), "%s/cond.rules", tmpdir);
	unlink(ready);
	FILE *f = fopen(rules, "w");
	if (!f)
		die("cannot write %s", rules);
	fprintf(f, "%s\n", c->rule ? c->rule : "# nothing: every segment passes");
	fclose(f);
	char *argv[] = {bin.faultd, "-q", "0", "--quiet", "--ready", ready, "-r", rules, NULL};
	pid_t pid = spawn_in("wire", argv, flog);
	wait_for(ready, NULL, "synfin-faultd binding queue 0");
	return pid;
}

static void faultd_off(pid_t pid)
{
	kill(pid, SIGTERM);
	if (wait_exit_within(pid, 10) != 0)
		die("synfin-faultd did not exit cleanly (logs in %s)", tmpdir);
}

/* One transfer of c->size client to server; its goodput and the machine's CPU per MB. */
static struct sample transfer(const struct pairing *p, const struct condition *c)
{
	char srv[300], cli[300], script[64];
	snprintf(script, sizeof(script), "connect; send %s; close", c->size);
	double busy = 0;
	struct exchange x = {p->server_stack ? bin.peer : bin.kpeer, "accept; discard; close",
	                     p->client_stack ? bin.peer : bin.kpeer, script, &busy};
	exchange(&x, srv, cli, sizeof(srv));
	unsigned long long bytes = 0;
	double t0 = event_time(srv, "accepted", NULL);
	double t1 = event_time(srv, "eof", &bytes);
	double mb = (double)bytes / 1e6;
	return (struct sample){.mbit = mb * 8 / (t1 - t0), .cpu_ms_per_mb = busy * 1e3 / mb};
}

static double median_of(unsigned ci, unsigned pi, int rounds, bool cpu)
{
	double v[MAX_ROUNDS];
	for (int r = 0; r < rounds; r++)
		v[r] = cpu ? samples[ci][pi][r].cpu_ms_per_mb : samples[ci][pi][r].mbit;
	return median(v, rounds);
}

static void report(int rounds)
{
	char title[160], what[96];
	for (unsigned ci = 0; ci < N_CONDITIONS; ci++) {
		const struct condition *c = &conditions[ci];
		snprintf(title, sizeof(title),
		         "%s: send %s client to server through synfin-faultd, median of %d "
		         "interleaved round(s) (ratio: to linux-linux)",
		         c->name, c->size, rounds);
		bench_header(title);
		double ref = median_of(ci, 0, rounds, false);
		double ref_cpu = median_of(ci, 0, rounds, true);
		for (unsigned pi = 0; pi < N_PAIRINGS; pi++) {
			double g = median_of(ci, pi, rounds, false);
			double cpu = median_of(ci, pi, rounds, true);
			snprintf(what, sizeof(what), "%s: goodput", pairings[pi].name);
			if (pi == 0)
				bench_row(false, what, g, "Mbit/s", "-", "1.00x, %.1f ms CPU/MB",
				          cpu);
			else
				bench_row(true, what, g, "Mbit/s", ">= 0.8 linux",
				          "%.2fx%s, %.1f ms CPU/MB (%.2fx)", g / ref,
				          g / ref < 0.8 ? "  BELOW" : "", cpu, cpu / ref_cpu);
		}
	}
}

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: bench_stack_wire [--quick] [--build DIR] [--rounds N]\n"
	        "  --build DIR   build dir holding harness/faultd/synfin-faultd,\n"
	        "                harness/endpoint/synfin-kpeer and stack/host/synfin-peer\n"
	        "                (default " SYNFIN_BENCH_BUILD_DIR "/..: the tree's build/)\n"
	        "  --rounds N    interleaved rounds, medians taken (3; --quick 1; at most 9)\n");
}

int main(int argc, char **argv)
{
	bool quick = bench_quick(argc, argv);
	const char *build = SYNFIN_BENCH_TREE "/build";
	int rounds = quick ? 1 : 3;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0)
			continue;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (i + 1 < argc && strcmp(argv[i], "--build") == 0)
			build = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--rounds") == 0)
			rounds = atoi(argv[++i]);
		else {
			usage(stderr);
			return 64;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS) {
		usage(stderr);
		return 64;
	}
	printf("bench_stack_wire: synfin's TCP and Linux's, client to server through "
	       "synfin-faultd%s\n",
	       quick ? " (quick)" : "");
	if (geteuid() != 0) {
		printf("  skipped: needs root (network namespaces, tun devices, NFQUEUE)\n");
		return 0;
	}
	snprintf(bin.faultd, sizeof(bin.faultd), "%s/harness/faultd/synfin-faultd", build);
	snprintf(bin.kpeer, sizeof(bin.kpeer), "%s/harness/endpoint/synfin-kpeer", build);
	snprintf(bin.peer, sizeof(bin.peer), "%s/stack/host/synfin-peer", build);
	snprintf(netns_script, sizeof(netns_script), "%s/netns/synfin-netns", SYNFIN_BENCH_TREE);
	const char *need[] = {bin.faultd, bin.kpeer, bin.peer, netns_script};
	for (int i = 0; i < 4; i++) {
		if (access(need[i], X_OK)) {
			fprintf(
			    stderr,
			    "bench_stack_wire: %s is missing: build it (./synfin build, or pass "
			    "--build DIR)\n",
			    need[i]);
			return 1;
		}
	}
	topology_start();
	for (int r = 0; r < rounds; r++) {
		for (unsigned pi = 0; pi < N_PAIRINGS; pi++) {
			const struct pairing *p = &pairings[pi];
			topology_kinds(p->client_stack ? "stack" : "kernel",
			               p->server_stack ? "stack" : "kernel");
			for (unsigned ci = 0; ci < N_CONDITIONS; ci++) {
				fprintf(stderr, "  round %d/%d: %s, %s\n", r + 1, rounds, p->name,
				        conditions[ci].name);
				pid_t faultd = faultd_on(&conditions[ci]);
				samples[ci][pi][r] = transfer(p, &conditions[ci]);
				faultd_off(faultd);
			}
		}
	}
	topology_down();
	report(rounds);
	return 0;
}
