#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The server half of p9_remote.sh, not a selftest of its own: the guest's
# init runs it in the server VM of scripts/vm-pair.sh (rks.mode=p9server).
# Exports the 9P selftests' tree with rust_9p (writable), then serves what the client
# must see, over and over until the VM is killed: the tree's p9_listing on
# TCP port 5001 and its p9_sums on port 5002.
. ./ktap.sh
. ./p9lib.sh

ktap_header 4
ktap_check "export tree made" p9_make_export
# As root, not squashed: the client also writes p9_workload's tree there
# (chown included) and compares it with its own tmpfs.
ktap_check "rust_9p loads" insmod "$MODDIR/rust_9p.ko" root="$EXPORT" uid=0 gid=0 no_root_squash=1
ktap_check_expr "listing written" 'p9_listing "$EXPORT" >/tmp/local.list && [ -s /tmp/local.list ]'
ktap_check_expr "sums written" 'p9_sums "$EXPORT" >/tmp/local.sums && [ -s /tmp/local.sums ]'
echo "# serving: $(wc -l </tmp/local.list) entries, $(wc -l </tmp/local.sums) readable files"

# busybox nc: -ll -e keeps listening and runs cat for each connection. The
# client polls port 5001 until it answers, so the sums are served first.
nc -ll -p 5002 -e cat /tmp/local.sums </dev/null >/dev/null 2>&1 &
nc -ll -p 5001 -e cat /tmp/local.list </dev/null >/dev/null 2>&1 &
ktap_finish
