// SPDX-License-Identifier: GPL-2.0

//! The declarations of `rust_9p/vfs/vfs.h`: rust_9p's VFS helpers.

use kernel::bindings;
use kernel::ffi::{c_char, c_int};

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

// Only pointers cross. The pointees include bindgen's empty stand-ins for
// structs that this configuration compiles out, which the lint takes for
// FFI-unsafe types.
#[allow(improper_ctypes)]
extern "C" {
    pub(crate) fn rust_9p_dget(dentry: *mut bindings::dentry) -> *mut bindings::dentry;
    pub(crate) fn rust_9p_file_get(file: *mut bindings::file);
    pub(crate) fn rust_9p_root_lookup(name: *const c_char, out: *mut bindings::path) -> c_int;
    pub(crate) fn rust_9p_walk(
        root: *const bindings::path,
        from: *const bindings::path,
        name: *const u8,
        len: usize,
    ) -> *mut bindings::dentry;
    pub(crate) fn rust_9p_statfs(path: *const bindings::path, st: *mut StatFs) -> c_int;
    pub(crate) fn rust_9p_readlink(path: *const bindings::path, buf: *mut u8, len: usize) -> c_int;
    pub(crate) fn rust_9p_open(path: *const bindings::path, directory: bool)
        -> *mut bindings::file;
    pub(crate) fn rust_9p_file_size(file: *mut bindings::file) -> u64;
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
}
