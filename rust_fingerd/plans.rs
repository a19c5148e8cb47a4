// SPDX-License-Identifier: GPL-2.0

//! What users publish (`~/.plan`, `~/.project`, `~/.pubkey`), read with
//! their own credentials, and shared between the queries that ask at once.
//!
//! Users hash to a fixed number of slots. A query takes its user's slot
//! (in arrival order), and reuses the last read of it if that read
//! finished after the query arrived: a flood of queries for one user costs
//! one read per batch, not one per query.

use crate::executor::sync::Mutex as AsyncMutex;
use crate::user::OwnedUser;
use crate::vfs::{self, FileData};
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::c_str;
use kernel::prelude::*;
use kernel::str::{CStr, CString};
use kernel::sync::Arc;

/// Slots of shared reads.
const PLAN_SLOTS: usize = 64;
/// Bytes read of `.project` (first line used).
const MAX_PROJECT: usize = 1024;
/// Bytes read of `.pubkey`.
const MAX_PUBKEY: usize = 8192;

/// What a user has published.
pub(crate) struct Published {
    pub(crate) plan: Option<FileData>,
    pub(crate) project: Option<FileData>,
    pub(crate) pubkey: Option<FileData>,
}

/// The last read of one slot.
struct PlanRead {
    uid: u32,
    /// Value of [`Plans::sequence`] when the read finished.
    finished: u64,
    data: Arc<Published>,
}

/// The slots of shared reads.
pub(crate) struct Plans {
    slots: KVec<Pin<KBox<AsyncMutex<Option<PlanRead>>>>>,
    /// Orders reads against the queries waiting for them.
    sequence: AtomicU64,
    max_plan_size: usize,
}

impl Plans {
    /// Empty slots; plans are sent up to `max_plan_size` bytes.
    pub(crate) fn new(max_plan_size: usize) -> Result<Self> {
        let mut slots = KVec::with_capacity(PLAN_SLOTS, GFP_KERNEL)?;
        for _ in 0..PLAN_SLOTS {
            slots.push(
                KBox::pin_init(AsyncMutex::new(None), GFP_KERNEL)?,
                GFP_KERNEL,
            )?;
        }
        Ok(Plans {
            slots,
            sequence: AtomicU64::new(0),
            max_plan_size,
        })
    }

    /// Reads what `user` published, sharing a read in progress.
    pub(crate) async fn published(&self, user: &OwnedUser) -> Result<Arc<Published>> {
        let slot = &self.slots[user.uid as usize % PLAN_SLOTS];
        let arrival = self.sequence.fetch_add(1, Ordering::SeqCst);
        let mut last = slot.lock().await?;
        if let Some(read) = &*last {
            if read.uid == user.uid && read.finished > arrival {
                return Ok(read.data.clone());
            }
        }
        let data = Arc::new(
            Published {
                plan: read_published(user, c_str!(".plan"), self.max_plan_size)?,
                project: read_published(user, c_str!(".project"), MAX_PROJECT)?,
                pubkey: read_published(user, c_str!(".pubkey"), MAX_PUBKEY)?,
            },
            GFP_KERNEL,
        )?;
        *last = Some(PlanRead {
            uid: user.uid,
            finished: self.sequence.fetch_add(1, Ordering::SeqCst),
            data: data.clone(),
        });
        Ok(data)
    }
}

/// Reads up to `max` bytes of the file `name` in `user`'s home as that
/// user; `None` when there is none the user may publish (missing,
/// unreadable, not a regular file of theirs, on FUSE or a network file
/// system). Only running out of memory is an error.
fn read_published(user: &OwnedUser, name: &CStr, max: usize) -> Result<Option<FileData>> {
    let home = CString::try_from_fmt(kernel::fmt!("{}", user.home()))?;
    match vfs::read_published(&home, name, user.uid, user.gid, max) {
        Ok(data) => Ok(Some(data)),
        Err(e) if e == ENOMEM => Err(e),
        Err(_) => Ok(None),
    }
}
