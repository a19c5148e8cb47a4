// SPDX-License-Identifier: GPL-2.0
/*
 * rust_9p: the VFS calls its Rust code makes (rust_9p/vfs/), for what the
 * bindings cannot reach (static inline functions, delayed calls) or what
 * needs a lock held across several calls.
 *
 * Every helper runs with the current task's credentials, which the Rust
 * side sets to the client's around the call; no lookup follows a symlink,
 * crosses a mount or leaves the exported directory.
 */
#include <linux/build_bug.h>
#include <linux/bvec.h>
#include <linux/dcache.h>
#include <linux/delayed_call.h>
#include <linux/file.h>
#include <linux/filelock.h>
#include <linux/fs.h>
#include <linux/limits.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/pipe_fs_i.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <linux/splice.h>
#include <linux/statfs.h>
#include <linux/xattr.h>

#include "vfs.h"

static_assert(sizeof(struct rust_9p_statfs) == RUST_9P_STATFS_SIZE);
static_assert(sizeof(struct rust_9p_lock) == RUST_9P_LOCK_SIZE);
static_assert(offsetof(struct rust_9p_lock, type) == RUST_9P_LOCK_TYPE);
/* 9P's lock types are fcntl's. */
static_assert(F_RDLCK == 0 && F_WRLCK == 1 && F_UNLCK == 2);
static_assert(offsetof(struct rust_9p_statfs, namelen) == RUST_9P_STATFS_NAMELEN);

struct dentry *rust_9p_dget(struct dentry *dentry)
{
	return dget(dentry);
}

void rust_9p_file_get(struct file *file)
{
	get_file(file);
}

/* Stores the path of @file in @out, with a reference to each part. */
void rust_9p_file_path(struct file *file, struct path *out)
{
	*out = file->f_path;
	path_get(out);
}

/*
 * Looks up the export root @name into @out, following symlinks (the
 * administrator chose it). Returns 0 or -errno.
 */
int rust_9p_root_lookup(const char *name, struct path *out)
{
	return kern_path(name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, out);
}

/*
 * One walk step from @from: to the entry @name (@len bytes) of the
 * directory @from, or to its parent when @name is NULL. The parent of
 * @root is @root. Symlinks are not followed and mounts not crossed (a
 * mount point is the directory beneath it), and a result outside @root
 * (say, renamed away) is refused. Returns a new reference to the dentry,
 * on @from's mount, or an ERR_PTR().
 */
struct dentry *rust_9p_walk(const struct path *root, const struct path *from,
			    const u8 *name, size_t len)
{
	struct mnt_idmap *idmap = mnt_idmap(from->mnt);
	struct dentry *next;
	int err;

	if (from->mnt != root->mnt)
		return ERR_PTR(-EXDEV);
	if (!d_can_lookup(from->dentry))
		return ERR_PTR(-ENOTDIR);
	if (!name) {
		err = inode_permission(idmap, d_inode(from->dentry), MAY_EXEC);
		if (err)
			return ERR_PTR(err);
		next = from->dentry == root->dentry ? dget(from->dentry) :
						      dget_parent(from->dentry);
	} else {
		if (len > NAME_MAX)
			return ERR_PTR(-ENAMETOOLONG);
		next = lookup_one_unlocked(idmap, name, from->dentry, len);
		if (IS_ERR(next))
			return next;
		if (d_is_negative(next)) {
			dput(next);
			return ERR_PTR(-ENOENT);
		}
	}
	if (!is_subdir(next, root->dentry)) {
		dput(next);
		return ERR_PTR(-ENOENT);
	}
	return next;
}

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

/* The size of @file now. */
u64 rust_9p_file_size(struct file *file)
{
	return i_size_read(file_inode(file));
}

/* Where rust_9p_read_pages() puts the pages of a read. */
struct rust_9p_page_sink {
	struct bio_vec *bv;
	unsigned int nr, max;
};

/*
 * Takes a reference to each page of the first @sd->len bytes of @buf, one
 * entry a page, while the sink has room; returns the bytes taken.
 */
static int rust_9p_take_pages(struct pipe_inode_info *pipe, struct pipe_buffer *buf,
			      struct splice_desc *sd)
{
	struct rust_9p_page_sink *sink = sd->u.data;
	struct page *page = buf->page + buf->offset / PAGE_SIZE;
	unsigned int offset = offset_in_page(buf->offset);
	unsigned int left = sd->len, taken = 0;

	while (left && sink->nr < sink->max) {
		unsigned int part = min_t(unsigned int, left, PAGE_SIZE - offset);

		get_page(page);
		bvec_set_page(&sink->bv[sink->nr++], page, part, offset);
		taken += part;
		left -= part;
		page++;
		offset = 0;
	}
	return taken;
}

static int rust_9p_take_piped_pages(struct pipe_inode_info *pipe, struct splice_desc *sd)
{
	return __splice_from_pipe(pipe, sd, rust_9p_take_pages);
}

/*
 * Reads up to @count bytes of @file at @offset as references to the pages
 * that hold them (the page cache's, shared rather than copied), into the
 * @max entries of @bv; *@nr says how many it filled, whatever the result.
 * Returns the bytes read (fewer when @bv fills up, 0 at the end), or
 * -errno: -EOPNOTSUPP when the file cannot be read this way.
 */
ssize_t rust_9p_read_pages(struct file *file, u64 offset, size_t count,
			   struct bio_vec *bv, unsigned int max, unsigned int *nr)
{
	struct rust_9p_page_sink sink = { .bv = bv, .max = max };
	struct splice_desc sd = {
		.total_len = count,
		.pos = offset,
		.u.data = &sink,
	};
	loff_t pos = offset;
	ssize_t ret;

	*nr = 0;
	if (offset > LLONG_MAX)
		return -EINVAL;
	if (!file->f_op->splice_read || !S_ISREG(file_inode(file)->i_mode) ||
	    !(file->f_mode & FMODE_LSEEK))
		return -EOPNOTSUPP;
	ret = rw_verify_area(READ, file, &pos, count);
	if (!ret)
		ret = splice_direct_to_actor(file, &sd, rust_9p_take_piped_pages);
	*nr = sink.nr;
	return ret;
}

/*
 * Reports the entries of directory @file from position @offset (a cookie
 * from an earlier call, or 0) to @ctx's actor, until it returns false or
 * the directory ends; @ctx->pos is the position after the last entry taken.
 * Calls on one file are serialised by its f_pos_lock. Returns 0 or -errno.
 */
int rust_9p_readdir(struct file *file, u64 offset, struct dir_context *ctx)
{
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
		err = iterate_dir(file, ctx);
	ctx->pos = file->f_pos;
	mutex_unlock(&file->f_pos_lock);
	return err;
}

/*
 * Copies the extended attribute name @name (@nlen bytes) into @cname
 * (XATTR_NAME_MAX + 1 bytes), NUL terminated. Returns 0, or -EINVAL for a
 * name setxattr(2) would refuse.
 */
int rust_9p_xattr_name(char *cname, const u8 *name, size_t nlen)
{
	if (nlen == 0 || nlen > XATTR_NAME_MAX || memchr(name, 0, nlen))
		return -EINVAL;
	memcpy(cname, name, nlen);
	cname[nlen] = 0;
	return 0;
}

/*
 * The POSIX ACL @name of @p in its xattr form, as getxattr(2) gives it
 * (6.12's vfs_getxattr() refuses the ACL names).
 */
static ssize_t acl_xattr(const struct path *p, const char *name, u8 *buf, size_t len)
{
	struct posix_acl *acl = vfs_get_acl(mnt_idmap(p->mnt), p->dentry, name);
	ssize_t size;

	if (IS_ERR(acl))
		return PTR_ERR(acl);
	size = posix_acl_to_xattr(current_user_ns(), acl, buf, len);
	posix_acl_release(acl);
	return size;
}

/*
 * Reads extended attribute @name (@nlen bytes) of @p into @buf, or only
 * measures it when @len is 0; with @name NULL, lists the names. Returns
 * the size or -errno.
 */
ssize_t rust_9p_xattr(const struct path *p, const u8 *name, size_t nlen, u8 *buf,
		      size_t len)
{
	char cname[XATTR_NAME_MAX + 1];
	int err;

	/* A size query passes no buffer: with one, "too small" is ERANGE. */
	if (!len)
		buf = NULL;
	if (!name)
		return vfs_listxattr(p->dentry, buf, len);
	err = rust_9p_xattr_name(cname, name, nlen);
	if (err)
		return err;
	if (is_posix_acl_xattr(cname))
		return acl_xattr(p, cname, buf, len);
	return vfs_getxattr(mnt_idmap(p->mnt), p->dentry, cname, buf, len);
}

/* A POSIX lock of @owner on @file, as @lk describes it. */
static struct file_lock *new_lock(struct file *file, void *owner,
				  const struct rust_9p_lock *lk)
{
	struct file_lock *fl;

	if (lk->type > F_UNLCK || lk->start > lk->end || lk->end > OFFSET_MAX)
		return ERR_PTR(-EINVAL);
	fl = locks_alloc_lock();
	if (!fl)
		return ERR_PTR(-ENOMEM);
	fl->c.flc_flags = FL_POSIX;
	fl->c.flc_type = lk->type;
	fl->c.flc_owner = owner;
	fl->c.flc_pid = lk->pid;
	fl->c.flc_file = file;
	fl->fl_start = lk->start;
	fl->fl_end = lk->end;
	return fl;
}

/*
 * Sets (or, for F_UNLCK, clears) the POSIX lock @lk of @owner on @file, as
 * fcntl(F_SETLK) does: never waits. Returns 0, -EAGAIN when a lock of
 * another owner conflicts, or -errno.
 */
int rust_9p_setlk(struct file *file, void *owner, const struct rust_9p_lock *lk)
{
	struct file_lock *fl = new_lock(file, owner, lk);
	int err;

	if (IS_ERR(fl))
		return PTR_ERR(fl);
	err = vfs_lock_file(file, F_SETLK, fl, NULL);
	locks_free_lock(fl);
	return err;
}

/*
 * Finds a lock that would conflict with @lk of @owner on @file, as
 * fcntl(F_GETLK) does: stores it in @lk, or sets @lk->type to F_UNLCK if
 * there is none. Returns 0 or -errno.
 */
int rust_9p_getlk(struct file *file, void *owner, struct rust_9p_lock *lk)
{
	struct file_lock *fl = new_lock(file, owner, lk);
	int err;

	if (IS_ERR(fl))
		return PTR_ERR(fl);
	err = vfs_test_lock(file, fl);
	if (!err) {
		lk->type = fl->c.flc_type;
		if (fl->c.flc_type != F_UNLCK) {
			lk->start = fl->fl_start;
			lk->end = fl->fl_end;
			lk->pid = fl->c.flc_pid;
		}
	}
	locks_free_lock(fl);
	return err;
}

/* The number of POSIX locks @owner holds on @file's inode. */
unsigned int rust_9p_count_locks(struct file *file, void *owner)
{
	struct file_lock_context *ctx = locks_inode_context(file_inode(file));
	struct file_lock *fl;
	unsigned int n = 0;

	if (!ctx)
		return 0;
	spin_lock(&ctx->flc_lock);
	for_each_file_lock(fl, &ctx->flc_posix)
		if (fl->c.flc_owner == owner)
			n++;
	spin_unlock(&ctx->flc_lock);
	return n;
}

/* Releases every POSIX lock of @owner on @file's inode. */
void rust_9p_unlock_all(struct file *file, void *owner)
{
	locks_remove_posix(file, owner);
}
