#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench_report.py RUNDIR: the tables of "make bench".

Reads RUNDIR/results.jsonl (one JSON object per run, from the guest), writes
RUNDIR/summary.json (median, min, max and count of every figure) and
RUNDIR/report.md (markdown tables of figures and ratios), and prints the
report. Ratios always read "how many times better rust_9p (rust_fingerd) is":
ours / peer for rates, peer / ours for latencies; against the null 9P peer
(null9p, the most a TCP server reaches with this client) that is the
fraction of the ceiling that rust_9p reaches.
"""

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

# Rows: (label, workload, metric, unit, higher is better, description of
# the workload, given on its first row only)
FS_WORKLOADS = [
    ("seq", "seq", "mb_per_s", "MB/s", True, "sequential read of a 256 MiB file (1 MiB reads)"),
    ("rand-1", "rand-1", "iops", "IOPS", True, "4 KiB random reads, 1 reader"),
    ("rand-4", "rand-4", "iops", "IOPS", True, "4 KiB random reads, 4 readers"),
    ("rand-16", "rand-16", "iops", "IOPS", True, "4 KiB random reads, 16 readers"),
    ("files-1", "files-1", "files_per_s", "files/s", True, "open+read+close of 4 KiB files, 1 reader"),
    ("files-4", "files-4", "files_per_s", "files/s", True, "the same, 4 readers"),
    ("files-16", "files-16", "files_per_s", "files/s", True, "the same, 16 readers"),
    ("stat", "stat", "ops_per_s", "stat/s", True, "lstat of the 10,000 files"),
    ("walk", "walk", "ops_per_s", "entries/s", True, "ls -lR of the tree (readdir + lstat)"),
    ("lat p50", "lat", "p50_us", "µs", False, "one 4 KiB read of an open file"),
    ("lat p99", "lat", "p99_us", "µs", False, None),
]
FS_WRITES = [
    ("wseq", "wseq", "mb_per_s", "MB/s", True,
     "sequential write of a new 256 MiB file (1 MiB writes, 10 × secs at most), no fsync"),
    ("wseq-fsync", "wseq-fsync", "mb_per_s", "MB/s", True, "the same, the time including a final fsync"),
    ("wrand-1", "wrand-1", "iops", "IOPS", True,
     "4 KiB random pwrites into a 32 MiB file written beforehand, 1 writer, the time including a final fsync"),
    ("wrand-16", "wrand-16", "iops", "IOPS", True, "the same, 16 writers"),
    ("create-1", "create-1", "files_per_s", "files/s", True,
     "create+write 4 KiB+close of new files in one directory (10,000 at most), 1 writer"),
    ("create-16", "create-16", "files_per_s", "files/s", True, "the same, 16 writers"),
    ("untar", "tree", "untar_per_s", "entries/s", True,
     "tar-like extraction of a source tree of 1,808 entries (mkdir; create, write, set mtime, close; "
     "symlink)"),
    ("rm -rf", "tree", "rm_per_s", "entries/s", True, "rm -rf of that tree (readdir, unlink, rmdir)"),
    ("fsync p50", "fsync", "p50_us", "µs", False, "4 KiB pwrite + fsync, repeated"),
    ("fsync p99", "fsync", "p99_us", "µs", False, None),
    ("meta", "meta", "ops_per_s", "ops/s", True,
     "create, stat, rename, and unlink of the file renamed 64 rounds before, in one directory"),
]
FS_PEERS = ["rust_9p", "diod", "virtio", "local", "null9p"]
FINGER_PEERS = ["rust_fingerd", "netkit", "epoll", "null"]


def fmt(v):
    if v is None:
        return "–"
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def cell(stats):
    if not stats:
        return "–"
    if stats["n"] == 1:
        return fmt(stats["median"])
    return f"{fmt(stats['median'])} ({fmt(stats['min'])}–{fmt(stats['max'])})"


def busy_cell(get, key):
    """CPU busy of one run's key: both vCPUs, then the least and most busy one."""
    total = get(*key, "cpu_busy_pct")
    low, high = get(*key, "vcpu_busy_min_pct"), get(*key, "vcpu_busy_max_pct")
    text = fmt(total and total["median"])
    if low and high:
        text += f" ({fmt(low['median'])}/{fmt(high['median'])})"
    return text


def ratio(ours, peer, higher):
    """The ratio of the medians and, over two or more repetitions that both
    have, the least and the greatest of the per-repetition ratios."""
    if not ours or not peer or not ours["median"] or not peer["median"]:
        return "–"

    def of(a, b):
        return a / b if higher else b / a

    text = f"**{of(ours['median'], peer['median']):.2f}×**"
    reps = sorted(set(ours["reps"]) & set(peer["reps"]))
    per_rep = [of(ours["reps"][r], peer["reps"][r]) for r in reps if ours["reps"][r] and peer["reps"][r]]
    if len(per_rep) > 1:
        text += f" ({min(per_rep):.2f}–{max(per_rep):.2f})"
    return text


# The count of operations in each result, for host CPU per operation; seq
# and wseq per MiB.
OP_COUNTS = ("ops", "files", "entries", "reads", "fsyncs")


def ops_of(result):
    for key in OP_COUNTS:
        if result.get(key):
            return result[key]
    if result.get("bytes"):
        return result["bytes"] / (1 << 20)
    return None


def main():
    run = Path(sys.argv[1])
    samples = defaultdict(dict)  # (area, peer, config, workload, metric) -> {rep: value}
    problems = []
    msizes = defaultdict(set)
    ops = {}  # (area, peer, config, workload, rep) -> operations in the run

    def config_of(rec):
        config = rec["config"]
        if rec["area"] == "9p" and config != "-":
            msize, cache, got = config.split("/")
            config = f"{msize}/{cache}"
            msizes[(rec["peer"], config)].add(got)
        return config

    for line in (run / "results.jsonl").read_text(errors="replace").splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "area" not in rec:
            continue
        res = rec["result"]
        config = config_of(rec)
        where = f"{rec['area']} {rec['peer']} {config} {rec['workload']} rep {rec['rep']}"
        if "error" in res:
            problems.append(f"{where}: {res['error']}")
            continue
        if res.get("mismatches") or res.get("errors"):
            problems.append(f"{where}: {res.get('mismatches', 0)} wrong replies, "
                            f"{res.get('errors', 0)} failed queries")
        for metric, value in res.items():
            if isinstance(value, (int, float)):
                samples[(rec["area"], rec["peer"], config, rec["workload"], metric)][rec["rep"]] = value
        ops[(rec["area"], rec["peer"], config, rec["workload"], rec["rep"])] = ops_of(res)

    hostcpu = run / "hostcpu.jsonl"
    for line in (hostcpu.read_text(errors="replace").splitlines() if hostcpu.exists() else []):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        config = config_of(rec)
        key = (rec["area"], rec["peer"], config, rec["workload"])
        n = ops.get((*key, rec["rep"]))
        if not n:
            continue  # a failed run
        host = rec["host_vcpu_s"] + rec["host_other_s"]
        samples[(*key, "host_us_per_op")][rec["rep"]] = host * 1e6 / n
        samples[(*key, "host_other_us_per_op")][rec["rep"]] = rec["host_other_s"] * 1e6 / n

    summary = {}
    for key, by_rep in samples.items():
        values = list(by_rep.values())
        summary[key] = {"median": statistics.median(values), "min": min(values),
                        "max": max(values), "n": len(values), "reps": by_rep}

    def get(area, peer, config, workload, metric):
        return summary.get((area, peer, config, workload, metric))

    out = ["# make bench", ""]
    out.append("Median (min–max) over the repetitions; ratios are of medians, "
               "> 1 means ours is better, and in brackets the least and the greatest ratio of "
               "one repetition's figures. QEMU TCG: compare ratios, not absolute figures.")
    out.append("")
    if any(k[0] == "9p" and k[1] == "null9p" for k in summary):
        out += ["null9p is a null 9P peer (rust_null9p.ko: canned replies, no file system): "
                "the most a TCP server on this runtime reaches with the v9fs client, on seq, "
                "rand and lat only; ×null9p is rust_9p's fraction of it.", ""]
    tcp = get("tcp", "iperf3", "-", "loopback", "mb_per_s")
    sendfile = get("tcp", "iperf3", "-", "loopback-sendfile", "mb_per_s")
    if tcp or sendfile:
        out += ["## Loopback TCP in the guest (iperf3)", ""]
        if tcp:
            out.append(f"- {cell(tcp)} MB/s between two user processes, copied from the sender's "
                       "memory: the ceiling of a userspace server.")
        if sendfile:
            out.append(f"- {cell(sendfile)} MB/s with `iperf3 -Z` (sendfile from the page cache): "
                       "the ceiling of a kernel server.")
        ours = get("9p", "rust_9p", "1048576/none", "seq", "mb_per_s")
        if ours and sendfile:
            out.append(f"- rust_9p's sequential read at msize 1 MiB, cache=none: "
                       f"{ours['median'] / sendfile['median']:.2f}× of the sendfile figure.")
        out.append("")

    configs = sorted({k[2] for k in summary if k[0] == "9p" and k[2] != "-"},
                     key=lambda c: (c.split("/")[1] != "none", int(c.split("/")[0])))
    for config in configs:
        msize, cache = config.split("/")
        out.append(f"## 9P, msize {int(msize) // 1024} KiB, cache={cache}")
        out.append("")
        neg = ", ".join(f"{p} {'/'.join(sorted(msizes[(p, config)]))}"
                        for p in FS_PEERS if msizes.get((p, config)))
        out.append(f"Negotiated msize: {neg}.")
        out.append("")
        for title, rows in (("Reads", FS_WORKLOADS), ("Writes (each in a fresh directory of the "
                                                        "peer's writable export)", FS_WRITES)):
            lines = []
            for label, workload, metric, unit, higher, _ in rows:
                ours = get("9p", "rust_9p", config, workload, metric)
                peers = [get("9p", p, config, workload, metric) for p in FS_PEERS[1:3]]
                local = get("9p", "local", "-", workload, metric)
                null = get("9p", "null9p", config, workload, metric)
                if not ours and not any(peers) and not null:
                    continue
                lines.append(f"| {label} | {unit} | {cell(ours)} | {cell(peers[0])} | {cell(peers[1])} | "
                             f"{cell(local)} | {cell(null)} | {ratio(ours, peers[0], higher)} | "
                             f"{ratio(ours, peers[1], higher)} | {ratio(ours, local, higher)} | "
                             f"{ratio(ours, null, higher)} |")
            if lines:
                out += [f"{title}:", "",
                        "| workload | unit | rust_9p | diod | virtio-9p | local | null9p "
                        "| ×diod | ×virtio | ×local | ×null9p |",
                        "|---|---|---|---|---|---|---|---|---|---|---|"] + lines + [""]
    variants = (
        ("rust_9p-copy", "×copy", FS_WORKLOADS, "## Zero-copy reads against copies (same boot)",
         "rust_9p as loaded (Rreads of zero_copy_min or more, 4 KiB by default, sent from the file's pages) "
         "against rust_9p-copy, the same module reloaded with zero_copy_min=0 "
         "(every Rread copied into a buffer, then into the socket)."),
        ("rust_9p-base", "×base", FS_WORKLOADS + FS_WRITES, "## This tree against the baseline (same boot)",
         "rust_9p built from this tree against rust_9p-base, the module of the revision that "
         "make bench --baseline named, loaded in turn in the same boot."),
    )
    for variant, column, rows, title, text in variants:
        lines = []
        for config in configs:
            for label, workload, metric, unit, higher, _ in rows:
                ours = get("9p", "rust_9p", config, workload, metric)
                theirs = get("9p", variant, config, workload, metric)
                if ours and theirs:
                    lines.append(f"| {config} | {label} | {unit} | {cell(ours)} | {cell(theirs)} | "
                                 f"{ratio(ours, theirs, higher)} |")
        if lines:
            out += [title, "", text, "",
                    f"| config | workload | unit | rust_9p | {variant} | {column} |",
                    "|---|---|---|---|---|---|"] + lines + [""]
    if configs:
        for rows in (FS_WORKLOADS, FS_WRITES):
            if any(k[0] == "9p" and k[3] == w for k in summary for _, w, *_ in rows):
                out.append("Workloads: " + "; ".join(f"{label.removesuffix(' p50')} = {d}" for label, _, _, _, _, d in rows if d) + ".")
                out.append("")

    has_cpu = any(k[4] == "cpu_busy_pct" for k in summary)
    if configs and has_cpu:
        out += ["### Guest CPU busy during the 9P runs", "",
                "Median share of the guest's CPU time not idle (both vCPUs), in %, and in "
                "brackets the medians of the least and the most busy vCPU. "
                "QEMU's 9P server runs on host threads, so virtio-9p's work is not in it.", "",
                "| config | workload | rust_9p | diod | virtio-9p | local | null9p |",
                "|---|---|---|---|---|---|---|"]
        for config in configs:
            msize, cache = config.split("/")
            for workload in dict.fromkeys(w for _, w, *_ in FS_WORKLOADS + FS_WRITES):
                key = [("9p", p, config if p != "local" else "-", workload) for p in FS_PEERS]
                vals = [get(*k, "cpu_busy_pct") for k in key]
                if any(vals):
                    out.append(f"| {int(msize) // 1024} KiB {cache} | {workload} | "
                               + " | ".join(busy_cell(get, k) for k in key) + " |")
        out.append("")

    has_host = any(k[4] == "host_us_per_op" for k in summary)
    if configs and has_host:
        host_peers = ["rust_9p", "diod", "virtio", "null9p"]
        out += ["### QEMU's host CPU per operation during the 9P runs", "",
                "Median host CPU time of all QEMU's threads per operation in µs (per MiB for seq), "
                "and in brackets that of its threads other than the vCPUs: the main loop and the "
                "thread pool, where virtio-9p's server runs. An operation is a read (rand, lat), "
                "a file (files), a stat or an entry (walk).", "",
                "| config | workload | " + " | ".join(host_peers) + " |",
                "|---|---|" + "---|" * len(host_peers)]
        for config in configs:
            msize, cache = config.split("/")
            for workload in dict.fromkeys(w for _, w, *_ in FS_WORKLOADS + FS_WRITES):
                row = []
                for p in host_peers:
                    total = get("9p", p, config, workload, "host_us_per_op")
                    other = get("9p", p, config, workload, "host_other_us_per_op")
                    row.append(f"{fmt(total['median'])} ({fmt(other['median'])})" if total else "–")
                if any(r != "–" for r in row):
                    out.append(f"| {int(msize) // 1024} KiB {cache} | {workload} | " + " | ".join(row) + " |")
        out.append("")

    concs = sorted({k[3] for k in summary if k[0] == "finger"}, key=lambda w: int(w.split("-")[1]))
    if concs:
        out += ["## Finger (one query per connection: connect, query, reply, close)", "",
                "| concurrency | rust_fingerd q/s | netkit (inetd) | finger-epoll | null | ×netkit | ×epoll | ×null |",
                "|---|---|---|---|---|---|---|---|"]
        for w in concs:
            vals = [get("finger", p, "-", w, "qps") for p in FINGER_PEERS]
            out.append(f"| {w.split('-')[1]} | " + " | ".join(cell(v) for v in vals) + " | "
                       + " | ".join(ratio(vals[0], v, True) for v in vals[1:]) + " |")
        out += ["", "| concurrency | latency µs p50 / p99 | rust_fingerd | netkit | finger-epoll | null |",
                "|---|---|---|---|---|---|"]
        for w in concs:
            row = []
            for p in FINGER_PEERS:
                p50, p99 = get("finger", p, "-", w, "p50_us"), get("finger", p, "-", w, "p99_us")
                row.append(f"{fmt(p50 and p50['median'])} / {fmt(p99 and p99['median'])}")
            out.append(f"| {w.split('-')[1]} | | " + " | ".join(row) + " |")
        if has_cpu:
            out += ["", "| concurrency | guest CPU busy % | rust_fingerd | netkit | finger-epoll | null |",
                    "|---|---|---|---|---|---|"]
            for w in concs:
                vals = [get("finger", p, "-", w, "cpu_busy_pct") for p in FINGER_PEERS]
                out.append(f"| {w.split('-')[1]} | | "
                           + " | ".join(fmt(v and v["median"]) for v in vals) + " |")
        out.append("")

    out += ["## Problems", ""]
    out += [f"- {p}" for p in problems] or ["None: every run completed and every reply was checked."]
    out.append("")
    report = "\n".join(out)
    (run / "report.md").write_text(report)
    (run / "summary.json").write_text(json.dumps(
        [dict(zip(("area", "peer", "config", "workload", "metric"), k), **v)
         for k, v in sorted(summary.items())], indent=1, default=str))
    print(report)


if __name__ == "__main__":
    main()
