// SPDX-License-Identifier: GPL-2.0

//! `netload p9 ADDR:PORT fuzz`: a stateful 9P fuzzer. Each session is
//! valid at first (Tversion, Tattach), then sends bursts of requests that
//! are mostly well-formed (walks to the names the export has, opens,
//! reads, writes, creates, renames, setattrs, flushes of tags in flight)
//! with random fids, tags, offsets, counts and flags, mixed with mutated
//! ones (random types, bytes flipped, sizes that lie, frames cut short)
//! and abrupt closes. The server may answer anything or close a session;
//! what is checked is that it keeps serving: every session can start, and
//! after the run a fresh client still attaches (the selftest checks the
//! rest: a v9fs reader meanwhile, counters, kernel log).

use crate::p9::{
    tclunk, tflush, tlopen, tread, twalk, Conn, Msg, NOFID, TFSYNC, TGETATTR, TGETLOCK, TLCREATE,
    TLINK, TLOCK, TMKDIR, TMKNOD, TREADDIR, TREADLINK, TREMOVE, TRENAME, TRENAMEAT, TSETATTR,
    TSTATFS, TSYMLINK, TUNLINKAT, TWRITE, TXATTRCREATE, TXATTRWALK,
};
use crate::scenarios::{session, verdict, Checks, Options};
use std::time::{Duration, Instant};

/// A xorshift generator: the same seed, the same run.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (made odd: never 0).
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Names worth walking to: the selftest's tree, the ones the fuzzer
/// creates, and the ones a server must refuse.
const NAMES: [&[u8]; 14] = [
    b"data", b"dir", b"sub", b"f0", b"f1", b"l0", b"n0", b"..", b".", b"", b"/", b"a/b", b"x\0y",
    b"..\0",
];

/// Fids the fuzzer juggles (0 is the attach).
const FIDS: u64 = 12;

/// One request, mostly well-formed.
fn request(rng: &mut Rng, tag: u16) -> Vec<u8> {
    let fid = rng.below(FIDS) as u32;
    let other = rng.below(FIDS) as u32;
    let name = *rng.pick(&NAMES);
    let offset = *rng.pick(&[0, 1, 4095, 4096, 65536, 1 << 20, u64::MAX >> 1, u64::MAX]);
    let count = *rng.pick(&[0, 1, 100, 4096, 65536, u32::MAX]);
    let mode = *rng.pick(&[0o644, 0o755, 0o4755, 0o10644, 0o140644, 0o20644, 0o60644, 0]);
    let flags = *rng.pick(&[
        0,
        1,
        2,
        0o100 | 2,
        0o1000 | 1,
        0o2000 | 1,
        0o200000,
        0o40000 | 2,
    ]);
    let msg = match rng.below(24) {
        0..=3 => {
            let names: Vec<&[u8]> = (0..rng.below(4)).map(|_| *rng.pick(&NAMES)).collect();
            return twalk(tag, fid, other, &names).bytes();
        }
        4 => return tlopen(tag, fid, flags).bytes(),
        5 => return tread(tag, fid, offset, count).bytes(),
        6 => return tclunk(tag, fid).bytes(),
        7 => return tflush(tag, tag.wrapping_sub(rng.below(4) as u16)).bytes(),
        8 => Msg::new(TREADDIR, tag).u32(fid).u64(offset).u32(count),
        9 => {
            let len = rng.below(9000) as usize;
            let data = vec![b'w'; len];
            let m = Msg::new(TWRITE, tag).u32(fid).u64(offset);
            // A count that lies about the payload, now and then.
            let told = if rng.chance(10) { count } else { len as u32 };
            m.u32(told).raw(&data)
        }
        10 => Msg::new(TLCREATE, tag)
            .u32(fid)
            .str(name)
            .u32(flags)
            .u32(mode)
            .u32(0),
        11 => Msg::new(TMKDIR, tag).u32(fid).str(name).u32(mode).u32(0),
        12 => Msg::new(TSYMLINK, tag)
            .u32(fid)
            .str(name)
            .str(*rng.pick(&NAMES))
            .u32(0),
        13 => Msg::new(TMKNOD, tag)
            .u32(fid)
            .str(name)
            .u32(mode)
            .u32(1)
            .u32(3)
            .u32(0),
        14 => Msg::new(TRENAMEAT, tag)
            .u32(fid)
            .str(name)
            .u32(other)
            .str(*rng.pick(&NAMES)),
        15 => Msg::new(TUNLINKAT, tag)
            .u32(fid)
            .str(name)
            .u32(*rng.pick(&[0, 0x200, 1])),
        16 => Msg::new(TSETATTR, tag)
            .u32(fid)
            .u32(rng.below(0x200) as u32)
            .u32(mode)
            .u32(*rng.pick(&[0, 65534, u32::MAX]))
            .u32(*rng.pick(&[0, 65534, u32::MAX]))
            .u64(offset)
            .u64(rng.next())
            .u64(rng.below(2_000_000_000))
            .u64(rng.next())
            .u64(rng.below(2_000_000_000)),
        17 => Msg::new(TLINK, tag).u32(fid).u32(other).str(name),
        18 => Msg::new(TRENAME, tag).u32(fid).u32(other).str(name),
        19 => Msg::new(TGETATTR, tag).u32(fid).u64(0x3fff),
        20 => Msg::new(*rng.pick(&[TFSYNC, TSTATFS, TREADLINK, TREMOVE]), tag)
            .u32(fid)
            .u32(rng.below(2) as u32),
        21 => Msg::new(TXATTRWALK, tag)
            .u32(fid)
            .u32(other)
            .str(*rng.pick(&[&b""[..], b"user.colour", b"security.capability"])),
        22 => Msg::new(TXATTRCREATE, tag)
            .u32(fid)
            .str(*rng.pick(&[&b"user.x"[..], b"trusted.x", b""]))
            .u64(*rng.pick(&[0, 10, 1 << 20, u64::MAX]))
            .u32(rng.below(3) as u32),
        _ => Msg::new(*rng.pick(&[TLOCK, TGETLOCK]), tag)
            .u32(fid)
            .u8(rng.below(4) as u8)
            .u32(rng.below(3) as u32)
            .u64(offset)
            .u64(rng.below(100))
            .u32(42)
            .str(b"fuzz"),
    };
    msg.bytes()
}

/// A request, or now and then a mutation of one.
fn frame(rng: &mut Rng, tag: u16) -> Vec<u8> {
    let mut bytes = request(rng, tag);
    match rng.below(40) {
        0 => bytes[4] = rng.next() as u8,
        1 => {
            let at = 7 + rng.below(bytes.len().saturating_sub(7).max(1) as u64) as usize;
            if at < bytes.len() {
                bytes[at] ^= 1 << rng.below(8);
            }
        }
        2 => {
            // A size field that lies (but stays below the msize).
            let size = (bytes.len() as u32).saturating_add_signed(rng.below(9) as i32 - 4);
            bytes[..4].copy_from_slice(&size.max(7).to_le_bytes());
        }
        _ => {}
    }
    bytes
}

/// One session: a valid start, then bursts; ends on a close by either side.
fn run_session(o: &Options, rng: &mut Rng, stats: &mut Stats) -> Result<(), String> {
    let (mut conn, _) = session(o)?;
    stats.sessions += 1;
    for _ in 0..rng.below(40) + 1 {
        let burst = rng.below(16) + 1;
        let mut out = Vec::new();
        for _ in 0..burst {
            let tag = rng.below(64) as u16;
            out.extend(frame(rng, tag));
        }
        if rng.chance(3) {
            // Cut the last frame short and hang up.
            out.truncate(out.len() - 1);
            let _ = conn.send(&out);
            stats.abrupt += 1;
            return Ok(());
        }
        if conn.send(&out).is_err() {
            stats.closed += 1;
            return Ok(());
        }
        stats.requests += burst;
        // Replies may be fewer (flushed, or a frame the server took as
        // two); read what comes within a short wait.
        if !drain(&mut conn, burst, stats) {
            stats.closed += 1;
            return Ok(());
        }
        if rng.chance(2) {
            stats.abrupt += 1;
            return Ok(());
        }
    }
    let _ = conn.call(tclunk(1, NOFID));
    Ok(())
}

/// Reads up to `want` replies; false once the server has closed, or has
/// answered fewer within a short wait (the session then ends).
fn drain(conn: &mut Conn, want: u64, stats: &mut Stats) -> bool {
    for _ in 0..want {
        match conn.recv_within(Duration::from_millis(200)) {
            Ok(Some(reply)) => {
                stats.replies += 1;
                if reply.errno().is_some() {
                    stats.errors += 1;
                }
            }
            Ok(None) | Err(_) => return false,
        }
    }
    true
}

#[derive(Default, Debug)]
struct Stats {
    sessions: u64,
    requests: u64,
    replies: u64,
    errors: u64,
    closed: u64,
    abrupt: u64,
}

/// Fuzzes for `--count` seconds (default 30), seeded by `--seed`.
pub fn fuzz(o: &Options, c: &mut Checks) -> Result<(), String> {
    let secs = o.count.unwrap_or(30) as u64;
    let seed = o.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    }) | 1;
    println!("fuzz: seed {seed} (--seed {seed} replays the run), {secs} s");
    let mut rng = Rng::new(seed);
    let mut stats = Stats::default();
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut failed_starts = 0;
    while Instant::now() < deadline {
        if let Err(e) = run_session(o, &mut rng, &mut stats) {
            failed_starts += 1;
            eprintln!("fuzz: a session could not start: {e}");
            if failed_starts > 3 {
                break;
            }
        }
    }
    c.check(
        "every fuzzed session started (Tversion, Tattach)",
        verdict(
            failed_starts == 0 && stats.sessions > 0,
            format!("{stats:?}, {failed_starts} failed starts"),
        ),
    );
    Ok(())
}
