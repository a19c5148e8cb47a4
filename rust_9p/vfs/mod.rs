// SPDX-License-Identifier: GPL-2.0

//! The exported file system, through the helpers of `rust_9p/vfs/vfs.c`
//! and the bindings: nodes (dentries on the export's mount) and open files.
//! Every access is made with the client's credentials, passed explicitly.
//!
//! With `glue/creds.rs`, the only `unsafe` of the server: each type owns
//! references to C objects and drops them.

mod file;
mod glue;
mod node;

pub(crate) use file::{DirEntry, OpenFile};
pub(crate) use node::{Node, Stat, Step};
