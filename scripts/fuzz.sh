#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# fuzz.sh [SECONDS [TARGET...]]   "make fuzz": the host-side fuzz targets,
#                                  then the in-guest 9P fuzzer
#
# Builds host/fuzz (the targets of host/src/fuzz.rs, over the modules'
# pure-logic sources) with the stable compiler's sanitizer-coverage
# instrumentation and links it with libFuzzer from Debian's
# libclang-rt-19-dev; then runs each target (default: all) for SECONDS
# (default: 900 for passwd, the slowest, 300 for the others: each then
# passes 10 million executions on an idle core of this machine kind) on its
# corpus in host/fuzz/corpus/TARGET, merging what it
# found back into the corpus, minimised. Prints the executions of each run;
# exits non-zero when a target crashed (the input is in build/fuzz/).
#
# Then, unless FUZZ_GUEST_SECS is 0, runs selftests/p9_fuzz.sh under the
# test kernel (KASAN, kmemleak, lockdep) with netload's stateful 9P fuzzer
# going for FUZZ_GUEST_SECS seconds (default 600; at most 1000, within the
# selftests' timeout) instead of make check's 60; fails when a case does.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$RKS_TOP"

secs=${1:-}
shift || true
libfuzzer=/usr/lib/llvm-19/lib/clang/19/lib/linux/libclang_rt.fuzzer-x86_64.a
[ -f "$libfuzzer" ] || scripts/setup.sh
sancov=(-C passes=sancov-module
	-C llvm-args=-sanitizer-coverage-level=3
	-C llvm-args=-sanitizer-coverage-inline-8bit-counters
	-C llvm-args=-sanitizer-coverage-pc-table
	-C llvm-args=-sanitizer-coverage-trace-compares
	-C link-arg="$libfuzzer" -C link-arg=-lstdc++)
RUSTFLAGS="${sancov[*]}" CARGO_TARGET_DIR=build/fuzz/target \
	cargo build --quiet --release --manifest-path host/fuzz/Cargo.toml
bin=build/fuzz/target/release/rks-fuzz
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(p9_request finger inet passwd)
status=0
for t in "${targets[@]}"; do
	case "$secs,$t" in
	,passwd) t_secs=900 ;;
	,*) t_secs=300 ;;
	*) t_secs=$secs ;;
	esac
	corpus=host/fuzz/corpus/$t
	work=build/fuzz/$t
	rm -rf "$work"
	mkdir -p "$work/new"
	# Inputs of up to 4 KiB: enough for every rule (a 9P frame of the
	# smallest msize, a query past its 512-byte limit); longer passwd
	# files only make the target slower (it looks every user up again).
	if RKS_FUZZ_TARGET=$t "$bin" -max_total_time="$t_secs" -max_len=4096 -print_final_stats=1 \
		-artifact_prefix="$work/" "$work/new" "$corpus" >"$work/log" 2>&1; then
		verdict=ok
	else
		verdict="CRASHED (see $work/log)"
		status=1
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	# Keep the corpus small: merge what is new into a minimal set.
	mkdir -p "$work/merged"
	RKS_FUZZ_TARGET=$t "$bin" -merge=1 "$work/merged" "$corpus" "$work/new" >"$work/merge.log" 2>&1 &&
		rm -f "$corpus"/* && cp "$work/merged"/* "$corpus"/
	echo "fuzz: $t: ${runs:-?} executions in $t_secs s, $(ls "$corpus" | wc -l) corpus inputs: $verdict"
done

guest=${FUZZ_GUEST_SECS:-600}
if [ "$guest" -gt 1000 ]; then
	echo "fuzz: FUZZ_GUEST_SECS=$guest: at most 1000 (the selftests' timeout is 1200 s)" >&2
	exit 2
fi
if [ "$guest" -gt 0 ]; then
	scripts/kernel.sh build test
	scripts/modules.sh test
	if scripts/vm.sh --flavour test --tests p9_fuzz.sh --append "rks.fuzz_s=$guest" \
		--timeout $((guest + 900)) >/dev/null; then
		verdict=ok
	else
		verdict="FAILED (see build/logs/latest/results.ktap)"
		status=1
	fi
	# netload's line: "fuzz: every fuzzed session started (...): Stats {...}".
	stats=$(sed -n 's/.*every fuzzed session started[^:]*: //p' build/logs/latest/results.ktap | head -1)
	echo "fuzz: in-guest p9 fuzzer: $guest s, ${stats:-?}: $verdict"
fi
exit $status
