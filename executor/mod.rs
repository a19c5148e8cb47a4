// SPDX-License-Identifier: GPL-2.0

//! A workqueue executor for `async` Rust in the kernel.
//!
//! Each spawned future becomes a [`task`]: a work item on the executor's own
//! workqueue whose [`Waker`](core::task::Waker) queues it again. The
//! workqueue merges wakes that arrive while the item is queued, re-queues it
//! for a wake that arrives while it runs, and never runs one item on two CPUs
//! at once, so a future is polled by one worker at a time.
//!
//! An [`AutoStopHandle`] owns the executor and stops it when dropped (module
//! unload): it refuses new spawns, revokes every task, waits for running polls
//! and for queued work, drops every future and destroys the workqueue. After
//! that no code of the module runs on behalf of the executor.
//!
//! The workqueue is allocated per executor rather than taken from the system:
//! destroying it at stop is the final barrier that no work of ours is left
//! behind, and its name shows in the worker threads' names. It is a bound
//! (per-CPU) queue, so a task woken by a softirq runs on the CPU that received
//! the packet, and blocking polls (file reads) are covered by the workqueue's
//! concurrency management.
//!
//! See `Documentation/async-runtime.rst` for the life cycle and invariants.

pub mod atomic_waker;
mod race;
pub mod sync;
mod task;
mod yield_now;

pub use race::{race, Either};
pub use yield_now::yield_now;

use crate::ffi::rks_alloc_workqueue;
use core::future::Future;
use core::pin::Pin;
use kernel::bindings;
use kernel::list::List;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::sync::{new_spinlock, Arc, SpinLock};
use kernel::time::Ktime;
use task::{BoxFuture, Task};

/// The tasks of an executor and whether it accepts new ones.
struct TaskSet {
    stopped: bool,
    tasks: List<Task>,
}

/// What the handles and the tasks of one executor share.
///
/// # Invariants
///
/// `queue` is a valid workqueue, allocated by [`Shared::new`], until
/// [`Shared::stop`] destroys it. Every task of the executor is in `set.tasks`
/// until it is revoked.
#[pin_data]
struct Shared {
    #[pin]
    set: SpinLock<TaskSet>,
    queue: *mut bindings::workqueue_struct,
}

// SAFETY: `queue` is a pointer to a workqueue, whose functions may be called
// from any thread; everything else is `Send`.
unsafe impl Send for Shared {}
// SAFETY: as above; the workqueue API is thread-safe.
unsafe impl Sync for Shared {}

impl Shared {
    fn new(name: &'static CStr) -> Result<Arc<Self>> {
        // SAFETY: `name` is a valid NUL-terminated string; the workqueue
        // copies it.
        let queue = unsafe { rks_alloc_workqueue(name.as_char_ptr()) };
        if queue.is_null() {
            return Err(ENOMEM);
        }
        let shared = Arc::pin_init(
            // INVARIANT: `queue` was just allocated, and the set is empty.
            pin_init!(Shared {
                set <- new_spinlock!(
                    TaskSet {
                        stopped: false,
                        tasks: List::new(),
                    },
                    "rks_executor_tasks"
                ),
                queue,
            }),
            GFP_KERNEL,
        );
        if shared.is_err() {
            // SAFETY: allocated above and not shared with anyone.
            unsafe { bindings::destroy_workqueue(queue) };
        }
        shared
    }

    /// Removes a completed (and so revoked) task from the list.
    fn retire(&self, task: &Task) {
        let removed = {
            let mut set = self.set.lock();
            // SAFETY: a task is only ever in the list of its own executor.
            unsafe { set.tasks.remove(task) }
        };
        drop(removed);
    }

    /// Whether the work item running on this CPU now is one of our tasks.
    fn runs_current_work(&self) -> bool {
        // SAFETY: no preconditions; NULL outside a workqueue worker.
        let current = unsafe { bindings::current_work() };
        !current.is_null()
            && self
                .set
                .lock()
                .tasks
                .iter()
                .any(|task| task.is_work(current))
    }

    /// Stops the executor; see [`AutoStopHandle`]. Must run in process context.
    fn stop(&self) {
        let start = Ktime::ktime_get();
        {
            let mut set = self.set.lock();
            if set.stopped {
                return;
            }
            set.stopped = true;
            for task in set.tasks.iter() {
                task.revoke();
            }
        }
        // Every task is revoked now. Wait until every waker that saw a task
        // unrevoked has finished queueing it (`Task::schedule` queues inside
        // an RCU read-side critical section) ...
        // SAFETY: process context, no locks held.
        unsafe { bindings::synchronize_rcu() };
        // ... then for polls in progress and queued items, which see the task
        // revoked and return at once. Nothing can queue new work any more.
        // SAFETY: `queue` is valid until destroyed below (type invariants).
        unsafe { bindings::drain_workqueue(self.queue) };
        // Drop the futures, and with them their sockets, timers and buffers.
        // Their wakes now find revoked tasks and do nothing.
        let mut dropped = 0u64;
        loop {
            let Some(task) = self.set.lock().tasks.pop_front() else {
                break;
            };
            let future = task.take_future();
            drop(future);
            drop(task);
            dropped += 1;
        }
        // SAFETY: nothing can queue work any more (see above), and this is
        // the only place that destroys the queue, once (`stopped`).
        unsafe { bindings::destroy_workqueue(self.queue) };
        let took_us = (Ktime::ktime_get() - start).to_ns() / 1000;
        pr_info!(
            "executor stopped: {} tasks dropped in {} us\n",
            dropped,
            took_us
        );
    }
}

/// A handle to spawn tasks on an executor. Cheap to clone; a task may keep
/// one to spawn more tasks.
#[derive(Clone)]
pub struct Executor {
    shared: Arc<Shared>,
}

impl Executor {
    /// Spawns `future` as a new task and queues its first poll.
    ///
    /// Fails with `ESHUTDOWN` once the executor is stopping, or with `ENOMEM`;
    /// `future` is dropped then.
    pub fn spawn(&self, future: impl Future<Output = ()> + Send + 'static) -> Result {
        let boxed = KBox::new(future, GFP_KERNEL)?;
        let raw = KBox::into_raw(boxed);
        let raw: *mut (dyn Future<Output = ()> + Send) = raw;
        // SAFETY: `raw` comes from `KBox::into_raw` just above; only its type
        // was unsized. The box was never moved from, so pinning it is sound.
        let future: BoxFuture = unsafe { Pin::new_unchecked(KBox::from_raw(raw)) };
        let task = Task::new(future, self.shared.clone())?;
        let first_poll = task.clone_arc();
        let refused = {
            let mut set = self.shared.set.lock();
            if set.stopped {
                Some(task)
            } else {
                set.tasks.push_back(task);
                None
            }
        };
        if let Some(task) = refused {
            // Dropped outside the spin lock: the future's drop may sleep.
            task.revoke();
            drop(task);
            drop(first_poll);
            return Err(crate::errno::eshutdown());
        }
        Task::schedule(first_poll);
        Ok(())
    }
}

/// Owns an executor and stops it when dropped.
///
/// Stopping refuses new spawns, revokes every task so that it is neither
/// polled nor queued again, waits for running polls and queued work, drops
/// every future, and destroys the workqueue. A module keeps its handle in its
/// `Module` struct, so that unloading drops everything the servers hold.
///
/// Stopping waits for the executor's work to finish, so the handle must not
/// be dropped from one of its own tasks (that wait would never end): it
/// belongs to the module, not to a task. Debug builds check this.
pub struct AutoStopHandle {
    executor: Executor,
}

impl AutoStopHandle {
    /// Creates an executor with its own workqueue called `name`.
    pub fn new(name: &'static CStr) -> Result<Self> {
        Ok(Self {
            executor: Executor {
                shared: Shared::new(name)?,
            },
        })
    }

    /// A handle for spawning tasks.
    pub fn executor(&self) -> &Executor {
        &self.executor
    }
}

impl Drop for AutoStopHandle {
    fn drop(&mut self) {
        debug_assert!(
            !self.executor.shared.runs_current_work(),
            "an AutoStopHandle was dropped from one of its own tasks"
        );
        self.executor.shared.stop();
    }
}
