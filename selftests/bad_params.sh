#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Bad module parameters are refused with EINVAL and a clear pr_err line.
. ./ktap.sh

mkdir -p /tmp/export
touch /tmp/a-file

# refused MODULE EXPECTED-LOG-TEXT PARAMS...
refused() {
	name=$1 want=$2
	shift 2
	mark_dmesg
	out=$(insmod "$MODDIR/$name.ko" "$@" 2>&1)
	rc=$?
	log=$(dmesg_since_mark)
	if [ $rc -eq 0 ]; then
		rmmod "$name"
		echo "# insmod $name $* succeeded"
		ktap_not_ok "$name $*"
		return
	fi
	case "$out" in
	*"Invalid argument"* | *"Invalid parameters"*) ;;
	*) echo "# insmod said: $out"; ktap_not_ok "$name $*: EINVAL"; return ;;
	esac
	if ! echo "$log" | grep -q "$name: .*$want"; then
		echo "# kernel log lacks '$name: ...$want':"
		echo "$log" | sed 's/^/# /'
		ktap_not_ok "$name $*: log"
		return
	fi
	no_module_left "$name"
	ktap_check "$name $*" [ $? -eq 0 ]
}

ktap_header 28
for m in rust_9p rust_fingerd; do
	extra=
	[ $m = rust_9p ] && extra=root=/tmp/export
	refused $m "port=0 is out of range" port=0 $extra
	refused $m "port=70000 is out of range" port=70000 $extra
	refused $m "port=-1 is out of range" port=-1 $extra
	refused $m "address=bogus is not an IPv4" address=bogus $extra
	refused $m "address=1.2.3.256 is not an IPv4" address=1.2.3.256 $extra
done
refused rust_fingerd "deadline_ms=0 is out of range" deadline_ms=0
refused rust_fingerd "max_clients=0 is out of range" max_clients=0
refused rust_fingerd "max_per_peer=-5 is out of range" max_per_peer=-5
refused rust_fingerd "max_plan_size=2000000 is out of range" max_plan_size=2000000
refused rust_fingerd "group=bad/name is not a group name" group=bad/name
refused rust_9p "root= is required" 
refused rust_9p "root=/nonexistent does not exist" root=/nonexistent
refused rust_9p "root=/tmp/a-file is not a directory" root=/tmp/a-file
refused rust_9p "root=relative is not an absolute path" root=relative
refused rust_9p "msize=4095 is out of range 4096-1048576" root=/tmp/export msize=4095
refused rust_9p "msize=2000000 is out of range 4096-1048576" root=/tmp/export msize=2000000
refused rust_9p "zero_copy_min=-1 is out of range 0-1048576" root=/tmp/export zero_copy_min=-1
refused rust_9p "max_connections=0 is out of range" root=/tmp/export max_connections=0
refused rust_9p "max_fids=8 is out of range 16-1048576" root=/tmp/export max_fids=8
refused rust_9p "idle_timeout=-1 is out of range 0-86400" root=/tmp/export idle_timeout=-1
refused rust_9p "uid=4294967295 is not a valid id" root=/tmp/export uid=4294967295
refused rust_9p "gid=4294967295 is not a valid id" root=/tmp/export gid=4294967295
refused rust_9p "uid=0 serves every client as root: add no_root_squash=1" root=/tmp/export uid=0
ktap_finish
