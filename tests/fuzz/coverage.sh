#!/bin/sh
# Source coverage of the fuzz corpora: builds the targets with clang's coverage mapping into
# COVBUILD (default <repo>/build-fuzz-cov), runs each given target once over its corpus
# (BUILD/corpus/<target>, as tests/fuzz/build.sh leaves it, plus the committed seeds) and prints
# llvm-cov's per-file report for the code under test.
#   tests/fuzz/coverage.sh fuzz_rules fuzz_stack_input
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD:-$root/build-fuzz}
cov=${COVBUILD:-$root/build-fuzz-cov}
llvm_cov=${LLVM_COV:-llvm-cov}
llvm_profdata=${LLVM_PROFDATA:-llvm-profdata}

cmake -S "$here" -B "$cov" -DCMAKE_C_COMPILER="${CC:-clang}" \
	-DCMAKE_C_FLAGS="-fprofile-instr-generate -fcoverage-mapping" \
	-DCMAKE_EXE_LINKER_FLAGS="-fprofile-instr-generate" >/dev/null
cmake --build "$cov" -j"$(nproc)" >/dev/null
mkdir -p "$cov/prof"

for t in "$@"; do
	what=${t#fuzz_}
	case $what in
	segment) src="harness/wire/segment.c harness/trace/trace_text.c harness/trace/trace_json.c" ;;
	rules) src="harness/rules/rule_parse.c harness/rules/rule_words.c harness/rules/rule_match.c" ;;
	trace_read) src="harness/trace/trace_read.c" ;;
	journal) src="harness/trace/journal.c" ;;
	pcap) src="harness/trace/pcap_file.c" ;;
	peer_script) src="harness/endpoint/peer_script.c" ;;
	stack_input) src=$(cd "$root" && ls stack/*.c) ;;
	scenario) src="harness/scenario/scenario_parse.c harness/scenario/scenario_endpoint.c harness/scenario/scenario_values.c harness/scenario/pairing.c harness/scenario/resolve.c harness/scenario/conversation_match.c" ;;
	impl) src="harness/scenario/impl_parse.c harness/scenario/pairing.c" ;;
	*) src= ;;
	esac
	dirs=
	[ -d "$build/corpus/$t" ] && dirs="$build/corpus/$t"
	[ -d "$here/corpus/$what" ] && dirs="$dirs $here/corpus/$what"
	rm -f "$cov/prof/$t.profraw"
	LLVM_PROFILE_FILE="$cov/prof/$t.profraw" "$cov/$t" -runs=0 $dirs >/dev/null 2>&1 || true
	"$llvm_profdata" merge -o "$cov/prof/$t.profdata" "$cov/prof/$t.profraw"
	echo "== $t"
	(cd "$root" && "$llvm_cov" report "$cov/$t" -instr-profile="$cov/prof/$t.profdata" $src)
done
