// SPDX-License-Identifier: GPL-2.0

//! The 9P server's connections: one task accepts, and each connection has a
//! reader task, a writer task and one task per request (`ops`). Safe Rust
//! on top of the runtime.
//!
//! What one client can make the server hold is bounded:
//!
//! - at most [`MAX_IN_FLIGHT`](crate::connection::MAX_IN_FLIGHT) requests in flight; beyond that the reader
//!   waits (still noticing a hang-up), so a flood only slows its sender;
//! - replies wait for the writer in the connection's outbox, and the
//!   reader reserves for every request its frame and what its reply can
//!   take from the connection's budget of [`BUDGET_MSIZES`](crate::connection::BUDGET_MSIZES) msizes before
//!   starting it, so a client, reading or not, pins at most that much
//!   (and the reader's buffer and one spare buffer, `buffers`, at most an
//!   msize each);
//! - the writer sends the outbox in batches, each within `write_timeout`;
//!   a batch that cannot be sent in time resets the connection;
//! - connections are capped in all and per client address;
//! - a client that shuts down its sending side gets the replies to what
//!   it sent, within `write_timeout`, before the connection closes.
//!
//! A PDU whose size field is out of bounds, or a tag reused while in
//! flight, closes that connection; nothing a client sends can touch
//! another connection.
//!
//! A connection's own state is in `connection`.

use crate::budget;
use crate::buffers::MIN_SPARE;
use crate::clients::Clients;
use crate::codec;
use crate::connection::{Batch, Connection, Frame};
use crate::counters::{self, Counter};
use crate::creds::Credential;
use crate::errno;
use crate::executor::{yield_now, Executor};
use crate::inet::{IpAddr, SockAddr};
use crate::params::Params;
use crate::reactor::peers::{PeerLimit, PeerTicket, Refused};
use crate::reactor::tcp::{More, ReadHalf, TcpListener, TcpStream, WriteHalf, MAX_SLICES};
use crate::reactor::timer;
use crate::vfs::Creators;
use kernel::prelude::*;
use kernel::sync::Arc;
use kernel::types::ARef;

/// Requests a connection's reader dispatches before giving other tasks a turn.
const FRAMES_PER_TURN: usize = 16;
/// The reader's first buffer; it grows to the largest frame received.
const FIRST_BUFFER: usize = 8192;

/// State shared by all connections.
pub(crate) struct Server {
    pub(crate) params: Params,
    /// The credentials of every access, in single-user mode.
    pub(crate) creds: ARef<Credential>,
    /// The credentials of a squashed root, in multi-user mode.
    pub(crate) squashed: ARef<Credential>,
    /// Where entries are created (umask 0).
    pub(crate) creators: Arc<Creators>,
    peers: Arc<PeerLimit>,
    /// The open connections, for the debugfs `clients` file.
    clients: Arc<Clients<Connection>>,
}

impl Server {
    pub(crate) fn new(
        params: Params,
        creators: Arc<Creators>,
        clients: Arc<Clients<Connection>>,
    ) -> Result<Arc<Self>> {
        budget::FIDS.set_max(params.max_fids_total);
        budget::OPEN_FILES.set_max(params.max_open_files);
        budget::XATTR_BYTES.set_max(params.max_xattr_bytes);
        let squashed = Credential::new(params.uid, params.gid, &[])?;
        let creds = if params.uid == 0 && params.no_root_squash {
            Credential::with_fs_caps(0, params.gid, &[])?
        } else {
            squashed.clone()
        };
        let peers = PeerLimit::new(params.max_connections, params.max_per_peer, params.allow)?;
        Ok(Arc::new(
            Server {
                params,
                creds,
                squashed,
                creators,
                peers,
                clients,
            },
            GFP_KERNEL,
        )?)
    }

    /// Counts a new connection from `ip`, or refuses it when the server or
    /// that address has its most connections open.
    fn admit(&self, ip: IpAddr) -> Option<ConnectionTicket> {
        match self.peers.admit(ip) {
            Ok(peer) => {
                counters::count(Counter::Open, 1);
                Some(ConnectionTicket { _peer: peer })
            }
            Err(why) => {
                counters::count(Counter::Refused, 1);
                match why {
                    Refused::PeerFull => counters::count(Counter::RefusedPeer, 1),
                    Refused::NotAllowed => counters::count(Counter::RefusedAllow, 1),
                    _ => {}
                }
                None
            }
        }
    }
}

/// A counted connection; uncounted when dropped.
struct ConnectionTicket {
    _peer: PeerTicket,
}

impl Drop for ConnectionTicket {
    fn drop(&mut self) {
        counters::count(Counter::Open, -1);
    }
}

/// Accepts connections until the executor stops, or the listener breaks.
pub(crate) async fn accept_loop(
    server: Arc<Server>,
    executor: Executor,
    mut listener: TcpListener,
) {
    loop {
        let stream = match listener.accept_next().await {
            Ok(stream) => stream,
            Err(e) => {
                pr_err!("no longer accepting connections: error {}\n", e.to_errno());
                return;
            }
        };
        counters::count(Counter::Accepted, 1);
        let Ok(peer) = stream.peer_addr() else {
            // Reset before we asked: dropping the stream closes it.
            continue;
        };
        let Some(ticket) = server.admit(peer.ip) else {
            continue;
        };
        // On failure (stopping, no memory) the connection is dropped.
        let _ = executor.spawn(serve(
            server.clone(),
            executor.clone(),
            stream,
            peer,
            ticket,
        ));
    }
}

/// Sends queued replies until the connection closes; resets it when a
/// batch cannot be sent within the write timeout.
async fn write_replies(connection: Arc<Connection>, mut half: WriteHalf) {
    let write_ms = connection.server.params.write_ms;
    while let Some(batch) = connection.next_batch().await {
        let bytes: usize = batch.iter().flatten().map(|q| q.reply.len()).sum();
        let sent = timer::timeout(write_ms, send_batch(&mut half, &batch)).await;
        for reply in batch.into_iter().flatten() {
            connection.retire(reply);
        }
        match sent {
            Ok(Ok(())) => connection.activity.count_sent(bytes),
            failed => {
                if failed.is_err() {
                    counters::count(Counter::WriteTimeouts, 1);
                }
                half.abort();
                connection.close();
                return;
            }
        }
    }
    // Closed by the reader; a reply left behind is of no use to anyone.
}

/// Sends the replies of `batch` in order: the bytes in memory of as many
/// as come together in one send, and a reply's pages in a send of their
/// own. Only the last send pushes the data out.
async fn send_batch(half: &mut WriteHalf, batch: &Batch) -> Result {
    let mut slices = [&[][..]; MAX_SLICES];
    let mut count = 0;
    let mut replies = batch.iter().flatten().peekable();
    while let Some(queued) = replies.next() {
        let (bytes, pages) = queued.reply.parts();
        // No pages to send would leave the header held back by `More`.
        let pages = pages.filter(|pages| !pages.is_empty());
        slices[count] = bytes;
        count += 1;
        let more = if replies.peek().is_some() {
            More::Follows
        } else {
            More::No
        };
        if let Some(pages) = pages {
            half.write_all_vectored(&slices[..count], More::Follows)
                .await?;
            count = 0;
            half.write_all_pages(pages, more).await?;
        } else if count == MAX_SLICES || more == More::No {
            half.write_all_vectored(&slices[..count], more).await?;
            count = 0;
        }
    }
    Ok(())
}

/// One client's session.
async fn serve(
    server: Arc<Server>,
    executor: Executor,
    stream: TcpStream,
    peer: SockAddr,
    _ticket: ConnectionTicket,
) {
    let (mut reader, writer) = stream.into_split();
    let clients = server.clients.clone();
    let Ok(connection) = Arc::pin_init(Connection::new(server, peer), GFP_KERNEL) else {
        return;
    };
    // Listed until this task ends or is dropped.
    let Ok(_listed) = clients.list(connection.clone()) else {
        connection.close();
        return;
    };
    if executor
        .spawn(write_replies(connection.clone(), writer))
        .is_err()
    {
        connection.close();
        return;
    }
    if let Err(e) = read_requests(&connection, &executor, &mut reader).await {
        if e == errno::eproto() {
            counters::count(Counter::Malformed, 1);
        }
    }
    connection.close();
}

/// Reads frames and dispatches them, until the client closes the
/// connection (its requests answered), it breaks the protocol, it stays
/// idle too long, or the connection is closed.
async fn read_requests(
    connection: &Arc<Connection>,
    executor: &Executor,
    reader: &mut ReadHalf,
) -> Result {
    let idle_ms = connection.server.params.idle_ms;
    let spares = &connection.spares;
    let mut buf = spares.take(FIRST_BUFFER, FIRST_BUFFER)?;
    let (mut start, mut end) = (0, 0);
    let mut seq: u64 = 0;
    loop {
        let limit = connection.msize() as u32;
        if let Some(len) = codec::frame(&buf[start..end], limit).map_err(|_| errno::eproto())? {
            seq += 1;
            let frame = if start == 0 && len >= MIN_SPARE {
                // A large frame (a Twrite) is not copied: its task (a bulk
                // write always has one) takes the buffer, and the reader
                // goes on in another.
                let mut next = spares.take(buf.len(), usize::MAX)?;
                next[..end - len].copy_from_slice(&buf[len..end]);
                end -= len;
                Frame::Taken(core::mem::replace(&mut buf, next), len)
            } else {
                start += len;
                Frame::InReader(&buf[start - len..start])
            };
            connection.dispatch(executor, frame, seq, reader).await?;
            // A client streaming requests takes turns with the others.
            if seq % FRAMES_PER_TURN as u64 == 0 {
                yield_now().await;
            }
            continue;
        }
        // Keep the partial frame at the front, with room for all of it.
        if start > 0 {
            buf.copy_within(start..end, 0);
            end -= start;
            start = 0;
        }
        if end >= 4 {
            let size = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
            if size > buf.len() {
                let mut bigger = spares.take(size, usize::MAX)?;
                bigger[..end].copy_from_slice(&buf[..end]);
                buf = bigger;
            }
        }
        let read = reader.read(&mut buf[end..]);
        let n = if idle_ms > 0 {
            timer::timeout(idle_ms, read).await??
        } else {
            read.await?
        };
        if n == 0 {
            // A client may send its last requests and shut down its side
            // (`nc -N`): it still gets their answers.
            return connection.drain(reader).await;
        }
        connection.activity.count_received(n);
        end += n;
    }
}
