// SPDX-License-Identifier: GPL-2.0

//! `netload fingerfuzz ADDR:PORT --send Q --expect E [--secs S]`: random
//! finger queries for S seconds (default 20): random lengths around the
//! 512-byte limit, bytes from letters, `/W`, `@`, tabs, CR, LF, NUL,
//! escapes, DEL, UTF-8 and bytes that are not, sent whole or a byte at a
//! time, and now and then a hang-up that resets the connection. Every
//! reply must be free of control characters other than tab, CR and LF
//! (plans and names are filtered; queries are never echoed raw). The
//! first connection, every 16th after it and one after the last send the
//! good query Q, whose reply must hold E.

use crate::fuzz::Rng;
use crate::{connect, request, Options};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// What random queries are made of.
const PIECES: [&[u8]; 16] = [
    b"alice",
    b"bob",
    b"x",
    b"/W",
    b"/W ",
    b" ",
    b"@",
    b"@host",
    b"\t",
    b"\r",
    b"\n",
    b"\r\n",
    b"\0",
    b"\x1b[31m",
    b"\x7f\xff",
    "\u{e9}\u{202e}".as_bytes(),
];

fn query(rng: &mut Rng) -> Vec<u8> {
    let want = *rng.pick(&[0, 1, 8, 60, 500, 511, 512, 513, 2000]);
    let mut q = Vec::new();
    while q.len() < want {
        if rng.chance(10) {
            q.push(rng.next() as u8);
        } else {
            let piece = *rng.pick(&PIECES);
            q.extend_from_slice(piece);
        }
    }
    q.truncate(want);
    if rng.chance(80) {
        q.extend_from_slice(if rng.chance(50) { b"\r\n" } else { b"\n" });
    }
    q
}

/// One random query; the reply (empty after a reset of ours).
fn fuzz_one(o: &Options, rng: &mut Rng) -> Result<Vec<u8>, String> {
    let mut s = connect(o).map_err(|e| format!("connect: {e}"))?;
    let q = query(rng);
    if rng.chance(20) {
        s.set_nodelay(true).map_err(|e| e.to_string())?;
        for b in &q {
            if s.write_all(&[*b]).is_err() {
                break;
            }
        }
    } else {
        // The server may have closed already (a query too long).
        let _ = s.write_all(&q);
    }
    if rng.chance(10) {
        // Closing with the reply unread resets the connection.
        std::thread::sleep(Duration::from_millis(rng.below(20)));
        return Ok(Vec::new());
    }
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut reply = Vec::new();
    match s.read_to_end(&mut reply) {
        Ok(_) => Ok(reply),
        // A reset by the server ends a query it refused mid-way.
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => Ok(reply),
        Err(e) => Err(format!("read: {e}")),
    }
}

pub fn run(o: &Options) -> bool {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    let mut rng = Rng::new(seed);
    let deadline = Instant::now() + Duration::from_secs(o.secs);
    let (mut queries, mut good, mut problems) = (0u64, 0u64, Vec::new());
    while Instant::now() < deadline && problems.len() < 5 {
        queries += 1;
        if queries % 16 == 1 {
            good_query(o, &mut good, &mut problems);
            continue;
        }
        match fuzz_one(o, &mut rng) {
            Ok(reply) => {
                if let Some(bad) = reply
                    .iter()
                    .find(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n')) || b == 0x7f)
                {
                    problems.push(format!(
                        "byte {bad:#04x} in the reply {:?}",
                        String::from_utf8_lossy(&reply)
                    ));
                }
            }
            Err(e) => problems.push(e),
        }
    }
    // The server still serves once the fuzzing ends.
    good_query(o, &mut good, &mut problems);
    println!(
        "fingerfuzz: seed {seed}, {queries} connections in {} s, {good} good queries served, \
         problems: {problems:?}",
        o.secs
    );
    problems.is_empty() && good > 0
}

/// Sends the good query, counting it served or noting the problem.
fn good_query(o: &Options, good: &mut u64, problems: &mut Vec<String>) {
    match request(o) {
        Ok(()) => *good += 1,
        Err(e) => problems.push(format!("the good query: {e}")),
    }
}
