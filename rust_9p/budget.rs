// SPDX-License-Identifier: GPL-2.0

//! Server-wide budgets: what all connections together may hold at once
//! (fids, open files, bytes of extended attribute values read into fids),
//! so that many connections, each within its own limits, cannot pin more
//! than the administrator allows. Set from the parameters at load.

use core::sync::atomic::{AtomicUsize, Ordering};

/// One budget: units in use, and the most there may be.
pub(crate) struct Budget {
    used: AtomicUsize,
    max: AtomicUsize,
}

/// Fids, of all connections.
pub(crate) static FIDS: Budget = Budget::new();
/// Open files and directories, of all connections.
pub(crate) static OPEN_FILES: Budget = Budget::new();
/// Bytes of extended attribute values held by fids, of all connections.
pub(crate) static XATTR_BYTES: Budget = Budget::new();

impl Budget {
    const fn new() -> Self {
        Budget {
            used: AtomicUsize::new(0),
            max: AtomicUsize::new(0),
        }
    }

    /// Sets the most units there may be (at load, before any connection).
    pub(crate) fn set_max(&self, max: usize) {
        self.max.store(max, Ordering::Relaxed);
    }

    /// Takes `n` units, if that many are left.
    pub(crate) fn take(&'static self, n: usize) -> Option<Charge> {
        let max = self.max.load(Ordering::Relaxed);
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(n).filter(|&total| total <= max)
            })
            .ok()?;
        Some(Charge { budget: self, n })
    }

    /// Gives back `n` units taken with [`Charge::keep`].
    pub(crate) fn give_back(&self, n: usize) {
        self.used.fetch_sub(n, Ordering::AcqRel);
    }

    /// Units in use now.
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }
}

/// Units taken from a budget; given back when dropped.
pub(crate) struct Charge {
    budget: &'static Budget,
    n: usize,
}

impl Charge {
    /// Keeps the units after this is gone, for a holder that counts them
    /// itself and gives them back with [`Budget::give_back`].
    pub(crate) fn keep(self) {
        core::mem::forget(self);
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        self.budget.give_back(self.n);
    }
}
