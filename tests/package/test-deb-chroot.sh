#!/usr/bin/env bash
# test-deb-chroot.sh [DEB]: the Debian package on a clean Debian 12. Makes a bookworm chroot
# with debootstrap (minbase: about 45 MB to download, more with the package's dependencies),
# installs DEB there with apt-get install ./synfin_*.deb, and runs, as root inside the chroot
# and away from any source tree: synfin help, synfin demo, synfin check (the installed scenario
# suite) and the example script copied into /root. Then removes everything it made, also on
# failure or Ctrl-C. Not part of make check (it downloads and takes minutes); run it as root:
#
#   cd build && cpack -G DEB && cd .. && sudo tests/package/test-deb-chroot.sh
#
# DEB: default build/synfin_*_ARCH.deb. Environment:
#   SYNFIN_MIRROR        Debian mirror (default: the first deb.debian.org/debian of apt's sources)
#   SYNFIN_BOOTSTRAP     a tarball of debootstrap --make-tarball, to skip the download
#   SYNFIN_CHROOT_LOGS   where the outputs are kept (default build/deb-chroot-logs)
#   SYNFIN_CHECK_ARGS    arguments for synfin check (e.g. --pair linux-linux; default all)
#   SYNFIN_LOCK          the lock held around the timing-sensitive runs (/tmp/synfin-heavy.lock)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
deb=${1:-$(ls "$top"/build/synfin_*.deb 2>/dev/null | tail -1)}
[ -f "$deb" ] || { echo "test-deb-chroot: no package: cd build && cpack -G DEB" >&2; exit 2; }
deb=$(readlink -f "$deb")
[ "$(id -u)" -eq 0 ] || { echo "test-deb-chroot: needs root (debootstrap, chroot, namespaces)" >&2; exit 77; }
command -v debootstrap >/dev/null || { echo "test-deb-chroot: apt-get install debootstrap" >&2; exit 77; }

mirror=${SYNFIN_MIRROR:-$(grep -rhoE 'https?://[^ ]*debian\.org/debian/?' /etc/apt/sources.list \
	/etc/apt/sources.list.d 2>/dev/null | head -1 || true)}
mirror=${mirror:-http://deb.debian.org/debian}
logs=${SYNFIN_CHROOT_LOGS:-$top/build/deb-chroot-logs}
lock=${SYNFIN_LOCK:-/tmp/synfin-heavy.lock}
mkdir -p "$logs"
logs=$(readlink -f "$logs")
root=$(mktemp -d /tmp/synfin-deb-chroot.XXXXXX)

say() { echo "test-deb-chroot: $*"; }
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb "$@"; }

cleanup() {
	set +e
	# namespaces a run left, then everything mounted below the chroot, then the chroot itself
	if [ -x "$root/usr/bin/ip" ] && mountpoint -q "$root/proc"; then
		for ns in $(in_root ip netns list 2>/dev/null | awk '/^synfin-/ {print $1}'); do
			in_root ip netns del "$ns"
		done
	fi
	for m in $(findmnt -rn -o TARGET | grep -E "^$root(/|\$)" | sort -r); do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	if findmnt -rn -o TARGET | grep -q "^$root"; then
		say "still mounted below $root: not removed"
	else
		rm -rf --one-file-system "$root"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$(date +%s)
if [ -n "${SYNFIN_BOOTSTRAP:-}" ]; then
	say "debootstrap bookworm from $SYNFIN_BOOTSTRAP"
	debootstrap --variant=minbase --unpack-tarball="$(readlink -f "$SYNFIN_BOOTSTRAP")" bookworm \
		"$root" "$mirror" >"$logs/debootstrap.log" 2>&1
else
	say "debootstrap bookworm from $mirror"
	debootstrap --variant=minbase bookworm "$root" "$mirror" >"$logs/debootstrap.log" 2>&1
fi
say "clean Debian 12 in $root ($(du -sh "$root" | cut -f1)) after $(($(date +%s) - t0)) s"

# the chroot's / a mount point of its own, as ip netns exec wants (mount --make-rslave /)
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mkdir -p "$root/run/netns"
if [ -d "/lib/modules/$(uname -r)" ]; then # modprobe inside, should a module be missing
	mkdir -p "$root/lib/modules/$(uname -r)"
	mount --bind -o ro "/lib/modules/$(uname -r)" "$root/lib/modules/$(uname -r)"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"

t1=$(date +%s)
in_root apt-get update -q >"$logs/apt-install.log" 2>&1
t1a=$(date +%s)
in_root sh -c "cd /tmp && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ./${deb##*/}" \
	>>"$logs/apt-install.log" 2>&1 || { tail -20 "$logs/apt-install.log"; exit 1; }
t2=$(date +%s)
say "apt-get update: $((t1a - t1)) s; apt-get install ./${deb##*/} ($(du -k "$deb" | cut -f1) KiB): $((t2 - t1a)) s, $(grep -c '^Unpacking' "$logs/apt-install.log") packages unpacked"

# Everything below runs from /root, with nothing of the source tree in the chroot.
in_root sh -c 'command -v synfin && synfin help' >"$logs/help.txt"
grep -q "installed in /usr" "$logs/help.txt" || { cat "$logs/help.txt"; exit 1; }
say "synfin help: installed in /usr"

# heavy NAME COMMAND: COMMAND in /root of the chroot, its output in NAME.txt and its wall time on
# the last line
heavy() {
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb \
		sh -c 'cd /root && s=$(date +%s) && rc=0 && { '"$2"'; } || rc=$?
			echo "wall time $(($(date +%s) - s)) s"; exit $rc' >"$logs/$1.txt" 2>&1
}
wall() { tail -1 "$logs/$1.txt"; }

# The timing-sensitive runs one after another under the lock, which other runs on this machine
# take too.
exec {lock_fd}>"$lock"
say "waiting for $lock"
flock "$lock_fd"
rc_demo=0 rc_check=0 rc_example=0
heavy demo 'synfin demo' || rc_demo=$?
say "synfin demo: exit $rc_demo, $(wall demo) ($logs/demo.txt)"
grep -E "^connect\(\) |^SYN [0-9]|^ETIMEDOUT|^run folder" "$logs/demo.txt" | sed 's/^/  /' || true

heavy check "synfin check ${SYNFIN_CHECK_ARGS:-}" || rc_check=$?
say "synfin check: exit $rc_check, $(wall check) ($logs/check.txt)"
grep -E "passed, .* failed" "$logs/check.txt" | sed 's/^/  /' || true

# the example script copied away from everything: it finds the package through PATH
heavy example 'cp /usr/share/synfin/examples/drop-two-syns.sh my-faults.sh && ./my-faults.sh' ||
	rc_example=$?
say "example script copied to /root: exit $rc_example, $(wall example) ($logs/example.txt)"
grep '^rule' "$logs/example.txt" | sed 's/^/  /' || true

flock -u "$lock_fd"

left=$(in_root ip netns list | grep -c '^synfin-' || true)
say "namespaces left in the chroot: $left; the prefix unchanged: $(in_root dpkg --verify synfin | wc -l) files differ"
[ "$rc_demo" = 0 ] && [ "$rc_check" = 0 ] && [ "$rc_example" = 0 ] && [ "$left" = 0 ]
