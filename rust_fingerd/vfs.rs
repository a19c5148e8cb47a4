// SPDX-License-Identifier: GPL-2.0

//! The files `rust_fingerd` reads, through the C glue: `/etc/passwd` and
//! `/etc/group` with the kernel's credentials, a user's `.plan`, `.project`
//! and `.pubkey` with that user's, checked before they are opened.

use crate::creds::Credential;
pub(crate) use crate::file::{read_file, FileData};
use kernel::error::to_result;
use kernel::ffi::{c_char, c_int, c_void};
use kernel::prelude::*;
use kernel::str::CStr;

extern "C" {
    fn rust_fingerd_stat_key(path: *const c_char, key: *mut u64) -> c_int;
    fn rust_fingerd_read_published(
        home: *const c_char,
        name: *const c_char,
        uid: u32,
        max: usize,
        len: *mut usize,
    ) -> *mut c_void;
    fn rust_fingerd_log_ratelimit() -> bool;
}

/// What identifies one version of a file: inode, size, mtime, ctime.
pub(crate) type StatKey = [u64; 4];

/// The identity of the current version of `path`.
pub(crate) fn stat_key(path: &CStr) -> Result<StatKey> {
    let mut key = [0u64; 4];
    // SAFETY: `path` is NUL-terminated and `key` has room for 4 values.
    to_result(unsafe { rust_fingerd_stat_key(path.as_char_ptr(), key.as_mut_ptr()) })?;
    Ok(key)
}

/// Reads up to `max` bytes of the file `name` in `home` as user `uid`/`gid`:
/// a regular file of that user, on the home's file system, which must not
/// be FUSE or a network file system; nothing is opened before it is
/// checked, and symlinks are not followed (see the glue).
pub(crate) fn read_published(
    home: &CStr,
    name: &CStr,
    uid: u32,
    gid: u32,
    max: usize,
) -> Result<FileData> {
    let owner = Credential::new(uid, gid, &[])?;
    let mut len = 0;
    // SAFETY: both strings are NUL-terminated and `len` a valid place for
    // the length; the glue returns an `ERR_PTR` or a `kvmalloc` buffer sized
    // to the file (at least one byte) with the `len` bytes read, ours now.
    owner.run(|| unsafe {
        let ptr =
            rust_fingerd_read_published(home.as_char_ptr(), name.as_char_ptr(), uid, max, &mut len);
        FileData::from_glue(ptr, len)
    })
}

/// Whether a per-query log line may be printed now (kernel rate limit).
pub(crate) fn log_allowed() -> bool {
    // SAFETY: no preconditions; the rate-limit state lives in the glue.
    unsafe { rust_fingerd_log_ratelimit() }
}
