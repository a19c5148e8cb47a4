// SPDX-License-Identifier: GPL-2.0

//! fsbench: the file system load generator of `make bench`.
//!
//! `fsbench mktree DIR` writes the benchmark tree; the read commands read it
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
//!
//! The write commands each make a fresh directory in DIR (which must be
//! writable), work in it, read a sample of what they wrote back (after an
//! fsync of it and dropping the client's caches, so that it comes from the
//! server), remove the directory and print one JSON line:
//!
//! ```text
//! fsbench wseq   DIR [--mib 256] [--bs BYTES] [--fsync] [--secs S]
//!                     sequential write of one file (stops after S s, 30 by default)
//! fsbench wrand  DIR [--threads N] [--mib 32] [--secs S]
//!                     4 KiB random pwrites into a file written beforehand, then fsync
//! fsbench create DIR [--threads N] [--count 10000] [--secs S]
//!                     create + write 4 KiB + close of new files
//! fsbench tree   DIR [--secs S]   untar-like creation of a source tree, then rm -rf of it
//! fsbench fsync  DIR [--count N] [--secs S]   4 KiB pwrite + fsync, repeated (latency)
//! fsbench meta   DIR [--secs S]   create, stat, rename, unlink (mixed metadata)
//! ```

use rks_bench::{fail, Args, Deadline, Latencies, Report};
use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const BLOCK: usize = 4096;
/// Files in `files/`.
const FILES: usize = 10_000;
/// Format of the tree; a tree with another stamp is written anew.
const STAMP: &str = ".fsbench-tree";

const USAGE: &str =
    "usage: fsbench mktree|seq|rand|files|stat|walk|lat|wseq|wrand|create|tree|fsync|meta DIR [options]";

fn main() {
    let args = Args::parse(&["fsync"]);
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
        "wseq" => wseq(
            &dir,
            args.number("mib", 256u64),
            args.number("bs", 1usize << 20),
            args.flag("fsync"),
            args.number("secs", 30.0),
        ),
        "wrand" => wrand(&dir, threads, args.number("mib", 32u64), secs),
        "create" => create(&dir, threads, args.number("count", FILES), secs),
        "tree" => tree(&dir, secs),
        "fsync" => fsync(&dir, args.number("count", 2000usize), secs),
        "meta" => meta(&dir, secs),
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
    let (ops, lat, secs, _) = parallel_with(threads, |t| {
        let (n, lat) = work(t);
        (n, lat, ())
    });
    (ops, lat, secs)
}

/// [`parallel`], where each thread also returns something of its own.
fn parallel_with<T: Send>(
    threads: usize,
    work: impl Fn(usize) -> (u64, Latencies, T) + Sync,
) -> (u64, Latencies, f64, Vec<T>) {
    let start = Instant::now();
    let work = &work;
    let results: Vec<_> = thread::scope(|s| {
        let handles: Vec<_> = (0..threads).map(|t| s.spawn(move || work(t))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let secs = start.elapsed().as_secs_f64();
    let mut all = Latencies::default();
    let mut ops = 0;
    let mut own = Vec::with_capacity(threads);
    for (n, lat, t) in results {
        ops += n;
        all.merge(lat);
        own.push(t);
    }
    (ops, all, secs, own)
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

// ------------------------------------------------------------- writes ---

/// Set in the tag of every block that `wrand` writes, so that a block it
/// wrote reads back differently from the one written beforehand.
const WRITTEN: u64 = 1 << 63;

/// A fresh directory for one write run: `parent/NAME-PID-NANOS`.
fn fresh_dir(parent: &Path, name: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = parent.join(format!("{name}-{}-{nanos:09}", std::process::id()));
    io(fs::create_dir(&dir), &dir);
    dir
}

/// Removes `dir` and everything beneath it as `rm -rf` does (each
/// directory listed whole, then its entries removed, then itself), and
/// returns how many entries beneath it it removed.
fn rm_rf(dir: &Path) -> u64 {
    let mut entries = Vec::new();
    for entry in io(fs::read_dir(dir), dir) {
        let entry = io(entry, dir);
        let is_dir = io(entry.file_type(), &entry.path()).is_dir();
        entries.push((entry.path(), is_dir));
    }
    let mut n = 0;
    for (path, is_dir) in entries {
        if is_dir {
            n += rm_rf(&path);
        } else {
            io(fs::remove_file(&path), &path);
        }
        n += 1;
    }
    io(fs::remove_dir(dir), dir);
    n
}

/// Drops the clean page cache, dentries and inodes (root only; otherwise
/// nothing), so that what is read next comes from the server.
fn drop_caches() {
    let _ = fs::write("/proc/sys/vm/drop_caches", "3");
}

/// Overwrites the tag of `block`, leaving the rest as it was.
fn retag(block: &mut [u8], tag: u64) {
    block[..8].copy_from_slice(&tag.to_le_bytes());
}

/// Checks, as the server has them, that `path` is `size` bytes long and
/// that the block at each offset of `expect` carries its tag: the file is
/// fsynced (cached writes sent) and the caches dropped before reading.
fn verify_blocks(path: &Path, size: u64, expect: &[(u64, u64)]) {
    io(io(File::open(path), path).sync_all(), path);
    drop_caches();
    let file = io(File::open(path), path);
    check(io(file.metadata(), path).len() == size, path, "wrong size");
    let mut block = vec![0u8; BLOCK];
    for &(offset, tag) in expect {
        io(file.read_exact_at(&mut block, offset), path);
        check(tag_of(&block) == tag, path, "wrong data read back");
    }
}

/// The same for whole files: each of `expect` must be `len` bytes long
/// and start with `tag`.
fn verify_files(expect: &[(PathBuf, usize, u64)]) {
    for (path, _, _) in expect {
        io(io(File::open(path), path).sync_all(), path);
    }
    drop_caches();
    let mut buf = Vec::new();
    for (path, len, tag) in expect {
        buf.clear();
        io(io(File::open(path), path).read_to_end(&mut buf), path);
        check(
            buf.len() == *len && tag_of(&buf) == *tag,
            path,
            "wrong data read back",
        );
    }
}

/// About `n` indices spread evenly over `0..count`, and the last one.
fn spread(count: u64, n: u64) -> impl Iterator<Item = u64> {
    let step = (count / n.max(1)).max(1);
    (0..count)
        .step_by(step as usize)
        .chain(count.checked_sub(1))
}

fn wseq(parent: &Path, mib: u64, bs: usize, sync: bool, secs: f64) -> Report {
    let dir = fresh_dir(parent, "wseq");
    let path = dir.join("big");
    let bs = bs.max(BLOCK) / BLOCK * BLOCK;
    let mut buf = vec![0u8; bs];
    for (i, block) in buf.chunks_mut(BLOCK).enumerate() {
        fill_block(block, (i * BLOCK) as u64);
    }
    let limit = mib << 20;
    let deadline = Deadline::after(secs);
    let start = Instant::now();
    let mut file = io(File::create(&path), &path);
    let mut total = 0u64;
    while total < limit && !deadline.passed() {
        let n = (limit - total).min(bs as u64) as usize;
        for (i, block) in buf[..n].chunks_mut(BLOCK).enumerate() {
            retag(block, total + (i * BLOCK) as u64);
        }
        io(file.write_all(&buf[..n]), &path);
        total += n as u64;
    }
    let mut fsync = Duration::ZERO;
    if sync {
        let t = Instant::now();
        io(file.sync_all(), &path);
        fsync = t.elapsed();
    }
    drop(file);
    let secs = start.elapsed().as_secs_f64();
    let blocks = total / BLOCK as u64;
    let expect: Vec<_> = spread(blocks, 64)
        .map(|b| (b * BLOCK as u64, b * BLOCK as u64))
        .collect();
    verify_blocks(&path, total, &expect);
    rm_rf(&dir);
    Report::default()
        .num("mb_per_s", total as f64 / secs / 1e6)
        .int("bytes", total)
        .num("secs", secs)
        .num("fsync_ms", fsync.as_secs_f64() * 1e3)
}

fn wrand(parent: &Path, threads: usize, mib: u64, secs: f64) -> Report {
    let dir = fresh_dir(parent, "wrand");
    let path = dir.join("file");
    let blocks = (mib << 20) / BLOCK as u64;
    check(blocks > 0, &path, "--mib 0");
    // The file, written and synced before the clock starts.
    {
        let mut file = io(File::create(&path), &path);
        let mut chunk = vec![0u8; 1 << 20];
        for (i, block) in chunk.chunks_mut(BLOCK).enumerate() {
            fill_block(block, (i * BLOCK) as u64);
        }
        let mut offset = 0;
        while offset < blocks * BLOCK as u64 {
            let n = (blocks * BLOCK as u64 - offset).min(chunk.len() as u64) as usize;
            for (i, block) in chunk[..n].chunks_mut(BLOCK).enumerate() {
                retag(block, offset + (i * BLOCK) as u64);
            }
            io(file.write_all(&chunk[..n]), &path);
            offset += n as u64;
        }
        io(file.sync_all(), &path);
    }
    drop_caches();
    let deadline = Deadline::after(secs);
    let (ops, mut lat, secs, written) = parallel_with(threads, |t| {
        let file = io(fs::OpenOptions::new().write(true).open(&path), &path);
        let mut rng = Xorshift::new(t as u64 + 1);
        let mut block = vec![0u8; BLOCK];
        fill_block(&mut block, WRITTEN);
        let (mut lat, mut offsets) = (Latencies::default(), Vec::new());
        while !deadline.passed() {
            let offset = rng.next() % blocks * BLOCK as u64;
            retag(&mut block, offset | WRITTEN);
            let start = Instant::now();
            io(file.write_all_at(&block, offset), &path);
            lat.record(start);
            offsets.push(offset);
        }
        // Written only once it is on the server: the time includes that.
        io(file.sync_all(), &path);
        (offsets.len() as u64, lat, offsets)
    });
    let written: Vec<u64> = written.concat();
    let expect: Vec<_> = spread(written.len() as u64, 64)
        .map(|i| (written[i as usize], written[i as usize] | WRITTEN))
        .collect();
    verify_blocks(&path, blocks * BLOCK as u64, &expect);
    rm_rf(&dir);
    Report::default()
        .num("iops", ops as f64 / secs)
        .num("p50_us", lat.percentile(50.0))
        .num("p99_us", lat.percentile(99.0))
        .int("ops", ops)
        .int("threads", threads as u64)
}

fn create(parent: &Path, threads: usize, count: usize, secs: f64) -> Report {
    let dir = fresh_dir(parent, "create");
    let deadline = Deadline::after(secs);
    let (ops, _, secs, made) = parallel_with(threads, |t| {
        let mut block = vec![0u8; BLOCK];
        let mut made = Vec::new();
        for i in (t..count).step_by(threads) {
            if deadline.passed() {
                break;
            }
            fill_block(&mut block, i as u64);
            let path = dir.join(file_name(i));
            let mut file = io(File::create_new(&path), &path);
            io(file.write_all(&block), &path);
            drop(file);
            made.push(i);
        }
        (made.len() as u64, Latencies::default(), made)
    });
    let made = made.concat();
    let expect: Vec<_> = spread(made.len() as u64, 32)
        .map(|k| {
            let i = made[k as usize];
            (dir.join(file_name(i)), BLOCK, i as u64)
        })
        .collect();
    verify_files(&expect);
    check(rm_rf(&dir) == ops, &dir, "wrong number of files");
    Report::default()
        .num("files_per_s", ops as f64 / secs)
        .int("files", ops)
        .int("threads", threads as u64)
}

/// The sizes of the files of `tree`'s source tree, in turn: mostly small,
/// some larger, about 4.3 KiB on average.
const TREE_SIZES: [usize; 8] = [300, 1200, 4096, 9000, 2500, 600, 16384, 700];

fn tree(parent: &Path, secs: f64) -> Report {
    let dir = fresh_dir(parent, "tree");
    let mut content = vec![0u8; 16384];
    for (i, block) in content.chunks_mut(BLOCK).enumerate() {
        fill_block(block, i as u64);
    }
    // 16 directories of 8 subdirectories, each with 12 files and a
    // symbolic link: 1,808 entries, created as tar extracts them (file:
    // create exclusively, write, set the mtime, close).
    let mtime = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let deadline = Deadline::after(secs);
    let start = Instant::now();
    let (mut entries, mut serial) = (0u64, 0u64);
    let mut expect = Vec::new();
    'untar: for top in 0..16 {
        let top = dir.join(format!("d{top:02}"));
        io(fs::create_dir(&top), &top);
        entries += 1;
        for sub in 0..8 {
            if deadline.passed() {
                break 'untar;
            }
            let sub = top.join(format!("s{sub}"));
            io(fs::create_dir(&sub), &sub);
            entries += 1;
            for f in 0..12 {
                let len = TREE_SIZES[serial as usize % TREE_SIZES.len()];
                let path = sub.join(format!("f{f:02}.c"));
                retag(&mut content, serial);
                let mut file = io(File::create_new(&path), &path);
                io(file.write_all(&content[..len]), &path);
                io(file.set_modified(mtime), &path);
                drop(file);
                if serial % 97 == 0 {
                    expect.push((path, len, serial));
                }
                serial += 1;
                entries += 1;
            }
            let link = sub.join("link");
            io(std::os::unix::fs::symlink("f00.c", &link), &link);
            entries += 1;
        }
    }
    let untar = start.elapsed().as_secs_f64();
    verify_files(&expect);
    drop_caches();
    let start = Instant::now();
    let removed = rm_rf(&dir);
    let rm = start.elapsed().as_secs_f64();
    check(
        removed == entries,
        &dir,
        "rm -rf removed a wrong number of entries",
    );
    check(fs::symlink_metadata(&dir).is_err(), &dir, "still there");
    Report::default()
        .num("untar_per_s", entries as f64 / untar)
        .num("rm_per_s", entries as f64 / rm)
        .int("entries", entries)
        .num("untar_secs", untar)
        .num("rm_secs", rm)
}

fn fsync(parent: &Path, count: usize, secs: f64) -> Report {
    let dir = fresh_dir(parent, "fsync");
    let path = dir.join("log");
    let file = io(File::create(&path), &path);
    let mut block = vec![0u8; BLOCK];
    fill_block(&mut block, 0);
    // Each write goes to the next of 64 blocks, tagged with its number.
    const SLOTS: u64 = 64;
    let deadline = Deadline::after(secs);
    let mut lat = Latencies::default();
    let mut n = 0u64;
    while (n as usize) < count && !deadline.passed() {
        retag(&mut block, n);
        let start = Instant::now();
        io(file.write_all_at(&block, n % SLOTS * BLOCK as u64), &path);
        io(file.sync_all(), &path);
        lat.record(start);
        n += 1;
    }
    drop(file);
    let expect: Vec<_> = (n.saturating_sub(SLOTS)..n)
        .map(|k| (k % SLOTS * BLOCK as u64, k))
        .collect();
    verify_blocks(&path, n.min(SLOTS) * BLOCK as u64, &expect);
    rm_rf(&dir);
    Report::default()
        .num("p50_us", lat.percentile(50.0))
        .num("p99_us", lat.percentile(99.0))
        .int("fsyncs", n)
}

fn meta(parent: &Path, secs: f64) -> Report {
    let dir = fresh_dir(parent, "meta");
    // Each round creates a file, stats it, renames it and unlinks the one
    // renamed 64 rounds before, so that the directory holds 64 entries.
    const KEEP: u64 = 64;
    let deadline = Deadline::after(secs);
    let start = Instant::now();
    let mut rounds = 0u64;
    while !deadline.passed() {
        let new = dir.join(format!("n{rounds}"));
        let old = dir.join(format!("r{rounds}"));
        drop(io(File::create_new(&new), &new));
        let meta = io(fs::symlink_metadata(&new), &new);
        check(meta.is_file() && meta.len() == 0, &new, "wrong attributes");
        io(fs::rename(&new, &old), &new);
        if rounds >= KEEP {
            let gone = dir.join(format!("r{}", rounds - KEEP));
            io(fs::remove_file(&gone), &gone);
        }
        rounds += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    let ops = 3 * rounds + rounds.saturating_sub(KEEP);
    check(
        rm_rf(&dir) == rounds.min(KEEP),
        &dir,
        "wrong number of entries",
    );
    Report::default()
        .num("ops_per_s", ops as f64 / secs)
        .int("ops", ops)
        .int("rounds", rounds)
}
