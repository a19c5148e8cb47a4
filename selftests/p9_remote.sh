#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rust_9p mounted from another VM: the client half of scripts/vm-pair.sh, not
# in TEST_PROGS (it needs the server VM). The server (p9_server.sh, at
# $P9HOST) exports the 9P selftests' tree and serves its listing on TCP port
# 5001 and its sums on 5002; mounted over the VM-to-VM link at msize 128 KiB,
# with cache=none and cache=loose, the tree must read exactly as it does on
# the server; then p9_write.sh's workload, written over the link, must read
# back as it does on a local tmpfs.
. ./ktap.sh
. ./p9lib.sh

if [ -z "${P9HOST:-}" ]; then
	echo "TAP version 13"
	echo "1..0 # SKIP no P9HOST: run by scripts/vm-pair.sh"
	exit 4
fi

ktap_header 12
MNT=/mnt/9p
# Seconds to wait for the server VM, which boots and builds its tree meanwhile.
WAIT_S=${P9WAIT:-300}

# p9_fetch PORT FILE: what the server serves on PORT.
p9_fetch() {
	nc -w 10 "$P9HOST" "$1" </dev/null >"$2" 2>/dev/null
}

mark_dmesg
start=$(uptime_ms)
deadline=$((start + WAIT_S * 1000))
ready=0
until [ "$(uptime_ms)" -ge "$deadline" ]; do
	p9_fetch 5001 /tmp/remote.list && ready=1 && break
	sleep 1
done
ktap_check_expr "server at $P9HOST ready within $WAIT_S s" '[ $ready -eq 1 ]'
echo "# waited $(($(uptime_ms) - start)) ms for the server"
ktap_check_expr "its listing and sums fetched" \
	'p9_fetch 5002 /tmp/remote.sums && [ -s /tmp/remote.list ] && [ -s /tmp/remote.sums ]'
echo "# server: $(wc -l </tmp/remote.list) entries, $(wc -l </tmp/remote.sums) readable files"

for cache in none loose; do
	p9_compare $MNT "msize=131072,cache=$cache" /tmp/remote.list /tmp/remote.sums
done

# p9_write.sh's workload, written over the link, reads back as on tmpfs.
p9_source
mkdir -p /tmp/ref
mount -t tmpfs -o size=100m,mode=0755 ref /tmp/ref
p9_workload /tmp/ref chown
p9_tree /tmp/ref >/tmp/ref.tree
p9_mount $MNT "msize=131072,cache=none"
start=$(uptime_ms)
mkdir $MNT/w && p9_workload $MNT/w chown
ktap_check "p9_workload runs over the link ($(($(uptime_ms) - start)) ms)" [ $? -eq 0 ]
p9_tree $MNT/w >/tmp/9p.tree
ktap_check "and reads back as the tree tmpfs has" cmp -s /tmp/ref.tree /tmp/9p.tree ||
	diff /tmp/ref.tree /tmp/9p.tree | head -30 | sed 's/^/# /'
umount /tmp/ref
ktap_check_expr "df works on the mount" \
	'df -k $MNT | awk "NR == 2 { print \"# \" \$0; ok = \$2 > 0 } END { exit !ok }"'
umount $MNT
ktap_check_expr "no KASAN, lockdep or WARN report" \
	'! dmesg_since_mark | grep -E "BUG:|WARNING:|KASAN|possible .* deadlock|Oops"'
ktap_finish
