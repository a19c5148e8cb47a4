// SPDX-License-Identifier: GPL-2.0

//! Async TCP on kernel sockets.
//!
//! Each socket carries one [`wait_queue_entry`](bindings::wait_queue_entry),
//! added to the socket's wait queue when the socket is wrapped and removed
//! when it is dropped. Its callback wakes the task waiting to read (or
//! accept) and the task waiting to write, according to the poll mask; a NULL
//! key (mask 0, as `sock_def_wakeup` sends) wakes both. The wakers live in
//! [`AtomicWaker`] cells of their own, the callback's only view of the socket.
//!
//! At most one task reads and one task writes a stream at a time: the halves
//! of [`TcpStream::into_split`] make that a compile-time rule.

use super::pages::Pages;
use super::timer::sleep;
use crate::errno::to_count;
use crate::executor::atomic_waker::AtomicWaker;
use crate::executor::yield_now;
use crate::ffi::{
    rks_init_wait_entry, rks_sk_sleep, rks_sock_abort, rks_sock_addr, rks_sock_claims_room,
    rks_sock_hung_up, rks_sock_send_pages, rks_tcp_accept, rks_tcp_listen, rks_tcp_socket,
};
use crate::inet::{IpAddr, ListenAddr, SockAddr};
use core::future::{poll_fn, Future};
use core::pin::pin;
use core::task::{Context, Poll};
use kernel::bindings;
use kernel::error::to_result;
use kernel::ffi::{c_int, c_uint, c_void};
use kernel::prelude::*;
use kernel::sync::Arc;
use kernel::types::Opaque;

/// Most buffers [`WriteHalf::write_all_vectored`] sends in one call.
pub const MAX_SLICES: usize = 16;
/// Connections [`TcpListener::accept_next`] takes before giving other
/// tasks a turn, under a connection flood.
const ACCEPTS_PER_TURN: u32 = 16;
/// How long [`TcpListener::accept_next`] first pauses when the system is
/// out of a resource (memory, file descriptors), doubling up to
/// [`ACCEPT_BACKOFF_MAX_MS`] while it lasts.
const ACCEPT_BACKOFF_MS: u32 = 10;
const ACCEPT_BACKOFF_MAX_MS: u32 = 1000;
/// How often a send that got `EAGAIN` from a socket that reports room is
/// tried again: no write-space wake may come for it (see [`send`]).
const STALLED_SEND_RETRY_MS: u32 = 20;

// Poll mask bits (include/uapi/linux/eventpoll.h), absent from the bindings.
const EPOLLIN: u32 = 0x0001;
const EPOLLOUT: u32 = 0x0004;
const EPOLLERR: u32 = 0x0008;
const EPOLLHUP: u32 = 0x0010;
const EPOLLRDNORM: u32 = 0x0040;
const EPOLLWRNORM: u32 = 0x0100;
const EPOLLRDHUP: u32 = 0x2000;

const READ_EVENTS: u32 = EPOLLIN | EPOLLRDNORM | EPOLLERR | EPOLLHUP | EPOLLRDHUP;
const WRITE_EVENTS: u32 = EPOLLOUT | EPOLLWRNORM | EPOLLERR | EPOLLHUP;

/// A kernel socket watched by a wait-queue entry.
///
/// # Invariants
///
/// - `sock` is a valid socket owned by this object, released on drop.
/// - `entry` is on the wait queue `head` of `sock` from construction to drop,
///   with [`Socket::wake_callback`] as its function.
#[pin_data(PinnedDrop)]
struct Socket {
    sock: *mut bindings::socket,
    head: *mut bindings::wait_queue_head,
    readable: AtomicWaker,
    writable: AtomicWaker,
    // Initialised, and added to the wait queue, after the fields above.
    #[pin]
    entry: Opaque<bindings::wait_queue_entry>,
}

// SAFETY: the socket is used through the kernel's thread-safe socket API, and
// the wait-queue callback touches only the `AtomicWaker`s.
unsafe impl Send for Socket {}
// SAFETY: as above.
unsafe impl Sync for Socket {}

impl Socket {
    /// Takes ownership of `sock` and starts watching its wait queue.
    ///
    /// # Safety
    ///
    /// `sock` must be a valid socket that the caller owns; it is released on
    /// failure too.
    unsafe fn wrap(sock: *mut bindings::socket) -> Result<Arc<Self>> {
        // SAFETY: `sock` is valid (caller's guarantee).
        let queue = unsafe { rks_sk_sleep(sock) };
        // INVARIANT: the socket is ours, and the entry goes on its wait
        // queue once everything the callback reads is initialised.
        let init = pin_init!(Socket {
            sock,
            head: queue,
            readable: AtomicWaker::new(),
            writable: AtomicWaker::new(),
            entry <- Opaque::ffi_init(move |entry| {
                // SAFETY: `entry` is pinned in its final home, the fields the
                // callback reads are initialised, and `queue` is the wait
                // queue of `sock`, valid while it is.
                unsafe {
                    rks_init_wait_entry(entry, Some(Socket::wake_callback));
                    bindings::add_wait_queue(queue, entry);
                }
            }),
        });
        Arc::pin_init(init, GFP_KERNEL).inspect_err(|_| {
            // SAFETY: the socket was not wrapped, so we still own it.
            unsafe { bindings::sock_release(sock) };
        })
    }

    /// The wait-queue callback: wakes the reader and/or the writer.
    ///
    /// # Safety
    ///
    /// Called by the wait-queue code with `entry` pointing at the `entry`
    /// field of a live `Socket` (type invariants: the entry is removed before
    /// the `Socket` is freed, under the queue's lock, which this runs under).
    unsafe extern "C" fn wake_callback(
        entry: *mut bindings::wait_queue_entry,
        _mode: c_uint,
        _flags: c_int,
        key: *mut c_void,
    ) -> c_int {
        // SAFETY: `entry` is the `entry` field of a live `Socket` (see above);
        // `Opaque` is `repr(transparent)`.
        let socket = unsafe {
            &*kernel::container_of!(
                entry.cast::<Opaque<bindings::wait_queue_entry>>(),
                Socket,
                entry
            )
        };
        let mask = key as usize as u32;
        if mask == 0 || mask & READ_EVENTS != 0 {
            socket.readable.wake();
        }
        if mask == 0 || mask & WRITE_EVENTS != 0 {
            socket.writable.wake();
        }
        0
    }

    /// Runs `op` until it stops saying `EAGAIN`, sleeping on `waiter` between
    /// tries. The waker is registered before the second try.
    fn poll_io<T>(
        &self,
        cx: &mut Context<'_>,
        waiter: &AtomicWaker,
        mut op: impl FnMut() -> Result<T>,
    ) -> Poll<Result<T>> {
        match op() {
            Err(e) if e == EAGAIN => {}
            done => return Poll::Ready(done),
        }
        waiter.register(cx.waker());
        match op() {
            Err(e) if e == EAGAIN => Poll::Pending,
            done => Poll::Ready(done),
        }
    }

    fn addr(&self, peer: bool) -> Result<SockAddr> {
        let mut bytes = [0u8; 16];
        let mut port = 0u16;
        // SAFETY: `sock` is valid (type invariants); `bytes` has room for 16
        // bytes and `port` for a `u16`.
        let family =
            to_count(unsafe { rks_sock_addr(self.sock, peer, bytes.as_mut_ptr(), &mut port) })?;
        let ip = if family == bindings::AF_INET6 as usize {
            IpAddr::V6(bytes)
        } else {
            IpAddr::V4([bytes[0], bytes[1], bytes[2], bytes[3]])
        };
        Ok(SockAddr { ip, port })
    }

    /// Receives into `buf` without blocking; `Ok(0)` is the end of stream.
    fn try_read(&self, buf: &mut [u8]) -> Result<usize> {
        let mut iov = bindings::kvec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        let mut msg = bindings::msghdr::default();
        // SAFETY: `sock` is valid (type invariants); `iov` describes `buf`,
        // which is writable for its whole length.
        to_count(unsafe {
            bindings::kernel_recvmsg(
                self.sock,
                &mut msg,
                &mut iov,
                1,
                buf.len(),
                bindings::MSG_DONTWAIT as c_int,
            )
        })
    }

    /// Sends from `bufs`, in order, without blocking; returns how much was
    /// queued. At most [`MAX_SLICES`] buffers go in one call. With `more`,
    /// the bytes may wait in the socket for what is sent next.
    fn try_write(&self, bufs: &[&[u8]], more: More) -> Result<usize> {
        let mut iov = [const {
            bindings::kvec {
                iov_base: core::ptr::null_mut(),
                iov_len: 0,
            }
        }; MAX_SLICES];
        let mut total = 0;
        for (slot, buf) in iov.iter_mut().zip(bufs) {
            *slot = bindings::kvec {
                iov_base: buf.as_ptr().cast_mut().cast(),
                iov_len: buf.len(),
            };
            total += buf.len();
        }
        let count = bufs.len().min(MAX_SLICES);
        let mut msg = bindings::msghdr {
            msg_flags: (bindings::MSG_DONTWAIT | bindings::MSG_NOSIGNAL | more.flag()) as c_uint,
            ..Default::default()
        };
        // SAFETY: `sock` is valid (type invariants); the first `count`
        // entries of `iov` describe buffers of `bufs`, which the call only
        // reads, `total` bytes in all.
        let sent = to_count(unsafe {
            bindings::kernel_sendmsg(self.sock, &mut msg, iov.as_mut_ptr(), count, total)
        })?;
        progress(sent, total)
    }

    /// Sends `pages` from byte `skip` on without copying them and without
    /// blocking; returns how much was queued.
    fn try_send_pages(&self, pages: &Pages, skip: usize, more: More) -> Result<usize> {
        let vecs = pages.vecs();
        let (count, follows) = (vecs.len() as c_uint, more == More::Follows);
        // SAFETY: `sock` is valid (type invariants); `vecs`, `pages.len()`
        // bytes in all, hold their page references while `pages` is
        // borrowed; the socket takes its own for what it queues.
        let ret = unsafe {
            rks_sock_send_pages(self.sock, vecs.as_ptr(), count, pages.len(), skip, follows)
        };
        progress(to_count(ret)?, pages.len() - skip)
    }

    /// Whether the socket reports room to send.
    fn claims_room(&self) -> bool {
        // SAFETY: `sock` is valid (type invariants).
        unsafe { rks_sock_claims_room(self.sock) }
    }

    /// Whether the connection is over: reset, or closed both ways.
    fn hung_up(&self) -> bool {
        // SAFETY: `sock` is valid (type invariants).
        unsafe { rks_sock_hung_up(self.sock) }
    }
}

#[pinned_drop]
impl PinnedDrop for Socket {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: the entry is on `head` (type invariants); removing it takes
        // the queue's lock, so no callback runs on it afterwards.
        unsafe { bindings::remove_wait_queue(self.head, self.entry.get()) };
        // SAFETY: we own `sock` (type invariants) and nothing uses it now.
        unsafe { bindings::sock_release(self.sock) };
    }
}

/// Whether more bytes follow a send at once: then the socket may hold
/// them back (`MSG_MORE`) to fill its packets, until a send that says
/// [`More::No`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum More {
    /// This is the last of it: push it out.
    No,
    /// More follows at once.
    Follows,
}

impl More {
    fn flag(self) -> u32 {
        match self {
            More::No => 0,
            More::Follows => bindings::MSG_MORE,
        }
    }
}

/// `sent` bytes of `total`, where sending nothing is an error rather than
/// a reason to spin.
fn progress(sent: usize, total: usize) -> Result<usize> {
    if sent == 0 && total > 0 {
        return Err(EPIPE);
    }
    Ok(sent)
}

/// Creates a socket of the family `ip` needs. Every address is IPv6's
/// (which takes IPv4 too) unless the kernel has no IPv6: booted with
/// `ipv6.disable=1`, or a server built in, whose initcall runs before the
/// IPv6 stack's; then it is IPv4's.
fn new_socket(ip: Option<IpAddr>) -> Result<*mut bindings::socket> {
    let create = |family: u32| {
        let mut sock = core::ptr::null_mut();
        // SAFETY: `sock` is a valid place for the result.
        to_result(unsafe { rks_tcp_socket(family as c_int, &mut sock) })?;
        Ok(sock)
    };
    match ip {
        Some(IpAddr::V4(_)) => create(bindings::AF_INET),
        Some(IpAddr::V6(_)) => create(bindings::AF_INET6),
        None => create(bindings::AF_INET6).or_else(|e: Error| {
            if e.to_errno().unsigned_abs() != bindings::EAFNOSUPPORT {
                return Err(e);
            }
            pr_info!("no IPv6 in this kernel (yet): listening on IPv4 only\n");
            create(bindings::AF_INET)
        }),
    }
}

/// A listening TCP socket.
pub struct TcpListener {
    socket: Arc<Socket>,
    /// Connections taken, for [`ACCEPTS_PER_TURN`].
    accepted: u32,
}

/// What an error of `accept` says about the next one.
enum AcceptError {
    /// Only this connection failed (reset or aborted before it was taken,
    /// or a network error it carried): go on.
    Connection,
    /// The system is short of something; it may come back.
    Resources,
    /// The listener itself is broken (aborted, shut down): every later
    /// accept fails the same way.
    Listener,
}

impl AcceptError {
    fn of(e: Error) -> Self {
        use kernel::bindings::*;
        // accept(2): errors of the pending connection, to retry at once,
        // and the ones of a system short of resources.
        let connection = [
            ECONNABORTED,
            EPROTO,
            ENETDOWN,
            ENOPROTOOPT,
            EHOSTDOWN,
            ENONET,
            EHOSTUNREACH,
            EOPNOTSUPP,
            ENETUNREACH,
            EPERM,
            ECONNRESET,
            ETIMEDOUT,
        ];
        let resources = [ENOMEM, ENOBUFS, ENFILE, EMFILE];
        let errno = e.to_errno().unsigned_abs();
        if connection.contains(&errno) {
            AcceptError::Connection
        } else if resources.contains(&errno) {
            AcceptError::Resources
        } else {
            AcceptError::Listener
        }
    }
}

impl TcpListener {
    /// Binds to `addr` (every IPv6 and IPv4 address when it names none) with
    /// `SO_REUSEADDR` and listens with a queue of `backlog` connections.
    pub fn bind(addr: ListenAddr, backlog: u32) -> Result<Self> {
        let sock = new_socket(addr.ip)?;
        // SAFETY: `sock` was just created and is ours.
        let socket = unsafe { Socket::wrap(sock)? };
        let bytes: Option<&[u8]> = match &addr.ip {
            Some(IpAddr::V4(b)) => Some(b),
            Some(IpAddr::V6(b)) => Some(b),
            None => None,
        };
        let bytes = bytes.map_or(core::ptr::null(), |b| b.as_ptr());
        let backlog = c_int::try_from(backlog).map_err(|_| EINVAL)?;
        // SAFETY: `sock` is valid; `bytes` is NULL or holds the address of the
        // socket's family.
        to_result(unsafe { rks_tcp_listen(socket.sock, bytes, addr.port, backlog) })?;
        Ok(Self {
            socket,
            accepted: 0,
        })
    }

    /// The address the socket is bound to.
    pub fn local_addr(&self) -> Result<SockAddr> {
        self.socket.addr(false)
    }

    /// Waits for the next connection that can be accepted, for an accept
    /// loop: a connection that failed before it was taken (reset, aborted)
    /// is skipped; a system out of memory or file descriptors is waited out
    /// on a timer, backing off, rather than spun on; every
    /// [`ACCEPTS_PER_TURN`] connections other tasks get a turn. Fails only
    /// when the listener itself is broken (say, aborted with `ss -K`),
    /// which no retry would mend: the loop should end there.
    pub async fn accept_next(&mut self) -> Result<TcpStream> {
        let mut backoff = ACCEPT_BACKOFF_MS;
        loop {
            match self.accept().await {
                Ok(stream) => {
                    self.accepted = self.accepted.wrapping_add(1);
                    if self.accepted % ACCEPTS_PER_TURN == 0 {
                        yield_now().await;
                    }
                    return Ok(stream);
                }
                Err(e) => match AcceptError::of(e) {
                    AcceptError::Connection => {}
                    AcceptError::Resources => {
                        super::timer::sleep(backoff).await;
                        backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX_MS);
                    }
                    AcceptError::Listener => return Err(e),
                },
            }
        }
    }

    /// Waits for the next connection. `&mut`: one task accepts, so that a
    /// wake-up cannot go to another waiter.
    pub async fn accept(&mut self) -> Result<TcpStream> {
        let socket = &self.socket;
        let sock = poll_fn(|cx| {
            socket.poll_io(cx, &socket.readable, || {
                let mut new = core::ptr::null_mut();
                // SAFETY: `socket.sock` is a valid listening socket and `new`
                // a valid place for the result.
                to_result(unsafe { rks_tcp_accept(socket.sock, &mut new) })?;
                Ok(new)
            })
        })
        .await?;
        // SAFETY: the accept succeeded, so `sock` is a new socket we own.
        let socket = unsafe { Socket::wrap(sock)? };
        Ok(TcpStream { socket })
    }
}

/// A connected TCP socket.
pub struct TcpStream {
    socket: Arc<Socket>,
}

impl TcpStream {
    /// The address of the other end.
    pub fn peer_addr(&self) -> Result<SockAddr> {
        self.socket.addr(true)
    }

    /// Reads what is available, waiting for at least one byte; `Ok(0)` means
    /// the peer closed its side.
    pub async fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        read(&self.socket, buf).await
    }

    /// Reads exactly `buf.len()` bytes; `EPIPE` if the stream ends first.
    pub async fn read_exact(&mut self, buf: &mut [u8]) -> Result {
        read_exact(&self.socket, buf).await
    }

    /// Writes all of `buf`, waiting for room in the send buffer as needed.
    pub async fn write_all(&mut self, buf: &[u8]) -> Result {
        write_all(&self.socket, buf).await
    }

    /// Shuts down the sending side; the peer reads end of stream.
    pub fn shutdown(&self) -> Result {
        shutdown(&self.socket)
    }

    /// Splits the stream into a reading and a writing half, usable by two
    /// tasks at once.
    pub fn into_split(self) -> (ReadHalf, WriteHalf) {
        (
            ReadHalf {
                socket: self.socket.clone(),
            },
            WriteHalf {
                socket: self.socket,
            },
        )
    }
}

/// The reading half of a [`TcpStream`].
pub struct ReadHalf {
    socket: Arc<Socket>,
}

impl ReadHalf {
    /// See [`TcpStream::read`].
    pub async fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        read(&self.socket, buf).await
    }

    /// See [`TcpStream::read_exact`].
    pub async fn read_exact(&mut self, buf: &mut [u8]) -> Result {
        read_exact(&self.socket, buf).await
    }

    /// Completes once the connection is reset or closed both ways (not
    /// when the peer only shuts down its sending side: it may still read).
    pub async fn hung_up(&mut self) {
        let socket = &self.socket;
        poll_fn(|cx| {
            if socket.hung_up() {
                return Poll::Ready(());
            }
            socket.readable.register(cx.waker());
            if socket.hung_up() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await
    }
}

/// The writing half of a [`TcpStream`].
pub struct WriteHalf {
    socket: Arc<Socket>,
}

impl WriteHalf {
    /// See [`TcpStream::write_all`].
    pub async fn write_all(&mut self, buf: &[u8]) -> Result {
        write_all(&self.socket, buf).await
    }

    /// Writes all of `bufs`, in order, in as few sends as they take.
    pub async fn write_all_vectored(&mut self, bufs: &[&[u8]], more: More) -> Result {
        let socket = &self.socket;
        let (mut first, mut skip) = (0, 0);
        while first < bufs.len() {
            let mut slices = [&[][..]; MAX_SLICES];
            let mut count = 0;
            for (i, buf) in bufs[first..].iter().take(MAX_SLICES).enumerate() {
                slices[i] = if i == 0 { &buf[skip..] } else { buf };
                count += 1;
            }
            // Only the last send of all may push the bytes out.
            let last = first + count == bufs.len();
            let more = if last { more } else { More::Follows };
            let mut sent = send(socket, || socket.try_write(&slices[..count], more)).await?;
            // Step over what went out: whole buffers, then part of one.
            while first < bufs.len() && sent >= bufs[first].len() - skip {
                sent -= bufs[first].len() - skip;
                first += 1;
                skip = 0;
            }
            skip += sent;
        }
        Ok(())
    }

    /// Writes all of `pages` without copying them: the socket takes
    /// references to the pages until the bytes are acknowledged.
    pub async fn write_all_pages(&mut self, pages: &Pages, more: More) -> Result {
        let socket = &self.socket;
        let mut skip = 0;
        while skip < pages.len() {
            skip += send(socket, || socket.try_send_pages(pages, skip, more)).await?;
        }
        Ok(())
    }

    /// See [`TcpStream::shutdown`].
    pub fn shutdown(&self) -> Result {
        shutdown(&self.socket)
    }

    /// Ends the connection at once, both ways, with a reset rather than a
    /// close that would wait for unsent data to drain: for a peer that no
    /// longer reads. The other half's reads then return end of stream.
    pub fn abort(&self) {
        // SAFETY: `sock` is valid (type invariants of `Socket`).
        unsafe { rks_sock_abort(self.socket.sock) };
    }
}

async fn read(socket: &Socket, buf: &mut [u8]) -> Result<usize> {
    if buf.is_empty() {
        return Ok(0);
    }
    poll_fn(|cx| socket.poll_io(cx, &socket.readable, || socket.try_read(buf))).await
}

async fn read_exact(socket: &Socket, mut buf: &mut [u8]) -> Result {
    while !buf.is_empty() {
        match read(socket, buf).await? {
            0 => return Err(EPIPE),
            n => buf = &mut buf[n..],
        }
    }
    Ok(())
}

async fn write_all(socket: &Socket, mut buf: &[u8]) -> Result {
    while !buf.is_empty() {
        let n = send(socket, || socket.try_write(&[buf], More::No)).await?;
        buf = &buf[n..];
    }
    Ok(())
}

/// Sends some bytes with `try_send`, waiting for room.
///
/// The wait is for the socket's write-space wake, which follows the
/// acknowledgements that free room. A send refused for memory (`EAGAIN`
/// while the socket reports room) may have nothing in flight to be
/// acknowledged, so it is also tried again every [`STALLED_SEND_RETRY_MS`],
/// as a blocking send retries after a short random wait
/// (`sk_stream_wait_memory`).
async fn send(socket: &Socket, mut try_send: impl FnMut() -> Result<usize>) -> Result<usize> {
    let mut retry = pin!(sleep(STALLED_SEND_RETRY_MS));
    poll_fn(|cx| loop {
        let sent = socket.poll_io(cx, &socket.writable, &mut try_send);
        if sent.is_ready() || !socket.claims_room() {
            return sent;
        }
        if retry.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        retry.set(sleep(STALLED_SEND_RETRY_MS));
    })
    .await
}

fn shutdown(socket: &Socket) -> Result {
    // SAFETY: `sock` is valid (type invariants of `Socket`).
    to_result(unsafe {
        bindings::kernel_sock_shutdown(socket.sock, bindings::sock_shutdown_cmd_SHUT_WR)
    })
}
