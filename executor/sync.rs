// SPDX-License-Identifier: GPL-2.0

//! Async synchronisation: a FIFO [`Semaphore`] (connection limits, requests
//! in flight, byte budgets), and built on it a [`Mutex`] (one plan read at a
//! time) and an [`Event`] (waiting for a request to finish). Waiting tasks
//! sleep; nothing spins.

use super::atomic_waker::AtomicWaker;
use core::cell::UnsafeCell;
use core::future::Future;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::pin::Pin;
use core::sync::atomic::{AtomicU8, Ordering};
use core::task::{Context, Poll};
use kernel::list::{
    impl_has_list_links, impl_list_arc_safe, impl_list_item, List, ListArc, ListLinks,
};
use kernel::prelude::*;
use kernel::sync::{new_spinlock, Arc, SpinLock};

/// A waiter's state: still queued, handed its permits, or turned away
/// because the semaphore was closed.
const WAITING: u8 = 0;
const GRANTED: u8 = 1;
const CLOSED: u8 = 2;

/// A task waiting for permits.
#[pin_data]
struct Waiter {
    #[pin]
    links: ListLinks,
    /// How many permits it waits for.
    want: usize,
    /// [`WAITING`] until, under the semaphore's lock, it is granted its
    /// permits or the semaphore is closed.
    state: AtomicU8,
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

/// # Invariants
///
/// - `waiting` is the number of entries of `waiters`, each in state
///   [`WAITING`].
/// - `waiters` is empty once `closed` is set.
struct State {
    permits: usize,
    waiters: List<Waiter>,
    waiting: usize,
    closed: bool,
}

impl State {
    /// Hands permits to waiters in arrival order, as long as the oldest
    /// fits; moves the served ones to `served`, to be woken after unlocking.
    fn grant(&mut self, served: &mut List<Waiter>) {
        while let Some(front) = self.waiters.iter().next() {
            if front.want > self.permits {
                break;
            }
            self.permits -= front.want;
            let Some(next) = self.waiters.pop_front() else {
                break;
            };
            self.waiting -= 1;
            next.state.store(GRANTED, Ordering::Release);
            served.push_back(next);
        }
    }
}

/// Wakes every waiter of `served`.
fn wake_all(mut served: List<Waiter>) {
    while let Some(waiter) = served.pop_front() {
        waiter.waker.wake();
    }
}

/// A counting semaphore whose waiters are served first come, first served:
/// released permits go to the oldest waiter, and one that wants more than
/// are free holds up those behind it. Closing it turns every waiter, and
/// every later acquire, away with `ESHUTDOWN`.
#[pin_data]
pub struct Semaphore {
    #[pin]
    state: SpinLock<State>,
    max_waiting: usize,
}

impl Semaphore {
    /// A semaphore with `permits` permits and at most `max_waiting` waiters;
    /// [`Semaphore::acquire`] beyond that fails with `EBUSY`.
    pub fn new(permits: usize, max_waiting: usize) -> impl PinInit<Self> {
        pin_init!(Semaphore {
            // INVARIANT: no waiters, not closed.
            state <- new_spinlock!(
                State {
                    permits,
                    waiters: List::new(),
                    waiting: 0,
                    closed: false,
                },
                "rks_semaphore"
            ),
            max_waiting,
        })
    }

    /// Takes `n` permits now, if they are free and nobody waits.
    fn try_take(state: &mut State, n: usize) -> Result<bool> {
        if state.closed {
            return Err(crate::errno::eshutdown());
        }
        if state.permits >= n && state.waiters.is_empty() {
            state.permits -= n;
            return Ok(true);
        }
        Ok(false)
    }

    /// Takes a permit now, if one is free and nobody waits.
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        let taken = Self::try_take(&mut self.state.lock(), 1);
        matches!(taken, Ok(true)).then(|| Permit {
            semaphore: self,
            count: 1,
        })
    }

    /// Waits for a permit, in arrival order.
    pub fn acquire(&self) -> Acquire<'_> {
        self.acquire_many(1)
    }

    /// Waits for `n` permits at once, in arrival order. `n` must not be
    /// more than the semaphore ever has, or the wait never ends.
    pub fn acquire_many(&self, n: usize) -> Acquire<'_> {
        Acquire {
            semaphore: self,
            want: n,
            waiter: None,
        }
    }

    /// Gives back one permit; see [`Semaphore::release_many`].
    pub fn release(&self) {
        self.release_many(1);
    }

    /// Gives back `n` permits: to waiters in arrival order, the rest free.
    /// Called when a [`Permit`] drops, and for permits given up with
    /// [`Permit::leak`].
    pub fn release_many(&self, n: usize) {
        let mut served = List::new();
        let mut state = self.state.lock();
        state.permits += n;
        state.grant(&mut served);
        drop(state);
        wake_all(served);
    }

    /// Turns away every waiter and every later acquire with `ESHUTDOWN`.
    /// Permits held stay valid and may still be released.
    pub fn close(&self) {
        let mut state = self.state.lock();
        state.closed = true;
        let mut turned_away = List::new();
        while let Some(waiter) = state.waiters.pop_front() {
            waiter.state.store(CLOSED, Ordering::Release);
            turned_away.push_back(waiter);
        }
        // INVARIANT: the list is empty now.
        state.waiting = 0;
        drop(state);
        wake_all(turned_away);
    }
}

/// Permits taken from a [`Semaphore`]; released when dropped.
pub struct Permit<'a> {
    semaphore: &'a Semaphore,
    count: usize,
}

impl Permit<'_> {
    /// How many permits this holds.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Gives back all but `n` of the permits held (none if it holds `n`
    /// or fewer).
    pub fn shrink_to(&mut self, n: usize) {
        if self.count > n {
            self.semaphore.release_many(self.count - n);
            self.count = n;
        }
    }

    /// Keeps the permits taken after this guard is gone, for a holder that
    /// outlives the borrow (say, another task), which gives them back with
    /// [`Semaphore::release_many`]; returns how many they are.
    pub fn leak(self) -> usize {
        let count = self.count;
        core::mem::forget(self);
        count
    }
}

impl Semaphore {
    /// Takes charge again of `n` permits that [`Permit::leak`] kept: the
    /// result gives them back when dropped.
    pub fn adopt(&self, n: usize) -> Permit<'_> {
        Permit {
            semaphore: self,
            count: n,
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.semaphore.release_many(self.count);
    }
}

/// The future of [`Semaphore::acquire_many`]. Dropping it gives up its
/// place in the queue, or passes on permits it was handed but did not take.
pub struct Acquire<'a> {
    semaphore: &'a Semaphore,
    want: usize,
    waiter: Option<Arc<Waiter>>,
}

impl<'a> Future for Acquire<'a> {
    type Output = Result<Permit<'a>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (semaphore, want) = (self.semaphore, self.want);
        let granted = || Permit {
            semaphore,
            count: want,
        };
        if let Some(waiter) = &self.waiter {
            waiter.waker.register(cx.waker());
            let outcome = match waiter.state.load(Ordering::Acquire) {
                WAITING => return Poll::Pending,
                GRANTED => Ok(granted()),
                _ => Err(crate::errno::eshutdown()),
            };
            self.waiter = None;
            return Poll::Ready(outcome);
        }
        match Semaphore::try_take(&mut semaphore.state.lock(), want) {
            Ok(true) => return Poll::Ready(Ok(granted())),
            Ok(false) => {}
            Err(e) => return Poll::Ready(Err(e)),
        }
        // Allocate outside the spin lock, then check again under it.
        let waiter = ListArc::pin_init(
            try_pin_init!(Waiter {
                links <- ListLinks::new(),
                want,
                state: AtomicU8::new(WAITING),
                waker: AtomicWaker::new(),
            }),
            GFP_KERNEL,
        )?;
        waiter.waker.register(cx.waker());
        let mut state = semaphore.state.lock();
        if Semaphore::try_take(&mut state, want)? {
            return Poll::Ready(Ok(granted()));
        }
        if state.waiting >= semaphore.max_waiting {
            return Poll::Ready(Err(EBUSY));
        }
        let arc = waiter.clone_arc();
        state.waiters.push_back(waiter);
        // INVARIANT: one more waiter, in state WAITING.
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
        match waiter.state.load(Ordering::Acquire) {
            GRANTED => {
                drop(state);
                self.semaphore.release_many(self.want);
            }
            WAITING => {
                // SAFETY: a waiter is only ever in the list of its own
                // semaphore, and one in state WAITING is in it.
                let removed = unsafe { state.waiters.remove(&waiter) };
                if removed.is_some() {
                    state.waiting -= 1;
                }
                // The waiter may have held up smaller ones behind it.
                let mut served = List::new();
                state.grant(&mut served);
                drop(state);
                drop(removed);
                wake_all(served);
            }
            _ => {}
        }
    }
}

/// A one-shot event: tasks wait until it is set, and pass from then on.
#[pin_data]
pub struct Event {
    /// No permit until set; each waiter passes the permit on to the next.
    #[pin]
    semaphore: Semaphore,
}

impl Event {
    /// An event not yet set.
    pub fn new() -> impl PinInit<Self> {
        pin_init!(Event {
            semaphore <- Semaphore::new(0, usize::MAX),
        })
    }

    /// Sets the event, waking every waiter. Call it once.
    pub fn set(&self) {
        self.semaphore.release();
    }

    /// Waits until the event is set. Fails only when out of memory.
    pub async fn wait(&self) -> Result {
        drop(self.semaphore.acquire().await?);
        Ok(())
    }
}

/// An async mutex: waiting for it puts the task to sleep, in FIFO order.
#[pin_data]
pub struct Mutex<T> {
    #[pin]
    semaphore: Semaphore,
    data: UnsafeCell<T>,
}

// SAFETY: the mutex hands out access to `T` to one holder at a time, so it
// can be shared between threads when `T` can be sent between them. `Send`
// comes with the fields.
unsafe impl<T: Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    /// An unlocked mutex holding `data`.
    pub fn new(data: T) -> impl PinInit<Self> {
        pin_init!(Mutex {
            semaphore <- Semaphore::new(1, usize::MAX),
            data: UnsafeCell::new(data),
        })
    }

    /// Waits for the mutex. Fails only when out of memory.
    pub async fn lock(&self) -> Result<MutexGuard<'_, T>> {
        let permit = self.semaphore.acquire().await?;
        // INVARIANT: the semaphore has one permit, and we hold it.
        Ok(MutexGuard {
            mutex: self,
            _permit: permit,
            _access: PhantomData,
        })
    }
}

/// Access to the data of a locked [`Mutex`]; unlocks when dropped.
///
/// # Invariants
///
/// `_permit` is the mutex's only permit, so no other guard exists.
pub struct MutexGuard<'a, T> {
    mutex: &'a Mutex<T>,
    _permit: Permit<'a>,
    /// The guard gives `&mut T`, so it is `Send` only when `T: Send` and
    /// `Sync` only when `T: Sync`, as `&mut T` is.
    _access: PhantomData<&'a mut T>,
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
