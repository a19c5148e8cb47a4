// SPDX-License-Identifier: GPL-2.0

//! 9P2000.L protocol rules that do not touch the file system: version
//! negotiation, name checks, qid paths, and the Rgetattr and Treaddir
//! layouts.
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

/// A qid path unique across an export that may span file systems: the inode
/// number with the device mixed into its top bits (inode numbers rarely use
/// them), so two files on different devices do not collide.
pub(crate) fn qid_path(dev: u32, ino: u64) -> u64 {
    ino ^ (u64::from(dev).rotate_right(20))
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
}
