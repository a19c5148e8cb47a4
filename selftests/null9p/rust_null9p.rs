// SPDX-License-Identifier: GPL-2.0

//! rust_null9p: a null 9P2000.L peer, the ceiling of `make bench`'s 9P
//! figures.
//!
//! `insmod rust_null9p.ko port=5641` serves a canned, read-only tree to the
//! v9fs client (`mount -t 9p -o trans=tcp,port=5641,version=9p2000.L`): an
//! empty-looking root directory (Treaddir returns nothing) in which `big`
//! (256 MiB) and `small` (4 KiB) can be walked to, both 0444 regular files
//! owned by root. Reading them returns the content `fsbench mktree` gives
//! its files, as far as fsbench checks it: every 4 KiB block begins with
//! its byte offset (8 bytes, little endian); the rest of each block is the
//! zeros of one static page, not fsbench's xorshift filler, which no read
//! workload looks at. Tversion, Tattach, Twalk, Tgetattr, Tlopen, Tread,
//! Treaddir, Tstatfs, Tclunk and Tflush are answered; anything else gets
//! `Rlerror(EOPNOTSUPP)`, and a malformed frame closes the connection.
//!
//! It is a selftest/bench module, not part of rust_9p: it has no file
//! system behind it, no per-request task and no writer task. One task per
//! connection reads what the client sent, answers every complete frame
//! inline into one reply buffer and sends all of those replies with one
//! write; so its figures are the most a TCP server on this runtime can
//! reach with the v9fs client, and `make bench` reports rust_9p's as a
//! fraction of them.

use kernel::c_str;
use kernel::prelude::*;

// The runtime, the shared helpers and rust_9p's wire format are compiled
// into this module from the same sources, as in the other modules; what it
// does not use of them is another module's.
#[allow(dead_code)]
#[path = "../../rust_9p/codec.rs"]
mod codec;
#[path = "../../glue/errno.rs"]
pub mod errno;
#[path = "../../executor/mod.rs"]
pub mod executor;
#[path = "../../glue/ffi.rs"]
pub mod ffi;
#[path = "../../glue/params.rs"]
pub mod glue_params;
#[path = "../../lib/inet.rs"]
pub mod inet;
#[path = "../../reactor/mod.rs"]
pub mod reactor;

use codec::{kind, DecodeError, Overflow, Qid, Request, Writer};
use executor::{yield_now, AutoStopHandle, Executor};
use inet::AllowList;
use reactor::tcp::{TcpListener, TcpStream};

module! {
    type: RustNull9p,
    name: "rust_null9p",
    author: "rust-kernel-servers developers",
    description: "Null 9P2000.L peer with canned replies (benchmark ceiling)",
    license: "GPL",
}

// The declarations match the module's C glue (`RKS_LISTEN_PARAMS`). Each
// accessor takes nothing and returns a parameter that nothing writes after
// load (0444), so they are declared `safe`: a string accessor returns its
// whole `module_param_string` buffer, whose size `glue/params.h` gives.
unsafe extern "C" {
    safe fn rust_null9p_param_address() -> &'static [u8; glue_params::ADDRESS_PARAM_LEN];
    safe fn rust_null9p_param_allow() -> &'static [u8; glue_params::ALLOW_PARAM_LEN];
    safe fn rust_null9p_param_port() -> kernel::ffi::c_int;
}

/// How many connections may wait in the kernel's accept queue.
const BACKLOG: u32 = 128;
/// The largest msize negotiated.
const MAX_MSIZE: u32 = 1 << 20;
/// The limit on Tversion's frame, before an msize is negotiated.
const FIRST_MSIZE: u32 = 8192;
/// The receive buffer's first size; it grows to the largest frame (at most
/// the msize).
const FIRST_BUFFER: usize = 64 * 1024;
/// Room in the reply buffer beyond one msize: replies accumulate up to
/// this before a reply that might not fit sends them.
const SLACK: usize = 64 * 1024;
/// The most any reply but Rread takes (Rwalk's 16 qids: 217 bytes).
const SMALL_REPLY: usize = 256;
/// Frames answered before the task gives the others a turn.
const FRAMES_PER_TURN: u32 = 64;
/// Fids a connection may use: 0 to `MAX_FIDS - 1` (the v9fs client takes
/// the lowest free number).
const MAX_FIDS: usize = 4096;

/// Bytes of a block of the files, each starting with its tag.
const BLOCK: usize = 4096;
/// What the blocks hold after their tag.
static PAGE: [u8; BLOCK] = [0; BLOCK];
/// The size of `big`, as `fsbench mktree` writes it (256 MiB).
const BIG_SIZE: u64 = 256 << 20;
/// Rread's bytes before its data: `size[4] type[1] tag[2] count[4]`.
const RREAD_HEADER: usize = 11;
/// The time stamps of every file: 2023-11-14 22:13:20 UTC.
const MTIME: u64 = 1_700_000_000;
/// `f_type` of a 9P mount (V9FS_MAGIC).
const V9FS_MAGIC: u32 = 0x0102_1997;
/// Tgetattr's `P9_GETATTR_BASIC`: every field up to the block count.
const GETATTR_BASIC: u64 = 0x7ff;

// Linux error numbers, as Rlerror carries them.
const ENOENT: u32 = 2;
const EBADF: u32 = 9;
const ENOTDIR: u32 = 20;
const EISDIR: u32 = 21;
const EINVAL: u32 = 22;
const EMFILE: u32 = 24;
const EROFS: u32 = 30;
const EOPNOTSUPP: u32 = 95;

/// The files of the tree.
#[derive(Clone, Copy, PartialEq, Eq)]
enum File {
    Root,
    Big,
    Small,
}

impl File {
    /// The file a fid table slot holds, if any.
    fn from_slot(slot: u8) -> Option<File> {
        match slot {
            1 => Some(File::Root),
            2 => Some(File::Big),
            3 => Some(File::Small),
            _ => None,
        }
    }

    /// The slot value of the file (0 is a free slot).
    fn slot(self) -> u8 {
        match self {
            File::Root => 1,
            File::Big => 2,
            File::Small => 3,
        }
    }

    fn qid(self) -> Qid {
        Qid {
            kind: if self == File::Root { 0x80 } else { 0 },
            version: 0,
            path: self.slot().into(),
        }
    }

    fn size(self) -> u64 {
        match self {
            File::Root => BLOCK as u64,
            File::Big => BIG_SIZE,
            File::Small => BLOCK as u64,
        }
    }

    /// The file `name` in this one: `Err(errno)` when there is none.
    fn walk(self, name: &[u8]) -> core::result::Result<File, u32> {
        if self != File::Root {
            return Err(ENOTDIR);
        }
        match name {
            b"big" => Ok(File::Big),
            b"small" => Ok(File::Small),
            b".." | b"." => Ok(File::Root),
            _ => Err(ENOENT),
        }
    }
}

/// Why a connection ends.
enum Close {
    /// The client broke the protocol.
    Malformed,
    /// The socket failed, or memory ran out.
    Error,
}

impl From<DecodeError> for Close {
    fn from(_: DecodeError) -> Self {
        Close::Malformed
    }
}

impl From<Overflow> for Close {
    fn from(_: Overflow) -> Self {
        // Every reply is sized before it is written: a bug, not the client.
        Close::Error
    }
}

impl From<Error> for Close {
    fn from(_: Error) -> Self {
        Close::Error
    }
}

impl From<kernel::alloc::AllocError> for Close {
    fn from(_: kernel::alloc::AllocError) -> Self {
        Close::Error
    }
}

/// One connection's session: its msize, its fids and the replies not yet
/// sent.
struct Session {
    msize: u32,
    /// The file of each fid (`File::slot`), 0 for a free fid.
    fids: KVec<u8>,
    /// Replies, `used` bytes of them, to send in one write.
    out: KVVec<u8>,
    used: usize,
}

impl Session {
    fn new() -> core::result::Result<Self, Close> {
        Ok(Self {
            msize: FIRST_MSIZE,
            fids: KVec::from_elem(0u8, MAX_FIDS, GFP_KERNEL)?,
            out: KVVec::from_elem(0u8, SLACK, GFP_KERNEL)?,
            used: 0,
        })
    }

    fn file(&self, fid: u32) -> Option<File> {
        File::from_slot(*self.fids.get(fid as usize)?)
    }

    /// Sets `fid` to `file`; `Err(errno)` if the fid is out of range.
    fn set(&mut self, fid: u32, file: File) -> core::result::Result<(), u32> {
        let slot = self.fids.get_mut(fid as usize).ok_or(EMFILE)?;
        *slot = file.slot();
        Ok(())
    }

    /// The most the reply to `req` (of type `kind`) can take.
    fn reply_bound(&self, req: &Option<Request<'_>>) -> usize {
        match req {
            Some(Request::Read { count, .. }) => {
                RREAD_HEADER + (*count).min(self.msize - RREAD_HEADER as u32) as usize
            }
            _ => SMALL_REPLY,
        }
    }

    /// Starts a reply of type `kind` at the end of the queued ones.
    fn reply(&mut self, kind: u8, tag: u16) -> core::result::Result<Writer<'_>, Overflow> {
        Writer::new(&mut self.out[self.used..], kind, tag)
    }

    fn error(&mut self, tag: u16, errno: u32) -> core::result::Result<(), Overflow> {
        self.used += codec::rlerror(&mut self.out[self.used..], tag, errno)?;
        Ok(())
    }

    /// Answers Tversion: msize = min(client, 1 MiB), and a fresh session.
    fn version(&mut self, tag: u16, body: &[u8]) -> core::result::Result<(), Close> {
        let (msize, version) = codec::decode_version(body)?;
        if msize < 4096 {
            return Ok(self.error(tag, EINVAL)?);
        }
        let msize = msize.min(MAX_MSIZE);
        let version: &[u8] = if version.starts_with(b"9P2000.L") {
            b"9P2000.L"
        } else {
            b"unknown"
        };
        self.fids.iter_mut().for_each(|slot| *slot = 0);
        self.msize = msize;
        let want = msize as usize + SLACK;
        if self.out.len() < want {
            self.out.extend_with(want - self.out.len(), 0, GFP_KERNEL)?;
        }
        let mut w = self.reply(kind::TVERSION + 1, tag)?;
        w.u32(msize)?;
        w.string(version)?;
        self.used += w.finish();
        Ok(())
    }

    /// Answers one decoded request (`None`: a type the codec does not
    /// know) into the reply buffer, which has room for it.
    fn answer(&mut self, tag: u16, req: Option<Request<'_>>) -> core::result::Result<(), Overflow> {
        let Some(req) = req else {
            return self.error(tag, EOPNOTSUPP);
        };
        let errno = match req {
            Request::Attach { fid, .. } => match self.set(fid, File::Root) {
                Ok(()) => return self.qid_reply(kind::TATTACH + 1, tag, File::Root, None),
                Err(errno) => errno,
            },
            Request::Walk { fid, newfid, names } => return self.walk(tag, fid, newfid, names),
            Request::Getattr { fid, .. } => match self.file(fid) {
                Some(file) => return self.getattr(tag, file),
                None => EBADF,
            },
            Request::Lopen { fid, flags } => match self.file(fid) {
                // O_ACCMODE: nothing is writable.
                Some(_) if flags & 3 != 0 => EROFS,
                Some(file) => return self.qid_reply(kind::TLOPEN + 1, tag, file, Some(0)),
                None => EBADF,
            },
            Request::Read { fid, offset, count } => match self.file(fid) {
                Some(File::Root) => EISDIR,
                Some(file) => return self.read(tag, file, offset, count),
                None => EBADF,
            },
            Request::Readdir { fid, .. } => match self.file(fid) {
                Some(File::Root) => {
                    let mut w = self.reply(kind::TREADDIR + 1, tag)?;
                    w.u32(0)?;
                    self.used += w.finish();
                    return Ok(());
                }
                Some(_) => ENOTDIR,
                None => EBADF,
            },
            Request::Statfs { .. } => return self.statfs(tag),
            Request::Clunk { fid } => match self.file(fid) {
                Some(_) => {
                    self.fids[fid as usize] = 0;
                    let w = self.reply(kind::TCLUNK + 1, tag)?;
                    self.used += w.finish();
                    return Ok(());
                }
                None => EBADF,
            },
            Request::Flush { .. } => {
                // Every request is answered before the next is read.
                let w = self.reply(kind::TFLUSH + 1, tag)?;
                self.used += w.finish();
                return Ok(());
            }
            _ => EOPNOTSUPP,
        };
        self.error(tag, errno)
    }

    /// Rattach or Rlopen: a qid, and Rlopen's iounit.
    fn qid_reply(
        &mut self,
        kind: u8,
        tag: u16,
        file: File,
        iounit: Option<u32>,
    ) -> core::result::Result<(), Overflow> {
        let mut w = self.reply(kind, tag)?;
        w.qid(&file.qid())?;
        if let Some(iounit) = iounit {
            w.u32(iounit)?;
        }
        self.used += w.finish();
        Ok(())
    }

    fn walk(
        &mut self,
        tag: u16,
        fid: u32,
        newfid: u32,
        names: codec::WalkNames<'_>,
    ) -> core::result::Result<(), Overflow> {
        let Some(mut file) = self.file(fid) else {
            return self.error(tag, EBADF);
        };
        if newfid != fid && self.file(newfid).is_some() {
            return self.error(tag, EBADF);
        }
        if newfid as usize >= MAX_FIDS {
            return self.error(tag, EMFILE);
        }
        let names = names.as_slice();
        let mut qids = [Qid::default(); codec::MAX_WALK];
        let mut walked = 0;
        for name in names {
            match file.walk(name) {
                Ok(next) => {
                    file = next;
                    qids[walked] = next.qid();
                    walked += 1;
                }
                // Failing at the first name is an error; later, a shorter
                // walk that makes no new fid.
                Err(errno) if walked == 0 => return self.error(tag, errno),
                Err(_) => break,
            }
        }
        if walked == names.len() {
            // In range: checked above.
            let _ = self.set(newfid, file);
        }
        let mut w = self.reply(kind::TWALK + 1, tag)?;
        w.u16(walked as u16)?;
        for qid in &qids[..walked] {
            w.qid(qid)?;
        }
        self.used += w.finish();
        Ok(())
    }

    fn getattr(&mut self, tag: u16, file: File) -> core::result::Result<(), Overflow> {
        let (mode, nlink) = match file {
            File::Root => (0o040755, 2),
            _ => (0o100444, 1),
        };
        let size = file.size();
        let mut w = self.reply(kind::TGETATTR + 1, tag)?;
        w.u64(GETATTR_BASIC)?;
        w.qid(&file.qid())?;
        w.u32(mode)?;
        w.u32(0)?; // uid
        w.u32(0)?; // gid
        w.u64(nlink)?;
        w.u64(0)?; // rdev
        w.u64(size)?;
        w.u64(BLOCK as u64)?; // blksize
        w.u64(size / 512)?; // blocks
        for _ in 0..3 {
            // atime, mtime, ctime
            w.u64(MTIME)?;
            w.u64(0)?;
        }
        for _ in 0..4 {
            // btime (seconds, nanoseconds), gen, data_version
            w.u64(0)?;
        }
        self.used += w.finish();
        Ok(())
    }

    fn statfs(&mut self, tag: u16) -> core::result::Result<(), Overflow> {
        let mut w = self.reply(kind::TSTATFS + 1, tag)?;
        w.u32(V9FS_MAGIC)?;
        w.u32(BLOCK as u32)?; // bsize
        w.u64(BIG_SIZE / BLOCK as u64 + 2)?; // blocks
        w.u64(0)?; // bfree
        w.u64(0)?; // bavail
        w.u64(3)?; // files
        w.u64(0)?; // ffree
        w.u64(0)?; // fsid
        w.u32(255)?; // namelen
        self.used += w.finish();
        Ok(())
    }

    /// Rread: what there is of `count` bytes at `offset`, within the msize.
    fn read(
        &mut self,
        tag: u16,
        file: File,
        offset: u64,
        count: u32,
    ) -> core::result::Result<(), Overflow> {
        let max = count.min(self.msize - RREAD_HEADER as u32) as u64;
        let n = file.size().saturating_sub(offset).min(max);
        let mut w = self.reply(kind::TREAD + 1, tag)?;
        w.u32(n as u32)?;
        fill(w.reserve(n as usize)?, offset);
        self.used += w.finish();
        Ok(())
    }
}

/// Fills `data` with the files' content from `offset` on: each block is
/// the static page with its offset as its first 8 bytes.
fn fill(data: &mut [u8], offset: u64) {
    let mut done = 0;
    while done < data.len() {
        let pos = offset + done as u64;
        let block = pos & !(BLOCK as u64 - 1);
        let lo = (pos - block) as usize;
        let len = (BLOCK - lo).min(data.len() - done);
        let chunk = &mut data[done..done + len];
        chunk.copy_from_slice(&PAGE[lo..lo + len]);
        if lo < 8 {
            let tag = block.to_le_bytes();
            let end = (lo + len).min(8);
            chunk[..end - lo].copy_from_slice(&tag[lo..end]);
        }
        done += len;
    }
}

struct RustNull9p {
    // Dropping the handle on unload stops the executor: the accept loop and
    // every connection task are dropped, closing their sockets.
    _executor: AutoStopHandle,
}

impl kernel::Module for RustNull9p {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let address = glue_params::param_str("address", rust_null9p_param_address())?;
        let listen = glue_params::listen_addr(address, rust_null9p_param_port())?;
        let allow = glue_params::param_str("allow", rust_null9p_param_allow())?;
        let allow = glue_params::allow_list(allow)?;
        let handle = AutoStopHandle::new(c_str!("rust_null9p"))?;
        let listener = TcpListener::bind(listen, BACKLOG).inspect_err(|e| {
            pr_err!("cannot listen on {}: error {}\n", listen, e.to_errno());
        })?;
        let executor = handle.executor().clone();
        handle
            .executor()
            .spawn(accept_loop(executor, listener, allow))?;
        pr_info!("null 9P peer on {}\n", listen);
        Ok(Self { _executor: handle })
    }
}

/// Accepts connections, one task each, until the module is unloaded or the
/// listener breaks.
async fn accept_loop(executor: Executor, mut listener: TcpListener, allow: AllowList) {
    loop {
        match listener.accept_next().await {
            Ok(stream) => {
                if stream.peer_addr().is_ok_and(|peer| allow.allows(peer.ip)) {
                    // Out of memory or stopping: dropping the stream closes it.
                    let _ = executor.spawn(serve(stream));
                }
            }
            Err(e) => {
                pr_err!("no longer accepting connections: error {}\n", e.to_errno());
                return;
            }
        }
    }
}

/// Serves one connection until the client closes it or breaks the protocol.
async fn serve(mut stream: TcpStream) {
    if let Err(Close::Malformed) = session(&mut stream).await {
        pr_info!("closing a connection that sent a malformed frame\n");
    }
    // Dropping `stream` closes the connection.
}

/// Reads frames, answers every complete one inline and sends the replies
/// of each read's frames with one write.
async fn session(stream: &mut TcpStream) -> core::result::Result<(), Close> {
    let mut session = Session::new()?;
    let mut buf = KVVec::from_elem(0u8, FIRST_BUFFER, GFP_KERNEL)?;
    let (mut start, mut end) = (0, 0);
    let mut frames = 0u32;
    loop {
        while let Some(len) = codec::frame(&buf[start..end], session.msize)? {
            let frame = &buf[start..start + len];
            let header = codec::header(frame)?;
            let req = match header.kind {
                kind::TVERSION => None,
                k => codec::decode(k, header.body)?,
            };
            let bound = match header.kind {
                kind::TVERSION => SMALL_REPLY,
                _ => session.reply_bound(&req),
            };
            if session.used + bound > session.out.len() {
                stream.write_all(&session.out[..session.used]).await?;
                session.used = 0;
            }
            match header.kind {
                kind::TVERSION => session.version(header.tag, header.body)?,
                _ => session.answer(header.tag, req)?,
            }
            start += len;
            frames += 1;
        }
        if session.used > 0 {
            stream.write_all(&session.out[..session.used]).await?;
            session.used = 0;
        }
        if frames >= FRAMES_PER_TURN {
            frames = 0;
            yield_now().await;
        }
        // Keep the partial frame at the front, with room for all of it.
        if start > 0 {
            buf.copy_within(start..end, 0);
            end -= start;
            start = 0;
        }
        if end >= 4 {
            // At most the msize: `codec::frame` checked it.
            let size = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
            if size > buf.len() {
                buf.extend_with(size - buf.len(), 0, GFP_KERNEL)?;
            }
        }
        let n = stream.read(&mut buf[end..]).await?;
        if n == 0 {
            return Ok(());
        }
        end += n;
    }
}
