// SPDX-License-Identifier: GPL-2.0

//! A task: one future, the work item that polls it, and the [`Waker`] that
//! queues that work item.
//!
//! Reference counts: the executor's task list holds one [`ListArc`] from spawn
//! until the task completes or the executor stops; a queued work item holds one
//! [`Arc`] (handed to [`Task::run`]); every [`Waker`] holds one [`Arc`].

use super::Shared;
use crate::ffi::{rks_rcu_read_lock, rks_rcu_read_unlock};
use core::future::Future;
use core::mem::ManuallyDrop;
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Context, RawWaker, RawWakerVTable, Waker};
use kernel::bindings;
use kernel::list::{impl_has_list_links, impl_list_arc_safe, impl_list_item, ListArc, ListLinks};
use kernel::prelude::*;
use kernel::sync::{new_mutex, Arc, ArcBorrow, Mutex};
use kernel::workqueue::{self, impl_has_work, new_work, Work, WorkItem};

/// The future of a task, while it has one. A type of its own so that the
/// names of the lock's generic code stay short enough for kallsyms (512
/// bytes) when the runtime is built into the kernel.
struct Slot(Option<BoxFuture>);

/// A spawned future, boxed and type-erased.
pub(super) type BoxFuture = Pin<KBox<dyn Future<Output = ()> + Send>>;

/// A spawned future and the work item that polls it.
///
/// # Invariants
///
/// - Once `revoked` is set it is never cleared, and [`Task::schedule`] no
///   longer queues the work item; it is set when the future completes and when
///   the executor stops.
/// - `shared.queue` is valid whenever `revoked` is clear, seen from inside an
///   RCU read-side critical section (the executor revokes every task and waits
///   for an RCU grace period before it destroys the queue).
#[pin_data]
pub(super) struct Task {
    #[pin]
    links: ListLinks,
    #[pin]
    work: Work<Task>,
    /// The future; `None` once it completed or was dropped by `stop`. The
    /// workqueue never runs one work item twice at once, so the lock is
    /// uncontended but for `stop`.
    #[pin]
    future: Mutex<Slot>,
    revoked: AtomicBool,
    shared: Arc<Shared>,
}

impl_has_list_links! {
    impl HasListLinks<0> for Task { self.links }
}
impl_list_arc_safe! {
    impl ListArcSafe<0> for Task { untracked; }
}
impl_list_item! {
    impl ListItem<0> for Task { using ListLinks; }
}
impl_has_work! {
    impl HasWork<Self> for Task { self.work }
}

impl Task {
    /// Allocates a task for `future`; it is not queued yet.
    pub(super) fn new(future: BoxFuture, shared: Arc<Shared>) -> Result<ListArc<Task>> {
        ListArc::pin_init(
            // INVARIANT: not revoked; `shared.queue` is valid until the
            // executor stops, which revokes every task first.
            try_pin_init!(Task {
                links <- ListLinks::new(),
                work <- new_work!("rks_task"),
                future <- new_mutex!(Slot(Some(future)), "rks_task_future"),
                revoked: AtomicBool::new(false),
                shared,
            }),
            GFP_KERNEL,
        )
    }

    /// Queues the task's work item unless it is queued already (the wake is
    /// then merged) or the task is revoked. Callable from any context.
    pub(super) fn schedule(task: Arc<Task>) {
        // SAFETY: plain RCU read-side critical section, closed below.
        unsafe { rks_rcu_read_lock() };
        if !task.revoked.load(Ordering::Acquire) {
            // SAFETY: the task is not revoked and we are inside an RCU
            // read-side critical section, so the queue is valid (type
            // invariants) until `rks_rcu_read_unlock`.
            let queue = unsafe { workqueue::Queue::from_raw(task.shared.queue) };
            // `Err` hands the reference back when the work item is queued
            // already: the wake is merged with the pending one.
            let _ = queue.enqueue(task);
        } else {
            drop(task);
        }
        // SAFETY: closes the critical section opened above.
        unsafe { rks_rcu_read_unlock() };
    }

    /// Whether `work` is this task's work item.
    pub(super) fn is_work(&self, work: *const bindings::work_struct) -> bool {
        // `Work` and the `Opaque` in it are `repr(transparent)` over the
        // `work_struct`, so they share its address.
        let ours: *const Work<Task> = &self.work;
        core::ptr::eq(ours.cast::<bindings::work_struct>(), work)
    }

    /// Stops the task from being polled or queued again.
    pub(super) fn revoke(&self) {
        self.revoked.store(true, Ordering::Release);
    }

    /// Takes the future out of a revoked task, waiting for a poll in progress.
    pub(super) fn take_future(&self) -> Option<BoxFuture> {
        self.future.lock().0.take()
    }

    /// Polls the future once; retires the task when it completes.
    fn poll(self: Arc<Self>) {
        let mut future = self.future.lock();
        if self.revoked.load(Ordering::Acquire) {
            return;
        }
        let Some(fut) = future.0.as_mut() else {
            return;
        };
        // A waker that borrows this reference; `Waker::clone` takes its own.
        // SAFETY: `&*self` points into an `Arc<Task>` that outlives `waker`,
        // and `VTABLE` expects exactly such a pointer. `ManuallyDrop` keeps
        // the borrowed reference count untouched.
        let waker = ManuallyDrop::new(unsafe {
            Waker::from_raw(RawWaker::new((&*self as *const Task).cast(), &VTABLE))
        });
        let mut cx = Context::from_waker(&waker);
        if fut.as_mut().poll(&mut cx).is_pending() {
            return;
        }
        self.revoke();
        let done = future.0.take();
        drop(future);
        drop(done);
        self.shared.retire(&self);
    }
}

impl WorkItem for Task {
    type Pointer = Arc<Task>;

    fn run(this: Arc<Task>) {
        this.poll();
    }
}

/// The [`Waker`] of a task: the data pointer is `Arc::into_raw` of the task.
static VTABLE: RawWakerVTable = RawWakerVTable::new(clone_waker, wake, wake_by_ref, drop_waker);

/// # Safety
///
/// `ptr` must come from `Arc::<Task>::into_raw` (or borrow such a reference).
unsafe fn clone_waker(ptr: *const ()) -> RawWaker {
    // SAFETY: the caller guarantees `ptr` is a live `Arc<Task>` reference,
    // which outlives this call.
    let task = unsafe { ArcBorrow::<Task>::from_raw(ptr.cast()) };
    RawWaker::new(Arc::into_raw(Arc::from(task)).cast(), &VTABLE)
}

/// # Safety
///
/// `ptr` must come from `Arc::<Task>::into_raw`; the reference is consumed.
unsafe fn wake(ptr: *const ()) {
    // SAFETY: the caller hands over an `Arc<Task>` reference.
    Task::schedule(unsafe { Arc::from_raw(ptr.cast::<Task>()) });
}

/// # Safety
///
/// `ptr` must come from `Arc::<Task>::into_raw` (or borrow such a reference).
unsafe fn wake_by_ref(ptr: *const ()) {
    // SAFETY: the caller guarantees `ptr` is a live `Arc<Task>` reference,
    // which outlives this call.
    let task = unsafe { ArcBorrow::<Task>::from_raw(ptr.cast()) };
    Task::schedule(task.into());
}

/// # Safety
///
/// `ptr` must come from `Arc::<Task>::into_raw`; the reference is released.
unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: the caller hands over an `Arc<Task>` reference.
    drop(unsafe { Arc::from_raw(ptr.cast::<Task>()) });
}
