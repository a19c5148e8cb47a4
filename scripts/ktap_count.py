#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Counts the results in a KTAP file from run_kselftest.sh.

Every test case counts once: the nested results of each selftest, or the
selftest itself when it failed without any failed case of its own (a crash
or a timeout), or when it reported no cases. Prints "PASSED FAILED SKIPPED".
"""
import re
import sys

RESULT = re.compile(r"^( *)(not ok|ok) \d+ ?(.*)$")


def count(lines):
    passed = failed = skipped = 0
    nested = {"ok": 0, "not ok": 0}
    for line in lines:
        m = RESULT.match(line.rstrip("\r\n"))
        if not m:
            continue
        indent, result, rest = m.groups()
        skip = "# SKIP" in rest
        if indent:
            nested[result] += 1
            if skip:
                skipped += 1
            elif result == "ok":
                passed += 1
            else:
                failed += 1
            continue
        if result == "not ok" and nested["not ok"] == 0:
            failed += 1
        elif nested["ok"] + nested["not ok"] == 0:
            if skip:
                skipped += 1
            elif result == "ok":
                passed += 1
        nested = {"ok": 0, "not ok": 0}
    return passed, failed, skipped


if __name__ == "__main__":
    with open(sys.argv[1], errors="replace") as f:
        print(*count(f))
