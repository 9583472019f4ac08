#!/usr/bin/env bash
# An ad-hoc fault script: a Linux client whose first two SYNs are lost in the wire.
# Copy it, change the rule file, the sysctls or the applications, run it (root or not).
set -euo pipefail
# synfin: $SYNFIN_HOME (a source tree or an installed prefix), else the tree or prefix this file
# sits in, else the prefix of the `synfin` on PATH.
here=$(dirname "$(readlink -f "$0")")
places=("$here/../.." "$here/../../..") # from netns/examples/, or from PREFIX/share/synfin/examples/
on_path=$(command -v synfin || true)
[ -z "$on_path" ] || places+=("$(dirname "$(readlink -f "$on_path")")/..")
[ -z "${SYNFIN_HOME:-}" ] || places=("$SYNFIN_HOME")
for top in "${places[@]}"; do
	top=$(readlink -f "$top")
	if [ -x "$top/netns/synfin-netns" ]; then # a source tree, built by ./synfin build
		NETNS=$top/netns/synfin-netns B=$top/build RULES=$top/rules
		FAULTD=$B/harness/faultd/synfin-faultd KPEER=$B/harness/endpoint/synfin-kpeer
		LADDER=$B/harness/tools/synfin-ladder
		break
	elif [ -d "$top/share/synfin/rules" ]; then # installed: cmake --install, the Debian package
		NETNS=$top/sbin/synfin-netns FAULTD=$top/sbin/synfin-faultd RULES=$top/share/synfin/rules
		KPEER=$top/libexec/synfin/synfin-kpeer LADDER=$top/bin/synfin-ladder
		break
	fi
done
[ -n "${NETNS:-}" ] ||
	{ echo "$0: no synfin found: install it, or set SYNFIN_HOME to its folder" >&2; exit 1; }
RUN=adhoc$$                              # a run id: namespaces synfin-$RUN-{client,wire,server}
OUT=${SYNFIN_RUNS:-runs}/$RUN; mkdir -p "$OUT" # in the current folder
trap '$NETNS down $RUN' EXIT             # always tear down, also on Ctrl-C or an error

$NETNS up $RUN
$NETNS sysctl $RUN client net.ipv4.tcp_syn_linear_timeouts=0

# The daemon in the wire: live trace on stdout, JSON Lines and pcap for later.
$NETNS exec $RUN wire $FAULTD -r $RULES/drop-first-two-syns.rules \
	--jsonl $OUT/trace.jsonl --pcap $OUT/trace.pcap --ready $OUT/ready 2>$OUT/faultd.log &
while [ ! -e $OUT/ready ]; do                # bound to the queue, or dead (the log says why)
	kill -0 %1 2>/dev/null || { cat $OUT/faultd.log >&2; exit 1; }
	sleep 0.05
done

# A server that reads to EOF and closes; a client that connects, sends a line, closes.
$NETNS exec $RUN server $KPEER server --listen 80 --jsonl $OUT/server.jsonl --quiet &
sleep 0.2
$NETNS exec $RUN client $KPEER client --connect 192.168.1.109:80 --jsonl $OUT/client.jsonl \
	--quiet 'connect; send-text "hello"; close'
sleep 0.5                                # the last ACK

kill %1                                  # the daemon releases what it holds, counts, exits
wait
echo
grep '^rule' $OUT/faultd.log             # how often each rule fired
echo
$LADDER $OUT/trace.jsonl
echo "trace.jsonl, trace.pcap, client.jsonl, server.jsonl and faultd.log are in $OUT"
