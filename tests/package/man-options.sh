#!/usr/bin/env bash
# man-options.sh SOURCE_DIR BUILD_DIR: every option a program's --help lists appears in its
# manual page, so the pages cannot drift from the programs. An option is a word that starts
# with - or -- after a blank or punctuation (-q, --queue, --drop-held-on-exit); the page is
# searched with roff's \- read as -.
set -u
top=${1:?usage: man-options.sh SOURCE_DIR BUILD_DIR}
build=${2:?usage: man-options.sh SOURCE_DIR BUILD_DIR}
fail=0

# check PAGE COMMAND...: the options of COMMAND's usage text, each looked for in PAGE
check() {
	local page=$top/man/$1
	shift
	local help text opt n=0
	help=$("$@" 2>&1) || true
	[ -n "$help" ] || { echo "man-options: $* printed no usage text" >&2; fail=1; return; }
	text=$(sed 's/\\-/-/g; s/\\&//g' "$page")
	for opt in $(grep -oE -- '(^|[][ (|,/`'"'"'])--?[a-zA-Z][a-zA-Z0-9-]*' <<<"$help" |
		sed -E 's/^[^-]*//' | sort -u); do
		n=$((n + 1))
		if ! grep -qE -- "(^|[^a-zA-Z0-9-])$opt([^a-zA-Z0-9-]|\$)" <<<"$text"; then
			echo "man-options: $opt is in the usage of $* but not in man/${page##*/}" >&2
			fail=1
		fi
	done
	echo "man-options: ${page##*/}: the $n options of $(basename "$1") $2 are there"
}

check synfin-faultd.8 "$build/harness/faultd/synfin-faultd" --help
check synfin-scenario.1 "$build/harness/scenario/synfin-scenario" --help
check synfin-scenario.1 "$build/harness/scenario/synfin-scenario" shrink --help
check synfin-netns.8 "$top/netns/synfin-netns" --help
check synfin-peer.1 "$build/stack/host/synfin-peer" --help
check synfin.1 "$top/synfin" help
check synfin.1 "$top/harness/tools/synfin-installed" help
exit "$fail"
