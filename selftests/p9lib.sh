# SPDX-License-Identifier: GPL-2.0
# The 9P selftests' export tree and listings; sourced after ktap.sh.

EXPORT=${EXPORT:-/srv/export}
P9PORT=${P9PORT:-564}

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
# not many/ and not the 64 MiB file.
p9_sums() {
	if [ "$P9_LIGHT" = 1 ]; then
		set -- "$1" -path ./many -prune -o
	else
		set -- "$1"
	fi
	(cd "$1" && shift && /usr/bin/find . -path ./mnt -prune -o "$@" -type f -perm -0004 -print0 |
		if [ "$P9_LIGHT" = 1 ]; then
			grep -zv '^./files/size-67108864$'
		else
			cat
		fi | xargs -0 sha256sum | sort)
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

# Waits (up to 10 s) until the server has no connection and no fid open:
# connections are torn down by their own tasks after the client goes.
p9_wait_idle() {
	for _ in $(seq 100); do
		[ "$(p9_counter connections_open)" = 0 ] && [ "$(p9_counter fids_open)" = 0 ] &&
			return 0
		sleep 0.1
	done
	echo "# still open: $(p9_counter connections_open) connections, $(p9_counter fids_open) fids"
	return 1
}
