// SPDX-License-Identifier: GPL-2.0

//! Host-side build of the modules' pure-logic sources.
//!
//! Each file below is compiled unchanged into the kernel modules; here it is
//! compiled against the standard library so that its `#[cfg(test)]` tests run
//! with `cargo test`.

#![no_std]
// The items are used by the modules; here only their tests use them.
#![allow(dead_code)]
#![deny(unsafe_op_in_unsafe_fn)]

#[cfg(test)]
extern crate std;

#[path = "../../lib/inet.rs"]
mod inet;

#[path = "../../executor/atomic_waker.rs"]
mod atomic_waker;

#[path = "../../rust_fingerd/query.rs"]
mod finger_query;

#[path = "../../lib/passwd.rs"]
mod passwd;

#[path = "../../rust_fingerd/reply.rs"]
mod finger_reply;

#[path = "../../rust_9p/codec.rs"]
mod codec;

#[path = "../../rust_9p/proto.rs"]
mod p9_proto;

pub mod fuzz;
