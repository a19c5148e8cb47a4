// SPDX-License-Identifier: GPL-2.0

//! `netload p9 ADDR:PORT xattr`: the rules of extended-attribute writes
//! (Txattrcreate, Twrite, Tclunk), each checked on a connection of its
//! own, on a writable export (attached with --aname, as for `writes`):
//! Txattrcreate's refusals (flags, size, name, an open fid); values
//! written in order only and applied at Tclunk, whose Rlerror is
//! setxattr's; XATTR_CREATE and XATTR_REPLACE; size 0 removes; a 64 KiB
//! value at msize 8192 in several Twrites, read back with Txattrwalk and
//! Treads; short and out-of-order writes; Tread and Tlopen of a pending
//! fid; the per-connection cap on pending value bytes; pending values
//! dropped on Tversion and on disconnect; trusted.* and
//! security.capability refused (EPERM); POSIX ACLs in their xattr form.
//! Works in a directory `xattrs` it makes at the root, a file per rule.
//!
//! `netload p9 ADDR:PORT xattrro`: on a read-only export Txattrcreate
//! gets EROFS.

use crate::hostile::{client_field, counter};
use crate::mktree::expected;
use crate::p9::{
    describe, describe_errno, tclunk, tlopen, tread, tversion, Conn, Msg, NO_NAMES, RREAD_HEADER,
    TXATTRCREATE, TXATTRWALK,
};
use crate::scenarios::{verdict, Checks, Options};
use crate::writes::{expect, lcreate, mkdir, unlinkat, write};
use std::thread;
use std::time::Duration;

const ENOMEM: u32 = 12;
const EINVAL: u32 = 22;
const E2BIG: u32 = 7;
const EEXIST: u32 = 17;
const EPERM: u32 = 1;
const ENODATA: u32 = 61;
const EROFS: u32 = 30;
const EOPNOTSUPP: u32 = 95;

const XATTR_CREATE: u32 = 1;
const XATTR_REPLACE: u32 = 2;
const O_RDWR: u32 = 2;
const O_CREAT: u32 = 0o100;
/// Twrite's header: size[4] type[1] tag[2] fid[4] offset[8] count[4].
const TWRITE_HEADER: u32 = 23;
/// XATTR_SIZE_MAX, and the pending bytes one connection may hold (16 of
/// them).
const MAX_VALUE: usize = 65536;
const PENDING_CAP: usize = 1 << 20;

/// The fid every rule's file is walked to (never opened), and the fids
/// cloned from it for each value.
const FILE: u32 = 1;
const VALUE: u32 = 10;
const READER: u32 = 11;

pub fn xattrcreate(fid: u32, name: &[u8], size: u64, flags: u32) -> Msg {
    Msg::new(TXATTRCREATE, 1)
        .u32(fid)
        .str(name)
        .u64(size)
        .u32(flags)
}

fn xattrwalk(fid: u32, newfid: u32, name: &[u8]) -> Msg {
    Msg::new(TXATTRWALK, 1).u32(fid).u32(newfid).str(name)
}

/// A session at `msize` whose fid `FILE` is a new, empty `xattrs/NAME`
/// (a directory with `dir`), walked to and not open.
fn fresh(o: &Options, msize: u32, name: &str, dir: bool) -> Result<Conn, String> {
    let mut conn = Conn::connect(&o.addr, o.timeout)?;
    conn.session(msize, &o.aname)?;
    let _ = conn.call(mkdir(1, 0, b"xattrs", 0o755));
    conn.walk(0, 2, &["xattrs"])?;
    let _ = conn.call(unlinkat(2, name.as_bytes(), 0));
    let _ = conn.call(unlinkat(2, name.as_bytes(), 0x200));
    if dir {
        conn.call_ok(mkdir(1, 2, name.as_bytes(), 0o755))?;
    } else {
        // Tlcreate turns fid 2 into the open file.
        conn.call_ok(lcreate(2, name.as_bytes(), O_RDWR | O_CREAT, 0o644))?;
    }
    conn.clunk(2)?;
    let walked = conn.walk(0, FILE, &["xattrs", name])?;
    if walked.len() != 2 {
        return Err(format!("walk to xattrs/{name} stopped"));
    }
    Ok(conn)
}

/// Where setting a value stopped: the first message answered with an
/// Rlerror, and its errno, or `Tclunk` and 0 when it was set.
struct Set {
    stage: &'static str,
    errno: u32,
}

impl Set {
    fn describe(&self) -> String {
        match self.errno {
            0 => "set".to_string(),
            e => format!("{} Rlerror {}", self.stage, describe_errno(e)),
        }
    }

    /// Whether it ended at the Tclunk with `errno` (0: set).
    fn clunk_says(&self, errno: u32) -> bool {
        self.stage == "Tclunk" && self.errno == errno
    }
}

/// Sets `name` of fid `FILE` to `value` with `flags` through a clone of
/// it: Txattrcreate of the value's size, Twrites of at most what msize
/// allows, each of which must say it wrote all it was given, and the
/// Tclunk that applies it.
fn set(conn: &mut Conn, name: &[u8], value: &[u8], flags: u32) -> Result<Set, String> {
    conn.walk(FILE, VALUE, &NO_NAMES)?;
    let reply = conn.call(xattrcreate(VALUE, name, value.len() as u64, flags))?;
    if let Some(errno) = reply.errno() {
        let _ = conn.call(tclunk(1, VALUE));
        return Ok(Set {
            stage: "Txattrcreate",
            errno,
        });
    }
    let chunk = (conn.msize - TWRITE_HEADER) as usize;
    for (i, part) in value.chunks(chunk).enumerate() {
        let mut reply = conn.call(write(VALUE, (i * chunk) as u64, part))?;
        if let Some(errno) = reply.errno() {
            let _ = conn.call(tclunk(1, VALUE));
            return Ok(Set {
                stage: "Twrite",
                errno,
            });
        }
        let count = reply.u32()?;
        if count as usize != part.len() {
            return Err(format!("Rwrite says {count} of {}", part.len()));
        }
    }
    let reply = conn.call(tclunk(1, VALUE))?;
    Ok(Set {
        stage: "Tclunk",
        errno: reply.errno().unwrap_or(0),
    })
}

/// The value of `name` of fid `fid` (Txattrwalk, then Treads of what
/// msize allows), or the Txattrwalk's errno.
fn get(conn: &mut Conn, fid: u32, name: &[u8]) -> Result<Result<Vec<u8>, u32>, String> {
    let mut reply = conn.call(xattrwalk(fid, READER, name))?;
    if let Some(errno) = reply.errno() {
        return Ok(Err(errno));
    }
    let size = reply.u64()? as usize;
    let mut value = Vec::new();
    while value.len() < size {
        let count = conn.msize - RREAD_HEADER;
        let data = conn.read(READER, value.len() as u64, count)?;
        if data.is_empty() {
            break;
        }
        value.extend(data);
    }
    conn.clunk(READER)?;
    if value.len() != size {
        return Err(format!(
            "Txattrwalk said {size} bytes, Treads gave {}",
            value.len()
        ));
    }
    Ok(Ok(value))
}

/// Describes what `get` found.
fn found(value: &Result<Vec<u8>, u32>) -> String {
    match value {
        Ok(v) if v.len() <= 32 => format!("{:?}", String::from_utf8_lossy(v)),
        Ok(v) => format!("{} bytes", v.len()),
        Err(errno) => format!("Txattrwalk Rlerror {}", describe_errno(*errno)),
    }
}

/// Checks that `name` of fid `FILE` is `want` (or absent, for `None`).
fn holds(conn: &mut Conn, name: &[u8], want: Option<&[u8]>) -> Result<String, String> {
    let value = get(conn, FILE, name)?;
    let ok = match (want, &value) {
        (Some(want), Ok(v)) => v == want,
        (None, Err(errno)) => *errno == ENODATA,
        _ => false,
    };
    let detail = found(&value);
    verdict(ok, detail)
}

/// Sets `name`, checks the outcome, then what the file holds.
fn set_then(
    conn: &mut Conn,
    name: &[u8],
    value: &[u8],
    flags: u32,
    clunk: u32,
    after: Option<&[u8]>,
) -> Result<String, String> {
    let outcome = set(conn, name, value, flags)?;
    let held = holds(conn, name, after);
    let detail = format!(
        "{}, want {}; then {}",
        outcome.describe(),
        if clunk == 0 {
            "set".to_string()
        } else {
            format!("Tclunk Rlerror {}", describe_errno(clunk))
        },
        match &held {
            Ok(d) | Err(d) => d.clone(),
        }
    );
    verdict(outcome.clunk_says(clunk) && held.is_ok(), detail)
}

/// An ACL in its xattr form (version 2, then tag, perm, id per entry).
fn acl(entries: &[(u16, u16, u32)]) -> Vec<u8> {
    let mut bytes = 2u32.to_le_bytes().to_vec();
    for &(tag, perm, id) in entries {
        bytes.extend(tag.to_le_bytes());
        bytes.extend(perm.to_le_bytes());
        bytes.extend(id.to_le_bytes());
    }
    bytes
}

const NO_ID: u32 = u32::MAX;
const USER_OBJ: u16 = 1;
const USER: u16 = 2;
const GROUP_OBJ: u16 = 4;
const MASK: u16 = 0x10;
const OTHER: u16 = 0x20;

/// One rule: its name, and the check, given a fresh connection.
type Rule = (
    &'static str,
    fn(&Options, &mut Checks, &str) -> Result<(), String>,
);

const RULES: [Rule; 22] = [
    ("flags", flags),
    ("size", size),
    ("open", open_fid),
    ("names", names),
    ("set", set_get),
    ("create", create),
    ("replace", replace),
    ("remove", remove),
    ("big", big),
    ("short", short),
    ("order", order),
    ("pending", pending),
    ("cap", cap),
    ("version", version),
    ("disconnect", disconnect),
    ("trusted", trusted),
    ("capability", capability),
    ("acl", acl_access),
    ("badacl", bad_acl),
    ("noacl", no_acl),
    ("dacl", acl_default),
    ("rmacl", acl_remove),
];

/// The scenario: every rule, each on its connection and its file.
pub fn xattr(o: &Options, c: &mut Checks) -> Result<(), String> {
    for (name, rule) in RULES {
        if let Err(why) = rule(o, c, name) {
            c.check(&format!("{name}: could not go on"), Err(why));
        }
    }
    Ok(())
}

fn flags(o: &Options, c: &mut Checks, name: &str) -> Result<(), String> {
    let conn = &mut fresh(o, o.msize, name, false)?;
    expect(
        conn,
        c,
        "Txattrcreate with flags 4: EINVAL",
        xattrcreate(FILE, b"user.f", 1, 4),
        EINVAL,
    );
    Ok(())
}

fn size(o: &Options, c: &mut Checks, name: &str) -> Result<(), String> {
    for (size, what) in [(MAX_VALUE as u64 + 1, "65537"), (u64::MAX, "2^64 - 1")] {
        let conn = &mut fresh(o, o.msize, name, false)?;
        expect(
            conn,
            c,
            &format!("Txattrcreate of {what} bytes: E2BIG"),
            xattrcreate(FILE, b"user.s", size, 0),
            E2BIG,
        );
    }
    Ok(())
}

fn open_fid(o: &Options, c: &mut Checks, name: &str) -> Result<(), String> {
    let conn = &mut fresh(o, o.msize, name, false)?;
    conn.call_ok(tlopen(1, FILE, O_RDWR))?;
    expect(
        conn,
        c,
        "Txattrcreate on an open fid: EINVAL",
        xattrcreate(FILE, b"user.o", 1, 0),
        EINVAL,
    );
    Ok(())
}

fn names(o: &Options, c: &mut Checks, name: &str) -> Result<(), String> {
    let long = [b"user.".as_slice(), &[b'n'; 251]].concat();
    let at_most = [b"user.".as_slice(), &[b'n'; 250]].concat();
    for (xname, what) in [
        (&b""[..], "an empty name"),
        (&long[..], "a name of 256 bytes"),
        (&b"user.a\0b"[..], "a name with a NUL"),
    ] {
        let conn = &mut fresh(o, o.msize, name, false)?;
        expect(
            conn,
            c,
            &format!("Txattrcreate of {what}: EINVAL"),
            xattrcreate(FILE, xname, 1, 0),
            EINVAL,
        );
    }
    let conn = &mut fresh(o, o.msize, name, false)?;
    let outcome = set_then(conn, &at_most, b"v", 0, 0, Some(b"v"));
    c.check("a name of 255 bytes is set", outcome);
    Ok(())
}

fn set_get(o: &Options, c: &mut Checks, name: &str) -> Result<(), String> {
    let conn = &mut fresh(o, o.msize, name, false)?;
    let outcome = set_then(conn, b"user.colour", b"blue", 0, 0, Some(b"blue"));
    c.check(
        "set user.colour, Tclunk applies it, Txattrwalk reads it",
        outcome,
    );
    let listed = get(conn, FILE, b"")?;
    c.check(
        "and the name list has it",
        verdict(
            listed.as_ref().is_ok_and(|l| l == b"user.colour\0"),
            found(&listed),
        ),
    );
    let conn = &mut fresh(o, o.msize, name, false)?;
    set(conn, b"user.colour", b"blue", 0)?;
    let outcome = set_then(conn, b"user.colour", b"green", 0, 0, Some(b"green"));
    c.check("flags 0 replaces a value", outcome);
    Ok(())
}

fn create(o: &Options, c: &mut Checks, name: &str) -> Result<(), String> {
    let conn = &mut fresh(o, o.msize, name, false)?;
    let outcome = set_then(conn, b"user.c", b"one", XATTR_CREATE, 0, Some(b"one"));
    c.check("XATTR_CREATE of an absent name: set", outcome);
    let conn = &mut fresh(o, o.msize, name, false)?;
    set(conn, b"user.c", b"one", 0)?;
    let outcome = set_then(conn, b"user.c", b"two", XATTR_CREATE, EEXIST, Some(b"one"));
    c.check(
        "XATTR_CREATE of an existing name: EEXIST at Tclunk, value kept",
        outcome,
    );
    Ok(())
}

fn replace(o: &Options, c: &mut Checks, name: &str) -> Result<(), String> {
    let conn = &mut fresh(o, o.msize, name, false)?;
    let outcome = set_then(conn, b"user.r", b"one", XATTR_REPLACE, ENODATA, None);
    c.check(
        "XATTR_REPLACE of an absent name: ENODATA at Tclunk, still absent",
        outcome,
    );
    let conn = &mut fresh(o, o.msize, name, false)?;
    set(conn, b"user.r", b"one", 0)?;
    let outcome = set_then(conn, b"user.r", b"two", XATTR_REPLACE, 0, Some(b"two"));
    c.check("XATTR_REPLACE of an existing name: replaced", outcome);
    Ok(())
}

fn remove(o: &Options, c: &mut Checks, name: &str) -> Result<(), String> {
    let conn = &mut fresh(o, o.msize, name, false)?;
    set(conn, b"user.gone", b"here", 0)?;
    let outcome = set_then(conn, b"user.gone", b"", 0, 0, None);
    c.check("size 0 removes the attribute", outcome);
    let conn = &mut fresh(o, o.msize, name, false)?;
    let outcome = set_then(conn, b"user.gone", b"", 0, ENODATA, None);
    c.check("size 0 of an absent name: ENODATA at Tclunk", outcome);
    Ok(())
}

fn big(o: &Options, c: &mut Checks, name: &str) -> Result<(), String> {
    let conn = &mut fresh(o, 8192, name, false)?;
    let value = expected("size-65536", 0, MAX_VALUE);
    let writes = MAX_VALUE.div_ceil((conn.msize - TWRITE_HEADER) as usize);
    let outcome = set_then(conn, b"user.big", &value, 0, 0, Some(&value));
    c.check(
        &format!(
            "64 KiB at msize {} in {writes} Twrites, read back in Treads",
            conn.msize
        ),
        outcome.and_then(|d| verdict(conn.msize == 8192 && writes > 1, d)),
    );
    Ok(())
}

fn short(o: &Options, c: &mut Checks, name: &str) -> Result<(), String> {
    let conn = &mut fresh(o, o.msize, name, false)?;
    conn.walk(FILE, VALUE, &NO_NAMES)?;
    conn.call_ok(xattrcreate(VALUE, b"user.short", 10, 0))?;
    conn.call_ok(write(VALUE, 0, b"hello"))?;
    expect(
        conn,
        c,
        "5 of 10 bytes written: EINVAL at Tclunk",
        tclunk(1, VALUE),
        EINVAL,
    );
    c.check(
        "and the attribute is absent",
        holds(conn, b"user.short", None),
    );
    let again = conn.call(tclunk(1, VALUE))?;
    c.check(
        "and the fid is gone",
        verdict(again.errno().is_some(), describe(&again)),
    );
    Ok(())
}

fn order(o: &Options, c: &mut Checks, name: &str) -> Result<(), String> {
    let conn = &mut fresh(o, o.msize, name, false)?;
    conn.walk(FILE, VALUE, &NO_NAMES)?;
    conn.call_ok(xattrcreate(VALUE, b"user.order", 10, 0))?;
    for (offset, data, what) in [
        (5, &b"world"[..], "a Twrite at 5 before 0..5: EINVAL"),
        (u64::MAX - 2, b"world", "a Twrite at 2^64 - 3: EINVAL"),
    ] {
        expect(conn, c, what, write(VALUE, offset, data), EINVAL);
    }
    let wrote = expect(conn, c, "Twrite of 0..5", write(VALUE, 0, b"hello"), 0)
        .and_then(|mut r| r.u32().ok());
    c.check(
        "Rwrite says 5",
        verdict(wrote == Some(5), format!("{wrote:?}")),
    );
    for (offset, data, what) in [
        (0, &b"hello"[..], "0..5 again: EINVAL"),
        (5, b"world!", "5..11 of 10: EINVAL"),
    ] {
        expect(conn, c, what, write(VALUE, offset, data), EINVAL);
    }
    expect(conn, c, "Twrite of 5..10", write(VALUE, 5, b"world"), 0);
    expect(conn, c, "Tclunk applies it", tclunk(1, VALUE), 0);
    c.check(
        "and it holds the bytes written in order",
        holds(conn, b"user.order", Some(b"helloworld")),
    );
    Ok(())
}

fn pending(o: &Options, c: &mut Checks, name: &str) -> Result<(), String> {
    let conn = &mut fresh(o, o.msize, name, false)?;
    conn.walk(FILE, VALUE, &NO_NAMES)?;
    conn.call_ok(xattrcreate(VALUE, b"user.p", 5, 0))?;
    conn.call_ok(write(VALUE, 0, b"hello"))?;
    expect(
        conn,
        c,
        "Tread of a pending fid: EINVAL",
        tread(1, VALUE, 0, 5),
        EINVAL,
    );
    expect(
        conn,
        c,
        "Tlopen of a pending fid: EINVAL",
        tlopen(1, VALUE, 0),
        EINVAL,
    );
    expect(
        conn,
        c,
        "and its Tclunk still applies it",
        tclunk(1, VALUE),
        0,
    );
    c.check("(it holds)", holds(conn, b"user.p", Some(b"hello")));
    Ok(())
}

fn cap(o: &Options, c: &mut Checks, name: &str) -> Result<(), String> {
    let max = (PENDING_CAP / MAX_VALUE) as u32;
    let conn = &mut fresh(o, o.msize, name, false)?;
    let mut taken = 0;
    let refusal = loop {
        if taken > max {
            break None;
        }
        let fid = 100 + taken;
        conn.walk(FILE, fid, &NO_NAMES)?;
        let name = format!("user.cap{taken}");
        let reply = conn.call(xattrcreate(fid, name.as_bytes(), MAX_VALUE as u64, 0))?;
        match reply.errno() {
            None => taken += 1,
            errno => break errno,
        }
    };
    c.check(
        &format!("{max} pending values of 64 KiB, then ENOMEM"),
        verdict(
            taken == max && refusal == Some(ENOMEM),
            format!(
                "{taken} accepted, then {}",
                refusal.map_or("none refused".into(), describe_errno)
            ),
        ),
    );
    // Another connection has a cap of its own.
    let other = &mut fresh(o, o.msize, "cap2", false)?;
    expect(
        other,
        c,
        "another connection's Txattrcreate of 64 KiB meanwhile",
        xattrcreate(FILE, b"user.other", MAX_VALUE as u64, 0),
        0,
    );
    // A clunk (unwritten: EINVAL) gives its bytes back.
    let _ = conn.call(tclunk(1, 100));
    conn.walk(FILE, 200, &NO_NAMES)?;
    expect(
        conn,
        c,
        "after a Tclunk of one, a Txattrcreate of 64 KiB again",
        xattrcreate(200, b"user.again", MAX_VALUE as u64, 0),
        0,
    );
    Ok(())
}

fn version(o: &Options, c: &mut Checks, name: &str) -> Result<(), String> {
    let conn = &mut fresh(o, o.msize, name, false)?;
    conn.walk(FILE, VALUE, &NO_NAMES)?;
    conn.call_ok(xattrcreate(VALUE, b"user.v", 5, 0))?;
    conn.call_ok(write(VALUE, 0, b"hello"))?;
    let reply = conn.call(tversion(o.msize, "9P2000.L"))?;
    c.check(
        "Tversion with a whole value pending",
        verdict(reply.errno().is_none(), describe(&reply)),
    );
    conn.call_ok(crate::p9::tattach(1, 0, &o.aname))?;
    let reply = conn.call(tclunk(1, VALUE))?;
    c.check(
        "drops the pending fid",
        verdict(reply.errno().is_some(), describe(&reply)),
    );
    conn.walk(0, FILE, &["xattrs", name])?;
    c.check("and does not apply its value", holds(conn, b"user.v", None));
    Ok(())
}

fn disconnect(o: &Options, c: &mut Checks, name: &str) -> Result<(), String> {
    let mut gone = fresh(o, o.msize, name, false)?;
    let before = counter("xattr_bytes");
    gone.walk(FILE, VALUE, &NO_NAMES)?;
    gone.call_ok(xattrcreate(VALUE, b"user.d", 5, 0))?;
    gone.call_ok(write(VALUE, 0, b"hello"))?;
    let charged = counter("xattr_bytes");
    let port = gone.local_port().unwrap_or(0);
    let listed = client_field(port, "fids").is_some();
    drop(gone);
    // The server tears the connection down in its own time: wait (10 s at
    // most) until its clients file no longer lists it and the pending
    // value's bytes are back in the server's budget (when its debugfs
    // files are readable here).
    let mut waited = 0;
    let torn_down =
        || !(listed && client_field(port, "fids").is_some()) && counter("xattr_bytes") == before;
    while !torn_down() && waited < 100 {
        thread::sleep(Duration::from_millis(100));
        waited += 1;
    }
    let conn = &mut fresh_keep(o, name)?;
    let held = holds(conn, b"user.d", None);
    let how = if listed {
        format!(
            "xattr_bytes {before:?}, {charged:?} while pending, {:?} after; gone within {} ms",
            counter("xattr_bytes"),
            waited * 100
        )
    } else {
        "the server's debugfs files are not readable here".to_string()
    };
    c.check(
        "a disconnect drops a whole pending value",
        held.map(|d| format!("{d} ({how})"))
            .and_then(|d| verdict(torn_down(), d)),
    );
    Ok(())
}

/// A session whose fid `FILE` is `xattrs/NAME` as it is.
fn fresh_keep(o: &Options, name: &str) -> Result<Conn, String> {
    let mut conn = Conn::connect(&o.addr, o.timeout)?;
    conn.session(o.msize, &o.aname)?;
    conn.walk(0, FILE, &["xattrs", name])?;
    Ok(conn)
}

fn refused(conn: &mut Conn, c: &mut Checks, xname: &[u8], value: &[u8]) -> Result<(), String> {
    let outcome = set(conn, xname, value, 0)?;
    let what = format!(
        "{}: EPERM at Txattrcreate or Tclunk",
        String::from_utf8_lossy(xname)
    );
    let detail = outcome.describe();
    let ok = outcome.errno == EPERM && outcome.stage != "Twrite";
    c.check(&what, verdict(ok, detail));
    let value = get(conn, FILE, xname)?;
    c.check(
        "and it is not there",
        verdict(value.is_err(), found(&value)),
    );
    Ok(())
}

fn trusted(o: &Options, c: &mut Checks, name: &str) -> Result<(), String> {
    let conn = &mut fresh(o, o.msize, name, false)?;
    refused(conn, c, b"trusted.t", b"value")
}

fn capability(o: &Options, c: &mut Checks, name: &str) -> Result<(), String> {
    // VFS_CAP_REVISION_2, no flags, CAP_NET_RAW (13) permitted.
    let mut caps = 0x0200_0000u32.to_le_bytes().to_vec();
    for word in [1u32 << 13, 0, 0, 0] {
        caps.extend(word.to_le_bytes());
    }
    let conn = &mut fresh(o, o.msize, name, false)?;
    refused(conn, c, b"security.capability", &caps)
}

const ACCESS: &[u8] = b"system.posix_acl_access";
const DEFAULT: &[u8] = b"system.posix_acl_default";

fn acl_access(o: &Options, c: &mut Checks, name: &str) -> Result<(), String> {
    let value = acl(&[
        (USER_OBJ, 6, NO_ID),
        (USER, 6, 1000),
        (GROUP_OBJ, 4, NO_ID),
        (MASK, 6, NO_ID),
        (OTHER, 4, NO_ID),
    ]);
    let conn = &mut fresh(o, o.msize, name, false)?;
    let outcome = set_then(conn, ACCESS, &value, 0, 0, Some(&value));
    c.check(
        "system.posix_acl_access u:1000:rw: set, read back the same bytes",
        outcome,
    );
    Ok(())
}

fn bad_acl(o: &Options, c: &mut Checks, name: &str) -> Result<(), String> {
    // A named user without a mask and a version 2 header with 5 bytes of
    // no entry after it (EINVAL), and a header of another version, which
    // setxattr(2) refuses with EOPNOTSUPP too (posix_acl_from_xattr).
    let no_mask = acl(&[
        (USER_OBJ, 6, NO_ID),
        (USER, 6, 1000),
        (GROUP_OBJ, 4, NO_ID),
        (OTHER, 4, NO_ID),
    ]);
    let ragged = [acl(&[]), b"12345".to_vec()].concat();
    let version_1 = [&1u32.to_le_bytes()[..], &acl(&[(OTHER, 4, NO_ID)])[4..]].concat();
    for (value, what, errno) in [
        (no_mask, "without a mask: EINVAL", EINVAL),
        (ragged, "of a header and 5 bytes: EINVAL", EINVAL),
        (version_1, "of version 1: EOPNOTSUPP", EOPNOTSUPP),
    ] {
        let conn = &mut fresh(o, o.msize, name, false)?;
        let outcome = set_then(conn, ACCESS, &value, 0, errno, None);
        c.check(
            &format!("an access ACL {what} at Tclunk, none set"),
            outcome,
        );
    }
    Ok(())
}

fn no_acl(o: &Options, c: &mut Checks, name: &str) -> Result<(), String> {
    let conn = &mut fresh(o, o.msize, name, false)?;
    c.check(
        "Txattrwalk of the access ACL of a file without: ENODATA",
        holds(conn, ACCESS, None),
    );
    c.check(
        "and of its default ACL: ENODATA",
        holds(conn, DEFAULT, None),
    );
    Ok(())
}

fn acl_default(o: &Options, c: &mut Checks, name: &str) -> Result<(), String> {
    let value = acl(&[
        (USER_OBJ, 7, NO_ID),
        (USER, 7, 1000),
        (GROUP_OBJ, 5, NO_ID),
        (MASK, 7, NO_ID),
        (OTHER, 5, NO_ID),
    ]);
    let conn = &mut fresh(o, o.msize, name, true)?;
    let outcome = set_then(conn, DEFAULT, &value, 0, 0, Some(&value));
    c.check(
        "a default ACL on a directory: set, read back the same bytes",
        outcome,
    );
    Ok(())
}

fn acl_remove(o: &Options, c: &mut Checks, name: &str) -> Result<(), String> {
    let value = acl(&[
        (USER_OBJ, 6, NO_ID),
        (USER, 4, 1000),
        (GROUP_OBJ, 4, NO_ID),
        (MASK, 4, NO_ID),
        (OTHER, 0, NO_ID),
    ]);
    let conn = &mut fresh(o, o.msize, name, false)?;
    set(conn, ACCESS, &value, 0)?;
    let outcome = set_then(conn, ACCESS, b"", 0, 0, None);
    c.check("size 0 removes an access ACL", outcome);
    Ok(())
}

/// `xattrro`: on a read-only export, Txattrcreate gets EROFS.
pub fn xattr_read_only(o: &Options, c: &mut Checks) -> Result<(), String> {
    let mut conn = Conn::connect(&o.addr, o.timeout)?;
    conn.session(o.msize, &o.aname)?;
    conn.walk(0, VALUE, &NO_NAMES)?;
    expect(
        &mut conn,
        c,
        "Txattrcreate on a read-only export: EROFS",
        xattrcreate(VALUE, b"user.ro", 2, 0),
        EROFS,
    );
    Ok(())
}
