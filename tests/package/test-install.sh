#!/usr/bin/env bash
# test-install.sh BUILD_DIR: cmake --install into a new prefix, move the prefix elsewhere, and
# check from outside the source tree that the installed programs find each other and their data
# there: synfin's installed entry, synfin-scenario's scenarios, implementations and defaults,
# synfin-demo's programs. Needs no privileges and runs no namespace.
set -euo pipefail
build=$(cd "${1:?usage: test-install.sh BUILD_DIR}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
	echo "test-install: $*" >&2
	exit 1
}

cmake --install "$build" --prefix "$work/first" >/dev/null
mv "$work/first" "$work/moved" # the layout is relative: a moved prefix still works
P=$work/moved
cd "$work" # nowhere near the source tree

help=$("$P/bin/synfin" help)
grep -q "installed in $P" <<<"$help" || fail "synfin help does not name the prefix: $help"
grep -q "$P/share/synfin/scenarios" <<<"$help" || fail "synfin help does not say what check runs"

usage=$("$P/bin/synfin-scenario" --help)
grep -q "default: $P/share/synfin/scenarios" <<<"$usage" || fail "synfin-scenario --help: scenarios"
grep -q "default $work/runs/scenario-runs/TIME" <<<"$usage" || fail "synfin-scenario --help: runs"
grep -q "(default $P/libexec/synfin)" <<<"$usage" || fail "synfin-scenario --help: programs"
# (read whole first: grep -q stops reading at its match, which may end the writer by SIGPIPE)
usage=$(SYNFIN_RUNS=/elsewhere "$P/bin/synfin-scenario" --help)
grep -q "default /elsewhere/scenario-runs" <<<"$usage" || fail "synfin-scenario --help ignores SYNFIN_RUNS"

# every installed scenario parses, and list gives every case once
"$P/bin/synfin" check --help >/dev/null
"$P/bin/synfin-scenario" parse >/dev/null || fail "the installed scenarios do not parse"
ids=$("$P/bin/synfin-scenario" list)
n=$(wc -l <<<"$ids")
[ "$n" -ge 100 ] || fail "synfin-scenario list gave $n cases"
[ "$(sort -u <<<"$ids" | wc -l)" = "$n" ] || fail "synfin-scenario list repeats a case"
ids=$("$P/bin/synfin-scenario" list abort)
grep -qx abort.linux-linux <<<"$ids" || fail "list by name"

# the demo looks for its programs in the prefix, not in a build folder
rm "$P/bin/synfin-ladder"
out=$("$P/libexec/synfin/synfin-demo" "$P" 2>&1) && fail "synfin-demo ran without synfin-ladder"
grep -q "$P/bin/synfin-ladder is missing: reinstall synfin" <<<"$out" || fail "synfin-demo: $out"
[ ! -e "$P/runs" ] || fail "something was written into the prefix"

"$P/sbin/synfin-faultd" --check "$P/share/synfin/rules/drop-first-two-syns.rules" >/dev/null
for page in synfin.1 synfin-scenario.1 synfin-peer.1 synfin-rules.5 synfin-scenario.5 synfin-faultd.8 synfin-netns.8; do
	[ -f "$P/share/man/man${page##*.}/$page" ] || fail "man page $page is not installed"
done
echo "test-install: $n cases, programs, data and manual pages found under a moved prefix"
