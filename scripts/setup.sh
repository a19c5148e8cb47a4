#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Installs what building and testing the project needs, skipping each step
# that is already satisfied. Every step prints one line saying what it does.
# Runs as root on Debian 12 (the project's machine kind).
set -euo pipefail

step() { printf 'setup: %s\n' "$*"; }

apt_pkgs=(linux-source-6.12 clang-19 lld-19 llvm-19 libclang-19-dev flex bison
	  bc libelf-dev libssl-dev cpio qemu-system-x86 busybox-static
	  finger fingerd diod attr acl netcat-openbsd iproute2 xz-utils make
	  libclang-rt-19-dev git sqlite3 rsync tar)
# "setup.sh bench": also what "make bench" runs in the guest.
[ "${1:-}" = bench ] && apt_pkgs+=(iperf3 openbsd-inetd linux-perf)

missing=()
for p in "${apt_pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	step "apt-get install ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: need root to install packages" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
	step "Debian packages present"
fi

export PATH="$HOME/.cargo/bin:$PATH"
if ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
	step "rustup component add rust-src"
	rustup component add rust-src >/dev/null
else
	step "rust-src present"
fi

if ! bindgen --version 2>/dev/null | grep -q '0\.72\.1'; then
	step "cargo install --locked bindgen-cli --version 0.72.1"
	cargo install --locked -q bindgen-cli --version 0.72.1
else
	step "bindgen 0.72.1 present"
fi
