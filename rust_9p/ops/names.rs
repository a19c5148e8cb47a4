// SPDX-License-Identifier: GPL-2.0

//! Changes of the namespace other than Tlcreate: Tmkdir, Tmknod, Tsymlink,
//! Tlink, Trename, Trenameat, Tunlinkat and Tremove. Entries are created
//! with umask 0 (`Creators`), so that the client's mode is the mode.

use super::entry_name;
use crate::codec::Qid;
use crate::connection::Connection;
use crate::errno;
use crate::fids::{qid_of, Fid};
use crate::proto::{self, BadTarget, MknodKind, AT_REMOVEDIR};
use crate::vfs::{Entry, Node, RenameFrom};
use kernel::prelude::*;
use kernel::sync::Arc;

/// The directory fid `dfid` and the checked `name`.
fn directory_and_name<'a>(
    c: &Connection,
    dfid: u32,
    name: &'a [u8],
) -> Result<(Arc<Fid>, &'a [u8])> {
    let dir = c.fids.get(dfid)?;
    if !dir.is_dir() {
        return Err(ENOTDIR);
    }
    Ok((dir, entry_name(name)?))
}

/// The qid of a node just made, as the directory's user sees it.
fn qid_of_new(dir: &Fid, node: &Node) -> Result<Qid> {
    Ok(qid_of(&node.stat(&dir.attach.creds)?))
}

/// Tmkdir (`Entry::Directory`) and Tmknod (`Entry::Node`): regular files,
/// fifos and sockets; devices need CAP_MKNOD, which no client has, and
/// directories are Tmkdir's.
pub(super) fn make(
    c: &Connection,
    dfid: u32,
    name: &[u8],
    mode: u32,
    gid: u32,
    entry: Entry,
) -> Result<Qid> {
    if let Entry::Node = entry {
        match proto::mknod_kind(mode) {
            MknodKind::Made => {}
            MknodKind::Refused => return Err(EPERM),
            MknodKind::Invalid => return Err(EINVAL),
        }
    }
    let (dir, name) = directory_and_name(c, dfid, name)?;
    let attach = &dir.attach;
    let new = c.server.creators.run(|| {
        dir.node
            .make(&attach.creds, &attach.root, name, mode, gid, entry)
    })?;
    qid_of_new(&dir, &new)
}

/// Tsymlink: the target is stored as it is, never followed here.
pub(super) fn symlink(
    c: &Connection,
    dfid: u32,
    name: &[u8],
    target: &[u8],
    gid: u32,
) -> Result<Qid> {
    let target = proto::symlink_target(target).map_err(|bad| match bad {
        BadTarget::Empty => ENOENT,
        BadTarget::Nul => EINVAL,
        BadTarget::TooLong => errno::enametoolong(),
    })?;
    let (dir, name) = directory_and_name(c, dfid, name)?;
    let attach = &dir.attach;
    let new = dir
        .node
        .symlink(&attach.creds, &attach.root, name, target, gid)?;
    qid_of_new(&dir, &new)
}

/// Tlink: `fid` as `name` in `dfid`, by the protected-hardlinks rule.
pub(super) fn link(c: &Connection, dfid: u32, fid: u32, name: &[u8]) -> Result {
    let (dir, name) = directory_and_name(c, dfid, name)?;
    let source = c.fids.get(fid)?;
    let attach = &dir.attach;
    dir.node
        .link(&attach.creds, &attach.root, name, &source.node)
}

/// Trename: the entry `fid` is, to `name` in `dfid`.
pub(super) fn rename(c: &Connection, fid: u32, dfid: u32, name: &[u8]) -> Result {
    let (dir, name) = directory_and_name(c, dfid, name)?;
    let source = c.fids.get(fid)?;
    let attach = &dir.attach;
    dir.node.rename(
        &attach.creds,
        &attach.root,
        RenameFrom::Node(&source.node),
        name,
    )
}

/// Trenameat: `oldname` of `olddfid` to `newname` of `newdfid`.
pub(super) fn renameat(
    c: &Connection,
    olddfid: u32,
    oldname: &[u8],
    newdfid: u32,
    newname: &[u8],
) -> Result {
    let (olddir, oldname) = directory_and_name(c, olddfid, oldname)?;
    let (newdir, newname) = directory_and_name(c, newdfid, newname)?;
    let attach = &newdir.attach;
    let from = RenameFrom::Entry {
        dir: &olddir.node,
        name: oldname,
    };
    newdir
        .node
        .rename(&attach.creds, &attach.root, from, newname)
}

/// Tunlinkat: flags 0 (not a directory) or AT_REMOVEDIR (a directory).
pub(super) fn unlinkat(c: &Connection, dfid: u32, name: &[u8], flags: u32) -> Result {
    if flags & !AT_REMOVEDIR != 0 {
        return Err(EINVAL);
    }
    let (dir, name) = directory_and_name(c, dfid, name)?;
    let attach = &dir.attach;
    dir.node
        .unlink(&attach.creds, &attach.root, name, flags == AT_REMOVEDIR)
}

/// Tremove: removes what `fid` is, and clunks the fid whatever happens.
pub(super) fn remove(c: &Connection, fid: u32) -> Result {
    let fid = c.fids.remove(fid)?;
    fid.node.remove(&fid.attach.creds, &fid.attach.root)
}
