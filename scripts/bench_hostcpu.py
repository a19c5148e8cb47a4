#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench_hostcpu.py PIDFILE RESULTS OUT: QEMU's host CPU time per bench run.

Under TCG the guest's CPU figure misses work QEMU does on host threads of
its own: virtio-9p's server (the main loop's coroutines and the thread
pool's workers), the network backend. This follows RESULTS (the guest's
second serial port, written by scripts/guest/bench) while QEMU runs: at each
{"mark":"begin"} line it reads the CPU times of every thread of QEMU's
process (PIDFILE) from /proc/PID/task/*/stat, and at the next result line
reads them again and appends to OUT one JSON line naming the run with the
CPU seconds its vCPU threads ("CPU n/TCG", "CPU n/KVM") and its other
threads used, and the wall-clock seconds between the two. Exits when QEMU
does.
"""

import json
import os
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def wait_pid(pidfile, deadline):
    while time.monotonic() < deadline:
        try:
            pid = int(open(pidfile).read().strip())
            if os.path.exists(f"/proc/{pid}"):
                return pid
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    return None


def cpu_seconds(stat):
    """utime + stime of a /proc stat line, in seconds."""
    # comm is in parentheses and may hold spaces: fields follow the last ")".
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def thread_times(pid):
    """(vCPU seconds, other seconds) of PID, or None. The other threads'
    share is the process's total less the vCPUs': threads of QEMU's pool
    come and go, and the process's own figure keeps the time of those that
    ended (a sum over the live threads would lose it, and go backwards)."""
    vcpu = 0.0
    try:
        total = cpu_seconds(open(f"/proc/{pid}/stat").read())
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for tid in tids:
        try:
            stat = open(f"/proc/{pid}/task/{tid}/stat").read()
        except OSError:
            continue  # a thread that ended between listdir and open
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        # vCPU threads ("CPU n/TCG") live as long as QEMU.
        if comm.startswith("CPU "):
            vcpu += cpu_seconds(stat)
    return vcpu, total - vcpu


def main():
    pidfile, results, out = sys.argv[1:4]
    pid = wait_pid(pidfile, time.monotonic() + 120)
    if pid is None:
        print(f"bench_hostcpu: no QEMU process in {pidfile}", file=sys.stderr)
        return 1
    while not os.path.exists(results):
        if not os.path.exists(f"/proc/{pid}"):
            return 0
        time.sleep(0.05)
    begin = None
    pending = ""
    with open(results, errors="replace") as src, open(out, "a") as dst:
        while True:
            chunk = src.read()
            if not chunk:
                if not os.path.exists(f"/proc/{pid}"):
                    return 0
                time.sleep(0.02)
                continue
            pending += chunk
            *lines, pending = pending.split("\n")
            for line in lines:
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if rec.get("mark") == "begin":
                    begin = (time.monotonic(), thread_times(pid))
                elif "area" in rec and begin and begin[1]:
                    now = thread_times(pid)
                    if now:
                        dst.write(json.dumps({
                            **{k: rec[k] for k in ("area", "peer", "config", "workload", "rep")},
                            "host_vcpu_s": round(now[0] - begin[1][0], 3),
                            "host_other_s": round(now[1] - begin[1][1], 3),
                            "wall_s": round(time.monotonic() - begin[0], 3),
                        }) + "\n")
                        dst.flush()
                    begin = None


if __name__ == "__main__":
    sys.exit(main())
