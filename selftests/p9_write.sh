#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rust_9p for writing, through the in-tree v9fs client: the same workload
# (p9lib.sh's p9_workload) on the mount and on a local tmpfs leaves the same
# tree (types, modes, links, owners, sizes, targets, explicit times, sha256
# of every file) at cache=none, cache=mmap and cache=loose with access=user
# (v9fs's default), and with access=client; modes created under umask 0 are
# the client's; at cache=loose a hard link is one inode, before and after
# the client drops its caches, and a write through one name reads back
# through the other; real programs (tar, sqlite3, git, rsync) work on the
# mount as on tmpfs; two clients append to one file without losing a
# record; netload's table of errnos for every modifying message holds; and
# rmmod while clients write leaves every fsynced file whole.
. ./ktap.sh
. ./p9lib.sh

ktap_header 27
EXPORT=/srv/write
MNT=/mnt/9p
REF=/tmp/ref

mark_dmesg
p9_write_setup
ktap_check_expr "the load message says read-write" \
	'dmesg_since_mark | grep -q "rust_9p: exporting $EXPORT read-write on .*as uid 0 gid 0, root not squashed)"'

p9_workload $REF chown
p9_tree $REF >/tmp/ref.tree
p9_compare_workload "msize=131072,cache=none"
p9_compare_workload "msize=1048576,cache=mmap"
p9_compare_workload "msize=8192,cache=loose"
p9_compare_workload "msize=131072,cache=none,access=client"
ktap_check_expr "modes made under umask 0 are the client's" \
	'[ "$(/usr/bin/stat -c %a $EXPORT/w/open)" = 777 ] && [ "$(/usr/bin/stat -c %a $EXPORT/w/open/file)" = 666 ]'

# Real programs, on the mount and on tmpfs.
p9_mount $MNT "msize=131072,cache=none"
mkdir -p $MNT/prog $REF/prog
(cd / && /usr/bin/tar -cf /tmp/selftests.tar selftests)
untar() { (cd "$1" && /usr/bin/tar -xf /tmp/selftests.tar && /usr/bin/find selftests -type f | sort | xargs $SHA256SUM); }
ktap_check_expr "tar extracts the same files" '[ "$(untar $MNT/prog)" = "$(untar $REF/prog)" ]'
db() {
	sqlite3 "$1/test.db" "create table t(k integer primary key, v text);
		begin; $(i=0; while [ $i -lt 300 ]; do echo "insert into t(v) values ('row $i');"; i=$((i + 1)); done) commit;
		update t set v = v || '!' where k % 7 = 0; delete from t where k % 11 = 0;
		pragma integrity_check; select count(*), sum(length(v)) from t;"
}
ktap_check_expr "sqlite3: inserts, updates, integrity ok, same contents" \
	'm=$(db $MNT/prog) && [ "$m" = "$(db $REF/prog)" ] && echo "$m" | grep -qx ok'
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
export GIT_AUTHOR_DATE='2020-01-02T03:04:05Z' GIT_COMMITTER_DATE='2020-01-02T03:04:05Z'
# A few of the selftests' files, in two directories: every git operation
# below runs, on fewer objects than the whole tree (a round trip per step
# of each is what this costs under the test kernel).
repo() {
	(cd "$1" && rm -rf repo clone && mkdir repo && cd repo &&
	 git init -q --template= . && mkdir selftests &&
	 cp ../selftests/ktap.sh ../selftests/p9lib.sh ../selftests/Makefile selftests/ &&
	 cp -r ../selftests/canary selftests/ && git add -A &&
	 git commit -qm one && echo two >>selftests/ktap.sh && git commit -qam two &&
	 git gc -q && git fsck --full 2>&1 && cd .. && git clone -q repo clone &&
	 git -C clone rev-parse HEAD && git -C clone fsck --full 2>&1)
}
ktap_check_expr "git init, add, commit, gc, fsck, clone: the same HEAD" \
	'm=$(repo $MNT/prog) && r=$(repo $REF/prog) && echo "# HEAD $m" && [ "$m" = "$r" ]'
rsync_check() { /usr/bin/rsync -a --delete /selftests/ $MNT/prog/rsync/ && /usr/bin/rsync -aci --delete /selftests/ $MNT/prog/rsync/; }
ktap_check_expr "rsync -a, then rsync -aci finds nothing to do" \
	'out=$(rsync_check) && [ -z "$out" ] || { echo "$out" | head -5 | sed "s/^/# /"; false; }'
umount $MNT

# At cache=loose the client keeps inodes by qid: a hard link must be one
# inode, written through one name and read through the other, also once
# the client has dropped its dentries and inodes and looks them up anew.
p9_mount $MNT "msize=131072,cache=loose"
inode() { /usr/bin/stat -c %i "$1"; }
echo one >$MNT/linked && ln $MNT/linked $MNT/linked.2
ktap_check_expr "cache=loose: a hard link is one inode" '[ "$(inode $MNT/linked)" = "$(inode $MNT/linked.2)" ]'
echo two >>$MNT/linked.2
ktap_check_expr "a write through one name reads back through the other" \
	'[ "$(cat $MNT/linked)" = "$(printf "one\ntwo")" ]'
sync && echo 2 >/proc/sys/vm/drop_caches
ktap_check_expr "after drop_caches: still one inode, and the same bytes on the server" \
	'[ "$(inode $MNT/linked)" = "$(inode $MNT/linked.2)" ] && cmp -s $MNT/linked.2 $EXPORT/linked'
umount $MNT

# Two clients append to one file at once.
mkdir -p /mnt/9p2
p9_mount $MNT "msize=131072,cache=none" && p9_mount /mnt/9p2 "msize=131072,cache=none"
appender() {
	i=0
	while [ $i -lt 200 ]; do
		echo "$2 record $i of its 200, padded to be long enough to tell" >>"$1/shared"
		i=$((i + 1))
	done
}
appender $MNT one & one=$!
appender /mnt/9p2 two & two=$!
wait $one $two
ktap_check_expr "two clients append 200 records each, every one intact" \
	'[ "$(grep -c "^one record [0-9]* of its 200, padded to be long enough to tell$" $EXPORT/shared)" = 200 ] &&
	 [ "$(grep -c "^two record [0-9]* of its 200, padded to be long enough to tell$" $EXPORT/shared)" = 200 ] &&
	 [ "$(wc -l <$EXPORT/shared)" = 400 ]'
umount /mnt/9p2
umount $MNT

ktap_check_expr "every modifying message's errnos (netload p9 writes)" \
	'timeout 120 netload p9 127.0.0.1:$P9PORT writes --aname $EXPORT >/tmp/writes.log 2>&1; rc=$?; sed "s/^/# /" /tmp/writes.log; [ $rc -eq 0 ]'

# rmmod while two clients write and fsync.
p9_mount $MNT "msize=131072,cache=none"
mkdir -p $MNT/busy
writer() {
	i=0
	while dd if=/tmp/p9src of="$MNT/busy/$1.$i" bs=65536 count=1 conv=fsync 2>/dev/null; do
		echo "$i" >/tmp/$1.done
		i=$((i + 1))
	done
	echo end >/tmp/$1.end
}
rm -f /tmp/w1.done /tmp/w2.done /tmp/w1.end /tmp/w2.end
writer w1 & writer w2 &
for _ in $(seq 100); do [ -s /tmp/w1.done ] && [ -s /tmp/w2.done ] && break; sleep 0.1; done
ms=$(netload rmmod rust_9p)
ktap_check_expr "rmmod while clients write and fsync (took ${ms:-?} ms)" '[ -n "$ms" ] && no_module_left rust_9p'
ended=0
for _ in $(seq 100); do
	[ -e /tmp/w1.end ] && [ -e /tmp/w2.end ] && ended=1 && break
	sleep 0.1
done
ktap_check_expr "the writers get errors, not a hang" '[ $ended -eq 1 ]'
umount -l $MNT
whole=1
want=$(head -c 65536 /tmp/p9src | sha256sum)
for w in w1 w2; do
	last=$(cat /tmp/$w.done 2>/dev/null)
	[ -n "$last" ] || { whole=0; echo "# $w synced no file before the unload"; continue; }
	i=0
	while [ $i -le "$last" ]; do
		[ "$(sha256sum <$EXPORT/busy/$w.$i)" = "$want" ] || { whole=0; echo "# $w.$i is not whole"; }
		i=$((i + 1))
	done
done
ktap_check_expr "every file synced before the unload is whole" '[ $whole = 1 ]'
ktap_check "loads again" insmod "$MODDIR/rust_9p.ko" root=$EXPORT uid=0 gid=0 no_root_squash=1
p9_mount $MNT "msize=131072,cache=none" && echo again >$MNT/again
ktap_check_expr "and serves writes again" '[ "$(cat $EXPORT/again)" = again ]'
umount $MNT
rmmod rust_9p
ktap_check "no kmemleak report" kmemleak_clean
ktap_check_expr "no KASAN, lockdep or WARN report" \
	'! dmesg_since_mark | grep -E "BUG:|WARNING:|KASAN|possible .* deadlock|Oops"'
umount $EXPORT $REF
ktap_finish
