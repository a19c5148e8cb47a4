// SPDX-License-Identifier: GPL-2.0

//! rust_echo_async: a TCP echo server on the project's async runtime.
//!
//! The smallest complete example of a server on `executor/` and `reactor/`:
//! `insmod rust_echo_async.ko port=7777`, then `nc 127.0.0.1 7777` echoes
//! what it is sent. Unloading stops the executor, which drops every task and
//! with it every socket and buffer.

use kernel::c_str;
use kernel::prelude::*;

// The runtime and the shared helpers are compiled into each module from
// the same sources, as public modules: what this module does not use of
// them is not dead code but another module's.
#[path = "../glue/errno.rs"]
pub mod errno;
#[path = "../executor/mod.rs"]
pub mod executor;
#[path = "../glue/ffi.rs"]
pub mod ffi;
#[path = "../glue/params.rs"]
pub mod glue_params;
#[path = "../lib/inet.rs"]
pub mod inet;
#[path = "../reactor/mod.rs"]
pub mod reactor;

use executor::{AutoStopHandle, Executor};
use inet::AllowList;
use reactor::tcp::{TcpListener, TcpStream};

module! {
    type: RustEchoAsync,
    name: "rust_echo_async",
    author: "rust-kernel-servers developers",
    description: "TCP echo server on the project's async runtime (sample)",
    license: "GPL",
}

// The declarations match the sample's C glue. Each accessor takes nothing
// and returns a parameter that nothing writes after load (0444), so they are
// declared `safe`: a string accessor returns its whole `module_param_string`
// buffer, whose size `glue/params.h` gives.
unsafe extern "C" {
    safe fn rust_echo_async_param_address() -> &'static [u8; glue_params::ADDRESS_PARAM_LEN];
    safe fn rust_echo_async_param_allow() -> &'static [u8; glue_params::ALLOW_PARAM_LEN];
    safe fn rust_echo_async_param_port() -> kernel::ffi::c_int;
    safe fn rust_echo_async_param_idle_ms() -> kernel::ffi::c_int;
}

/// How many connections may wait in the kernel's accept queue.
const BACKLOG: u32 = 256;
/// How much one read may take from a connection.
const BUFFER_SIZE: usize = 16 * 1024;

struct RustEchoAsync {
    // Dropping the handle on unload stops the executor: the accept loop and
    // every connection task are dropped, closing their sockets.
    _executor: AutoStopHandle,
}

impl kernel::Module for RustEchoAsync {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let address = glue_params::param_str("address", rust_echo_async_param_address())?;
        let listen = glue_params::listen_addr(address, rust_echo_async_param_port())?;
        let allow = glue_params::param_str("allow", rust_echo_async_param_allow())?;
        let allow = glue_params::allow_list(allow)?;
        let idle_ms = rust_echo_async_param_idle_ms();
        // 0 is "never"; the lower bound makes the cast lossless.
        let idle_ms = glue_params::in_range("idle_ms", idle_ms, 0, 86_400_000)? as u32;

        // 1. An executor with a workqueue of its own.
        let handle = AutoStopHandle::new(c_str!("rust_echo_async"))?;
        // 2. A listening socket; binding errors (EADDRINUSE) fail the load.
        let listener = TcpListener::bind(listen, BACKLOG).inspect_err(|e| {
            pr_err!("cannot listen on {}: error {}\n", listen, e.to_errno());
        })?;
        // 3. The accept loop is the first task; it spawns one per connection.
        let executor = handle.executor().clone();
        handle
            .executor()
            .spawn(accept_loop(executor, listener, allow, idle_ms))?;
        pr_info!(
            "echoing on {} (idle timeout: {} ms, 0 = none)\n",
            listen,
            idle_ms
        );
        Ok(Self { _executor: handle })
    }
}

impl Drop for RustEchoAsync {
    fn drop(&mut self) {
        pr_info!("stopping\n");
        // `_executor` is dropped after this: that is where everything stops.
    }
}

/// Accepts connections, one task each, until the module is unloaded or the
/// listener breaks.
async fn accept_loop(
    executor: Executor,
    mut listener: TcpListener,
    allow: AllowList,
    idle_ms: u32,
) {
    loop {
        // `accept_next` tries once, then sleeps on the listening socket's
        // wait queue until a connection arrives: no thread is blocked
        // meanwhile. It skips connections that failed before we took them
        // and waits out a system short of memory; it fails only when the
        // listener itself is broken, which no retry would mend.
        match listener.accept_next().await {
            // `spawn` fails only while stopping or when out of memory; the
            // connection is then dropped, which closes it.
            Ok(stream) => {
                // Only the addresses of `allow=`; dropping a stream closes it.
                if stream.peer_addr().is_ok_and(|peer| allow.allows(peer.ip)) {
                    let _ = executor.spawn(echo(stream, idle_ms));
                }
            }
            Err(e) => {
                pr_err!("no longer accepting connections: error {}\n", e.to_errno());
                return;
            }
        }
    }
}

/// Sends back everything it reads until the peer closes, an error occurs, or
/// (when `idle_ms` is not 0) nothing arrives for `idle_ms` milliseconds.
async fn echo(mut stream: TcpStream, idle_ms: u32) {
    // The buffer lives in this task's future: the executor frees it when the
    // task ends, or when the module is unloaded mid-transfer.
    let Ok(mut buf) = KVec::from_elem(0u8, BUFFER_SIZE, GFP_KERNEL) else {
        return;
    };
    loop {
        // Each `.await` is a point where the task may sleep; a wake from the
        // socket's callback (or the timer) queues it to be polled again.
        let read = if idle_ms == 0 {
            stream.read(&mut buf).await
        } else {
            // A pending timer is cancelled when this future is dropped.
            reactor::timer::timeout(idle_ms, stream.read(&mut buf))
                .await
                .and_then(|read| read)
        };
        // 0 bytes is the peer's end of stream; errors include ETIMEDOUT.
        let n = match read {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        // Waits for room in the send buffer as often as needed.
        if stream.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    // Dropping `stream` closes the connection.
}
