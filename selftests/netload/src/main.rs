// SPDX-License-Identifier: GPL-2.0

//! netload: the selftests' TCP client, run inside the guest.
//!
//! ```text
//! netload echo ADDR:PORT [--clients N] [--sizes A,B,..] [--chunk N]
//!                        [--write-delay-ms D] [--read-delay-ms D] [--timeout S]
//!     N clients each send a pseudo-random payload (client i sends
//!     sizes[i % len] bytes) and check that exactly the same bytes come back.
//! netload hold ADDR:PORT [--clients N] [--timeout S] [--silent 1] [--pace-ms P]
//!     Opens N connections that echo continuously (or, with --silent 1, send
//!     nothing); prints "ready" once every connection has had a reply (is
//!     connected), then waits until the server ends them all (EOF or reset)
//!     and prints how they ended. --pace-ms pauses P ms between round trips
//!     so that the clients do not starve the rest of a small guest.
//! netload request ADDR:PORT --send TEXT --expect TEXT [--clients N] [--repeat M]
//!     N clients each make M requests in turn: send TEXT (\r and \n escapes
//!     understood), read until the server closes, check that the reply
//!     contains the expected text. Prints the count and the time taken.
//! netload fingerfuzz ADDR:PORT --send TEXT --expect TEXT [--secs S]
//!     Random finger queries for S seconds (default 20), whole or a byte at
//!     a time, some hung up on (reset); every reply free of control
//!     characters but tab, CR and LF; every 16th a request as above.
//! netload idle ADDR:PORT [--timeout S]
//!     Connects, sends nothing, prints how many milliseconds pass until the
//!     server closes the connection.
//! netload stall ADDR:PORT --side read|write [--stall-ms D]
//!     Stalls an echo connection for D ms (default 2000) and prints the
//!     guest's busy CPU time meanwhile as "busy B window W" (jiffies, all
//!     CPUs). read: the client stops reading once every buffer on the way is
//!     full, so the server is blocked writing. write: the client stops
//!     sending, so the server is blocked reading. Then checks the echo.
//! netload rmmod MODULE
//!     Unloads MODULE with the delete_module system call and prints how many
//!     milliseconds the call took (what "rmmod returns promptly" means,
//!     without the time to start a process on a busy guest).
//! netload setxattr PATH NAME VALUE|@FILE [create|replace]
//!     setxattr(2), with XATTR_CREATE or XATTR_REPLACE; the value is VALUE
//!     or the bytes of FILE. Prints "set" or the errno.
//! netload mmapwrite PATH OFFSET TEXT
//!     Writes TEXT at OFFSET through a shared mapping of the whole file,
//!     then msync(MS_SYNC).
//! netload mktree DIR
//!     Fills the empty directory DIR with the 9P server's test tree, the same
//!     bytes every run: files/size-N (N = 0, 1, 4095, 4096, 4097, 1048577,
//!     67108864; pseudo-random content seeded by the name), sparse (16 MiB,
//!     4 KiB of data at 8 MiB), many/f0000..f4999, deep/d01/../d20/leaf,
//!     names/ (odd names), links/ (symlinks), hard/ (hard links), modes/
//!     (odd modes); regular files' mtime is 2020-01-02T03:04:05.123456789Z.
//!     Prints what it made, the bytes written and the milliseconds taken.
//! netload p9 ADDR:PORT SCENARIO [--msize N] [--max-fids N] [--count N]
//!                               [--timeout S] [--aname A] [--write-timeout S]
//!                               [--max-per-peer N] [--budget B]
//!                               [--max-fids-total N] [--max-open-files N]
//!                               [--max-xattr-bytes N] [--seed N]
//!     A 9P2000.L client checks a server that exports a mktree tree
//!     (attaching as nobody, 65534, to aname A, default ""; Tversion msize N,
//!     default 65536; every socket operation times out after S seconds,
//!     default 20). Prints a line per check and "SCENARIO: ok" or "SCENARIO:
//!     FAILED"; after each scenario a fresh client must still read
//!     files/size-4096. SCENARIO:
//!       version   msize 4095 refused, 1 GiB cut down, "9P2000.u" unknown
//!       dotdot    ".." walks stay inside the export
//!       names     walks to "/", "a/b", "files/size-4096", "", ".", "\0x" fail
//!       walk17    a walk of 17 names fails
//!       fids      fids in use, unknown, clunked twice or not open are refused
//!       manyfids  clones the root fid N times (--count, default 10000) in
//!                 batches of 100; with --max-fids M, exactly M - 1 work
//!       bigread   Tread and Treaddir of count 0xffffffff fit in msize
//!       hugesize  a message of size 0xffffffff ends the connection
//!       overrun   a string or a name count past the message's end is refused
//!       unknown   type 99 and Tauth are refused
//!       readonly  writing requests and opens fail with EROFS
//!       special   opening fifo, null-device and unreadable (made by the
//!                 selftest beside the tree) fails at once
//!       inflight  N Treads in flight (--count, default 1000) answered once each
//!       tagreuse  16 Treads in flight, each tag reused the moment its reply
//!                 arrives, as v9fs does (--count, default 2000, in all)
//!       flush     Tflush of a Tread: its Rread, if any, comes before Rflush
//!       halfclose 16 Treads and a Tclunk, then a shutdown of the sending
//!                 side: every reply arrives, then the end of stream
//!     Not part of "all":
//!       flushcycle  40 pairs of Tflushes naming each other, sent at once,
//!                 are all answered and the connection reads on
//!       noread    a client pipelines large Treads and Twrites and reads
//!                 nothing: the server resets it within --write-timeout S
//!                 (its write_timeout), queues at most --budget B bytes
//!                 meanwhile (read from its debugfs counters), and starts
//!                 no more requests than its budget holds (its clients file)
//!       peerlimit 127.0.0.3 gets --max-per-peer N connections and no more,
//!                 127.0.0.4 is served meanwhile
//!       budgets   two connections' fids, open files and attribute values
//!                 held stop at --max-fids-total, --max-open-files,
//!                 --max-xattr-bytes (the server's), and come back
//!       writes    the errnos of every modifying message, on a writable
//!                 export (a directory "errnos" made at its root)
//!       xattr     extended attribute writes (Txattrcreate, Twrite, Tclunk)
//!                 and POSIX ACLs, a rule per connection, on a writable
//!                 export (a directory "xattrs" made at its root)
//!       xattrro   Txattrcreate on a read-only export: EROFS
//!       fuzz      for --count seconds (default 30), sessions that start
//!                 valid, then send bursts of random requests (all types,
//!                 random fids, tags, offsets, flags, names), some mutated
//!                 or cut short, and hang up at random: every session must
//!                 start (seed printed; --seed N replays a run)
//!       all       every scenario above, in that order (a --count given
//!                 applies to manyfids, inflight and tagreuse)
//! netload lock FILE --op setlk|setlkw|getlk --type r|w|u ... | lock 9p ...
//!     POSIX byte-range locks through fcntl, or raw Tlock (locktool.rs).
//! ```
//!
//! Exit status 0 when every check held, 1 otherwise, 2 on bad usage.

mod fingerfuzz;
mod fuzz;
mod hostile;
mod local;
mod locktool;
mod mktree;
mod p9;
mod scenarios;
mod writes;
mod xattrs;

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::exit;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

struct Options {
    addr: SocketAddr,
    clients: usize,
    sizes: Vec<usize>,
    chunk: usize,
    write_delay: Duration,
    read_delay: Duration,
    timeout: Duration,
    side: String,
    stall: Duration,
    silent: bool,
    send: Vec<u8>,
    expect: Vec<u8>,
    repeat: usize,
    pace: Duration,
    secs: u64,
}

/// Expands the `\r` and `\n` escapes of a command-line text.
fn unescape(text: &str) -> Vec<u8> {
    text.replace("\\r", "\r").replace("\\n", "\n").into_bytes()
}

fn usage() -> ! {
    eprintln!(
        "usage: netload echo|hold|idle|stall|request|fingerfuzz|p9 ADDR:PORT ... | mktree DIR \
         | rmmod MODULE | setxattr PATH NAME VALUE [create|replace] \
         | mmapwrite PATH OFFSET TEXT \
         (see the source)"
    );
    exit(2)
}

fn parse(args: &[String]) -> Options {
    let addr = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| usage());
    let mut o = Options {
        addr,
        clients: 1,
        sizes: vec![65536],
        chunk: 65536,
        write_delay: Duration::ZERO,
        read_delay: Duration::ZERO,
        timeout: Duration::from_secs(120),
        side: String::new(),
        stall: Duration::from_millis(2000),
        silent: false,
        send: Vec::new(),
        expect: Vec::new(),
        repeat: 1,
        pace: Duration::ZERO,
        secs: 20,
    };
    let mut it = args[1..].iter();
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| usage());
        let num = || value.parse::<u64>().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--clients" => o.clients = num() as usize,
            "--sizes" => {
                o.sizes = value
                    .split(',')
                    .map(|s| s.parse().unwrap_or_else(|_| usage()))
                    .collect()
            }
            "--chunk" => o.chunk = num().max(1) as usize,
            "--secs" => o.secs = num(),
            "--write-delay-ms" => o.write_delay = Duration::from_millis(num()),
            "--read-delay-ms" => o.read_delay = Duration::from_millis(num()),
            "--timeout" => o.timeout = Duration::from_secs(num()),
            "--side" => o.side = value.clone(),
            "--silent" => o.silent = num() != 0,
            "--send" => o.send = unescape(value),
            "--expect" => o.expect = unescape(value),
            "--repeat" => o.repeat = num() as usize,
            "--pace-ms" => o.pace = Duration::from_millis(num()),
            "--stall-ms" => o.stall = Duration::from_millis(num()),
            _ => usage(),
        }
    }
    o
}

/// The byte at `pos` of client `id`'s payload (an xorshift stream).
fn payload_byte(id: usize, pos: usize) -> u8 {
    let mut x = (id as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (pos as u64 / 8);
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    (x >> ((pos % 8) * 8)) as u8
}

fn connect(o: &Options) -> std::io::Result<TcpStream> {
    let s = TcpStream::connect_timeout(&o.addr, o.timeout)?;
    s.set_read_timeout(Some(o.timeout))?;
    s.set_write_timeout(Some(o.timeout))?;
    Ok(s)
}

/// One echo client; returns an error message on any mismatch.
fn echo_client(o: Arc<Options>, id: usize) -> Result<(), String> {
    let size = o.sizes[id % o.sizes.len()];
    let stream = connect(&o).map_err(|e| format!("client {id}: connect: {e}"))?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let wo = o.clone();
    let sender = thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(move || -> Result<(), String> {
            let mut buf = vec![0u8; wo.chunk];
            let mut sent = 0;
            while sent < size {
                let n = wo.chunk.min(size - sent);
                for (i, b) in buf[..n].iter_mut().enumerate() {
                    *b = payload_byte(id, sent + i);
                }
                writer
                    .write_all(&buf[..n])
                    .map_err(|e| format!("client {id}: write at {sent}: {e}"))?;
                sent += n;
                if !wo.write_delay.is_zero() {
                    thread::sleep(wo.write_delay);
                }
            }
            writer
                .shutdown(Shutdown::Write)
                .map_err(|e| format!("client {id}: shutdown: {e}"))
        })
        .map_err(|e| e.to_string())?;
    let mut reader = stream;
    let mut buf = vec![0u8; o.chunk];
    let mut got = 0;
    loop {
        let want = if o.read_delay.is_zero() {
            buf.len()
        } else {
            buf.len().min(4096)
        };
        let n = reader
            .read(&mut buf[..want])
            .map_err(|e| format!("client {id}: read at {got} of {size}: {e}"))?;
        if n == 0 {
            break;
        }
        for (i, &b) in buf[..n].iter().enumerate() {
            if got + i >= size || b != payload_byte(id, got + i) {
                return Err(format!("client {id}: wrong byte at {} of {size}", got + i));
            }
        }
        got += n;
        if !o.read_delay.is_zero() {
            thread::sleep(o.read_delay);
        }
    }
    sender.join().map_err(|_| "sender panicked".to_string())??;
    if got != size {
        return Err(format!("client {id}: got {got} of {size} bytes before EOF"));
    }
    Ok(())
}

/// Runs `client(id)` on `o.clients` threads; prints each failure and returns
/// how many failed.
fn run_clients(o: &Arc<Options>, client: fn(&Arc<Options>, usize) -> Result<(), String>) -> usize {
    let handles: Vec<_> = (0..o.clients)
        .map(|id| {
            let o = o.clone();
            thread::Builder::new()
                .stack_size(128 * 1024)
                .spawn(move || client(&o, id))
                .expect("spawn")
        })
        .collect();
    let mut failed = 0;
    for h in handles {
        if let Err(msg) = h.join().unwrap_or_else(|_| Err("panicked".into())) {
            eprintln!("{msg}");
            failed += 1;
        }
    }
    failed
}

fn run_echo(o: Options) -> bool {
    let o = Arc::new(o);
    let start = Instant::now();
    let failed = run_clients(&o, |o, id| echo_client(o.clone(), id));
    let bytes: usize = (0..o.clients).map(|i| o.sizes[i % o.sizes.len()]).sum();
    println!(
        "echo: {} clients, {} bytes each way, {} failed, {:.2} s",
        o.clients,
        bytes,
        failed,
        start.elapsed().as_secs_f64()
    );
    failed == 0
}

/// How a held connection ended.
#[derive(Clone, Copy)]
enum End {
    Eof = 0,
    Reset = 1,
    Other = 2,
}

fn classify(e: &std::io::Error) -> End {
    match e.kind() {
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => {
            End::Reset
        }
        _ => End::Other,
    }
}

fn run_hold(o: Options) -> bool {
    let o = Arc::new(o);
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<bool>();
    let ends: Arc<[AtomicUsize; 3]> = Arc::new(Default::default());
    let handles: Vec<_> = (0..o.clients)
        .map(|id| {
            let (o, ready, ends) = (o.clone(), ready_tx.clone(), ends.clone());
            thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn(move || {
                    let mut s = match connect(&o) {
                        Ok(s) => s,
                        Err(e) => {
                            eprintln!("client {id}: connect: {e}");
                            ends[End::Other as usize].fetch_add(1, Ordering::SeqCst);
                            let _ = ready.send(false);
                            return;
                        }
                    };
                    let out = [id as u8; 1024];
                    let mut back = [0u8; 1024];
                    let mut first = true;
                    if o.silent {
                        first = false;
                        let _ = ready.send(true);
                        let _ = s.set_read_timeout(None);
                    }
                    let end = loop {
                        if o.silent {
                            match s.read(&mut back) {
                                Ok(0) => break End::Eof,
                                Ok(_) => continue,
                                Err(e) => break classify(&e),
                            }
                        }
                        if let Err(e) = s.write_all(&out) {
                            break classify(&e);
                        }
                        match s.read(&mut back) {
                            Ok(0) => break End::Eof,
                            Ok(_) => {}
                            Err(e) => break classify(&e),
                        }
                        if first {
                            first = false;
                            let _ = ready.send(true);
                        }
                        if !o.pace.is_zero() {
                            thread::sleep(o.pace);
                        }
                    };
                    if first {
                        let _ = ready.send(false);
                    }
                    ends[end as usize].fetch_add(1, Ordering::SeqCst);
                })
                .expect("spawn")
        })
        .collect();
    let deadline = Instant::now() + o.timeout;
    for up in 0..o.clients {
        let left = deadline.saturating_duration_since(Instant::now());
        if ready_rx.recv_timeout(left) != Ok(true) {
            eprintln!("hold: only {up} of {} connections came up", o.clients);
            println!("failed");
            exit(1);
        }
    }
    println!("ready");
    let _ = std::io::stdout().flush();
    for h in handles {
        let _ = h.join();
    }
    let [eof, reset, other] = [0, 1, 2].map(|i| ends[i].load(Ordering::SeqCst));
    println!(
        "hold: {} connections ended: {eof} EOF, {reset} reset, {other} other",
        o.clients
    );
    other == 0
}

/// One request: send, read to the end, check the reply.
fn request(o: &Options) -> Result<(), String> {
    let mut s = connect(o).map_err(|e| format!("connect: {e}"))?;
    s.write_all(&o.send).map_err(|e| format!("send: {e}"))?;
    let mut reply = Vec::new();
    s.read_to_end(&mut reply)
        .map_err(|e| format!("read: {e}"))?;
    if !reply
        .windows(o.expect.len().max(1))
        .any(|w| w == &o.expect[..])
    {
        return Err(format!(
            "reply lacks the expected text: {:?}",
            String::from_utf8_lossy(&reply)
        ));
    }
    Ok(())
}

fn run_request(o: Options) -> bool {
    let o = Arc::new(o);
    let start = Instant::now();
    let failed = run_clients(&o, |o, _| (0..o.repeat).try_for_each(|_| request(o)));
    let secs = start.elapsed().as_secs_f64();
    let total = o.clients * o.repeat;
    println!(
        "request: {} clients x {} requests, {failed} clients failed, {secs:.2} s, {:.0} requests/s",
        o.clients,
        o.repeat,
        total as f64 / secs
    );
    failed == 0
}

fn run_idle(o: Options) -> bool {
    let start = Instant::now();
    let mut s = match connect(&o) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("idle: connect: {e}");
            return false;
        }
    };
    let mut buf = [0u8; 16];
    let ended = match s.read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => classify(&e) as usize == End::Reset as usize,
    };
    println!("{}", start.elapsed().as_millis());
    ended
}

/// Busy jiffies of all CPUs (user, nice, system, irq, softirq, steal).
fn cpu_busy() -> u64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    [0, 1, 2, 5, 6, 7]
        .iter()
        .filter_map(|&i| fields.get(i))
        .sum()
}

/// Measures the busy time over one stall; prints it; returns (busy, window).
fn measure_stall(o: &Options) -> (u64, u64) {
    let ncpu = thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let before = cpu_busy();
    thread::sleep(o.stall);
    let busy = cpu_busy() - before;
    // USER_HZ is 100 on Linux: a jiffy here is 10 ms.
    let window = o.stall.as_millis() as u64 / 10 * ncpu;
    println!("busy {busy} window {window}");
    (busy, window)
}

fn run_stall(o: Options) -> bool {
    let mut s = match connect(&o) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("stall: connect: {e}");
            return false;
        }
    };
    match o.side.as_str() {
        "write" => {
            let mut back = [0u8; 1024];
            let out: Vec<u8> = (0..1024).map(|i| payload_byte(0, i)).collect();
            let round = |s: &mut TcpStream, back: &mut [u8]| -> bool {
                s.write_all(&out).is_ok() && s.read_exact(back).is_ok() && back[..] == out[..]
            };
            if !round(&mut s, &mut back) {
                eprintln!("stall: first echo failed");
                return false;
            }
            measure_stall(&o);
            round(&mut s, &mut back)
        }
        "read" => {
            let sent = Arc::new(AtomicUsize::new(0));
            let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let mut writer = s.try_clone().expect("clone");
            let (sent_w, stop_w) = (sent.clone(), stop.clone());
            let sender = thread::spawn(move || {
                let chunk = 65536;
                let mut buf = vec![0u8; chunk];
                let mut pos = 0;
                while !stop_w.load(Ordering::SeqCst) {
                    for (i, b) in buf.iter_mut().enumerate() {
                        *b = payload_byte(0, pos + i);
                    }
                    if writer.write_all(&buf).is_err() {
                        return false;
                    }
                    pos += chunk;
                    sent_w.store(pos, Ordering::SeqCst);
                }
                writer.shutdown(Shutdown::Write).is_ok()
            });
            // Every buffer between us and back is full once sending stops
            // making progress: the server is then blocked writing to us.
            let mut last = usize::MAX;
            while sent.load(Ordering::SeqCst) != last {
                last = sent.load(Ordering::SeqCst);
                thread::sleep(Duration::from_millis(300));
            }
            measure_stall(&o);
            stop.store(true, Ordering::SeqCst);
            let mut buf = vec![0u8; 65536];
            let mut got = 0;
            loop {
                match s.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if (0..n).any(|i| buf[i] != payload_byte(0, got + i)) {
                            eprintln!("stall: wrong byte near {got}");
                            return false;
                        }
                        got += n;
                    }
                    Err(e) => {
                        eprintln!("stall: read: {e}");
                        return false;
                    }
                }
            }
            let sent_ok = sender.join().unwrap_or(false);
            sent_ok && got == sent.load(Ordering::SeqCst)
        }
        _ => usage(),
    }
}

extern "C" {
    /// glibc's generic system call entry.
    fn syscall(number: i64, ...) -> i64;
}

/// `__NR_delete_module` on x86_64.
const SYS_DELETE_MODULE: i64 = 176;

fn run_rmmod(module: &str) -> bool {
    let Ok(name) = std::ffi::CString::new(module) else {
        usage()
    };
    let start = Instant::now();
    // SAFETY: delete_module(name, flags) takes a NUL-terminated string that
    // outlives the call and an integer.
    let ret = unsafe { syscall(SYS_DELETE_MODULE, name.as_ptr(), 0i64) };
    let took = start.elapsed();
    if ret != 0 {
        eprintln!(
            "rmmod: delete_module({module}): {}",
            std::io::Error::last_os_error()
        );
        return false;
    }
    println!("{}", took.as_millis());
    true
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else { usage() };
    let ok = match cmd.as_str() {
        "rmmod" => Some(args.get(1).is_some_and(|m| run_rmmod(m))),
        "mktree" => Some(mktree::run(&args[1..])),
        "setxattr" => Some(local::set(&args[1..])),
        "mmapwrite" => Some(local::mmap_write(&args[1..])),
        "p9" => Some(scenarios::run(&args[1..])),
        "lock" => Some(locktool::run(&args[1..])),
        _ => None,
    };
    if let Some(ok) = ok {
        exit(if ok { 0 } else { 1 });
    }
    let o = parse(&args[1..]);
    let ok = match cmd.as_str() {
        "echo" => run_echo(o),
        "hold" => run_hold(o),
        "idle" => run_idle(o),
        "stall" => run_stall(o),
        "request" => run_request(o),
        "fingerfuzz" => fingerfuzz::run(&o),
        _ => usage(),
    };
    exit(if ok { 0 } else { 1 });
}
