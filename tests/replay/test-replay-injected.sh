#!/usr/bin/env bash
# test-replay-injected.sh SYNFIN_SCENARIO SYNFIN_FAULTD: a case whose rules forge segments
# (injected.scn: a blind in-window RST and a duplicated FIN, linux-linux) passes, and replayed
# three times from its verdict journal under another seed it passes again with the same
# decisions and the same injected segments (INJECTED rule N in the trace: flags, relative
# sequence numbers, rule), the reset's and duplicate's parameters taken from the case's rule
# file. A corrupt with its checksum fixed, replayed, damages the same bit (the server reads the
# same bytes). Then the daemon alone refuses that journal with rules it was not written with
# (exit 2, before binding any queue), and shrink refuses it (exit 1). Needs root (or a user
# namespace); exits 77 to be reported as skipped.
set -u
scenario=$1
faultd=$2
pair=linux-linux
here=$(cd "$(dirname "$0")" && pwd)
case_file=$here/injected.scn
runs=$(mktemp -d /tmp/synfin-replay-injected.XXXXXX)
trap 'rm -rf "$runs"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# every decision but the passes, in the order of the journal
decisions() { tail -n +2 "$1" | grep -v '"verdict":"pass"'; }
# the segments the daemon made, without their times, ports and timestamps
injected() {
	grep 'INJECTED rule' "$1" |
		sed -E 's/^ *[0-9:.]+ //; s/\.[0-9]+ > /.PORT > /; s/\.[0-9]+: Flags/.PORT: Flags/;
			s/TS val [0-9]+ ecr [0-9]+/TS/'
}

"$scenario" run "$case_file" --pair "$pair" --seed 3 --runs "$runs/original" >"$runs/original.out" 2>&1
rc=$?
if grep -q "is skipped\|skipped:" "$runs/original.out" && [ $rc -eq 0 ]; then
	cat "$runs/original.out"
	exit 77
fi
[ $rc -eq 0 ] || { cat "$runs/original.out"; fail "the case did not pass (exit $rc)"; }
dir=$(echo "$runs"/original/*/)
journal=$dir/journal.jsonl
want_decisions=$(decisions "$journal")
grep -q '"verdict":"reset"' <<<"$want_decisions" || fail "no reset in $journal"
grep -q '"verdict":"duplicate"' <<<"$want_decisions" || fail "no duplicate in $journal"
want_injected=$(injected "$dir/trace.txt")
n=$(printf '%s\n' "$want_injected" | grep -c . || true)
[ "$n" -eq 2 ] || fail "the original injected $n segments, not 2 (an RST and a FIN): $dir/trace.txt"
echo "original: $(printf '%s\n' "$want_decisions" | wc -l) decisions (reset, duplicate), $n injected segments"

for i in 1 2 3; do
	out=$runs/replay$i
	"$scenario" run "$case_file" --pair "$pair" --seed 99 --replay "$journal" --runs "$out" \
		>"$out.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || { cat "$out.out"; fail "replay $i: the case did not pass (exit $rc)"; }
	rdir=$(echo "$out"/*/)
	got=$(decisions "$rdir/journal.jsonl")
	[ "$got" = "$want_decisions" ] ||
		fail "replay $i decided otherwise:"$'\n'"want:"$'\n'"$want_decisions"$'\n'"got:"$'\n'"$got"
	got=$(injected "$rdir/trace.txt")
	[ "$got" = "$want_injected" ] ||
		fail "replay $i injected other segments:"$'\n'"want:"$'\n'"$want_injected"$'\n'"got:"$'\n'"$got"
	summary=$(grep '^replay: ' "$rdir/faultd.log") || fail "replay $i: no replay summary in faultd.log"
	echo "replay $i: passes, the same decisions and injected segments; $summary"
done

# corrupt flips the bit its rule draws under the journal's seed, not the run's: the server reads
# the same damaged bytes as in the original, and other ones under seed 99 drawing for itself
corrupt_case=$here/../scenarios/data-corrupt-fixed-checksum.scn
received() { sed -n 's/.*"what":"eof","bytes":\([0-9]*\),"hash":"\([0-9a-f]*\)".*/\1 bytes, hash \2/p' "$1"/*/server.jsonl; }
corrupt_run() {
	local name=$1
	shift
	"$scenario" run "$corrupt_case" --pair "$pair" "$@" --runs "$runs/$name" >"$runs/$name.out" 2>&1 ||
		{ cat "$runs/$name.out"; fail "the corrupt case did not pass ($name)"; }
}
corrupt_run c3 --seed 3
corrupt_run c99 --seed 99
corrupt_run replay --seed 99 --replay "$(echo "$runs"/c3/*/journal.jsonl)"
want=$(received "$runs/c3")
[ -n "$want" ] || fail "no hash of what the server read in $runs/c3"
[ "$(received "$runs/replay")" = "$want" ] ||
	fail "the replayed corrupt flipped another bit: $(received "$runs/replay"), not $want"
[ "$(received "$runs/c99")" != "$want" ] ||
	fail "seeds 3 and 99 flip the same bit: the comparison proves nothing"
echo "corrupt: the replay under seed 99 reads what seed 3 read ($want); seed 99 alone does not"

# the rules of another file: the reset's rule is not on line 7 there
printf 'reset in-window keep from client len >0 once\n\nduplicate fin from client\n' >"$runs/other.rules"
# (bounded: a daemon that did not refuse would bind the queue and wait for packets)
timeout 10 "$faultd" -q 0 -r "$runs/other.rules" --replay "$journal" --text /dev/null \
	>"$runs/refused.out" 2>&1
rc=$?
[ $rc -eq 2 ] || { cat "$runs/refused.out"; fail "a replay with other rules exited $rc, not 2"; }
grep -q "$journal:[0-9]*: 'reset' by rule 1 (injected.rules:7), which the rules loaded here do not have: replay with the rule file the journal was written with (injected.rules)" \
	"$runs/refused.out" || { cat "$runs/refused.out"; fail "no positioned refusal"; }
echo "other rules: refused, exit 2: $(grep -o "'reset' by rule.*" "$runs/refused.out")"
# shrink writes exact rules, which cannot forge a reset: it refuses the journal before any run
"$scenario" shrink "$case_file" --pair "$pair" --journal "$journal" --out "$runs/shrink" \
	>"$runs/shrink.out" 2>&1
rc=$?
[ $rc -eq 1 ] || { cat "$runs/shrink.out"; fail "shrink of a journal with a reset exited $rc, not 1"; }
grep -q "journal.jsonl:[0-9]*: conn 1 c2s \[P.\] .*: reset (rule injected.rules:7): shrink leaves out drops and delays" \
	"$runs/shrink.out" || { cat "$runs/shrink.out"; fail "shrink did not say which decision"; }
[ ! -e "$runs/shrink/trials/01.jsonl" ] || fail "shrink ran a trial of a journal it refuses"
echo "shrink: refused, exit 1: $(grep -o 'reset (rule.*' "$runs/shrink.out")"
echo "PASS"
