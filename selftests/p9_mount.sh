#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rust_9p mounted by the in-tree v9fs client over TCP on loopback: at msize
# 8 KiB, 128 KiB and 1 MiB, with cache=none and cache=loose, the tree reads
# exactly as it does locally; what must fail fails without hanging; rmmod
# while a client reads is clean, and loading again serves again.
. ./ktap.sh
. ./p9lib.sh

ktap_header 41
MNT=/mnt/9p

mark_dmesg
ktap_check "export tree made" p9_make_export
ktap_check "rust_9p loads" insmod "$MODDIR/rust_9p.ko" root="$EXPORT" msize=1048576 read_only=1
ktap_check_expr "load message names the export and the user" \
	'dmesg_since_mark | grep -q "rust_9p: exporting $EXPORT read-only on \*:564 (msize 1048576, as uid 65534 gid 65534)"'
p9_listing "$EXPORT" >/tmp/local.list
p9_sums "$EXPORT" >/tmp/local.sums
echo "# local: $(wc -l </tmp/local.list) lines, $(wc -l </tmp/local.sums) readable files (light=$P9_LIGHT)"

for msize in 8192 131072 1048576; do
	for cache in none loose; do
		p9_compare $MNT "msize=$msize,cache=$cache" /tmp/local.list /tmp/local.sums
	done
done

p9_mount $MNT "msize=131072,cache=none"
edges=$(p9_sparse_edges $EXPORT)
ktap_check_expr "the sparse file's data and holes read as they are" \
	'[ "$(p9_sparse_edges $MNT)" = "$edges" ] && [ "$edges" != "$(head -c 262144 /dev/zero | sha256sum)" ]'
ktap_check_expr "reads of a page or more send the file's pages, and read right" \
	'before=$(p9_counter reads_from_pages) &&
	 [ "$(dd if=$MNT/files/size-67108864 bs=65536 count=16 2>/dev/null | sha256sum)" = \
	   "$(head -c 1048576 $EXPORT/files/size-67108864 | sha256sum)" ] &&
	 [ "$(p9_counter reads_from_pages)" -ge $((before + 16)) ]'
ktap_check_expr "df shows the export's size" \
	'[ "$(df -k $MNT | awk "NR == 2 { print \$2 }")" = "$(df -k $EXPORT | awk "NR == 2 { print \$2 }")" ]'
# v9fs opens fifos and devices on the client (its own pipe, its own
# device), never asking the server, as for local special files; nodev
# refuses the device. The server's own refusal: netload p9 special.
ktap_check_expr "the fifo and the device are listed with their types" \
	'[ "$(/usr/bin/stat -c %F $MNT/fifo)" = fifo ] && [ "$(/usr/bin/stat -c %t,%T $MNT/null-device)" = 1,3 ]'
ktap_check_expr "opening the fifo or the device on the server fails at once" \
	'timeout 30 netload p9 127.0.0.1:$P9PORT special'
ktap_check_expr "with nodev the client refuses to open the device" \
	'umount $MNT && p9_mount $MNT "msize=131072,cache=none,nodev" && ! cat $MNT/null-device 2>/dev/null'
ktap_check_expr "a file the serving uid cannot read stays unread" \
	'! cat $MNT/unreadable 2>/dev/null && [ "$(cat $EXPORT/unreadable)" = "root only" ]'
ktap_check_expr "a mount inside the export is not crossed" \
	'[ -d $MNT/mnt ] && [ -z "$(ls -A $MNT/mnt)" ] && ! cat $MNT/mnt/secret 2>/dev/null'
ktap_check_expr "extended attributes read back" \
	'[ "$(getfattr --only-values -n user.colour $MNT/files/size-1)" = blue ] &&
	 getfattr -d $MNT/files/size-1 | grep -q user.empty &&
	 [ "$(getfattr --only-values -n user.long $MNT/deep | wc -c)" -eq 3000 ]'
ktap_check_expr "a missing attribute is ENODATA" \
	'getfattr -n user.none $MNT/files/size-1 2>&1 | grep -q "No such attribute"'
ktap_check_expr "writes are refused with EROFS" \
	'! touch $MNT/new 2>/tmp/err && grep -q "Read-only file system" /tmp/err &&
	 ! mkdir $MNT/files/newdir 2>/dev/null && ! rm $MNT/files/size-0 2>/dev/null &&
	 [ -e $EXPORT/files/size-0 ]'
ktap_check_expr "counters count requests and connections" \
	'[ "$(p9_counter requests.walk)" -gt 100 ] && [ "$(p9_counter connections_open)" -eq 1 ] &&
	 [ "$(p9_counter bytes_sent)" -gt 4194304 ]'
umount $MNT

# v9fs keeps a file's pages with cache=loose only if its qid.version is not 0.
p9_mount $MNT "msize=131072,cache=loose"
cat $MNT/files/size-4097 >/dev/null
reads=$(p9_counter requests.read)
ktap_check_expr "cache=loose reads a file again from the client's cache" \
	'cmp -s $MNT/files/size-4097 $EXPORT/files/size-4097 && [ "$(p9_counter requests.read)" = "$reads" ]'
umount $MNT

# rmmod while a client reads the 64 MiB file in a loop.
p9_mount $MNT "msize=131072,cache=none"
(while cat $MNT/files/size-67108864 >/dev/null 2>&1; do :; done; echo done >/tmp/reader.end) &
reader=$!
sleep 1
ms=$(netload rmmod rust_9p)
ktap_check_expr "rmmod while mounted and reading returns (took ${ms:-?} ms)" \
	'[ -n "$ms" ] && no_module_left rust_9p'
ended=0
for i in $(seq 100); do
	[ -e /tmp/reader.end ] && ended=1 && break
	sleep 0.1
done
ktap_check_expr "the reading client gets errors, not a hang" '[ $ended -eq 1 ]'
kill $reader 2>/dev/null
umount -l $MNT
ktap_check "loads again" insmod "$MODDIR/rust_9p.ko" root="$EXPORT" read_only=1
p9_mount $MNT "msize=131072,cache=none" && p9_sums $MNT >/tmp/9p.sums
ktap_check "remounted, reads the same" cmp -s /tmp/local.sums /tmp/9p.sums
umount $MNT
rmmod rust_9p
ktap_check "unloaded" no_module_left rust_9p
ktap_check "no kmemleak report" kmemleak_clean
ktap_check_expr "no KASAN, lockdep or WARN report" \
	'! dmesg_since_mark | grep -E "BUG:|WARNING:|KASAN|possible .* deadlock|Oops"'
umount "$EXPORT/mnt" "$EXPORT"
ktap_finish
