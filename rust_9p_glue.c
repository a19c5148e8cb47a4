// SPDX-License-Identifier: GPL-2.0
/*
 * rust_9p: module parameters and the debugfs directory.
 *
 * Rust for Linux 6.12 has no module parameters and no debugfs, so both
 * live here as thin helpers; rust_9p/params.rs validates the parameters,
 * and rust_9p/counters.rs writes the counters and clients files. The VFS helpers are in
 * rust_9p/vfs/vfs.c.
 */
#include <linux/debugfs.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>

#include "glue/params.h"

#include "rust_9p/glue.h"

/* ------------------------------------------------------------ parameters */

RKS_LISTEN_PARAMS(rust_9p, 564);

static char root[PATH_MAX];
module_param_string(root, root, sizeof(root), 0444);
MODULE_PARM_DESC(root, "Absolute path of the directory to export (required)");

static int msize = 512 * 1024;
module_param(msize, int, 0444);
MODULE_PARM_DESC(msize, "Largest message size agreed with a client, 4096-1048576 (default: 524288)");

static int zero_copy_min = 4096;
module_param(zero_copy_min, int, 0444);
MODULE_PARM_DESC(zero_copy_min, "Reads of at least this many bytes are sent from the file's pages without copying them; 0 for never, at most 1048576 (default: 4096)");

static int max_connections = 64;
module_param(max_connections, int, 0444);
MODULE_PARM_DESC(max_connections, "Connections served at once; more are closed, 1-65536 (default: 64)");

static int max_per_peer = 16;
module_param(max_per_peer, int, 0444);
MODULE_PARM_DESC(max_per_peer, "Connections from one client address served at once; more are closed, 1-max_connections (default: 16)");

static int max_fids = 16384;
module_param(max_fids, int, 0444);
MODULE_PARM_DESC(max_fids, "Fids one connection may hold, 16-1048576 (default: 4096)");

static int max_fids_total = 262144;
module_param(max_fids_total, int, 0444);
MODULE_PARM_DESC(max_fids_total, "Fids all connections together may hold, 16-16777216 (default: 262144)");

static int max_open_files = 16384;
module_param(max_open_files, int, 0444);
MODULE_PARM_DESC(max_open_files, "Files and directories all connections together may have open, 16-1048576 (default: 4096)");

static int max_xattr_bytes = 16 * 1024 * 1024;
module_param(max_xattr_bytes, int, 0444);
MODULE_PARM_DESC(max_xattr_bytes, "Bytes of extended attribute values all connections together may hold in fids, 65536-1073741824 (default: 16777216)");

static int idle_timeout;
module_param(idle_timeout, int, 0444);
MODULE_PARM_DESC(idle_timeout, "Seconds without a request before a connection is closed, 0 for never, at most 86400 (default: 0)");

static int write_timeout = 30;
module_param(write_timeout, int, 0444);
MODULE_PARM_DESC(write_timeout, "Seconds a client may take to read a batch of replies before its connection is reset, 1-3600 (default: 30)");

static unsigned int uid = 65534;
module_param(uid, uint, 0444);
MODULE_PARM_DESC(uid, "User id of every file access, 0-4294967294 (default: 65534)");

static unsigned int gid = 65534;
module_param(gid, uint, 0444);
MODULE_PARM_DESC(gid, "Group id of every file access, 0-4294967294 (default: 65534)");

static bool read_only;
module_param(read_only, bool, 0444);
MODULE_PARM_DESC(read_only, "Refuse every change to the export with EROFS; locks and fsync are still answered (default: N)");

static bool no_root_squash;
module_param(no_root_squash, bool, 0444);
MODULE_PARM_DESC(no_root_squash, "Serve uid 0 as uid 0 with the file-system capabilities only, instead of as uid/gid (default: N)");

static bool multi_user;
module_param(multi_user, bool, 0444);
MODULE_PARM_DESC(multi_user, "Access files as the numeric user of each attach (n_uname), with its groups from /etc/passwd and /etc/group (default: N)");

const char *rust_9p_param_root(void) { return root; }
int rust_9p_param_msize(void) { return msize; }
int rust_9p_param_zero_copy_min(void) { return zero_copy_min; }
int rust_9p_param_max_connections(void) { return max_connections; }
int rust_9p_param_max_fids(void) { return max_fids; }
int rust_9p_param_max_fids_total(void) { return max_fids_total; }
int rust_9p_param_max_open_files(void) { return max_open_files; }
int rust_9p_param_max_xattr_bytes(void) { return max_xattr_bytes; }
int rust_9p_param_idle_timeout(void) { return idle_timeout; }
int rust_9p_param_write_timeout(void) { return write_timeout; }
int rust_9p_param_max_per_peer(void) { return max_per_peer; }
unsigned int rust_9p_param_uid(void) { return uid; }
unsigned int rust_9p_param_gid(void) { return gid; }
bool rust_9p_param_multi_user(void) { return multi_user; }
bool rust_9p_param_read_only(void) { return read_only; }
bool rust_9p_param_no_root_squash(void) { return no_root_squash; }

/* --------------------------------------------------------------- debugfs */

static struct dentry *debugfs_dir;

static int counters_show(struct seq_file *m, void *v)
{
	return rust_9p_show_counters(m);
}
DEFINE_SHOW_ATTRIBUTE(counters);

static int clients_show(struct seq_file *m, void *v)
{
	return rust_9p_show_clients(m, m->private);
}
DEFINE_SHOW_ATTRIBUTE(clients);

/*
 * Creates /sys/kernel/debug/rust_9p/counters and clients (nothing if
 * debugfs is off); @clients is the list the clients file shows.
 */
void rust_9p_debugfs_init(void *clients)
{
	debugfs_dir = debugfs_create_dir("rust_9p", NULL);
	debugfs_create_file("counters", 0400, debugfs_dir, NULL, &counters_fops);
	debugfs_create_file("clients", 0400, debugfs_dir, clients, &clients_fops);
}

void rust_9p_debugfs_exit(void)
{
	debugfs_remove_recursive(debugfs_dir);
}

/* Shared with the other modules, linked into this one. */
#include "glue/creds.c"
#include "glue/file.c"
/* The runtime's helpers, linked into this module. */
#include "glue/runtime.c"
