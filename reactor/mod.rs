// SPDX-License-Identifier: GPL-2.0

//! The reactor: futures that wait for kernel events and wake their task.
//!
//! - [`tcp`]: TCP listeners and streams whose wait-queue callbacks wake the
//!   task waiting to read or to write;
//! - [`pages`]: page ranges sent without copying them;
//! - [`peers`]: how many connections a server and each peer address may
//!   have open;
//! - [`timer`]: sleeping on a kernel timer, and bounding any future by a
//!   deadline.
//!
//! Every waiting future registers its task's waker first and then tries the
//! operation again, so a readiness change between the first try and the
//! registration is never lost.

pub mod pages;
pub mod peers;
pub mod tcp;
pub mod timer;
