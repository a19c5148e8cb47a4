// SPDX-License-Identifier: GPL-2.0

//! Creator threads: kthread workers whose umask is 0 (`creator.c`), where
//! new entries are created so that a client's mode is the new entry's mode.
//! A request task hands a closure to one of them and sleeps until it ran.
//!
//! The module owns the pool through a [`CreatorsOwner`], which stops the
//! threads after the executor stopped: queued jobs run to their end first,
//! and no job outlives the module.

use super::glue::{
    rust_9p_creator_destroy, rust_9p_creator_new, rust_9p_creators_wanted, rust_9p_work_init,
};
use crate::executor::atomic_waker::AtomicWaker;
use core::cell::UnsafeCell;
use core::future::poll_fn;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use core::task::Poll;
use kernel::bindings;
use kernel::error::from_err_ptr;
use kernel::prelude::*;
use kernel::sync::{new_spinlock, Arc, SpinLock};
use kernel::types::Opaque;

/// A closure to run on a creator thread, boxed and type-erased.
type Closure = KBox<dyn FnMut() + Send>;

/// A job's closure until its thread takes it (a type of its own, for short
/// symbol names).
struct Pending(Option<Closure>);

/// Where a job's closure leaves its result: written once on the thread,
/// then read once by the waiting task. (Not a lock: the names of a lock's
/// generic code over the result type are too long for kallsyms.)
///
/// # Invariants
///
/// `value` is written only before `ready` is set, and read only after.
struct Outcome<R> {
    ready: AtomicBool,
    value: UnsafeCell<Option<R>>,
}

// SAFETY: `value` is written by one thread and then, after `ready`, read
// by another (type invariants), never at once; `R` may move between them.
unsafe impl<R: Send> Sync for Outcome<R> {}

impl<R> Outcome<R> {
    /// Stores the result; called once.
    fn set(&self, value: R) {
        // SAFETY: before `ready` nobody reads `value`, and `set` is called
        // once, by the job.
        unsafe { *self.value.get() = Some(value) };
        self.ready.store(true, Ordering::Release);
    }

    /// Takes the result, if it is there.
    fn take(&self) -> Option<R> {
        if !self.ready.swap(false, Ordering::Acquire) {
            return None;
        }
        // SAFETY: `ready` was set after the write, and swapping it back
        // makes this the only reader.
        unsafe { (*self.value.get()).take() }
    }
}

/// A closure to run on a creator thread. Not generic over the closure, so
/// that the names of its generic code stay short enough for kallsyms (512
/// bytes) when rust_9p is built into the kernel.
///
/// # Invariants
///
/// While queued, the job holds one reference to itself, taken by
/// [`Creators::run`] and given up by [`Job::run`] on the thread.
#[pin_data]
struct Job {
    #[pin]
    work: Opaque<bindings::kthread_work>,
    /// The closure, until the thread takes it.
    #[pin]
    closure: SpinLock<Pending>,
    done: AtomicBool,
    waker: AtomicWaker,
}

// SAFETY: the work item is touched only through the kthread API, the
// closure (which is `Send`) only under the lock, the rest is atomic.
unsafe impl Send for Job {}
// SAFETY: as above.
unsafe impl Sync for Job {}

impl Job {
    /// A job for `closure`, not queued yet.
    fn new(closure: Closure) -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(Job {
                work <- Opaque::ffi_init(|work| {
                    // SAFETY: `work` is the job's pinned work item.
                    unsafe { rust_9p_work_init(work, Some(Job::run)) }
                }),
                closure <- new_spinlock!(Pending(Some(closure)), "rust_9p_job"),
                done: AtomicBool::new(false),
                waker: AtomicWaker::new(),
            }),
            GFP_KERNEL,
        )
    }

    /// The work function: runs the closure and wakes the waiting task.
    ///
    /// # Safety
    ///
    /// `work` must be the `work` field of a queued `Job`, whose reference
    /// it then owns.
    unsafe extern "C" fn run(work: *mut bindings::kthread_work) {
        // SAFETY: `work` is the `work` field of a `Job` (the caller's
        // guarantee); `Opaque` is `repr(transparent)`.
        let job = unsafe {
            kernel::container_of!(work.cast::<Opaque<bindings::kthread_work>>(), Self, work)
        };
        // SAFETY: the queued job's reference, from `Arc::into_raw` in
        // `Creators::run` (type invariants), is ours now.
        let job = unsafe { Arc::from_raw(job) };
        let closure = job.closure.lock().0.take();
        if let Some(mut closure) = closure {
            closure();
        }
        job.done.store(true, Ordering::Release);
        job.waker.wake();
    }
}

/// The creator threads.
///
/// # Invariants
///
/// `workers` are running kthread workers until [`CreatorsOwner`] drops,
/// which destroys them; `stopped` is set first, under the lock.
#[pin_data]
pub(crate) struct Creators {
    workers: KVec<*mut bindings::kthread_worker>,
    next: AtomicUsize,
    /// Set when the threads are stopping: no job is queued afterwards.
    #[pin]
    stopped: SpinLock<bool>,
}

// SAFETY: kthread workers may be queued to from any thread.
unsafe impl Send for Creators {}
// SAFETY: as above.
unsafe impl Sync for Creators {}

impl Creators {
    /// Starts the creator threads, one per online CPU (at most 8).
    pub(crate) fn start() -> Result<CreatorsOwner> {
        // SAFETY: no preconditions.
        let cpus = unsafe { rust_9p_creators_wanted() };
        let mut workers = KVec::with_capacity(cpus as usize, GFP_KERNEL)?;
        for index in 0..cpus {
            // SAFETY: no preconditions.
            match from_err_ptr(unsafe { rust_9p_creator_new(index) }) {
                // Room was reserved above.
                Ok(worker) => workers.push(worker, GFP_KERNEL)?,
                Err(e) => {
                    for worker in workers.iter() {
                        // SAFETY: started above and used by no one else.
                        unsafe { rust_9p_creator_destroy(*worker) };
                    }
                    return Err(e);
                }
            }
        }
        let creators = Arc::pin_init(
            // INVARIANT: the workers were just started.
            pin_init!(Creators {
                workers,
                next: AtomicUsize::new(0),
                stopped <- new_spinlock!(false, "rust_9p_creators"),
            }),
            GFP_KERNEL,
        )?;
        Ok(CreatorsOwner { creators })
    }

    /// Runs `f` on a creator thread and waits for its result; `ESHUTDOWN`
    /// once the threads are stopping. If the waiting task is dropped, the
    /// job still runs, and its result is dropped.
    pub(crate) async fn run<F, R>(&self, f: F) -> Result<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let result = Arc::new(
            Outcome {
                ready: AtomicBool::new(false),
                value: UnsafeCell::new(None),
            },
            GFP_KERNEL,
        )?;
        let slot = result.clone();
        let mut f = Some(f);
        let closure = KBox::new(
            move || {
                if let Some(f) = f.take() {
                    slot.set(f());
                }
            },
            GFP_KERNEL,
        )?;
        let raw = KBox::into_raw(closure);
        let raw: *mut (dyn FnMut() + Send) = raw;
        // SAFETY: `raw` comes from `KBox::into_raw` just above; only its
        // type was unsized.
        let closure: Closure = unsafe { KBox::from_raw(raw) };
        let job = Job::new(closure)?;
        {
            let stopped = self.stopped.lock();
            if *stopped {
                return Err(crate::errno::eshutdown());
            }
            let index = self.next.fetch_add(1, Ordering::Relaxed) % self.workers.len();
            let work = job.work.get();
            // INVARIANT: the queued job holds this reference until it runs.
            let queued = Arc::into_raw(job.clone());
            // SAFETY: the worker runs (type invariants: not stopped, and
            // stopping takes this lock first), and `work` is the job's
            // initialised work item, not queued before.
            if !unsafe { bindings::kthread_queue_work(self.workers[index], work) } {
                // SAFETY: not queued, so the reference is still ours.
                drop(unsafe { Arc::from_raw(queued) });
                return Err(EBUSY);
            }
        }
        poll_fn(|cx| {
            job.waker.register(cx.waker());
            if !job.done.load(Ordering::Acquire) {
                return Poll::Pending;
            }
            // The closure stored its result before `done` was set.
            Poll::Ready(result.take().ok_or(EIO))
        })
        .await
    }
}

/// Owns the creator threads; stops them when dropped.
pub(crate) struct CreatorsOwner {
    creators: Arc<Creators>,
}

impl CreatorsOwner {
    /// A handle for running jobs.
    pub(crate) fn creators(&self) -> Arc<Creators> {
        self.creators.clone()
    }
}

impl Drop for CreatorsOwner {
    fn drop(&mut self) {
        *self.creators.stopped.lock() = true;
        for worker in self.creators.workers.iter() {
            // SAFETY: the workers run until here (type invariants of
            // `Creators`), and nothing queues to them any more (`stopped`).
            unsafe { rust_9p_creator_destroy(*worker) };
        }
    }
}
