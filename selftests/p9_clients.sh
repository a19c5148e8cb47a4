#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rust_9p against other clients: diod's userspace tools (an independent
# 9P2000.L implementation) list and read the tree, and netload's hostile
# client sends what a broken or malicious client would. Every bad request
# gets an error or a closed connection, other clients are still served,
# and nothing leaks. Clients that try to hold the server hostage (Tflushes
# naming each other, a client that stops reading, one address opening
# every connection) are each a case of their own. The debugfs clients file
# shows each connection with what it holds.
. ./ktap.sh
. ./p9lib.sh

ktap_header 18
MAX_FIDS=1000
WRITE_TIMEOUT=2
MAX_PER_PEER=8
# Server-wide budgets: above one connection's fids, below two's.
BUDGETS="max_fids_total=1500 max_open_files=100 max_xattr_bytes=65536"
# What one connection may queue: 4 msizes of the server (512 KiB by
# default), plus what the v9fs reader's replies add to the same counter.
BUDGET=$((4 * 524288 + 1048576))
DIOD="-s 127.0.0.1:$P9PORT -a $EXPORT -t 60"

mark_dmesg
ktap_check "export tree made" p9_make_export
ktap_check "rust_9p loads with max_fids=$MAX_FIDS write_timeout=$WRITE_TIMEOUT max_per_peer=$MAX_PER_PEER" \
	insmod "$MODDIR/rust_9p.ko" root="$EXPORT" max_fids=$MAX_FIDS read_only=1 \
	write_timeout=$WRITE_TIMEOUT max_per_peer=$MAX_PER_PEER $BUDGETS

# diod's tools attach with the export's path as aname, as diod expects.
ls -A "$EXPORT/many" | sort >/tmp/local.many
diodls $DIOD many | grep -v '^\.\.\?$' | sort >/tmp/diod.many
ktap_check_expr "diodls lists the 5000-entry directory" \
	'[ $(wc -l </tmp/diod.many) -eq 5000 ] && cmp -s /tmp/local.many /tmp/diod.many'
diodls $DIOD -l files | awk '$NF ~ /^size-/ { print $NF, $5 }' | sort >/tmp/diod.sizes
(cd "$EXPORT/files" && for f in size-*; do echo "$f $(stat -c %s "$f")"; done) | sort >/tmp/local.sizes
ktap_check "diodls -l gives the sizes" cmp -s /tmp/local.sizes /tmp/diod.sizes
files="files/size-0 files/size-4097 files/size-1048577 files/size-67108864 sparse deep/d01/d02/d03/d04/d05/d06/d07/d08/d09/d10/d11/d12/d13/d14/d15/d16/d17/d18/d19/d20/leaf"
ktap_check_expr "diodcat reads files byte for byte" \
	'[ "$(diodcat $DIOD $files | sha256sum)" = "$(cd $EXPORT && cat $files | sha256sum)" ]'
ktap_check_expr "diodcat of an unreadable file fails" '! diodcat $DIOD unreadable 2>/dev/null'

# A v9fs client reads on while the hostile one runs, until told to stop.
MNT=/mnt/9p
# diod's connections are gone first.
p9_wait_idle
p9_mount $MNT "msize=131072,cache=none"
ls $MNT/files >/dev/null
p9_clients | sed 's/^/# /'
# The mount's connection: from the loopback, attached as the default uid,
# holding fids, with traffic both ways.
line='^127\.0\.0\.1:[0-9]+ uids 65534 fids [1-9][0-9]* in_flight [0-9]+ queued_bytes [0-9]+ bytes_in [1-9][0-9]* bytes_out [1-9][0-9]* age_ms [0-9]+$'
ktap_check_expr "the clients file lists the one v9fs connection, with its uid and fids" \
	'[ "$(p9_clients | wc -l)" = 1 ] && p9_clients | grep -Eq "$line"'
want=$(sha256sum <$EXPORT/files/size-1048577 | cut -d" " -f1)
rm -f /tmp/stop-reading /tmp/good.sums
(while [ ! -e /tmp/stop-reading ]; do
	sum=$(sha256sum <$MNT/files/size-1048577) || sum="read failed"
	echo "$(cut -d" " -f1 /proc/uptime) $sum" >>/tmp/good.sums
done) &
good=$!
started=$(cut -d" " -f1 /proc/uptime)
netload p9 127.0.0.1:$P9PORT all --max-fids $MAX_FIDS >/tmp/hostile.log 2>&1
rc=$?
echo "# hostile client from $started s to $(cut -d" " -f1 /proc/uptime) s of uptime"
sed 's/^/# /' /tmp/hostile.log
ktap_check_expr "every hostile scenario got an error or a close" '[ $rc -eq 0 ]'
# hostile NAME SCENARIO: one case per way of holding the server hostage.
hostile() {
	netload p9 127.0.0.1:$P9PORT "$2" --write-timeout $WRITE_TIMEOUT \
		--max-per-peer $MAX_PER_PEER --budget $BUDGET --max-fids-total 1500 \
		--max-open-files 100 --max-xattr-bytes 65536 >/tmp/hostile.log 2>&1
	rc=$?
	sed 's/^/# /' /tmp/hostile.log
	ktap_check_expr "$1" '[ $rc -eq 0 ]'
}
hostile "Tflushes naming each other are answered; the connection goes on" flushcycle
hostile "a client that stops reading is reset; its queue stays within budget" noread
hostile "one address cannot take every connection" peerlimit
# A spent server-wide budget refuses every connection's opens (ENFILE),
# the v9fs reader's too: it stops first.
touch /tmp/stop-reading
wait $good
hostile "connections together stay within the server-wide budgets" budgets
reads=$(wc -l </tmp/good.sums)
right=$(grep -c " $want " /tmp/good.sums)
echo "# reads ended at (uptime, s): $(cut -d" " -f1 /tmp/good.sums | tr '\n' ' ')"
ktap_check_expr "the v9fs client read on meanwhile, correctly ($right of $reads reads right)" \
	'[ "$reads" -ge 1 ] && [ "$right" -eq "$reads" ]'
ktap_check_expr "malformed connections were counted" '[ "$(p9_counter malformed_closed)" -ge 1 ]'
umount $MNT
ktap_check "every connection and fid was released" p9_wait_idle

ms=$(netload rmmod rust_9p)
ktap_check_expr "unloads (took ${ms:-?} ms)" '[ -n "$ms" ] && no_module_left rust_9p'
ktap_check "no kmemleak report" kmemleak_clean
ktap_check_expr "no KASAN, lockdep or WARN report" \
	'! dmesg_since_mark | grep -E "BUG:|WARNING:|KASAN|possible .* deadlock|Oops"'
umount "$EXPORT/mnt" "$EXPORT"
ktap_finish
