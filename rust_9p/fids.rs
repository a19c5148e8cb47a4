// SPDX-License-Identifier: GPL-2.0

//! Fids: what a client's numbers stand for, and one connection's bounded
//! table of them.
//!
//! A request takes an `Arc` of the fids it uses, so a fid clunked while
//! another request still works on it stays valid until that request ends.
//! A fid through which a client locked releases those locks when it goes.

use crate::budget::{self, Charge};
use crate::codec::Qid;
use crate::counters::{self, Counter};
use crate::creds::Credential;
use crate::locks::OwnerUse;
use crate::proto::{self, qid_kind, qid_path, qid_type, qid_version};
use crate::vfs::{Node, OpenFile, Stat};
use kernel::prelude::*;
use kernel::rbtree::{RBTree, RBTreeNode};
use kernel::sync::{new_mutex, new_spinlock, Arc, Mutex, SpinLock};
use kernel::types::ARef;

/// What an attach chose: its root (the parent of which is itself) and the
/// credentials of every access through its fids.
pub(crate) struct Attach {
    pub(crate) root: Node,
    pub(crate) creds: ARef<Credential>,
}

/// What an open fid reads or writes.
pub(crate) enum Opened {
    /// A regular file, opened for reading, writing or both.
    File {
        file: OpenFile,
        read: bool,
        write: bool,
    },
    Dir(OpenFile),
    /// An extended attribute's value or the list of names (Txattrwalk),
    /// charged to the server's budget of such bytes.
    Xattr {
        value: KVec<u8>,
        _charge: Charge,
    },
    /// An extended attribute being written (Txattrcreate), set when the
    /// fid is clunked.
    NewXattr(Pin<KBox<NewXattr>>),
}

impl Opened {
    /// The open file or directory, if it is one.
    pub(crate) fn file(&self) -> Option<&OpenFile> {
        match self {
            Opened::File { file, .. } | Opened::Dir(file) => Some(file),
            Opened::Xattr { .. } | Opened::NewXattr(_) => None,
        }
    }
}

/// The value of a [`NewXattr`] and how much of it is written.
struct XattrValue {
    bytes: KVec<u8>,
    written: usize,
}

/// An extended attribute a client writes: Txattrcreate names it and gives
/// its size, Twrites fill it in order, Tclunk sets it. The value is charged
/// to the server's and the connection's budgets of such bytes.
#[pin_data]
pub(crate) struct NewXattr {
    name: KVec<u8>,
    flags: u32,
    #[pin]
    value: Mutex<XattrValue>,
    _charges: [Charge; 2],
}

impl NewXattr {
    /// An attribute `name` of `size` bytes (zeroed until written), set with
    /// setxattr(2)'s `flags`, holding `charges`.
    pub(crate) fn new(
        name: &[u8],
        size: usize,
        flags: u32,
        charges: [Charge; 2],
    ) -> Result<Pin<KBox<Self>>> {
        let mut owned = KVec::with_capacity(name.len(), GFP_KERNEL)?;
        owned.extend_from_slice(name, GFP_KERNEL)?;
        let bytes = KVec::from_elem(0u8, size, GFP_KERNEL)?;
        KBox::pin_init(
            pin_init!(NewXattr {
                name: owned,
                flags,
                value <- new_mutex!(XattrValue { bytes, written: 0 }, "rust_9p_new_xattr"),
                _charges: charges,
            }),
            GFP_KERNEL,
        )
    }

    /// Writes `data` at `offset`: only right after what is written, within
    /// the size; `EINVAL` otherwise.
    pub(crate) fn write(&self, offset: u64, data: &[u8]) -> Result {
        let mut value = self.value.lock();
        let start = value.written;
        if !proto::xattr_write_fits(start, value.bytes.len(), offset, data.len()) {
            return Err(EINVAL);
        }
        value.bytes[start..start + data.len()].copy_from_slice(data);
        value.written += data.len();
        Ok(())
    }

    /// Sets the attribute on `node` as `as_user` (or removes it, for a
    /// value of 0 bytes); `EINVAL` if the value is not all written.
    pub(crate) fn apply(&self, node: &Node, as_user: &Credential) -> Result {
        let value = self.value.lock();
        if value.written != value.bytes.len() {
            return Err(EINVAL);
        }
        node.set_xattr(as_user, &self.name, &value.bytes, self.flags)
    }
}

/// A file or directory a client refers to by number.
#[pin_data(PinnedDrop)]
pub(crate) struct Fid {
    pub(crate) attach: Arc<Attach>,
    pub(crate) node: Node,
    pub(crate) qid: Qid,
    /// The device, mixed into the qid paths of directory entries.
    pub(crate) dev: u32,
    #[pin]
    opened: SpinLock<Option<Arc<Opened>>>,
    /// The lock owners that locked through the fid's open file.
    #[pin]
    lockers: Mutex<KVec<OwnerUse>>,
}

#[pinned_drop]
impl PinnedDrop for Fid {
    fn drop(self: Pin<&mut Self>) {
        let lockers = core::mem::take(&mut *self.lockers.lock());
        if lockers.is_empty() {
            return;
        }
        let opened = self.opened.lock().clone();
        if let Some(file) = opened.as_deref().and_then(Opened::file) {
            // POSIX: a process's locks on a file go when it closes any
            // descriptor of the file.
            for owner in lockers.iter() {
                owner.release(file);
            }
        }
    }
}

/// The qid of a file with attributes `st`.
pub(crate) fn qid_of(st: &Stat) -> Qid {
    Qid {
        kind: qid_kind(st.mode),
        version: qid_version(st.mtime.0, st.mtime.1, st.size),
        path: qid_path(st.dev, st.ino),
    }
}

impl Fid {
    /// A fid for `node`, whose attributes are `st`; `opened` for one that
    /// is born open (an xattr fid).
    pub(crate) fn new(
        attach: Arc<Attach>,
        node: Node,
        st: &Stat,
        opened: Option<Arc<Opened>>,
    ) -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(Fid {
                attach,
                node,
                qid: qid_of(st),
                dev: st.dev,
                opened <- new_spinlock!(opened, "rust_9p_fid"),
                lockers <- new_mutex!(KVec::new(), "rust_9p_fid_lockers"),
            }),
            GFP_KERNEL,
        )
    }

    pub(crate) fn is_dir(&self) -> bool {
        self.qid.kind == qid_type::DIR
    }

    /// What the fid reads, if it is open.
    pub(crate) fn opened(&self) -> Option<Arc<Opened>> {
        self.opened.lock().clone()
    }

    /// Whether the fid is open already (Tlopen and Tlcreate refuse it).
    pub(crate) fn is_open(&self) -> bool {
        self.opened.lock().is_some()
    }

    /// Records that `owner` locked through the fid's open file, whose
    /// locks of it are released when the fid goes.
    pub(crate) fn note_locker(&self, owner: &OwnerUse) -> Result {
        let mut lockers = self.lockers.lock();
        if !lockers.iter().any(|known| known.same_owner(owner)) {
            lockers.push(owner.clone(), GFP_KERNEL)?;
        }
        Ok(())
    }

    /// Records that the fid is open; `EINVAL` if it already was.
    pub(crate) fn set_opened(&self, opened: Opened) -> Result {
        let opened = Arc::new(opened, GFP_KERNEL)?;
        let mut slot = self.opened.lock();
        if slot.is_some() {
            return Err(EINVAL);
        }
        *slot = Some(opened);
        Ok(())
    }
}

/// # Invariants
///
/// `len` is the number of entries of `fids`, and each is counted once in
/// the `fids_open` counter and in the server's budget of fids until it
/// leaves the table (or the table drops).
struct Table {
    fids: RBTree<u32, Arc<Fid>>,
    len: usize,
}

impl Drop for Table {
    fn drop(&mut self) {
        counters::count(Counter::Fids, -(self.len as i64));
        budget::FIDS.give_back(self.len);
    }
}

/// One connection's fids, at most `max` of them.
#[pin_data]
pub(crate) struct FidTable {
    #[pin]
    table: Mutex<Table>,
    max: usize,
}

impl FidTable {
    pub(crate) fn new(max: usize) -> impl PinInit<Self> {
        pin_init!(FidTable {
            // INVARIANT: empty, nothing counted.
            table <- new_mutex!(Table { fids: RBTree::new(), len: 0 }, "rust_9p_fids"),
            max,
        })
    }

    /// How many fids the table holds.
    pub(crate) fn len(&self) -> usize {
        self.table.lock().len
    }

    /// The fid numbered `fid`; `EBADF` if there is none.
    pub(crate) fn get(&self, fid: u32) -> Result<Arc<Fid>> {
        self.table.lock().fids.get(&fid).cloned().ok_or(EBADF)
    }

    /// Fails with `EBADF` if `fid` is in use.
    pub(crate) fn check_free(&self, fid: u32) -> Result {
        match self.table.lock().fids.get(&fid) {
            Some(_) => Err(EBADF),
            None => Ok(()),
        }
    }

    /// Numbers `value` as `fid`: a new number (`EBADF` if in use, `EMFILE`
    /// when the table is full), or, with `replace`, also one in use.
    pub(crate) fn insert(&self, fid: u32, value: Arc<Fid>, replace: bool) -> Result {
        let node = RBTreeNode::new(fid, value, GFP_KERNEL)?;
        let mut table = self.table.lock();
        let exists = table.fids.get(&fid).is_some();
        if exists && !replace {
            return Err(EBADF);
        }
        if !exists && table.len >= self.max {
            return Err(EMFILE);
        }
        if !exists {
            // The table gives it back when the fid leaves it.
            budget::FIDS.take(1).ok_or(ENFILE)?.keep();
        }
        let old = table.fids.insert(node);
        if old.is_none() {
            // INVARIANT: one more entry, counted.
            table.len += 1;
            counters::count(Counter::Fids, 1);
        }
        drop(table);
        // The replaced fid, if any, is released outside the lock.
        drop(old);
        Ok(())
    }

    /// Makes `fid` stand for `new` if it still stands for `old` (Tlcreate:
    /// the fid of a directory becomes that of the file created in it, and
    /// a request that raced with it keeps the fid it had); `EBADF` if not.
    pub(crate) fn replace(&self, fid: u32, old: &Arc<Fid>, new: Arc<Fid>) -> Result {
        let node = RBTreeNode::new(fid, new, GFP_KERNEL)?;
        let mut table = self.table.lock();
        let unchanged = table.fids.get(&fid).is_some_and(|f| Arc::ptr_eq(f, old));
        if !unchanged {
            return Err(EBADF);
        }
        let replaced = table.fids.insert(node);
        drop(table);
        drop(replaced);
        Ok(())
    }

    /// Forgets `fid`; `EBADF` if there is none.
    pub(crate) fn remove(&self, fid: u32) -> Result<Arc<Fid>> {
        let mut table = self.table.lock();
        let removed = table.fids.remove(&fid).ok_or(EBADF)?;
        // INVARIANT: one entry fewer, uncounted below.
        table.len -= 1;
        counters::count(Counter::Fids, -1);
        budget::FIDS.give_back(1);
        Ok(removed)
    }

    /// Forgets every fid (Tversion, or the connection closing).
    pub(crate) fn clear(&self) {
        let mut table = self.table.lock();
        let fids = core::mem::take(&mut table.fids);
        counters::count(Counter::Fids, -(table.len as i64));
        budget::FIDS.give_back(table.len);
        table.len = 0;
        drop(table);
        // Closing files and putting paths happens outside the lock.
        drop(fids);
    }
}
