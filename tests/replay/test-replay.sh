#!/usr/bin/env bash
# test-replay.sh SYNFIN_SCENARIO [PAIR]: a case that fails under random loss on purpose
# (lossy-requests.scn, seed 18: the wire drops data segments the expectation needs) is replayed
# five times from its verdict journal, under another seed, and every replay makes the same
# decisions: the same drops, by the segments' identity (connection, direction, flags, relative
# seq and ack, length, attempt), whatever the run's ports and ISNs, and the case fails at the
# same expectation. Needs root (or a user namespace); exits 77 to be reported as skipped.
set -u
scenario=$1
pair=${2:-linux-linux}
here=$(cd "$(dirname "$0")" && pwd)
case_file=$here/lossy-requests.scn
runs=$(mktemp -d /tmp/synfin-replay.XXXXXX)
trap 'rm -rf "$runs"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# the identity of every dropped segment, in the order of the journal
drops() { sed -n 's/,"verdict":"drop".*//p' "$1"; }
# the first expectation that failed, as the report marks it
first_failure() { grep -m1 '^ *>>' "$1" | cut -d'|' -f1 | sed 's/  */ /g'; }

"$scenario" run "$case_file" --pair "$pair" --seed 18 --runs "$runs/original" >"$runs/original.out" 2>&1
rc=$?
if grep -q "is skipped\|skipped:" "$runs/original.out" && [ $rc -eq 0 ]; then
	cat "$runs/original.out"
	exit 77
fi
[ $rc -eq 1 ] || { cat "$runs/original.out"; fail "the lossy case did not fail (exit $rc)"; }
dir=$(echo "$runs"/original/*/)
journal=$dir/journal.jsonl
[ -s "$journal" ] || fail "no journal in $dir"
want_drops=$(drops "$journal")
n=$(printf '%s\n' "$want_drops" | grep -c . || true)
[ "$n" -ge 1 ] || fail "seed 18 dropped nothing: $journal"
want_failure=$(first_failure "$dir/report.txt")
[ -n "$want_failure" ] || fail "no failed expectation marked in $dir/report.txt"
echo "original: $n drop(s) of $(($(wc -l <"$journal") - 1)) decisions; fails at: $want_failure"

for i in 1 2 3 4 5; do
	out=$runs/replay$i
	"$scenario" run "$case_file" --pair "$pair" --seed 99 --replay "$journal" --runs "$out" \
		>"$out.out" 2>&1
	rc=$?
	[ $rc -eq 1 ] || { cat "$out.out"; fail "replay $i: the case did not fail (exit $rc)"; }
	rdir=$(echo "$out"/*/)
	got_drops=$(drops "$rdir/journal.jsonl")
	[ "$got_drops" = "$want_drops" ] ||
		fail "replay $i dropped other segments:"$'\n'"want:"$'\n'"$want_drops"$'\n'"got:"$'\n'"$got_drops"
	got_failure=$(first_failure "$rdir/report.txt")
	[ "$got_failure" = "$want_failure" ] ||
		fail "replay $i failed elsewhere: '$got_failure', not '$want_failure'"
	grep -q '^replay: ' "$rdir/faultd.log" || fail "replay $i: no replay summary in faultd.log"
	echo "replay $i: same $n drop(s), fails at the same line; $(grep '^replay: ' "$rdir/faultd.log")"
done
echo "PASS"
