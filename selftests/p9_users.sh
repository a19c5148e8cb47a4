#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rust_9p's credentials: by default every access is the configured user's
# (65534); with multi_user=1 each v9fs user attaches as itself, with its
# groups from the server's /etc/passwd and /etc/group, and without
# capabilities; root is squashed to 65534 unless no_root_squash=1, which
# gives it the file-system capabilities only. With writes: permissions,
# chown, supplementary groups, setuid cleared by a non-owner's write, and
# read_only=1 refusing every change.
. ./ktap.sh
. ./p9lib.sh

ktap_header 25
EXPORT=/srv/users
MNT=/mnt/users

cp /etc/passwd /tmp/passwd.orig
cp /etc/group /tmp/group.orig
cat >>/etc/passwd <<'EOT'
alice:x:1000:1000:Alice:/:/bin/sh
bob:x:1001:1001:Bob:/:/bin/sh
EOT
echo 'team:x:2000:alice' >>/etc/group
mkdir -p $EXPORT
mount -t tmpfs -o mode=0755 users $EXPORT
echo "alice's" >$EXPORT/alice-only
chown 1000:1000 $EXPORT/alice-only
chmod 600 $EXPORT/alice-only
echo team >$EXPORT/team-file
chown 0:2000 $EXPORT/team-file
chmod 640 $EXPORT/team-file
echo public >$EXPORT/public
echo bob >$EXPORT/bob-file
chown 1001:1001 $EXPORT/bob-file
chmod 644 $EXPORT/bob-file
echo team >$EXPORT/team-rw
chown 0:2000 $EXPORT/team-rw
chmod 664 $EXPORT/team-rw
echo root >$EXPORT/root-only
chmod 600 $EXPORT/root-only
echo suid >$EXPORT/suid
chown 1001:1001 $EXPORT/suid
chmod 4777 $EXPORT/suid
chmod 1777 $EXPORT
# as USER COMMAND: runs COMMAND as USER (root needs no password).
as() { su -s /bin/sh "$1" -c "$2" 2>/dev/null; }

mark_dmesg
insmod "$MODDIR/rust_9p.ko" root=$EXPORT
p9_mount $MNT "msize=65536,cache=none"
ktap_check_expr "single user: everyone reads as 65534, so alice cannot" \
	'[ "$(as bob "cat $MNT/public")" = public ] && ! as alice "cat $MNT/alice-only"'
umount $MNT
rmmod rust_9p

ktap_check "multi_user=1 loads" insmod "$MODDIR/rust_9p.ko" root=$EXPORT multi_user=1
ktap_check_expr "the load message says multi-user" \
	'dmesg_since_mark | grep -q "rust_9p: exporting $EXPORT read-write on .* multi-user, root as uid 65534 gid 65534)"'
p9_mount $MNT "msize=65536,cache=none"
ktap_check_expr "alice reads her own file" '[ "$(as alice "cat $MNT/alice-only")" = "alice'"'"'s" ]'
ktap_check_expr "bob cannot read alice's file" '! as bob "cat $MNT/alice-only"'
ktap_check_expr "alice reads through her supplementary group" '[ "$(as alice "cat $MNT/team-file")" = team ]'
ktap_check_expr "bob, not in the group, cannot" '! as bob "cat $MNT/team-file"'
ktap_check_expr "root is squashed to 65534 on the server" \
	'! cat $MNT/alice-only 2>/dev/null && ! cat $MNT/root-only 2>/dev/null && [ "$(cat $MNT/public)" = public ]'
ktap_check_expr "what root creates belongs to 65534" \
	'touch $MNT/by-root && [ "$(/usr/bin/stat -c %u $EXPORT/by-root)" = 65534 ]'
ktap_check_expr "alice cannot write bob's 0644 file" \
	'! as alice "echo x >>$MNT/bob-file" && [ "$(cat $EXPORT/bob-file)" = bob ]'
ktap_check_expr "alice cannot give her file away" \
	'! as alice "chown 1001 $MNT/alice-only" && [ "$(/usr/bin/stat -c %u $EXPORT/alice-only)" = 1000 ]'
ktap_check_expr "alice writes through her supplementary group" \
	'as alice "echo more >>$MNT/team-rw" && grep -q more $EXPORT/team-rw'
ktap_check_expr "alice's write to bob's setuid file clears setuid" \
	'as alice "echo w >>$MNT/suid" && [ "$(/usr/bin/stat -c %a $EXPORT/suid)" = 777 ]'
ktap_check_expr "alice's new file is hers" \
	'as alice "echo new >$MNT/alice-new" && [ "$(/usr/bin/stat -c %u:%g $EXPORT/alice-new)" = 1000:1000 ]'
umount $MNT
rmmod rust_9p

ktap_check "no_root_squash=1 loads" \
	insmod "$MODDIR/rust_9p.ko" root=$EXPORT multi_user=1 no_root_squash=1
p9_mount $MNT "msize=65536,cache=none"
ktap_check_expr "root reads root's 0600 file" '[ "$(cat $MNT/root-only)" = root ]'
ktap_check_expr "root gives a file away" \
	'chown 1000 $MNT/by-root && [ "$(/usr/bin/stat -c %u $EXPORT/by-root)" = 1000 ]'
# chown of a setuid file: the client's notify_change() turns the kill of
# setuid into a mode, so one Tsetattr carries the mode and the owner.
ktap_check_expr "root gives a setuid file away: setuid cleared, one Tsetattr with mode and owner" \
	'touch $MNT/suid-given && chmod 4755 $MNT/suid-given && chown 1000 $MNT/suid-given &&
	 [ "$(/usr/bin/stat -c %a:%u $EXPORT/suid-given)" = 755:1000 ]'
ktap_check_expr "root has no CAP_MKNOD" '! mknod $MNT/null c 1 3 2>/dev/null && [ ! -e $EXPORT/null ]'
umount $MNT
rmmod rust_9p

ktap_check "read_only=1 loads" insmod "$MODDIR/rust_9p.ko" root=$EXPORT read_only=1
p9_mount $MNT "msize=65536,cache=none"
erofs() { $1 2>&1 | grep -q "Read-only file system"; }
ktap_check_expr "read_only=1: touch, mkdir, rm, mv, ln, chmod and writes get EROFS" \
	'erofs "touch $MNT/new" && erofs "mkdir $MNT/dir" && erofs "rm $MNT/public" &&
	 erofs "mv $MNT/public $MNT/moved" && erofs "ln $MNT/public $MNT/linked" &&
	 erofs "chmod 600 $MNT/public" && ! (echo x >>$MNT/public) 2>/dev/null &&
	 [ "$(cat $EXPORT/public)" = public ]'
ktap_check_expr "and reads on" '[ "$(cat $MNT/public)" = public ]'
umount $MNT
ms=$(netload rmmod rust_9p)
ktap_check_expr "unloads (took ${ms:-?} ms)" '[ -n "$ms" ] && no_module_left rust_9p'
ktap_check "no kmemleak report" kmemleak_clean
ktap_check_expr "no KASAN, lockdep or WARN report" \
	'! dmesg_since_mark | grep -E "BUG:|WARNING:|KASAN|possible .* deadlock|Oops"'
umount $EXPORT
cp /tmp/passwd.orig /etc/passwd
cp /tmp/group.orig /etc/group
ktap_finish
