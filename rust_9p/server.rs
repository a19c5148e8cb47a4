// SPDX-License-Identifier: GPL-2.0

//! The 9P server's connections: one task accepts, one task per connection
//! reads requests, and one task per request answers it (`ops`). Safe Rust
//! on top of the runtime.
//!
//! A connection has at most [`MAX_IN_FLIGHT`] requests in flight; beyond
//! that its reader waits, so a client that floods requests only slows
//! itself. Replies go out through an async mutex on the socket's writing
//! half, whole, one at a time. A PDU whose size field is out of bounds, or
//! a tag reused while in flight, closes that connection; nothing a client
//! sends can touch another connection.

use crate::codec::{self, kind};
use crate::executor::sync::{Event, Mutex as AsyncMutex, Semaphore};
use crate::executor::{yield_now, Executor};
use crate::fids::FidTable;
use crate::ops;
use crate::params::Params;
use crate::proto;
use crate::reactor::tcp::{ReadHalf, TcpListener, TcpStream, WriteHalf};
use crate::reactor::timer;
use crate::vfs::{self, errno, Counter, Creds};
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use kernel::prelude::*;
use kernel::rbtree::{RBTree, RBTreeNode};
use kernel::sync::{new_mutex, Arc, Mutex};

/// Requests one connection may have in flight.
pub(crate) const MAX_IN_FLIGHT: usize = 64;
/// Requests a connection's reader dispatches before giving other tasks a turn.
const FRAMES_PER_TURN: usize = 16;
/// The reader's first buffer; it grows to the largest frame received.
const FIRST_BUFFER: usize = 8192;

/// State shared by all connections.
pub(crate) struct Server {
    pub(crate) params: Params,
    /// The credentials of every access, in single-user mode.
    pub(crate) creds: Creds,
    connections: AtomicUsize,
}

impl Server {
    pub(crate) fn new(params: Params) -> Result<Arc<Self>> {
        let creds = Creds::new(params.uid, params.gid, &[])?;
        Ok(Arc::new(
            Server {
                params,
                creds,
                connections: AtomicUsize::new(0),
            },
            GFP_KERNEL,
        )?)
    }

    /// Counts a new connection, or refuses it when `max_connections` are
    /// open.
    fn admit(self: &Arc<Self>) -> Option<ConnectionTicket> {
        let max = self.params.max_connections;
        self.connections
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()?;
        vfs::count(Counter::Open, 1);
        Some(ConnectionTicket {
            server: self.clone(),
        })
    }
}

/// A counted connection; uncounted when dropped.
struct ConnectionTicket {
    server: Arc<Server>,
}

impl Drop for ConnectionTicket {
    fn drop(&mut self) {
        self.server.connections.fetch_sub(1, Ordering::AcqRel);
        vfs::count(Counter::Open, -1);
    }
}

/// Accepts connections until the executor stops.
pub(crate) async fn accept_loop(server: Arc<Server>, executor: Executor, listener: TcpListener) {
    loop {
        let stream = listener.accept_next().await;
        vfs::count(Counter::Accepted, 1);
        let Some(ticket) = server.admit() else {
            // Dropping the stream closes it.
            vfs::count(Counter::Refused, 1);
            continue;
        };
        // On failure (stopping, no memory) the connection is dropped.
        let _ = executor.spawn(serve(server.clone(), executor.clone(), stream, ticket));
    }
}

/// One client's session.
#[pin_data]
pub(crate) struct Connection {
    pub(crate) server: Arc<Server>,
    /// The negotiated msize (the server's largest until Tversion).
    msize: AtomicU32,
    #[pin]
    pub(crate) fids: FidTable,
    /// The socket's writing half; `None` once a write failed or the
    /// connection is closing.
    #[pin]
    writer: AsyncMutex<Option<WriteHalf>>,
    #[pin]
    in_flight: Semaphore,
    /// The tags in flight, each with the event set when it is answered.
    #[pin]
    tags: Mutex<RBTree<u16, Arc<Event>>>,
}

impl Connection {
    fn new(server: Arc<Server>, writer: WriteHalf) -> impl PinInit<Self> {
        let (msize, max_fids) = (server.params.msize, server.params.max_fids);
        pin_init!(Connection {
            server,
            msize: AtomicU32::new(msize),
            fids <- FidTable::new(max_fids),
            writer <- AsyncMutex::new(Some(writer)),
            in_flight <- Semaphore::new(MAX_IN_FLIGHT, 1),
            tags <- new_mutex!(RBTree::new(), "rust_9p_tags"),
        })
    }

    /// The negotiated msize: no reply may be larger.
    pub(crate) fn msize(&self) -> usize {
        self.msize.load(Ordering::Relaxed) as usize
    }

    /// Sends one whole reply, to request `answered` if given; after a failed
    /// write, replies are dropped.
    async fn send(&self, reply: &[u8], answered: Option<&InFlight>) {
        let Ok(mut writer) = self.writer.lock().await else {
            return;
        };
        // The client may reuse the tag as soon as it sees the reply, so the
        // tag is retired first. Under the writer, so that a Tflush that no
        // longer finds the tag sends its Rflush after this reply.
        if let Some(request) = answered {
            request.retire_tag();
        }
        let Some(half) = writer.as_mut() else {
            return;
        };
        if half.write_all(reply).await.is_ok() {
            vfs::count(Counter::BytesOut, reply.len() as i64);
        } else {
            *writer = None;
        }
    }

    /// Waits until request `tag` (if in flight) has been answered.
    pub(crate) async fn wait_for(&self, tag: u16) -> Result {
        let event = self.tags.lock().get(&tag).cloned();
        match event {
            Some(event) => event.wait().await,
            None => Ok(()),
        }
    }

    /// Answers Tversion, which resets the session, in the reader.
    async fn version(&self, tag: u16, body: &[u8]) -> Result {
        let Ok(Some(codec::Request::Version { msize, version })) =
            codec::decode(kind::TVERSION, body)
        else {
            self.send(ops::Reply::error(tag, EINVAL).bytes(), None)
                .await;
            return Ok(());
        };
        let Some((msize, version)) = proto::negotiate(msize, version, self.server.params.msize)
        else {
            self.send(ops::Reply::error(tag, EINVAL).bytes(), None)
                .await;
            return Ok(());
        };
        // Let every request in flight finish with the old session.
        let mut permits = KVec::with_capacity(MAX_IN_FLIGHT, GFP_KERNEL)?;
        for _ in 0..MAX_IN_FLIGHT {
            permits.push(self.in_flight.acquire().await?, GFP_KERNEL)?;
        }
        self.fids.clear();
        self.msize.store(msize, Ordering::Relaxed);
        let reply = ops::Reply::build(64, kind::TVERSION + 1, tag, |w| {
            w.u32(msize)?;
            w.string(version)?;
            Ok(())
        })?;
        self.send(reply.bytes(), None).await;
        Ok(())
    }

    /// Starts answering the request in `frame`: Tversion here, everything
    /// else in a task of its own. Waits while too many are in flight.
    async fn dispatch(self: &Arc<Self>, executor: &Executor, frame: &[u8]) -> Result {
        let header = codec::header(frame).map_err(|_| errno::eproto())?;
        vfs::count_request(header.kind);
        if header.kind == kind::TVERSION {
            return self.version(header.tag, header.body).await;
        }
        let permit = self.in_flight.acquire().await?;
        let event = Arc::pin_init(Event::new(), GFP_KERNEL)?;
        let node = RBTreeNode::new(header.tag, event.clone(), GFP_KERNEL)?;
        {
            let mut tags = self.tags.lock();
            if tags.get(&header.tag).is_some() {
                // A tag reused while in flight: the client is broken.
                return Err(errno::eproto());
            }
            tags.insert(node);
        }
        let guard = InFlight {
            connection: self.clone(),
            tag: header.tag,
            event,
        };
        permit.leak();
        let mut message = KVVec::with_capacity(frame.len(), GFP_KERNEL)?;
        message.extend_from_slice(frame, GFP_KERNEL)?;
        // On failure the future is dropped, and with it the guard.
        executor.spawn(answer(self.clone(), message, guard))
    }

    /// Ends the session: no more replies, every fid released.
    async fn close(&self) {
        if let Ok(mut writer) = self.writer.lock().await {
            if let Some(half) = writer.take() {
                let _ = half.shutdown();
            }
        }
        self.fids.clear();
    }
}

/// A request in flight: its tag and in-flight permit, given back when the
/// request task ends (answered, or dropped as the module stops).
struct InFlight {
    connection: Arc<Connection>,
    tag: u16,
    event: Arc<Event>,
}

impl InFlight {
    /// Removes the tag from the connection's tags, if it is still ours.
    fn retire_tag(&self) {
        let mut tags = self.connection.tags.lock();
        let ours = tags
            .get(&self.tag)
            .is_some_and(|event| Arc::ptr_eq(event, &self.event));
        let removed = if ours { tags.remove(&self.tag) } else { None };
        drop(tags);
        drop(removed);
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.retire_tag();
        self.event.set();
        self.connection.in_flight.release();
    }
}

/// Answers one request.
async fn answer(connection: Arc<Connection>, message: KVVec<u8>, guard: InFlight) {
    let reply = ops::handle(&connection, &message).await;
    drop(message);
    connection.send(reply.bytes(), Some(&guard)).await;
    drop(guard);
}

/// Serves one connection until the client closes it, it breaks the
/// protocol, or it stays idle too long.
async fn serve(
    server: Arc<Server>,
    executor: Executor,
    stream: TcpStream,
    _ticket: ConnectionTicket,
) {
    let (mut reader, writer) = stream.into_split();
    let Ok(connection) = Arc::pin_init(Connection::new(server, writer), GFP_KERNEL) else {
        return;
    };
    if let Err(e) = read_requests(&connection, &executor, &mut reader).await {
        if e == errno::eproto() {
            vfs::count(Counter::Malformed, 1);
        }
    }
    connection.close().await;
}

/// Reads frames and dispatches them.
async fn read_requests(
    connection: &Arc<Connection>,
    executor: &Executor,
    reader: &mut ReadHalf,
) -> Result {
    let idle_ms = connection.server.params.idle_ms;
    let mut buf = KVVec::from_elem(0u8, FIRST_BUFFER, GFP_KERNEL)?;
    let (mut start, mut end) = (0, 0);
    let mut dispatched: usize = 0;
    loop {
        let limit = connection.msize() as u32;
        if let Some(len) = codec::frame(&buf[start..end], limit).map_err(|_| errno::eproto())? {
            connection
                .dispatch(executor, &buf[start..start + len])
                .await?;
            start += len;
            dispatched += 1;
            // A client streaming requests takes turns with the others.
            if dispatched % FRAMES_PER_TURN == 0 {
                yield_now().await;
            }
            continue;
        }
        // Keep the partial frame at the front, with room for all of it.
        buf.copy_within(start..end, 0);
        end -= start;
        start = 0;
        if end >= 4 {
            let size = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
            if size > buf.len() {
                buf.extend_with(size - buf.len(), 0, GFP_KERNEL)?;
            }
        }
        let read = reader.read(&mut buf[end..]);
        let n = if idle_ms > 0 {
            timer::timeout(idle_ms, read).await??
        } else {
            read.await?
        };
        if n == 0 {
            return Ok(());
        }
        vfs::count(Counter::BytesIn, n as i64);
        end += n;
    }
}
