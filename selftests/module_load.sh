#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Each module loads with valid parameters, logs one line, and unloads cleanly.
. ./ktap.sh

ktap_header 6
mkdir -p /tmp/export

load_unload() {
	name=$1
	shift
	mark_dmesg
	ktap_check "$name: insmod $*" insmod "$MODDIR/$name.ko" "$@"
	dmesg_since_mark | grep -q "^.*$name: " && grep -q "^$name " /proc/modules
	ktap_check "$name: loaded and logged" [ $? -eq 0 ]
	mark_dmesg
	rmmod "$name" && no_module_left "$name" && dmesg_since_mark | grep -q "$name: "
	ktap_check "$name: rmmod leaves no trace and logs" [ $? -eq 0 ]
}

load_unload rust_9p root=/tmp/export
load_unload rust_fingerd
ktap_finish
