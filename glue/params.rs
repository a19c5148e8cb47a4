// SPDX-License-Identifier: GPL-2.0

//! Reading and checking module parameters declared in a module's C glue.
//!
//! Rust for Linux 6.12 has no module parameters, so each module declares them
//! in its `*_glue.c` with `module_param*()` and reads them through accessors.
//! Every check logs what is wrong with `pr_err!` and fails with `EINVAL`.

use crate::inet::{self, AllowList, ListenAddr};
use kernel::prelude::*;
use kernel::str::CStr;

/// Returns the string parameter `name` held at `value` as UTF-8.
///
/// # Safety
///
/// `value` must point to a NUL-terminated buffer that stays valid and unchanged
/// for as long as the module is loaded (a `module_param_string` buffer with
/// permissions that do not allow writes through sysfs).
pub unsafe fn param_str(name: &str, value: *const kernel::ffi::c_char) -> Result<&'static str> {
    // SAFETY: the caller guarantees `value` is NUL-terminated and lives as
    // long as the module.
    let value = unsafe { CStr::from_char_ptr(value) };
    value.to_str().map_err(|_| {
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
