// SPDX-License-Identifier: GPL-2.0
/*
 * rust_fingerd: module parameters, file access with a user's credentials,
 * and the runtime's C helpers.
 *
 * Rust for Linux 6.12 has no module parameters, so they are declared here
 * and read through accessors; validation happens in rust_fingerd/params.rs.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/namei.h>
#include <linux/ratelimit.h>
#include <linux/stat.h>
#include <linux/uidgid.h>

#include "glue/params.h"
#include "glue/file.c"

/* Called from Rust. */
const char *rust_fingerd_param_group(void);
int rust_fingerd_param_deadline_ms(void);
int rust_fingerd_param_max_clients(void);
int rust_fingerd_param_max_per_peer(void);
bool rust_fingerd_param_list_users(void);
int rust_fingerd_param_max_plan_size(void);
bool rust_fingerd_log_ratelimit(void);
int rust_fingerd_stat_key(const char *path, u64 key[4]);
void *rust_fingerd_read_owned(const char *path, u32 uid, size_t max, size_t *len);

RKS_LISTEN_PARAMS(rust_fingerd, 79);

static char group[64] = "finger";
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
 * Reads up to @max bytes of @path with the current credentials (the Rust
 * side makes them the owner's). The file must be a regular file owned by
 * @uid (symlinks are followed, with the same permissions). O_NONBLOCK keeps
 * a FIFO from blocking the open.
 */
void *rust_fingerd_read_owned(const char *path, u32 uid, size_t max, size_t *len)
{
	kuid_t kuid = make_kuid(&init_user_ns, uid);
	struct file *file;
	void *ret;

	if (!uid_valid(kuid))
		return ERR_PTR(-EINVAL);
	file = filp_open(path, O_RDONLY | O_NONBLOCK, 0);
	if (IS_ERR(file))
		return file;
	if (!uid_eq(file_inode(file)->i_uid, kuid))
		ret = ERR_PTR(-EPERM);
	else
		ret = read_regular(file, max, len);
	filp_close(file, NULL);
	return ret;
}

/* Shared with the other modules, linked into this one. */
#include "glue/creds.c"
#include "glue/runtime.c"
