// SPDX-License-Identifier: GPL-2.0

//! fsbench: the file system load generator of `make bench`.
//!
//! `fsbench mktree DIR` writes the benchmark tree; the other commands read it
//! through whatever is mounted there (a 9P mount or the local file system),
//! check what they read, and print one JSON line:
//!
//! ```text
//! fsbench mktree DIR [--big-mib 256]
//! fsbench seq   DIR [--bs BYTES] [--secs S]    sequential read of DIR/big (30 s at most)
//! fsbench rand  DIR [--threads N] [--secs S]   4 KiB random reads of DIR/big
//! fsbench files DIR [--threads N] [--secs S]   whole reads of DIR/files/*
//! fsbench stat  DIR [--secs S]                 lstat of DIR/files/*
//! fsbench walk  DIR [--secs S]                 readdir + lstat of the tree (ls -lR)
//! fsbench lat   DIR [--count N] [--secs S]     one 4 KiB read of DIR/small, repeated
//! ```
//!
//! Every 4 KiB block of the tree's files starts with a tag (the block's
//! offset in `big`, the file's number in `files/`), so each read is checked.

use rks_bench::{fail, Args, Deadline, Latencies, Report};
use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Instant;

const BLOCK: usize = 4096;
/// Files in `files/`.
const FILES: usize = 10_000;
/// Format of the tree; a tree with another stamp is written anew.
const STAMP: &str = ".fsbench-tree";

const USAGE: &str = "usage: fsbench mktree|seq|rand|files|stat|walk|lat DIR [options]";

fn main() {
    let args = Args::parse(&[]);
    let command = args.positional(0, USAGE);
    let dir = PathBuf::from(args.positional(1, USAGE));
    let secs = args.number("secs", 3.0);
    let threads = args.number("threads", 1usize).max(1);
    let report = match command {
        "mktree" => mktree(&dir, args.number("big-mib", 256u64)),
        "seq" => seq(
            &dir,
            args.number("bs", 1usize << 20),
            args.number("secs", 30.0),
        ),
        "rand" => rand(&dir, threads, secs),
        "files" => files(&dir, threads, secs),
        "stat" => stat(&dir, secs),
        "walk" => walk(&dir, secs),
        "lat" => lat(&dir, args.number("count", 2000usize), secs),
        _ => fail(USAGE),
    };
    report.print();
}

/// A xorshift64 generator: the filler of the blocks and the random offsets.
struct Xorshift(u64);

impl Xorshift {
    fn new(seed: u64) -> Self {
        Xorshift(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Fills `block` with `tag` followed by bytes derived from it.
fn fill_block(block: &mut [u8], tag: u64) {
    block[..8].copy_from_slice(&tag.to_le_bytes());
    let mut rng = Xorshift::new(tag);
    for chunk in block[8..].chunks_mut(8) {
        let bytes = rng.next().to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
}

/// The tag at the start of `block`.
fn tag_of(block: &[u8]) -> u64 {
    u64::from_le_bytes(block[..8].try_into().unwrap())
}

/// Exits with a message naming `path` unless `ok`.
fn check(ok: bool, path: &Path, what: &str) {
    if !ok {
        fail(&format!("{}: {what}", path.display()));
    }
}

fn io<T>(result: std::io::Result<T>, path: &Path) -> T {
    result.unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())))
}

fn file_name(i: usize) -> String {
    format!("{i:05}")
}

fn mktree(dir: &Path, big_mib: u64) -> Report {
    let stamp = format!("big {big_mib} MiB, {FILES} files of {BLOCK} bytes\n");
    let start = Instant::now();
    if fs::read_to_string(dir.join(STAMP)).ok().as_deref() == Some(&stamp) {
        return Report::default().text("tree", "present");
    }
    let _ = fs::remove_file(dir.join(STAMP));
    io(fs::create_dir_all(dir.join("files")), dir);
    let mut block = vec![0u8; BLOCK];
    let mut chunk = vec![0u8; 1 << 20];
    let path = dir.join("big");
    let mut big = io(File::create(&path), &path);
    for mib in 0..big_mib {
        for (i, b) in chunk.chunks_mut(BLOCK).enumerate() {
            fill_block(b, (mib << 20) + (i * BLOCK) as u64);
        }
        io(big.write_all(&chunk), &path);
    }
    fill_block(&mut block, 0);
    io(fs::write(dir.join("small"), &block), dir);
    for i in 0..FILES {
        fill_block(&mut block, i as u64);
        let path = dir.join("files").join(file_name(i));
        io(fs::write(&path, &block), &path);
    }
    io(fs::write(dir.join(STAMP), &stamp), dir);
    Report::default()
        .text("tree", "written")
        .num("secs", start.elapsed().as_secs_f64())
}

fn seq(dir: &Path, bs: usize, secs: f64) -> Report {
    let path = dir.join("big");
    let deadline = Deadline::after(secs);
    let mut file = io(File::open(&path), &path);
    let mut buf = vec![0u8; bs.max(BLOCK)];
    let (start, mut total) = (Instant::now(), 0u64);
    loop {
        // Whole blocks only, so that each starts at a multiple of BLOCK.
        let mut filled = 0;
        while filled < buf.len() {
            match io(file.read(&mut buf[filled..]), &path) {
                0 => break,
                n => filled += n,
            }
        }
        for block in buf[..filled].chunks(BLOCK) {
            check(tag_of(block) == total, &path, "wrong data");
            total += block.len() as u64;
        }
        if filled < buf.len() || deadline.passed() {
            break;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    Report::default()
        .num("mb_per_s", total as f64 / secs / 1e6)
        .int("bytes", total)
        .num("secs", secs)
}

/// Runs `work(thread)` on `threads` threads until `deadline`; each returns
/// its operation count and latencies.
fn parallel(
    threads: usize,
    work: impl Fn(usize) -> (u64, Latencies) + Sync,
) -> (u64, Latencies, f64) {
    let start = Instant::now();
    let work = &work;
    let results: Vec<_> = thread::scope(|s| {
        let handles: Vec<_> = (0..threads).map(|t| s.spawn(move || work(t))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let secs = start.elapsed().as_secs_f64();
    let mut all = Latencies::default();
    let mut ops = 0;
    for (n, lat) in results {
        ops += n;
        all.merge(lat);
    }
    (ops, all, secs)
}

fn rand(dir: &Path, threads: usize, secs: f64) -> Report {
    let path = dir.join("big");
    let size = io(fs::metadata(&path), &path).len();
    let blocks = size / BLOCK as u64;
    check(blocks > 0, &path, "empty");
    let deadline = Deadline::after(secs);
    let (ops, mut lat, secs) = parallel(threads, |t| {
        let file = io(File::open(&path), &path);
        let mut rng = Xorshift::new(t as u64 + 1);
        let mut block = vec![0u8; BLOCK];
        let (mut n, mut lat) = (0, Latencies::default());
        while !deadline.passed() {
            let offset = rng.next() % blocks * BLOCK as u64;
            let start = Instant::now();
            io(file.read_exact_at(&mut block, offset), &path);
            lat.record(start);
            check(tag_of(&block) == offset, &path, "wrong data");
            n += 1;
        }
        (n, lat)
    });
    Report::default()
        .num("iops", ops as f64 / secs)
        .num("p50_us", lat.percentile(50.0))
        .num("p99_us", lat.percentile(99.0))
        .int("ops", ops)
        .int("threads", threads as u64)
}

/// Runs `op` on the files of `files/` whose numbers `indices` gives, one
/// pass at most (a second would read what a cache kept), until `deadline`.
/// Returns how many it did.
fn each_file(
    dir: &Path,
    indices: impl Iterator<Item = usize>,
    deadline: &Deadline,
    mut op: impl FnMut(&Path, usize),
) -> (u64, Latencies) {
    let mut n = 0;
    for i in indices {
        if deadline.passed() {
            break;
        }
        op(&dir.join("files").join(file_name(i)), i);
        n += 1;
    }
    (n, Latencies::default())
}

fn files(dir: &Path, threads: usize, secs: f64) -> Report {
    let deadline = Deadline::after(secs);
    let (ops, _, secs) = parallel(threads, |t| {
        let mut buf = Vec::with_capacity(2 * BLOCK);
        each_file(dir, (t..FILES).step_by(threads), &deadline, |path, i| {
            buf.clear();
            io(io(File::open(path), path).read_to_end(&mut buf), path);
            let right = buf.len() == BLOCK && tag_of(&buf) == i as u64;
            check(right, path, "wrong data");
        })
    });
    Report::default()
        .num("files_per_s", ops as f64 / secs)
        .int("files", ops)
        .int("threads", threads as u64)
}

fn stat(dir: &Path, secs: f64) -> Report {
    let deadline = Deadline::after(secs);
    let (ops, _, secs) = parallel(1, |_| {
        each_file(dir, 0..FILES, &deadline, |path, _| {
            let size = io(fs::symlink_metadata(path), path).len();
            check(size == BLOCK as u64, path, "size");
        })
    });
    Report::default()
        .num("ops_per_s", ops as f64 / secs)
        .int("ops", ops)
}

/// Lists `dir` and stats each entry, recursively, until `deadline`: what
/// `ls -lR` does.
fn walk_dir(dir: &Path, entries: &mut u64, deadline: &Deadline) {
    for entry in io(fs::read_dir(dir), dir) {
        if deadline.passed() {
            return;
        }
        let path = io(entry, dir).path();
        let meta = io(fs::symlink_metadata(&path), &path);
        *entries += 1;
        if meta.is_dir() {
            walk_dir(&path, entries, deadline);
        }
    }
}

fn walk(dir: &Path, secs: f64) -> Report {
    let start = Instant::now();
    let deadline = Deadline::after(secs);
    let mut entries = 0;
    walk_dir(dir, &mut entries, &deadline);
    check(entries > 0, dir, "no entries");
    let secs = start.elapsed().as_secs_f64();
    Report::default()
        .num("ops_per_s", entries as f64 / secs)
        .int("entries", entries)
        .num("secs", secs)
}

fn lat(dir: &Path, count: usize, secs: f64) -> Report {
    let path = dir.join("small");
    let file = io(File::open(&path), &path);
    let mut block = vec![0u8; BLOCK];
    let deadline = Deadline::after(secs);
    let mut lat = Latencies::default();
    while lat.len() < count && !deadline.passed() {
        let start = Instant::now();
        io(file.read_exact_at(&mut block, 0), &path);
        lat.record(start);
        check(tag_of(&block) == 0, &path, "wrong data");
    }
    Report::default()
        .num("p50_us", lat.percentile(50.0))
        .num("p99_us", lat.percentile(99.0))
        .int("reads", lat.len() as u64)
}
