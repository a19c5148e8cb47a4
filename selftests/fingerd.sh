#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rust_fingerd with real clients (netkit finger, nc, netload): replies, the
# RFC's refusals, plan filtering and confinement, live passwd/group changes,
# deadlines, connection limits and the debugfs clients file, load, fuzzed
# queries (netload fingerfuzz), and unloading with clients connected.
. ./ktap.sh

ktap_header 31
CR=$(printf '\r')
ESC=$(printf '\033')
NC="nc.openbsd -N -w 10"

# Accounts: alice, carol (primary group), mallory, dave, eve, frank, fred
# and gina are in the finger group; bob is not.
cp /etc/passwd /tmp/passwd.orig
cp /etc/group /tmp/group.orig
cat >>/etc/passwd <<'EOT'
alice:x:1000:1000:Alice Liddell,Wonderland,,:/home/alice:/bin/sh
bob:x:1001:1001:Bob Builder:/home/bob:/bin/sh
carol:x:1002:79:Carol Primary:/home/carol:/bin/sh
mallory:x:1003:1003:Mallory:/home/mallory:/bin/sh
dave:x:1004:1004:Dave Verbose:/home/dave:/bin/sh
eve:x:1005:1005:Eve Escapes:/home/eve:/bin/sh
frank:x:1006:1006:Frank LF:/home/frank:/bin/sh
fred:x:1007:1007:Fred Fuse:/home/fred:/bin/sh
gina:x:1008:1008:Gina Fuse:/home/gina:/bin/sh
EOT
cat >>/etc/group <<'EOT'
finger:x:79:alice,mallory,dave,eve,frank,fred,gina
EOT
for u in alice bob carol mallory dave eve frank; do
	mkdir -p /home/$u
done
echo "Down the rabbit hole." >/home/alice/.plan
echo "Tea party" >/home/alice/.project
echo "Bob's secret plan" >/home/bob/.plan
echo "shadow-secret-do-not-leak" >/etc/shadow
chmod 600 /etc/shadow
ln -sf /etc/shadow /home/mallory/.plan
awk 'BEGIN { for (i = 0; i < 1000; i++) printf "%099d\n", i }' >/home/dave/.plan
printf 'red \033[31mALERT\033[0m and \033]0;title\007 bell\n' >/home/eve/.plan
printf 'one\ntwo\nthree\n' >/home/frank/.plan
for u in alice bob carol mallory dave eve frank; do
	uid=$(awk -F: -v u=$u '$1 == u { print $3 }' /etc/passwd)
	chown -R "$uid" /home/$u
	chmod 755 /home/$u
done
chown -h 1003 /home/mallory/.plan
# FUSE mounts whose server never answers (nothing reads the /dev/fuse
# descriptors the shell keeps open): fred's .plan is a symlink into one,
# gina's home is one. Any request into them would wait forever, so nothing
# here may look inside them.
mkdir -p /home/fred/fuse /home/gina
exec 4<>/dev/fuse 5<>/dev/fuse
mount -t fuse -o fd=4,rootmode=40000,user_id=0,group_id=0 silent /home/fred/fuse &&
	mount -t fuse -o fd=5,rootmode=40000,user_id=0,group_id=0 silent /home/gina
fuse_mounted=$?
ln -s /home/fred/fuse/plan /home/fred/.plan
chown -h 1007 /home/fred /home/fred/.plan

insmod "$MODDIR/rust_fingerd.ko" || { echo "# cannot load"; exit 1; }

out=$(finger alice@127.0.0.1 2>&1)
echo "$out" | sed 's/^/# /'
echo "$out" | grep -q "Alice Liddell" && echo "$out" | grep -q "Down the rabbit hole."
ktap_check "finger alice@host: full name and plan" [ $? -eq 0 ]
echo "$out" | grep -q "Project: Tea party"
ktap_check "finger alice@host: project line" [ $? -eq 0 ]
out=$(finger -l alice@127.0.0.1 2>&1)
echo "$out" | grep -q "Down the rabbit hole." && echo "$out" | grep -q "Directory: /home/alice"
ktap_check "finger -l (/W) alice@host" [ $? -eq 0 ]

out=$(finger @127.0.0.1 2>&1)
echo "$out" | sed 's/^/# /'
echo "$out" | grep -q "^alice" && echo "$out" | grep -q "^carol" && ! echo "$out" | grep -q "bob"
ktap_check "finger @host lists opted-in users only" [ $? -eq 0 ]

printf 'bob\r\n' | $NC 127.0.0.1 79 | sed 's/bob/NAME/g' >/tmp/bob.out
printf 'nosuchuser\r\n' | $NC 127.0.0.1 79 | sed 's/nosuchuser/NAME/g' >/tmp/nosuch.out
cat /tmp/bob.out | sed 's/^/# /'
cmp -s /tmp/bob.out /tmp/nosuch.out && [ -s /tmp/bob.out ] && ! grep -q secret /tmp/bob.out
ktap_check "a user outside the group looks like a missing user" [ $? -eq 0 ]

printf 'alice\n' | $NC 127.0.0.1 79 | grep -q "Down the rabbit hole."
ktap_check "bare LF query" [ $? -eq 0 ]
out=$(printf 'bob@example\r\n' | $NC 127.0.0.1 79)
ktap_check "user@host is refused" [ "$out" = "Finger forwarding service denied$CR" ]
out=$(printf '@0@0@0\r\n' | $NC 127.0.0.1 79)
ktap_check "@host chains are refused" [ "$out" = "Finger forwarding service denied$CR" ]
out=$(awk 'BEGIN { for (i = 0; i < 10240; i++) printf "a"; printf "\r\n" }' | $NC 127.0.0.1 79)
ktap_check "10 KB query gets an error" [ "$out" = "Error: query too long$CR" ]
out=$(printf 'al\377ice\r\n' | $NC 127.0.0.1 79)
ktap_check "non-UTF-8 query gets an error" [ "$out" = "Error: query is not valid UTF-8$CR" ]

printf 'frank\r\n' | $NC 127.0.0.1 79 >/tmp/frank.out
lines=$(wc -l </tmp/frank.out)
crlf=$(grep -c "$CR\$" /tmp/frank.out)
grep -q "^two$CR\$" /tmp/frank.out && [ "$lines" -eq "$crlf" ]
ktap_check "LF plan arrives with CRLF ($crlf of $lines lines)" [ $? -eq 0 ]
printf 'eve\r\n' | $NC 127.0.0.1 79 >/tmp/eve.out
! grep -q "$ESC" /tmp/eve.out && ! grep -q "$(printf '\007')" /tmp/eve.out && grep -q "ALERT" /tmp/eve.out
ktap_check "escape sequences are filtered out" [ $? -eq 0 ]
printf 'mallory\r\n' | $NC 127.0.0.1 79 >/tmp/mallory.out
sed 's/^/# /' /tmp/mallory.out
! grep -q "shadow-secret" /tmp/mallory.out && grep -q "No Plan." /tmp/mallory.out
ktap_check "plan symlinked to /etc/shadow leaks nothing" [ $? -eq 0 ]
ktap_check_expr "FUSE mounts that never answer are in place" '[ $fuse_mounted -eq 0 ]'
# finger_at_once USER: answered, with no plan. A worker blocked in the
# FUSE mount would answer nothing: nc gives up after 10 s of silence.
finger_at_once() {
	t0=$(uptime_ms)
	printf '%s\r\n' "$1" | $NC 127.0.0.1 79 >/tmp/$1.out
	took=$(($(uptime_ms) - t0))
	sed 's/^/# /' /tmp/$1.out
	echo "# answered in $took ms"
	grep -q "No Plan." /tmp/$1.out
}
ktap_check "a plan symlinked into an unanswering FUSE mount: answered at once, no plan" \
	finger_at_once fred
ktap_check "a home on an unanswering FUSE mount: answered at once, no plan" \
	finger_at_once gina
printf 'dave\r\n' | $NC 127.0.0.1 79 >/tmp/dave.out
plan_bytes=$(sed -n '/^Plan:/,$p' /tmp/dave.out | tail -n +2 | tr -d "$CR" | wc -c)
echo "# 100000-byte plan arrived as $plan_bytes bytes"
ktap_check_expr "oversized plan is cut at 64 KiB" '[ "$plan_bytes" -le 65537 ] && [ "$plan_bytes" -ge 65000 ]'

out=$(printf 'bob\r\n' | $NC 127.0.0.1 79)
sed -i 's/^finger:x:79:alice/finger:x:79:bob,alice/' /etc/group
out2=$(printf 'bob\r\n' | $NC 127.0.0.1 79)
echo "$out" | grep -q "no such user" && echo "$out2" | grep -q "Bob Builder" && echo "$out2" | grep -q "Bob's secret plan"
ktap_check "adding a user to the group takes effect on the next query" [ $? -eq 0 ]
sed -i 's/^bob:x:1001:1001:Bob Builder:/bob:x:1001:1001:Robert Builder:/' /etc/passwd
printf 'bob\r\n' | $NC 127.0.0.1 79 | grep -q "Robert Builder"
ktap_check "a passwd change takes effect on the next query" [ $? -eq 0 ]

ktap_check "1000 sequential queries" \
	netload request 127.0.0.1:79 --send 'alice\r\n' --expect 'Down the rabbit hole.' --repeat 1000
rmmod rust_fingerd

# Deadline and limits, with a short deadline.
insmod "$MODDIR/rust_fingerd.ko" deadline_ms=4000 max_per_peer=600 || { echo "# cannot load"; exit 1; }
ms=$(netload idle 127.0.0.1:79 --timeout 10)
ok=$?
echo "# a silent client was closed after $ms ms (deadline 4000 ms)"
# Closed (netload waits at most 10 s), and not before the deadline.
ktap_check_expr "a silent client is closed at the deadline" '[ $ok -eq 0 ] && [ "$ms" -ge 4000 ]'
fifo=/tmp/finger.fifo
rm -f $fifo && mkfifo $fifo
netload hold 127.0.0.1:79 --clients 500 --silent 1 --timeout 60 >$fifo &
holder=$!
exec 3<$fifo
read -r state <&3
ktap_check "500 idle clients connected" [ "$state" = ready ]
t0=$(uptime_ms)
printf 'alice\r\n' | $NC 127.0.0.1 79 | grep -q "Down the rabbit hole."
ok=$?
t1=$(uptime_ms)
echo "# served in $((t1 - t0)) ms beside 500 idle clients"
# Not timed here: a client not answered by the deadline is cut off
# unanswered, and the guest's own time (nc, grep) is not the server's.
ktap_check_expr "a good client is served beside 500 idle ones, before its deadline" '[ $ok -eq 0 ]'
read -r ends <&3
wait $holder
echo "# $ends"
exec 3<&-
rmmod rust_fingerd

# A deadline longer than netload's wait: a connection it sees closed was
# refused, not timed out.
insmod "$MODDIR/rust_fingerd.ko" deadline_ms=60000 || { echo "# cannot load"; exit 1; }
netload hold 127.0.0.1:79 --clients 8 --silent 1 --timeout 30 >$fifo &
holder=$!
exec 3<$fifo
read -r state <&3
clients=/sys/kernel/debug/rust_fingerd/clients
sed 's/^/# /' $clients
# Connected, so accepted; each listed once accepted, reading its query.
listed=0
for _ in $(seq 100); do
	listed=$(grep -Ec '^127\.0\.0\.1:[0-9]+ state reading bytes_in 0 bytes_out 0 age_ms [0-9]+$' $clients)
	[ "$listed" = 8 ] && break
	sleep 0.1
done
ktap_check_expr "the clients file lists the 8 silent connections, reading" '[ "$listed" = 8 ] && [ "$(wc -l <$clients)" = 8 ]'
ms=$(netload idle 127.0.0.1:79 --timeout 20)
ok=$?
echo "# the 9th connection from one address was closed after $ms ms"
ktap_check_expr "the 9th connection from one address is refused" '[ "$state" = ready ] && [ $ok -eq 0 ]'
rmmod rust_fingerd
read -r ends <&3
wait $holder
held=$?
echo "# $ends"
ktap_check "rmmod closes the open connections" [ $held -eq 0 ]
exec 3<&-

# Under TCG with KASAN a query takes tens of milliseconds, so 200 at once
# take longer than the default deadline: this part checks answers, not speed.
insmod "$MODDIR/rust_fingerd.ko" max_per_peer=256 deadline_ms=60000 || { echo "# cannot load"; exit 1; }
ktap_check "200 concurrent queries" \
	netload request 127.0.0.1:79 --send 'alice\r\n' --expect 'Down the rabbit hole.' --clients 200
ktap_check "20 s of fuzzed queries: every reply clean, the good ones served meanwhile" \
	netload fingerfuzz 127.0.0.1:79 --send 'alice\r\n' --expect 'Down the rabbit hole.' --secs 20
netload hold 127.0.0.1:79 --clients 200 --silent 1 --timeout 60 >$fifo &
holder=$!
exec 3<$fifo
read -r state <&3
ms=$(netload rmmod rust_fingerd)
read -r ends <&3
wait $holder
held=$?
echo "# delete_module with 200 open connections took $ms ms; $ends"
ktap_check_expr "rmmod during 200 open connections" '[ "$state" = ready ] && [ $held -eq 0 ]'
exec 3<&-
no_module_left rust_fingerd
ktap_check "module gone" [ $? -eq 0 ]
ktap_check "no kmemleak report" kmemleak_clean
# Closing the descriptors aborts the FUSE connections; then they unmount.
exec 4>&- 5>&-
umount /home/fred/fuse /home/gina
cp /tmp/passwd.orig /etc/passwd
cp /tmp/group.orig /etc/group
ktap_finish
