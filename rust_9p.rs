// SPDX-License-Identifier: GPL-2.0

//! rust_9p: a 9P2000.L file server in the kernel.
//!
//! `insmod rust_9p.ko root=/srv/export` exports a directory over TCP to the
//! in-tree v9fs client (`mount -t 9p -o trans=tcp,version=9p2000.L`), for
//! reading and writing (`read_only=1`: every change gets EROFS). Every
//! access uses the
//! credentials of one configured user (or, in multi-user mode, of the
//! attaching user), and no request reaches outside the exported directory.
//! See `Documentation/rust_9p.rst`.

use kernel::c_str;
use kernel::prelude::*;

// The runtime and the helpers shared by the modules are public modules: what
// this module does not use of them is not dead code but another module's.
#[path = "rust_9p/activity.rs"]
mod activity;
#[path = "rust_9p/budget.rs"]
mod budget;
#[path = "rust_9p/buffers.rs"]
mod buffers;
#[path = "glue/clients.rs"]
pub mod clients;
#[path = "rust_9p/codec.rs"]
mod codec;
#[path = "rust_9p/connection.rs"]
mod connection;
#[path = "rust_9p/counters.rs"]
mod counters;
#[path = "glue/creds.rs"]
pub mod creds;
#[path = "glue/errno.rs"]
pub mod errno;
#[path = "executor/mod.rs"]
pub mod executor;
#[path = "glue/ffi.rs"]
pub mod ffi;
#[path = "rust_9p/fids.rs"]
mod fids;
#[path = "glue/file.rs"]
pub mod file;
#[path = "glue/params.rs"]
pub mod glue_params;
#[path = "lib/inet.rs"]
pub mod inet;
#[path = "rust_9p/locks.rs"]
mod locks;
#[path = "rust_9p/ops/mod.rs"]
mod ops;
#[path = "rust_9p/params.rs"]
mod params;
#[path = "lib/passwd.rs"]
pub mod passwd;
#[path = "rust_9p/proto.rs"]
mod proto;
#[path = "reactor/mod.rs"]
pub mod reactor;
#[path = "glue/seq.rs"]
pub mod seq;
#[path = "rust_9p/server.rs"]
mod server;
#[path = "rust_9p/vfs/mod.rs"]
mod vfs;

use executor::AutoStopHandle;
use reactor::tcp::TcpListener;

module! {
    type: Rust9p,
    name: "rust_9p",
    author: "rust-kernel-servers developers",
    description: "9P2000.L file server",
    license: "GPL",
}

/// How many connections may wait in the kernel's accept queue.
const BACKLOG: u32 = 128;

struct Rust9p {
    // Dropped first: stopping the executor drops every connection, request
    // and fid, and with them every file and path reference, and the server
    // with its creator thread.
    _executor: AutoStopHandle,
    // Last: the debugfs files, whose readers may look at connections.
    _debugfs: clients::DebugfsFiles<connection::Connection>,
}

impl kernel::Module for Rust9p {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let params = params::Params::load()?;
        let listen = params.listen;
        let handle = AutoStopHandle::new(c_str!("rust_9p"))?;
        let listener = TcpListener::bind(listen, BACKLOG).inspect_err(|e| {
            pr_err!("cannot listen on {}: error {}\n", listen, e.to_errno());
        })?;
        let creators = vfs::Creators::start()?;
        let clients = clients::Clients::new()?;
        let debugfs = counters::create_debugfs(clients.clone());
        let server = server::Server::new(params, creators, clients)?;
        let p = &server.params;
        pr_info!(
            "exporting {} {} on {} (msize {}, {}){}\n",
            &*p.root_name,
            if p.read_only {
                "read-only"
            } else {
                "read-write"
            },
            listen,
            p.msize,
            Identity(p),
            if p.in_memory {
                ", in memory: requests answered inline"
            } else {
                ""
            }
        );
        let executor = handle.executor().clone();
        handle
            .executor()
            .spawn(server::accept_loop(server, executor, listener))?;
        Ok(Rust9p {
            _executor: handle,
            _debugfs: debugfs,
        })
    }
}

/// Whose credentials file accesses use, for the load message.
struct Identity<'a>(&'a params::Params);

impl core::fmt::Display for Identity<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let p = self.0;
        if p.multi_user {
            write!(f, "multi-user")?;
        } else {
            write!(f, "as uid {} gid {}", p.uid, p.gid)?;
        }
        if p.no_root_squash {
            write!(f, ", root not squashed")
        } else if p.multi_user {
            write!(f, ", root as uid {} gid {}", p.uid, p.gid)
        } else {
            Ok(())
        }
    }
}

impl Drop for Rust9p {
    fn drop(&mut self) {
        pr_info!("stopped\n");
    }
}
