// SPDX-License-Identifier: GPL-2.0

//! `netload p9 ADDR:PORT SCENARIO`: how a 9P2000.L server answers bad, big
//! and many requests. The server exports a tree made by `netload mktree`.

use crate::fuzz;
use crate::hostile;
use crate::mktree::expected;
use crate::p9::{
    describe, describe_errno, tattach, tclunk, tlopen, tread, tversion, twalk, want_kind, Conn,
    ConnError, Msg, Reply, NOFID, NO_NAMES, RREAD_HEADER, TATTACH, TAUTH, TCLUNK, TFLUSH, TLCREATE,
    TMKDIR, TREAD, TREADDIR, TUNLINKAT, TWALK, TWRITE,
};
use crate::writes;
use crate::xattrs;
use std::collections::BTreeMap;
use std::io::Write;
use std::net::{Shutdown, SocketAddr};
use std::thread;
use std::time::Duration;

pub struct Options {
    pub addr: SocketAddr,
    scenario: String,
    pub msize: u32,
    max_fids: Option<u32>,
    pub aname: String,
    pub count: Option<usize>,
    /// The fuzzer's seed, to replay a run.
    pub seed: Option<u64>,
    pub timeout: Duration,
    /// The server's write_timeout (seconds), max_per_peer, and what one
    /// connection may queue (bytes), for the scenarios that test them.
    pub write_timeout: Option<u64>,
    pub max_per_peer: Option<u32>,
    pub budget: Option<u64>,
    /// The server's budgets, for "budgets".
    pub max_fids_total: Option<u32>,
    pub max_open_files: Option<u32>,
    pub max_xattr_bytes: Option<u32>,
}

/// Prints each check's outcome and counts the failures.
pub struct Checks {
    scenario: &'static str,
    failed: usize,
}

impl Checks {
    pub fn check(&mut self, what: &str, outcome: Result<String, String>) {
        match outcome {
            Ok(detail) => println!("{}: {what}: {detail}", self.scenario),
            Err(why) => {
                eprintln!("{}: {what}: FAILED: {why}", self.scenario);
                self.failed += 1;
            }
        }
    }
}

/// A scenario; an error means it could not go on (a failed check too).
type Scenario = fn(&Options, &mut Checks) -> Result<(), String>;

const SCENARIOS: [(&str, Scenario); 16] = [
    ("version", version),
    ("dotdot", dotdot),
    ("names", names),
    ("walk17", walk17),
    ("fids", fids),
    ("manyfids", manyfids),
    ("bigread", bigread),
    ("hugesize", hugesize),
    ("overrun", overrun),
    ("unknown", unknown),
    ("readonly", readonly),
    ("special", special),
    ("inflight", inflight),
    ("tagreuse", tagreuse),
    ("flush", flush),
    ("halfclose", halfclose),
];

/// Scenarios of clients that try to hold the server hostage; each is a
/// selftest case of its own, not part of "all".
const HOSTILE: [(&str, Scenario); 8] = [
    ("flushcycle", hostile::flushcycle),
    ("noread", hostile::noread),
    ("peerlimit", hostile::peerlimit),
    ("budgets", hostile::budgets),
    // Needs a writable export; not a hostile client, but a case of its own.
    ("writes", writes::writes),
    // Needs a writable export too.
    ("fuzz", fuzz::fuzz),
    // A writable export, and a read-only one.
    ("xattr", xattrs::xattr),
    ("xattrro", xattrs::xattr_read_only),
];

const EROFS: u32 = 30;

pub fn verdict(held: bool, detail: String) -> Result<String, String> {
    if held {
        Ok(detail)
    } else {
        Err(detail)
    }
}

fn connect(o: &Options) -> Result<Conn, String> {
    Ok(Conn::connect(&o.addr, o.timeout)?)
}

/// A fresh connection attached at fid 0; returns it and the root's qid path.
pub fn session(o: &Options) -> Result<(Conn, u64), String> {
    let mut conn = connect(o)?;
    let root = conn.session(o.msize, &o.aname)?;
    Ok((conn, root))
}

/// Checks the answer to a bad request: an Rlerror or, if `may_close`, a
/// closed connection.
fn rejected(answer: Result<Reply, ConnError>, may_close: bool) -> Result<String, String> {
    match answer {
        Ok(reply) => match reply.errno() {
            Some(errno) => Ok(format!("Rlerror {}", describe_errno(errno))),
            None => Err(format!("{}, want Rlerror", describe(&reply))),
        },
        Err(ConnError::Closed(how)) if may_close => Ok(format!("connection closed ({how})")),
        Err(e) => Err(e.to_string()),
    }
}

/// Checks for an Rlerror with EROFS.
fn read_only(answer: Result<Reply, ConnError>) -> Result<String, String> {
    let reply = answer?;
    let detail = describe(&reply);
    verdict(reply.errno() == Some(EROFS), detail)
}

/// Checks a walk from the root that may fail or stop, or else must end at
/// the root and not reach "etc".
fn stays_inside(answer: Reply, names: &[&str], root: u64) -> Result<String, String> {
    if let Some(errno) = answer.errno() {
        return Ok(format!("Rlerror {}", describe_errno(errno)));
    }
    let paths = want_kind(answer, TWALK)?.qid_paths()?;
    if paths.len() < names.len() {
        return Ok(format!("stopped after {}", paths.len()));
    }
    if names.contains(&"etc") {
        return Err("walked to etc, above the export".into());
    }
    let last = paths.last().copied().unwrap_or(root);
    let detail = format!("ends at qid path {last}, root's is {root}");
    verdict(last == root, detail)
}

fn version(o: &Options, c: &mut Checks) -> Result<(), String> {
    let mut conn = connect(o)?;
    c.check(
        "msize 4095",
        rejected(conn.call(tversion(4095, "9P2000.L")), true),
    );
    let mut conn = connect(o)?;
    let big = conn.version(1 << 30, "9P2000.L").and_then(|(msize, _)| {
        let detail = format!("server msize {msize}");
        verdict((4096..=1 << 30).contains(&msize), detail)
    });
    c.check("msize 1 GiB", big);
    for (asked, want) in [("9P2000.u", "unknown"), ("9P2000.L", "9P2000.L")] {
        let mut conn = connect(o)?;
        let answer = conn.version(o.msize, asked).and_then(|(_, got)| {
            let got = String::from_utf8_lossy(&got);
            verdict(got == want, format!("Rversion {got:?}"))
        });
        c.check(&format!("version {asked}"), answer);
    }
    Ok(())
}

fn dotdot(o: &Options, c: &mut Checks) -> Result<(), String> {
    let walks: [&[&str]; 3] = [&[".."], &["deep", "..", ".."], &["..", "..", "etc"]];
    let (mut conn, root) = session(o)?;
    for (newfid, names) in (1..).zip(walks) {
        let answer = conn.call(twalk(1, 0, newfid, names))?;
        let outcome = stays_inside(answer, names, root);
        c.check(&format!("walk {}", names.join("/")), outcome);
    }
    Ok(())
}

fn names(o: &Options, c: &mut Checks) -> Result<(), String> {
    for name in ["/", "a/b", "files/size-4096", "", ".", "\0x"] {
        let (mut conn, _) = session(o)?;
        let answer = conn.call(twalk(1, 0, 1, &[name]));
        c.check(&format!("walk {name:?}"), rejected(answer, true));
    }
    Ok(())
}

fn walk17(o: &Options, c: &mut Checks) -> Result<(), String> {
    // Names that all exist: only their number is wrong.
    let mut names = vec!["deep".to_string()];
    names.extend((1..=16).map(|level| format!("d{level:02}")));
    let (mut conn, _) = session(o)?;
    let answer = conn.call(twalk(1, 0, 1, &names));
    c.check("walk 17 names", rejected(answer, true));
    Ok(())
}

fn fids(o: &Options, c: &mut Checks) -> Result<(), String> {
    let (mut conn, _) = session(o)?;
    c.check(
        "attach fid 0 again",
        rejected(conn.call(tattach(1, 0, &o.aname)), false),
    );
    conn.walk(0, 1, &NO_NAMES)?;
    let answer = conn.call(twalk(1, 0, 1, &NO_NAMES));
    c.check("walk to a newfid in use", rejected(answer, false));
    let answer = conn.call(tclunk(1, 4242));
    c.check("clunk an unknown fid", rejected(answer, false));
    conn.clunk(1)?;
    c.check(
        "clunk a fid twice",
        rejected(conn.call(tclunk(1, 1)), false),
    );
    conn.walk(0, 2, &["files", "size-4096"])?;
    let answer = conn.call(tread(1, 2, 0, 4096));
    c.check("read a fid that is not open", rejected(answer, false));
    Ok(())
}

/// Clones the root fid into `count` fids, 100 requests at a time; returns
/// how many clones worked and the errnos of the others.
pub fn clone_root(conn: &mut Conn, count: u32) -> Result<(u32, BTreeMap<u32, u32>), String> {
    const BATCH: u32 = 100;
    let (mut cloned, mut errnos) = (0, BTreeMap::new());
    for first in (1..=count).step_by(BATCH as usize) {
        let batch = BATCH.min(count + 1 - first);
        let requests: Vec<u8> = (0..batch)
            .flat_map(|i| twalk(i as u16 + 1, 0, first + i, &NO_NAMES).bytes())
            .collect();
        conn.send(&requests)?;
        let mut answered = [false; BATCH as usize];
        for _ in 0..batch {
            let reply = conn.recv()?;
            let tag = reply.tag as usize;
            if !(1..=batch as usize).contains(&tag) || answered[tag - 1] {
                return Err(format!("unexpected tag {tag} near fid {first}"));
            }
            answered[tag - 1] = true;
            match reply.errno() {
                Some(errno) => *errnos.entry(errno).or_insert(0) += 1,
                None if reply.kind == TWALK + 1 => cloned += 1,
                None => return Err(format!("{} near fid {first}", describe(&reply))),
            }
        }
    }
    Ok((cloned, errnos))
}

fn manyfids(o: &Options, c: &mut Checks) -> Result<(), String> {
    let count = o.count.unwrap_or(10_000).min(NOFID as usize - 1) as u32;
    let (mut conn, _) = session(o)?;
    let outcome = clone_root(&mut conn, count).and_then(|(cloned, errnos)| {
        let errors: u32 = errnos.values().sum();
        let histogram: Vec<String> = errnos
            .iter()
            .map(|(errno, n)| format!("{n} x {}", describe_errno(*errno)))
            .collect();
        let detail = format!(
            "{cloned} cloned, {errors} Rlerror [{}]",
            histogram.join(", ")
        );
        match o.max_fids {
            Some(max) => {
                let want = max.saturating_sub(1);
                let detail = format!("{detail}, want {want} cloned");
                verdict(cloned == want && errors == count - cloned, detail)
            }
            None => Ok(detail),
        }
    });
    c.check(&format!("clone the root fid {count} times"), outcome);
    // Closing without clunking: the server must free them all.
    Ok(())
}

fn bigread(o: &Options, c: &mut Checks) -> Result<(), String> {
    const NAME: &str = "size-1048577";
    let (mut conn, _) = session(o)?;
    let msize = conn.msize;
    conn.open(0, 1, &format!("files/{NAME}"), 0)?;
    let want = 1_048_577.min(msize.saturating_sub(RREAD_HEADER)) as usize;
    let outcome = conn.read(1, 0, u32::MAX).and_then(|data| {
        let detail = format!("{} bytes, want {want}, msize {msize}", data.len());
        if data != expected(NAME, 0, data.len()) {
            return Err("data differs from mktree's".into());
        }
        verdict(data.len() == want, detail)
    });
    c.check("read count 0xffffffff", outcome);

    conn.open(0, 2, "many", 0)?;
    let outcome = conn
        .call_ok(Msg::new(TREADDIR, 1).u32(2).u64(0).u32(u32::MAX))
        .and_then(|mut reply| {
            let len = reply.data()?.len();
            verdict(len > 0, format!("{len} bytes of entries, msize {msize}"))
        });
    c.check("readdir count 0xffffffff", outcome);

    let outcome = conn
        .read(1, 1_048_577 + 4096, 4096)
        .map(|data| format!("{} bytes", data.len()))
        .and_then(|detail| verdict(detail == "0 bytes", detail));
    c.check("read beyond EOF", outcome);
    Ok(())
}

fn hugesize(o: &Options, c: &mut Checks) -> Result<(), String> {
    let (mut conn, _) = session(o)?;
    let message = Msg::new(TATTACH, 1).raw(&[0; 16]).with_size(u32::MAX);
    let outcome = (|| {
        let mut first = String::new();
        match conn.send(&message) {
            Err(ConnError::Closed(how)) => return Ok(format!("closed ({how})")),
            sent => sent?,
        }
        loop {
            match conn.recv() {
                Ok(reply) => match reply.errno() {
                    Some(errno) if first.is_empty() => {
                        first = format!(" after Rlerror {}", describe_errno(errno));
                    }
                    _ => return Err(describe(&reply)),
                },
                Err(ConnError::Closed(how)) => return Ok(format!("closed ({how}){first}")),
                Err(e) => return Err(format!("{e}{first}")),
            }
        }
    })();
    c.check("size 0xffffffff", outcome);
    Ok(())
}

fn overrun(o: &Options, c: &mut Checks) -> Result<(), String> {
    let mut conn = connect(o)?;
    conn.msize = conn.version(o.msize, "9P2000.L")?.0;
    let attach = Msg::new(TATTACH, 1)
        .u32(0)
        .u32(NOFID)
        .u16(60000)
        .raw(b"nobod");
    c.check("uname past the end", rejected(conn.call(attach), true));
    let (mut conn, _) = session(o)?;
    let walk = Msg::new(TWALK, 1).u32(0).u32(1).u16(3).str("files");
    c.check("3 names, 1 sent", rejected(conn.call(walk), true));
    Ok(())
}

fn unknown(o: &Options, c: &mut Checks) -> Result<(), String> {
    let (mut conn, _) = session(o)?;
    c.check(
        "type 99",
        rejected(conn.call(Msg::new(99, 1).u32(0)), false),
    );
    let mut conn = connect(o)?;
    conn.msize = conn.version(o.msize, "9P2000.L")?.0;
    let auth = Msg::new(TAUTH, 1).u32(1).str("nobody").str("").u32(65534);
    c.check("Tauth", rejected(conn.call(auth), false));
    Ok(())
}

fn readonly(o: &Options, c: &mut Checks) -> Result<(), String> {
    let (mut conn, _) = session(o)?;
    conn.open(0, 1, "files/size-4096", 0)?;
    let write = Msg::new(TWRITE, 1).u32(1).u64(0).u32(5).raw(b"hello");
    c.check("Twrite", read_only(conn.call(write)));
    let mkdir = Msg::new(TMKDIR, 1).u32(0).str("newdir").u32(0o755).u32(0);
    c.check("Tmkdir", read_only(conn.call(mkdir)));
    conn.walk(0, 2, &NO_NAMES)?;
    // O_WRONLY | O_CREAT
    let create = Msg::new(TLCREATE, 1)
        .u32(2)
        .str("newfile")
        .u32(0o101)
        .u32(0o644)
        .u32(0);
    c.check("Tlcreate", read_only(conn.call(create)));
    conn.walk(0, 3, &["many"])?;
    let unlink = Msg::new(TUNLINKAT, 1).u32(3).str("f4999").u32(0);
    c.check("Tunlinkat", read_only(conn.call(unlink)));
    for (flags, name) in [(1, "O_WRONLY"), (2, "O_RDWR"), (0x200, "O_TRUNC")] {
        conn.walk(0, 4, &["files", "size-4096"])?;
        c.check(
            &format!("Tlopen {name}"),
            read_only(conn.call(tlopen(1, 4, flags))),
        );
        conn.clunk(4)?;
    }
    Ok(())
}

/// Opening a fifo, a device or a file the user cannot read is refused at
/// once (the shell makes these three beside the mktree tree).
fn special(o: &Options, c: &mut Checks) -> Result<(), String> {
    let (mut conn, _) = session(o)?;
    for (fid, name) in [(1, "fifo"), (2, "null-device"), (3, "unreadable")] {
        conn.walk(0, fid, &[name])?;
        c.check(
            &format!("Tlopen {name}"),
            rejected(conn.call(tlopen(1, fid, 0)), false),
        );
    }
    Ok(())
}

/// Checks one reply to inflight's Treads; returns whether it is an Rread.
fn read_reply(reply: Reply, want: &[u8]) -> Result<bool, String> {
    if reply.errno().is_some() {
        return Ok(false);
    }
    let tag = reply.tag;
    if want_kind(reply, TREAD)?.data()? != want {
        return Err(format!("tag {tag}: wrong data"));
    }
    Ok(true)
}

fn inflight(o: &Options, c: &mut Checks) -> Result<(), String> {
    let count = o.count.unwrap_or(1000).min(65534);
    let (mut conn, _) = session(o)?;
    conn.open(0, 1, "files/size-4096", 0)?;
    let len = 4096.min(conn.msize.saturating_sub(RREAD_HEADER));
    let want = expected("size-4096", 0, len as usize);
    let mut writer = conn.writer()?;
    let sender = thread::spawn(move || {
        let mut batch = Vec::new();
        for tag in 1..=count as u16 {
            batch.extend(tread(tag, 1, 0, 4096).bytes());
            if batch.len() >= 65536 || tag as usize == count {
                writer.write_all(&batch)?;
                batch.clear();
            }
        }
        Ok::<_, std::io::Error>(())
    });
    let mut answered = vec![false; count + 1];
    let (mut reads, mut errors) = (0, 0);
    let outcome = loop {
        if reads + errors == count {
            break Ok(format!("{count} Treads: {reads} Rread, {errors} Rlerror"));
        }
        let reply = match conn.recv() {
            Ok(reply) => reply,
            Err(ConnError::Closed(how)) => {
                let done = reads + errors;
                break Ok(format!("connection closed ({how}) after {done} of {count}"));
            }
            Err(e) => break Err(e.to_string()),
        };
        let tag = reply.tag as usize;
        if tag == 0 || tag > count || answered[tag] {
            break Err(format!("unexpected or repeated tag {tag}"));
        }
        answered[tag] = true;
        match read_reply(reply, &want) {
            Ok(true) => reads += 1,
            Ok(false) => errors += 1,
            Err(e) => break Err(e),
        }
    };
    // Ends the sender's writes, should the server have stopped reading.
    let _ = conn.writer().map(|s| s.shutdown(Shutdown::Both));
    let _ = sender.join();
    c.check(&format!("{count} reads in flight"), outcome);
    Ok(())
}

/// Pipelines large Treads and a Tclunk, then shuts down its sending side
/// at once (as `nc -N` does): every reply must still arrive, in full,
/// before the server ends the connection.
fn halfclose(o: &Options, c: &mut Checks) -> Result<(), String> {
    const READS: u16 = 16;
    let (mut conn, _) = session(o)?;
    conn.open(0, 1, "files/size-1048577", 0)?;
    let len = 65536.min(conn.msize.saturating_sub(RREAD_HEADER));
    let mut batch = Vec::new();
    for tag in 1..=READS {
        let offset = u64::from(tag - 1) * u64::from(len);
        batch.extend(tread(tag, 1, offset, len).bytes());
    }
    batch.extend(tclunk(READS + 1, 1).bytes());
    conn.send(&batch)?;
    conn.writer()?
        .shutdown(Shutdown::Write)
        .map_err(|e| e.to_string())?;
    let mut answered = vec![false; READS as usize + 2];
    let mut outcome = Ok(String::new());
    for _ in 0..=READS {
        let reply = match conn.recv() {
            Ok(reply) => reply,
            Err(e) => {
                let got = answered.iter().filter(|a| **a).count();
                outcome = Err(format!("after {got} of {} replies: {e}", READS + 1));
                break;
            }
        };
        let tag = reply.tag;
        if tag == 0 || tag > READS + 1 || answered[tag as usize] {
            outcome = Err(format!("unexpected or repeated tag {tag}"));
            break;
        }
        answered[tag as usize] = true;
        let checked = if tag == READS + 1 {
            want_kind(reply, TCLUNK).map(|_| ())
        } else {
            let offset = usize::from(tag - 1) * len as usize;
            let want = expected("size-1048577", offset as u64, len as usize);
            match read_reply(reply, &want) {
                Ok(true) => Ok(()),
                Ok(false) => Err(format!("tag {tag}: an error")),
                Err(e) => Err(e),
            }
        };
        if let Err(e) = checked {
            outcome = Err(e);
            break;
        }
    }
    if outcome.is_ok() {
        outcome = match conn.recv() {
            Err(ConnError::Closed(how)) => Ok(format!(
                "{READS} Rread of {len} bytes and Rclunk, then {how}"
            )),
            Ok(reply) => Err(format!("an extra reply: {}", describe(&reply))),
            Err(e) => Err(format!("after every reply: {e}")),
        };
    }
    c.check(
        "a client that shuts down its side gets every reply",
        outcome,
    );
    Ok(())
}

/// Reuses each tag the moment its reply arrives, as v9fs does: 16 reads in
/// flight, `count` in all. A server that frees a tag only after sending the
/// reply sees the reuse as a duplicate and drops the connection.
fn tagreuse(o: &Options, c: &mut Checks) -> Result<(), String> {
    const WINDOW: u16 = 16;
    let count = o.count.unwrap_or(2000).max(WINDOW as usize);
    let (mut conn, _) = session(o)?;
    conn.open(0, 1, "files/size-4096", 0)?;
    let len = 4096.min(conn.msize.saturating_sub(RREAD_HEADER));
    let want = expected("size-4096", 0, len as usize);
    let mut first = Vec::new();
    for tag in 1..=WINDOW {
        first.extend(tread(tag, 1, 0, 4096).bytes());
    }
    conn.send(&first)?;
    let (mut sent, mut reads) = (WINDOW as usize, 0);
    let outcome = loop {
        if reads == count {
            break Ok(format!("{count} Treads on {WINDOW} tags, each answered"));
        }
        let reply = match conn.recv() {
            Ok(reply) => reply,
            Err(ConnError::Closed(how)) => {
                break Err(format!(
                    "connection closed ({how}) after {reads} of {count}"
                ))
            }
            Err(e) => break Err(e.to_string()),
        };
        let tag = reply.tag;
        match read_reply(reply, &want) {
            Ok(true) => reads += 1,
            Ok(false) => break Err(format!("Rlerror after {reads} reads")),
            Err(e) => break Err(e),
        }
        if sent < count {
            conn.send(&tread(tag, 1, 0, 4096).bytes())?;
            sent += 1;
        }
    };
    c.check("tags reused at once", outcome);
    Ok(())
}

fn flush(o: &Options, c: &mut Checks) -> Result<(), String> {
    let (mut conn, _) = session(o)?;
    conn.open(0, 1, "files/size-4096", 0)?;
    let mut requests = tread(5, 1, 0, 4096).bytes();
    requests.extend(Msg::new(TFLUSH, 6).u16(5).bytes());
    conn.send(&requests)?;
    let outcome = (|| {
        let mut read_answered = false;
        loop {
            let reply = conn.recv()?;
            let is_read = reply.kind == TREAD + 1 || reply.errno().is_some();
            match reply.tag {
                5 if is_read && !read_answered => read_answered = true,
                6 if reply.kind == TFLUSH + 1 => break,
                tag => return Err(format!("{} with tag {tag}", describe(&reply))),
            }
        }
        if read_answered {
            return Ok("Rread, then Rflush".to_string());
        }
        // A late answer to tag 5 would come before this one's.
        conn.send(&tread(7, 1, 0, 1).bytes())?;
        match conn.recv()?.tag {
            7 => Ok("Rflush only".to_string()),
            tag => Err(format!("Rflush, then an answer to tag {tag}")),
        }
    })();
    c.check("Tread then Tflush", outcome);
    Ok(())
}

/// What every scenario ends with: a fresh client reads a file (or, on the
/// exports of "writes", "fuzz", "xattr" and "xattrro", which have no test
/// tree, attaches).
fn still_serves(o: &Options) -> Result<String, String> {
    let (mut conn, _) = session(o)?;
    if ["writes", "fuzz", "xattr", "xattrro"].contains(&o.scenario.as_str()) {
        return Ok("attached".to_string());
    }
    conn.open(0, 1, "files/size-4096", 0)?;
    let data = conn.read(1, 0, 4096)?;
    let detail = format!("read {} bytes", data.len());
    verdict(data == expected("size-4096", 0, 4096), detail)
}

fn parse(args: &[String]) -> Options {
    use crate::usage;
    let [addr, scenario, flags @ ..] = args else {
        usage()
    };
    let known = scenario == "all"
        || SCENARIOS
            .iter()
            .chain(HOSTILE.iter())
            .any(|(name, _)| name == scenario);
    if !known || flags.len() % 2 != 0 {
        usage();
    }
    let mut o = Options {
        addr: addr.parse().unwrap_or_else(|_| usage()),
        scenario: scenario.clone(),
        msize: 65536,
        max_fids: None,
        aname: String::new(),
        count: None,
        seed: None,
        timeout: Duration::from_secs(20),
        write_timeout: None,
        max_per_peer: None,
        budget: None,
        max_fids_total: None,
        max_open_files: None,
        max_xattr_bytes: None,
    };
    for pair in flags.chunks(2) {
        if pair[0] == "--aname" {
            o.aname = pair[1].clone();
            continue;
        }
        if pair[0] == "--seed" {
            o.seed = Some(pair[1].parse().unwrap_or_else(|_| usage()));
            continue;
        }
        let value: u32 = pair[1].parse().unwrap_or_else(|_| usage());
        match pair[0].as_str() {
            "--msize" => o.msize = value,
            "--max-fids" => o.max_fids = Some(value),
            "--count" => o.count = Some(value as usize),
            "--timeout" => o.timeout = Duration::from_secs(value.max(1).into()),
            "--write-timeout" => o.write_timeout = Some(value.into()),
            "--max-per-peer" => o.max_per_peer = Some(value),
            "--budget" => o.budget = Some(value.into()),
            "--max-fids-total" => o.max_fids_total = Some(value),
            "--max-open-files" => o.max_open_files = Some(value),
            "--max-xattr-bytes" => o.max_xattr_bytes = Some(value),
            _ => usage(),
        }
    }
    o
}

/// Runs `netload p9 ...`; returns whether every check held.
pub fn run(args: &[String]) -> bool {
    let o = parse(args);
    let mut failed = Vec::new();
    for (name, scenario) in SCENARIOS.into_iter().chain(HOSTILE) {
        let in_all = SCENARIOS.iter().any(|(n, _)| *n == name);
        if o.scenario != name && !(o.scenario == "all" && in_all) {
            continue;
        }
        let mut checks = Checks {
            scenario: name,
            failed: 0,
        };
        if let Err(why) = scenario(&o, &mut checks) {
            checks.check("could not go on", Err(why));
        }
        checks.check("server still serves", still_serves(&o));
        if checks.failed == 0 {
            println!("{name}: ok");
        } else {
            println!("{name}: FAILED");
            failed.push(name);
        }
    }
    if o.scenario == "all" {
        if failed.is_empty() {
            println!("all: ok");
        } else {
            println!("all: FAILED ({})", failed.join(", "));
        }
    }
    failed.is_empty()
}
