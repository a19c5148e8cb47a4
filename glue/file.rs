// SPDX-License-Identifier: GPL-2.0

//! Small files read whole through `glue/file.c`: account files, a user's
//! plan. The buffer is sized to the file (at most the caller's limit).

use crate::ffi::{rks_free, rks_read_file};
use core::ptr::NonNull;
use kernel::error::from_err_ptr;
use kernel::ffi::c_void;
use kernel::prelude::*;
use kernel::str::CStr;

/// `/etc/passwd` and `/etc/group` are read up to this size.
pub const MAX_ACCOUNT_FILE: usize = 1 << 20;

/// The first bytes of a file, in a buffer sized to them.
///
/// # Invariants
///
/// `data` points to a `kvmalloc` buffer of at least `len` initialised bytes,
/// owned by this object.
pub struct FileData {
    data: NonNull<u8>,
    len: usize,
}

// SAFETY: the buffer is owned and only read through `&self`.
unsafe impl Send for FileData {}
// SAFETY: as above.
unsafe impl Sync for FileData {}

impl FileData {
    /// The bytes read.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `data` holds `len` initialised bytes (type invariants).
        unsafe { core::slice::from_raw_parts(self.data.as_ptr(), self.len) }
    }

    /// Takes the result of a glue read function: a buffer or an `ERR_PTR`.
    ///
    /// # Safety
    ///
    /// `ptr` must be an `ERR_PTR`, or a `kvmalloc` buffer holding `len`
    /// initialised bytes whose ownership passes to the result.
    pub unsafe fn from_glue(ptr: *mut c_void, len: usize) -> Result<Self> {
        let data = NonNull::new(from_err_ptr(ptr)?.cast::<u8>()).ok_or(ENOMEM)?;
        // INVARIANT: the caller passes a `kvmalloc` buffer of `len` bytes.
        Ok(Self { data, len })
    }
}

impl Drop for FileData {
    fn drop(&mut self) {
        // SAFETY: `data` is a `kvmalloc` buffer we own (type invariants).
        unsafe { rks_free(self.data.as_ptr().cast()) };
    }
}

/// Reads up to `max` bytes of `path` with the kernel's credentials.
pub fn read_file(path: &CStr, max: usize) -> Result<FileData> {
    let mut len = 0;
    // SAFETY: `path` is NUL-terminated and `len` a valid place for the length.
    let ptr = unsafe { rks_read_file(path.as_char_ptr(), max, &mut len) };
    // SAFETY: the glue returns an `ERR_PTR` or a buffer of `len` bytes read.
    unsafe { FileData::from_glue(ptr, len) }
}
