// SPDX-License-Identifier: GPL-2.0
/*
 * rust_9p: the VFS calls that modify the export (rust_9p/vfs/modify.rs
 * wraps them), after nfsd's: fs/nfsd/vfs.c.
 *
 * Every helper runs with the current task's credentials, which the Rust
 * side sets to the client's; the creating ones run with the creator
 * thread's fs_struct, whose umask is 0 (rust_9p/vfs/creator.c), so that the client's mode is
 * the mode. The lock order is mnt_want_write(), then the parent's inode
 * lock (I_MUTEX_PARENT, or lock_rename()), then the helper, and the
 * reverse; no lock is held when a helper returns. After locking, the
 * parent must still be beneath the attach root, not covered by a mount,
 * and (for an entry named by a fid) still the entry's parent.
 */
#include <linux/build_bug.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/limits.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <linux/slab.h>
#include <linux/stat.h>
#include <linux/uidgid.h>
#include <linux/xattr.h>

#include "vfs.h"

static_assert(sizeof(struct rust_9p_setattr) == RUST_9P_SETATTR_SIZE);
static_assert(offsetof(struct rust_9p_setattr, mtime_nsec) == RUST_9P_SETATTR_MTIME_NSEC);

/*
 * Whether entries of @dir may be changed for a client of @root: @dir is
 * beneath @root and not covered by a mount (whatever is created there would
 * be hidden beneath it). The caller holds @dir's inode lock.
 */
static int check_parent(const struct path *root, struct dentry *dir)
{
	if (d_mountpoint(dir))
		return -EXDEV;
	/* A file system's root is never hashed; any other unhashed one is gone. */
	if ((!IS_ROOT(dir) && d_unhashed(dir)) || !is_subdir(dir, root->dentry))
		return -ENOENT;
	return 0;
}

/*
 * Locks the directory @dirp for a change of its entry @name (@len bytes):
 * write access to the mount, the directory's inode lock, the checks of
 * check_parent(). Returns the entry (positive or negative) with a
 * reference, or an ERR_PTR() with nothing held.
 */
static struct dentry *lock_entry(const struct path *root, const struct path *dirp,
				 const u8 *name, size_t len)
{
	struct dentry *dir = dirp->dentry, *entry;
	int err;

	if (dirp->mnt != root->mnt)
		return ERR_PTR(-EXDEV);
	if (!d_can_lookup(dir))
		return ERR_PTR(-ENOTDIR);
	if (len > NAME_MAX)
		return ERR_PTR(-ENAMETOOLONG);
	err = mnt_want_write(dirp->mnt);
	if (err)
		return ERR_PTR(err);
	inode_lock_nested(d_inode(dir), I_MUTEX_PARENT);
	err = check_parent(root, dir);
	if (err)
		goto fail;
	entry = lookup_one(mnt_idmap(dirp->mnt), name, dir, len);
	if (IS_ERR(entry)) {
		err = PTR_ERR(entry);
		goto fail;
	}
	return entry;
fail:
	inode_unlock(d_inode(dir));
	mnt_drop_write(dirp->mnt);
	return ERR_PTR(err);
}

/* Undoes lock_entry(); the entry's reference stays the caller's. */
static void unlock_entry(const struct path *dirp)
{
	inode_unlock(d_inode(dirp->dentry));
	mnt_drop_write(dirp->mnt);
}

/*
 * Runs with the group @gid as the file-system group if the caller belongs
 * to it (the group field of Tlcreate, Tmkdir, Tmknod, Tsymlink), else as
 * the caller: new entries take it. Returns the credentials to restore
 * (NULL: nothing changed) or an ERR_PTR().
 */
static const struct cred *use_group(u32 gid)
{
	kgid_t kgid = make_kgid(&init_user_ns, gid);
	struct cred *cred;

	if (!gid_valid(kgid) || gid_eq(kgid, current_fsgid()) || !in_group_p(kgid))
		return NULL;
	cred = prepare_creds();
	if (!cred)
		return ERR_PTR(-ENOMEM);
	cred->fsgid = kgid;
	return override_creds(cred);
}

static void end_group(const struct cred *old)
{
	const struct cred *cred;

	if (!old)
		return;
	cred = current_cred();
	revert_creds(old);
	put_cred(cred);
}

/*
 * vfs_mkdir() may leave the new entry unhashed (file systems that look it
 * up again); then look it up again, as nfsd does. Consumes @entry.
 */
static struct dentry *hashed_entry(const struct path *dirp, struct dentry *entry)
{
	struct dentry *again;

	if (!d_unhashed(entry))
		return entry;
	again = lookup_one(mnt_idmap(dirp->mnt), entry->d_name.name, dirp->dentry,
			   entry->d_name.len);
	dput(entry);
	if (!IS_ERR(again) && d_is_negative(again)) {
		dput(again);
		return ERR_PTR(-ENOENT);
	}
	return again;
}

/* What make_entry() makes. */
struct entry_spec {
	umode_t mode;		/* type and permissions */
	const char *target;	/* of a symlink */
};

/* Makes the negative @entry of the locked @dirp as @spec says. */
static int make_locked(const struct path *dirp, struct dentry **entry,
		       const struct entry_spec *spec)
{
	struct mnt_idmap *idmap = mnt_idmap(dirp->mnt);
	struct inode *dir = d_inode(dirp->dentry);
	umode_t perm = spec->mode & S_IALLUGO;
	int err;

	switch (spec->mode & S_IFMT) {
	case S_IFDIR:
		err = vfs_mkdir(idmap, dir, *entry, perm);
		if (!err)
			*entry = hashed_entry(dirp, *entry);
		return err;
	case S_IFREG:
		return vfs_create(idmap, dir, *entry, S_IFREG | perm, true);
	case S_IFIFO:
	case S_IFSOCK:
		return vfs_mknod(idmap, dir, *entry, spec->mode & (S_IFMT | S_IALLUGO), 0);
	case S_IFLNK:
		return vfs_symlink(idmap, dir, *entry, spec->target);
	default:
		return -EINVAL;
	}
}

/*
 * Makes the entry @name (@len bytes) of @dirp, a new one (EEXIST if not),
 * with group @gid; see make_locked(). Returns its dentry or an ERR_PTR().
 */
static struct dentry *make_entry(const struct path *root, const struct path *dirp,
				 const u8 *name, size_t len, u32 gid,
				 const struct entry_spec *spec)
{
	const struct cred *old;
	struct dentry *entry;
	int err;

	old = use_group(gid);
	if (IS_ERR(old))
		return ERR_CAST(old);
	entry = lock_entry(root, dirp, name, len);
	if (IS_ERR(entry))
		goto out;
	err = d_really_is_positive(entry) ? -EEXIST : make_locked(dirp, &entry, spec);
	unlock_entry(dirp);
	if (err) {
		if (!IS_ERR(entry))
			dput(entry);
		entry = ERR_PTR(err);
	}
out:
	end_group(old);
	return entry;
}

/*
 * Creates the directory @name in @dirp with @mode (the client's umask
 * applied already) and group @gid. Returns its dentry or an ERR_PTR().
 */
struct dentry *rust_9p_mkdir(const struct path *root, const struct path *dirp,
			     const u8 *name, size_t len, u32 mode, u32 gid)
{
	struct entry_spec spec = { .mode = S_IFDIR | (mode & S_IALLUGO) };

	return make_entry(root, dirp, name, len, gid, &spec);
}

/*
 * Creates the fifo, socket or (with type S_IFREG) empty regular file
 * @name in @dirp. Devices and directories are refused before this is
 * called. Returns its dentry or an ERR_PTR().
 */
struct dentry *rust_9p_mknod(const struct path *root, const struct path *dirp,
			     const u8 *name, size_t len, u32 mode, u32 gid)
{
	struct entry_spec spec = { .mode = mode & (S_IFMT | S_IALLUGO) };
	umode_t type = mode & S_IFMT;

	if (type != S_IFREG && type != S_IFIFO && type != S_IFSOCK)
		return ERR_PTR(-EINVAL);
	return make_entry(root, dirp, name, len, gid, &spec);
}

/*
 * Creates the symlink @name in @dirp pointing at @target (@tlen bytes,
 * never followed here; checked for NUL and length before). Returns its
 * dentry or an ERR_PTR().
 */
struct dentry *rust_9p_symlink(const struct path *root, const struct path *dirp,
			       const u8 *name, size_t len, const u8 *target, size_t tlen,
			       u32 gid)
{
	struct entry_spec spec = { .mode = S_IFLNK };
	struct dentry *entry;
	char *ctarget;

	if (tlen >= PATH_MAX)
		return ERR_PTR(-ENAMETOOLONG);
	ctarget = kmemdup_nul(target, tlen, GFP_KERNEL);
	if (!ctarget)
		return ERR_PTR(-ENOMEM);
	spec.target = ctarget;
	entry = make_entry(root, dirp, name, len, gid, &spec);
	kfree(ctarget);
	return entry;
}

/*
 * Whether the caller may make a hard link to @inode, by the rule of
 * protected_hardlinks (fs/namei.c's may_linkat, which is static): it owns
 * the file, or the file is a regular file, not setuid nor setgid-and-
 * executable, that it may read and write.
 */
static bool may_link_to(struct mnt_idmap *idmap, struct inode *inode)
{
	umode_t mode = inode->i_mode;

	if (vfsuid_eq_kuid(i_uid_into_vfsuid(idmap, inode), current_fsuid()))
		return true;
	if (!S_ISREG(mode) || (mode & S_ISUID))
		return false;
	/* Executable setgid files should not get pinned (as in namei.c). */
	if ((mode & S_ISGID) && (mode & 0010))
		return false;
	return !inode_permission(idmap, inode, MAY_READ | MAY_WRITE);
}

/* Links @source (of the same mount) as @name in @dirp. Returns 0 or -errno. */
int rust_9p_link(const struct path *root, const struct path *dirp, const u8 *name,
		 size_t len, const struct path *source)
{
	struct mnt_idmap *idmap = mnt_idmap(dirp->mnt);
	struct dentry *entry;
	int err;

	if (source->mnt != dirp->mnt)
		return -EXDEV;
	if (d_is_dir(source->dentry))
		return -EPERM;
	if (!may_link_to(idmap, d_inode(source->dentry)))
		return -EPERM;
	entry = lock_entry(root, dirp, name, len);
	if (IS_ERR(entry))
		return PTR_ERR(entry);
	if (d_really_is_positive(entry))
		err = -EEXIST;
	else
		err = vfs_link(source->dentry, idmap, d_inode(dirp->dentry), entry, NULL);
	unlock_entry(dirp);
	dput(entry);
	return err;
}

/*
 * Removes @entry from @dir (both locked): a directory with @rmdir, anything
 * else without. The attach root is never removed.
 */
static int remove_locked(const struct path *root, const struct path *dirp,
			 struct dentry *entry, bool rmdir)
{
	struct mnt_idmap *idmap = mnt_idmap(dirp->mnt);
	struct inode *dir = d_inode(dirp->dentry);

	if (d_is_negative(entry))
		return -ENOENT;
	if (entry == root->dentry)
		return -EBUSY;
	if (d_mountpoint(entry))
		return -EBUSY;
	if (rmdir)
		return d_is_dir(entry) ? vfs_rmdir(idmap, dir, entry) : -ENOTDIR;
	return d_is_dir(entry) ? -EISDIR : vfs_unlink(idmap, dir, entry, NULL);
}

/* Tunlinkat: removes @name from @dirp. Returns 0 or -errno. */
int rust_9p_unlink(const struct path *root, const struct path *dirp, const u8 *name,
		   size_t len, bool rmdir)
{
	struct dentry *entry = lock_entry(root, dirp, name, len);
	int err;

	if (IS_ERR(entry))
		return PTR_ERR(entry);
	err = remove_locked(root, dirp, entry, rmdir);
	unlock_entry(dirp);
	/* The last reference goes, and with it perhaps the inode, unlocked. */
	dput(entry);
	return err;
}

/*
 * Tremove: removes the entry @p itself from its parent, if it still is in
 * it. Returns 0 or -errno.
 */
int rust_9p_remove(const struct path *root, const struct path *p)
{
	struct path dirp = { .mnt = p->mnt };
	int err;

	if (p->dentry == root->dentry)
		return -EBUSY;
	err = mnt_want_write(p->mnt);
	if (err)
		return err;
	dirp.dentry = dget_parent(p->dentry);
	inode_lock_nested(d_inode(dirp.dentry), I_MUTEX_PARENT);
	if (p->dentry->d_parent != dirp.dentry || d_unhashed(p->dentry))
		err = -ENOENT;
	else
		err = check_parent(root, dirp.dentry);
	if (!err)
		err = remove_locked(root, &dirp, p->dentry, d_is_dir(p->dentry));
	inode_unlock(d_inode(dirp.dentry));
	mnt_drop_write(p->mnt);
	dput(dirp.dentry);
	return err;
}

/*
 * Renames the entry @old (@olen bytes) of @olddir to @new (@nlen bytes) of
 * @newdir, or, with @old NULL, the entry @source itself (Trename) to @new
 * of @newdir. Both directories are on @root's mount; the names are checked
 * ("." and ".." refused) before. Returns 0 or -errno: EXDEV across mounts,
 * EINVAL for a directory into its own subtree, ENOTEMPTY over an ancestor,
 * EBUSY for the attach root.
 */
int rust_9p_rename(const struct path *root, const struct path *olddir, const u8 *old,
		   size_t olen, const struct path *source, const struct path *newdir,
		   const u8 *new, size_t nlen)
{
	struct mnt_idmap *idmap = mnt_idmap(root->mnt);
	struct dentry *odir, *ndir = newdir->dentry, *trap, *from, *to;
	struct renamedata rd = {};
	int err;

	if (newdir->mnt != root->mnt || (old ? olddir->mnt : source->mnt) != root->mnt)
		return -EXDEV;
	if (!d_can_lookup(ndir) || (old && !d_can_lookup(olddir->dentry)))
		return -ENOTDIR;
	if (olen > NAME_MAX || nlen > NAME_MAX)
		return -ENAMETOOLONG;
	if (!old && source->dentry == root->dentry)
		return -EBUSY;
	err = mnt_want_write(root->mnt);
	if (err)
		return err;
	if (old) {
		odir = dget(olddir->dentry);
		trap = lock_rename(odir, ndir);
	} else {
		trap = lock_rename_child(source->dentry, ndir);
		odir = dget(source->dentry->d_parent);
	}
	if (IS_ERR(trap)) {
		err = PTR_ERR(trap);
		dput(odir);
		goto drop_write;
	}
	err = check_parent(root, odir);
	if (!err)
		err = check_parent(root, ndir);
	if (err)
		goto unlock;
	if (old)
		from = lookup_one(idmap, old, odir, olen);
	else if (d_unhashed(source->dentry) || source->dentry->d_parent != odir)
		from = ERR_PTR(-ENOENT);
	else
		from = dget(source->dentry);
	if (IS_ERR(from)) {
		err = PTR_ERR(from);
		goto unlock;
	}
	err = -ENOENT;
	if (d_is_negative(from))
		goto put_from;
	err = -EBUSY;
	if (from == root->dentry || d_mountpoint(from))
		goto put_from;
	err = -EINVAL;
	if (from == trap)
		goto put_from;
	to = lookup_one(idmap, new, ndir, nlen);
	if (IS_ERR(to)) {
		err = PTR_ERR(to);
		goto put_from;
	}
	err = -ENOTEMPTY;
	if (to == trap)
		goto put_to;
	err = -EBUSY;
	if (to == root->dentry || d_mountpoint(to))
		goto put_to;
	rd.old_mnt_idmap = idmap;
	rd.old_dir = d_inode(odir);
	rd.old_dentry = from;
	rd.new_mnt_idmap = idmap;
	rd.new_dir = d_inode(ndir);
	rd.new_dentry = to;
	err = vfs_rename(&rd);
put_to:
	dput(to);
put_from:
	dput(from);
unlock:
	unlock_rename(odir, ndir);
	dput(odir);
drop_write:
	mnt_drop_write(root->mnt);
	return err;
}

/*
 * Opens the existing @p for Tlopen or Tlcreate with @flags (kernel O_*
 * values, O_CREAT and friends stripped): the checks of fs/namei.c's
 * may_open, which dentry_open() does not make. Returns the file or an
 * ERR_PTR().
 */
struct file *rust_9p_open(const struct path *p, u32 flags)
{
	struct mnt_idmap *idmap = mnt_idmap(p->mnt);
	struct inode *inode = d_inode(p->dentry);
	int acc = flags & O_ACCMODE, mask = 0, err;

	if (d_is_symlink(p->dentry))
		return ERR_PTR(-ELOOP);
	if (!S_ISREG(inode->i_mode) && !S_ISDIR(inode->i_mode))
		return ERR_PTR(-EPERM);
	if ((flags & O_DIRECTORY) && !S_ISDIR(inode->i_mode))
		return ERR_PTR(-ENOTDIR);
	if (acc == O_ACCMODE)
		return ERR_PTR(-EINVAL);
	if (S_ISDIR(inode->i_mode) && (acc != O_RDONLY || (flags & O_TRUNC)))
		return ERR_PTR(-EISDIR);
	if (acc != O_WRONLY)
		mask |= MAY_READ;
	if (acc != O_RDONLY)
		mask |= (flags & O_APPEND) ? MAY_WRITE | MAY_APPEND : MAY_WRITE;
	err = inode_permission(idmap, inode, mask | MAY_OPEN);
	if (err)
		return ERR_PTR(err);
	if (IS_APPEND(inode) && acc != O_RDONLY && (!(flags & O_APPEND) || (flags & O_TRUNC)))
		return ERR_PTR(-EPERM);
	if ((flags & O_NOATIME) && !inode_owner_or_capable(idmap, inode))
		flags &= ~O_NOATIME;
	return dentry_open(p, flags | O_LARGEFILE, current_cred());
}

/*
 * Creates and opens the regular file @name in @dirp (Tlcreate), with @mode
 * and group @gid; the new file is opened without a permission check, as
 * open(O_CREAT) does. An existing @name is opened by rust_9p_open()'s rules
 * (EEXIST with O_EXCL), never changed. Returns the file or an ERR_PTR().
 */
struct file *rust_9p_create(const struct path *root, const struct path *dirp,
			    const u8 *name, size_t len, u32 flags, u32 mode, u32 gid)
{
	struct path entry = { .mnt = dirp->mnt };
	const struct cred *old;
	struct file *file;

	old = use_group(gid);
	if (IS_ERR(old))
		return ERR_CAST(old);
	entry.dentry = lock_entry(root, dirp, name, len);
	if (IS_ERR(entry.dentry)) {
		file = ERR_CAST(entry.dentry);
		goto out;
	}
	if (d_is_negative(entry.dentry)) {
		file = dentry_create(&entry, (flags & ~O_EXCL) | O_LARGEFILE,
				     S_IFREG | (mode & S_IALLUGO), current_cred());
		unlock_entry(dirp);
	} else {
		unlock_entry(dirp);
		file = (flags & O_EXCL) ? ERR_PTR(-EEXIST) : rust_9p_open(&entry, flags);
	}
	dput(entry.dentry);
out:
	end_group(old);
	return file;
}

/* Writes @len bytes of @buf at @offset (appends, with O_APPEND). */
ssize_t rust_9p_write(struct file *file, const u8 *buf, size_t len, u64 offset)
{
	loff_t pos = offset;

	if (offset > LLONG_MAX)
		return -EINVAL;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	return kernel_write(file, buf, len, &pos);
}

/*
 * Tsetattr on @p (through @file, when the fid is open for writing, for
 * ftruncate's rules). Returns 0 or -errno.
 */
int rust_9p_setattr(const struct path *p, struct file *file, const struct rust_9p_setattr *sa)
{
	struct mnt_idmap *idmap = mnt_idmap(p->mnt);
	struct dentry *dentry = p->dentry;
	struct inode *inode = d_inode(dentry);
	struct iattr ia = {};
	int err;

	if ((sa->valid & P9_ATTR_UID) && sa->uid == (u32)-1)
		return -EINVAL;
	if ((sa->valid & P9_ATTR_GID) && sa->gid == (u32)-1)
		return -EINVAL;
	if (((sa->valid & P9_ATTR_ATIME_SET) && sa->atime_nsec >= NSEC_PER_SEC) ||
	    ((sa->valid & P9_ATTR_MTIME_SET) && sa->mtime_nsec >= NSEC_PER_SEC))
		return -EINVAL;
	if ((sa->valid & P9_ATTR_SIZE) && sa->size > LLONG_MAX)
		return -EINVAL;
	if (file && !(file->f_mode & FMODE_WRITE))
		file = NULL;
	/* A size change without a writable fid: truncate(2)'s rules. */
	if ((sa->valid & P9_ATTR_SIZE) && !file) {
		err = vfs_truncate(p, sa->size);
		if (err)
			return err;
	}
	if (sa->valid & P9_ATTR_MODE) {
		ia.ia_valid |= ATTR_MODE;
		/* The permission bits change; the file type stays. */
		ia.ia_mode = (sa->mode & S_IALLUGO) | (inode->i_mode & ~S_IALLUGO);
	}
	if (sa->valid & P9_ATTR_UID) {
		ia.ia_valid |= ATTR_UID;
		ia.ia_vfsuid = VFSUIDT_INIT(make_kuid(&init_user_ns, sa->uid));
	}
	if (sa->valid & P9_ATTR_GID) {
		ia.ia_valid |= ATTR_GID;
		ia.ia_vfsgid = VFSGIDT_INIT(make_kgid(&init_user_ns, sa->gid));
	}
	/*
	 * An owner change drops setuid and setgid, as chown(2) does, unless
	 * the mode is set in the same request: the v9fs client sends the mode
	 * its own notify_change() took them out of, and that mode is what is
	 * meant (notify_change() BUG()s on ATTR_KILL_S*ID beside ATTR_MODE).
	 */
	if ((ia.ia_valid & (ATTR_UID | ATTR_GID)) && !S_ISDIR(inode->i_mode)) {
		ia.ia_valid |= ATTR_KILL_PRIV;
		if (!(ia.ia_valid & ATTR_MODE))
			ia.ia_valid |= ATTR_KILL_SUID | ATTR_KILL_SGID;
	}
	if ((sa->valid & P9_ATTR_SIZE) && file) {
		ia.ia_valid |= ATTR_SIZE | ATTR_FILE;
		ia.ia_size = sa->size;
		ia.ia_file = file;
		if (IS_APPEND(inode))
			return -EPERM;
	}
	if (sa->valid & P9_ATTR_ATIME) {
		ia.ia_valid |= ATTR_ATIME;
		if (sa->valid & P9_ATTR_ATIME_SET) {
			ia.ia_valid |= ATTR_ATIME_SET;
			ia.ia_atime.tv_sec = (s64)sa->atime_sec;
			ia.ia_atime.tv_nsec = sa->atime_nsec;
		}
	}
	if (sa->valid & P9_ATTR_MTIME) {
		ia.ia_valid |= ATTR_MTIME;
		if (sa->valid & P9_ATTR_MTIME_SET) {
			ia.ia_valid |= ATTR_MTIME_SET;
			ia.ia_mtime.tv_sec = (s64)sa->mtime_sec;
			ia.ia_mtime.tv_nsec = sa->mtime_nsec;
		}
	}
	/* Times set to now: owner, or anyone who may write (utimes(NULL)). */
	if ((ia.ia_valid & (ATTR_ATIME | ATTR_MTIME)) &&
	    !(ia.ia_valid & (ATTR_ATIME_SET | ATTR_MTIME_SET)))
		ia.ia_valid |= ATTR_TOUCH;
	if (sa->valid & P9_ATTR_CTIME)
		ia.ia_valid |= ATTR_CTIME;
	if (!ia.ia_valid)
		return 0;
	err = mnt_want_write(p->mnt);
	if (err)
		return err;
	inode_lock(inode);
	/*
	 * The v9fs client clears setuid and setgid before a write by sending
	 * the mode without them, from a writer that need not own the file:
	 * do that as the kernel's own write path does (file_remove_privs()).
	 */
	if (ia.ia_valid == ATTR_MODE && S_ISREG(inode->i_mode) &&
	    ia.ia_mode == (inode->i_mode & ~(S_ISUID | S_ISGID)) &&
	    (inode->i_mode & (S_ISUID | S_ISGID)) &&
	    !inode_owner_or_capable(idmap, inode) &&
	    !inode_permission(idmap, inode, MAY_WRITE)) {
		ia.ia_valid = ATTR_FORCE | setattr_should_drop_suidgid(idmap, inode);
	} else if (ia.ia_valid == ATTR_CTIME &&
		   !inode_owner_or_capable(idmap, inode)) {
		/* ctime alone: like a touch, for owners and writers. */
		err = inode_permission(idmap, inode, MAY_WRITE);
	}
	if (!err && (ia.ia_valid & ATTR_SIZE) && file)
		err = file_remove_privs(file);
	if (!err)
		err = notify_change(idmap, dentry, &ia, NULL);
	inode_unlock(inode);
	mnt_drop_write(p->mnt);
	return err;
}

/*
 * Sets extended attribute @name (@nlen bytes) of @p to @value (@size
 * bytes) with setxattr(2)'s @flags, or removes it when @size is 0. The ACL
 * names go through the ACL helpers, as the system calls do (6.12's
 * vfs_setxattr() refuses them). Returns 0 or -errno.
 */
int rust_9p_setxattr(const struct path *p, const u8 *name, size_t nlen, const u8 *value,
		     size_t size, u32 flags)
{
	struct mnt_idmap *idmap = mnt_idmap(p->mnt);
	char cname[XATTR_NAME_MAX + 1];
	struct posix_acl *acl;
	int err;

	err = rust_9p_xattr_name(cname, name, nlen);
	if (err)
		return err;
	err = mnt_want_write(p->mnt);
	if (err)
		return err;
	if (is_posix_acl_xattr(cname) && !size) {
		err = vfs_remove_acl(idmap, p->dentry, cname);
	} else if (is_posix_acl_xattr(cname)) {
		acl = posix_acl_from_xattr(current_user_ns(), value, size);
		if (IS_ERR(acl)) {
			err = PTR_ERR(acl);
		} else {
			err = vfs_set_acl(idmap, p->dentry, cname, acl);
			posix_acl_release(acl);
		}
	} else if (!size) {
		err = vfs_removexattr(idmap, p->dentry, cname);
	} else {
		err = vfs_setxattr(idmap, p->dentry, cname, value, size, flags);
	}
	mnt_drop_write(p->mnt);
	return err;
}
