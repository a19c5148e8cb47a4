/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VFS helpers of rust_9p (rust_9p/vfs/vfs.c), declared for Rust in
 * rust_9p/vfs/glue.rs. Each runs with the current task's credentials,
 * which the Rust side sets to the client's around the call.
 */
#ifndef RUST_9P_VFS_H
#define RUST_9P_VFS_H

#include <linux/types.h>

struct dentry;
struct dir_context;
struct file;
struct path;

/*
 * What Rstatfs needs; rust_9p/vfs/glue.rs has the same layout, and both
 * sides assert its size and the offset of its last field.
 */
struct rust_9p_statfs {
	u64 blocks, bfree, bavail, files, ffree, fsid;
	u32 type, bsize, namelen;
};

#define RUST_9P_STATFS_SIZE 64
#define RUST_9P_STATFS_NAMELEN 56

struct dentry *rust_9p_dget(struct dentry *dentry);
void rust_9p_file_get(struct file *file);
int rust_9p_root_lookup(const char *name, struct path *out);
struct dentry *rust_9p_walk(const struct path *root, const struct path *from,
			    const u8 *name, size_t len);
int rust_9p_statfs(const struct path *p, struct rust_9p_statfs *st);
int rust_9p_readlink(const struct path *p, u8 *buf, size_t len);
struct file *rust_9p_open(const struct path *p, bool directory);
u64 rust_9p_file_size(struct file *file);
int rust_9p_readdir(struct file *file, u64 offset, struct dir_context *ctx);
ssize_t rust_9p_xattr(const struct path *p, const u8 *name, size_t nlen, u8 *buf,
		      size_t len);

#endif
