// SPDX-License-Identifier: GPL-2.0

//! `netload p9` scenarios of clients that try to hold the server hostage:
//! Tflushes that name each other, a client that stops reading its replies,
//! and one address opening every connection it can. Each checks that the
//! server gets out of it by itself, and what it held meanwhile (from the
//! server's debugfs counters and clients files).

use crate::mktree::expected;
use crate::p9::Msg;
use crate::p9::{tflush, tread, Conn, ConnError, RREAD_HEADER, TFLUSH, TWRITE};
use crate::scenarios::{clone_root, session, verdict, Checks, Options};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown};
use std::thread;
use std::time::{Duration, Instant};

/// The server's counters, where the guest has them.
const COUNTERS: &str = "/sys/kernel/debug/rust_9p/counters";

/// Counter `name` of the server, if readable.
pub fn counter(name: &str) -> Option<i64> {
    let text = std::fs::read_to_string(COUNTERS).ok()?;
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(' ')?;
        (key == name).then(|| value.trim().parse().ok()).flatten()
    })
}

/// A connection's budget, in msizes of the server (`BUDGET_MSIZES`), each
/// with `SMALL_REPLY` more (a request's frame beside its reply).
const BUDGET_MSIZES: i64 = 4;
const SMALL_REPLY: i64 = 256;
/// Twrite's header: size[4] type[1] tag[2] fid[4] offset[8] count[4].
const TWRITE_HEADER: u32 = 23;

/// The server's open connections, one line each.
const CLIENTS: &str = "/sys/kernel/debug/rust_9p/clients";

/// Field `name` of the clients file's line for our connection from local
/// port `port` (`127.0.0.1:PORT uids 0 fids 2 ...`), if it is listed.
pub fn client_field(port: u16, name: &str) -> Option<i64> {
    let text = std::fs::read_to_string(CLIENTS).ok()?;
    let ours = format!("127.0.0.1:{port} ");
    let line = text.lines().find(|line| line.starts_with(&ours))?;
    let mut words = line.split(' ');
    while let Some(word) = words.next() {
        if word == name {
            return words.next()?.parse().ok();
        }
    }
    None
}

/// Tflush pairs that name each other (tag A flushes B, B flushes A), all
/// sent at once, more of them than a connection may have in flight: each
/// must be answered, and the connection must go on serving.
pub fn flushcycle(o: &Options, c: &mut Checks) -> Result<(), String> {
    const PAIRS: u16 = 40;
    let (mut conn, _) = session(o)?;
    conn.open(0, 1, "files/size-4096", 0)?;
    let mut batch = Vec::new();
    for pair in 0..PAIRS {
        let (a, b) = (10 + 2 * pair, 11 + 2 * pair);
        batch.extend(tflush(a, b).bytes());
        batch.extend(tflush(b, a).bytes());
    }
    conn.send(&batch)?;
    let mut answered = 0;
    let outcome = loop {
        if answered == 2 * PAIRS {
            break Ok(format!("{answered} Rflush"));
        }
        match conn.recv() {
            Ok(reply) if reply.kind == TFLUSH + 1 => answered += 1,
            Ok(reply) => break Err(format!("reply type {} to a Tflush", reply.kind)),
            Err(e) => break Err(format!("after {answered} Rflush: {e}")),
        }
    };
    c.check(
        &format!("{PAIRS} pairs of Tflushes naming each other"),
        outcome,
    );
    let data = conn.read(1, 0, 4096)?;
    c.check(
        "the same connection reads on",
        verdict(
            data == expected("size-4096", 0, 4096),
            format!("{} bytes", data.len()),
        ),
    );
    Ok(())
}

/// A client pipelines large Treads and never reads a reply. The server
/// must keep what it queues for it within the connection's budget, reset
/// the connection once its write timeout passes, and give everything back.
pub fn noread(o: &Options, c: &mut Checks) -> Result<(), String> {
    let Some(write_timeout) = o.write_timeout else {
        c.check(
            "needs --write-timeout",
            Err("the server's write_timeout, in seconds".into()),
        );
        return Ok(());
    };
    let budget = o.budget.unwrap_or(u64::MAX) as i64;
    let timeouts_before = counter("write_timeouts").unwrap_or(0);
    let queued_before = counter("reply_bytes_queued").unwrap_or(0);
    let mut conn = Conn::connect(&o.addr, o.timeout)?;
    // The server's largest msize: the most a reply can hold.
    let (msize, _) = conn.version(1 << 30, "9P2000.L")?;
    conn.msize = msize;
    conn.call_ok(crate::p9::tattach(1, 0, &o.aname))?;
    conn.open(0, 1, "files/size-1048577", 0)?;
    let count = msize - RREAD_HEADER;
    let mut writer = conn.writer()?;
    let port = writer.local_addr().map_err(|e| e.to_string())?.port();
    let listed = client_field(port, "fids");
    c.check(
        "the clients file lists the connection with its fids",
        verdict(listed == Some(2), format!("fids {listed:?}")),
    );
    // Twrites of an msize each (to a fid not open for writing: the server
    // answers EBADF, once it gets to them).
    let data = vec![0x5a; (msize - TWRITE_HEADER) as usize];
    let sender = thread::spawn(move || {
        // Far more than every buffer on the way holds: the server ends up
        // with replies it cannot send, and requests it must not start.
        for round in 0..64u16 {
            let mut batch = Vec::new();
            for i in 0..32u16 {
                let tag = 1 + (round * 32 + i) % 60000;
                if i % 4 == 3 {
                    let write = Msg::new(TWRITE, tag).u32(1).u64(0);
                    batch.extend(write.u32(data.len() as u32).raw(&data).bytes());
                } else {
                    batch.extend(tread(tag, 1, 0, count).bytes());
                }
            }
            if writer.write_all(&batch).is_err() {
                break;
            }
        }
    });
    let start = Instant::now();
    let limit = Duration::from_secs(write_timeout + 15);
    let mut most_queued = 0;
    let mut most_own = 0;
    let mut most_in_flight = 0;
    let reset = loop {
        most_queued = most_queued.max(counter("reply_bytes_queued").unwrap_or(0) - queued_before);
        most_own = most_own.max(client_field(port, "queued_bytes").unwrap_or(0));
        most_in_flight = most_in_flight.max(client_field(port, "in_flight").unwrap_or(0));
        if counter("write_timeouts").unwrap_or(0) > timeouts_before {
            break true;
        }
        if start.elapsed() > limit {
            break false;
        }
        thread::sleep(Duration::from_millis(50));
    };
    let took = start.elapsed().as_secs_f64();
    c.check(
        "the server resets a client that stops reading",
        verdict(
            reset,
            format!("after {took:.1} s (write_timeout {write_timeout} s)"),
        ),
    );
    c.check(
        "what it queued meanwhile stays within the budget",
        verdict(
            most_queued <= budget,
            format!("at most {most_queued} bytes queued, budget {budget}"),
        ),
    );
    let own_budget = BUDGET_MSIZES * (i64::from(msize) + SMALL_REPLY);
    c.check(
        "the clients file shows its queue, within its own budget",
        verdict(
            most_own > 0 && most_own <= own_budget,
            format!("at most {most_own} bytes, budget {own_budget}"),
        ),
    );
    // Each of its requests reserves an msize or more of the budget (its
    // frame and its reply) before it starts (the first check above shows
    // that the clients file is read).
    c.check(
        "requests of an msize wait for the budget before they start",
        verdict(
            most_in_flight <= BUDGET_MSIZES,
            format!("at most {most_in_flight} in flight, budget {BUDGET_MSIZES} msizes"),
        ),
    );
    // Whatever reached our buffers, then the end: no hang.
    let mut stream = conn.writer()?;
    let mut sink = vec![0u8; 1 << 16];
    let ended = loop {
        match stream.read(&mut sink) {
            Ok(0) => break Ok("EOF".to_string()),
            Ok(_) => continue,
            Err(e) => match ConnError::from(e) {
                ConnError::Closed(how) => break Ok(how),
                other => break Err(other.to_string()),
            },
        }
    };
    c.check("the connection then ends", ended);
    let _ = stream.shutdown(Shutdown::Both);
    let _ = sender.join();
    let settled = (0..100).any(|_| {
        let back = counter("reply_bytes_queued").unwrap_or(0) <= queued_before
            && client_field(port, "fids").is_none();
        if !back {
            thread::sleep(Duration::from_millis(100));
        }
        back
    });
    c.check(
        "every queued reply was released, and the connection unlisted",
        verdict(
            settled,
            format!(
                "reply_bytes_queued {:?}, listed {}",
                counter("reply_bytes_queued"),
                client_field(port, "fids").is_some()
            ),
        ),
    );
    Ok(())
}

/// Opens connections from one address until the server refuses one: it
/// must do so after exactly `--max-per-peer`, while another address is
/// still served, and again once one of the first is closed.
pub fn peerlimit(o: &Options, c: &mut Checks) -> Result<(), String> {
    let Some(max) = o.max_per_peer else {
        c.check(
            "needs --max-per-peer",
            Err("the server's max_per_peer".into()),
        );
        return Ok(());
    };
    // Addresses no other client of the selftests uses.
    let (flooder, other) = (Ipv4Addr::new(127, 0, 0, 3), Ipv4Addr::new(127, 0, 0, 4));
    let refused_before = counter("connections_refused_peer").unwrap_or(0);
    let open = |from: Ipv4Addr| -> Result<Conn, ConnError> {
        let mut conn = Conn::connect_from(&o.addr, from, o.timeout)?;
        conn.call(crate::p9::tversion(o.msize, "9P2000.L"))?;
        Ok(conn)
    };
    let mut held = Vec::new();
    let refused_at = loop {
        if held.len() > max as usize + 1 {
            break None;
        }
        match open(flooder) {
            Ok(conn) => held.push(conn),
            Err(ConnError::Closed(_)) => break Some(held.len()),
            Err(e) => return Err(format!("connection {} from {flooder}: {e}", held.len() + 1)),
        }
    };
    c.check(
        &format!("{flooder} gets {max} connections, no more"),
        verdict(
            refused_at == Some(max as usize),
            format!("refused after {refused_at:?}"),
        ),
    );
    c.check(
        &format!("{other} is served meanwhile"),
        open(other)
            .map(|_| "Rversion".to_string())
            .map_err(|e| e.to_string()),
    );
    held.pop();
    // The server counts the closed one out once its reader sees the end.
    let again = (0..50).find_map(|_| match open(flooder) {
        Ok(conn) => Some(conn),
        Err(_) => {
            thread::sleep(Duration::from_millis(100));
            None
        }
    });
    c.check(
        &format!("{flooder} gets one again after closing one"),
        verdict(again.is_some(), String::new()),
    );
    let refused = counter("connections_refused_peer").unwrap_or(0) - refused_before;
    c.check(
        "refusals are counted",
        verdict(refused >= 1, format!("connections_refused_peer +{refused}")),
    );
    Ok(())
}

/// Connections each within their own limits must not together hold more
/// than the server-wide budgets (--max-fids-total, --max-open-files,
/// --max-xattr-bytes): past them, ENFILE (fids, open files) and ENOMEM
/// (extended attribute values held in fids); closing gives them back.
pub fn budgets(o: &Options, c: &mut Checks) -> Result<(), String> {
    const ENFILE: u32 = 23;
    const ENOMEM: u32 = 12;
    let (Some(fids), Some(opens), Some(xattr)) =
        (o.max_fids_total, o.max_open_files, o.max_xattr_bytes)
    else {
        c.check(
            "needs --max-fids-total, --max-open-files, --max-xattr-bytes",
            Err(String::new()),
        );
        return Ok(());
    };
    let before = counter("fids_open").unwrap_or(0);
    // Two connections clone the root until refused.
    let (mut a, _) = session(o)?;
    let (mut b, _) = session(o)?;
    let (got_a, errs_a) = clone_root(&mut a, fids)?;
    let (got_b, errs_b) = clone_root(&mut b, fids)?;
    let held = counter("fids_open").unwrap_or(0);
    c.check(
        "two connections' fids stop at the server's budget, with ENFILE",
        verdict(
            held <= fids as i64 && errs_b.contains_key(&ENFILE),
            format!(
                "{got_a} + {got_b} cloned, {held} fids open, refusals {errs_a:?} then {errs_b:?}"
            ),
        ),
    );
    drop(a);
    drop(b);
    let released = (0..100).any(|_| {
        let now = counter("fids_open").unwrap_or(i64::MAX);
        if now > before {
            thread::sleep(Duration::from_millis(100));
        }
        now <= before
    });
    c.check(
        "and closing gives them back",
        verdict(released, format!("fids_open {:?}", counter("fids_open"))),
    );

    // Open files: one connection opens a file on fid after fid.
    let (mut conn, _) = session(o)?;
    let mut opened = 0;
    let refusal = loop {
        let fid = 10 + opened;
        if opened > opens + 5 {
            break None;
        }
        conn.walk(0, fid, &["files", "size-4096"])?;
        let reply = conn.call(crate::p9::tlopen(1, fid, 0))?;
        match reply.errno() {
            None => opened += 1,
            errno => break errno,
        }
    };
    c.check(
        "open files stop at the server's budget, with ENFILE",
        verdict(
            refusal == Some(ENFILE) && opened <= opens,
            format!(
                "{opened} opened, then {refusal:?}; open_files {:?}",
                counter("open_files")
            ),
        ),
    );
    drop(conn);

    // Extended attribute values held in fids: user.long of deep is 3000 bytes.
    let (mut conn, _) = session(o)?;
    conn.walk(0, 1, &["deep"])?;
    let mut held = 0;
    let refusal = loop {
        if held * 3000 > xattr as usize + 3000 {
            break None;
        }
        let walk = Msg::new(crate::p9::TXATTRWALK, 1)
            .u32(1)
            .u32(100 + held as u32)
            .str("user.long");
        let reply = conn.call(walk)?;
        match reply.errno() {
            None => held += 1,
            errno => break errno,
        }
    };
    c.check(
        "attribute values held in fids stop at the server's budget, with ENOMEM",
        verdict(
            refusal == Some(ENOMEM) && held * 3000 <= xattr as usize,
            format!(
                "{held} values held, then {refusal:?}; xattr_bytes {:?}",
                counter("xattr_bytes")
            ),
        ),
    );
    drop(conn);
    let zero = (0..100).any(|_| {
        let done = counter("open_files") == Some(0) && counter("xattr_bytes") == Some(0);
        if !done {
            thread::sleep(Duration::from_millis(100));
        }
        done
    });
    c.check(
        "closing gives open files and values back",
        verdict(
            zero,
            format!(
                "open_files {:?} xattr_bytes {:?}",
                counter("open_files"),
                counter("xattr_bytes")
            ),
        ),
    );
    lock_records(o, c)
}

/// The lock records one connection's owners may hold (rust_9p's
/// MAX_LOCK_RECORDS).
const MAX_LOCK_RECORDS: u64 = 4096;

/// Sends `count` Tlocks of one byte each, every other byte from `first`,
/// 32 at a time; returns the statuses and errnos seen, by count.
fn lock_bytes(conn: &mut Conn, fid: u32, first: u64, count: u64) -> Result<(u64, u64), String> {
    let (mut granted, mut refused) = (0, 0);
    let mut next = 0;
    while next < count {
        let batch = (count - next).min(32);
        for i in 0..batch {
            let lock = Msg::new(crate::p9::TLOCK, 1 + i as u16)
                .u32(fid)
                .u8(0)
                .u32(0)
                .u64(first + 2 * (next + i))
                .u64(1)
                .u32(7)
                .str("netload");
            conn.send(&lock.bytes()).map_err(|e| e.to_string())?;
        }
        for _ in 0..batch {
            let mut reply = conn.recv().map_err(|e| e.to_string())?;
            if reply.errno().is_some() {
                return Err(format!("Tlock: {}", crate::p9::describe(&reply)));
            }
            match reply.bytes(1)?[0] {
                0 => granted += 1,
                _ => refused += 1,
            }
        }
        next += batch;
    }
    Ok((granted, refused))
}

/// One connection's lock records stop at its cap (Tlock answers ERROR),
/// and clunking the fid gives them back.
fn lock_records(o: &Options, c: &mut Checks) -> Result<(), String> {
    let (mut conn, _) = session(o)?;
    conn.open(0, 1, "files/size-4096", 0)?;
    let (granted, refused) = lock_bytes(&mut conn, 1, 0, MAX_LOCK_RECORDS + 64)?;
    c.check(
        "one connection's locked ranges stop at its cap, with ERROR",
        verdict(
            (MAX_LOCK_RECORDS - 64..=MAX_LOCK_RECORDS).contains(&granted) && refused >= 64,
            format!("{granted} ranges locked, {refused} refused"),
        ),
    );
    conn.clunk(1)?;
    conn.open(0, 2, "files/size-4096", 0)?;
    let (again, refused) = lock_bytes(&mut conn, 2, 1, 64)?;
    c.check(
        "and clunking the fid gives them back",
        verdict(
            again == 64 && refused == 0,
            format!("{again} locked, {refused} refused"),
        ),
    );
    Ok(())
}
