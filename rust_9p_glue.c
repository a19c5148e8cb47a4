// SPDX-License-Identifier: GPL-2.0
/*
 * rust_9p: module parameters, the VFS calls its Rust code makes, and its
 * debugfs counters.
 *
 * Rust for Linux 6.12 has no module parameters and no VFS abstractions, so
 * both live here as thin helpers; rust_9p/params.rs validates the
 * parameters and rust_9p/vfs.rs wraps the helpers in safe types. Every
 * lookup, permission check and open runs with the credentials the Rust side
 * passes (never the loader's), and no lookup follows a symlink, crosses a
 * mount or leaves the exported directory.
 */
#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/delayed_call.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/stat.h>
#include <linux/statfs.h>
#include <linux/uidgid.h>
#include <linux/xattr.h>

#include "glue/file.c"
#include "glue/params.h"

/* Called from Rust (rust_9p/params.rs and rust_9p/vfs.rs). */
const char *rust_9p_param_root(void);
int rust_9p_param_msize(void);
int rust_9p_param_max_connections(void);
int rust_9p_param_max_fids(void);
int rust_9p_param_idle_timeout(void);
unsigned int rust_9p_param_uid(void);
unsigned int rust_9p_param_gid(void);
bool rust_9p_param_multi_user(void);
void rust_9p_count(unsigned int counter, s64 n);
void rust_9p_count_request(u8 type);
void rust_9p_debugfs_init(void);
void rust_9p_debugfs_exit(void);
const struct cred *rust_9p_cred_new(u32 uid, u32 gid, const u32 *groups, size_t ngroups);
void rust_9p_cred_get(const struct cred *cred);
void rust_9p_cred_put(const struct cred *cred);
struct path *rust_9p_path_clone(const struct path *p);
void rust_9p_path_free(struct path *p);
struct path *rust_9p_root_lookup(const char *name);
struct path *rust_9p_walk(const struct cred *cred, const struct path *root,
			  const struct path *from, const u8 *name, size_t len);
struct rust_9p_stat;
int rust_9p_getattr(const struct path *p, struct rust_9p_stat *st);
struct rust_9p_statfs;
int rust_9p_statfs(const struct path *p, struct rust_9p_statfs *st);
int rust_9p_readlink(const struct path *p, u8 *buf, size_t len);
struct file *rust_9p_open(const struct cred *cred, const struct path *p, bool directory);
void rust_9p_file_put(struct file *file);
u64 rust_9p_file_size(struct file *file);
ssize_t rust_9p_read(struct file *file, u8 *buf, size_t len, u64 offset);
ssize_t rust_9p_readdir(struct file *file, u64 offset, u8 *buf, size_t len, u64 *end);
ssize_t rust_9p_xattr(const struct cred *cred, const struct path *p, const u8 *name,
		      size_t nlen, u8 *buf, size_t len);

/* ------------------------------------------------------------ parameters */

RKS_LISTEN_PARAMS(rust_9p, 564);

static char root[PATH_MAX];
module_param_string(root, root, sizeof(root), 0444);
MODULE_PARM_DESC(root, "Absolute path of the directory to export (required)");

static int msize = 512 * 1024;
module_param(msize, int, 0444);
MODULE_PARM_DESC(msize, "Largest message size agreed with a client, 4096-1048576 (default: 524288)");

static int max_connections = 64;
module_param(max_connections, int, 0444);
MODULE_PARM_DESC(max_connections, "Connections served at once; more are closed, 1-65536 (default: 64)");

static int max_fids = 65536;
module_param(max_fids, int, 0444);
MODULE_PARM_DESC(max_fids, "Fids one connection may hold, 16-1048576 (default: 65536)");

static int idle_timeout = 0;
module_param(idle_timeout, int, 0444);
MODULE_PARM_DESC(idle_timeout, "Seconds without a request before a connection is closed, 0 for never, at most 86400 (default: 0)");

static unsigned int uid = 65534;
module_param(uid, uint, 0444);
MODULE_PARM_DESC(uid, "User id of every file access, 0-4294967294 (default: 65534)");

static unsigned int gid = 65534;
module_param(gid, uint, 0444);
MODULE_PARM_DESC(gid, "Group id of every file access, 0-4294967294 (default: 65534)");

static bool multi_user;
module_param(multi_user, bool, 0444);
MODULE_PARM_DESC(multi_user, "Access files as the numeric user of each attach (n_uname), with its groups from /etc/passwd and /etc/group (default: N)");

const char *rust_9p_param_root(void) { return root; }
int rust_9p_param_msize(void) { return msize; }
int rust_9p_param_max_connections(void) { return max_connections; }
int rust_9p_param_max_fids(void) { return max_fids; }
int rust_9p_param_idle_timeout(void) { return idle_timeout; }
unsigned int rust_9p_param_uid(void) { return uid; }
unsigned int rust_9p_param_gid(void) { return gid; }
bool rust_9p_param_multi_user(void) { return multi_user; }

/* -------------------------------------------------------------- counters */

/* Indices of rust_9p_count(); rust_9p/vfs.rs has the same list. */
enum {
	C_ACCEPTED, C_OPEN, C_REFUSED, C_MALFORMED, C_ERRORS, C_BYTES_IN, C_BYTES_OUT,
	C_FIDS, C_NR
};

static const char *const counter_names[C_NR] = {
	"connections_accepted", "connections_open", "connections_refused",
	"malformed_closed", "replies_rlerror", "bytes_received", "bytes_sent",
	"fids_open",
};

static const char *const request_names[256] = {
	[8] = "statfs", [12] = "lopen", [14] = "lcreate", [16] = "symlink",
	[18] = "mknod", [20] = "rename", [22] = "readlink", [24] = "getattr",
	[26] = "setattr", [30] = "xattrwalk", [32] = "xattrcreate",
	[40] = "readdir", [50] = "fsync", [52] = "lock", [54] = "getlock",
	[70] = "link", [72] = "mkdir", [74] = "renameat", [76] = "unlinkat",
	[100] = "version", [102] = "auth", [104] = "attach", [108] = "flush",
	[110] = "walk", [116] = "read", [118] = "write", [120] = "clunk",
	[122] = "remove",
};

static atomic64_t counters[C_NR];
static atomic64_t requests[256];
static struct dentry *debugfs_dir;

void rust_9p_count(unsigned int counter, s64 n)
{
	if (counter < C_NR)
		atomic64_add(n, &counters[counter]);
}

void rust_9p_count_request(u8 type)
{
	atomic64_inc(&requests[type]);
}

static int counters_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < C_NR; i++)
		seq_printf(m, "%s %lld\n", counter_names[i], atomic64_read(&counters[i]));
	for (i = 0; i < 256; i++) {
		s64 n = atomic64_read(&requests[i]);

		if (request_names[i])
			seq_printf(m, "requests.%s %lld\n", request_names[i], n);
		else if (n)
			seq_printf(m, "requests.type%d %lld\n", i, n);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(counters);

/* Creates /sys/kernel/debug/rust_9p/counters (nothing if debugfs is off). */
void rust_9p_debugfs_init(void)
{
	debugfs_dir = debugfs_create_dir("rust_9p", NULL);
	debugfs_create_file("counters", 0400, debugfs_dir, NULL, &counters_fops);
}

void rust_9p_debugfs_exit(void)
{
	debugfs_remove_recursive(debugfs_dir);
}

/* ----------------------------------------------------------- credentials */

/*
 * Credentials of user @uid, group @gid and the @ngroups supplementary
 * @groups, with no capabilities: every access is checked like that user's.
 * Returns them or an ERR_PTR().
 */
const struct cred *rust_9p_cred_new(u32 uid, u32 gid, const u32 *groups, size_t ngroups)
{
	kuid_t kuid = make_kuid(&init_user_ns, uid);
	kgid_t kgid = make_kgid(&init_user_ns, gid);
	struct group_info *info;
	struct cred *cred;
	size_t i;

	if (!uid_valid(kuid) || !gid_valid(kgid) || ngroups > NGROUPS_MAX)
		return ERR_PTR(-EINVAL);
	info = groups_alloc(ngroups);
	if (!info)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < ngroups; i++) {
		info->gid[i] = make_kgid(&init_user_ns, groups[i]);
		if (!gid_valid(info->gid[i])) {
			put_group_info(info);
			return ERR_PTR(-EINVAL);
		}
	}
	groups_sort(info);
	cred = prepare_kernel_cred(&init_task);
	if (!cred) {
		put_group_info(info);
		return ERR_PTR(-ENOMEM);
	}
	cred->uid = cred->euid = cred->suid = cred->fsuid = kuid;
	cred->gid = cred->egid = cred->sgid = cred->fsgid = kgid;
	cred->cap_effective = CAP_EMPTY_SET;
	cred->cap_permitted = CAP_EMPTY_SET;
	cred->cap_inheritable = CAP_EMPTY_SET;
	cred->cap_ambient = CAP_EMPTY_SET;
	set_groups(cred, info);
	put_group_info(info);
	return cred;
}

void rust_9p_cred_get(const struct cred *cred)
{
	get_cred(cred);
}

void rust_9p_cred_put(const struct cred *cred)
{
	put_cred(cred);
}

/* ----------------------------------------------------------------- paths */

/* A copy of @p holding its own references, or NULL without memory. */
struct path *rust_9p_path_clone(const struct path *p)
{
	struct path *copy = kmalloc(sizeof(*copy), GFP_KERNEL);

	if (copy) {
		*copy = *p;
		path_get(copy);
	}
	return copy;
}

void rust_9p_path_free(struct path *p)
{
	path_put(p);
	kfree(p);
}

/* Looks up the export root @name (symlinks followed: the admin chose it). */
struct path *rust_9p_root_lookup(const char *name)
{
	struct path p, *copy;
	int err = kern_path(name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p);

	if (err)
		return ERR_PTR(err);
	copy = rust_9p_path_clone(&p);
	path_put(&p);
	return copy ?: ERR_PTR(-ENOMEM);
}

/*
 * One walk step from @from, with @cred: to the entry @name (@len bytes) of
 * the directory @from, or to its parent when @name is NULL. The parent of
 * @root is @root. Symlinks are not followed and mounts not crossed (a mount
 * point is the directory beneath it), and a result outside @root (say,
 * renamed away) is refused. Returns a new path or an ERR_PTR().
 */
struct path *rust_9p_walk(const struct cred *cred, const struct path *root,
			  const struct path *from, const u8 *name, size_t len)
{
	struct mnt_idmap *idmap = mnt_idmap(from->mnt);
	struct path next = { .mnt = from->mnt };
	const struct cred *old;
	struct path *copy;
	int err = 0;

	if (from->mnt != root->mnt)
		return ERR_PTR(-EXDEV);
	if (!d_can_lookup(from->dentry))
		return ERR_PTR(-ENOTDIR);
	old = override_creds(cred);
	if (!name) {
		err = inode_permission(idmap, d_inode(from->dentry), MAY_EXEC);
		if (!err)
			next.dentry = from->dentry == root->dentry ?
				dget(from->dentry) : dget_parent(from->dentry);
	} else if (len > NAME_MAX) {
		err = -ENAMETOOLONG;
	} else {
		next.dentry = lookup_one_unlocked(idmap, name, from->dentry, len);
		if (IS_ERR(next.dentry)) {
			err = PTR_ERR(next.dentry);
		} else if (d_is_negative(next.dentry)) {
			dput(next.dentry);
			err = -ENOENT;
		}
	}
	revert_creds(old);
	if (err)
		return ERR_PTR(err);
	if (!is_subdir(next.dentry, root->dentry)) {
		dput(next.dentry);
		return ERR_PTR(-ENOENT);
	}
	mntget(next.mnt);
	copy = rust_9p_path_clone(&next);
	path_put(&next);
	return copy ?: ERR_PTR(-ENOMEM);
}

/* What Rgetattr needs; rust_9p/vfs.rs has the same layout. */
struct rust_9p_stat {
	u64 ino, nlink, rdev, size, blksize, blocks;
	u64 atime_sec, atime_nsec, mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
	u32 dev, mode, uid, gid;
};

int rust_9p_getattr(const struct path *p, struct rust_9p_stat *st)
{
	struct kstat k;
	int err = vfs_getattr(p, &k, STATX_BASIC_STATS, AT_STATX_SYNC_AS_STAT);

	if (err)
		return err;
	st->ino = k.ino;
	st->nlink = k.nlink;
	st->rdev = huge_encode_dev(k.rdev);
	st->size = k.size;
	st->blksize = k.blksize;
	st->blocks = k.blocks;
	st->atime_sec = k.atime.tv_sec;
	st->atime_nsec = k.atime.tv_nsec;
	st->mtime_sec = k.mtime.tv_sec;
	st->mtime_nsec = k.mtime.tv_nsec;
	st->ctime_sec = k.ctime.tv_sec;
	st->ctime_nsec = k.ctime.tv_nsec;
	st->dev = huge_encode_dev(k.dev);
	st->mode = k.mode;
	st->uid = from_kuid_munged(&init_user_ns, k.uid);
	st->gid = from_kgid_munged(&init_user_ns, k.gid);
	return 0;
}

/* What Rstatfs needs; rust_9p/vfs.rs has the same layout. */
struct rust_9p_statfs {
	u64 blocks, bfree, bavail, files, ffree, fsid;
	u32 type, bsize, namelen;
};

int rust_9p_statfs(const struct path *p, struct rust_9p_statfs *st)
{
	struct kstatfs k;
	int err = vfs_statfs(p, &k);

	if (err)
		return err;
	st->type = k.f_type;
	st->bsize = k.f_bsize;
	st->blocks = k.f_blocks;
	st->bfree = k.f_bfree;
	st->bavail = k.f_bavail;
	st->files = k.f_files;
	st->ffree = k.f_ffree;
	st->fsid = (u64)(u32)k.f_fsid.val[0] | (u64)(u32)k.f_fsid.val[1] << 32;
	st->namelen = k.f_namelen;
	return 0;
}

/* Copies the target of symlink @p into @buf; returns its length or -errno. */
int rust_9p_readlink(const struct path *p, u8 *buf, size_t len)
{
	DEFINE_DELAYED_CALL(done);
	const char *target;
	size_t n;

	if (!d_is_symlink(p->dentry))
		return -EINVAL;
	target = vfs_get_link(p->dentry, &done);
	if (IS_ERR(target))
		return PTR_ERR(target);
	n = strlen(target);
	if (n <= len)
		memcpy(buf, target, n);
	do_delayed_call(&done);
	return n <= len ? n : -ENAMETOOLONG;
}

/* ----------------------------------------------------------- open files */

/*
 * Opens @p for reading with @cred: only regular files and directories, and
 * only if @cred may read them. Returns the file or an ERR_PTR().
 */
struct file *rust_9p_open(const struct cred *cred, const struct path *p, bool directory)
{
	struct inode *inode = d_inode(p->dentry);
	const struct cred *old;
	struct file *file;
	int err;

	if (d_is_symlink(p->dentry))
		return ERR_PTR(-ELOOP);
	if (!S_ISREG(inode->i_mode) && !S_ISDIR(inode->i_mode))
		return ERR_PTR(-EPERM);
	if (directory && !S_ISDIR(inode->i_mode))
		return ERR_PTR(-ENOTDIR);
	old = override_creds(cred);
	err = inode_permission(mnt_idmap(p->mnt), inode, MAY_READ);
	file = err ? ERR_PTR(err) : dentry_open(p, O_RDONLY | O_LARGEFILE, cred);
	revert_creds(old);
	return file;
}

void rust_9p_file_put(struct file *file)
{
	fput(file);
}

/* The size of @file now. */
u64 rust_9p_file_size(struct file *file)
{
	return i_size_read(file_inode(file));
}

/* Reads up to @len bytes at @offset; returns the count or -errno. */
ssize_t rust_9p_read(struct file *file, u8 *buf, size_t len, u64 offset)
{
	loff_t pos = offset;

	if (offset > LLONG_MAX)
		return -EINVAL;
	return kernel_read(file, buf, len, &pos);
}

/*
 * Directory entries as records for rust_9p/vfs.rs:
 * ino[8] offset[8] type[1] namelen[2] name, native endian, unaligned.
 * offset is the entry's own position in the directory.
 */
#define DIRENT_RECORD 19

struct dirent_buf {
	struct dir_context ctx;
	u8 *buf;
	size_t len, used;
};

static bool dirent_record(struct dir_context *ctx, const char *name, int namelen,
			  loff_t offset, u64 ino, unsigned int type)
{
	struct dirent_buf *d = container_of(ctx, struct dirent_buf, ctx);
	u16 n = namelen;
	u8 *rec = d->buf + d->used;
	u64 off = offset;
	u8 t = type;

	if (namelen > U16_MAX || d->len - d->used < DIRENT_RECORD + namelen)
		return false;
	memcpy(rec, &ino, 8);
	memcpy(rec + 8, &off, 8);
	memcpy(rec + 16, &t, 1);
	memcpy(rec + 17, &n, 2);
	memcpy(rec + 19, name, namelen);
	d->used += DIRENT_RECORD + namelen;
	return true;
}

/*
 * Fills @buf with the records of the entries of directory @file from
 * position @offset (a cookie from an earlier call, or 0), as many as fit.
 * Stores the position after the last record in @end. Returns the bytes
 * used or -errno. Calls on one file are serialised by its f_pos_lock.
 */
ssize_t rust_9p_readdir(struct file *file, u64 offset, u8 *buf, size_t len, u64 *end)
{
	struct dirent_buf d = {
		.ctx.actor = dirent_record,
		.buf = buf,
		.len = len,
	};
	loff_t pos;
	int err = 0;

	if (offset > LLONG_MAX)
		return -EINVAL;
	mutex_lock(&file->f_pos_lock);
	if (file->f_pos != offset) {
		pos = vfs_llseek(file, offset, SEEK_SET);
		if (pos < 0)
			err = pos;
	}
	if (!err)
		err = iterate_dir(file, &d.ctx);
	*end = file->f_pos;
	mutex_unlock(&file->f_pos_lock);
	return err ? err : d.used;
}

/* --------------------------------------------------------------- xattrs */

/*
 * With @cred, reads extended attribute @name (@nlen bytes) of @p into @buf,
 * or only measures it when @len is 0; with @name NULL, lists the names.
 * Returns the size or -errno.
 */
ssize_t rust_9p_xattr(const struct cred *cred, const struct path *p, const u8 *name,
		      size_t nlen, u8 *buf, size_t len)
{
	char cname[XATTR_NAME_MAX + 1];
	const struct cred *old;
	ssize_t ret;

	if (name) {
		if (nlen == 0 || nlen > XATTR_NAME_MAX || memchr(name, 0, nlen))
			return -EINVAL;
		memcpy(cname, name, nlen);
		cname[nlen] = 0;
	}
	/* A size query passes no buffer: with one, "too small" is ERANGE. */
	if (!len)
		buf = NULL;
	old = override_creds(cred);
	if (name)
		ret = vfs_getxattr(mnt_idmap(p->mnt), p->dentry, cname, buf, len);
	else
		ret = vfs_listxattr(p->dentry, buf, len);
	revert_creds(old);
	return ret;
}

/* The runtime's helpers, linked into this module. */
#include "glue/runtime.c"
