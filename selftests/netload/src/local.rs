// SPDX-License-Identifier: GPL-2.0

//! System calls on the guest's own files that the shell has no tool for:
//!
//! - `netload setxattr PATH NAME VALUE|@FILE [create|replace]`:
//!   setxattr(2) with XATTR_CREATE or XATTR_REPLACE (setfattr has no such
//!   options); the value is VALUE, or the bytes of FILE. Prints `set` or
//!   the errno, e.g. `setxattr: errno 17 (File exists)`.
//! - `netload mmapwrite PATH OFFSET TEXT`: maps the whole file shared,
//!   writes TEXT at OFFSET through the mapping, msync(MS_SYNC)s and unmaps
//!   it; the file must be long enough.

use std::ffi::{c_char, c_int, c_void, CString};
use std::fs::OpenOptions;
use std::io::Error;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;

extern "C" {
    fn setxattr(
        path: *const c_char,
        name: *const c_char,
        value: *const c_void,
        size: usize,
        flags: c_int,
    ) -> c_int;
    fn mmap(
        addr: *mut c_void,
        len: usize,
        prot: c_int,
        flags: c_int,
        fd: c_int,
        offset: i64,
    ) -> *mut c_void;
    fn msync(addr: *mut c_void, len: usize, flags: c_int) -> c_int;
    fn munmap(addr: *mut c_void, len: usize) -> c_int;
}

const XATTR_CREATE: c_int = 1;
const XATTR_REPLACE: c_int = 2;
const PROT_READ_WRITE: c_int = 3;
const MAP_SHARED: c_int = 1;
const MS_SYNC: c_int = 4;

fn cstring(text: &[u8]) -> CString {
    CString::new(text).unwrap_or_else(|_| crate::usage())
}

fn errno(what: &str, e: Error) -> bool {
    let errno = e.raw_os_error().unwrap_or(0) as u32;
    println!("{what}: {}", crate::p9::describe_errno(errno));
    false
}

/// `netload setxattr ...`; returns whether the call succeeded.
pub fn set(args: &[String]) -> bool {
    let (path, name, value, flags) = match args {
        [p, n, v] => (p, n, v, 0),
        [p, n, v, f] if f == "create" => (p, n, v, XATTR_CREATE),
        [p, n, v, f] if f == "replace" => (p, n, v, XATTR_REPLACE),
        _ => crate::usage(),
    };
    let value = match value.strip_prefix('@') {
        Some(file) => match std::fs::read(file) {
            Ok(bytes) => bytes,
            Err(e) => return errno(&format!("setxattr: reading {file}"), e),
        },
        None => value.as_bytes().to_vec(),
    };
    let path = cstring(std::path::Path::new(path).as_os_str().as_bytes());
    let name = cstring(name.as_bytes());
    // SAFETY: NUL-terminated strings and a buffer of `value.len()` bytes,
    // all alive across the call.
    let ret = unsafe {
        setxattr(
            path.as_ptr(),
            name.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            flags,
        )
    };
    if ret != 0 {
        return errno("setxattr", Error::last_os_error());
    }
    println!("set");
    true
}

/// `netload mmapwrite ...`; returns whether every step succeeded.
pub fn mmap_write(args: &[String]) -> bool {
    let [path, offset, text] = args else {
        crate::usage()
    };
    let offset: usize = offset.parse().unwrap_or_else(|_| crate::usage());
    let file = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(file) => file,
        Err(e) => return errno("mmapwrite: open", e),
    };
    let len = match file.metadata() {
        Ok(m) => m.len() as usize,
        Err(e) => return errno("mmapwrite: fstat", e),
    };
    let end = offset + text.len();
    if end > len || len == 0 {
        println!("mmapwrite: {end} bytes do not fit a file of {len}");
        return false;
    }
    // SAFETY: a fresh shared mapping of the whole of a file this function
    // holds open; nothing else refers to it, and it is unmapped before
    // returning.
    unsafe {
        let map = mmap(
            std::ptr::null_mut(),
            len,
            PROT_READ_WRITE,
            MAP_SHARED,
            file.as_raw_fd(),
            0,
        );
        if map as isize == -1 {
            return errno("mmapwrite: mmap", Error::last_os_error());
        }
        std::ptr::copy_nonoverlapping(text.as_ptr(), map.cast::<u8>().add(offset), text.len());
        if msync(map, len, MS_SYNC) != 0 {
            let e = Error::last_os_error();
            munmap(map, len);
            return errno("mmapwrite: msync", e);
        }
        munmap(map, len);
    }
    println!("mmapwrite: {} bytes at {offset}, msync done", text.len());
    true
}
