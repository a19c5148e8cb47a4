#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rust_9p's POSIX byte-range locks (issue #14), through two v9fs mounts of
# one export (two connections, cache=none, locktimeout=1), a cache=mmap and
# a cache=loose mount, processes on the server working on the export
# directory itself, and raw 9P (netload lock, selftests/netload/src/
# locktool.rs): F_SETLK conflicts give EAGAIN mount to mount, mount to
# server and server to mount; read locks share, read and write conflict;
# byte ranges that do not overlap do not conflict; F_GETLK through a mount
# reports the holder's type, range and pid; closing the holder's
# descriptor, kill -9 of the holder, Tclunk of its fid and the end of its
# connection release; F_SETLKW waits and is granted after the release;
# flock(1) excludes across mounts; a write lock on a descriptor open
# read-only is EBADF; two sqlite3 writers on two mounts lose no row; and
# once every client is gone no lock is left, no "Leaked POSIX lock", KASAN
# or WARN report, no kmemleak report.
#
# Holders run in the background and hold until the test creates their
# release file (netload lock --hold), so every release is the test's
# doing; the waits are for events (a line printed, a process in fcntl, a
# process gone), each bounded.
. ./ktap.sh
. ./p9lib.sh

ktap_header 32
EXPORT=/srv/write
MNT=/mnt/9p
REF=/tmp/ref
A=/mnt/a
B=/mnt/b
OPTS="msize=131072,cache=none,locktimeout=1"
start_ms=$(uptime_ms)
holders=

# lk ARGS...: netload lock's result word (ok, EAGAIN, EBADF, ... or for
# getlk the whole line), within 30 s.
lk() { /usr/bin/timeout 30 netload lock "$@" --timeout 20 2>&1 | head -n 1; }
lkw() { lk "$@" | cut -d' ' -f1; }

# until_true SECONDS COMMAND...: polls COMMAND every 10 ms until it holds.
until_true() {
	_n=$(($1 * 100))
	shift
	while [ $_n -gt 0 ]; do
		"$@" && return 0
		sleep 0.01
		_n=$((_n - 1))
	done
	return 1
}
answered() { [ -s "$1" ] || ! kill -0 "$2" 2>/dev/null; }

# hold NAME FILE ARGS...: a background F_SETLK holder of FILE (netload lock
# FILE --op setlk ARGS --hold); waits until it answered and is true if it
# got the lock. Its pid is in $held.
hold() {
	_name=$1
	shift
	rm -f /tmp/lk.$_name.out /tmp/lk.$_name.rel
	netload lock "$@" --op setlk --hold /tmp/lk.$_name.rel --timeout 90 \
		>/tmp/lk.$_name.out 2>&1 &
	held=$!
	holders="$holders $held"
	eval "lk_pid_$_name=$held"
	until_true 20 answered /tmp/lk.$_name.out $held
	[ "$(head -n 1 /tmp/lk.$_name.out | cut -d' ' -f1)" = ok ] ||
		{ sed "s/^/# holder $_name: /" /tmp/lk.$_name.out; false; }
}
# fields GETLK-LINE: $lock (type, start, length) and $pid of netload
# lock's F_GETLK line ("w 0 100 pid -82").
fields() { lock="$1 $2 $3"; pid=${5:-}; }
# release NAME: ends holder NAME's wait; returns once it has exited.
release() {
	touch /tmp/lk.$1.rel
	eval "_pid=\${lk_pid_$1:-}"
	[ -z "$_pid" ] || wait $_pid
}

mark_dmesg
p9_write_setup
for f in c1 c2 c3 c4 c5 c6 c7 c8 c9 c10 c11 c12 c13 c14; do
	echo "lock test file $f" >$EXPORT/$f
	chmod 666 $EXPORT/$f
done
ktap_check_expr "two mounts of the export, $OPTS" 'p9_mount $A "$OPTS" && p9_mount $B "$OPTS"'

# Mount to mount, mount to server.
hold a1 $A/c1 --type w
ktap_check_expr "A holds a write lock: F_SETLK through B is EAGAIN" '[ "$(lkw $B/c1 --op setlk --type w)" = EAGAIN ]'
ktap_check_expr "and on the server, F_SETLK is EAGAIN" '[ "$(lkw $EXPORT/c1 --op setlk --type w)" = EAGAIN ]'
got=$(lk $B/c1 --op getlk --type w)
echo "# F_GETLK through B: $got (holder pid $lk_pid_a1)"
fields $got
ktap_check_expr "F_GETLK through B reports a write lock on the whole file" '[ "$lock" = "w 0 0" ]'
ktap_check_expr "with the holder's pid (negative: remote)" '[ "${pid#-}" = "$lk_pid_a1" ]'
release a1
ktap_check_expr "once A closes its descriptor, B gets the lock" '[ "$(lkw $B/c1 --op setlk --type w)" = ok ]'

hold b1 $B/c2 --type w
ktap_check_expr "B holds: F_SETLK through A is EAGAIN" '[ "$(lkw $A/c2 --op setlk --type w)" = EAGAIN ]'
release b1

hold s1 $EXPORT/c3 --type w
ktap_check_expr "a process on the server holds: F_SETLK through A is EAGAIN" '[ "$(lkw $A/c3 --op setlk --type w)" = EAGAIN ]'
got=$(lk $B/c3 --op getlk --type w)
echo "# F_GETLK through B: $got (server-local holder pid $lk_pid_s1)"
fields $got
ktap_check_expr "F_GETLK through B reports it (w 0 0, its pid)" '[ "$lock" = "w 0 0" ] && [ "${pid#-}" = "$lk_pid_s1" ]'
release s1
ktap_check_expr "once it closes, A gets the lock" '[ "$(lkw $A/c3 --op setlk --type w)" = ok ]'

# Read and write.
hold a2 $A/c4 --type r
ktap_check_expr "A holds a read lock: read locks through B and on the server are granted" \
	'[ "$(lkw $B/c4 --op setlk --type r)" = ok ] && [ "$(lkw $EXPORT/c4 --op setlk --type r)" = ok ]'
ktap_check_expr "write locks through B and on the server are EAGAIN" \
	'[ "$(lkw $B/c4 --op setlk --type w)" = EAGAIN ] && [ "$(lkw $EXPORT/c4 --op setlk --type w)" = EAGAIN ]'
release a2
hold a3 $A/c5 --type w
ktap_check_expr "A holds a write lock: a read lock through B is EAGAIN" '[ "$(lkw $B/c5 --op setlk --type r)" = EAGAIN ]'
release a3

# Byte ranges.
hold a4 $A/c6 --type w --start 0 --len 100
ktap_check_expr "A holds bytes 0-99: B's 100-199 and the server's 200- are granted" \
	'[ "$(lkw $B/c6 --op setlk --type w --start 100 --len 100)" = ok ] &&
	 [ "$(lkw $EXPORT/c6 --op setlk --type w --start 200)" = ok ]'
got=$(lk $B/c6 --op getlk --type w --start 99 --len 1)
echo "# F_GETLK of byte 99 through B: $got"
fields $got
ktap_check_expr "B's 50-149 is EAGAIN, F_GETLK of byte 99 reports w 0 100" \
	'[ "$(lkw $B/c6 --op setlk --type w --start 50 --len 100)" = EAGAIN ] && [ "$lock" = "w 0 100" ]'
release a4

# F_SETLKW: the client asks again every locktimeout (1 s) while BLOCKED.
# The waiter must be inside fcntl (system call 72) while A holds, and be
# granted after A's close, within a few retries.
in_fcntl() { ! kill -0 "$1" 2>/dev/null || [ "$(cut -d' ' -f1 /proc/$1/syscall 2>/dev/null)" = 72 ]; }
hold a5 $A/c7 --type w
netload lock $B/c7 --op setlkw --type w --timeout 30 >/tmp/lk.wait.out 2>&1 &
waiter=$!
until_true 20 in_fcntl $waiter
blocked=0
kill -0 $waiter 2>/dev/null && [ ! -s /tmp/lk.wait.out ] && blocked=1
release a5
wait $waiter
released=$(sed -n 's/^released //p' /tmp/lk.a5.out)
read -r result granted </tmp/lk.wait.out
echo "# waiter blocked: $blocked, result: $result; granted $(((${granted:-0} - ${released:-0}) / 1000000)) ms after the release"
ktap_check_expr "F_SETLKW through B waits while A holds and is granted after A closes" \
	'[ $blocked = 1 ] && [ "$result" = ok ] && [ "$granted" -gt "$released" ] && [ $((granted - released)) -lt 5000000000 ]'

hold a6 $A/c8 --type w
before=$(lkw $B/c8 --op setlk --type w)
kill -9 $lk_pid_a6
wait $lk_pid_a6 2>/dev/null
ktap_check_expr "kill -9 of a holder on A (held: EAGAIN through B) releases it" \
	'[ "$before" = EAGAIN ] && [ "$(lkw $B/c8 --op setlk --type w)" = ok ]'

# flock(1) FILE COMMAND: v9fs turns flock into a POSIX lock on the whole
# file (proc_id the flock process). flock(1) opens FILE read-only, gets
# EBADF for the write lock (the server's rule, as fcntl's) and, as it does
# for NFS, opens it again read-write and locks that.
rm -f /tmp/flk.held /tmp/flk.rel
/usr/bin/timeout 60 /usr/bin/flock $A/c9 sh -c 'echo held >/tmp/flk.held; until [ -e /tmp/flk.rel ]; do sleep 0.01; done' \
	>/tmp/flk.out 2>&1 &
flk=$!
until_true 20 answered /tmp/flk.held $flk
/usr/bin/timeout 30 /usr/bin/flock -n $B/c9 true >>/tmp/flk.out 2>&1
rc=$?
touch /tmp/flk.rel
wait $flk
held_rc=$?
sed 's/^/# flock: /' /tmp/flk.out
ktap_check_expr "flock(1) on A holds: flock -n through B fails (exit 1)" '[ -s /tmp/flk.held ] && [ $rc = 1 ] && [ $held_rc = 0 ]'
ktap_check_expr "and once it ends, flock -n through B succeeds" '/usr/bin/timeout 30 /usr/bin/flock -n $B/c9 true'

ktap_check_expr "through A, a write lock on a descriptor open read-only and a read lock on one open write-only are EBADF" \
	'[ "$(lkw $A/c10 --op setlk --type w --open r)" = EBADF ] && [ "$(lkw $A/c10 --op setlk --type r --open w)" = EBADF ]'

# The same at cache=mmap and cache=loose.
ktap_check_expr "cache=mmap holds: F_SETLK at cache=loose is EAGAIN" \
	'p9_mount /mnt/mm "msize=131072,cache=mmap,locktimeout=1" && p9_mount /mnt/lo "msize=131072,cache=loose,locktimeout=1" &&
	 hold m1 /mnt/mm/c11 --type w && [ "$(lkw /mnt/lo/c11 --op setlk --type w)" = EAGAIN ]'
release m1
ktap_check_expr "and the other way round" \
	'hold l1 /mnt/lo/c11 --type w && [ "$(lkw /mnt/mm/c11 --op setlk --type w)" = EAGAIN ]'
release l1
umount /mnt/mm
umount /mnt/lo

# sqlite3 on two mounts at once: its locks are F_SETLK byte ranges, retried
# by its busy handler.
ROWS=30 TXS=4
sqlite3 $EXPORT/db "create table t(who text, n integer);"
chmod 666 $EXPORT/db
sqlwriter() {
	{ echo ".timeout 60000"
	  tx=0
	  while [ $tx -lt $TXS ]; do
		echo "begin immediate;"
		i=0
		while [ $i -lt $ROWS ]; do echo "insert into t values ('$2', $((tx * ROWS + i)));"; i=$((i + 1)); done
		echo "commit;"
		tx=$((tx + 1))
	  done
	} | /usr/bin/timeout 120 sqlite3 "$1/db" >/tmp/sql.$2.out 2>&1
}
sql_start=$(uptime_ms)
sqlwriter $A a & sa=$!
sqlwriter $B b & sb=$!
wait $sa $sb
counts=$(sqlite3 $EXPORT/db "select who, count(distinct n) from t group by who; pragma integrity_check;" | tr '\n' ' ')
echo "# sqlite3: $counts in $(($(uptime_ms) - sql_start)) ms"
cat /tmp/sql.a.out /tmp/sql.b.out | head -5 | sed 's/^/# sqlite3: /'
ktap_check_expr "sqlite3 writers on A and B, $TXS transactions of $ROWS rows each: every row there, integrity ok" \
	'[ "$counts" = "a|$((TXS * ROWS)) b|$((TXS * ROWS)) ok " ] && [ ! -s /tmp/sql.a.out ] && [ ! -s /tmp/sql.b.out ]'

# Clunk and the end of a connection release.
before=
p9_mount /mnt/c "$OPTS" && hold c1 /mnt/c/c12 --type w && before=$(lkw $EXPORT/c12 --op setlk --type w)
kill -9 $lk_pid_c1
wait $lk_pid_c1 2>/dev/null
ktap_check_expr "a holder on a third mount (held: EAGAIN on the server), killed, the mount gone: the server's F_SETLK is granted" \
	'[ "$before" = EAGAIN ] && umount /mnt/c && [ "$(lkw $EXPORT/c12 --op setlk --type w)" = ok ]'
ktap_check_expr "raw 9P: owners per (connection, proc_id), Tclunk releases, EBADF, EINVAL (netload lock 9p-owners)" \
	'/usr/bin/timeout 60 netload lock 9p-owners 127.0.0.1:$P9PORT c13 --aname $EXPORT >/tmp/owners.log 2>&1; rc=$?
	 sed "s/^/# /" /tmp/owners.log; [ $rc -eq 0 ]'
hold r1 9p 127.0.0.1:$P9PORT c14 --aname $EXPORT --type w 2>/dev/null
ktap_check_expr "raw 9P: a connection's Tlock holds against the server" '[ "$(lkw $EXPORT/c14 --op setlk --type w)" = EAGAIN ]'
release r1
echo "# $(cat /tmp/lk.r1.out | tr '\n' ' ')"
server_gets() { [ "$(lkw $EXPORT/c14 --op setlk --type w)" = ok ]; }
ktap_check_expr "its hangup without Tclunk releases it (within 10 s)" 'until_true 10 server_gets'

# Whatever a failed case left holding (nothing, when all passed).
kill -9 $holders 2>/dev/null
wait 2>/dev/null
umount /mnt/c 2>/dev/null
umount $A
umount $B
no_lock_left() {
	for f in c1 c2 c3 c4 c5 c6 c7 c8 c9 c10 c11 c12 c13 c14 db; do
		[ "$(lkw $EXPORT/$f --op setlk --type w)" = ok ] || { echo "# $f is still locked"; return 1; }
	done
}
ktap_check_expr "every connection closes, and no file is left locked" 'p9_wait_idle && no_lock_left'
ktap_check "rust_9p unloads" rmmod rust_9p
ktap_check_expr "no leaked lock, KASAN, lockdep or WARN report" \
	'! dmesg_since_mark | grep -iE "leaked .*lock|BUG:|WARNING:|KASAN|possible .* deadlock|Oops"'
ktap_check "no kmemleak report" kmemleak_clean
umount $EXPORT $REF
echo "# p9_locks: $(($(uptime_ms) - start_ms)) ms"
ktap_finish
