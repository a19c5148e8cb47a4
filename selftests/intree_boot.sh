#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run by scripts/intree.sh in a kernel with both servers built in and their
# parameters on the command line (rks.intree=good), or bad parameters
# (rks.intree=bad). Not in TEST_PROGS: it needs that kernel.
. ./ktap.sh
. ./p9lib.sh

case " $(cat /proc/cmdline) " in
*" rks.intree=good "*) want=good ;;
*" rks.intree=bad "*) want=bad ;;
*) echo "# boot with rks.intree=good or rks.intree=bad"; exit 4 ;;
esac

listening() {
	ss -Htln "( sport = :$1 )" | grep -q LISTEN
}

if [ $want = good ]; then
	ktap_header 5
	ktap_check_expr "both servers started at boot" \
		'dmesg | grep -q "rust_9p: exporting /srv/export" && dmesg | grep -q "rust_fingerd: listening on \*:79"'
	ktap_check_expr "neither is a module" '! grep -qE "^rust_(9p|fingerd) " /proc/modules'
	echo 'demo:x:1000:1000:Demo User,,,:/home/demo:/bin/sh' >>/etc/passwd
	echo 'finger:x:79:demo' >>/etc/group
	ktap_check_expr "finger answers" \
		'printf "demo\r\n" | timeout 10 nc 127.0.0.1 79 | grep -q "Login: demo"'
	mkdir -p /mnt/9p
	ktap_check "the 9P export mounts" p9_mount /mnt/9p "msize=131072,cache=none"
	ktap_check_expr "and reads as the tree itself" \
		'[ "$(cd /srv/export && find . -type f | sort | xargs cat | sha256sum)" = "$(cd /mnt/9p && find . -type f | sort | xargs cat | sha256sum)" ]'
	umount /mnt/9p
else
	ktap_header 4
	ktap_check_expr "rust_9p says what is wrong" \
		'dmesg | grep -q "rust_9p: msize=1 is out of range 4096-1048576"'
	ktap_check_expr "rust_fingerd says what is wrong" \
		'dmesg | grep -q "rust_fingerd: port=0 is out of range"'
	ktap_check_expr "no server listens" '! listening 564 && ! listening 79'
	ktap_check_expr "the kernel booted on, with no panic or oops" \
		'! dmesg | grep -qE "Oops|panicked|BUG:"'
fi
ktap_finish
