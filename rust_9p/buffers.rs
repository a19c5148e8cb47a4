// SPDX-License-Identifier: GPL-2.0

//! A connection's spare large buffers: the frames of large requests
//! (Twrite) and the buffers of large replies (Rread, Rreaddir) go back to
//! them when they are done with, so that a stream of large reads or writes
//! neither allocates nor zero-fills an msize per request. Safe Rust.
//!
//! A connection keeps at most [`SPARES`] of them, each at most the server's
//! msize and 256 bytes, beside its budget and its reader's buffer. A buffer
//! in use is charged to the budget whole.

use core::ops::{Deref, DerefMut};
use kernel::prelude::*;
use kernel::sync::{new_spinlock, Arc, SpinLock};

/// Buffers a connection keeps between requests: one is what a single
/// stream of large reads or writes needs (the reader's buffer is the other).
pub(crate) const SPARES: usize = 1;
/// Smaller buffers are not worth keeping: allocating them is cheap. (A
/// reader's frame this large is a bulk write, whose task takes the buffer.)
pub(crate) const MIN_SPARE: usize = crate::proto::BULK_FRAME;

/// The spare buffers of one connection.
#[pin_data]
pub(crate) struct Spares {
    #[pin]
    slots: SpinLock<[Option<KVVec<u8>>; SPARES]>,
    /// The largest buffer worth keeping.
    max: usize,
}

impl Spares {
    /// No spares yet; none larger than `max` bytes will be kept.
    pub(crate) fn new(max: usize) -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(Spares {
                slots <- new_spinlock!(core::array::from_fn(|_| None), "rust_9p_spares"),
                max,
            }),
            GFP_KERNEL,
        )
    }

    /// A buffer of at least `len` bytes: a spare of at most `at_most`
    /// (its bytes are what it held before), or a new one of `len`, zeroed.
    /// Either goes back to the spares when dropped.
    pub(crate) fn take(self: &Arc<Self>, len: usize, at_most: usize) -> Result<Buffer> {
        let fits = |b: &KVVec<u8>| (len..=at_most).contains(&b.len());
        let spare = if len >= MIN_SPARE {
            let mut slots = self.slots.lock();
            slots
                .iter_mut()
                .find(|slot| slot.as_ref().is_some_and(fits))
                .and_then(Option::take)
        } else {
            None
        };
        let buf = match spare {
            Some(buf) => buf,
            None => KVVec::from_elem(0u8, len, GFP_KERNEL)?,
        };
        Ok(self.adopt(buf))
    }

    /// Makes `buf` go back to the spares when dropped.
    pub(crate) fn adopt(self: &Arc<Self>, buf: KVVec<u8>) -> Buffer {
        Buffer {
            buf: Some(buf),
            home: Some(self.clone()),
        }
    }

    /// Keeps `buf` if it is worth it and there is room; else drops it.
    fn give_back(&self, buf: KVVec<u8>) {
        if buf.len() < MIN_SPARE || buf.len() > self.max {
            return;
        }
        let refused = {
            let mut slots = self.slots.lock();
            match slots.iter_mut().find(|slot| slot.is_none()) {
                Some(slot) => {
                    *slot = Some(buf);
                    None
                }
                None => Some(buf),
            }
        };
        // Freed outside the spin lock.
        drop(refused);
    }
}

/// A buffer that goes back to its connection's spares when dropped.
///
/// # Invariants
///
/// `buf` is `Some` until the buffer is dropped.
pub(crate) struct Buffer {
    buf: Option<KVVec<u8>>,
    home: Option<Arc<Spares>>,
}

impl Buffer {
    /// A buffer that goes nowhere when dropped.
    pub(crate) fn unpooled(buf: KVVec<u8>) -> Self {
        Buffer {
            buf: Some(buf),
            home: None,
        }
    }

    /// The memory the buffer holds.
    pub(crate) fn capacity(&self) -> usize {
        self.buf.as_ref().map_or(0, |b| b.capacity())
    }
}

impl Deref for Buffer {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        // `buf` is `Some` until drop (type invariants).
        self.buf.as_deref().unwrap_or(&[])
    }
}

impl DerefMut for Buffer {
    fn deref_mut(&mut self) -> &mut [u8] {
        // As above.
        self.buf.as_deref_mut().unwrap_or(&mut [])
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        if let (Some(buf), Some(home)) = (self.buf.take(), self.home.take()) {
            home.give_back(buf);
        }
    }
}
