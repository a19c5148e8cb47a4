#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [--reps N] [--secs S] [--only AREA] [--peers LIST] [--fs KIND]   "make bench"
#
#   --reps N    repetitions of every run (default 3)
#   --secs S    length of each timed run in seconds (default 3)
#   --only A    one area: 9p, finger or tcp (default all), or profile
#               (perf profiles of rust_9p and diod, in console.log)
#   --peers L   only these peers, comma-separated (e.g. rust_9p,local)
#   --fs K      9P workloads: read, write or all (default all)
#   --baseline REV  also measure rust_9p.ko built from git revision REV, as
#               the peer rust_9p-base in the same boot (name it in --peers
#               when --peers is given): before/after of a change, which
#               separate boots under TCG cannot tell apart from the host
#
# Boots the release kernel once, with QEMU's 9P server exporting a host copy
# of the benchmark tree (read-only) and a fresh directory in the host's
# tmpfs (writable, for the write workloads; removed at the end), and runs
# scripts/guest/bench there (scripts/bench_hostcpu.py meanwhile records
# QEMU's host CPU time during each run): rust_9p, diod,
# virtio-9p and the local file system, then rust_fingerd, netkit fingerd,
# the finger-epoll baseline and a null server, then iperf3 on loopback.
# Writes build/bench/RUN/ (build/bench/latest points at it): results.jsonl
# (every run), hostcpu.jsonl (QEMU's CPU time per run), summary.json (median, min, max per figure), report.md (the
# tables, also printed), console.log. A benchmark, not a test: it exits 0
# whenever it got results, and marks failed runs in the report.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

reps=3 secs=3 only= peers= fs= baseline=
while [ $# -gt 0 ]; do
	case "$1" in
	--reps) reps=$2; shift ;;
	--secs) secs=$2; shift ;;
	--only) only=$2; shift ;;
	--peers) peers=$2; shift ;;
	--fs) fs=$2; shift ;;
	--baseline) baseline=$2; shift ;;
	*) echo "bench: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

"$RKS_TOP/scripts/setup.sh" bench
"$RKS_TOP/scripts/kernel.sh" build release
"$RKS_TOP/scripts/modules.sh" release

# The baseline's module, built from REV's tree in build/release/base
# (Kbuild writes next to the sources) and handed to initramfs.sh.
export RKS_BASELINE_KO=
if [ -n "$baseline" ]; then
	rev=$(git -C "$RKS_TOP" rev-parse --verify "$baseline^{commit}")
	base="$RKS_TOP/build/release/base"
	rm -rf "$base"
	mkdir -p "$base"
	git -C "$RKS_TOP" archive "$rev" | tar -C "$base" -xf -
	echo "bench: building the baseline rust_9p.ko of ${rev:0:12}" >&2
	rks_make_modules "$(rks_kdir release)" "$base"
	RKS_BASELINE_KO="$base/rust_9p.ko"
fi

run_id=$(date +%Y%m%d-%H%M%S)
out="$RKS_TOP/build/bench/$run_id"
mkdir -p "$out"
ln -sfn "$run_id" "$RKS_TOP/build/bench/latest"

echo "bench: building the tools and the host copy of the tree" >&2
cargo build --quiet --release --manifest-path "$RKS_TOP/bench/Cargo.toml"
tree="$RKS_TOP/build/bench/tree"
mkdir -p "$tree"
"$RKS_TOP/bench/target/release/fsbench" mktree "$tree" >/dev/null
mkdir -p "$tree/write" # empty, as in the guest's tree, whose write/ takes the writes
chmod -R a+rX "$tree"
# virtio-9p's writable directory: in the host's tmpfs when there is one, as
# rust_9p and diod write into the guest's tmpfs.
shm=/dev/shm
[ -d "$shm" ] && [ -w "$shm" ] || shm=${TMPDIR:-/tmp}
wdir=$(mktemp -d "$shm/rks-bench-write.XXXXXX")
trap 'rm -rf "$wdir"' EXIT
initrd="$RKS_TOP/build/release/initramfs-bench.cpio"
"$RKS_TOP/scripts/initramfs.sh" release "$initrd" bench

echo "bench: running in the guest ($reps repetitions of ${secs} s runs; logs in ${out#"$RKS_TOP/"})" >&2
status=0
rm -f "$out/qemu.pid"
python3 "$RKS_TOP/scripts/bench_hostcpu.py" "$out/qemu.pid" "$out/results.jsonl" "$out/hostcpu.jsonl" &
sampler=$!
"$RKS_TOP/scripts/vm.sh" --flavour release --mode bench --initrd "$initrd" \
	--virtfs "$tree" --virtfs-rw "$wdir" --mem 2048 --logs "$out" --timeout 7200 \
	--pidfile "$out/qemu.pid" \
	--append "rks.reps=$reps rks.secs=$secs${only:+ rks.only=$only}${peers:+ rks.peers=$peers}${fs:+ rks.fs=$fs}${baseline:+ rks.baseline=1}" \
	>"$out/vm.log" 2>&1 || status=$?
wait "$sampler" || echo "bench: no host CPU figures (see $out/vm.log)" >&2
if [ ! -s "$out/results.jsonl" ]; then
	echo "bench: the guest reported nothing (vm.sh status $status; see $out/console.log)" >&2
	exit 1
fi
python3 "$RKS_TOP/scripts/bench_report.py" "$out"
