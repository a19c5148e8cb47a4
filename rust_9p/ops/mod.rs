// SPDX-License-Identifier: GPL-2.0

//! Answers to 9P2000.L requests (all but Tversion, which the connection's
//! reader answers). Safe Rust over `vfs` and `fids`: this file decodes and
//! dispatches, `attach.rs` has the session's start, `read.rs` the requests
//! that only look, `write.rs` opening for writing, creating files, writing
//! and attributes, `names.rs` the other changes of the namespace,
//! `xattrs.rs` the extended attributes and `locks.rs` the locks.
//!
//! Every reply is built in a buffer sized for what it can hold: a read or a
//! directory listing is capped by the request's count, the negotiated msize
//! and (for files) what is left of the file, so no reply ever exceeds the
//! msize and a small file does not cost an msize-sized buffer.

mod attach;
mod locks;
mod names;
mod read;
mod write;
mod xattrs;

use crate::buffers::Buffer;
use crate::codec::{self, Overflow, Qid, Request, Writer, DATA_OFFSET, HEADER};
use crate::connection::Connection;
use crate::counters::{self, Counter};
use crate::errno;
use crate::proto::{self, BadName, SMALL_REPLY};
use crate::reactor::pages::Pages;
use crate::vfs::Entry;
use kernel::page::PAGE_SIZE;
use kernel::prelude::*;

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
    Built(Buffer, usize),
    Error([u8; RLERROR_SIZE]),
    /// Rread's header, then its data in a file's pages, sent without
    /// copying them.
    Pages([u8; DATA_OFFSET], Pages),
}

impl Reply {
    /// Builds reply `kind` for `tag` in a new buffer of `capacity` bytes.
    pub(crate) fn build(
        capacity: usize,
        kind: u8,
        tag: u16,
        body: impl FnOnce(&mut Writer<'_>) -> Result,
    ) -> Result<Self> {
        let buf = Buffer::unpooled(KVVec::from_elem(0u8, capacity, GFP_KERNEL)?);
        Self::build_in(buf, capacity, kind, tag, body)
    }

    /// Builds reply `kind` for `tag` in the first `capacity` bytes of `buf`.
    pub(crate) fn build_in(
        mut buf: Buffer,
        capacity: usize,
        kind: u8,
        tag: u16,
        body: impl FnOnce(&mut Writer<'_>) -> Result,
    ) -> Result<Self> {
        let room = buf.get_mut(..capacity).ok_or(EINVAL)?;
        let mut w = Writer::new(room, kind, tag)?;
        body(&mut w)?;
        let len = w.finish();
        // A reply much smaller than its buffer (a short directory, the end
        // of a file) would hold the rest of it while queued: copy it into
        // one of its size.
        if buf.capacity() > TIGHTEN_ABOVE && len < buf.capacity() / 4 {
            let mut tight = KVVec::with_capacity(len, GFP_KERNEL)?;
            tight.extend_from_slice(&buf[..len], GFP_KERNEL)?;
            return Ok(Reply::Built(Buffer::unpooled(tight), len));
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

    /// The bytes to send from memory, and the pages to send after them.
    pub(crate) fn parts(&self) -> (&[u8], Option<&Pages>) {
        match self {
            Reply::Built(buf, len) => (&buf[..*len], None),
            Reply::Error(buf) => (buf, None),
            Reply::Pages(header, pages) => (header, Some(pages)),
        }
    }

    /// The reply's length.
    pub(crate) fn len(&self) -> usize {
        let (bytes, pages) = self.parts();
        bytes.len() + pages.map_or(0, Pages::len)
    }

    /// The memory the reply holds (or keeps from being reclaimed).
    pub(crate) fn capacity(&self) -> usize {
        match self {
            Reply::Built(buf, _) => buf.capacity(),
            Reply::Error(buf) => buf.len(),
            Reply::Pages(header, pages) => header.len() + pages.count() * PAGE_SIZE,
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
        Err(err) => error_reply(tag, err),
    }
}

/// Answers now, in the connection's reader, a request that
/// [`proto::answered_inline`] allows.
pub(crate) fn handle_inline(connection: &Connection, kind: u8, tag: u16, body: &[u8]) -> Reply {
    let reply = decode(connection, kind, body)
        .and_then(|request| respond_now(connection, Replies { kind, tag }, request));
    reply.unwrap_or_else(|err| error_reply(tag, err))
}

/// Rlerror for `tag`, counted.
fn error_reply(tag: u16, err: Error) -> Reply {
    counters::count(Counter::Errors, 1);
    Reply::error(tag, err)
}

/// The request in `body`, unless it is malformed, unknown or would change
/// a read-only export.
fn decode<'a>(c: &Connection, kind: u8, body: &'a [u8]) -> Result<Request<'a>> {
    let request = match codec::decode(kind, body) {
        Ok(Some(request)) => request,
        Ok(None) => return Err(errno::eopnotsupp()),
        // Malformed, but the tag is known: answer it.
        Err(_) => return Err(EINVAL),
    };
    if c.server.params.read_only && changes(&request) {
        return Err(EROFS);
    }
    Ok(request)
}

/// Builders of the replies to one request.
#[derive(Clone, Copy)]
struct Replies {
    kind: u8,
    tag: u16,
}

impl Replies {
    /// A reply of at most [`SMALL_REPLY`] bytes with `body`.
    fn small(self, body: impl FnOnce(&mut Writer<'_>) -> Result) -> Result<Reply> {
        Reply::build(SMALL_REPLY, self.kind.wrapping_add(1), self.tag, body)
    }

    fn empty(self) -> Result<Reply> {
        self.small(|_| Ok(()))
    }

    fn with_qid(self, qid: Qid) -> Result<Reply> {
        self.small(|w| Ok(w.qid(&qid)?))
    }

    /// Rlopen or Rlcreate.
    fn opened(self, qid: Qid) -> Result<Reply> {
        self.small(|w| {
            w.qid(&qid)?;
            // 0: the client may move msize - 24 bytes at a time.
            w.u32(0)?;
            Ok(())
        })
    }
}

async fn respond(c: &Connection, kind: u8, tag: u16, seq: u64, body: &[u8]) -> Result<Reply> {
    let to = Replies { kind, tag };
    match decode(c, kind, body)? {
        Request::Flush { oldtag } => {
            if oldtag != tag {
                c.wait_for(oldtag, seq).await?;
            }
            to.empty()
        }
        request => respond_now(c, to, request),
    }
}

/// Answers the requests that need not wait for anything but the VFS.
fn respond_now(c: &Connection, to: Replies, request: Request<'_>) -> Result<Reply> {
    let tag = to.tag;
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
        } => to.with_qid(attach::attach(c, fid, afid, uname, aname, n_uname)?),
        Request::Clunk { fid } => {
            xattrs::clunk(c, fid)?;
            to.empty()
        }
        Request::Walk { fid, newfid, names } => read::walk(c, tag, fid, newfid, names.as_slice()),
        Request::Lopen { fid, flags } => to.opened(write::lopen(c, fid, flags)?),
        Request::Lcreate {
            fid,
            name,
            flags,
            mode,
            gid,
        } => to.opened(write::lcreate(c, fid, name, flags, mode, gid)?),
        Request::Mkdir {
            dfid,
            name,
            mode,
            gid,
        } => to.with_qid(names::make(c, dfid, name, mode, gid, Entry::Directory)?),
        Request::Mknod {
            dfid,
            name,
            mode,
            gid,
            ..
        } => to.with_qid(names::make(c, dfid, name, mode, gid, Entry::Node)?),
        Request::Read { fid, offset, count } => read::read(c, tag, fid, offset, count),
        Request::Readdir { fid, offset, count } => read::readdir(c, tag, fid, offset, count),
        Request::Getattr { fid, .. } => {
            let attr = read::getattr(c, fid)?;
            to.small(|w| Ok(proto::write_attr(w, &attr)?))
        }
        Request::Readlink { fid } => read::readlink(c, tag, fid),
        Request::Statfs { fid } => {
            let st = read::statfs(c, fid)?;
            to.small(|w| {
                w.u32(st.kind)?;
                w.u32(st.bsize)?;
                for v in [st.blocks, st.bfree, st.bavail, st.files, st.ffree, st.fsid] {
                    w.u64(v)?;
                }
                w.u32(st.namelen)?;
                Ok(())
            })
        }
        Request::Xattrwalk { fid, newfid, name } => {
            let size = xattrs::xattrwalk(c, fid, newfid, name)?;
            to.small(|w| Ok(w.u64(size as u64)?))
        }
        Request::Xattrcreate {
            fid,
            name,
            size,
            flags,
        } => {
            xattrs::xattrcreate(c, fid, name, size, flags)?;
            to.empty()
        }
        Request::Write { fid, offset, data } => {
            let n = write::write(c, fid, offset, data)?;
            to.small(|w| Ok(w.u32(n)?))
        }
        Request::Fsync { fid, datasync } => {
            write::fsync(c, fid, datasync != 0)?;
            to.empty()
        }
        Request::Setattr { fid, attr } => {
            write::setattr(c, fid, &attr)?;
            to.empty()
        }
        Request::Symlink {
            dfid,
            name,
            target,
            gid,
        } => to.with_qid(names::symlink(c, dfid, name, target, gid)?),
        Request::Link { dfid, fid, name } => {
            names::link(c, dfid, fid, name)?;
            to.empty()
        }
        Request::Rename { fid, dfid, name } => {
            names::rename(c, fid, dfid, name)?;
            to.empty()
        }
        Request::Renameat {
            olddfid,
            oldname,
            newdfid,
            newname,
        } => {
            names::renameat(c, olddfid, oldname, newdfid, newname)?;
            to.empty()
        }
        Request::Unlinkat { dfid, name, flags } => {
            names::unlinkat(c, dfid, name, flags)?;
            to.empty()
        }
        Request::Remove { fid } => {
            names::remove(c, fid)?;
            to.empty()
        }
        Request::Lock { fid, lock, flags } => {
            let status = locks::lock(c, fid, &lock, flags)?;
            to.small(|w| Ok(w.u8(status)?))
        }
        Request::Getlock { fid, lock } => {
            let held = locks::getlock(c, fid, &lock)?;
            Reply::build(
                SMALL_REPLY + lock.client_id.len(),
                to.kind.wrapping_add(1),
                tag,
                |w| {
                    w.u8(held.kind)?;
                    w.u64(held.start)?;
                    w.u64(held.length)?;
                    w.u32(held.proc_id)?;
                    w.string(held.client_id)?;
                    Ok(())
                },
            )
        }
        // Answered by `respond`, which waits for the flushed request.
        Request::Flush { .. } => Err(EINVAL),
    }
}

/// Whether `request` would change the export: refused with EROFS on a
/// read-only one (locks and fsync are still answered: readers lock too).
fn changes(request: &Request<'_>) -> bool {
    match request {
        Request::Lopen { flags, .. } => proto::open_modifies(*flags),
        Request::Lcreate { .. }
        | Request::Write { .. }
        | Request::Setattr { .. }
        | Request::Xattrcreate { .. }
        | Request::Mkdir { .. }
        | Request::Mknod { .. }
        | Request::Symlink { .. }
        | Request::Link { .. }
        | Request::Rename { .. }
        | Request::Renameat { .. }
        | Request::Unlinkat { .. }
        | Request::Remove { .. } => true,
        _ => false,
    }
}

/// Checks the name of an entry a request creates, renames or removes.
fn entry_name(name: &[u8]) -> Result<&[u8]> {
    proto::entry_name(name).map_err(|bad| match bad {
        BadName::Invalid => EINVAL,
        BadName::TooLong => errno::enametoolong(),
    })
}
