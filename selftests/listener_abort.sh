#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A listening socket aborted under a server (ss -K destroys it: every later
# accept fails with EINVAL) ends that server's accept loop with one log
# line, instead of a worker spinning on the error; the CPUs stay idle and
# the module unloads at once. For the echo sample, rust_fingerd and rust_9p.
. ./ktap.sh

ktap_header 13
mkdir -p /tmp/export

# Busy jiffies of all CPUs (user, nice, system, irq, softirq, steal).
busy() {
	awk 'NR == 1 { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

# aborted MODULE PORT PARAMS...
aborted() {
	name=$1 port=$2
	shift 2
	mark_dmesg
	ktap_check "$name: loads" insmod "$MODDIR/$name.ko" port="$port" "$@"
	grep -q "^$name " /proc/modules || return
	ss -K -t state listening "( sport = :$port )" >/dev/null
	logged=0
	for _ in $(seq 100); do
		dmesg_since_mark | grep -q "$name: no longer accepting connections: error -22" &&
			logged=1 && break
		sleep 0.1
	done
	ktap_check_expr "$name: the aborted listener's loop ends with one line" \
		'[ $logged = 1 ] && [ "$(dmesg_since_mark | grep -c "no longer accepting")" = 1 ]'
	# Over 2 s, under half of one CPU: a spinning loop would keep a CPU
	# busy the whole time, while an idle guest under TCG, KASAN and
	# kmemleak, beside other VMs, has measured 38 to 50 busy jiffies of 200.
	before=$(busy)
	sleep 2
	spent=$(($(busy) - before))
	ncpu=$(grep -c '^processor' /proc/cpuinfo)
	echo "# $name: $spent busy jiffies in 2 s on $ncpu CPUs"
	ktap_check_expr "$name: nothing spins afterwards" '[ $((spent * 2)) -lt 200 ]'
	ms=$(timeout 30 netload rmmod "$name")
	ktap_check_expr "$name: unloads (took ${ms:-?} ms)" \
		'[ -n "$ms" ] && no_module_left "$name"'
}

aborted rust_echo_async 7777
aborted rust_fingerd 79
aborted rust_9p 564 root=/tmp/export
ktap_check "no kmemleak report" kmemleak_clean
ktap_finish
