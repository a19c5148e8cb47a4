// SPDX-License-Identifier: GPL-2.0

//! Answers to 9P2000.L requests (all but Tversion, which the connection's
//! reader answers). Safe Rust over `vfs` and `fids`.
//!
//! Every reply is built in a buffer sized for what it can hold: a read or a
//! directory listing is capped by the request's count, the negotiated msize
//! and (for files) what is left of the file, so no reply ever exceeds the
//! msize and a small file does not cost an msize-sized buffer.

use crate::codec::{self, kind, Overflow, Qid, Request, Writer, HEADER, NOFID};
use crate::counters::{self, Counter};
use crate::creds::Credential;
use crate::errno;
use crate::fids::{qid_of, Attach, Fid, Opened};
use crate::file::{self, MAX_ACCOUNT_FILE};
use crate::passwd;
use crate::proto::{self, Attr, WalkName, DATA_OFFSET, MAX_LINK, SMALL_REPLY};
use crate::server::Connection;
use crate::vfs::{DirEntry, Node, Stat, Step};
use kernel::c_str;
use kernel::prelude::*;
use kernel::sync::Arc;
use kernel::types::ARef;

/// `n_uname` when the client gives none.
const NONUNAME: u32 = u32::MAX;
/// Rgetattr's valid mask: the basic fields (mode to blocks, the 3 times).
const GETATTR_BASIC: u64 = 0x7ff;
/// Largest extended attribute value (XATTR_SIZE_MAX) and name list.
const MAX_XATTR: usize = 65536;
/// Supplementary groups taken from `/etc/group` at most.
const MAX_GROUPS: usize = 256;
/// What a Tread reads at least, whatever the file's size says (a file may
/// grow, or report no size).
const READ_BEYOND_SIZE: usize = 4096;
/// Reply buffers larger than this are copied into one of the reply's size
/// when the reply uses less than a quarter of them.
const TIGHTEN_ABOVE: usize = 16384;
/// Bytes of Rlerror.
const RLERROR_SIZE: usize = HEADER + 4;

impl From<Overflow> for Error {
    fn from(_: Overflow) -> Self {
        errno::emsgsize()
    }
}

/// A reply ready to send.
pub(crate) enum Reply {
    Built(KVVec<u8>, usize),
    Error([u8; RLERROR_SIZE]),
}

impl Reply {
    /// Builds reply `kind` for `tag` in a buffer of `capacity` bytes.
    pub(crate) fn build(
        capacity: usize,
        kind: u8,
        tag: u16,
        body: impl FnOnce(&mut Writer<'_>) -> Result,
    ) -> Result<Self> {
        let mut buf = KVVec::from_elem(0u8, capacity, GFP_KERNEL)?;
        let mut w = Writer::new(&mut buf, kind, tag)?;
        body(&mut w)?;
        let len = w.finish();
        // A reply much smaller than its buffer (a short directory, the end
        // of a file) would hold the rest of it while queued: copy it into
        // one of its size.
        if capacity > TIGHTEN_ABOVE && len < capacity / 4 {
            let mut tight = KVVec::with_capacity(len, GFP_KERNEL)?;
            tight.extend_from_slice(&buf[..len], GFP_KERNEL)?;
            return Ok(Reply::Built(tight, len));
        }
        Ok(Reply::Built(buf, len))
    }

    /// Rlerror for `tag`.
    pub(crate) fn error(tag: u16, err: Error) -> Self {
        let mut buf = [0u8; RLERROR_SIZE];
        let errno = proto::wire_errno(err.to_errno().unsigned_abs());
        // The buffer has exactly Rlerror's size.
        let _ = codec::rlerror(&mut buf, tag, errno);
        Reply::Error(buf)
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Reply::Built(buf, len) => &buf[..*len],
            Reply::Error(buf) => buf,
        }
    }

    /// The memory the reply holds.
    pub(crate) fn capacity(&self) -> usize {
        match self {
            Reply::Built(buf, _) => buf.capacity(),
            Reply::Error(buf) => buf.len(),
        }
    }
}

/// Answers request `tag` of type `kind` with `body`, the `seq`th request
/// the connection received.
pub(crate) async fn handle(
    connection: &Connection,
    kind: u8,
    tag: u16,
    seq: u64,
    body: &[u8],
) -> Reply {
    match respond(connection, kind, tag, seq, body).await {
        Ok(reply) => reply,
        Err(err) => {
            counters::count(Counter::Errors, 1);
            Reply::error(tag, err)
        }
    }
}

async fn respond(c: &Connection, kind: u8, tag: u16, seq: u64, body: &[u8]) -> Result<Reply> {
    let request = match codec::decode(kind, body) {
        Ok(Some(request)) => request,
        Ok(None) => return Err(errno::eopnotsupp()),
        // Malformed, but the tag is known: answer it.
        Err(_) => return Err(EINVAL),
    };
    let rkind = kind.wrapping_add(1);
    let small = |body: &dyn Fn(&mut Writer<'_>) -> Result| {
        Reply::build(SMALL_REPLY, rkind, tag, |w| body(w))
    };
    match request {
        // No authentication: ENOENT, as diod answers when it has none,
        // which clients (diod's among them) take as "attach without".
        Request::Auth { .. } => Err(ENOENT),
        Request::Attach {
            fid,
            afid,
            uname,
            aname,
            n_uname,
        } => {
            let qid = attach(c, fid, afid, uname, aname, n_uname)?;
            small(&|w| Ok(w.qid(&qid)?))
        }
        Request::Flush { oldtag } => {
            if oldtag != tag {
                c.wait_for(oldtag, seq).await?;
            }
            small(&|_| Ok(()))
        }
        Request::Walk { fid, newfid, names } => walk(c, tag, fid, newfid, names.as_slice()),
        Request::Lopen { fid, flags } => {
            let qid = lopen(c, fid, flags)?;
            small(&|w| {
                w.qid(&qid)?;
                // 0: the client may read msize - 24 bytes at a time.
                w.u32(0)?;
                Ok(())
            })
        }
        Request::Read { fid, offset, count } => read(c, tag, fid, offset, count),
        Request::Readdir { fid, offset, count } => readdir(c, tag, fid, offset, count),
        Request::Getattr { fid, .. } => {
            let fid = c.fids.get(fid)?;
            let st = fid.node.stat(&fid.attach.creds)?;
            let attr = Attr {
                valid: GETATTR_BASIC,
                qid: qid_of(&st),
                mode: st.mode,
                uid: st.uid,
                gid: st.gid,
                nlink: st.nlink,
                rdev: st.rdev,
                size: st.size,
                blksize: st.blksize,
                blocks: st.blocks,
                atime: st.atime,
                mtime: st.mtime,
                ctime: st.ctime,
            };
            small(&|w| Ok(proto::write_attr(w, &attr)?))
        }
        Request::Readlink { fid } => {
            let fid = c.fids.get(fid)?;
            let mut target = KVec::from_elem(0u8, MAX_LINK, GFP_KERNEL)?;
            let len = fid.node.readlink(&fid.attach.creds, &mut target)?;
            Reply::build(HEADER + 2 + len, rkind, tag, |w| {
                Ok(w.string(&target[..len])?)
            })
        }
        Request::Statfs { fid } => {
            let fid = c.fids.get(fid)?;
            let st = fid.node.statfs(&fid.attach.creds)?;
            small(&|w| {
                w.u32(st.kind)?;
                w.u32(st.bsize)?;
                for v in [st.blocks, st.bfree, st.bavail, st.files, st.ffree, st.fsid] {
                    w.u64(v)?;
                }
                w.u32(st.namelen)?;
                Ok(())
            })
        }
        Request::Clunk { fid } => {
            drop(c.fids.remove(fid)?);
            small(&|_| Ok(()))
        }
        Request::Xattrwalk { fid, newfid, name } => {
            let size = xattrwalk(c, fid, newfid, name)?;
            small(&|w| Ok(w.u64(size as u64)?))
        }
        Request::Modify { .. } => Err(EROFS),
    }
}

/// The credentials of an attach by user `n_uname` (or, when that is
/// `NONUNAME`, by login `uname`, as v9fs attaches at mount time): the
/// configured user's, or in multi-user mode that user's, with its primary
/// group from the server's `/etc/passwd` and its supplementary groups from
/// `/etc/group`. A user the server does not know is refused.
fn attach_creds(c: &Connection, uname: &[u8], n_uname: u32) -> Result<ARef<Credential>> {
    if !c.server.params.multi_user {
        return Ok(c.server.creds.clone());
    }
    let passwd = file::read_file(c_str!("/etc/passwd"), MAX_ACCOUNT_FILE)?;
    let user = if n_uname == NONUNAME {
        let login = core::str::from_utf8(uname).map_err(|_| EACCES)?;
        passwd::find_user(passwd.bytes(), login)
    } else {
        passwd::find_uid(passwd.bytes(), n_uname)
    }
    .ok_or(EACCES)?;
    let mut groups = KVec::new();
    // Without a group file, the user has no supplementary groups.
    if let Ok(group) = file::read_file(c_str!("/etc/group"), MAX_ACCOUNT_FILE) {
        for gid in passwd::member_gids(group.bytes(), user.login).take(MAX_GROUPS) {
            groups.push(gid, GFP_KERNEL)?;
        }
    }
    Credential::new(user.uid, user.gid, &groups)
}

/// Tattach: `aname` empty, the export's own path, or a directory beneath
/// it (relative to the export, or as the export's path and more).
fn attach(
    c: &Connection,
    fid: u32,
    afid: u32,
    uname: &[u8],
    aname: &[u8],
    n_uname: u32,
) -> Result<Qid> {
    if afid != NOFID {
        return Err(EINVAL);
    }
    c.fids.check_free(fid)?;
    let creds = attach_creds(c, uname, n_uname)?;
    let export = &c.server.params.root;
    let export_name = c.server.params.root_name.as_bytes();
    let relative = match aname.strip_prefix(export_name) {
        Some(rest) if rest.is_empty() || rest[0] == b'/' => rest,
        _ => aname,
    };
    let mut node = export.clone();
    for name in relative.split(|&b| b == b'/').filter(|n| !n.is_empty()) {
        let WalkName::Entry(name) = proto::walk_name(name) else {
            return Err(EINVAL);
        };
        node = node.walk(&creds, export, Step::Name(name))?;
    }
    let st = node.stat(&creds)?;
    let qid = qid_of(&st);
    if qid.kind != proto::qid_type::DIR {
        return Err(ENOTDIR);
    }
    let attach = Arc::new(
        Attach {
            root: node.clone(),
            creds,
        },
        GFP_KERNEL,
    )?;
    c.fids
        .insert(fid, Fid::new(attach, node, &st, None)?, false)?;
    Ok(qid)
}

/// One walk step from `node`: `name` as the attach's user, confined to
/// the attach's root.
fn step(node: &Node, attach: &Attach, name: &[u8]) -> Result<(Node, Stat)> {
    let step = match proto::walk_name(name) {
        WalkName::Parent => Step::Parent,
        WalkName::Entry(name) => Step::Name(name),
        WalkName::Invalid => return Err(EINVAL),
    };
    let next = node.walk(&attach.creds, &attach.root, step)?;
    let st = next.stat(&attach.creds)?;
    Ok((next, st))
}

/// Twalk: as far as the names lead; `newfid` only if all of them do.
fn walk(c: &Connection, tag: u16, fid: u32, newfid: u32, names: &[&[u8]]) -> Result<Reply> {
    let from = c.fids.get(fid)?;
    if newfid != fid {
        c.fids.check_free(newfid)?;
    }
    let attach = &from.attach;
    let mut qids = [Qid::default(); codec::MAX_WALK];
    let mut walked = 0;
    let mut node = from.node.clone();
    let mut last = None;
    for name in names {
        match step(&node, attach, name) {
            Ok((next, st)) => {
                qids[walked] = qid_of(&st);
                walked += 1;
                node = next;
                last = Some(st);
            }
            // Failing on the first name is an error; later, a partial walk.
            Err(e) if walked == 0 => return Err(e),
            Err(_) => break,
        }
    }
    if walked == names.len() {
        let st = match last {
            Some(st) => st,
            None => node.stat(&attach.creds)?,
        };
        let new = Fid::new(attach.clone(), node, &st, None)?;
        c.fids.insert(newfid, new, newfid == fid)?;
    }
    Reply::build(
        HEADER + 2 + walked * codec::QID_SIZE,
        kind::TWALK + 1,
        tag,
        |w| {
            w.u16(walked as u16)?;
            for qid in &qids[..walked] {
                w.qid(qid)?;
            }
            Ok(())
        },
    )
}

/// Tlopen: regular files and directories, for reading only.
fn lopen(c: &Connection, fid: u32, flags: u32) -> Result<Qid> {
    let fid = c.fids.get(fid)?;
    if proto::open_modifies(flags) {
        return Err(EROFS);
    }
    let directory = fid.is_dir();
    if proto::open_directory(flags) && !directory {
        return Err(ENOTDIR);
    }
    let file = fid.node.open(&fid.attach.creds, directory)?;
    fid.set_opened(if directory {
        Opened::Dir(file)
    } else {
        Opened::File(file)
    })?;
    Ok(fid.qid)
}

/// Tread: from an open file or an xattr fid.
fn read(c: &Connection, tag: u16, fid: u32, offset: u64, count: u32) -> Result<Reply> {
    let fid = c.fids.get(fid)?;
    let opened = fid.opened().ok_or(EBADF)?;
    let max = (count as usize).min(c.msize() - DATA_OFFSET);
    let reply = |len: usize, fill: &dyn Fn(&mut [u8]) -> Result<usize>| {
        Reply::build(DATA_OFFSET + len, kind::TREAD + 1, tag, |w| {
            w.u32(0)?;
            let data = w.reserve(len)?;
            let n = fill(data)?;
            w.unreserve(len - n);
            w.patch_u32(HEADER, n as u32);
            Ok(())
        })
    };
    match &*opened {
        Opened::File(file) => {
            // What is left of the file; a little more if it claims nothing
            // is (a file may grow, or report no size).
            let left = file.size().saturating_sub(offset);
            let len = max.min(
                usize::try_from(left)
                    .unwrap_or(usize::MAX)
                    .max(READ_BEYOND_SIZE),
            );
            reply(len, &|data| file.read(&fid.attach.creds, data, offset))
        }
        Opened::Xattr(value) => {
            let start = usize::try_from(offset)
                .unwrap_or(usize::MAX)
                .min(value.len());
            let len = max.min(value.len() - start);
            reply(len, &|data| {
                data.copy_from_slice(&value[start..start + len]);
                Ok(len)
            })
        }
        Opened::Dir(_) => Err(EISDIR),
    }
}

/// Treaddir: entries from the cookie `offset`, as many as fit, written
/// into the reply as the directory reports them.
fn readdir(c: &Connection, tag: u16, fid: u32, offset: u64, count: u32) -> Result<Reply> {
    let fid = c.fids.get(fid)?;
    let opened = fid.opened().ok_or(EBADF)?;
    let Opened::Dir(dir) = &*opened else {
        return Err(ENOTDIR);
    };
    let room = (count as usize).min(c.msize() - DATA_OFFSET);
    Reply::build(DATA_OFFSET + room, kind::TREADDIR + 1, tag, |w| {
        w.u32(0)?;
        let start = w.len();
        let mut entries = proto::Dirents::new(room, fid.dev);
        let mut overflow = Ok(());
        let end = dir.read_dir(
            &fid.attach.creds,
            offset,
            &mut |e: DirEntry<'_>| match entries.push(w, e.ino, e.offset, e.dtype, e.name) {
                Ok(taken) => taken,
                Err(o) => {
                    overflow = Err(o);
                    false
                }
            },
        )?;
        overflow?;
        entries.finish(w, end);
        let len = w.len() - start;
        w.patch_u32(HEADER, len as u32);
        Ok(())
    })
}

/// Txattrwalk: reads the value of `name` (or the list of names, for an
/// empty name) into a new fid that Tread then reads; returns its size.
fn xattrwalk(c: &Connection, fid: u32, newfid: u32, name: &[u8]) -> Result<usize> {
    let from = c.fids.get(fid)?;
    if newfid != fid {
        c.fids.check_free(newfid)?;
    }
    let name = (!name.is_empty()).then_some(name);
    let creds = &from.attach.creds;
    let size = from.node.xattr(creds, name, &mut [])?;
    if size > MAX_XATTR {
        return Err(E2BIG);
    }
    let mut value = KVec::from_elem(0u8, size, GFP_KERNEL)?;
    // ERANGE here means it grew since it was measured; the client may retry.
    let len = if size > 0 {
        from.node.xattr(creds, name, &mut value)?
    } else {
        0
    };
    if len < size {
        let mut exact = KVec::with_capacity(len, GFP_KERNEL)?;
        exact.extend_from_slice(&value[..len], GFP_KERNEL)?;
        value = exact;
    }
    let st = from.node.stat(creds)?;
    let new = Fid::new(
        from.attach.clone(),
        from.node.clone(),
        &st,
        Some(Arc::new(Opened::Xattr(value), GFP_KERNEL)?),
    )?;
    c.fids.insert(newfid, new, newfid == fid)?;
    Ok(len)
}
