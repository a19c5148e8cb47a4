// SPDX-License-Identifier: GPL-2.0

//! 9P2000.L protocol rules that do not touch the file system: version
//! negotiation, walk names and open flags, qid paths, and the Rgetattr and
//! Rreaddir layouts (with the directory records the VFS glue produces).
//!
//! Pure logic against `core` only; `host/` runs the tests.

use crate::codec::{Overflow, Qid, Writer, QID_SIZE};

/// The smallest msize Linux accepts, and so the smallest we agree to.
pub(crate) const MIN_MSIZE: u32 = 4096;
/// The only version this server speaks.
pub(crate) const VERSION: &[u8] = b"9P2000.L";

/// Negotiates Tversion: the msize is the smaller of the client's and ours,
/// refused below [`MIN_MSIZE`]; the version is "9P2000.L" for any request
/// that starts with it and "unknown" otherwise.
pub(crate) fn negotiate(
    client_msize: u32,
    client_version: &[u8],
    max_msize: u32,
) -> Option<(u32, &'static [u8])> {
    let msize = client_msize.min(max_msize);
    if msize < MIN_MSIZE {
        return None;
    }
    if client_version.starts_with(VERSION) {
        Some((msize, VERSION))
    } else {
        Some((msize, b"unknown"))
    }
}

/// Whether `name` may be one step of a walk (or a name to look up): not
/// empty, not "." or "..", no "/" and no NUL.
pub(crate) fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name != b"." && name != b".." && !name.contains(&b'/') && !name.contains(&0)
}

/// What one name of a Twalk asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WalkName<'a> {
    /// "..": the parent (the attach point is its own parent).
    Parent,
    /// An entry of the directory.
    Entry(&'a [u8]),
    /// "", "." or a name with "/" or NUL: refused.
    Invalid,
}

/// Classifies one name of a Twalk.
pub(crate) fn walk_name(name: &[u8]) -> WalkName<'_> {
    if name == b".." {
        WalkName::Parent
    } else if valid_name(name) {
        WalkName::Entry(name)
    } else {
        WalkName::Invalid
    }
}

/// Tlopen flags (Linux's values, which 9P2000.L uses) that this read-only
/// server refuses with EROFS: any write access, truncation, creation.
pub(crate) fn open_modifies(flags: u32) -> bool {
    const ACCMODE: u32 = 0o3;
    const CREAT: u32 = 0o100;
    const TRUNC: u32 = 0o1000;
    flags & ACCMODE != 0 || flags & (CREAT | TRUNC) != 0
}

/// Whether Tlopen asks for a directory (O_DIRECTORY).
pub(crate) fn open_directory(flags: u32) -> bool {
    flags & 0o200000 != 0
}

/// A qid path unique across an export that may span file systems: the inode
/// number with the device mixed into its top bits (inode numbers rarely use
/// them), so two files on different devices do not collide.
pub(crate) fn qid_path(dev: u32, ino: u64) -> u64 {
    ino ^ (u64::from(dev).rotate_right(20))
}

/// qid.version of a file modified last at `mtime` with `size` bytes: it
/// changes when either does, and is never 0, which v9fs takes for "do not
/// cache" (with `cache=loose` it would still send every read to the server).
pub(crate) fn qid_version(mtime_sec: u64, mtime_nsec: u64, size: u64) -> u32 {
    let mixed = mtime_sec.wrapping_mul(1_000_000_007) ^ mtime_nsec ^ size.rotate_left(40);
    match (mixed ^ (mixed >> 32)) as u32 {
        0 => 1,
        version => version,
    }
}

/// qid.type for a file mode.
pub(crate) fn qid_kind(mode: u32) -> u8 {
    const S_IFMT: u32 = 0o170000;
    match mode & S_IFMT {
        0o040000 => 0x80,
        0o120000 => 0x02,
        _ => 0,
    }
}

/// qid.type for a directory entry type (`DT_*`).
pub(crate) fn qid_kind_of_dtype(dtype: u8) -> u8 {
    const DT_DIR: u8 = 4;
    const DT_LNK: u8 = 10;
    match dtype {
        DT_DIR => 0x80,
        DT_LNK => 0x02,
        _ => 0,
    }
}

/// The fields of Rgetattr.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Attr {
    pub(crate) valid: u64,
    pub(crate) qid: Qid,
    pub(crate) mode: u32,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) nlink: u64,
    pub(crate) rdev: u64,
    pub(crate) size: u64,
    pub(crate) blksize: u64,
    pub(crate) blocks: u64,
    pub(crate) atime: (u64, u64),
    pub(crate) mtime: (u64, u64),
    pub(crate) ctime: (u64, u64),
}

/// Writes the body of Rgetattr (birth time, generation and data version as 0).
pub(crate) fn write_attr(w: &mut Writer<'_>, a: &Attr) -> Result<(), Overflow> {
    w.u64(a.valid)?;
    w.qid(&a.qid)?;
    w.u32(a.mode)?;
    w.u32(a.uid)?;
    w.u32(a.gid)?;
    w.u64(a.nlink)?;
    w.u64(a.rdev)?;
    w.u64(a.size)?;
    w.u64(a.blksize)?;
    w.u64(a.blocks)?;
    for (sec, nsec) in [a.atime, a.mtime, a.ctime, (0, 0)] {
        w.u64(sec)?;
        w.u64(nsec)?;
    }
    w.u64(0)?;
    w.u64(0)
}

/// Bytes of one Treaddir entry: `qid[13] offset[8] type[1] name[s]`.
pub(crate) fn dirent_size(name: &[u8]) -> usize {
    QID_SIZE + 8 + 1 + 2 + name.len()
}

/// Appends one Treaddir entry if it fits in `room` more bytes; returns
/// whether it did (a directory listing stops at the first entry that does
/// not fit, and the client asks again from its offset).
pub(crate) fn write_dirent(
    w: &mut Writer<'_>,
    room: &mut usize,
    qid: &Qid,
    offset: u64,
    dtype: u8,
    name: &[u8],
) -> Result<bool, Overflow> {
    let size = dirent_size(name);
    if size > *room || name.len() > usize::from(u16::MAX) {
        return Ok(false);
    }
    w.qid(qid)?;
    w.u64(offset)?;
    w.u8(dtype)?;
    w.string(name)?;
    *room -= size;
    Ok(true)
}

/// Bytes of a directory record before its name: `ino[8] offset[8] type[1]
/// namelen[2]`, native endian (the layout `rust_9p_readdir` writes).
pub(crate) const DIR_RECORD: usize = 19;

/// One directory entry as the VFS glue reports it; `offset` is the entry's
/// own position in the directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DirRecord<'a> {
    pub(crate) ino: u64,
    pub(crate) offset: u64,
    pub(crate) dtype: u8,
    pub(crate) name: &'a [u8],
}

/// The records in `buf`; stops at the first one that does not fit.
pub(crate) fn dir_records(mut buf: &[u8]) -> impl Iterator<Item = DirRecord<'_>> {
    core::iter::from_fn(move || {
        let head = buf.get(..DIR_RECORD)?;
        let mut ino = [0u8; 8];
        let mut offset = [0u8; 8];
        ino.copy_from_slice(&head[..8]);
        offset.copy_from_slice(&head[8..16]);
        let len = usize::from(u16::from_ne_bytes([head[17], head[18]]));
        let name = buf.get(DIR_RECORD..DIR_RECORD + len)?;
        let record = DirRecord {
            ino: u64::from_ne_bytes(ino),
            offset: u64::from_ne_bytes(offset),
            dtype: head[16],
            name,
        };
        buf = &buf[DIR_RECORD + len..];
        Some(record)
    })
}

/// Writes Rreaddir entries for the records in `records` into `w`, within
/// `room` bytes. An entry's offset is the cookie that continues after it:
/// the position of the next record, or `end` (the directory position after
/// the last record) for the last. `dev` goes into every qid path. Returns
/// how many entries were written.
pub(crate) fn write_dirents(
    w: &mut Writer<'_>,
    mut room: usize,
    records: &[u8],
    end: u64,
    dev: u32,
) -> Result<usize, Overflow> {
    let mut written = 0;
    let mut records = dir_records(records).peekable();
    while let Some(record) = records.next() {
        let cookie = records.peek().map_or(end, |next| next.offset);
        let qid = Qid {
            kind: qid_kind_of_dtype(record.dtype),
            version: 0,
            path: qid_path(dev, record.ino),
        };
        if !write_dirent(w, &mut room, &qid, cookie, record.dtype, record.name)? {
            break;
        }
        written += 1;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_negotiation() {
        assert_eq!(
            negotiate(131072, b"9P2000.L", 524288),
            Some((131072, VERSION))
        );
        assert_eq!(
            negotiate(1 << 20, b"9P2000.L", 524288),
            Some((524288, VERSION))
        );
        assert_eq!(
            negotiate(8192, b"9P2000.L.extra", 524288),
            Some((8192, VERSION))
        );
        assert_eq!(
            negotiate(8192, b"9P2000.u", 524288),
            Some((8192, &b"unknown"[..]))
        );
        assert_eq!(
            negotiate(8192, b"9P2000", 524288),
            Some((8192, &b"unknown"[..]))
        );
        assert_eq!(negotiate(4095, b"9P2000.L", 524288), None);
        assert_eq!(negotiate(0, b"9P2000.L", 524288), None);
    }

    #[test]
    fn names() {
        for bad in [&b""[..], b".", b"..", b"a/b", b"/", b"a\0b"] {
            assert!(!valid_name(bad), "{bad:?}");
        }
        for good in [
            &b"a"[..],
            b"...",
            b".hidden",
            b"with space",
            b"new\nline",
            "ünï".as_bytes(),
            &[b'x'; 255],
        ] {
            assert!(valid_name(good), "{good:?}");
        }
    }

    #[test]
    fn walk_names_and_open_flags() {
        assert_eq!(walk_name(b".."), WalkName::Parent);
        assert_eq!(walk_name(b"a"), WalkName::Entry(b"a"));
        for bad in [&b""[..], b".", b"a/b", b"/"] {
            assert_eq!(walk_name(bad), WalkName::Invalid);
        }
        assert!(!open_modifies(0));
        assert!(!open_modifies(0o200000 | 0o100000 | 0o4000));
        for flags in [1, 2, 3, 0o100, 0o1000] {
            assert!(open_modifies(flags), "{flags:o}");
        }
        assert!(open_directory(0o200000));
        assert!(!open_directory(0o100000));
    }

    /// A record as `rust_9p_readdir` writes it.
    fn record(out: &mut std::vec::Vec<u8>, ino: u64, offset: u64, dtype: u8, name: &[u8]) {
        out.extend_from_slice(&ino.to_ne_bytes());
        out.extend_from_slice(&offset.to_ne_bytes());
        out.push(dtype);
        out.extend_from_slice(&(name.len() as u16).to_ne_bytes());
        out.extend_from_slice(name);
    }

    #[test]
    fn dirent_cookies_continue_after_each_entry() {
        extern crate std;
        let mut records = std::vec::Vec::new();
        record(&mut records, 10, 0, 4, b".");
        record(&mut records, 11, 1, 8, b"file");
        record(&mut records, 12, 7, 10, b"link");
        let parsed: std::vec::Vec<_> = dir_records(&records).collect();
        assert_eq!(parsed.len(), 3);
        assert_eq!(parsed[2].name, b"link");
        // A cut record is not reported.
        assert_eq!(dir_records(&records[..records.len() - 1]).count(), 2);

        let mut buf = [0u8; 512];
        let mut w = Writer::new(&mut buf, 41, 1).unwrap();
        assert_eq!(write_dirents(&mut w, 500, &records, 9, 0), Ok(3));
        let n = w.finish();
        let mut r = crate::codec::Reader::new(&buf[7..n]);
        let mut cookies = std::vec::Vec::new();
        let mut kinds = std::vec::Vec::new();
        for _ in 0..3 {
            kinds.push(r.u8().unwrap());
            r.u32().unwrap();
            r.u64().unwrap();
            cookies.push(r.u64().unwrap());
            r.u8().unwrap();
            r.string().unwrap();
        }
        r.finish().unwrap();
        assert_eq!(cookies, [1, 7, 9]);
        assert_eq!(kinds, [0x80, 0, 0x02]);

        // Room for one entry only: its cookie is the next record's position.
        let mut w = Writer::new(&mut buf, 41, 1).unwrap();
        assert_eq!(
            write_dirents(&mut w, dirent_size(b".") + 5, &records, 9, 0),
            Ok(1)
        );
        assert_eq!(w.len(), 7 + dirent_size(b"."));
        assert_eq!(&buf[7 + 13..7 + 21], &1u64.to_le_bytes());
    }

    #[test]
    fn qids() {
        assert_ne!(qid_path(1, 42), qid_path(2, 42));
        assert_eq!(qid_path(0, 42), 42);
        assert_eq!(qid_kind(0o040755), 0x80);
        assert_eq!(qid_kind(0o120777), 0x02);
        assert_eq!(qid_kind(0o100644), 0);
        assert_eq!(qid_kind(0o010644), 0);
    }

    #[test]
    fn attr_layout() {
        let mut buf = [0u8; 256];
        let mut w = Writer::new(&mut buf, 25, 1).unwrap();
        write_attr(
            &mut w,
            &Attr {
                valid: 0x7ff,
                size: 5,
                ..Attr::default()
            },
        )
        .unwrap();
        // header, valid, qid, mode/uid/gid, nlink..blocks (5 x 8), 4 times (sec, nsec), gen, data_version.
        assert_eq!(w.finish(), 7 + 8 + 13 + 12 + 40 + 64 + 16);
    }

    #[test]
    fn dirents_stop_when_full() {
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf, 41, 1).unwrap();
        w.u32(0).unwrap();
        let mut room = 50;
        let qid = Qid::default();
        assert_eq!(
            write_dirent(&mut w, &mut room, &qid, 1, 4, b"abc"),
            Ok(true)
        );
        assert_eq!(room, 50 - dirent_size(b"abc"));
        assert_eq!(
            write_dirent(&mut w, &mut room, &qid, 2, 4, b"does-not-fit"),
            Ok(false)
        );
        assert_eq!(w.len(), 7 + 4 + dirent_size(b"abc"));
    }

    #[test]
    fn qid_versions_follow_changes_and_are_never_zero() {
        let v = qid_version(1_700_000_000, 5, 4096);
        assert_ne!(v, 0);
        assert_ne!(qid_version(1_700_000_000, 6, 4096), v);
        assert_ne!(qid_version(1_700_000_001, 5, 4096), v);
        assert_ne!(qid_version(1_700_000_000, 5, 4097), v);
        assert_eq!(qid_version(1_700_000_000, 5, 4096), v);
        assert_ne!(qid_version(0, 0, 0), 0);
    }
}
