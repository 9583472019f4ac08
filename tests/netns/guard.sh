#!/usr/bin/env bash
# guard.sh PROGRAM [ARGS...]: run one namespace test program and, however it ends (passed,
# failed, crashed, or interrupted with Ctrl-C), remove every synfin topology that appeared while
# it ran, with the processes left inside. A test program names its runs with two letters and
# its own pid (fd1234567a) or the pid's last five digits (sp345670001), so only its own
# topologies are touched, never those of another run going on beside it.
set -u
netns="$(cd "$(dirname "$0")/../.." && pwd)/netns/synfin-netns"

runs() { ip netns list 2>/dev/null | sed -n 's/^synfin-\([a-z0-9]*\)-[a-z]*\( .*\)\{0,1\}$/\1/p' | sort -u; }

before=$(runs)
errlog=$(mktemp)
"$@" 2> >(tee "$errlog" >&2) &
child=$!
interrupted=0
trap 'interrupted=1; kill -TERM "$child" 2>/dev/null' INT TERM HUP

# wait returns early when a trapped signal arrives: wait again until the child is gone.
while :; do
	wait "$child"
	rc=$?
	kill -0 "$child" 2>/dev/null || break
done

mine="^[a-z][a-z]($child|$(printf '%05d' $((child % 100000))))"
left=$(comm -13 <(echo "$before") <(runs) | grep -E "$mine")
for run in $left; do
	echo "guard: removing topology '$run' left by $(basename "$1")" >&2
	"$netns" down "$run" >/dev/null 2>&1
done
# ctest shows no output of a skipped test: keep the reason where `make check` prints it.
if [ "$rc" = 77 ] && [ -n "${SYNFIN_SKIP_LOG:-}" ]; then
	echo "$(basename "$1"): $(grep -m1 . "$errlog")" >>"$SYNFIN_SKIP_LOG"
fi
rm -f "$errlog"
[ "$interrupted" = 1 ] && exit 130
exit "$rc"
