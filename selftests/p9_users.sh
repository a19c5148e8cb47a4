#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rust_9p's credentials: by default every access is the configured user's
# (65534); with multi_user=1 each v9fs user attaches as itself, with its
# groups from the server's /etc/passwd and /etc/group, and without
# capabilities, root included.
. ./ktap.sh
. ./p9lib.sh

ktap_header 11
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
	'dmesg_since_mark | grep -q "rust_9p: exporting $EXPORT read-only on .* multi-user)"'
p9_mount $MNT "msize=65536,cache=none"
ktap_check_expr "alice reads her own file" '[ "$(as alice "cat $MNT/alice-only")" = "alice'"'"'s" ]'
ktap_check_expr "bob cannot read alice's file" '! as bob "cat $MNT/alice-only"'
ktap_check_expr "alice reads through her supplementary group" '[ "$(as alice "cat $MNT/team-file")" = team ]'
ktap_check_expr "bob, not in the group, cannot" '! as bob "cat $MNT/team-file"'
ktap_check_expr "root has no capabilities on the server" \
	'! cat $MNT/alice-only 2>/dev/null && [ "$(cat $MNT/public)" = public ]'
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
