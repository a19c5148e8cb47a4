// SPDX-License-Identifier: GPL-2.0

//! The module parameters of `rust_9p`, read from `rust_9p_glue.c` and checked.

use crate::glue_params::{listen_addr, param_str};
use crate::inet::ListenAddr;
use kernel::prelude::*;
use kernel::str::CString;

extern "C" {
    fn rust_9p_param_address() -> *const kernel::ffi::c_char;
    fn rust_9p_param_port() -> kernel::ffi::c_int;
    fn rust_9p_param_root() -> *const kernel::ffi::c_char;
    fn rust_9p_check_dir(path: *const kernel::ffi::c_char) -> kernel::ffi::c_int;
}

/// Validated parameters.
pub(crate) struct Params {
    /// Where to listen.
    pub(crate) listen: ListenAddr,
    /// The exported directory, an absolute path.
    pub(crate) root: CString,
}

impl Params {
    /// Reads and checks the parameters, logging the first problem found.
    pub(crate) fn load() -> Result<Self> {
        // SAFETY: the accessors return the module's read-only (0444)
        // `module_param_string` buffers, NUL-terminated and as long-lived as
        // the module.
        let (address, root) = unsafe {
            (
                param_str("address", rust_9p_param_address())?,
                param_str("root", rust_9p_param_root())?,
            )
        };
        // SAFETY: reads an `int` parameter that nothing writes after load.
        let listen = listen_addr(address, unsafe { rust_9p_param_port() })?;
        if root.is_empty() {
            pr_err!("root= is required: the absolute path of the directory to export\n");
            return Err(EINVAL);
        }
        if !root.starts_with('/') {
            pr_err!("root={} is not an absolute path\n", root);
            return Err(EINVAL);
        }
        let root_c = CString::try_from_fmt(kernel::fmt!("{}", root))?;
        // SAFETY: `root_c` is NUL-terminated and outlives the call.
        let err = unsafe { rust_9p_check_dir(root_c.as_char_ptr()) };
        if err != 0 {
            let why = match Error::from_errno(err) {
                e if e == ENOENT => "does not exist",
                e if e == ENOTDIR => "is not a directory",
                e if e == EACCES => "is not accessible",
                _ => "cannot be looked up",
            };
            pr_err!("root={} {} (error {})\n", root, why, err);
            return Err(EINVAL);
        }
        Ok(Params {
            listen,
            root: root_c,
        })
    }
}
