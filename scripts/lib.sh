# SPDX-License-Identifier: GPL-2.0
# Shared settings of the project's scripts; sourced, not run.

RKS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RKS_CACHE=${RKS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rust-kernel-servers}
# The upstream version of the installed linux-source-6.12 (Debian moves it
# on: 6.12.117, then 6.12.118), so a new source gets its own tree.
RKS_KVER=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null | sed 's/-.*//')
RKS_KVER=${RKS_KVER:-6.12}
RKS_LLVM=${RKS_LLVM:--19}
export PATH="$HOME/.cargo/bin:$PATH"

# The Debian source tree, unpacked once per kernel version.
rks_src() { echo "$RKS_CACHE/src/linux-$RKS_KVER"; }

# Config fragments of a flavour, in merge order.
rks_fragments() {
	case "$1" in
	release) echo "$RKS_TOP/selftests/config $RKS_TOP/selftests/config.release" ;;
	test) echo "$RKS_TOP/selftests/config $RKS_TOP/selftests/config.debug" ;;
	*) echo "unknown kernel flavour '$1' (want test or release)" >&2; return 1 ;;
	esac
}

# Build directory of a flavour: keyed by kernel version, fragment contents,
# flavour and toolchain versions, so any change selects a fresh tree. It is a
# direct subdirectory of the source tree, where Kbuild names sources by the
# relative path "..": then a copy of both (scripts/intree.sh) rebuilds only
# what changed, not every object whose command line names the source.
rks_kdir() {
	local flavour=$1 frags key
	frags=$(rks_fragments "$flavour") || return 1
	key=$({
		echo "$RKS_KVER $flavour"
		# shellcheck disable=SC2086
		cat $frags
		rustc --version
		"clang$RKS_LLVM" --version | head -1
		bindgen --version 2>/dev/null
	} | sha256sum | cut -c1-16)
	echo "$(rks_src)/out-$flavour-$key"
}

# rks_make_modules KDIR DIR [MAKE ARGS...]: builds the project's modules in
# DIR (a copy of a tree of this project) against the kernel built in KDIR.
rks_make_modules() {
	local kdir=$1 dir=$2
	shift 2
	make -s -C "$kdir" M="$dir" LLVM="$RKS_LLVM" -j"$(nproc)" "$@" modules
}
