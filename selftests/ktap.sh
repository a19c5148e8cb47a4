# SPDX-License-Identifier: GPL-2.0
# KTAP output and shared checks for the selftests; sourced by each test.

MODDIR=${MODDIR:-/lib/modules/rks}
KMEMLEAK=/sys/kernel/debug/kmemleak
ktap_count=0
ktap_failed=0

ktap_header() {
	echo "TAP version 13"
	echo "1..$1"
}

ktap_ok() {
	ktap_count=$((ktap_count + 1))
	echo "ok $ktap_count $*"
}

ktap_not_ok() {
	ktap_count=$((ktap_count + 1))
	ktap_failed=$((ktap_failed + 1))
	echo "not ok $ktap_count $*"
}

ktap_skip() {
	ktap_count=$((ktap_count + 1))
	echo "ok $ktap_count $1 # SKIP $2"
}

# ktap_check NAME COMMAND...: one result, from the command's exit status,
# which it returns (so that "ktap_check ... || diagnose" works).
ktap_check() {
	_ktap_name=$1
	shift
	if "$@"; then
		ktap_ok "$_ktap_name"
	else
		ktap_not_ok "$_ktap_name"
		return 1
	fi
}

ktap_finish() {
	[ "$ktap_failed" -eq 0 ]
	exit $?
}

# Fails with a diagnostic when a module of the project is still loaded.
no_module_left() {
	if grep -q "^$1 " /proc/modules; then
		echo "# $1 is still in /proc/modules"
		return 1
	fi
}

# The kernel log since mark_dmesg; diagnostics to grep in.
mark_dmesg() { dmesg_mark=$(dmesg | wc -l); }
dmesg_since_mark() { dmesg | tail -n +$((dmesg_mark + 1)); }

# Scans for leaks; true when kmemleak is absent (release kernel) or finds none.
# kmemleak only reports objects older than 5 s, so the scan waits that long.
kmemleak_clean() {
	[ -w "$KMEMLEAK" ] || return 0
	sleep 6
	echo scan >"$KMEMLEAK"
	echo scan >"$KMEMLEAK"
	_ktap_report=$(cat "$KMEMLEAK")
	[ -z "$_ktap_report" ] && return 0
	echo "$_ktap_report" | sed 's/^/# /'
	echo clear >"$KMEMLEAK"
	return 1
}

# Milliseconds since boot (10 ms resolution).
uptime_ms() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

# ktap_check_expr NAME EXPRESSION: one result, from a shell expression
# (quoted, so that && and || belong to it).
ktap_check_expr() {
	_ktap_name=$1
	shift
	if eval "$*"; then
		ktap_ok "$_ktap_name"
	else
		ktap_not_ok "$_ktap_name"
		return 1
	fi
}
