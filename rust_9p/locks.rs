// SPDX-License-Identifier: GPL-2.0

//! The owners of the POSIX locks clients take: one per (connection,
//! proc_id), so that two processes of one client conflict as they would
//! locally, and two clients conflict with each other and with processes on
//! the server. An owner's address is the `fl_owner` of its locks.
//!
//! A fid through which an owner locked keeps a use of it and releases the
//! owner's locks on its file when it goes (`fids.rs`); an owner no request
//! and no fid uses holds no lock, and its connection may forget it.
//!
//! The kernel keeps a record per locked range; a connection's owners may
//! hold [`MAX_LOCK_RECORDS`] of them, counted exactly: only an owner's own
//! requests change its records, and they are serialised.

use crate::budget::Budget;
use crate::creds::Credential;
use crate::errno;
use crate::vfs::{Lock, OpenFile};
use core::ffi::c_void;
use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::prelude::*;
use kernel::rbtree::{RBTree, RBTreeNode};
use kernel::sync::{new_mutex, Arc, Mutex};

/// Lock owners one connection may have in use at once.
pub(crate) const MAX_LOCK_OWNERS: usize = 1024;
/// Lock records (locked ranges) one connection's owners may hold.
pub(crate) const MAX_LOCK_RECORDS: usize = 4096;
/// The most records one lock request adds: a range split in three.
const NEW_RECORDS_MAX: usize = 2;

/// The owner of one client process's locks.
#[pin_data]
pub(crate) struct LockOwner {
    /// Requests and fids using it.
    users: AtomicUsize,
    /// The connection's budget of lock records.
    records: Arc<Budget>,
    /// Held while the owner's locks change, so that their records are
    /// counted before and after.
    #[pin]
    changing: Mutex<()>,
}

/// A use of a [`LockOwner`], by a request that locks or by a fid through
/// which it locked.
pub(crate) struct OwnerUse(Arc<LockOwner>);

impl OwnerUse {
    /// The `fl_owner` of the owner's locks.
    pub(crate) fn token(&self) -> *mut c_void {
        let owner: &LockOwner = &self.0;
        core::ptr::from_ref(owner).cast_mut().cast()
    }

    /// Whether both are uses of one owner.
    pub(crate) fn same_owner(&self, other: &OwnerUse) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// Sets (or clears) `lock` on `file` as `as_user`, without waiting:
    /// `EAGAIN` when another owner's lock conflicts, `ENOLCK` when the
    /// connection's owners hold all the records they may.
    pub(crate) fn set(&self, file: &OpenFile, as_user: &Credential, lock: &Lock) -> Result {
        let _changing = self.0.changing.lock();
        Budget::take_shared(&self.0.records, NEW_RECORDS_MAX)
            .ok_or_else(errno::enolck)?
            .keep();
        let before = file.count_locks(self);
        let result = file.set_lock(as_user, self, lock);
        let after = file.count_locks(self);
        self.0
            .records
            .give_back((before + NEW_RECORDS_MAX).saturating_sub(after));
        result
    }

    /// Releases every lock of the owner on `file`.
    pub(crate) fn release(&self, file: &OpenFile) {
        let _changing = self.0.changing.lock();
        let before = file.count_locks(self);
        file.unlock_all(self);
        let after = file.count_locks(self);
        self.0.records.give_back(before.saturating_sub(after));
    }
}

impl Clone for OwnerUse {
    fn clone(&self) -> Self {
        // One use exists already (this one), so the table keeps the owner.
        self.0.users.fetch_add(1, Ordering::Relaxed);
        OwnerUse(self.0.clone())
    }
}

impl Drop for OwnerUse {
    fn drop(&mut self) {
        self.0.users.fetch_sub(1, Ordering::Release);
    }
}

/// A connection's owners, by proc_id.
///
/// # Invariants
///
/// `len` is the number of entries of `owners`.
struct Table {
    owners: RBTree<u32, Arc<LockOwner>>,
    len: usize,
}

/// The lock owners of one connection.
#[pin_data]
pub(crate) struct LockOwners {
    #[pin]
    table: Mutex<Table>,
    /// The records their locks may have.
    records: Arc<Budget>,
}

impl LockOwners {
    pub(crate) fn new() -> impl PinInit<Self, Error> {
        try_pin_init!(LockOwners {
            // INVARIANT: empty.
            table <- new_mutex!(Table { owners: RBTree::new(), len: 0 }, "rust_9p_lock_owners"),
            records: Arc::new(Budget::with_max(MAX_LOCK_RECORDS), GFP_KERNEL)?,
        }? Error)
    }

    /// The owner of the locks of the client's process `proc_id`; `ENOLCK`
    /// when the connection has [`MAX_LOCK_OWNERS`] in use.
    pub(crate) fn get(&self, proc_id: u32) -> Result<OwnerUse> {
        let mut table = self.table.lock();
        if let Some(owner) = table.owners.get(&proc_id) {
            // Uses are taken under the table's lock, so that an owner seen
            // unused below stays so.
            owner.users.fetch_add(1, Ordering::Relaxed);
            return Ok(OwnerUse(owner.clone()));
        }
        if table.len >= MAX_LOCK_OWNERS {
            forget_unused(&mut table)?;
            if table.len >= MAX_LOCK_OWNERS {
                return Err(errno::enolck());
            }
        }
        let owner = Arc::pin_init(
            pin_init!(LockOwner {
                users: AtomicUsize::new(1),
                records: self.records.clone(),
                changing <- new_mutex!((), "rust_9p_lock_owner"),
            }),
            GFP_KERNEL,
        )?;
        let node = RBTreeNode::new(proc_id, owner.clone(), GFP_KERNEL)?;
        table.owners.insert(node);
        // INVARIANT: one entry more.
        table.len += 1;
        Ok(OwnerUse(owner))
    }
}

/// Forgets the owners nothing uses: they hold no lock.
fn forget_unused(table: &mut Table) -> Result {
    let mut unused = KVec::new();
    for (proc_id, owner) in table.owners.iter() {
        if owner.users.load(Ordering::Acquire) == 0 {
            unused.push(*proc_id, GFP_KERNEL)?;
        }
    }
    for proc_id in unused.iter() {
        table.owners.remove(proc_id);
        // INVARIANT: one entry fewer.
        table.len -= 1;
    }
    Ok(())
}
