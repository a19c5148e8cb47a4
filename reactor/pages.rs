// SPDX-License-Identifier: GPL-2.0

//! Pages to send without copying them: a list of page ranges, each
//! holding a reference to its page until the list is dropped. A file's
//! page-cache pages go to a socket this way
//! ([`WriteHalf::write_all_pages`](super::tcp::WriteHalf::write_all_pages)),
//! which takes references of its own while the bytes are in flight.

use crate::ffi::rks_put_pages;
use kernel::bindings;
use kernel::ffi::c_uint;
use kernel::prelude::*;

/// Page ranges to send, in order.
///
/// # Invariants
///
/// Every entry of `vecs` names a valid range of a page and holds one
/// reference to that page; `len` is the sum of their lengths.
pub struct Pages {
    vecs: KVec<bindings::bio_vec>,
    len: usize,
}

// SAFETY: the entries are page references, which may be dropped from any
// thread; nothing else is shared.
unsafe impl Send for Pages {}
// SAFETY: as above; `&Pages` only reads the entries.
unsafe impl Sync for Pages {}

impl Pages {
    /// Fills a list of at most `max` entries with `fill`, which gets room
    /// for them and returns how many it wrote.
    ///
    /// # Safety
    ///
    /// `fill` must write the entries it counts into the room it is given,
    /// each naming a valid range of a page and holding a reference to that
    /// page that it hands over, even when it fails.
    pub unsafe fn fill(
        max: usize,
        fill: impl FnOnce(*mut bindings::bio_vec, usize) -> (usize, Result),
    ) -> Result<Self> {
        let mut vecs = KVec::with_capacity(max, GFP_KERNEL)?;
        let (count, result) = fill(vecs.as_mut_ptr(), max);
        let count = count.min(max);
        // SAFETY: `fill` wrote `count` entries into the room of `vecs`,
        // whose capacity is at least `max` (the caller's guarantee).
        unsafe { vecs.set_len(count) };
        let len = vecs.iter().map(|v| v.bv_len as usize).sum();
        // INVARIANT: every entry holds a reference of its page (the caller's
        // guarantee), and `len` is their sum.
        let pages = Pages { vecs, len };
        result.map(|()| pages)
    }

    /// The bytes of all the ranges.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many page ranges there are.
    pub fn count(&self) -> usize {
        self.vecs.len()
    }

    /// The entries, for a send.
    pub(super) fn vecs(&self) -> &[bindings::bio_vec] {
        &self.vecs
    }
}

impl Drop for Pages {
    fn drop(&mut self) {
        // SAFETY: every entry holds a reference to its page (type
        // invariants), given up here; the entries are not used again.
        unsafe { rks_put_pages(self.vecs.as_mut_ptr(), self.vecs.len() as c_uint) };
    }
}
