/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rust_fingerd_glue.c's functions, called from Rust (rust_fingerd/params.rs,
 * rust_fingerd/vfs.rs, rust_fingerd/sessions.rs), and the Rust function it
 * calls. Each Rust declaration of these must match.
 */
#ifndef RUST_FINGERD_GLUE_H
#define RUST_FINGERD_GLUE_H

#include <linux/types.h>

struct seq_file;

/* The size of the group parameter's buffer; rust_fingerd/params.rs states it again. */
#define RUST_FINGERD_GROUP_PARAM_LEN 64

const char *rust_fingerd_param_group(void);
int rust_fingerd_param_deadline_ms(void);
int rust_fingerd_param_max_clients(void);
int rust_fingerd_param_max_per_peer(void);
bool rust_fingerd_param_list_users(void);
int rust_fingerd_param_max_plan_size(void);
bool rust_fingerd_log_ratelimit(void);
void rust_fingerd_debugfs_init(void *clients);
void rust_fingerd_debugfs_exit(void);
int rust_fingerd_stat_key(const char *path, u64 key[4]);
void *rust_fingerd_read_published(const char *home, const char *name, u32 uid, size_t max,
				  size_t *len);
/* Defined in Rust (rust_fingerd/sessions.rs). */
int rust_fingerd_show_clients(struct seq_file *m, const void *clients);

#endif
