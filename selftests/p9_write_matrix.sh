#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rust_9p for writing, every mount variant: p9lib.sh's p9_workload on the
# mount and on a local tmpfs leaves the same tree at msize 8 KiB, 128 KiB
# and 1 MiB, with cache=none, cache=mmap and cache=loose, with access=user
# and access=client (18 mounts, two results each). make check-full runs it
# under the release kernel; make check runs four of the variants in
# p9_write.sh.
. ./ktap.sh
. ./p9lib.sh

ktap_header 40
EXPORT=/srv/write
MNT=/mnt/9p
REF=/tmp/ref

mark_dmesg
p9_write_setup
p9_workload $REF chown
p9_tree $REF >/tmp/ref.tree
for msize in 8192 131072 1048576; do
	for cache in none mmap loose; do
		for access in user client; do
			p9_compare_workload "msize=$msize,cache=$cache,access=$access"
		done
	done
done
ktap_check "unloads" rmmod rust_9p
ktap_check "no kmemleak report" kmemleak_clean
ktap_check_expr "no KASAN, lockdep or WARN report" \
	'! dmesg_since_mark | grep -E "BUG:|WARNING:|KASAN|possible .* deadlock|Oops"'
umount $EXPORT $REF
ktap_finish
