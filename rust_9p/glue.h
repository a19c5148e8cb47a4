/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rust_9p_glue.c's functions, called from Rust (rust_9p/params.rs,
 * rust_9p/counters.rs), and the two it calls there. Each Rust declaration
 * of these must match.
 */
#ifndef RUST_9P_GLUE_H
#define RUST_9P_GLUE_H

#include <linux/types.h>

struct seq_file;

const char *rust_9p_param_root(void);
int rust_9p_param_msize(void);
int rust_9p_param_zero_copy_min(void);
int rust_9p_param_max_connections(void);
int rust_9p_param_max_fids(void);
int rust_9p_param_max_fids_total(void);
int rust_9p_param_max_open_files(void);
int rust_9p_param_max_xattr_bytes(void);
int rust_9p_param_idle_timeout(void);
int rust_9p_param_write_timeout(void);
int rust_9p_param_max_per_peer(void);
unsigned int rust_9p_param_uid(void);
unsigned int rust_9p_param_gid(void);
bool rust_9p_param_multi_user(void);
bool rust_9p_param_read_only(void);
bool rust_9p_param_no_root_squash(void);
void rust_9p_debugfs_init(void *clients);
void rust_9p_debugfs_exit(void);
/* Defined in Rust (rust_9p/counters.rs). */
int rust_9p_show_counters(struct seq_file *m);
int rust_9p_show_clients(struct seq_file *m, const void *clients);

#endif
