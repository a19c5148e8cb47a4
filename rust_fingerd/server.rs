// SPDX-License-Identifier: GPL-2.0

//! The finger server: one task accepting connections, one task per
//! connection. Safe Rust on top of the runtime and `vfs`.
//!
//! A connection is bound by the deadline from accept to the end of its reply.
//! It reads its query line without holding a slot, so idle connections
//! (slowloris) occupy nothing but a socket and a small task; answering needs
//! one of `max_clients` slots, and queries beyond that wait for one in
//! arrival order. Open connections are capped per client address
//! (`max_per_peer`, beyond which they are closed at once) and in total
//! (`OPEN_PER_CLIENT * max_clients`, which also bounds the waiting queue).

use crate::executor::sync::{Mutex as AsyncMutex, Semaphore};
use crate::executor::Executor;
use crate::inet::{IpAddr, SockAddr};
use crate::params::Params;
use crate::passwd::{self, User};
use crate::query::{self, Query, QueryError, MAX_QUERY};
use crate::reactor::tcp::{TcpListener, TcpStream};
use crate::reactor::timer;
use crate::reply::{self, Reply, UserEntry, SHORT_REPLY};
use crate::vfs::{self, FileData, StatKey};
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::c_str;
use kernel::prelude::*;
use kernel::str::{CStr, CString};
use kernel::sync::{new_mutex, Arc, Mutex};

/// Open connections allowed per query slot.
const OPEN_PER_CLIENT: usize = 8;
/// Plans whose reads are shared: requests for users hashing to the same slot
/// take turns, and requests waiting for a read in progress reuse its result.
const PLAN_SLOTS: usize = 64;
/// `/etc/passwd` and `/etc/group` are read up to this size.
const MAX_ACCOUNT_FILE: usize = 1 << 20;
/// Bytes read of `.project` (first line used).
const MAX_PROJECT: usize = 1024;
/// Bytes read of `.pubkey`.
const MAX_PUBKEY: usize = 8192;
/// Bytes read and dropped after a reply before closing.
const MAX_DISCARD: usize = 64 * 1024;

/// A file's contents, cached until it changes.
#[pin_data]
struct CachedFile {
    path: &'static CStr,
    #[pin]
    cache: Mutex<Option<(StatKey, Arc<FileData>)>>,
}

impl CachedFile {
    fn new(path: &'static CStr) -> impl PinInit<Self> {
        pin_init!(CachedFile {
            path,
            cache <- new_mutex!(None, "rust_fingerd_file_cache"),
        })
    }

    /// The current contents: a `stat` per call, a read when it changed.
    fn get(&self) -> Result<Arc<FileData>> {
        let key = vfs::stat_key(self.path)?;
        if let Some((cached, data)) = &*self.cache.lock() {
            if *cached == key {
                return Ok(data.clone());
            }
        }
        let data = Arc::new(vfs::read_file(self.path, MAX_ACCOUNT_FILE)?, GFP_KERNEL)?;
        *self.cache.lock() = Some((key, data.clone()));
        Ok(data)
    }
}

/// What a user has published.
struct Published {
    plan: Option<FileData>,
    project: Option<FileData>,
    pubkey: Option<FileData>,
}

/// The last read of one plan slot.
struct PlanRead {
    uid: u32,
    /// Value of `Server::sequence` when the read finished.
    finished: u64,
    data: Arc<Published>,
}

/// State shared by all connections.
#[pin_data]
pub(crate) struct Server {
    params: Params,
    #[pin]
    passwd: CachedFile,
    #[pin]
    group: CachedFile,
    #[pin]
    slots: Semaphore,
    /// Open connections per client address.
    #[pin]
    peers: Mutex<KVec<(IpAddr, usize)>>,
    plans: KVec<Pin<KBox<AsyncMutex<Option<PlanRead>>>>>,
    /// Orders plan reads against the requests waiting for them.
    sequence: AtomicU64,
}

impl Server {
    pub(crate) fn new(params: Params) -> Result<Arc<Self>> {
        let mut plans = KVec::with_capacity(PLAN_SLOTS, GFP_KERNEL)?;
        for _ in 0..PLAN_SLOTS {
            plans.push(
                KBox::pin_init(AsyncMutex::new(None), GFP_KERNEL)?,
                GFP_KERNEL,
            )?;
        }
        let clients = params.max_clients;
        Arc::pin_init(
            pin_init!(Server {
                params,
                passwd <- CachedFile::new(c_str!("/etc/passwd")),
                group <- CachedFile::new(c_str!("/etc/group")),
                slots <- Semaphore::new(clients, clients * OPEN_PER_CLIENT),
                peers <- new_mutex!(KVec::new(), "rust_fingerd_peers"),
                plans,
                sequence: AtomicU64::new(0),
            }),
            GFP_KERNEL,
        )
    }

    /// Counts a new connection from `ip`, or refuses it when that address or
    /// the server has too many open.
    fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<PeerTicket> {
        let mut peers = self.peers.lock();
        let total: usize = peers.iter().map(|(_, n)| n).sum();
        if total >= self.params.max_clients * OPEN_PER_CLIENT {
            return Err(EBUSY);
        }
        if let Some((_, n)) = peers.iter_mut().find(|(addr, n)| *addr == ip && *n > 0) {
            if *n >= self.params.max_per_peer {
                return Err(EBUSY);
            }
            *n += 1;
        } else if let Some(free) = peers.iter_mut().find(|(_, n)| *n == 0) {
            *free = (ip, 1);
        } else {
            peers.push((ip, 1), GFP_KERNEL)?;
        }
        Ok(PeerTicket {
            server: self.clone(),
            ip,
        })
    }

    /// Uncounts a connection from `ip`. Entries at zero are reused by
    /// `admit`, so the table holds at most as many entries as the most
    /// addresses ever connected at once.
    fn release(&self, ip: IpAddr) {
        let mut peers = self.peers.lock();
        if let Some((_, n)) = peers.iter_mut().find(|(addr, n)| *addr == ip && *n > 0) {
            *n -= 1;
        }
    }

    /// The opted-in user called `name`, with the passwd data it borrows from.
    fn opted_in(&self, passwd: &FileData, group: &FileData, name: &str) -> Option<OwnedUser> {
        let group = passwd::find_group(group.bytes(), self.group_name())?;
        let user = passwd::find_user(passwd.bytes(), name)?;
        group
            .contains(&user)
            .then(|| OwnedUser::from(&user))
            .flatten()
    }

    fn group_name(&self) -> &str {
        self.params.group.to_str().unwrap_or("")
    }

    /// Reads what `user` published, sharing a read in progress.
    async fn published(&self, user: &OwnedUser) -> Result<Arc<Published>> {
        let slot = &self.plans[user.uid as usize % PLAN_SLOTS];
        let arrival = self.sequence.fetch_add(1, Ordering::SeqCst);
        let mut last = slot.lock().await?;
        if let Some(read) = &*last {
            if read.uid == user.uid && read.finished > arrival {
                return Ok(read.data.clone());
            }
        }
        let read_file = |name: &str, max: usize| -> Option<FileData> {
            let path = CString::try_from_fmt(kernel::fmt!("{}/{}", user.home(), name)).ok()?;
            vfs::read_as_owner(&path, user.uid, user.gid, max).ok()
        };
        let data = Arc::new(
            Published {
                plan: read_file(".plan", self.params.max_plan_size),
                project: read_file(".project", MAX_PROJECT),
                pubkey: read_file(".pubkey", MAX_PUBKEY),
            },
            GFP_KERNEL,
        )?;
        *last = Some(PlanRead {
            uid: user.uid,
            finished: self.sequence.fetch_add(1, Ordering::SeqCst),
            data: data.clone(),
        });
        Ok(data)
    }

    /// Builds the answer to `query`: the reply buffer, its length, and a
    /// word for the log.
    async fn answer(&self, query: core::result::Result<Query<'_>, QueryError>) -> Result<Answer> {
        let query = match query {
            Ok(query) => query,
            Err(e) => {
                return render(SHORT_REPLY, "bad query", |out| {
                    reply::bad_query(out, e.message())
                })
            }
        };
        match query {
            Query::Forward => render(SHORT_REPLY, "forwarding denied", |out| {
                out.raw(reply::FORWARD_DENIED);
            }),
            Query::List { .. } if !self.params.list_users => {
                render(SHORT_REPLY, "list denied", |out| {
                    out.raw(reply::LIST_DENIED);
                })
            }
            Query::List { .. } => {
                let (passwd, group) = (self.passwd.get()?, self.group.get()?);
                let group = passwd::find_group(group.bytes(), self.group_name());
                let users = passwd::users(passwd.bytes());
                let size = reply::list_size(passwd.bytes().len(), users.count());
                render(size, "list", |out| {
                    reply::list_header(out);
                    let users = passwd::users(passwd.bytes());
                    for user in users.filter(|u| group.is_some_and(|g| g.contains(u))) {
                        reply::list_line(out, user.login, user.full_name);
                    }
                })
            }
            Query::User { name, verbose } => {
                let (passwd, group) = (self.passwd.get()?, self.group.get()?);
                let Some(user) = self.opted_in(&passwd, &group, name) else {
                    return render(SHORT_REPLY + 2 * name.len(), "no such user", |out| {
                        reply::no_such_user(out, name)
                    });
                };
                let published = self.published(&user).await?;
                let entry = UserEntry {
                    login: user.login(),
                    full_name: user.full_name(),
                    home: verbose.then(|| user.home()),
                    project: published.project.as_ref().map(FileData::bytes),
                    pubkey: published.pubkey.as_ref().map(FileData::bytes),
                    plan: published.plan.as_ref().map(FileData::bytes),
                };
                render(entry.size(), "user", |out| entry.render(out))
            }
        }
    }
}

/// A reply ready to send.
struct Answer {
    buf: KVVec<u8>,
    len: usize,
    word: &'static str,
}

/// Builds a reply of at most `size` bytes with `build`.
fn render(size: usize, word: &'static str, build: impl FnOnce(&mut Reply<'_>)) -> Result<Answer> {
    let mut buf = KVVec::from_elem(0u8, size, GFP_KERNEL)?;
    let mut reply = Reply::new(&mut buf);
    build(&mut reply);
    let len = reply.as_bytes().len();
    Ok(Answer { buf, len, word })
}

/// An opted-in user's passwd fields, owned (the passwd data may change).
struct OwnedUser {
    uid: u32,
    gid: u32,
    /// Login, full name and home, each NUL-free, in one buffer.
    text: KVec<u8>,
    login_end: usize,
    name_end: usize,
}

impl OwnedUser {
    fn from(user: &User<'_>) -> Option<Self> {
        let mut text = KVec::new();
        for part in [user.login, user.full_name, user.home] {
            text.extend_from_slice(part.as_bytes(), GFP_KERNEL).ok()?;
        }
        Some(Self {
            uid: user.uid,
            gid: user.gid,
            login_end: user.login.len(),
            name_end: user.login.len() + user.full_name.len(),
            text,
        })
    }

    fn part(&self, range: core::ops::Range<usize>) -> &str {
        // The parts were `&str`s, so they are valid UTF-8 at these bounds.
        core::str::from_utf8(&self.text[range]).unwrap_or("")
    }

    fn login(&self) -> &str {
        self.part(0..self.login_end)
    }

    fn full_name(&self) -> &str {
        self.part(self.login_end..self.name_end)
    }

    fn home(&self) -> &str {
        self.part(self.name_end..self.text.len())
    }
}

/// A counted connection from one address; uncounted when dropped.
struct PeerTicket {
    server: Arc<Server>,
    ip: IpAddr,
}

impl Drop for PeerTicket {
    fn drop(&mut self) {
        self.server.release(self.ip);
    }
}

/// Accepts connections until the executor stops.
pub(crate) async fn accept_loop(server: Arc<Server>, executor: Executor, listener: TcpListener) {
    loop {
        let stream = listener.accept_next().await;
        let Ok(peer) = stream.peer_addr() else {
            continue;
        };
        match server.admit(peer.ip) {
            Ok(ticket) => {
                // On failure (stopping, no memory) the connection is dropped,
                // which closes it.
                let _ = executor.spawn(connection(server.clone(), stream, peer, ticket));
            }
            Err(_) => {
                if vfs::log_allowed() {
                    pr_info!("{}: refused: too many connections\n", peer);
                }
            }
        }
    }
}

/// Serves one connection within the deadline.
async fn connection(
    server: Arc<Server>,
    mut stream: TcpStream,
    peer: SockAddr,
    _ticket: PeerTicket,
) {
    let mut line = [0u8; MAX_QUERY + 2];
    let deadline = server.params.deadline_ms;
    // The deadline's ETIMEDOUT and serving errors end the connection alike.
    let outcome = timer::timeout(deadline, serve(&server, &mut stream, &mut line))
        .await
        .and_then(|served| served);
    if vfs::log_allowed() {
        let shown = query::printable(&line);
        match outcome {
            Ok(word) => pr_info!("{}: {:?}: {}\n", peer, shown, word),
            Err(e) if e.to_errno() == -(kernel::bindings::ETIMEDOUT as i32) => {
                pr_info!("{}: {:?}: deadline passed\n", peer, shown)
            }
            Err(e) => pr_info!("{}: {:?}: error {}\n", peer, shown, e.to_errno()),
        }
    }
}

/// Reads the query into `line`, answers it, and writes the reply.
async fn serve(server: &Server, stream: &mut TcpStream, line: &mut [u8]) -> Result<&'static str> {
    let mut len = 0;
    let query_len = loop {
        if let Some(end) = query::line_end(&line[..len]) {
            break end;
        }
        if len == line.len() {
            // No line end within the limit: too long, whatever follows.
            break len;
        }
        match stream.read(&mut line[len..]).await? {
            // The client closed its side: take what it sent as the query.
            0 => break len,
            n => len += n,
        }
    };
    let query = if query_len == line.len() && query::line_end(line).is_none() {
        Err(QueryError::TooLong)
    } else {
        query::parse(&line[..query_len])
    };
    // Only answering takes a slot; waiting for one is in arrival order.
    let slot = server.slots.acquire().await?;
    let answer = server.answer(query).await?;
    let answer_word = answer.word;
    drop(slot);
    stream.write_all(&answer.buf[..answer.len]).await?;
    drop(answer);
    // Send FIN after the reply (also to a client that half-closed), then
    // read and drop what the client still sends, so that closing does not
    // reset the connection and destroy the reply in flight.
    stream.shutdown()?;
    let mut discarded = 0;
    let mut sink = [0u8; 512];
    while discarded < MAX_DISCARD {
        match stream.read(&mut sink).await? {
            0 => break,
            n => discarded += n,
        }
    }
    Ok(answer_word)
}
