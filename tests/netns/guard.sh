#!/usr/bin/env bash
# guard.sh PROGRAM [ARGS...]: run one namespace test program and, however it ends (passed,
# failed, crashed, or interrupted with Ctrl-C), remove every synfin topology that appeared while
# it ran, with the processes left inside. A test program names its runs with two letters and
# its own pid (fd1234567a) or the pid's last five digits (sp345670001), so only its own
# topologies are touched, never those of another run going on beside it.
#
# Run by a normal user, the guard and the test go into a user namespace of their own (synfin-netns
# userns, rootless): their topologies are private and vanish with them. Where no user namespace
# can be made the test runs as it is and skips itself, naming the doctor line.
set -u
netns="$(cd "$(dirname "$0")/../.." && pwd)/netns/synfin-netns"

if [ "$(id -u)" -ne 0 ] && [ "${1:-}" != --watch ] && "$netns" userns true 2>/dev/null; then
	exec "$netns" userns "$(cd "$(dirname "$0")" && pwd)/$(basename "$0")" "$@"
fi

runs() { ip netns list 2>/dev/null | sed -n 's/^synfin-\([a-z0-9]*\)-[a-z]*\( .*\)\{0,1\}$/\1/p' | sort -u; }

descendants() {
	local p
	for p in $(pgrep -P "$1" 2>/dev/null); do
		echo "$p"
		descendants "$p"
	done
}

remove_mine() { # remove_mine PATTERN
	local run
	for run in $(runs | grep -E "$1"); do
		echo "guard: removing topology '$run'" >&2
		"$netns" down "$run" >/dev/null 2>&1
	done
}

# The watcher, in a session of its own: when ctest is interrupted it ends a test with SIGKILL,
# which no trap catches, so the clean-up must live outside the guard. It remembers the test's
# processes while the guard lives; if the guard dies without saying it cleaned up, it ends
# those processes (Check runs each test in a process group of its own, out of reach of
# Ctrl-C) and removes the test's topologies.
if [ "${1:-}" = --watch ]; then
	guard=$2 child=$3 mine=$4 marker=$5 program=$6
	known=
	while kill -0 "$guard" 2>/dev/null; do
		known=$(printf '%s\n' $known $(descendants "$child") | sort -u)
		sleep 0.2
	done
	if [ ! -e "$marker" ]; then
		for p in $child $known; do
			# only what is still one of ours: the test program (its Check children go on
			# making topologies if left) or a synfin program. Not by the word synfin
			# alone: a checkout's path need not contain it.
			if grep -qaF -e "$program" -e synfin "/proc/$p/cmdline" 2>/dev/null; then
				kill -TERM "$p" 2>/dev/null
			fi
		done
		sleep 0.5
		remove_mine "$mine"
		sleep 1 # a topology that was being made as the TERM came
		remove_mine "$mine"
	fi
	rm -f "$marker"
	exit 0
fi

before=$(runs)
errlog=$(mktemp)
marker=$(mktemp -u)
"$@" 2> >(tee "$errlog" >&2) &
child=$!
mine="^[a-z][a-z]($child|$(printf '%05d' $((child % 100000))))"
setsid "$0" --watch $$ "$child" "$mine" "$marker" "$1" </dev/null >/dev/null 2>&1 &
interrupted=0
trap 'interrupted=1; kill -TERM "$child" 2>/dev/null' INT TERM HUP

# wait returns early when a trapped signal arrives: wait again until the child is gone.
while :; do
	wait "$child"
	rc=$?
	kill -0 "$child" 2>/dev/null || break
done

left=$(comm -13 <(echo "$before") <(runs) | grep -E "$mine")
for run in $left; do
	echo "guard: removing topology '$run' left by $(basename "$1")" >&2
	"$netns" down "$run" >/dev/null 2>&1
done
touch "$marker" # the watcher has nothing left to do
# ctest shows no output of a skipped test: keep the reason where `make check` prints it.
if [ "$rc" = 77 ] && [ -n "${SYNFIN_SKIP_LOG:-}" ]; then
	echo "$(basename "$1"): $(grep -m1 . "$errlog")" >>"$SYNFIN_SKIP_LOG"
fi
rm -f "$errlog"
[ "$interrupted" = 1 ] && exit 130
exit "$rc"
