#!/usr/bin/env bash
# test_doctor.sh SOURCE_DIR: ./synfin doctor under faked conditions (a fake /proc, a missing
# /dev/net/tun, a normal user's uid): each blocked requirement gives its own line with the
# command that fixes it, and the exit status says whether something needed is missing.
set -u
doctor="$1/harness/tools/synfin-doctor"
fake=$(mktemp -d)
trap 'rm -rf "$fake"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# fake_proc DIR KEY=VALUE... [FILE...]: sysctls as files under sys/, other paths created empty
fake_proc() {
	local dir=$1 a
	shift
	mkdir -p "$dir/sys"
	for a in "$@"; do
		if [[ "$a" == *=* ]]; then
			mkdir -p "$dir/sys/$(dirname "${a%%=*}")"
			echo "${a#*=}" >"$dir/sys/${a%%=*}"
		else
			mkdir -p "$(dirname "$dir/$a")"
			touch "$dir/$a"
		fi
	done
}

# expect OUTPUT STATUS NAME FIX: the line NAME has STATUS and ends with "fix: FIX"
expect() {
	local out=$1 status=$2 name=$3 fix=${4:-}
	local l
	l=$(printf '%s\n' "$out" | awk -v n="$name" '$2 == n')
	[ -n "$l" ] || { fail "no line '$name' in:"$'\n'"$out"; return; }
	[ "$(echo "$l" | awk '{print $1}')" = "$status" ] || fail "line '$name' is not $status: $l"
	if [ -n "$fix" ] && [[ "$l" != *"; fix: $fix" ]]; then
		fail "line '$name' does not end with 'fix: $fix': $l"
	fi
}

run() { # run PROC_DIR: the doctor as uid 1000 with that /proc and no /dev/net/tun
	SYNFIN_DOCTOR_PROC=$1 SYNFIN_DOCTOR_UID=1000 SYNFIN_DOCTOR_TUN="$fake/no-tun" "$doctor"
}

# Ubuntu 24.04: AppArmor blocks user namespaces; no modules loaded either.
fake_proc "$fake/ubuntu" user/max_user_namespaces=15000 kernel/apparmor_restrict_unprivileged_userns=1
out=$(run "$fake/ubuntu")
rc=$?
[ "$rc" = 1 ] || fail "exit status $rc with user namespaces blocked, want 1"
expect "$out" ok root
expect "$out" FAIL userns "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"
expect "$out" FAIL netns
expect "$out" FAIL nfqueue "sudo modprobe nfnetlink_queue"
expect "$out" FAIL br_netfilter "sudo modprobe br_netfilter"
expect "$out" warn tun "sudo modprobe tun"

# Debian's own switch, and user namespaces switched off altogether.
fake_proc "$fake/debian" user/max_user_namespaces=15000 kernel/unprivileged_userns_clone=0
expect "$(run "$fake/debian")" FAIL userns "sudo sysctl -w kernel.unprivileged_userns_clone=1"
fake_proc "$fake/none" user/max_user_namespaces=0
expect "$(run "$fake/none")" FAIL userns "sudo sysctl -w user.max_user_namespaces=15000"

# The queue module present: its line is ok.
fake_proc "$fake/queue" user/max_user_namespaces=0 net/netfilter/nfnetlink_queue
expect "$(run "$fake/queue")" ok nfqueue

# As root no user namespace is needed, whatever the sysctls say.
out=$(SYNFIN_DOCTOR_PROC="$fake/none" SYNFIN_DOCTOR_UID=0 SYNFIN_DOCTOR_TUN="$fake/no-tun" "$doctor")
expect "$out" ok userns

# --help names every line the doctor prints, since skipped tests point at those names.
help=$("$doctor" --help) || fail "--help exit status $?"
for name in $(printf '%s\n' "$(run "$fake/ubuntu")" | awk 'NR > 1 {print $2}'); do
	printf '%s\n' "$help" | grep -q "^  $name " || fail "--help does not explain the line '$name'"
done

[ "$failures" = 0 ] && echo "test_doctor: all checks passed"
exit $((failures > 0))
