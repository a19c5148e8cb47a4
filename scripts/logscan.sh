# SPDX-License-Identifier: GPL-2.0
# Sourced: the patterns of a kernel log that fail a run, whatever the tests said.

# BUG: covers KASAN and sleeping-in-atomic reports; WARNING: covers WARN(),
# lockdep and RCU splats; the rest are oopses, panics, kmemleak reports,
# hung tasks, Rust panics and debugobjects.
RKS_LOG_PATTERNS='BUG:|WARNING:|Oops|Kernel panic|kernel BUG at|general protection fault|unreferenced object|suspected memory leak|INFO: |UBSAN:|panicked at|ODEBUG:|Call Trace:'

# rks_logscan LOG: prints the offending lines; fails if there are any.
rks_logscan() {
	local hits
	hits=$(tr -d '\r' <"$1" | grep -E "$RKS_LOG_PATTERNS")
	[ -z "$hits" ] && return 0
	echo "$hits" | head -40
	return 1
}
