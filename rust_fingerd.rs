// SPDX-License-Identifier: GPL-2.0

//! rust_fingerd: an RFC 1288 finger server in the kernel.
//!
//! `insmod rust_fingerd.ko` answers `finger user@host` on TCP port 79 for the
//! members of the `finger` group: their full name and their `~/.plan` (with
//! `.project` and `.pubkey`), read with their own credentials. Forwarding
//! (`user@host@host`) is refused. See `Documentation/rust_fingerd.rst`.

use kernel::c_str;
use kernel::prelude::*;

#[path = "executor/mod.rs"]
#[allow(dead_code)] // Not every part of the runtime is used by this server.
mod executor;
#[path = "glue/file.rs"]
mod file;
#[path = "glue/params.rs"]
mod glue_params;
#[allow(dead_code)] // Shared with the other modules; not every item is used here.
#[path = "lib/inet.rs"]
mod inet;
#[path = "rust_fingerd/params.rs"]
mod params;
#[allow(dead_code)] // Shared with the host tests; not every item is used here.
#[path = "lib/passwd.rs"]
mod passwd;
#[path = "rust_fingerd/query.rs"]
mod query;
#[allow(dead_code)] // Not every part of the runtime is used by this server.
#[path = "reactor/mod.rs"]
mod reactor;
#[allow(dead_code)] // Shared with the host tests; not every item is used here.
#[path = "rust_fingerd/reply.rs"]
mod reply;
#[path = "rust_fingerd/server.rs"]
mod server;
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
}

impl kernel::Module for RustFingerd {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let params = params::Params::load()?;
        let listen = params.listen;
        let handle = AutoStopHandle::new(c_str!("rust_fingerd"))?;
        let listener = TcpListener::bind(listen, BACKLOG).inspect_err(|e| {
            pr_err!("cannot listen on {}: error {}\n", listen, e.to_errno());
        })?;
        let server = server::Server::new(params)?;
        let executor = handle.executor().clone();
        handle
            .executor()
            .spawn(server::accept_loop(server, executor, listener))?;
        pr_info!("listening on {}\n", listen);
        Ok(RustFingerd { _executor: handle })
    }
}

impl Drop for RustFingerd {
    fn drop(&mut self) {
        pr_info!("stopped\n");
    }
}
