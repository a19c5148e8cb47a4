// SPDX-License-Identifier: GPL-2.0

//! Sleeping on a kernel timer, and bounding a future by a deadline.
//!
//! A [`Sleep`] arms its `timer_list` on its first poll, once it is pinned in
//! its task's future, and cancels it synchronously (`timer_delete_sync`) when
//! dropped, so no timer of the module outlives the future that armed it.

use crate::executor::atomic_waker::AtomicWaker;
use crate::ffi::{rks_timer_arm_ms, rks_timer_setup};
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Context, Poll};
use kernel::bindings;
use kernel::prelude::*;
use kernel::types::Opaque;

/// Completes `ms` milliseconds after its first poll (rounded up to a jiffy).
///
/// # Invariants
///
/// `timer` is initialised and possibly pending iff `armed`; once armed the
/// future does not move (it is `!Unpin` through `Opaque`), so the callback's
/// pointer to it stays valid until `drop` cancels the timer.
pub struct Sleep {
    timer: Opaque<bindings::timer_list>,
    waker: AtomicWaker,
    fired: AtomicBool,
    armed: bool,
    ms: u32,
}

// SAFETY: the timer is only touched through the kernel's thread-safe timer
// API; the callback uses only the atomic fields.
unsafe impl Send for Sleep {}
// SAFETY: as above; `&Sleep` exposes nothing.
unsafe impl Sync for Sleep {}

/// Sleeps for `ms` milliseconds.
pub fn sleep(ms: u32) -> Sleep {
    Sleep {
        timer: Opaque::uninit(),
        waker: AtomicWaker::new(),
        fired: AtomicBool::new(false),
        armed: false,
        ms,
    }
}

impl Sleep {
    /// The timer callback (softirq context).
    ///
    /// # Safety
    ///
    /// `timer` must be the `timer` field of an armed, live `Sleep`; its drop
    /// cancels the timer and waits for this callback first.
    unsafe extern "C" fn fired(timer: *mut bindings::timer_list) {
        // SAFETY: `timer` is the `timer` field of a live `Sleep` (see above);
        // `Opaque` is `repr(transparent)`.
        let sleep = unsafe {
            &*kernel::container_of!(timer.cast::<Opaque<bindings::timer_list>>(), Sleep, timer)
        };
        sleep.fired.store(true, Ordering::Release);
        sleep.waker.wake();
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: nothing is moved out of `self`.
        let this = unsafe { self.get_unchecked_mut() };
        this.waker.register(cx.waker());
        if this.fired.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        if !this.armed {
            // SAFETY: `self` is pinned, so the timer stays at this address
            // until `drop`, which cancels it; the callback matches.
            unsafe {
                rks_timer_setup(this.timer.get(), Some(Sleep::fired));
                rks_timer_arm_ms(this.timer.get(), this.ms);
            }
            // INVARIANT: the timer is set up and pending now.
            this.armed = true;
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if self.armed {
            // SAFETY: the timer was set up when armed (type invariants);
            // this waits for a running callback and deactivates the timer.
            unsafe { bindings::timer_delete_sync(self.timer.get()) };
        }
    }
}

/// A future bounded by a deadline; see [`timeout`].
pub struct Timeout<F> {
    future: F,
    sleep: Sleep,
}

/// Runs `future` for at most `ms` milliseconds: `Err(ETIMEDOUT)` when the
/// deadline passes first, in which case the future is dropped with the
/// `Timeout`.
pub fn timeout<F: Future>(ms: u32, future: F) -> Timeout<F> {
    Timeout {
        future,
        sleep: sleep(ms),
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: both fields are structurally pinned: never moved out of, and
        // `Timeout` has no `Drop` or `Unpin` of its own that would move them.
        let (future, sleep) = unsafe {
            let this = self.get_unchecked_mut();
            (
                Pin::new_unchecked(&mut this.future),
                Pin::new_unchecked(&mut this.sleep),
            )
        };
        if let Poll::Ready(out) = future.poll(cx) {
            return Poll::Ready(Ok(out));
        }
        match sleep.poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(crate::errno::etimedout())),
            Poll::Pending => Poll::Pending,
        }
    }
}
