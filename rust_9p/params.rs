// SPDX-License-Identifier: GPL-2.0

//! The module parameters of `rust_9p`, read from `rust_9p_glue.c` and checked.

use crate::glue_params::{
    allow_list, in_range, listen_addr, param_str, ADDRESS_PARAM_LEN, ALLOW_PARAM_LEN,
};
use crate::inet::{AllowList, ListenAddr};
use crate::proto::MIN_MSIZE;
use crate::vfs::Node;
use kernel::bindings;
use kernel::ffi::c_int;
use kernel::prelude::*;
use kernel::str::CString;

// The declarations match `rust_9p/glue.h`. Each accessor takes nothing and
// returns a parameter of this module that nothing writes after load (0444),
// so they are declared `safe`: a string accessor returns its whole
// `module_param_string` buffer, whose size `glue/params.h` and
// `rust_9p_glue.c` give.
unsafe extern "C" {
    safe fn rust_9p_param_address() -> &'static [u8; ADDRESS_PARAM_LEN];
    safe fn rust_9p_param_allow() -> &'static [u8; ALLOW_PARAM_LEN];
    safe fn rust_9p_param_port() -> c_int;
    safe fn rust_9p_param_root() -> &'static [u8; bindings::PATH_MAX as usize];
    safe fn rust_9p_param_msize() -> c_int;
    safe fn rust_9p_param_zero_copy_min() -> c_int;
    safe fn rust_9p_param_max_connections() -> c_int;
    safe fn rust_9p_param_max_fids() -> c_int;
    safe fn rust_9p_param_max_fids_total() -> c_int;
    safe fn rust_9p_param_max_open_files() -> c_int;
    safe fn rust_9p_param_max_xattr_bytes() -> c_int;
    safe fn rust_9p_param_idle_timeout() -> c_int;
    safe fn rust_9p_param_write_timeout() -> c_int;
    safe fn rust_9p_param_max_per_peer() -> c_int;
    safe fn rust_9p_param_uid() -> u32;
    safe fn rust_9p_param_gid() -> u32;
    safe fn rust_9p_param_multi_user() -> bool;
    safe fn rust_9p_param_read_only() -> bool;
    safe fn rust_9p_param_no_root_squash() -> bool;
}

/// The largest msize: what Linux's TCP transport allows.
pub(crate) const MAX_MSIZE: u32 = 1 << 20;

/// Validated parameters.
pub(crate) struct Params {
    /// Where to listen.
    pub(crate) listen: ListenAddr,
    /// Who may connect.
    pub(crate) allow: AllowList,
    /// The exported directory, as given.
    pub(crate) root_name: CString,
    /// The exported directory.
    pub(crate) root: Node,
    /// Whether the export is in memory (tmpfs, ramfs): then every request
    /// but Tflush is answered in the connection's reader, since nothing
    /// they do can wait for storage.
    pub(crate) in_memory: bool,
    /// The largest msize agreed to.
    pub(crate) msize: u32,
    /// Reads of at least this many bytes send the file's pages rather
    /// than a copy of them; `None`: never.
    pub(crate) zero_copy_min: Option<usize>,
    /// Connections served at once.
    pub(crate) max_connections: usize,
    /// Fids one connection may hold.
    pub(crate) max_fids: usize,
    /// Fids, open files, and bytes of extended attribute values in fids,
    /// that all connections together may hold.
    pub(crate) max_fids_total: usize,
    pub(crate) max_open_files: usize,
    pub(crate) max_xattr_bytes: usize,
    /// Connections from one address served at once.
    pub(crate) max_per_peer: usize,
    /// Milliseconds without a byte from the client before closing; 0: never.
    pub(crate) idle_ms: u32,
    /// Milliseconds a batch of replies may take to send before the
    /// connection is reset.
    pub(crate) write_ms: u32,
    /// The user and group of every file access (single-user mode).
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    /// Whether each attach's `n_uname` selects the user.
    pub(crate) multi_user: bool,
    /// Whether every change to the export is refused.
    pub(crate) read_only: bool,
    /// Whether uid 0 is served as uid 0 (with the file-system capabilities
    /// only) rather than as `uid`/`gid`.
    pub(crate) no_root_squash: bool,
}

/// Checks a user or group id: 0 to 4294967294 (4294967295 is "no id").
fn id(name: &str, value: u32) -> Result<u32> {
    if value == u32::MAX {
        pr_err!("{}={} is not a valid id\n", name, value);
        return Err(EINVAL);
    }
    Ok(value)
}

impl Params {
    /// Reads and checks the parameters, logging the first problem found.
    pub(crate) fn load() -> Result<Self> {
        let address = param_str("address", rust_9p_param_address())?;
        let root = param_str("root", rust_9p_param_root())?;
        let allow = param_str("allow", rust_9p_param_allow())?;
        let allow = allow_list(allow)?;
        let listen = listen_addr(address, rust_9p_param_port())?;
        let msize = rust_9p_param_msize();
        let msize = in_range("msize", msize, MIN_MSIZE as c_int, MAX_MSIZE as c_int)?;
        let zero_copy_min = rust_9p_param_zero_copy_min();
        let zero_copy_min = in_range("zero_copy_min", zero_copy_min, 0, MAX_MSIZE as c_int)?;
        let conns = rust_9p_param_max_connections();
        let max_connections = in_range("max_connections", conns, 1, 65536)?;
        let per_peer = rust_9p_param_max_per_peer();
        let max_per_peer = in_range("max_per_peer", per_peer, 1, max_connections)?;
        let max_fids = in_range("max_fids", rust_9p_param_max_fids(), 16, 1 << 20)?;
        let fids_total = rust_9p_param_max_fids_total();
        let max_fids_total = in_range("max_fids_total", fids_total, 16, 1 << 24)?;
        let open_files = rust_9p_param_max_open_files();
        let max_open_files = in_range("max_open_files", open_files, 16, 1 << 20)?;
        let xattr_bytes = rust_9p_param_max_xattr_bytes();
        let max_xattr_bytes = in_range("max_xattr_bytes", xattr_bytes, 65536, 1 << 30)?;
        let idle = in_range("idle_timeout", rust_9p_param_idle_timeout(), 0, 86400)?;
        let write = in_range("write_timeout", rust_9p_param_write_timeout(), 1, 3600)?;
        let (uid, gid) = (
            id("uid", rust_9p_param_uid())?,
            id("gid", rust_9p_param_gid())?,
        );
        let multi_user = rust_9p_param_multi_user();
        let (read_only, no_root_squash) =
            (rust_9p_param_read_only(), rust_9p_param_no_root_squash());
        if uid == 0 && !multi_user && !no_root_squash {
            pr_err!("uid=0 serves every client as root: add no_root_squash=1 if that is meant\n");
            return Err(EINVAL);
        }
        if root.is_empty() {
            pr_err!("root= is required: the absolute path of the directory to export\n");
            return Err(EINVAL);
        }
        if !root.starts_with('/') {
            pr_err!("root={} is not an absolute path\n", root);
            return Err(EINVAL);
        }
        let root_name = CString::try_from_fmt(kernel::fmt!("{}", root))?;
        let root_node = Node::lookup_root(&root_name).map_err(|err| {
            let why = match err {
                e if e == ENOENT => "does not exist",
                e if e == ENOTDIR => "is not a directory",
                e if e == EACCES => "is not accessible",
                _ => "cannot be looked up",
            };
            pr_err!("root={} {} (error {})\n", root, why, err.to_errno());
            // A bad value is EINVAL; running out of memory is not.
            if err == ENOMEM {
                err
            } else {
                EINVAL
            }
        })?;
        Ok(Params {
            listen,
            allow,
            root_name,
            in_memory: root_node.in_memory(),
            root: root_node,
            msize: msize as u32,
            zero_copy_min: (zero_copy_min > 0).then_some(zero_copy_min as usize),
            // The ranges' lower bounds are not negative, so the casts keep
            // the values.
            max_connections: max_connections as usize,
            max_per_peer: max_per_peer as usize,
            max_fids: max_fids as usize,
            max_fids_total: max_fids_total as usize,
            max_open_files: max_open_files as usize,
            max_xattr_bytes: max_xattr_bytes as usize,
            idle_ms: idle as u32 * 1000,
            write_ms: write as u32 * 1000,
            uid,
            gid,
            multi_user,
            read_only,
            no_root_squash,
        })
    }
}
