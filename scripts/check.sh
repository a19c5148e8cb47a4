#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh [vm.sh options]: the project's test command ("make check").
#
# Installs what is missing, then counts as test cases: the host-side unit
# tests (with the fuzz corpora), rustfmt, checkpatch and clippy
# cleanliness, every selftest case run in VMs under the test kernel (KASAN,
# kmemleak, lockdep), clean kernel logs, the 9P selftests' host case in two
# linked VMs (scripts/vm-pair.sh), the in-tree build (scripts/intree.sh),
# and a run of a deliberately broken module that the log scan must catch. Ends with the
# line "N passed, N failed, N skipped"; exits non-zero on any failure.
# TESTS="a.sh b.sh" runs only those selftests.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$RKS_TOP/scripts/logscan.sh"
cd "$RKS_TOP"

passed=0 failed=0 skipped=0
pass() { passed=$((passed + 1)); echo "check: PASS $*"; }
fail() { failed=$((failed + 1)); echo "check: FAIL $*"; }
summary() {
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit $?
}
# count_ktap RESULTS WHAT: adds the cases of a VM's results.ktap to the counts.
count_ktap() {
	local kp kf ks
	if [ -s "$1" ]; then
		read -r kp kf ks < <(scripts/ktap_count.py "$1")
		passed=$((passed + kp)) failed=$((failed + kf)) skipped=$((skipped + ks))
		echo "check: $2: $kp passed, $kf failed, $ks skipped"
	else
		fail "$2 produced no results"
	fi
}

start=$(date +%s)
"$RKS_TOP/scripts/setup.sh" || { fail "setup"; summary; }
mkdir -p build/logs

# Host-side unit tests.
if cargo test --manifest-path host/Cargo.toml 2>&1 | tee build/logs/unit.log; then
	:
fi
read -r up uf < <(awk '/^test result:/ { p += $4; f += $6 } END { print p + 0, f + 0 }' build/logs/unit.log)
passed=$((passed + up))
failed=$((failed + uf))
grep -q '^test result: ok' build/logs/unit.log || fail "host unit tests did not run"

if rustfmt --edition 2021 --check $(git ls-files '*.rs') >build/logs/rustfmt.log 2>&1; then
	pass "rustfmt clean"
else
	fail "rustfmt would reformat (see build/logs/rustfmt.log; run make fmt)"
fi

scripts/kernel.sh build test || { fail "test kernel build"; summary; }
if scripts/checkpatch.sh >build/logs/checkpatch.log 2>&1; then
	pass "C glue passes checkpatch.pl --strict"
else
	cat build/logs/checkpatch.log
	fail "checkpatch.pl --strict has remarks on the C glue (see build/logs/checkpatch.log)"
fi
# Recompile every crate so that clippy sees all of it, not just what changed.
find build/test/src -name '*_rs.o' -delete 2>/dev/null
if scripts/modules.sh test CLIPPY=1 2>&1 | tee build/logs/modules.log; then
	if grep -qE '(warning|error)(\[[^]]*\])?:' build/logs/modules.log; then
		fail "modules build without warnings under clippy (see build/logs/modules.log)"
	else
		pass "modules build without warnings under clippy"
	fi
else
	fail "modules build"
	summary
fi

# scan_log CONSOLE: a counted case, the kernel log of one VM has no report.
scan_log() {
	local problems
	if problems=$(rks_logscan "$1"); then
		pass "kernel log clean (${1#build/logs/})"
	else
		echo "$problems"
		fail "kernel log has reports (see $1)"
	fi
}

# The directory built inside a kernel tree, as modules and built in.
in_tree() {
	scripts/intree.sh "$@" 2>&1 | tee build/logs/intree.log
	passed=$((passed + $(grep -c '^intree: PASS' build/logs/intree.log)))
	failed=$((failed + $(grep -c '^intree: FAIL' build/logs/intree.log)))
	grep -q '^intree: ' build/logs/intree.log || fail "in-tree build produced no result"
}

# The harness itself: a broken module must fail a run through the log scan.
canary() {
	local logs=build/logs/$(date +%Y%m%d-%H%M%S)-canary found
	scripts/vm.sh --flavour test --mode test --tests canary.sh --timeout 300 --logs "$logs" "$@" \
		>/dev/null 2>&1
	found=$(rks_logscan "$logs/console.log")
	if echo "$found" | grep -q 'WARNING:' && echo "$found" | grep -q 'Oops'; then
		pass "log scan catches a WARN and an oops from a broken module"
	else
		fail "log scan missed the broken module (see $logs/console.log)"
	fi
}

# count_vm N STATUS LOGS: counts the results of selftest VM N.
count_vm() {
	cat "$3/vm$1-results.ktap" 2>/dev/null
	count_ktap "$3/vm$1-results.ktap" "selftests (VM $1)"
	[ "$2" -eq 2 ] && fail "VM $1 reported no result (see $3/vm$1-console.log)"
	scan_log "$3/vm$1-console.log"
}

# The selftests. When all of them run, they run in two VMs at once (each
# VM is one TCG thread, so the two cores halve the wall time: the second
# takes the heaviest tests, about half the total, the first the rest of
# TEST_PROGS), beside the 9P selftests' host case, a client VM mounting a
# server VM's export (scripts/vm-pair.sh): those two VMs mostly wait on
# their link, so they cost the other two little.
if [ -n "${TESTS:-}" ]; then
	scripts/vm.sh --flavour test --mode test "$@" --tests "$TESTS"
	vm_status=$?
	logs=build/logs/latest
	count_ktap "$logs/results.ktap" selftests
	[ "$vm_status" -eq 2 ] && fail "the guest reported no result (see $logs/console.log)"
	scan_log "$logs/console.log"
else
	heavy="p9_mount.sh p9_write.sh p9_fuzz.sh p9_clients.sh"
	all=$(sed -n 's/^TEST_PROGS *:*= *//p' selftests/Makefile)
	rest=""
	for t in $all; do
		case " $heavy " in *" $t "*) ;; *) rest="$rest $t" ;; esac
	done
	for t in $heavy; do
		case " $all " in *" $t "*) ;; *) fail "$t is not in TEST_PROGS" ;; esac
	done
	logs="build/logs/$(date +%Y%m%d-%H%M%S)-selftests"
	mkdir -p "$logs"
	ln -sfn "${logs#build/logs/}" build/logs/latest
	initrd=build/test/initramfs.cpio
	scripts/initramfs.sh test "$initrd" >"$logs/initramfs.log" 2>&1 ||
		{ fail "initramfs (see $logs/initramfs.log)"; summary; }
	scripts/vm-pair.sh --initrd "$initrd" --logs "$logs/pair" >"$logs/pair.log" 2>&1 &
	pair=$!
	vm=(scripts/vm.sh --flavour test --mode test --initrd "$initrd" --logs "$logs" "$@")
	"${vm[@]}" --log-prefix vm1- --tests "${rest# }" >/dev/null 2>"$logs/vm1.log" &
	vm1=$!
	"${vm[@]}" --log-prefix vm2- --tests "$heavy" >/dev/null 2>"$logs/vm2.log" &
	vm2=$!
	wait "$vm1"
	count_vm 1 $? "$logs"
	# The first VM ends first: its core does the in-tree build and the
	# canary meanwhile.
	in_tree "$@"
	canary "$@"
	wait "$vm2"
	count_vm 2 $? "$logs"
	wait "$pair"
	pair_status=$?
	cat "$logs/pair/results.ktap" "$logs/pair.log" 2>/dev/null
	count_ktap "$logs/pair/results.ktap" "VM pair (p9_remote.sh)"
	if [ "$pair_status" -eq 0 ]; then
		pass "VM pair: client passed, server set up, kernel logs clean"
	else
		fail "VM pair (see $logs/pair)"
	fi
fi

echo "check: took $(($(date +%s) - start)) s"
summary
