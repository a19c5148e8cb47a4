// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers of the async runtime (executor/, reactor/): static inline
 * kernel functions and macros that Rust cannot call directly, and socket
 * address handling whose structures bindgen does not expose.
 *
 * Not a translation unit of its own: each module's *_glue.c includes it,
 * so that every module links its own copy.
 *
 * Its functions are __weak: built into one kernel, the modules' copies are
 * the same code, and the linker keeps one of them instead of refusing the
 * duplicates.
 */
#include <linux/bvec.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/rcupdate.h>
#include <linux/timer.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "runtime.h"

__weak void rks_rcu_read_lock(void)
{
	rcu_read_lock();
}

__weak void rks_rcu_read_unlock(void)
{
	rcu_read_unlock();
}

__weak struct workqueue_struct *rks_alloc_workqueue(const char *name)
{
	return alloc_workqueue("%s", 0, 0, name);
}

__weak void rks_init_wait_entry(struct wait_queue_entry *entry,
				int (*func)(struct wait_queue_entry *, unsigned int, int, void *))
{
	init_waitqueue_func_entry(entry, func);
}

__weak struct wait_queue_head *rks_sk_sleep(struct socket *sock)
{
	return sk_sleep(sock->sk);
}

__weak void rks_timer_setup(struct timer_list *timer, void (*func)(struct timer_list *))
{
	timer_setup(timer, func, 0);
}

/* Arms @timer to fire @ms milliseconds from now (at least one jiffy). */
__weak void rks_timer_arm_ms(struct timer_list *timer, unsigned int ms)
{
	mod_timer(timer, jiffies + max(msecs_to_jiffies(ms), 1UL));
}

/* Creates a TCP socket of @family (AF_INET or AF_INET6) in init_net. */
__weak int rks_tcp_socket(int family, struct socket **res)
{
	return sock_create_kern(&init_net, family, SOCK_STREAM, IPPROTO_TCP, res);
}

/*
 * Binds @sock to @addr (4 or 16 bytes, network order; NULL for every
 * address) and @port, with SO_REUSEADDR, then listens with @backlog.
 */
__weak int rks_tcp_listen(struct socket *sock, const u8 *addr, u16 port, int backlog)
{
	struct sockaddr_storage ss = {};
	int len, err;

	if (sock->sk->sk_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		if (addr)
			memcpy(&sin6->sin6_addr, addr, 16);
		len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		if (addr)
			memcpy(&sin->sin_addr, addr, 4);
		len = sizeof(*sin);
	}
	sock_set_reuseaddr(sock->sk);
	err = kernel_bind(sock, (struct sockaddr *)&ss, len);
	if (err)
		return err;
	return kernel_listen(sock, backlog);
}

/*
 * Stores the local (@peer false) or remote address of @sock in @addr (16
 * bytes; an IPv4 address uses the first 4) and @port. Returns the address
 * family or a negative errno. IPv4-mapped IPv6 addresses are reported as IPv4.
 */
__weak int rks_sock_addr(struct socket *sock, bool peer, u8 *addr, u16 *port)
{
	struct sockaddr_storage ss = {};
	int err;

	err = peer ? kernel_getpeername(sock, (struct sockaddr *)&ss) :
		     kernel_getsockname(sock, (struct sockaddr *)&ss);
	if (err < 0)
		return err;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		*port = ntohs(sin6->sin6_port);
		if (ipv6_addr_v4mapped(&sin6->sin6_addr)) {
			memcpy(addr, &sin6->sin6_addr.s6_addr32[3], 4);
			return AF_INET;
		}
		memcpy(addr, &sin6->sin6_addr, 16);
		return AF_INET6;
	}
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		*port = ntohs(sin->sin_port);
		memcpy(addr, &sin->sin_addr, 4);
		return AF_INET;
	}
	return -EAFNOSUPPORT;
}

/*
 * Accepts a connection on the listening socket @sock without blocking, with
 * TCP_NODELAY set; 0 with the new socket in @res, or a negative errno.
 */
__weak int rks_tcp_accept(struct socket *sock, struct socket **res)
{
	int err = kernel_accept(sock, res, O_NONBLOCK);

	if (!err)
		tcp_sock_set_nodelay((*res)->sk);
	return err;
}

/*
 * Whether the connection of @sock is over: an error (reset), or closed both
 * ways. A peer that only shut down its sending side may still read.
 */
__weak bool rks_sock_hung_up(struct socket *sock)
{
	struct sock *sk = sock->sk;

	return READ_ONCE(sk->sk_err) || READ_ONCE(sk->sk_state) == TCP_CLOSE ||
	       READ_ONCE(sk->sk_shutdown) == SHUTDOWN_MASK;
}

/*
 * Whether @sock reports room to send. A send that fails with -EAGAIN while it
 * does was refused for memory (the protocol's limits, tcp_mem), and no
 * write-space wake may follow: with nothing in flight, no acknowledgment
 * comes to make one.
 */
__weak bool rks_sock_claims_room(struct socket *sock)
{
	return sk_stream_is_writeable(sock->sk);
}

/*
 * Ends the connection of @sock with a reset, discarding unsent data, and
 * shuts it down both ways so that its readers see end of stream.
 */
__weak void rks_sock_abort(struct socket *sock)
{
	sock_no_linger(sock->sk);
	kernel_sock_shutdown(sock, SHUT_RDWR);
}

/*
 * Sends @len bytes of the @nr pages of @bv, from byte @skip on, without
 * copying them (MSG_SPLICE_PAGES: the socket takes references of its own)
 * and without blocking; with @more, the data may wait for what follows.
 * Returns the bytes queued or a negative errno.
 */
__weak int rks_sock_send_pages(struct socket *sock, const struct bio_vec *bv,
			       unsigned int nr, size_t len, size_t skip, bool more)
{
	struct msghdr msg = {
		.msg_flags = MSG_SPLICE_PAGES | MSG_DONTWAIT | MSG_NOSIGNAL |
			     (more ? MSG_MORE : 0),
	};

	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, bv, nr, len);
	iov_iter_advance(&msg.msg_iter, skip);
	return sock_sendmsg(sock, &msg);
}

/* Drops the page reference that each of the @nr entries of @bv holds. */
__weak void rks_put_pages(struct bio_vec *bv, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		put_page(bv[i].bv_page);
}
