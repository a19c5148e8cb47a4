// SPDX-License-Identifier: GPL-2.0

//! One 9P connection's state: its fids, its tags in flight, its budget and
//! its outbox of replies; starting requests (each in a task of its own,
//! `ops`) and queueing their replies for the writer (`server`). Safe Rust
//! on top of the runtime.
//!
//! Every connection is listed in the debugfs `clients` file, with what it
//! holds (`Client for Connection`).

use crate::activity::Activity;
use crate::budget::Budget;
use crate::buffers::{Buffer, Spares};
use crate::clients::Client;
use crate::codec::{self, kind, HEADER};
use crate::counters;
use crate::errno;
use crate::executor::atomic_waker::AtomicWaker;
use crate::executor::sync::{Event, Permit, Semaphore};
use crate::executor::{race, Either, Executor};
use crate::fids::FidTable;
use crate::inet::SockAddr;
use crate::locks::LockOwners;
use crate::ops::{self, Reply};
use crate::proto;
use crate::reactor::tcp::{ReadHalf, MAX_SLICES};
use crate::reactor::timer;
use crate::server::Server;
use core::fmt::{self, Write};
use core::future::{poll_fn, Future};
use core::sync::atomic::{AtomicU32, Ordering};
use core::task::Poll;
use kernel::list::{
    impl_has_list_links, impl_list_arc_safe, impl_list_item, List, ListArc, ListLinks,
};
use kernel::prelude::*;
use kernel::rbtree::{RBTree, RBTreeNode};
use kernel::sync::{new_spinlock, Arc, SpinLock};

/// Requests one connection may have in flight.
pub(crate) const MAX_IN_FLIGHT: usize = 64;
/// A connection's budget, in msizes of the server (each with
/// `proto::SMALL_REPLY` more, so that a request's frame fits beside an
/// msize of reply): replies queued and requests being answered share it.
pub(crate) const BUDGET_MSIZES: usize = 4;
/// What a queued reply costs beyond its buffer (its queue entry).
const QUEUED_OVERHEAD: usize = 128;
/// Bytes of extended attribute values one connection may be writing at
/// once (Txattrcreate to Tclunk): 16 values of the largest size.
pub(crate) const MAX_PENDING_XATTR_BYTES: usize = 16 * proto::MAX_XATTR;

/// A request in the connection's table of tags.
struct TagEntry {
    /// Its place in the order the reader received requests.
    seq: u64,
    /// Whether it is a Tflush, which no Tflush waits for.
    flush: bool,
    /// Set once it is answered (or abandoned).
    done: Arc<Event>,
}

/// A reply waiting for the writer.
#[pin_data]
pub(crate) struct Queued {
    #[pin]
    links: ListLinks,
    pub(crate) reply: Reply,
    /// Bytes of the connection's budget it holds.
    charged: usize,
}

impl_has_list_links! {
    impl HasListLinks<0> for Queued { self.links }
}
impl_list_arc_safe! {
    impl ListArcSafe<0> for Queued { untracked; }
}
impl_list_item! {
    impl ListItem<0> for Queued { using ListLinks; }
}

/// Replies the writer sends at once (the first `None` ends them).
pub(crate) type Batch = [Option<ListArc<Queued>>; MAX_SLICES];

/// Replies waiting for the writer, in the order they were answered.
struct Outbox {
    replies: List<Queued>,
    /// Set when the connection closes: nothing is queued or sent after.
    closed: bool,
}

/// One client's session.
///
/// # Invariants
///
/// - Every entry of `tags` belongs to a request task still running; its
///   in-flight permit is taken from `in_flight`.
/// - Every reply in `outbox` holds `charged` bytes of `budget`; those
///   bytes are released when it is sent or dropped. Every request in
///   flight holds what was reserved for its frame and reply until its
///   reply is queued (or it is dropped).
/// - Once `outbox.closed` is set, `in_flight` and `budget` are closed.
#[pin_data]
pub(crate) struct Connection {
    pub(crate) server: Arc<Server>,
    /// The negotiated msize (the server's largest until Tversion).
    msize: AtomicU32,
    #[pin]
    pub(crate) fids: FidTable,
    #[pin]
    in_flight: Semaphore,
    /// The tags in flight. A spin lock, so that a reply is queued in the
    /// same critical section as its tag is retired (see [`Connection::send`]).
    #[pin]
    tags: SpinLock<RBTree<u16, TagEntry>>,
    /// Bytes of replies queued and of requests being answered.
    #[pin]
    budget: Semaphore,
    budget_size: usize,
    #[pin]
    outbox: SpinLock<Outbox>,
    /// The writer task, woken when a reply is queued or the outbox closes.
    writer: AtomicWaker,
    /// What the clients file shows beyond fids and tags.
    pub(crate) activity: Activity,
    /// Bytes of extended attribute values being written (Txattrcreate).
    pub(crate) pending_xattrs: Arc<Budget>,
    /// The owners of the POSIX locks of the client's processes.
    #[pin]
    pub(crate) lock_owners: LockOwners,
    /// Large buffers kept between requests (frames and replies).
    pub(crate) spares: Arc<Spares>,
}

impl Client for Connection {
    fn show(&self, out: &mut dyn Write) -> fmt::Result {
        let in_flight = self.tags.lock().iter().count();
        self.activity.show(out, self.fids.len(), in_flight)
    }
}

impl Connection {
    pub(crate) fn new(server: Arc<Server>, peer: SockAddr) -> impl PinInit<Self, Error> {
        let (msize, max_fids) = (server.params.msize, server.params.max_fids);
        let budget_size = BUDGET_MSIZES * (msize as usize + proto::SMALL_REPLY);
        let largest_spare = msize as usize + proto::SMALL_REPLY;
        // INVARIANT: nothing in flight, nothing queued, nothing closed.
        try_pin_init!(Connection {
            server,
            msize: AtomicU32::new(msize),
            fids <- FidTable::new(max_fids),
            in_flight <- Semaphore::new(MAX_IN_FLIGHT, 2),
            tags <- new_spinlock!(RBTree::new(), "rust_9p_tags"),
            budget <- Semaphore::new(budget_size, MAX_IN_FLIGHT + 1),
            budget_size,
            outbox <- new_spinlock!(Outbox { replies: List::new(), closed: false }, "rust_9p_outbox"),
            writer: AtomicWaker::new(),
            activity: Activity::new(peer),
            pending_xattrs: Arc::new(Budget::with_max(MAX_PENDING_XATTR_BYTES), GFP_KERNEL)?,
            lock_owners <- LockOwners::new(),
            spares: Spares::new(largest_spare)?,
        }? Error)
    }

    /// Notes a successful attach as `uid`, for the clients file.
    pub(crate) fn note_attach(&self, uid: u32) {
        self.activity.note_attach(uid);
    }

    /// The negotiated msize: no reply may be larger.
    pub(crate) fn msize(&self) -> usize {
        self.msize.load(Ordering::Relaxed) as usize
    }

    /// Reserves `bytes` of the reply budget (at most all of it), waiting
    /// for replies to be sent; fails once the connection is closed.
    async fn reserve(&self, bytes: usize) -> Result<Permit<'_>> {
        self.budget.acquire_many(bytes.min(self.budget_size)).await
    }

    /// Queues `reply`, which holds the `reservation` (trimmed to what it
    /// uses); when it answers request `answered`, that tag is retired in
    /// the same critical section, so that a Tflush that no longer finds
    /// the tag queues its Rflush after this reply. Replies to a closed
    /// connection, or that cannot be queued for want of memory, are
    /// dropped (the latter closing the connection: its client would wait
    /// for the reply forever).
    fn send(&self, reply: Reply, mut reservation: Permit<'_>, answered: Option<&InFlight>) {
        reservation.shrink_to(reply.capacity() + QUEUED_OVERHEAD);
        let charged = reservation.count();
        let queued = ListArc::pin_init(
            try_pin_init!(Queued {
                links <- ListLinks::new(),
                reply,
                charged,
            }),
            GFP_KERNEL,
        );
        let mut tags = self.tags.lock();
        let retired = answered.and_then(|request| request.retire(&mut tags));
        let Ok(queued) = queued else {
            drop(tags);
            drop(retired);
            self.close();
            return;
        };
        let mut outbox = self.outbox.lock();
        if outbox.closed {
            drop(outbox);
            drop(tags);
            drop(retired);
            drop(queued);
            return;
        }
        outbox.replies.push_back(queued);
        // INVARIANT: the queued reply holds the reserved bytes from now on.
        reservation.leak();
        drop(outbox);
        drop(tags);
        drop(retired);
        self.activity.count_queued(charged as i64);
        self.writer.wake();
    }

    /// Queues Rlerror for a request that is not in the tags.
    async fn send_error(&self, tag: u16, err: Error) -> Result {
        let reservation = self.reserve(proto::SMALL_REPLY).await?;
        self.send(Reply::error(tag, err), reservation, None);
        Ok(())
    }

    /// Waits until request `oldtag` has been answered, unless it is a
    /// Tflush or newer than request `seq` (the Tflush asking): waiting for
    /// those could wait forever (two Tflushes naming each other).
    pub(crate) async fn wait_for(&self, oldtag: u16, seq: u64) -> Result {
        let done = {
            let tags = self.tags.lock();
            tags.get(&oldtag)
                .filter(|entry| !entry.flush && entry.seq < seq)
                .map(|entry| entry.done.clone())
        };
        match done {
            Some(done) => done.wait().await,
            None => Ok(()),
        }
    }

    /// Takes up to one batch of queued replies, waiting for one; `None`
    /// once the connection is closed.
    pub(crate) async fn next_batch(&self) -> Option<Batch> {
        let max_bytes = self.msize();
        poll_fn(|cx| {
            // Registered before looking, so that a reply queued meanwhile
            // wakes us.
            self.writer.register(cx.waker());
            let mut outbox = self.outbox.lock();
            if outbox.closed {
                return Poll::Ready(None);
            }
            if outbox.replies.is_empty() {
                return Poll::Pending;
            }
            let mut batch: Batch = core::array::from_fn(|_| None);
            let mut bytes = 0;
            for slot in batch.iter_mut() {
                let Some(next) = outbox.replies.iter().next() else {
                    break;
                };
                let len = next.reply.len();
                if bytes > 0 && bytes + len > max_bytes {
                    break;
                }
                *slot = outbox.replies.pop_front();
                bytes += len;
            }
            Poll::Ready(Some(batch))
        })
        .await
    }

    /// Gives back the budget of replies sent or dropped.
    pub(crate) fn retire(&self, done: ListArc<Queued>) {
        let charged = done.charged;
        drop(done);
        self.activity.count_queued(-(charged as i64));
        self.budget.release_many(charged);
    }

    /// Ends the session: no more requests or replies (waiters give up),
    /// every fid released.
    pub(crate) fn close(&self) {
        let mut dropped = {
            let mut outbox = self.outbox.lock();
            outbox.closed = true;
            core::mem::take(&mut outbox.replies)
        };
        // INVARIANT: the outbox is closed, and so are the semaphores.
        self.in_flight.close();
        self.budget.close();
        while let Some(reply) = dropped.pop_front() {
            self.retire(reply);
        }
        self.writer.wake();
        self.fids.clear();
    }

    /// After the client has shut down its sending side: waits until every
    /// request it sent is answered and every reply sent, within the write
    /// timeout, unless the connection breaks first.
    pub(crate) async fn drain(&self, reader: &mut ReadHalf) -> Result {
        let drained = async {
            let answered = self.in_flight.acquire_many(MAX_IN_FLIGHT).await?;
            // With nothing in flight, the budget held is the outbox's, given
            // back as the writer sends.
            let sent = self.budget.acquire_many(self.budget_size).await?;
            drop((answered, sent));
            Ok(())
        };
        let write_ms = self.server.params.write_ms;
        unless_hung_up(reader, async { timer::timeout(write_ms, drained).await? }).await
    }

    /// Answers Tversion, which resets the session, in the reader.
    async fn version(&self, tag: u16, body: &[u8], reader: &mut ReadHalf) -> Result {
        let Ok((msize, version)) = codec::decode_version(body) else {
            return self.send_error(tag, EINVAL).await;
        };
        let Some((msize, version)) = proto::negotiate(msize, version, self.server.params.msize)
        else {
            return self.send_error(tag, EINVAL).await;
        };
        // Let every request in flight finish with the old session.
        let all = unless_hung_up(reader, self.in_flight.acquire_many(MAX_IN_FLIGHT)).await?;
        self.fids.clear();
        self.msize.store(msize, Ordering::Relaxed);
        let reply = Reply::build(proto::SMALL_REPLY, kind::TVERSION + 1, tag, |w| {
            w.u32(msize)?;
            w.string(version)?;
            Ok(())
        })?;
        let reservation = self.reserve(proto::SMALL_REPLY).await?;
        self.send(reply, reservation, None);
        drop(all);
        Ok(())
    }

    /// Answers a request in the reader: no task, no copy of the frame, no
    /// tag to retire (nothing can name it in a Tflush before its reply is
    /// queued). Its reply still takes its share of the budget, so a client
    /// that does not read stops the reader.
    async fn answer_inline(
        &self,
        kind: u8,
        tag: u16,
        body: &[u8],
        reader: &mut ReadHalf,
    ) -> Result {
        let need = proto::reply_bound(kind, body, self.msize());
        let reservation = unless_hung_up(reader, self.reserve(need)).await?;
        if self.tags.lock().get(&tag).is_some() {
            // A tag reused while in flight: the client is broken.
            return Err(errno::eproto());
        }
        let reply = ops::handle_inline(self, kind, tag, body);
        self.send(reply, reservation, None);
        Ok(())
    }

    /// Starts answering the request in `frame`: Tversion here, and on an
    /// export in memory every request but Tflush and bulk writes
    /// ([`proto::answered_inline`]); everything else in a task of its own.
    /// Waits while too many are in flight, or until the client hangs up.
    pub(crate) async fn dispatch(
        self: &Arc<Self>,
        executor: &Executor,
        frame: Frame<'_>,
        seq: u64,
        reader: &mut ReadHalf,
    ) -> Result {
        let bytes = frame.bytes();
        let header = codec::header(bytes).map_err(|_| errno::eproto())?;
        counters::count_request(header.kind);
        if header.kind == kind::TVERSION {
            return self.version(header.tag, header.body, reader).await;
        }
        if self.server.params.in_memory && proto::answered_inline(header.kind, bytes.len()) {
            return self
                .answer_inline(header.kind, header.tag, header.body, reader)
                .await;
        }
        let permit = unless_hung_up(reader, self.in_flight.acquire()).await?;
        // The frame and its reply share the budget, so that however large
        // the requests, the connection holds no more than the budget; the
        // reader reads nothing more while it is spent.
        let need = frame.memory() + proto::reply_bound(header.kind, header.body, self.msize());
        let reservation = unless_hung_up(reader, self.reserve(need)).await?;
        let done = Arc::pin_init(Event::new(), GFP_KERNEL)?;
        let entry = TagEntry {
            seq,
            flush: header.kind == kind::TFLUSH,
            done: done.clone(),
        };
        let node = RBTreeNode::new(header.tag, entry, GFP_KERNEL)?;
        let (kind, tag) = (header.kind, header.tag);
        let (message, len) = frame.into_owned()?;
        {
            let mut tags = self.tags.lock();
            if tags.get(&tag).is_some() {
                // A tag reused while in flight: the client is broken.
                return Err(errno::eproto());
            }
            tags.insert(node);
        }
        permit.leak();
        let guard = InFlight {
            connection: self.clone(),
            tag,
            seq,
            done,
            reserved: reservation.leak(),
        };
        let request = Request {
            message,
            len,
            kind,
            tag,
        };
        // On failure the future is dropped, and with it the guard, which
        // retires the tag.
        match executor.spawn(answer(request, guard)) {
            Err(e) if e == ENOMEM => self.send_error(tag, ENOMEM).await,
            other => other,
        }
    }
}

/// A request's frame, as the reader hands it over.
pub(crate) enum Frame<'a> {
    /// In the reader's buffer, copied if the request needs it longer.
    InReader(&'a [u8]),
    /// The first bytes of a buffer the request takes.
    Taken(Buffer, usize),
}

impl Frame<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Frame::InReader(bytes) => bytes,
            Frame::Taken(buf, len) => &buf[..*len],
        }
    }

    /// The memory the frame takes while its request is answered.
    fn memory(&self) -> usize {
        match self {
            Frame::InReader(bytes) => bytes.len(),
            Frame::Taken(buf, _) => buf.capacity(),
        }
    }

    /// A buffer holding the frame, and the frame's length.
    fn into_owned(self) -> Result<(Buffer, usize)> {
        match self {
            Frame::InReader(bytes) => {
                let mut copy = KVVec::with_capacity(bytes.len(), GFP_KERNEL)?;
                copy.extend_from_slice(bytes, GFP_KERNEL)?;
                Ok((Buffer::unpooled(copy), bytes.len()))
            }
            Frame::Taken(buf, len) => Ok((buf, len)),
        }
    }
}

/// Waits for `future`, unless the client hangs up first (`ECONNRESET`).
async fn unless_hung_up<T>(
    reader: &mut ReadHalf,
    future: impl Future<Output = Result<T>>,
) -> Result<T> {
    match race(future, reader.hung_up()).await {
        Either::First(result) => result,
        Either::Second(()) => Err(errno::econnreset()),
    }
}

/// A request to answer: the whole frame (the first `len` bytes of
/// `message`), its type and tag.
struct Request {
    message: Buffer,
    len: usize,
    kind: u8,
    tag: u16,
}

/// A request in flight: its tag, in-flight permit and the budget reserved
/// for it, given back when the request task ends (answered, or dropped as
/// the module stops).
struct InFlight {
    connection: Arc<Connection>,
    tag: u16,
    seq: u64,
    done: Arc<Event>,
    /// Bytes of budget reserved for the frame and the reply, until the
    /// request task takes them.
    reserved: usize,
}

impl InFlight {
    /// Removes the tag from `tags`, if it is still ours; returns what to
    /// drop once the lock is released.
    fn retire(&self, tags: &mut RBTree<u16, TagEntry>) -> Option<TagEntry> {
        let ours = tags
            .get(&self.tag)
            .is_some_and(|entry| entry.seq == self.seq);
        if ours {
            tags.remove(&self.tag)
        } else {
            None
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let retired = self.retire(&mut self.connection.tags.lock());
        drop(retired);
        self.done.set();
        self.connection.in_flight.release();
        self.connection.budget.release_many(self.reserved);
    }
}

/// Answers one request.
async fn answer(request: Request, mut guard: InFlight) {
    let connection = guard.connection.clone();
    let c = &*connection;
    let reservation = c.budget.adopt(core::mem::take(&mut guard.reserved));
    let body = &request.message[HEADER..request.len];
    let reply = ops::handle(c, request.kind, request.tag, guard.seq, body).await;
    drop(request);
    c.send(reply, reservation, Some(&guard));
    drop(guard);
}
