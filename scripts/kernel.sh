#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel.sh build FLAVOUR   build (or reuse) the kernel of a flavour
# kernel.sh dir FLAVOUR     print its build directory
#
# FLAVOUR is "test" (KASAN, kmemleak, lockdep, ...) or "release".
# A tree counts as built only once the stamp file .rks-built exists; a failed
# build is removed so that it cannot poison the cache.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cmd=${1:-}
flavour=${2:-}
kdir=$(rks_kdir "$flavour")

case "$cmd" in
dir) echo "$kdir"; exit 0 ;;
build) ;;
*) echo "usage: $0 build|dir test|release" >&2; exit 2 ;;
esac

if [ -f "$kdir/.rks-built" ]; then
	echo "kernel: $flavour kernel cached in $kdir"
	exit 0
fi

src=$(rks_src)
mkdir -p "$RKS_CACHE/kernel" "$RKS_CACHE/src"
exec 9>"$RKS_CACHE/kernel/.lock"
if ! flock -n 9; then
	echo "kernel: waiting for another kernel build to finish" >&2
	flock 9
fi

if [ ! -f "$src/Makefile" ]; then
	echo "kernel: unpacking /usr/src/linux-source-6.12.tar.xz"
	tmp=$(mktemp -d "$RKS_CACHE/src/.unpack.XXXXXX")
	tar xf /usr/src/linux-source-6.12.tar.xz -C "$tmp"
	mv "$tmp"/linux-source-6.12 "$src"
	rmdir "$tmp"
fi

[ -f "$kdir/.rks-built" ] && { echo "kernel: $flavour kernel cached in $kdir"; exit 0; }

echo "kernel: building the $flavour kernel in $kdir (10 to 15 minutes from clean on 2 cores)"
start=$(date +%s)
mkdir -p "$kdir"
trap 'echo "kernel: build failed; removing $kdir" >&2; rm -rf "$kdir"' ERR
mk() { make -s -C "$src" O="$kdir" LLVM="$RKS_LLVM" "$@"; }
mk tinyconfig >/dev/null
# shellcheck disable=SC2046
"$src/scripts/kconfig/merge_config.sh" -m -O "$kdir" "$kdir/.config" \
	$(rks_fragments "$flavour") >/dev/null
mk olddefconfig >/dev/null
# Every option a fragment asks for must have survived dependency resolution.
# shellcheck disable=SC2046
for frag in $(rks_fragments "$flavour"); do
	while IFS= read -r want; do
		case "$want" in
		CONFIG_*=*) grep -qx -- "$want" "$kdir/.config" ;;
		"# CONFIG_"*" is not set")
			name=${want#\# }
			! grep -q "^${name%% *}=" "$kdir/.config" ;;
		*) continue ;;
		esac || { echo "kernel: $frag: '$want' did not take effect" >&2; false; }
	done <"$frag"
done
mk -j"$(nproc)" bzImage modules
trap - ERR
end=$(date +%s)
echo "$((end - start))" >"$kdir/.rks-built"
echo "kernel: built the $flavour kernel in $((end - start)) s"
# Trees of this flavour for older fragments or toolchains are 2 GB each.
for old in "$src/out-$flavour"-* "$RKS_CACHE/kernel/$flavour"-*; do
	[ -d "$old" ] || continue
	[ "$old" != "$kdir" ] && rm -rf "$old"
done
true
