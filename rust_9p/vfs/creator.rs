// SPDX-License-Identifier: GPL-2.0

//! Creating entries with umask 0, so that a client's mode is the new
//! entry's mode: a kthread keeps an fs_struct whose umask is 0
//! (`creator.c`), and [`Creators::run`] makes it the calling worker's for
//! the length of one call. The request creates on its own worker: no
//! hand-off to another thread, no wait.

use super::glue::{
    rust_9p_creator_destroy, rust_9p_creator_enter, rust_9p_creator_leave, rust_9p_creator_new,
};
use kernel::bindings;
use kernel::error::from_err_ptr;
use kernel::prelude::*;
use kernel::sync::Arc;

/// The thread that keeps the fs_struct of umask 0, until the last
/// reference drops (the last request and the server are gone).
///
/// # Invariants
///
/// `worker` is a running creator thread from `rust_9p_creator_new`, owned
/// here and stopped on drop.
pub(crate) struct Creators {
    worker: *mut bindings::kthread_worker,
}

// SAFETY: the thread is only read from (its fs_struct), from any thread.
unsafe impl Send for Creators {}
// SAFETY: as above.
unsafe impl Sync for Creators {}

impl Creators {
    /// Starts the thread.
    pub(crate) fn start() -> Result<Arc<Self>> {
        // SAFETY: no preconditions.
        let worker = from_err_ptr(unsafe { rust_9p_creator_new() })?;
        // INVARIANT: the thread was just started, and is ours.
        // On failure the value is dropped, which stops the thread.
        Ok(Arc::new(Creators { worker }, GFP_KERNEL)?)
    }

    /// Runs `f` (which creates an entry) on this worker with umask 0.
    pub(crate) fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        // SAFETY: `worker` runs while `self` lives (type invariants), and
        // the worker's own fs_struct is given back just below, before
        // anything else runs on it (`f` cannot unwind: panics abort).
        let own = unsafe { rust_9p_creator_enter(self.worker) };
        let made = f();
        // SAFETY: `own` is what `rust_9p_creator_enter` returned, on this
        // same task (`f` runs to its end here, it is not a future).
        unsafe { rust_9p_creator_leave(own) };
        made
    }
}

impl Drop for Creators {
    fn drop(&mut self) {
        // SAFETY: the thread runs (type invariants), and no `run` is inside
        // it: each holds a reference to `self`.
        unsafe { rust_9p_creator_destroy(self.worker) };
    }
}
