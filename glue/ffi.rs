// SPDX-License-Identifier: GPL-2.0

//! The C helpers shared by the modules: the runtime's (`glue/runtime.c`,
//! prototypes in `glue/runtime.h`: static inline kernel functions and
//! macros that the bindings cannot call, socket-address handling whose
//! structures bindgen does not expose), the credential builder's
//! (`glue/creds.c`, `glue/creds.h`) and the small-file reader's
//! (`glue/file.c`).

use kernel::bindings;
use kernel::ffi::{c_char, c_int, c_uint, c_void};

// Only pointers cross. The pointees include bindgen's empty stand-ins for
// structs that this configuration compiles out (`sched_statistics` inside
// `task_struct`, reached through `socket`), which the lint takes for
// FFI-unsafe types.
#[allow(improper_ctypes)]
extern "C" {
    /// `rcu_read_lock()`.
    pub fn rks_rcu_read_lock();
    /// `rcu_read_unlock()`.
    pub fn rks_rcu_read_unlock();
    /// A bound workqueue called `name`, or NULL.
    pub fn rks_alloc_workqueue(name: *const c_char) -> *mut bindings::workqueue_struct;
    /// `init_waitqueue_func_entry()`.
    pub fn rks_init_wait_entry(
        entry: *mut bindings::wait_queue_entry,
        func: bindings::wait_queue_func_t,
    );
    /// The wait queue of `sock` (`sk_sleep()`).
    pub fn rks_sk_sleep(sock: *mut bindings::socket) -> *mut bindings::wait_queue_head;
    /// `timer_setup(timer, func, 0)`.
    pub fn rks_timer_setup(
        timer: *mut bindings::timer_list,
        func: Option<unsafe extern "C" fn(*mut bindings::timer_list)>,
    );
    /// Arms `timer` to fire `ms` milliseconds from now (at least a jiffy).
    pub fn rks_timer_arm_ms(timer: *mut bindings::timer_list, ms: c_uint);
    /// A TCP socket of `family` in `init_net`; 0 or a negative errno.
    pub fn rks_tcp_socket(family: c_int, res: *mut *mut bindings::socket) -> c_int;
    /// Binds `sock` to `addr` (NULL: every address) and `port`, with
    /// `SO_REUSEADDR`, and listens; 0 or a negative errno.
    pub fn rks_tcp_listen(
        sock: *mut bindings::socket,
        addr: *const u8,
        port: u16,
        backlog: c_int,
    ) -> c_int;
    /// The local or peer address of `sock`: the family, or a negative errno.
    pub fn rks_sock_addr(
        sock: *mut bindings::socket,
        peer: bool,
        addr: *mut u8,
        port: *mut u16,
    ) -> c_int;
    /// Accepts a connection on the listening `sock` without blocking, with
    /// `TCP_NODELAY` set: 0 with the new socket in `res`, or a negative errno.
    pub fn rks_tcp_accept(sock: *mut bindings::socket, res: *mut *mut bindings::socket) -> c_int;
    /// Whether the connection of `sock` is reset or closed both ways.
    pub fn rks_sock_hung_up(sock: *mut bindings::socket) -> bool;
    /// Whether `sock` reports room to send (`sk_stream_is_writeable`).
    pub fn rks_sock_claims_room(sock: *mut bindings::socket) -> bool;
    /// Resets the connection of `sock` and shuts it down both ways.
    pub fn rks_sock_abort(sock: *mut bindings::socket);
    /// Sends `len` bytes of the `nr` pages of `bv`, from byte `skip` on,
    /// without copying them and without blocking (`MSG_MORE` with `more`):
    /// the bytes queued, or a negative errno.
    pub fn rks_sock_send_pages(
        sock: *mut bindings::socket,
        bv: *const bindings::bio_vec,
        nr: c_uint,
        len: usize,
        skip: usize,
        more: bool,
    ) -> c_int;
    /// Drops the page reference of each of the `nr` entries of `bv`.
    pub fn rks_put_pages(bv: *mut bindings::bio_vec, nr: c_uint);
    /// Credentials of `uid`, `gid` and `ngroups` supplementary `groups`,
    /// without capabilities (or with the file-system ones), or an `ERR_PTR`.
    pub fn rks_cred_new(
        uid: u32,
        gid: u32,
        groups: *const u32,
        ngroups: usize,
        with_fs_caps: bool,
    ) -> *const bindings::cred;
    /// `get_cred()`.
    pub fn rks_cred_get(cred: *const bindings::cred);
    /// `put_cred()`.
    pub fn rks_cred_put(cred: *const bindings::cred);
    /// Up to `max` bytes of the regular file `path`, read with the current
    /// credentials into a `kvmalloc` buffer (length in `len`), or an
    /// `ERR_PTR`.
    pub fn rks_read_file(path: *const c_char, max: usize, len: *mut usize) -> *mut c_void;
}
