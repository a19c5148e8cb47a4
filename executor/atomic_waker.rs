// SPDX-License-Identifier: GPL-2.0

//! A cell holding one [`Waker`], registered by a task and woken from any
//! context: a socket wait-queue callback, a timer, another task.
//!
//! Pure logic against `core` only; `host/` runs its tests with real threads.
//!
//! The protocol is lock-free so that `wake` can run in hard-IRQ context with
//! the wait-queue lock held. A wake that races with `register` is never lost:
//! the registering side sees it and wakes the new waker itself.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::task::Waker;

/// No one is registering or waking; the cell may hold a waker.
const IDLE: usize = 0;
/// A `register` call owns the cell.
const REGISTERING: usize = 1;
/// A `wake` call owns the cell (or wants it, when REGISTERING is also set).
const WAKING: usize = 2;

/// A waker slot with one registering side and any number of waking sides.
///
/// # Invariants
///
/// `waker` is accessed only by the caller that moved `state` from `IDLE` to
/// `REGISTERING`, or from `IDLE` to `WAKING`, until it moves it back.
pub struct AtomicWaker {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the waker cell is only touched by whoever owns `state` (see the
// type invariants), and `Waker` is `Send + Sync`, so threads may share the
// slot. `Send` comes with the fields.
unsafe impl Sync for AtomicWaker {}

impl Default for AtomicWaker {
    fn default() -> Self {
        Self::new()
    }
}

impl AtomicWaker {
    /// Creates an empty slot.
    pub const fn new() -> Self {
        Self {
            state: AtomicUsize::new(IDLE),
            waker: UnsafeCell::new(None),
        }
    }

    /// Stores `waker` to be woken by the next [`AtomicWaker::wake`].
    ///
    /// Only one task may register at a time; a concurrent second registration
    /// is ignored (the first one keeps the slot).
    pub fn register(&self, waker: &Waker) {
        match self
            .state
            .compare_exchange(IDLE, REGISTERING, Ordering::Acquire, Ordering::Acquire)
        {
            Ok(_) => {
                // SAFETY: we moved `state` from IDLE to REGISTERING, so we own
                // the cell until we move it back.
                let slot = unsafe { &mut *self.waker.get() };
                match slot {
                    Some(old) if old.will_wake(waker) => {}
                    _ => *slot = Some(waker.clone()),
                }
                if let Err(actual) = self.state.compare_exchange(
                    REGISTERING,
                    IDLE,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    // A wake came in while we held the cell: it left the
                    // waking to us.
                    debug_assert_eq!(actual, REGISTERING | WAKING);
                    let woken = slot.take();
                    self.state.swap(IDLE, Ordering::AcqRel);
                    if let Some(woken) = woken {
                        woken.wake();
                    }
                }
            }
            Err(WAKING) => {
                // A wake is taking the old waker right now; honour it for the
                // new one too.
                waker.wake_by_ref();
            }
            // A concurrent registration holds the cell: it keeps the slot, as
            // documented above.
            Err(_) => {}
        }
    }

    /// Takes the registered waker, if any, leaving the slot empty.
    pub fn take(&self) -> Option<Waker> {
        match self.state.fetch_or(WAKING, Ordering::AcqRel) {
            IDLE => {
                // SAFETY: we moved `state` from IDLE to WAKING, so we own the
                // cell until we clear the bit.
                let waker = unsafe { (*self.waker.get()).take() };
                self.state.fetch_and(!WAKING, Ordering::Release);
                waker
            }
            // A registration in progress sees our bit and wakes for us; or
            // another wake owns the cell already.
            _ => None,
        }
    }

    /// Wakes the registered waker, if any.
    pub fn wake(&self) {
        if let Some(waker) = self.take() {
            waker.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate alloc;
    use super::*;
    use alloc::sync::Arc;
    use alloc::task::Wake;
    use core::sync::atomic::AtomicBool;

    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter() -> (Arc<Counter>, Waker) {
        let c = Arc::new(Counter(AtomicUsize::new(0)));
        (c.clone(), Waker::from(c))
    }

    #[test]
    fn wake_without_register_does_nothing() {
        let slot = AtomicWaker::new();
        slot.wake();
        assert!(slot.take().is_none());
    }

    #[test]
    fn register_then_wake_wakes_once() {
        let slot = AtomicWaker::new();
        let (count, waker) = counter();
        slot.register(&waker);
        slot.register(&waker);
        slot.wake();
        slot.wake();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn later_registration_replaces_the_waker() {
        let slot = AtomicWaker::new();
        let (first, w1) = counter();
        let (second, w2) = counter();
        slot.register(&w1);
        slot.register(&w2);
        slot.wake();
        assert_eq!(first.0.load(Ordering::SeqCst), 0);
        assert_eq!(second.0.load(Ordering::SeqCst), 1);
    }

    /// A waker thread sets a flag then wakes; the task side registers, then
    /// checks the flag. Whatever the interleaving, a set flag is seen by the
    /// task or followed by a wake after its registration.
    #[test]
    fn no_lost_wakeups_under_races() {
        extern crate std;
        for _ in 0..2000 {
            let slot = Arc::new(AtomicWaker::new());
            let flag = Arc::new(AtomicBool::new(false));
            let (count, waker) = counter();
            let waking = {
                let (slot, flag) = (slot.clone(), flag.clone());
                std::thread::spawn(move || {
                    flag.store(true, Ordering::SeqCst);
                    slot.wake();
                })
            };
            slot.register(&waker);
            let seen = flag.load(Ordering::SeqCst);
            waking.join().unwrap();
            assert!(seen || count.0.load(Ordering::SeqCst) == 1);
        }
    }
}
