#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# With a stalled client the server waits instead of spinning: over a 2 s
# stall the guest's CPUs stay nearly idle, whether the server is blocked
# writing to a client that stopped reading or reading from one that stopped
# sending. A spinning task would keep one CPU busy the whole time.
. ./ktap.sh

ktap_header 2
insmod "$MODDIR/rust_echo_async.ko" port=7777 || { echo "# cannot load"; exit 1; }

# stalled SIDE: the echo must be right, and the busy time under a quarter
# of one CPU's share of the window.
stalled() {
	out=$(netload stall 127.0.0.1:7777 --side "$1" --stall-ms 2000) || {
		echo "# echo around the stall failed"
		return 1
	}
	echo "# $1 stall: $out (jiffies, all CPUs)"
	set -- $out
	ncpu=$(grep -c '^processor' /proc/cpuinfo)
	[ $(($2 * 4 * ncpu)) -lt "$4" ]
}

ktap_check "slow reader: server blocked writing does not spin" stalled read
ktap_check "slow writer: server blocked reading does not spin" stalled write
rmmod rust_echo_async
ktap_finish
