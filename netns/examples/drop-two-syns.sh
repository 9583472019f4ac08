#!/usr/bin/env bash
# An ad-hoc fault script: a Linux client whose first two SYNs are lost in the wire.
# Copy it, change the rule file, the sysctls or the applications, run it (root or not).
set -euo pipefail
top=${SYNFIN_HOME:-$(dirname "$0")/../..} # the project: $SYNFIN_HOME, else the tree this sits in
[ -x "$top/netns/synfin-netns" ] ||
	{ echo "$0: no synfin project at $top: set SYNFIN_HOME to its folder" >&2; exit 1; }
cd "$top"
B=build                                  # ./synfin build puts the programs here
RUN=adhoc$$                              # a run id: namespaces synfin-$RUN-{client,wire,server}
OUT=runs/$RUN; mkdir -p "$OUT"
trap 'netns/synfin-netns down $RUN' EXIT # always tear down, also on Ctrl-C or an error

netns/synfin-netns up $RUN
netns/synfin-netns sysctl $RUN client net.ipv4.tcp_syn_linear_timeouts=0

# The daemon in the wire: live trace on stdout, JSON Lines and pcap for later.
netns/synfin-netns exec $RUN wire $B/harness/faultd/synfin-faultd -r rules/drop-first-two-syns.rules \
	--jsonl $OUT/trace.jsonl --pcap $OUT/trace.pcap --ready $OUT/ready 2>$OUT/faultd.log &
while [ ! -e $OUT/ready ]; do sleep 0.05; done

# A server that reads to EOF and closes; a client that connects, sends a line, closes.
netns/synfin-netns exec $RUN server $B/harness/endpoint/synfin-kpeer server --listen 80 \
	--jsonl $OUT/server.jsonl --quiet &
sleep 0.2
netns/synfin-netns exec $RUN client $B/harness/endpoint/synfin-kpeer client --connect 192.168.1.109:80 \
	--jsonl $OUT/client.jsonl --quiet 'connect; send-text "hello"; close'
sleep 0.5                                # the last ACK

kill %1                                  # the daemon releases what it holds, counts, exits
wait
echo
grep '^rule' $OUT/faultd.log             # how often each rule fired
echo
$B/harness/tools/synfin-ladder $OUT/trace.jsonl
echo "trace.jsonl, trace.pcap, client.jsonl, server.jsonl and faultd.log are in $OUT"
