// SPDX-License-Identifier: GPL-2.0

//! Async synchronisation: a FIFO [`Semaphore`] (connection limits, queues of
//! bounded length), and built on it a [`Mutex`] (serialising replies on one
//! connection) and an [`Event`] (waiting for a request to finish). Waiting
//! tasks sleep; nothing spins.

use super::atomic_waker::AtomicWaker;
use core::cell::UnsafeCell;
use core::future::Future;
use core::ops::{Deref, DerefMut};
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Context, Poll};
use kernel::list::{
    impl_has_list_links, impl_list_arc_safe, impl_list_item, List, ListArc, ListLinks,
};
use kernel::prelude::*;
use kernel::sync::{new_spinlock, Arc, SpinLock};

/// A task waiting for a permit.
#[pin_data]
struct Waiter {
    #[pin]
    links: ListLinks,
    /// Set, under the semaphore's lock, when a permit is handed to us.
    granted: AtomicBool,
    waker: AtomicWaker,
}

impl_has_list_links! {
    impl HasListLinks<0> for Waiter { self.links }
}
impl_list_arc_safe! {
    impl ListArcSafe<0> for Waiter { untracked; }
}
impl_list_item! {
    impl ListItem<0> for Waiter { using ListLinks; }
}

struct State {
    permits: usize,
    waiters: List<Waiter>,
    waiting: usize,
}

/// A counting semaphore whose waiters are served first come, first served:
/// a released permit goes straight to the oldest waiter.
#[pin_data]
pub(crate) struct Semaphore {
    #[pin]
    state: SpinLock<State>,
    max_waiting: usize,
}

impl Semaphore {
    /// A semaphore with `permits` permits and at most `max_waiting` waiters;
    /// [`Semaphore::acquire`] beyond that fails with `EBUSY`.
    pub(crate) fn new(permits: usize, max_waiting: usize) -> impl PinInit<Self> {
        pin_init!(Semaphore {
            state <- new_spinlock!(
                State {
                    permits,
                    waiters: List::new(),
                    waiting: 0,
                },
                "rks_semaphore"
            ),
            max_waiting,
        })
    }

    /// Takes a permit now, if one is free and nobody waits.
    pub(crate) fn try_acquire(&self) -> Option<Permit<'_>> {
        let mut state = self.state.lock();
        if state.permits > 0 && state.waiters.is_empty() {
            state.permits -= 1;
            return Some(Permit { semaphore: self });
        }
        None
    }

    /// Waits for a permit, in arrival order.
    pub(crate) fn acquire(&self) -> Acquire<'_> {
        Acquire {
            semaphore: self,
            waiter: None,
        }
    }

    /// Hands a permit to the oldest waiter, or makes it free. Called when a
    /// [`Permit`] drops, and to give back one given up with [`Permit::leak`].
    pub(crate) fn release(&self) {
        let mut state = self.state.lock();
        let Some(next) = state.waiters.pop_front() else {
            state.permits += 1;
            return;
        };
        state.waiting -= 1;
        next.granted.store(true, Ordering::Release);
        drop(state);
        next.waker.wake();
    }
}

/// A permit; released when dropped.
pub(crate) struct Permit<'a> {
    semaphore: &'a Semaphore,
}

impl Permit<'_> {
    /// Keeps the permit taken after this guard is gone, for a holder that
    /// outlives the borrow (say, another task); it gives the permit back with
    /// [`Semaphore::release`].
    pub(crate) fn leak(self) {
        core::mem::forget(self);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.semaphore.release();
    }
}

/// The future of [`Semaphore::acquire`]. Dropping it gives up its place in
/// the queue, or passes on a permit it was handed but did not take.
pub(crate) struct Acquire<'a> {
    semaphore: &'a Semaphore,
    waiter: Option<Arc<Waiter>>,
}

impl<'a> Future for Acquire<'a> {
    type Output = Result<Permit<'a>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let semaphore = self.semaphore;
        if let Some(waiter) = &self.waiter {
            waiter.waker.register(cx.waker());
            if !waiter.granted.load(Ordering::Acquire) {
                return Poll::Pending;
            }
            self.waiter = None;
            return Poll::Ready(Ok(Permit { semaphore }));
        }
        if let Some(permit) = semaphore.try_acquire() {
            return Poll::Ready(Ok(permit));
        }
        // Allocate outside the spin lock, then check again under it.
        let waiter = ListArc::pin_init(
            try_pin_init!(Waiter {
                links <- ListLinks::new(),
                granted: AtomicBool::new(false),
                waker: AtomicWaker::new(),
            }),
            GFP_KERNEL,
        )?;
        waiter.waker.register(cx.waker());
        let mut state = semaphore.state.lock();
        if state.permits > 0 && state.waiters.is_empty() {
            state.permits -= 1;
            return Poll::Ready(Ok(Permit { semaphore }));
        }
        if state.waiting >= semaphore.max_waiting {
            return Poll::Ready(Err(EBUSY));
        }
        let arc = waiter.clone_arc();
        state.waiters.push_back(waiter);
        state.waiting += 1;
        drop(state);
        self.waiter = Some(arc);
        Poll::Pending
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(waiter) = self.waiter.take() else {
            return;
        };
        let mut state = self.semaphore.state.lock();
        if waiter.granted.load(Ordering::Acquire) {
            drop(state);
            self.semaphore.release();
            return;
        }
        // SAFETY: a waiter is only ever in the list of its own semaphore.
        let removed = unsafe { state.waiters.remove(&waiter) };
        if removed.is_some() {
            state.waiting -= 1;
        }
        drop(state);
        drop(removed);
    }
}

/// A one-shot event: tasks wait until it is set, and pass from then on.
#[pin_data]
pub(crate) struct Event {
    /// No permit until set; each waiter passes the permit on to the next.
    #[pin]
    semaphore: Semaphore,
}

impl Event {
    /// An event not yet set.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Event {
            semaphore <- Semaphore::new(0, usize::MAX),
        })
    }

    /// Sets the event, waking every waiter. Call it once.
    pub(crate) fn set(&self) {
        self.semaphore.release();
    }

    /// Waits until the event is set. Fails only when out of memory.
    pub(crate) async fn wait(&self) -> Result {
        drop(self.semaphore.acquire().await?);
        Ok(())
    }
}

/// An async mutex: waiting for it puts the task to sleep, in FIFO order.
#[pin_data]
pub(crate) struct Mutex<T> {
    #[pin]
    semaphore: Semaphore,
    data: UnsafeCell<T>,
}

// SAFETY: the mutex hands out access to `T` to one holder at a time, so it
// can be shared between threads when `T` can be sent between them.
unsafe impl<T: Send> Send for Mutex<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    /// An unlocked mutex holding `data`.
    pub(crate) fn new(data: T) -> impl PinInit<Self> {
        pin_init!(Mutex {
            semaphore <- Semaphore::new(1, usize::MAX),
            data: UnsafeCell::new(data),
        })
    }

    /// Waits for the mutex. Fails only when out of memory.
    pub(crate) async fn lock(&self) -> Result<MutexGuard<'_, T>> {
        let permit = self.semaphore.acquire().await?;
        Ok(MutexGuard {
            mutex: self,
            _permit: permit,
        })
    }
}

/// Access to the data of a locked [`Mutex`]; unlocks when dropped.
///
/// # Invariants
///
/// `_permit` is the mutex's only permit, so no other guard exists.
pub(crate) struct MutexGuard<'a, T> {
    mutex: &'a Mutex<T>,
    _permit: Permit<'a>,
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard holds the only permit (type invariants).
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the only permit (type invariants).
        unsafe { &mut *self.mutex.data.get() }
    }
}
