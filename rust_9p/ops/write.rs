// SPDX-License-Identifier: GPL-2.0

//! Opening (Tlopen), creating and opening (Tlcreate), writing (Twrite),
//! syncing (Tfsync) and setting attributes (Tsetattr).

use crate::budget;
use crate::codec::{Qid, SetAttr};
use crate::connection::Connection;
use crate::fids::{qid_of, Fid, Opened};
use crate::proto::{self, open_flags};
use crate::vfs::{self, kernel_open_flags, OpenFile};
use kernel::prelude::*;

/// `P9_ATTR_SIZE`.
const ATTR_SIZE: u32 = 0x8;

/// Truncates a file just opened with `O_TRUNC` (the VFS truncates in
/// open(2) itself, not in `dentry_open`).
fn truncate_opened(fid: &Fid, file: &OpenFile, flags: u32) -> Result {
    if flags & open_flags::TRUNC == 0 {
        return Ok(());
    }
    let sa = vfs::SetAttr {
        valid: ATTR_SIZE,
        ..Default::default()
    };
    fid.node.setattr(&fid.attach.creds, Some(file), &sa)
}

/// Tlopen: a regular file (for reading, writing or both) or a directory
/// (for reading), by open(2)'s rules; a fid is opened once.
pub(super) fn lopen(c: &Connection, fid: u32, flags: u32) -> Result<Qid> {
    let fid = c.fids.get(fid)?;
    if fid.is_open() {
        return Err(EINVAL);
    }
    let mode = proto::open_mode(flags, false).ok_or(EINVAL)?;
    let directory = fid.is_dir();
    if proto::open_directory(flags) && !directory {
        return Err(ENOTDIR);
    }
    let charge = budget::OPEN_FILES.take(1).ok_or(ENFILE)?;
    let file = fid
        .node
        .open(&fid.attach.creds, kernel_open_flags(mode.flags), charge)?;
    if directory {
        fid.set_opened(Opened::Dir(file))?;
    } else {
        truncate_opened(&fid, &file, mode.flags)?;
        fid.set_opened(Opened::File {
            file,
            read: mode.read,
            write: mode.write,
        })?;
    }
    Ok(fid.qid)
}

/// Tlcreate: creates `name` in the directory `fid` and opens it; `fid`
/// then stands for the new file (replaced in the table only if nothing
/// else changed it meanwhile).
pub(super) fn lcreate(
    c: &Connection,
    dfid: u32,
    name: &[u8],
    flags: u32,
    mode: u32,
    gid: u32,
) -> Result<Qid> {
    let dir = c.fids.get(dfid)?;
    if dir.is_open() {
        return Err(EINVAL);
    }
    if !dir.is_dir() {
        return Err(ENOTDIR);
    }
    let name = super::entry_name(name)?;
    if proto::open_directory(flags) {
        return Err(EINVAL);
    }
    let open = proto::open_mode(flags, true).ok_or(EINVAL)?;
    let kflags = kernel_open_flags(open.flags);
    let charge = budget::OPEN_FILES.take(1).ok_or(ENFILE)?;
    let file = c.server.creators.run(|| {
        dir.node.create(
            &dir.attach.creds,
            &dir.attach.root,
            name,
            kflags,
            mode,
            gid,
            charge,
        )
    })?;
    let node = file.node();
    let st = node.stat(&dir.attach.creds)?;
    let new = Fid::new(dir.attach.clone(), node, &st, None)?;
    truncate_opened(&new, &file, open.flags)?;
    new.set_opened(Opened::File {
        file,
        read: open.read,
        write: open.write,
    })?;
    c.fids.replace(dfid, &dir, new)?;
    Ok(qid_of(&st))
}

/// Twrite: to a fid open for writing, or to the value of an extended
/// attribute being written; returns the count written, never 0 for data
/// (the v9fs client would send it again forever).
pub(super) fn write(c: &Connection, fid: u32, offset: u64, data: &[u8]) -> Result<u32> {
    let fid = c.fids.get(fid)?;
    let opened = fid.opened().ok_or(EBADF)?;
    let file = match &*opened {
        Opened::File {
            file, write: true, ..
        } => file,
        Opened::NewXattr(new) => {
            new.write(offset, data)?;
            // At most msize bytes came in the message.
            return Ok(data.len() as u32);
        }
        _ => return Err(EBADF),
    };
    if data.is_empty() {
        return Ok(0);
    }
    match file.write(&fid.attach.creds, data, offset)? {
        0 => Err(EIO),
        // At most msize bytes came in the message.
        n => Ok(n as u32),
    }
}

/// Tfsync: an open file or directory.
pub(super) fn fsync(c: &Connection, fid: u32, datasync: bool) -> Result {
    let fid = c.fids.get(fid)?;
    let opened = fid.opened().ok_or(EBADF)?;
    let file = opened.file().ok_or(EINVAL)?;
    file.fsync(&fid.attach.creds, datasync)
}

/// Tsetattr: through the fid's open file when it is open for writing (a
/// size change then follows ftruncate's rules), else by path.
pub(super) fn setattr(c: &Connection, fid: u32, attr: &SetAttr) -> Result {
    let fid = c.fids.get(fid)?;
    let opened = fid.opened();
    let file = match opened.as_deref() {
        Some(Opened::File {
            file, write: true, ..
        }) => Some(file),
        _ => None,
    };
    let sa = vfs::SetAttr {
        valid: attr.valid,
        mode: attr.mode,
        uid: attr.uid,
        gid: attr.gid,
        size: attr.size,
        atime_sec: attr.atime.0,
        atime_nsec: attr.atime.1,
        mtime_sec: attr.mtime.0,
        mtime_nsec: attr.mtime.1,
    };
    fid.node.setattr(&fid.attach.creds, file, &sa)
}
