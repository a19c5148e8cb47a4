/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C helpers of the async runtime, called from executor/ and reactor/.
 * Each Rust declaration of these (extern "C") must match.
 */
#ifndef RKS_GLUE_RUNTIME_H
#define RKS_GLUE_RUNTIME_H

#include <linux/compiler.h>
#include <linux/types.h>

struct socket;
struct timer_list;
struct wait_queue_entry;
struct wait_queue_head;
struct workqueue_struct;

/*
 * Each module links its own copy of these helpers (its *_glue.c includes
 * the .c file). Built into one kernel, the copies are the same code: __weak
 * lets the linker keep one of them instead of refusing the duplicates.
 */
__weak void rks_rcu_read_lock(void);
__weak void rks_rcu_read_unlock(void);
__weak struct workqueue_struct *rks_alloc_workqueue(const char *name);
__weak void rks_init_wait_entry(struct wait_queue_entry *entry,
				int (*func)(struct wait_queue_entry *, unsigned int, int, void *));
__weak struct wait_queue_head *rks_sk_sleep(struct socket *sock);
__weak void rks_timer_setup(struct timer_list *timer, void (*func)(struct timer_list *));
__weak void rks_timer_arm_ms(struct timer_list *timer, unsigned int ms);
__weak int rks_tcp_socket(int family, struct socket **res);
__weak int rks_tcp_listen(struct socket *sock, const u8 *addr, u16 port, int backlog);
__weak int rks_sock_addr(struct socket *sock, bool peer, u8 *addr, u16 *port);
__weak void rks_tcp_nodelay(struct socket *sock);
__weak bool rks_sock_hung_up(struct socket *sock);
__weak void rks_sock_abort(struct socket *sock);

#endif
