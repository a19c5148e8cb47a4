#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# modules.sh FLAVOUR [MAKE ARGS...]
#
# Builds the project's modules against the cached kernel of FLAVOUR. Kbuild
# (6.12) writes objects next to the sources, so each flavour builds in its own
# copy of the tree under build/FLAVOUR/src; the .ko files end up there.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:?usage: modules.sh FLAVOUR [MAKE ARGS...]}
shift
kdir=$(rks_kdir "$flavour")
[ -f "$kdir/.rks-built" ] || { echo "modules: no $flavour kernel; run scripts/kernel.sh build $flavour" >&2; exit 1; }

out="$RKS_TOP/build/$flavour/src"
mkdir -p "$out"
# Copy the sources, keeping their times so that make rebuilds only what changed.
tar -C "$RKS_TOP" --exclude=./build --exclude=./host --exclude=./.git --exclude=./bench \
	--exclude=./selftests/netload/target -cf - . | tar -C "$out" -xf -
echo "modules: building for the $flavour kernel in build/$flavour/src"
rks_make_modules "$kdir" "$out" "$@"
