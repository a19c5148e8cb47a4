// SPDX-License-Identifier: GPL-2.0

//! The requests that only look: Twalk, Tgetattr, Treadlink, Tstatfs,
//! Tread, Treaddir.

use super::Reply;
use crate::codec::{self, kind, Qid, HEADER};
use crate::connection::Connection;
use crate::counters::{self, Counter};
use crate::errno;
use crate::fids::{qid_of, Attach, Fid, Opened};
use crate::proto::{self, Attr, WalkName, DATA_OFFSET, MAX_LINK};
use crate::reactor::pages::Pages;
use crate::vfs::{DirEntry, Node, Stat, StatFs, Step};
use kernel::prelude::*;

/// Rgetattr's valid mask: the basic fields (mode to blocks, the 3 times).
const GETATTR_BASIC: u64 = 0x7ff;
/// What a Tread reads at least, whatever the file's size says (a file may
/// grow, or report no size).
const READ_BEYOND_SIZE: usize = 4096;

/// Tgetattr: the basic attributes.
pub(super) fn getattr(c: &Connection, fid: u32) -> Result<Attr> {
    let fid = c.fids.get(fid)?;
    let st = fid.node.stat(&fid.attach.creds)?;
    Ok(Attr {
        valid: GETATTR_BASIC,
        qid: qid_of(&st),
        mode: st.mode,
        uid: st.uid,
        gid: st.gid,
        nlink: st.nlink,
        rdev: st.rdev,
        size: st.size,
        blksize: proto::io_blksize(st.blksize, c.msize()),
        blocks: st.blocks,
        atime: st.atime,
        mtime: st.mtime,
        ctime: st.ctime,
    })
}

/// Treadlink: the target, in a reply no larger than the msize.
pub(super) fn readlink(c: &Connection, tag: u16, fid: u32) -> Result<Reply> {
    let fid = c.fids.get(fid)?;
    let mut target = KVec::from_elem(0u8, MAX_LINK, GFP_KERNEL)?;
    let len = fid.node.readlink(&fid.attach.creds, &mut target)?;
    let size = HEADER + 2 + len;
    if size > c.msize() {
        return Err(crate::errno::enametoolong());
    }
    Reply::build(size, kind::TREADLINK + 1, tag, |w| {
        Ok(w.string(&target[..len])?)
    })
}

/// Tstatfs: the file system's statistics.
pub(super) fn statfs(c: &Connection, fid: u32) -> Result<StatFs> {
    let fid = c.fids.get(fid)?;
    fid.node.statfs(&fid.attach.creds)
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
pub(super) fn walk(
    c: &Connection,
    tag: u16,
    fid: u32,
    newfid: u32,
    names: &[&[u8]],
) -> Result<Reply> {
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

/// Tread: from an open file or an xattr fid.
pub(super) fn read(c: &Connection, tag: u16, fid: u32, offset: u64, count: u32) -> Result<Reply> {
    let fid = c.fids.get(fid)?;
    let opened = fid.opened().ok_or(EBADF)?;
    let max = (count as usize).min(c.msize() - DATA_OFFSET);
    let reply = |len: usize, fill: &dyn Fn(&mut [u8]) -> Result<usize>| {
        // A spare up to the reply's share of the budget.
        let buf = c.spares.take(DATA_OFFSET + len, DATA_OFFSET + max)?;
        Reply::build_in(buf, DATA_OFFSET + len, kind::TREAD + 1, tag, |w| {
            w.u32(0)?;
            let data = w.reserve(len)?;
            let n = fill(data)?;
            w.unreserve(len - n);
            w.patch_u32(HEADER, n as u32);
            Ok(())
        })
    };
    match &*opened {
        Opened::File { read: false, .. } => Err(EBADF),
        Opened::File { file, .. } => {
            // What is left of the file; a little more if it claims nothing
            // is (a file may grow, or report no size).
            let left = file.size().saturating_sub(offset);
            let len = max.min(
                usize::try_from(left)
                    .unwrap_or(usize::MAX)
                    .max(READ_BEYOND_SIZE),
            );
            if c.server.params.zero_copy_min.is_some_and(|min| len >= min) {
                match file.read_pages(&fid.attach.creds, offset, len) {
                    // Nothing read (the end of the file): an empty Rread.
                    Ok(pages) if pages.is_empty() => return reply(0, &|_| Ok(0)),
                    Ok(pages) => return paged_reply(tag, pages),
                    Err(e) if e == errno::eopnotsupp() => {}
                    Err(e) => return Err(e),
                }
            }
            reply(len, &|data| file.read(&fid.attach.creds, data, offset))
        }
        Opened::Xattr { value, .. } => {
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
        Opened::NewXattr(_) => Err(EINVAL),
    }
}

/// Rread of `pages`.
fn paged_reply(tag: u16, pages: Pages) -> Result<Reply> {
    let count = u32::try_from(pages.len()).map_err(|_| EINVAL)?;
    let header = codec::data_header(kind::TREAD + 1, tag, count).ok_or(EINVAL)?;
    counters::count(Counter::ReadsFromPages, 1);
    Ok(Reply::Pages(header, pages))
}

/// Treaddir: entries from the cookie `offset`, as many as fit, written
/// into the reply as the directory reports them.
pub(super) fn readdir(
    c: &Connection,
    tag: u16,
    fid: u32,
    offset: u64,
    count: u32,
) -> Result<Reply> {
    let fid = c.fids.get(fid)?;
    let opened = fid.opened().ok_or(EBADF)?;
    let Opened::Dir(dir) = &*opened else {
        return Err(ENOTDIR);
    };
    let room = (count as usize).min(c.msize() - DATA_OFFSET);
    let buf = c.spares.take(DATA_OFFSET + room, DATA_OFFSET + room)?;
    Reply::build_in(buf, DATA_OFFSET + room, kind::TREADDIR + 1, tag, |w| {
        w.u32(0)?;
        let start = w.len();
        let mut entries = proto::Dirents::new(room, fid.dev);
        let mut overflow = Ok(());
        let mut offered = false;
        let mut sink = |e: DirEntry<'_>| {
            offered = true;
            match entries.push(w, e.ino, e.offset, e.dtype, e.name) {
                Ok(taken) => taken,
                Err(o) => {
                    overflow = Err(o);
                    false
                }
            }
        };
        let end = dir.read_dir(&fid.attach.creds, offset, &mut sink)?;
        overflow?;
        // An empty reply means "the end": not when an entry was there but
        // did not fit the count.
        if entries.finish(w, end) == 0 && offered {
            return Err(EINVAL);
        }
        let len = w.len() - start;
        w.patch_u32(HEADER, len as u32);
        Ok(())
    })
}
