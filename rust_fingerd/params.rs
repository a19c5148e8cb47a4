// SPDX-License-Identifier: GPL-2.0

//! The module parameters of `rust_fingerd`, read from `rust_fingerd_glue.c`
//! and checked.

use crate::glue_params::{
    allow_list, in_range, listen_addr, param_str, ADDRESS_PARAM_LEN, ALLOW_PARAM_LEN,
};
use crate::inet::{AllowList, ListenAddr};
use kernel::ffi::c_int;
use kernel::prelude::*;
use kernel::str::CString;

// The declarations match `rust_fingerd/glue.h`. Each accessor takes nothing
// and returns a parameter of this module that nothing writes after load
// (0444), so they are declared `safe`: a string accessor returns its whole
// `module_param_string` buffer, whose size `glue/params.h` and
// `rust_fingerd/glue.h` give.
unsafe extern "C" {
    safe fn rust_fingerd_param_address() -> &'static [u8; ADDRESS_PARAM_LEN];
    safe fn rust_fingerd_param_allow() -> &'static [u8; ALLOW_PARAM_LEN];
    safe fn rust_fingerd_param_port() -> c_int;
    safe fn rust_fingerd_param_group() -> &'static [u8; GROUP_PARAM_LEN];
    safe fn rust_fingerd_param_deadline_ms() -> c_int;
    safe fn rust_fingerd_param_max_clients() -> c_int;
    safe fn rust_fingerd_param_max_per_peer() -> c_int;
    safe fn rust_fingerd_param_list_users() -> bool;
    safe fn rust_fingerd_param_max_plan_size() -> c_int;
}

/// The size of the `group` parameter's buffer (`RUST_FINGERD_GROUP_PARAM_LEN`).
const GROUP_PARAM_LEN: usize = 64;

/// Validated parameters.
pub(crate) struct Params {
    /// Where to listen.
    pub(crate) listen: ListenAddr,
    /// Who may connect.
    pub(crate) allow: AllowList,
    /// Members of this group can be fingered.
    pub(crate) group: CString,
    /// Time from accept to the end of the reply.
    pub(crate) deadline_ms: u32,
    /// Queries served at once.
    pub(crate) max_clients: usize,
    /// Open connections per client address.
    pub(crate) max_per_peer: usize,
    /// Whether the empty query lists users.
    pub(crate) list_users: bool,
    /// Bytes of a plan sent at most.
    pub(crate) max_plan_size: usize,
}

impl Params {
    /// Reads and checks the parameters, logging the first problem found.
    pub(crate) fn load() -> Result<Self> {
        let address = param_str("address", rust_fingerd_param_address())?;
        let group = param_str("group", rust_fingerd_param_group())?;
        let allow = param_str("allow", rust_fingerd_param_allow())?;
        let allow = allow_list(allow)?;
        let listen = listen_addr(address, rust_fingerd_param_port())?;
        let group_ok = !group.is_empty()
            && group
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if !group_ok {
            pr_err!("group={} is not a group name ([A-Za-z0-9._-]+)\n", group);
            return Err(EINVAL);
        }
        Ok(Params {
            listen,
            allow,
            group: CString::try_from_fmt(kernel::fmt!("{}", group))?,
            // The ranges' lower bounds are positive, so the casts keep values.
            deadline_ms: in_range(
                "deadline_ms",
                rust_fingerd_param_deadline_ms(),
                100,
                600_000,
            )? as u32,
            max_clients: in_range("max_clients", rust_fingerd_param_max_clients(), 1, 65536)?
                as usize,
            max_per_peer: in_range("max_per_peer", rust_fingerd_param_max_per_peer(), 1, 65536)?
                as usize,
            list_users: rust_fingerd_param_list_users(),
            max_plan_size: in_range(
                "max_plan_size",
                rust_fingerd_param_max_plan_size(),
                1,
                1 << 20,
            )? as usize,
        })
    }
}
