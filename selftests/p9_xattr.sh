#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rust_9p's extended attribute writes and POSIX ACLs (issue #14), through
# the in-tree v9fs client and through netload's raw 9P: setfattr and
# getfattr set, read, list and remove user.* values, and they read the same
# through the mount and on the server; XATTR_CREATE and XATTR_REPLACE
# (netload setxattr) give EEXIST and ENODATA; removing an absent one
# ENODATA; values set on the server are seen through the mount; trusted.*
# is refused with EPERM and security.capability refused; a 64 KiB value at
# msize 8192 round-trips; with posixacl, setfacl and getfacl agree through
# the mount and on the server, a default ACL applies to a file created
# beneath it, and setfacl -b removes; netload p9 xattr's rules; on a
# read-only export every setxattr gets EROFS; the kernel log and kmemleak
# stay clean.
. ./ktap.sh
. ./p9lib.sh

ktap_header 30
EXPORT=/srv/write
MNT=/mnt/9p
MNT8=/mnt/9p8
ACL=/mnt/9pacl
REF=/tmp/ref

# val PATH NAME: the value of NAME (raw), or getfattr's error.
val() { getfattr --absolute-names --only-values -n "$2" "$1" 2>&1; }
# acls PATH: getfacl's entries, numeric, without the header.
acls() { getfacl -pcn "$1"; }
# sf ARGS, sacl ARGS: setfattr, setfacl; their errors as diagnostics.
sf() { _out=$(setfattr "$@" 2>&1) || { echo "# $_out"; return 1; }; }
sacl() { _out=$(setfacl "$@" 2>&1) || { echo "# $_out"; return 1; }; }
# fails PATH NAME: NAME is absent on PATH (getfattr says so).
absent() { val "$1" "$2" | grep -q "No such attribute"; }
# err COMMAND...: the command fails; prints its output as a diagnostic.
err() { _out=$("$@" 2>&1) && return 1; echo "# $_out"; }

mark_dmesg
p9_write_setup
mkdir -p $EXPORT/x
echo data >$EXPORT/x/f
F=$MNT/x/f L=$EXPORT/x/f

ktap_check "mount msize=131072" p9_mount $MNT "msize=131072"
ktap_check_expr "setfattr user.colour through the mount: blue there and on the server" \
	'sf -n user.colour -v blue $F && [ "$(val $F user.colour)" = blue ] && [ "$(val $L user.colour)" = blue ]'
ktap_check_expr "a second value: getfattr -d lists both, as the server does" \
	'sf -n user.size -v 42 $F && m=$(cd $MNT/x && getfattr --absolute-names -d f) &&
	 [ "$m" = "$(cd $EXPORT/x && getfattr --absolute-names -d f)" ] && echo "$m" | grep -qx "user.size=\"42\"" &&
	 echo "$m" | grep -qx "user.colour=\"blue\"" || { echo "# $m"; false; }'
ktap_check_expr "setfattr again replaces the value" \
	'sf -n user.colour -v green $F && [ "$(val $F user.colour)" = green ] && [ "$(val $L user.colour)" = green ]'
ktap_check_expr "setfattr -x removes it, there and on the server" \
	'sf -x user.size $F && absent $F user.size && absent $L user.size'
ktap_check_expr "setfattr -x of an absent name: No such attribute (ENODATA)" \
	'err setfattr -x user.size $F | grep -q "No such attribute"'
ktap_check_expr "XATTR_CREATE of an existing name: EEXIST, the value kept" \
	'[ "$(netload setxattr $F user.colour red create)" = "setxattr: errno 17 (File exists)" ] &&
	 [ "$(val $L user.colour)" = green ]'
ktap_check_expr "XATTR_CREATE of an absent name: set" \
	'[ "$(netload setxattr $F user.new one create)" = set ] && [ "$(val $L user.new)" = one ]'
ktap_check_expr "XATTR_REPLACE of an absent name: ENODATA, still absent" \
	'[ "$(netload setxattr $F user.none x replace)" = "setxattr: errno 61 (No data available)" ] && absent $L user.none'
ktap_check_expr "XATTR_REPLACE of an existing name: replaced" \
	'[ "$(netload setxattr $F user.new two replace)" = set ] && [ "$(val $L user.new)" = two ]'
ktap_check_expr "set and removed on the server: seen so through the mount" \
	'sf -n user.local -v fromserver $L && [ "$(val $F user.local)" = fromserver ] &&
	 sf -x user.local $L && absent $F user.local'
ktap_check_expr "trusted.t through the mount: Operation not permitted, not on the server" \
	'err setfattr -n trusted.t -v 1 $F | grep -q "Operation not permitted" && ! getfattr -n trusted.t $L >/dev/null 2>&1'
# Without CONFIG_9P_FS_SECURITY (the test kernel has none) the client has
# no security.* handler and refuses before asking the server (EOPNOTSUPP);
# the server's own EPERM is checked by netload p9 xattr below.
ktap_check_expr "security.capability through the mount: refused, not on the server" \
	'err setfattr -n security.capability -v 0x0100000200200000000000000000000000000000 $F |
	 grep -E "Operation not permitted|Operation not supported" && ! getfattr -n security.capability $L >/dev/null 2>&1'
umount $MNT

head -c 65536 /tmp/p9src >/tmp/big
want=$(sha256sum </tmp/big)
ktap_check "mount msize=8192" p9_mount $MNT8 "msize=8192"
ktap_check_expr "a 64 KiB value set at msize 8192 is the same there and on the server" \
	'[ "$(netload setxattr $MNT8/x/f user.big @/tmp/big)" = set ] &&
	 [ "$(getfattr --absolute-names --only-values -n user.big $MNT8/x/f | sha256sum)" = "$want" ] &&
	 [ "$(getfattr --absolute-names --only-values -n user.big $L | sha256sum)" = "$want" ]'
ktap_check_expr "a 64 KiB value set on the server reads back at msize 8192" \
	'netload setxattr $L user.big2 @/tmp/big >/dev/null && [ "$(getfattr --absolute-names --only-values -n user.big2 $MNT8/x/f | sha256sum)" = "$want" ]'
umount $MNT8

# ACLs: v9fs honours posixacl with access=client only.
ktap_check "mount access=client,posixacl" p9_mount $ACL "msize=131072,access=client,posixacl"
echo a >$ACL/x/acl
ktap_check_expr "setfacl -m u:1000:rw through the mount: getfacl there and on the server agree" \
	'sacl -m u:1000:rw $ACL/x/acl && echo 3 >/proc/sys/vm/drop_caches && m=$(acls $ACL/x/acl) &&
	 [ "$m" = "$(acls $EXPORT/x/acl)" ] && echo "$m" | grep -qx "user:1000:rw-" ||
	 { echo "$m" | sed "s/^/# mount: /"; acls $EXPORT/x/acl | sed "s/^/# server: /"; false; }'
ktap_check_expr "an ACL set on the server is seen through the mount" \
	'echo b >$EXPORT/x/acl2 && sacl -m u:1001:r $EXPORT/x/acl2 && acls $ACL/x/acl2 | grep -qx "user:1001:r--"'
ktap_check_expr "setfacl -d on a directory: the server has the default ACL" \
	'mkdir $ACL/x/d && sacl -d -m u:1000:rwx $ACL/x/d && acls $EXPORT/x/d | grep -qx "default:user:1000:rwx"'
ktap_check_expr "a file created beneath it through the mount inherits it (on the server)" \
	'touch $ACL/x/d/new && m=$(acls $EXPORT/x/d/new) && echo "$m" | grep -q "^user:1000:rwx" ||
	 { echo "$m" | sed "s/^/# /"; false; }'
ktap_check_expr "setfacl -b removes the ACL, on the server too" \
	'acls $EXPORT/x/acl | grep -q "^user:1000" && sacl -b $ACL/x/acl && ! acls $EXPORT/x/acl | grep -q "^user:1000" &&
	 ! getfattr -n system.posix_acl_access $EXPORT/x/acl >/dev/null 2>&1 && ! acls $ACL/x/acl | grep -q "^user:1000"'
umount $ACL

ktap_check_expr "netload p9 xattr: every rule of Txattrcreate, Twrite, Tclunk" \
	'timeout 120 netload p9 127.0.0.1:$P9PORT xattr --aname $EXPORT >/tmp/xattr.log 2>&1; rc=$?; sed "s/^/# /" /tmp/xattr.log; [ $rc -eq 0 ]'
ktap_check_expr "then no connection, fid or attribute value is held" \
	'p9_wait_idle && [ "$(p9_counter xattr_bytes)" = 0 ]'

rmmod rust_9p
ktap_check "loads read-only" insmod "$MODDIR/rust_9p.ko" root=$EXPORT uid=0 gid=0 no_root_squash=1 read_only=1
ktap_check_expr "read-only: netload p9 xattrro (EROFS)" \
	'timeout 60 netload p9 127.0.0.1:$P9PORT xattrro --aname $EXPORT >/tmp/xattrro.log 2>&1; rc=$?; sed "s/^/# /" /tmp/xattrro.log; [ $rc -eq 0 ]'
p9_mount $MNT "msize=131072"
ktap_check_expr "read-only: setfattr through the mount: Read-only file system" \
	'err setfattr -n user.ro -v 1 $F | grep -q "Read-only file system" && absent $L user.ro'
umount $MNT
rmmod rust_9p
ktap_check "no kmemleak report" kmemleak_clean
ktap_check_expr "no KASAN, lockdep or WARN report" \
	'! dmesg_since_mark | grep -E "BUG:|WARNING:|KASAN|possible .* deadlock|Oops"'
umount $EXPORT $REF
ktap_finish
