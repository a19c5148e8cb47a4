#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vm.sh [options]   boot a cached kernel in QEMU with the project's initramfs
#
#   --flavour test|release   which kernel (default: test)
#   --mode test|run          run the selftests, or give a shell (default: test)
#   --tests "a.sh b.sh"      only these selftests
#   --timeout SECONDS        hard limit on the whole run (default: 1500;
#                            0 = none, allowed with --mode run only)
#   --kvm                    use KVM instead of TCG (hangs on nested VMs)
#   --fwd HOST:GUEST         forward a host TCP port to the guest (repeatable)
#   --mem MIB                guest memory (default: 1024)
#   --append ARGS            extra kernel command line
#
# The serial console goes to the terminal and to build/logs/RUN/console.log;
# the selftests' KTAP output goes to build/logs/RUN/results.ktap through the
# second serial port. Exit status: 0 when the guest reported success, 1 when
# it reported failure, 2 when it reported nothing (panic, hang, timeout).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=test mode=test tests="" timeout=1500 accel=tcg mem=1024 append="" fwd=()
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
	*) echo "vm: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

kdir=$(rks_kdir "$flavour")
[ -f "$kdir/.rks-built" ] || { echo "vm: no $flavour kernel; run scripts/kernel.sh build $flavour" >&2; exit 2; }

run_id="$(date +%Y%m%d-%H%M%S)-$mode-$flavour"
logs="$RKS_TOP/build/logs/$run_id"
mkdir -p "$logs"
ln -sfn "$run_id" "$RKS_TOP/build/logs/latest"
initrd="$RKS_TOP/build/$flavour/initramfs.cpio"
"$RKS_TOP/scripts/initramfs.sh" "$flavour" "$initrd"

netdev="user,id=n0"
for f in "${fwd[@]}"; do
	netdev+=",hostfwd=tcp:127.0.0.1:${f%%:*}-:${f##*:}"
done

cmdline="console=ttyS0 panic=-1 rks.mode=$mode $append"
[ -n "$tests" ] && cmdline+=" rks.tests=$(echo "$tests" | tr ' ' ,)"

qemu=(qemu-system-x86_64 -machine pc -accel "$accel" -cpu max -smp 2 -m "$mem"
      -kernel "$kdir/arch/x86/boot/bzImage" -initrd "$initrd"
      -append "$cmdline" -display none -no-reboot
      -device isa-debug-exit,iobase=0xf4,iosize=0x01
      -netdev "$netdev" -device virtio-net-pci,netdev=n0)
if [ "$mode" = run ]; then
	# Interactive: Ctrl-A C reaches the QEMU monitor, Ctrl-A X quits.
	qemu+=(-chardev "stdio,id=con,mux=on,signal=off,logfile=$logs/console.log"
	       -serial chardev:con -mon chardev=con,mode=readline)
else
	qemu+=(-chardev "stdio,id=con,signal=off,logfile=$logs/console.log"
	       -serial chardev:con -serial "file:$logs/results.ktap" -monitor none)
fi

echo "vm: booting the $flavour kernel ($accel, logs in build/logs/$run_id)" >&2
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
