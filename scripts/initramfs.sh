#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# initramfs.sh FLAVOUR OUT [bench]
#
# Packs the guest's root file system into the cpio archive OUT: busybox, the
# modules built for FLAVOUR, the selftests, the sample export, and the Debian
# programs the tests use (copied with the libraries ldd lists). With "bench",
# also the benchmark tools of bench/, iperf3, openbsd-inetd and perf.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:?usage: initramfs.sh FLAVOUR OUT}
out=${2:?usage: initramfs.sh FLAVOUR OUT}
extras=${3:-}
mods="$RKS_TOP/build/$flavour/src"
root="$RKS_TOP/build/$flavour/initramfs"

# Programs from the host that the guest needs, when installed.
guest_programs=(/usr/bin/finger /usr/sbin/in.fingerd /usr/sbin/diod
		/usr/sbin/diodls /usr/sbin/diodcat /usr/bin/nc.openbsd /usr/bin/sha256sum
		/usr/bin/setfattr /usr/bin/getfattr /usr/bin/setfacl /usr/bin/getfacl
		/usr/bin/find /usr/bin/stat /usr/bin/timeout /usr/bin/ss
		/usr/bin/git /usr/bin/sqlite3 /usr/bin/tar /usr/bin/rsync
		/usr/bin/flock)

rm -rf "$root"
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,mnt,srv,usr/bin,usr/sbin,usr/share/rks,lib/modules/rks}

cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done

# Copies a program (to DEST, default its own path) and the shared libraries
# it loads, keeping their paths.
add_program() {
	local prog=$1 dest=${2:-$1} lib
	[ -x "$prog" ] || return 0
	mkdir -p "$root$(dirname "$dest")"
	cp -L "$prog" "$root$dest"
	for lib in $(ldd "$prog" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
for prog in "${guest_programs[@]}"; do
	add_program "$prog"
done
# git runs its builtins as "git" from PATH, and local transports as
# git-upload-pack and git-receive-pack.
if [ -x "$root/usr/bin/git" ]; then
	ln -sf git "$root/usr/bin/git-upload-pack"
	ln -sf git "$root/usr/bin/git-receive-pack"
fi
# The selftests' own TCP client.
cargo build --quiet --release --manifest-path "$RKS_TOP/selftests/netload/Cargo.toml"
add_program "$RKS_TOP/selftests/netload/target/release/netload" /usr/bin/netload
if [ "$extras" = bench ]; then
	cargo build --quiet --release --manifest-path "$RKS_TOP/bench/Cargo.toml"
	for tool in fsbench fingerload finger-epoll; do
		add_program "$RKS_TOP/bench/target/release/$tool" "/usr/bin/$tool"
	done
	add_program /usr/bin/iperf3
	add_program /usr/sbin/inetd
	add_program /usr/bin/perf
fi
# Name resolution through files only, as diod and finger need.
[ -d /lib/x86_64-linux-gnu ] && cp -L /lib/x86_64-linux-gnu/libnss_files.so.2 \
	"$root/lib/x86_64-linux-gnu/" 2>/dev/null || true

cp "$RKS_TOP/scripts/guest/init" "$root/init"
cp "$RKS_TOP/scripts/guest/run-services" "$RKS_TOP/scripts/guest/bench" "$root/usr/share/rks/"
cp -r "$RKS_TOP/scripts/guest/etc/." "$root/etc/"
# The null 9P peer is make bench's only.
find "$mods" -name '*.ko' ! -name rust_null9p.ko -exec cp {} "$root/lib/modules/rks/" \;
if [ "$extras" = bench ]; then
	cp "$mods/selftests/null9p/rust_null9p.ko" "$root/lib/modules/rks/"
	# make bench --baseline: another revision's rust_9p.ko.
	if [ -n "${RKS_BASELINE_KO:-}" ]; then
		mkdir -p "$root/lib/modules/rks/base"
		cp "$RKS_BASELINE_KO" "$root/lib/modules/rks/base/"
	fi
fi
mkdir -p "$root/selftests"
cp -r "$RKS_TOP/selftests/." "$root/selftests/"
rm -rf "$root/selftests/netload"
cp -r "$RKS_TOP/samples/export" "$root/srv/export"

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) >"$out"
