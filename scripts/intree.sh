#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# intree.sh [vm.sh options]: proves that this directory builds inside a
# kernel tree, as its Kconfig and Makefile promise.
#
# In a scratch copy of the cached Debian source (hard links; an O= build
# never writes to the source tree) the directory goes to
# drivers/rust_kernel_servers, sourced from drivers/Kconfig and
# drivers/Makefile. On a copy of the cached test kernel's build tree, placed
# in the scratch source as the cache has it (Kbuild then names sources
# "../...", so the command lines match and the build is incremental), it
# builds
#   1. CONFIG_RUST_9P=m, CONFIG_RUST_FINGERD=m: both modules;
#   2. both =y: a kernel with the servers built in, which boots twice in
#      the VM (selftests/intree_boot.sh): with good parameters on the
#      command line (both servers answer), and with bad ones (each logs
#      what is wrong, and no server listens).
# Prints "intree: PASS ..." or "intree: FAIL ..." per step; exits 1 if
# any failed. Logs in build/intree/.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$RKS_TOP"

work="$RKS_TOP/build/intree"
mkdir -p "$RKS_TOP/build/logs"
src="$work/src"
kdir=$(rks_kdir test)
obj="$src/${kdir##*/}"
failed=0
pass() { echo "intree: PASS $*"; }
fail() { echo "intree: FAIL $*"; failed=1; }

[ -f "$kdir/.rks-built" ] || { echo "intree: no test kernel; run scripts/kernel.sh build test" >&2; exit 2; }
# The boots use the test flavour's initramfs, which wants its modules.
scripts/modules.sh test >"$RKS_TOP/build/logs/intree-modules.log" 2>&1 ||
	{ echo "intree: the modules do not build (see build/logs/intree-modules.log)" >&2; exit 2; }
start=$(date +%s)
rm -rf "$work"
mkdir -p "$work"
# Everything but the build trees, which are copied, never linked.
mkdir -p "$src"
find "$(rks_src)" -mindepth 1 -maxdepth 1 ! -name 'out-*' -exec cp -al -t "$src" {} +
# The two files edited are replaced, not written through their links.
for f in Kconfig Makefile; do
	cp "$src/drivers/$f" "$work/drivers.$f"
	rm "$src/drivers/$f"
done
sed 's|^endmenu$|source "drivers/rust_kernel_servers/Kconfig"\n\nendmenu|' \
	"$work/drivers.Kconfig" >"$src/drivers/Kconfig"
{ cat "$work/drivers.Makefile"; echo 'obj-y += rust_kernel_servers/'; } >"$src/drivers/Makefile"
dest="$src/drivers/rust_kernel_servers"
mkdir -p "$dest"
git ls-files -z -- Kconfig Makefile '*.rs' '*.c' '*.h' |
	grep -zv -e '^host/' -e '^bench/' -e '^selftests/' | xargs -0 cp --parents -t "$dest"
cp -a "$kdir" "$obj"
rm -f "$obj/.rks-built"
echo "intree: scratch tree ready in $(($(date +%s) - start)) s"

mk() { make -s -C "$src" O="$obj" LLVM="$RKS_LLVM" -j"$(nproc)" "$@"; }
# configure m|y: both servers as modules or built in.
configure() {
	"$src/scripts/config" --file "$obj/.config" --set-val RUST_9P "$1" --set-val RUST_FINGERD "$1"
	mk olddefconfig >/dev/null
	grep -qx "CONFIG_RUST_9P=$1" "$obj/.config" && grep -qx "CONFIG_RUST_FINGERD=$1" "$obj/.config"
}

t=$(date +%s)
if configure m && mk modules >"$work/build-m.log" 2>&1 &&
	[ -f "$obj/drivers/rust_kernel_servers/rust_9p.ko" ] &&
	[ -f "$obj/drivers/rust_kernel_servers/rust_fingerd.ko" ]; then
	pass "builds with CONFIG_RUST_9P=m CONFIG_RUST_FINGERD=m ($(($(date +%s) - t)) s)"
else
	tail -30 "$work/build-m.log"
	fail "build with =m (see build/intree/build-m.log)"
fi

t=$(date +%s)
if configure y && mk bzImage >"$work/build-y.log" 2>&1 &&
	grep -q ' rust_9p_walk$' "$obj/System.map" && grep -q ' rust_fingerd_read_published$' "$obj/System.map"; then
	pass "builds with both =y, built into vmlinux ($(($(date +%s) - t)) s)"
	bzimage="$obj/arch/x86/boot/bzImage"
	# The export must be there when the servers start: unpack the
	# initramfs before the initcalls.
	boot="initramfs_async=0 rust_9p.root=/srv/export rust_fingerd.port=79"
	if scripts/vm.sh --flavour test --mode test --tests intree_boot.sh --bzimage "$bzimage" \
		--timeout 600 --append "$boot rks.intree=good" "$@" >"$work/boot-good.log" 2>&1; then
		pass "built in, with parameters on the command line, both servers answer"
	else
		fail "built-in boot with good parameters (see build/logs/latest)"
	fi
	bad="initramfs_async=0 rust_9p.root=/srv/export rust_9p.msize=1 rust_fingerd.port=0"
	if scripts/vm.sh --flavour test --mode test --tests intree_boot.sh --bzimage "$bzimage" \
		--timeout 600 --append "$bad rks.intree=bad" "$@" >"$work/boot-bad.log" 2>&1; then
		pass "built in, bad command-line parameters are logged and start no server"
	else
		fail "built-in boot with bad parameters (see build/logs/latest)"
	fi
else
	tail -30 "$work/build-y.log"
	fail "build with =y (see build/intree/build-y.log)"
fi
echo "intree: took $(($(date +%s) - start)) s"
# The scratch trees are 2 GB of links and copies; keep only the logs.
rm -rf "$src"
exit $failed
