/* bench_load.h: the load tables of bench_faultd (goodput through each kind of consumer, delay
 * precision under load, held-packet capacity), measured in the topology bench_topo.h brings
 * up. */
#ifndef SYNFIN_BENCH_LOAD_H
#define SYNFIN_BENCH_LOAD_H

#include <stdbool.h>

struct load_opts {
	const char *faultd;    /* synfin-faultd */
	const char *bench_dir; /* bench_nfq, bench_tcpload, bench_wirecap */
	bool quick;
	int rounds;       /* interleaved rounds of the goodput and delay tables (median taken) */
	double seconds;   /* per goodput measurement */
	int held;         /* segments sent to be held at once */
	const char *only; /* NULL, or one table: goodput, delay, held */
};

/* Measures and prints the tables; the topology is up, no consumer bound, FORWARD empty. */
void load_tables(const struct load_opts *o);

#endif
