/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VFS helpers of rust_9p (rust_9p/vfs/vfs.c), declared for Rust in
 * rust_9p/vfs/glue.rs. Each runs with the current task's credentials,
 * which the Rust side sets to the client's around the call.
 */
#ifndef RUST_9P_VFS_H
#define RUST_9P_VFS_H

#include <linux/types.h>

struct bio_vec;
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

/*
 * The fields of Tsetattr; rust_9p/vfs/glue.rs has the same layout, and
 * both sides assert its size and the offset of its last field. valid holds
 * the P9_ATTR_* bits of the fields to set.
 */
struct rust_9p_setattr {
	u32 valid, mode, uid, gid;
	u64 size, atime_sec, atime_nsec, mtime_sec, mtime_nsec;
};

#define RUST_9P_SETATTR_SIZE 56
#define RUST_9P_SETATTR_MTIME_NSEC 48

/*
 * A POSIX lock of rust_9p/vfs/glue.rs's layout (both sides assert its size
 * and the offset of its last field): the bytes start to end, the pid, and
 * the type (F_RDLCK, F_WRLCK or F_UNLCK, which are 9P's numbers too).
 */
struct rust_9p_lock {
	u64 start, end;
	u32 pid, type;
};

#define RUST_9P_LOCK_SIZE 24
#define RUST_9P_LOCK_TYPE 20

#define P9_ATTR_MODE		0x001
#define P9_ATTR_UID		0x002
#define P9_ATTR_GID		0x004
#define P9_ATTR_SIZE		0x008
#define P9_ATTR_ATIME		0x010
#define P9_ATTR_MTIME		0x020
#define P9_ATTR_CTIME		0x040
#define P9_ATTR_ATIME_SET	0x080
#define P9_ATTR_MTIME_SET	0x100

struct kthread_work;
struct kthread_worker;

/* vfs.c: lookups, reads and locks. */
struct dentry *rust_9p_dget(struct dentry *dentry);
void rust_9p_file_get(struct file *file);
void rust_9p_file_path(struct file *file, struct path *out);
int rust_9p_root_lookup(const char *name, struct path *out);
struct dentry *rust_9p_walk(const struct path *root, const struct path *from,
			    const u8 *name, size_t len);
int rust_9p_statfs(const struct path *p, struct rust_9p_statfs *st);
int rust_9p_readlink(const struct path *p, u8 *buf, size_t len);
u64 rust_9p_file_size(struct file *file);
ssize_t rust_9p_read_pages(struct file *file, u64 offset, size_t count,
			   struct bio_vec *bv, unsigned int max, unsigned int *nr);
int rust_9p_readdir(struct file *file, u64 offset, struct dir_context *ctx);
int rust_9p_xattr_name(char *cname, const u8 *name, size_t nlen);
ssize_t rust_9p_xattr(const struct path *p, const u8 *name, size_t nlen, u8 *buf,
		      size_t len);
int rust_9p_setlk(struct file *file, void *owner, const struct rust_9p_lock *lk);
int rust_9p_getlk(struct file *file, void *owner, struct rust_9p_lock *lk);
unsigned int rust_9p_count_locks(struct file *file, void *owner);
void rust_9p_unlock_all(struct file *file, void *owner);

/* modify.c: opening, creating, writing, and everything else that changes the tree. */
struct file *rust_9p_open(const struct path *p, u32 flags);
struct file *rust_9p_create(const struct path *root, const struct path *dirp,
			    const u8 *name, size_t len, u32 flags, u32 mode, u32 gid);
struct dentry *rust_9p_mkdir(const struct path *root, const struct path *dirp,
			     const u8 *name, size_t len, u32 mode, u32 gid);
struct dentry *rust_9p_mknod(const struct path *root, const struct path *dirp,
			     const u8 *name, size_t len, u32 mode, u32 gid);
struct dentry *rust_9p_symlink(const struct path *root, const struct path *dirp,
			       const u8 *name, size_t len, const u8 *target, size_t tlen,
			       u32 gid);
int rust_9p_link(const struct path *root, const struct path *dirp, const u8 *name,
		 size_t len, const struct path *source);
int rust_9p_unlink(const struct path *root, const struct path *dirp, const u8 *name,
		   size_t len, bool rmdir);
int rust_9p_remove(const struct path *root, const struct path *p);
int rust_9p_rename(const struct path *root, const struct path *olddir, const u8 *old,
		   size_t olen, const struct path *source, const struct path *newdir,
		   const u8 *new, size_t nlen);
ssize_t rust_9p_write(struct file *file, const u8 *buf, size_t len, u64 offset);
int rust_9p_setattr(const struct path *p, struct file *file,
		    const struct rust_9p_setattr *sa);
int rust_9p_setxattr(const struct path *p, const u8 *name, size_t nlen, const u8 *value,
		     size_t size, u32 flags);

/* creator.c: the fs_struct of umask 0 that entries are created under. */
struct kthread_worker *rust_9p_creator_new(void);
void rust_9p_creator_destroy(struct kthread_worker *worker);
struct fs_struct *rust_9p_creator_enter(struct kthread_worker *creator);
void rust_9p_creator_leave(struct fs_struct *own);
#endif
