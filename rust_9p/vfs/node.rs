// SPDX-License-Identifier: GPL-2.0

//! Files and directories of the export: a dentry and its mount, and what
//! can be done with one short of opening it. Every access is made as the
//! client's user (`as_user`).

use super::glue::{
    rust_9p_dget, rust_9p_readlink, rust_9p_root_lookup, rust_9p_statfs, rust_9p_walk,
    rust_9p_xattr, StatFs,
};
use crate::creds::Credential;
use crate::errno::to_count;
use crate::proto;
use core::ptr::NonNull;
use kernel::bindings;
use kernel::error::{from_err_ptr, to_result};
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::types::{ARef, AlwaysRefCounted, Opaque};

/// A `struct dentry`.
///
/// # Invariants
///
/// The object is a valid dentry, alive while a reference is held.
#[repr(transparent)]
pub(crate) struct Dentry(Opaque<bindings::dentry>);

// SAFETY: dentries are reference counted atomically and may be used and
// released from any thread.
unsafe impl Send for Dentry {}
// SAFETY: as above.
unsafe impl Sync for Dentry {}

// SAFETY: `dget` and `dput` keep the dentry alive while references remain.
unsafe impl AlwaysRefCounted for Dentry {
    fn inc_ref(&self) {
        // SAFETY: the dentry is valid (type invariants).
        unsafe { rust_9p_dget(self.0.get()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up a reference it holds.
        unsafe { bindings::dput(obj.cast().as_ptr()) };
    }
}

/// A `struct vfsmount`.
///
/// # Invariants
///
/// The object is a valid mount, alive while a reference is held.
#[repr(transparent)]
pub(crate) struct Mount(Opaque<bindings::vfsmount>);

// SAFETY: mounts are reference counted atomically and may be used and
// released from any thread.
unsafe impl Send for Mount {}
// SAFETY: as above.
unsafe impl Sync for Mount {}

// SAFETY: `mntget` and `mntput` keep the mount alive while references
// remain.
unsafe impl AlwaysRefCounted for Mount {
    fn inc_ref(&self) {
        // SAFETY: the mount is valid (type invariants).
        unsafe { bindings::mntget(self.0.get()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up a reference it holds.
        unsafe { bindings::mntput(obj.cast().as_ptr()) };
    }
}

/// Takes over a dentry reference returned by the glue (or its `ERR_PTR`).
///
/// # Safety
///
/// `ptr` must be an `ERR_PTR`, or a reference to a valid dentry that the
/// caller owns and gives up.
pub(super) unsafe fn dentry_from_glue(ptr: *mut bindings::dentry) -> Result<ARef<Dentry>> {
    let ptr = from_err_ptr(ptr)?;
    let ptr = NonNull::new(ptr).ok_or(ENOMEM)?;
    // SAFETY: not an `ERR_PTR` or NULL, so a reference the caller gives up
    // (the caller's guarantee).
    Ok(unsafe { ARef::from_raw(ptr.cast()) })
}

/// The attributes of a node.
#[derive(Clone, Copy, Default)]
pub(crate) struct Stat {
    pub(crate) ino: u64,
    pub(crate) nlink: u64,
    pub(crate) rdev: u64,
    pub(crate) size: u64,
    pub(crate) blksize: u64,
    pub(crate) blocks: u64,
    pub(crate) atime: (u64, u64),
    pub(crate) mtime: (u64, u64),
    pub(crate) ctime: (u64, u64),
    pub(crate) dev: u32,
    pub(crate) mode: u32,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
}

/// A `timespec64` as (seconds, nanoseconds) of 9P (times before 1970 wrap).
fn time(t: &bindings::timespec64) -> (u64, u64) {
    (t.tv_sec as u64, t.tv_nsec as u64)
}

impl From<&bindings::kstat> for Stat {
    fn from(k: &bindings::kstat) -> Self {
        Stat {
            ino: k.ino,
            nlink: k.nlink.into(),
            rdev: proto::encode_dev(k.rdev).into(),
            // Sizes are never negative.
            size: k.size as u64,
            blksize: k.blksize.into(),
            blocks: k.blocks,
            atime: time(&k.atime),
            mtime: time(&k.mtime),
            ctime: time(&k.ctime),
            dev: proto::encode_dev(k.dev),
            mode: k.mode.into(),
            uid: proto::munge_id(k.uid.val),
            gid: proto::munge_id(k.gid.val),
        }
    }
}

/// One step of a walk.
#[derive(Clone, Copy)]
pub(crate) enum Step<'a> {
    /// The parent directory (the attach root is its own parent).
    Parent,
    /// A directory entry; the caller has checked the name.
    Name(&'a [u8]),
}

/// A file or directory of the export.
#[derive(Clone)]
pub(crate) struct Node {
    mnt: ARef<Mount>,
    dentry: ARef<Dentry>,
}

impl Node {
    /// The node `dentry` on the mount of `on`.
    pub(super) fn on_mount(on: &Node, dentry: ARef<Dentry>) -> Self {
        Node {
            mnt: on.mnt.clone(),
            dentry,
        }
    }

    /// The node whose references `path` holds, which it takes over.
    ///
    /// # Safety
    ///
    /// `path` must hold one reference to each of a valid mount and dentry.
    pub(super) unsafe fn from_path(path: bindings::path) -> Self {
        // SAFETY: the caller passes the references, which are not NULL.
        unsafe {
            Node {
                mnt: ARef::from_raw(NonNull::new_unchecked(path.mnt.cast())),
                dentry: ARef::from_raw(NonNull::new_unchecked(path.dentry.cast())),
            }
        }
    }

    /// The node's `struct path`, borrowing its references.
    pub(super) fn path(&self) -> bindings::path {
        bindings::path {
            mnt: self.mnt.0.get(),
            dentry: self.dentry.0.get(),
        }
    }

    /// The directory `name` (an absolute path; symlinks in it are
    /// followed), looked up with the loader's credentials.
    pub(crate) fn lookup_root(name: &CStr) -> Result<Self> {
        let mut path = bindings::path::default();
        // SAFETY: `name` is NUL-terminated and `path` a valid place for the
        // result.
        to_result(unsafe { rust_9p_root_lookup(name.as_char_ptr(), &mut path) })?;
        // SAFETY: on success `path` holds one reference to each of a valid
        // mount and dentry.
        Ok(unsafe { Node::from_path(path) })
    }

    /// One step from this directory, staying beneath `root` without
    /// following symlinks or crossing mounts.
    pub(crate) fn walk(&self, as_user: &Credential, root: &Node, step: Step<'_>) -> Result<Self> {
        let (name, len) = match step {
            Step::Parent => (core::ptr::null(), 0),
            Step::Name(name) => (name.as_ptr(), name.len()),
        };
        let (from, root) = (self.path(), root.path());
        // SAFETY: both paths hold references we own, and `name` (when not
        // null) is valid for `len` bytes.
        let dentry = as_user.run(|| unsafe { rust_9p_walk(&root, &from, name, len) });
        // SAFETY: the glue returns an `ERR_PTR` or a new dentry reference.
        Ok(Node::on_mount(self, unsafe { dentry_from_glue(dentry)? }))
    }

    /// Whether the node's file system keeps everything in memory (tmpfs,
    /// ramfs): looking at it and reading from it never wait for storage.
    pub(crate) fn in_memory(&self) -> bool {
        // From include/uapi/linux/magic.h.
        const TMPFS_MAGIC: kernel::ffi::c_ulong = 0x0102_1994;
        const RAMFS_MAGIC: kernel::ffi::c_ulong = 0x8584_58f6;
        // SAFETY: the mount is valid (type invariants), and so is its super
        // block while the mount is.
        let magic = unsafe { (*(*self.mnt.0.get()).mnt_sb).s_magic };
        matches!(magic, TMPFS_MAGIC | RAMFS_MAGIC)
    }

    /// The node's attributes.
    pub(crate) fn stat(&self, as_user: &Credential) -> Result<Stat> {
        let path = self.path();
        let mut k = bindings::kstat::default();
        // SAFETY: `path` holds references we own and `k` is a valid place
        // for the result.
        to_result(as_user.run(|| unsafe {
            bindings::vfs_getattr(
                &path,
                &mut k,
                bindings::STATX_BASIC_STATS,
                bindings::AT_STATX_SYNC_AS_STAT,
            )
        }))?;
        Ok(Stat::from(&k))
    }

    /// Its file system's statistics.
    pub(crate) fn statfs(&self, as_user: &Credential) -> Result<StatFs> {
        let path = self.path();
        let mut st = StatFs::default();
        // SAFETY: `path` holds references we own and `st` has the glue's
        // layout.
        to_result(as_user.run(|| unsafe { rust_9p_statfs(&path, &mut st) }))?;
        Ok(st)
    }

    /// Copies the target of this symlink into `buf`; returns its length.
    pub(crate) fn readlink(&self, as_user: &Credential, buf: &mut [u8]) -> Result<usize> {
        let path = self.path();
        // SAFETY: `path` holds references we own and `buf` is writable for
        // its length.
        to_count(as_user.run(|| unsafe { rust_9p_readlink(&path, buf.as_mut_ptr(), buf.len()) }))
    }

    /// Reads extended attribute `name` into `buf` (or measures it, when
    /// `buf` is empty); with no name, lists the attribute names.
    pub(crate) fn xattr(
        &self,
        as_user: &Credential,
        name: Option<&[u8]>,
        buf: &mut [u8],
    ) -> Result<usize> {
        let (name, nlen) = name.map_or((core::ptr::null(), 0), |n| (n.as_ptr(), n.len()));
        let path = self.path();
        to_count(as_user.run(|| {
            // SAFETY: `path` holds references we own, `name` (when not null)
            // is valid for `nlen` bytes and `buf` writable for its length.
            unsafe { rust_9p_xattr(&path, name, nlen, buf.as_mut_ptr(), buf.len()) }
        }))
    }
}
