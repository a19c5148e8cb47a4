// SPDX-License-Identifier: GPL-2.0

//! Open files and directories of the export: reads, directory listings
//! reported entry by entry, and POSIX locks.

use super::glue::{
    rust_9p_count_locks, rust_9p_file_get, rust_9p_file_path, rust_9p_file_size, rust_9p_getlk,
    rust_9p_read_pages, rust_9p_readdir, rust_9p_setlk, rust_9p_unlock_all, Lock,
};
use super::Node;
use crate::budget::Charge;
use crate::creds::Credential;
use crate::errno::to_count;
use crate::locks::OwnerUse;
use crate::reactor::pages::Pages;
use core::ptr::NonNull;
use kernel::bindings;
use kernel::error::{from_err_ptr, to_result};
use kernel::ffi::{c_char, c_int, c_uint};
use kernel::page::PAGE_SIZE;
use kernel::prelude::*;
use kernel::types::{ARef, AlwaysRefCounted, Opaque};

/// A `struct file`.
///
/// # Invariants
///
/// The object is a valid file, alive while a reference is held.
#[repr(transparent)]
pub(crate) struct File(Opaque<bindings::file>);

// SAFETY: files are reference counted atomically and may be used and
// released from any thread; reads at explicit offsets share no state, and
// directory reads are serialised by the glue.
unsafe impl Send for File {}
// SAFETY: as above.
unsafe impl Sync for File {}

// SAFETY: `get_file` and `fput` keep the file alive while references
// remain.
unsafe impl AlwaysRefCounted for File {
    fn inc_ref(&self) {
        // SAFETY: the file is valid (type invariants).
        unsafe { rust_9p_file_get(self.0.get()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up a reference it holds.
        unsafe { bindings::fput(obj.cast().as_ptr()) };
    }
}

/// One directory entry; `offset` is its own position in the directory.
pub(crate) struct DirEntry<'a> {
    pub(crate) ino: u64,
    pub(crate) offset: u64,
    pub(crate) dtype: u8,
    pub(crate) name: &'a [u8],
}

/// The `dir_context` handed to `iterate_dir`, and where its entries go.
#[repr(C)]
struct DirFill<'a> {
    ctx: bindings::dir_context,
    sink: &'a mut dyn FnMut(DirEntry<'_>) -> bool,
}

/// The `filldir_t` of [`DirFill`]: hands one entry to its sink.
///
/// # Safety
///
/// `ctx` must be the `ctx` field of a [`DirFill`] that nothing else uses
/// during the call, and `name` valid for `len` bytes.
unsafe extern "C" fn fill(
    ctx: *mut bindings::dir_context,
    name: *const c_char,
    len: c_int,
    offset: i64,
    ino: u64,
    dtype: c_uint,
) -> bool {
    // SAFETY: `ctx` is the `ctx` field of a `DirFill` used by nothing else
    // meanwhile (the caller's guarantee).
    let fill = unsafe { &mut *kernel::container_of!(ctx, DirFill<'_>, ctx).cast_mut() };
    let Ok(len) = usize::try_from(len) else {
        return false;
    };
    // SAFETY: `name` is valid for `len` bytes (the caller's guarantee).
    let name = unsafe { core::slice::from_raw_parts(name.cast::<u8>(), len) };
    (fill.sink)(DirEntry {
        ino,
        // Positions are never negative.
        offset: offset as u64,
        // `DT_*` values fit in a byte.
        dtype: dtype as u8,
        name,
    })
}

/// An open regular file or directory, charged to the server's budget of
/// open files.
pub(crate) struct OpenFile {
    file: ARef<File>,
    _charge: Charge,
}

impl OpenFile {
    /// Takes over a file reference returned by the glue (or its `ERR_PTR`).
    ///
    /// # Safety
    ///
    /// `ptr` must be an `ERR_PTR`, or a reference to a valid file that the
    /// caller owns and gives up.
    pub(super) unsafe fn from_glue(ptr: *mut bindings::file, charge: Charge) -> Result<Self> {
        let ptr = NonNull::new(from_err_ptr(ptr)?).ok_or(ENOMEM)?;
        // SAFETY: not an `ERR_PTR` or NULL, so a reference the caller gives
        // up (the caller's guarantee).
        let file = unsafe { ARef::from_raw(ptr.cast()) };
        Ok(OpenFile {
            file,
            _charge: charge,
        })
    }

    pub(super) fn as_ptr(&self) -> *mut bindings::file {
        self.file.0.get()
    }

    /// The file or directory this is open on.
    pub(crate) fn node(&self) -> Node {
        let mut path = bindings::path::default();
        // SAFETY: the file is valid; `path` is a valid place for its path.
        unsafe { rust_9p_file_path(self.as_ptr(), &mut path) };
        // SAFETY: the glue took a reference to each of the path's mount and
        // dentry.
        unsafe { Node::from_path(path) }
    }

    /// The file's size now.
    pub(crate) fn size(&self) -> u64 {
        // SAFETY: the file is valid (we hold a reference).
        unsafe { rust_9p_file_size(self.as_ptr()) }
    }

    /// Reads at `offset` into `buf`; returns the count (0 at the end).
    pub(crate) fn read(&self, as_user: &Credential, buf: &mut [u8], offset: u64) -> Result<usize> {
        let mut pos = i64::try_from(offset).map_err(|_| EINVAL)?;
        let file = self.as_ptr();
        // SAFETY: the file is valid and `buf` writable for its length.
        to_count(as_user.run(|| unsafe {
            bindings::kernel_read(file, buf.as_mut_ptr().cast(), buf.len(), &mut pos)
        }))
    }

    /// Reads up to `len` bytes at `offset` as references to the pages that
    /// hold them, shared rather than copied (fewer bytes than asked, or
    /// none at the end); `EOPNOTSUPP` where the file cannot be read so.
    pub(crate) fn read_pages(
        &self,
        as_user: &Credential,
        offset: u64,
        len: usize,
    ) -> Result<Pages> {
        let file = self.as_ptr();
        // A page an entry, and one more for a range that starts mid-page.
        let max = len.div_ceil(PAGE_SIZE) + 1;
        let fill = |room: *mut bindings::bio_vec, max: usize| {
            let mut filled: c_uint = 0;
            let max = c_uint::try_from(max).unwrap_or(c_uint::MAX);
            // SAFETY: the file is valid; `room` has space for `max`
            // entries and `filled` is a valid place for their count.
            let read =
                to_count(as_user.run(|| unsafe {
                    rust_9p_read_pages(file, offset, len, room, max, &mut filled)
                }));
            (filled as usize, read.map(|_| ()))
        };
        // SAFETY: the glue writes `filled` entries into the room it is
        // given, each with a reference to its page that it hands over,
        // whatever it returns.
        unsafe { Pages::fill(max, fill) }
    }

    /// Reports the directory's entries from position `offset` (0, or a
    /// position reported earlier) to `sink` until it returns false or the
    /// directory ends; returns the position after the last entry taken.
    pub(crate) fn read_dir(
        &self,
        as_user: &Credential,
        offset: u64,
        sink: &mut dyn FnMut(DirEntry<'_>) -> bool,
    ) -> Result<u64> {
        let mut fill = DirFill {
            ctx: bindings::dir_context {
                actor: Some(fill),
                pos: 0,
            },
            sink,
        };
        let file = self.as_ptr();
        // SAFETY: the file is valid, and `fill` outlives the call, its
        // `ctx` used only by `iterate_dir` meanwhile.
        to_result(as_user.run(|| unsafe { rust_9p_readdir(file, offset, &mut fill.ctx) }))?;
        // Positions are never negative.
        Ok(fill.ctx.pos as u64)
    }

    /// Sets (or, with type `F_UNLCK`, clears) `lock` for `owner`, without
    /// waiting: `EAGAIN` when another owner holds a conflicting lock.
    pub(crate) fn set_lock(&self, as_user: &Credential, owner: &OwnerUse, lock: &Lock) -> Result {
        let (file, owner) = (self.as_ptr(), owner.token());
        // SAFETY: the file is valid and `lock` readable; `owner` is only
        // compared with other owners.
        to_result(as_user.run(|| unsafe { rust_9p_setlk(file, owner, lock) }))
    }

    /// The lock that conflicts with `lock` of `owner`, if any.
    pub(crate) fn conflicting_lock(
        &self,
        as_user: &Credential,
        owner: &OwnerUse,
        lock: &Lock,
    ) -> Result<Option<Lock>> {
        let (file, token) = (self.as_ptr(), owner.token());
        let mut found = *lock;
        // SAFETY: the file is valid and `found` a valid place for the
        // result; `token` is only compared with other owners.
        to_result(as_user.run(|| unsafe { rust_9p_getlk(file, token, &mut found) }))?;
        Ok((found.kind != bindings::F_UNLCK).then_some(found))
    }

    /// How many locked ranges `owner` holds on the file.
    pub(crate) fn count_locks(&self, owner: &OwnerUse) -> usize {
        // SAFETY: the file is valid; the owner is only compared.
        unsafe { rust_9p_count_locks(self.as_ptr(), owner.token()) as usize }
    }

    /// Releases every lock `owner` holds on the file.
    pub(crate) fn unlock_all(&self, owner: &OwnerUse) {
        // SAFETY: the file is valid; the owner is only compared.
        unsafe { rust_9p_unlock_all(self.as_ptr(), owner.token()) };
    }
}
