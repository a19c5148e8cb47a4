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
//! Every connection is listed in the debugfs `clients` file (`sessions`).

use crate::cache::CachedFile;
use crate::clients::Clients;
use crate::executor::sync::Semaphore;
use crate::executor::Executor;
use crate::inet::SockAddr;
use crate::params::Params;
use crate::passwd;
use crate::plans::Plans;
use crate::query::{self, Query, QueryError, MAX_QUERY};
use crate::reactor::peers::{PeerLimit, PeerTicket, Refused};
use crate::reactor::tcp::{TcpListener, TcpStream};
use crate::reactor::timer;
use crate::reply::{self, Reply, UserEntry, SHORT_REPLY};
use crate::sessions::{Session, Stage};
use crate::user::OwnedUser;
use crate::vfs::{self, FileData};
use kernel::c_str;
use kernel::prelude::*;
use kernel::sync::Arc;

/// Open connections allowed per query slot.
const OPEN_PER_CLIENT: usize = 8;
/// Bytes read and dropped after a reply before closing.
const MAX_DISCARD: usize = 64 * 1024;

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
    /// Open connections, in all and per client address.
    peers: Arc<PeerLimit>,
    plans: Plans,
    /// The open connections, for the debugfs `clients` file.
    clients: Arc<Clients<Session>>,
}

impl Server {
    pub(crate) fn new(params: Params, clients: Arc<Clients<Session>>) -> Result<Arc<Self>> {
        let plans = Plans::new(params.max_plan_size)?;
        let slots = params.max_clients;
        let peers = PeerLimit::new(slots * OPEN_PER_CLIENT, params.max_per_peer, params.allow)?;
        Arc::pin_init(
            pin_init!(Server {
                params,
                passwd <- CachedFile::new(c_str!("/etc/passwd")),
                group <- CachedFile::new(c_str!("/etc/group")),
                slots <- Semaphore::new(slots, slots * OPEN_PER_CLIENT),
                peers,
                plans,
                clients,
            }),
            GFP_KERNEL,
        )
    }

    /// The opted-in user called `name`, if there is one.
    fn opted_in(
        &self,
        passwd: &FileData,
        group: &FileData,
        name: &str,
    ) -> Result<Option<OwnedUser>> {
        let group = passwd::find_group(group.bytes(), self.group_name());
        match passwd::find_user(passwd.bytes(), name) {
            Some(user) if group.is_some_and(|g| g.contains(&user)) => {
                Ok(Some(OwnedUser::new(&user)?))
            }
            _ => Ok(None),
        }
    }

    fn group_name(&self) -> &str {
        self.params.group.to_str().unwrap_or("")
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
                let Some(user) = self.opted_in(&passwd, &group, name)? else {
                    return render(SHORT_REPLY + 2 * name.len(), "no such user", |out| {
                        reply::no_such_user(out, name)
                    });
                };
                let published = self.plans.published(&user).await?;
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
        let Ok(peer) = stream.peer_addr() else {
            continue;
        };
        match server.peers.admit(peer.ip) {
            Ok(ticket) => {
                // On failure (stopping, no memory) the connection is dropped,
                // which closes it.
                let _ = executor.spawn(connection(server.clone(), stream, peer, ticket));
            }
            Err(why) => {
                if vfs::log_allowed() {
                    let why = match why {
                        Refused::NotAllowed => "not in allow=",
                        _ => "too many connections",
                    };
                    pr_info!("{}: refused: {}\n", peer, why);
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
    let Ok(session) = Session::new(peer) else {
        return;
    };
    // Listed until this task ends or is dropped.
    let Ok(_listed) = server.clients.list(session.clone()) else {
        return;
    };
    // The deadline's ETIMEDOUT and serving errors end the connection alike.
    let served = serve(&server, &mut stream, &mut line, &session);
    let outcome = timer::timeout(deadline, served)
        .await
        .and_then(|served| served);
    if vfs::log_allowed() {
        let shown = query::printable(&line);
        match outcome {
            Ok(word) => pr_info!("{}: {:?}: {}\n", peer, shown, word),
            Err(e) if e == crate::errno::etimedout() => {
                pr_info!("{}: {:?}: deadline passed\n", peer, shown)
            }
            Err(e) => pr_info!("{}: {:?}: error {}\n", peer, shown, e.to_errno()),
        }
    }
}

/// Reads the query into `line`, answers it, and writes the reply; says
/// where it is in `session`.
async fn serve(
    server: &Server,
    stream: &mut TcpStream,
    line: &mut [u8],
    session: &Session,
) -> Result<&'static str> {
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
            n => {
                session.count_received(n);
                len += n
            }
        }
    };
    let query = if query_len == line.len() && query::line_end(line).is_none() {
        Err(QueryError::TooLong)
    } else {
        query::parse(&line[..query_len])
    };
    // Only answering takes a slot; waiting for one is in arrival order.
    session.enter(Stage::Waiting);
    let slot = server.slots.acquire().await?;
    session.enter(Stage::Answering);
    let answer = server.answer(query).await?;
    let answer_word = answer.word;
    drop(slot);
    session.enter(Stage::Sending);
    stream.write_all(&answer.buf[..answer.len]).await?;
    session.count_sent(answer.len);
    drop(answer);
    // Send FIN after the reply (also to a client that half-closed), then
    // read and drop what the client still sends, so that closing does not
    // reset the connection and destroy the reply in flight.
    stream.shutdown()?;
    session.enter(Stage::Draining);
    let mut discarded = 0;
    let mut sink = [0u8; 512];
    while discarded < MAX_DISCARD {
        match stream.read(&mut sink).await? {
            0 => break,
            n => {
                session.count_received(n);
                discarded += n
            }
        }
    }
    Ok(answer_word)
}
