// SPDX-License-Identifier: GPL-2.0

//! Writing the text of a `seq_file` (a debugfs file's contents) with
//! `core::fmt`, from a show callback.

use core::fmt;
use kernel::bindings;

/// A `seq_file` being filled by its show callback.
///
/// # Invariants
///
/// `m` is the `seq_file` of a show callback that is running.
pub struct SeqFile {
    m: *mut bindings::seq_file,
}

impl SeqFile {
    /// Wraps the `seq_file` a show callback was given.
    ///
    /// # Safety
    ///
    /// `m` must be the `seq_file` of a show callback that runs as long as
    /// the result is used.
    pub unsafe fn from_raw(m: *mut bindings::seq_file) -> Self {
        // INVARIANT: the caller guarantees it.
        SeqFile { m }
    }
}

impl fmt::Write for SeqFile {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // SAFETY: `m` is the running callback's `seq_file` (type invariants)
        // and `s` is valid for its length.
        unsafe { bindings::seq_write(self.m, s.as_ptr().cast(), s.len()) };
        // A full buffer is not an error here: the seq_file code calls the
        // show callback again with a bigger one.
        Ok(())
    }
}
