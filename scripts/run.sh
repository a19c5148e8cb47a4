#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [vm.sh options]: "make run". Boots the release kernel with both
# modules loaded and the sample export, forwarding host ports to the guest.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

port9p=${PORT9P:-5640}
portfinger=${PORTFINGER:-7979}

cat <<EOM
run: rust_9p exports samples/export; rust_fingerd serves finger. From the host:

  mount -t 9p -o trans=tcp,port=$port9p,version=9p2000.L,msize=131072 127.0.0.1 /mnt
  printf 'demo\\r\\n' | nc 127.0.0.1 $portfinger
  nc -v 127.0.0.1 $port9p </dev/null

Logs: build/logs/latest/console.log. Leave with 'exit' or Ctrl-A X.

EOM
exec "$RKS_TOP/scripts/vm.sh" --flavour release --mode run --timeout 0 \
	--fwd "$port9p:564" --fwd "$portfinger:79" "$@"
