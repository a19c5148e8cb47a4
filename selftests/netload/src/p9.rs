// SPDX-License-Identifier: GPL-2.0

//! A minimal 9P2000.L client: building messages, reading replies, a
//! connection whose every socket operation has a timeout.

use std::fmt;
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::fd::FromRawFd;
use std::time::Duration;

/// Message types (9P2000.L).
pub const RLERROR: u8 = 7;
pub const TSTATFS: u8 = 8;
pub const TLOPEN: u8 = 12;
pub const TLCREATE: u8 = 14;
pub const TSYMLINK: u8 = 16;
pub const TMKNOD: u8 = 18;
pub const TRENAME: u8 = 20;
pub const TREADLINK: u8 = 22;
pub const TGETATTR: u8 = 24;
pub const TSETATTR: u8 = 26;
pub const TXATTRWALK: u8 = 30;
pub const TXATTRCREATE: u8 = 32;
pub const TREADDIR: u8 = 40;
pub const TFSYNC: u8 = 50;
pub const TLOCK: u8 = 52;
pub const TGETLOCK: u8 = 54;
pub const TLINK: u8 = 70;
pub const TMKDIR: u8 = 72;
pub const TRENAMEAT: u8 = 74;
pub const TUNLINKAT: u8 = 76;
pub const TVERSION: u8 = 100;
pub const TAUTH: u8 = 102;
pub const TATTACH: u8 = 104;
pub const TFLUSH: u8 = 108;
pub const TWALK: u8 = 110;
pub const TREAD: u8 = 116;
pub const TWRITE: u8 = 118;
pub const TCLUNK: u8 = 120;
pub const TREMOVE: u8 = 122;

pub const NOTAG: u16 = 0xffff;
/// A walk of no names (a clone).
pub const NO_NAMES: [&str; 0] = [];
pub const NOFID: u32 = 0xffff_ffff;
/// size[4] type[1] tag[2] count[4]: what an Rread adds to its data.
pub const RREAD_HEADER: u32 = 11;
/// The n_uname of "nobody", whom every test attaches as.
const NOBODY: u32 = 65534;

/// A request being built: size[4] type[1] tag[2] body.
pub struct Msg(Vec<u8>);

impl Msg {
    pub fn new(kind: u8, tag: u16) -> Msg {
        let mut bytes = vec![0; 4];
        bytes.push(kind);
        bytes.extend(tag.to_le_bytes());
        Msg(bytes)
    }

    pub fn u8(mut self, value: u8) -> Msg {
        self.0.push(value);
        self
    }

    /// The message's type.
    pub fn kind(&self) -> u8 {
        self.0[4]
    }

    pub fn u16(mut self, value: u16) -> Msg {
        self.0.extend(value.to_le_bytes());
        self
    }

    pub fn u32(mut self, value: u32) -> Msg {
        self.0.extend(value.to_le_bytes());
        self
    }

    pub fn u64(mut self, value: u64) -> Msg {
        self.0.extend(value.to_le_bytes());
        self
    }

    /// A string: len[2] then the bytes.
    pub fn str(self, text: impl AsRef<[u8]>) -> Msg {
        let text = text.as_ref();
        self.u16(text.len() as u16).raw(text)
    }

    /// Bytes as they are, with no length.
    pub fn raw(mut self, bytes: &[u8]) -> Msg {
        self.0.extend(bytes);
        self
    }

    /// The finished message, its size field set to its length.
    pub fn bytes(self) -> Vec<u8> {
        let size = self.0.len() as u32;
        self.with_size(size)
    }

    /// The finished message with a size field that may lie.
    pub fn with_size(mut self, size: u32) -> Vec<u8> {
        self.0[..4].copy_from_slice(&size.to_le_bytes());
        self.0
    }
}

pub fn tversion(msize: u32, version: &str) -> Msg {
    Msg::new(TVERSION, NOTAG).u32(msize).str(version)
}

/// Tattach as "nobody" with no authentication.
pub fn tattach(tag: u16, fid: u32, aname: &str) -> Msg {
    Msg::new(TATTACH, tag)
        .u32(fid)
        .u32(NOFID)
        .str("nobody")
        .str(aname)
        .u32(NOBODY)
}

pub fn twalk<S: AsRef<[u8]>>(tag: u16, fid: u32, newfid: u32, names: &[S]) -> Msg {
    let msg = Msg::new(TWALK, tag)
        .u32(fid)
        .u32(newfid)
        .u16(names.len() as u16);
    names.iter().fold(msg, |msg, name| msg.str(name))
}

pub fn tlopen(tag: u16, fid: u32, flags: u32) -> Msg {
    Msg::new(TLOPEN, tag).u32(fid).u32(flags)
}

pub fn tread(tag: u16, fid: u32, offset: u64, count: u32) -> Msg {
    Msg::new(TREAD, tag).u32(fid).u64(offset).u32(count)
}

pub fn tflush(tag: u16, oldtag: u16) -> Msg {
    Msg::new(TFLUSH, tag).u16(oldtag)
}

pub fn tclunk(tag: u16, fid: u32) -> Msg {
    Msg::new(TCLUNK, tag).u32(fid)
}

/// A reply, read field by field from the front of its body.
pub struct Reply {
    pub size: u32,
    pub kind: u8,
    pub tag: u16,
    body: Vec<u8>,
    pos: usize,
}

impl Reply {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], String> {
        Ok(self.bytes(N)?.try_into().expect("N bytes"))
    }

    pub fn u16(&mut self) -> Result<u16, String> {
        self.take().map(u16::from_le_bytes)
    }

    pub fn u32(&mut self) -> Result<u32, String> {
        self.take().map(u32::from_le_bytes)
    }

    pub fn u64(&mut self) -> Result<u64, String> {
        self.take().map(u64::from_le_bytes)
    }

    /// A qid's path, which names a file; its type[1] and version[4] are
    /// skipped.
    pub fn qid_path(&mut self) -> Result<u64, String> {
        self.bytes(5)?;
        self.u64()
    }

    /// Rwalk's nwqid[2] and the qids' paths.
    pub fn qid_paths(&mut self) -> Result<Vec<u64>, String> {
        let count = self.u16()?;
        (0..count).map(|_| self.qid_path()).collect()
    }

    pub fn str(&mut self) -> Result<Vec<u8>, String> {
        let len = self.u16()? as usize;
        Ok(self.bytes(len)?.to_vec())
    }

    pub fn bytes(&mut self, len: usize) -> Result<&[u8], String> {
        let end = self.pos + len;
        let bytes = self.body.get(self.pos..end).ok_or_else(|| {
            format!(
                "reply type {} ends before byte {end} of its body",
                self.kind
            )
        })?;
        self.pos = end;
        Ok(bytes)
    }

    /// Rread's or Rreaddir's count[4] and data, which must fill the reply.
    pub fn data(&mut self) -> Result<&[u8], String> {
        let count = self.u32()?;
        if self.size.checked_sub(RREAD_HEADER) != Some(count) {
            return Err(format!("reply of {} bytes says count {count}", self.size));
        }
        self.bytes(count as usize)
    }

    /// The errno of an Rlerror.
    pub fn errno(&self) -> Option<u32> {
        let bytes = self.body.get(..4)?;
        (self.kind == RLERROR).then(|| u32::from_le_bytes(bytes.try_into().expect("4 bytes")))
    }
}

/// Says what an errno means, e.g. "errno 30 (Read-only file system)".
pub fn describe_errno(errno: u32) -> String {
    let text = std::io::Error::from_raw_os_error(errno as i32).to_string();
    let text = text.split(" (os error").next().unwrap_or_default();
    format!("errno {errno} ({text})")
}

/// Says what a reply is, e.g. "Rlerror errno 2 (...)" or "Rwalk with 1 qids".
pub fn describe(reply: &Reply) -> String {
    match (reply.errno(), reply.body.get(..2)) {
        (Some(errno), _) => format!("Rlerror {}", describe_errno(errno)),
        (None, Some(&[low, high])) if reply.kind == TWALK + 1 => {
            format!("Rwalk with {} qids", u16::from_le_bytes([low, high]))
        }
        _ => format!("reply type {}", reply.kind),
    }
}

/// `reply` if it answers a request of type `kind` (is of type `kind` + 1).
pub fn want_kind(reply: Reply, kind: u8) -> Result<Reply, String> {
    if reply.kind != kind + 1 {
        return Err(format!("{} to type {kind}", describe(&reply)));
    }
    Ok(reply)
}

/// Why a connection gave no reply.
#[derive(Debug)]
pub enum ConnError {
    /// The server ended the connection (EOF or reset).
    Closed(String),
    /// Nothing happened within the timeout.
    Timeout,
    /// Anything else, e.g. a malformed reply.
    Other(String),
}

impl fmt::Display for ConnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnError::Closed(how) => write!(f, "connection closed ({how})"),
            ConnError::Timeout => write!(f, "no answer within the timeout"),
            ConnError::Other(what) => f.write_str(what),
        }
    }
}

impl From<ConnError> for String {
    fn from(e: ConnError) -> String {
        e.to_string()
    }
}

impl From<std::io::Error> for ConnError {
    fn from(e: std::io::Error) -> ConnError {
        match e.kind() {
            ErrorKind::UnexpectedEof => ConnError::Closed("EOF".into()),
            ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => {
                ConnError::Closed(e.to_string())
            }
            ErrorKind::WouldBlock | ErrorKind::TimedOut => ConnError::Timeout,
            _ => ConnError::Other(e.to_string()),
        }
    }
}

/// `struct sockaddr_in`.
#[repr(C)]
struct SockaddrIn {
    family: u16,
    port: [u8; 2],
    addr: [u8; 4],
    zero: [u8; 8],
}

extern "C" {
    fn socket(domain: i32, kind: i32, protocol: i32) -> i32;
    fn bind(fd: i32, addr: *const SockaddrIn, len: u32) -> i32;
    fn connect(fd: i32, addr: *const SockaddrIn, len: u32) -> i32;
    fn close(fd: i32) -> i32;
}

/// A TCP connection to the IPv4 `addr` from the local address `source`
/// (std has no way to bind before connecting).
fn connect_from(addr: &SocketAddr, source: Ipv4Addr) -> std::io::Result<TcpStream> {
    const AF_INET: i32 = 2;
    const SOCK_STREAM_CLOEXEC: i32 = 1 | 0o2000000;
    let SocketAddr::V4(target) = addr else {
        return Err(std::io::Error::other("connect_from: IPv4 only"));
    };
    let sockaddr = |ip: Ipv4Addr, port: u16| SockaddrIn {
        family: AF_INET as u16,
        port: port.to_be_bytes(),
        addr: ip.octets(),
        zero: [0; 8],
    };
    let (from, to) = (sockaddr(source, 0), sockaddr(*target.ip(), target.port()));
    let len = std::mem::size_of::<SockaddrIn>() as u32;
    // SAFETY: plain system calls on a descriptor this function owns, with
    // pointers to live, correctly sized `sockaddr_in`s.
    unsafe {
        let fd = socket(AF_INET, SOCK_STREAM_CLOEXEC, 0);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        if bind(fd, &from, len) < 0 || connect(fd, &to, len) < 0 {
            let e = std::io::Error::last_os_error();
            close(fd);
            return Err(e);
        }
        Ok(TcpStream::from_raw_fd(fd))
    }
}

/// One connection to the server.
pub struct Conn {
    stream: TcpStream,
    /// The negotiated msize; no reply may be bigger.
    pub msize: u32,
}

impl Conn {
    pub fn connect(addr: &SocketAddr, timeout: Duration) -> Result<Conn, ConnError> {
        Conn::with_stream(TcpStream::connect_timeout(addr, timeout)?, timeout)
    }

    /// Connects from the local IPv4 address `source` (any of 127.0.0.0/8
    /// works on loopback), to look like another client.
    pub fn connect_from(
        addr: &SocketAddr,
        source: Ipv4Addr,
        timeout: Duration,
    ) -> Result<Conn, ConnError> {
        Conn::with_stream(connect_from(addr, source)?, timeout)
    }

    fn with_stream(stream: TcpStream, timeout: Duration) -> Result<Conn, ConnError> {
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        Ok(Conn {
            stream,
            msize: u32::MAX,
        })
    }

    /// The local port of the connection, which names it in the server's
    /// clients file.
    pub fn local_port(&self) -> Option<u16> {
        self.stream.local_addr().ok().map(|a| a.port())
    }

    /// Another handle to the socket, e.g. for a writer thread.
    pub fn writer(&self) -> Result<TcpStream, ConnError> {
        Ok(self.stream.try_clone()?)
    }

    pub fn send(&mut self, bytes: &[u8]) -> Result<(), ConnError> {
        Ok(self.stream.write_all(bytes)?)
    }

    /// Reads one reply; one bigger than msize is an error.
    pub fn recv(&mut self) -> Result<Reply, ConnError> {
        let mut header = [0u8; 7];
        self.stream.read_exact(&mut header)?;
        let size = u32::from_le_bytes(header[..4].try_into().expect("4 bytes"));
        if size < 7 || size > self.msize || size > 1 << 30 {
            return Err(ConnError::Other(format!(
                "reply size {size} (msize {})",
                self.msize
            )));
        }
        let mut body = vec![0; size as usize - 7];
        self.stream.read_exact(&mut body)?;
        Ok(Reply {
            size,
            kind: header[4],
            tag: u16::from_le_bytes([header[5], header[6]]),
            body,
            pos: 0,
        })
    }

    /// Reads one reply if one comes within `wait`; `Ok(None)` if none did
    /// (what was read of a reply by then is lost: end the session).
    pub fn recv_within(&mut self, wait: Duration) -> Result<Option<Reply>, ConnError> {
        let old = self.stream.read_timeout()?;
        self.stream.set_read_timeout(Some(wait))?;
        let reply = self.recv();
        self.stream.set_read_timeout(old)?;
        match reply {
            Ok(reply) => Ok(Some(reply)),
            Err(ConnError::Timeout) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Sends `msg` and reads its reply, which must carry the same tag.
    pub fn call(&mut self, msg: Msg) -> Result<Reply, ConnError> {
        let bytes = msg.bytes();
        let tag = u16::from_le_bytes([bytes[5], bytes[6]]);
        self.send(&bytes)?;
        let reply = self.recv()?;
        if reply.tag != tag {
            return Err(ConnError::Other(format!(
                "reply tag {} to request tag {tag}",
                reply.tag
            )));
        }
        Ok(reply)
    }

    /// Like `call`, but anything other than the matching R-message (request
    /// type + 1) is an error.
    pub fn call_ok(&mut self, msg: Msg) -> Result<Reply, String> {
        let kind = msg.0[4];
        want_kind(self.call(msg)?, kind)
    }

    /// Tversion; returns the server's msize and version string.
    pub fn version(&mut self, msize: u32, version: &str) -> Result<(u32, Vec<u8>), String> {
        let mut reply = self.call_ok(tversion(msize, version))?;
        Ok((reply.u32()?, reply.str()?))
    }

    /// Tversion "9P2000.L" then Tattach fid 0; returns the root's qid path.
    pub fn session(&mut self, msize: u32, aname: &str) -> Result<u64, String> {
        let (msize, version) = self.version(msize, "9P2000.L")?;
        if version != b"9P2000.L" {
            return Err(format!("Rversion {:?}", String::from_utf8_lossy(&version)));
        }
        self.msize = msize;
        self.call_ok(tattach(1, 0, aname))?.qid_path()
    }

    /// Twalk; returns the qid paths (fewer than names if the walk stopped).
    pub fn walk<S: AsRef<[u8]>>(
        &mut self,
        fid: u32,
        newfid: u32,
        names: &[S],
    ) -> Result<Vec<u64>, String> {
        self.call_ok(twalk(1, fid, newfid, names))?.qid_paths()
    }

    /// Walks `newfid` to `path` (names split at '/') and opens it.
    pub fn open(&mut self, fid: u32, newfid: u32, path: &str, flags: u32) -> Result<(), String> {
        let names: Vec<&str> = path.split('/').collect();
        let qids = self.walk(fid, newfid, &names)?;
        if qids.len() != names.len() {
            return Err(format!("walk to {path} stopped after {} names", qids.len()));
        }
        self.call_ok(tlopen(1, newfid, flags))?;
        Ok(())
    }

    /// Treads up to `count` bytes; returns the data.
    pub fn read(&mut self, fid: u32, offset: u64, count: u32) -> Result<Vec<u8>, String> {
        Ok(self.call_ok(tread(1, fid, offset, count))?.data()?.to_vec())
    }

    pub fn clunk(&mut self, fid: u32) -> Result<(), String> {
        self.call_ok(tclunk(1, fid)).map(drop)
    }
}
