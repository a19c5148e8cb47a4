// SPDX-License-Identifier: GPL-2.0

//! Small files read whole through `glue/file.c`: account files, a user's
//! plan. The buffer is sized to the file (at most the caller's limit).

use crate::ffi::rks_read_file;
use kernel::alloc::KVVec;
use kernel::error::from_err_ptr;
use kernel::ffi::c_void;
use kernel::prelude::*;
use kernel::str::CStr;

/// `/etc/passwd` and `/etc/group` are read up to this size.
pub const MAX_ACCOUNT_FILE: usize = 1 << 20;

/// The first bytes of a file, in a buffer sized to them.
pub struct FileData {
    data: KVVec<u8>,
}

impl FileData {
    /// The bytes read.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// Takes the result of a glue read function: a buffer or an `ERR_PTR`.
    ///
    /// # Safety
    ///
    /// `ptr` must be an `ERR_PTR`, or a `kvmalloc` buffer of at least
    /// `max(len, 1)` bytes, `len` of them initialised, whose ownership passes
    /// to the result.
    pub unsafe fn from_glue(ptr: *mut c_void, len: usize) -> Result<Self> {
        let ptr = from_err_ptr(ptr)?.cast::<u8>();
        if ptr.is_null() {
            return Err(ENOMEM);
        }
        // SAFETY: the caller passes a `kvmalloc` buffer, which `KVmalloc`
        // frees, of at least `max(len, 1)` bytes, `len` of them initialised.
        // The capacity is not 0, so that dropping the vector frees it.
        let data = unsafe { KVVec::from_raw_parts(ptr, len, len.max(1)) };
        Ok(Self { data })
    }
}

/// Reads up to `max` bytes of `path` with the kernel's credentials.
pub fn read_file(path: &CStr, max: usize) -> Result<FileData> {
    let mut len = 0;
    // SAFETY: `path` is NUL-terminated and `len` a valid place for the
    // length; the glue returns an `ERR_PTR` or a `kvmalloc` buffer sized to
    // the file (at least one byte) with the `len` bytes read, ours now.
    unsafe {
        let ptr = rks_read_file(path.as_char_ptr(), max, &mut len);
        FileData::from_glue(ptr, len)
    }
}
