// SPDX-License-Identifier: GPL-2.0

//! The open connections as `/sys/kernel/debug/rust_fingerd/clients` shows
//! them: peer, stage, bytes in and out, age (the file is made by
//! `rust_fingerd_glue.c`, whose show callback calls
//! [`rust_fingerd_show_clients`]).

use crate::clients::{self, Client, Clients, DebugfsFiles};
use crate::inet::SockAddr;
use core::ffi::c_void;
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use kernel::bindings;
use kernel::ffi::c_int;
use kernel::prelude::*;
use kernel::sync::Arc;
use kernel::time::Ktime;

extern "C" {
    fn rust_fingerd_debugfs_init(clients: *mut c_void);
    fn rust_fingerd_debugfs_exit();
}

/// Where a connection is in its life.
#[derive(Clone, Copy)]
#[repr(u8)]
pub(crate) enum Stage {
    /// Reading the query line.
    Reading,
    /// Waiting for one of `max_clients` slots.
    Waiting,
    /// Building the reply.
    Answering,
    /// Writing the reply.
    Sending,
    /// Reading and dropping what the client still sends, before closing.
    Draining,
}

impl Stage {
    const ALL: [Stage; 5] = [
        Stage::Reading,
        Stage::Waiting,
        Stage::Answering,
        Stage::Sending,
        Stage::Draining,
    ];

    fn name(self) -> &'static str {
        match self {
            Stage::Reading => "reading",
            Stage::Waiting => "waiting",
            Stage::Answering => "answering",
            Stage::Sending => "sending",
            Stage::Draining => "draining",
        }
    }
}

/// One connection, as listed.
pub(crate) struct Session {
    peer: SockAddr,
    started: Ktime,
    stage: AtomicU8,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
}

impl Session {
    /// A connection from `peer` that starts reading its query.
    pub(crate) fn new(peer: SockAddr) -> Result<Arc<Self>> {
        Ok(Arc::new(
            Session {
                peer,
                started: Ktime::ktime_get(),
                stage: AtomicU8::new(Stage::Reading as u8),
                bytes_in: AtomicU64::new(0),
                bytes_out: AtomicU64::new(0),
            },
            GFP_KERNEL,
        )?)
    }

    pub(crate) fn enter(&self, stage: Stage) {
        self.stage.store(stage as u8, Ordering::Relaxed);
    }

    pub(crate) fn count_received(&self, bytes: usize) {
        self.bytes_in.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    pub(crate) fn count_sent(&self, bytes: usize) {
        self.bytes_out.fetch_add(bytes as u64, Ordering::Relaxed);
    }
}

impl Client for Session {
    fn show(&self, out: &mut dyn Write) -> fmt::Result {
        let stage = Stage::ALL[usize::from(self.stage.load(Ordering::Relaxed))];
        write!(
            out,
            "{} state {} bytes_in {} bytes_out {} age_ms {}",
            self.peer,
            stage.name(),
            self.bytes_in.load(Ordering::Relaxed),
            self.bytes_out.load(Ordering::Relaxed),
            clients::age_ms(self.started),
        )
    }
}

/// The show callback of the clients file.
///
/// # Safety
///
/// `m` must be the `seq_file` of a show callback that is running, of the
/// file made by [`create_debugfs`] with `clients`.
#[no_mangle]
pub(crate) unsafe extern "C" fn rust_fingerd_show_clients(
    m: *mut bindings::seq_file,
    clients: *const c_void,
) -> c_int {
    // SAFETY: the caller's guarantee: the file was made by `create_debugfs`,
    // for `Session`.
    unsafe { Clients::<Session>::show_raw(m, clients) };
    0
}

/// Makes `/sys/kernel/debug/rust_fingerd/clients` (nothing if debugfs is
/// off or fails); removed when the result is dropped.
pub(crate) fn create_debugfs(clients: Arc<Clients<Session>>) -> DebugfsFiles<Session> {
    // SAFETY: the glue makes the file once, with the pointer as its data,
    // for a show callback that calls `rust_fingerd_show_clients`, and its
    // exit function removes the directory.
    unsafe {
        DebugfsFiles::create(
            clients,
            rust_fingerd_debugfs_init,
            rust_fingerd_debugfs_exit,
        )
    }
}
