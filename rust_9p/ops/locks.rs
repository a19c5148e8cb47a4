// SPDX-License-Identifier: GPL-2.0

//! Tlock and Tgetlock: real POSIX byte-range locks on the fid's open file,
//! owned per (connection, proc_id) (`crate::locks`), so that they conflict
//! with the locks of the client's other processes, of other clients and of
//! processes on the server. A lock that would block is answered BLOCKED at
//! once and the client retries: no worker waits for a lock.

use crate::codec::Flock;
use crate::connection::Connection;
use crate::errno;
use crate::fids::{Fid, Opened};
use crate::proto::{self, lock};
use crate::vfs::Lock;
use kernel::prelude::*;
use kernel::sync::Arc;

/// The fid `fid`, open on a file or directory, and what it opened;
/// `EBADF` otherwise, `EINVAL` if `req` is malformed.
fn open_fid(
    c: &Connection,
    fid: u32,
    req: &Flock<'_>,
    flags: u32,
) -> Result<(Arc<Fid>, Arc<Opened>)> {
    let fid = c.fids.get(fid)?;
    let opened = fid.opened().ok_or(EBADF)?;
    if opened.file().is_none() {
        return Err(EBADF);
    }
    if !proto::valid_lock(req.kind, flags, req.start, req.length) {
        return Err(EINVAL);
    }
    Ok((fid, opened))
}

/// The lock `req` describes, of type `kind`.
fn lock_of(req: &Flock<'_>, kind: u8) -> Lock {
    Lock {
        start: req.start,
        end: proto::lock_end(req.start, req.length),
        pid: req.proc_id,
        kind: kind.into(),
    }
}

/// Tlock: sets or clears the lock; the status.
pub(super) fn lock(c: &Connection, fid: u32, req: &Flock<'_>, flags: u32) -> Result<u8> {
    let (fid, opened) = open_fid(c, fid, req, flags)?;
    // As fcntl(2): reading needs a file open for reading, writing one open
    // for writing (a directory is open for reading).
    let (read, write) = match &*opened {
        Opened::File { read, write, .. } => (*read, *write),
        _ => (true, false),
    };
    if (req.kind == lock::RDLCK && !read) || (req.kind == lock::WRLCK && !write) {
        return Err(EBADF);
    }
    let Some(file) = opened.file() else {
        return Err(EBADF);
    };
    let Ok(owner) = c.lock_owners.get(req.proc_id) else {
        return Ok(lock::ERROR);
    };
    if req.kind != lock::UNLCK {
        // Before locking, so that the fid releases whatever it gets.
        fid.note_locker(&owner)?;
    }
    match owner.set(file, &fid.attach.creds, &lock_of(req, req.kind)) {
        Ok(()) => Ok(lock::SUCCESS),
        Err(e) if e == EAGAIN => Ok(lock::BLOCKED),
        Err(e) if e == errno::edeadlk() || e == errno::enolck() => Ok(lock::ERROR),
        Err(e) => Err(e),
    }
}

/// Tgetlock: the lock that would conflict with `req` (of type UNLCK, as
/// the v9fs client always sends it: any lock, then), or UNLCK.
pub(super) fn getlock<'a>(c: &Connection, fid: u32, req: &Flock<'a>) -> Result<Flock<'a>> {
    let (fid, opened) = open_fid(c, fid, req, 0)?;
    let Some(file) = opened.file() else {
        return Err(EBADF);
    };
    let kind = match req.kind {
        lock::UNLCK => lock::WRLCK,
        kind => kind,
    };
    let owner = c.lock_owners.get(req.proc_id)?;
    let found = file.conflicting_lock(&fid.attach.creds, &owner, &lock_of(req, kind))?;
    Ok(match found {
        Some(held) => Flock {
            // F_RDLCK or F_WRLCK, 9P's numbers.
            kind: held.kind as u8,
            start: held.start,
            length: proto::lock_length(held.start, held.end),
            proc_id: held.pid,
            ..*req
        },
        None => Flock {
            kind: lock::UNLCK,
            ..*req
        },
    })
}
