/* bench_util.h: clocks and the result table shared by the benchmark programs.
 *
 * Every program prints one table: what was measured, the number, its unit, the target and the
 * ratio (to the target, or to a baseline measured in the same run). Rows marked as headline
 * are also appended, tab-separated, to the file named by $BENCH_SUMMARY, from which bench/run
 * prints its summary.
 */
#ifndef SYNFIN_BENCH_UTIL_H
#define SYNFIN_BENCH_UTIL_H

#include <malloc.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CPU time of this process: what a shared, noisy machine disturbs least. */
static inline uint64_t bench_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Bytes of heap in use: malloc's arena plus the large blocks it took straight from mmap. 0 where
 * the allocator does not keep the count (AddressSanitizer's). */
static inline size_t bench_heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

/* Keeps the compiler from deleting work whose result is otherwise unused. */
static volatile uint64_t bench_sink;

static inline bool bench_quick(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0)
			return true;
	}
	return false;
}

static inline void bench_header(const char *title)
{
	printf("\n%s\n", title);
	printf("  %-46s %14s %-9s %-16s %s\n", "measured", "value", "unit", "target", "ratio");
	printf("  %-46s %14s %-9s %-16s %s\n", "----------------------------------------------",
	       "--------------", "---------", "----------------", "------------------");
}

/* SI-scaled number: 1234567 -> "1.23M". */
static inline void bench_si(char *buf, size_t size, double v)
{
	const char *suffix = "";
	if (v >= 1e9) {
		v /= 1e9;
		suffix = "G";
	} else if (v >= 1e6) {
		v /= 1e6;
		suffix = "M";
	} else if (v >= 1e4) {
		v /= 1e3;
		suffix = "k";
	}
	snprintf(buf, size, "%.3g%s", v, suffix);
}

/* One row. target: text such as ">= 1M/s" or "-" for a row that is only informative. ratio:
 * free text ("1.35x target", "0.42x parse"). headline: also written to $BENCH_SUMMARY. */
static inline void bench_row(bool headline, const char *what, double value, const char *unit,
                             const char *target, const char *ratio_fmt, ...)
{
	char num[32], ratio[96] = "";
	if (value >= 1e4)
		bench_si(num, sizeof(num), value);
	else
		snprintf(num, sizeof(num), "%.4g", value);
	if (ratio_fmt) {
		va_list ap;
		va_start(ap, ratio_fmt);
		vsnprintf(ratio, sizeof(ratio), ratio_fmt, ap);
		va_end(ap);
	}
	printf("  %-46s %14s %-9s %-16s %s\n", what, num, unit, target, ratio);
	fflush(stdout);
	const char *path = getenv("BENCH_SUMMARY");
	if (headline && path && *path) {
		FILE *f = fopen(path, "a");
		if (f) {
			fprintf(f, "%s\t%s\t%s\t%s\t%s\n", what, num, unit, target, ratio);
			fclose(f);
		}
	}
}

/* "1.35x target (ok)" / "0.80x target (BELOW)" for a higher-is-better target. */
static inline const char *bench_verdict(double ratio)
{
	return ratio >= 1.0 ? "ok" : "BELOW";
}

#endif
