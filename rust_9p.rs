// SPDX-License-Identifier: GPL-2.0

//! rust_9p: a 9P2000.L file server in the kernel.
//!
//! `insmod rust_9p.ko root=/srv/export` exports a directory over TCP to the
//! in-tree v9fs client. This is the skeleton: it validates its parameters and
//! reports what it would serve.

use kernel::prelude::*;

// The wire format, host-tested; the server that uses it is still to come.
#[allow(dead_code)]
#[path = "rust_9p/codec.rs"]
mod codec;
#[path = "glue/params.rs"]
mod glue_params;
#[allow(dead_code)] // Shared with the other modules; not every item is used here.
#[path = "lib/inet.rs"]
mod inet;
#[path = "rust_9p/params.rs"]
mod params;
// Protocol rules, host-tested; the server that uses them is still to come.
#[allow(dead_code)]
#[path = "rust_9p/proto.rs"]
mod proto;

module! {
    type: Rust9p,
    name: "rust_9p",
    author: "rust-kernel-servers developers",
    description: "9P2000.L file server",
    license: "GPL",
}

struct Rust9p {
    params: params::Params,
}

impl kernel::Module for Rust9p {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let params = params::Params::load()?;
        pr_info!("exporting {} on {}\n", &*params.root, params.listen);
        Ok(Rust9p { params })
    }
}

impl Drop for Rust9p {
    fn drop(&mut self) {
        pr_info!("stopped exporting {}\n", &*self.params.root);
    }
}
