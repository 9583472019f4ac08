/* bench_faultd: the real path. A synfin topology (netns/synfin-netns) with Linux TCP at both
 * ends (synfin-kpeer), measured twice: with synfin-faultd in the wire namespace passing every
 * segment through NFQUEUE (no rules, no trace), and with the NFQUEUE rule removed so the bridge
 * forwards on its own. Printed: bulk throughput both ways and their ratio, and the round-trip
 * time of 1-byte request/response exchanges, from which the latency the daemon adds per packet
 * follows (each exchange crosses the wire twice).
 *
 * Targets: >= 125 MB/s (1 Gb/s) through the daemon, so a test of bulk transfer is not bound by
 * the harness at the rates tests use; <= 50 us added per packet, well under the 1 ms-scale
 * delays and timer tolerances (4 ms) the tests work with.
 *
 * Then, in the same topology, the load tables (bench_load.c): goodput through each kind of
 * queue consumer, delay precision under load measured on the bridge ports, and how many packets
 * the daemon can hold at once.
 *
 * Needs root; skips (exit 0) with a message otherwise. The topology is always taken down: at
 * exit, on error and on SIGINT/SIGTERM/SIGHUP.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <unistd.h>

#include "bench_load.h"
#include "bench_topo.h"
#include "bench_util.h"

struct paths {
	char faultd[4096], kpeer[4096];
};

static struct paths bin;
/* Bulk: MB/s from the server's accept to its EOF. */
static double bulk(const char *size)
{
	char srv[300], cli[300], script[64];
	snprintf(script, sizeof(script), "connect; send %s; close", size);
	struct exchange x = {bin.kpeer, "accept; discard; close", bin.kpeer, script, NULL};
	exchange(&x, srv, cli, sizeof(srv));
	unsigned long long bytes = 0;
	double t0 = event_time(srv, "accepted", NULL);
	double t1 = event_time(srv, "eof", &bytes);
	return (double)bytes / 1e6 / (t1 - t0);
}

/* The times of every kpeer JSON event with "what":what, in order; returns how many (at most
 * max). */
static size_t event_times(const char *path, const char *what, double *t, size_t max)
{
	FILE *f = fopen(path, "r");
	if (!f)
		die("no event log %s", path);
	char line[4096], key[64];
	snprintf(key, sizeof(key), "\"what\":\"%s\"", what);
	size_t n = 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		if (strstr(line, key) && sscanf(line, "{\"t\":%lf", &t[n]) == 1)
			n++;
	}
	fclose(f);
	return n;
}

struct rtt {
	double mean_us;   /* connected to the last read, over the rounds */
	double median_us; /* of the single rounds: robust to a round that waited for a CPU */
};

/* Request/response: 1 byte each way, rounds times, the server echoing. */
static struct rtt pingpong(unsigned rounds)
{
	char srv[300], cli[300];
	size_t cap = 16 * (size_t)rounds + 32;
	char *script = malloc(cap);
	double *t = malloc((rounds + 1) * sizeof(*t));
	if (!script || !t)
		die("out of memory");
	size_t off = (size_t)snprintf(script, cap, "connect");
	for (unsigned i = 0; i < rounds; i++)
		off += (size_t)snprintf(script + off, cap - off, "; send 1; read 1");
	snprintf(script + off, cap - off, "; close");
	struct exchange x = {bin.kpeer, "accept; echo; close", bin.kpeer, script, NULL};
	exchange(&x, srv, cli, sizeof(srv));
	free(script);
	t[0] = event_time(cli, "connected", NULL);
	if (event_times(cli, "read", t + 1, rounds) != rounds)
		die("fewer than %u reads logged in %s", rounds, cli);
	struct rtt r = {.mean_us = (t[rounds] - t[0]) * 1e6 / rounds};
	for (unsigned i = 0; i < rounds; i++)
		t[i] = (t[i + 1] - t[i]) * 1e6;
	r.median_us = median(t, (int)rounds);
	free(t);
	return r;
}

struct measure {
	double mbps;
	struct rtt rtt;
};

struct samples {
	double mbps[9], mean[9], med[9];
};

static void sample(struct samples *sm, int i, const char *size, unsigned rounds)
{
	sm->mbps[i] = bulk(size);
	struct rtt r = pingpong(rounds);
	sm->mean[i] = r.mean_us;
	sm->med[i] = r.median_us;
}

static struct measure summarize(struct samples *sm, int reps)
{
	return (struct measure){median(sm->mbps, reps),
	                        {median(sm->mean, reps), median(sm->med, reps)}};
}

static char flog[300], ready[300];

/* synfin-faultd bound to queue 0 in the wire namespace, and the topology's NFQUEUE rule. */
static pid_t daemon_on(bool add_rule)
{
	if (add_rule) {
		char *add[] = {netns_script, "exec",        run_id, "wire", "iptables",
		               "-A",         "FORWARD",     "-p",   "tcp",  "-j",
		               "NFQUEUE",    "--queue-num", "0",    NULL};
		if (run(add, log_path))
			die("iptables -A FORWARD ... NFQUEUE in the wire namespace failed (see %s)",
			    log_path);
	}
	unlink(ready);
	char *fargv[] = {netns_script, "exec",    run_id,    "wire", bin.faultd, "-q",
	                 "0",          "--quiet", "--ready", ready,  NULL};
	pid_t pid = spawn(fargv, flog);
	wait_for(ready, NULL, "synfin-faultd binding queue 0");
	return pid;
}

/* The daemon stopped and the NFQUEUE rule gone: the bridge forwards on its own. */
static void daemon_off(pid_t pid)
{
	kill(pid, SIGTERM);
	int rc = wait_exit(pid);
	if (rc)
		die("synfin-faultd exited %d (see %s)", rc, flog);
	/* Its exit summary says how many segments it saw: the transfers must have gone through
	 * it, not around it. */
	FILE *f = fopen(flog, "r");
	char line[512];
	unsigned long long seen = 0;
	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "totals: seen %llu", &seen);
	if (f)
		fclose(f);
	if (seen < 1000)
		die("synfin-faultd saw %llu segments: the traffic did not go through it (see %s)",
		    seen, flog);
	char *flush[] = {netns_script, "exec", run_id, "wire", "iptables", "-F", "FORWARD", NULL};
	if (run(flush, log_path))
		die("iptables -F FORWARD in the wire namespace failed (see %s)", log_path);
}

/* The kpeer tables: bulk MB/s and 1-byte round trips, with and without the daemon. */
static void kpeer_tables(const char *size, unsigned rounds, int reps)
{
	/* With and without the daemon alternate, so a change in the machine's load between runs
	 * weighs on both alike. */
	static struct samples on, off;
	for (int i = 0; i < reps; i++) {
		pid_t faultd = daemon_on(i > 0);
		sample(&on, i, size, rounds);
		daemon_off(faultd);
		sample(&off, i, size, rounds);
	}
	struct measure with = summarize(&on, reps), without = summarize(&off, reps);

	char what[96];
	bench_header("bulk transfer (server's accept to EOF), median of runs");
	snprintf(what, sizeof(what), "through synfin-faultd, send %s", size);
	bench_row(true, what, with.mbps, "MB/s", ">= 125 MB/s", "%.2fx target, %.2fx bridge only%s",
	          with.mbps / 125.0, with.mbps / without.mbps, with.mbps < 125 ? "  BELOW" : "");
	snprintf(what, sizeof(what), "bridge only (NFQUEUE rule removed), send %s", size);
	bench_row(false, what, without.mbps, "MB/s", "-", NULL);

	bench_header("1-byte request/response round trips (median of runs)");
	snprintf(what, sizeof(what), "median round trip, synfin-faultd (%u rounds)", rounds);
	bench_row(false, what, with.rtt.median_us, "us", "-", "%.2fx bridge only",
	          with.rtt.median_us / without.rtt.median_us);
	bench_row(false, "median round trip, bridge only", without.rtt.median_us, "us", "-", NULL);
	double added = (with.rtt.median_us - without.rtt.median_us) / 2;
	bench_row(true, "latency added per packet by synfin-faultd", added, "us", "<= 50 us",
	          "%.2fx target%s (median round)", added / 50.0, added > 50 ? "  ABOVE" : "");
	bench_row(false, "mean round trip, synfin-faultd", with.rtt.mean_us, "us", "-",
	          "%.2fx bridge only", with.rtt.mean_us / without.rtt.mean_us);
	bench_row(false, "mean round trip, bridge only", without.rtt.mean_us, "us", "-", NULL);
	double added_mean = (with.rtt.mean_us - without.rtt.mean_us) / 2;
	bench_row(true, "latency added per packet, mean round", added_mean, "us", "-",
	          "%.2fx the median's (CPU waits incl.)", added_mean / added);
}

static void usage(FILE *out)
{
	fprintf(out, "usage: bench_faultd [--quick] [--build DIR] [--size N] [--rounds N] "
	             "[--reps N]\n"
	             "  --build DIR   build dir holding harness/faultd/synfin-faultd and\n"
	             "                harness/endpoint/synfin-kpeer (default /work/main/build)\n"
	             "  --size N      bytes per bulk transfer, kpeer syntax (200M; --quick 50M)\n"
	             "  --rounds N    1-byte round trips per latency run (1000; --quick 200)\n"
	             "  --reps N      runs of each, alternating, median taken (5; --quick 1;\n"
	             "                at most 9)\n"
	             "  --load-only   only the load tables (goodput per consumer, delay 10ms\n"
	             "                under load, held packets)\n"
	             "  --load-rounds N  interleaved rounds of the goodput and delay tables\n"
	             "                (3; --quick 1; at most 9)\n"
	             "  --seconds S   per goodput measurement (5; --quick 2)\n"
	             "  --held N      segments to hold at once (120000)\n"
	             "  --only T      only one load table: goodput, delay or held\n");
}

int main(int argc, char **argv)
{
	bool quick = bench_quick(argc, argv);
	const char *build = "/work/main/build";
	const char *size = quick ? "50M" : "200M";
	unsigned rounds = quick ? 200 : 1000;
	int reps = quick ? 1 : 5;
	bool load_only = false;
	struct load_opts lo = {
	    .quick = quick, .rounds = quick ? 1 : 3, .seconds = quick ? 2 : 5, .held = 120000};
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0)
			continue;
		if (strcmp(argv[i], "--load-only") == 0) {
			load_only = true;
			continue;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (i + 1 >= argc) {
			usage(stderr);
			return 64;
		}
		if (strcmp(argv[i], "--build") == 0)
			build = argv[++i];
		else if (strcmp(argv[i], "--size") == 0)
			size = argv[++i];
		else if (strcmp(argv[i], "--rounds") == 0)
			rounds = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--reps") == 0)
			reps = atoi(argv[++i]);
		else if (strcmp(argv[i], "--load-rounds") == 0)
			lo.rounds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--seconds") == 0)
			lo.seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--held") == 0)
			lo.held = atoi(argv[++i]);
		else if (strcmp(argv[i], "--only") == 0) {
			lo.only = argv[++i];
			load_only = true;
		} else {
			usage(stderr);
			return 64;
		}
	}
	if (reps < 1 || reps > 9 || rounds < 1 || lo.rounds < 1 || lo.rounds > 9 ||
	    lo.seconds <= 0 || lo.held < 1 ||
	    (lo.only && strcmp(lo.only, "goodput") && strcmp(lo.only, "delay") &&
	     strcmp(lo.only, "held"))) {
		usage(stderr);
		return 64;
	}

	printf("bench_faultd: Linux TCP both ends, bridge in the wire namespace, with and without "
	       "synfin-faultd on NFQUEUE%s\n",
	       quick ? " (quick)" : "");
	if (geteuid() != 0) {
		printf("  skipped: needs root (network namespaces, iptables, NFQUEUE)\n");
		return 0;
	}
	snprintf(bin.faultd, sizeof(bin.faultd), "%s/harness/faultd/synfin-faultd", build);
	snprintf(bin.kpeer, sizeof(bin.kpeer), "%s/harness/endpoint/synfin-kpeer", build);
	snprintf(netns_script, sizeof(netns_script), "%s/netns/synfin-netns", SYNFIN_BENCH_TREE);
	const char *need[] = {bin.faultd, bin.kpeer, netns_script};
	for (int i = 0; i < 3; i++) {
		if (access(need[i], X_OK)) {
			fprintf(stderr,
			        "bench_faultd: %s is missing: build it (or pass --build DIR)\n",
			        need[i]);
			return 1;
		}
	}

	topology_start();
	snprintf(ready, sizeof(ready), "%s/faultd.ready", tmpdir);
	snprintf(flog, sizeof(flog), "%s/faultd.log", tmpdir);

	if (!load_only)
		kpeer_tables(size, rounds, reps);
	lo.faultd = bin.faultd;
	lo.bench_dir = SYNFIN_BENCH_BUILD_DIR "/bench";
	load_tables(&lo);
	topology_down();
	return 0;
}
