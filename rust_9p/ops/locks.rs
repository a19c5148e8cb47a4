// SPDX-License-Identifier: GPL-2.0

//! Tlock and Tgetlock, answered so that programs that lock work: every
//! well-formed Tlock on an open fid succeeds and Tgetlock finds no
//! conflicting lock, as QEMU's server answers. The locks are not held:
//! real POSIX locks across clients are the next step.

use crate::codec::Flock;
use crate::connection::Connection;
use crate::fids::Opened;
use crate::proto::{self, lock};
use kernel::prelude::*;

/// Checks that `fid` is open on a file or directory and `req` is well
/// formed.
fn check(c: &Connection, fid: u32, req: &Flock<'_>, flags: u32) -> Result {
    let fid = c.fids.get(fid)?;
    let opened = fid.opened().ok_or(EBADF)?;
    if let Opened::Xattr { .. } = &*opened {
        return Err(EBADF);
    }
    if !proto::valid_lock(req.kind, flags, req.start, req.length) {
        return Err(EINVAL);
    }
    Ok(())
}

/// Tlock: the status (always success).
pub(super) fn lock(c: &Connection, fid: u32, req: &Flock<'_>, flags: u32) -> Result<u8> {
    check(c, fid, req, flags)?;
    Ok(lock::SUCCESS)
}

/// Tgetlock: the lock that would conflict with `req`; none (UNLCK).
pub(super) fn getlock<'a>(c: &Connection, fid: u32, req: &Flock<'a>) -> Result<Flock<'a>> {
    check(c, fid, req, 0)?;
    Ok(Flock {
        kind: lock::UNLCK,
        ..*req
    })
}
