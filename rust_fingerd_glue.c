// SPDX-License-Identifier: GPL-2.0
/*
 * rust_fingerd: module parameters, file access with a user's credentials,
 * the debugfs clients file, and the runtime's C helpers.
 *
 * Rust for Linux 6.12 has no module parameters and no debugfs, so they are
 * declared here and read through accessors; validation happens in
 * rust_fingerd/params.rs, and rust_fingerd/sessions.rs writes the clients
 * file.
 */
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/namei.h>
#include <linux/ratelimit.h>
#include <linux/seq_file.h>
#include <linux/stat.h>
#include <linux/uidgid.h>

#include "glue/file.c"
#include "glue/params.h"
#include "rust_fingerd/glue.h"

RKS_LISTEN_PARAMS(rust_fingerd, 79);

static char group[RUST_FINGERD_GROUP_PARAM_LEN] = "finger";
module_param_string(group, group, sizeof(group), 0444);
MODULE_PARM_DESC(group, "Group whose members are fingerable (default: finger)");

static int deadline_ms = 10000;
module_param(deadline_ms, int, 0444);
MODULE_PARM_DESC(deadline_ms, "Time a connection may take from accept to reply, 100-600000 ms (default: 10000)");

static int max_clients = 128;
module_param(max_clients, int, 0444);
MODULE_PARM_DESC(max_clients, "Queries served at once; more wait in a queue, 1-65536 (default: 128)");

static int max_per_peer = 8;
module_param(max_per_peer, int, 0444);
MODULE_PARM_DESC(max_per_peer, "Open connections per client address; more are closed, 1-65536 (default: 8)");

static bool list_users = true;
module_param(list_users, bool, 0444);
MODULE_PARM_DESC(list_users, "Answer the empty query with the list of users (default: Y)");

static int max_plan_size = 65536;
module_param(max_plan_size, int, 0444);
MODULE_PARM_DESC(max_plan_size, "Bytes of a .plan sent at most, 1-1048576 (default: 65536)");

const char *rust_fingerd_param_group(void) { return group; }
int rust_fingerd_param_deadline_ms(void) { return deadline_ms; }
int rust_fingerd_param_max_clients(void) { return max_clients; }
int rust_fingerd_param_max_per_peer(void) { return max_per_peer; }
bool rust_fingerd_param_list_users(void) { return list_users; }
int rust_fingerd_param_max_plan_size(void) { return max_plan_size; }

/* The per-query log line: at most 10 per 5 seconds, then a "suppressed" note. */
static DEFINE_RATELIMIT_STATE(log_ratelimit, 5 * HZ, 10);

bool rust_fingerd_log_ratelimit(void)
{
	return __ratelimit(&log_ratelimit);
}

/* --------------------------------------------------------------- debugfs */

static struct dentry *debugfs_dir;

static int clients_show(struct seq_file *m, void *v)
{
	return rust_fingerd_show_clients(m, m->private);
}
DEFINE_SHOW_ATTRIBUTE(clients);

/*
 * Creates /sys/kernel/debug/rust_fingerd/clients (nothing if debugfs is
 * off); @clients is the list it shows.
 */
void rust_fingerd_debugfs_init(void *clients)
{
	debugfs_dir = debugfs_create_dir("rust_fingerd", NULL);
	debugfs_create_file("clients", 0400, debugfs_dir, clients, &clients_fops);
}

void rust_fingerd_debugfs_exit(void)
{
	debugfs_remove_recursive(debugfs_dir);
}

/*
 * Fills @key with what changes when @path is replaced or modified (inode,
 * size, mtime, ctime), for caching its contents.
 */
int rust_fingerd_stat_key(const char *path, u64 key[4])
{
	struct kstat st;
	struct path p;
	int err = kern_path(path, LOOKUP_FOLLOW, &p);

	if (err)
		return err;
	err = vfs_getattr(&p, &st, STATX_BASIC_STATS, AT_STATX_SYNC_AS_STAT);
	path_put(&p);
	if (err)
		return err;
	key[0] = st.ino;
	key[1] = st.size;
	key[2] = (u64)st.mtime.tv_sec * NSEC_PER_SEC + st.mtime.tv_nsec;
	key[3] = (u64)st.ctime.tv_sec * NSEC_PER_SEC + st.ctime.tv_nsec;
	return 0;
}

/*
 * File systems a user's files are never read from: FUSE and network file
 * systems, whose servers may never answer (a kworker would wait forever,
 * and rmmod with it).
 */
static const unsigned long remote_magics[] = {
	FUSE_SUPER_MAGIC, NFS_SUPER_MAGIC, SMB_SUPER_MAGIC, CIFS_SUPER_MAGIC,
	SMB2_SUPER_MAGIC, V9FS_MAGIC, CEPH_SUPER_MAGIC, AFS_SUPER_MAGIC,
	AFS_FS_MAGIC, CODA_SUPER_MAGIC,
};

static bool is_remote(const struct super_block *sb)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(remote_magics); i++)
		if (sb->s_magic == remote_magics[i])
			return true;
	return false;
}

/*
 * Reads up to @max bytes of @p, found in @dir, if it is a regular file owned
 * by @uid on @dir's file system (not a mount) that the caller may read.
 */
static void *read_checked(const struct path *dir, const struct path *p, kuid_t uid,
			  size_t max, size_t *len)
{
	struct inode *inode = d_inode(p->dentry);
	struct file *file;
	void *ret;
	int err;

	if (p->mnt != dir->mnt || p->dentry->d_sb != dir->dentry->d_sb)
		return ERR_PTR(-EXDEV);
	if (!d_is_reg(p->dentry))
		return ERR_PTR(-EINVAL);
	if (!uid_eq(inode->i_uid, uid))
		return ERR_PTR(-EPERM);
	err = inode_permission(mnt_idmap(p->mnt), inode, MAY_READ);
	if (err)
		return ERR_PTR(err);
	file = dentry_open(p, O_RDONLY | O_NOCTTY | O_NOATIME | O_LARGEFILE, current_cred());
	if (IS_ERR(file))
		return file;
	ret = read_regular(file, max, len);
	fput(file);
	return ret;
}

/*
 * Reads up to @max bytes of the file @name in the directory @home, with the
 * current credentials (the Rust side makes them the user's). Nothing is
 * opened before it is checked: @home must not be on FUSE or a network file
 * system; @name is looked up without following a symlink and must be a
 * regular file owned by @uid, on @home's file system (not a mount), that
 * the user may read. Then it is opened with dentry_open() (no device open,
 * no atime update). Returns the buffer (glue/file.rs frees it with
 * kvfree()) or an ERR_PTR(): -EREMOTE, -EXDEV, -EINVAL (not a regular file),
 * -EPERM (not the user's), or the lookup's or the read's error.
 */
void *rust_fingerd_read_published(const char *home, const char *name, u32 uid, size_t max,
				  size_t *len)
{
	kuid_t kuid = make_kuid(&init_user_ns, uid);
	struct path dir, p;
	void *ret;
	int err;

	if (!uid_valid(kuid))
		return ERR_PTR(-EINVAL);
	err = kern_path(home, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &dir);
	if (err)
		return ERR_PTR(err);
	if (is_remote(dir.dentry->d_sb)) {
		ret = ERR_PTR(-EREMOTE);
		goto put_dir;
	}
	err = vfs_path_lookup(dir.dentry, dir.mnt, name, 0, &p);
	if (err) {
		ret = ERR_PTR(err);
		goto put_dir;
	}
	ret = read_checked(&dir, &p, kuid, max, len);
	path_put(&p);
put_dir:
	path_put(&dir);
	return ret;
}

/*
 * Shared with the other modules, linked into this one (and glue/file.c,
 * included above for read_regular()).
 */
#include "glue/creds.c"
#include "glue/runtime.c"
