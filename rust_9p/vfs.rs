// SPDX-License-Identifier: GPL-2.0

//! The exported file system, through the C helpers of `rust_9p_glue.c`:
//! credentials, paths beneath the export, open files, and the counters.
//!
//! The only `unsafe` of the server: each wrapper owns one reference
//! (a `struct cred`, a `struct path`, a `struct file`) and drops it.

use core::ptr::NonNull;
use kernel::ffi::{c_char, c_int, c_void};
use kernel::prelude::*;
use kernel::str::CStr;

extern "C" {
    fn rust_9p_cred_new(uid: u32, gid: u32, groups: *const u32, ngroups: usize) -> *mut c_void;
    fn rust_9p_cred_get(cred: *mut c_void);
    fn rust_9p_cred_put(cred: *mut c_void);
    fn rust_9p_path_clone(path: *mut c_void) -> *mut c_void;
    fn rust_9p_path_free(path: *mut c_void);
    fn rust_9p_root_lookup(name: *const c_char) -> *mut c_void;
    fn rust_9p_walk(
        cred: *mut c_void,
        root: *mut c_void,
        from: *mut c_void,
        name: *const u8,
        len: usize,
    ) -> *mut c_void;
    fn rust_9p_getattr(path: *mut c_void, st: *mut Stat) -> c_int;
    fn rust_9p_statfs(path: *mut c_void, st: *mut StatFs) -> c_int;
    fn rust_9p_readlink(path: *mut c_void, buf: *mut u8, len: usize) -> c_int;
    fn rust_9p_open(cred: *mut c_void, path: *mut c_void, directory: bool) -> *mut c_void;
    fn rust_9p_file_put(file: *mut c_void);
    fn rust_9p_file_size(file: *mut c_void) -> u64;
    fn rust_9p_read(file: *mut c_void, buf: *mut u8, len: usize, offset: u64) -> isize;
    fn rust_9p_readdir(
        file: *mut c_void,
        offset: u64,
        buf: *mut u8,
        len: usize,
        end: *mut u64,
    ) -> isize;
    fn rust_9p_xattr(
        cred: *mut c_void,
        path: *mut c_void,
        name: *const u8,
        nlen: usize,
        buf: *mut u8,
        len: usize,
    ) -> isize;
    fn rust_9p_count(counter: u32, n: i64);
    fn rust_9p_count_request(kind: u8);
    fn rust_9p_debugfs_init();
    fn rust_9p_debugfs_exit();
}

/// Errnos the kernel crate has no constant for.
pub(crate) mod errno {
    use kernel::bindings;
    use kernel::error::Error;

    fn make(errno: u32) -> Error {
        Error::from_errno(-(errno as i32))
    }

    pub(crate) fn eopnotsupp() -> Error {
        make(bindings::EOPNOTSUPP)
    }

    pub(crate) fn eproto() -> Error {
        make(bindings::EPROTO)
    }

    pub(crate) fn emsgsize() -> Error {
        make(bindings::EMSGSIZE)
    }
}

/// A pointer returned by a glue function: the object, or an errno.
fn from_err_ptr(ptr: *mut c_void) -> Result<NonNull<c_void>> {
    let value = ptr as isize;
    if (-4095..0).contains(&value) {
        return Err(Error::from_errno(value as c_int));
    }
    NonNull::new(ptr).ok_or(ENOMEM)
}

/// A count or an errno returned by a glue function.
fn from_ret(ret: isize) -> Result<usize> {
    usize::try_from(ret).map_err(|_| Error::from_errno(ret as c_int))
}

/// The credentials a client's file accesses use: one user, its groups, no
/// capabilities.
///
/// # Invariants
///
/// `cred` is a `struct cred` this object holds a reference to.
pub(crate) struct Creds {
    cred: NonNull<c_void>,
}

// SAFETY: a `struct cred` is immutable once made and reference counted
// atomically, so it may be used and released from any thread.
unsafe impl Send for Creds {}
// SAFETY: as above.
unsafe impl Sync for Creds {}

impl Creds {
    /// Credentials of `uid`, `gid` and the supplementary `groups`.
    pub(crate) fn new(uid: u32, gid: u32, groups: &[u32]) -> Result<Self> {
        // SAFETY: `groups` is valid for `groups.len()` reads.
        let cred = unsafe { rust_9p_cred_new(uid, gid, groups.as_ptr(), groups.len()) };
        // INVARIANT: the glue returned a new reference.
        Ok(Self {
            cred: from_err_ptr(cred)?,
        })
    }

    fn as_ptr(&self) -> *mut c_void {
        self.cred.as_ptr()
    }
}

impl Clone for Creds {
    fn clone(&self) -> Self {
        // SAFETY: we hold a reference (type invariants), so it may be copied.
        unsafe { rust_9p_cred_get(self.as_ptr()) };
        // INVARIANT: the clone holds the reference just taken.
        Self { cred: self.cred }
    }
}

impl Drop for Creds {
    fn drop(&mut self) {
        // SAFETY: we hold a reference (type invariants).
        unsafe { rust_9p_cred_put(self.as_ptr()) };
    }
}

/// A file or directory of the export (a mount and a dentry).
///
/// # Invariants
///
/// `path` is a `kmalloc`ed `struct path` owned by this object, holding its
/// own references to the mount and the dentry.
pub(crate) struct Node {
    path: NonNull<c_void>,
}

// SAFETY: the references a `struct path` holds may be used and dropped from
// any thread; the object itself is not changed after creation.
unsafe impl Send for Node {}
// SAFETY: as above.
unsafe impl Sync for Node {}

/// The attributes of a node (`struct rust_9p_stat` of the glue).
#[repr(C)]
#[derive(Default)]
pub(crate) struct Stat {
    pub(crate) ino: u64,
    pub(crate) nlink: u64,
    pub(crate) rdev: u64,
    pub(crate) size: u64,
    pub(crate) blksize: u64,
    pub(crate) blocks: u64,
    pub(crate) atime_sec: u64,
    pub(crate) atime_nsec: u64,
    pub(crate) mtime_sec: u64,
    pub(crate) mtime_nsec: u64,
    pub(crate) ctime_sec: u64,
    pub(crate) ctime_nsec: u64,
    pub(crate) dev: u32,
    pub(crate) mode: u32,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
}

/// The statistics of a node's file system (`struct rust_9p_statfs`).
#[repr(C)]
#[derive(Default)]
pub(crate) struct StatFs {
    pub(crate) blocks: u64,
    pub(crate) bfree: u64,
    pub(crate) bavail: u64,
    pub(crate) files: u64,
    pub(crate) ffree: u64,
    pub(crate) fsid: u64,
    pub(crate) kind: u32,
    pub(crate) bsize: u32,
    pub(crate) namelen: u32,
}

/// One step of a walk.
#[derive(Clone, Copy)]
pub(crate) enum Step<'a> {
    /// The parent directory (the export root is its own parent).
    Parent,
    /// A directory entry; the caller has checked the name.
    Name(&'a [u8]),
}

impl Node {
    /// The directory `name` (an absolute path; symlinks in it are followed).
    pub(crate) fn lookup_root(name: &CStr) -> Result<Self> {
        // SAFETY: `name` is NUL-terminated.
        let path = unsafe { rust_9p_root_lookup(name.as_char_ptr()) };
        // INVARIANT: the glue returned a new path with its references.
        Ok(Self {
            path: from_err_ptr(path)?,
        })
    }

    fn as_ptr(&self) -> *mut c_void {
        self.path.as_ptr()
    }

    /// Another handle on the same node.
    pub(crate) fn try_clone(&self) -> Result<Self> {
        // SAFETY: `self.path` is a valid path (type invariants).
        let path = unsafe { rust_9p_path_clone(self.as_ptr()) };
        // INVARIANT: the glue returned a new path with its references.
        Ok(Self {
            path: NonNull::new(path).ok_or(ENOMEM)?,
        })
    }

    /// One step from this directory, as `creds`, staying beneath `root`
    /// without following symlinks or crossing mounts.
    pub(crate) fn walk(&self, creds: &Creds, root: &Node, step: Step<'_>) -> Result<Self> {
        let (name, len) = match step {
            Step::Parent => (core::ptr::null(), 0),
            Step::Name(name) => (name.as_ptr(), name.len()),
        };
        // SAFETY: the pointers are valid objects we hold references to, and
        // `name` (when not null) is valid for `len` bytes.
        let path = unsafe { rust_9p_walk(creds.as_ptr(), root.as_ptr(), self.as_ptr(), name, len) };
        // INVARIANT: the glue returned a new path with its references.
        Ok(Self {
            path: from_err_ptr(path)?,
        })
    }

    /// The node's attributes.
    pub(crate) fn stat(&self) -> Result<Stat> {
        let mut st = Stat::default();
        // SAFETY: `self.path` is valid and `st` has the glue's layout.
        to_result(unsafe { rust_9p_getattr(self.as_ptr(), &mut st) })?;
        Ok(st)
    }

    /// Its file system's statistics.
    pub(crate) fn statfs(&self) -> Result<StatFs> {
        let mut st = StatFs::default();
        // SAFETY: `self.path` is valid and `st` has the glue's layout.
        to_result(unsafe { rust_9p_statfs(self.as_ptr(), &mut st) })?;
        Ok(st)
    }

    /// Copies the target of this symlink into `buf`; returns its length.
    pub(crate) fn readlink(&self, buf: &mut [u8]) -> Result<usize> {
        // SAFETY: `self.path` is valid and `buf` writable for its length.
        let n = unsafe { rust_9p_readlink(self.as_ptr(), buf.as_mut_ptr(), buf.len()) };
        from_ret(n as isize)
    }

    /// Opens this regular file or directory for reading, as `creds`.
    pub(crate) fn open(&self, creds: &Creds, directory: bool) -> Result<OpenFile> {
        // SAFETY: both pointers are valid objects we hold references to.
        let file = unsafe { rust_9p_open(creds.as_ptr(), self.as_ptr(), directory) };
        // INVARIANT: the glue returned a new file reference.
        Ok(OpenFile {
            file: from_err_ptr(file)?,
        })
    }

    /// Reads extended attribute `name` into `buf` (or measures it, when
    /// `buf` is empty); with no name, lists the attribute names.
    pub(crate) fn xattr(
        &self,
        creds: &Creds,
        name: Option<&[u8]>,
        buf: &mut [u8],
    ) -> Result<usize> {
        let (name, nlen) = name.map_or((core::ptr::null(), 0), |n| (n.as_ptr(), n.len()));
        // SAFETY: the pointers are valid objects we hold references to,
        // `name` (when not null) is valid for `nlen` bytes and `buf`
        // writable for its length.
        let n = unsafe {
            rust_9p_xattr(
                creds.as_ptr(),
                self.as_ptr(),
                name,
                nlen,
                buf.as_mut_ptr(),
                buf.len(),
            )
        };
        from_ret(n)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        // SAFETY: we own `self.path` (type invariants).
        unsafe { rust_9p_path_free(self.as_ptr()) };
    }
}

/// An open regular file or directory.
///
/// # Invariants
///
/// `file` is a `struct file` this object holds a reference to.
pub(crate) struct OpenFile {
    file: NonNull<c_void>,
}

// SAFETY: a file reference may be used and dropped from any thread; reads
// at explicit offsets do not share state, and directory reads are
// serialised by the glue.
unsafe impl Send for OpenFile {}
// SAFETY: as above.
unsafe impl Sync for OpenFile {}

impl OpenFile {
    fn as_ptr(&self) -> *mut c_void {
        self.file.as_ptr()
    }

    /// The file's size now.
    pub(crate) fn size(&self) -> u64 {
        // SAFETY: `self.file` is valid (type invariants).
        unsafe { rust_9p_file_size(self.as_ptr()) }
    }

    /// Reads at `offset` into `buf`; returns the count (0 at the end).
    pub(crate) fn read(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        // SAFETY: `self.file` is valid and `buf` writable for its length.
        from_ret(unsafe { rust_9p_read(self.as_ptr(), buf.as_mut_ptr(), buf.len(), offset) })
    }

    /// Fills `buf` with directory entry records from `offset` (see
    /// `proto::DirRecords`); returns their length and the position after
    /// the last one.
    pub(crate) fn read_dir(&self, buf: &mut [u8], offset: u64) -> Result<(usize, u64)> {
        let mut end = 0;
        // SAFETY: `self.file` is valid, `buf` writable for its length and
        // `end` a valid place for the position.
        let n = unsafe {
            rust_9p_readdir(self.as_ptr(), offset, buf.as_mut_ptr(), buf.len(), &mut end)
        };
        Ok((from_ret(n)?, end))
    }
}

impl Drop for OpenFile {
    fn drop(&mut self) {
        // SAFETY: we hold a reference (type invariants).
        unsafe { rust_9p_file_put(self.as_ptr()) };
    }
}

fn to_result(err: c_int) -> Result {
    if err < 0 {
        Err(Error::from_errno(err))
    } else {
        Ok(())
    }
}

/// The administrator's counters (`/sys/kernel/debug/rust_9p/counters`);
/// the glue has the same list.
#[derive(Clone, Copy)]
#[repr(u32)]
pub(crate) enum Counter {
    Accepted = 0,
    Open,
    Refused,
    Malformed,
    Errors,
    BytesIn,
    BytesOut,
    Fids,
}

/// Adds `n` to `counter`.
pub(crate) fn count(counter: Counter, n: i64) {
    // SAFETY: the counters are atomic and any index is checked.
    unsafe { rust_9p_count(counter as u32, n) };
}

/// Counts one request of type `kind`.
pub(crate) fn count_request(kind: u8) {
    // SAFETY: the table has an entry for every `u8`.
    unsafe { rust_9p_count_request(kind) };
}

/// The counters' debugfs file; removed when dropped.
pub(crate) struct CountersFile(());

impl CountersFile {
    pub(crate) fn create() -> Self {
        // SAFETY: called once, at load; failures leave debugfs without it.
        unsafe { rust_9p_debugfs_init() };
        Self(())
    }
}

impl Drop for CountersFile {
    fn drop(&mut self) {
        // SAFETY: removes what `create` made (nothing if that failed).
        unsafe { rust_9p_debugfs_exit() };
    }
}
