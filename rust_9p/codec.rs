// SPDX-License-Identifier: GPL-2.0

//! The 9P2000.L wire format: decoding requests from, and encoding replies
//! into, byte slices.
//!
//! Pure logic against `core` only; `host/` runs the tests. Every length read
//! from the wire is checked against the bytes actually there, so a PDU can
//! never make the decoder read out of bounds or allocate; every encoder
//! checks the room left, so a reply never exceeds its buffer (and so the
//! negotiated msize, which sizes the buffer).

/// Bytes of the header: `size[4] type[1] tag[2]`.
pub(crate) const HEADER: usize = 7;
/// The tag of Tversion (which the server answers whatever its tag).
#[cfg(test)]
pub(crate) const NOTAG: u16 = 0xffff;
/// "No fid" (Tattach's afid when not authenticating).
pub(crate) const NOFID: u32 = 0xffff_ffff;
/// Most names in one Twalk.
pub(crate) const MAX_WALK: usize = 16;

/// Message types (request codes; the reply is the request + 1).
pub(crate) mod kind {
    pub(crate) const RLERROR: u8 = 7;
    pub(crate) const TSTATFS: u8 = 8;
    pub(crate) const TLOPEN: u8 = 12;
    pub(crate) const TLCREATE: u8 = 14;
    pub(crate) const TSYMLINK: u8 = 16;
    pub(crate) const TMKNOD: u8 = 18;
    pub(crate) const TRENAME: u8 = 20;
    pub(crate) const TREADLINK: u8 = 22;
    pub(crate) const TGETATTR: u8 = 24;
    pub(crate) const TSETATTR: u8 = 26;
    pub(crate) const TXATTRWALK: u8 = 30;
    pub(crate) const TXATTRCREATE: u8 = 32;
    pub(crate) const TREADDIR: u8 = 40;
    pub(crate) const TFSYNC: u8 = 50;
    pub(crate) const TLOCK: u8 = 52;
    pub(crate) const TGETLOCK: u8 = 54;
    pub(crate) const TLINK: u8 = 70;
    pub(crate) const TMKDIR: u8 = 72;
    pub(crate) const TRENAMEAT: u8 = 74;
    pub(crate) const TUNLINKAT: u8 = 76;
    pub(crate) const TVERSION: u8 = 100;
    pub(crate) const TAUTH: u8 = 102;
    pub(crate) const TATTACH: u8 = 104;
    pub(crate) const TFLUSH: u8 = 108;
    pub(crate) const TWALK: u8 = 110;
    pub(crate) const TREAD: u8 = 116;
    pub(crate) const TWRITE: u8 = 118;
    pub(crate) const TCLUNK: u8 = 120;
    pub(crate) const TREMOVE: u8 = 122;

    /// The name of request type `kind`, as the counters show it.
    pub(crate) fn name(kind: u8) -> Option<&'static str> {
        Some(match kind {
            TSTATFS => "statfs",
            TLOPEN => "lopen",
            TLCREATE => "lcreate",
            TSYMLINK => "symlink",
            TMKNOD => "mknod",
            TRENAME => "rename",
            TREADLINK => "readlink",
            TGETATTR => "getattr",
            TSETATTR => "setattr",
            TXATTRWALK => "xattrwalk",
            TXATTRCREATE => "xattrcreate",
            TREADDIR => "readdir",
            TFSYNC => "fsync",
            TLOCK => "lock",
            TGETLOCK => "getlock",
            TLINK => "link",
            TMKDIR => "mkdir",
            TRENAMEAT => "renameat",
            TUNLINKAT => "unlinkat",
            TVERSION => "version",
            TAUTH => "auth",
            TATTACH => "attach",
            TFLUSH => "flush",
            TWALK => "walk",
            TREAD => "read",
            TWRITE => "write",
            TCLUNK => "clunk",
            TREMOVE => "remove",
            _ => return None,
        })
    }
}

/// Why a PDU could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// A field or string runs past the end of the message.
    Truncated,
    /// The size field is below the header or above the limit.
    BadSize,
    /// More than [`MAX_WALK`] names in a Twalk.
    TooManyNames,
    /// Bytes left over after the last field.
    TrailingBytes,
}

/// The reply does not fit its buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Overflow;

/// A qid: the server's identity of a file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Qid {
    /// 0x80 directory, 0x02 symlink, 0 file.
    pub(crate) kind: u8,
    /// Version (0: not tracked).
    pub(crate) version: u32,
    /// Unique across the export.
    pub(crate) path: u64,
}

/// Bytes of a qid on the wire.
pub(crate) const QID_SIZE: usize = 13;

/// The frame at the start of `buf`: `Ok(Some(len))` once `len` bytes of a
/// message whose size field is valid (at least a header, at most `msize`)
/// are there, `Ok(None)` while more bytes are needed.
pub(crate) fn frame(buf: &[u8], msize: u32) -> Result<Option<usize>, DecodeError> {
    let Some(size) = buf.get(..4) else {
        return Ok(None);
    };
    let size = u32::from_le_bytes([size[0], size[1], size[2], size[3]]);
    if (size as usize) < HEADER || size > msize {
        return Err(DecodeError::BadSize);
    }
    Ok((buf.len() >= size as usize).then_some(size as usize))
}

/// A cursor over a received message.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Reads from `buf`.
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.buf.len() < n {
            return Err(DecodeError::Truncated);
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, DecodeError> {
        let b = self.take(8)?;
        let mut le = [0u8; 8];
        le.copy_from_slice(b);
        Ok(u64::from_le_bytes(le))
    }

    /// A string: `len[2]` and that many bytes (not necessarily UTF-8).
    pub(crate) fn string(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = self.u16()?;
        self.take(len.into())
    }

    /// Fails unless every byte was consumed.
    pub(crate) fn finish(self) -> Result<(), DecodeError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes)
        }
    }
}

/// The names of a Twalk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WalkNames<'a> {
    names: [&'a [u8]; MAX_WALK],
    len: usize,
}

impl<'a> WalkNames<'a> {
    /// The names, in order.
    pub(crate) fn as_slice(&self) -> &[&'a [u8]] {
        &self.names[..self.len]
    }
}

/// A decoded request (the tag travels beside it).
///
/// Twalk's 16 name slots make it large; a request is decoded once, on the
/// stack, so boxing them would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Request<'a> {
    Auth {
        afid: u32,
        uname: &'a [u8],
        aname: &'a [u8],
        n_uname: u32,
    },
    Attach {
        fid: u32,
        afid: u32,
        uname: &'a [u8],
        aname: &'a [u8],
        n_uname: u32,
    },
    Flush {
        oldtag: u16,
    },
    Walk {
        fid: u32,
        newfid: u32,
        names: WalkNames<'a>,
    },
    Lopen {
        fid: u32,
        flags: u32,
    },
    Read {
        fid: u32,
        offset: u64,
        count: u32,
    },
    Readdir {
        fid: u32,
        offset: u64,
        count: u32,
    },
    Getattr {
        fid: u32,
        mask: u64,
    },
    Readlink {
        fid: u32,
    },
    Statfs {
        fid: u32,
    },
    Clunk {
        fid: u32,
    },
    Xattrwalk {
        fid: u32,
        newfid: u32,
        name: &'a [u8],
    },
    Lcreate {
        fid: u32,
        name: &'a [u8],
        flags: u32,
        mode: u32,
        gid: u32,
    },
    Symlink {
        dfid: u32,
        name: &'a [u8],
        target: &'a [u8],
        gid: u32,
    },
    Mknod {
        dfid: u32,
        name: &'a [u8],
        mode: u32,
        major: u32,
        minor: u32,
        gid: u32,
    },
    Mkdir {
        dfid: u32,
        name: &'a [u8],
        mode: u32,
        gid: u32,
    },
    Rename {
        fid: u32,
        dfid: u32,
        name: &'a [u8],
    },
    Renameat {
        olddfid: u32,
        oldname: &'a [u8],
        newdfid: u32,
        newname: &'a [u8],
    },
    Unlinkat {
        dfid: u32,
        name: &'a [u8],
        flags: u32,
    },
    Link {
        dfid: u32,
        fid: u32,
        name: &'a [u8],
    },
    Setattr {
        fid: u32,
        attr: SetAttr,
    },
    Xattrcreate {
        fid: u32,
        name: &'a [u8],
        size: u64,
        flags: u32,
    },
    Fsync {
        fid: u32,
        datasync: u32,
    },
    Lock {
        fid: u32,
        lock: Flock<'a>,
        flags: u32,
    },
    Getlock {
        fid: u32,
        lock: Flock<'a>,
    },
    Write {
        fid: u32,
        offset: u64,
        data: &'a [u8],
    },
    Remove {
        fid: u32,
    },
}

/// The fields of Tsetattr: which to set (`valid`, `P9_ATTR_*`) and their
/// values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SetAttr {
    pub(crate) valid: u32,
    pub(crate) mode: u32,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) size: u64,
    pub(crate) atime: (u64, u64),
    pub(crate) mtime: (u64, u64),
}

/// A byte-range lock of Tlock and Tgetlock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Flock<'a> {
    pub(crate) kind: u8,
    pub(crate) start: u64,
    pub(crate) length: u64,
    pub(crate) proc_id: u32,
    pub(crate) client_id: &'a [u8],
}

/// A message's header and the rest of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header<'a> {
    pub(crate) kind: u8,
    pub(crate) tag: u16,
    pub(crate) body: &'a [u8],
}

/// Splits a whole frame (as [`frame`] measured it) into header and body.
pub(crate) fn header(msg: &[u8]) -> Result<Header<'_>, DecodeError> {
    let mut r = Reader::new(msg);
    let size = r.u32()? as usize;
    if size != msg.len() {
        return Err(DecodeError::BadSize);
    }
    let kind = r.u8()?;
    let tag = r.u16()?;
    Ok(Header {
        kind,
        tag,
        body: r.buf,
    })
}

/// Decodes the body of Tversion: the client's msize and version string.
/// (Tversion resets the session, so the connection's reader answers it
/// before any other request is decoded.)
pub(crate) fn decode_version(body: &[u8]) -> Result<(u32, &[u8]), DecodeError> {
    let mut r = Reader::new(body);
    let (msize, version) = (r.u32()?, r.string()?);
    r.finish()?;
    Ok((msize, version))
}

/// Decodes the body of a request of type `kind` other than Tversion;
/// `Ok(None)` for a type this server does not know (answered with
/// EOPNOTSUPP).
pub(crate) fn decode(kind: u8, body: &[u8]) -> Result<Option<Request<'_>>, DecodeError> {
    use kind::*;
    let mut r = Reader::new(body);
    let req = match kind {
        TAUTH => Request::Auth {
            afid: r.u32()?,
            uname: r.string()?,
            aname: r.string()?,
            n_uname: r.u32()?,
        },
        TATTACH => Request::Attach {
            fid: r.u32()?,
            afid: r.u32()?,
            uname: r.string()?,
            aname: r.string()?,
            n_uname: r.u32()?,
        },
        TFLUSH => Request::Flush { oldtag: r.u16()? },
        TWALK => {
            let fid = r.u32()?;
            let newfid = r.u32()?;
            let count = r.u16()? as usize;
            if count > MAX_WALK {
                return Err(DecodeError::TooManyNames);
            }
            let mut names = WalkNames {
                names: [&[]; MAX_WALK],
                len: count,
            };
            for name in names.names.iter_mut().take(count) {
                *name = r.string()?;
            }
            Request::Walk { fid, newfid, names }
        }
        TLOPEN => Request::Lopen {
            fid: r.u32()?,
            flags: r.u32()?,
        },
        TREAD | TREADDIR => {
            let (fid, offset, count) = (r.u32()?, r.u64()?, r.u32()?);
            if kind == TREAD {
                Request::Read { fid, offset, count }
            } else {
                Request::Readdir { fid, offset, count }
            }
        }
        TGETATTR => Request::Getattr {
            fid: r.u32()?,
            mask: r.u64()?,
        },
        TREADLINK => Request::Readlink { fid: r.u32()? },
        TSTATFS => Request::Statfs { fid: r.u32()? },
        TCLUNK => Request::Clunk { fid: r.u32()? },
        TXATTRWALK => Request::Xattrwalk {
            fid: r.u32()?,
            newfid: r.u32()?,
            name: r.string()?,
        },
        TLCREATE => Request::Lcreate {
            fid: r.u32()?,
            name: r.string()?,
            flags: r.u32()?,
            mode: r.u32()?,
            gid: r.u32()?,
        },
        TSYMLINK => Request::Symlink {
            dfid: r.u32()?,
            name: r.string()?,
            target: r.string()?,
            gid: r.u32()?,
        },
        TMKNOD => Request::Mknod {
            dfid: r.u32()?,
            name: r.string()?,
            mode: r.u32()?,
            major: r.u32()?,
            minor: r.u32()?,
            gid: r.u32()?,
        },
        TMKDIR => Request::Mkdir {
            dfid: r.u32()?,
            name: r.string()?,
            mode: r.u32()?,
            gid: r.u32()?,
        },
        TRENAME => Request::Rename {
            fid: r.u32()?,
            dfid: r.u32()?,
            name: r.string()?,
        },
        TRENAMEAT => Request::Renameat {
            olddfid: r.u32()?,
            oldname: r.string()?,
            newdfid: r.u32()?,
            newname: r.string()?,
        },
        TUNLINKAT => Request::Unlinkat {
            dfid: r.u32()?,
            name: r.string()?,
            flags: r.u32()?,
        },
        TLINK => Request::Link {
            dfid: r.u32()?,
            fid: r.u32()?,
            name: r.string()?,
        },
        TSETATTR => Request::Setattr {
            fid: r.u32()?,
            attr: SetAttr {
                valid: r.u32()?,
                mode: r.u32()?,
                uid: r.u32()?,
                gid: r.u32()?,
                size: r.u64()?,
                atime: (r.u64()?, r.u64()?),
                mtime: (r.u64()?, r.u64()?),
            },
        },
        TXATTRCREATE => Request::Xattrcreate {
            fid: r.u32()?,
            name: r.string()?,
            size: r.u64()?,
            flags: r.u32()?,
        },
        TFSYNC => Request::Fsync {
            fid: r.u32()?,
            datasync: r.u32()?,
        },
        TLOCK => {
            let fid = r.u32()?;
            let kind = r.u8()?;
            let flags = r.u32()?;
            let lock = Flock {
                kind,
                start: r.u64()?,
                length: r.u64()?,
                proc_id: r.u32()?,
                client_id: r.string()?,
            };
            Request::Lock { fid, lock, flags }
        }
        TGETLOCK => Request::Getlock {
            fid: r.u32()?,
            lock: Flock {
                kind: r.u8()?,
                start: r.u64()?,
                length: r.u64()?,
                proc_id: r.u32()?,
                client_id: r.string()?,
            },
        },
        TWRITE => {
            let (fid, offset, count) = (r.u32()?, r.u64()?, r.u32()?);
            Request::Write {
                fid,
                offset,
                data: r.take(count as usize)?,
            }
        }
        TREMOVE => Request::Remove { fid: r.u32()? },
        _ => return Ok(None),
    };
    r.finish()?;
    Ok(Some(req))
}

/// Builds one reply in a buffer; [`Writer::finish`] fills in the size.
pub(crate) struct Writer<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> Writer<'a> {
    /// Starts reply `kind` (the request type + 1) with `tag` in `buf`.
    pub(crate) fn new(buf: &'a mut [u8], kind: u8, tag: u16) -> Result<Self, Overflow> {
        let mut w = Self { buf, len: 0 };
        w.u32(0)?;
        w.u8(kind)?;
        w.u16(tag)?;
        Ok(w)
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> Result<(), Overflow> {
        let end = self.len.checked_add(bytes.len()).ok_or(Overflow)?;
        self.buf
            .get_mut(self.len..end)
            .ok_or(Overflow)?
            .copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }

    pub(crate) fn u8(&mut self, v: u8) -> Result<(), Overflow> {
        self.bytes(&[v])
    }

    pub(crate) fn u16(&mut self, v: u16) -> Result<(), Overflow> {
        self.bytes(&v.to_le_bytes())
    }

    pub(crate) fn u32(&mut self, v: u32) -> Result<(), Overflow> {
        self.bytes(&v.to_le_bytes())
    }

    pub(crate) fn u64(&mut self, v: u64) -> Result<(), Overflow> {
        self.bytes(&v.to_le_bytes())
    }

    /// A string; longer than 65535 bytes is an overflow.
    pub(crate) fn string(&mut self, s: &[u8]) -> Result<(), Overflow> {
        self.u16(u16::try_from(s.len()).map_err(|_| Overflow)?)?;
        self.bytes(s)
    }

    pub(crate) fn qid(&mut self, qid: &Qid) -> Result<(), Overflow> {
        self.u8(qid.kind)?;
        self.u32(qid.version)?;
        self.u64(qid.path)
    }

    /// A place for `n` bytes the caller fills in (e.g. Rread data read
    /// straight into the reply); returns it.
    pub(crate) fn reserve(&mut self, n: usize) -> Result<&mut [u8], Overflow> {
        let start = self.len;
        let end = start.checked_add(n).ok_or(Overflow)?;
        if end > self.buf.len() {
            return Err(Overflow);
        }
        self.len = end;
        Ok(&mut self.buf[start..end])
    }

    /// Gives back the unused end of the last [`Writer::reserve`].
    pub(crate) fn unreserve(&mut self, n: usize) {
        self.len -= n.min(self.len - HEADER);
    }

    /// Overwrites a `u32` written earlier at `at` (e.g. a count).
    pub(crate) fn patch_u32(&mut self, at: usize, v: u32) {
        if let Some(field) = self.buf.get_mut(at..at + 4) {
            field.copy_from_slice(&v.to_le_bytes());
        }
    }

    /// Overwrites a `u64` written earlier at `at` (e.g. a cookie).
    pub(crate) fn patch_u64(&mut self, at: usize, v: u64) {
        if let Some(field) = self.buf.get_mut(at..at + 8) {
            field.copy_from_slice(&v.to_le_bytes());
        }
    }

    /// Writes the size field; returns the reply's length.
    pub(crate) fn finish(mut self) -> usize {
        let len = self.len;
        self.patch_u32(0, len as u32);
        len
    }
}

/// Bytes before the data of Rread and Rreaddir: header and count.
pub(crate) const DATA_OFFSET: usize = HEADER + 4;

/// The first bytes of reply `kind` for `tag` whose body is `count[4]` and
/// `count` bytes of data sent after it from elsewhere (Rread from a file's
/// pages); `None` when the size does not fit its field.
pub(crate) fn data_header(kind: u8, tag: u16, count: u32) -> Option<[u8; DATA_OFFSET]> {
    let size = count.checked_add(DATA_OFFSET as u32)?;
    let mut header = [0u8; DATA_OFFSET];
    let mut w = Writer::new(&mut header, kind, tag).ok()?;
    w.u32(count).ok()?;
    w.patch_u32(0, size);
    Some(header)
}

/// Writes `Rlerror(errno)` (errno positive) for `tag` into `buf`.
pub(crate) fn rlerror(buf: &mut [u8], tag: u16, errno: u32) -> Result<usize, Overflow> {
    let mut w = Writer::new(buf, kind::RLERROR, tag)?;
    w.u32(errno)?;
    Ok(w.finish())
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    /// Builds a request frame the way a client would.
    fn request(kind: u8, tag: u16, body: impl FnOnce(&mut Writer<'_>)) -> Vec<u8> {
        let mut buf = [0u8; 8192];
        let mut w = Writer::new(&mut buf, kind, tag).unwrap();
        body(&mut w);
        let n = w.finish();
        buf[..n].to_vec()
    }

    #[test]
    fn data_header_is_an_rread_without_its_data() {
        let mut built = [0u8; 64];
        let mut w = Writer::new(&mut built, kind::TREAD + 1, 7).unwrap();
        w.u32(5).unwrap();
        w.bytes(b"hello").unwrap();
        let n = w.finish();
        let header = data_header(kind::TREAD + 1, 7, 5).unwrap();
        assert_eq!(&built[..DATA_OFFSET], &header[..]);
        assert_eq!(n, DATA_OFFSET + 5);
        assert_eq!(data_header(kind::TREAD + 1, 7, u32::MAX), None);
        assert!(data_header(kind::TREAD + 1, 7, u32::MAX - DATA_OFFSET as u32).is_some());
    }

    fn roundtrip(msg: &[u8]) -> Request<'_> {
        assert_eq!(frame(msg, 8192), Ok(Some(msg.len())));
        let h = header(msg).unwrap();
        decode(h.kind, h.body).unwrap().unwrap()
    }

    #[test]
    fn every_request_type_round_trips() {
        let m = request(kind::TVERSION, NOTAG, |w| {
            w.u32(131072).unwrap();
            w.string(b"9P2000.L").unwrap();
        });
        let h = header(&m).unwrap();
        assert_eq!(decode_version(h.body), Ok((131072, &b"9P2000.L"[..])));
        assert_eq!(decode(h.kind, h.body), Ok(None));
        let m = request(kind::TATTACH, 1, |w| {
            w.u32(0).unwrap();
            w.u32(NOFID).unwrap();
            w.string(b"root").unwrap();
            w.string(b"").unwrap();
            w.u32(0).unwrap();
        });
        assert_eq!(
            roundtrip(&m),
            Request::Attach {
                fid: 0,
                afid: NOFID,
                uname: b"root",
                aname: b"",
                n_uname: 0
            }
        );
        let m = request(kind::TAUTH, 1, |w| {
            w.u32(5).unwrap();
            w.string(b"u").unwrap();
            w.string(b"a").unwrap();
            w.u32(7).unwrap();
        });
        assert_eq!(
            roundtrip(&m),
            Request::Auth {
                afid: 5,
                uname: b"u",
                aname: b"a",
                n_uname: 7
            }
        );
        let m = request(kind::TWALK, 2, |w| {
            w.u32(0).unwrap();
            w.u32(1).unwrap();
            w.u16(2).unwrap();
            w.string(b"a").unwrap();
            w.string(b"b c").unwrap();
        });
        match roundtrip(&m) {
            Request::Walk {
                fid: 0,
                newfid: 1,
                names,
            } => {
                assert_eq!(names.as_slice(), &[&b"a"[..], &b"b c"[..]])
            }
            other => panic!("{other:?}"),
        }
        type Case = (u8, fn(&mut Writer<'_>), Request<'static>);
        let simple: [Case; 9] = [
            (
                kind::TLOPEN,
                |w| {
                    w.u32(3).unwrap();
                    w.u32(0x8000).unwrap();
                },
                Request::Lopen {
                    fid: 3,
                    flags: 0x8000,
                },
            ),
            (
                kind::TREAD,
                |w| {
                    w.u32(3).unwrap();
                    w.u64(1 << 40).unwrap();
                    w.u32(4096).unwrap();
                },
                Request::Read {
                    fid: 3,
                    offset: 1 << 40,
                    count: 4096,
                },
            ),
            (
                kind::TREADDIR,
                |w| {
                    w.u32(3).unwrap();
                    w.u64(9).unwrap();
                    w.u32(8192).unwrap();
                },
                Request::Readdir {
                    fid: 3,
                    offset: 9,
                    count: 8192,
                },
            ),
            (
                kind::TGETATTR,
                |w| {
                    w.u32(3).unwrap();
                    w.u64(0x3fff).unwrap();
                },
                Request::Getattr {
                    fid: 3,
                    mask: 0x3fff,
                },
            ),
            (
                kind::TREADLINK,
                |w| w.u32(4).unwrap(),
                Request::Readlink { fid: 4 },
            ),
            (
                kind::TSTATFS,
                |w| w.u32(4).unwrap(),
                Request::Statfs { fid: 4 },
            ),
            (
                kind::TCLUNK,
                |w| w.u32(4).unwrap(),
                Request::Clunk { fid: 4 },
            ),
            (
                kind::TFLUSH,
                |w| w.u16(9).unwrap(),
                Request::Flush { oldtag: 9 },
            ),
            (
                kind::TXATTRWALK,
                |w| {
                    w.u32(1).unwrap();
                    w.u32(2).unwrap();
                    w.string(b"user.x").unwrap();
                },
                Request::Xattrwalk {
                    fid: 1,
                    newfid: 2,
                    name: b"user.x",
                },
            ),
        ];
        for (kind, body, want) in simple {
            let m = request(kind, 3, body);
            assert_eq!(roundtrip(&m), want);
        }
        let m = request(kind::TWRITE, 3, |w| {
            w.u32(1).unwrap();
            w.u64(4096).unwrap();
            w.u32(5).unwrap();
            w.bytes(b"hello").unwrap();
        });
        assert_eq!(
            roundtrip(&m),
            Request::Write {
                fid: 1,
                offset: 4096,
                data: b"hello"
            }
        );
        // A count beyond the data, and data beyond the count.
        let short = request(kind::TWRITE, 3, |w| {
            w.u32(1).unwrap();
            w.u64(0).unwrap();
            w.u32(6).unwrap();
            w.bytes(b"hello").unwrap();
        });
        let h = header(&short).unwrap();
        assert_eq!(decode(h.kind, h.body), Err(DecodeError::Truncated));
        let long = request(kind::TWRITE, 3, |w| {
            w.u32(1).unwrap();
            w.u64(0).unwrap();
            w.u32(4).unwrap();
            w.bytes(b"hello").unwrap();
        });
        let h = header(&long).unwrap();
        assert_eq!(decode(h.kind, h.body), Err(DecodeError::TrailingBytes));
        let m = request(kind::TSETATTR, 3, |w| {
            for v in [7u32, 1, 0o100644, 1000, 1001] {
                w.u32(v).unwrap();
            }
            for v in [42u64, 1, 2, 3, 4] {
                w.u64(v).unwrap();
            }
        });
        assert_eq!(
            roundtrip(&m),
            Request::Setattr {
                fid: 7,
                attr: SetAttr {
                    valid: 1,
                    mode: 0o100644,
                    uid: 1000,
                    gid: 1001,
                    size: 42,
                    atime: (1, 2),
                    mtime: (3, 4),
                }
            }
        );
        let m = request(kind::TLOCK, 3, |w| {
            w.u32(2).unwrap();
            w.u8(1).unwrap();
            w.u32(1).unwrap();
            w.u64(10).unwrap();
            w.u64(0).unwrap();
            w.u32(99).unwrap();
            w.string(b"host").unwrap();
        });
        assert_eq!(
            roundtrip(&m),
            Request::Lock {
                fid: 2,
                lock: Flock {
                    kind: 1,
                    start: 10,
                    length: 0,
                    proc_id: 99,
                    client_id: b"host"
                },
                flags: 1
            }
        );
        let m = request(kind::TRENAMEAT, 3, |w| {
            w.u32(1).unwrap();
            w.string(b"a").unwrap();
            w.u32(2).unwrap();
            w.string(b"b").unwrap();
        });
        assert_eq!(
            roundtrip(&m),
            Request::Renameat {
                olddfid: 1,
                oldname: b"a",
                newdfid: 2,
                newname: b"b"
            }
        );
        let unknown = request(99, 3, |_| {});
        let h = header(&unknown).unwrap();
        assert_eq!(decode(h.kind, h.body), Ok(None));
    }

    #[test]
    fn framing() {
        assert_eq!(frame(b"", 8192), Ok(None));
        assert_eq!(frame(&[7, 0, 0], 8192), Ok(None));
        assert_eq!(frame(&[6, 0, 0, 0], 8192), Err(DecodeError::BadSize));
        // A size field of 4 GiB.
        assert_eq!(
            frame(&[0xff, 0xff, 0xff, 0xff], 8192),
            Err(DecodeError::BadSize)
        );
        assert_eq!(frame(&[0x01, 0x20, 0, 0], 8192), Err(DecodeError::BadSize));
        assert_eq!(frame(&[10, 0, 0, 0, 1], 8192), Ok(None));
        assert_eq!(frame(&[7, 0, 0, 0, 1, 2, 3, 9], 8192), Ok(Some(7)));
    }

    #[test]
    fn truncated_and_overrunning_inputs_are_refused() {
        let m = request(kind::TATTACH, 1, |w| {
            w.u32(0).unwrap();
            w.u32(NOFID).unwrap();
            w.string(b"root").unwrap();
            w.string(b"").unwrap();
            w.u32(0).unwrap();
        });
        let h = header(&m).unwrap();
        for cut in 0..h.body.len() {
            assert_eq!(
                decode(h.kind, &h.body[..cut]),
                Err(DecodeError::Truncated),
                "cut {cut}"
            );
        }
        // A string whose length runs past the end of the message.
        let m = request(kind::TXATTRWALK, 1, |w| {
            w.u32(1).unwrap();
            w.u32(2).unwrap();
            w.u16(60000).unwrap();
            w.bytes(b"short").unwrap();
        });
        let h = header(&m).unwrap();
        assert_eq!(decode(h.kind, h.body), Err(DecodeError::Truncated));
        // 17 names.
        let m = request(kind::TWALK, 1, |w| {
            w.u32(0).unwrap();
            w.u32(1).unwrap();
            w.u16(17).unwrap();
            for _ in 0..17 {
                w.string(b"a").unwrap();
            }
        });
        let h = header(&m).unwrap();
        assert_eq!(decode(h.kind, h.body), Err(DecodeError::TooManyNames));
        let m = request(kind::TCLUNK, 1, |w| {
            w.u32(1).unwrap();
            w.u8(0).unwrap();
        });
        let h = header(&m).unwrap();
        assert_eq!(decode(h.kind, h.body), Err(DecodeError::TrailingBytes));
        // A header whose size disagrees with the frame.
        let mut bad = m.clone();
        bad[0] += 1;
        assert_eq!(header(&bad), Err(DecodeError::BadSize));
    }

    #[test]
    fn replies_never_exceed_their_buffer() {
        let mut buf = [0u8; 16];
        let mut w = Writer::new(&mut buf, kind::TREAD + 1, 1).unwrap();
        assert_eq!(w.len(), 7);
        assert_eq!(w.reserve(10), Err(Overflow));
        assert!(w.reserve(9).is_ok());
        w.unreserve(4);
        assert_eq!(w.len(), 12);
        assert_eq!(w.u64(0), Err(Overflow));
        assert_eq!(w.finish(), 12);
        assert_eq!(&buf[..4], &12u32.to_le_bytes());
        let mut tiny = [0u8; 6];
        assert!(Writer::new(&mut tiny, 1, 1).is_err());
        let long = [b'a'; 70000];
        let mut big = std::vec![0u8; 80000];
        let mut w = Writer::new(&mut big, 1, 1).unwrap();
        assert_eq!(w.string(&long), Err(Overflow));
    }

    #[test]
    fn rlerror_layout() {
        let mut buf = [0u8; 16];
        let n = rlerror(&mut buf, 0x1234, 30).unwrap();
        assert_eq!(&buf[..n], &[11, 0, 0, 0, 7, 0x34, 0x12, 30, 0, 0, 0]);
    }
}
