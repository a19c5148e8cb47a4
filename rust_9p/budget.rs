// SPDX-License-Identifier: GPL-2.0

//! Budgets. The server-wide ones say what all connections together may
//! hold at once (fids, open files, bytes of extended attribute values held
//! by fids), so that many connections, each within its own limits, cannot
//! pin more than the administrator allows; they are set from the
//! parameters at load. A connection has budgets of its own too (see
//! `connection.rs`), shared with what it charges.

use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::sync::Arc;

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
        Budget::with_max(0)
    }

    /// A budget of `max` units.
    pub(crate) const fn with_max(max: usize) -> Self {
        Budget {
            used: AtomicUsize::new(0),
            max: AtomicUsize::new(max),
        }
    }

    /// Sets the most units there may be (at load, before any connection).
    pub(crate) fn set_max(&self, max: usize) {
        self.max.store(max, Ordering::Relaxed);
    }

    /// Takes `n` units, if that many are left.
    pub(crate) fn take(&'static self, n: usize) -> Option<Charge> {
        self.reserve(n)?;
        Some(Charge {
            budget: Source::Server(self),
            n,
        })
    }

    /// Takes `n` units of a shared budget, if that many are left.
    pub(crate) fn take_shared(budget: &Arc<Budget>, n: usize) -> Option<Charge> {
        budget.reserve(n)?;
        Some(Charge {
            budget: Source::Shared(budget.clone()),
            n,
        })
    }

    fn reserve(&self, n: usize) -> Option<()> {
        let max = self.max.load(Ordering::Relaxed);
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(n).filter(|&total| total <= max)
            })
            .ok()?;
        Some(())
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

/// The budget a [`Charge`] was taken from.
enum Source {
    Server(&'static Budget),
    Shared(Arc<Budget>),
}

/// Units taken from a budget; given back when dropped.
pub(crate) struct Charge {
    budget: Source,
    n: usize,
}

impl Charge {
    /// Keeps the units after this is gone, for a holder that counts them
    /// itself and gives them back with [`Budget::give_back`].
    pub(crate) fn keep(mut self) {
        self.n = 0;
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        match &self.budget {
            Source::Server(budget) => budget.give_back(self.n),
            Source::Shared(budget) => budget.give_back(self.n),
        }
    }
}
