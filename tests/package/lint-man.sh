#!/usr/bin/env bash
# lint-man.sh SOURCE_DIR: every manual page of man/ renders without a single groff warning
# (all warnings on, -ww), so what cmake --install puts under share/man reads as written.
set -u
top=${1:?usage: lint-man.sh SOURCE_DIR}
command -v groff >/dev/null || { echo "lint-man: groff is missing (apt-get install groff)" >&2; exit 77; }
fail=0
for page in "$top"/man/*.[1-8]; do
	warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
	if [ -n "$warnings" ]; then
		echo "lint-man: $page:" >&2
		echo "$warnings" >&2
		fail=1
	fi
done
[ "$fail" = 0 ] && echo "lint-man: every page of $top/man renders without warnings"
exit "$fail"
