#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run_kselftest.sh [TEST...]: runs the selftests (default: TEST_PROGS of the
# Makefile) in the guest and prints KTAP, each test's own KTAP nested under
# it. Writes 0 (all passed) or 1 to /tmp/kselftest.status.
cd "$(dirname "$0")" || exit 1
tests=${*:-$(sed -n 's/^TEST_PROGS *:*= *//p' Makefile)}
timeout_s=$(sed -n 's/^timeout=//p' settings 2>/dev/null)
timeout_s=${timeout_s:-300}

# Boot leaves objects kmemleak would report; forget them so that the
# leak checks see only what the tests leave.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	echo clear >/sys/kernel/debug/kmemleak
fi

set -- $tests
echo "TAP version 13"
echo "1..$#"
n=0
failed=0
for t in "$@"; do
	n=$((n + 1))
	echo "# selftests: rust_servers: $t"
	t0=$(cut -d. -f1 /proc/uptime)
	# GNU timeout kills the test's whole process group (busybox's only the
	# shell, whose children would keep the pipe open). A shell loop, not
	# sed: busybox sed would hold lines back until the end.
	{ /usr/bin/timeout -s KILL "$timeout_s" "./$t" </dev/null 2>&1; echo $? >/tmp/test.rc; } |
		while IFS= read -r line; do printf '  %s\n' "$line"; done
	rc=$(cat /tmp/test.rc)
	echo "# $t took $(($(cut -d. -f1 /proc/uptime) - t0)) s"
	if [ $rc -eq 0 ]; then
		echo "ok $n selftests: rust_servers: $t"
	elif [ $rc -eq 4 ]; then
		echo "ok $n selftests: rust_servers: $t # SKIP"
	else
		if [ $rc -eq 137 ]; then
			# What a killed test left must not fail the next ones too.
			echo "# $t: timed out after $timeout_s s; its 9p mounts and modules are removed"
			awk '$3 == "9p" { print $2 }' /proc/mounts | sort -r | xargs -r -n1 umount -l
			for m in rust_9p rust_fingerd rust_echo_async; do
				grep -q "^$m " /proc/modules && rmmod $m
			done
		fi
		echo "not ok $n selftests: rust_servers: $t # exit=$rc"
		failed=1
	fi
done
echo $failed >/tmp/kselftest.status
