#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Not in TEST_PROGS: the host runs it alone to check that loading a broken
# module fails the run through the kernel log scan. The script itself passes.
. ./ktap.sh

ktap_header 2
insmod "$MODDIR/rks_canary.ko" crash=warn
ktap_ok "loaded the warning canary"
rmmod rks_canary
insmod "$MODDIR/rks_canary.ko" crash=oops
ktap_ok "loaded the oopsing canary"
ktap_finish
