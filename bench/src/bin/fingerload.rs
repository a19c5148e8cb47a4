// SPDX-License-Identifier: GPL-2.0

//! fingerload: the finger load generator of `make bench`.
//!
//! ```text
//! fingerload HOST:PORT [--query Q] [--conc N] [--secs S]
//!                      [--expect TEXT]... [--expect-empty]
//! ```
//!
//! `N` threads each connect, send `Q` and CRLF, read the reply to the end and
//! close, over and over for `S` seconds. Every reply is checked: the first
//! one must contain each `--expect` text (or be empty with
//! `--expect-empty`), and every later one must equal it byte for byte.
//! Prints one JSON line: queries/s of checked replies, latency p50 and p99 of
//! a whole query (connect to close) in microseconds, errors and mismatches.

use rks_bench::{fail, Args, Deadline, Latencies, Report};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: fingerload HOST:PORT [--query Q] [--conc N] [--secs S] [--expect TEXT]... [--expect-empty]";
/// Limit on one query; past it the query counts as an error.
const QUERY_TIMEOUT: Duration = Duration::from_secs(10);

/// What a reply is checked against.
struct Checker {
    expect: Vec<Vec<u8>>,
    expect_empty: bool,
    /// The first reply that passed the checks.
    reference: Mutex<Option<Vec<u8>>>,
}

impl Checker {
    fn accepts(&self, reply: &[u8]) -> bool {
        let mut reference = self.reference.lock().unwrap();
        if let Some(first) = &*reference {
            return first == reply;
        }
        let ok = if self.expect_empty {
            reply.is_empty()
        } else {
            !reply.is_empty()
                && self
                    .expect
                    .iter()
                    .all(|e| reply.windows(e.len()).any(|w| w == e))
        };
        if ok {
            *reference = Some(reply.to_vec());
        }
        ok
    }
}

#[derive(Default)]
struct Tally {
    ok: u64,
    errors: u64,
    mismatches: u64,
    lat: Latencies,
}

fn query(addr: &SocketAddr, request: &[u8], reply: &mut Vec<u8>) -> std::io::Result<()> {
    let mut stream = TcpStream::connect_timeout(addr, QUERY_TIMEOUT)?;
    stream.set_read_timeout(Some(QUERY_TIMEOUT))?;
    stream.set_write_timeout(Some(QUERY_TIMEOUT))?;
    stream.write_all(request)?;
    reply.clear();
    stream.read_to_end(reply)?;
    Ok(())
}

fn main() {
    let args = Args::parse(&["expect-empty"]);
    let addr: SocketAddr = args
        .positional(0, USAGE)
        .parse()
        .unwrap_or_else(|_| fail(USAGE));
    let request = format!("{}\r\n", args.all("query").last().copied().unwrap_or("")).into_bytes();
    let conc = args.number("conc", 1usize).max(1);
    let checker = Checker {
        expect: args
            .all("expect")
            .iter()
            .map(|e| e.as_bytes().to_vec())
            .collect(),
        expect_empty: args.flag("expect-empty"),
        reference: Mutex::new(None),
    };
    let deadline = Deadline::after(args.number("secs", 3.0));
    let start = Instant::now();
    let tallies: Vec<Tally> = thread::scope(|s| {
        let workers: Vec<_> = (0..conc)
            .map(|_| {
                s.spawn(|| {
                    let mut tally = Tally::default();
                    let mut reply = Vec::new();
                    while !deadline.passed() {
                        let begin = Instant::now();
                        match query(&addr, &request, &mut reply) {
                            Err(_) => tally.errors += 1,
                            Ok(()) if checker.accepts(&reply) => {
                                tally.lat.record(begin);
                                tally.ok += 1;
                            }
                            Ok(()) => {
                                if tally.mismatches == 0 {
                                    let shown = String::from_utf8_lossy(&reply);
                                    eprintln!("fingerload: unexpected reply: {shown:?}");
                                }
                                tally.mismatches += 1;
                            }
                        }
                    }
                    tally
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let secs = start.elapsed().as_secs_f64();
    let mut total = Tally::default();
    for t in tallies {
        total.ok += t.ok;
        total.errors += t.errors;
        total.mismatches += t.mismatches;
        total.lat.merge(t.lat);
    }
    let reply_bytes = checker
        .reference
        .lock()
        .unwrap()
        .as_ref()
        .map_or(0, Vec::len);
    Report::default()
        .num("qps", total.ok as f64 / secs)
        .num("p50_us", total.lat.percentile(50.0))
        .num("p99_us", total.lat.percentile(99.0))
        .int("queries", total.ok)
        .int("errors", total.errors)
        .int("mismatches", total.mismatches)
        .int("reply_bytes", reply_bytes as u64)
        .int("conc", conc as u64)
        .print();
}
