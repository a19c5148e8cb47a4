#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Timers: an idle deadline fires, not before its time, and unloading with armed
# timers (200 idle connections) cancels them and leaks nothing.
. ./ktap.sh

ktap_header 4
insmod "$MODDIR/rust_echo_async.ko" port=7777 idle_ms=500 || { echo "# cannot load"; exit 1; }
ms=$(netload idle 127.0.0.1:7777 --timeout 10)
ok=$?
echo "# idle connection closed after $ms ms (deadline 500 ms)"
# netload waits at most 10 s for the close.
ktap_check_expr "idle deadline fires, not before 500 ms" '[ $ok -eq 0 ] && [ "$ms" -ge 500 ]'
ktap_check "traffic within the deadline is unaffected" \
	netload echo 127.0.0.1:7777 --sizes 8192 --chunk 1024 --write-delay-ms 100
rmmod rust_echo_async

insmod "$MODDIR/rust_echo_async.ko" port=7777 idle_ms=600000 || { echo "# cannot load"; exit 1; }
fifo=/tmp/timer.fifo
rm -f $fifo && mkfifo $fifo
netload hold 127.0.0.1:7777 --clients 200 --timeout 60 >$fifo &
holder=$!
exec 3<$fifo
read -r state <&3
rmmod rust_echo_async
read -r ends <&3
wait $holder
held=$?
echo "# $ends"
ktap_check_expr "unload with 200 armed timers closes every connection" '[ $held -eq 0 ] && [ "$state" = ready ]'
exec 3<&-
ktap_check "no kmemleak report" kmemleak_clean
ktap_finish
