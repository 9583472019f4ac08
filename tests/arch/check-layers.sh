#!/usr/bin/env bash
# check-layers.sh SOURCE_DIR: fails when a file includes across the layers ARCHITECTURE.md draws.
#
# Two rules, both read from the tables below:
#  1. A folder includes only the rooms it sits above (#include "room/file.h"), and bare includes
#     ("file.h") only from its own folder.
#  2. A pure module (wire formats, protocol, parsers, verdicts: time passed in) includes no
#     operating-system interface and no I/O module of the project, and reads no clock.
set -u
top=${1:?usage: check-layers.sh SOURCE_DIR}
cd "$top" || exit 2

# folder -> rooms it may include (by the first path component of a quoted include).
declare -A may_include=(
	[common]=""
	[harness/wire]="common"
	[harness/rules]="common wire"
	[harness/trace]="common wire rules"
	[harness/endpoint]="common"
	[harness/endpoint/lwip]="common endpoint"
	[harness/faultd]="common wire rules trace"
	[harness/scenario]="common wire rules trace endpoint"
	[harness/tools]="common wire rules trace"
	[stack]="common"
	[stack/host]="common endpoint"
)
# Bare includes a folder may take from another folder (its include path), beside its own.
declare -A bare_from=(
	[stack/host]="stack"
)
# The edges: the only files that may make system calls, read clocks or run processes.
io_files='^(common/event_loop\.c|harness/endpoint/synfin_kpeer\.c|harness/endpoint/peer_log\.c|harness/endpoint/lwip/.*|harness/faultd/.*|harness/scenario/(main|runner|report|proc|endpoint_run|layout|progress|junit_merge_cmd|scenario_files|impl_load|run_env|shrink|shrink_trial)\.[ch]|harness/tools/.*|stack/host/.*)$'
# Operating-system interfaces and the project's I/O headers, which no pure module includes.
# (<sys/types.h> and <arpa/inet.h> are types and address formatting, not I/O.)
io_headers='^<(sys/(socket|epoll|timerfd|signalfd|ioctl|wait|stat|random|utsname|mman|uio|un|select|time)\.h|fcntl\.h|unistd\.h|poll\.h|dirent\.h|signal\.h|net/|linux/|libmnl/|libnetfilter_queue/)|"(common/event_loop\.h|nfq_queue\.h|tun_device\.h|stack_driver\.h|runner\.h|proc\.h)"$'
clock_reads='clock_gettime|gettimeofday|[^a-z_]time\(NULL\)'

fail=0
complain() {
	echo "check-layers: $*" >&2
	fail=1
}

for dir in "${!may_include[@]}"; do
	[ -d "$dir" ] || { complain "$dir: folder named in the table is missing"; continue; }
	for f in "$dir"/*.c "$dir"/*.h; do
		[ -f "$f" ] || continue
		pure=1
		[[ $f =~ $io_files ]] && pure=0
		while IFS= read -r line; do
			inc=${line#*#include }
			inc=${inc%%[[:space:]]*}
			if [[ $inc == \"*/* ]]; then
				room=${inc#\"}
				room=${room%%/*}
				case " ${may_include[$dir]} " in
				*" $room "*) ;;
				*) complain "$f includes $inc: $dir may include only: ${may_include[$dir]:-(nothing)}" ;;
				esac
			elif [[ $inc == \"* ]]; then
				name=${inc//\"/}
				ok=0
				[ -f "$dir/$name" ] && ok=1
				for other in ${bare_from[$dir]:-}; do
					[ -f "$other/$name" ] && ok=1
				done
				[ $ok -eq 1 ] || complain "$f includes $inc: not in $dir (write the room: \"room/$name\")"
			fi
			if [ $pure -eq 1 ] && [[ $inc =~ $io_headers ]]; then
				complain "$f is pure (no I/O, time passed in) but includes $inc"
			fi
		done < <(grep -E '^[[:space:]]*#[[:space:]]*include' "$f")
		if [ $pure -eq 1 ] && grep -nE "$clock_reads" "$f" >/dev/null; then
			complain "$f is pure but reads a clock: $(grep -nE "$clock_reads" "$f" | head -1)"
		fi
	done
done
# Every C folder is in the table, so a new one cannot slip past.
while IFS= read -r d; do
	[ -n "${may_include[$d]+x}" ] || complain "$d: a folder of C files missing from the layer table"
done < <(find common harness stack -name '*.[ch]' -printf '%h\n' | sort -u)

[ $fail -eq 0 ] && echo "check-layers: every include follows the layers"
exit $fail
