#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.sh: the kernel's scripts/checkpatch.pl --strict on every C file
# and header of the modules' glue (not the selftests' deliberately broken
# canary module). Prints what it finds; fails if anything is found.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$RKS_TOP"

checkpatch="$(rks_src)/scripts/checkpatch.pl"
[ -x "$checkpatch" ] || { echo "checkpatch: no $checkpatch (run scripts/kernel.sh first)" >&2; exit 2; }
status=0
for f in $(git ls-files '*.c' '*.h' | grep -v '^selftests/canary/'); do
	if ! out=$("$checkpatch" --no-tree --strict --quiet --show-types -f "$f" 2>&1); then
		echo "$out"
		status=1
	fi
done
exit $status
