#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Loading and unloading 20 times in a row leaves nothing behind.
. ./ktap.sh

ktap_header 3
mkdir -p /tmp/export

cycles() {
	name=$1
	shift
	i=0
	while [ $i -lt 20 ]; do
		insmod "$MODDIR/$name.ko" "$@" || { echo "# load $i failed"; return 1; }
		rmmod "$name" || { echo "# unload $i failed"; return 1; }
		i=$((i + 1))
	done
	no_module_left "$name"
}

ktap_check "rust_9p: 20 load/unload cycles" cycles rust_9p root=/tmp/export
ktap_check "rust_fingerd: 20 load/unload cycles" cycles rust_fingerd
ktap_check "no kmemleak report" kmemleak_clean
ktap_finish
