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
use core::future::poll_fn;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::task::Poll;
use kernel::bindings;
use kernel::error::from_err_ptr;
use kernel::prelude::*;
use kernel::sync::{new_spinlock, Arc, SpinLock};
use kernel::types::Opaque;

/// Where a job is.
enum Stage<F, R> {
    Queued(F),
    Running,
    Done(R),
    Collected,
}

/// A closure to run on a creator thread, and its result.
///
/// # Invariants
///
/// While queued, the job holds one reference to itself, taken by
/// [`Creators::run`] and given up by [`Job::run`] on the thread.
#[pin_data]
struct Job<F, R> {
    #[pin]
    work: Opaque<bindings::kthread_work>,
    #[pin]
    stage: SpinLock<Stage<F, R>>,
    waker: AtomicWaker,
}

// SAFETY: the work item is touched only through the kthread API, and the
// closure and the result only under the lock; both are `Send`.
unsafe impl<F: Send, R: Send> Send for Job<F, R> {}
// SAFETY: as above.
unsafe impl<F: Send, R: Send> Sync for Job<F, R> {}

impl<F: FnOnce() -> R + Send + 'static, R: Send + 'static> Job<F, R> {
    /// The work function: runs the closure and wakes the waiting task.
    ///
    /// # Safety
    ///
    /// `work` must be the `work` field of a queued `Job<F, R>`, whose
    /// reference it then owns.
    unsafe extern "C" fn run(work: *mut bindings::kthread_work) {
        // SAFETY: `work` is the `work` field of a `Job<F, R>` (the caller's
        // guarantee); `Opaque` is `repr(transparent)`.
        let job = unsafe {
            kernel::container_of!(work.cast::<Opaque<bindings::kthread_work>>(), Self, work)
        };
        // SAFETY: the queued job's reference, from `Arc::into_raw` in
        // `Creators::run` (type invariants), is ours now.
        let job = unsafe { Arc::from_raw(job) };
        let queued = core::mem::replace(&mut *job.stage.lock(), Stage::Running);
        if let Stage::Queued(f) = queued {
            let result = f();
            *job.stage.lock() = Stage::Done(result);
        }
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
        let job = Arc::pin_init(
            pin_init!(Job {
                work <- Opaque::ffi_init(|work| {
                    // SAFETY: `work` is the job's pinned work item.
                    unsafe { rust_9p_work_init(work, Some(Job::<F, R>::run)) }
                }),
                stage <- new_spinlock!(Stage::Queued(f), "rust_9p_job"),
                waker: AtomicWaker::new(),
            }),
            GFP_KERNEL,
        )?;
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
            let mut stage = job.stage.lock();
            if let Stage::Done(_) = &*stage {
                if let Stage::Done(result) = core::mem::replace(&mut *stage, Stage::Collected) {
                    return Poll::Ready(Ok(result));
                }
            }
            Poll::Pending
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
