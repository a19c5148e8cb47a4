#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vm-pair.sh [options]   the 9P selftests' "host" case
#
#   --timeout SECONDS   hard limit on the client VM (default: 1500); the
#                       server VM's is 60 s longer, and it is killed anyway
#                       when the client ends
#   --initrd FILE       boot this initramfs instead of building one
#   --logs DIR          log directory (default: build/logs/RUN, which
#                       build/logs/latest then points at)
#
# Boots two VMs of the test kernel with one initramfs, linked by a second NIC
# on a QEMU socket network (10.0.9.0/24 on eth1). The server VM (vm.sh --mode
# p9server, 10.0.9.1) exports the selftests' tree with rust_9p and serves its
# listing and sums (selftests/p9_server.sh); the client VM (10.0.9.2) runs
# selftests/p9_remote.sh, which mounts the export over the link and compares.
# The server VM is killed when the client is done, or on any exit.
#
# Logs in build/logs/RUN/ (build/logs/latest points at it): the client's
# console.log and results.ktap, the server's server-console.log and
# server-results.ktap, and vm.log (the runners' own messages). Prints one
# line. Exit status: the client's as from vm.sh (0 passed, 1 failed, 2 no
# result), and at least 1 when the server's setup failed, its VM ended early,
# or either kernel log has a report (scripts/logscan.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$RKS_TOP/scripts/logscan.sh"

timeout=1500 initrd="" logs=""
while [ $# -gt 0 ]; do
	case "$1" in
	--timeout) timeout=$2; shift ;;
	--initrd) initrd=$2; shift ;;
	--logs) logs=$2; shift ;;
	*) echo "vm-pair: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

start=$(date +%s)
if [ -z "$logs" ]; then
	run_id="$(date +%Y%m%d-%H%M%S)-pair-test"
	logs="$RKS_TOP/build/logs/$run_id"
	mkdir -p "$logs"
	ln -sfn "$run_id" "$RKS_TOP/build/logs/latest"
fi
mkdir -p "$logs"
logs=$(realpath "$logs")

# Kills what is still running of the VMs, whatever ends this script.
cleanup() {
	local f
	for f in "$logs"/*.pid; do
		if [ -s "$f" ]; then kill "$(cat "$f")" 2>/dev/null || true; fi
		rm -f "$f"
	done
}
trap cleanup EXIT
trap 'echo "vm-pair: interrupted" >&2; exit 2' INT TERM HUP

if [ -z "$initrd" ]; then
	initrd="$RKS_TOP/build/test/initramfs.cpio"
	"$RKS_TOP/scripts/initramfs.sh" test "$initrd" >>"$logs/vm.log" 2>&1 ||
		{ echo "vm-pair: initramfs build failed (see $logs/vm.log)" >&2; exit 2; }
fi

# A free port on the host for the link; QEMU of the server listens on it.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
vm=("$RKS_TOP/scripts/vm.sh" --flavour test --initrd "$initrd" --logs "$logs")

"${vm[@]}" --mode p9server --net-listen "$port" --log-prefix server- \
	--pidfile "$logs/server.pid" --timeout $((timeout + 60)) \
	</dev/null >/dev/null 2>>"$logs/vm.log" &
server=$!
# The client's QEMU must find the server's listening when it starts.
for _ in $(seq 300); do
	[ -n "$(ss -Hltn "sport = :$port")" ] && break
	kill -0 "$server" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$(ss -Hltn "sport = :$port")" ]; then
	echo "vm-pair: the server VM did not start (see $logs/vm.log)" >&2
	exit 2
fi

status=0
"${vm[@]}" --mode test --tests p9_remote.sh --net-connect "$port" \
	--append rks.p9host=10.0.9.1 --pidfile "$logs/client.pid" --timeout "$timeout" \
	</dev/null >/dev/null 2>>"$logs/vm.log" &
wait $! || status=$?
rm -f "$logs/client.pid"

problems=()
kill -0 "$server" 2>/dev/null || problems+=("the server VM ended early")
cleanup
wait "$server" || true
grep -q '^not ok' "$logs/server-results.ktap" 2>/dev/null &&
	problems+=("the server's setup failed (server-results.ktap)")
for log in server-console.log console.log; do
	if ! hits=$(rks_logscan "$logs/$log"); then
		echo "$hits" >>"$logs/logscan.txt"
		problems+=("$log has kernel reports (logscan.txt)")
	fi
done
[ "${#problems[@]}" -gt 0 ] && [ "$status" -eq 0 ] && status=1

counts="no results"
if [ -s "$logs/results.ktap" ]; then
	read -r kp kf ks < <("$RKS_TOP/scripts/ktap_count.py" "$logs/results.ktap")
	counts="$kp passed, $kf failed, $ks skipped"
fi
verdict=(PASS FAIL "NO RESULT")
notes=""
[ "${#problems[@]}" -gt 0 ] && notes="; $(IFS=';'; echo "${problems[*]}")"
echo "vm-pair: ${verdict[$status]}: p9_remote.sh $counts$notes; $(($(date +%s) - start)) s, logs in ${logs#"$RKS_TOP/"}"
exit "$status"
