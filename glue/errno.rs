// SPDX-License-Identifier: GPL-2.0

//! Errnos that `kernel::error::code` has no constant for, made in one way
//! (`Error::from_errno`) for every module.

use kernel::bindings;
use kernel::error::{to_result, Error, Result};

fn make(errno: u32) -> Error {
    // Every errno below is a small positive constant of the uapi headers.
    Error::from_errno(-(errno as i32))
}

/// The executor or a connection is shutting down.
pub fn eshutdown() -> Error {
    make(bindings::ESHUTDOWN)
}

/// A deadline passed.
pub fn etimedout() -> Error {
    make(bindings::ETIMEDOUT)
}

/// The peer reset or closed the connection.
pub fn econnreset() -> Error {
    make(bindings::ECONNRESET)
}

/// The operation is not supported (the errno that reaches user space).
pub fn eopnotsupp() -> Error {
    make(bindings::EOPNOTSUPP)
}

/// The peer broke the protocol.
pub fn eproto() -> Error {
    make(bindings::EPROTO)
}

/// A message does not fit.
pub fn emsgsize() -> Error {
    make(bindings::EMSGSIZE)
}

/// No lock is left, or no lock owner.
pub fn enolck() -> Error {
    make(bindings::ENOLCK)
}

/// Granting a lock would deadlock.
pub fn edeadlk() -> Error {
    make(bindings::EDEADLK)
}

/// A count (or size) as C functions return it, or their negative errno,
/// as a `Result`: the counterpart of `kernel::error::to_result` for
/// functions that return a value.
pub fn to_count<T: TryInto<i64>>(ret: T) -> Result<usize> {
    let ret: i64 = ret.try_into().unwrap_or(i64::MIN);
    match usize::try_from(ret) {
        Ok(count) => Ok(count),
        // A negative errno fits in an `int`; anything else is garbage,
        // which `to_result` turns into EINVAL.
        Err(_) => to_result(i32::try_from(ret).unwrap_or(i32::MIN)).map(|()| 0),
    }
}

/// A name is too long.
pub fn enametoolong() -> Error {
    make(bindings::ENAMETOOLONG)
}

/// A directory is not empty.
pub fn enotempty() -> Error {
    make(bindings::ENOTEMPTY)
}
