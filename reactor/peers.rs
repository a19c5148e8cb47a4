// SPDX-License-Identifier: GPL-2.0

//! Admission of TCP connections: only from the addresses of an allow list,
//! at most so many open in all, and at most so many from one peer address,
//! so that one client cannot take every slot of a server.

use crate::inet::{AllowList, IpAddr};
use kernel::prelude::*;
use kernel::sync::{new_mutex, Arc, Mutex};

/// Why a connection was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The peer's address is not in the allow list.
    NotAllowed,
    /// The server has its most connections open.
    Full,
    /// The peer's address has its most connections open.
    PeerFull,
    /// No memory to count it.
    NoMemory,
}

/// # Invariants
///
/// `open` is the sum of the counts in `peers`.
struct Counts {
    /// Open connections per address; entries at zero are reused.
    peers: KVec<(IpAddr, usize)>,
    open: usize,
}

/// The open connections of one server, counted per peer address.
#[pin_data]
pub struct PeerLimit {
    #[pin]
    counts: Mutex<Counts>,
    allow: AllowList,
    max_open: usize,
    max_per_peer: usize,
}

impl PeerLimit {
    /// A limit of `max_open` connections in all and `max_per_peer` from
    /// one address, from the addresses `allow` allows.
    pub fn new(max_open: usize, max_per_peer: usize, allow: AllowList) -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(PeerLimit {
                // INVARIANT: no entries, nothing open.
                counts <- new_mutex!(Counts { peers: KVec::new(), open: 0 }, "rks_peer_limit"),
                allow,
                max_open,
                max_per_peer,
            }),
            GFP_KERNEL,
        )
    }

    /// Counts a new connection from `ip`, or says why not.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> core::result::Result<PeerTicket, Refused> {
        if !self.allow.allows(ip) {
            return Err(Refused::NotAllowed);
        }
        let mut counts = self.counts.lock();
        if counts.open >= self.max_open {
            return Err(Refused::Full);
        }
        let max_per_peer = self.max_per_peer;
        if let Some((_, n)) = counts
            .peers
            .iter_mut()
            .find(|(addr, n)| *addr == ip && *n > 0)
        {
            if *n >= max_per_peer {
                return Err(Refused::PeerFull);
            }
            *n += 1;
        } else if let Some(free) = counts.peers.iter_mut().find(|(_, n)| *n == 0) {
            *free = (ip, 1);
        } else {
            counts
                .peers
                .push((ip, 1), GFP_KERNEL)
                .map_err(|_| Refused::NoMemory)?;
        }
        // INVARIANT: one entry went up by one, and so does the sum.
        counts.open += 1;
        Ok(PeerTicket {
            limit: self.clone(),
            ip,
        })
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.counts.lock().open
    }

    fn release(&self, ip: IpAddr) {
        let mut counts = self.counts.lock();
        if let Some((_, n)) = counts
            .peers
            .iter_mut()
            .find(|(addr, n)| *addr == ip && *n > 0)
        {
            *n -= 1;
            // INVARIANT: the entry and the sum go down together.
            counts.open -= 1;
        }
    }
}

/// One counted connection; uncounted when dropped.
pub struct PeerTicket {
    limit: Arc<PeerLimit>,
    ip: IpAddr,
}

impl PeerTicket {
    /// The peer's address.
    pub fn ip(&self) -> IpAddr {
        self.ip
    }
}

impl Drop for PeerTicket {
    fn drop(&mut self) {
        self.limit.release(self.ip);
    }
}
