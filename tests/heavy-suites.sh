#!/usr/bin/env bash
# heavy-suites.sh BUILD CTEST SCENARIO_PROGRAM SCENARIO_DIR [CTEST_ARGS...]: the namespace suites
# (ctest -L netns, with CTEST_ARGS such as --output-junit FILE)
# and the scenario suite at once, as `make check` runs them after the unit suites. Both mostly
# wait on real TCP timers (63 s of SYN retries), so side by side they take the time of the
# longer one instead of the sum. The scenarios write to the terminal as they run (with their
# live status line there); the namespace suites' output goes to BUILD/netns.log and is printed
# after, whole. Each leaves its JUnit file in BUILD/junit/. Exits 0 only when both passed (cases
# left inconclusive do not fail, unless SYNFIN_STRICT=1); 130
# after Ctrl-C, once both have removed their namespaces.
set -u
build=$1 ctest=$2 scenario=$3 scenarios=$4
shift 4
log=$build/netns.log
skipped=$build/netns-skipped.txt
# Namespace test cases (ctest tests) at once, beside the scenarios: they wait on TCP timers more
# than they compute, but each builds topologies, which takes CPU.
netns_jobs=${SYNFIN_NETNS_JOBS:-3}

rm -f "$skipped"

# Each suite in a process group of its own, with Ctrl-C not ignored as it is for a background
# job without job control: on Ctrl-C the trap passes it to both groups, so that both stop and
# remove their namespaces at once.
set -m
# SYNFIN_NETNS_NICE: the namespace suites' niceness. On a machine too busy for both suites, a
# higher one leaves more CPU to the scenarios' runner, which starts the two ends of a case
# together (simultaneous-open needs it), and makes the namespace suites slower; their
# endpoints and daemon, which their timing depends on, run at real-time priority
# (synfin_realtime), where nice does not count. Check's per-test time limits, a guard against
# a hung test and not what a test claims, are doubled for the shared CPU.
(cd "$build" && CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-2} exec nice -n "${SYNFIN_NETNS_NICE:-0}" \
	"$ctest" --output-on-failure -L netns -j "$netns_jobs" "$@") >"$log" 2>&1 &
netns=$!
"$scenario" check --junit "$build/junit/scenarios.xml" "$scenarios" &
scen=$!
set +m
echo "namespace suites running beside the scenarios ($netns_jobs at once; output in $log," \
	"printed when both are done)"

interrupted=0
trap 'interrupted=1; kill -INT -- "-$netns" "-$scen" 2>/dev/null' INT TERM HUP

# The exit status of pid, waiting again after a trap cut a wait short.
status_of() {
	local rc
	while :; do
		wait "$1"
		rc=$?
		kill -0 "$1" 2>/dev/null || break
	done
	return "$rc"
}
status_of "$scen"
scen_rc=$?
status_of "$netns"
netns_rc=$?
# ctest may end before the guards of its tests have removed their topologies.
for _ in $(seq 150); do
	kill -0 -- "-$netns" 2>/dev/null || break
	sleep 0.2
done

echo
echo "namespace suites (ran beside the scenarios; $log):"
cat "$log"
"$(dirname "$0")/netns/report-skipped.sh" "$skipped"
# synfin-scenario's 2: nothing failed, but some cases stayed inconclusive (failed on times alone
# while the machine was too late to judge them). That is no failure of the TCP under test, so
# check passes and says so; SYNFIN_STRICT=1 makes it fail instead.
verdict() {
	case $1 in
	0) echo passed ;;
	2) echo "passed, some cases inconclusive (machine overloaded: the table above has them)" ;;
	*) echo "FAILED (exit $1)" ;;
	esac
}
# The scenarios' failures were printed before the namespace suites' log; a reader of only the
# last lines (a CI page) must still see which cases failed and why, so they are said again here.
failed_cases() {
	sed -n -e 's/.*<testcase classname="scenarios\.\([^"]*\)" name="\([^"]*\)".*/case \1 \2/p' \
		-e 's/.*<\(failure\|error\)\( type="[a-z]*"\)\{0,1\} message="\([^"]*\)".*/\1: \3/p' \
		"$build/junit/scenarios.xml" 2>/dev/null |
		awk '/^case /{c = $2 " " $3; next} {print "  " c ": " $0}' |
		sed -e 's/&gt;/>/g' -e 's/&lt;/</g' -e 's/&quot;/"/g' -e "s/&apos;/'/g" -e 's/&amp;/\&/g'
}
if [ "$scen_rc" != 0 ] && [ "$scen_rc" != 2 ] && [ "$scen_rc" != 130 ]; then
	echo "scenario cases that failed (their reports are above the namespace suites' log):"
	failed_cases
fi
echo "check: scenarios $(verdict "$scen_rc"), namespace suites $(verdict "$netns_rc")"
[ "$interrupted" = 1 ] && exit 130
[ "$scen_rc" = 2 ] && [ "${SYNFIN_STRICT:-0}" != 1 ] && scen_rc=0
[ "$scen_rc" = 0 ] && [ "$netns_rc" = 0 ]
