// SPDX-License-Identifier: GPL-2.0

//! rust_fingerd: an RFC 1288 finger server in the kernel.
//!
//! This is the skeleton: it validates its parameters and reports where it
//! would listen.

use kernel::prelude::*;

#[path = "glue/params.rs"]
mod glue_params;
#[allow(dead_code)] // Shared with the other modules; not every item is used here.
#[path = "lib/inet.rs"]
mod inet;
#[path = "rust_fingerd/params.rs"]
mod params;

module! {
    type: RustFingerd,
    name: "rust_fingerd",
    author: "rust-kernel-servers developers",
    description: "RFC 1288 finger server",
    license: "GPL",
}

struct RustFingerd;

impl kernel::Module for RustFingerd {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let params = params::Params::load()?;
        pr_info!("listening on {}\n", params.listen);
        Ok(RustFingerd)
    }
}

impl Drop for RustFingerd {
    fn drop(&mut self) {
        pr_info!("stopped\n");
    }
}
