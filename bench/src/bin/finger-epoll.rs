// SPDX-License-Identifier: GPL-2.0

//! finger-epoll: a BASELINE for `make bench`, not a product. A userspace,
//! event-driven finger server in Rust with std only (epoll through a few
//! `extern "C"` declarations), giving the answers `rust_fingerd` gives: it
//! compiles the module's own query parser, reply builder and passwd parser.
//!
//! ```text
//! finger-epoll [--port P] [--threads N] [--group G] [--null]
//! ```
//!
//! `N` threads (default: the CPUs) each run an epoll loop over a shared
//! listening socket (`EPOLLEXCLUSIVE`). Like `rust_fingerd`, it answers users
//! of group `G` (default `finger`), reads `/etc/passwd` and `/etc/group` again
//! only when they change, reads `.plan`, `.project` and `.pubkey` with the
//! user's file system identity (`setfsuid`), sends FIN after the reply and
//! drains what the client still sends. It has no per-connection deadline and
//! no per-address limit. With `--null` it reads the query and closes without
//! answering: the ceiling of any finger server on this machine.

#[allow(dead_code)]
#[path = "../../../rust_fingerd/query.rs"]
mod query;

#[allow(dead_code)]
#[path = "../../../rust_fingerd/reply.rs"]
mod reply;

#[allow(dead_code)]
#[path = "../../../lib/passwd.rs"]
mod passwd;

use query::{Query, QueryError, MAX_QUERY};
use reply::{Reply, UserEntry, SHORT_REPLY};
use rks_bench::{fail, Args};
use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::thread;

/// `struct epoll_event`, packed on x86-64 as in the kernel's UAPI.
#[repr(C, packed)]
#[derive(Clone, Copy)]
struct EpollEvent {
    events: u32,
    data: u64,
}

const EPOLLIN: u32 = 0x001;
const EPOLLOUT: u32 = 0x004;
const EPOLLEXCLUSIVE: u32 = 1 << 28;
const EPOLL_CTL_ADD: i32 = 1;
const EPOLL_CTL_MOD: i32 = 3;
const EPOLL_CLOEXEC: i32 = 0o2000000;
const O_NOFOLLOW: i32 = 0o400000;

extern "C" {
    fn epoll_create1(flags: i32) -> i32;
    fn epoll_ctl(epfd: i32, op: i32, fd: i32, event: *mut EpollEvent) -> i32;
    fn epoll_wait(epfd: i32, events: *mut EpollEvent, maxevents: i32, timeout: i32) -> i32;
    fn setfsuid(uid: u32) -> i32;
    fn setfsgid(gid: u32) -> i32;
}

/// The limits `rust_fingerd` applies by default.
const MAX_ACCOUNT_FILE: u64 = 1 << 20;
const MAX_PLAN: u64 = 65536;
const MAX_PROJECT: u64 = 1024;
const MAX_PUBKEY: u64 = 8192;
const MAX_DISCARD: usize = 64 * 1024;
const LISTENER: u64 = u64::MAX;

/// One thread's epoll instance.
struct Epoll(RawFd);

impl Epoll {
    fn new() -> Epoll {
        // SAFETY: plain system call; the result is checked.
        let fd = unsafe { epoll_create1(EPOLL_CLOEXEC) };
        if fd < 0 {
            fail("epoll_create1 failed");
        }
        Epoll(fd)
    }

    fn control(&self, op: i32, fd: RawFd, events: u32, data: u64) {
        let mut event = EpollEvent { events, data };
        // SAFETY: `event` is a valid `epoll_event` for the call's duration.
        if unsafe { epoll_ctl(self.0, op, fd, &mut event) } < 0 {
            fail("epoll_ctl failed");
        }
    }

    fn wait(&self, events: &mut [EpollEvent]) -> usize {
        // SAFETY: `events` has room for `events.len()` entries.
        let n = unsafe { epoll_wait(self.0, events.as_mut_ptr(), events.len() as i32, -1) };
        n.max(0) as usize
    }
}

/// A file's contents, read again when its inode, size or times change.
#[derive(Default)]
struct CachedFile {
    key: Option<[i64; 4]>,
    data: Vec<u8>,
}

impl CachedFile {
    fn get(&mut self, path: &str) -> &[u8] {
        let key = fs::metadata(path).ok().map(|m| {
            [
                m.ino() as i64,
                m.size() as i64,
                m.mtime_nsec() + m.mtime() * 1_000_000_000,
                m.ctime_nsec() + m.ctime() * 1_000_000_000,
            ]
        });
        if key != self.key || key.is_none() {
            self.data.clear();
            if let Ok(f) = File::open(path) {
                let _ = f.take(MAX_ACCOUNT_FILE).read_to_end(&mut self.data);
            }
            self.key = key;
        }
        &self.data
    }
}

/// Reads up to `max` bytes of a regular file `path` that `uid` owns, with
/// `uid`/`gid` as the file system identity.
fn read_as_owner(path: &str, uid: u32, gid: u32, max: u64) -> Option<Vec<u8>> {
    // SAFETY: setfsuid/setfsgid change this thread's file system identity
    // only; it is restored below.
    unsafe {
        setfsgid(gid);
        setfsuid(uid);
    }
    let read = || {
        let file = fs::OpenOptions::new()
            .read(true)
            .custom_flags(O_NOFOLLOW)
            .open(path)
            .ok()?;
        let meta = file.metadata().ok()?;
        if !meta.is_file() || meta.uid() != uid {
            return None;
        }
        let mut data = Vec::new();
        file.take(max).read_to_end(&mut data).ok()?;
        Some(data)
    };
    let data = read();
    // SAFETY: as above; back to root.
    unsafe {
        setfsuid(0);
        setfsgid(0);
    }
    data
}

/// One thread's server state.
struct Server {
    group: String,
    passwd: CachedFile,
    groups: CachedFile,
}

impl Server {
    fn answer(&mut self, line: &[u8]) -> Vec<u8> {
        let query = if line.len() > MAX_QUERY {
            Err(QueryError::TooLong)
        } else {
            query::parse(line)
        };
        let render = |size: usize, build: &dyn Fn(&mut Reply<'_>)| {
            let mut buf = vec![0u8; size];
            let mut out = Reply::new(&mut buf);
            build(&mut out);
            let len = out.as_bytes().len();
            buf.truncate(len);
            buf
        };
        match query {
            Err(e) => render(SHORT_REPLY, &|out| reply::bad_query(out, e.message())),
            Ok(Query::Forward) => reply::FORWARD_DENIED.to_vec(),
            Ok(Query::List { .. }) => {
                let passwd = self.passwd.get("/etc/passwd").to_vec();
                let groups = self.groups.get("/etc/group");
                let group = passwd::find_group(groups, &self.group);
                let size = reply::list_size(passwd.len(), passwd::users(&passwd).count());
                render(size, &|out| {
                    reply::list_header(out);
                    for user in
                        passwd::users(&passwd).filter(|u| group.is_some_and(|g| g.contains(u)))
                    {
                        reply::list_line(out, user.login, user.full_name);
                    }
                })
            }
            Ok(Query::User { name, verbose }) => {
                let passwd = self.passwd.get("/etc/passwd").to_vec();
                let groups = self.groups.get("/etc/group");
                let user = passwd::find_group(groups, &self.group)
                    .and_then(|g| passwd::find_user(&passwd, name).filter(|u| g.contains(u)));
                let Some(user) = user else {
                    return render(SHORT_REPLY + 2 * name.len(), &|out| {
                        reply::no_such_user(out, name)
                    });
                };
                let read = |file: &str, max| {
                    read_as_owner(&format!("{}/{file}", user.home), user.uid, user.gid, max)
                };
                let (plan, project, pubkey) = (
                    read(".plan", MAX_PLAN),
                    read(".project", MAX_PROJECT),
                    read(".pubkey", MAX_PUBKEY),
                );
                let entry = UserEntry {
                    login: user.login,
                    full_name: user.full_name,
                    home: verbose.then_some(user.home),
                    project: project.as_deref(),
                    pubkey: pubkey.as_deref(),
                    plan: plan.as_deref(),
                };
                render(entry.size(), &|out| entry.render(out))
            }
        }
    }
}

/// Where a connection is.
enum Stage {
    Query(Vec<u8>),
    Reply(Vec<u8>, usize),
    Drain(usize),
}

struct Connection {
    stream: TcpStream,
    stage: Stage,
}

/// Advances `conn`; false when it is done and should be closed.
fn progress(
    conn: &mut Connection,
    server: &mut Server,
    null: bool,
    epoll: &Epoll,
    id: u64,
) -> bool {
    loop {
        match &mut conn.stage {
            Stage::Query(line) => {
                let mut chunk = [0u8; MAX_QUERY + 2];
                let n = match conn.stream.read(&mut chunk) {
                    Ok(n) => n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => return true,
                    Err(_) => return false,
                };
                if null {
                    return false;
                }
                line.extend_from_slice(&chunk[..n]);
                let end = query::line_end(line);
                if end.is_none() && n > 0 && line.len() <= MAX_QUERY + 1 {
                    continue;
                }
                let answer = server.answer(&line[..end.unwrap_or(line.len())]);
                conn.stage = Stage::Reply(answer, 0);
            }
            Stage::Reply(data, sent) => {
                match conn.stream.write(&data[*sent..]) {
                    Ok(n) => *sent += n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        epoll.control(EPOLL_CTL_MOD, conn.stream.as_raw_fd(), EPOLLOUT, id);
                        return true;
                    }
                    Err(_) => return false,
                }
                if *sent == data.len() {
                    let _ = conn.stream.shutdown(Shutdown::Write);
                    epoll.control(EPOLL_CTL_MOD, conn.stream.as_raw_fd(), EPOLLIN, id);
                    conn.stage = Stage::Drain(0);
                }
            }
            Stage::Drain(discarded) => {
                let mut sink = [0u8; 512];
                match conn.stream.read(&mut sink) {
                    Ok(0) => return false,
                    Ok(n) => {
                        *discarded += n;
                        if *discarded >= MAX_DISCARD {
                            return false;
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => return true,
                    Err(_) => return false,
                }
            }
        }
    }
}

fn serve(listener: &TcpListener, group: String, null: bool) {
    let epoll = Epoll::new();
    epoll.control(
        EPOLL_CTL_ADD,
        listener.as_raw_fd(),
        EPOLLIN | EPOLLEXCLUSIVE,
        LISTENER,
    );
    let mut server = Server {
        group,
        passwd: CachedFile::default(),
        groups: CachedFile::default(),
    };
    let mut connections: HashMap<u64, Connection> = HashMap::new();
    let mut next_id = 0u64;
    let mut events = vec![EpollEvent { events: 0, data: 0 }; 256];
    loop {
        let n = epoll.wait(&mut events);
        for event in &events[..n] {
            let id = event.data;
            if id == LISTENER {
                while let Ok((stream, _)) = listener.accept() {
                    if stream.set_nonblocking(true).is_err() {
                        continue;
                    }
                    next_id += 1;
                    epoll.control(EPOLL_CTL_ADD, stream.as_raw_fd(), EPOLLIN, next_id);
                    connections.insert(
                        next_id,
                        Connection {
                            stream,
                            stage: Stage::Query(Vec::new()),
                        },
                    );
                }
                continue;
            }
            let done = match connections.get_mut(&id) {
                Some(conn) => !progress(conn, &mut server, null, &epoll, id),
                None => false,
            };
            if done {
                // Dropping the stream closes it, which removes it from epoll.
                connections.remove(&id);
            }
        }
    }
}

fn main() {
    let args = Args::parse(&["null"]);
    let port = args.number("port", 79u16);
    let threads = args.number(
        "threads",
        thread::available_parallelism().map_or(1, |n| n.get()),
    );
    let group = args
        .all("group")
        .last()
        .copied()
        .unwrap_or("finger")
        .to_string();
    let null = args.flag("null");
    let listener =
        TcpListener::bind(("0.0.0.0", port)).unwrap_or_else(|e| fail(&format!("port {port}: {e}")));
    listener
        .set_nonblocking(true)
        .unwrap_or_else(|e| fail(&e.to_string()));
    thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| serve(&listener, group.clone(), null));
        }
    });
}
