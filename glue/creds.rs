// SPDX-License-Identifier: GPL-2.0

//! Credentials of the users the servers act for (`struct cred`, through
//! `glue/creds.c`), and running under them.
//!
//! [`Credential::run`] runs a closure with a credential as the current
//! task's. A closure cannot `.await`, so a task's credentials never leak to
//! whatever the worker runs next, and overrides nest.

use crate::ffi::{rks_cred_get, rks_cred_new, rks_cred_put};
use core::ptr::NonNull;
use kernel::bindings;
use kernel::error::from_err_ptr;
use kernel::prelude::*;
use kernel::types::{ARef, AlwaysRefCounted, Opaque};

/// A `struct cred`: one user, its groups, and no capabilities (or, for a
/// root that is not squashed, the file-system ones).
///
/// # Invariants
///
/// The object is a valid `struct cred`, alive while a reference is held
/// (every `ARef<Credential>` holds one).
#[repr(transparent)]
pub struct Credential(Opaque<bindings::cred>);

// SAFETY: a `struct cred` is immutable once made, and its reference count
// is atomic, so it may be used and released from any thread.
unsafe impl Send for Credential {}
// SAFETY: as above.
unsafe impl Sync for Credential {}

// SAFETY: `get_cred` and `put_cred` keep the object alive while references
// remain (type invariants).
unsafe impl AlwaysRefCounted for Credential {
    fn inc_ref(&self) {
        // SAFETY: the object is valid (type invariants).
        unsafe { rks_cred_get(self.0.get()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up a reference it holds.
        unsafe { rks_cred_put(obj.cast().as_ptr()) };
    }
}

impl Credential {
    /// Credentials of `uid`, `gid` and the supplementary `groups`, without
    /// capabilities: every access is checked as that user's.
    pub fn new(uid: u32, gid: u32, groups: &[u32]) -> Result<ARef<Self>> {
        Self::build(uid, gid, groups, false)
    }

    /// Credentials of `uid`, `gid` and `groups` with the file-system
    /// capabilities only (CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
    /// CAP_FOWNER, CAP_FSETID): for a root that is not squashed.
    pub fn with_fs_caps(uid: u32, gid: u32, groups: &[u32]) -> Result<ARef<Self>> {
        Self::build(uid, gid, groups, true)
    }

    fn build(uid: u32, gid: u32, groups: &[u32], fs_caps: bool) -> Result<ARef<Self>> {
        // SAFETY: `groups` is valid for `groups.len()` reads.
        let cred = unsafe { rks_cred_new(uid, gid, groups.as_ptr(), groups.len(), fs_caps) };
        let cred = from_err_ptr(cred.cast_mut())?;
        // SAFETY: the glue returned a new reference to a valid `struct cred`
        // (not NULL: it returns an `ERR_PTR` on failure).
        Ok(unsafe { ARef::from_raw(NonNull::new_unchecked(cred.cast())) })
    }

    /// The user id file accesses are checked as.
    pub fn fsuid(&self) -> u32 {
        // SAFETY: the object is valid (type invariants), and a `struct
        // cred` does not change once made.
        unsafe { (*self.0.get()).fsuid.val }
    }

    /// The `struct cred` itself.
    pub fn as_ptr(&self) -> *const bindings::cred {
        self.0.get()
    }

    /// Runs `f` with these as the current task's credentials. `f` is not
    /// `async`, so it cannot sleep on the executor with them.
    pub fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        // SAFETY: the credentials are valid; `override_creds` takes its own
        // reference, which `revert_creds` drops.
        let old = unsafe { bindings::override_creds(self.0.get()) };
        let result = f();
        // SAFETY: `old` came from `override_creds` on this task just above,
        // and `f` has returned, restoring whatever it overrode.
        unsafe { bindings::revert_creds(old) };
        result
    }
}
