# SPDX-License-Identifier: GPL-2.0
# The 9P selftests' export tree and listings; sourced after ktap.sh.

EXPORT=${EXPORT:-/srv/export}
P9PORT=${P9PORT:-564}
# Coreutils' sha256sum reads 32 KiB at a time, busybox's 4 KiB: at
# cache=none each read is a round trip, and under the test kernel a round
# trip is dear.
SHA256SUM=/usr/bin/sha256sum

# Builds the export: netload's tree (files of every awkward size, a sparse
# file, 5000 entries, 20 levels, odd names, symlinks, hard links, modes)
# plus what only the shell can make: a fifo, a device node, a file the
# serving uid cannot read, extended attributes, and a tmpfs mounted inside.
p9_make_export() {
	mkdir -p "$EXPORT"
	mount -t tmpfs -o size=200m,mode=0755 export "$EXPORT" || return 1
	netload mktree "$EXPORT" >/tmp/mktree.log || return 1
	mkfifo "$EXPORT/fifo"
	mknod "$EXPORT/null-device" c 1 3
	echo "root only" >"$EXPORT/unreadable"
	chmod 600 "$EXPORT/unreadable"
	setfattr -n user.colour -v blue "$EXPORT/files/size-1" || return 1
	setfattr -n user.empty "$EXPORT/files/size-1"
	setfattr -n user.long -v "$(awk 'BEGIN { while (i++ < 3000) printf "x" }')" "$EXPORT/deep"
	mkdir -p "$EXPORT/mnt"
	mount -t tmpfs -o size=1m inner "$EXPORT/mnt" || return 1
	echo "beneath a mount" >"$EXPORT/mnt/secret"
}

# Under the debug kernel (KASAN, kmemleak: every 9P round trip costs ~20 ms
# under TCG) the comparisons are "light": many/ by names only, and not the
# 64 MiB file (p9_mount.sh reads it while unloading). The release kernel
# ("make check-full") compares everything.
if [ -e /sys/kernel/debug/kmemleak ]; then P9_LIGHT=1; else P9_LIGHT=0; fi

# Prints one line per entry beneath DIR (type, mode, links, owner, size,
# mtime, path, link target), sorted; newlines in names become '?'. The
# mount point inside the export is left out (compared separately). Light:
# the entries of many/ by name only (a directory read, no stat per entry).
p9_listing() {
	fmt='%y %m %n %U %G %s %T@ %p -> %l\0'
	if [ "$P9_LIGHT" = 1 ]; then
		set -- "$1" -path ./many -printf "$fmt" -prune -o
	else
		set -- "$1"
	fi
	(cd "$1" && shift && /usr/bin/find . -path ./mnt -prune -o "$@" -printf "$fmt" |
		tr '\n\0' '?\n' | sort
	 # A glob reads the directory without a stat per entry.
	 if [ "$P9_LIGHT" = 1 ]; then (cd many && printf '%s\n' *); fi)
}

# Prints the sha256 of every file beneath DIR that the serving uid (other,
# to root's files) may read, sorted (sha256sum escapes odd names). Light:
# not many/, not the 64 MiB file and not the 16 MiB sparse file (16 of the
# 17 MiB left; p9_sparse_edges reads its edges instead).
p9_sums() {
	if [ "$P9_LIGHT" = 1 ]; then
		set -- "$1" -path ./many -prune -o
	else
		set -- "$1"
	fi
	(cd "$1" && shift && /usr/bin/find . -path ./mnt -prune -o "$@" -type f -perm -0004 -print0 |
		if [ "$P9_LIGHT" = 1 ]; then
			grep -zv -e '^./files/size-67108864$' -e '^./sparse$'
		else
			cat
		fi | xargs -0 $SHA256SUM | sort)
}

# p9_sparse_edges DIR: the sha256 of where the sparse file's data meets its
# holes (64 KiB blocks 127 to 129, around the 4 KiB at 8 MiB) and of its
# last block, read with 64 KiB reads.
p9_sparse_edges() {
	{ dd if="$1/sparse" bs=65536 skip=127 count=3 && dd if="$1/sparse" bs=65536 skip=255; } 2>/dev/null |
		sha256sum
}

# Mounts the export from 127.0.0.1 (or $P9HOST) at DIR with extra options.
p9_mount() {
	mkdir -p "$1"
	mount -t 9p -o "trans=tcp,port=$P9PORT,version=9p2000.L,$2" "${P9HOST:-127.0.0.1}" "$1"
}

# p9_compare DIR OPTIONS LISTING SUMS: mounts the export at DIR with
# OPTIONS and checks that its listing and sums (p9_listing, p9_sums) are
# the files LISTING and SUMS; three KTAP results (mount, listing, sums).
p9_compare() {
	_what=$(echo "$2" | tr , ' ')
	if ! p9_mount "$1" "$2"; then
		ktap_not_ok "mount $_what"
		ktap_skip "listing identical, $_what" "not mounted"
		ktap_skip "sha256 identical, $_what" "not mounted"
		return
	fi
	ktap_ok "mount $_what"
	_start=$(uptime_ms)
	p9_listing "$1" >/tmp/9p.list
	_listed=$(uptime_ms)
	ktap_check "listing identical, $_what" cmp -s "$3" /tmp/9p.list ||
		diff "$3" /tmp/9p.list | head -20 | sed 's/^/# /'
	p9_sums "$1" >/tmp/9p.sums
	ktap_check "sha256 identical, $_what" cmp -s "$4" /tmp/9p.sums ||
		diff "$4" /tmp/9p.sums | head -20 | sed 's/^/# /'
	echo "# $_what: listing in $((_listed - _start)) ms, sums in $(($(uptime_ms) - _listed)) ms"
	umount "$1"
}

# Counter NAME of /sys/kernel/debug/rust_9p/counters.
p9_counter() {
	awk -v n="$1" '$1 == n { print $2 }' /sys/kernel/debug/rust_9p/counters
}

# The server's open connections, one line each.
p9_clients() {
	cat /sys/kernel/debug/rust_9p/clients
}

# Waits (up to 10 s) until the server has no connection and no fid open,
# and lists no client: connections are torn down by their own tasks after
# the client goes.
p9_wait_idle() {
	for _ in $(seq 100); do
		[ "$(p9_counter connections_open)" = 0 ] && [ "$(p9_counter fids_open)" = 0 ] &&
			[ -z "$(p9_clients)" ] && return 0
		sleep 0.1
	done
	echo "# still open: $(p9_counter connections_open) connections, $(p9_counter fids_open) fids"
	p9_clients | sed 's/^/# listed: /'
	return 1
}

# p9_write_setup: the write selftests' start: the workload's source file,
# tmpfs mounts at $EXPORT (the export) and $REF (the local reference), and
# rust_9p exporting $EXPORT as root, not squashed (one result).
p9_write_setup() {
	p9_source
	mkdir -p $EXPORT $REF $MNT
	mount -t tmpfs -o size=300m,mode=0755 write $EXPORT
	mount -t tmpfs -o size=300m,mode=0755 ref $REF
	ktap_check "rust_9p loads, root not squashed" \
		insmod "$MODDIR/rust_9p.ko" root=$EXPORT uid=0 gid=0 no_root_squash=1
}

# p9_compare_workload OPTIONS: p9_workload on a mount at $MNT with OPTIONS,
# in $EXPORT/w, compared with the tree it made locally, /tmp/ref.tree (two
# results).
p9_compare_workload() {
	rm -rf $EXPORT/w
	mkdir $EXPORT/w
	p9_mount $MNT "$1" || { ktap_not_ok "mount $1"; ktap_skip "tree $1" "not mounted"; return; }
	start=$(uptime_ms)
	p9_workload $MNT/w chown
	ktap_check "workload runs, $1 ($(($(uptime_ms) - start)) ms)" [ $? -eq 0 ]
	umount $MNT
	p9_tree $EXPORT/w >/tmp/9p.tree
	ktap_check "the tree is the one tmpfs has, $1" cmp -s /tmp/ref.tree /tmp/9p.tree ||
		diff /tmp/ref.tree /tmp/9p.tree | head -30 | sed 's/^/# /'
}

# p9_workload DIR [chown]: the write selftests' workload, in the empty
# directory DIR, run the same way on a 9P mount and on a local tmpfs: files
# of awkward sizes written at odd offsets, appends, truncations up and down,
# a sparse file, a copy of the selftests, renames (files, directories, over
# existing entries), hard links, symlinks, chmod, explicit times, a fifo,
# and removing part of it all; with "chown", changes of owner too. Modes
# under umask 0 stay as given. Content comes from /tmp/p9src (p9_source).
p9_workload() {
	(cd "$1" || exit 1
	set -e
	umask 0
	mkdir -m 777 open
	touch open/file
	umask 022
	mkdir -p a/b/c
	for n in 0 1 4095 4096 4097 65537 1048577; do
		head -c $n /tmp/p9src >a/size-$n
	done
	dd if=/tmp/p9src of=odd bs=1000 count=3 seek=7 conv=notrunc 2>/dev/null
	dd if=/tmp/p9src of=odd bs=1 count=77 seek=123457 conv=notrunc 2>/dev/null
	dd if=/tmp/p9src of=odd bs=4096 skip=3 count=5 seek=1 conv=notrunc 2>/dev/null
	i=0
	while [ $i -lt 40 ]; do
		echo "record $i" >>log
		i=$((i + 1))
	done
	cp a/size-1048577 shrink
	truncate -s 100001 shrink
	cp a/size-4097 grow
	truncate -s 2000003 grow
	dd if=/tmp/p9src of=sparse bs=4096 count=1 seek=2048 2>/dev/null
	cp -a /selftests tree
	mv a/b a/b2
	mv log log.old
	echo over >over
	mv odd over
	mkdir d1 d2 e1 e2
	echo z >d2/z
	mv d1 d2/
	mv e1 e2/e1
	ln over over.link
	ln -s a/b2/c sym
	ln -s /nonexistent dangling
	chmod 751 a
	chmod 4755 grow
	chmod 1777 e2
	echo timed >timed
	touch -d '2021-02-03 04:05:06' timed
	mkfifo fifo
	rm -rf tree/canary a/size-65537 e2/e1
	if [ "${2:-}" = chown ]; then
		chown 1234:5678 log.old
		chown -h 4321 sym
	fi
	)
}

# p9_source: the pseudo-random content p9_workload writes (2 MiB).
p9_source() {
	[ -s /tmp/p9src ] || head -c 2097152 /dev/urandom >/tmp/p9src
}

# p9_tree DIR: what p9_workload's comparison looks at, one line per entry
# (type, mode, links, owner, size, path, link target), the mtime of the
# files whose times are set explicitly (timed, the copy's regular files),
# and the sha256 of every regular file; sorted.
p9_tree() {
	(cd "$1" && /usr/bin/find . -printf '%y %m %n %U %G %s %p -> %l\n' | sort
	 /usr/bin/find ./timed ./tree -type f -printf 'mtime %T@ %p\n' | sort
	 /usr/bin/find . -type f -print0 | xargs -0 $SHA256SUM | sort)
}
