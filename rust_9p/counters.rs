// SPDX-License-Identifier: GPL-2.0

//! The administrator's view in `/sys/kernel/debug/rust_9p/`: the counters,
//! shown one `name value` per line in `counters`, and the open connections,
//! one line each in `clients` (the files are made by `rust_9p_glue.c`,
//! whose show callbacks call [`rust_9p_show_counters`] and
//! [`rust_9p_show_clients`]).

use crate::budget;
use crate::clients::{Clients, DebugfsFiles};
use crate::codec::kind;
use crate::connection::Connection;
use crate::seq::SeqFile;
use core::ffi::c_void;
use core::fmt::Write;
use core::sync::atomic::{AtomicI64, Ordering};
use kernel::bindings;
use kernel::ffi::c_int;
use kernel::sync::Arc;

extern "C" {
    fn rust_9p_debugfs_init(clients: *mut c_void);
    fn rust_9p_debugfs_exit();
}

/// What is counted. Gauges (`Open`, `Fids`, `QueuedBytes`) go up and down.
#[derive(Clone, Copy)]
pub(crate) enum Counter {
    Accepted,
    Open,
    Refused,
    RefusedPeer,
    RefusedAllow,
    Malformed,
    Errors,
    BytesIn,
    BytesOut,
    Fids,
    QueuedBytes,
    WriteTimeouts,
    ReadsFromPages,
}

impl Counter {
    /// Every counter, in the order they are shown.
    const ALL: [Counter; 13] = [
        Counter::Accepted,
        Counter::Open,
        Counter::Refused,
        Counter::RefusedPeer,
        Counter::RefusedAllow,
        Counter::Malformed,
        Counter::Errors,
        Counter::BytesIn,
        Counter::BytesOut,
        Counter::Fids,
        Counter::QueuedBytes,
        Counter::WriteTimeouts,
        Counter::ReadsFromPages,
    ];

    /// Its name in the counters file.
    fn name(self) -> &'static str {
        match self {
            Counter::Accepted => "connections_accepted",
            Counter::Open => "connections_open",
            Counter::Refused => "connections_refused",
            Counter::RefusedPeer => "connections_refused_peer",
            Counter::RefusedAllow => "connections_refused_allow",
            Counter::Malformed => "malformed_closed",
            Counter::Errors => "replies_rlerror",
            Counter::BytesIn => "bytes_received",
            Counter::BytesOut => "bytes_sent",
            Counter::Fids => "fids_open",
            Counter::QueuedBytes => "reply_bytes_queued",
            Counter::WriteTimeouts => "write_timeouts",
            Counter::ReadsFromPages => "reads_from_pages",
        }
    }
}

static COUNTERS: [AtomicI64; Counter::ALL.len()] =
    [const { AtomicI64::new(0) }; Counter::ALL.len()];
/// Requests received, by message type.
static REQUESTS: [AtomicI64; 256] = [const { AtomicI64::new(0) }; 256];

/// Adds `n` to `counter`.
pub(crate) fn count(counter: Counter, n: i64) {
    COUNTERS[counter as usize].fetch_add(n, Ordering::Relaxed);
}

/// Counts one request of type `kind`.
pub(crate) fn count_request(kind: u8) {
    REQUESTS[usize::from(kind)].fetch_add(1, Ordering::Relaxed);
}

/// Writes the counters, then the requests by type (unknown types only when
/// seen), as `name value` lines.
fn show(out: &mut impl Write) -> core::fmt::Result {
    for counter in Counter::ALL {
        let value = COUNTERS[counter as usize].load(Ordering::Relaxed);
        writeln!(out, "{} {}", counter.name(), value)?;
    }
    writeln!(out, "open_files {}", budget::OPEN_FILES.used())?;
    writeln!(out, "xattr_bytes {}", budget::XATTR_BYTES.used())?;
    for (kind, requests) in (0..=u8::MAX).zip(REQUESTS.iter()) {
        let n = requests.load(Ordering::Relaxed);
        match kind::name(kind) {
            Some(name) => writeln!(out, "requests.{} {}", name, n)?,
            _ if n != 0 => writeln!(out, "requests.type{} {}", kind, n)?,
            _ => {}
        }
    }
    Ok(())
}

/// The show callback of the counters file.
///
/// # Safety
///
/// `m` must be the `seq_file` of a show callback that is running.
#[no_mangle]
pub(crate) unsafe extern "C" fn rust_9p_show_counters(m: *mut bindings::seq_file) -> c_int {
    // SAFETY: the caller's guarantee.
    let mut out = unsafe { SeqFile::from_raw(m) };
    // `SeqFile` never fails.
    let _ = show(&mut out);
    0
}

/// The show callback of the clients file.
///
/// # Safety
///
/// `m` must be the `seq_file` of a show callback that is running, of the
/// file made by [`create_debugfs`] with `clients`.
#[no_mangle]
pub(crate) unsafe extern "C" fn rust_9p_show_clients(
    m: *mut bindings::seq_file,
    clients: *const c_void,
) -> c_int {
    // SAFETY: the caller's guarantee: the file was made by `create_debugfs`,
    // for `Connection`.
    unsafe { Clients::<Connection>::show_raw(m, clients) };
    0
}

/// Makes `/sys/kernel/debug/rust_9p/` with the counters and clients files
/// (nothing if debugfs is off or fails); removed when the result is
/// dropped.
pub(crate) fn create_debugfs(clients: Arc<Clients<Connection>>) -> DebugfsFiles<Connection> {
    // SAFETY: the glue makes the files once, the clients file with the
    // pointer as its data, for a show callback that calls
    // `rust_9p_show_clients`, and its exit function removes the directory.
    unsafe { DebugfsFiles::create(clients, rust_9p_debugfs_init, rust_9p_debugfs_exit) }
}
