// SPDX-License-Identifier: GPL-2.0

//! The open connections of a server, listed one line each in its debugfs
//! `clients` file, so that an operator sees a stalled or flooding client
//! at a glance (nfsd's `/proc/fs/nfsd/clients` is the model).
//!
//! A connection is listed for as long as its [`Listed`] guard lives: the
//! guard is a local of the connection's task, so a connection leaves the
//! list when it ends and when the module stops and drops its tasks.

use crate::seq::SeqFile;
use core::ffi::c_void;
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::prelude::*;
use kernel::rbtree::{RBTree, RBTreeNode};
use kernel::sync::{new_mutex, Arc, Mutex};
use kernel::time::Ktime;

/// A connection as the clients file shows it.
pub trait Client: Send + Sync {
    /// Writes its line, without the line end.
    fn show(&self, out: &mut dyn Write) -> fmt::Result;
}

/// The open connections, in the order they were accepted.
#[pin_data]
pub struct Clients<T: Client> {
    #[pin]
    open: Mutex<RBTree<u64, Arc<T>>>,
    next_id: AtomicU64,
}

impl<T: Client> Clients<T> {
    /// An empty list.
    pub fn new() -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(Clients {
                open <- new_mutex!(RBTree::new(), "rks_clients"),
                next_id: AtomicU64::new(0),
            }),
            GFP_KERNEL,
        )
    }

    /// Lists `client` until the guard is dropped.
    pub fn list(self: &Arc<Self>, client: Arc<T>) -> Result<Listed<T>> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let node = RBTreeNode::new(id, client, GFP_KERNEL)?;
        self.open.lock().insert(node);
        Ok(Listed {
            clients: self.clone(),
            id,
        })
    }

    /// Writes one line per open connection, oldest first.
    pub fn show(&self, out: &mut impl Write) -> fmt::Result {
        for (_, client) in self.open.lock().iter() {
            client.show(out)?;
            out.write_char('\n')?;
        }
        Ok(())
    }

    /// The pointer a debugfs file is made with, for [`Clients::show_raw`].
    fn as_raw(this: &Arc<Self>) -> *mut c_void {
        core::ptr::from_ref::<Self>(this).cast_mut().cast()
    }

    /// The body of a clients file's show callback.
    ///
    /// # Safety
    ///
    /// `m` must be the `seq_file` of a show callback that is running, of a
    /// clients file made by [`DebugfsFiles::create`] with `clients`.
    pub unsafe fn show_raw(m: *mut kernel::bindings::seq_file, clients: *const c_void) {
        // SAFETY: the caller's guarantees: `clients` is the pointer of an
        // `Arc<Self>` that the file's `DebugfsFiles` holds.
        let (mut out, clients) = unsafe { (SeqFile::from_raw(m), &*clients.cast::<Self>()) };
        // `SeqFile` never fails.
        let _ = clients.show(&mut out);
    }
}

/// A module's debugfs files, among them a clients file showing `clients`;
/// removed when dropped.
///
/// # Invariants
///
/// The files exist (if debugfs could make them) until `remove` is called,
/// and the clients file was made with a pointer to `_clients`, which is
/// dropped only after that.
pub struct DebugfsFiles<T: Client> {
    remove: unsafe extern "C" fn(),
    _clients: Arc<Clients<T>>,
}

impl<T: Client> DebugfsFiles<T> {
    /// Makes the files with `create`, given [`Clients::as_raw`] of
    /// `clients`; `remove` removes them again.
    ///
    /// # Safety
    ///
    /// `create` must make the module's debugfs files once (or nothing, on
    /// failure), giving the clients file the pointer it is passed as data
    /// for a show callback that calls [`Clients::show_raw`] for `T`;
    /// `remove` must remove them, waiting for show callbacks running.
    pub unsafe fn create(
        clients: Arc<Clients<T>>,
        create: unsafe extern "C" fn(*mut c_void),
        remove: unsafe extern "C" fn(),
    ) -> Self {
        // SAFETY: the caller's guarantee; the pointer stays valid while
        // `self` holds `clients`.
        unsafe { create(Clients::as_raw(&clients)) };
        // INVARIANT: made with `clients` just above.
        DebugfsFiles {
            remove,
            _clients: clients,
        }
    }
}

impl<T: Client> Drop for DebugfsFiles<T> {
    fn drop(&mut self) {
        // SAFETY: `remove` removes what `create` made, waiting for show
        // callbacks; `_clients` outlives them (type invariants).
        unsafe { (self.remove)() };
    }
}

/// Keeps a connection in its server's list; unlists it when dropped.
pub struct Listed<T: Client> {
    clients: Arc<Clients<T>>,
    id: u64,
}

impl<T: Client> Drop for Listed<T> {
    fn drop(&mut self) {
        let gone = self.clients.open.lock().remove(&self.id);
        // The connection may be freed here, outside the lock.
        drop(gone);
    }
}

/// Milliseconds since `since`, for a client's age.
pub fn age_ms(since: Ktime) -> i64 {
    (Ktime::ktime_get() - since).to_ms()
}
