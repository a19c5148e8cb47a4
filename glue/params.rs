// SPDX-License-Identifier: GPL-2.0

//! Reading and checking module parameters declared in a module's C glue.
//!
//! Rust for Linux 6.12 has no module parameters, so each module declares them
//! in its `*_glue.c` with `module_param*()` and reads them through accessors.
//! Every check logs what is wrong with `pr_err!` and fails with `EINVAL`.

use crate::inet::{self, AllowList, ListenAddr};
use kernel::prelude::*;

/// The size of the `address` parameter's buffer (`RKS_ADDRESS_PARAM_LEN`
/// in `glue/params.h`).
pub const ADDRESS_PARAM_LEN: usize = 64;
/// The size of the `allow` parameter's buffer (`RKS_ALLOW_PARAM_LEN`).
pub const ALLOW_PARAM_LEN: usize = 1024;

/// Returns the string parameter `name`, whose `module_param_string` buffer
/// is `value`, as UTF-8.
///
/// The accessors that return such buffers are declared `safe` to return a
/// `&'static` array: a 0444 parameter is not written after load.
pub fn param_str(name: &str, value: &'static [u8]) -> Result<&'static str> {
    // The kernel refuses a value that does not fit with its NUL, so the
    // whole buffer is never the string; were it, it would still be read
    // within bounds.
    let len = value.iter().position(|&b| b == 0).unwrap_or(value.len());
    core::str::from_utf8(&value[..len]).map_err(|_| {
        pr_err!("{}= is not valid UTF-8\n", name);
        EINVAL
    })
}

/// Checks that the integer parameter `name` lies in `min..=max`.
pub fn in_range(
    name: &str,
    value: kernel::ffi::c_int,
    min: kernel::ffi::c_int,
    max: kernel::ffi::c_int,
) -> Result<kernel::ffi::c_int> {
    if (min..=max).contains(&value) {
        return Ok(value);
    }
    pr_err!("{}={} is out of range {}-{}\n", name, value, min, max);
    Err(EINVAL)
}

/// Checks the `allow` parameter.
pub fn allow_list(text: &str) -> Result<AllowList> {
    AllowList::parse(text).map_err(|err| {
        pr_err!("allow={}\n", err);
        EINVAL
    })
}

/// Checks the `address` and `port` parameters.
pub fn listen_addr(address: &str, port: kernel::ffi::c_int) -> Result<ListenAddr> {
    inet::parse_listen(address, port.into()).map_err(|err| {
        match err {
            inet::AddrError::BadPort(_) => pr_err!("port={}\n", err),
            inet::AddrError::BadAddress => pr_err!("address={} {}\n", address, err),
        }
        EINVAL
    })
}
