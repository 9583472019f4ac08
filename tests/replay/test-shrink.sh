#!/usr/bin/env bash
# test-shrink.sh SYNFIN_SCENARIO [PAIR [FAMILY]]: a case that fails under 5% random loss on purpose
# (lossy-shrink.scn, seed 18: the third, seventh and eleventh requests are lost; the draws
# are a hash of the seed and each segment's identity, so the same ones every run) is shrunk: the
# shrink must end 1-minimal with one or two exact rules (no chance), prove them alone on a
# fresh run, fail at the original's expectation line, leave no namespace behind, and take
# under 3 minutes. Needs root (or a user namespace); exits 77 to be reported as skipped.
set -u
scenario=$1
pair=${2:-linux-linux}
family=${3:-ipv4}
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d /tmp/synfin-shrink.XXXXXX)
trap 'rm -rf "$out"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

start=$(date +%s)
"$scenario" shrink "$here/lossy-shrink.scn" --pair "$pair" --family "$family" --seed 18 --out "$out/shrink" \
	>"$out/shrink.out" 2>&1 &
pid=$!
wait "$pid"
rc=$?
took=$(($(date +%s) - start))
cat "$out/shrink.out"
if [ $rc -eq 1 ] && grep -q "cannot run cases here" "$out/shrink.out"; then
	exit 77
fi
[ $rc -eq 0 ] || fail "shrink exited $rc"
rules=$(grep -v '^#' "$out/shrink/shrunk.rules" | grep -c .)
[ "$rules" -ge 1 ] && [ "$rules" -le 2 ] || fail "$rules exact rules, not one or two"
grep -v '^#' "$out/shrink/shrunk.rules" | grep -q 'chance' && fail "a rule of shrunk.rules draws"
grep -qE '^[[:space:]]*rule[[:space:]]' "$out/shrink/lossy-shrink.scn" && fail "the rewritten case kept a rule line"
# the expectation that failed first, by the original run and by the proof on the rules alone
want=$(grep -m1 '^ *>>' "$out/shrink/original/report.txt" | cut -d'|' -f1 | sed 's/  */ /g')
got=$(grep -m1 '^ *>>' "$out/shrink/proof/report.txt" | cut -d'|' -f1 | sed 's/  */ /g')
[ -n "$want" ] && [ "$want" = "$got" ] || fail "the proof failed at '$got', not '$want'"
grep -q '^proof: the rules alone' "$out/shrink/report.txt" || fail "no proof in report.txt"
grep -q '1-minimal' "$out/shrink/report.txt" || fail "the shrink did not end 1-minimal"
# this shrink's own trials only (synfin-k<pid><trial>-...): another suite's may be running
trials_of_this=$(printf '^synfin-k%x[0-9a-f]{3}-' $((pid & 0xfffff)))
left=$(ip netns list 2>/dev/null | grep -cE "$trials_of_this" || true)
[ "$left" -eq 0 ] || fail "$left namespace(s) of the trials left behind"
[ "$took" -lt 180 ] || fail "the shrink took $took s, not under 180"
trials=$(grep -oE '^[0-9]+ trial\(s\)' "$out/shrink/report.txt")
echo "PASS: $rules exact rule(s), fails at: $want; $trials; $took s"
