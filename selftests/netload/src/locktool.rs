// SPDX-License-Identifier: GPL-2.0

//! `netload lock`: POSIX byte-range locks for the lock selftests
//! (`p9_locks.sh`), through `fcntl(2)` on any file (a 9P mount or the
//! export's own directory on the server) or as raw 9P Tlock/Tgetlock.
//!
//! ```text
//! netload lock FILE --op setlk|setlkw|getlk --type r|w|u [--start N] [--len N]
//!                   [--open r|w|rw] [--hold PATH] [--timeout S]
//!     Opens FILE (--open; by default read-only for a read lock, read-write
//!     otherwise) and makes one fcntl call on the range START, LEN (from
//!     SEEK_SET; default 0, 0: the whole file) with a struct flock of
//!     --type. Prints one line:
//!       setlk, setlkw: "ok NS" or "ERRNO NS" (EAGAIN, EACCES, EBADF,
//!         ENOLCK, EDEADLK, EINTR, ... or "errno N"), NS the CLOCK_MONOTONIC
//!         time (ns) at which fcntl returned;
//!       getlk: "u" when nothing conflicts, else "r|w START LEN pid PID"
//!         (the holder as the kernel reports it: through v9fs a remote
//!         holder's pid is negative).
//!     With --hold PATH (setlk and setlkw), once the lock is granted the
//!     file stays open (the lock held) until PATH exists (polled every
//!     10 ms, for at most --timeout S, default 60); then it is closed and a
//!     second line says "released NS" (the time just before close) or
//!     "timeout" (exit 1).
//!     setlkw waits at most --timeout S too: an alarm(2) then ends the
//!     process (SIGALRM, exit status 142 in a shell).
//!     Exit status: 0 done (getlk: whatever it found), 3 conflict (EAGAIN
//!     or EACCES), 1 any other error, 2 bad usage.
//! netload lock 9p ADDR:PORT FILE --type r|w|u [--aname A] [--open r|w|rw]
//!                   [--start N] [--len N] [--proc-id N] [--hold PATH]
//!                   [--timeout S]
//!     A raw 9P2000.L session (attached as nobody to A): walks to FILE (a
//!     path inside the export), Tlopens it (default O_RDWR) and sends one
//!     Tlock (flags 0, proc_id N, default 1); prints "ok", "blocked",
//!     "error", "grace" or the Rlerror's errno name. With --hold PATH it
//!     then waits for PATH as above and hangs up without Tclunk (prints
//!     "hangup"), so that only the connection's end releases the lock.
//!     Exit status as above (3 for "blocked").
//! netload lock 9p-owners ADDR:PORT FILE [--aname A] [--timeout S]
//!     Checks lock owners on one connection, through raw 9P (one line per
//!     check, "9p-owners: ok" or "9p-owners: FAILED"; exit 0 or 1): fid 10
//!     WRLCK proc 1 granted; fid 11 (the same file) WRLCK and RDLCK as proc
//!     2 blocked; Tgetlock on fid 11 as proc 2 reports WRLCK 0 0 proc 1;
//!     Tclunk of fid 10 releases it (fid 11's WRLCK as proc 2 granted);
//!     WRLCK on a fid opened O_RDONLY and RDLCK on one opened O_WRONLY get
//!     EBADF; type 3, a start of 2^63 and a range past 2^63 - 1 get EINVAL;
//!     after UNLCK Tgetlock as proc 3 reports UNLCK.
//! ```

use crate::p9::{describe, tclunk, Conn, Msg, Reply, TGETLOCK, TLOCK};
use std::ffi::c_void;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::process::exit;
use std::thread;
use std::time::{Duration, Instant};

/// `struct flock` on x86_64.
#[repr(C)]
#[derive(Default)]
struct Flock {
    l_type: i16,
    l_whence: i16,
    l_start: i64,
    l_len: i64,
    l_pid: i32,
}

/// `struct timespec` on x86_64.
#[repr(C)]
#[derive(Default)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

extern "C" {
    fn fcntl(fd: i32, cmd: i32, ...) -> i32;
    fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    fn alarm(seconds: u32) -> u32;
}

const F_GETLK: i32 = 5;
const F_SETLK: i32 = 6;
const F_SETLKW: i32 = 7;
const SEEK_SET: i16 = 0;
const CLOCK_MONOTONIC: i32 = 1;

/// Exit status of a conflict (EAGAIN, EACCES, or Rlock BLOCKED).
const CONFLICT: i32 = 3;

/// 9P lock types (shared with `struct flock`'s F_RDLCK, F_WRLCK, F_UNLCK)
/// and Rlock statuses.
const RDLCK: u8 = 0;
const WRLCK: u8 = 1;
const UNLCK: u8 = 2;
const SUCCESS: u8 = 0;
const BLOCKED: u8 = 1;

const EBADF: u32 = 9;
const EINVAL: u32 = 22;

struct Options {
    file: String,
    op: String,
    kind: Option<u8>,
    start: u64,
    len: u64,
    open: Option<String>,
    hold: Option<String>,
    timeout: Duration,
    aname: String,
    proc_id: u32,
}

fn usage() -> ! {
    eprintln!(
        "usage: netload lock FILE --op setlk|setlkw|getlk --type r|w|u [--start N] [--len N] \
         [--open r|w|rw] [--hold PATH] [--timeout S] | lock 9p ADDR:PORT FILE --type r|w|u ... \
         | lock 9p-owners ADDR:PORT FILE (see the source)"
    );
    exit(2)
}

fn parse(file: &str, args: &[String]) -> Options {
    let mut o = Options {
        file: file.to_string(),
        op: String::new(),
        kind: None,
        start: 0,
        len: 0,
        open: None,
        hold: None,
        timeout: Duration::from_secs(60),
        aname: String::new(),
        proc_id: 1,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| usage());
        let num = || value.parse::<u64>().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--op" => o.op = value.clone(),
            "--type" => {
                o.kind = Some(match value.as_str() {
                    "r" => RDLCK,
                    "w" => WRLCK,
                    "u" => UNLCK,
                    _ => usage(),
                })
            }
            "--start" => o.start = num(),
            "--len" => o.len = num(),
            "--open" => o.open = Some(value.clone()),
            "--hold" => o.hold = Some(value.clone()),
            "--timeout" => o.timeout = Duration::from_secs(num()),
            "--aname" => o.aname = value.clone(),
            "--proc-id" => o.proc_id = num() as u32,
            _ => usage(),
        }
    }
    o
}

/// CLOCK_MONOTONIC in nanoseconds, comparable between processes.
fn now_ns() -> i64 {
    let mut ts = Timespec::default();
    // SAFETY: clock_gettime writes one timespec, which lives on our stack.
    unsafe { clock_gettime(CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec * 1_000_000_000 + ts.tv_nsec
}

/// The name of a lock-related errno, e.g. "EAGAIN".
fn errno_name(errno: i32) -> String {
    match errno {
        1 => "EPERM".into(),
        4 => "EINTR".into(),
        9 => "EBADF".into(),
        11 => "EAGAIN".into(),
        13 => "EACCES".into(),
        22 => "EINVAL".into(),
        35 => "EDEADLK".into(),
        37 => "ENOLCK".into(),
        75 => "EOVERFLOW".into(),
        _ => format!("errno {errno}"),
    }
}

/// Prints `line` at once (a shell may be waiting for it).
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Waits until `path` exists, at most `timeout`; whether it did.
fn wait_for(path: &str, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while !Path::new(path).exists() {
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(10));
    }
    true
}

fn open(o: &Options) -> std::io::Result<File> {
    let mode = o.open.clone().unwrap_or_else(|| {
        if o.kind == Some(RDLCK) {
            "r".into()
        } else {
            "rw".into()
        }
    });
    let mut opts = OpenOptions::new();
    match mode.as_str() {
        "r" => opts.read(true),
        "w" => opts.write(true),
        "rw" => opts.read(true).write(true),
        _ => usage(),
    };
    opts.open(&o.file)
}

/// `netload lock FILE ...`: one fcntl call; the exit status.
fn run_fcntl(o: &Options) -> i32 {
    let cmd = match o.op.as_str() {
        "setlk" => F_SETLK,
        "setlkw" => F_SETLKW,
        "getlk" => F_GETLK,
        _ => usage(),
    };
    let Some(kind) = o.kind else { usage() };
    let (Ok(start), Ok(len)) = (i64::try_from(o.start), i64::try_from(o.len)) else {
        usage()
    };
    let file = match open(o) {
        Ok(f) => f,
        Err(e) => {
            say(&format!("open: {e}"));
            return 1;
        }
    };
    let mut fl = Flock {
        l_type: kind.into(),
        l_whence: SEEK_SET,
        l_start: start,
        l_len: len,
        l_pid: 0,
    };
    if cmd == F_SETLKW {
        // SAFETY: alarm(2) only arms a timer.
        unsafe { alarm(o.timeout.as_secs().clamp(1, u32::MAX.into()) as u32) };
    }
    // SAFETY: F_GETLK, F_SETLK and F_SETLKW take a pointer to a struct
    // flock, which lives on our stack for the whole call; the descriptor
    // is open (owned by `file`).
    let ret = unsafe { fcntl(file.as_raw_fd(), cmd, &mut fl as *mut Flock as *mut c_void) };
    let at = now_ns();
    let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
    if cmd == F_GETLK {
        if ret < 0 {
            say(&errno_name(errno));
            return 1;
        }
        match fl.l_type {
            2 => say("u"),
            t => say(&format!(
                "{} {} {} pid {}",
                if t == 0 { "r" } else { "w" },
                fl.l_start,
                fl.l_len,
                fl.l_pid
            )),
        }
        return 0;
    }
    if ret < 0 {
        say(&format!("{} {at}", errno_name(errno)));
        return if errno == 11 || errno == 13 {
            CONFLICT
        } else {
            1
        };
    }
    say(&format!("ok {at}"));
    if let Some(path) = &o.hold {
        if !wait_for(path, o.timeout) {
            say("timeout");
            return 1;
        }
        let at = now_ns();
        drop(file);
        say(&format!("released {at}"));
    }
    0
}

/// A Tlock of `kind` on `fid` (flags 0) for `proc_id`.
fn tlock(fid: u32, kind: u8, start: u64, len: u64, proc_id: u32) -> Msg {
    Msg::new(TLOCK, 1)
        .u32(fid)
        .u8(kind)
        .u32(0)
        .u64(start)
        .u64(len)
        .u32(proc_id)
        .str("netload")
}

/// A Tgetlock of `kind` on `fid` for `proc_id`.
fn tgetlock(fid: u32, kind: u8, start: u64, len: u64, proc_id: u32) -> Msg {
    Msg::new(TGETLOCK, 1)
        .u32(fid)
        .u8(kind)
        .u64(start)
        .u64(len)
        .u32(proc_id)
        .str("netload")
}

/// What a reply to a Tlock says: "ok", "blocked", "error", "grace", an
/// errno name, or what else it is.
fn lock_status(reply: &mut Reply) -> String {
    if let Some(errno) = reply.errno() {
        return errno_name(errno as i32);
    }
    if reply.kind != TLOCK + 1 {
        return describe(reply);
    }
    match reply.bytes(1).map(|b| b[0]) {
        Ok(SUCCESS) => "ok".into(),
        Ok(BLOCKED) => "blocked".into(),
        Ok(2) => "error".into(),
        Ok(3) => "grace".into(),
        Ok(s) => format!("status {s}"),
        Err(e) => e,
    }
}

/// What a reply to a Tgetlock says: "TYPE START LEN proc PROC_ID" or what
/// else it is.
fn getlock_result(reply: &mut Reply) -> String {
    if reply.kind != TGETLOCK + 1 {
        return describe(reply);
    }
    let fields = (|| -> Result<String, String> {
        let kind = reply.bytes(1)?[0];
        let (start, len, proc_id) = (reply.u64()?, reply.u64()?, reply.u32()?);
        Ok(format!("{kind} {start} {len} proc {proc_id}"))
    })();
    fields.unwrap_or_else(|e| e)
}

/// A 9P session attached (fid 0) to `o.aname`.
fn session(addr: &SocketAddr, o: &Options) -> Result<Conn, String> {
    let mut conn = Conn::connect(addr, o.timeout)?;
    conn.session(65536, &o.aname)?;
    Ok(conn)
}

fn flags_of(open: Option<&str>) -> u32 {
    match open.unwrap_or("rw") {
        "r" => 0,
        "w" => 1,
        "rw" => 2,
        _ => usage(),
    }
}

/// `netload lock 9p ADDR:PORT FILE ...`; the exit status.
fn run_9p(addr: &SocketAddr, o: &Options) -> i32 {
    let Some(kind) = o.kind else { usage() };
    let result = (|| -> Result<String, String> {
        let mut conn = session(addr, o)?;
        conn.open(0, 10, &o.file, flags_of(o.open.as_deref()))?;
        let mut reply = conn.call(tlock(10, kind, o.start, o.len, o.proc_id))?;
        let status = lock_status(&mut reply);
        say(&status);
        if status == "ok" {
            if let Some(path) = &o.hold {
                if !wait_for(path, o.timeout) {
                    say("timeout");
                    return Err("timeout".into());
                }
                drop(conn);
                say("hangup");
            }
        }
        Ok(status)
    })();
    match result {
        Ok(s) if s == "ok" => 0,
        Ok(s) if s == "blocked" => CONFLICT,
        Ok(_) => 1,
        Err(e) => {
            if e != "timeout" {
                say(&format!("failed: {e}"));
            }
            1
        }
    }
}

/// `netload lock 9p-owners ADDR:PORT FILE`: whether every check held.
fn run_owners(addr: &SocketAddr, o: &Options) -> bool {
    let mut failed = 0;
    let mut check = |what: &str, got: String, want: &str| {
        if got == want {
            say(&format!("9p-owners: {what}: {got}"));
        } else {
            say(&format!("9p-owners: {what}: FAILED: {got}, not {want}"));
            failed += 1;
        }
    };
    let result = (|| -> Result<(), String> {
        let mut conn = session(addr, o)?;
        let file = o.file.as_str();
        conn.open(0, 10, file, 2)?;
        conn.open(0, 11, file, 2)?;
        conn.open(0, 12, file, 0)?;
        conn.open(0, 13, file, 1)?;
        let lock = |conn: &mut Conn, fid, kind, start, len, proc_id| {
            conn.call(tlock(fid, kind, start, len, proc_id))
                .map(|mut r| lock_status(&mut r))
                .map_err(String::from)
        };
        check(
            "fid 10 WRLCK, proc 1",
            lock(&mut conn, 10, WRLCK, 0, 0, 1)?,
            "ok",
        );
        check(
            "fid 11 WRLCK, proc 2 (same connection)",
            lock(&mut conn, 11, WRLCK, 0, 0, 2)?,
            "blocked",
        );
        check(
            "fid 11 RDLCK of bytes 100-199, proc 2",
            lock(&mut conn, 11, RDLCK, 100, 100, 2)?,
            "blocked",
        );
        let mut held = conn.call(tgetlock(11, UNLCK, 0, 0, 2))?;
        check(
            "Tgetlock on fid 11, proc 2",
            getlock_result(&mut held),
            &format!("{WRLCK} 0 0 proc 1"),
        );
        let clunk = conn.call(tclunk(1, 10))?;
        check("Tclunk fid 10", describe(&clunk), "reply type 121");
        check(
            "then fid 11 WRLCK, proc 2",
            lock(&mut conn, 11, WRLCK, 0, 0, 2)?,
            "ok",
        );
        check(
            "WRLCK on a fid open O_RDONLY",
            lock(&mut conn, 12, WRLCK, 0, 0, 3)?,
            &errno_name(EBADF as i32),
        );
        check(
            "RDLCK on a fid open O_WRONLY",
            lock(&mut conn, 13, RDLCK, 0, 0, 3)?,
            &errno_name(EBADF as i32),
        );
        check(
            "type 3",
            lock(&mut conn, 11, 3, 0, 0, 2)?,
            &errno_name(EINVAL as i32),
        );
        check(
            "start 2^63",
            lock(&mut conn, 11, WRLCK, 1 << 63, 0, 2)?,
            &errno_name(EINVAL as i32),
        );
        check(
            "start 2^63 - 1, length 2",
            lock(&mut conn, 11, WRLCK, (1 << 63) - 1, 2, 2)?,
            &errno_name(EINVAL as i32),
        );
        check("UNLCK, proc 2", lock(&mut conn, 11, UNLCK, 0, 0, 2)?, "ok");
        let mut free = conn.call(tgetlock(11, UNLCK, 0, 0, 3))?;
        let got = getlock_result(&mut free);
        let kind = got.split(' ').next().unwrap_or_default().to_string();
        check("then Tgetlock, proc 3", kind, &UNLCK.to_string());
        for fid in [11, 12, 13] {
            conn.call(tclunk(1, fid))?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        say(&format!("9p-owners: could not go on: {e}"));
        failed += 1;
    }
    say(if failed == 0 {
        "9p-owners: ok"
    } else {
        "9p-owners: FAILED"
    });
    failed == 0
}

/// Runs `netload lock ...` and exits with its status.
pub fn run(args: &[String]) -> bool {
    let Some(first) = args.first() else { usage() };
    let status = match first.as_str() {
        "9p" | "9p-owners" => {
            let addr: SocketAddr = args
                .get(1)
                .and_then(|a| a.parse().ok())
                .unwrap_or_else(|| usage());
            let Some(file) = args.get(2) else { usage() };
            let o = parse(file, &args[3..]);
            if first == "9p" {
                run_9p(&addr, &o)
            } else {
                i32::from(!run_owners(&addr, &o))
            }
        }
        _ => run_fcntl(&parse(first, &args[1..])),
    };
    exit(status)
}
