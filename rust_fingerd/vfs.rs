// SPDX-License-Identifier: GPL-2.0

//! The files `rust_fingerd` reads, through the C glue: `/etc/passwd` and
//! `/etc/group` with the kernel's credentials, a user's `.plan`, `.project`
//! and `.pubkey` with that user's.

use core::ptr::NonNull;
use kernel::ffi::{c_char, c_int, c_void};
use kernel::prelude::*;
use kernel::str::CStr;

extern "C" {
    fn rust_fingerd_stat_key(path: *const c_char, key: *mut u64) -> c_int;
    fn rust_fingerd_read_file(path: *const c_char, max: usize, len: *mut usize) -> *mut c_void;
    fn rust_fingerd_read_as_owner(
        path: *const c_char,
        uid: u32,
        gid: u32,
        max: usize,
        len: *mut usize,
    ) -> *mut c_void;
    fn rust_fingerd_free(data: *mut c_void);
    fn rust_fingerd_log_ratelimit() -> bool;
}

/// What identifies one version of a file: inode, size, mtime, ctime.
pub(crate) type StatKey = [u64; 4];

/// The identity of the current version of `path`.
pub(crate) fn stat_key(path: &CStr) -> Result<StatKey> {
    let mut key = [0u64; 4];
    // SAFETY: `path` is NUL-terminated and `key` has room for 4 values.
    let err = unsafe { rust_fingerd_stat_key(path.as_char_ptr(), key.as_mut_ptr()) };
    if err < 0 {
        return Err(Error::from_errno(err));
    }
    Ok(key)
}

/// The first bytes of a file, in a buffer sized to them.
///
/// # Invariants
///
/// `data` points to a `kvmalloc` buffer of at least `len` initialised bytes,
/// owned by this object.
pub(crate) struct FileData {
    data: NonNull<u8>,
    len: usize,
}

// SAFETY: the buffer is owned and only read through `&self`.
unsafe impl Send for FileData {}
// SAFETY: as above.
unsafe impl Sync for FileData {}

impl FileData {
    /// The bytes read.
    pub(crate) fn bytes(&self) -> &[u8] {
        // SAFETY: `data` holds `len` initialised bytes (type invariants).
        unsafe { core::slice::from_raw_parts(self.data.as_ptr(), self.len) }
    }

    /// Takes the result of a glue read function: a buffer or an `ERR_PTR`.
    fn from_glue(ptr: *mut c_void, len: usize) -> Result<Self> {
        let errno = ptr as isize;
        if (-4095..0).contains(&errno) {
            return Err(Error::from_errno(errno as c_int));
        }
        let data = NonNull::new(ptr.cast::<u8>()).ok_or(ENOMEM)?;
        // INVARIANT: the glue returned a `kvmalloc` buffer of `len` bytes read.
        Ok(Self { data, len })
    }
}

impl Drop for FileData {
    fn drop(&mut self) {
        // SAFETY: `data` is a `kvmalloc` buffer we own (type invariants).
        unsafe { rust_fingerd_free(self.data.as_ptr().cast()) };
    }
}

/// Reads up to `max` bytes of `path` with the kernel's credentials.
pub(crate) fn read_file(path: &CStr, max: usize) -> Result<FileData> {
    let mut len = 0;
    // SAFETY: `path` is NUL-terminated and `len` a valid place for the length.
    let ptr = unsafe { rust_fingerd_read_file(path.as_char_ptr(), max, &mut len) };
    FileData::from_glue(ptr, len)
}

/// Reads up to `max` bytes of `path` as user `uid`/`gid`: the walk and the
/// open use that user's permissions only, and the file must be a regular file
/// the user owns.
pub(crate) fn read_as_owner(path: &CStr, uid: u32, gid: u32, max: usize) -> Result<FileData> {
    let mut len = 0;
    // SAFETY: `path` is NUL-terminated and `len` a valid place for the length.
    let ptr = unsafe { rust_fingerd_read_as_owner(path.as_char_ptr(), uid, gid, max, &mut len) };
    FileData::from_glue(ptr, len)
}

/// Whether a per-query log line may be printed now (kernel rate limit).
pub(crate) fn log_allowed() -> bool {
    // SAFETY: no preconditions; the rate-limit state lives in the glue.
    unsafe { rust_fingerd_log_ratelimit() }
}
