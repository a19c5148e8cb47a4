// SPDX-License-Identifier: GPL-2.0

//! The module parameters of `rust_fingerd`, read from `rust_fingerd_glue.c`
//! and checked.

use crate::glue_params::{listen_addr, param_str};
use crate::inet::ListenAddr;
use kernel::prelude::*;

extern "C" {
    fn rust_fingerd_param_address() -> *const kernel::ffi::c_char;
    fn rust_fingerd_param_port() -> kernel::ffi::c_int;
}

/// Validated parameters.
pub(crate) struct Params {
    /// Where to listen.
    pub(crate) listen: ListenAddr,
}

impl Params {
    /// Reads and checks the parameters, logging the first problem found.
    pub(crate) fn load() -> Result<Self> {
        // SAFETY: the accessor returns the module's read-only (0444)
        // `module_param_string` buffer, NUL-terminated and as long-lived as
        // the module.
        let address = unsafe { param_str("address", rust_fingerd_param_address())? };
        // SAFETY: reads an `int` parameter that nothing writes after load.
        let listen = listen_addr(address, unsafe { rust_fingerd_param_port() })?;
        Ok(Params { listen })
    }
}
