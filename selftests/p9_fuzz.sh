#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rust_9p under netload's stateful 9P fuzzer (netload p9 fuzz: sessions
# that start valid, then random requests of every type, mutated frames,
# abrupt hang-ups) for FUZZ_S seconds (default 60) on a writable export,
# while the v9fs client reads a file over and over: every read is right and
# they keep coming, every fuzzed session is served, and afterwards no
# connection or fid is left, the module unloads, and kmemleak, KASAN and
# lockdep stay silent. The fuzzer prints its seed; "netload p9 ... fuzz
# --seed N" replays a run.
. ./ktap.sh
. ./p9lib.sh

ktap_header 7
EXPORT=/srv/fuzz
MNT=/mnt/9p
FUZZ_S=${FUZZ_S:-60}

mark_dmesg
mkdir -p $EXPORT $MNT
mount -t tmpfs -o size=64m fuzz $EXPORT
# Sticky and root's: the fuzzer (served as nobody) makes what it likes in
# the export but cannot touch the file the v9fs client reads.
chmod 1777 $EXPORT
head -c 1048576 /dev/urandom >$EXPORT/data
chmod 444 $EXPORT/data
mkdir -m 777 $EXPORT/dir
want=$(sha256sum <$EXPORT/data)
ktap_check "rust_9p loads" insmod "$MODDIR/rust_9p.ko" root=$EXPORT

p9_mount $MNT "msize=65536,cache=none"
rm -f /tmp/fuzz.stop
echo "0 0" >/tmp/fuzz.reads
reader() {
	good=0 bad=0
	until [ -e /tmp/fuzz.stop ]; do
		if [ "$(sha256sum <$MNT/data)" = "$want" ]; then
			good=$((good + 1))
		else
			bad=$((bad + 1))
		fi
		echo "$good $bad" >/tmp/fuzz.reads
	done
}
reader &
reader_pid=$!
timeout $((FUZZ_S + 60)) netload p9 127.0.0.1:$P9PORT fuzz --aname $EXPORT --count "$FUZZ_S" \
	>/tmp/fuzz.log 2>&1
fuzz_rc=$?
touch /tmp/fuzz.stop
wait $reader_pid
sed 's/^/# /' /tmp/fuzz.log
read -r good bad </tmp/fuzz.reads
ktap_check_expr "every fuzzed session is served, for $FUZZ_S s" '[ $fuzz_rc -eq 0 ]'
ktap_check_expr "the v9fs client read the file right every time meanwhile ($good reads)" \
	'[ "$bad" = 0 ] && [ "$good" -ge 3 ]'
umount $MNT
ktap_check "then no connection and no fid is left" p9_wait_idle
rmmod rust_9p
ktap_check "the module unloads" no_module_left rust_9p
ktap_check "no kmemleak report" kmemleak_clean
ktap_check_expr "no KASAN, lockdep or WARN report" \
	'! dmesg_since_mark | grep -E "BUG:|WARNING:|KASAN|possible .* deadlock|Oops"'
umount $EXPORT
ktap_finish
