// SPDX-License-Identifier: GPL-2.0

//! The declarations of `rust_9p/vfs/vfs.h`: rust_9p's VFS helpers.

use kernel::bindings;
use kernel::ffi::{c_char, c_int, c_uint, c_void};

/// What Rstatfs needs (`struct rust_9p_statfs`).
#[repr(C)]
#[derive(Default)]
pub(crate) struct StatFs {
    pub(crate) blocks: u64,
    pub(crate) bfree: u64,
    pub(crate) bavail: u64,
    pub(crate) files: u64,
    pub(crate) ffree: u64,
    pub(crate) fsid: u64,
    pub(crate) kind: u32,
    pub(crate) bsize: u32,
    pub(crate) namelen: u32,
}

// The C side asserts the same: RUST_9P_STATFS_SIZE, RUST_9P_STATFS_NAMELEN.
kernel::static_assert!(core::mem::size_of::<StatFs>() == 64);
kernel::static_assert!(core::mem::offset_of!(StatFs, namelen) == 56);

/// The fields of Tsetattr (`struct rust_9p_setattr`): `valid` has the
/// `P9_ATTR_*` bits of those to set.
#[repr(C)]
#[derive(Default)]
pub(crate) struct SetAttr {
    pub(crate) valid: u32,
    pub(crate) mode: u32,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) size: u64,
    pub(crate) atime_sec: u64,
    pub(crate) atime_nsec: u64,
    pub(crate) mtime_sec: u64,
    pub(crate) mtime_nsec: u64,
}

// The C side asserts the same: RUST_9P_SETATTR_SIZE, RUST_9P_SETATTR_MTIME_NSEC.
kernel::static_assert!(core::mem::size_of::<SetAttr>() == 56);
kernel::static_assert!(core::mem::offset_of!(SetAttr, mtime_nsec) == 48);

/// A POSIX lock (`struct rust_9p_lock`): bytes `start..=end`, the pid,
/// and the type (`F_RDLCK`, `F_WRLCK` or `F_UNLCK`, 9P's numbers too).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct Lock {
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) pid: u32,
    pub(crate) kind: u32,
}

// The C side asserts the same: RUST_9P_LOCK_SIZE, RUST_9P_LOCK_TYPE.
kernel::static_assert!(core::mem::size_of::<Lock>() == 24);
kernel::static_assert!(core::mem::offset_of!(Lock, kind) == 20);

// Only pointers cross. The pointees include bindgen's empty stand-ins for
// structs that this configuration compiles out, which the lint takes for
// FFI-unsafe types.
#[allow(improper_ctypes)]
extern "C" {
    pub(crate) fn rust_9p_dget(dentry: *mut bindings::dentry) -> *mut bindings::dentry;
    pub(crate) fn rust_9p_file_get(file: *mut bindings::file);
    pub(crate) fn rust_9p_file_path(file: *mut bindings::file, out: *mut bindings::path);
    pub(crate) fn rust_9p_root_lookup(name: *const c_char, out: *mut bindings::path) -> c_int;
    pub(crate) fn rust_9p_walk(
        root: *const bindings::path,
        from: *const bindings::path,
        name: *const u8,
        len: usize,
    ) -> *mut bindings::dentry;
    pub(crate) fn rust_9p_statfs(path: *const bindings::path, st: *mut StatFs) -> c_int;
    pub(crate) fn rust_9p_readlink(path: *const bindings::path, buf: *mut u8, len: usize) -> c_int;
    pub(crate) fn rust_9p_file_size(file: *mut bindings::file) -> u64;
    pub(crate) fn rust_9p_read_pages(
        file: *mut bindings::file,
        offset: u64,
        count: usize,
        bv: *mut bindings::bio_vec,
        max: c_uint,
        nr: *mut c_uint,
    ) -> isize;
    pub(crate) fn rust_9p_readdir(
        file: *mut bindings::file,
        offset: u64,
        ctx: *mut bindings::dir_context,
    ) -> c_int;
    pub(crate) fn rust_9p_xattr(
        path: *const bindings::path,
        name: *const u8,
        nlen: usize,
        buf: *mut u8,
        len: usize,
    ) -> isize;
    pub(crate) fn rust_9p_setlk(
        file: *mut bindings::file,
        owner: *mut c_void,
        lock: *const Lock,
    ) -> c_int;
    pub(crate) fn rust_9p_getlk(
        file: *mut bindings::file,
        owner: *mut c_void,
        lock: *mut Lock,
    ) -> c_int;
    pub(crate) fn rust_9p_count_locks(file: *mut bindings::file, owner: *mut c_void) -> c_uint;
    pub(crate) fn rust_9p_unlock_all(file: *mut bindings::file, owner: *mut c_void);

    pub(crate) fn rust_9p_open(path: *const bindings::path, flags: u32) -> *mut bindings::file;
    pub(crate) fn rust_9p_create(
        root: *const bindings::path,
        dir: *const bindings::path,
        name: *const u8,
        len: usize,
        flags: u32,
        mode: u32,
        gid: u32,
    ) -> *mut bindings::file;
    pub(crate) fn rust_9p_mkdir(
        root: *const bindings::path,
        dir: *const bindings::path,
        name: *const u8,
        len: usize,
        mode: u32,
        gid: u32,
    ) -> *mut bindings::dentry;
    pub(crate) fn rust_9p_mknod(
        root: *const bindings::path,
        dir: *const bindings::path,
        name: *const u8,
        len: usize,
        mode: u32,
        gid: u32,
    ) -> *mut bindings::dentry;
    pub(crate) fn rust_9p_symlink(
        root: *const bindings::path,
        dir: *const bindings::path,
        name: *const u8,
        len: usize,
        target: *const u8,
        tlen: usize,
        gid: u32,
    ) -> *mut bindings::dentry;
    pub(crate) fn rust_9p_link(
        root: *const bindings::path,
        dir: *const bindings::path,
        name: *const u8,
        len: usize,
        source: *const bindings::path,
    ) -> c_int;
    pub(crate) fn rust_9p_unlink(
        root: *const bindings::path,
        dir: *const bindings::path,
        name: *const u8,
        len: usize,
        rmdir: bool,
    ) -> c_int;
    pub(crate) fn rust_9p_remove(root: *const bindings::path, path: *const bindings::path)
        -> c_int;
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn rust_9p_rename(
        root: *const bindings::path,
        olddir: *const bindings::path,
        old: *const u8,
        olen: usize,
        source: *const bindings::path,
        newdir: *const bindings::path,
        new: *const u8,
        nlen: usize,
    ) -> c_int;
    pub(crate) fn rust_9p_write(
        file: *mut bindings::file,
        buf: *const u8,
        len: usize,
        offset: u64,
    ) -> isize;
    pub(crate) fn rust_9p_setattr(
        path: *const bindings::path,
        file: *mut bindings::file,
        sa: *const SetAttr,
    ) -> c_int;
    pub(crate) fn rust_9p_setxattr(
        path: *const bindings::path,
        name: *const u8,
        nlen: usize,
        value: *const u8,
        size: usize,
        flags: u32,
    ) -> c_int;

    pub(crate) fn rust_9p_creator_new() -> *mut bindings::kthread_worker;
    pub(crate) fn rust_9p_creator_destroy(worker: *mut bindings::kthread_worker);
    pub(crate) fn rust_9p_creator_enter(
        creator: *mut bindings::kthread_worker,
    ) -> *mut bindings::fs_struct;
    pub(crate) fn rust_9p_creator_leave(own: *mut bindings::fs_struct);
}
