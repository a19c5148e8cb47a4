// SPDX-License-Identifier: GPL-2.0

//! Extended attributes: reading one or the list of names (Txattrwalk) and
//! writing one (Txattrcreate, Twrite, then Tclunk sets it).

use crate::budget::{self, Budget};
use crate::connection::Connection;
use crate::fids::{Fid, NewXattr, Opened};
use crate::proto::{self, XattrError};
use kernel::prelude::*;
use kernel::sync::Arc;

/// Txattrwalk: reads the value of `name` (or the list of names, for an
/// empty name) into a new fid that Tread then reads; returns its size.
pub(super) fn xattrwalk(c: &Connection, fid: u32, newfid: u32, name: &[u8]) -> Result<usize> {
    let from = c.fids.get(fid)?;
    if newfid != fid {
        c.fids.check_free(newfid)?;
    }
    let name = (!name.is_empty()).then_some(name);
    let creds = &from.attach.creds;
    let size = from.node.xattr(creds, name, &mut [])?;
    if size > proto::MAX_XATTR {
        return Err(E2BIG);
    }
    // The value stays in the fid until it is clunked: charged to the
    // server's budget of such bytes meanwhile.
    let charge = budget::XATTR_BYTES.take(size).ok_or(ENOMEM)?;
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
        Some(Arc::new(
            Opened::Xattr {
                value,
                _charge: charge,
            },
            GFP_KERNEL,
        )?),
    )?;
    c.fids.insert(newfid, new, newfid == fid)?;
    Ok(len)
}

/// Txattrcreate: `fid` becomes one that Twrites fill with the value of
/// `name` (`size` bytes) and Tclunk sets, with setxattr(2)'s `flags`.
pub(super) fn xattrcreate(c: &Connection, fid: u32, name: &[u8], size: u64, flags: u32) -> Result {
    let fid = c.fids.get(fid)?;
    if fid.is_open() {
        return Err(EINVAL);
    }
    match proto::xattr_create_error(name, size, flags) {
        Some(XattrError::Invalid) => return Err(EINVAL),
        Some(XattrError::TooBig) => return Err(E2BIG),
        None => {}
    }
    // At most MAX_XATTR, checked above.
    let size = size as usize;
    let charges = [
        Budget::take_shared(&c.pending_xattrs, size).ok_or(ENOMEM)?,
        budget::XATTR_BYTES.take(size).ok_or(ENOMEM)?,
    ];
    fid.set_opened(Opened::NewXattr(NewXattr::new(name, size, flags, charges)?))
}

/// Tclunk: forgets `fid`, first setting the extended attribute it was
/// written with, if it is one (the result is setxattr(2)'s).
pub(super) fn clunk(c: &Connection, fid: u32) -> Result {
    let fid = c.fids.remove(fid)?;
    match fid.opened().as_deref() {
        Some(Opened::NewXattr(new)) => new.apply(&fid.node, &fid.attach.creds),
        _ => Ok(()),
    }
}
