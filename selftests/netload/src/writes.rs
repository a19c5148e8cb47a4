// SPDX-License-Identifier: GPL-2.0

//! `netload p9 ADDR:PORT writes`: the errno table of the modifying
//! messages, each rule a check, on a writable export (attached with
//! --aname, as a user who may write its root). Works in a directory
//! `errnos` it makes at the root.

use crate::p9::{
    describe, describe_errno, tclunk, tlopen, tread, Conn, Msg, NOFID, TFSYNC, TGETLOCK, TLCREATE,
    TLINK, TLOCK, TMKDIR, TMKNOD, TREMOVE, TRENAME, TRENAMEAT, TSETATTR, TSYMLINK, TUNLINKAT,
    TWRITE,
};
use crate::scenarios::{session, verdict, Checks, Options};

const ENOENT: u32 = 2;
const EBADF: u32 = 9;
const EPERM: u32 = 1;
const EEXIST: u32 = 17;
const ENOTDIR: u32 = 20;
const EISDIR: u32 = 21;
const EINVAL: u32 = 22;
const ENAMETOOLONG: u32 = 36;
const ENOTEMPTY: u32 = 39;
const ELOOP: u32 = 40;
const EBUSY: u32 = 16;

const O_RDWR: u32 = 2;
const O_CREAT: u32 = 0o100;
const O_EXCL: u32 = 0o200;
const O_DIRECTORY: u32 = 0o200000;

pub(crate) fn mkdir(tag: u16, dfid: u32, name: &[u8], mode: u32) -> Msg {
    Msg::new(TMKDIR, tag)
        .u32(dfid)
        .str(name)
        .u32(mode)
        .u32(NOFID)
}

pub(crate) fn lcreate(fid: u32, name: &[u8], flags: u32, mode: u32) -> Msg {
    Msg::new(TLCREATE, 1)
        .u32(fid)
        .str(name)
        .u32(flags)
        .u32(mode)
        .u32(NOFID)
}

pub(crate) fn write(fid: u32, offset: u64, data: &[u8]) -> Msg {
    Msg::new(TWRITE, 1)
        .u32(fid)
        .u64(offset)
        .u32(data.len() as u32)
        .raw(data)
}

fn setattr(fid: u32, valid: u32, uid: u32, size: u64, atime: (u64, u64)) -> Msg {
    Msg::new(TSETATTR, 1)
        .u32(fid)
        .u32(valid)
        .u32(0)
        .u32(uid)
        .u32(NOFID)
        .u64(size)
        .u64(atime.0)
        .u64(atime.1)
        .u64(0)
        .u64(0)
}

fn symlink(dfid: u32, name: &[u8], target: &[u8]) -> Msg {
    Msg::new(TSYMLINK, 1)
        .u32(dfid)
        .str(name)
        .str(target)
        .u32(NOFID)
}

fn mknod(dfid: u32, name: &[u8], mode: u32) -> Msg {
    Msg::new(TMKNOD, 1)
        .u32(dfid)
        .str(name)
        .u32(mode)
        .u32(1)
        .u32(3)
        .u32(NOFID)
}

fn renameat(olddfid: u32, old: &[u8], newdfid: u32, new: &[u8]) -> Msg {
    Msg::new(TRENAMEAT, 1)
        .u32(olddfid)
        .str(old)
        .u32(newdfid)
        .str(new)
}

pub(crate) fn unlinkat(dfid: u32, name: &[u8], flags: u32) -> Msg {
    Msg::new(TUNLINKAT, 1).u32(dfid).str(name).u32(flags)
}

fn lock(kind_: u8, fid: u32, kind: u8) -> Msg {
    let m = Msg::new(kind_, 1).u32(fid).u8(kind);
    let m = if kind_ == TLOCK { m.u32(0) } else { m };
    m.u64(0).u64(0).u32(42).str("netload")
}

/// Sends `msg` and checks that the answer is Rlerror `want`, or (for
/// `want` 0) a success.
pub(crate) fn expect(
    conn: &mut Conn,
    c: &mut Checks,
    what: &str,
    msg: Msg,
    want: u32,
) -> Option<crate::p9::Reply> {
    let kind = msg.kind();
    let outcome = match conn.call(msg) {
        Ok(reply) => {
            let got = reply.errno().unwrap_or(0);
            let detail = if got == 0 {
                describe(&reply)
            } else {
                format!("Rlerror {}", describe_errno(got))
            };
            let ok = got == want && (want != 0 || reply.kind == kind + 1);
            let result = verdict(ok, format!("{detail}, want {}", describe_errno(want)));
            c.check(what, result);
            return ok.then_some(reply);
        }
        Err(e) => Err(e.to_string()),
    };
    c.check(what, outcome);
    None
}

pub fn writes(o: &Options, c: &mut Checks) -> Result<(), String> {
    let (mut conn, _) = session(o)?;
    let conn = &mut conn;
    // fid 0: the root; 1: errnos/.
    let _ = conn.call(mkdir(1, 0, b"errnos", 0o755));
    conn.walk(0, 1, &["errnos"])?;

    for name in [&b""[..], b".", b"..", b"a/b", b"x\0y", b"/"] {
        let what = format!("Tmkdir {:?}: EINVAL", String::from_utf8_lossy(name));
        expect(conn, c, &what, mkdir(1, 1, name, 0o755), EINVAL);
    }
    expect(
        conn,
        c,
        "Tmkdir of 256 bytes: ENAMETOOLONG",
        mkdir(1, 1, &[b'n'; 256], 0o755),
        ENAMETOOLONG,
    );
    expect(conn, c, "Tmkdir sub", mkdir(1, 1, b"sub", 0o755), 0);
    expect(
        conn,
        c,
        "Tmkdir sub again: EEXIST",
        mkdir(1, 1, b"sub", 0o755),
        EEXIST,
    );
    conn.walk(1, 2, &["sub"])?;
    expect(conn, c, "Tmkdir sub/child", mkdir(1, 2, b"child", 0o755), 0);

    // fid 3: errnos/f, created and open for reading and writing.
    conn.walk(1, 3, &crate::p9::NO_NAMES)?;
    expect(
        conn,
        c,
        "Tlcreate f",
        lcreate(3, b"f", O_RDWR | O_CREAT, 0o644),
        0,
    );
    expect(
        conn,
        c,
        "Tlcreate on an open fid: EINVAL",
        lcreate(3, b"g", O_RDWR, 0o644),
        EINVAL,
    );
    conn.walk(1, 4, &crate::p9::NO_NAMES)?;
    expect(
        conn,
        c,
        "Tlcreate O_EXCL of an existing name: EEXIST",
        lcreate(4, b"f", O_RDWR | O_CREAT | O_EXCL, 0o644),
        EEXIST,
    );
    expect(
        conn,
        c,
        "Tlcreate with O_DIRECTORY: EINVAL",
        lcreate(4, b"g", O_CREAT | O_DIRECTORY, 0o755),
        EINVAL,
    );
    expect(
        conn,
        c,
        "Tlcreate \"..\": EINVAL",
        lcreate(4, b"..", O_RDWR, 0o644),
        EINVAL,
    );
    expect(
        conn,
        c,
        "Tmkdir in a file: ENOTDIR",
        mkdir(1, 3, b"x", 0o755),
        ENOTDIR,
    );

    let wrote = expect(conn, c, "Twrite of 5 bytes", write(3, 0, b"hello"), 0)
        .and_then(|mut r| r.u32().ok());
    c.check(
        "Rwrite says 5",
        verdict(wrote == Some(5), format!("{wrote:?}")),
    );
    let back = conn
        .call(tread(1, 3, 0, 100))
        .ok()
        .and_then(|mut r| r.data().ok().map(|d| d.to_vec()));
    c.check(
        "Tread reads it back",
        verdict(back.as_deref() == Some(&b"hello"[..]), format!("{back:?}")),
    );
    expect(
        conn,
        c,
        "Twrite beyond 2^63: EINVAL",
        write(3, 1 << 63, b"x"),
        EINVAL,
    );
    conn.walk(1, 6, &["f"])?;
    expect(
        conn,
        c,
        "Twrite on a fid not open: EBADF",
        write(6, 0, b"x"),
        EBADF,
    );
    expect(
        conn,
        c,
        "Tfsync on a fid not open: EBADF",
        Msg::new(TFSYNC, 1).u32(6).u32(0),
        EBADF,
    );
    expect(conn, c, "Tfsync", Msg::new(TFSYNC, 1).u32(3).u32(1), 0);
    conn.walk(1, 7, &["f"])?;
    conn.call_ok(tlopen(1, 7, 0))?;
    expect(
        conn,
        c,
        "Twrite on a fid open for reading: EBADF",
        write(7, 0, b"x"),
        EBADF,
    );
    expect(
        conn,
        c,
        "Tlopen of a fid open already: EINVAL",
        tlopen(1, 7, 0),
        EINVAL,
    );

    expect(
        conn,
        c,
        "Tsetattr ATIME_SET with 1e9 ns: EINVAL",
        setattr(6, 0x10 | 0x80, 0, 0, (1, 1_000_000_000)),
        EINVAL,
    );
    expect(
        conn,
        c,
        "Tsetattr UID -1: EINVAL",
        setattr(6, 0x2, u32::MAX, 0, (0, 0)),
        EINVAL,
    );
    expect(conn, c, "Tsetattr SIZE 2", setattr(6, 0x8, 0, 2, (0, 0)), 0);

    expect(
        conn,
        c,
        "Tsymlink to \"\": ENOENT",
        symlink(1, b"l0", b""),
        ENOENT,
    );
    expect(
        conn,
        c,
        "Tsymlink to a NUL: EINVAL",
        symlink(1, b"l1", b"a\0b"),
        EINVAL,
    );
    expect(
        conn,
        c,
        "Tsymlink to outside the export",
        symlink(1, b"out", b"../../../../etc/passwd"),
        0,
    );
    conn.walk(1, 8, &["out"])?;
    expect(
        conn,
        c,
        "that symlink is never followed: Tlopen ELOOP",
        tlopen(1, 8, 0),
        ELOOP,
    );

    expect(
        conn,
        c,
        "Tmknod of a character device: EPERM",
        mknod(1, b"chr", 0o020644),
        EPERM,
    );
    expect(
        conn,
        c,
        "Tmknod of a directory: EPERM",
        mknod(1, b"dir", 0o040755),
        EPERM,
    );
    expect(
        conn,
        c,
        "Tmknod without a type: EINVAL",
        mknod(1, b"none", 0o644),
        EINVAL,
    );
    expect(conn, c, "Tmknod of a fifo", mknod(1, b"fifo", 0o010644), 0);

    expect(
        conn,
        c,
        "Tlink of a directory: EPERM",
        Msg::new(TLINK, 1).u32(1).u32(2).str("sublink"),
        EPERM,
    );
    expect(
        conn,
        c,
        "Tlink f as f2",
        Msg::new(TLINK, 1).u32(1).u32(6).str("f2"),
        0,
    );

    conn.walk(2, 9, &["child"])?;
    expect(
        conn,
        c,
        "Trenameat of a directory into its own child: EINVAL",
        renameat(1, b"sub", 9, b"x"),
        EINVAL,
    );
    expect(
        conn,
        c,
        "Trenameat of \"..\": EINVAL",
        renameat(1, b"..", 1, b"x"),
        EINVAL,
    );
    expect(
        conn,
        c,
        "Trenameat f2 to f3",
        renameat(1, b"f2", 1, b"f3"),
        0,
    );
    expect(
        conn,
        c,
        "Trename of the attach root: EBUSY",
        Msg::new(TRENAME, 1).u32(0).u32(1).str("root"),
        EBUSY,
    );

    expect(
        conn,
        c,
        "Tunlinkat with flags 1: EINVAL",
        unlinkat(1, b"f3", 1),
        EINVAL,
    );
    expect(
        conn,
        c,
        "Tunlinkat of a directory without AT_REMOVEDIR: EISDIR",
        unlinkat(1, b"sub", 0),
        EISDIR,
    );
    expect(
        conn,
        c,
        "Tunlinkat of a full directory: ENOTEMPTY",
        unlinkat(1, b"sub", 0x200),
        ENOTEMPTY,
    );
    expect(
        conn,
        c,
        "Tunlinkat of a missing name: ENOENT",
        unlinkat(1, b"nothing", 0),
        ENOENT,
    );
    expect(conn, c, "Tunlinkat f3", unlinkat(1, b"f3", 0), 0);

    conn.walk(0, 20, &crate::p9::NO_NAMES)?;
    expect(
        conn,
        c,
        "Tremove of the attach root: EBUSY",
        Msg::new(TREMOVE, 1).u32(20),
        EBUSY,
    );
    expect(
        conn,
        c,
        "and the fid is clunked anyway",
        tclunk(1, 20),
        EBADF,
    );
    conn.walk(1, 21, &["fifo"])?;
    expect(
        conn,
        c,
        "Tremove of a fifo",
        Msg::new(TREMOVE, 1).u32(21),
        0,
    );
    expect(
        conn,
        c,
        "the open file reads on after its name is gone",
        unlinkat(1, b"f", 0),
        0,
    );
    let back = conn
        .call(tread(1, 3, 0, 100))
        .ok()
        .and_then(|mut r| r.data().ok().map(|d| d.to_vec()));
    c.check(
        "(reading it)",
        verdict(back.as_deref() == Some(&b"he"[..]), format!("{back:?}")),
    );

    expect(
        conn,
        c,
        "Tlock of type 3: EINVAL",
        lock(TLOCK, 3, 3),
        EINVAL,
    );
    let status = expect(conn, c, "Tlock WRLCK", lock(TLOCK, 3, 1), 0)
        .and_then(|mut r| r.bytes(1).ok().map(|b| b[0]));
    c.check(
        "Rlock says SUCCESS",
        verdict(status == Some(0), format!("{status:?}")),
    );
    let held = expect(conn, c, "Tgetlock", lock(TGETLOCK, 3, 2), 0)
        .and_then(|mut r| r.bytes(1).ok().map(|b| b[0]));
    c.check(
        "Rgetlock says UNLCK",
        verdict(held == Some(2), format!("{held:?}")),
    );

    lcreate_walk_races(conn, c)?;

    for fid in [1, 2, 3, 6, 7, 8, 9] {
        let _ = conn.call(tclunk(1, fid));
    }
    Ok(())
}

/// How many times `lcreate_walk_races` sends the pair.
const RACES: usize = 100;

/// Tlcreate on a directory fid and a Twalk from that same fid, sent in one
/// write so that the server has both at once: the walk must see the fid
/// either before the create (it clones the directory) or after (it clones
/// the new file, or refuses an open fid), never a mix, and the created fid
/// must be an open file either way.
fn lcreate_walk_races(conn: &mut Conn, c: &mut Checks) -> Result<(), String> {
    let (mut before, mut after, mut refused, mut bad) = (0, 0, 0, Vec::new());
    for i in 0..RACES {
        conn.walk(1, 30, &crate::p9::NO_NAMES)?;
        let name = format!("race-{i}");
        let mut both = Msg::new(TLCREATE, 10)
            .u32(30)
            .str(&name)
            .u32(O_RDWR | O_CREAT)
            .u32(0o644)
            .u32(NOFID)
            .bytes();
        both.extend(crate::p9::twalk(11, 30, 31, &crate::p9::NO_NAMES).bytes());
        conn.send(&both).map_err(String::from)?;
        let (mut created, mut walked) = (None, None);
        for _ in 0..2 {
            let reply = conn.recv().map_err(String::from)?;
            match reply.tag {
                10 => created = Some(reply.errno().unwrap_or(0)),
                11 => walked = Some(reply.errno().unwrap_or(0)),
                tag => return Err(format!("reply with tag {tag}")),
            }
        }
        let written = conn
            .call(write(30, 0, b"x"))
            .ok()
            .and_then(|r| (r.errno().is_none()).then_some(()));
        let ok = |reply: Result<crate::p9::Reply, _>| reply.is_ok_and(|r| r.errno().is_none());
        let walked_dir =
            walked == Some(0) && ok(conn.call(crate::p9::twalk(1, 31, 32, &[name.as_bytes()])));
        let walked_file = walked == Some(0)
            && !walked_dir
            && ok(conn.call(tlopen(1, 31, 0)))
            && conn.read(31, 0, 10).is_ok_and(|data| data == b"x");
        match (created, walked, written) {
            (Some(0), Some(0), Some(())) if walked_dir => before += 1,
            (Some(0), Some(0), Some(())) if walked_file => after += 1,
            (Some(0), Some(e), Some(())) if e != 0 => refused += 1,
            outcome => bad.push(format!("{name}: {outcome:?}")),
        }
        for fid in [30, 31, 32] {
            let _ = conn.call(tclunk(1, fid));
        }
        let _ = conn.call(unlinkat(1, name.as_bytes(), 0));
    }
    c.check(
        &format!("{RACES} Tlcreate/Twalk races on one fid: one order or the other"),
        verdict(
            bad.is_empty(),
            format!(
                "walk first {before}, create first {after} (walk refused {refused}), \
                 other: {bad:?}"
            ),
        ),
    );
    Ok(())
}
