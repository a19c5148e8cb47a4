#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vm.sh [options]   boot a cached kernel in QEMU with the project's initramfs
#
#   --flavour test|release   which kernel (default: test)
#   --mode test|run|p9server|bench
#                            run the selftests, give a shell, serve the 9P
#                            selftests' export to a client VM until killed
#                            (see scripts/vm-pair.sh), or run the benchmarks
#                            (see scripts/bench.sh); default: test
#   --tests "a.sh b.sh"      only these selftests
#   --timeout SECONDS        hard limit on the whole run (default: 3600;
#                            0 = none, allowed with --mode run only)
#   --kvm                    use KVM instead of TCG (hangs on nested VMs)
#   --fwd HOST:GUEST         forward a host TCP port to the guest (repeatable)
#   --mem MIB                guest memory (default: 1024)
#   --append ARGS            extra kernel command line
#   --net-listen PORT        a second NIC (eth1, MAC 52:54:00:00:09:01) on a
#                            QEMU socket link listening on 127.0.0.1:PORT
#   --net-connect PORT       the same for the other end (MAC 52:54:00:00:09:02),
#                            connecting to a VM started with --net-listen PORT
#   --virtfs DIR             export DIR read-only with QEMU's 9P server
#                            (virtio-9p, mount tag "bench")
#   --virtfs-rw DIR          export DIR writable as well (mount tag "benchw")
#   --initrd FILE            boot this initramfs instead of building one
#   --bzimage FILE           boot this kernel instead of the flavour's (its
#                            modules and initramfs are still the flavour's)
#   --logs DIR               log directory (default: build/logs/RUN, which
#                            build/logs/latest then points at)
#   --log-prefix PREFIX      prefix of the log files' names (default: none)
#   --pidfile FILE           QEMU writes its process id to FILE
#
# The serial console goes to the terminal and to build/logs/RUN/console.log;
# the selftests' KTAP output (the benchmarks' JSON lines) goes to
# build/logs/RUN/results.ktap (results.jsonl) through the second serial port. Exit status: 0 when the guest reported success, 1 when
# it reported failure, 2 when it reported nothing (panic, hang, timeout).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=test mode=test tests="" timeout=3600 accel=tcg mem=1024 append="" fwd=()
link="" link_mac="" virtfs="" virtfs_rw="" initrd="" bzimage="" logs="" prefix="" pidfile=()
while [ $# -gt 0 ]; do
	case "$1" in
	--flavour) flavour=$2; shift ;;
	--mode) mode=$2; shift ;;
	--tests) tests=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--kvm) accel=kvm ;;
	--fwd) fwd+=("$2"); shift ;;
	--mem) mem=$2; shift ;;
	--append) append=$2; shift ;;
	--net-listen) link="listen=127.0.0.1:$2" link_mac=52:54:00:00:09:01; shift ;;
	--net-connect) link="connect=127.0.0.1:$2" link_mac=52:54:00:00:09:02; shift ;;
	--virtfs) virtfs=$2; shift ;;
	--virtfs-rw) virtfs_rw=$2; shift ;;
	--initrd) initrd=$2; shift ;;
	--bzimage) bzimage=$2; shift ;;
	--logs) logs=$2; shift ;;
	--log-prefix) prefix=$2; shift ;;
	--pidfile) pidfile=(-pidfile "$2"); shift ;;
	*) echo "vm: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

kdir=$(rks_kdir "$flavour")
[ -f "$kdir/.rks-built" ] || { echo "vm: no $flavour kernel; run scripts/kernel.sh build $flavour" >&2; exit 2; }

if [ -z "$logs" ]; then
	run_id="$(date +%Y%m%d-%H%M%S)-$mode-$flavour"
	logs="$RKS_TOP/build/logs/$run_id"
	mkdir -p "$logs"
	ln -sfn "$run_id" "$RKS_TOP/build/logs/latest"
fi
mkdir -p "$logs"
console="$logs/${prefix}console.log" results="$logs/${prefix}results.ktap"
[ "$mode" = bench ] && results="$logs/${prefix}results.jsonl"
if [ -z "$initrd" ]; then
	initrd="$RKS_TOP/build/$flavour/initramfs.cpio"
	"$RKS_TOP/scripts/initramfs.sh" "$flavour" "$initrd"
fi

netdev="user,id=n0"
for f in "${fwd[@]}"; do
	netdev+=",hostfwd=tcp:127.0.0.1:${f%%:*}-:${f##*:}"
done

cmdline="console=ttyS0 panic=-1 rks.mode=$mode $append"
# The test kernel has no ACPI, so no HPET or PM timer to calibrate the TSC
# against: against the PIT, under a loaded host, it sometimes comes out
# wrong (561 MHz for 2600 seen) and the guest's clock runs fast, firing its
# timeouts early. Its clock is the timer tick instead, on every boot.
[ "$flavour" = test ] && cmdline+=" tsc=unstable"
[ -n "$tests" ] && cmdline+=" rks.tests=$(echo "$tests" | tr ' ' ,)"

# No 5-level paging: while identify_cpu rebuilds the boot CPU's feature bits,
# 6.12 briefly sees LA57 as absent, and KASAN then reports an interrupt that
# lands in that window as a wild access to the 5-level direct map (seen at
# 0.15 s of boot, before any module, in 2 of about 10 make check runs).
# debug-threads names the vCPU threads ("CPU 0/TCG"), so that
# scripts/bench_hostcpu.py can tell them from QEMU's other threads.
qemu=(qemu-system-x86_64 -name rks,debug-threads=on -machine pc -accel "$accel"
      -cpu max,la57=off -smp 2 -m "$mem"
      -kernel "${bzimage:-$kdir/arch/x86/boot/bzImage}" -initrd "$initrd"
      -append "$cmdline" -display none -no-reboot
      -device isa-debug-exit,iobase=0xf4,iosize=0x01
      -netdev "$netdev" -device virtio-net-pci,netdev=n0 "${pidfile[@]}")
if [ -n "$link" ]; then
	# The VM-to-VM link: QEMU forwards the frames over a TCP connection.
	qemu+=(-netdev "socket,id=n1,$link" -device "virtio-net-pci,netdev=n1,mac=$link_mac")
fi
if [ -n "$virtfs" ]; then
	qemu+=(-virtfs "local,path=$virtfs,mount_tag=bench,security_model=none,readonly=on")
fi
if [ -n "$virtfs_rw" ]; then
	qemu+=(-virtfs "local,path=$virtfs_rw,mount_tag=benchw,security_model=none")
fi
if [ "$mode" = run ]; then
	# Interactive: Ctrl-A C reaches the QEMU monitor, Ctrl-A X quits.
	qemu+=(-chardev "stdio,id=con,mux=on,signal=off,logfile=$console"
	       -serial chardev:con -mon chardev=con,mode=readline)
else
	qemu+=(-chardev "stdio,id=con,signal=off,logfile=$console"
	       -serial chardev:con -serial "file:$results" -monitor none)
fi

echo "vm: booting the $flavour kernel ($accel, logs in ${logs#"$RKS_TOP/"})" >&2
if [ "$mode" = run ]; then
	limit=()
	[ "$timeout" -gt 0 ] && limit=(timeout --foreground -k 10 "$timeout")
	"${limit[@]}" "${qemu[@]}" || true
	exit 0
fi
status=0
timeout -k 10 "$timeout" "${qemu[@]}" </dev/null || status=$?
case "$status" in
1) exit 0 ;;
3) exit 1 ;;
124|137) echo "vm: timed out after $timeout s" >&2; exit 2 ;;
*) echo "vm: the guest reported no result (QEMU exit status $status)" >&2; exit 2 ;;
esac
