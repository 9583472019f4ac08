#!/bin/sh
# Build the fuzz targets with clang into BUILD (default: <repo>/build-fuzz) and, given target
# names, run each one for SECONDS (default 300) from its committed seeds:
#   tests/fuzz/build.sh                       # build only
#   tests/fuzz/build.sh fuzz_rules fuzz_pcap  # build, then fuzz each for 5 minutes
#   SECONDS_PER_TARGET=60 tests/fuzz/build.sh fuzz_segment
# The working corpus grows in BUILD/corpus/<target> (seeded from tests/fuzz/corpus/<what>);
# crashes, hangs and leaks land in BUILD/artifacts/<target>/, and the log in BUILD/<target>.log.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD:-$root/build-fuzz}
secs=${SECONDS_PER_TARGET:-300}

cmake -S "$here" -B "$build" -DCMAKE_C_COMPILER="${CC:-clang}" >/dev/null
cmake --build "$build" -j"$(nproc)"

for t in "$@"; do
	what=${t#fuzz_}
	mkdir -p "$build/corpus/$t" "$build/artifacts/$t"
	seeds=
	[ -d "$here/corpus/$what" ] && seeds="$here/corpus/$what"
	echo "== $t for ${secs}s (log: $build/$t.log)"
	# -timeout=2: an input that takes longer is a hang; -rss_limit_mb: runaway allocation
	"$build/$t" -max_total_time="$secs" -timeout=2 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$build/artifacts/$t/" "$build/corpus/$t" $seeds \
		>"$build/$t.log" 2>&1 || echo "   $t stopped with a finding: see the log"
	grep -E '^stat::number_of_executed_units|^#[0-9]+.*(DONE|cov:)' "$build/$t.log" | tail -2
done
