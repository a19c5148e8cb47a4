/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C helpers of the async runtime, called from executor/ and reactor/.
 * Each Rust declaration of these (extern "C") must match.
 */
#ifndef RKS_GLUE_RUNTIME_H
#define RKS_GLUE_RUNTIME_H

#include <linux/types.h>

struct bio_vec;
struct socket;
struct timer_list;
struct wait_queue_entry;
struct wait_queue_head;
struct workqueue_struct;

void rks_rcu_read_lock(void);
void rks_rcu_read_unlock(void);
struct workqueue_struct *rks_alloc_workqueue(const char *name);
void rks_init_wait_entry(struct wait_queue_entry *entry,
			 int (*func)(struct wait_queue_entry *, unsigned int, int, void *));
struct wait_queue_head *rks_sk_sleep(struct socket *sock);
void rks_timer_setup(struct timer_list *timer, void (*func)(struct timer_list *));
void rks_timer_arm_ms(struct timer_list *timer, unsigned int ms);
int rks_tcp_socket(int family, struct socket **res);
int rks_tcp_listen(struct socket *sock, const u8 *addr, u16 port, int backlog);
int rks_sock_addr(struct socket *sock, bool peer, u8 *addr, u16 *port);
int rks_tcp_accept(struct socket *sock, struct socket **res);
bool rks_sock_hung_up(struct socket *sock);
bool rks_sock_claims_room(struct socket *sock);
void rks_sock_abort(struct socket *sock);
int rks_sock_send_pages(struct socket *sock, const struct bio_vec *bv,
			unsigned int nr, size_t len, size_t skip, bool more);
void rks_put_pages(struct bio_vec *bv, unsigned int nr);

#endif
