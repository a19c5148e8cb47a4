// SPDX-License-Identifier: GPL-2.0

//! rust_fingerd: an RFC 1288 finger server in the kernel.
//!
//! `insmod rust_fingerd.ko` answers `finger user@host` on TCP port 79 for the
//! members of the `finger` group: their full name and their `~/.plan` (with
//! `.project` and `.pubkey`), read with their own credentials. Forwarding
//! (`user@host@host`) is refused. See `Documentation/rust_fingerd.rst`.

use kernel::c_str;
use kernel::prelude::*;

// The runtime and the helpers shared by the modules are public modules: what
// this module does not use of them is not dead code but another module's.
#[path = "rust_fingerd/cache.rs"]
mod cache;
#[path = "glue/clients.rs"]
pub mod clients;
#[path = "glue/creds.rs"]
pub mod creds;
#[path = "glue/errno.rs"]
pub mod errno;
#[path = "executor/mod.rs"]
pub mod executor;
#[path = "glue/ffi.rs"]
pub mod ffi;
#[path = "glue/file.rs"]
pub mod file;
#[path = "glue/params.rs"]
pub mod glue_params;
#[path = "lib/inet.rs"]
pub mod inet;
#[path = "rust_fingerd/params.rs"]
mod params;
#[path = "lib/passwd.rs"]
pub mod passwd;
#[path = "rust_fingerd/plans.rs"]
mod plans;
#[path = "rust_fingerd/query.rs"]
mod query;
#[path = "reactor/mod.rs"]
pub mod reactor;
#[path = "rust_fingerd/reply.rs"]
mod reply;
#[path = "glue/seq.rs"]
pub mod seq;
#[path = "rust_fingerd/server.rs"]
mod server;
#[path = "rust_fingerd/sessions.rs"]
mod sessions;
#[path = "rust_fingerd/user.rs"]
mod user;
#[path = "rust_fingerd/vfs.rs"]
mod vfs;

use executor::AutoStopHandle;
use reactor::tcp::TcpListener;

module! {
    type: RustFingerd,
    name: "rust_fingerd",
    author: "rust-kernel-servers developers",
    description: "RFC 1288 finger server",
    license: "GPL",
}

/// How many connections may wait in the kernel's accept queue.
const BACKLOG: u32 = 1024;

struct RustFingerd {
    // Dropped first: stopping the executor drops every connection.
    _executor: AutoStopHandle,
    // Then the debugfs file, whose readers may look at connections.
    _debugfs: clients::DebugfsFiles<sessions::Session>,
}

impl kernel::Module for RustFingerd {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let params = params::Params::load()?;
        let listen = params.listen;
        let handle = AutoStopHandle::new(c_str!("rust_fingerd"))?;
        let listener = TcpListener::bind(listen, BACKLOG).inspect_err(|e| {
            pr_err!("cannot listen on {}: error {}\n", listen, e.to_errno());
        })?;
        let clients = clients::Clients::new()?;
        let debugfs = sessions::create_debugfs(clients.clone());
        let server = server::Server::new(params, clients)?;
        let executor = handle.executor().clone();
        handle
            .executor()
            .spawn(server::accept_loop(server, executor, listener))?;
        pr_info!("listening on {}\n", listen);
        Ok(RustFingerd {
            _executor: handle,
            _debugfs: debugfs,
        })
    }
}

impl Drop for RustFingerd {
    fn drop(&mut self) {
        pr_info!("stopped\n");
    }
}
