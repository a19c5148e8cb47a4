// SPDX-License-Identifier: GPL-2.0

//! 9P2000.L protocol rules that do not touch the file system: version
//! negotiation, walk names and open flags, qid paths, and the Rgetattr and
//! Rreaddir layouts (with the directory records the VFS glue produces).
//!
//! Pure logic against `core` only; `host/` runs the tests.

use crate::codec::{kind, Overflow, Qid, Writer, HEADER, MAX_WALK, QID_SIZE};

/// The smallest msize Linux accepts, and so the smallest we agree to.
pub(crate) const MIN_MSIZE: u32 = 4096;
/// The only version this server speaks.
pub(crate) const VERSION: &[u8] = b"9P2000.L";

/// Room for a reply of a few fixed fields: every reply but Rread, Rreaddir
/// and Rreadlink fits (Rwalk, the largest, has 16 qids: 225 bytes).
pub(crate) const SMALL_REPLY: usize = 256;
const _: () = assert!(HEADER + 2 + MAX_WALK * QID_SIZE <= SMALL_REPLY);
/// Longest symlink target (PATH_MAX).
pub(crate) const MAX_LINK: usize = 4096;
pub(crate) use crate::codec::DATA_OFFSET;
/// Largest extended attribute value (XATTR_SIZE_MAX) and name list.
pub(crate) const MAX_XATTR: usize = 65536;
/// Longest extended attribute name (XATTR_NAME_MAX).
pub(crate) const MAX_XATTR_NAME: usize = 255;
/// Txattrcreate's flags, those of setxattr(2).
pub(crate) const XATTR_CREATE: u32 = 1;
pub(crate) const XATTR_REPLACE: u32 = 2;

/// The most memory answering a request of type `kind` with `body` can take
/// at once, for a connection's budget: its reply, and for Treadlink the
/// target it is built from. At most `msize` (a Tread or Treaddir is capped
/// by the msize whatever its count) or 8 KiB; a body too short to say gets
/// the small bound, since its answer is an error.
pub(crate) fn reply_bound(kind: u8, body: &[u8], msize: usize) -> usize {
    // Tread and Treaddir: fid[4] offset[8] count[4].
    let count = || {
        body.get(12..16)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize)
    };
    let data = |count: usize| DATA_OFFSET + count.min(msize.saturating_sub(DATA_OFFSET));
    match kind {
        kind::TREAD | kind::TREADDIR => count().map_or(SMALL_REPLY, data).max(SMALL_REPLY),
        kind::TREADLINK => 2 * MAX_LINK + HEADER + 2,
        _ => SMALL_REPLY,
    }
}

/// Frames of this many bytes or more are bulk writes: a task of their own
/// writes one while the reader receives the next.
pub(crate) const BULK_FRAME: usize = 64 * 1024;

/// Whether a request of type `kind` in a frame of `len` bytes is answered
/// by the connection's reader itself, as it arrives, on an export in
/// memory: there nothing a request does waits for storage, only (at most)
/// for an inode lock that another request holds for one VFS call. Tflush,
/// which waits for the request it flushes, gets a task of its own, and so
/// do bulk writes ([`BULK_FRAME`]), so that receiving and writing overlap;
/// Tversion the reader handles before anything else.
pub(crate) fn answered_inline(kind: u8, len: usize) -> bool {
    !matches!(kind, kind::TFLUSH | kind::TVERSION) && len < BULK_FRAME
}

/// Room the Linux client keeps for a Tread or Twrite header (P9_IOHDRSZ):
/// one request moves at most msize minus this.
pub(crate) const IO_HEADER_ROOM: usize = 24;

/// The block size Rgetattr reports: the largest multiple of the file
/// system's `blksize` that one request of the `msize` can move (or that
/// request size, when `blksize` is 0 or larger), as QEMU's server does.
/// Programs size their reads by it (stdio buffers, `cat`, `sha256sum`), so
/// a file system's 4 KiB would cost a round trip per 4 KiB at cache=none.
pub(crate) fn io_blksize(blksize: u64, msize: usize) -> u64 {
    let io = msize.saturating_sub(IO_HEADER_ROOM) as u64;
    match io.checked_div(blksize) {
        Some(blocks) if blocks > 0 => blocks * blksize,
        _ => io,
    }
}

/// The errno a client may see for `errno`: the kernel's internal ones (512
/// and up: ERESTARTSYS, ENOTSUPP, EOPENSTALE, ...) mean nothing to a client,
/// so ENOTSUPP becomes EOPNOTSUPP and the others EIO.
pub(crate) fn wire_errno(errno: u32) -> u32 {
    const ERRNO_MAX_USER: u32 = 511;
    const ENOTSUPP: u32 = 524;
    const EOPNOTSUPP: u32 = 95;
    const EIO: u32 = 5;
    match errno {
        0..=ERRNO_MAX_USER => errno,
        ENOTSUPP => EOPNOTSUPP,
        _ => EIO,
    }
}

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

/// Tlopen and Tlcreate flags (`P9_DOTL_*`, which are x86's `O_*` values).
pub(crate) mod open_flags {
    pub(crate) const ACCMODE: u32 = 0o3;
    pub(crate) const WRONLY: u32 = 0o1;
    pub(crate) const RDWR: u32 = 0o2;
    pub(crate) const CREAT: u32 = 0o100;
    pub(crate) const EXCL: u32 = 0o200;
    pub(crate) const TRUNC: u32 = 0o1000;
    pub(crate) const APPEND: u32 = 0o2000;
    pub(crate) const NONBLOCK: u32 = 0o4000;
    pub(crate) const DSYNC: u32 = 0o10000;
    pub(crate) const DIRECTORY: u32 = 0o200000;
    pub(crate) const NOFOLLOW: u32 = 0o400000;
    pub(crate) const NOATIME: u32 = 0o1000000;
    pub(crate) const SYNC: u32 = 0o4010000;
    /// What a client may ask of an open: access mode, truncation,
    /// appending, synchronous writes, "a directory", no atime. Creation,
    /// O_NOCTTY, FASYNC, O_DIRECT and the rest are dropped.
    pub(crate) const HONOURED: u32 =
        ACCMODE | TRUNC | APPEND | NONBLOCK | SYNC | DIRECTORY | NOFOLLOW | NOATIME;
}

/// How Tlopen or Tlcreate may open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OpenMode {
    /// The flags kept (`open_flags::HONOURED` of them), with `O_EXCL` for
    /// Tlcreate.
    pub(crate) flags: u32,
    pub(crate) read: bool,
    pub(crate) write: bool,
}

/// The open a client asks for with `flags`: `None` for an access mode of
/// 3, which has no meaning. `create` keeps `O_EXCL` (Tlcreate).
pub(crate) fn open_mode(flags: u32, create: bool) -> Option<OpenMode> {
    use open_flags::*;
    let (read, write) = match flags & ACCMODE {
        0 => (true, false),
        WRONLY => (false, true),
        RDWR => (true, true),
        _ => return None,
    };
    let excl = if create { flags & EXCL } else { 0 };
    Some(OpenMode {
        flags: flags & HONOURED | excl,
        read,
        write,
    })
}

/// Whether an open with `flags` changes the file (write access,
/// truncation): refused with EROFS on a read-only export.
pub(crate) fn open_modifies(flags: u32) -> bool {
    use open_flags::*;
    flags & ACCMODE != 0 || flags & (CREAT | TRUNC) != 0
}

/// Whether Tlopen asks for a directory (O_DIRECTORY).
pub(crate) fn open_directory(flags: u32) -> bool {
    flags & open_flags::DIRECTORY != 0
}

/// Why a name cannot be the name of a new or removed entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BadName {
    /// Empty, "." or "..", or with "/" or NUL: EINVAL.
    Invalid,
    /// Longer than 255 bytes: ENAMETOOLONG.
    TooLong,
}

/// Checks `name` for an entry that a request creates, renames or removes.
pub(crate) fn entry_name(name: &[u8]) -> Result<&[u8], BadName> {
    const NAME_MAX: usize = 255;
    if !valid_name(name) {
        return Err(BadName::Invalid);
    }
    if name.len() > NAME_MAX {
        return Err(BadName::TooLong);
    }
    Ok(name)
}

/// Why a symlink target is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BadTarget {
    /// Empty: ENOENT, as symlink(2) says.
    Empty,
    /// With a NUL: EINVAL.
    Nul,
    /// PATH_MAX bytes or more: ENAMETOOLONG.
    TooLong,
}

/// Checks the target of a new symlink (it is never followed here).
pub(crate) fn symlink_target(target: &[u8]) -> Result<&[u8], BadTarget> {
    if target.is_empty() {
        Err(BadTarget::Empty)
    } else if target.contains(&0) {
        Err(BadTarget::Nul)
    } else if target.len() >= MAX_LINK {
        Err(BadTarget::TooLong)
    } else {
        Ok(target)
    }
}

/// What Tmknod may make of a mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MknodKind {
    /// A regular file, a fifo or a socket: made.
    Made,
    /// A character or block device (no client has CAP_MKNOD) or a
    /// directory (that is Tmkdir): EPERM.
    Refused,
    /// No file type at all: EINVAL.
    Invalid,
}

/// The file type bits of a mode, as Linux (and 9P2000.L) has them.
pub(crate) mod file_type {
    pub(crate) const MASK: u32 = 0o170000;
    pub(crate) const SOCKET: u32 = 0o140000;
    pub(crate) const SYMLINK: u32 = 0o120000;
    pub(crate) const REGULAR: u32 = 0o100000;
    pub(crate) const BLOCK: u32 = 0o060000;
    pub(crate) const DIR: u32 = 0o040000;
    pub(crate) const CHAR: u32 = 0o020000;
    pub(crate) const FIFO: u32 = 0o010000;
}

/// Classifies the file type of Tmknod's `mode`.
pub(crate) fn mknod_kind(mode: u32) -> MknodKind {
    use file_type::*;
    match mode & MASK {
        REGULAR | FIFO | SOCKET => MknodKind::Made,
        CHAR | BLOCK | DIR => MknodKind::Refused,
        _ => MknodKind::Invalid,
    }
}

/// Tunlinkat's one flag: remove a directory.
pub(crate) const AT_REMOVEDIR: u32 = 0x200;

/// Tlock and Tgetlock.
pub(crate) mod lock {
    pub(crate) const RDLCK: u8 = 0;
    pub(crate) const WRLCK: u8 = 1;
    pub(crate) const UNLCK: u8 = 2;
    pub(crate) const FLAG_BLOCK: u32 = 1;
    pub(crate) const FLAG_RECLAIM: u32 = 2;
    pub(crate) const SUCCESS: u8 = 0;
    pub(crate) const BLOCKED: u8 = 1;
    pub(crate) const ERROR: u8 = 2;
}

/// The last byte of a well-formed lock range (see [`valid_lock`]):
/// `length` 0 is "to the end of any file" (`OFFSET_MAX`).
pub(crate) fn lock_end(start: u64, length: u64) -> u64 {
    match length {
        0 => i64::MAX as u64,
        n => start + (n - 1),
    }
}

/// The 9P length of the lock range `start..=end` (0 for one to
/// `OFFSET_MAX`).
pub(crate) fn lock_length(start: u64, end: u64) -> u64 {
    if end >= i64::MAX as u64 {
        0
    } else {
        (end - start).wrapping_add(1)
    }
}

/// Whether a Txattrcreate is well formed: known flags, a name
/// setxattr(2) could be given, a value no larger than the VFS takes.
/// Returns the errno's name otherwise: EINVAL or E2BIG.
pub(crate) fn xattr_create_error(name: &[u8], size: u64, flags: u32) -> Option<XattrError> {
    if flags & !(XATTR_CREATE | XATTR_REPLACE) != 0
        || name.is_empty()
        || name.len() > MAX_XATTR_NAME
        || name.contains(&0)
    {
        return Some(XattrError::Invalid);
    }
    if size > MAX_XATTR as u64 {
        return Some(XattrError::TooBig);
    }
    None
}

/// Why a Txattrcreate is refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum XattrError {
    Invalid,
    TooBig,
}

/// Whether `count` bytes at `offset` continue a value of `size` bytes of
/// which `written` are written: values are written in order, once.
pub(crate) fn xattr_write_fits(written: usize, size: usize, offset: u64, count: usize) -> bool {
    offset == written as u64 && written.checked_add(count).is_some_and(|end| end <= size)
}

/// Whether a lock request is well formed: a known type, known flags, a
/// range that does not overflow.
pub(crate) fn valid_lock(kind: u8, flags: u32, start: u64, length: u64) -> bool {
    matches!(kind, lock::RDLCK | lock::WRLCK | lock::UNLCK)
        && flags & !(lock::FLAG_BLOCK | lock::FLAG_RECLAIM) == 0
        && start <= i64::MAX as u64
        && length <= i64::MAX as u64
        && (length == 0
            || start
                .checked_add(length - 1)
                .is_some_and(|end| end <= i64::MAX as u64))
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

/// qid.type values.
pub(crate) mod qid_type {
    pub(crate) const DIR: u8 = 0x80;
    pub(crate) const SYMLINK: u8 = 0x02;
    pub(crate) const FILE: u8 = 0;
}

/// qid.type for a file mode.
pub(crate) fn qid_kind(mode: u32) -> u8 {
    match mode & file_type::MASK {
        file_type::DIR => qid_type::DIR,
        file_type::SYMLINK => qid_type::SYMLINK,
        _ => qid_type::FILE,
    }
}

/// qid.type for a directory entry type (`DT_*`).
pub(crate) fn qid_kind_of_dtype(dtype: u8) -> u8 {
    const DT_DIR: u8 = 4;
    const DT_LNK: u8 = 10;
    match dtype {
        DT_DIR => qid_type::DIR,
        DT_LNK => qid_type::SYMLINK,
        _ => qid_type::FILE,
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

/// Rreaddir entries being written: each entry's offset is the cookie that
/// continues after it, the position of the entry after it, which is known
/// only when that one arrives (or, for the last, when the listing stops).
/// So each entry goes out with its cookie left blank, filled in by the next
/// [`Dirents::push`] or by [`Dirents::finish`].
pub(crate) struct Dirents {
    /// Bytes of entries there is still room for.
    room: usize,
    /// Where the cookie of the last entry written is, in the reply.
    blank_cookie: Option<usize>,
    /// The device, mixed into every qid path.
    dev: u32,
    written: usize,
}

impl Dirents {
    /// Entries of a directory on device `dev`, within `room` bytes.
    pub(crate) fn new(room: usize, dev: u32) -> Self {
        Dirents {
            room,
            blank_cookie: None,
            dev,
            written: 0,
        }
    }

    /// Appends the entry (`offset` is its own position) if it fits; returns
    /// whether it did. A listing stops at the first entry that does not
    /// fit, so the directory's position stays at it, which is the cookie
    /// of the entry before.
    pub(crate) fn push(
        &mut self,
        w: &mut Writer<'_>,
        ino: u64,
        offset: u64,
        dtype: u8,
        name: &[u8],
    ) -> Result<bool, Overflow> {
        let size = dirent_size(name);
        if size > self.room || name.len() > usize::from(u16::MAX) {
            return Ok(false);
        }
        self.fill_cookie(w, offset);
        let qid = Qid {
            kind: qid_kind_of_dtype(dtype),
            version: 0,
            path: qid_path(self.dev, ino),
        };
        w.qid(&qid)?;
        self.blank_cookie = Some(w.len());
        w.u64(0)?;
        w.u8(dtype)?;
        w.string(name)?;
        self.room -= size;
        self.written += 1;
        Ok(true)
    }

    /// Ends the listing at directory position `end`; returns how many
    /// entries were written.
    pub(crate) fn finish(mut self, w: &mut Writer<'_>, end: u64) -> usize {
        self.fill_cookie(w, end);
        self.written
    }

    fn fill_cookie(&mut self, w: &mut Writer<'_>, cookie: u64) {
        if let Some(at) = self.blank_cookie.take() {
            w.patch_u64(at, cookie);
        }
    }
}

/// `huge_encode_dev()`: a `dev_t` (12-bit major, 20-bit minor) in the
/// encoding stat(2) gives user space.
pub(crate) fn encode_dev(dev: u32) -> u32 {
    let (major, minor) = (dev >> 20, dev & 0xfffff);
    (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12)
}

/// `from_kuid_munged()` in the initial namespace: an id as user space sees
/// it, with "no id" shown as the overflow id 65534.
pub(crate) fn munge_id(id: u32) -> u32 {
    if id == u32::MAX {
        65534
    } else {
        id
    }
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
    fn io_blksize_fills_a_request() {
        assert_eq!(io_blksize(4096, 131072), 126976);
        assert_eq!(io_blksize(4096, 1 << 20), (1 << 20) - 4096);
        assert_eq!(io_blksize(4096, 8192), 4096);
        assert_eq!(io_blksize(4096, 4096), 4072);
        assert_eq!(io_blksize(0, 8192), 8168);
        assert_eq!(io_blksize(1 << 20, 131072), 131048);
        assert_eq!(io_blksize(1000, 8192), 8000);
        for msize in [4096, 8192, 65536, 131072, 1 << 20] {
            for blksize in [0, 1, 512, 4096, 65536, 1 << 21, u64::MAX] {
                let io = io_blksize(blksize, msize);
                assert!(io > 0 && io <= (msize - IO_HEADER_ROOM) as u64);
            }
        }
    }

    #[test]
    fn reply_bounds_cover_replies_and_stay_within_msize() {
        let body = |count: u32| {
            let mut b = std::vec![0u8; 12];
            b.extend_from_slice(&count.to_le_bytes());
            b
        };
        let msize = 8192;
        assert_eq!(reply_bound(kind::TREAD, &body(4096), msize), 4096 + 11);
        assert_eq!(reply_bound(kind::TREAD, &body(u32::MAX), msize), msize);
        assert_eq!(reply_bound(kind::TREAD, &body(0), msize), SMALL_REPLY);
        assert_eq!(reply_bound(kind::TREAD, &[0u8; 3], msize), SMALL_REPLY);
        assert_eq!(reply_bound(kind::TREADDIR, &body(u32::MAX), msize), msize);
        assert_eq!(reply_bound(kind::TWALK, &[], msize), SMALL_REPLY);
        assert!(reply_bound(kind::TREADLINK, &[], msize) <= 2 * msize);
        for k in 0..=255u8 {
            assert!(reply_bound(k, &body(u32::MAX), 1 << 20) <= 1 << 20);
            assert!(reply_bound(k, &body(u32::MAX), 4096) <= 2 * MAX_LINK + HEADER + 2);
        }
    }

    #[test]
    fn every_request_but_flush_version_and_bulk_writes_is_answered_inline() {
        for k in [
            kind::TWALK,
            kind::TGETATTR,
            kind::TREAD,
            kind::TCLUNK,
            kind::TLOPEN,
            kind::TLCREATE,
            kind::TWRITE,
            kind::TFSYNC,
            kind::TSETATTR,
            kind::TUNLINKAT,
            kind::TXATTRCREATE,
            kind::TLOCK,
        ] {
            assert!(answered_inline(k, 23));
            assert!(answered_inline(k, BULK_FRAME - 1));
        }
        for k in [kind::TVERSION, kind::TFLUSH] {
            assert!(!answered_inline(k, 23));
        }
        assert!(!answered_inline(kind::TWRITE, BULK_FRAME));
    }

    #[test]
    fn kernel_internal_errnos_do_not_reach_the_wire() {
        assert_eq!(wire_errno(2), 2);
        assert_eq!(wire_errno(133), 133);
        assert_eq!(wire_errno(512), 5);
        assert_eq!(wire_errno(518), 5);
        assert_eq!(wire_errno(524), 95);
        assert_eq!(wire_errno(u32::MAX), 5);
    }

    #[test]
    fn open_modes_keep_what_is_honoured() {
        use open_flags::*;
        let m = open_mode(RDWR | CREAT | EXCL | APPEND | 0o400 | 0o40000, false).unwrap();
        assert_eq!(m.flags, RDWR | APPEND);
        assert!(m.read && m.write);
        let m = open_mode(WRONLY | EXCL | CREAT, true).unwrap();
        assert_eq!(m.flags, WRONLY | EXCL);
        assert!(!m.read && m.write);
        assert_eq!(open_mode(3, false), None);
        assert!(!open_modifies(DIRECTORY));
        assert!(open_modifies(TRUNC));
    }

    #[test]
    fn entry_names_targets_and_mknod_types() {
        assert_eq!(entry_name(b"a"), Ok(&b"a"[..]));
        for bad in [&b""[..], b".", b"..", b"a/b", b"/", b"a\0b"] {
            assert_eq!(entry_name(bad), Err(BadName::Invalid), "{:?}", bad);
        }
        assert_eq!(entry_name(&[b'x'; 256]), Err(BadName::TooLong));
        assert!(entry_name(&[b'x'; 255]).is_ok());
        assert_eq!(symlink_target(b""), Err(BadTarget::Empty));
        assert_eq!(symlink_target(b"a\0"), Err(BadTarget::Nul));
        assert_eq!(symlink_target(&[b'a'; 4096]), Err(BadTarget::TooLong));
        assert!(symlink_target(&[b'a'; 4095]).is_ok());
        assert_eq!(mknod_kind(0o100644), MknodKind::Made);
        assert_eq!(mknod_kind(0o010644), MknodKind::Made);
        assert_eq!(mknod_kind(0o140644), MknodKind::Made);
        assert_eq!(mknod_kind(0o020644), MknodKind::Refused);
        assert_eq!(mknod_kind(0o060644), MknodKind::Refused);
        assert_eq!(mknod_kind(0o040755), MknodKind::Refused);
        assert_eq!(mknod_kind(0o644), MknodKind::Invalid);
    }

    #[test]
    fn lock_requests() {
        assert!(valid_lock(lock::WRLCK, lock::FLAG_BLOCK, 0, 0));
        assert!(valid_lock(lock::RDLCK, 0, 10, 5));
        assert!(!valid_lock(3, 0, 0, 0));
        assert!(!valid_lock(lock::RDLCK, 4, 0, 0));
        assert!(!valid_lock(lock::RDLCK, 0, u64::MAX, 0));
        assert!(!valid_lock(lock::RDLCK, 0, i64::MAX as u64, 2));
        assert!(valid_lock(lock::RDLCK, 0, i64::MAX as u64, 1));
    }

    #[test]
    fn lock_ranges() {
        let max = i64::MAX as u64;
        assert_eq!(lock_end(0, 0), max);
        assert_eq!(lock_end(10, 5), 14);
        assert_eq!(lock_end(max, 1), max);
        assert_eq!(lock_length(0, max), 0);
        assert_eq!(lock_length(10, 14), 5);
        assert_eq!(lock_length(7, 7), 1);
        for (start, length) in [(0, 1), (3, 100), (1 << 40, 1 << 20)] {
            assert_eq!(lock_length(start, lock_end(start, length)), length);
        }
    }

    #[test]
    fn xattr_creates() {
        assert_eq!(xattr_create_error(b"user.a", 0, 0), None);
        assert_eq!(
            xattr_create_error(b"user.a", 65536, XATTR_CREATE | XATTR_REPLACE),
            None
        );
        assert_eq!(
            xattr_create_error(b"user.a", 65537, 0),
            Some(XattrError::TooBig)
        );
        assert_eq!(
            xattr_create_error(b"user.a", u64::MAX, 0),
            Some(XattrError::TooBig)
        );
        assert_eq!(
            xattr_create_error(b"user.a", 1, 4),
            Some(XattrError::Invalid)
        );
        assert_eq!(xattr_create_error(b"", 1, 0), Some(XattrError::Invalid));
        assert_eq!(
            xattr_create_error(b"user.\0", 1, 0),
            Some(XattrError::Invalid)
        );
        assert_eq!(
            xattr_create_error(&[b'a'; 256], 1, 0),
            Some(XattrError::Invalid)
        );
        assert_eq!(xattr_create_error(&[b'a'; 255], 1, 0), None);
    }

    #[test]
    fn xattr_writes() {
        assert!(xattr_write_fits(0, 10, 0, 10));
        assert!(xattr_write_fits(4, 10, 4, 6));
        assert!(xattr_write_fits(10, 10, 10, 0));
        assert!(!xattr_write_fits(4, 10, 0, 4));
        assert!(!xattr_write_fits(4, 10, 8, 2));
        assert!(!xattr_write_fits(4, 10, 4, 7));
        assert!(!xattr_write_fits(4, 10, 4, usize::MAX));
        assert!(!xattr_write_fits(0, 10, u64::MAX, 1));
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
    #[test]
    fn dirent_cookies_continue_after_each_entry() {
        let mut buf = [0u8; 512];
        let mut w = Writer::new(&mut buf, 41, 1).unwrap();
        let mut d = Dirents::new(500, 0);
        assert_eq!(d.push(&mut w, 10, 0, 4, b"."), Ok(true));
        assert_eq!(d.push(&mut w, 11, 1, 8, b"file"), Ok(true));
        assert_eq!(d.push(&mut w, 12, 7, 10, b"link"), Ok(true));
        assert_eq!(d.finish(&mut w, 9), 3);
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

        // Room for one entry only: the listing stops at the second, whose
        // position is the first one's cookie.
        let mut w = Writer::new(&mut buf, 41, 1).unwrap();
        let mut d = Dirents::new(dirent_size(b".") + 5, 0);
        assert_eq!(d.push(&mut w, 10, 0, 4, b"."), Ok(true));
        assert_eq!(d.push(&mut w, 11, 1, 8, b"file"), Ok(false));
        assert_eq!(d.finish(&mut w, 1), 1);
        assert_eq!(w.len(), 7 + dirent_size(b"."));
        assert_eq!(&buf[7 + 13..7 + 21], &1u64.to_le_bytes());
    }

    #[test]
    fn devices_and_ids_as_user_space_sees_them() {
        // 8:1 (sda1) and 259:65537 (a large minor).
        assert_eq!(encode_dev(8 << 20 | 1), 0x801);
        assert_eq!(
            encode_dev(259 << 20 | 65537),
            0x01 | 259 << 8 | 0x10000 << 12
        );
        assert_eq!(munge_id(0), 0);
        assert_eq!(munge_id(u32::MAX), 65534);
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
