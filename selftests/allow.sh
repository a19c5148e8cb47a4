#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# allow=: both servers accept connections only from the listed addresses
# and prefixes, IPv4 and IPv6, refusing the others at once (rust_9p counts
# them), and refuse a bad list at load with a pr_err that says what is
# wrong.
. ./ktap.sh
. ./p9lib.sh

ktap_header 14
mkdir -p /tmp/export
# The accounts are the later tests' business: put them back on exit.
cp /etc/passwd /tmp/passwd.allow
cp /etc/group /tmp/group.allow
trap 'cp /tmp/passwd.allow /etc/passwd; cp /tmp/group.allow /etc/group' EXIT
echo 'demo:x:1000:1000:Demo User:/tmp:/bin/sh' >>/etc/passwd
echo 'finger:x:79:demo' >>/etc/group
NC="nc.openbsd -N -w 5"

# finger FROM ADDR: the reply to a query from source address FROM.
finger_from() { printf 'demo\r\n' | $NC -s "$1" "$2" 79 2>/dev/null; }
# p9_from FROM ADDR: the bytes of the reply to a Tversion from FROM.
p9_from() {
	printf '\025\000\000\000\144\377\377\000\000\001\000\010\0009P2000.L' |
		$NC -s "$1" "$2" 564 2>/dev/null | wc -c
}
# p9_served FROM ADDR: a Tversion from FROM is answered (nc -N shuts
# down its side at once: the reply must come all the same).
p9_served() { [ "$(p9_from "$1" "$2")" = 21 ]; }

for m in rust_9p rust_fingerd; do
	extra=
	[ $m = rust_9p ] && extra=root=/tmp/export
	mark_dmesg
	insmod "$MODDIR/$m.ko" $extra allow=10.0.0.0/33 2>/dev/null && rmmod $m
	ktap_check_expr "$m: allow=10.0.0.0/33 is refused, saying why" \
		'dmesg_since_mark | grep -q "$m: allow=10.0.0.0/33: prefix longer than 32" && no_module_left $m'
done

insmod "$MODDIR/rust_fingerd.ko" allow=127.0.0.1
ktap_check_expr "rust_fingerd allow=127.0.0.1: 127.0.0.1 is served" \
	'finger_from 127.0.0.1 127.0.0.1 | grep -q "Demo User"'
ktap_check_expr "127.0.0.2 is refused" '[ -z "$(finger_from 127.0.0.2 127.0.0.1)" ]'
ktap_check_expr "::1 is refused" '[ -z "$(finger_from ::1 ::1)" ]'
rmmod rust_fingerd
insmod "$MODDIR/rust_fingerd.ko" allow=::1,127.0.0.0/31
ktap_check_expr "rust_fingerd allow=::1,127.0.0.0/31: ::1 and 127.0.0.1 are served" \
	'finger_from ::1 ::1 | grep -q "Demo User" && finger_from 127.0.0.1 127.0.0.1 | grep -q "Demo User"'
ktap_check_expr "127.0.0.2 is refused" '[ -z "$(finger_from 127.0.0.2 127.0.0.1)" ]'
rmmod rust_fingerd

insmod "$MODDIR/rust_9p.ko" root=/tmp/export allow=127.0.0.2,::1/128
ktap_check_expr "rust_9p allow=127.0.0.2,::1/128: 127.0.0.2 and ::1 are served" \
	'p9_served 127.0.0.2 127.0.0.1 && p9_served ::1 ::1'
ktap_check_expr "127.0.0.1 is refused" '[ "$(p9_from 127.0.0.1 127.0.0.1)" = 0 ]'
ktap_check_expr "and counted" '[ "$(p9_counter connections_refused_allow)" -ge 1 ]'
ktap_check_expr "a v9fs mount from 127.0.0.1 fails" '! p9_mount /mnt/9p "msize=65536,cache=none" 2>/dev/null'
rmmod rust_9p
ktap_check "no module left" no_module_left rust_9p
ktap_check "no kmemleak report" kmemleak_clean
ktap_check_expr "no KASAN, lockdep or WARN report" \
	'! dmesg_since_mark | grep -E "BUG:|WARNING:|KASAN|possible .* deadlock|Oops"'
ktap_finish
