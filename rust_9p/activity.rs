// SPDX-License-Identifier: GPL-2.0

//! What the debugfs `clients` file shows of a connection beyond its fids
//! and requests: its peer, the users it attached as, its traffic and its
//! age. Counting here also counts in the server-wide counters.

use crate::clients;
use crate::counters::{self, Counter};
use crate::inet::SockAddr;
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};
use kernel::time::Ktime;

/// A connection's peer, attaches, traffic and age.
pub(crate) struct Activity {
    peer: SockAddr,
    started: Ktime,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    /// Bytes of budget its queued replies hold (`reply_bytes_queued`).
    queued_bytes: AtomicI64,
    uids: AttachUids,
}

impl Activity {
    /// A connection from `peer`, starting now.
    pub(crate) fn new(peer: SockAddr) -> Self {
        Activity {
            peer,
            started: Ktime::ktime_get(),
            bytes_in: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
            queued_bytes: AtomicI64::new(0),
            uids: AttachUids::new(),
        }
    }

    /// Notes a successful attach as `uid`.
    pub(crate) fn note_attach(&self, uid: u32) {
        self.uids.note(uid);
    }

    /// Counts `bytes` of requests received.
    pub(crate) fn count_received(&self, bytes: usize) {
        counters::count(Counter::BytesIn, bytes as i64);
        self.bytes_in.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// Counts `bytes` of replies sent.
    pub(crate) fn count_sent(&self, bytes: usize) {
        counters::count(Counter::BytesOut, bytes as i64);
        self.bytes_out.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// Counts `delta` bytes of budget held by queued replies.
    pub(crate) fn count_queued(&self, delta: i64) {
        counters::count(Counter::QueuedBytes, delta);
        self.queued_bytes.fetch_add(delta, Ordering::Relaxed);
    }

    /// Writes the clients file's line of a connection that holds `fids`
    /// fids and has `in_flight` requests in flight.
    pub(crate) fn show(&self, out: &mut dyn Write, fids: usize, in_flight: usize) -> fmt::Result {
        write!(
            out,
            "{} uids {} fids {} in_flight {} queued_bytes {} bytes_in {} bytes_out {} age_ms {}",
            self.peer,
            self.uids,
            fids,
            in_flight,
            self.queued_bytes.load(Ordering::Relaxed),
            self.bytes_in.load(Ordering::Relaxed),
            self.bytes_out.load(Ordering::Relaxed),
            clients::age_ms(self.started),
        )
    }
}

/// The users a connection attached as: the first [`AttachUids::SHOWN`],
/// and whether there were more.
struct AttachUids {
    /// Set once each, in order; [`AttachUids::NONE`] where unset.
    uids: [AtomicU32; AttachUids::SHOWN],
    more: AtomicBool,
}

impl AttachUids {
    const SHOWN: usize = 4;
    const NONE: u32 = u32::MAX;

    fn new() -> Self {
        AttachUids {
            uids: [const { AtomicU32::new(Self::NONE) }; Self::SHOWN],
            more: AtomicBool::new(false),
        }
    }

    /// Notes an attach as `uid`. A slot once set never changes, so two
    /// attaches as one user, even at once, take one slot.
    fn note(&self, uid: u32) {
        for slot in &self.uids {
            match slot.compare_exchange(Self::NONE, uid, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return,
                Err(seen) if seen == uid => return,
                Err(_) => {}
            }
        }
        self.more.store(true, Ordering::Relaxed);
    }
}

impl fmt::Display for AttachUids {
    /// `0,1000` (`,+` when there were more), `-` for none.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut any = false;
        for uid in self.uids.iter().map(|slot| slot.load(Ordering::Relaxed)) {
            if uid == Self::NONE {
                break;
            }
            write!(f, "{}{}", if any { "," } else { "" }, uid)?;
            any = true;
        }
        match (any, self.more.load(Ordering::Relaxed)) {
            (false, _) => f.write_str("-"),
            (true, true) => f.write_str(",+"),
            (true, false) => Ok(()),
        }
    }
}
