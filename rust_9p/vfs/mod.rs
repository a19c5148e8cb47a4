// SPDX-License-Identifier: GPL-2.0

//! The exported file system, through the helpers of `rust_9p/vfs/*.c` and
//! the bindings: nodes (dentries on the export's mount), open files, the
//! changes a client makes, and the umask (0) that it creates with.
//! Every access is made with the client's credentials, passed explicitly.
//!
//! With `glue/creds.rs`, the only `unsafe` of the server: each type owns
//! references to C objects and drops them.

mod creator;
mod file;
mod glue;
mod modify;
mod node;

pub(crate) use creator::Creators;
pub(crate) use file::{DirEntry, OpenFile};
pub(crate) use glue::{Lock, SetAttr, StatFs};
pub(crate) use modify::{kernel_open_flags, Entry, RenameFrom};
pub(crate) use node::{Node, Stat, Step};
