#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The async runtime moves data correctly: the echo sample returns every byte,
# for 1 client and 200 concurrent clients, 1 byte to 4 MiB, IPv4 and IPv6.
. ./ktap.sh

ktap_header 7
insmod "$MODDIR/rust_echo_async.ko" port=7777 || { echo "# cannot load"; exit 1; }
ktap_check "1 client, 1 byte" netload echo 127.0.0.1:7777 --sizes 1
ktap_check "1 client, 4 MiB" netload echo 127.0.0.1:7777 --sizes 4194304
ktap_check "1 client, 1 MiB in 1000-byte writes" netload echo 127.0.0.1:7777 --sizes 1048576 --chunk 1000
ktap_check "IPv6 client" netload echo '[::1]:7777' --sizes 65537
ktap_check "200 concurrent clients, 1 byte to 4 MiB" \
	netload echo 127.0.0.1:7777 --clients 200 --sizes 1,4095,4096,65537,262144,1,17,1048577 --timeout 300
# Small writes from many clients: wakes from the softirq of one CPU race with
# polls running on the other. Every client must still get all of its bytes.
# On failure, what the kernel holds afterwards: connections never accepted
# stay in the listener's accept queue (its Recv-Q), and the port's sockets
# by state.
echo_or_explain() {
	netload echo 127.0.0.1:7777 "$@" && return 0
	echo "# listener: $(/usr/bin/ss -Hltn 'sport = :7777')"
	echo "# connections by state: $(/usr/bin/ss -Htan 'sport = :7777' | awk '{ print $1 }' | sort | uniq -c | tr '\n' ' ')"
	echo "# $(grep TCP: /proc/net/sockstat)"
	return 1
}
ktap_check "wake-up races: 100 clients in 100-byte writes" \
	echo_or_explain --clients 100 --sizes 65536 --chunk 100 --timeout 300
big=$(netload echo 127.0.0.1:7777 --clients 4 --sizes 4194304 --timeout 300)
ktap_check "4 concurrent 4 MiB clients: $big" [ $? -eq 0 ]
rmmod rust_echo_async
ktap_finish
