// SPDX-License-Identifier: GPL-2.0

//! Changing the export, through `modify.c`: opening for writing, creating
//! entries, linking, renaming, removing, writing and setting attributes.
//! Each call is one synchronous C helper that takes and releases its locks;
//! the ones that create run with umask 0 (see `creator.rs`), which the
//! caller arranges.

use super::glue::{
    rust_9p_create, rust_9p_link, rust_9p_mkdir, rust_9p_mknod, rust_9p_open, rust_9p_remove,
    rust_9p_rename, rust_9p_setattr, rust_9p_setxattr, rust_9p_symlink, rust_9p_unlink,
    rust_9p_write, SetAttr,
};
use super::node::dentry_from_glue;
use super::{Node, OpenFile};
use crate::budget::Charge;
use crate::creds::Credential;
use crate::errno::to_count;
use kernel::bindings;
use kernel::error::to_result;
use kernel::prelude::*;

/// A glue function that makes an entry: `rust_9p_mkdir`, `rust_9p_mknod`.
type MakeEntry = unsafe extern "C" fn(
    *const bindings::path,
    *const bindings::path,
    *const u8,
    usize,
    u32,
    u32,
) -> *mut bindings::dentry;

/// What [`Node::make`] creates.
#[derive(Clone, Copy)]
pub(crate) enum Entry {
    /// A directory (Tmkdir).
    Directory,
    /// A fifo, a socket or an empty regular file, as the mode says (Tmknod).
    Node,
}

/// The entry a rename moves.
pub(crate) enum RenameFrom<'a> {
    /// The entry `name` of the directory `dir` (Trenameat).
    Entry { dir: &'a Node, name: &'a [u8] },
    /// The entry a fid is (Trename).
    Node(&'a Node),
}

impl Node {
    /// Opens this regular file or directory with the kernel open `flags`
    /// (`O_CREAT` and friends already stripped), as `open(2)` would check;
    /// the open file holds `charge`.
    pub(crate) fn open(
        &self,
        as_user: &Credential,
        flags: u32,
        charge: Charge,
    ) -> Result<OpenFile> {
        let path = self.path();
        // SAFETY: `path` holds references we own.
        let file = as_user.run(|| unsafe { rust_9p_open(&path, flags) });
        // SAFETY: the glue returns an `ERR_PTR` or a new file reference.
        unsafe { OpenFile::from_glue(file, charge) }
    }

    /// Creates and opens the regular file `name` in this directory (or
    /// opens the existing one, unless `flags` has `O_EXCL`); the open file
    /// holds `charge`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn create(
        &self,
        as_user: &Credential,
        root: &Node,
        name: &[u8],
        flags: u32,
        mode: u32,
        gid: u32,
        charge: Charge,
    ) -> Result<OpenFile> {
        let (dir, root) = (self.path(), root.path());
        // SAFETY: both paths hold references we own; `name` is valid for
        // its length.
        let file = as_user.run(|| unsafe {
            rust_9p_create(&root, &dir, name.as_ptr(), name.len(), flags, mode, gid)
        });
        // SAFETY: the glue returns an `ERR_PTR` or a new file reference.
        unsafe { OpenFile::from_glue(file, charge) }
    }

    /// Creates `name` in this directory: a directory, or the fifo, socket
    /// or empty regular file `mode` names (devices are refused before).
    pub(crate) fn make(
        &self,
        as_user: &Credential,
        root: &Node,
        name: &[u8],
        mode: u32,
        gid: u32,
        entry: Entry,
    ) -> Result<Node> {
        let make: MakeEntry = match entry {
            Entry::Directory => rust_9p_mkdir,
            Entry::Node => rust_9p_mknod,
        };
        let (dir, rootp) = (self.path(), root.path());
        // SAFETY: both paths hold references we own; `name` is valid for
        // its length.
        let dentry =
            as_user.run(|| unsafe { make(&rootp, &dir, name.as_ptr(), name.len(), mode, gid) });
        // SAFETY: the glue returns an `ERR_PTR` or a new dentry reference.
        unsafe { self.child(dentry) }
    }

    /// Creates the symlink `name` in this directory, pointing at `target`.
    pub(crate) fn symlink(
        &self,
        as_user: &Credential,
        root: &Node,
        name: &[u8],
        target: &[u8],
        gid: u32,
    ) -> Result<Node> {
        let (dir, rootp) = (self.path(), root.path());
        // SAFETY: both paths hold references we own; `name` and `target`
        // are valid for their lengths.
        let dentry = as_user.run(|| unsafe {
            rust_9p_symlink(
                &rootp,
                &dir,
                name.as_ptr(),
                name.len(),
                target.as_ptr(),
                target.len(),
                gid,
            )
        });
        // SAFETY: the glue returns an `ERR_PTR` or a new dentry reference.
        unsafe { self.child(dentry) }
    }

    /// A node for an entry the glue made in this directory.
    ///
    /// # Safety
    ///
    /// `dentry` must be an `ERR_PTR`, or a reference to a valid dentry
    /// that the caller owns and gives up.
    unsafe fn child(&self, dentry: *mut bindings::dentry) -> Result<Node> {
        // SAFETY: the caller's guarantee.
        Ok(Node::on_mount(self, unsafe { dentry_from_glue(dentry)? }))
    }

    /// Links `source` as `name` in this directory.
    pub(crate) fn link(
        &self,
        as_user: &Credential,
        root: &Node,
        name: &[u8],
        source: &Node,
    ) -> Result {
        let (dir, rootp, source) = (self.path(), root.path(), source.path());
        to_result(as_user.run(|| {
            // SAFETY: the paths hold references we own; `name` is valid for
            // its length.
            unsafe { rust_9p_link(&rootp, &dir, name.as_ptr(), name.len(), &source) }
        }))
    }

    /// Removes the entry `name` of this directory: a directory if `rmdir`,
    /// anything else if not.
    pub(crate) fn unlink(
        &self,
        as_user: &Credential,
        root: &Node,
        name: &[u8],
        rmdir: bool,
    ) -> Result {
        let (dir, rootp) = (self.path(), root.path());
        to_result(as_user.run(|| {
            // SAFETY: both paths hold references we own; `name` is valid for
            // its length.
            unsafe { rust_9p_unlink(&rootp, &dir, name.as_ptr(), name.len(), rmdir) }
        }))
    }

    /// Removes this entry from its directory (Tremove).
    pub(crate) fn remove(&self, as_user: &Credential, root: &Node) -> Result {
        let (path, rootp) = (self.path(), root.path());
        // SAFETY: both paths hold references we own.
        to_result(as_user.run(|| unsafe { rust_9p_remove(&rootp, &path) }))
    }

    /// Moves `from` to `name` of the directory `self`.
    pub(crate) fn rename(
        &self,
        as_user: &Credential,
        root: &Node,
        from: RenameFrom<'_>,
        name: &[u8],
    ) -> Result {
        let (newdir, rootp) = (self.path(), root.path());
        let none = bindings::path::default();
        let (olddir, old, olen, source) = match from {
            RenameFrom::Entry { dir, name } => (dir.path(), name.as_ptr(), name.len(), none),
            RenameFrom::Node(node) => (none, core::ptr::null(), 0, node.path()),
        };
        // SAFETY: the paths hold references we own (or are unused when
        // empty); the names are valid for their lengths.
        to_result(as_user.run(|| unsafe {
            rust_9p_rename(
                &rootp,
                &olddir,
                old,
                olen,
                &source,
                &newdir,
                name.as_ptr(),
                name.len(),
            )
        }))
    }

    /// Sets the attributes `sa` says (through `file`, when the fid is open
    /// for writing: a size change then follows ftruncate's rules).
    pub(crate) fn setattr(
        &self,
        as_user: &Credential,
        file: Option<&OpenFile>,
        sa: &SetAttr,
    ) -> Result {
        let path = self.path();
        let file = file.map_or(core::ptr::null_mut(), OpenFile::as_ptr);
        // SAFETY: `path` holds references we own, `file` is NULL or a file
        // we hold a reference to, and `sa` has the glue's layout.
        to_result(as_user.run(|| unsafe { rust_9p_setattr(&path, file, sa) }))
    }

    /// Sets extended attribute `name` to `value` with setxattr(2)'s
    /// `flags`, or removes it when `value` is empty; POSIX ACLs included.
    pub(crate) fn set_xattr(
        &self,
        as_user: &Credential,
        name: &[u8],
        value: &[u8],
        flags: u32,
    ) -> Result {
        let path = self.path();
        // SAFETY: `path` holds references we own; `name` and `value` are
        // valid for their lengths.
        to_result(as_user.run(|| unsafe {
            rust_9p_setxattr(
                &path,
                name.as_ptr(),
                name.len(),
                value.as_ptr(),
                value.len(),
                flags,
            )
        }))
    }
}

impl OpenFile {
    /// Writes `data` at `offset` (at the end, for a file opened to
    /// append); returns how much was written.
    pub(crate) fn write(&self, as_user: &Credential, data: &[u8], offset: u64) -> Result<usize> {
        let file = self.as_ptr();
        // SAFETY: we hold a reference to the file; `data` is valid for its
        // length.
        to_count(as_user.run(|| unsafe { rust_9p_write(file, data.as_ptr(), data.len(), offset) }))
    }

    /// Writes the file's dirty data (and, unless `datasync`, its metadata)
    /// to storage.
    pub(crate) fn fsync(&self, as_user: &Credential, datasync: bool) -> Result {
        let file = self.as_ptr();
        // SAFETY: we hold a reference to the file.
        to_result(as_user.run(|| unsafe { bindings::vfs_fsync(file, datasync.into()) }))
    }
}

/// The kernel's open flags for the 9P2000.L ones `flags` (already cut down
/// to what `proto::open_flags::HONOURED` keeps, and `O_EXCL`).
pub(crate) fn kernel_open_flags(flags: u32) -> u32 {
    use crate::proto::open_flags as p9;
    const SYNC_ONLY: u32 = p9::SYNC & !p9::DSYNC;
    let map = [
        (p9::WRONLY, bindings::O_WRONLY),
        (p9::RDWR, bindings::O_RDWR),
        (p9::EXCL, bindings::O_EXCL),
        (p9::TRUNC, bindings::O_TRUNC),
        (p9::APPEND, bindings::O_APPEND),
        (p9::NONBLOCK, bindings::O_NONBLOCK),
        (p9::DSYNC, bindings::O_DSYNC),
        (SYNC_ONLY, bindings::__O_SYNC),
        (p9::DIRECTORY, bindings::O_DIRECTORY),
        (p9::NOFOLLOW, bindings::O_NOFOLLOW),
        (p9::NOATIME, bindings::O_NOATIME),
    ];
    map.iter()
        .filter(|(ours, _)| flags & ours == *ours)
        .fold(0, |kernel, (_, theirs)| kernel | theirs)
}
