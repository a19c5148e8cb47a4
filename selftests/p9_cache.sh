#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Cache-mode consistency between two clients (issue #14): two mounts of one
# export (two connections), A and B, at cache=none, cache=mmap and
# cache=loose. A write through A is read by B once B reopens the file;
# writes through a shared mapping reach the server after msync; B's stat
# is right after A makes a hard link, the server a chmod, A a rename. At
# cache=none and cache=mmap (no attribute or data cache for reads) B must
# see each change at once; at cache=loose, where the client keeps pages
# and attributes as long as it likes, only after the client's caches are
# dropped (echo 3 >/proc/sys/vm/drop_caches, three times: drop_slab stops
# after a pass that frees at most one object, and a first pass only
# rotates the dentries and inodes used a moment ago, so a single write once
# left B's inode and its old mode in place): what B sees before is printed,
# as a diagnostic, since that is the client's choice.
. ./ktap.sh
. ./p9lib.sh

ktap_header 20
EXPORT=/srv/write
MNT=/mnt/9p
REF=/tmp/ref
A=/mnt/9pa
B=/mnt/9pb

drop() { sync && for _ in 1 2 3; do echo 3 >/proc/sys/vm/drop_caches; done; }
# seen MODE WHAT WANT COMMAND: runs COMMAND (whose output must be WANT) at
# once and, at cache=loose, again after sync and again after drop_caches
# if need be; prints what each gave; true when the one that counts (at
# once, or at cache=loose the last) gave WANT.
seen() {
	_now=$(eval "$4" 2>&1)
	[ "$1" != loose ] && { [ "$_now" = "$3" ] || echo "# cache=$1: $2: got '$_now', want '$3'"; [ "$_now" = "$3" ]; return; }
	[ "$_now" = "$3" ] && { echo "# cache=loose: $2: right at once"; return 0; }
	sync
	_synced=$(eval "$4" 2>&1)
	[ "$_synced" = "$3" ] && { echo "# cache=loose: $2: at once '$_now', right after sync"; return 0; }
	drop
	_dropped=$(eval "$4" 2>&1)
	echo "# cache=loose: $2: at once '$_now', after sync '$_synced', after drop_caches '$_dropped' (want '$3')"
	[ "$_dropped" = "$3" ]
}

mark_dmesg
p9_write_setup
for mode in none mmap loose; do
	mkdir -p $EXPORT/$mode
	if ! { p9_mount $A "msize=131072,cache=$mode" && p9_mount $B "msize=131072,cache=$mode"; }; then
		ktap_not_ok "cache=$mode: two mounts"
		continue
	fi
	ktap_ok "cache=$mode: two mounts"
	a=$A/$mode b=$B/$mode e=$EXPORT/$mode

	echo one >$a/f
	cat $b/f >/dev/null
	echo "two, longer" >$a/f
	ktap_check_expr "cache=$mode: a write through A is read by B when it reopens the file" \
		'seen $mode "write then reopen" "two, longer" "cat $b/f"'

	if [ $mode = none ]; then
		# cache=none: no page cache, so a shared writable mapping is refused
		# by the client (or not); only a diagnostic.
		head -c 8192 /dev/zero >$e/m
		echo "# cache=none: mmapwrite: $(netload mmapwrite $a/m 4000 MAPPED 2>&1)"
	else
		head -c 8192 /dev/zero >$e/m
		ktap_check_expr "cache=$mode: a write through a shared mapping is on the server after msync" \
			'out=$(netload mmapwrite $a/m 4000 MAPPED) && echo "# $out" &&
			 [ "$(dd if=$e/m bs=1 skip=4000 count=6 2>/dev/null)" = MAPPED ] &&
			 [ "$(stat -c %s $e/m)" = 8192 ] || { echo "# $out"; false; }'
	fi

	stat $b/f >/dev/null
	ln $a/f $a/f.link
	ktap_check_expr "cache=$mode: B's stat after a hard link by A" \
		'seen $mode "links after ln" 2 "stat -c %h $b/f"'
	stat $b/f.link >/dev/null
	chmod 600 $e/f
	ktap_check_expr "cache=$mode: B's stat after a chmod on the server" \
		'seen $mode "mode after chmod" 600 "stat -c %a $b/f.link"'
	echo g >$a/g
	stat $b/g >/dev/null
	mv $a/g $a/g2
	ktap_check_expr "cache=$mode: B's stat after a rename by A" \
		'seen $mode "g and g2 after mv g g2" "g2 of 2 bytes" "stat -c \"g still there\" $b/g 2>/dev/null || stat -c \"g2 of %s bytes\" $b/g2"'
	umount $B
	umount $A
done
rmmod rust_9p
ktap_check "no kmemleak report" kmemleak_clean
ktap_check_expr "no KASAN, lockdep or WARN report" \
	'! dmesg_since_mark | grep -E "BUG:|WARNING:|KASAN|possible .* deadlock|Oops"'
umount $EXPORT $REF
ktap_finish
